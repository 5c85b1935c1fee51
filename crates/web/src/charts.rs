//! Charts drawn as inline SVG on the server: no script, no third-party library, readable without colour.
