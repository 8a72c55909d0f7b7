//! Who moves: each move's scope expanded into users, and the users held back before any plan is
//! drawn (unknown paths, existing errors, nested-only membership, groups a plan cannot edit,
//! seats). Users the simulator later finds failing are held back by `build`.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    AssignmentPath, GroupId, GroupKind, Member, PlanIds, SkuId, Tenant, User, UserId,
};

use super::doc::{HeldBack, Skipped, Text};
use super::intent::{Carrier, Intent, Scope};

/// A user a move will migrate.
#[derive(Debug, Clone)]
pub struct Mover<'t> {
    pub user: UserId,
    /// The user as exported: kept, so later passes need not look a million users up again.
    pub record: &'t crate::model::User,
    /// The id and UPN as the plan's actions show them, made once for all of the user's actions.
    pub id_text: Text,
    pub upn: Option<Text>,
    /// The UPN in lower case: waves take users in this order.
    pub sort_key: String,
    pub mv: usize,
    /// The disabled plans of the user's direct `from` assignment.
    pub disabled: PlanIds,
    /// For a product change: the disabled plans of `to` that keep every service the user has —
    /// `from`'s services or their successors, and whatever a direct `to` the user already
    /// holds enables (R3: never narrower than what the user has).
    pub target_disabled: PlanIds,
}

impl Mover<'_> {
    /// Sort key: UPN (ignoring case), then id, so waves are stable.
    pub fn key(&self) -> (&str, UserId) {
        (&self.sort_key, self.user)
    }
}

/// Hold-back reasons and their fixes, as stable codes.
pub fn fix_for(reason: &str) -> &'static str {
    match reason {
        "CountViolation" => "buy or free seats of the target product (the detail says how many), then plan again",
        "MutuallyExclusiveViolation" => "remove the conflicting license or disable the conflicting plan on the user's other path (the detail names it), then plan again",
        "DependencyViolation" => "put the prerequisite in the same group as the add-on (Microsoft's documented way for Workplace Analytics: the group also carries Office 365 E3 with only Exchange Online (Plan 2) enabled, which takes no extra seat from users who hold E3 already), or keep the prerequisite on another path, then plan again",
        "ProhibitedInUsageLocationViolation" => "set the user's usage location (Update-MgUser -UserId <upn> -UsageLocation <XX>) or set default_usage_location in the intent",
        "UniquenessViolation" => "remove the duplicate proxy address (Get-Recipient -Filter \"EmailAddresses -eq '<address>'\"), then plan again",
        "existing-error" => "resolve the user's licensing error and reprocess the user (Invoke-MgLicenseUser) before migrating",
        "nested-group-only" => "add the user to the group directly: licenses are not inherited through nested groups",
        "dynamic-group-mismatch" => "the carrying group is dynamic: change its membership rule so it includes the user, or carry the license with a static group",
        "synced-group-mismatch" => "the carrying group is synced from on-premises: add the user there and wait for the sync, or carry the license with a cloud group",
        "unknown-path" => "export users with licenseAssignmentStates (Graph REST or Get-MgUser -Property LicenseAssignmentStates) so direct and inherited paths are known",
        "GroupNotSecurityEnabled" => "carry the license with a security-enabled group (or a Microsoft 365 group with securityEnabled true)",
        "target-lacks-service" => "choose a target product that includes every service the user has (or its successor), or keep the user on the current product",
        _ => "see the detail; fix the cause and plan again",
    }
}

pub fn hold(held: &mut BTreeMap<UserId, HeldBack>, u: &User, reason: &str, detail: String) {
    held.entry(u.id).or_insert_with(|| HeldBack {
        user_id: u.id.to_string(),
        upn: u.upn.clone(),
        reason: reason.to_owned(),
        detail,
        fix: fix_for(reason).to_owned(),
    });
}

