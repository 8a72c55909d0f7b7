//! What a change board reads first, in a document: the verdict band (GO / GO WITH CONDITIONS
//! / NO-GO), the key numbers, the seats per product, and the change record whose headings
//! follow a change request (justification, implementation plan, risk and impact, test plan,
//! backout plan, schedule, required roles and Graph scopes), with the seat and wave charts.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::words::{count, duration, reasons, stage_actions, wave_sizes};
use crate::bundle::manifest::OpKind;
use crate::plan::doc::{Action, Plan, Stage};
use crate::render::report::{Band, Block, Cell, Column, Empty, Section, Span, Table, Tone};
use crate::simulate::report::VerdictStatus;

/// The decision: NO-GO when the simulation finds a loss, when checks could not run (the plan
/// is not proven) or when nobody moves; GO WITH CONDITIONS when users are held back, a
/// rollback is not proven or the plan warns; GO otherwise.
pub(super) fn band(p: &Plan) -> Band<'_> {
    let s = &p.summary;
    let v = &p.verdict;
    let mut no_go = Vec::new();
    match v.status {
        VerdictStatus::Unsafe => no_go.push(Cow::Owned(format!(
            "The simulation finds {}: the plan is UNSAFE (see Verdict).",
            count(v.violations.len() as u64, "violation", "violations")
        ))),
        VerdictStatus::NotProven => no_go.push(Cow::Owned(format!(
            "NOT PROVEN: {} could not run on the exports read; export what \"Not checked\" names and plan again.",
            count(v.unchecked.len() as u64, "check", "checks")
        ))),
        VerdictStatus::Safe => {}
    }
    if s.users_moving == 0 {
        no_go.push(Cow::Borrowed("The plan moves nobody."));
    }
    let mut conditions = Vec::new();
    if s.users_held_back > 0 {
        conditions.push(Cow::Owned(format!(
            "{} held back keep their direct licenses ({}); each has a fix under Held-back users.",
            count(s.users_held_back, "user", "users"),
            reasons(p)
        )));
    }
    if !p.rollback.proven {
        let n = p.rollback.parts.iter().filter(|x| !x.proven).count() as u64;
        conditions.push(Cow::Owned(format!(
            "{} not proven by the simulator (see Rollback summary).",
            count(n, "rollback is", "rollbacks are")
        )));
    }
    if !p.warnings.is_empty() || !p.verdict.warnings.is_empty() {
        conditions.push(Cow::Owned(format!(
            "{} to read (see Warnings and Verdict).",
            count(
                (p.warnings.len() + p.verdict.warnings.len()) as u64,
                "warning",
                "warnings"
            )
        )));
    }
    match super::partner::band_reason(p) {
        Some((true, r)) => no_go.push(Cow::Owned(r)),
        Some((false, r)) => conditions.push(Cow::Owned(r)),
        None => {}
    }
    let (tone, reasons) = if !no_go.is_empty() {
        (Tone::NoGo, no_go)
    } else if !conditions.is_empty() {
        (Tone::Conditions, conditions)
    } else {
        (Tone::Go, Vec::new())
    };
    Band {
        tone,
        line: vec![Span::plain(format!(
            "simulation: {}; {} of {} in scope move in {}, least elapsed time {}.",
            v.status.word(),
            s.users_moving,
            count(s.users_in_scope, "user", "users"),
            count(s.removal_waves, "removal wave", "removal waves"),
            duration(s.least_elapsed_minutes)
        ))],
        reasons,
    }
}

/// Per product: enabled seats, the peak over the plan, the seats in use after it, and the
/// seats to buy (the peak above enabled).
pub(super) struct ProductSeats<'a> {
    pub sku: &'a str,
    pub enabled: Option<u32>,
    pub first: i64,
    pub peak: i64,
    pub last: i64,
}

impl ProductSeats<'_> {
    pub fn to_buy(&self) -> i64 {
        self.enabled
            .map_or(0, |e| (self.peak - i64::from(e)).max(0))
    }
}

/// Every product of the seat forecast, by part number.
pub(super) fn product_seats(p: &Plan) -> Vec<ProductSeats<'_>> {
    let mut by: BTreeMap<&str, ProductSeats<'_>> = BTreeMap::new();
    for f in &p.seats {
        let e = by.entry(f.sku.as_str()).or_insert(ProductSeats {
            sku: f.sku.as_str(),
            enabled: f.enabled,
            first: f.consumed,
            peak: f.peak,
            last: f.consumed,
        });
        e.peak = e.peak.max(f.peak);
        e.last = f.consumed;
        e.enabled = e.enabled.max(f.enabled);
    }
    by.into_values().collect()
}

