//! Why a user is held back or skipped: one table of stable codes, each with what it means and
//! how to fix it (the way `findings.rs` holds finding codes).
//!
//! A hold-back reason is a licensing error Graph would report on the user, a refusal the
//! service would answer an op with, or one of licplan's own checks.

use serde::Serialize;

use crate::model::AssignmentError;
use crate::simulate::report::{ErrorCode, Refusal};

macro_rules! hold_reasons {
    ($($variant:ident => $code:literal, $desc:literal, $fix:literal;)*) => {
        /// Why a user is held back.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum HoldReason { $($variant),* }

        impl HoldReason {
            pub const ALL: &'static [HoldReason] = &[$(HoldReason::$variant),*];

            /// The stable code: a Graph name (`CountViolation`) or licplan's own kebab-case one.
            pub fn as_str(self) -> &'static str {
                match self { $(HoldReason::$variant => $code),* }
            }

            /// One line saying what the reason means.
            pub fn description(self) -> &'static str {
                match self { $(HoldReason::$variant => $desc),* }
            }

            /// What an admin does about it.
            pub fn fix(self) -> &'static str {
                match self { $(HoldReason::$variant => $fix),* }
            }
        }
    };
}

hold_reasons! {
    // Licensing errors, as Graph names them on licenseAssignmentStates.
    CountViolation => "CountViolation",
        "Not enough seats of the product for every user who would get it (R5).",
        "buy or free seats of the target product (the detail says how many), then plan again";
    MutuallyExclusiveViolation => "MutuallyExclusiveViolation",
        "The product conflicts with a license the user keeps on another path (R5).",
        "remove the conflicting license or disable the conflicting plan on the user's other path (the detail names it), then plan again";
    DependencyViolation => "DependencyViolation",
        "The product needs a prerequisite the user would not hold (R5).",
        "put the prerequisite in the same group as the add-on (Microsoft's documented way for Workplace Analytics: the group also carries Office 365 E3 with only Exchange Online (Plan 2) enabled, which takes no extra seat from users who hold E3 already), or keep the prerequisite on another path, then plan again";
    ProhibitedInUsageLocationViolation => "ProhibitedInUsageLocationViolation",
        "The user has no usage location where one is needed, or the product is not offered there (R6).",
        "set the user's usage location (Update-MgUser -UserId <upn> -UsageLocation <XX>) or set default_usage_location in the intent";
    UniquenessViolation => "UniquenessViolation",
        "The user shares a proxy address with another user, which fails every Exchange license (R5).",
        "remove the duplicate proxy address (Get-Recipient -Filter \"EmailAddresses -eq '<address>'\"), then plan again";
    OtherLicensingError => "Other",
        "A licensing error Graph reports without naming its kind.",
        "read the user's licenseAssignmentStates in the admin center, fix the cause and reprocess the user (Invoke-MgLicenseUser), then plan again";
    // Refusals: the service would refuse the op outright.
    InheritedLicenseCannotBeRemoved => "InheritedLicenseCannotBeRemoved",
        "The plan would remove, as a direct license, one the user only inherits from a group.",
        "check that the user's license is assigned directly (licenseAssignmentStates with assignedByGroup null), then plan again";
    LicenseNotAssigned => "LicenseNotAssigned",
        "The plan would remove a license the user or group does not hold.",
        "export the tenant again (the license may have changed since), then plan again";
    GroupNotSecurityEnabled => "GroupNotSecurityEnabled",
        "The carrying group is not security-enabled, so it cannot carry licenses (R9).",
        "carry the license with a security-enabled group (or a Microsoft 365 group with securityEnabled true)";
    DynamicMembershipGroup => "DynamicMembershipGroup",
        "The plan would add members to a dynamic group, whose rule alone decides membership (R10).",
        "change the group's membership rule so it includes the user, or carry the license with a static group";
    SyncedGroupMembership => "SyncedGroupMembership",
        "The plan would add members to a group synced from on-premises (R10).",
        "add the user to the group on-premises and wait for the sync, or carry the license with a cloud group";
    GroupNameInUse => "GroupNameInUse",
        "A group the plan creates has the name of a group that exists.",
        "rename the carrying group in the intent (or reuse the existing group), then plan again";
    GroupHasLicenses => "GroupHasLicenses",
        "A delete-group named a group that still carries licenses (R10).",
        "remove the group's licenses and wait for processing before deleting it";
    GroupDeleted => "GroupDeleted",
        "An op named a group an earlier delete-group deleted.",
        "name a group that exists, or delete the group after the ops that use it";
    // licplan's own checks.
    ExistingError => "existing-error",
        "The user already has a license in an error state.",
        "resolve the user's licensing error and reprocess the user (Invoke-MgLicenseUser) before migrating";
    NestedGroupOnly => "nested-group-only",
        "The user is in the scope group only through a nested group, which licenses nothing (R9).",
        "add the user to the group directly: licenses are not inherited through nested groups";
    DynamicGroupMismatch => "dynamic-group-mismatch",
        "The carrying group is dynamic and its membership does not match the move's users (R10).",
        "the carrying group is dynamic: change its membership rule so it includes the user, or carry the license with a static group";
    SyncedGroupMismatch => "synced-group-mismatch",
        "The carrying group is synced from on-premises and its membership does not match the move's users (R10).",
        "the carrying group is synced from on-premises: add the user there and wait for the sync, or carry the license with a cloud group";
    GroupLicenseChange => "group-license-change",
        "The carrying group is dynamic or synced and does not carry the license: licensing it would license every member its rule or sync brings, now and later (R10).",
        "set allow_license_change: true on the move to let the plan license the group (the plan then states the seats its members take), or carry the license with a static or new group";
    UnknownPath => "unknown-path",
        "The export does not say whether the user's licenses are direct or inherited.",
        "export users with licenseAssignmentStates (Graph REST or Get-MgUser -Property LicenseAssignmentStates) so direct and inherited paths are known";
    AddonDependency => "addon-dependency",
        "The user's add-on needs a prerequisite plan that only the product the move changes provides, or a moved add-on needs its prerequisite in the same group, and Microsoft's add-on group pattern cannot carry the user (R5, R7, R11).",
        "carry the user with Microsoft's add-on group pattern (a group with the prerequisite product enabling only the prerequisite plan, plus the add-on: leave addon_groups on for the move), give the user the prerequisite on a path the move keeps, or remove the add-on before the move, then plan again";
    NewSincePlanning => "new-since-planning",
        "The user was not in the export the plan was made from: the stages that ran before the re-plan did not add them to a carrying group.",
        "finish this migration for the others, then plan again on a fresh export to move the users who joined since (or re-plan from the stage that adds members)";
    EarlierStageNotDone => "earlier-stage-not-done",
        "An action a stage before the re-plan's first stage has for the user is not done on the fresh export, and the remaining stages rely on it.",
        "run that stage's bundle again (apply.ps1 -Resume continues where it stopped) and check it with licplan verify, or re-plan from that stage";
    ChangedSincePlanning => "changed-since-planning",
        "The user's licenses or groups changed since the plan was made, and the remaining stages would now lose a license or service on the fresh export.",
        "see what changed (licplan verify lists the drift), fix the user's licenses or group memberships, then re-plan from this stage on a new export";
    TargetLacksService => "target-lacks-service",
        "The target product has no plan for a service the user has (nor a successor), so the move would lose it (R11).",
        "choose a target product that includes every service the user has (or its successor), or keep the user on the current product";
}

