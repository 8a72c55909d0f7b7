//! `licplan verify` as a [`Report`]: the gate (verdict, users by status, groups, the next wave),
//! then drift and the re-simulation, apart.

use std::borrow::Cow;

use super::report::{Band, Block, Cell, Column, Empty, Medium, Report, Section, Span, Table, Tone};
use crate::verify::{Changed, Gate, UserRow, VerifyReport};

/// The verify report, for the terminal and for documents.
pub fn report(r: &VerifyReport) -> Report<'_> {
    let word = r.verdict.status.word();
    let counts = r
        .verdict
        .counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!("{}: {} user(s): {counts}: ", r.unit, r.users.len());
    let mut sections = Vec::new();
    if r.verdict.status == Gate::Regressed {
        sections.push(Section::new("STOP THE MIGRATION").block(Block::plain(
            "A license or service the plan promised to keep is gone (the regressed users below say what). Run no further stage or wave; restore the users (the stage's undo, or assign their licenses again), then verify again.",
        )));
    }
    sections.extend(super::report::not_checked(word, &r.verdict.unchecked));
    if !r.verdict.notes.is_empty() {
        sections.push(
            Section::new("Evidence missing").block(Block::Bullets(
                r.verdict
                    .notes
                    .iter()
                    .map(|n| Cow::Borrowed(n.as_str()))
                    .collect(),
            )),
        );
    }
    sections.extend([
        Section::new("Plan and export")
            .block(Block::Fields(vec![
                ("plan".into(), vec![Span::text(r.plan.as_str())]),
                ("plan hash".into(), vec![Span::plain(r.plan_hash.as_str())]),
                (
                    "planned on export".into(),
                    vec![Span::plain(r.planned_export_hash.as_deref().unwrap_or("-"))],
                ),
                (
                    "fresh export".into(),
                    vec![Span::plain(r.fresh_export_hash.as_str())],
                ),
                (
                    "planned export taken".into(),
                    vec![Span::text(r.planned_export.as_ref().map_or(
                        "not in the plan (written before plans recorded it)",
                        |e| e.taken.said.as_str(),
                    ))],
                ),
                (
                    "fresh export taken".into(),
                    vec![Span::text(r.fresh_export.taken.said.as_str())],
                ),
            ]))
            .blocks(super::exports::files("Fresh export read", &r.fresh_export)),
        placeholders(r),
        users(r),
        groups(r),
        next_wave(r),
        drift(r),
    ]);
    Report {
        title: "Verification".into(),
        headline: vec![Span::plain(format!("Verify {summary}")), Span::plain(word)],
        lead: vec![
            Block::Band(band(r)),
            Block::Paragraph(vec![
                Span::plain(summary),
                Span::strong(word),
                Span::plain("."),
            ]),
        ],
        sections,
    }
}

/// The decision: GO on to the next wave or stage when the unit is READY; NO-GO otherwise,
/// with what to do.
fn band(r: &VerifyReport) -> Band<'_> {
    let (tone, reason) = match r.verdict.status {
        Gate::Ready => (Tone::Go, None),
        Gate::NotReady => (
            Tone::NoGo,
            Some("Not ready: wait for the pending users (or fix the blocked ones, below), take a fresh export and verify again."),
        ),
        Gate::Regressed => (
            Tone::NoGo,
            Some("Regressed: stop the migration and restore the users below."),
        ),
        Gate::NotProven => (
            Tone::NoGo,
            Some("Not proven: the export lacks what the checks need (see Not checked); export it and verify again."),
        ),
    };
    Band {
        tone,
        line: vec![Span::plain(format!(
            "{} of {}: {}.",
            r.unit,
            r.plan_hash,
            r.verdict.status.word()
        ))],
        reasons: reason.map(Cow::Borrowed).into_iter().collect(),
    }
}

fn placeholders(r: &VerifyReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("group"),
        Column::left("uniqueName"),
        Column::left("found by"),
        Column::left("id"),
    ])
    .when_empty(Empty::Nothing(Some("the plan creates no group".into())))
    .rows(r.placeholders.iter().map(|p| {
        vec![
            Cell::text(p.group_name.as_str()),
            Cell::text(p.unique_name.as_str()),
            Cell::code(p.found.as_str()),
            Cell::text(p.group_id.as_deref().unwrap_or("-")),
        ]
    }));
    Section::new("Groups the plan creates").block(Block::Table(t))
}

fn users(r: &VerifyReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("user"),
        Column::left("status"),
        Column::left("why"),
        Column::left("evidence").only(Medium::Document),
    ])
    .when_empty(Empty::Nothing(Some("no user in the unit's scope".into())))
    .rows(r.users.iter().map(|u| {
        let why = why(u);
        vec![
            Cell::text(u.user.as_str()),
            Cell::code(u.status.as_str()),
            Cell::list(why, "; "),
            Cell::list(
                u.evidence.iter().map(|e| Cow::Owned(e.line())).collect(),
                "; ",
            ),
        ]
    }));
    Section::new("Users").blocks(capped(t, "users", "users.csv"))
}

/// Rows a verify report lists of a long table or list; the rest are counted, and
/// `--attachments DIR` writes them all.
pub const ROWS: usize = 50;

fn capped<'a>(t: Table<'a>, what: &str, file: &str) -> Vec<Block<'a>> {
    super::report::capped(t, ROWS, what, "the JSON/YAML report", Some(file))
}

