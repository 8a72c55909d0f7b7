//! Plans as text: a terminal table and a Markdown dry-run report for change boards.
//!
//! Both read the plan in the order it comes (already sorted) and print nothing that depends on
//! the clock or the terminal. The table is an overview and never lists individual actions; the
//! Markdown report lists them, capped per stage and per wave (the JSON/YAML plan lists all).

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::grid::{add_row, clean, new_table, right, Cell};

use super::markdown::{code, header, row, text, Md};
use crate::plan::doc::{Action, Plan, SeatForecast, Stage, StageKind};
use crate::simulate::report::{ErrorRecord, Violation, ViolationKind};

/// Actions listed per stage in the Markdown report.
const STAGE_ACTIONS: usize = 50;
/// Actions listed per wave in the Markdown report.
const WAVE_ACTIONS: usize = 20;

// ---------------------------------------------------------------------------------------------
// Shared wording

fn verdict_word(p: &Plan) -> &'static str {
    p.verdict.status.word()
}

/// What the first line says when the plan does little: it moves nobody, or holds back most of
/// its scope.
fn scope_warning(p: &Plan) -> Option<String> {
    let s = &p.summary;
    if s.users_moving == 0 {
        Some(format!(
            "this plan moves nobody: {} held back and {} skipped of {} in scope",
            s.users_held_back,
            s.users_skipped,
            count(s.users_in_scope, "user", "users")
        ))
    } else if s.users_held_back * 2 > s.users_in_scope {
        Some(format!(
            "this plan holds back most of its scope: {} of {} in scope",
            s.users_held_back,
            count(s.users_in_scope, "user", "users")
        ))
    } else {
        None
    }
}

/// Why a verdict is what it is, in one sentence after the word.
fn verdict_sentence(p: &Plan) -> String {
    use crate::simulate::report::VerdictStatus as V;
    match p.verdict.status {
        V::Safe => "The simulation of every stage and wave finds no loss of license or service and no seat shortage, on complete evidence.".to_owned(),
        V::Unsafe => "The simulation marks the plan unsafe.".to_owned(),
        V::NotProven => format!(
            "The simulation finds no loss, but {} could not run on the exports read: the plan is not proven safe.",
            count(p.verdict.unchecked.len() as u64, "check", "checks")
        ),
    }
}

/// Minutes as people read them: `2.5`, `5`, `12.5`.
fn minutes(m: f64) -> String {
    let s = format!("{m:.1}");
    match s.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => s,
    }
}

/// `n` followed by the noun, singular for one.
fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn stage_actions(st: &Stage) -> usize {
    st.actions.len() + st.waves.iter().map(|w| w.actions.len()).sum::<usize>()
}

