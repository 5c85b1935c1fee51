//! Storage for accountability: queries over the tables of its migration (0006_accountability.sql).

use crate::Store;

impl Store {}
