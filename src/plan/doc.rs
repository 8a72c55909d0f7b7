//! The plan document: what `licplan plan` writes in every format, and what `licplan simulate
//! --plan` reads back. JSON/YAML field names are a versioned contract (`schema_version`).

use serde::Serialize;

/// Version of the plan's JSON/YAML contract.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub schema_version: u32,
    pub name: String,
    pub summary: Summary,
    pub moves: Vec<MoveSummary>,
    pub stages: Vec<Stage>,
    /// Users left out of the plan; they keep every direct license throughout.
    pub held_back: Vec<HeldBack>,
    /// Users in a move's scope with nothing to migrate (counted, not dropped).
    pub skipped: Vec<Skipped>,
    /// Seats per product after each stage and wave, from the simulation.
    pub seats: Vec<SeatForecast>,
    pub verdict: Verdict,
    /// Readings of Microsoft's behaviour the plan and its simulation rely on.
    pub assumptions: Vec<String>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct MoveSummary {
    pub from: String,
    pub to: String,
    pub strategy: Option<String>,
    pub scope: String,
    /// Carrying groups: `group_id`, `group_name`, whether the plan creates it, its licenses.
    pub groups: Vec<CarryingGroup>,
    pub users: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CarryingGroup {
    pub group_id: String,
    pub group_name: String,
    pub created: bool,
    pub sku: String,
    pub disabled_plans: Vec<String>,
    pub members_added: u64,
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
    /// Identity writes in the stage (actions plus its waves' actions).
    pub writes: u64,
    /// The least time the writes take under Graph's write throttling.
    pub min_minutes: f64,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Wave {
    pub number: u32,
    /// `pilot` or `wave`.
    pub label: String,
    pub users: u64,
    pub actions: Vec<Action>,
    pub gates: Vec<String>,
    pub writes: u64,
    pub min_minutes: f64,
}

/// A string of an action that many actions share (a group's id and name, a product's id and
/// part number, a user's id and UPN): a million-user plan has hundreds of thousands of
/// actions, and each holding its own copies took a quarter of the plan's memory.
pub type Text = std::sync::Arc<str>;

/// One op, named for people as well as for the simulator: the op's own fields (`op`, `user`,
/// `group`, `sku`, …) plus display fields (`user_upn`, `group_name`, `sku_part_number`).
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub op: &'static str,
    /// The group: its id (for `create-group`, its display name, with the id in `group_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_upn: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_part_number: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disabled_plans: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<ActionLicense>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<Text>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionLicense {
    pub sku: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disabled_plans: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeldBack {
    pub user_id: String,
    pub upn: Option<String>,
    /// A stable code: a Graph error name the user would hit, or `existing-error`,
    /// `nested-group-only`, `dynamic-group-mismatch`, `synced-group-mismatch`, `unknown-path`.
    pub reason: String,
    pub detail: String,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub user_id: String,
    pub upn: Option<String>,
    pub why: String,
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
