//! destruction: integration tests against the real server.
