//! licplan: plans Microsoft 365 moves from direct to group-based licensing.
//!
//! The data flows `ingest` (exports → model) → `model` → `inspect` (what the tenant holds) →
//! `render` (table, Markdown, JSON). The binary only parses arguments and calls [`run`]-style entry
//! points here; nothing in the library prints.

pub mod app;
pub mod catalog;
pub mod findings;
pub mod ingest;
pub mod inspect;
pub mod model;
pub mod render;