/// The key numbers under the band.
pub(super) fn key_numbers(p: &Plan) -> Vec<Block<'_>> {
    let s = &p.summary;
    let held = if s.users_held_back == 0 {
        "0".to_owned()
    } else {
        format!("{} ({})", s.users_held_back, reasons(p))
    };
    let waves: Vec<String> = p
        .stages
        .iter()
        .filter(|st| !st.waves.is_empty())
        .map(|st| format!("stage {}: {}", st.number, wave_sizes(st)))
        .collect();
    let facts = Table::new(vec![Column::left("key number"), Column::left("value")]).rows([
        vec!["users in scope".into(), Cell::int(s.users_in_scope)],
        vec!["users moving".into(), Cell::int(s.users_moving)],
        vec!["users held back (by reason)".into(), Cell::text(held)],
        vec![
            "users skipped (nothing to migrate)".into(),
            Cell::int(s.users_skipped),
        ],
        vec![
            "seats to buy".into(),
            Cell::int(
                product_seats(p)
                    .iter()
                    .map(ProductSeats::to_buy)
                    .sum::<i64>(),
            ),
        ],
        vec![
            "stages; removal waves".into(),
            Cell::text(format!("{}; {}", p.stages.len(), s.removal_waves)),
        ],
        vec![
            "waves (users)".into(),
            if waves.is_empty() {
                Cell::text("-")
            } else {
                Cell::list(waves.into_iter().map(Cow::Owned).collect(), "; ")
            },
        ],
        vec![
            "least elapsed time".into(),
            Cell::text(duration(s.least_elapsed_minutes)),
        ],
        vec!["groups created".into(), Cell::int(s.groups_created)],
        vec![
            "default usage location".into(),
            Cell::text(s.default_usage_location.as_deref().unwrap_or("unknown")),
        ],
        vec!["verdict".into(), Cell::text(p.verdict.status.word())],
        vec!["plan hash".into(), Cell::text(p.plan_hash.as_str())],
        vec!["export hash".into(), Cell::text(p.export.hash.as_str())],
        vec![
            "exports taken".into(),
            Cell::text(p.export.read.taken.said.as_str()),
        ],
        vec![
            "tenant id".into(),
            Cell::text(
                p.export
                    .tenant_id
                    .as_deref()
                    .unwrap_or("not in the exports"),
            ),
        ],
        vec![
            "licplan version".into(),
            Cell::text(env!("CARGO_PKG_VERSION")),
        ],
    ]);
    let seats = Table::new(vec![
        Column::left("product"),
        Column::right("enabled"),
        Column::right("in use at the start"),
        Column::right("peak"),
        Column::right("in use after"),
        Column::right("seats to buy"),
    ])
    .when_empty(Empty::Nothing(Some("no product's seats change".into())))
    .rows(product_seats(p).into_iter().map(|x| {
        vec![
            Cell::text(x.sku),
            x.enabled.map_or_else(|| Cell::text("unknown"), Cell::int),
            Cell::int(x.first),
            Cell::int(x.peak),
            Cell::int(x.last),
            Cell::int(x.to_buy()),
        ]
    }));
    vec![
        Block::Table(facts),
        Block::plain("Seats per product over the plan (in use at the start: after the first stage, which changes nothing):"),
        Block::Table(seats),
    ]
}

/// Every action of a stage, its waves' and its rollbacks included.
fn all_actions(st: &Stage) -> impl Iterator<Item = &Action> {
    st.actions.iter().chain(&st.rollback_actions).chain(
        st.waves
            .iter()
            .flat_map(|w| w.actions.iter().chain(&w.rollback_actions)),
    )
}

/// A stage's least Graph scopes and the roles that can make every one of its writes (and
/// its rollback's), as its bundles list them.
fn scopes_and_roles(st: &Stage) -> (Vec<&'static str>, Vec<&'static str>) {
    let kinds: BTreeSet<OpKind> = all_actions(st).map(|a| OpKind::of(&a.op)).collect();
    let (scopes, roles) = OpKind::scopes_and_roles(&kinds);
    (scopes.into_iter().collect(), roles.into_iter().collect())
}

fn list(items: impl IntoIterator<Item = String>) -> Cell<'static> {
    Cell::list(items.into_iter().map(Cow::Owned).collect(), "; ")
}

/// The change record.
pub(super) fn change_record(p: &Plan) -> Section<'_> {
    Section::new("Change record")
        .block(Block::Section(justification(p)))
        .block(Block::Section(implementation(p)))
        .block(Block::Section(risk(p)))
        .block(Block::Section(test_plan(p)))
        .block(Block::Section(backout(p)))
        .block(Block::Section(super::charts::schedule(p)))
        .block(Block::Section(roles(p)))
}

fn justification(p: &Plan) -> Section<'_> {
    let moves: Vec<Cow<'_, str>> = p
        .moves
        .iter()
        .map(|m| {
            Cow::Owned(if m.from == m.to {
                format!(
                    "{}: {} from direct assignment to group-based licensing ({} in scope: {}).",
                    m.from,
                    count(m.users, "user", "users"),
                    m.users_in_scope,
                    m.scope
                )
            } else {
                format!(
                    "{} → {}: {} to the new product through groups ({} in scope: {}).",
                    m.from,
                    m.to,
                    count(m.users, "user", "users"),
                    m.users_in_scope,
                    m.scope
                )
            })
        })
        .collect();
    Section::new("Justification")
        .block(Block::plain(
            "Licenses assigned through groups follow membership: joiners, movers and leavers are licensed by the groups they are in, not by scripts per user. This change moves these users, following Microsoft's documented migration to group-based licensing, with every step simulated first:",
        ))
        .block(Block::Bullets(moves))
}

