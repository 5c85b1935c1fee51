//! movement: integration tests against the real server.
