//! English, Dari and Pashto for the pages that registrants and checkpoint agents see.
