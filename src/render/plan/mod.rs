//! A plan as a [`Report`]: a terminal overview and a Markdown dry-run report for change boards.
//!
//! Both read the plan in the order it comes (already sorted) and show nothing that depends on
//! the clock or the terminal. The terminal is an overview and never lists individual actions;
//! a document lists them, capped per stage and per wave ([`stages`]; the JSON/YAML plan lists
//! all), and adds the skipped users, the assumptions and a rollback summary.

mod assumptions;
mod board;
mod charts;
mod cost;
mod groups;
mod partner;
mod rollback;
mod stages;
mod words;

use std::borrow::Cow;
use std::io::{self, Write};

use self::words::{
    count, dash_warning, duration, kind_word, reasons, user_of, verdict_sentence, verdict_word,
    wave_name,
};
use super::report::{self, Block, Cell, Column, Empty, Medium, Report, Section, Span, Table};
use crate::plan::doc::{MoveSummary, Plan, SeatForecast};
use crate::simulate::report::ErrorRecord;

/// Writes the plan's terminal overview.
///
/// # Errors
///
/// The writer's own error.
pub fn table(p: &Plan, out: &mut dyn Write) -> io::Result<()> {
    super::table::write(&report(p), out)
}

/// Writes the plan's Markdown dry-run report.
///
/// # Errors
///
/// The writer's own error.
pub fn markdown(p: &Plan, out: &mut dyn Write) -> io::Result<()> {
    super::markdown::write(&report(p), out)
}

/// The plan's report, for the terminal and for documents.
pub fn report(p: &Plan) -> Report<'_> {
    report_with(p, None)
}

/// The plan's report, with its cost when prices are given (documents only).
pub fn report_with<'a>(p: &'a Plan, prices: Option<&crate::render::prices::Prices>) -> Report<'a> {
    let word = verdict_word(p);
    let mut sections = Vec::with_capacity(10);
    sections.extend(report::not_checked(word, &p.verdict.unchecked));
    sections.extend(groups::replan(p));
    sections.extend(partner::section(p));
    sections.extend(groups::warnings(p));
    sections.push(hashes(p));
    sections.push(charts::charts(p).only(Medium::Document));
    sections.push(board::change_record(p).only(Medium::Document));
    sections.extend(prices.map(|pr| cost::section(p, pr).only(Medium::Document)));
    sections.push(moves(p));
    sections.extend(groups::license_changes(p));
    sections.extend(groups::placeholders(p));
    sections.extend([
        stages::section(p),
        seats(p),
        held_back(p),
        skipped(p),
        pilot(p),
        verdict(p),
        assumptions::section(p),
        rollback::rollback(p),
        // Where the data came from, file by file (the key numbers say when it was taken).
        Section::new("Exports read")
            .only(Medium::Document)
            .blocks(crate::render::exports::files(
                "Exports read",
                &p.export.read,
            )),
    ]);
    Report {
        title: Cow::Borrowed(p.name.as_str()),
        headline: headline(p),
        lead: lead(p),
        sections,
    }
}

/// The terminal's first line: the verdict and the counts.
fn headline(p: &Plan) -> Vec<Span<'_>> {
    let s = &p.summary;
    vec![
        Span::plain("Plan "),
        Span::text(p.name.as_str()),
        Span::plain(format!(
            ": {}{}; {} moving, {} held back, {} skipped (of {} in scope); {} created; {}; least elapsed time {}",
            verdict_word(p),
            dash_warning(p),
            count(s.users_moving, "user", "users"),
            s.users_held_back,
            s.users_skipped,
            s.users_in_scope,
            count(s.groups_created, "group", "groups"),
            count(s.removal_waves, "removal wave", "removal waves"),
            duration(s.least_elapsed_minutes),
        )),
    ]
}

