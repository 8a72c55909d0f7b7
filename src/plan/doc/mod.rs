//! The plan document: what `licplan plan` writes in every format, and what `licplan simulate
//! --plan` reads back. JSON/YAML field names are a versioned contract (`schema_version`).

use serde::Serialize;

use crate::model::{GroupId, UserId};

pub use super::reason::{HoldReason, SkipReason};

/// Version of the plan's JSON/YAML contract.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub schema_version: u32,
    pub name: String,
    /// SHA-256 of what the plan runs (see [`hash`]): the value every bundle of this plan
    /// carries and its runner checks against the one the reviewed report shows.
    pub plan_hash: String,
    /// The export the plan was made from.
    pub export: ExportRef,
    /// Groups the plan creates: their ids in this plan are placeholders licplan derives; Entra
    /// gives the real ones when the groups are created, found by `unique_name`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<Placeholder>,
    pub summary: Summary,
    pub moves: Vec<MoveSummary>,
    pub stages: Vec<Stage>,
    /// Users left out of the plan; they keep every direct license throughout.
    pub held_back: Vec<HeldBack>,
    /// Users in a move's scope with nothing to migrate (counted, not dropped).
    pub skipped: Vec<Skipped>,
    /// Seats per product after each stage and wave, from the simulation.
    pub seats: Vec<SeatForecast>,
    /// Who the pilot waves hold.
    pub pilot: PilotChoice,
    pub verdict: Verdict,
    /// Whether the simulator proved every stage's and wave's rollback (see [`RollbackProof`]).
    pub rollback: RollbackProof,
    /// Readings of Microsoft's behaviour the plan and its simulation rely on: those touching
    /// this plan's products, rules and situations (`licplan simulate` states them all).
    pub assumptions: Vec<String>,
    /// How many of the simulation's readings were left out of `assumptions` because they touch
    /// nothing this plan involves.
    pub assumptions_left_out: u64,
    /// What the intent asked that the plan does not do as written (overlapping scopes), and
    /// groups whose licenses change for members the plan does not move.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// A re-plan of an earlier plan from one of its stages on a fresh export
    /// (`licplan plan --from-stage N --fresh FRESH`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replan: Option<super::replan::Replan>,
    /// The partner preflight of the plan (`plan --conditional-access …`, `--roles`, …), as
    /// `licplan preflight` gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_access: Option<crate::preflight::PreflightReport>,
}

/// A group the plan creates, whose id in the plan is a placeholder.
#[derive(Debug, Clone, Serialize)]
pub struct Placeholder {
    pub group_id: String,
    pub group_name: String,
    pub unique_name: String,
    /// Always true: said in the document itself, beside the id.
    pub placeholder: bool,
}

impl Plan {
    /// Records the export the plan was made from and computes the plan's hash (after any
    /// `--redact`, so the hash is that of the document written).
    pub fn seal(&mut self, export: ExportRef) {
        self.plan_hash = hash::of_stages(&export.hash, &self.stages);
        self.export = export;
    }

    /// [`Plan::seal`], with `beside` reading the plan on another thread while its stages are
    /// hashed (at a million users each takes a few tenths of a second); `beside`'s result.
    pub fn seal_beside<R: Send>(
        &mut self,
        export: ExportRef,
        beside: impl FnOnce(&Plan) -> R + Send,
    ) -> R {
        let plan: &Plan = self;
        let (r, h) = crate::par::join(
            || beside(plan),
            || hash::of_stages(&export.hash, &plan.stages),
        );
        self.plan_hash = h;
        self.export = export;
        r
    }
}

