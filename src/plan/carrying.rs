//! Carrying groups: the groups that give movers the staged product, one per distinct set of
//! disabled plans of each move, reused where the tenant has one that fits (R1, R3, R9).

use std::collections::BTreeMap;

use crate::model::{GroupId, PlanIds, SkuId, Tenant, UserId};
use crate::simulate::engine::planned_group_id;
use crate::simulate::rules::Rules;

use super::intent::{Carrier, Intent, Strategy};
use super::names::{map_disabled, GroupNamer, Names, NewGroupNames};
use super::select::Mover;

/// A group that carries a license for some movers.
#[derive(Debug, Clone)]
pub struct Carrying {
    pub id: GroupId,
    pub name: String,
    pub created: bool,
    /// The plan assigns the license (a new group, or an existing one without it).
    pub assigns: bool,
    pub sku: SkuId,
    pub disabled: PlanIds,
    pub mv: usize,
    /// Movers (indexes, ascending) the plan adds as members.
    pub add: Vec<usize>,
    /// Every mover (index, ascending) the group carries the license for, members already or
    /// added.
    pub movers: Vec<usize>,
    /// For migrate-then-change: the product and disabled plans the group changes to.
    pub change_to: Option<(SkuId, PlanIds)>,
    /// A created group's mail nickname and description.
    pub new_names: Option<NewGroupNames>,
    /// Licenses assigned before `sku`: the prerequisites an add-on needs in the same group
    /// (R7; see `addon.rs`), each with its disabled plans.
    pub prerequisites: Vec<(SkuId, PlanIds)>,
    /// Further add-on licenses assigned after `sku`.
    pub addons: Vec<(SkuId, PlanIds)>,
    /// An add-on group that must carry its users before any product changes (its own stage).
    pub before_change: bool,
}

