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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::catalog::{Catalog, Lookup};
use crate::ingest::error::{InputError, InputErrors, Location};
use crate::model::{
    AssignmentError, CountryCode, GroupId, GroupKind, PlanId, PlanIds, SkuId, Tenant,
};

use super::ops::{LicenseSpec, Op, OpSource, OpsFile};
use super::planset::PlanSet;
use super::report::{
    ErrorCode, ErrorRecord, Refusal, SeatLine, SimReport, StepReport, Violation, ViolationKind,
};
use super::rules::Rules;
use super::state::{Event, GroupSt, Lic, PathState, State, Summaries};

/// Why an op was refused outright (besides the Graph licensing errors).
const INHERITED: Refusal = Refusal::InheritedLicenseCannotBeRemoved;
const NOT_ASSIGNED: Refusal = Refusal::LicenseNotAssigned;
const NOT_SECURITY: Refusal = Refusal::GroupNotSecurityEnabled;
const DYNAMIC: Refusal = Refusal::DynamicMembershipGroup;
const SYNCED: Refusal = Refusal::SyncedGroupMembership;
const NAME_IN_USE: Refusal = Refusal::GroupNameInUse;

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
    run(
        State::new(tenant, rules),
        &mut ops.ops.iter().cloned(),
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
    ops: &mut dyn Iterator<Item = (OpSource, Op<super::ops::Ids>)>,
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<SimReport, InputError> {
    // Interim: the typed ops are written out and resolved again, until the engine takes
    // resolved ops directly.
    let mut written = ops.map(|(src, op)| (src, op.to_written()));
    simulate_stream(st, &mut written, ops_path, steps, observe)
}

/// Name errors of an ops file listed one by one; past these they are counted by field.
pub const LISTED_NAME_ERRORS: usize = 100;

/// The name errors of a run: the first [`LISTED_NAME_ERRORS`] kept, the rest counted by field.
#[derive(Default)]
struct NameErrors {
    listed: Vec<InputError>,
    more: u64,
    kinds: BTreeMap<String, u64>,
}

impl NameErrors {
    fn push(&mut self, e: InputError) {
        if self.listed.len() < LISTED_NAME_ERRORS {
            self.listed.push(e);
        } else {
            self.more += 1;
            let kind = e
                .field
                .as_deref()
                .map_or_else(|| "other".to_owned(), |f| format!("field {f:?}"));
            *self.kinds.entry(kind).or_default() += 1;
        }
    }

    fn finish(mut self, file: &Path) -> Result<(), InputErrors> {
        if self.listed.is_empty() {
            return Ok(());
        }
        if self.more > 0 {
            self.listed
                .push(InputError::more(file, self.more, &self.kinds));
        }
        Err(InputErrors(self.listed))
    }
}

fn run<'r>(
    st: State<'r>,
    ops: &mut dyn Iterator<Item = (OpSource, Op)>,
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<(SimReport, Sim<'r>), InputErrors> {
    let mut sim = Sim {
        st,
        effects: steps,
        file: ops_path.to_path_buf(),
        step: 0,
        steps: Vec::new(),
        violations: Vec::new(),
        errors: Vec::new(),
        short_skus: BTreeSet::new(),
        suggestions_left: std::cell::Cell::new(SUGGESTIONS),
    };
    let mut seats: Vec<(SkuId, Option<u32>, i64)> = Vec::new();
    let mut bad_names = NameErrors::default();
    for (src, op) in ops {
        let (src, op) = (&src, &op);
        sim.step += 1;
        let outcome = match sim.apply(src, op) {
            Ok(outcome) => outcome,
            Err(first) => {
                // The op is skipped; every bad name in it is reported, and the ops after it
                // are still resolved, so one run lists every unknown name of the file.
                let all = sim.name_errors(src, op);
                if all.is_empty() {
                    bad_names.push(first);
                } else {
                    all.into_iter().for_each(|e| bad_names.push(e));
                }
                continue;
            }
        };
        for u in &outcome.affected {
            sim.check_user(*u, op, &outcome.rule);
        }
        if steps {
            sim.steps.push(StepReport {
                step: sim.step,
                op: op.to_string(),
                source: src.path.clone(),
                effect: outcome.effect,
                seats: sim.seat_lines(),
            });
        }
        seats.clear();
        seats.extend(sim.st.skus.values().map(|s| (s.id, s.enabled, s.consumed)));
        observe(sim.step, &seats);
    }
    // The end: whatever is still pending is processed (R8).
    if !sim.st.pending.is_empty() {
        sim.step += 1;
        let (effect, affected) = sim.process(None);
        for u in affected {
            sim.check_user(
                u,
                &"processing at the end",
                "R8: pending group processing completes",
            );
        }
        seats.clear();
        seats.extend(sim.st.skus.values().map(|s| (s.id, s.enabled, s.consumed)));
        observe(sim.step, &seats);
        if steps {
            sim.steps.push(StepReport {
                step: sim.step,
                op: "(end: pending group processing completes)".into(),
                source: String::new(),
                effect,
                seats: sim.seat_lines(),
            });
        }
    }
    bad_names.finish(ops_path)?;
    let mut assumptions: Vec<String> = sim
        .st
        .rules
        .assumptions()
        .iter()
        .map(|a| format!("{} ({})", a.text, a.id))
        .collect();
    assumptions.push(
        "When seats run short during group processing, which users fail is not guaranteed: every user who could fail is reported at risk (CountViolation) and treated as failing.".into(),
    );
    assumptions.push(
        "Group changes may reach users in any order before processing completes: a user may hold what a changed group gave before, or what any change since would give (R8).".into(),
    );
    assumptions.push(
        "A license left on a user in an error state (DependencyViolation when a group removes it) still takes a seat but is not counted as providing its services.".into(),
    );
    assumptions.push(
        "Licensing errors are not cleared on their own when the cause goes away: the group or user must be reprocessed (R8).".into(),
    );
    if !sim.st.unseated.is_empty() {
        let list: Vec<String> = sim
            .st
            .unseated
            .iter()
            .map(|s| sim.st.sku_label(*s))
            .collect();
        assumptions.push(format!(
            "No seat counts were exported for {}: their seats are not checked.",
            list.join(", ")
        ));
    }
    if sim.st.unknown_paths > 0 {
        assumptions.push(format!(
            "{} license assignments have an unknown path (the export does not say direct or inherited); they are simulated as direct.",
            sim.st.unknown_paths
        ));
    }
    let report = SimReport {
        schema_version: super::report::SCHEMA_VERSION,
        safe: sim.violations.is_empty(),
        verdict: super::report::SimVerdict {
            status: super::report::VerdictStatus::of(sim.violations.len(), 0),
            unchecked: Vec::new(),
        },
        steps: std::mem::take(&mut sim.steps),
        violations: std::mem::take(&mut sim.violations),
        errors: std::mem::take(&mut sim.errors),
        assumptions,
    };
    Ok((report, sim))
}

fn final_state(sim: &Sim<'_>) -> FinalState {
    FinalState {
        users: (0..sim.st.users.len())
            .map(|u| {
                let user = &sim.st.users[u];
                let gid = |g: &usize| sim.st.groups[*g].id;
                FinalUser {
                    id: sim.st.user_record(u).id,
                    direct: user.direct.clone().into_iter().collect(),
                    inherited_active: user
                        .inherited
                        .iter()
                        .filter_map(|(g, p)| {
                            p.active()
                                .map(|l| (gid(g), l.clone().into_iter().collect()))
                        })
                        .collect(),
                    inherited_seated: user
                        .inherited
                        .iter()
                        .map(|(g, p)| (gid(g), p.seated().collect()))
                        .collect(),
                    effective: sim.st.plan_ids(&sim.st.enabled_plans(u)),
                }
            })
            .collect(),
        consumed: sim.st.skus.values().map(|s| (s.id, s.consumed)).collect(),
    }
}

struct Outcome {
    /// What the step did, for the step report (empty when the run keeps no step report).
    effect: String,
    affected: Vec<usize>,
    /// The rule to name when a user loses something at this step.
    rule: std::borrow::Cow<'static, str>,
}

impl Outcome {
    fn refused(effect: String) -> Self {
        Outcome {
            effect,
            affected: Vec::new(),
            rule: std::borrow::Cow::Borrowed(""),
        }
    }
}

struct Sim<'r> {
    st: State<'r>,
    /// Whether steps' effects are written out: a plan's own simulation (a million ops) keeps
    /// no step report, so it formats no effect texts.
    effects: bool,
    file: PathBuf,
    step: usize,
    steps: Vec<StepReport>,
    violations: Vec<Violation>,
    errors: Vec<ErrorRecord>,
    /// Products already reported short of seats (one seat violation per product and step).
    short_skus: BTreeSet<(usize, SkuId)>,
    /// How many more "did you mean" suggestions this run may look for (each costs a pass over
    /// the candidates; an ops file of a million unknown names must not cost a million passes).
    suggestions_left: std::cell::Cell<usize>,
}

