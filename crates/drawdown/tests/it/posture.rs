//! posture: integration tests against the real server.
