//! Any bytes, as the text of a rules file (merged over the bundled rules).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = licplan::simulate::rules::Rules::from_yaml(&text, Path::new("fuzz-rules.yaml"));
});
