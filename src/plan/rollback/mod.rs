//! Rollbacks as ops: each stage's and wave's own changes undone, in the op vocabulary, so that
//! run right after it the tenant is back where it was when the stage or wave began; proven by
//! the simulator from the stage's end ([`prove`]).
//!
//! A rollback never removes what the plan did not add: only the members the plan added leave a
//! group, only the licenses the plan assigned to a group are removed (an existing group keeps
//! its own), and only the groups the plan created are deleted — after their licenses are gone,
//! as Microsoft requires (R10). A direct license a wave removed comes back with that user's own
//! former disabled plans.

pub mod prove;

use rustc_hash::FxHashMap as HashMap;

use crate::model::{PlanIds, SkuId, Tenant, UserId};
use crate::simulate::ops::{LicenseSpec, Op};

use super::carrying::Carrying;
use super::doc::{Action, RollbackProof, Stage, StageKind};
use super::intent::{Intent, Strategy};
use super::names::{Names, PlanRefCache, SkuTexts};
use super::select::Mover;

/// What the rollbacks are drawn from: the movers' former disabled plans, by user, and the
/// carrying groups' former licenses, by group.
struct Ctx<'a, 't> {
    intent: &'a Intent,
    movers: &'a [Mover<'t>],
    by_user: HashMap<UserId, usize>,
    carrying: &'a [Carrying],
    names: Names<'t>,
    plans: PlanRefCache,
}

/// Attaches the rollbacks drawn for `drawn` ([`draw`]) and proves them ([`prove::prove`]) from
/// `st`, the tenant's starting state; each stage's rollback text says whether it is proven.
///
/// # Errors
///
/// A name that does not resolve (a planner's own ops all resolve).
pub fn attach_and_prove<'t>(
    (t, rules, shared): (
        &'t Tenant,
        &crate::simulate::rules::Rules,
        &crate::inspect::SharedProxies,
    ),
    st: crate::simulate::state::State<'t>,
    movers: &[Mover],
    mut drawn: super::draw::Drawn,
    rollbacks: Rollbacks,
    intent_path: &std::path::Path,
) -> Result<(super::draw::Drawn, RollbackProof), crate::ingest::error::InputError> {
    rollbacks.attach_to(&mut drawn.stages);
    let ids: Vec<UserId> = movers.iter().map(|m| m.user).collect();
    let more = || crate::simulate::state::State::with_shared(t, rules, shared);
    let proof = prove::prove(
        st,
        &more,
        t,
        &drawn.carrying,
        &ids,
        &drawn.stages,
        intent_path,
    )?;
    for s in &mut drawn.stages {
        let parts: Vec<_> = proof.parts.iter().filter(|p| p.stage == s.number).collect();
        let ops: u64 = parts.iter().map(|p| p.actions).sum();
        if parts.iter().any(|p| !p.proven) {
            s.rollback
                .push("Not proven by the simulator: see the rollback summary for why.".to_owned());
        } else if ops > 0 {
            s.rollback.push(
                "Proven by the simulator: replayed from the stage's end, it gives every user back what they held when the stage began, with no error and no loss.".to_owned(),
            );
        }
    }
    Ok((drawn, proof))
}

/// The verdict's warnings for the rollbacks not proven.
pub fn warnings(p: &RollbackProof) -> Vec<String> {
    p.parts
        .iter()
        .filter(|x| !x.proven)
        .map(|x| {
            let at = match x.wave {
                Some(w) => format!("stage {} wave {w}", x.stage),
                None => format!("stage {}", x.stage),
            };
            format!(
                "The rollback of {at} is not proven safe: {}",
                x.reasons.join("; ")
            )
        })
        .collect()
}

/// Every stage's rollback ops and each of its waves', drawn for stages not yet holding them.
#[derive(Debug, Clone, Default)]
pub struct Rollbacks(Vec<(Vec<Action>, Vec<Vec<Action>>)>);

impl Rollbacks {
    /// Gives each stage and wave its rollback ops, and each stage its rollback summary.
    pub fn attach_to(self, stages: &mut [Stage]) {
        for (st, (own, waves)) in stages.iter_mut().zip(self.0) {
            st.rollback_actions = own;
            for (w, r) in st.waves.iter_mut().zip(waves) {
                w.rollback_actions = r;
            }
            st.rollback = summary(st);
        }
    }
}