/// The pilot of the change-direct and removal stages.
#[derive(Debug, Clone, Serialize)]
pub struct PilotChoice {
    /// `count` (one mover of each carrying group and disabled-plan set first, then by UPN), or
    /// the intent's `waves.pilot` as written (`file:pilot.txt`, `group:Pilot`).
    pub source: String,
    /// Moving users in the pilot.
    pub users: u64,
    /// Users the intent names for the pilot who are not moving (held back, skipped or out of
    /// every move's scope), by UPN or object id: reported, never silently dropped.
    pub named_not_moving: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub users_in_scope: u64,
    pub users_moving: u64,
    pub users_held_back: u64,
    pub users_skipped: u64,
    pub groups_created: u64,
    pub removal_waves: u64,
    /// The organization's default usage location the plan relies on (R6).
    pub default_usage_location: Option<String>,
    /// The whole plan's least elapsed time: every stage's writes, waits and soaks.
    pub least_elapsed_minutes: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MoveSummary {
    pub from: String,
    pub to: String,
    /// `None` when the product stays (only the licensing path changes).
    pub strategy: Option<crate::plan::intent::Strategy>,
    pub scope: String,
    /// Carrying groups: `group_id`, `group_name`, whether the plan creates it, its licenses.
    pub groups: Vec<CarryingGroup>,
    /// Users moving (the move's movers).
    pub users: u64,
    /// Users that belong to this move: `users` + `held_back` + `skipped`. A user in the scopes
    /// of several moves belongs to the first.
    pub users_in_scope: u64,
    pub held_back: u64,
    pub skipped: u64,
    /// Users of this move's scope that belong to an earlier move (not counted above).
    pub users_of_earlier_moves: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CarryingGroup {
    pub group_id: String,
    pub group_name: String,
    pub created: bool,
    /// The id is a placeholder (a group the plan creates): Entra gives the real one.
    pub placeholder: bool,
    /// A created group's `uniqueName`, the key it is created and found by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    pub sku: String,
    pub disabled_plans: Vec<String>,
    pub members_added: u64,
    /// How the group's membership is decided: `static`, `dynamic` (its rule) or `synced`
    /// (on-premises).
    pub membership: &'static str,
    /// The group's licenses before the plan and after it (a created group has none before).
    pub licenses_before: Vec<GroupLicenseText>,
    pub licenses_after: Vec<GroupLicenseText>,
    /// User members the group holds when the plan changes its licenses (0 when it changes none;
    /// a created group is licensed before members are added, an existing one with its members).
    pub members_at_change: u64,
    /// Of those, members the plan does not move who take a new seat at the change.
    pub new_seats_for_others: u64,
    /// For a dynamic or synced group whose licenses change: who else will take a seat later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub future_members: Option<String>,
    /// A created group's `mailNickname` and description (as its `create-group` action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An add-on group's other licenses (Microsoft's pattern for products with prerequisites,
    /// R7): the prerequisite product with only its prerequisite plans, and further add-ons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_carries: Vec<AlsoCarried>,
}

/// One license of a group, by product and disabled plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupLicenseText {
    pub sku: String,
    pub disabled_plans: Vec<String>,
    /// The plans left enabled, when fewer are enabled than disabled (an add-on group's
    /// prerequisite product with only its prerequisite plan): the shorter way to say it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_plans: Option<Vec<String>>,
}

impl CarryingGroup {
    /// Whether the plan changes the group's licenses.
    pub fn licenses_change(&self) -> bool {
        self.licenses_before != self.licenses_after
    }
}

/// A license an add-on group carries besides its own product.
#[derive(Debug, Clone, Serialize)]
pub struct AlsoCarried {
    /// `prerequisite` or `add-on`.
    pub role: String,
    pub sku: String,
    /// The plans left enabled; empty when every plan is.
    pub only_plans: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub number: u32,
    pub kind: StageKind,
    pub title: String,
    pub purpose: String,
    /// What to check in the tenant before the next stage, stated so an admin can check it.
    pub gates: Vec<String>,
    pub actions: Vec<Action>,
    /// Removal and direct-change stages run in waves.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waves: Vec<Wave>,
    pub risks: Vec<String>,
    pub rollback: Vec<String>,
    /// The stage's own actions undone, as ops (a stage in waves: each wave has its own).
    pub rollback_actions: Vec<Action>,
    /// Identity writes in the stage (actions plus its waves' actions).
    pub writes: u64,
    /// The least time the stage's writes take at the paced write rate (80% of Graph's).
    pub min_minutes: f64,
    /// The estimated wait for group processing the stage waits for (0 when it waits for none).
    pub processing_wait_minutes: f64,
    /// The stage's least elapsed time: its writes, its processing wait, its waves' soaks.
    pub least_elapsed_minutes: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageKind {
    KeepAutomation,
    AssignGroups,
    VerifyDualAssignment,
    CheckErrors,
    RemoveDirect,
    ChangeProducts,
    VerifyProductChange,
    ChangeDirect,
    AddonGroups,
}

/// Whether a wave is the pilot (checked for a soak before any other) or a later wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaveLabel {
    Pilot,
    Wave,
}

impl WaveLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pilot => "pilot",
            Self::Wave => "wave",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Wave {
    pub number: u32,
    pub label: WaveLabel,
    pub users: u64,
    pub actions: Vec<Action>,
    pub gates: Vec<String>,
    pub writes: u64,
    /// The least time the wave's writes take at the paced write rate.
    pub min_minutes: f64,
    /// The soak after this wave before the next (`waves.pilot_soak` after the pilot,
    /// `waves.soak` after a later wave; none after the last).
    pub soak_minutes: f64,
    /// The wave's writes and its soak.
    pub least_elapsed_minutes: f64,
    /// The wave's actions undone, as ops.
    pub rollback_actions: Vec<Action>,
}

/// The simulator's proof of the rollbacks: each stage and wave, then its rollback, replayed
/// from the stage's end (one extra pass: do, undo, redo).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RollbackProof {
    /// Every rollback restores what its users held when the stage or wave began, safely.
    pub proven: bool,
    pub parts: Vec<RollbackPart>,
}

