//! Drawdown's integration tests: each test boots the real `drawdown` binary (a child process
//! on a free port, with its own temp data dir) and talks to it over HTTP or runs its CLI.
//!
//! PostgreSQL tests run when DRAWDOWN_TEST_PG names a server (scripts/test sets it); they
//! create and drop their own databases on it.

#![allow(clippy::unwrap_used)] // a test fails loudly by design

mod harness;

mod access;
mod accountability;
mod api_tokens;
mod audit;
mod auth;
mod cli;
mod destruction;
mod durability;
mod movement;
mod openapi;
mod outreach;
mod plan;
mod postgres;
mod posture;
mod registry;
mod vault;
mod wipe;
