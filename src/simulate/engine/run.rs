//! The replay loop: each op resolved, applied and checked, and the report assembled.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ingest::error::{InputError, InputErrors};
use crate::model::{AssignmentError, SkuId};
use crate::simulate::ops::{Op, OpSource};
use crate::simulate::report::{
    ErrorCode, ErrorRecord, Refusal, SeatLine, SimReport, StepReport, Violation, ViolationKind,
};
use crate::simulate::state::State;

use super::resolve::Resolve;
use super::{FinalState, FinalUser, SeatObserver, LISTED_NAME_ERRORS};

/// The name errors of a run: the first [`LISTED_NAME_ERRORS`] kept, the rest counted by field.
#[derive(Default)]
pub(super) struct NameErrors {
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

    pub(super) fn finish(mut self, file: &Path) -> Result<(), InputErrors> {
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

/// Replays `ops` from `st`: each op's references resolved first (every unresolved one of the
/// file reported at once), then the op applied and every user it touched checked.
pub(super) fn run<'r, R: Resolve>(
    st: State<'r>,
    ops: &mut dyn Iterator<Item = (OpSource, Op<R>)>,
    ops_path: &Path,
    steps: bool,
    observe: &mut SeatObserver<'_>,
) -> Result<(SimReport, Sim<'r>), InputErrors>
where
    Op<R>: Display,
{
    let mut sim = Sim::new(st, ops_path, steps);
    let mut seats: Vec<(SkuId, Option<u32>, i64)> = Vec::new();
    let mut bad_names = NameErrors::default();
    for (src, op) in ops {
        sim.op_step(&src, &op, &mut bad_names, &mut seats, observe);
    }
    sim.settle_at_end(&mut seats, observe);
    bad_names.finish(ops_path)?;
    let report = sim.report();
    Ok((report, sim))
}

impl<'r> Sim<'r> {
    pub(super) fn new(st: State<'r>, ops_path: &Path, steps: bool) -> Self {
        Sim {
            st,
            effects: steps,
            file: ops_path.to_path_buf(),
            step: 0,
            steps: Vec::new(),
            violations: Vec::new(),
            errors: Vec::new(),
            short_skus: BTreeSet::new(),
            last_seats: None,
            suggestions_left: std::cell::Cell::new(SUGGESTIONS),
        }
    }

    /// One op: resolved, applied, every user it touched checked, its seats observed.
    pub(super) fn op_step<R: Resolve>(
        &mut self,
        src: &OpSource,
        op: &Op<R>,
        bad_names: &mut NameErrors,
        seats: &mut Vec<(SkuId, Option<u32>, i64)>,
        observe: &mut SeatObserver<'_>,
    ) where
        Op<R>: Display,
    {
        let sim = self;
        sim.step += 1;
        let resolved = match R::resolve(sim, src, op) {
            Ok(resolved) => resolved,
            Err(all) => {
                // The op is skipped; every bad name in it is reported, and the ops after it
                // are still resolved, so one run lists every unknown name of the file.
                all.into_iter().for_each(|e| bad_names.push(e));
                return;
            }
        };
        let outcome = sim.apply(resolved, op);
        for u in &outcome.affected {
            sim.check_user(*u, op, &outcome.rule);
        }
        if sim.effects {
            let lines = sim.seat_lines();
            sim.steps.push(StepReport::new(
                sim.step,
                &op.to_string(),
                &src.path,
                &outcome.effect,
                lines,
            ));
        }
        seats.clear();
        seats.extend(sim.st.skus.values().map(|s| (s.id, s.enabled, s.consumed)));
        observe(sim.step, seats);
    }

    /// The end: whatever is still pending is processed (R8), as one more step.
    pub(super) fn settle_at_end(
        &mut self,
        seats: &mut Vec<(SkuId, Option<u32>, i64)>,
        observe: &mut SeatObserver<'_>,
    ) {
        let sim = self;
        if sim.st.pending.is_empty() {
            return;
        }
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
        observe(sim.step, seats);
        if sim.effects {
            let lines = sim.seat_lines();
            sim.steps.push(StepReport::new(
                sim.step,
                "(end: pending group processing completes)",
                "",
                &effect,
                lines,
            ));
        }
    }

    /// The report of the run so far (its steps, violations and errors taken out).
    pub(super) fn report(&mut self) -> SimReport {
        let sim = self;
        use crate::simulate::rules::about::{About, When};
        let mut stated: Vec<(String, About)> = sim
            .st
            .rules
            .assumptions()
            .iter()
            .map(|a| (format!("{} ({})", a.text, a.id), a.about.clone()))
            .collect();
        stated.push((
            "When seats run short during group processing, which users fail is not guaranteed: every user who could fail is reported at risk (CountViolation) and treated as failing.".into(),
            About::when(&[When::SeatsShort]),
        ));
        stated.push((
            "Group changes may reach users in any order before processing completes: a user may hold what a changed group gave before, or what any change since would give (R8).".into(),
            About::always(),
        ));
        stated.push((
            "A license left on a user in an error state (DependencyViolation, or UniquenessViolation on a shared proxy address, when a group removes it) still takes a seat but is not counted as providing its services.".into(),
            About::when(&[When::ErrorStates, When::SharedProxyAddress]),
        ));
        stated.push((
            "Licensing errors are not cleared on their own when the cause goes away: the group or user must be reprocessed (R8).".into(),
            About::when(&[When::ErrorStates]),
        ));
        if !sim.st.unseated.is_empty() {
            let list: Vec<String> = sim
                .st
                .unseated
                .iter()
                .map(|s| sim.st.sku_label(*s))
                .collect();
            stated.push((
                format!(
                    "No seat counts were exported for {}: their seats are not checked.",
                    list.join(", ")
                ),
                About::products(sim.st.unseated.iter().copied()),
            ));
        }
        if sim.st.unknown_paths > 0 {
            stated.push((
                format!(
                    "{} license assignments have an unknown path (the export does not say direct or inherited); they are simulated as direct.",
                    sim.st.unknown_paths
                ),
                About::always(),
            ));
        }
        let (assumptions, about) = stated.into_iter().unzip();
        SimReport {
            schema_version: crate::simulate::report::SCHEMA_VERSION,
            safe: sim.violations.is_empty(),
            verdict: crate::simulate::report::SimVerdict {
                status: crate::simulate::report::VerdictStatus::of(sim.violations.len(), 0),
                unchecked: Vec::new(),
            },
            steps: std::mem::take(&mut sim.steps),
            violations: std::mem::take(&mut sim.violations),
            errors: std::mem::take(&mut sim.errors),
            assumptions,
            about,
        }
    }
}

pub(super) fn final_state(sim: &Sim<'_>) -> FinalState {
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

pub(super) struct Outcome {
    /// What the step did, for the step report (empty when the run keeps no step report).
    pub effect: String,
    pub affected: Vec<usize>,
    /// The rule to name when a user loses something at this step.
    pub rule: std::borrow::Cow<'static, str>,
}

impl Outcome {
    pub fn refused(effect: String) -> Self {
        Outcome {
            effect,
            affected: Vec::new(),
            rule: std::borrow::Cow::Borrowed(""),
        }
    }
}

pub(super) struct Sim<'r> {
    pub(super) st: State<'r>,
    /// Whether steps' effects are written out: a plan's own simulation (a million ops) keeps
    /// no step report, so it formats no effect texts.
    pub(super) effects: bool,
    pub(super) file: PathBuf,
    pub(super) step: usize,
    pub(super) steps: Vec<StepReport>,
    pub(super) violations: Vec<Violation>,
    pub(super) errors: Vec<ErrorRecord>,
    /// Products already reported short of seats (one seat violation per product and step).
    pub(super) short_skus: BTreeSet<(usize, SkuId)>,
    /// The seats the last step reported, shared by the steps after it while they are the same.
    last_seats: Option<Arc<[SeatLine]>>,
    /// How many more "did you mean" suggestions this run may look for (each costs a pass over
    /// the candidates; an ops file of a million unknown names must not cost a million passes).
    pub(super) suggestions_left: std::cell::Cell<usize>,
}

/// "Did you mean" suggestions looked for in one run, at most (more than the errors listed).
pub(super) const SUGGESTIONS: usize = 2 * LISTED_NAME_ERRORS;

/// A licensing check that failed: the Graph error, the product at fault and why.
pub(super) type Check = (AssignmentError, Option<SkuId>, String);

impl<'r> Sim<'r> {
    /// A step's effect text, made only when the run reports steps.
    pub(super) fn effect(&self, text: impl FnOnce() -> String) -> String {
        if self.effects {
            text()
        } else {
            String::new()
        }
    }

    // ----- reporting -----

    pub(super) fn error(&mut self, u: Option<usize>, g: Option<usize>, r: &Check, at_risk: bool) {
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

    pub(super) fn refusal(
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

    pub(super) fn seats_short(&mut self, sku: SkuId, needed: i64, cause: String) {
        if !self.short_skus.insert((self.step, sku)) {
            return;
        }
        let s = &self.st.skus[&sku];
        self.violations.push(Violation {
            step: self.step,
            kind: ViolationKind::Seats,
            user: None,
            user_id: None,
            group_id: None,
            lost: format!(
                "{}: {needed} more seat(s) needed, {} available",
                s.label,
                s.enabled.map_or(0, |e| (i64::from(e) - s.consumed).max(0))
            ),
            cause,
        });
    }

    /// The seats now, as a step reports them: the last step's list when they have not changed.
    pub(super) fn seat_lines(&mut self) -> Arc<[SeatLine]> {
        let same = self.last_seats.as_ref().is_some_and(|last| {
            last.len() == self.st.skus.len()
                && last.iter().zip(self.st.skus.values()).all(|(l, s)| {
                    l.enabled == s.enabled && l.consumed == s.consumed && l.sku == s.label
                })
        });
        if let (true, Some(last)) = (same, &self.last_seats) {
            return Arc::clone(last);
        }
        let lines: Arc<[SeatLine]> = self
            .st
            .skus
            .values()
            .map(|s| SeatLine {
                sku: s.label.clone(),
                enabled: s.enabled,
                consumed: s.consumed,
            })
            .collect();
        self.last_seats = Some(Arc::clone(&lines));
        lines
    }
}
