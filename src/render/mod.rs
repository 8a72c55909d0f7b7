//! Rendering reports: one value, many formats, always into `impl Write`.
//!
//! Output is deterministic: rows come sorted from the report, tables have a fixed layout that
//! does not depend on the terminal's width, and nothing carries a timestamp.

pub mod attachments;
pub mod exports;
pub mod grid;
pub mod html;
pub mod inspection;
pub mod markdown;
pub mod plan;
pub mod preflight;
pub mod prices;
pub mod report;
pub mod simulation;
pub mod table;
pub mod verify;
pub mod yaml;

use std::io::{self, Write};

use serde::Serialize;

/// Output formats of `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Yaml,
    Markdown,
    /// One self-contained HTML page (plan and verify reports; any report renders).
    Html,
}

/// Writes a value as pretty JSON with a trailing newline.
///
/// # Errors
///
/// The writer's own error with its kind (`io::Error::from` unwraps serde_json's io errors), so
/// the binary can tell a closed pipe from a failure.
pub fn json<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes a value as YAML that YAML 1.1 and 1.2 readers read back the same (see [`yaml`]).
///
/// # Errors
///
/// The writer's own error with its kind.
pub fn yaml<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    yaml::write(value, out)
}

/// Renders an inspection in the chosen format.
pub fn inspection(
    report: &crate::inspect::Inspection,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(&inspection::report(report), out),
        Format::Json => json(report, out),
        Format::Yaml => yaml(report, out),
        Format::Markdown => markdown::write(&inspection::report(report), out),
        Format::Html => html::write(&inspection::report(report), out),
    }
}

/// Renders a simulation report.
pub fn simulation(
    report: &crate::simulate::report::SimReport,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(&simulation::report(report), out),
        Format::Markdown => markdown::write(&simulation::report(report), out),
        Format::Html => html::write(&simulation::report(report), out),
        Format::Json => json(report, out),
        Format::Yaml => yaml(report, out),
    }
}

/// Renders a plan.
pub fn plan(p: &crate::plan::doc::Plan, format: Format, out: &mut dyn Write) -> io::Result<()> {
    plan_with(p, format, None, out)
}

/// Renders a plan, with its monthly cost in documents when prices are given.
pub fn plan_with(
    p: &crate::plan::doc::Plan,
    format: Format,
    prices: Option<&prices::Prices>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => plan::table(p, out),
        Format::Markdown => markdown::write(&plan::report_with(p, prices), out),
        Format::Html => html::write(&plan::report_with(p, prices), out),
        Format::Json => json(p, out),
        Format::Yaml => yaml(p, out),
    }
}

/// Renders a verify report.
pub fn verify(
    r: &crate::verify::VerifyReport,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(&verify::report(r), out),
        Format::Markdown => markdown::write(&verify::report(r), out),
        Format::Html => html::write(&verify::report(r), out),
        Format::Json => json(r, out),
        Format::Yaml => yaml(r, out),
    }
}

/// Renders a partner preflight report.
pub fn preflight(
    r: &crate::preflight::PreflightReport,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(&preflight::report(r), out),
        Format::Markdown => markdown::write(&preflight::report(r), out),
        Format::Html => html::write(&preflight::report(r), out),
        Format::Json => json(r, out),
        Format::Yaml => yaml(r, out),
    }
}

/// An inspection's product row, as the terminal table and the Markdown report show it: name,
/// part number, enabled, consumed, available, direct, inherited, both, path unknown.
pub(crate) fn sku_cells(s: &crate::inspect::SkuSummary) -> Vec<String> {
    vec![
        s.display_name.clone().unwrap_or_else(|| s.sku_id.clone()),
        opt(s.sku_part_number.clone()),
        opt(s.enabled),
        opt(s.consumed),
        opt(s.available),
        s.direct.to_string(),
        s.inherited.to_string(),
        s.direct_and_inherited.to_string(),
        s.unknown_path.to_string(),
    ]
}

/// "-" for an unknown number.
pub(crate) fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
