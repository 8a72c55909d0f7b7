//! `licplan simulate` as text: each step with its effect and seats, then errors and violations.

use std::io::{self, Write};

use super::grid::{add_row, clean, new_table, Cell};

use crate::simulate::report::SimReport;

fn seats(line: &crate::simulate::report::SeatLine) -> String {
    match line.enabled {
        Some(e) => format!("{} {}/{e}", line.sku, line.consumed),
        None => format!("{} {}/?", line.sku, line.consumed),
    }
}

/// Above this many steps they are listed one per line instead of in a grid. A grid pads every
/// row to its widest cell, holds the whole table in memory and is laid out before its first
/// line is written: for a million-user plan's 417,000 steps that was a 1.1 GB text built in
/// 5.4 GB, not something a person reads on a terminal.
const GRID_STEPS: usize = 500;

pub fn table_report(r: &SimReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Simulation: {} step(s), {} error(s), {} violation(s): {}",
        r.steps.len(),
        r.errors.len(),
        r.violations.len(),
        r.verdict.status.word()
    )?;
    super::table::unchecked(r.verdict.status.word(), &r.verdict.unchecked, out)?;
    writeln!(out, "\nSteps")?;
    if r.steps.len() > GRID_STEPS {
        step_lines(r, out)?;
    } else {
        let mut t = new_table(&["step", "op", "effect", "seats (consumed/enabled)"]);
        for s in &r.steps {
            let seat_text: Vec<String> = s.seats.iter().map(seats).collect();
            add_row(
                &mut t,
                vec![
                    s.step.to_string().into(),
                    s.op.clone().into(),
                    s.effect.clone().into(),
                    Cell::Lines(seat_text),
                ],
            );
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "\nErrors")?;
    if r.errors.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&["step", "error", "user", "group", "product", "detail"]);
        for e in &r.errors {
            let mut error = e.error.to_string();
            if e.at_risk {
                error.push_str(" (at risk)");
            }
            add_row(
                &mut t,
                vec![
                    e.step.to_string().into(),
                    error.into(),
                    e.user.clone().unwrap_or_default().into(),
                    e.group.clone().unwrap_or_default().into(),
                    e.sku.clone().unwrap_or_default().into(),
                    e.detail.clone().into(),
                ],
            );
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "\nViolations")?;
    if r.violations.is_empty() {
        writeln!(
            out,
            "(none: no user loses a license or a service, and no step runs out of seats)"
        )?;
    } else {
        let mut t = new_table(&["step", "kind", "user", "lost", "cause"]);
        for v in &r.violations {
            add_row(
                &mut t,
                vec![
                    v.step.to_string().into(),
                    match v.kind {
                        crate::simulate::report::ViolationKind::Loss => "loss".into(),
                        crate::simulate::report::ViolationKind::Seats => "seats".into(),
                    },
                    v.user.clone().unwrap_or_default().into(),
                    v.lost.clone().into(),
                    v.cause.clone().into(),
                ],
            );
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "\nAssumptions")?;
    for a in &r.assumptions {
        writeln!(out, "- {}", clean(a))?;
    }
    Ok(())
}

/// The report as Markdown: the same sections as the table, each name escaped by
/// [`super::markdown::cell`] (no live link, image or tag, no formula, no hidden character).
pub fn markdown(r: &SimReport, out: &mut dyn Write) -> io::Result<()> {
    use super::markdown::{code, header, row, text};
    writeln!(out, "# Simulation\n")?;
    writeln!(
        out,
        "{} step(s), {} error(s), {} violation(s): **{}**.\n",
        r.steps.len(),
        r.errors.len(),
        r.violations.len(),
        r.verdict.status.word()
    )?;
    if !r.verdict.unchecked.is_empty() {
        writeln!(
            out,
            "## Not checked\n\nThe verdict is **{}**: these checks could not run on the exports read.\n",
            r.verdict.status.word()
        )?;
        header(out, &["check", "what was not checked", "fix"], &[])?;
        for u in &r.verdict.unchecked {
            row(
                out,
                &[
                    code(u.check.as_str()),
                    u.reason.as_str().into(),
                    u.fix.as_str().into(),
                ],
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "## Steps\n")?;
    if r.steps.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(
            out,
            &["step", "op", "effect", "seats (consumed/enabled)"],
            &[0],
        )?;
        for s in &r.steps {
            let seat_text: Vec<String> = s.seats.iter().map(seats).collect();
            row(
                out,
                &[
                    s.step.to_string().into(),
                    s.op.clone().into(),
                    s.effect.clone().into(),
                    seat_text.join(", ").into(),
                ],
            )?;
        }
    }
    writeln!(out, "\n## Errors\n")?;
    if r.errors.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(
            out,
            &["step", "error", "user", "group", "product", "detail"],
            &[0],
        )?;
        for e in &r.errors {
            let mut error = e.error.to_string();
            if e.at_risk {
                error.push_str(" (at risk)");
            }
            row(
                out,
                &[
                    e.step.to_string().into(),
                    code(error),
                    e.user.clone().unwrap_or_default().into(),
                    e.group.clone().unwrap_or_default().into(),
                    e.sku.clone().unwrap_or_default().into(),
                    e.detail.clone().into(),
                ],
            )?;
        }
    }
    writeln!(out, "\n## Violations\n")?;
    if r.violations.is_empty() {
        writeln!(
            out,
            "None: no user loses a license or a service, and no step runs out of seats."
        )?;
    } else {
        header(out, &["step", "kind", "user", "lost", "cause"], &[0])?;
        for v in &r.violations {
            row(
                out,
                &[
                    v.step.to_string().into(),
                    match v.kind {
                        crate::simulate::report::ViolationKind::Loss => "loss".into(),
                        crate::simulate::report::ViolationKind::Seats => "seats".into(),
                    },
                    v.user.clone().unwrap_or_default().into(),
                    v.lost.clone().into(),
                    v.cause.clone().into(),
                ],
            )?;
        }
    }
    writeln!(out, "\n## Assumptions\n")?;
    if r.assumptions.is_empty() {
        writeln!(out, "- None.")?;
    }
    for a in &r.assumptions {
        writeln!(out, "- {}", text(a))?;
    }
    Ok(())
}