/// "Did you mean" suggestions looked for in one run, at most (more than the errors listed).
const SUGGESTIONS: usize = 2 * LISTED_NAME_ERRORS;

/// A licensing check that failed: the Graph error, the product at fault and why.
type Check = (AssignmentError, Option<SkuId>, String);

impl<'r> Sim<'r> {
    /// A step's effect text, made only when the run reports steps.
    fn effect(&self, text: impl FnOnce() -> String) -> String {
        if self.effects {
            text()
        } else {
            String::new()
        }
    }

    // ----- name resolution (errors here are problems of the ops file) -----

    fn input_error(&self, src: &OpSource, field: &str, message: String, hint: &str) -> InputError {
        InputError::new(
            &self.file,
            Location::Record {
                index: self.step - 1,
                path: format!("$.{}.{field}", src.path),
            },
            message,
        )
        .field(field)
        .hint(hint)
    }

    /// `did you mean X? ` for a name that did not resolve, from `known` (called only when a
    /// suggestion is wanted and the run's budget allows), or nothing.
    fn near<'k>(&self, wanted: &str, known: impl FnOnce() -> Vec<&'k str>) -> String {
        let left = self.suggestions_left.get();
        if left == 0 || crate::model::ids::looks_like_guid(wanted) {
            return String::new();
        }
        self.suggestions_left.set(left - 1);
        crate::suggest::did_you_mean(wanted, known())
    }

    fn user(&self, src: &OpSource, name: &str) -> Result<usize, InputError> {
        let found = match crate::model::UserId::parse(name) {
            Ok(id) => self.st.tenant.users.index_of(&id),
            Err(_) => self.st.user_by_upn(name.trim()),
        };
        found.ok_or_else(|| {
            let users = &self.st.tenant.users;
            let near = if users.len() <= crate::suggest::MAX_CANDIDATES {
                self.near(name, || {
                    users.values().filter_map(|u| u.upn.as_deref()).collect()
                })
            } else {
                String::new()
            };
            self.input_error(
                src,
                "user",
                format!("no user {name:?} in the tenant"),
                &format!("{near}name users by object id or UPN, as in the exports"),
            )
        })
    }

    fn group(&self, src: &OpSource, name: &str) -> Result<usize, InputError> {
        if let Ok(id) = GroupId::parse(name) {
            if let Some(&g) = self.st.group_by_id.get(&id) {
                return Ok(g);
            }
        }
        match self.st.group_by_name.get(&name.trim().to_lowercase()) {
            Some(Some(g)) => Ok(*g),
            Some(None) => Err(self.input_error(
                src,
                "group",
                format!("several groups are named {name:?}"),
                "name the group by its object id",
            )),
            None => {
                let near = if self.st.groups.len() <= crate::suggest::MAX_CANDIDATES {
                    self.near(name, || {
                        self.st.groups.iter().map(|g| g.label.as_str()).collect()
                    })
                } else {
                    String::new()
                };
                Err(self.input_error(
                    src,
                    "group",
                    format!("no group {name:?} in the tenant or created by an earlier op"),
                    &format!(
                        "{near}name groups by object id or display name, or create them with \
                         create-group first"
                    ),
                ))
            }
        }
    }

    fn sku(&mut self, src: &OpSource, field: &str, name: &str) -> Result<SkuId, InputError> {
        let catalog = Catalog::bundled();
        let id = if let Ok(id) = SkuId::parse(name) {
            if !self.st.skus.contains_key(&id) && catalog.sku(id).is_none() {
                return Err(self.input_error(
                    src,
                    field,
                    format!("no product {name} in the tenant or the catalog"),
                    "name products by skuId, part number or display name",
                ));
            }
            id
        } else {
            let n = name.trim();
            let tenant: Vec<SkuId> = self
                .st
                .skus
                .values()
                .filter(|s| s.label.eq_ignore_ascii_case(n))
                .map(|s| s.id)
                .collect();
            if let [one] = tenant[..] {
                one
            } else {
                match catalog.resolve(n) {
                    Lookup::One(s) => s.id,
                    Lookup::Ambiguous(all) => {
                        let ids: Vec<String> = all.iter().map(|s| s.id.to_string()).collect();
                        return Err(self.input_error(
                            src,
                            field,
                            format!("{n:?} names several products: {}", ids.join(", ")),
                            "name the product by its skuId",
                        ));
                    }
                    Lookup::NotFound => {
                        let near = self.near(n, || {
                            let mut known: Vec<&str> =
                                self.st.skus.values().map(|s| &*s.label).collect();
                            known.extend(catalog.skus().flat_map(|s| {
                                std::iter::once(s.part_number.as_str())
                                    .chain(s.display_names.iter().map(String::as_str))
                            }));
                            known
                        });
                        return Err(self.input_error(
                            src,
                            field,
                            format!("no product {n:?} in the tenant or the catalog"),
                            &format!("{near}name products by skuId, part number (ENTERPRISEPACK) or display name (Office 365 E3)"),
                        ));
                    }
                }
            }
        };
        self.st.ensure_sku(id, true);
        Ok(id)
    }

    fn plan_refs(
        &self,
        src: &OpSource,
        sku: SkuId,
        names: &[String],
    ) -> Result<PlanIds, InputError> {
        let mut out = BTreeSet::new();
        let plans = self
            .st
            .skus
            .get(&sku)
            .map(|s| s.plans.clone())
            .unwrap_or_default();
        for n in names {
            let found = match PlanId::parse(n) {
                Ok(id) => plans.contains(&id).then_some(id),
                Err(_) => plans
                    .iter()
                    .copied()
                    .find(|p| self.st.plan_label(*p).eq_ignore_ascii_case(n.trim()))
                    .or_else(|| {
                        Catalog::bundled()
                            .plans_named(n)
                            .into_iter()
                            .map(|p| p.id)
                            .find(|id| plans.contains(id))
                    }),
            };
            match found {
                Some(id) => {
                    out.insert(id);
                }
                None => {
                    let labels: Vec<String> =
                        plans.iter().map(|p| self.st.plan_label(*p)).collect();
                    let near = self.near(n, || labels.iter().map(String::as_str).collect());
                    return Err(self.input_error(
                        src,
                        "disabled_plans",
                        format!("{} has no service plan {n:?}", self.st.sku_label(sku)),
                        &format!(
                            "{near}name service plans by servicePlanId or servicePlanName of \
                             that product"
                        ),
                    ));
                }
            }
        }
        Ok(out.into())
    }

    fn licenses(&mut self, src: &OpSource, specs: &[LicenseSpec]) -> Result<Lic, InputError> {
        let mut out = Lic::new();
        for s in specs {
            let sku = self.sku(src, "add", &s.sku)?;
            let plans = self.plan_refs(src, sku, &s.disabled_plans)?;
            out.insert(sku, plans);
        }
        Ok(out)
    }

    // ----- reporting -----

    fn error(&mut self, u: Option<usize>, g: Option<usize>, r: &Check, at_risk: bool) {
        self.errors.push(ErrorRecord {
            step: self.step,
            user: u.map(|u| self.st.user_label(u).into_owned()),
            user_id: u.map(|u| self.st.user_record(u).id),
            group: g.map(|g| self.st.groups[g].label.clone()),
            group_id: g.map(|g| self.st.groups[g].id),
            sku: r.1.map(|s| self.st.sku_label(s)),
            error: ErrorCode::Licensing(r.0),
            at_risk,
            detail: r.2.clone(),
        });
    }

    fn refusal(
        &mut self,
        u: Option<usize>,
        g: Option<usize>,
        error: Refusal,
        detail: String,
    ) -> Outcome {
        self.errors.push(ErrorRecord {
            step: self.step,
            user: u.map(|u| self.st.user_label(u).into_owned()),
            user_id: u.map(|u| self.st.user_record(u).id),
            group: g.map(|g| self.st.groups[g].label.clone()),
            group_id: g.map(|g| self.st.groups[g].id),
            sku: None,
            error: ErrorCode::Refused(error),
            at_risk: false,
            detail: detail.clone(),
        });
        Outcome::refused(format!("refused: {}: {detail}", error.as_str()))
    }

    fn seats_short(&mut self, sku: SkuId, needed: i64, cause: String) {
        if !self.short_skus.insert((self.step, sku)) {
            return;
        }
        let s = &self.st.skus[&sku];
        self.violations.push(Violation {
            step: self.step,
            kind: ViolationKind::Seats,
            user: None,
            user_id: None,
            lost: format!(
                "{}: {needed} more seat(s) needed, {} available",
                s.label,
                s.enabled.map_or(0, |e| (i64::from(e) - s.consumed).max(0))
            ),
            cause,
        });
    }

    fn seat_lines(&self) -> Vec<SeatLine> {
        self.st
            .skus
            .values()
            .map(|s| SeatLine {
                sku: s.label.clone(),
                enabled: s.enabled,
                consumed: s.consumed,
            })
            .collect()
    }

    // ----- licensing checks (R5, R6) -----

    /// Checks licenses arriving on one path against the user's other enabled plans: usage
    /// location (R6: group assignment falls back on the organization's), proxy uniqueness,
    /// mutually exclusive plans. Seats and prerequisites are checked by the callers.
    fn check_arrival(
        &self,
        u: usize,
        lic: &Lic,
        others: &PlanSet,
        by_group: bool,
    ) -> Result<(), Check> {
        let user = &self.st.users[u];
        let location = match (&user.location, by_group) {
            (Some(l), _) => Some(l),
            (None, true) => self.st.default_location.as_ref(),
            (None, false) => None,
        };
        let first = lic.keys().next().copied();
        let Some(location) = location else {
            return Err((
                AssignmentError::ProhibitedInUsageLocationViolation,
                first,
                if by_group {
                    "the user has no usage location and the organization's is not in the exports"
                        .into()
                } else {
                    "the user has no usage location (direct assignment needs one)".into()
                },
            ));
        };
        let rules = self.st.rules;
        for (sku, disabled) in lic {
            let Some(s) = self.st.skus.get(sku) else {
                continue;
            };
            if rules.restricts_locations() {
                for p in s.plans.iter().filter(|p| !disabled.contains(p)) {
                    if !rules.offered_in(*p, location) {
                        return Err((
                            AssignmentError::ProhibitedInUsageLocationViolation,
                            Some(*sku),
                            format!("{} is not offered in {location}", self.st.plan_label(*p)),
                        ));
                    }
                }
            }
            if user.dup_proxy && s.unique_proxy {
                return Err((
                    AssignmentError::UniquenessViolation,
                    Some(*sku),
                    "Proxy address is already being used (the user shares a proxy address with another user)".into(),
                ));
            }
        }
        // Each arriving product's enabled plans.
        let arriving: Vec<(SkuId, PlanSet)> = lic
            .iter()
            .map(|(s, d)| {
                let mut one = Lic::new();
                one.insert(*s, d.clone());
                (*s, self.plans(&one))
            })
            .collect();
        for (sku, set) in &arriving {
            if let Some((a, b)) = self.st.index.conflict(set, others) {
                return Err(self.conflict_refusal(*sku, a, b, None));
            }
        }
        // Products arriving together (one group, or one atomic call) must not conflict either.
        for (i, (sa, pa)) in arriving.iter().enumerate() {
            for (sb, pb) in &arriving[i + 1..] {
                if let Some((b, a)) = self.st.index.conflict(pb, pa) {
                    return Err(self.conflict_refusal(*sb, b, a, Some(*sa)));
                }
            }
        }
        Ok(())
    }

    /// A MutuallyExclusiveViolation naming both plans and the exclusive set's entry.
    fn conflict_refusal(&self, sku: SkuId, a: u32, b: u32, other_sku: Option<SkuId>) -> Check {
        let (pa, pb) = (self.st.index.id(a), self.st.index.id(b));
        let set = self
            .st
            .rules
            .conflict(pa, pb)
            .map_or_else(String::new, |s| s.id.clone());
        let detail = match other_sku {
            Some(o) => format!(
                "{} in {} conflicts with {} in {} ({set})",
                self.st.plan_label(pa),
                self.st.sku_label(sku),
                self.st.plan_label(pb),
                self.st.sku_label(o),
            ),
            None => format!(
                "{} conflicts with {} the user already has ({set})",
                self.st.plan_label(pa),
                self.st.plan_label(pb),
            ),
        };
        (
            AssignmentError::MutuallyExclusiveViolation,
            Some(sku),
            detail,
        )
    }

    /// A plan left enabled without any of its prerequisites (R5 DependencyViolation, R7).
    fn broken_dependency(&self, enabled: &PlanSet) -> Option<String> {
        let (p, _) = self.st.index.broken_dependency(enabled)?;
        let plan = self.st.index.id(p);
        let ids = self.st.plan_ids(enabled);
        let pre = self
            .st
            .rules
            .prerequisites(plan)
            .iter()
            .find(|pre| !pre.one_of.iter().any(|q| ids.contains(q)))?;
        let need: Vec<String> = pre.one_of.iter().map(|q| self.st.plan_label(*q)).collect();
        Some(format!(
            "{} requires {} ({})",
            self.st.plan_label(plan),
            need.join(" or "),
            pre.id
        ))
    }

    fn plans(&self, lic: &Lic) -> PlanSet {
        let mut out = PlanSet::new();
        self.st.plans_of(lic, &mut out);
        out
    }

    /// Enabled plans from inherited paths only.
    fn inherited_plans(&self, u: usize) -> PlanSet {
        let mut out = PlanSet::new();
        for p in self.st.users[u].inherited.values() {
            if let Some(l) = p.active() {
                self.st.plans_of(l, &mut out);
            }
        }
        out
    }

    /// Updates seat counts after a user's paths changed for these products.
    fn reseat(&mut self, u: usize, before: &BTreeMap<SkuId, bool>) {
        for (sku, was) in before {
            let now = self.st.holds(u, *sku);
            if let Some(s) = self.st.skus.get_mut(sku) {
                match (was, now) {
                    (false, true) => s.consumed += 1,
                    (true, false) => s.consumed -= 1,
                    _ => {}
                }
            }
        }
    }

    /// Updates seat counts from the products a user held before a change and after it (both
    /// sorted, as [`State::seated`] gives them).
    fn reseat_sorted(&mut self, before: &[SkuId], after: &[SkuId]) {
        let (mut i, mut j) = (0, 0);
        while i < before.len() || j < after.len() {
            let (sku, delta) = match (before.get(i), after.get(j)) {
                (Some(b), Some(a)) if b == a => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(b), Some(a)) if b < a => {
                    i += 1;
                    (*b, -1)
                }
                (Some(b), None) => {
                    i += 1;
                    (*b, -1)
                }
                (_, Some(a)) => {
                    j += 1;
                    (*a, 1)
                }
                (None, None) => break,
            };
            if let Some(s) = self.st.skus.get_mut(&sku) {
                s.consumed += delta;
            }
        }
    }

    fn holding(&self, u: usize, skus: impl IntoIterator<Item = SkuId>) -> BTreeMap<SkuId, bool> {
        skus.into_iter().map(|s| (s, self.st.holds(u, s))).collect()
    }

    /// Every name of `op` that does not resolve, each with its field (an op whose first bad
    /// name stopped [`Sim::apply`]).
    fn name_errors(&mut self, src: &OpSource, op: &Op) -> Vec<InputError> {
        let mut out = Vec::new();
        let group = match op {
            Op::AssignGroupLicense { group, .. }
            | Op::ChangeGroupLicense { group, .. }
            | Op::RemoveGroupLicense { group, .. }
            | Op::AddMember { group, .. }
            | Op::RemoveMember { group, .. }
            | Op::Reprocess {
                group: Some(group), ..
            }
            | Op::WaitForProcessing { group: Some(group) } => Some(group),
            _ => None,
        };
        if let Some(g) = group {
            if let Err(e) = self.group(src, g) {
                out.push(e);
            }
        }
        let mut user = |s: &mut Self, name: &str| {
            if let Err(e) = s.user(src, name) {
                out.push(e);
            }
        };
        match op {
            Op::AddMember { user: u, .. } | Op::RemoveMember { user: u, .. } => user(self, u),
            Op::AssignDirectLicense { user: u, .. }
            | Op::ChangeDirectLicense { user: u, .. }
            | Op::RemoveDirectLicense { user: u, .. }
            | Op::SetUsageLocation { user: u, .. }
            | Op::Reprocess {
                user: Some(u),
                group: None,
            } => user(self, u),
            _ => {}
        }
        let mut sku = |s: &mut Self, field: &str, name: &str, plans: &[String]| match s
            .sku(src, field, name)
        {
            Ok(id) => {
                for p in plans {
                    if let Err(e) = s.plan_refs(src, id, std::slice::from_ref(p)) {
                        out.push(e);
                    }
                }
            }
            Err(e) => out.push(e),
        };
        match op {
            Op::AssignGroupLicense {
                sku: k,
                disabled_plans,
                ..
            }
            | Op::AssignDirectLicense {
                sku: k,
                disabled_plans,
                ..
            } => sku(self, "sku", k, disabled_plans),
            Op::RemoveGroupLicense { sku: k, .. } | Op::RemoveDirectLicense { sku: k, .. } => {
                sku(self, "sku", k, &[])
            }
            Op::ChangeGroupLicense { add, remove, .. }
            | Op::ChangeDirectLicense { add, remove, .. } => {
                for spec in add {
                    sku(self, "add", &spec.sku, &spec.disabled_plans);
                }
                for r in remove {
                    sku(self, "remove", r, &[]);
                }
            }
            _ => {}
        }
        if let Op::SetUsageLocation { country, .. } = op {
            if let Err(e) = CountryCode::parse_optional(country) {
                out.push(self.input_error(
                    src,
                    "country",
                    e.to_string(),
                    "write a two-letter country code such as US",
                ));
            }
        }
        out
    }

    // ----- ops -----

    fn apply(&mut self, src: &OpSource, op: &Op) -> Result<Outcome, InputError> {
        Ok(match op {
            Op::CreateGroup {
                group,
                security_enabled,
            } => self.create_group(group, *security_enabled),
            Op::AssignGroupLicense {
                group,
                sku,
                disabled_plans,
            } => {
                let g = self.group(src, group)?;
                let sku = self.sku(src, "sku", sku)?;
                let plans = self.plan_refs(src, sku, disabled_plans)?;
                let mut lic = self.st.groups[g].licenses.clone();
                lic.insert(sku, plans);
                self.group_config(g, lic, op, true)
            }
            Op::ChangeGroupLicense { group, add, remove } => {
                let g = self.group(src, group)?;
                let added = self.licenses(src, add)?;
                let mut removed = Vec::with_capacity(remove.len());
                for r in remove {
                    removed.push(self.sku(src, "remove", r)?);
                }
                self.change_group(g, added, &removed, op)
            }
            // One removal and no addition: the same update as a change.
            Op::RemoveGroupLicense { group, sku } => {
                let g = self.group(src, group)?;
                let sku = self.sku(src, "sku", sku)?;
                self.change_group(g, Lic::new(), &[sku], op)
            }
            Op::AddMember { group, user } => {
                let g = self.group(src, group)?;
                let u = self.user(src, user)?;
                self.membership(g, u, true, op)
            }
            Op::RemoveMember { group, user } => {
                let g = self.group(src, group)?;
                let u = self.user(src, user)?;
                self.membership(g, u, false, op)
            }
            Op::AssignDirectLicense {
                user,
                sku,
                disabled_plans,
            } => {
                let u = self.user(src, user)?;
                let sku = self.sku(src, "sku", sku)?;
                let plans = self.plan_refs(src, sku, disabled_plans)?;
                let mut add = Lic::new();
                add.insert(sku, plans);
                self.direct_change(u, add, Vec::new(), op)
            }
            Op::ChangeDirectLicense { user, add, remove } => {
                let u = self.user(src, user)?;
                let add = self.licenses(src, add)?;
                let mut rem = Vec::new();
                for r in remove {
                    rem.push(self.sku(src, "remove", r)?);
                }
                self.direct_change(u, add, rem, op)
            }
            Op::RemoveDirectLicense { user, sku } => {
                let u = self.user(src, user)?;
                let sku = self.sku(src, "sku", sku)?;
                self.direct_change(u, Lic::new(), vec![sku], op)
            }
            Op::SetUsageLocation { user, country } => {
                let u = self.user(src, user)?;
                let c = CountryCode::parse_optional(country).map_err(|e| {
                    self.input_error(
                        src,
                        "country",
                        e.to_string(),
                        "write a two-letter country code such as US",
                    )
                })?;
                let label = c.as_ref().map_or("none".to_owned(), |c| c.to_string());
                self.st.users[u].location = c;
                Outcome {
                    effect: format!("{}: usage location {label}", self.st.user_label(u)),
                    affected: Vec::new(),
                    rule: std::borrow::Cow::Borrowed(""),
                }
            }
            Op::Reprocess { group, user } => {
                if let Some(gname) = group {
                    let g = self.group(src, gname)?;
                    self.st.push_event(g, Event::ReprocessAll);
                    Outcome {
                        effect: format!(
                            "{}: every member will be reprocessed",
                            self.st.groups[g].label
                        ),
                        affected: Vec::new(),
                        rule: std::borrow::Cow::Borrowed(""),
                    }
                } else if let Some(uname) = user {
                    let u = self.user(src, uname)?;
                    let gs: BTreeSet<usize> = self.st.users[u]
                        .groups
                        .iter()
                        .chain(self.st.users[u].inherited.keys())
                        .copied()
                        .collect();
                    for g in &gs {
                        self.st.push_event(*g, Event::ReprocessUser(u));
                    }
                    Outcome {
                        effect: format!(
                            "{} will be reprocessed in {} group(s)",
                            self.st.user_label(u),
                            gs.len()
                        ),
                        affected: Vec::new(),
                        rule: std::borrow::Cow::Borrowed(""),
                    }
                } else {
                    Outcome::refused("nothing to reprocess".into())
                }
            }
            Op::WaitForProcessing { group } => {
                let g = match group {
                    Some(name) => Some(self.group(src, name)?),
                    None => None,
                };
                let (effect, affected) = self.process(g);
                Outcome {
                    effect,
                    affected,
                    rule: "group processing (R4, R5, R10)".into(),
                }
            }
        })
    }

    /// Removes and adds products on a group in one update (R11); removing a product the group
    /// does not carry refuses the whole update.
    fn change_group(&mut self, g: usize, added: Lic, removed: &[SkuId], op: &Op) -> Outcome {
        let mut lic = self.st.groups[g].licenses.clone();
        for sku in removed {
            if lic.remove(sku).is_none() {
                let detail = format!(
                    "{} does not carry {}",
                    self.st.groups[g].label,
                    self.st.sku_label(*sku)
                );
                return self.refusal(None, Some(g), NOT_ASSIGNED, detail);
            }
        }
        let adds = !added.is_empty();
        lic.extend(added);
        self.group_config(g, lic, op, adds)
    }

    fn create_group(&mut self, name: &str, security_enabled: bool) -> Outcome {
        let key = name.trim().to_lowercase();
        if self.st.group_by_name.contains_key(&key) {
            return self.refusal(
                None,
                None,
                NAME_IN_USE,
                format!("a group named {name:?} exists"),
            );
        }
        let id = planned_group_id(name);
        let i = self.st.groups.len();
        self.st.groups.push(GroupSt {
            id,
            label: name.trim().to_owned(),
            security_enabled: Some(security_enabled),
            kind: GroupKind::Static,
            licenses: Lic::new(),
            members: BTreeSet::new(),
            processed_licenses: Lic::new(),
            processed_members: BTreeSet::new(),
            events: Vec::new(),
            member_events: Default::default(),
            config_events: Vec::new(),
            last_change: None,
        });
        self.st.group_by_id.insert(id, i);
        self.st.group_by_name.insert(key, Some(i));
        Outcome::refused(format!("created {name} ({id})"))
    }

    /// A group's licenses change (assign, change, remove): checked at once, applied in the
    /// background.
    fn group_config(&mut self, g: usize, lic: Lic, op: &Op, adds: bool) -> Outcome {
        let grp = &self.st.groups[g];
        // R9: only security-enabled groups carry licenses. An export that does not say is read
        // as "not security-enabled" (the careful reading).
        if adds && grp.security_enabled != Some(true) {
            let why = if grp.security_enabled.is_none() {
                "securityEnabled is not in the exports"
            } else {
                "the group is not security-enabled"
            };
            let detail = format!("{} cannot carry licenses: {why} (R9)", grp.label);
            return self.refusal(None, Some(g), NOT_SECURITY, detail);
        }
        // R7: an add-on's prerequisite must be in the same group.
        let plans = self.plans(&lic);
        if let Some(why) = self.broken_dependency(&plans) {
            let r = (
                AssignmentError::DependencyViolation,
                lic.keys().next().copied(),
                format!("{why}: the group must carry it too (R7)"),
            );
            self.error(None, Some(g), &r, false);
            return Outcome::refused(format!("refused: DependencyViolation: {}", r.2));
        }
        self.st.push_event(g, Event::Config(lic.clone()));
        let grp = &mut self.st.groups[g];
        grp.licenses = lic;
        grp.last_change = Some(op.to_string());
        let affected: Vec<usize> = grp.members.union(&grp.processed_members).copied().collect();
        Outcome {
            effect: format!(
                "{}: licenses updated; processing pending for {} member(s)",
                grp.label,
                grp.members.len()
            ),
            affected,
            rule: match op {
                Op::RemoveGroupLicense { .. } => {
                    "R10: a license removed from a group leaves its members".into()
                }
                Op::ChangeGroupLicense { .. } => {
                    "R11: the products the change removes leave the group's members".into()
                }
                _ => "R8: group processing is asynchronous".into(),
            },
        }
    }

    fn membership(&mut self, g: usize, u: usize, join: bool, op: &Op) -> Outcome {
        let kind = self.st.groups[g].kind;
        if kind != GroupKind::Static {
            let (code, why) = match kind {
                GroupKind::Dynamic => (DYNAMIC, "members follow its membership rule (R10)"),
                _ => (SYNCED, "its membership changes only on-premises (R10)"),
            };
            let detail = format!("{} cannot be edited: {why}", self.st.groups[g].label);
            return self.refusal(Some(u), Some(g), code, detail);
        }
        let members = &mut self.st.groups[g].members;
        let changed = if join {
            members.insert(u)
        } else {
            members.remove(&u)
        };
        if !changed {
            return Outcome::refused(format!(
                "{} is {} a member of {}: nothing to do",
                self.st.user_label(u),
                if join { "already" } else { "not" },
                self.st.groups[g].label
            ));
        }
        self.st.push_event(g, Event::Member(u, join));
        self.st.groups[g].last_change = Some(op.to_string());
        if join {
            self.st.users[u].groups.insert(g);
        } else {
            self.st.users[u].groups.remove(&g);
        }
        Outcome {
            effect: self.effect(|| {
                format!(
                    "{} {} {}; processing pending",
                    self.st.user_label(u),
                    if join { "joins" } else { "leaves" },
                    self.st.groups[g].label
                )
            }),
            affected: vec![u],
            rule: if join {
                "R8: group processing is asynchronous".into()
            } else {
                "R10: leaving a group removes its licenses".into()
            },
        }
    }

    /// Direct changes (assign, change, remove): one atomic call, applied or refused at once.
    fn direct_change(&mut self, u: usize, add: Lic, remove: Vec<SkuId>, op: &Op) -> Outcome {
        let user = &self.st.users[u];
        let mut new_direct = user.direct.clone();
        for sku in &remove {
            if new_direct.remove(sku).is_none() {
                let inherited = user
                    .inherited
                    .values()
                    .any(|p| p.seated().any(|s| s == *sku));
                let (code, detail) = if inherited {
                    (INHERITED, format!("User license is inherited from a group membership and it cannot be removed directly from the user ({})", self.st.sku_label(*sku)))
                } else {
                    (
                        NOT_ASSIGNED,
                        format!(
                            "{} does not hold {} directly",
                            self.st.user_label(u),
                            self.st.sku_label(*sku)
                        ),
                    )
                };
                return self.refusal(Some(u), None, code, detail);
            }
        }
        let mut rest = new_direct.clone();
        for sku in add.keys() {
            rest.remove(sku);
        }
        new_direct.extend(add.clone());
        let mut others = self.plans(&rest);
        others.union_with(&self.inherited_plans(u));
        if !add.is_empty() {
            if let Err(r) = self.check_arrival(u, &add, &others, false) {
                self.error(Some(u), None, &r, false);
                return Outcome::refused(format!("refused: {}: {}", r.0.as_str(), r.2));
            }
        }
        let mut after = self.plans(&new_direct);
        after.union_with(&self.inherited_plans(u));
        if let Some(why) = self.broken_dependency(&after) {
            let r = (
                AssignmentError::DependencyViolation,
                remove.first().or(add.keys().next()).copied(),
                why,
            );
            self.error(Some(u), None, &r, false);
            return Outcome::refused(format!("refused: DependencyViolation: {}", r.2));
        }
        for sku in add.keys() {
            if !self.st.holds(u, *sku) {
                if let Some(avail) = self.st.available(*sku) {
                    if avail <= 0 {
                        let r = (
                            AssignmentError::CountViolation,
                            Some(*sku),
                            format!("no available seats of {}", self.st.sku_label(*sku)),
                        );
                        self.error(Some(u), None, &r, false);
                        self.seats_short(*sku, 1, format!("{op} (R5 CountViolation)"));
                        return Outcome::refused(format!("refused: CountViolation: {}", r.2));
                    }
                }
            }
        }
        let touched: Vec<SkuId> = add.keys().copied().chain(remove.iter().copied()).collect();
        let before = self.holding(u, touched);
        self.st.users[u].direct = new_direct;
        self.reseat(u, &before);
        Outcome {
            effect: self.effect(|| {
                let what: Vec<String> = add
                    .keys()
                    .map(|s| format!("+{}", self.st.sku_label(*s)))
                    .chain(remove.iter().map(|s| format!("-{}", self.st.sku_label(*s))))
                    .collect();
                format!("{}: direct {}", self.st.user_label(u), what.join(" "))
            }),
            affected: vec![u],
            rule: if remove.is_empty() {
                "R3".into()
            } else {
                "R1: the direct path was removed".into()
            },
        }
    }

    // ----- group processing (R2–R10) -----

    /// Processes pending groups (all, or one): every affected member's state is recomputed
    /// from the group's licenses now. Checks use the state before the batch, so a change that
    /// could arrive in either order is judged in the worse one.
    fn process(&mut self, only: Option<usize>) -> (String, Vec<usize>) {
        let groups: Vec<usize> = match only {
            Some(g) => self.st.pending.get(&g).copied().into_iter().collect(),
            None => self.st.pending.iter().copied().collect(),
        };
        if groups.is_empty() {
            return ("nothing pending".into(), Vec::new());
        }
        // (user, group) pairs to recompute.
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for &g in &groups {
            let grp = &self.st.groups[g];
            let users: BTreeSet<usize> = if grp.config_events.is_empty() {
                grp.member_events.keys().copied().collect()
            } else {
                grp.members.union(&grp.processed_members).copied().collect()
            };
            pairs.extend(users.into_iter().map(|u| (u, g)));
        }
        // Decide each pair's new state against the state before the batch. A user in many of
        // the batch's groups is summarised once, not walked once per group.
        let mut summaries = Summaries::default();
        let mut decided: Vec<Decision> = Vec::with_capacity(pairs.len());
        for &(u, g) in &pairs {
            let grp = &self.st.groups[g];
            let member = grp.members.contains(&u);
            let others = summaries.without_group(&self.st, u, g);
            let (state, refusal) = if member && !grp.licenses.is_empty() {
                match self.check_arrival(u, &grp.licenses, &others, true) {
                    Ok(()) => (Some(PathState::Active(grp.licenses.clone())), None),
                    Err(r) => (
                        Some(PathState::Error {
                            error: r.0,
                            sku: r.1,
                            stuck: Lic::new(),
                        }),
                        Some(r),
                    ),
                }
            } else {
                (None, None)
            };
            decided.push(Decision {
                u,
                g,
                state,
                refusal,
                at_risk: false,
            });
        }
        // Seats (R2, R5): users who need a new seat of a product, across the batch.
        // Per product, the users needing a new seat and the decisions that would give it: a
        // user getting the product from two groups at once needs one seat (R2), and fails in
        // both if it cannot have one.
        let mut need: BTreeMap<SkuId, BTreeMap<usize, Vec<usize>>> = BTreeMap::new();
        for (i, d) in decided.iter().enumerate() {
            if let Some(PathState::Active(lic)) = &d.state {
                for sku in lic.keys() {
                    // Already seated through any path (this group's included): no new seat.
                    if !summaries.holds(&self.st, d.u, *sku) {
                        need.entry(*sku)
                            .or_default()
                            .entry(d.u)
                            .or_default()
                            .push(i);
                    }
                }
            }
        }
        let mut at_risk: BTreeMap<usize, SkuId> = BTreeMap::new();
        for (sku, users) in &need {
            if let Some(avail) = self.st.available(*sku) {
                let n = users.len() as i64;
                if n > avail.max(0) {
                    for i in users.values().flatten() {
                        at_risk.entry(*i).or_insert(*sku);
                    }
                    let cause = format!(
                        "group processing needs {n} new seat(s) of {} (R5 CountViolation)",
                        self.st.sku_label(*sku)
                    );
                    self.seats_short(*sku, n - avail.max(0), cause);
                }
            }
        }
        for (i, sku) in &at_risk {
            let d = &mut decided[*i];
            let r = (
                AssignmentError::CountViolation,
                Some(*sku),
                "not enough available seats; which users fail is not guaranteed, so this user is at risk".to_owned(),
            );
            d.state = Some(PathState::Error {
                error: r.0,
                sku: r.1,
                stuck: Lic::new(),
            });
            d.refusal = Some(r);
            d.at_risk = true;
        }
        // Removals whose plans another enabled plan depends on stay, in error (R5, newer docs).
        for d in decided.iter_mut() {
            let old = self.st.users[d.u].inherited.get(&d.g);
            let Some(PathState::Active(old_lic)) = old else {
                continue;
            };
            let mut after = summaries.without_group(&self.st, d.u, d.g);
            if let Some(PathState::Active(l)) = &d.state {
                self.st.plans_of(l, &mut after);
            }
            if let Some(why) = self.broken_dependency(&after) {
                let mut before_plans = after.clone();
                self.st.plans_of(old_lic, &mut before_plans);
                if self.broken_dependency(&before_plans).is_none() {
                    let r = (AssignmentError::DependencyViolation, old_lic.keys().next().copied(), format!("{why}; the group's licenses stay on the user in an error state until it is resolved and reprocessed"));
                    d.state = Some(PathState::Error {
                        error: r.0,
                        sku: r.1,
                        stuck: old_lic.clone(),
                    });
                    d.refusal = Some(r);
                    d.at_risk = false;
                }
            }
        }
        drop(summaries);
        // Apply: errors in the batch's order; then each user's paths change in one pass over
        // them, and seats are counted from what the user held before and after (what each
        // change's own before and after would add up to): a user in thousands of the batch's
        // groups costs one walk over them, not one per group.
        let mut affected = BTreeSet::new();
        let (mut granted, mut failed, mut removed) = (0usize, 0usize, 0usize);
        let mut changes: Vec<(usize, usize, Option<PathState>)> = Vec::with_capacity(decided.len());
        for Decision {
            u,
            g,
            state,
            refusal,
            at_risk,
        } in decided
        {
            if let Some(r) = &refusal {
                self.error(Some(u), Some(g), r, at_risk);
                failed += 1;
            }
            if matches!(state, Some(PathState::Active(_))) {
                granted += 1;
            }
            changes.push((u, g, state));
        }
        // A (user, group) pair comes once: from the group's own list of users.
        changes.sort_unstable_by_key(|c| (c.0, c.1));
        let mut changes = changes.into_iter().peekable();
        while let Some((u, g, state)) = changes.next() {
            let mut mine = vec![(g, state)];
            while let Some((_, g, state)) = changes.next_if(|c| c.0 == u) {
                mine.push((g, state));
            }
            let before = self.st.seated(u);
            removed += self.st.users[u].inherited.merge_sorted(mine);
            let after = self.st.seated(u);
            self.reseat_sorted(&before, &after);
            affected.insert(u);
        }
        let mut names = Vec::new();
        for &g in &groups {
            names.push(self.st.groups[g].label.clone());
            self.st.settle(g);
        }
        (
            format!(
                "processed {}: {granted} user(s) licensed, {failed} in error, {removed} removed",
                names.join(", ")
            ),
            affected.into_iter().collect(),
        )
    }

    // ----- the invariant -----

    /// What a group may give a user in a state it may reach before processing completes.
    fn tentative(
        &self,
        sums: &mut Summaries,
        (u, g): (usize, usize),
        lic: &Lic,
        member: bool,
    ) -> PlanSet {
        if !member || lic.is_empty() {
            return PlanSet::new();
        }
        let others = sums.without_group(&self.st, u, g);
        if self.check_arrival(u, lic, &others, true).is_err() {
            return PlanSet::new();
        }
        self.plans(lic)
    }

    /// Every state a user may be in from a pending group: what it gave at its last processing,
    /// then the result of each change since, in order.
    fn possible_states(&self, sums: &mut Summaries, u: usize, g: usize) -> Vec<PlanSet> {
        let grp = &self.st.groups[g];
        let mut states = Vec::new();
        let mut first = PlanSet::new();
        if let Some(l) = self.st.users[u]
            .inherited
            .get(&g)
            .and_then(PathState::active)
        {
            self.st.plans_of(l, &mut first);
        }
        states.push(first);
        let mut idx: Vec<usize> = grp.config_events.clone();
        if let Some(mine) = grp.member_events.get(&u) {
            idx.extend(mine.iter().copied());
        }
        idx.sort_unstable();
        let mut lic = &grp.processed_licenses;
        let mut member = grp.processed_members.contains(&u);
        for i in idx {
            match &grp.events[i] {
                Event::Config(c) => lic = c,
                Event::Member(_, m) => member = *m,
                Event::ReprocessAll | Event::ReprocessUser(_) => continue,
            }
            states.push(self.tentative(sums, (u, g), lic, member));
        }
        states
    }

    /// What the user holds once every pending group has processed its last change (`fixed`:
    /// what the user's other paths give): a loss also missing here is the op's doing, not a
    /// processing window. Worked out only when a loss is reported.
    fn settled(&self, u: usize, fixed: &PlanSet) -> PlanSet {
        let user = &self.st.users[u];
        let mut pending: Vec<usize> = user
            .groups
            .iter()
            .chain(user.inherited.keys())
            .copied()
            .filter(|g| self.st.groups[*g].pending())
            .collect();
        pending.sort_unstable();
        pending.dedup();
        let mut sums = Summaries::default();
        let mut settled = fixed.clone();
        for g in pending {
            if let Some(last) = self.possible_states(&mut sums, u, g).last() {
                settled.union_with(last);
            }
        }
        settled
    }

    /// Checks one user's baseline plans in every state the user may be in, and reports each
    /// plan lost (once, until it comes back). `op` is only written out when something is lost.
    fn check_user(&mut self, u: usize, op: &dyn std::fmt::Display, rule: &str) {
        let user = &self.st.users[u];
        // Every candidate below holds `fixed`: when it covers the whole baseline, no state of a
        // pending group can lose anything, and none is worked out (nor are the user's groups
        // walked: a user joining thousands of groups before one wait costs little per op). The
        // walk over the paths stops as soon as they cover it, checked after 1, 2, 4, … paths,
        // so a user with thousands of paths whose first few cover the baseline costs those.
        let covers = |set: &PlanSet| user.baseline.iter().all(|p| self.st.index.covered(p, set));
        let mut fixed = self.plans(&user.direct);
        let mut all_fixed = covers(&fixed);
        let (mut walked, mut next_check) = (0usize, 1usize);
        for (g, p) in &user.inherited {
            if all_fixed {
                break;
            }
            if !self.st.groups[*g].pending() {
                if let Some(l) = p.active() {
                    self.st.plans_of(l, &mut fixed);
                }
            }
            walked += 1;
            if walked == next_check || walked == user.inherited.len() {
                all_fixed = covers(&fixed);
                next_check *= 2;
            }
        }
        // The pending groups the user had an active path from ("held"): every state each may
        // give is worked out. Any other pending group of the user's first gives nothing (no
        // path yet, or one in error): with that state it is the weakest candidate of its own,
        // and the same one for all such groups (the fixed paths and the held groups' worst),
        // so it is tried once, named after the first of them. A user joining thousands of new
        // groups is then checked in the time of its held paths, not of its pending groups.
        let mut held: smallvec::SmallVec<[usize; 4]> = smallvec::SmallVec::new();
        let mut first_fresh: Option<usize> = None;
        if !all_fixed {
            for (g, p) in &user.inherited {
                if self.st.groups[*g].pending() {
                    if p.active().is_some() {
                        held.push(*g);
                    } else if first_fresh.is_none() {
                        first_fresh = Some(*g);
                    }
                }
            }
            // Ascending: the first pending group the user is in without an active path.
            let joined = user.groups.iter().copied().find(|g| {
                self.st.groups[*g].pending()
                    && user.inherited.get(g).is_none_or(|p| p.active().is_none())
            });
            first_fresh = match (first_fresh, joined) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        // Each candidate: the enabled plans, and the pending group whose state it tries.
        let mut candidates: smallvec::SmallVec<[(PlanSet, Option<usize>); 2]> =
            smallvec::SmallVec::new();
        if held.is_empty() && first_fresh.is_none() {
            candidates.push((fixed.clone(), None));
        } else {
            let mut sums = Summaries::default();
            let states: Vec<(usize, Vec<PlanSet>)> = held
                .iter()
                .map(|g| (*g, self.possible_states(&mut sums, u, *g)))
                .collect();
            let worst: Vec<PlanSet> = states
                .iter()
                .map(|(_, ss)| {
                    let mut it = ss.iter();
                    let mut acc = it.next().cloned().unwrap_or_default();
                    for s in it {
                        acc.intersect_with(s);
                    }
                    acc
                })
                .collect();
            // The worst of every other held group, for each group in turn, without a walk over
            // the others for each: a plan is in it if two groups' worst hold it, or one does and
            // that one is not the group being tried.
            let (mut any_worst, mut twice) = (PlanSet::new(), PlanSet::new());
            for w in &worst {
                let mut both = w.clone();
                both.intersect_with(&any_worst);
                twice.union_with(&both);
                any_worst.union_with(w);
            }
            let mut fresh_one = first_fresh.map(|g| {
                let mut set = any_worst.clone();
                set.union_with(&fixed);
                (set, Some(g))
            });
            for ((g, ss), w) in states.iter().zip(&worst) {
                if fresh_one.as_ref().is_some_and(|(_, f)| *f < Some(*g)) {
                    candidates.extend(fresh_one.take());
                }
                let mut base = any_worst.clone();
                base.difference_with(w);
                base.union_with(&twice);
                base.union_with(&fixed);
                for s in ss {
                    let mut set = base.clone();
                    set.union_with(s);
                    candidates.push((set, Some(*g)));
                }
            }
            candidates.extend(fresh_one);
        }
        let user = &self.st.users[u];
        let mut lost_now = PlanSet::new();
        let mut lost_by: BTreeMap<u32, Option<usize>> = BTreeMap::new();
        for (set, g) in &candidates {
            for p in user.baseline.iter() {
                if !self.st.index.covered(p, set) {
                    lost_now.insert(p);
                    lost_by.entry(p).or_insert(*g);
                }
            }
        }
        let previously = std::mem::take(&mut self.st.users[u].lost);
        let mut fresh = lost_now.clone();
        fresh.difference_with(&previously);
        if !fresh.is_empty() {
            let settled = self.settled(u, &fixed);
            let permanent = fresh.iter().any(|p| !self.st.index.covered(p, &settled));
            let g = fresh
                .iter()
                .find_map(|p| lost_by.get(&p).copied().flatten())
                .filter(|_| !permanent);
            let cause = match g {
                Some(g) => {
                    let grp = &self.st.groups[g];
                    format!(
                        "{op}: {} has not finished processing{}; until it has, the user may hold only what it gave before or any state since (R8)",
                        grp.label,
                        grp.last_change.as_ref().map_or(String::new(), |c| format!(" ({c})"))
                    )
                }
                None => format!("{op} ({rule})"),
            };
            let lost = self.describe_lost(u, &fresh);
            self.violations.push(Violation {
                step: self.step,
                kind: ViolationKind::Loss,
                user: Some(self.st.user_label(u).into_owned()),
                user_id: Some(self.st.user_record(u).id.to_string()),
                lost,
                cause,
            });
        }
        self.st.users[u].lost = lost_now;
    }
}

impl Sim<'_> {
    /// Names what a user lost: whole products when every plan they gave is gone, else plans.
    fn describe_lost(&self, u: usize, lost: &PlanSet) -> String {
        let mut left = lost.clone();
        let mut parts = Vec::new();
        for (sku, plans) in &self.st.baseline_by_sku(u) {
            let mut missing = plans.clone();
            missing.difference_with(lost);
            if !plans.is_empty() && missing.is_empty() {
                parts.push(format!(
                    "{} (all {} service plans)",
                    self.st.sku_label(*sku),
                    plans.iter().count()
                ));
                left.difference_with(plans);
            }
        }
        let mut names: Vec<String> = left.iter().map(|p| self.st.plan_label_at(p)).collect();
        names.sort();
        parts.extend(names);
        parts.join(", ")
    }
}

/// A (user, group) pair's new state in one processing batch.
struct Decision {
    u: usize,
    g: usize,
    /// `None`: the group gives the user nothing any more.
    state: Option<PathState>,
    refusal: Option<Check>,
    at_risk: bool,
}
