//! Terminal tables (`--format table`).

use std::io::{self, Write};

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};

use super::opt;
use crate::inspect::Inspection;

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    // A fixed layout: the output must not change with the terminal's width.
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    t
}

fn right(t: &mut Table, columns: &[usize]) {
    for &c in columns {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

pub fn inspection(r: &Inspection, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Tenant: {} users, {} groups ({} licensed), default usage location {}",
        r.users,
        r.groups,
        r.licensed_groups.len(),
        r.default_usage_location.as_deref().unwrap_or("unknown")
    )?;

    writeln!(out, "\nFiles read")?;
    let mut t = table(&["file", "read as", "content", "records"]);
    for s in &r.sources {
        t.add_row(vec![
            s.file.clone(),
            s.format.to_owned(),
            s.content.to_owned(),
            s.records.to_string(),
        ]);
    }
    right(&mut t, &[3]);
    writeln!(out, "{t}")?;

    writeln!(out, "\nProducts")?;
    let mut t = table(&[
        "product",
        "part number",
        "enabled",
        "consumed",
        "available",
        "direct only",
        "inherited only",
        "both",
        "path unknown",
    ]);
    for s in &r.skus {
        t.add_row(vec![
            s.display_name.clone().unwrap_or_else(|| s.sku_id.clone()),
            opt(s.sku_part_number.clone()),
            opt(s.enabled),
            opt(s.consumed),
            opt(s.available),
            s.direct.to_string(),
            s.inherited.to_string(),
            s.direct_and_inherited.to_string(),
            s.unknown_path.to_string(),
        ]);
    }
    right(&mut t, &[2, 3, 4, 5, 6, 7, 8]);
    writeln!(out, "{t}")?;

    writeln!(out, "\nLicensed groups")?;
    if r.licensed_groups.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = table(&[
            "group",
            "kind",
            "security",
            "licenses",
            "user members",
            "nested groups",
        ]);
        for g in &r.licensed_groups {
            t.add_row(vec![
                g.display_name.clone().unwrap_or_else(|| g.group_id.clone()),
                g.kind.to_owned(),
                opt(g.security_enabled),
                g.licenses.join(", "),
                g.user_members.to_string(),
                g.nested_groups.to_string(),
            ]);
        }
        right(&mut t, &[4, 5]);
        writeln!(out, "{t}")?;
    }

    writeln!(out, "\nUsers in licensing error states")?;
    if r.error_states.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = table(&["error", "users", "examples"]);
        for e in &r.error_states {
            t.add_row(vec![
                e.error.clone(),
                e.users.to_string(),
                e.examples.join("\n"),
            ]);
        }
        right(&mut t, &[1]);
        writeln!(out, "{t}")?;
    }

    writeln!(out, "\nFindings")?;
    if r.findings.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = table(&["code", "count", "examples"]);
        for f in &r.findings {
            t.add_row(vec![
                f.code.to_owned(),
                f.count.to_string(),
                f.examples.join("\n"),
            ]);
        }
        right(&mut t, &[1]);
        writeln!(out, "{t}")?;
    }
    Ok(())
}
