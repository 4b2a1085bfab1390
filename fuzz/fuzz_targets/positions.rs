//! cargo-fuzz target `positions`: the body is `fuzz/targets.rs`, shared with `tests/fuzz_stable.rs`.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::positions(data));
