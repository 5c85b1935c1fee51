//! Storage for posture: queries over the tables of its migration (0003_posture.sql).

use crate::Store;

impl Store {}
