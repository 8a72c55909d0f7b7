//! Each stage kind's title, purpose, gates, risks and rollback, in one table ([`STAGES`]); the
//! stages are drawn by one function per kind (`steps.rs`).
//!
//! Gates may name the plan's products: `{products}` (every product the moves touch) and
//! `{direct_products}` (the products users hold directly today).

use super::doc::StageKind;

/// What a stage kind says to people.
pub struct StageText {
    pub kind: StageKind,
    pub title: &'static str,
    pub purpose: &'static str,
    pub gates: &'static [&'static str],
    /// For stages in waves: the gate of the pilot, and of every later wave.
    pub wave_gates: Option<(&'static str, &'static str)>,
    pub risks: &'static [&'static str],
    pub rollback: &'static [&'static str],
}

/// Every stage kind's texts, in the order a plan may hold them.
pub const STAGES: &[StageText] = &[
    StageText {
        kind: StageKind::KeepAutomation,
        title: "Keep the existing license automation running",
        purpose: "Microsoft's first step: leave the scripts or tools that assign licenses today running as they are, so no user is left without a license while groups take over.",
        gates: &[
            "The automation that assigns {direct_products} directly keeps running unchanged and removes no license from users in this plan.",
            "Before the removal waves, switch off only the part that would re-assign the removed direct licenses; nothing else.",
        ],
        wave_gates: None,
        risks: &["Automation that removes licenses from users it no longer manages would strip the direct path before groups take over."],
        rollback: &["Nothing to roll back: no change is made."],
    },
    StageText {
        kind: StageKind::ChangeDirect,
        title: "Change the direct licenses atomically, in waves",
        purpose: "Each user's direct license is changed in one call that adds the new product and removes the old one, so the user never holds neither (R11); the services the user had stay enabled (or their successors).",
        gates: &["Seats of the new product suffice for every wave (see the seat forecast)."],
        wave_gates: Some((
            "Pilot users hold the new product directly, state Active, and confirm their services work for at least {pilot_soak}.",
            "Every user of the wave holds the new product directly, state Active; no user reports lost services.",
        )),
        risks: &["A user holding the old product through a group too gets a conflict (MutuallyExclusiveViolation); such users are held back."],
        rollback: &["Per wave: change each user back in one call, adding the old product with that user's former disabled plans and removing the new one."],
    },
    StageText {
        kind: StageKind::AssignGroups,
        title: "Create the licensing groups, assign their licenses, add the users",
        purpose: "Groups that carry the same licenses the users hold directly (one group per distinct set of disabled plans, so every user keeps exactly the services it has), with the users as direct members.",
        gates: &["Every carrying group exists, is security-enabled and carries the product with exactly the disabled plans listed (Get-MgGroup -GroupId <id> -Property assignedLicenses), and every listed user is a direct member (Get-MgGroupMember -GroupId <id> -All)."],
        wave_gates: None,
        risks: &["A user with a conflicting, dependent or location-restricted license, or a duplicate proxy address, would get an error instead of the group license; the simulation holds such users back."],
        rollback: &["Remove only the members the plan added and only the group licenses the plan assigned, wait for processing, then delete only the groups the plan created; existing groups keep their own licenses and members, and the direct licenses are untouched."],
    },
    StageText {
        kind: StageKind::VerifyDualAssignment,
        title: "Verify dual assignment",
        purpose: "Wait for group processing, then check that every user holds the license both directly and inherited; no extra seat is consumed (R2).",
        gates: &[
            "Each carrying group's licenseProcessingState is ProcessingComplete (Get-MgGroup -GroupId <id> -Property licenseProcessingState).",
            "Every moving user's licenseAssignmentStates lists {products} twice: once with assignedByGroup null and once with the carrying group's id, both state Active (Get-MgUser -UserId <upn> -Property licenseAssignmentStates).",
            "Consumed seats are unchanged by the groups (see the seat forecast).",
        ],
        wave_gates: None,
        risks: &["Large groups take long to process (R8); do not go on before processing completes."],
        rollback: &["Nothing to undo: this stage only waits for processing and checks; the rollback of the stage that assigns the groups undoes them."],
    },
    StageText {
        kind: StageKind::CheckErrors,
        title: "Check the groups for licensing errors",
        purpose: "No carrying group may have a member in a licensing error state before any direct license is removed.",
        gates: &["Get-MgGroup -All -Filter \"hasMembersWithLicenseErrors eq true\" returns none of the carrying groups; the admin center shows \"All licenses assigned\" for each."],
        wave_gates: None,
        risks: &["A member in error holds only its direct license: removing it in stage 5 would leave the user without the product."],
        rollback: &["Nothing to roll back: this stage only checks."],
    },
    StageText {
        kind: StageKind::RemoveDirect,
        title: "Remove the direct assignments in waves",
        purpose: "Remove the direct licenses gradually, a pilot first, checking each wave before the next; the inherited licenses keep every service.",
        gates: &[],
        wave_gates: Some((
            "Pilot users hold the license only inherited, state Active, and confirm their services work for at least {pilot_soak} before the next wave.",
            "Every user of the wave holds the license inherited, state Active; no user reports lost services.",
        )),
        risks: &[
            "Removing a direct license that enables more than the group does loses services; the plan's groups mirror each user's disabled plans so none is lost.",
            "Users who later leave a carrying group lose the license: membership now decides licensing (R10).",
        ],
        rollback: &["Per wave: assign each user's direct license again with that user's former disabled plans (the ops are listed with each wave)."],
    },
    StageText {
        kind: StageKind::ChangeProducts,
        title: "Change the groups' product in one atomic update each",
        purpose: "Each carrying group's license assignment is updated once: the new product is added and the old one removed in the same update, so members never hold neither and see no conflict (R11).",
        gates: &["Seats of the new product cover every member of the changed groups at once (see the seat forecast)."],
        wave_gates: None,
        risks: &["Members holding the old product on another path (direct or another group) get a conflict; the plan removes the direct path first and holds back users with other paths."],
        rollback: &["Change each group back in one update (the old product with the group's former disabled plans, the new one removed), then wait for processing."],
    },
    StageText {
        kind: StageKind::VerifyProductChange,
        title: "Verify the product change",
        purpose: "Wait for processing; every member holds the new product inherited, and the old product's seats are freed.",
        gates: &["Each changed group's licenseProcessingState is ProcessingComplete and hasMembersWithLicenseErrors is false; members' licenseAssignmentStates show the new product, state Active."],
        wave_gates: None,
        risks: &["Processing of large groups takes long (R8)."],
        rollback: &["Nothing to undo: this stage only waits for processing and checks; the rollback of the product change before it changes the groups back."],
    },
    StageText {
        kind: StageKind::AddonGroups,
        title: "Carry the add-ons' prerequisites in add-on groups",
        purpose: "Microsoft's pattern for products with prerequisites: each add-on group carries the new product with only the prerequisite plan enabled, plus the add-on, so the add-on keeps its prerequisite on a path the product change does not touch (R5, R7, R11). A user who does not hold the new product yet takes its seat here: the seat the change would take later (R2).",
        gates: &[
            "Each add-on group exists, is security-enabled and carries the licenses listed (Get-MgGroup -GroupId <id> -Property assignedLicenses), and its licenseProcessingState is ProcessingComplete.",
            "Every listed user's licenseAssignmentStates shows the add-on group's licenses, state Active (Get-MgUser -UserId <upn> -Property licenseAssignmentStates).",
        ],
        wave_gates: None,
        risks: &["Seats of the new product are taken at this stage for users who do not hold it yet (see the seat forecast)."],
        rollback: &["Remove the members the plan added to the add-on groups, remove the groups' licenses (the add-on first), then delete the groups the plan created; nothing else changed."],
    },
];

