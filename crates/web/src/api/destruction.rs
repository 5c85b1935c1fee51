//! The JSON API for destruction.