/// Users per wave: `pilot 10, 25, 25, 9`.
fn wave_sizes(st: &Stage) -> String {
    if st.waves.is_empty() {
        return "-".to_owned();
    }
    st.waves
        .iter()
        .map(|w| {
            if w.label == "pilot" {
                format!("pilot {}", w.users)
            } else {
                w.users.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A wave as named in the seat forecast: `wave 1 (pilot)`.
fn wave_name(p: &Plan, stage: u32, wave: u32) -> String {
    let label = p
        .stages
        .iter()
        .find(|s| s.number == stage)
        .and_then(|s| s.waves.iter().find(|w| w.number == wave))
        .map(|w| w.label.as_str());
    match label {
        Some("pilot") => format!("wave {wave} (pilot)"),
        _ => format!("wave {wave}"),
    }
}

fn kind_word(k: ViolationKind) -> &'static str {
    match k {
        ViolationKind::Loss => "loss",
        ViolationKind::Seats => "seats",
    }
}

fn error_word(e: &ErrorRecord) -> String {
    if e.at_risk {
        format!("{} (at risk)", e.error)
    } else {
        e.error.to_string()
    }
}

fn user_of(upn: Option<&str>, id: &dyn std::fmt::Display) -> String {
    upn.map_or_else(|| id.to_string(), str::to_owned)
}

fn action_user(a: &Action) -> String {
    a.user_cell()
}

fn action_group(a: &Action) -> String {
    a.group_cell()
}

fn action_product(a: &Action) -> String {
    a.product_cell()
}

/// Disabled plans, licenses added and removed, security flag: what the row's other cells omit.
fn action_details(a: &Action) -> String {
    a.details_cell()
}

/// Held-back users by reason, most frequent first: `CountViolation: 3, existing-error: 1`.
fn reasons(p: &Plan) -> String {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for h in &p.held_back {
        *by.entry(h.reason.as_str()).or_default() += 1;
    }
    let mut v: Vec<(&str, u64)> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(r, n)| format!("{r}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Terminal table

fn seat_point(p: &Plan, s: &SeatForecast) -> String {
    match s.wave {
        Some(w) => format!("{} {}", s.stage, wave_name(p, s.stage, w)),
        None => s.stage.to_string(),
    }
}

pub fn table(p: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let s = &p.summary;
    let warning = scope_warning(p).map_or_else(String::new, |w| format!(" — {w}"));
    writeln!(
        out,
        "Plan {}: {}{warning}; {} moving, {} held back, {} skipped (of {} in scope); {} created; {}",
        clean(&p.name),
        verdict_word(p),
        count(s.users_moving, "user", "users"),
        s.users_held_back,
        s.users_skipped,
        s.users_in_scope,
        count(s.groups_created, "group", "groups"),
        count(s.removal_waves, "removal wave", "removal waves"),
    )?;
    super::table::unchecked(verdict_word(p), &p.verdict.unchecked, out)?;

    writeln!(out, "\nMoves")?;
    if p.moves.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&["from → to", "strategy", "scope", "carrying groups", "users"]);
        for m in &p.moves {
            let groups: Vec<String> = m
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
                    line.push(')');
                    line
                })
                .collect();
            add_row(
                &mut t,
                vec![
                    format!("{} → {}", m.from, m.to).into(),
                    m.strategy.clone().unwrap_or_else(|| "-".to_owned()).into(),
                    m.scope.clone().into(),
                    if groups.is_empty() {
                        "-".into()
                    } else {
                        Cell::Lines(groups)
                    },
                    m.users.to_string().into(),
                ],
            );
        }
        right(&mut t, &[4]);
        writeln!(out, "{t}")?;
    }

    writeln!(out, "\nStages")?;
    let mut t = new_table(&[
        "stage",
        "title",
        "actions",
        "waves (users)",
        "writes",
        "least minutes",
    ]);
    for st in &p.stages {
        add_row(
            &mut t,
            vec![
                st.number.to_string().into(),
                st.title.clone().into(),
                stage_actions(st).to_string().into(),
                wave_sizes(st).into(),
                st.writes.to_string().into(),
                minutes(st.min_minutes).into(),
            ],
        );
    }
    right(&mut t, &[0, 2, 4, 5]);
    writeln!(out, "{t}")?;
    let total: usize = p.stages.iter().map(stage_actions).sum();
    writeln!(
        out,
        "{} (see --format markdown|json)",
        if total == 1 {
            "1 action".to_owned()
        } else {
            format!("{total} actions")
        }
    )?;

    writeln!(out, "\nSeat forecast")?;
    if p.seats.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&["stage/wave", "product", "consumed/enabled", "peak"]);
        for s in &p.seats {
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
            add_row(
                &mut t,
                vec![
                    seat_point(p, s).into(),
                    s.sku.clone().into(),
                    used.into(),
                    peak.into(),
                ],
            );
        }
        right(&mut t, &[2, 3]);
        writeln!(out, "{t}")?;
    }

    writeln!(out, "\nHeld-back users (they keep every direct license)")?;
    if p.held_back.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        let mut t = new_table(&["user", "reason", "fix"]);
        for h in &p.held_back {
            add_row(
                &mut t,
                vec![
                    user_of(h.upn.as_deref(), &h.user_id).into(),
                    h.reason.as_str().into(),
                    h.fix.into(),
                ],
            );
        }
        writeln!(out, "{t}")?;
    }

    writeln!(out, "\nVerdict: {}", verdict_word(p))?;
    if p.verdict.violations.is_empty() {
        writeln!(out, "{}", verdict_sentence(p))?;
    } else {
        let mut t = new_table(&["step", "kind", "user", "lost", "cause"]);
        for v in &p.verdict.violations {
            add_row(
                &mut t,
                vec![
                    v.step.to_string().into(),
                    kind_word(v.kind).into(),
                    v.user.clone().unwrap_or_default().into(),
                    v.lost.clone().into(),
                    v.cause.clone().into(),
                ],
            );
        }
        right(&mut t, &[0]);
        writeln!(out, "{t}")?;
    }
    if !p.verdict.errors.is_empty() {
        writeln!(
            out,
            "{} expected (see --format markdown|json)",
            count(
                p.verdict.errors.len() as u64,
                "licensing error",
                "licensing errors"
            )
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Markdown

fn bullets(out: &mut dyn Write, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return writeln!(out, "- None.");
    }
    for i in items {
        writeln!(out, "- {}", text(i))?;
    }
    Ok(())
}

/// The first `limit` actions as a table, then a line saying how many were left out.
fn md_actions(out: &mut dyn Write, actions: &[Action], limit: usize) -> io::Result<()> {
    header(
        out,
        &["op", "user (UPN)", "group (name)", "product", "details"],
        &[],
    )?;
    for a in actions.iter().take(limit) {
        row(
            out,
            &[
                code(a.op_name()),
                action_user(a).into(),
                action_group(a).into(),
                action_product(a).into(),
                action_details(a).into(),
            ],
        )?;
    }
    if actions.len() > limit {
        writeln!(
            out,
            "\n… and {} more actions (the JSON/YAML plan lists all)",
            actions.len() - limit
        )?;
    }
    Ok(())
}

fn md_stage(out: &mut dyn Write, st: &Stage) -> io::Result<()> {
    writeln!(out, "### Stage {}: {}\n", st.number, text(&st.title))?;
    writeln!(out, "{}\n", text(&st.purpose))?;

    writeln!(out, "**Gate**\n")?;
    bullets(out, &st.gates)?;

    writeln!(out, "\n**Actions**\n")?;
    if !st.actions.is_empty() {
        md_actions(out, &st.actions, STAGE_ACTIONS)?;
    } else if st.waves.is_empty() {
        writeln!(out, "None: the plan makes no change in this stage.")?;
    } else {
        writeln!(out, "None outside the waves below.")?;
    }

    let waved = matches!(st.kind, StageKind::RemoveDirect | StageKind::ChangeDirect);
    if waved || !st.waves.is_empty() {
        writeln!(out, "\n**Waves**\n")?;
        if st.waves.is_empty() {
            writeln!(out, "None: no user to move.")?;
        } else {
            header(
                out,
                &["wave", "label", "users", "writes", "least time (minutes)"],
                &[0, 2, 3, 4],
            )?;
            for w in &st.waves {
                row(
                    out,
                    &[
                        w.number.to_string().into(),
                        w.label.clone().into(),
                        w.users.to_string().into(),
                        w.writes.to_string().into(),
                        minutes(w.min_minutes).into(),
                    ],
                )?;
            }
            for w in &st.waves {
                let pilot = if w.label == "pilot" { " (pilot)" } else { "" };
                writeln!(
                    out,
                    "\n#### Stage {} wave {}{pilot}: {}\n",
                    st.number,
                    w.number,
                    count(w.users, "user", "users")
                )?;
                writeln!(out, "Gate before the next wave:\n")?;
                bullets(out, &w.gates)?;
                writeln!(out)?;
                if w.actions.is_empty() {
                    writeln!(out, "No actions.")?;
                } else {
                    md_actions(out, &w.actions, WAVE_ACTIONS)?;
                }
            }
        }
    }

    writeln!(out, "\n**Risks**\n")?;
    bullets(out, &st.risks)?;
    writeln!(out, "\n**Rollback**\n")?;
    bullets(out, &st.rollback)?;
    writeln!(
        out,
        "\nWrites: {}; least duration: {} minutes (Graph write throttling).\n",
        st.writes,
        minutes(st.min_minutes)
    )
}

fn md_violations(out: &mut dyn Write, vs: &[Violation]) -> io::Result<()> {
    header(out, &["step", "kind", "user", "lost", "cause"], &[0])?;
    for v in vs {
        row(
            out,
            &[
                v.step.to_string().into(),
                kind_word(v.kind).into(),
                v.user.clone().unwrap_or_default().into(),
                v.lost.clone().into(),
                v.cause.clone().into(),
            ],
        )?;
    }
    Ok(())
}

fn md_errors(out: &mut dyn Write, es: &[ErrorRecord]) -> io::Result<()> {
    header(
        out,
        &["step", "error", "user", "group", "product", "detail"],
        &[0],
    )?;
    for e in es {
        row(
            out,
            &[
                e.step.to_string().into(),
                error_word(e).into(),
                e.user.clone().unwrap_or_default().into(),
                e.group.clone().unwrap_or_default().into(),
                e.sku.clone().unwrap_or_default().into(),
                e.detail.clone().into(),
            ],
        )?;
    }
    Ok(())
}

pub fn markdown(p: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let s = &p.summary;

    // 1. Title, summary, key facts.
    writeln!(out, "# {}\n", text(&p.name))?;
    writeln!(
        out,
        "Verdict: **{}**{}. Dry-run report: this plan moves {} of {} in scope from direct to group-based licensing in {}; {} held back and keep every direct license, {} skipped with nothing to migrate. The simulation of every stage and wave finds the plan **{}**.\n",
        verdict_word(p),
        scope_warning(p).map_or_else(String::new, |w| format!(" — {w}")),
        s.users_moving,
        count(s.users_in_scope, "user", "users"),
        count(p.stages.len() as u64, "stage", "stages"),
        count(s.users_held_back, "user is", "users are"),
        s.users_skipped,
        verdict_word(p),
    )?;
    header(out, &["fact", "value"], &[1])?;
    let facts: [(&str, String); 8] = [
        ("users in scope", s.users_in_scope.to_string()),
        ("users moving", s.users_moving.to_string()),
        ("users held back", s.users_held_back.to_string()),
        ("users skipped", s.users_skipped.to_string()),
        ("groups created", s.groups_created.to_string()),
        ("removal waves", s.removal_waves.to_string()),
        (
            "default usage location",
            s.default_usage_location
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
        ),
        ("verdict", verdict_word(p).to_owned()),
    ];
    for (k, v) in facts {
        row(out, &[k.into(), v.into()])?;
    }
    if !p.verdict.unchecked.is_empty() {
        writeln!(
            out,
            "\n## Not checked\n\nThe verdict is **{}**: these checks could not run on the exports read.\n",
            verdict_word(p)
        )?;
        header(out, &["check", "what was not checked", "fix"], &[])?;
        for u in &p.verdict.unchecked {
            row(
                out,
                &[
                    code(u.check.as_str()),
                    u.reason.as_str().into(),
                    u.fix.as_str().into(),
                ],
            )?;
        }
    }

    // 2. Moves.
    writeln!(out, "\n## Moves\n")?;
    if p.moves.is_empty() {
        writeln!(out, "None.")?;
    }
    for m in &p.moves {
        writeln!(out, "### {} → {}\n", text(&m.from), text(&m.to))?;
        writeln!(
            out,
            "- Strategy: {}",
            m.strategy.as_deref().map_or_else(
                || "none (same product, licensing path only)".to_owned(),
                text
            )
        )?;
        writeln!(out, "- Scope: {}", text(&m.scope))?;
        writeln!(out, "- Users moving: {}\n", m.users)?;
        if m.groups.is_empty() {
            writeln!(out, "Carrying groups: none.\n")?;
            continue;
        }
        writeln!(out, "Carrying groups:\n")?;
        header(
            out,
            &[
                "group",
                "id",
                "created or existing",
                "product",
                "disabled plans",
                "members added",
            ],
            &[5],
        )?;
        for g in &m.groups {
            row(
                out,
                &[
                    g.group_name.clone().into(),
                    g.group_id.clone().into(),
                    Md::from(if g.created { "created" } else { "existing" }.to_owned()),
                    g.sku.clone().into(),
                    Md::from(if g.disabled_plans.is_empty() {
                        "none".to_owned()
                    } else {
                        g.disabled_plans.join(", ")
                    }),
                    g.members_added.to_string().into(),
                ],
            )?;
        }
        writeln!(out)?;
    }

    // 3. Stages.
    writeln!(out, "## Stages\n")?;
    for st in &p.stages {
        md_stage(out, st)?;
    }

    // 4. Seat forecast.
    writeln!(out, "## Seat forecast\n")?;
    if p.seats.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(
            out,
            &[
                "stage",
                "wave",
                "product",
                "enabled",
                "consumed",
                "peak",
                "available",
            ],
            &[0, 3, 4, 5, 6],
        )?;
        for f in &p.seats {
            row(
                out,
                &[
                    f.stage.to_string().into(),
                    f.wave
                        .map_or_else(
                            || "–".to_owned(),
                            |w| match wave_name(p, f.stage, w).strip_prefix("wave ") {
                                Some(rest) => rest.to_owned(),
                                None => w.to_string(),
                            },
                        )
                        .into(),
                    f.sku.clone().into(),
                    f.enabled
                        .map_or_else(|| "unknown".to_owned(), |e| e.to_string())
                        .into(),
                    f.consumed.to_string().into(),
                    f.peak.to_string().into(),
                    f.enabled
                        .map_or_else(
                            || "unknown".to_owned(),
                            |e| (i64::from(e) - f.consumed).to_string(),
                        )
                        .into(),
                ],
            )?;
        }
    }

    // 5. Held-back users.
    writeln!(out, "\n## Held-back users\n")?;
    if p.held_back.is_empty() {
        writeln!(out, "None.")?;
    } else {
        writeln!(
            out,
            "{} held back (they keep every direct license): {}.\n",
            count(p.held_back.len() as u64, "user", "users"),
            reasons(p)
        )?;
        header(out, &["user", "reason", "detail", "fix"], &[])?;
        for h in &p.held_back {
            row(
                out,
                &[
                    user_of(h.upn.as_deref(), &h.user_id).into(),
                    code(h.reason.as_str()),
                    h.detail.clone().into(),
                    h.fix.into(),
                ],
            )?;
        }
    }

    // 6. Skipped users.
    writeln!(out, "\n## Skipped users\n")?;
    if p.skipped.is_empty() {
        writeln!(out, "None.")?;
    } else {
        header(out, &["user", "why"], &[])?;
        for k in &p.skipped {
            row(
                out,
                &[
                    user_of(k.upn.as_deref(), &k.user_id).into(),
                    k.why.to_string().into(),
                ],
            )?;
        }
    }

    // 7. Verdict.
    writeln!(out, "\n## Verdict\n")?;
    if p.verdict.violations.is_empty() {
        writeln!(out, "**{}**. {}", verdict_word(p), verdict_sentence(p))?;
    } else {
        writeln!(
            out,
            "**{}**: the simulation finds {}.\n",
            verdict_word(p),
            count(p.verdict.violations.len() as u64, "violation", "violations")
        )?;
        md_violations(out, &p.verdict.violations)?;
    }
    if !p.verdict.errors.is_empty() {
        writeln!(
            out,
            "\nLicensing errors the simulation expects (users held back keep their direct licenses):\n"
        )?;
        md_errors(out, &p.verdict.errors)?;
    }

    // 8. Assumptions.
    writeln!(out, "\n## Assumptions\n")?;
    bullets(out, &p.assumptions)?;

    // 9. Rollback summary.
    writeln!(out, "\n## Rollback summary\n")?;
    if p.stages.is_empty() {
        writeln!(out, "- None.")?;
    }
    for st in &p.stages {
        writeln!(
            out,
            "- Stage {} ({}): {}",
            st.number,
            text(&st.title),
            text(&st.rollback.join(" "))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{markdown, table};
    use crate::plan::doc::{
        Action, CarryingGroup, HeldBack, MoveSummary, Plan, SeatForecast, Skipped, Stage,
        StageKind, Summary, Verdict, Wave,
    };
    use crate::simulate::report::{ErrorRecord, Violation, ViolationKind};

    fn action(op: &'static str, user: Option<usize>) -> Action {
        use crate::model::{GroupId, SkuId, UserId};
        use crate::simulate::ops::Op;
        let id = |s: &str| GroupId::parse(s).expect("a GUID");
        let group = id("00000000-0000-0000-0000-0000000000aa");
        let sku = SkuId::parse("6fd2c87f-b296-42f0-b197-1e91e994b900").expect("a GUID");
        let user_id =
            |i: usize| UserId::parse(&format!("00000000-0000-0000-0000-{i:012}")).expect("a GUID");
        let op = match (op, user) {
            ("add-member", Some(i)) => Op::AddMember {
                group,
                user: user_id(i),
            },
            ("remove-direct-license", Some(i)) => Op::RemoveDirectLicense {
                user: user_id(i),
                sku,
            },
            _ => Op::AssignGroupLicense {
                group,
                sku,
                disabled_plans: Vec::new(),
            },
        };
        let mut a = Action::new(op);
        a.shown.group_name = Some("LIC-E3".into());
        a.shown.user_upn = user.map(|i| format!("user{i:03}@contoso.com").into());
        a.shown.sku_part_number = Some("ENTERPRISEPACK".into());
        a
    }

    fn plan() -> Plan {
        let mut assign = action("assign-group-license", None);
        if let crate::simulate::ops::Op::AssignGroupLicense { disabled_plans, .. } = &mut assign.op
        {
            let plan = |id: &str, name: &str| crate::simulate::ops::PlanRef {
                id: crate::model::PlanId::parse(id).expect("a GUID"),
                name: name.into(),
            };
            *disabled_plans = vec![
                plan("a23b959c-7ce8-4e57-9140-b90eb88a9e97", "SWAY"),
                plan("7547a3fe-08ee-4ccb-b430-5077c5041653", "YAMMER_ENTERPRISE"),
            ];
        }
        let mut stage2_actions = vec![assign];
        stage2_actions.extend((0..54).map(|i| action("add-member", Some(i))));
        let wave = |number: u32, label: &str, users: std::ops::Range<usize>| Wave {
            number,
            label: label.to_owned(),
            users: users.len() as u64,
            actions: users
                .map(|i| action("remove-direct-license", Some(i)))
                .collect(),
            gates: vec![format!("Gate of wave {number}.")],
            writes: 0,
            min_minutes: 2.5,
        };
        Plan {
            schema_version: 1,
            name: "E3 to groups".to_owned(),
            summary: Summary {
                users_in_scope: 56,
                users_moving: 54,
                users_held_back: 1,
                users_skipped: 1,
                groups_created: 1,
                removal_waves: 2,
                default_usage_location: Some("US".to_owned()),
            },
            moves: vec![MoveSummary {
                from: "ENTERPRISEPACK".to_owned(),
                to: "ENTERPRISEPACK".to_owned(),
                strategy: None,
                scope: "all users holding ENTERPRISEPACK directly".to_owned(),
                groups: vec![CarryingGroup {
                    group_id: "00000000-0000-0000-0000-0000000000aa".to_owned(),
                    group_name: "LIC-E3".to_owned(),
                    created: true,
                    sku: "ENTERPRISEPACK".to_owned(),
                    disabled_plans: vec!["SWAY".to_owned()],
                    members_added: 54,
                }],
                users: 54,
            }],
            stages: vec![
                Stage {
                    number: 1,
                    kind: StageKind::AssignGroups,
                    title: "Create the licensing groups".to_owned(),
                    purpose: "Groups that carry the same licenses.".to_owned(),
                    gates: vec!["First gate.".to_owned(), "Second gate.".to_owned()],
                    actions: stage2_actions,
                    waves: Vec::new(),
                    risks: vec!["A risk.".to_owned()],
                    rollback: vec!["Remove the members.".to_owned()],
                    writes: 55,
                    min_minutes: 2.5,
                },
                Stage {
                    number: 2,
                    kind: StageKind::RemoveDirect,
                    title: "Remove the direct assignments in waves".to_owned(),
                    purpose: "Gradually.".to_owned(),
                    gates: Vec::new(),
                    actions: Vec::new(),
                    waves: vec![wave(1, "pilot", 0..2), wave(2, "wave", 2..54)],
                    risks: vec!["Another risk.".to_owned()],
                    rollback: vec![
                        "Re-assign the direct license".to_owned(),
                        "(Set-MgUserLicense -UserId <upn>).".to_owned(),
                    ],
                    writes: 54,
                    min_minutes: 5.0,
                },
            ],
            held_back: vec![HeldBack {
                user_id: crate::model::UserId::parse("00000000-0000-0000-0000-0000000000e1")
                    .expect("a GUID"),
                upn: Some("=cmd|' /C calc'!A0@contoso.com".to_owned()),
                reason: crate::plan::doc::HoldReason::CountViolation,
                group_id: None,
                group_name: None,
                detail: "No seat left".to_owned(),
                fix: "Buy seats",
            }],
            skipped: vec![Skipped {
                user_id: crate::model::UserId::parse("00000000-0000-0000-0000-0000000000e2")
                    .expect("a GUID"),
                upn: None,
                why: crate::plan::doc::SkipReason::NoDirectAssignment,
            }],
            seats: vec![
                SeatForecast {
                    stage: 1,
                    wave: None,
                    sku: "ENTERPRISEPACK".to_owned(),
                    enabled: Some(100),
                    consumed: 55,
                    peak: 55,
                },
                SeatForecast {
                    stage: 2,
                    wave: Some(1),
                    sku: "ENTERPRISEPACK".to_owned(),
                    enabled: None,
                    consumed: 55,
                    peak: 55,
                },
            ],
            verdict: Verdict {
                status: crate::simulate::report::VerdictStatus::Unsafe,
                safe: false,
                unchecked: Vec::new(),
                violations: vec![Violation {
                    step: 57,
                    kind: ViolationKind::Loss,
                    user: Some("user001@contoso.com".to_owned()),
                    user_id: crate::model::UserId::parse("00000000-0000-0000-0000-000000000001")
                        .ok(),
                    group_id: None,
                    lost: "SWAY in Office 365 E3".to_owned(),
                    cause: "stage 2: direct license removed".to_owned(),
                }],
                errors: vec![ErrorRecord {
                    step: 3,
                    user: Some("held@contoso.com".to_owned()),
                    user_id: None,
                    group: Some("LIC-E3".to_owned()),
                    group_id: None,
                    sku: Some("ENTERPRISEPACK".to_owned()),
                    error: crate::simulate::report::ErrorCode::Licensing(
                        crate::model::AssignmentError::CountViolation,
                    ),
                    at_risk: true,
                    detail: "no seat".to_owned(),
                }],
            },
            assumptions: vec!["Graph throttles identity writes.".to_owned()],
        }
    }

    fn render(f: fn(&Plan, &mut dyn std::io::Write) -> std::io::Result<()>) -> String {
        let mut buf: Vec<u8> = Vec::new();
        assert!(f(&plan(), &mut buf).is_ok());
        String::from_utf8(buf).unwrap_or_default()
    }

    #[test]
    fn markdown_has_every_section_in_order() {
        let md = render(markdown);
        let sections = [
            "# E3 to groups\n",
            "\n## Moves\n",
            "\n## Stages\n",
            "### Stage 1: Create the licensing groups\n",
            "### Stage 2: Remove the direct assignments in waves\n",
            "\n## Seat forecast\n",
            "\n## Held-back users\n",
            "\n## Skipped users\n",
            "\n## Verdict\n",
            "\n## Assumptions\n",
            "\n## Rollback summary\n",
        ];
        let mut at = 0;
        for s in sections {
            let Some(i) = md[at..].find(s) else {
                panic!("missing or out of order: {s:?}\n{md}");
            };
            at += i + s.len();
        }
        assert!(md.contains("| users in scope | 56 |"));
        assert!(md.contains("| default usage location | US |"));
        assert!(md.contains("| verdict | UNSAFE |"));
        assert!(md.contains("**Gate**\n\n- First gate.\n- Second gate.\n"));
        // Stage 1 has 55 actions: 50 listed, the rest counted.
        assert!(md.contains("… and 5 more actions (the JSON/YAML plan lists all)"));
        assert!(md.contains("| `add-member` | user048@contoso.com | LIC-E3 | ENTERPRISEPACK |  |"));
        assert!(!md.contains("| `add-member` | user049@contoso.com |"));
        assert!(md.contains("| `assign-group-license` |  | LIC-E3 | ENTERPRISEPACK | disabled: SWAY, YAMMER_ENTERPRISE |"));
        // Waves: a table, then each wave's gate and at most 20 actions.
        assert!(md.contains("| wave | label | users | writes | least time (minutes) |\n| ---: | --- | ---: | ---: | ---: |"));
        assert!(md.contains("| 1 | pilot | 2 | 0 | 2.5 |"));
        assert!(md.contains("#### Stage 2 wave 1 (pilot): 2 users"));
        assert!(md.contains("#### Stage 2 wave 2: 52 users"));
        assert!(md.contains("- Gate of wave 1."));
        assert!(md.contains("… and 32 more actions (the JSON/YAML plan lists all)"));
        // Seat forecast.
        assert!(md.contains("| 1 | – | ENTERPRISEPACK | 100 | 55 | 55 | 45 |"));
        assert!(md.contains("| 2 | 1 (pilot) | ENTERPRISEPACK | unknown | 55 | 55 | unknown |"));
        // The held-back UPN starts with `=`: neutralised, and its pipe escaped.
        assert!(md.contains(
            "| '=cmd\\|' /C calc'!A0@contoso.com | `CountViolation` | No seat left | Buy seats |"
        ));
        assert!(!md.contains("| =cmd"));
        assert!(
            md.contains("1 user held back (they keep every direct license): CountViolation: 1.")
        );
        assert!(md.contains(
            "| 00000000-0000-0000-0000-0000000000e2 | holds no direct assignment of the product to move |"
        ));
        // The violation, and the expected error.
        assert!(md.contains(
            "| 57 | loss | user001@contoso.com | SWAY in Office 365 E3 | stage 2: direct license removed |"
        ));
        assert!(md.contains("| 3 | CountViolation (at risk) | held@contoso.com | LIC-E3 | ENTERPRISEPACK | no seat |"));
        assert!(!md.contains("finds no loss"));
        assert!(md.contains("- Graph throttles identity writes."));
        assert!(md.contains(
            "- Stage 2 (Remove the direct assignments in waves): Re-assign the direct license (Set-MgUserLicense -UserId \\<upn>)."
        ));
    }

    #[test]
    fn table_is_an_overview_without_actions() {
        let t = render(table);
        let first = t.lines().next().unwrap_or_default();
        assert!(first.starts_with("Plan E3 to groups: UNSAFE; 54 users moving, 1 held back"));
        assert!(first.contains("1 group created; 2 removal waves"));
        assert!(t.contains("pilot 2, 52"));
        assert!(t.contains("109 actions (see --format markdown|json)"));
        assert!(t.contains("LIC-E3 (created, ENTERPRISEPACK, disabled: SWAY)"));
        assert!(t.contains("2 wave 1 (pilot)"));
        assert!(t.contains("55/100"));
        assert!(t.contains("CountViolation"));
        assert!(t.contains("SWAY in Office 365 E3"));
        assert!(t.contains("1 licensing error expected"));
        // No individual action: neither a member's UPN nor an op name.
        assert!(!t.contains("user000@contoso.com"));
        assert!(!t.contains("add-member"));
        assert!(!t.contains("remove-direct-license"));
    }

    #[test]
    fn a_safe_plan_says_so() {
        let mut p = plan();
        p.verdict = Verdict::new(Vec::new(), Vec::new());
        let mut buf: Vec<u8> = Vec::new();
        assert!(markdown(&p, &mut buf).is_ok());
        let md = String::from_utf8(buf).unwrap_or_default();
        assert!(md.contains("## Verdict\n\n**SAFE**. The simulation of every stage and wave finds no loss of license or service and no seat shortage, on complete evidence.\n"));
        let mut buf: Vec<u8> = Vec::new();
        assert!(table(&p, &mut buf).is_ok());
        let t = String::from_utf8(buf).unwrap_or_default();
        assert!(t.contains("Verdict: SAFE\nThe simulation of every stage and wave finds no loss"));
    }

    #[test]
    fn a_plan_not_proven_says_what_was_not_checked_at_the_top() {
        let mut p = plan();
        p.verdict = Verdict::new(Vec::new(), Vec::new());
        p.verdict
            .add_unchecked(vec![crate::simulate::report::Unchecked {
                check: crate::simulate::report::Check::Seats,
                reason: "seats of ENTERPRISEPACK not checked: no subscribedSkus export".into(),
                fix: "export GET /v1.0/subscribedSkus".into(),
            }]);
        assert!(!p.verdict.safe);
        let mut buf: Vec<u8> = Vec::new();
        assert!(markdown(&p, &mut buf).is_ok());
        let md = String::from_utf8(buf).unwrap_or_default();
        let top = md.find("## Not checked").unwrap_or(usize::MAX);
        assert!(top < md.find("## Moves").unwrap_or(0), "{md}");
        assert!(md.contains("seats of ENTERPRISEPACK not checked"));
        assert!(md.contains("| verdict | NOT PROVEN |"));
        let mut buf: Vec<u8> = Vec::new();
        assert!(table(&p, &mut buf).is_ok());
        let t = String::from_utf8(buf).unwrap_or_default();
        assert!(t.starts_with("Plan E3 to groups: NOT PROVEN;"), "{t}");
        assert!(t.find("Not checked").unwrap_or(usize::MAX) < t.find("Moves").unwrap_or(0));
    }
}