/// Chooses carrying groups: one per distinct (product, disabled plans) set of each move, the
/// intent's group for the most common set.
pub fn carrying_groups(
    t: &Tenant,
    rules: &Rules,
    intent: &Intent,
    movers: &[Mover],
    names: &Names<'_>,
) -> Vec<Carrying> {
    let mut out: Vec<Carrying> = Vec::new();
    let mut shared: Option<crate::inspect::SharedProxies> = None;
    let mut namer = GroupNamer::new(t);
    for (mi, mv) in intent.moves.iter().enumerate() {
        // The product the carrying groups hold while users join them.
        let staged = match mv.strategy {
            Strategy::MigrateThenChange => mv.from,
            Strategy::ChangeThenMigrate => mv.to,
        };
        let mut sets: BTreeMap<PlanIds, Vec<usize>> = BTreeMap::new();
        let moving: rustc_hash::FxHashSet<UserId> = movers
            .iter()
            .filter(|m| m.mv == mi)
            .map(|m| m.user)
            .collect();
        for (i, m) in movers.iter().enumerate().filter(|(_, m)| m.mv == mi) {
            let d = if staged == mv.from {
                m.disabled.clone()
            } else {
                m.target_disabled.clone()
            };
            // Covered already: an existing group gives the user the staged product with at
            // least the same plans enabled (R1, R3) — no new membership needed.
            let u = m.record;
            let covered = {
                mv.from == mv.to
                    && u.assignments.iter().any(|a| {
                        let carried = match a.path {
                            crate::model::AssignmentPath::Group(g) => {
                                t.groups.get(&g).is_some_and(|g| {
                                    g.security_enabled == Some(true)
                                        && g.has_user(m.user)
                                        && g.licenses.iter().any(|l| l.sku == staged)
                                })
                            }
                            _ => false,
                        };
                        a.sku == staged
                            && carried
                            && !a.is_error()
                            && a.disabled_plans.is_subset(&d)
                    })
            };
            if !covered {
                sets.entry(d).or_default().push(i);
            } else {
                sets.entry(d).or_default();
            }
        }
        sets.retain(|_, v| !v.is_empty());
        if sets.is_empty() {
            continue;
        }
        // The most common set first (ties: fewer disabled plans, then by plans).
        let mut order: Vec<(PlanIds, Vec<usize>)> = sets.into_iter().collect();
        order.sort_by(|a, b| {
            b.1.len()
                .cmp(&a.1.len())
                .then(a.0.len().cmp(&b.0.len()))
                .then(a.0.cmp(&b.0))
        });
        let existing = match &mv.group {
            Carrier::Existing(g) => t.groups.get(g),
            Carrier::New(_) => None,
        };
        let base = match &mv.group {
            Carrier::Existing(_) => existing.map_or_else(|| mv.group_text.clone(), |g| g.label()),
            Carrier::New(n) => n.clone(),
        };
        // Whether the plan changes the carrying groups' product (migrate-then-change).
        let changes = mv.strategy == Strategy::MigrateThenChange && mv.from != mv.to;
        // A member of the group shares a proxy address and a product of the change has
        // Exchange Online; the tenant's shared addresses are found only when asked.
        let unique = |s: SkuId| {
            names
                .plans_of(s)
                .iter()
                .any(|x| rules.needs_unique_proxy(&x.name))
        };
        let mut proxy_conflict = |g: &crate::model::Group| {
            if !(unique(mv.from) || unique(mv.to)) {
                return false;
            }
            let shared = shared.get_or_insert_with(|| crate::inspect::shared_proxy_addresses(t));
            g.user_members().any(|u| shared.contains_key(&u))
        };
        for (k, (d, members)) in order.into_iter().enumerate() {
            // An existing group is used as it is when it already carries this set, or when it
            // carries nothing yet and takes the most common set; otherwise the plan creates one.
            let reuse = existing.and_then(|g| {
                let lic = g.licenses.iter().find(|l| l.sku == staged);
                // A dynamic or synced group cannot take new members, so it carries the license
                // itself; a group with other products is otherwise left alone.
                let fixed_membership = g.kind() != crate::model::GroupKind::Static;
                // Licensing an existing group licenses all its members: only when each is a
                // user this move moves, or when the move allows licensing a dynamic or synced
                // group (`allow_license_change`; the plan states the seats it takes).
                let only_movers = g.user_members().all(|u| moving.contains(&u))
                    || (fixed_membership && mv.allow_license_change);
                match lic {
                    // The plan changes this group's product later: not when a member shares a
                    // proxy address (the removal would fail and leave the old product on them
                    // in error, and the new one fail too, R5 UniquenessViolation).
                    Some(l) if l.disabled_plans == d && changes && proxy_conflict(g) => None,
                    Some(l) if l.disabled_plans == d => Some((g.id, false)),
                    None if k == 0
                        && only_movers
                        && (g.licenses.is_empty() || fixed_membership) =>
                    {
                        Some((g.id, true))
                    }
                    _ => None,
                }
            });
            let mut new_names: Option<NewGroupNames> = None;
            let (id, name, created, assigns) = match reuse {
                Some((id, assigns)) => (id, base.clone(), false, assigns),
                None => {
                    // Named from the intent's group: `<group>`, `<group>-2`, … (names.rs).
                    let staging = staged == mv.from && mv.from != mv.to;
                    let n = namer.carrying(names, &intent.name, &base, staged, &d, staging);
                    let name = n.name.clone();
                    new_names = Some(n);
                    (planned_group_id(&name), name, true, true)
                }
            };
            let change_to = (mv.strategy == Strategy::MigrateThenChange && mv.from != mv.to)
                .then(|| (mv.to, map_disabled(names, rules, mv.from, mv.to, &d)));
            let all = members.clone();
            let add: Vec<usize> = members
                .into_iter()
                .filter(|i| {
                    created
                        || !t
                            .groups
                            .get(&id)
                            .is_some_and(|g| g.has_user(movers[*i].user))
                })
                .collect();
            out.push(Carrying {
                id,
                name,
                created,
                assigns,
                sku: staged,
                disabled: d,
                mv: mi,
                add,
                movers: all,
                change_to,
                new_names,
                prerequisites: Vec::new(),
                addons: Vec::new(),
                before_change: false,
            });
        }
    }
    super::addon::add_addon_groups(t, rules, intent, movers, names, &mut out, &mut namer);
    out
}
