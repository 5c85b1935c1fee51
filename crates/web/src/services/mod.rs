//! The operations users perform, shared by the pages, the API and the command line.

pub mod accountability;
pub mod destruction;
pub mod movement;
pub mod outreach;
pub mod posture;
pub mod protection;
pub mod registry;
