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
    /// What each of `assumptions` is about (same order), for a plan to state only those that
    /// touch it. Not serialised: `simulate` states every reading.
    #[serde(skip)]
    pub about: Vec<crate::simulate::rules::about::About>,
}

/// One step: serialised as `step`, `op`, `source`, `effect`, `seats`. Its three texts are held
/// as one (a million-user plan has half a million steps; one allocation each, not three).
#[derive(Debug, Clone)]
pub struct StepReport {
    /// 1-based.
    pub step: usize,
    /// The op, its source and its effect, one after another.
    text: Box<str>,
    /// Where the op's text ends, then the source's.
    op_end: usize,
    source_end: usize,
    /// The seats after the step; steps that leave them as they were share one list (a
    /// million-user plan's steps hold a handful of lists, not one each).
    pub seats: std::sync::Arc<[SeatLine]>,
}

impl StepReport {
    pub fn new(
        step: usize,
        op: &str,
        source: &str,
        effect: &str,
        seats: std::sync::Arc<[SeatLine]>,
    ) -> Self {
        let mut text = String::with_capacity(op.len() + source.len() + effect.len());
        text.push_str(op);
        text.push_str(source);
        text.push_str(effect);
        StepReport {
            step,
            text: text.into_boxed_str(),
            op_end: op.len(),
            source_end: op.len() + source.len(),
            seats,
        }
    }

    /// The op as written, e.g. `add-member LIC-O365-E3 + adele@contoso.com`.
    pub fn op(&self) -> &str {
        self.text.get(..self.op_end).unwrap_or_default()
    }

    /// Where the op came from in its file (`ops[3]`); empty for the end of the run.
    pub fn source(&self) -> &str {
        self.text
            .get(self.op_end..self.source_end)
            .unwrap_or_default()
    }

    /// What the step did.
    pub fn effect(&self) -> &str {
        self.text.get(self.source_end..).unwrap_or_default()
    }

    /// The step with its op, source and effect each made anew by `f` (`f(op)`, `f(source)`,
    /// `f(effect)`, in that order).
    pub fn map_texts(&mut self, mut f: impl FnMut(&str) -> String) {
        let (op, source, effect) = (f(self.op()), f(self.source()), f(self.effect()));
        *self = StepReport::new(
            self.step,
            &op,
            &source,
            &effect,
            std::sync::Arc::clone(&self.seats),
        );
    }
}

impl Serialize for StepReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("StepReport", 5)?;
        st.serialize_field("step", &self.step)?;
        st.serialize_field("op", self.op())?;
        st.serialize_field("source", self.source())?;
        st.serialize_field("effect", self.effect())?;
        st.serialize_field("seats", &self.seats)?;
        st.end()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatLine {
    pub sku: std::sync::Arc<str>,
    /// `None` when the exports carried no seat counts for the product.
    pub enabled: Option<u32>,
    pub consumed: i64,
}

crate::code_table! {
    /// What kind of promise a step broke.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum ViolationKind {
        /// A user lost a service plan (and no successor took it over).
        Loss => "loss",
            "A user lost a service plan, and no declared successor took it over, in some state the step may leave them in.",
            "Give the user the plan on another path first (or declare its successor in the rules file), then remove the old path.";
        /// A step needed more seats than the product has.
        Seats => "seats",
            "A step needed more seats of a product than are available.",
            "Buy or free seats before the step, or move fewer users in one wave.";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub step: usize,
    pub kind: ViolationKind,
    /// The user's UPN (or id); `None` for seat violations.
    pub user: Option<String>,
    /// The user's object id beside the label.
    pub user_id: Option<crate::model::UserId>,
    /// The group whose pending processing caused the loss (the user may hold only what it
    /// gave before, or any state since); `None` when the op itself caused it.
    pub group_id: Option<crate::model::GroupId>,
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

crate::code_table! {
    /// Why the service refuses an op outright (the state is left unchanged).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Refusal {
        InheritedLicenseCannotBeRemoved => "InheritedLicenseCannotBeRemoved",
            "A license the user inherits from a group cannot be removed directly from the user (R1).",
            "Remove the user from the group, or the license from the group.";
        LicenseNotAssigned => "LicenseNotAssigned",
            "The op removes a product the user or group does not hold on that path.",
            "Check which path holds the product (direct or which group) and remove it there.";
        GroupNotSecurityEnabled => "GroupNotSecurityEnabled",
            "Only security-enabled groups can carry licenses (R9); the group is not, or the export does not say.",
            "Use a security-enabled group, or export securityEnabled for the group.";
        DynamicMembershipGroup => "DynamicMembershipGroup",
            "A dynamic group's members follow its membership rule and cannot be added or removed (R10).",
            "Change the membership rule, or license the users through a static group.";
        SyncedGroupMembership => "SyncedGroupMembership",
            "A group synced from on-premises changes membership only on-premises (R10).",
            "Change the membership in on-premises Active Directory, or use a cloud group.";
        GroupNameInUse => "GroupNameInUse",
            "create-group names a group that already exists.",
            "Choose another display name, or use the existing group by its object id.";
        GroupHasLicenses => "GroupHasLicenses",
            "A group that carries licenses cannot be deleted: \"You must remove all licenses assigned to a group before you can delete the group\" (R10).",
            "Remove the group's licenses first (remove-group-license), wait for processing, then delete it.";
        GroupDeleted => "GroupDeleted",
            "The op names a group an earlier delete-group deleted.",
            "Name a group that exists, or do not delete the group before this op.";
    }
}