/// One stage's (or wave's) rollback as the simulator found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackPart {
    pub stage: u32,
    pub wave: Option<u32>,
    /// Ops in the rollback.
    pub actions: u64,
    /// Users compared with their state at the stage's start after the rollback.
    pub users_checked: u64,
    pub proven: bool,
    /// Why the rollback is not proven (empty when it is), or what it leaves as it is.
    pub reasons: Vec<String>,
}

/// A string of an action that many actions share (a group's name, a product's part number, a
/// user's UPN): a million-user plan has hundreds of thousands of actions, and each holding its
/// own copies took a quarter of the plan's memory.
pub type Text = std::sync::Arc<str>;

mod action;
mod export;
pub mod hash;
pub use action::{Action, Shown};
pub use export::{ExportFile, ExportRead, ExportRef};

/// A user left out of the plan: they keep every direct license throughout.
#[derive(Debug, Clone, Serialize)]
pub struct HeldBack {
    pub user_id: UserId,
    pub upn: Option<String>,
    /// A stable code: a Graph error name the user would hit, or one of licplan's own
    /// (`existing-error`, `nested-group-only`, …); see [`HoldReason`].
    pub reason: HoldReason,
    /// The group involved, when one is (a carrying or scope group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<GroupId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    pub detail: String,
    pub fix: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub user_id: UserId,
    pub upn: Option<String>,
    pub why: SkipReason,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeatForecast {
    pub stage: u32,
    pub wave: Option<u32>,
    pub sku: String,
    pub enabled: Option<u32>,
    pub consumed: i64,
    /// The highest consumption at any step of the stage or wave.
    pub peak: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `safe`, `unsafe` or `not-proven`.
    pub status: crate::simulate::report::VerdictStatus,
    /// True only when the status is `safe`: no loss and every check on complete evidence.
    pub safe: bool,
    /// Checks that could not run on the evidence read (`check`, `reason`, `fix`).
    pub unchecked: Vec<crate::simulate::report::Unchecked>,
    pub violations: Vec<crate::simulate::report::Violation>,
    /// Licensing errors the simulation expects (none in a plan the simulator proves safe,
    /// beyond those of held-back users).
    pub errors: Vec<crate::simulate::report::ErrorRecord>,
    /// What the verdict does not rest on but an admin must know (an unproven rollback).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Verdict {
    /// The verdict of a simulation's findings, before any evidence is missing.
    pub fn new(
        violations: Vec<crate::simulate::report::Violation>,
        errors: Vec<crate::simulate::report::ErrorRecord>,
    ) -> Self {
        let status = crate::simulate::report::VerdictStatus::of(violations.len(), 0);
        Verdict {
            status,
            safe: status == crate::simulate::report::VerdictStatus::Safe,
            unchecked: Vec::new(),
            violations,
            errors,
            warnings: Vec::new(),
        }
    }

    /// Records checks that could not run: NOT PROVEN unless UNSAFE.
    pub fn add_unchecked(&mut self, unchecked: Vec<crate::simulate::report::Unchecked>) {
        self.unchecked.extend(unchecked);
        self.unchecked.sort();
        self.unchecked.dedup();
        self.status =
            crate::simulate::report::VerdictStatus::of(self.violations.len(), self.unchecked.len());
        self.safe = self.status == crate::simulate::report::VerdictStatus::Safe;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_stays_small() {
        // A million-user plan holds about half a million actions: typed ids (16 bytes, no
        // allocation) instead of shared strings keep each action well under the 224 bytes the
        // stringly action took.
        let size = std::mem::size_of::<Action>();
        assert!(size <= 160, "an action takes {size} bytes");
    }
}