/// The plan's and the export's hashes and the exports read for the terminal (a document has
/// them in its key numbers): the plan hash is the one a bundle's runner is given (`-PlanHash`).
fn hashes(p: &Plan) -> Section<'_> {
    Section::new("Hashes and exports")
        .only(Medium::Terminal)
        .block(Block::Fields(vec![
            ("plan hash".into(), vec![Span::plain(p.plan_hash.as_str())]),
            (
                "export hash".into(),
                vec![Span::plain(p.export.hash.as_str())],
            ),
        ]))
        .blocks(crate::render::exports::files(
            "Exports read",
            &p.export.read,
        ))
}

/// A document's summary under its title, and the key facts.
fn lead(p: &Plan) -> Vec<Block<'_>> {
    let s = &p.summary;
    let word = verdict_word(p);
    let summary = Block::Paragraph(vec![
        Span::plain("Verdict: "),
        Span::strong(word),
        Span::plain(format!(
            "{}. Dry-run report: this plan moves {} of {} in scope from direct to group-based licensing in {}; {} held back and keep every direct license, {} skipped with nothing to migrate. The simulation of every stage and wave finds the plan ",
            dash_warning(p),
            s.users_moving,
            count(s.users_in_scope, "user", "users"),
            count(p.stages.len() as u64, "stage", "stages"),
            count(s.users_held_back, "user is", "users are"),
            s.users_skipped,
        )),
        Span::strong(word),
        Span::plain("."),
    ]);
    let mut v = vec![Block::Band(board::band(p)), summary];
    v.extend(board::key_numbers(p));
    v
}

/// A duration as the reports write it (`1 d 2 h`).
pub fn duration_text(minutes: f64) -> String {
    duration(minutes)
}

/// Rows a document lists of a long table (held-back and skipped users, errors, forecast
/// points); the rest are counted, and `--attachments DIR` writes them all.
pub(super) const ROWS: usize = 50;

/// The first `ROWS` rows of `t`, then a line counting the rest.
pub(super) fn capped<'a>(t: Table<'a>, what: &str, file: &str) -> Vec<Block<'a>> {
    report::capped(t, ROWS, what, "the JSON/YAML plan", Some(file))
}

fn moves(p: &Plan) -> Section<'_> {
    let overview = Table::new(vec![
        Column::left("from → to"),
        Column::left("strategy"),
        Column::left("scope"),
        Column::left("carrying groups"),
        Column::right("users"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.moves.iter().map(|m| {
        let groups: Vec<Cow<'_, str>> = m
            .groups
            .iter()
            .map(|g| {
                let mut line = format!(
                    "{} ({}, {}",
                    g.group_name,
                    if g.created { "created" } else { "existing" },
                    g.sku
                );
                if !g.disabled_plans.is_empty() {
                    line.push_str(&format!(", disabled: {}", g.disabled_plans.join(", ")));
                }
                line.push_str(&also_carried(g));
                line.push(')');
                Cow::Owned(line)
            })
            .collect();
        vec![
            Cell::text(format!("{} → {}", m.from, m.to)),
            Cell::text(m.strategy.map_or("-", |s| s.as_str())),
            Cell::text(m.scope.as_str()),
            if groups.is_empty() {
                Cell::text("-")
            } else {
                Cell::list(groups, "; ")
            },
            Cell::int(m.users),
        ]
    }));
    let mut s = Section::new("Moves").block(Block::Table(overview).only(Medium::Terminal));
    if p.moves.is_empty() {
        s = s.block(Block::Nothing(None).only(Medium::Document));
    }
    s.blocks(
        p.moves
            .iter()
            .map(|m| Block::Section(one_move(m)).only(Medium::Document)),
    )
}

/// Who the pilot holds, and a warning for named pilot users who are not moving.
fn pilot(p: &Plan) -> Section<'_> {
    let c = &p.pilot;
    let how = if c.source == "count" {
        "one user of each carrying group and of each set of disabled plans first, then by UPN"
            .to_owned()
    } else {
        format!("the users named by waves.pilot: {}", c.source)
    };
    let mut s = Section::new("Pilot").block(Block::plain(format!(
        "{} in the pilot of each stage in waves ({how}).",
        count(c.users, "moving user", "moving users")
    )));
    if !c.named_not_moving.is_empty() {
        let n = c.named_not_moving.len() as u64;
        s = s.block(Block::plain(format!(
            "Warning: {} named for the pilot {} not moving (held back, skipped or out of scope): {}.",
            count(n, "user", "users"),
            if n == 1 { "is" } else { "are" },
            {
                // At most 20 named here; the JSON/YAML plan lists every one.
                let mut v: Vec<&str> = c.named_not_moving.iter().take(20).map(String::as_str).collect();
                let more = format!("… and {} more", c.named_not_moving.len().saturating_sub(20));
                if c.named_not_moving.len() > 20 {
                    v.push(&more);
                }
                v.join(", ")
            }
        )));
    }
    s
}

