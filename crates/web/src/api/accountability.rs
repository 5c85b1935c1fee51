//! The JSON API for accountability.
