//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// Runs the real binary from the repository root (so paths in its output are relative).
pub fn licplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_licplan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the licplan binary runs")
}

/// Loads a tenant through the library, failing the test with the errors.
#[track_caller]
pub fn load(paths: &[&Path]) -> licplan::ingest::Loaded {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    match licplan::ingest::load(&paths) {
        Ok(l) => l,
        Err(e) => panic!("loading {paths:?} failed:\n{e}"),
    }
}
