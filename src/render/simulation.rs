//! `licplan simulate` as a [`Report`]: each step with its effect and seats, then errors,
//! violations and assumptions.

use std::borrow::Cow;

use super::report::{self, Block, Cell, Column, Empty, Report, Section, Span, Table};
use crate::simulate::report::{SimReport, ViolationKind};

fn seats(line: &crate::simulate::report::SeatLine) -> String {
    match line.enabled {
        Some(e) => format!("{} {}/{e}", line.sku, line.consumed),
        None => format!("{} {}/?", line.sku, line.consumed),
    }
}

/// Above this many steps a terminal lists them one per line instead of in a grid. A grid pads
/// every row to its widest cell, holds the whole table in memory and is laid out before its
/// first line is written: for a million-user plan's 417,000 steps that was a 1.1 GB text built
/// in 5.4 GB, not something a person reads on a terminal.
const GRID_STEPS: usize = 500;

/// The simulation's report, for the terminal and for documents.
pub fn report(r: &SimReport) -> Report<'_> {
    let word = r.verdict.status.word();
    let counts = format!(
        "{} step(s), {} error(s), {} violation(s): ",
        r.steps.len(),
        r.errors.len(),
        r.violations.len(),
    );
    let mut sections = Vec::with_capacity(5);
    sections.extend(report::not_checked(word, &r.verdict.unchecked));
    sections.extend([
        steps(r),
        errors(r),
        violations(r),
        Section::new("Assumptions").block(Block::Bullets(
            r.assumptions
                .iter()
                .map(|a| Cow::Borrowed(a.as_str()))
                .collect(),
        )),
    ]);
    Report {
        title: "Simulation".into(),
        headline: vec![
            Span::plain(format!("Simulation: {counts}")),
            Span::plain(word),
        ],
        lead: vec![Block::Paragraph(vec![
            Span::plain(counts),
            Span::strong(word),
            Span::plain("."),
        ])],
        sections,
    }
}

fn steps(r: &SimReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::right_in_documents("step"),
        Column::left("op"),
        Column::left("effect"),
        Column::left("seats (consumed/enabled)").label("seats: "),
    ])
    .when_empty(Empty::HeaderOnTerminal)
    .listed_above(
        GRID_STEPS,
        format!(
            "({} steps, listed one by one; --format json or yaml gives them as records)",
            r.steps.len()
        ),
    )
    .rows(r.steps.iter().map(|s| {
        vec![
            Cell::int(s.step),
            Cell::text(s.op()),
            Cell::text(s.effect()),
            Cell::list(s.seats.iter().map(|l| seats(l).into()).collect(), ", "),
        ]
    }));
    Section::new("Steps").block(Block::Table(t))
}

fn errors(r: &SimReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::right_in_documents("step"),
        Column::left("error"),
        Column::left("user"),
        Column::left("group"),
        Column::left("product"),
        Column::left("detail"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(r.errors.iter().map(|e| {
        let mut error = e.error.to_string();
        if e.at_risk {
            error.push_str(" (at risk)");
        }
        vec![
            Cell::int(e.step),
            Cell::code(error),
            Cell::text(e.user.as_deref().unwrap_or_default()),
            Cell::text(e.group.as_deref().unwrap_or_default()),
            Cell::text(e.sku.as_deref().unwrap_or_default()),
            Cell::text(e.detail.as_str()),
        ]
    }));
    Section::new("Errors").block(Block::Table(t))
}

fn violations(r: &SimReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::right_in_documents("step"),
        Column::left("kind"),
        Column::left("user"),
        Column::left("lost"),
        Column::left("cause"),
    ])
    .when_empty(Empty::Nothing(Some(
        "no user loses a license or a service, and no step runs out of seats".into(),
    )))
    .rows(r.violations.iter().map(|v| {
        vec![
            Cell::int(v.step),
            match v.kind {
                ViolationKind::Loss => "loss".into(),
                ViolationKind::Seats => "seats".into(),
            },
            Cell::text(v.user.as_deref().unwrap_or_default()),
            Cell::text(v.lost.as_str()),
            Cell::text(v.cause.as_str()),
        ]
    }));
    Section::new("Violations").block(Block::Table(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::report::{SeatLine, StepReport};

    fn sim(steps: usize) -> SimReport {
        SimReport {
            schema_version: crate::simulate::report::SCHEMA_VERSION,
            safe: true,
            verdict: crate::simulate::report::SimVerdict {
                status: crate::simulate::report::VerdictStatus::Safe,
                unchecked: Vec::new(),
            },
            steps: (1..=steps)
                .map(|i| {
                    StepReport::new(
                        i,
                        &format!("add-member LIC-E3 + user{i}@contoso.com"),
                        &format!("ops[{}]", i - 1),
                        &format!("user{i}@contoso.com joins LIC-E3; processing pending"),
                        vec![SeatLine {
                            sku: "ENTERPRISEPACK".into(),
                            enabled: Some(10),
                            consumed: i as i64,
                        }]
                        .into(),
                    )
                })
                .collect(),
            violations: Vec::new(),
            errors: Vec::new(),
            assumptions: vec!["an assumption".into()],
            about: vec![crate::simulate::rules::about::About::always()],
        }
    }

    /// A step with its op and effect replaced (`None` keeps them).
    fn set(s: &mut StepReport, op: Option<&str>, effect: Option<&str>) {
        *s = StepReport::new(
            s.step,
            op.unwrap_or(s.op()),
            s.source(),
            effect.unwrap_or(s.effect()),
            s.seats.clone(),
        );
    }

    fn text(r: &SimReport) -> String {
        let mut out = Vec::new();
        crate::render::table::write(&report(r), &mut out).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn few_steps_make_a_grid_many_are_listed_line_by_line() {
        let few = text(&sim(GRID_STEPS));
        assert!(
            few.contains("┆ add-member LIC-E3 + user500@contoso.com"),
            "{few}"
        );

        let many = text(&sim(GRID_STEPS + 1));
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
        let mut r = sim(2);
        set(
            &mut r.steps[0],
            Some("add-member LIC | ![x](https://tracker.example/p.png) + \u{202e}=x"),
            None,
        );
        set(&mut r.steps[1], None, Some("=HYPERLINK(1)\nsecond line"));
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
        crate::render::markdown::write(&report(&r), &mut out).expect("written to memory");
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
        let mut r = sim(GRID_STEPS + 1);
        set(
            &mut r.steps[0],
            Some("add-member LIC-E3 + \u{1b}[31mevil\nstep 2 forged"),
            Some("evil\u{7}joins"),
        );
        let out = text(&r);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{out:.300}"
        );
        assert!(out.contains("  1  add-member LIC-E3 + \\u{1b}[31mevil\\nstep 2 forged\n"));
        assert!(out.contains("    evil\\u{7}joins\n"));
    }
}
