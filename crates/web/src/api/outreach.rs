//! The JSON API for outreach.
