//! Terminal tables (`--format table`).

use std::io::{self, Write};

use super::grid::{add_row, clean, new_table, right, Cell};

use super::opt;
use crate::inspect::Inspection;

pub fn inspection(r: &Inspection, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Tenant: {} users, {} groups ({} licensed), default usage location {}",
        r.users,
        r.groups,
        r.licensed_groups.len(),
        clean(r.default_usage_location.as_deref().unwrap_or("unknown"))
    )?;

    writeln!(out, "\nFiles read")?;
    let mut t = new_table(&["file", "read as", "content", "records"]);
    for s in &r.sources {
        add_row(
            &mut t,
            vec![
                s.file.clone().into(),
                s.format.as_str().into(),
                s.content.as_str().into(),
                s.records.to_string().into(),
            ],
        );
    }
    right(&mut t, &[3]);
    writeln!(out, "{t}")?;

    writeln!(out, "\nEvidence")?;
    let mut t = new_table(&["check", "status", "detail", "fix"]);
    for e in &r.evidence {
        add_row(
            &mut t,
            vec![
                e.check.as_str().into(),
                e.status.as_str().into(),
                e.detail.clone().into(),
                e.fix.clone().unwrap_or_default().into(),
            ],
        );
    }
    writeln!(out, "{t}")?;

    writeln!(out, "\nProducts")?;
    let mut t = new_table(&[
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
        add_row(
            &mut t,
            super::sku_cells(s).into_iter().map(Cell::from).collect(),
        );
    }
    right(&mut t, &[2, 3, 4, 5, 6, 7, 8]);
    writeln!(out, "{t}")?;

    writeln!(out, "\nLicensed groups")?;
    if r.licensed_groups.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&[
            "group",
            "kind",
            "security",
            "licenses",
            "user members",
            "nested groups",
        ]);
        for g in &r.licensed_groups {
            add_row(
                &mut t,
                vec![
                    g.display_name
                        .clone()
                        .unwrap_or_else(|| g.group_id.clone())
                        .into(),
                    g.kind.into(),
                    opt(g.security_enabled).into(),
                    g.licenses.join(", ").into(),
                    g.user_members.to_string().into(),
                    g.nested_groups.to_string().into(),
                ],
            );
        }
        right(&mut t, &[4, 5]);
        writeln!(out, "{t}")?;
    }

    writeln!(out, "\nUsers in licensing error states")?;
    if r.error_states.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&["error", "users", "examples"]);
        for e in &r.error_states {
            add_row(
                &mut t,
                vec![
                    e.error.to_string().into(),
                    e.users.to_string().into(),
                    Cell::Lines(e.examples.clone()),
                ],
            );
        }
        right(&mut t, &[1]);
        writeln!(out, "{t}")?;
    }

    writeln!(out, "\nFindings")?;
    if r.findings.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&["code", "count", "examples"]);
        for f in &r.findings {
            add_row(
                &mut t,
                vec![
                    f.code.into(),
                    f.count.to_string().into(),
                    Cell::Lines(f.examples.clone()),
                ],
            );
        }
        right(&mut t, &[1]);
        writeln!(out, "{t}")?;
    }
    Ok(())
}

/// The "Not checked" table that follows a verdict (plan and simulate alike): each check the run
/// could not make, what it did not check, and how to get the evidence. Nothing when all ran.
pub(crate) fn unchecked(
    word: &str,
    unchecked: &[crate::simulate::report::Unchecked],
    out: &mut dyn Write,
) -> io::Result<()> {
    if unchecked.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nNot checked ({word})")?;
    let mut t = new_table(&["check", "what was not checked", "fix"]);
    for u in unchecked {
        add_row(
            &mut t,
            vec![
                u.check.as_str().into(),
                u.reason.clone().into(),
                u.fix.clone().into(),
            ],
        );
    }
    writeln!(out, "{t}")
}
