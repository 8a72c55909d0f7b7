//! licplan: plans Microsoft 365 moves from direct to group-based licensing.
//!
//! The data flows `ingest` (exports → model) → `model` → `inspect` (what the tenant holds) →
//! `render` (table, Markdown, JSON). The binary only parses arguments and calls the entry points
//! in [`app`]; nothing in the library prints.
//!
//! ```no_run
//! use std::path::PathBuf;
//!
//! let loaded = licplan::ingest::load(&[PathBuf::from("testdata/contoso")])?;
//! let report = licplan::inspect::inspect(&loaded);
//! println!("{} users, {} products", report.users, report.skus.len());
//! # Ok::<(), licplan::ingest::InputErrors>(())
//! ```

pub mod app;
pub mod bundle;
pub mod catalog;
pub mod docfile;
pub mod findings;
pub mod generate;
pub mod ingest;
pub mod inspect;
pub mod model;
pub mod output;
pub mod par;
pub mod paths;
pub mod plan;
pub mod preflight;
pub mod progress;
pub mod redact;
pub mod render;
pub mod resolve;
pub mod simulate;
pub mod suggest;
pub mod verify;