/// Every step on lines of its own, written as it goes: the step and op, then the effect and
/// the seats after it, indented.
fn step_lines(r: &SimReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "({} steps, listed one by one; --format json or yaml gives them as records)",
        r.steps.len()
    )?;
    // Names come from the exports: control characters are escaped as in the grid, and line
    // breaks too, so each field stays on its line.
    let line = clean;
    let width = r.steps.last().map_or(1, |s| s.step.to_string().len());
    for s in &r.steps {
        writeln!(out, "{:>width$}  {}", s.step, line(&s.op))?;
        if !s.effect.is_empty() {
            writeln!(out, "{:width$}    {}", "", line(&s.effect))?;
        }
        let seat_text: Vec<String> = s.seats.iter().map(seats).collect();
        if !seat_text.is_empty() {
            writeln!(
                out,
                "{:width$}    seats: {}",
                "",
                line(&seat_text.join(", "))
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::report::{SeatLine, StepReport};

    fn report(steps: usize) -> SimReport {
        SimReport {
            schema_version: crate::simulate::report::SCHEMA_VERSION,
            safe: true,
            verdict: crate::simulate::report::SimVerdict {
                status: crate::simulate::report::VerdictStatus::Safe,
                unchecked: Vec::new(),
            },
            steps: (1..=steps)
                .map(|i| StepReport {
                    step: i,
                    op: format!("add-member LIC-E3 + user{i}@contoso.com"),
                    source: format!("ops[{}]", i - 1),
                    effect: format!("user{i}@contoso.com joins LIC-E3; processing pending"),
                    seats: vec![SeatLine {
                        sku: "ENTERPRISEPACK".into(),
                        enabled: Some(10),
                        consumed: i as i64,
                    }],
                })
                .collect(),
            violations: Vec::new(),
            errors: Vec::new(),
            assumptions: vec!["an assumption".into()],
        }
    }

    fn text(r: &SimReport) -> String {
        let mut out = Vec::new();
        table_report(r, &mut out).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn few_steps_make_a_grid_many_are_listed_line_by_line() {
        let few = text(&report(GRID_STEPS));
        assert!(
            few.contains("┆ add-member LIC-E3 + user500@contoso.com"),
            "{few}"
        );

        let many = text(&report(GRID_STEPS + 1));
        let steps = many.split("\nErrors").next().expect("a steps section");
        assert!(
            !steps.contains('┆') && !steps.contains('│'),
            "no grid: {steps}"
        );
        assert!(steps.contains("(501 steps, listed one by one"));
        // Every step, its effect and its seats, nothing dropped.
        for i in 1..=GRID_STEPS + 1 {
            let head = format!("\n{i:>3}  add-member LIC-E3 + user{i}@contoso.com\n");
            assert!(steps.contains(&head), "step {i} missing");
            let effect = format!("user{i}@contoso.com joins LIC-E3; processing pending");
            assert!(steps.contains(&effect), "effect {i} missing");
            assert!(steps.contains(&format!("seats: ENTERPRISEPACK {i}/10\n")));
        }
        assert!(many.contains("- an assumption"));
    }

    #[test]
    fn markdown_escapes_names_and_keeps_rows_whole() {
        let mut r = report(2);
        r.steps[0].op = "add-member LIC | ![x](https://tracker.example/p.png) + \u{202e}=x".into();
        r.steps[1].effect = "=HYPERLINK(1)\nsecond line".into();
        r.violations.push(crate::simulate::report::Violation {
            step: 2,
            kind: crate::simulate::report::ViolationKind::Loss,
            user: Some("  @evil".into()),
            user_id: None,
            group_id: None,
            lost: "[click](javascript:alert(1))".into(),
            cause: "<script>".into(),
        });
        let mut out = Vec::new();
        markdown(&r, &mut out).expect("written to memory");
        let md = String::from_utf8(out).expect("UTF-8");
        assert!(md.contains(
            "| 1 | add-member LIC \\| !\\[x\\](https\\://tracker.example/p.png) + \\u{202e}=x | "
        ), "{md}");
        assert!(md.contains("| '=HYPERLINK(1)<br>second line |"), "{md}");
        assert!(
            md.contains("| 2 | loss | '  @evil | \\[click\\](javascript:alert(1)) | \\<script> |"),
            "{md}"
        );
        assert!(
            md.contains("**SAFE**") && md.contains("- an assumption"),
            "{md}"
        );
        assert!(!md.contains('\u{202e}'), "{md}");
    }

    #[test]
    fn listed_steps_escape_control_characters_and_line_breaks_from_names() {
        let mut r = report(GRID_STEPS + 1);
        r.steps[0].op = "add-member LIC-E3 + \u{1b}[31mevil\nstep 2 forged".into();
        r.steps[0].effect = "evil\u{7}joins".into();
        let out = text(&r);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{out:.300}"
        );
        assert!(out.contains("  1  add-member LIC-E3 + \\u{1b}[31mevil\\nstep 2 forged\n"));
        assert!(out.contains("    evil\\u{7}joins\n"));
    }
}