/// Draws every stage's and wave's rollback ops (given to the stages by
/// [`Rollbacks::attach_to`]).
pub fn draw(
    t: &Tenant,
    intent: &Intent,
    movers: &[Mover],
    carrying: &[Carrying],
    stages: &[Stage],
) -> Rollbacks {
    let mut cx = Ctx {
        intent,
        movers,
        by_user: movers
            .iter()
            .enumerate()
            .map(|(i, m)| (m.user, i))
            .collect(),
        carrying,
        names: Names { t },
        plans: PlanRefCache::default(),
    };
    let names = Names { t };
    let skus = SkuTexts::of_plan(&names, intent, carrying);
    let drawn = stages
        .iter()
        .map(|st| {
            let own = match st.kind {
                StageKind::AssignGroups | StageKind::AddonGroups => assign_groups(&st.actions),
                StageKind::ChangeProducts => change_products(&mut cx, &skus, &st.actions),
                _ => Vec::new(),
            };
            let waves = st
                .waves
                .iter()
                .map(|w| {
                    w.actions
                        .iter()
                        .flat_map(|a| wave_inverse(&mut cx, &skus, t, a))
                        .collect()
                })
                .collect();
            (own, waves)
        })
        .collect();
    Rollbacks(drawn)
}

/// The inverse of the assign-groups stage: the added members leave, the licenses the plan
/// assigned are removed, processing completes, then the groups the plan created are deleted
/// (refused while a group carries licenses, R10). Reprocessing has no inverse: it clears an
/// error, which no op brings back.
fn assign_groups(actions: &[Action]) -> Vec<Action> {
    let mut out = Vec::new();
    for a in actions {
        if let Op::AddMember { group, user } = a.op {
            let mut r = Action::new(Op::RemoveMember { group, user });
            r.shown = a.shown.clone();
            out.push(r);
        }
    }
    // In reverse: an add-on group's add-on goes before its prerequisite (a group may not hold
    // an add-on without it, R7).
    for a in actions.iter().rev() {
        if let Op::AssignGroupLicense { group, sku, .. } = a.op {
            let mut r = Action::new(Op::RemoveGroupLicense { group, sku });
            r.shown = a.shown.clone();
            out.push(r);
        }
    }
    if !out.is_empty() {
        out.push(Action::new(Op::WaitForProcessing { group: None }));
    }
    for a in actions {
        if let (Op::CreateGroup { .. }, Some(id)) = (&a.op, a.shown.group_id) {
            let mut r = Action::new(Op::DeleteGroup { group: id });
            if let Op::CreateGroup { group, .. } = &a.op {
                r.shown.group_name = Some(group.as_str().into());
            }
            out.push(r);
        }
    }
    out
}

/// The inverse of the product change of each carrying group: changed back in one update (the
/// old product with the group's former disabled plans), then processing awaited.
fn change_products(
    cx: &mut Ctx<'_, '_>,
    skus: &SkuTexts<'_, '_>,
    actions: &[Action],
) -> Vec<Action> {
    let mut out = Vec::new();
    for a in actions {
        let Op::ChangeGroupLicense { group, add, remove } = &a.op else {
            continue;
        };
        let Some(c) = cx.carrying.iter().find(|c| c.id == *group) else {
            continue;
        };
        let (Some(to), Some(from)) = (add.first().map(|l| l.sku), remove.first().copied()) else {
            continue;
        };
        let mut r = Action::new(Op::ChangeGroupLicense {
            group: *group,
            add: vec![LicenseSpec {
                sku: from,
                disabled_plans: cx.plans.get(&cx.names, from, &c.disabled),
            }],
            remove: vec![to],
        });
        r.shown.group_name = a.shown.group_name.clone();
        r.shown.sku_part_number = Some(skus.pair(to, from));
        out.push(r);
    }
    if !out.is_empty() {
        out.push(Action::new(Op::WaitForProcessing { group: None }));
    }
    out
}

/// The disabled plans the user's direct `sku` had before the plan changed or removed it.
fn former_disabled<'m>(cx: &'m Ctx<'_, '_>, user: UserId, sku: SkuId) -> Option<&'m PlanIds> {
    let m = &cx.movers[*cx.by_user.get(&user)?];
    let mv = &cx.intent.moves[m.mv];
    // Change-then-migrate removes the new product the first stage gave directly.
    if mv.strategy == Strategy::ChangeThenMigrate && mv.from != mv.to && sku == mv.to {
        Some(&m.target_disabled)
    } else {
        Some(&m.disabled)
    }
}

