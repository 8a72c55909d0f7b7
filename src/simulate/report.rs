//! What a simulation found: every step with its effect, the seats after it, the errors raised
//! and any loss. One serialisable value; the JSON output is this value.

use serde::Serialize;

/// Version of the JSON contract of `licplan simulate`.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct SimReport {
    pub schema_version: u32,
    /// True when no step lost a user's license or service and no step ran out of seats.
    pub safe: bool,
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
    pub group: Option<String>,
    pub sku: Option<String>,
    /// `CountViolation`, `MutuallyExclusiveViolation`, `DependencyViolation`,
    /// `ProhibitedInUsageLocationViolation`, `UniquenessViolation`, or the reason an op was
    /// refused outright (e.g. `InheritedLicenseCannotBeRemoved`).
    pub error: String,
    /// For CountViolation from group processing: the service does not guarantee which users
    /// fail when seats run short, so every user who could fail is reported at risk.
    pub at_risk: bool,
    pub detail: String,
}
