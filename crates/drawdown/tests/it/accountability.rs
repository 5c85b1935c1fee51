//! accountability: integration tests against the real server.
