//! `licplan plan`: the staged migration plan (R12's five steps, R11's product changes), proven
//! safe by the simulator — never by the planner's own reasoning.
//!
//! The planner selects the users of each move, draws stages and waves, and replays them in the
//! simulator. Users the simulation finds failing are held back (they keep every direct license)
//! and the plan is drawn again, until the simulation finds no error for a moving user. A loss
//! that survives that is a bug, reported as an unsafe verdict.

pub mod builder;
pub mod carrying;
pub mod doc;
pub mod draw;
pub mod intent;
pub mod names;
pub mod precheck;
pub mod reason;
pub mod rollback;
pub mod select;
pub mod stages;
pub mod steps;

use std::collections::BTreeMap;
use std::path::Path;

use crate::ingest::error::InputError;
use crate::model::{SkuId, Tenant, UserId};
use crate::simulate::report::ErrorRecord;
use crate::simulate::rules::Rules;
use crate::simulate::state::State;

use doc::{CarryingGroup, HeldBack, MoveSummary, Plan, SeatForecast, Skipped, Summary, Verdict};
use draw::{draw, Drawn};
use intent::Intent;
use names::Names;
use precheck::precheck_conflicts;
use select::{allocate_seats, hold, select, Hold, Mover};

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
    let (first_state, (mut movers, in_scope)) = crate::par::join(
        || State::with_shared(t, rules, &shared),
        || {
            let (mut movers, in_scope) = select(t, rules, intent, &mut held, &mut skipped);
            precheck_conflicts(t, rules, intent, &mut movers, &mut held, &shared);
            allocate_seats(t, intent, &mut movers, &mut held);
            (movers, in_scope)
        },
    );
    let mut prepared = Some(first_state);
    let mut round = 0;
    let (drawn, report, seats) = loop {
        round += 1;
        let drawn = draw(t, rules, intent, &movers);
        let mut trace = SeatTrace::new(t, intent, &drawn);
        let st = match prepared.take() {
            Some(st) => st,
            None => State::with_shared(t, rules, &shared),
        };
        let report = crate::simulate::engine::simulate_stream_ids(
            st,
            &mut draw::ops(&drawn.stages),
            intent_path,
            false,
            &mut |step, seats| trace.observe(step, seats),
        )?;
        let failing = failing_users(&drawn, &movers, &report.errors);
        if failing.is_empty() || round >= ROUNDS {
            let seats = trace.forecast(&drawn);
            break (drawn, report, seats);
        }
        for (uid, h) in failing {
            if let Some(u) = t.users.get(&uid) {
                hold(&mut held, u, h);
            }
        }
        movers.retain(|m| !held.contains_key(&m.user));
    };

    let (drawn, rollback) =
        rollback::attach_and_prove(t, rules, intent, &movers, drawn, &shared, intent_path)?;
    let names = Names { t };
    let moves = intent
        .moves
        .iter()
        .enumerate()
        .map(|(mi, mv)| MoveSummary {
            from: names.sku(mv.from),
            to: names.sku(mv.to),
            strategy: (mv.from != mv.to).then_some(mv.strategy),
            scope: mv.scope_text.clone(),
            groups: drawn
                .carrying
                .iter()
                .filter(|c| c.mv == mi)
                .map(|c| CarryingGroup {
                    group_id: c.id.to_string(),
                    group_name: c.name.clone(),
                    created: c.created,
                    sku: names.sku(c.sku),
                    disabled_plans: names.plan_list(c.sku, &c.disabled),
                    members_added: c.add.len() as u64,
                })
                .collect(),
            users: movers.iter().filter(|m| m.mv == mi).count() as u64,
        })
        .collect();
    let mut held_back: Vec<HeldBack> = held.into_values().collect();
    held_back.sort_by(|a, b| {
        (a.upn.as_deref().unwrap_or(""), a.user_id)
            .cmp(&(b.upn.as_deref().unwrap_or(""), b.user_id))
    });
    skipped.sort_by(|a, b| {
        (a.upn.as_deref().unwrap_or(""), a.user_id)
            .cmp(&(b.upn.as_deref().unwrap_or(""), b.user_id))
    });
    let removal_waves = drawn
        .stages
        .iter()
        .filter(|s| s.kind == doc::StageKind::RemoveDirect)
        .map(|s| s.waves.len() as u64)
        .sum();
    let mut assumptions = report.assumptions.clone();
    assumptions.push(format!(
        "Graph throttles identity writes at {} per {} minutes per app and tenant; each wave's least duration assumes one app and no other writes.",
        draw::WRITES_PER_WINDOW,
        draw::WINDOW_MINUTES
    ));
    Ok(Plan {
        schema_version: doc::SCHEMA_VERSION,
        name: intent.name.clone(),
        summary: Summary {
            users_in_scope: in_scope,
            users_moving: movers.len() as u64,
            users_held_back: held_back.len() as u64,
            users_skipped: skipped.len() as u64,
            groups_created: drawn.carrying.iter().filter(|c| c.created).count() as u64,
            removal_waves,
            default_usage_location: t.default_usage_location.as_ref().map(|c| c.to_string()),
        },
        moves,
        stages: drawn.stages,
        held_back,
        skipped,
        seats,
        verdict: Verdict {
            warnings: rollback::warnings(&rollback),
            ..Verdict::new(report.violations.clone(), report.errors.clone())
        },
        rollback,
        assumptions,
    })
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
                        let h = Hold::new(reason, e.detail.clone());
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

