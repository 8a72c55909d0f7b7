//! `licplan plan`: the staged migration plan (R12's five steps, R11's product changes), proven
//! safe by the simulator — never by the planner's own reasoning.
//!
//! The planner selects the users of each move, draws stages and waves, and replays them in the
//! simulator. Users the simulation finds failing are held back (they keep every direct license)
//! and the plan is drawn again, until the simulation finds no error for a moving user. A loss
//! that survives that is a bug, reported as an unsafe verdict.

pub mod addon;
mod assumptions;
pub mod builder;
pub mod carrying;
pub mod doc;
pub mod draw;
pub mod file;
pub mod intent;
pub mod names;
pub mod precheck;
pub mod reason;
pub mod replan;
pub mod rollback;
mod seats;
pub mod select;
pub mod stages;
pub mod steps;
mod summary;

use std::collections::BTreeMap;
use std::path::Path;

use crate::ingest::error::InputError;
use crate::model::{Tenant, UserId};
use crate::simulate::report::ErrorRecord;
use crate::simulate::rules::Rules;
use crate::simulate::state::State;

use doc::{HeldBack, Plan, Skipped, Summary, Verdict};
use draw::{draw, Drawn};
use intent::Intent;
use names::Names;
use precheck::precheck_conflicts;
use seats::SeatTrace;
use select::{allocate_seats, hold, select, Hold, Mover};

/// The groups the plan creates, whose ids are placeholders, listed; every action naming one
/// says so.
fn mark_placeholders(drawn: &mut Drawn) -> Vec<doc::Placeholder> {
    let created: std::collections::BTreeSet<crate::model::GroupId> = drawn
        .carrying
        .iter()
        .filter(|c| c.created)
        .map(|c| c.id)
        .collect();
    for s in &mut drawn.stages {
        let waves = s
            .waves
            .iter_mut()
            .flat_map(|w| w.actions.iter_mut().chain(w.rollback_actions.iter_mut()));
        for a in s
            .actions
            .iter_mut()
            .chain(s.rollback_actions.iter_mut())
            .chain(waves)
        {
            if a.group_id().is_some_and(|g| created.contains(&g)) {
                a.shown.placeholder = true;
            }
        }
    }
    let mut out: Vec<doc::Placeholder> = drawn
        .carrying
        .iter()
        .filter(|c| c.created)
        .map(|c| doc::Placeholder {
            group_id: c.id.to_string(),
            group_name: c.name.clone(),
            unique_name: c
                .new_names
                .as_ref()
                .map(|n| n.unique_name.clone())
                .unwrap_or_default(),
            placeholder: true,
        })
        .collect();
    out.sort_by(|a, b| (&a.group_name, &a.group_id).cmp(&(&b.group_name, &b.group_id)));
    out.dedup_by(|a, b| a.group_id == b.group_id);
    out
}

/// At most this many rounds of "simulate, hold back the failing users, draw again".
const ROUNDS: usize = 8;

