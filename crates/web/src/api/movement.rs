//! The JSON API for movement.
