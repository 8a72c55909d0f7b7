//! Any bytes, read as a JSON export (Graph REST or PowerShell).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = licplan::ingest::load_bytes("fuzz.json", data) {
        // What was read must also inspect without panicking.
        let _ = licplan::inspect::inspect(&loaded);
    }
});