fn implementation(p: &Plan) -> Section<'_> {
    let t = Table::new(vec![
        Column::right("stage"),
        Column::left("what"),
        Column::right("actions"),
        Column::left("waves (users)"),
        Column::left("gate before the next stage"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.stages.iter().map(|st| {
        vec![
            Cell::int(st.number),
            Cell::text(st.title.as_str()),
            Cell::int(stage_actions(st)),
            Cell::text(wave_sizes(st)),
            list(st.gates.iter().cloned()),
        ]
    }));
    Section::new("Implementation plan").block(Block::Table(t))
}

fn risk(p: &Plan) -> Section<'_> {
    let mut by: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for h in &p.held_back {
        let e = by.entry(h.reason.as_str()).or_insert((0, h.fix));
        e.0 += 1;
    }
    let mut reasons: Vec<(&str, (u64, &str))> = by.into_iter().collect();
    reasons.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let held = Table::new(vec![
        Column::left("hold-back reason"),
        Column::right("users affected"),
        Column::left("what to do"),
    ])
    .when_empty(Empty::Nothing(Some("no user is held back".into())))
    .rows(
        reasons
            .into_iter()
            .map(|(r, (n, fix))| vec![Cell::code(r), Cell::int(n), Cell::text(fix)]),
    );
    let mut risks: Vec<Cow<'_, str>> = Vec::new();
    for st in &p.stages {
        for r in &st.risks {
            risks.push(Cow::Owned(format!("Stage {}: {r}", st.number)));
        }
    }
    let v = &p.verdict;
    Section::new("Risk and impact")
        .block(Block::plain(format!(
            "The simulation finds {} and {} (beyond held-back users'); {} could not run.",
            count(v.violations.len() as u64, "violation", "violations"),
            count(v.errors.len() as u64, "licensing error", "licensing errors"),
            count(v.unchecked.len() as u64, "check", "checks"),
        )))
        .block(Block::plain(
            "Users held back keep every direct license through the whole plan:",
        ))
        .block(Block::Table(held))
        .block(Block::plain("Risks of each stage:"))
        .block(Block::Bullets(risks))
}

fn test_plan(p: &Plan) -> Section<'_> {
    let t = Table::new(vec![
        Column::right("stage"),
        Column::left("check after it runs"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.stages.iter().map(|st| {
        let mut checks = if st.waves.is_empty() {
            vec![format!(
                "licplan verify <fresh export> --plan plan.json --stage {}: exit 0 (READY) before the next stage",
                st.number
            )]
        } else {
            vec![format!(
                "licplan verify <fresh export> --plan plan.json --stage {} --wave K after each wave K: exit 0 (READY) before the next",
                st.number
            )]
        };
        checks.extend(st.gates.iter().cloned());
        vec![Cell::int(st.number), list(checks)]
    }));
    Section::new("Test plan")
        .block(Block::plain(
            "Each stage is checked on a fresh export before the next starts: verify exits 0 when every user is done, 3 when not ready, 5 when a user regressed (stop).",
        ))
        .block(Block::Table(t))
}

fn backout(p: &Plan) -> Section<'_> {
    let proven = |stage: u32| {
        let parts: Vec<_> = p
            .rollback
            .parts
            .iter()
            .filter(|x| x.stage == stage)
            .collect();
        if parts.iter().all(|x| x.proven && x.actions == 0) {
            "nothing to undo"
        } else if parts.iter().all(|x| x.proven) {
            "yes"
        } else {
            "no"
        }
    };
    let t = Table::new(vec![
        Column::right("stage"),
        Column::left("backout"),
        Column::right("rollback ops"),
        Column::left("proven by simulation"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.stages.iter().map(|st| {
        let ops = st.rollback_actions.len()
            + st.waves
                .iter()
                .map(|w| w.rollback_actions.len())
                .sum::<usize>();
        vec![
            Cell::int(st.number),
            Cell::text(st.rollback.join(" ")),
            Cell::int(ops),
            Cell::text(proven(st.number)),
        ]
    }));
    Section::new("Backout plan")
        .block(Block::plain(
            "Each stage's and wave's rollback is a list of ops (each bundle's undo.ps1 runs it), replayed by the simulator from the stage's end to prove it restores what every user held:",
        ))
        .block(Block::Table(t))
}

fn roles(p: &Plan) -> Section<'_> {
    let t = Table::new(vec![
        Column::right("stage"),
        Column::left("Graph scopes (delegated)"),
        Column::left("roles that can run every write"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(p.stages.iter().map(|st| {
        let (scopes, roles) = scopes_and_roles(st);
        vec![
            Cell::int(st.number),
            list(scopes.into_iter().map(str::to_owned)),
            list(roles.into_iter().map(str::to_owned)),
        ]
    }));
    Section::new("Required roles and Graph scopes")
        .block(Block::plain(
            "The least scopes and the Entra roles that can make each stage's writes and its rollback's (a stage without writes only reads):",
        ))
        .block(Block::Table(t))
}
