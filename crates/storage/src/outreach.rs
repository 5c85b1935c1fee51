//! Storage for outreach: queries over the tables of its migration (0007_outreach.sql).

use crate::Store;

impl Store {}