/// Users of every move's scope: movers, held-back users and skipped users.
pub fn select<'t>(
    t: &'t Tenant,
    rules: &crate::simulate::rules::Rules,
    intent: &Intent,
    held: &mut BTreeMap<UserId, HeldBack>,
    skipped: &mut Vec<Skipped>,
) -> (Vec<Mover<'t>>, u64) {
    let mut movers: Vec<Mover<'t>> = Vec::new();
    // Looked up, never listed: hash tables (a million users in id-ordered trees cost more).
    let mut taken: rustc_hash::FxHashMap<UserId, usize> = Default::default();
    let mut in_scope: rustc_hash::FxHashSet<UserId> = Default::default();
    for (mi, mv) in intent.moves.iter().enumerate() {
        let mut users: Vec<UserId> = match &mv.scope {
            Scope::DirectHolders => t
                .users
                .values()
                .filter(|u| {
                    u.assignments.iter().any(|a| {
                        a.sku == mv.from
                            && matches!(a.path, AssignmentPath::Direct | AssignmentPath::Unknown)
                    })
                })
                .map(|u| u.id)
                .collect(),
            Scope::Group(g) => {
                let mut direct = Vec::new();
                if let Some(grp) = t.groups.get(g) {
                    direct.extend(grp.user_members());
                    // Members reached only through nested groups get nothing from this group (R9).
                    let mut seen = BTreeSet::new();
                    let mut stack: Vec<GroupId> = grp
                        .members
                        .iter()
                        .filter_map(|m| match m {
                            Member::Group(c) => Some(*c),
                            Member::User(_) => None,
                        })
                        .collect();
                    while let Some(c) = stack.pop() {
                        if !seen.insert(c) {
                            continue;
                        }
                        if let Some(child) = t.groups.get(&c) {
                            for m in &child.members {
                                match m {
                                    // A user an earlier move already takes stays with it.
                                    // `direct` is sorted: a group's members are.
                                    Member::User(u)
                                        if direct.binary_search(u).is_err()
                                            && !taken.contains_key(u) =>
                                    {
                                        if let Some(user) = t.users.get(u) {
                                            in_scope.insert(*u);
                                            hold(
                                                held,
                                                user,
                                                "nested-group-only",
                                                format!(
                                                    "in {} only through the nested group {}",
                                                    grp.label(),
                                                    child.label()
                                                ),
                                            );
                                        }
                                    }
                                    Member::Group(cc) => stack.push(*cc),
                                    Member::User(_) => {}
                                }
                            }
                        }
                    }
                }
                direct
            }
            Scope::Users(list) => list.clone(),
        };
        users.sort_unstable();
        users.dedup();
        // Each user looked up once, then taken in UPN order.
        let mut users: Vec<(String, &crate::model::User)> = users
            .iter()
            .filter_map(|u| t.users.get(u))
            .map(|u| (u.upn.as_deref().unwrap_or("").to_lowercase(), u))
            .collect();
        users.sort_unstable_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
        for (sort_key, u) in users {
            let uid = u.id;
            in_scope.insert(uid);
            if held.contains_key(&uid) {
                continue;
            }
            if let Some(other) = taken.get(&uid) {
                skipped.push(Skipped {
                    user_id: uid.to_string(),
                    upn: u.upn.clone(),
                    why: format!("already moved by move {}", other + 1),
                });
                continue;
            }
            if u.assignments
                .iter()
                .any(|a| a.path == AssignmentPath::Unknown)
            {
                hold(
                    held,
                    u,
                    "unknown-path",
                    "the export does not say whether the user's licenses are direct or inherited"
                        .into(),
                );
                continue;
            }
            if let Some(bad) = u.assignments.iter().find(|a| a.is_error()) {
                let what = bad
                    .error
                    .map(|e| e.as_str().to_owned())
                    .or(bad.state.map(|s| s.as_str().to_owned()))
                    .unwrap_or_default();
                let sku = t
                    .skus
                    .get(&bad.sku)
                    .map_or_else(|| bad.sku.to_string(), |s| s.label());
                hold(
                    held,
                    u,
                    "existing-error",
                    format!("{sku} is in error ({what})"),
                );
                continue;
            }
            let direct = u
                .assignments
                .iter()
                .find(|a| a.sku == mv.from && a.path == AssignmentPath::Direct);
            let Some(direct) = direct else {
                skipped.push(Skipped {
                    user_id: uid.to_string(),
                    upn: u.upn.clone(),
                    why: "holds no direct assignment of the product to move".into(),
                });
                continue;
            };
            if let Carrier::Existing(g) = &mv.group {
                if let Some(grp) = t.groups.get(g) {
                    let member = grp.has_user(uid);
                    match grp.kind() {
                        GroupKind::Dynamic if !member => {
                            hold(
                                held,
                                u,
                                "dynamic-group-mismatch",
                                format!(
                                    "{} is dynamic and its rule does not include the user",
                                    grp.label()
                                ),
                            );
                            continue;
                        }
                        GroupKind::Synced if !member => {
                            hold(
                                held,
                                u,
                                "synced-group-mismatch",
                                format!(
                                    "{} is synced from on-premises and the user is not a member",
                                    grp.label()
                                ),
                            );
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            taken.insert(uid, mi);
            let names = super::draw::Names { t };
            let mut target_disabled =
                super::draw::map_disabled(&names, rules, mv.from, mv.to, &direct.disabled_plans);
            if mv.from != mv.to {
                if let Some(held_to) = u
                    .assignments
                    .iter()
                    .find(|a| a.sku == mv.to && a.path == AssignmentPath::Direct && !a.is_error())
                {
                    target_disabled = target_disabled
                        .intersection(&held_to.disabled_plans)
                        .copied()
                        .collect();
                }
            }
            movers.push(Mover {
                user: uid,
                record: u,
                id_text: uid.to_string().into(),
                upn: u.upn.as_deref().map(Text::from),
                sort_key,
                mv: mi,
                disabled: direct.disabled_plans.clone(),
                target_disabled,
            });
        }
    }
    // A carrying group that is not security-enabled cannot carry licenses (R9): the intent
    // asks for something Entra ID would refuse.
    for (mi, mv) in intent.moves.iter().enumerate() {
        let Carrier::Existing(g) = &mv.group else {
            continue;
        };
        let Some(grp) = t.groups.get(g) else { continue };
        if grp.security_enabled == Some(true) {
            continue;
        }
        let why = if grp.security_enabled.is_none() {
            "securityEnabled is not in the exports"
        } else {
            "it is not security-enabled"
        };
        for m in movers.iter().filter(|m| m.mv == mi) {
            hold(
                held,
                m.record,
                "GroupNotSecurityEnabled",
                format!("{} cannot carry licenses: {why} (R9)", grp.label()),
            );
        }
    }
    // A dynamic or synced carrying group that lacks the license carries it itself (its
    // membership cannot be edited): every member then gets it, so each must be one of the
    // move's users, or the group would license people the plan does not move.
    for (mi, mv) in intent.moves.iter().enumerate() {
        let Carrier::Existing(g) = &mv.group else {
            continue;
        };
        let Some(grp) = t.groups.get(g) else { continue };
        let staged = match mv.strategy {
            super::intent::Strategy::MigrateThenChange => mv.from,
            super::intent::Strategy::ChangeThenMigrate => mv.to,
        };
        if grp.kind() == GroupKind::Static || grp.licenses.iter().any(|l| l.sku == staged) {
            continue;
        }
        let moving: BTreeSet<UserId> = movers
            .iter()
            .filter(|m| m.mv == mi)
            .map(|m| m.user)
            .collect();
        let others = grp.user_members().filter(|u| !moving.contains(u)).count();
        if others > 0 {
            let reason = if grp.kind() == GroupKind::Dynamic {
                "dynamic-group-mismatch"
            } else {
                "synced-group-mismatch"
            };
            for m in movers.iter().filter(|m| m.mv == mi) {
                hold(
                    held,
                    m.record,
                    reason,
                    format!(
                        "{} would have to carry the license itself, and {others} of its members are not moved by this plan",
                        grp.label()
                    ),
                );
            }
        }
    }
    movers.retain(|m| !held.contains_key(&m.user));
    (movers, in_scope.len() as u64)
}

/// Holds back the users a product change cannot seat: seats of the target are taken in UPN
/// order, and the rest wait (R5 CountViolation would fail them, and which users fail is not
/// guaranteed).
pub fn allocate_seats(
    t: &Tenant,
    intent: &Intent,
    movers: &mut Vec<Mover>,
    held: &mut BTreeMap<UserId, HeldBack>,
) {
    let mut by_target: BTreeMap<SkuId, Vec<usize>> = BTreeMap::new();
    for (i, m) in movers.iter().enumerate() {
        let mv = &intent.moves[m.mv];
        if mv.from == mv.to {
            continue;
        }
        let holds_target = m
            .record
            .assignments
            .iter()
            .any(|a| a.sku == mv.to && !a.is_error());
        if !holds_target {
            by_target.entry(mv.to).or_default().push(i);
        }
    }
    let mut drop: BTreeSet<usize> = BTreeSet::new();
    for (sku, mut idx) in by_target {
        let Some(seats) = t.skus.get(&sku).and_then(|s| s.seats) else {
            continue;
        };
        // The move frees `from` seats only after `to` seats are taken (an atomic change needs
        // both at once), so only the seats available now count.
        let available = (i64::from(seats.enabled) - i64::from(seats.consumed)).max(0) as usize;
        idx.sort_by(|a, b| movers[*a].key().cmp(&movers[*b].key()));
        if idx.len() > available {
            let short = idx.len() - available;
            for i in &idx[available..] {
                drop.insert(*i);
                let label = t
                    .skus
                    .get(&sku)
                    .map_or_else(|| sku.to_string(), |s| s.label());
                hold(
                    held,
                    movers[*i].record,
                    "CountViolation",
                    format!("{label}: {available} seat(s) available for {} user(s); {short} more needed", idx.len()),
                );
            }
        }
    }
    let mut i = 0;
    movers.retain(|_| {
        let keep = !drop.contains(&i);
        i += 1;
        keep
    });
}

/// Holds back users who would fail in a way known before any simulation: a shared proxy
/// address (UniquenessViolation), no usage location where one is needed, or a target product
/// that conflicts with a license they keep on another path (MutuallyExclusiveViolation). Seats
/// are then allocated among users who can move.
pub fn precheck_conflicts(
    t: &Tenant,
    rules: &crate::simulate::rules::Rules,
    intent: &Intent,
    movers: &mut Vec<Mover>,
    held: &mut BTreeMap<UserId, HeldBack>,
    shared: &crate::inspect::SharedProxies,
) {
    let names = super::draw::Names { t };
    movers.retain(|m| {
        let mv = &intent.moves[m.mv];
        let u = m.record;
        // A shared proxy address fails every product with an Exchange plan (R5).
        if let Some(addr) = shared.get(&u.id) {
            let exchange = [mv.from, mv.to].iter().any(|s| {
                names
                    .plans_of(*s)
                    .iter()
                    .any(|p| rules.needs_unique_proxy(&p.name))
            });
            if exchange {
                hold(held, u, "UniquenessViolation", format!("the proxy address {addr} is also another user's: Proxy address is already being used"));
                return false;
            }
        }
        // Group licensing falls back on the organization's usage location, direct assignment
        // does not (R6).
        let direct_change = mv.from != mv.to && mv.strategy == super::intent::Strategy::ChangeThenMigrate;
        if u.usage_location.is_none() && (t.default_usage_location.is_none() || direct_change) {
            let why = if direct_change {
                "the user has no usage location, and a direct license change needs one"
            } else {
                "the user has no usage location and the organization's is not known (set default_usage_location in the intent if it is)"
            };
            hold(held, u, "ProhibitedInUsageLocationViolation", why.into());
            return false;
        }
        if mv.from == mv.to {
            return true;
        }
        let disabled = m.target_disabled.clone();
        // Every service the user has in `from` must survive in `to`, itself or a successor
        // (R11: enable at least each service the user had).
        let target: PlanIds = names
            .plans_of(mv.to)
            .iter()
            .map(|p| p.id)
            .filter(|p| !disabled.contains(p))
            .collect();
        let missing: Vec<String> = names
            .plans_of(mv.from)
            .iter()
            .filter(|p| !m.disabled.contains(&p.id))
            .filter(|p| !target.contains(&p.id) && !rules.successors(p.id).iter().any(|s| target.contains(s)))
            .map(|p| p.name.clone())
            .collect();
        if !missing.is_empty() {
            hold(
                held,
                u,
                "target-lacks-service",
                format!(
                    "{} has no plan that provides {} (or a successor)",
                    names.sku(mv.to),
                    missing.join(", ")
                ),
            );
            return false;
        }
        let target: Vec<crate::model::ServicePlan> = names
            .plans_of(mv.to)
            .into_iter()
            .filter(|p| !disabled.contains(&p.id))
            .collect();
        // What the user keeps: every path except the direct one the move replaces.
        let mut kept: Vec<(SkuId, crate::model::ServicePlan, String)> = Vec::new();
        for a in u.assignments.iter().filter(|a| !a.is_error()) {
            if a.sku == mv.from && a.path == AssignmentPath::Direct {
                continue;
            }
            let via = match a.path {
                AssignmentPath::Group(g) => t.groups.get(&g).map_or_else(|| g.to_string(), |g| g.label()),
                _ => "a direct assignment".to_owned(),
            };
            for p in names.plans_of(a.sku).into_iter().filter(|p| !a.disabled_plans.contains(&p.id)) {
                kept.push((a.sku, p, via.clone()));
            }
        }
        for p in &target {
            for (sku, k, via) in &kept {
                if let Some(set) = rules.conflict(p.id, k.id) {
                    hold(
                        held,
                        u,
                        "MutuallyExclusiveViolation",
                        format!(
                            "{} of {} would conflict with {} of {} the user keeps through {via} ({})",
                            p.name,
                            names.sku(mv.to),
                            k.name,
                            names.sku(*sku),
                            set.id
                        ),
                    );
                    return false;
                }
            }
        }
        true
    });
}