/// The texts of a stage kind.
pub fn text(kind: StageKind) -> &'static StageText {
    // Every kind has a row (a unit test checks it); the first row stands in should one be
    // missing, rather than a panic.
    STAGES.iter().find(|s| s.kind == kind).unwrap_or(&STAGES[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_kind_has_one_row_of_texts() {
        let kinds = [
            StageKind::KeepAutomation,
            StageKind::AssignGroups,
            StageKind::VerifyDualAssignment,
            StageKind::CheckErrors,
            StageKind::RemoveDirect,
            StageKind::ChangeProducts,
            StageKind::VerifyProductChange,
            StageKind::ChangeDirect,
            StageKind::AddonGroups,
        ];
        for k in kinds {
            assert_eq!(STAGES.iter().filter(|s| s.kind == k).count(), 1, "{k:?}");
            assert_eq!(text(k).kind, k);
        }
        assert_eq!(STAGES.len(), kinds.len());
        let titles: std::collections::BTreeSet<&str> = STAGES.iter().map(|s| s.title).collect();
        assert_eq!(titles.len(), STAGES.len(), "titles are unique");
        for s in STAGES {
            assert_eq!(
                s.wave_gates.is_some(),
                matches!(s.kind, StageKind::ChangeDirect | StageKind::RemoveDirect),
                "{:?}",
                s.kind
            );
        }
    }
}