/// Plans the intent on the tenant.
pub fn plan(
    tenant: &Tenant,
    rules: &Rules,
    intent: &Intent,
    intent_path: &Path,
) -> Result<Plan, InputError> {
    // The intent's default usage location stands in for the organization's (R6); the tenant is
    // copied only when it changes something.
    let t: std::borrow::Cow<'_, Tenant> = match &intent.default_usage_location {
        Some(c) if tenant.default_usage_location.as_ref() != Some(c) => {
            let mut t = tenant.clone();
            t.default_usage_location = Some(*c);
            std::borrow::Cow::Owned(t)
        }
        _ => std::borrow::Cow::Borrowed(tenant),
    };
    let t: &Tenant = &t;
    let mut held: BTreeMap<UserId, HeldBack> = BTreeMap::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    // Found once: the precheck and every round's simulation need them.
    let shared = crate::inspect::shared_proxy_addresses(t);
    // The simulator's starting state depends on the tenant alone: it is built on another thread
    // while users are selected and the first round is drawn.
    let (first_state, (mut movers, scopes)) = crate::par::join(
        || State::with_shared(t, rules, &shared),
        || {
            let (mut movers, scopes) = select(t, rules, intent, &mut held, &mut skipped);
            precheck_conflicts(t, rules, intent, &mut movers, &mut held, &shared);
            allocate_seats(t, intent, &mut movers, &mut held);
            (movers, scopes)
        },
    );
    let mut prepared = Some(first_state);
    let mut round = 0;
    let (drawn, report, seats, rollbacks, proof_state) = loop {
        round += 1;
        let drawn = draw(t, rules, intent, &movers);
        let mut trace = SeatTrace::new(t, intent, &drawn);
        let st = match prepared.take() {
            Some(st) => st,
            None => State::with_shared(t, rules, &shared),
        };
        // While the round is simulated, its rollbacks are drawn and the proof's starting state
        // is built on another thread: used if this round is the last, else the state starts
        // the next round.
        let ((rollbacks, next_state), report) = crate::par::join(
            || {
                (
                    rollback::draw(t, intent, &movers, &drawn.carrying, &drawn.stages),
                    State::with_shared(t, rules, &shared),
                )
            },
            || {
                crate::simulate::engine::simulate_stream_ids(
                    st,
                    &mut draw::ops(&drawn.stages),
                    intent_path,
                    false,
                    &mut |step, seats| trace.observe(step, seats),
                )
            },
        );
        let report = report?;
        let failing = failing_users(&drawn, &movers, &report.errors);
        if failing.is_empty() || round >= ROUNDS {
            let seats = trace.forecast(&drawn);
            break (drawn, report, seats, rollbacks, next_state);
        }
        prepared = Some(next_state);
        for (uid, h) in failing {
            if let Some(u) = t.users.get(&uid) {
                hold(&mut held, u, h);
            }
        }
        movers.retain(|m| !held.contains_key(&m.user));
    };

    let (mut drawn, rollback) = rollback::attach_and_prove(
        (t, rules, &shared),
        proof_state,
        &movers,
        drawn,
        rollbacks,
        intent_path,
    )?;
    let placeholders = mark_placeholders(&mut drawn);
    let names = Names { t };
    let counts = summary::MoveCounts::new(intent, &scopes, &movers, &held, &skipped);
    let moves = summary::moves(
        t,
        intent,
        &names,
        &drawn.carrying,
        &scopes,
        &counts,
        &movers,
    );
    let (mut assumptions, assumptions_left_out) = assumptions::Involved {
        tenant: t,
        intent,
        movers: &movers,
        held: &held,
        carrying: &drawn.carrying,
        report: &report,
        seats: &seats,
        shared: &shared,
    }
    .stated();
    let mut held_back: Vec<HeldBack> = held.into_values().collect();
    sort_by_upn(&mut held_back, &mut skipped);
    let removal_waves = drawn
        .stages
        .iter()
        .filter(|s| s.kind == doc::StageKind::RemoveDirect)
        .map(|s| s.waves.len() as u64)
        .sum();
    assumptions.push(format!(
        "Graph throttles identity writes at {} per {} minutes (150 s) per app and tenant (Microsoft Graph throttling limits, identity and access service); the plan paces writes at 80% of that, {} per 150 s (16 a second), and each least time assumes one app and no other writes.",
        draw::WRITES_PER_WINDOW,
        draw::WINDOW_MINUTES,
        builder::PACED_WRITES_PER_WINDOW,
    ));
    assumptions.push(format!(
        "A stage that waits for group processing waits an estimated {} minutes plus {} s for each user whose licenses the groups' changes reach (the pace at which Microsoft says processing warrants a support ticket: over 24 hours for 60,000 users, R8); an estimate, not a Microsoft figure: processing is often faster, and large groups can take longer.",
        builder::PROCESSING_FIXED_SECONDS / 60.0,
        builder::PROCESSING_SECONDS_PER_USER,
    ));
    assumptions.push(format!(
        "Soaks: the pilot of each stage in waves soaks {} before the next wave (waves.pilot_soak), every later wave but the last {} (waves.soak); a plan's least elapsed time is its writes, processing waits and soaks, not the time people take to check the gates.",
        builder::soak_words(intent.pilot_soak),
        builder::soak_words(intent.soak),
    ));
    let least_elapsed_minutes = drawn.stages.iter().map(|s| s.least_elapsed_minutes).sum();
    let pilot = pilot_choice(t, intent, &movers, &drawn);
    Ok(Plan {
        schema_version: doc::SCHEMA_VERSION,
        name: intent.name.clone(),
        // Both are set by `Plan::seal` once the export's hash is known.
        plan_hash: String::new(),
        export: doc::ExportRef::default(),
        placeholders,
        summary: Summary {
            users_in_scope: scopes.in_scope(),
            users_moving: movers.len() as u64,
            users_held_back: held_back.len() as u64,
            users_skipped: skipped.len() as u64,
            groups_created: drawn.carrying.iter().filter(|c| c.created).count() as u64,
            removal_waves,
            default_usage_location: t.default_usage_location.as_ref().map(|c| c.to_string()),
            least_elapsed_minutes,
        },
        stages: drawn.stages,
        held_back,
        skipped,
        seats,
        pilot,
        verdict: Verdict {
            warnings: rollback::warnings(&rollback),
            ..Verdict::new(report.violations.clone(), report.errors.clone())
        },
        rollback,
        assumptions,
        assumptions_left_out,
        warnings: (0..intent.moves.len())
            .flat_map(|mi| summary::overlap_warnings(&scopes, mi, true))
            .chain(summary::moves_groups_warnings(&moves))
            .collect(),
        moves,
        replan: None,
        partner_access: None,
    })
}

