//! Holds back movers who would fail in a way known before any simulation: each a check of its
//! own ([`PRECHECKS`], in order): a shared proxy address (UniquenessViolation), no usage
//! location where one is needed, a target product that lacks a service the user has, one
//! that conflicts with a license the user keeps on another path (MutuallyExclusiveViolation),
//! or an add-on Microsoft's add-on group pattern cannot carry (`addon-dependency`, `addon.rs`).

use std::collections::BTreeMap;

use crate::inspect::SharedProxies;
use crate::model::{AssignmentPath, GroupId, PlanIds, SkuId, Tenant, UserId};
use crate::simulate::rules::Rules;

use super::doc::{HeldBack, HoldReason};
use super::intent::{Intent, Move, Strategy};
use super::names::Names;
use super::select::{hold, Hold, Mover};

/// What the prechecks read.
pub struct Pre<'a> {
    pub t: &'a Tenant,
    pub rules: &'a Rules,
    pub names: Names<'a>,
    pub shared: &'a SharedProxies,
    /// Which products hold add-on plans (found once per product).
    pub addon_skus: super::addon::AddonSkus,
}

/// A precheck of one mover of a move.
pub type Precheck = fn(&Pre<'_>, &Move, &Mover<'_>) -> Option<Hold>;

/// The prechecks, in the order they run; the first that fails holds the mover back.
pub const PRECHECKS: &[Precheck] = &[
    shared_proxy_address,
    usage_location,
    target_lacks_service,
    mutually_exclusive,
    addon_dependency,
];

/// Runs [`PRECHECKS`] on every mover; those failing one are held back and dropped.
pub fn precheck_conflicts(
    t: &Tenant,
    rules: &Rules,
    intent: &Intent,
    movers: &mut Vec<Mover>,
    held: &mut BTreeMap<UserId, HeldBack>,
    shared: &SharedProxies,
) {
    let pre = Pre {
        t,
        rules,
        names: Names { t },
        shared,
        addon_skus: Default::default(),
    };
    movers.retain(|m| {
        let mv = &intent.moves[m.mv];
        for c in PRECHECKS {
            if let Some(h) = c(&pre, mv, m) {
                hold(held, m.record, h);
                return false;
            }
        }
        true
    });
}

/// A shared proxy address fails every product with an Exchange plan (R5).
pub fn shared_proxy_address(p: &Pre<'_>, mv: &Move, m: &Mover<'_>) -> Option<Hold> {
    let addr = p.shared.get(&m.user)?;
    let exchange = [mv.from, mv.to].iter().any(|s| {
        p.names
            .plans_of(*s)
            .iter()
            .any(|x| p.rules.needs_unique_proxy(&x.name))
    });
    exchange.then(|| {
        Hold::new(
            HoldReason::UniquenessViolation,
            format!("the proxy address {addr} is also another user's: Proxy address is already being used"),
        )
    })
}

/// Group licensing falls back on the organization's usage location, direct assignment does not
/// (R6).
pub fn usage_location(p: &Pre<'_>, mv: &Move, m: &Mover<'_>) -> Option<Hold> {
    let direct_change = mv.from != mv.to && mv.strategy == Strategy::ChangeThenMigrate;
    if m.record.usage_location.is_some() || (p.t.default_usage_location.is_some() && !direct_change)
    {
        return None;
    }
    let why = if direct_change {
        "the user has no usage location, and a direct license change needs one"
    } else {
        "the user has no usage location and the organization's is not known (set default_usage_location in the intent if it is)"
    };
    let h = Hold::new(HoldReason::ProhibitedInUsageLocationViolation, why.into());
    Some(if direct_change {
        h.fix(super::select::USAGE_LOCATION_DIRECT_FIX)
    } else {
        h
    })
}

/// The target's enabled plans for this mover.
fn target_plans(p: &Pre<'_>, mv: &Move, m: &Mover<'_>) -> Vec<crate::model::ServicePlan> {
    p.names
        .plans_of(mv.to)
        .into_iter()
        .filter(|x| !m.target_disabled.contains(&x.id))
        .collect()
}

/// Every service the user has in `from` must survive in `to`, itself or a successor (R11:
/// enable at least each service the user had).
pub fn target_lacks_service(p: &Pre<'_>, mv: &Move, m: &Mover<'_>) -> Option<Hold> {
    if mv.from == mv.to {
        return None;
    }
    let target: PlanIds = target_plans(p, mv, m).iter().map(|x| x.id).collect();
    let missing: Vec<String> = p
        .names
        .plans_of(mv.from)
        .iter()
        .filter(|x| !m.disabled.contains(&x.id))
        .filter(|x| {
            !target.contains(&x.id) && !p.rules.successors(x.id).iter().any(|s| target.contains(s))
        })
        .map(|x| x.name.clone())
        .collect();
    (!missing.is_empty()).then(|| {
        Hold::new(
            HoldReason::TargetLacksService,
            format!(
                "{} has no plan that provides {} (or a successor)",
                p.names.sku(mv.to),
                missing.join(", ")
            ),
        )
    })
}

/// A target plan that conflicts with one the user keeps on another path (every path except the
/// direct one the move replaces).
pub fn mutually_exclusive(p: &Pre<'_>, mv: &Move, m: &Mover<'_>) -> Option<Hold> {
    if mv.from == mv.to {
        return None;
    }
    let target = target_plans(p, mv, m);
    let u = m.record;
    // Each kept plan with its product, the path's words, and the group of a group path.
    type Kept = (SkuId, crate::model::ServicePlan, String, Option<GroupId>);
    let mut kept: Vec<Kept> = Vec::new();
    for a in u.assignments.iter().filter(|a| !a.is_error()) {
        if a.sku == mv.from && a.path == AssignmentPath::Direct {
            continue;
        }
        let (via, group) = match a.path {
            AssignmentPath::Group(g) => (
                p.t.groups
                    .get(&g)
                    .map_or_else(|| g.to_string(), |g| g.label()),
                Some(g),
            ),
            _ => ("a direct assignment".to_owned(), None),
        };
        for x in p
            .names
            .plans_of(a.sku)
            .into_iter()
            .filter(|x| !a.disabled_plans.contains(&x.id))
        {
            kept.push((a.sku, x, via.clone(), group));
        }
    }
    for x in &target {
        for (sku, k, via, group) in &kept {
            if let Some(set) = p.rules.conflict(x.id, k.id) {
                let h = Hold::new(
                    HoldReason::MutuallyExclusiveViolation,
                    format!(
                        "{} of {} would conflict with {} of {} the user keeps through {via} ({})",
                        x.name,
                        p.names.sku(mv.to),
                        k.name,
                        p.names.sku(*sku),
                        set.id
                    ),
                );
                return Some(match group {
                    Some(g) => h.group(*g, via.clone()),
                    None => h,
                });
            }
        }
    }
    None
}

/// An add-on whose prerequisite only the changed product provides, or a moved add-on without
/// its prerequisite, that Microsoft's add-on group pattern cannot carry (`addon.rs`).
pub fn addon_dependency(p: &Pre<'_>, mv: &Move, m: &Mover<'_>) -> Option<Hold> {
    super::addon::addon_dependency(&p.names, p.rules, &p.addon_skus, mv, m)
}
