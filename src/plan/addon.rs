//! Add-ons and their prerequisites (RULES.md R5, R7, R11): Microsoft's pattern for products with
//! prerequisites, "a group with the prerequisite product enabling only the prerequisite plan,
//! plus the add-on; one such group per prerequisite product" (licensing-groups-resolve-problems,
//! 'Manage licenses for products with prerequisites').
//!
//! Two cases, both read from the rules table (`prerequisites:` in data/rules.yaml), never from a
//! product's name:
//! - A **product change** (E1 → E3) for a user whose add-on on another path (Workplace Analytics
//!   held directly) needs a plan only the old product provides: the change is a
//!   DependencyViolation (R11's precondition), whichever strategy. The plan first gives the user
//!   an *add-on group*: the new product with only the prerequisite plan enabled, plus the
//!   add-on. The seat of the new product is then taken at that write (R2: the same seat the
//!   change needs later). Where the pattern cannot apply (the new product has no such plan, the
//!   plan conflicts, or the intent turns the pattern off with `addon_groups: false`), the user
//!   is held back before any simulation with the reason `addon-dependency`.
//! - A **move of an add-on** (Workplace Analytics, direct → group): a group carrying the add-on
//!   alone is refused ("License operation failed…", R7), so each carrying group also carries the
//!   user's prerequisite product with only the prerequisite plan enabled, which takes no extra
//!   seat from users who hold that product already; one group per prerequisite product.
//!
//! The simulator proves both; the planner only draws them.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{AssignmentPath, PlanId, PlanIds, SkuId, User};
use crate::simulate::engine::planned_group_id;
use crate::simulate::rules::Rules;

use super::carrying::Carrying;
use super::doc::HoldReason;
use super::intent::{Carrier, Intent, Move};
use super::names::{GroupNamer, Names, NewGroupNames};
use super::select::{Hold, Mover};

/// An add-on plan the user holds on a path a move keeps, with the prerequisite it needs.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The product of the path that enables the add-on plan, and that path's disabled plans.
    pub addon_sku: SkuId,
    pub addon_disabled: PlanIds,
    pub addon_plan: PlanId,
    /// The rule entry's id and the plans one of which must be enabled.
    pub rule: String,
    pub one_of: BTreeSet<PlanId>,
}

/// Which products hold a plan with a prerequisite, found once per product: most users hold
/// none, and are passed over without looking at their plans.
#[derive(Default)]
pub struct AddonSkus(std::cell::RefCell<rustc_hash::FxHashMap<SkuId, bool>>);

impl AddonSkus {
    pub fn has(&self, names: &Names<'_>, rules: &Rules, sku: SkuId) -> bool {
        if let Some(v) = self.0.borrow().get(&sku) {
            return *v;
        }
        let v = names
            .plans_of(sku)
            .iter()
            .any(|x| !rules.prerequisites(x.id).is_empty());
        self.0.borrow_mut().insert(sku, v);
        v
    }
}

/// The name of a group the add-on pattern creates: `base` is the intent's group (or the
/// carrying group a moved add-on is split from), `addon` the add-on product a product change
/// carries, `prereq` the prerequisite product. Named like every group the plan creates
/// (`<base>`, `<base>-2`, …, with a mail nickname, [`GroupNamer`]); the description says what
/// the group carries and why.
pub fn addon_group_name(
    namer: &mut GroupNamer,
    plan: &str,
    base: &str,
    addon: Option<&str>,
    prereq: &str,
) -> NewGroupNames {
    let (name, mail_nickname) = namer.next(base);
    let what = match addon {
        Some(a) => format!("add-on group: {a} with {prereq}"),
        None => format!("add-on group: with {prereq}"),
    };
    let description = format!(
        "{what} (only the prerequisite plan enabled; Microsoft's pattern for products with prerequisites), created by the licplan plan \"{plan}\""
    );
    let description: String = description
        .chars()
        .take(super::names::DESCRIPTION_MAX)
        .collect();
    let unique_name = super::names::unique_name(&mail_nickname, &name, &description);
    NewGroupNames {
        name,
        mail_nickname,
        description,
        unique_name,
    }
}