/// Held-back and skipped users in UPN order (then id: two users may share a UPN).
fn sort_by_upn(held_back: &mut [HeldBack], skipped: &mut [Skipped]) {
    held_back.sort_by(|a, b| {
        (a.upn.as_deref().unwrap_or(""), a.user_id)
            .cmp(&(b.upn.as_deref().unwrap_or(""), b.user_id))
    });
    skipped.sort_by(|a, b| {
        (a.upn.as_deref().unwrap_or(""), a.user_id)
            .cmp(&(b.upn.as_deref().unwrap_or(""), b.user_id))
    });
}

/// The pilot as the plan chose it, with the named pilot users who do not move.
fn pilot_choice(t: &Tenant, intent: &Intent, movers: &[Mover], drawn: &Drawn) -> doc::PilotChoice {
    let chosen = builder::choose_pilot(intent, movers, &drawn.carrying);
    let moving: rustc_hash::FxHashSet<UserId> = movers.iter().map(|m| m.user).collect();
    let mut named_not_moving: Vec<String> = intent
        .pilot_users
        .iter()
        .flat_map(|p| p.users.iter())
        .filter(|u| !moving.contains(u))
        .map(|u| {
            t.users
                .get(u)
                .and_then(|x| x.upn.clone())
                .unwrap_or_else(|| u.to_string())
        })
        .collect();
    named_not_moving.sort();
    doc::PilotChoice {
        source: intent
            .pilot_users
            .as_ref()
            .map_or_else(|| "count".to_owned(), |p| p.text.clone()),
        users: chosen.len() as u64,
        named_not_moving,
    }
}

/// What a plan relies on, for its evidence: the moves' products, the licensed groups that
/// carry them, the carrying and scope groups, and every user holding a move's product.
pub fn touched(t: &Tenant, intent: &Intent) -> crate::ingest::evidence::Touched {
    let mut touched = crate::ingest::evidence::Touched::default();
    for m in &intent.moves {
        touched.skus.insert(m.from);
        touched.skus.insert(m.to);
        if let intent::Carrier::Existing(g) = &m.group {
            touched.groups.insert(*g);
        }
        match &m.scope {
            intent::Scope::Group(g) => {
                touched.groups.insert(*g);
            }
            intent::Scope::Users(us) => touched.users.extend(us.iter().copied()),
            intent::Scope::DirectHolders => {}
        }
    }
    for g in t.groups.values() {
        if g.licenses.iter().any(|l| touched.skus.contains(&l.sku)) {
            touched.groups.insert(g.id);
        }
    }
    for u in t.users.values() {
        if u.assignments.iter().any(|a| touched.skus.contains(&a.sku)) {
            touched.users.insert(u.id);
            for a in &u.assignments {
                if let crate::model::AssignmentPath::Group(g) = a.path {
                    if touched.skus.contains(&a.sku) {
                        touched.groups.insert(g);
                    }
                }
            }
        }
    }
    touched
}

/// The users a plan's actions name (by object id): those it gives or moves licenses.
pub fn moving_users(plan: &Plan) -> std::collections::BTreeSet<UserId> {
    let mut out = std::collections::BTreeSet::new();
    for st in &plan.stages {
        let actions = st
            .actions
            .iter()
            .chain(st.waves.iter().flat_map(|w| w.actions.iter()));
        for a in actions {
            if let Some(id) = a.user() {
                out.insert(id);
            }
        }
    }
    out
}