crate::code_table! {
    /// SAFE, UNSAFE or NOT PROVEN: a stable kebab-case code.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum VerdictStatus {
        /// Every invariant checked on complete evidence, and none broken.
        Safe => "safe",
            "Every invariant was checked on complete evidence, and none was broken.",
            "Nothing to fix: the plan may be run as written.";
        /// A loss or a seat shortage.
        Unsafe => "unsafe",
            "A step loses a user's license or service, or runs out of seats.",
            "Fix each violation listed (the step and cause say where), then simulate again.";
        /// No loss found, but named checks could not run on the evidence read.
        NotProven => "not-proven",
            "No loss was found, but named checks could not run on the evidence read.",
            "Export what each unchecked item names, then simulate again.";
    }
}

impl VerdictStatus {
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
    fn a_step_gives_back_its_texts_and_serialises_them_in_order() {
        let seats: std::sync::Arc<[SeatLine]> = vec![SeatLine {
            sku: "E3".into(),
            enabled: None,
            consumed: 2,
        }]
        .into();
        let mut s = StepReport::new(3, "add-member G + é", "ops[2]", "joins", seats);
        assert_eq!(
            (s.op(), s.source(), s.effect()),
            ("add-member G + é", "ops[2]", "joins")
        );
        assert_eq!(
            serde_json::to_string(&s).expect("serialises"),
            r#"{"step":3,"op":"add-member G + é","source":"ops[2]","effect":"joins","seats":[{"sku":"E3","enabled":null,"consumed":2}]}"#
        );
        s.map_texts(|t| t.to_uppercase());
        assert_eq!(
            (s.op(), s.source(), s.effect()),
            ("ADD-MEMBER G + É", "OPS[2]", "JOINS")
        );
        let end = StepReport::new(4, "(end)", "", "", std::sync::Arc::clone(&s.seats));
        assert_eq!((end.op(), end.source(), end.effect()), ("(end)", "", ""));
    }

    #[test]
    fn refusal_and_violation_codes_are_unique_and_serialise_as_spelled() {
        crate::model::codes::assert_table(Refusal::ALL, Refusal::as_str, Refusal::from_code, |c| {
            (c.description(), c.fix())
        });
        crate::model::codes::assert_table(
            ViolationKind::ALL,
            ViolationKind::as_str,
            ViolationKind::from_code,
            |c| (c.description(), c.fix()),
        );
        for k in ViolationKind::ALL {
            let json = serde_json::to_string(k).expect("serialises");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        // A refusal and a licensing error never share a spelling: an error record's code reads
        // back as one of them only.
        for r in Refusal::ALL {
            assert!(crate::model::AssignmentError::from_code(r.as_str()).is_none());
            assert_eq!(ErrorCode::Refused(*r).as_str(), r.as_str());
        }
    }

    #[test]
    fn verdict_codes_are_unique_and_a_loss_outranks_missing_evidence() {
        crate::model::codes::assert_table(
            VerdictStatus::ALL,
            VerdictStatus::as_str,
            VerdictStatus::from_code,
            |c| (c.description(), c.fix()),
        );
        for v in VerdictStatus::ALL {
            let json = serde_json::to_string(v).expect("serialises");
            assert_eq!(json, format!("\"{}\"", v.as_str()));
        }
        assert_eq!(VerdictStatus::of(1, 1), VerdictStatus::Unsafe);
        assert_eq!(VerdictStatus::of(0, 1), VerdictStatus::NotProven);
        assert_eq!(VerdictStatus::of(0, 0), VerdictStatus::Safe);
    }
}
