//! Storage for movement: queries over the tables of its migration (0005_movement.sql).

use crate::Store;

impl Store {}
