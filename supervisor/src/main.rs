//! vanish-init: placeholder entry point (filled in by the supervisor work).
fn main() {}