impl From<ErrorCode> for HoldReason {
    /// The hold-back reason of an error the simulation found for a mover.
    fn from(e: ErrorCode) -> Self {
        match e {
            ErrorCode::Licensing(l) => match l {
                AssignmentError::CountViolation => Self::CountViolation,
                AssignmentError::MutuallyExclusiveViolation => Self::MutuallyExclusiveViolation,
                AssignmentError::DependencyViolation => Self::DependencyViolation,
                AssignmentError::ProhibitedInUsageLocationViolation => {
                    Self::ProhibitedInUsageLocationViolation
                }
                AssignmentError::UniquenessViolation => Self::UniquenessViolation,
                AssignmentError::Other => Self::OtherLicensingError,
            },
            ErrorCode::Refused(r) => match r {
                Refusal::InheritedLicenseCannotBeRemoved => Self::InheritedLicenseCannotBeRemoved,
                Refusal::LicenseNotAssigned => Self::LicenseNotAssigned,
                Refusal::GroupNotSecurityEnabled => Self::GroupNotSecurityEnabled,
                Refusal::DynamicMembershipGroup => Self::DynamicMembershipGroup,
                Refusal::SyncedGroupMembership => Self::SyncedGroupMembership,
                Refusal::GroupNameInUse => Self::GroupNameInUse,
                Refusal::GroupHasLicenses => Self::GroupHasLicenses,
                Refusal::GroupDeleted => Self::GroupDeleted,
            },
        }
    }
}

