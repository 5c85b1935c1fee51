//! outreach: integration tests against the real server.
