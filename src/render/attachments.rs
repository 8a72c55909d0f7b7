//! `--attachments DIR`: the full lists a report caps, as CSV files beside it — `held-back.csv`,
//! `skipped.csv`, `actions.csv` (every action and rollback op of every stage and wave),
//! `seats.csv` and `errors.csv` (the licensing errors the simulation expects). Cells a spreadsheet would run as a formula get a `'` first (as Markdown cells
//! do); files are written only through [`crate::output`], never over an input.

use std::io::{self, Write};
use std::path::Path;

use super::markdown::spreadsheet_safe;
use crate::output::{self, Inputs, OutputError};
use crate::plan::doc::{Action, Plan};

/// The files `write` writes, in order.
pub const FILES: [&str; 5] = [
    "held-back.csv",
    "skipped.csv",
    "actions.csv",
    "seats.csv",
    "errors.csv",
];

fn csv_file(
    out: &mut dyn Write,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    w.flush()
}

fn action_row(stage: u32, wave: Option<u32>, part: &str, a: &Action) -> Vec<String> {
    vec![
        stage.to_string(),
        wave.map_or_else(String::new, |w| w.to_string()),
        part.to_owned(),
        a.op_name().to_owned(),
        a.user_cell(),
        a.group_cell(),
        a.product_cell(),
        a.details_cell(),
    ]
}

fn actions(p: &Plan) -> impl Iterator<Item = Vec<String>> + '_ {
    p.stages.iter().flat_map(|st| {
        let own = st
            .actions
            .iter()
            .map(move |a| action_row(st.number, None, "action", a));
        let waves = st.waves.iter().flat_map(move |w| {
            w.actions
                .iter()
                .map(move |a| action_row(st.number, Some(w.number), "action", a))
                .chain(
                    w.rollback_actions
                        .iter()
                        .map(move |a| action_row(st.number, Some(w.number), "rollback", a)),
                )
        });
        let rollback = st
            .rollback_actions
            .iter()
            .map(move |a| action_row(st.number, None, "rollback", a));
        own.chain(waves).chain(rollback)
    })
}

/// Checks, before any work, that the attachments `names` can be written into `dir`: neither the
/// folder nor a file would be, or lie inside, an input, and what is there can be written over.
///
/// # Errors
///
/// As [`output::check`] says, naming the folder or the file.
pub fn check(dir: &Path, names: &[&str], inputs: &Inputs) -> Result<(), OutputError> {
    if !dir.is_dir() {
        // Created later: it must not be, or lie inside, an input.
        return output::check(dir, inputs);
    }
    for name in names {
        output::check(&dir.join(name), inputs)?;
    }
    Ok(())
}

/// Writes the attachments of a plan into `dir` (created when missing).
///
/// # Errors
///
/// The folder or a file would be, or lie inside, an input; or it cannot be written.
pub fn write(p: &Plan, dir: &Path, inputs: &Inputs) -> Result<(), OutputError> {
    output::create_dir(dir, inputs)?;
    output::write(&dir.join(FILES[0]), inputs, |w| {
        csv_file(
            w,
            &[
                "user_id",
                "upn",
                "reason",
                "group_id",
                "group_name",
                "detail",
                "fix",
            ],
            p.held_back.iter().map(|h| {
                vec![
                    h.user_id.to_string(),
                    h.upn.clone().unwrap_or_default(),
                    h.reason.as_str().to_owned(),
                    h.group_id.map(|g| g.to_string()).unwrap_or_default(),
                    h.group_name.clone().unwrap_or_default(),
                    h.detail.clone(),
                    h.fix.to_owned(),
                ]
            }),
        )
    })?;
    output::write(&dir.join(FILES[1]), inputs, |w| {
        csv_file(
            w,
            &["user_id", "upn", "why"],
            p.skipped.iter().map(|k| {
                vec![
                    k.user_id.to_string(),
                    k.upn.clone().unwrap_or_default(),
                    k.why.to_string(),
                ]
            }),
        )
    })?;
    output::write(&dir.join(FILES[2]), inputs, |w| {
        csv_file(
            w,
            &[
                "stage", "wave", "part", "op", "user", "group", "product", "details",
            ],
            actions(p),
        )
    })?;
    output::write(&dir.join(FILES[3]), inputs, |w| {
        csv_file(
            w,
            &["stage", "wave", "sku", "enabled", "consumed", "peak"],
            p.seats.iter().map(|f| {
                vec![
                    f.stage.to_string(),
                    f.wave.map_or_else(String::new, |w| w.to_string()),
                    f.sku.clone(),
                    f.enabled.map_or_else(String::new, |e| e.to_string()),
                    f.consumed.to_string(),
                    f.peak.to_string(),
                ]
            }),
        )
    })?;
    output::write(&dir.join(FILES[4]), inputs, |w| {
        csv_file(
            w,
            &[
                "step", "user_id", "user", "group_id", "group", "sku", "error", "at_risk", "detail",
            ],
            p.verdict.errors.iter().map(|e| {
                vec![
                    e.step.to_string(),
                    e.user_id.map(|u| u.to_string()).unwrap_or_default(),
                    e.user.clone().unwrap_or_default(),
                    e.group_id.map(|g| g.to_string()).unwrap_or_default(),
                    e.group.clone().unwrap_or_default(),
                    e.sku.clone().unwrap_or_default(),
                    e.error.to_string(),
                    e.at_risk.to_string(),
                    e.detail.clone(),
                ]
            }),
        )
    })
}

