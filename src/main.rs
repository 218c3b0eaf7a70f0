//! The `placesim` command line (placeholder).
fn main() {}
