//! The verify report: one serialisable value, rendered by `render::verify` (table, Markdown)
//! and serialised as it is (JSON, YAML).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ingest::evidence::Unchecked;
use crate::model::{GroupId, UserId};

pub const SCHEMA_VERSION: u32 = 1;

/// A user's status against the unit's postconditions. The order is the report's: the most
/// urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A license or service the plan promised to keep is gone: stop the migration.
    Regressed,
    /// An assignment the plan relies on is in an error state.
    Blocked,
    /// Not yet: a membership or an assignment is missing, or a group is still processing.
    Pending,
    /// The documented intermediate state of a product change: the target product in
    /// MutuallyExclusiveViolation while the user still holds the source product directly.
    ExpectedConflict,
    /// Every postcondition of the user's ops up to and including the unit holds, states Active.
    Done,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Regressed,
        Status::Blocked,
        Status::Pending,
        Status::ExpectedConflict,
        Status::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Regressed => "regressed",
            Status::Blocked => "blocked",
            Status::Pending => "pending",
            Status::ExpectedConflict => "expected-conflict",
            Status::Done => "done",
        }
    }
}

/// How a group the plan creates was found in the fresh export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    UniqueName,
    DisplayName,
    /// Several groups have the display name and none the `uniqueName`.
    Ambiguous,
    /// Not in the export (not created yet, or renamed).
    Missing,
}

impl FoundBy {
    pub fn as_str(self) -> &'static str {
        match self {
            FoundBy::UniqueName => "uniqueName",
            FoundBy::DisplayName => "display name",
            FoundBy::Ambiguous => "ambiguous",
            FoundBy::Missing => "missing",
        }
    }
}

/// A group the plan creates, and the real group it is in the fresh export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundGroup {
    pub placeholder_id: String,
    pub group_name: String,
    pub unique_name: String,
    pub found: FoundBy,
    /// The real group's id.
    #[serde(skip)]
    pub key: Option<GroupId>,
    pub group_id: Option<String>,
}

/// One `licenseAssignmentStates` row of the fresh export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub sku: String,
    /// `direct`, the group's name, or `unknown`.
    pub path: String,
    pub state: Option<String>,
    pub error: Option<String>,
    pub disabled_plans: Vec<String>,
}

impl Row {
    /// `ENTERPRISEPACK via LIC-E3: Error (CountViolation)`.
    pub fn line(&self) -> String {
        let mut s = format!("{} {}", self.sku, self.path);
        if let Some(st) = &self.state {
            s.push_str(": ");
            s.push_str(st);
        }
        if let Some(e) = &self.error {
            s.push_str(&format!(" ({e})"));
        }
        s
    }
}

/// An assignment in error the plan relies on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Blocker {
    pub sku: String,
    pub path: String,
    /// The Graph error name (`CountViolation`, …), or the state when no code is given.
    pub error: String,
    pub description: String,
    pub fix: String,
    /// Whether to reprocess after the fix (`Invoke-MgLicenseUser`): group paths are
    /// re-evaluated only then; direct assignments are made again instead.
    pub reprocess: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    #[serde(skip)]
    pub id: UserId,
    pub user_id: String,
    /// The UPN, else the id.
    pub user: String,
    pub status: Status,
    /// Why the status is not `done`, one line each.
    pub reasons: Vec<String>,
    pub blockers: Vec<Blocker>,
    /// What a regressed user lost (service plans, by product).
    pub lost: Vec<String>,
    pub evidence: Vec<Row>,
}

/// A group the unit licenses or changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    pub group: String,
    #[serde(skip)]
    pub key: Option<GroupId>,
    /// `None`: not in the fresh export.
    pub group_id: Option<String>,
    pub placeholder: bool,
    pub processing: Option<String>,
    pub members: usize,
    pub members_in_error: usize,
}

/// The users of the next wave and whether each is done with every earlier unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextWave {
    pub stage: u32,
    pub wave: u32,
    pub ready: Vec<String>,
    pub not_ready: Vec<String>,
}

/// The gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gate {
    Ready,
    NotReady,
    Regressed,
    NotProven,
}

