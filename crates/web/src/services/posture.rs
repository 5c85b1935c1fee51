//! posture: the operations behind its pages, API and command line.
