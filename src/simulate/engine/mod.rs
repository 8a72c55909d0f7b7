//! Replaying ops the way Microsoft Entra ID applies them (rules R1–R11 of the domain notes).
//!
//! Direct changes apply at once and fail at once: a refused op leaves the state unchanged and its
//! error is reported. Group changes apply in the background (R8): until a `wait-for-processing`
//! (or the end), a changed group's members may hold what the group gave before, or what any
//! change since would give, in any order of arrival. The invariant is checked in that worst case
//! after every step: every service plan a user had at the start is still provided by some active
//! path, or by a declared successor, in every state the user may be in.
//!
//! Cost (design note): users and groups are index-addressed; an op costs what it touches — one
//! user for direct and membership ops, one group's members for a group license change or its
//! processing — and a user's possible states come from that user's own membership events plus
//! the group's license events, never from other members' events. Simulating N users with a few
//! ops each is therefore linear in N (plus the groups' license changes times their members).

mod apply;
mod checkpoint;
mod checks;
mod invariant;
mod process;
mod replay;
mod resolve;
mod run;

use std::collections::BTreeMap;
use std::path::Path;

use crate::ingest::error::{InputError, InputErrors};
use crate::model::{GroupId, PlanIds, SkuId, Tenant};

use super::ops::{Ids, Op, OpSource, OpsFile};
use super::report::SimReport;
use super::rules::Rules;
use super::state::State;

pub use checkpoint::{simulate_checkpointed, Checkpoints, Comparison, Item};
pub(crate) use checks::inheriting_members;
pub use replay::{Replayer, UserView};
use run::{final_state, run};

/// Runs the ops on the tenant. Errors are problems with the ops file itself (an unknown user,
/// group or product): those make the input unusable. Every op is resolved, so the errors list
/// each bad name of each op (the first [`LISTED_NAME_ERRORS`], then a count by field).
pub fn simulate(
    tenant: &Tenant,
    rules: &Rules,
    ops: &OpsFile,
    ops_path: &Path,
) -> Result<SimReport, InputErrors> {
    simulate_observed(tenant, rules, ops, ops_path, true, &mut |_, _| {})
}

/// The id a group created by a plan gets: derived from its name, so plans and reports are
/// identical run after run, and a plan can name the group by id before it exists.
pub fn planned_group_id(name: &str) -> GroupId {
    let key = name.trim().to_lowercase();
    GroupId::from_uuid(uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("licplan:group:{key}").as_bytes(),
    ))
}

/// The state a simulation ends in, for checking the engine against a recomputation.
#[derive(Debug, Clone)]
pub struct FinalState {
    pub users: Vec<FinalUser>,
    /// Seats consumed per product, as the engine kept them step by step.
    pub consumed: BTreeMap<SkuId, i64>,
}

#[derive(Debug, Clone)]
pub struct FinalUser {
    pub id: crate::model::UserId,
    pub direct: BTreeMap<SkuId, PlanIds>,
    /// Licenses each group gives the user, for groups whose state is active.
    pub inherited_active: BTreeMap<GroupId, BTreeMap<SkuId, PlanIds>>,
    /// Products each group takes a seat of for the user (active or stuck in error).
    pub inherited_seated: BTreeMap<GroupId, Vec<SkuId>>,
    /// The enabled plans the engine computes for the user.
    pub effective: PlanIds,
}

/// [`simulate`], also returning the final state.
pub fn simulate_final(
    tenant: &Tenant,
    rules: &Rules,
    ops: &OpsFile,
    ops_path: &Path,
) -> Result<(SimReport, FinalState), InputErrors> {
    let (report, sim) = run(
        State::new(tenant, rules),
        &mut ops.ops.iter().cloned(),
        ops_path,
        true,
        &mut |_, _| {},
    )?;
    Ok((report, final_state(&sim)))
}

/// Seats after a step: product, enabled seats (if known), consumed seats.
pub type SeatObserver<'a> = dyn FnMut(usize, &[(SkuId, Option<u32>, i64)]) + 'a;

/// The simulation with control over its trace: with `steps` false the report carries no
/// per-step lines (a million-op plan does not need a million step texts), and `observe` is
/// called after every step (1-based) with the seats, for callers that aggregate them.
pub fn simulate_observed(
    tenant: &Tenant,
    rules: &Rules,
    ops: &OpsFile,
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<SimReport, InputErrors> {
    simulate_cloned(tenant, rules, &ops.ops, ops_path, steps, observe)
}

/// [`simulate_observed`] taking the ops: each is dropped once replayed, so the step report
/// grows into the memory the ops held (a million-user plan's ops and steps are never all
/// alive together).
///
/// # Errors
///
/// As [`simulate`].
pub fn simulate_owned(
    tenant: &Tenant,
    rules: &Rules,
    ops: OpsFile,
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<SimReport, InputErrors> {
    run(
        State::new(tenant, rules),
        &mut ops.ops.into_iter(),
        ops_path,
        steps,
        observe,
    )
    .map(|(report, _)| report)
}

/// [`simulate_owned`] over borrowed ops, each copied as it is replayed (never all at once).
///
/// # Errors
///
/// As [`simulate_owned`].
pub fn simulate_cloned(
    tenant: &Tenant,
    rules: &Rules,
    ops: &[(OpSource, Op)],
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<SimReport, InputErrors> {
    run(
        State::new(tenant, rules),
        &mut ops.iter().cloned(),
        ops_path,
        steps,
        observe,
    )
    .map(|(report, _)| report)
}

/// [`simulate_observed`] over ops produced one by one (a plan's actions turned into ops as
/// they are replayed, so a million-user plan never holds its ops twice).
///
/// It starts from a state made with [`State::new`] or [`State::with_shared`] (which carries the
/// tenant and rules), so a caller may build that ahead, while it prepares the ops.
///
/// # Errors
///
/// The first name that does not resolve (a planner's own ops all resolve).
pub fn simulate_stream(
    st: State<'_>,
    ops: &mut dyn Iterator<Item = (OpSource, Op)>,
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<SimReport, InputError> {
    run(st, ops, ops_path, steps, observe)
        .map(|(report, _)| report)
        .map_err(|mut e| e.0.swap_remove(0))
}

/// [`simulate_stream`] over a planner's typed ops.
///
/// # Errors
///
/// As [`simulate_stream`].
pub fn simulate_stream_ids(
    st: State<'_>,
    ops: &mut dyn Iterator<Item = (OpSource, Op<Ids>)>,
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<SimReport, InputError> {
    // Ids resolve to indexes natively: no GUID text is written or parsed.
    run(st, ops, ops_path, steps, observe)
        .map(|(report, _)| report)
        .map_err(|mut e| e.0.swap_remove(0))
}

/// Name errors of an ops file listed one by one; past these they are counted by field.
pub const LISTED_NAME_ERRORS: usize = 100;
