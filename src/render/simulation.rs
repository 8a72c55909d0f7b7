//! `licplan simulate` as text: each step with its effect and seats, then errors and violations.

use std::io::{self, Write};

use super::grid::{add_row, new_table};

use crate::simulate::report::SimReport;

fn seats(line: &crate::simulate::report::SeatLine) -> String {
    match line.enabled {
        Some(e) => format!("{} {}/{e}", line.sku, line.consumed),
        None => format!("{} {}/?", line.sku, line.consumed),
    }
}

pub fn table_report(r: &SimReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Simulation: {} step(s), {} error(s), {} violation(s): {}",
        r.steps.len(),
        r.errors.len(),
        r.violations.len(),
        if r.safe { "SAFE" } else { "NOT SAFE" }
    )?;
    writeln!(out, "\nSteps")?;
    let mut t = new_table(&["step", "op", "effect", "seats (consumed/enabled)"]);
    for s in &r.steps {
        let seat_text: Vec<String> = s.seats.iter().map(seats).collect();
        add_row(
            &mut t,
            vec![
                s.step.to_string(),
                s.op.clone(),
                s.effect.clone(),
                seat_text.join("\n"),
            ],
        );
    }
    writeln!(out, "{t}")?;
    writeln!(out, "\nErrors")?;
    if r.errors.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&["step", "error", "user", "group", "product", "detail"]);
        for e in &r.errors {
            let mut error = e.error.clone();
            if e.at_risk {
                error.push_str(" (at risk)");
            }
            add_row(
                &mut t,
                vec![
                    e.step.to_string(),
                    error,
                    e.user.clone().unwrap_or_default(),
                    e.group.clone().unwrap_or_default(),
                    e.sku.clone().unwrap_or_default(),
                    e.detail.clone(),
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
                    v.step.to_string(),
                    match v.kind {
                        crate::simulate::report::ViolationKind::Loss => "loss".to_owned(),
                        crate::simulate::report::ViolationKind::Seats => "seats".to_owned(),
                    },
                    v.user.clone().unwrap_or_default(),
                    v.lost.clone(),
                    v.cause.clone(),
                ],
            );
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "\nAssumptions")?;
    for a in &r.assumptions {
        writeln!(out, "- {a}")?;
    }
    Ok(())
}