/// A name in a heading made of several, quoted when it shows nothing (as Markdown's escaping
/// quotes a heading that is blank as a whole), so `"  " → E3` cannot pass for `→ E3`.
fn heading_name(s: &str) -> Cow<'_, str> {
    if super::grid::is_blank(s) {
        Cow::Owned(format!("\"{s}\""))
    } else {
        Cow::Borrowed(s)
    }
}

/// A move in a document: strategy, scope, users and its carrying groups.
fn one_move(m: &MoveSummary) -> Section<'_> {
    let strategy = match m.strategy {
        Some(s) => Span::text(s.as_str()),
        None => Span::plain("none (same product, licensing path only)"),
    };
    let s = Section::new(format!(
        "{} → {}",
        heading_name(&m.from),
        heading_name(&m.to)
    ))
    .block(Block::Fields(vec![
        ("Strategy".into(), vec![strategy]),
        ("Scope".into(), vec![Span::text(m.scope.as_str())]),
        (
            "Users moving".into(),
            vec![Span::plain(m.users.to_string())],
        ),
        (
            "Users in scope".into(),
            vec![Span::plain(format!(
                "{} ({} moving, {} held back, {} skipped){}",
                m.users_in_scope,
                m.users,
                m.held_back,
                m.skipped,
                if m.users_of_earlier_moves > 0 {
                    format!(
                        "; {} more {} to earlier moves",
                        m.users_of_earlier_moves,
                        if m.users_of_earlier_moves == 1 {
                            "belongs"
                        } else {
                            "belong"
                        }
                    )
                } else {
                    String::new()
                }
            ))],
        ),
    ]));
    let s = if m.warnings.is_empty() {
        s
    } else {
        s.block(Block::Bullets(
            m.warnings
                .iter()
                .map(|w| Cow::Owned(format!("Warning: {w}")))
                .collect(),
        ))
    };
    if m.groups.is_empty() {
        return s.block(Block::plain("Carrying groups: none."));
    }
    let t = Table::new(vec![
        Column::left("group"),
        Column::left("id"),
        Column::left("created or existing"),
        Column::left("product"),
        Column::left("disabled plans"),
        Column::right("members added"),
    ])
    .rows(m.groups.iter().map(|g| {
        vec![
            Cell::text(g.group_name.as_str()),
            Cell::text(g.group_id.as_str()),
            Cell::text(if g.created { "created" } else { "existing" }),
            Cell::text(format!("{}{}", g.sku, also_carried(g))),
            if g.disabled_plans.is_empty() {
                Cell::text("none")
            } else {
                Cell::text(g.disabled_plans.join(", "))
            },
            Cell::int(g.members_added),
        ]
    }));
    s.block(Block::plain("Carrying groups:"))
        .block(Block::Table(t))
}

