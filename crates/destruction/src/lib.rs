//! Destruction planning: holdings, methods, devices and the plan to zero. Pure: no I/O.
#![forbid(unsafe_code)]
