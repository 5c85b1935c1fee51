//! The JSON API for posture.