/// Enabled plans of the user's paths that are not in error, except the one `skip` names.
fn enabled_except(names: &Names<'_>, u: &User, skip: Option<(SkuId, AssignmentPath)>) -> PlanIds {
    let mut out = PlanIds::new();
    for a in u.assignments.iter().filter(|a| !a.is_error()) {
        if skip == Some((a.sku, a.path)) {
            continue;
        }
        for x in names.plans_of(a.sku) {
            if !a.disabled_plans.contains(&x.id) {
                out.insert(x.id);
            }
        }
    }
    out
}

/// For a product change: the mover's add-ons, on paths the move keeps, whose prerequisite only
/// the replaced `from` license provides. Empty for a move that changes no product.
pub fn dependent_addons(
    names: &Names<'_>,
    rules: &Rules,
    skus: &AddonSkus,
    mv: &Move,
    m: &Mover<'_>,
) -> Vec<Dependency> {
    if mv.from == mv.to {
        return Vec::new();
    }
    let u = m.record;
    let replaced = (mv.from, AssignmentPath::Direct);
    let any = u
        .assignments
        .iter()
        .any(|a| !a.is_error() && (a.sku, a.path) != replaced && skus.has(names, rules, a.sku));
    if !any {
        return Vec::new();
    }
    let kept = enabled_except(names, u, Some(replaced));
    let lost: PlanIds = names
        .plans_of(mv.from)
        .iter()
        .map(|x| x.id)
        .filter(|p| !m.disabled.contains(p))
        .collect();
    let mut out = Vec::new();
    for a in u.assignments.iter().filter(|a| !a.is_error()) {
        if (a.sku, a.path) == replaced {
            continue;
        }
        for x in names.plans_of(a.sku) {
            if a.disabled_plans.contains(&x.id) {
                continue;
            }
            for pre in rules.prerequisites(x.id) {
                let met_elsewhere = pre.one_of.iter().any(|q| kept.contains(q));
                let met_by_from = pre.one_of.iter().any(|q| lost.contains(q));
                if !met_elsewhere && met_by_from {
                    out.push(Dependency {
                        addon_sku: a.sku,
                        addon_disabled: a.disabled_plans.clone(),
                        addon_plan: x.id,
                        rule: pre.id.clone(),
                        one_of: pre.one_of.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The plans of `sku` left enabled in a group that carries it only for `need`: for each
/// prerequisite, the first plan of the product (in catalog order) that meets it. `None` when
/// the product meets one of them with none of its plans.
fn prerequisite_plans(
    names: &Names<'_>,
    sku: SkuId,
    need: &[&BTreeSet<PlanId>],
) -> Option<PlanIds> {
    let plans = names.plans_of(sku);
    let mut keep = PlanIds::new();
    for one_of in need {
        let p = plans.iter().find(|x| one_of.contains(&x.id))?;
        keep.insert(p.id);
    }
    Some(keep)
}

/// Every plan of `sku` except `keep`: the disabled plans of a prerequisite-only license.
fn all_but(names: &Names<'_>, sku: SkuId, keep: &PlanIds) -> PlanIds {
    names
        .plans_of(sku)
        .iter()
        .map(|x| x.id)
        .filter(|p| !keep.contains(p))
        .collect()
}

/// A plan's name from the bundled catalog (its id when the catalog does not know it).
fn plan_name(p: PlanId) -> String {
    crate::catalog::Catalog::bundled()
        .plan(p)
        .map_or_else(|| p.to_string(), |c| c.name.clone())
}

fn plan_names(set: &BTreeSet<PlanId>) -> String {
    let mut v: Vec<String> = set.iter().map(|p| plan_name(*p)).collect();
    v.sort();
    v.join(" or ")
}

/// A user's add-on group for a product change: the new product with only the plans kept, plus
/// the add-on licenses, or why the pattern cannot carry the user.
struct Need {
    keep: PlanIds,
    addons: Vec<(SkuId, PlanIds)>,
}

fn change_need(
    names: &Names<'_>,
    rules: &Rules,
    mv: &Move,
    m: &Mover<'_>,
    deps: &[Dependency],
) -> Result<Need, String> {
    let describe = |d: &Dependency| {
        format!(
            "{} of {} requires {} ({}), which only {} provides to the user",
            names.plan(d.addon_sku, d.addon_plan),
            names.sku(d.addon_sku),
            plan_names(&d.one_of),
            d.rule,
            names.sku(mv.from)
        )
    };
    let first = deps.first().map(describe).unwrap_or_default();
    if !mv.addon_groups {
        return Err(format!(
            "{first}: the product change would fail (DependencyViolation, R11), and addon_groups is false for this move"
        ));
    }
    let need: Vec<&BTreeSet<PlanId>> = deps.iter().map(|d| &d.one_of).collect();
    let Some(keep) = prerequisite_plans(names, mv.to, &need) else {
        return Err(format!(
            "{first}: the product change would fail (DependencyViolation, R11), and {} has no such plan to carry it in an add-on group",
            names.sku(mv.to)
        ));
    };
    // The prerequisite plan arrives while the user holds everything else: it must conflict
    // with nothing the user holds (R5).
    let held = enabled_except(names, m.record, None);
    for p in &keep {
        if let Some((q, set)) = held
            .iter()
            .find_map(|q| rules.conflict(*p, *q).map(|s| (q, s)))
        {
            return Err(format!(
                "{first}: the product change would fail (DependencyViolation, R11), and an add-on group's {} of {} would conflict with {} the user holds ({})",
                names.plan(mv.to, *p),
                names.sku(mv.to),
                plan_name(*q),
                set.id
            ));
        }
    }
    let addons: BTreeMap<SkuId, PlanIds> = deps
        .iter()
        .map(|d| (d.addon_sku, d.addon_disabled.clone()))
        .collect();
    Ok(Need {
        keep,
        addons: addons.into_iter().collect(),
    })
}

/// For a move of an add-on: each prerequisite the moved product's plans need, and the user's
/// product (on a path the move keeps, not in error) that meets it, with the plans to keep.
/// `Ok(None)` when the moved product has no prerequisite.
fn moved_addon_need(
    names: &Names<'_>,
    rules: &Rules,
    mv: &Move,
    m: &Mover<'_>,
) -> Result<Option<(SkuId, PlanIds)>, String> {
    let staged = mv.to;
    let needs: Vec<(PlanId, &crate::simulate::rules::Prerequisite)> = names
        .plans_of(staged)
        .iter()
        .filter(|x| !m.target_disabled.contains(&x.id))
        .flat_map(|x| rules.prerequisites(x.id).iter().map(move |p| (x.id, p)))
        .collect();
    if needs.is_empty() {
        return Ok(None);
    }
    // The moved product meets its own prerequisites: nothing more in the group (R7).
    let own: PlanIds = names
        .plans_of(staged)
        .iter()
        .map(|x| x.id)
        .filter(|p| !m.target_disabled.contains(p))
        .collect();
    if needs
        .iter()
        .all(|(_, p)| p.one_of.iter().any(|q| own.contains(q)))
    {
        return Ok(None);
    }
    let (plan, pre) = needs[0];
    let what = format!(
        "{} of {} requires {} in the same group ({}, R7)",
        names.plan(staged, plan),
        names.sku(staged),
        plan_names(&pre.one_of),
        pre.id
    );
    if !mv.addon_groups {
        return Err(format!(
            "{what}: a group carrying it alone is refused, and addon_groups is false for this move"
        ));
    }
    let one_ofs: Vec<&BTreeSet<PlanId>> = needs.iter().map(|(_, p)| &p.one_of).collect();
    // The user's products that meet every prerequisite, lowest part number first.
    let mut found: Vec<(String, SkuId, PlanIds)> = Vec::new();
    for a in m.record.assignments.iter().filter(|a| !a.is_error()) {
        if a.sku == mv.from || found.iter().any(|f| f.1 == a.sku) {
            continue;
        }
        let enabled: Vec<crate::model::ServicePlan> = names
            .plans_of(a.sku)
            .into_iter()
            .filter(|x| !a.disabled_plans.contains(&x.id))
            .collect();
        let mut keep = PlanIds::new();
        let all = one_ofs.iter().all(|o| {
            enabled.iter().find(|x| o.contains(&x.id)).is_some_and(|x| {
                keep.insert(x.id);
                true
            })
        });
        if all {
            found.push((names.sku(a.sku), a.sku, keep));
        }
    }
    found.sort();
    match found.into_iter().next() {
        Some((_, sku, keep)) => Ok(Some((sku, keep))),
        None => Err(format!(
            "{what}, and the user holds no product that provides it to carry in the group"
        )),
    }
}

/// The precheck: a mover the add-on pattern cannot carry is held back before the first round
/// (`addon-dependency`).
pub fn addon_dependency(
    names: &Names<'_>,
    rules: &Rules,
    skus: &AddonSkus,
    mv: &Move,
    m: &Mover<'_>,
) -> Option<Hold> {
    let why = if mv.from != mv.to {
        let deps = dependent_addons(names, rules, skus, mv, m);
        if deps.is_empty() {
            return None;
        }
        change_need(names, rules, mv, m, &deps).err()
    } else if skus.has(names, rules, mv.to) {
        moved_addon_need(names, rules, mv, m).err()
    } else {
        None
    }?;
    Some(Hold::new(HoldReason::AddonDependency, why))
}

/// Appends the add-on groups of product changes to `out`, and gives the carrying groups of a
/// moved add-on their prerequisite, split per prerequisite product. Movers the pattern cannot
/// carry were held back by [`addon_dependency`]; any left are drawn without it and the
/// simulation holds them back.
pub fn add_addon_groups(
    t: &crate::model::Tenant,
    rules: &Rules,
    intent: &Intent,
    movers: &[Mover],
    names: &Names<'_>,
    out: &mut Vec<Carrying>,
    namer: &mut GroupNamer,
) {
    let skus = AddonSkus::default();
    split_moved_addons(rules, &skus, intent, movers, names, out, namer);
    // Product changes: one group per (move, plans kept, add-ons).
    type Key = (usize, PlanIds, Vec<(SkuId, PlanIds)>);
    let mut groups: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, m) in movers.iter().enumerate() {
        let mv = &intent.moves[m.mv];
        let deps = dependent_addons(names, rules, &skus, mv, m);
        if deps.is_empty() {
            continue;
        }
        if let Ok(need) = change_need(names, rules, mv, m, &deps) {
            groups
                .entry((m.mv, need.keep, need.addons))
                .or_default()
                .push(i);
        }
    }
    for ((mi, keep, addons), members) in groups {
        let mv = &intent.moves[mi];
        let base = match &mv.group {
            Carrier::Existing(g) => t
                .groups
                .get(g)
                .map_or_else(|| mv.group_text.clone(), |g| g.label()),
            Carrier::New(n) => n.clone(),
        };
        let Some(((addon, addon_disabled), more)) = addons.split_first() else {
            continue;
        };
        let addon_label: Vec<String> = addons.iter().map(|(s, _)| names.sku(*s)).collect();
        let n = addon_group_name(
            namer,
            &intent.name,
            &base,
            Some(&addon_label.join(", ")),
            &names.sku(mv.to),
        );
        out.push(Carrying {
            id: planned_group_id(&n.name),
            name: n.name.clone(),
            new_names: Some(n),
            created: true,
            assigns: true,
            sku: *addon,
            disabled: addon_disabled.clone(),
            mv: mi,
            add: members.clone(),
            movers: members,
            change_to: None,
            prerequisites: vec![(mv.to, all_but(names, mv.to, &keep))],
            addons: more.to_vec(),
            before_change: true,
        });
    }
}

/// The carrying groups of a moved add-on: each also carries a prerequisite product (only the
/// prerequisite plan enabled), one group per prerequisite product; the most common keeps the
/// group, the others get groups of their own.
fn split_moved_addons(
    rules: &Rules,
    skus: &AddonSkus,
    intent: &Intent,
    movers: &[Mover],
    names: &Names<'_>,
    out: &mut Vec<Carrying>,
    namer: &mut GroupNamer,
) {
    let mut extra: Vec<Carrying> = Vec::new();
    for c in out.iter_mut().filter(|c| c.assigns) {
        let mv = &intent.moves[c.mv];
        if mv.from != mv.to || !skus.has(names, rules, c.sku) {
            continue;
        }
        let mut by: BTreeMap<(SkuId, PlanIds), Vec<usize>> = BTreeMap::new();
        for i in &c.movers {
            if let Ok(Some(need)) = moved_addon_need(names, rules, mv, &movers[*i]) {
                by.entry(need).or_default().push(*i);
            }
        }
        if by.is_empty() {
            continue;
        }
        // The most common prerequisite product first (ties: by part number).
        let mut order: Vec<((SkuId, PlanIds), Vec<usize>)> = by.into_iter().collect();
        order.sort_by(|a, b| {
            b.1.len()
                .cmp(&a.1.len())
                .then_with(|| names.sku(a.0 .0).cmp(&names.sku(b.0 .0)))
                .then(a.0.cmp(&b.0))
        });
        let mut rest = order.into_iter();
        if let Some(((sku, keep), _)) = rest.next() {
            c.prerequisites = vec![(sku, all_but(names, sku, &keep))];
        }
        for ((sku, keep), members) in rest {
            let n = addon_group_name(namer, &intent.name, &c.name, None, &names.sku(sku));
            // They leave the shared group for their own (members already stay where they are).
            let moving: Vec<usize> = members
                .into_iter()
                .filter(|i| c.add.binary_search(i).is_ok())
                .collect();
            c.add.retain(|i| moving.binary_search(i).is_err());
            c.movers.retain(|i| moving.binary_search(i).is_err());
            extra.push(Carrying {
                id: planned_group_id(&n.name),
                name: n.name.clone(),
                new_names: Some(n),
                created: true,
                assigns: true,
                sku: c.sku,
                disabled: c.disabled.clone(),
                mv: c.mv,
                add: moving.clone(),
                movers: moving,
                change_to: c.change_to.clone(),
                prerequisites: vec![(sku, all_but(names, sku, &keep))],
                addons: Vec::new(),
                before_change: false,
            });
        }
    }
    out.extend(extra);
}

/// The products a carrying group holds besides its own, as the plan shows them: part number
/// and the plans left enabled (all, when none is disabled).
pub fn also_carried(names: &Names<'_>, c: &Carrying) -> Vec<super::doc::AlsoCarried> {
    c.prerequisites
        .iter()
        .map(|l| (l, "prerequisite"))
        .chain(c.addons.iter().map(|l| (l, "add-on")))
        .map(|((sku, disabled), role)| {
            let enabled: PlanIds = names
                .plans_of(*sku)
                .iter()
                .map(|x| x.id)
                .filter(|p| !disabled.contains(p))
                .collect();
            super::doc::AlsoCarried {
                role: role.into(),
                sku: names.sku(*sku),
                only_plans: if disabled.is_empty() {
                    Vec::new()
                } else {
                    names.plan_list(*sku, &enabled)
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addon_group_names_follow_the_base_and_stay_unique_ignoring_case() {
        let mut namer = GroupNamer::default();
        let a = addon_group_name(&mut namer, "P", "LIC-WPA", None, "STANDARDPACK");
        let b = addon_group_name(&mut namer, "P", "lic-wpa", None, "STANDARDPACK");
        assert_eq!((a.name.as_str(), b.name.as_str()), ("LIC-WPA", "lic-wpa-2"));
        assert_eq!(b.mail_nickname, "lic-wpa-2");
        let c = addon_group_name(
            &mut namer,
            "P",
            "LIC-E3",
            Some("WORKPLACE_ANALYTICS"),
            "ENTERPRISEPACK",
        );
        assert_eq!(c.name, "LIC-E3");
        assert!(
            c.description
                .starts_with("add-on group: WORKPLACE_ANALYTICS with ENTERPRISEPACK"),
            "{}",
            c.description
        );
    }
}
