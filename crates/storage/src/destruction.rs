//! Storage for destruction: queries over the tables of its migration (0004_destruction.sql).

use crate::Store;

impl Store {}