/// The files [`write_verify`] writes, in order.
pub const VERIFY_FILES: [&str; 3] = ["users.csv", "next-wave.csv", "drift.csv"];

/// Writes the attachments of a verify report into `dir` (created when missing): every user of
/// the unit with status and why, the next wave's users ready or not, and every drift item.
///
/// # Errors
///
/// The folder or a file would be, or lie inside, an input; or it cannot be written.
pub fn write_verify(
    r: &crate::verify::VerifyReport,
    dir: &Path,
    inputs: &Inputs,
) -> Result<(), OutputError> {
    output::create_dir(dir, inputs)?;
    output::write(&dir.join(VERIFY_FILES[0]), inputs, |w| {
        csv_file(
            w,
            &["user_id", "user", "status", "why", "evidence"],
            r.users.iter().map(|u| {
                vec![
                    u.user_id.clone(),
                    u.user.clone(),
                    u.status.as_str().to_owned(),
                    super::verify::why(u).join("; "),
                    u.evidence
                        .iter()
                        .map(crate::verify::Row::line)
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            }),
        )
    })?;
    output::write(&dir.join(VERIFY_FILES[1]), inputs, |w| {
        let rows = r.next_wave.iter().flat_map(|n| {
            let row = move |user: &String, ready: &str| {
                vec![
                    n.stage.to_string(),
                    n.wave.to_string(),
                    user.clone(),
                    ready.to_owned(),
                ]
            };
            n.ready
                .iter()
                .map(move |u| row(u, "yes"))
                .chain(n.not_ready.iter().map(move |u| row(u, "no")))
        });
        csv_file(w, &["stage", "wave", "user", "ready"], rows)
    })?;
    output::write(&dir.join(VERIFY_FILES[2]), inputs, |w| {
        let d = &r.drift;
        let plain = |kind: &'static str, v: &[String]| -> Vec<Vec<String>> {
            v.iter()
                .map(|x| vec![kind.to_owned(), x.clone(), String::new(), String::new()])
                .collect()
        };
        let changed = |kind: &'static str, v: &[crate::verify::Changed]| -> Vec<Vec<String>> {
            v.iter()
                .map(|c| {
                    vec![
                        kind.to_owned(),
                        c.what.clone(),
                        c.planned.clone(),
                        c.now.clone(),
                    ]
                })
                .collect()
        };
        let rows = plain("user-gone", &d.users_gone)
            .into_iter()
            .chain(plain("user-added", &d.users_added))
            .chain(changed("direct-license", &d.direct_changed))
            .chain(changed("group-license", &d.group_licenses_changed))
            .chain(changed("seats", &d.seats_changed))
            .chain(plain("re-simulation", &d.resimulation.findings));
        csv_file(w, &["kind", "what", "planned", "now"], rows)
    })
}
