//! The operations users perform, shared by the pages, the API and the command line.

pub mod protection;
pub mod registry;
