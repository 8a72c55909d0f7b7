//! The planner's steps: one function per stage kind, run in order ([`STEPS`]). Each makes its
//! stage (texts from [`super::stages::STAGES`]) and its actions, whose ops the simulator replays.

use crate::model::SkuId;
use crate::simulate::ops::{LicenseSpec, Op};

use super::builder::{Builder, Ctx};
use super::carrying::Carrying;
use super::doc::{Action, StageKind};
use super::intent::Strategy;
use super::select::Mover;

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

/// R5, R7, R11: the add-on groups that keep an add-on's prerequisite through a product change,
/// created, licensed (prerequisite first), their users added, processed, before any change.
pub fn addon_groups(b: &mut Builder, cx: &mut Ctx<'_, '_>) {
    if !cx.carrying.iter().any(|c| c.before_change) {
        return;
    }
    let s = b.stage(StageKind::AddonGroups);
    groups_and_members(b, cx, s, true);
    b.act(s, Action::new(Op::WaitForProcessing { group: None }));
}

/// R12 step 2: the carrying groups created and licensed, the movers added (or reprocessed).
pub fn assign_groups(b: &mut Builder, cx: &mut Ctx<'_, '_>) {
    let s = b.stage(StageKind::AssignGroups);
    groups_and_members(b, cx, s, false);
}

/// The carrying groups with `before_change` as given: created, licensed (an add-on's
/// prerequisites first: a group holding an add-on without them is refused, R7), members added.
fn groups_and_members(b: &mut Builder, cx: &mut Ctx<'_, '_>, s: usize, before_change: bool) {
    let carrying: Vec<&Carrying> = cx
        .carrying
        .iter()
        .filter(|c| c.before_change == before_change)
        .collect();
    for c in carrying.iter().copied() {
        let name: super::doc::Text = c.name.as_str().into();
        if c.created {
            // The simulator derives a created group's id from its name, as the plan did.
            let n = c.new_names.as_ref();
            let mut a = Action::new(Op::CreateGroup {
                group: c.name.clone(),
                security_enabled: true,
                description: n.map(|n| n.description.as_str().into()),
                mail_nickname: n.map(|n| n.mail_nickname.as_str().into()),
                unique_name: n.map(|n| n.unique_name.as_str().into()),
            });
            a.shown.group_id = Some(c.id);
            b.act(s, a);
        }
        if c.assigns {
            let licenses = c
                .prerequisites
                .iter()
                .chain(std::iter::once(&(c.sku, c.disabled.clone())))
                .chain(c.addons.iter())
                .cloned()
                .collect::<Vec<_>>();
            for (sku, disabled) in licenses {
                let mut a = Action::new(Op::AssignGroupLicense {
                    group: c.id,
                    sku,
                    disabled_plans: cx.plans.get(cx.names, sku, &disabled),
                });
                a.shown.group_name = Some(name.clone());
                a.shown.sku_part_number = Some(cx.skus.part_number(sku));
                b.act(s, a);
            }
        }
    }
    for c in carrying {
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
    addon_groups,
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