/// The inverse of one wave action: a removed direct license assigned again with the user's
/// former disabled plans; a direct change made back in one call. A direct assignment needs the
/// user's own usage location (R6): a user who had none (licensed through the group with the
/// organization's) first gets the organization's, which the group licensing used.
fn wave_inverse(
    cx: &mut Ctx<'_, '_>,
    skus: &SkuTexts<'_, '_>,
    t: &Tenant,
    a: &Action,
) -> Vec<Action> {
    let mut out = Vec::new();
    if let (Op::RemoveDirectLicense { user, .. }, Some(country)) = (&a.op, t.default_usage_location)
    {
        let no_location = cx
            .by_user
            .get(user)
            .is_some_and(|i| cx.movers[*i].record.usage_location.is_none());
        if no_location {
            let mut r = Action::new(Op::SetUsageLocation {
                user: *user,
                country,
            });
            r.shown.user_upn = a.shown.user_upn.clone();
            out.push(r);
        }
    }
    out.extend(inverse(cx, skus, a));
    out
}

fn inverse(cx: &mut Ctx<'_, '_>, skus: &SkuTexts<'_, '_>, a: &Action) -> Option<Action> {
    let mut r = match &a.op {
        Op::RemoveDirectLicense { user, sku } => {
            let d = former_disabled(cx, *user, *sku)?.clone();
            let mut r = Action::new(Op::AssignDirectLicense {
                user: *user,
                sku: *sku,
                disabled_plans: cx.plans.get(&cx.names, *sku, &d),
            });
            r.shown.sku_part_number = Some(skus.part_number(*sku));
            r
        }
        Op::ChangeDirectLicense { user, add, remove } => {
            let (to, from) = (add.first()?.sku, *remove.first()?);
            let m = &cx.movers[*cx.by_user.get(user)?];
            let d = m.disabled.clone();
            // A user who held the new product directly already keeps it, with the disabled
            // plans it had: the change only widened it.
            let had_to = m
                .record
                .assignments
                .iter()
                .find(|a| a.sku == to && a.path == crate::model::AssignmentPath::Direct)
                .map(|a| a.disabled_plans.clone());
            let mut add = vec![LicenseSpec {
                sku: from,
                disabled_plans: cx.plans.get(&cx.names, from, &d),
            }];
            let remove = match had_to {
                Some(before) => {
                    add.push(LicenseSpec {
                        sku: to,
                        disabled_plans: cx.plans.get(&cx.names, to, &before),
                    });
                    Vec::new()
                }
                None => vec![to],
            };
            let mut r = Action::new(Op::ChangeDirectLicense {
                user: *user,
                add,
                remove,
            });
            r.shown.sku_part_number = Some(skus.pair(to, from));
            r
        }
        _ => return None,
    };
    r.shown.user_upn = a.shown.user_upn.clone();
    Some(r)
}

/// The stage's rollback in words, counted from its ops (the concrete ops are listed with the
/// stage; the proof's result is in the plan's rollback record).
fn summary(st: &Stage) -> Vec<String> {
    let count = |op: &str, v: &[Action]| v.iter().filter(|a| a.op_name() == op).count();
    let r = &st.rollback_actions;
    let wave_ops: usize = st.waves.iter().map(|w| w.rollback_actions.len()).sum();
    match st.kind {
        StageKind::AssignGroups | StageKind::AddonGroups => {
            let (members, licenses, deletes) = (
                count("remove-member", r),
                count("remove-group-license", r),
                count("delete-group", r),
            );
            let reprocessed = count("reprocess", &st.actions);
            let mut v = vec![format!(
                "Remove the {members} member(s) the plan added, remove the {licenses} group license(s) the plan assigned, wait for processing, then delete the {deletes} group(s) the plan created. Existing groups keep their own licenses and members; direct licenses are untouched."
            )];
            if reprocessed > 0 {
                v.push(format!(
                    "{reprocessed} reprocessed user(s) keep the group license: reprocessing clears an error, which no op brings back; their direct licenses are untouched."
                ));
            }
            v
        }
        StageKind::RemoveDirect => {
            let located: usize = st
                .waves
                .iter()
                .map(|w| count("set-usage-location", &w.rollback_actions))
                .sum();
            let mut v = vec![format!(
                "Per wave: assign each user's direct license again with that user's former disabled plans ({wave_ops} op(s) in all, listed with each wave)."
            )];
            if located > 0 {
                v.push(format!(
                    "{located} user(s) without a usage location of their own first get the organization's (a direct assignment needs one, R6); they keep it."
                ));
            }
            v
        }
        StageKind::ChangeDirect => vec![format!(
            "Per wave: change each user back in one call, adding the old product with that user's former disabled plans and removing the new one ({wave_ops} op(s) in all, listed with each wave)."
        )],
        StageKind::ChangeProducts => vec![format!(
            "Change each of the {} group(s) back in one update (the old product with the group's former disabled plans, the new one removed), then wait for processing.",
            count("change-group-license", r)
        )],
        _ => st.rollback.clone(),
    }
}
