//! The stages a plan is drawn in, one function per stage kind, and each kind's title, purpose,
//! gates, risks and rollback in one table ([`STAGES`]).
//!
//! Gates may name the plan's products: `{products}` (every product the moves touch) and
//! `{direct_products}` (the products users hold directly today).

use crate::model::SkuId;
use crate::simulate::ops::{LicenseSpec, Op};

use super::carrying::Carrying;
use super::doc::{Action, StageKind};
use super::draw::{Builder, Ctx};
use super::intent::Strategy;
use super::select::Mover;

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
            "Pilot users hold the new product directly, state Active, and confirm their services work for at least one business day.",
            "Every user of the wave holds the new product directly, state Active; no user reports lost services.",
        )),
        risks: &["A user holding the old product through a group too gets a conflict (MutuallyExclusiveViolation); such users are held back."],
        rollback: &["Change the user back in one call: add the old product with its former disabled plans and remove the new one."],
    },
    StageText {
        kind: StageKind::AssignGroups,
        title: "Create the licensing groups, assign their licenses, add the users",
        purpose: "Groups that carry the same licenses the users hold directly (one group per distinct set of disabled plans, so every user keeps exactly the services it has), with the users as direct members.",
        gates: &["Every carrying group exists, is security-enabled and carries the product with exactly the disabled plans listed (Get-MgGroup -GroupId <id> -Property assignedLicenses), and every listed user is a direct member (Get-MgGroupMember -GroupId <id> -All)."],
        wave_gates: None,
        risks: &["A user with a conflicting, dependent or location-restricted license, or a duplicate proxy address, would get an error instead of the group license; the simulation holds such users back."],
        rollback: &["Remove the added members and the groups' licenses, then delete the groups the plan created; the direct licenses are untouched."],
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
        rollback: &["As stage 2."],
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
            "Pilot users hold the license only inherited, state Active, and confirm their services work for at least one business day before the next wave.",
            "Every user of the wave holds the license inherited, state Active; no user reports lost services.",
        )),
        risks: &[
            "Removing a direct license that enables more than the group does loses services; the plan's groups mirror each user's disabled plans so none is lost.",
            "Users who later leave a carrying group lose the license: membership now decides licensing (R10).",
        ],
        rollback: &["Re-assign the direct license with the user's former disabled plans (Set-MgUserLicense -UserId <upn> -AddLicenses @{SkuId=<sku>; DisabledPlans=@(...)} -RemoveLicenses @())."],
    },
    StageText {
        kind: StageKind::ChangeProducts,
        title: "Change the groups' product in one atomic update each",
        purpose: "Each carrying group's license assignment is updated once: the new product is added and the old one removed in the same update, so members never hold neither and see no conflict (R11).",
        gates: &["Seats of the new product cover every member of the changed groups at once (see the seat forecast)."],
        wave_gates: None,
        risks: &["Members holding the old product on another path (direct or another group) get a conflict; the plan removes the direct path first and holds back users with other paths."],
        rollback: &["Update each group back in one change: add the old product with its former disabled plans, remove the new one."],
    },
    StageText {
        kind: StageKind::VerifyProductChange,
        title: "Verify the product change",
        purpose: "Wait for processing; every member holds the new product inherited, and the old product's seats are freed.",
        gates: &["Each changed group's licenseProcessingState is ProcessingComplete and hasMembersWithLicenseErrors is false; members' licenseAssignmentStates show the new product, state Active."],
        wave_gates: None,
        risks: &["Processing of large groups takes long (R8)."],
        rollback: &["As the previous stage."],
    },
];

/// The texts of a stage kind.
pub fn text(kind: StageKind) -> &'static StageText {
    // Every kind has a row (a unit test checks it); the first row stands in should one be
    // missing, rather than a panic.
    STAGES.iter().find(|s| s.kind == kind).unwrap_or(&STAGES[0])
}

/// R12 step 1: the automation keeps running; nothing changes.
pub fn keep_automation(b: &mut Builder, _: &mut Ctx<'_, '_>) {
    b.stage(StageKind::KeepAutomation);
}

/// R11, change-then-migrate: each mover's direct license changed in one call, in waves.
pub fn change_direct(b: &mut Builder, cx: &mut Ctx<'_, '_>) {
    let intent = cx.intent;
    let change_first: Vec<&Mover> = cx
        .movers
        .iter()
        .filter(|m| {
            let mv = &intent.moves[m.mv];
            mv.strategy == Strategy::ChangeThenMigrate && mv.from != mv.to
        })
        .collect();
    if change_first.is_empty() {
        return;
    }
    let s = b.stage(StageKind::ChangeDirect);
    b.waves(s, intent, change_first, &mut |m| {
        let mv = &intent.moves[m.mv];
        let op = Op::ChangeDirectLicense {
            user: m.user,
            add: vec![LicenseSpec {
                sku: mv.to,
                disabled_plans: cx.plans.get(cx.names, mv.to, &m.target_disabled),
            }],
            remove: vec![mv.from],
        };
        let mut a = user_action(op, m);
        a.shown.sku_part_number = Some(cx.skus.pair(mv.from, mv.to));
        a
    });
}