/// An add-on group's other licenses: `, with ENTERPRISEPACK (only EXCHANGE_S_ENTERPRISE)`;
/// nothing for other groups.
fn also_carried(g: &crate::plan::doc::CarryingGroup) -> String {
    g.also_carries
        .iter()
        .map(|l| {
            if l.only_plans.is_empty() {
                format!(", with {}", l.sku)
            } else {
                format!(", with {} (only {})", l.sku, l.only_plans.join(", "))
            }
        })
        .collect()
}

/// A forecast point on the terminal: `2 wave 1 (pilot)`, or the stage alone.
fn seat_point(p: &Plan, s: &SeatForecast) -> String {
    match s.wave {
        Some(w) => format!("{} {}", s.stage, wave_name(p, s.stage, w)),
        None => s.stage.to_string(),
    }
}

fn seats(p: &Plan) -> Section<'_> {
    let terminal = Table::new(vec![
        Column::left("stage/wave"),
        Column::left("product"),
        Column::right("consumed/enabled"),
        Column::right("peak"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.seats.iter().map(|s| {
        let (used, peak) = match s.enabled {
            Some(e) => {
                let peak = if s.peak > i64::from(e) {
                    format!("{} (short by {})", s.peak, s.peak - i64::from(e))
                } else {
                    s.peak.to_string()
                };
                (format!("{}/{e}", s.consumed), peak)
            }
            None => (format!("{}/?", s.consumed), s.peak.to_string()),
        };
        vec![
            Cell::text(seat_point(p, s)),
            Cell::text(s.sku.as_str()),
            Cell::text(used),
            Cell::text(peak),
        ]
    }));
    let unknown = || Cell::text("unknown");
    let document = Table::new(vec![
        Column::right("stage"),
        Column::left("wave"),
        Column::left("product"),
        Column::right("enabled"),
        Column::right("consumed"),
        Column::right("peak"),
        Column::right("available"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.seats.iter().map(|f| {
        let wave = f.wave.map_or_else(
            || "–".to_owned(),
            |w| match wave_name(p, f.stage, w).strip_prefix("wave ") {
                Some(rest) => rest.to_owned(),
                None => w.to_string(),
            },
        );
        vec![
            Cell::int(f.stage),
            Cell::text(wave),
            Cell::text(f.sku.as_str()),
            f.enabled.map_or_else(unknown, Cell::int),
            Cell::int(f.consumed),
            Cell::int(f.peak),
            f.enabled
                .map_or_else(unknown, |e| Cell::int(i64::from(e) - f.consumed)),
        ]
    }));
    Section::new("Seat forecast")
        .block(Block::Table(terminal).only(Medium::Terminal))
        .blocks(
            capped(document, "forecast points", "seats.csv")
                .into_iter()
                .map(|b| b.only(Medium::Document)),
        )
}

fn held_back(p: &Plan) -> Section<'_> {
    let user = |h: &crate::plan::doc::HeldBack| Cell::text(user_of(h.upn.as_deref(), &h.user_id));
    let terminal = Table::new(vec![
        Column::left("user"),
        Column::left("reason"),
        Column::left("fix"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(
        p.held_back
            .iter()
            .map(|h| vec![user(h), Cell::text(h.reason.as_str()), Cell::text(h.fix)]),
    );
    let document = Table::new(vec![
        Column::left("user"),
        Column::left("reason"),
        Column::left("detail"),
        Column::left("fix"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.held_back.iter().map(|h| {
        vec![
            user(h),
            Cell::code(h.reason.as_str()),
            Cell::text(h.detail.as_str()),
            Cell::text(h.fix),
        ]
    }));
    let mut s = Section::new("Held-back users")
        .terminal_title("Held-back users (they keep every direct license)")
        .blocks(
            capped(terminal, "held-back users", "held-back.csv")
                .into_iter()
                .map(|b| b.only(Medium::Terminal)),
        );
    if !p.held_back.is_empty() {
        s = s.block(
            Block::plain(format!(
                "{} held back (they keep every direct license): {}.",
                count(p.held_back.len() as u64, "user", "users"),
                reasons(p)
            ))
            .only(Medium::Document),
        );
    }
    s.blocks(
        capped(document, "held-back users", "held-back.csv")
            .into_iter()
            .map(|b| b.only(Medium::Document)),
    )
}

fn skipped(p: &Plan) -> Section<'_> {
    let t = Table::new(vec![Column::left("user"), Column::left("why")])
        .when_empty(Empty::Nothing(None))
        .rows(p.skipped.iter().map(|k| {
            vec![
                Cell::text(user_of(k.upn.as_deref(), &k.user_id)),
                Cell::text(k.why.to_string()),
            ]
        }));
    Section::new("Skipped users")
        .only(Medium::Document)
        .blocks(capped(t, "skipped users", "skipped.csv"))
}

fn error_word(e: &ErrorRecord) -> String {
    if e.at_risk {
        format!("{} (at risk)", e.error)
    } else {
        e.error.to_string()
    }
}

fn verdict(p: &Plan) -> Section<'_> {
    let s = verdict_findings(p);
    if p.verdict.warnings.is_empty() {
        return s;
    }
    s.block(Block::plain(
        "Warnings (the verdict does not rest on them):",
    ))
    .block(Block::Bullets(
        p.verdict
            .warnings
            .iter()
            .map(|w| Cow::Borrowed(w.as_str()))
            .collect(),
    ))
}

fn verdict_findings(p: &Plan) -> Section<'_> {
    let word = verdict_word(p);
    let v = &p.verdict;
    let mut s = Section::new("Verdict").terminal_title(format!("Verdict: {word}"));
    if v.violations.is_empty() {
        s = s
            .block(Block::plain(verdict_sentence(p)).only(Medium::Terminal))
            .block(
                Block::Paragraph(vec![
                    Span::strong(word),
                    Span::plain(format!(". {}", verdict_sentence(p))),
                ])
                .only(Medium::Document),
            );
    } else {
        let t = Table::new(vec![
            Column::right("step"),
            Column::left("kind"),
            Column::left("user"),
            Column::left("lost"),
            Column::left("cause"),
        ])
        .rows(v.violations.iter().map(|v| {
            vec![
                Cell::int(v.step),
                Cell::text(kind_word(v.kind)),
                Cell::text(v.user.as_deref().unwrap_or_default()),
                Cell::text(v.lost.as_str()),
                Cell::text(v.cause.as_str()),
            ]
        }));
        s = s
            .block(
                Block::Paragraph(vec![
                    Span::strong(word),
                    Span::plain(format!(
                        ": the simulation finds {}.",
                        count(v.violations.len() as u64, "violation", "violations")
                    )),
                ])
                .only(Medium::Document),
            )
            .block(Block::Table(t));
    }
    if v.errors.is_empty() {
        return s;
    }
    let t = Table::new(vec![
        Column::right("step"),
        Column::left("error"),
        Column::left("user"),
        Column::left("group"),
        Column::left("product"),
        Column::left("detail"),
    ])
    .rows(v.errors.iter().map(|e| {
        vec![
            Cell::int(e.step),
            Cell::text(error_word(e)),
            Cell::text(e.user.as_deref().unwrap_or_default()),
            Cell::text(e.group.as_deref().unwrap_or_default()),
            Cell::text(e.sku.as_deref().unwrap_or_default()),
            Cell::text(e.detail.as_str()),
        ]
    }));
    s.block(
        Block::plain(format!(
            "{} expected (see --format markdown|json)",
            count(v.errors.len() as u64, "licensing error", "licensing errors")
        ))
        .only(Medium::Terminal),
    )
    .block(
        Block::plain(
            "Licensing errors the simulation expects (users held back keep their direct licenses):",
        )
        .only(Medium::Document),
    )
    .blocks(
        capped(t, "licensing errors", "errors.csv")
            .into_iter()
            .map(|b| b.only(Medium::Document)),
    )
}

#[cfg(test)]
mod tests;