/// Enabled seats (if known), consumed seats, peak consumption.
type SeatState = (Option<u32>, i64, i64);

/// Seats per product the plan touches, after each stage and wave, with the peak in between,
/// gathered step by step while the simulation runs.
struct SeatTrace {
    /// The products the plan touches, with their labels.
    touched: BTreeMap<SkuId, String>,
    /// Each op's (stage, wave).
    segments: Vec<(u32, Option<u32>)>,
    /// Per segment and product: enabled, consumed after its last step, peak.
    by_segment: BTreeMap<(u32, Option<u32>), BTreeMap<SkuId, SeatState>>,
    start: BTreeMap<SkuId, SeatState>,
}

impl SeatTrace {
    fn new(t: &Tenant, intent: &Intent, drawn: &Drawn) -> Self {
        let names = Names { t };
        let touched: BTreeMap<SkuId, String> = intent
            .moves
            .iter()
            .flat_map(|m| [m.from, m.to])
            .map(|s| (s, names.sku(s)))
            .collect();
        let start = touched
            .keys()
            .map(|s| {
                let seats = t.skus.get(s).and_then(|x| x.seats);
                let consumed = seats.map_or(0, |x| i64::from(x.consumed));
                (*s, (seats.map(|x| x.enabled), consumed, consumed))
            })
            .collect();
        SeatTrace {
            touched,
            segments: drawn.segments.clone(),
            by_segment: BTreeMap::new(),
            start,
        }
    }

    fn observe(&mut self, step: usize, seats: &[(SkuId, Option<u32>, i64)]) {
        // Steps past the plan's own ops (processing at the end) belong to the last segment.
        let Some(seg) = self
            .segments
            .get(step.wrapping_sub(1))
            .or(self.segments.last())
            .copied()
        else {
            return;
        };
        let entry = self.by_segment.entry(seg).or_default();
        for (sku, enabled, consumed) in seats {
            if self.touched.contains_key(sku) {
                let e = entry
                    .entry(*sku)
                    .or_insert((*enabled, *consumed, *consumed));
                e.0 = *enabled;
                e.1 = *consumed;
                e.2 = e.2.max(*consumed);
            }
        }
    }

    fn forecast(&self, drawn: &Drawn) -> Vec<SeatForecast> {
        let mut current = self.start.clone();
        let mut out = Vec::new();
        let mut emit = |stage: u32, wave: Option<u32>, seats: &BTreeMap<SkuId, SeatState>| {
            let mut rows: Vec<(&String, &SeatState)> = seats
                .iter()
                .filter_map(|(s, v)| self.touched.get(s).map(|label| (label, v)))
                .collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            for (sku, (enabled, consumed, peak)) in rows {
                out.push(SeatForecast {
                    stage,
                    wave,
                    sku: sku.clone(),
                    enabled: *enabled,
                    consumed: *consumed,
                    peak: *peak,
                });
            }
        };
        for st in &drawn.stages {
            let mut segs: Vec<Option<u32>> = vec![None];
            segs.extend(st.waves.iter().map(|w| Some(w.number)));
            for w in segs {
                match self.by_segment.get(&(st.number, w)) {
                    Some(seen) => {
                        for (sku, v) in seen {
                            current.insert(*sku, *v);
                        }
                    }
                    None => {
                        if w.is_some() {
                            continue;
                        }
                        // A stage that changes nothing: seats as they were, no peak above them.
                        for v in current.values_mut() {
                            v.2 = v.1;
                        }
                    }
                }
                if w.is_none() && !st.waves.is_empty() && st.actions.is_empty() {
                    continue;
                }
                emit(st.number, w, &current);
            }
        }
        out
    }
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
