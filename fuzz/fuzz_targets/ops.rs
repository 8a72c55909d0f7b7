//! Any bytes, as the text of an ops file or plan file (JSON or YAML).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = licplan::simulate::ops::parse(&text, Path::new("fuzz-ops.yaml"));
});
