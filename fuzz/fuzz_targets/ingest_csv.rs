//! Any bytes, read as a CSV export (admin center or plain CSV).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = licplan::ingest::load_bytes("fuzz.csv", data) {
        // What was read must also inspect without panicking.
        let _ = licplan::inspect::inspect(&loaded);
    }
});
