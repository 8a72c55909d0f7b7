//! `--attachments DIR`: the full lists a report caps, as CSV files beside it — `held-back.csv`,
//! `skipped.csv`, `actions.csv` (every action and rollback op of every stage and wave) and
//! `seats.csv`. Cells a spreadsheet would run as a formula get a `'` first (as Markdown cells
//! do); files are written only through [`crate::output`], never over an input.

use std::io::{self, Write};
use std::path::Path;

use super::markdown::spreadsheet_safe;
use crate::output::{self, Inputs, OutputError};
use crate::plan::doc::{Action, Plan};

/// The files `write` writes, in order.
pub const FILES: [&str; 4] = ["held-back.csv", "skipped.csv", "actions.csv", "seats.csv"];

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
    })
}