impl std::fmt::Display for HoldReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HoldReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for HoldReason {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Why a user in a move's scope is skipped (counted, with nothing to migrate). Written as a
/// sentence, as plans always have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// An earlier move (1-based) already moves the user.
    AlreadyMoved { by_move: usize },
    /// The user holds the move's product only through groups, or not at all.
    NoDirectAssignment,
    /// A re-plan (`--from-stage`): the fresh export no longer has the user.
    GoneSincePlanning,
}

impl SkipReason {
    /// A stable kebab-case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::AlreadyMoved { .. } => "already-moved",
            Self::NoDirectAssignment => "no-direct-assignment",
            Self::GoneSincePlanning => "gone-since-planning",
        }
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AlreadyMoved { by_move } => write!(f, "already moved by move {by_move}"),
            Self::NoDirectAssignment => {
                f.write_str("holds no direct assignment of the product to move")
            }
            Self::GoneSincePlanning => {
                f.write_str("not in the fresh export: deleted or renamed since the plan was made")
            }
        }
    }
}

impl Serialize for SkipReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_reason_codes_are_unique_and_each_has_a_description_and_a_fix() {
        let mut seen = std::collections::BTreeSet::new();
        for r in HoldReason::ALL {
            assert!(seen.insert(r.as_str()), "{} twice", r.as_str());
            assert!(r.description().ends_with('.'), "{r}: {}", r.description());
            assert!(!r.fix().is_empty(), "{r} has no fix");
            assert!(!r.fix().contains("see the detail"), "{r}: a catch-all fix");
        }
        assert_eq!(seen.len(), HoldReason::ALL.len());
    }

    #[test]
    fn every_licensing_error_and_refusal_has_a_hold_reason_of_the_same_spelling() {
        for &e in AssignmentError::ALL {
            let code = ErrorCode::Licensing(e);
            assert_eq!(HoldReason::from(code).as_str(), code.as_str());
        }
        for &r in Refusal::ALL {
            let code = ErrorCode::Refused(r);
            assert_eq!(HoldReason::from(code).as_str(), code.as_str());
        }
    }

    #[test]
    fn skip_reasons_read_as_plans_always_wrote_them() {
        assert_eq!(
            SkipReason::AlreadyMoved { by_move: 2 }.to_string(),
            "already moved by move 2"
        );
        assert_eq!(
            SkipReason::NoDirectAssignment.to_string(),
            "holds no direct assignment of the product to move"
        );
        assert_ne!(
            SkipReason::AlreadyMoved { by_move: 1 }.code(),
            SkipReason::NoDirectAssignment.code()
        );
    }
}