/// Moving users the simulation found in trouble, with the reason to hold them back: a
/// licensing error on the user, or a group-level refusal for every user of that group. Errors
/// are matched to movers by the user's and the group's object id, never by a label (two users
/// may share a UPN). Seat violations come with CountViolation errors on the users at risk.
fn failing_users(drawn: &Drawn, movers: &[Mover], errors: &[ErrorRecord]) -> Vec<(UserId, Hold)> {
    if errors.is_empty() {
        return Vec::new();
    }
    let moving: rustc_hash::FxHashSet<UserId> = movers.iter().map(|m| m.user).collect();
    let mut out: BTreeMap<UserId, Hold> = BTreeMap::new();
    for e in errors {
        let reason = doc::HoldReason::from(e.error);
        match (e.user_id, e.group_id) {
            (Some(u), g) => {
                if moving.contains(&u) {
                    out.entry(u).or_insert_with(|| {
                        let mut h = Hold::new(reason, e.detail.clone());
                        // A direct license falls back on no organization's location (R6).
                        if g.is_none()
                            && reason == doc::HoldReason::ProhibitedInUsageLocationViolation
                        {
                            h = h.fix(select::USAGE_LOCATION_DIRECT_FIX);
                        }
                        match g {
                            Some(g) => {
                                let name = drawn
                                    .carrying
                                    .iter()
                                    .find(|c| c.id == g)
                                    .map(|c| c.name.clone())
                                    .or_else(|| e.group.clone())
                                    .unwrap_or_else(|| g.to_string());
                                h.group(g, name)
                            }
                            None => h,
                        }
                    });
                }
            }
            (None, Some(g)) => {
                // A refused carrying group fails every user it carries, members already or not.
                for c in drawn.carrying.iter().filter(|c| c.id == g) {
                    let label = e.group.as_deref().unwrap_or(&c.name);
                    for i in &c.movers {
                        out.entry(movers[*i].user).or_insert_with(|| {
                            Hold::new(reason, format!("{}: {}", label, e.detail))
                                .group(c.id, c.name.clone())
                        });
                    }
                }
            }
            (None, None) => {}
        }
    }
    // A loss with no error behind it is not a reason to hold a user back: it would be a planner
    // bug, and hiding it would hide the bug. It stays in the verdict (exit 3).
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AssignmentError, PlanIds, User};
    use crate::simulate::report::ErrorCode;

    fn user(n: u8, upn: &str) -> User {
        User {
            id: UserId::parse(&format!("00000000-0000-0000-0000-0000000000{n:02x}")).expect("id"),
            upn: Some(upn.into()),
            display_name: None,
            usage_location: None,
            account_enabled: None,
            proxy_addresses: Vec::new(),
            assignments: Vec::new(),
        }
    }

    fn mover(u: &User) -> Mover<'_> {
        Mover {
            user: u.id,
            record: u,
            upn: u.upn.as_deref().map(Into::into),
            sort_key: u.upn.clone().unwrap_or_default(),
            mv: 0,
            disabled: PlanIds::default(),
            target_disabled: PlanIds::default(),
        }
    }

    #[test]
    fn errors_hold_back_the_user_they_name_by_id_when_two_movers_share_a_upn() {
        // Regression: errors were mapped to movers by UPN, and the later of two movers sharing
        // one (licplan's duplicate-upn) was held back for the other's error.
        let (a, b) = (user(1, "same@contoso.com"), user(2, "same@contoso.com"));
        let movers = [mover(&a), mover(&b)];
        let drawn = Drawn {
            stages: Vec::new(),
            segments: Vec::new(),
            carrying: Vec::new(),
        };
        let errors = [ErrorRecord {
            step: 1,
            user: Some("same@contoso.com".into()),
            user_id: Some(a.id),
            group: None,
            group_id: None,
            sku: None,
            error: ErrorCode::Licensing(AssignmentError::CountViolation),
            at_risk: false,
            detail: "no seat".into(),
        }];
        let failing = failing_users(&drawn, &movers, &errors);
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert_eq!(failing[0].0, a.id);
        assert_eq!(failing[0].1.reason, doc::HoldReason::CountViolation);
    }
}
