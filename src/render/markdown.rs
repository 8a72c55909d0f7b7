//! Markdown reports, for change boards and wikis.

use std::io::{self, Write};

use super::opt;
use crate::inspect::Inspection;

/// Escapes a cell: pipes would split it, newlines would end the row, `<` would start an HTML
/// tag, control characters would reach the reader's terminal, and a leading `=`, `+`, `-`, `@`,
/// tab or CR would make a spreadsheet that imports the table run a formula (OWASP CSV injection).
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s != "-" {
        out.push('\'');
    }
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push_str("<br>"),
            // A name like `<script>` must stay text in a rendered report.
            '<' => out.push_str("\\<"),
            c if c.is_control() && c != '\t' => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// A table row of escaped cells.
pub(crate) fn row(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    let escaped: Vec<String> = cells.iter().map(|c| cell(c)).collect();
    writeln!(out, "| {} |", escaped.join(" | "))
}

/// A table header; `right` lists the right-aligned (numeric) columns.
pub(crate) fn header(out: &mut dyn Write, names: &[&str], right: &[usize]) -> io::Result<()> {
    writeln!(out, "| {} |", names.join(" | "))?;
    let seps: Vec<&str> = (0..names.len())
        .map(|i| if right.contains(&i) { "---:" } else { "---" })
        .collect();
    writeln!(out, "| {} |", seps.join(" | "))
}

pub fn inspection(r: &Inspection, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Tenant inspection\n")?;
    writeln!(
        out,
        "{} users, {} groups ({} licensed). Default usage location: {}.\n",
        r.users,
        r.groups,
        r.licensed_groups.len(),
        r.default_usage_location.as_deref().unwrap_or("unknown")
    )?;

    writeln!(out, "## Files read\n")?;
    header(out, &["file", "read as", "content", "records"], &[3])?;
    for s in &r.sources {
        row(
            out,
            &[
                s.file.clone(),
                s.format.to_owned(),
                s.content.to_owned(),
                s.records.to_string(),
            ],
        )?;
    }

    writeln!(out, "\n## Products\n")?;
    header(
        out,
        &[
            "product",
            "part number",
            "enabled",
            "consumed",
            "available",
            "direct only",
            "inherited only",
            "both",
            "path unknown",
        ],
        &[2, 3, 4, 5, 6, 7, 8],
    )?;
    for s in &r.skus {
        row(
            out,
            &[
                s.display_name.clone().unwrap_or_else(|| s.sku_id.clone()),
                opt(s.sku_part_number.clone()),
                opt(s.enabled),
                opt(s.consumed),
                opt(s.available),
                s.direct.to_string(),
                s.inherited.to_string(),
                s.direct_and_inherited.to_string(),
                s.unknown_path.to_string(),
            ],
        )?;
    }

    writeln!(out, "\n## Licensed groups\n")?;
    if r.licensed_groups.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(
            out,
            &[
                "group",
                "kind",
                "security",
                "licenses",
                "user members",
                "nested groups",
            ],
            &[4, 5],
        )?;
        for g in &r.licensed_groups {
            row(
                out,
                &[
                    g.display_name.clone().unwrap_or_else(|| g.group_id.clone()),
                    g.kind.to_owned(),
                    opt(g.security_enabled),
                    g.licenses.join(", "),
                    g.user_members.to_string(),
                    g.nested_groups.to_string(),
                ],
            )?;
        }
    }

    writeln!(out, "\n## Users in licensing error states\n")?;
    if r.error_states.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(out, &["error", "users", "examples"], &[1])?;
        for e in &r.error_states {
            row(
                out,
                &[e.error.clone(), e.users.to_string(), e.examples.join(", ")],
            )?;
        }
    }

    writeln!(out, "\n## Findings\n")?;
    if r.findings.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(out, &["code", "count", "what it means", "examples"], &[1])?;
        for f in &r.findings {
            row(
                out,
                &[
                    format!("`{}`", f.code),
                    f.count.to_string(),
                    f.description.to_owned(),
                    f.examples.join("; "),
                ],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_escaped_and_defused() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("=cmd|' /C calc'!A0"), "'=cmd\\|' /C calc'!A0");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-"), "-");
        assert_eq!(cell("line\nbreak"), "line<br>break");
    }
}
