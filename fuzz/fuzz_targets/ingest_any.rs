//! The first byte picks the file name, the rest is the file: content sniffing (JSON or CSV, HTTP
//! status lines, BOMs) is exercised whatever the name says, and so are the names that matter
//! (`.jsonl`, a members file named after its group).
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "fuzz.json",
    "fuzz.csv",
    "fuzz.txt",
    "fuzz.jsonl",
    "fuzz.tsv",
    "members.241b3144-63f2-5689-bda0-e09d352c7b55.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    if let Ok(loaded) = licplan::ingest::load_bytes(name, content) {
        // What was read must also inspect without panicking.
        let _ = licplan::inspect::inspect(&loaded);
    }
});
