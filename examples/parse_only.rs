//! The floor for benchmarks: read a tenant's export files into raw records — JSON records as
//! the reader's `Node` trees (what licplan's Graph mapping reads) through its streaming reader,
//! CSV rows as records — and nothing else (no model, no resolution, no report), one file after
//! another on one thread. `licplan`'s own commands are measured against it.
//!
//! cargo run --release --example parse_only -- <TENANT DIR>

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use licplan::ingest::{csvfile::CsvFile, json, text};

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        let _ =
            std::io::Write::write_all(&mut std::io::stderr(), b"usage: parse_only <TENANT DIR>\n");
        return ExitCode::from(2);
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(d) => d.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{e}\n").as_bytes());
            return ExitCode::from(2);
        }
    };
    files.sort();
    let mut records = 0u64;
    for f in &files {
        match read(f) {
            Ok(n) => records += n,
            Err(e) => {
                let _ =
                    std::io::Write::write_all(&mut std::io::stderr(), format!("{e}\n").as_bytes());
                return ExitCode::from(2);
            }
        }
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        format!("{} files, {records} records\n", files.len()).as_bytes(),
    );
    ExitCode::SUCCESS
}

fn read(path: &Path) -> Result<u64, String> {
    let is_json = path
        .extension()
        .is_some_and(|e| e == "json" || e == "jsonl");
    let mut reader = text::open(path).map_err(|e| e.to_string())?;
    if is_json {
        let mut n = 0u64;
        json::read_records(path, reader, &mut |_, _, v| {
            std::hint::black_box(&v);
            n += 1;
        })
        .map_err(|e| e.to_string())?;
        Ok(n)
    } else {
        let (first, lines) = text::first_nonblank_line(&mut reader).map_err(|e| e.to_string())?;
        let mut csv = CsvFile::open(path, reader, first, lines).map_err(|e| e.to_string())?;
        let mut n = 0u64;
        let mut skipped = Vec::new();
        while let Some(row) = csv.next_row(&mut skipped).map_err(|e| e.to_string())? {
            std::hint::black_box(row.get(Some(0)));
            n += 1;
        }
        Ok(n)
    }
}