impl Gate {
    pub fn word(self) -> &'static str {
        match self {
            Gate::Ready => "READY",
            Gate::NotReady => "NOT READY",
            Gate::Regressed => "REGRESSED",
            Gate::NotProven => "NOT PROVEN",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub status: Gate,
    /// Users by status, every status listed.
    pub counts: BTreeMap<&'static str, usize>,
    /// Groups of the unit not ProcessingComplete.
    pub groups_processing: usize,
    /// Evidence the exports do not hold (NOT PROVEN).
    pub unchecked: Vec<Unchecked>,
    /// Other evidence missing: a group's processing state not exported, a created group found
    /// ambiguously.
    pub notes: Vec<String>,
}

impl Verdict {
    pub fn of(
        users: &[UserRow],
        groups: &[GroupRow],
        unchecked: Vec<Unchecked>,
        notes: Vec<String>,
    ) -> Verdict {
        let mut counts: BTreeMap<&'static str, usize> =
            Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        for u in users {
            *counts.entry(u.status.as_str()).or_default() += 1;
        }
        let n = |s: Status| counts.get(s.as_str()).copied().unwrap_or(0);
        let groups_processing = groups
            .iter()
            .filter(|g| {
                g.processing
                    .as_deref()
                    .is_some_and(|p| p != "ProcessingComplete")
            })
            .count();
        let status = if n(Status::Regressed) > 0 {
            Gate::Regressed
        } else if !unchecked.is_empty() || !notes.is_empty() {
            Gate::NotProven
        } else if n(Status::Blocked) + n(Status::Pending) > 0 || groups_processing > 0 {
            Gate::NotReady
        } else {
            Gate::Ready
        };
        Verdict {
            status,
            counts,
            groups_processing,
            unchecked,
            notes,
        }
    }
}

/// A user the plan names whose direct license differs from what the plan recorded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Changed {
    pub what: String,
    pub planned: String,
    pub now: String,
}

/// What changed outside the plan since it was made, apart from the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Users the plan's ops name that the fresh export does not hold.
    pub users_gone: Vec<String>,
    /// Members of a carrying group the plan neither moves, holds back nor skips: `user (group)`.
    pub users_added: Vec<String>,
    pub direct_changed: Vec<Changed>,
    pub group_licenses_changed: Vec<Changed>,
    pub seats_changed: Vec<Changed>,
    pub resimulation: Resimulation,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.users_gone.is_empty()
            && self.users_added.is_empty()
            && self.direct_changed.is_empty()
            && self.group_licenses_changed.is_empty()
            && self.seats_changed.is_empty()
    }
}

/// The remaining stages and waves replayed on the fresh export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resimulation {
    /// `SAFE`, `UNSAFE` or `NOT PROVEN`.
    pub verdict: String,
    pub ops: usize,
    /// Violations and errors, one line each (`step 3: loss: …`).
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub schema_version: u32,
    pub plan: String,
    pub plan_hash: String,
    pub planned_export_hash: Option<String>,
    pub fresh_export_hash: String,
    /// The files of the export the plan was made from and when they were taken, as the plan
    /// says (`None`: a plan written before plans recorded them).
    pub planned_export: Option<crate::plan::doc::ExportRead>,
    /// The fresh export's files and when they were taken.
    pub fresh_export: crate::plan::doc::ExportRead,
    pub stage: u32,
    pub wave: Option<u32>,
    /// `stage 2 (assign-groups)`, `stage 5 wave 1 (pilot)`.
    pub unit: String,
    pub verdict: Verdict,
    pub placeholders: Vec<FoundGroup>,
    pub users: Vec<UserRow>,
    pub groups: Vec<GroupRow>,
    pub next_wave: Option<NextWave>,
    pub drift: Drift,
}

impl VerifyReport {
    /// Every text from the exports or the plan passed through `f` (redaction).
    pub fn map_texts(&mut self, f: &dyn Fn(&str) -> String) {
        self.plan = f(&self.plan);
        // File names may hold ids (members.<group id>.json): redacted as the plan's are.
        if let Some(p) = &mut self.planned_export {
            p.map_files(f);
        }
        self.fresh_export.map_files(f);
        for p in &mut self.placeholders {
            p.group_name = f(&p.group_name);
            p.unique_name = f(&p.unique_name);
            p.placeholder_id = f(&p.placeholder_id);
            p.group_id = p.group_id.as_deref().map(f);
        }
        for u in &mut self.users {
            u.user = f(&u.user);
            u.user_id = f(&u.user_id);
            u.reasons.iter_mut().for_each(|r| *r = f(r));
            for e in &mut u.evidence {
                e.path = f(&e.path);
            }
            for b in &mut u.blockers {
                b.path = f(&b.path);
            }
        }
        for g in &mut self.groups {
            g.group = f(&g.group);
            g.group_id = g.group_id.as_deref().map(f);
        }
        if let Some(n) = &mut self.next_wave {
            n.ready.iter_mut().for_each(|r| *r = f(r));
            n.not_ready.iter_mut().for_each(|r| *r = f(r));
        }
        self.verdict.notes.iter_mut().for_each(|r| *r = f(r));
        let d = &mut self.drift;
        d.users_gone.iter_mut().for_each(|r| *r = f(r));
        d.users_added.iter_mut().for_each(|r| *r = f(r));
        for c in d
            .direct_changed
            .iter_mut()
            .chain(&mut d.group_licenses_changed)
        {
            c.what = f(&c.what);
        }
        d.resimulation.findings.iter_mut().for_each(|r| *r = f(r));
    }
}
