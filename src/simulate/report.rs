//! What a simulation found: every step with its effect, the seats after it, the errors raised
//! and any loss. One serialisable value; the JSON output is this value.

use serde::Serialize;

pub use crate::ingest::evidence::{Check, Unchecked};

/// Version of the JSON contract of `licplan simulate`.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct SimReport {
    pub schema_version: u32,
    /// True when the verdict is SAFE: no step lost a user's license or service, no step ran
    /// out of seats, and every check ran on complete evidence (`verdict.status`).
    pub safe: bool,
    pub verdict: SimVerdict,
    pub steps: Vec<StepReport>,
    pub violations: Vec<Violation>,
    pub errors: Vec<ErrorRecord>,
    /// Readings of Microsoft's behaviour the simulation relied on (conservative where the
    /// documentation is unclear), with the rule entries a rules file can change.
    pub assumptions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// 1-based.
    pub step: usize,
    /// The op as written, e.g. `add-member LIC-O365-E3 + adele@contoso.com`.
    pub op: String,
    /// Where the op came from in its file (`ops[3]`).
    pub source: String,
    pub effect: String,
    pub seats: Vec<SeatLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatLine {
    pub sku: std::sync::Arc<str>,
    /// `None` when the exports carried no seat counts for the product.
    pub enabled: Option<u32>,
    pub consumed: i64,
}

/// What kind of promise a step broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// A user lost a service plan (and no successor took it over).
    Loss,
    /// A step needed more seats than the product has.
    Seats,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub step: usize,
    pub kind: ViolationKind,
    /// The user's UPN (or id); `None` for seat violations.
    pub user: Option<String>,
    pub user_id: Option<String>,
    /// The service plan lost (`EXCHANGE_S_STANDARD in Office 365 E1`) or the product short of seats.
    pub lost: String,
    /// The op and the rule that caused it.
    pub cause: String,
}

/// A licensing error raised by a step, named as Graph names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    pub step: usize,
    pub user: Option<String>,
    /// The user's object id beside the label, so no reader maps a UPN back to a user.
    pub user_id: Option<crate::model::UserId>,
    pub group: Option<String>,
    /// The group's object id (a planned group's derived id).
    pub group_id: Option<crate::model::GroupId>,
    pub sku: Option<String>,
    /// `CountViolation`, `MutuallyExclusiveViolation`, `DependencyViolation`,
    /// `ProhibitedInUsageLocationViolation`, `UniquenessViolation`, or the reason an op was
    /// refused outright (e.g. `InheritedLicenseCannotBeRemoved`).
    pub error: ErrorCode,
    /// For CountViolation from group processing: the service does not guarantee which users
    /// fail when seats run short, so every user who could fail is reported at risk.
    pub at_risk: bool,
    pub detail: String,
}

/// What a step's error record names: a licensing error as Graph names it on the user's
/// `licenseAssignmentStates`, or why the service refused the op outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    Licensing(crate::model::AssignmentError),
    Refused(Refusal),
}

impl ErrorCode {
    /// The Graph spelling, as JSON, YAML and tables write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Licensing(e) => e.as_str(),
            Self::Refused(r) => r.as_str(),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Why the service refuses an op outright (the state is left unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refusal {
    InheritedLicenseCannotBeRemoved,
    LicenseNotAssigned,
    GroupNotSecurityEnabled,
    DynamicMembershipGroup,
    SyncedGroupMembership,
    GroupNameInUse,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InheritedLicenseCannotBeRemoved => "InheritedLicenseCannotBeRemoved",
            Self::LicenseNotAssigned => "LicenseNotAssigned",
            Self::GroupNotSecurityEnabled => "GroupNotSecurityEnabled",
            Self::DynamicMembershipGroup => "DynamicMembershipGroup",
            Self::SyncedGroupMembership => "SyncedGroupMembership",
            Self::GroupNameInUse => "GroupNameInUse",
        }
    }
}

/// SAFE, UNSAFE or NOT PROVEN: a stable kebab-case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictStatus {
    /// Every invariant checked on complete evidence, and none broken.
    Safe,
    /// A loss or a seat shortage.
    Unsafe,
    /// No loss found, but named checks could not run on the evidence read.
    NotProven,
}

impl VerdictStatus {
    pub const ALL: [VerdictStatus; 3] = [Self::Safe, Self::Unsafe, Self::NotProven];

    /// The verdict of a run: a violation makes it unsafe whatever else; a check that could not
    /// run makes it not proven.
    pub fn of(violations: usize, unchecked: usize) -> Self {
        if violations > 0 {
            Self::Unsafe
        } else if unchecked > 0 {
            Self::NotProven
        } else {
            Self::Safe
        }
    }

    /// The code in JSON and YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Unsafe => "unsafe",
            Self::NotProven => "not-proven",
        }
    }

    /// The word in tables and Markdown.
    pub fn word(self) -> &'static str {
        match self {
            Self::Safe => "SAFE",
            Self::Unsafe => "UNSAFE",
            Self::NotProven => "NOT PROVEN",
        }
    }
}

/// The simulation's verdict and the checks it could not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimVerdict {
    pub status: VerdictStatus,
    /// Checks that could not run on the evidence read, each with why and what to export.
    pub unchecked: Vec<Unchecked>,
}

impl SimReport {
    /// Records checks that could not run: the verdict becomes NOT PROVEN unless it is UNSAFE.
    pub fn add_unchecked(&mut self, unchecked: Vec<Unchecked>) {
        self.verdict.unchecked.extend(unchecked);
        self.verdict.unchecked.sort();
        self.verdict.unchecked.dedup();
        self.verdict.status =
            VerdictStatus::of(self.violations.len(), self.verdict.unchecked.len());
        self.safe = self.verdict.status == VerdictStatus::Safe;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_codes_are_unique_and_a_loss_outranks_missing_evidence() {
        let codes: std::collections::BTreeSet<&str> =
            VerdictStatus::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(codes.len(), 3);
        assert_eq!(VerdictStatus::of(1, 1), VerdictStatus::Unsafe);
        assert_eq!(VerdictStatus::of(0, 1), VerdictStatus::NotProven);
        assert_eq!(VerdictStatus::of(0, 0), VerdictStatus::Safe);
    }
}