/// R12 step 2: the carrying groups created and licensed, the movers added (or reprocessed).
pub fn assign_groups(b: &mut Builder, cx: &mut Ctx<'_, '_>) {
    let s = b.stage(StageKind::AssignGroups);
    for c in cx.carrying {
        let name: super::doc::Text = c.name.as_str().into();
        if c.created {
            // The simulator derives a created group's id from its name, as the plan did.
            let mut a = Action::new(Op::CreateGroup {
                group: c.name.clone(),
                security_enabled: true,
            });
            a.shown.group_id = Some(c.id);
            b.act(s, a);
        }
        if c.assigns {
            let mut a = Action::new(Op::AssignGroupLicense {
                group: c.id,
                sku: c.sku,
                disabled_plans: cx.plans.get(cx.names, c.sku, &c.disabled),
            });
            a.shown.group_name = Some(name);
            a.shown.sku_part_number = Some(cx.skus.part_number(c.sku));
            b.act(s, a);
        }
    }
    for c in cx.carrying {
        let name: super::doc::Text = c.name.as_str().into();
        let mut adds: Vec<&Mover> = c.add.iter().map(|i| &cx.movers[*i]).collect();
        adds.sort_by(|a, b| a.key().cmp(&b.key()));
        for m in adds {
            let mut a = user_action(
                Op::AddMember {
                    group: c.id,
                    user: m.user,
                },
                m,
            );
            a.shown.group_name = Some(name.clone());
            b.act(s, a);
        }
        // Members already, yet not licensed by the group (an error state cleared since, or an
        // export taken mid-processing): reprocessing makes the group license them (R8).
        let mut again: Vec<&Mover> = c
            .movers
            .iter()
            // `add` is a subsequence of `movers`, both in ascending order.
            .filter(|i| c.add.binary_search(i).is_err())
            .map(|i| &cx.movers[*i])
            .collect();
        again.sort_by(|a, b| a.key().cmp(&b.key()));
        for m in again {
            let op = Op::Reprocess {
                group: None,
                user: Some(m.user),
            };
            b.act(s, user_action(op, m));
        }
    }
}

/// R12 step 3: wait for processing, then check dual assignment.
pub fn verify_dual_assignment(b: &mut Builder, _: &mut Ctx<'_, '_>) {
    let s = b.stage(StageKind::VerifyDualAssignment);
    b.act(s, Action::new(Op::WaitForProcessing { group: None }));
}

/// R12 step 4: the groups checked for members in error.
pub fn check_errors(b: &mut Builder, _: &mut Ctx<'_, '_>) {
    b.stage(StageKind::CheckErrors);
}

/// R12 step 5: the direct licenses removed, in waves.
pub fn remove_direct(b: &mut Builder, cx: &mut Ctx<'_, '_>) {
    let intent = cx.intent;
    let s = b.stage(StageKind::RemoveDirect);
    b.waves(s, intent, cx.movers.iter().collect(), &mut |m| {
        let mv = &intent.moves[m.mv];
        let sku: SkuId = match mv.strategy {
            Strategy::ChangeThenMigrate => mv.to,
            Strategy::MigrateThenChange => mv.from,
        };
        let mut a = user_action(Op::RemoveDirectLicense { user: m.user, sku }, m);
        a.shown.sku_part_number = Some(cx.skus.part_number(sku));
        a
    });
}

/// R11, migrate-then-change: each carrying group's product changed in one update, then the
/// change verified.
pub fn change_products(b: &mut Builder, cx: &mut Ctx<'_, '_>) {
    let changes: Vec<&Carrying> = cx
        .carrying
        .iter()
        .filter(|c| c.change_to.is_some())
        .collect();
    if changes.is_empty() {
        return;
    }
    let s = b.stage(StageKind::ChangeProducts);
    for c in &changes {
        let Some((to, d)) = &c.change_to else {
            continue;
        };
        let mut a = Action::new(Op::ChangeGroupLicense {
            group: c.id,
            add: vec![LicenseSpec {
                sku: *to,
                disabled_plans: cx.plans.get(cx.names, *to, d),
            }],
            remove: vec![c.sku],
        });
        a.shown.group_name = Some(c.name.as_str().into());
        a.shown.sku_part_number = Some(cx.skus.pair(c.sku, *to));
        b.act(s, a);
    }
    verify_product_change(b, cx);
}

fn verify_product_change(b: &mut Builder, _: &mut Ctx<'_, '_>) {
    let s = b.stage(StageKind::VerifyProductChange);
    b.act(s, Action::new(Op::WaitForProcessing { group: None }));
}

/// The stage functions in the order a plan runs them.
pub const STEPS: &[fn(&mut Builder, &mut Ctx<'_, '_>)] = &[
    keep_automation,
    change_direct,
    assign_groups,
    verify_dual_assignment,
    check_errors,
    remove_direct,
    change_products,
];

fn user_action(op: Op<crate::simulate::ops::Ids>, m: &Mover) -> Action {
    let mut a = Action::new(op);
    a.shown.user_upn = m.upn.clone();
    a
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