/// The first `ROWS` names, then how many more.
fn names(v: &[String]) -> String {
    if v.is_empty() {
        return "-".to_owned();
    }
    let mut s = v[..v.len().min(ROWS)].join(", ");
    if v.len() > ROWS {
        s.push_str(&format!(
            ", … and {} more (--attachments DIR writes next-wave.csv)",
            v.len() - ROWS
        ));
    }
    s
}

/// Why a user has its status: the reasons, what was lost, and each blocker with its fix (and
/// the reprocess command where one helps).
pub(super) fn why(u: &UserRow) -> Vec<Cow<'_, str>> {
    let mut why: Vec<Cow<'_, str>> = u
        .reasons
        .iter()
        .map(|x| Cow::Borrowed(x.as_str()))
        .collect();
    why.extend(u.lost.iter().map(|l| Cow::Owned(format!("lost {l}"))));
    why.extend(u.blockers.iter().map(|b| {
        Cow::Owned(format!(
            "{} {}: {}: {}{}",
            b.sku,
            b.path,
            b.error,
            b.fix,
            if b.reprocess {
                format!(
                    " Then reprocess: Invoke-MgLicenseUser -UserId {}",
                    u.user_id
                )
            } else {
                String::new()
            }
        ))
    }));
    why
}

fn groups(r: &VerifyReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("group"),
        Column::left("licenseProcessingState"),
        Column::right("members"),
        Column::right("in error"),
    ])
    .when_empty(Empty::Nothing(Some(
        "the unit licenses or changes no group".into(),
    )))
    .rows(r.groups.iter().map(|g| {
        let name = if g.key.is_none() {
            format!("{} (not in the export)", g.group)
        } else {
            g.group.clone()
        };
        vec![
            Cell::text(name),
            Cell::code(g.processing.as_deref().unwrap_or("-")),
            Cell::int(g.members),
            Cell::int(g.members_in_error),
        ]
    }));
    Section::new("Groups").block(Block::Table(t))
}

fn next_wave(r: &VerifyReport) -> Section<'_> {
    let s = Section::new("Next wave");
    match &r.next_wave {
        None => s.block(Block::Nothing(Some("no wave after this unit".into()))),
        Some(n) => s
            .block(Block::plain(format!(
                "stage {} wave {}: {} ready, {} not ready",
                n.stage,
                n.wave,
                n.ready.len(),
                n.not_ready.len()
            )))
            .block(Block::Fields(vec![
                ("ready".into(), vec![Span::text(names(&n.ready))]),
                ("not ready".into(), vec![Span::text(names(&n.not_ready))]),
            ])),
    }
}

fn changes<'a>(title: &'static str, rows: &'a [Changed], none: &'static str) -> Vec<Block<'a>> {
    let t = Table::new(vec![
        Column::left(title),
        Column::left("planned"),
        Column::left("now"),
    ])
    .when_empty(Empty::Nothing(Some(none.into())))
    .rows(rows.iter().map(|c| {
        vec![
            Cell::text(c.what.as_str()),
            Cell::text(c.planned.as_str()),
            Cell::text(c.now.as_str()),
        ]
    }));
    capped(t, "changes", "drift.csv")
}

fn drift(r: &VerifyReport) -> Section<'_> {
    let d = &r.drift;
    fn bullets<'a>(title: &'static str, v: &'a [String], none: &'static str) -> Block<'a> {
        Block::Section(Section::new(title).block(if v.is_empty() {
            Block::Nothing(Some(none.into()))
        } else {
            bullet_list(v, "users", "drift.csv")
        }))
    }
    let sim = &d.resimulation;
    let mut resim = Section::new("Remaining stages re-simulated on the fresh export").block(
        Block::Paragraph(vec![
            Span::plain(format!("{} op(s): ", sim.ops)),
            Span::strong(sim.verdict.as_str()),
        ]),
    );
    if !sim.findings.is_empty() {
        resim = resim.block(bullet_list(&sim.findings, "findings", "drift.csv"));
    }
    Section::new("Drift (outside the gate)")
        .block(Block::plain(if d.is_empty() {
            "Nothing changed outside the plan since it was made."
        } else {
            "Changed outside the plan since it was made (not part of the verdict):"
        }))
        .block(bullets(
            "Users gone",
            &d.users_gone,
            "every user the plan names is in the export",
        ))
        .block(bullets(
            "Users added to carrying groups",
            &d.users_added,
            "no member the plan does not know",
        ))
        .block(Block::Section(Section::new("Direct licenses").blocks(
            changes("user", &d.direct_changed, "as the plan recorded them"),
        )))
        .block(Block::Section(Section::new("Group licenses").blocks(
            changes(
                "group",
                &d.group_licenses_changed,
                "as the plan leaves them at this unit",
            ),
        )))
        .block(Block::Section(Section::new("Seats").blocks(changes(
            "product",
            &d.seats_changed,
            "as the plan counted them",
        ))))
        .block(Block::Section(resim))
}

/// A bulleted list of the first `ROWS` items, then one counting the rest.
fn bullet_list<'a>(v: &'a [String], what: &str, file: &str) -> Block<'a> {
    let mut items: Vec<Cow<'a, str>> = v
        .iter()
        .take(ROWS)
        .map(|x| Cow::Borrowed(x.as_str()))
        .collect();
    if v.len() > ROWS {
        items.push(Cow::Owned(format!(
            "… and {} more {what} (the JSON/YAML report lists all; --attachments DIR writes {file})",
            v.len() - ROWS
        )));
    }
    Block::Bullets(items)
}
