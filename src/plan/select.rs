//! Who moves: each move's scope expanded into users, and the users held back before any plan is
//! drawn. Each reason to hold a user back is a small check of its own, run in a fixed order:
//! [`USER_CHECKS`] on every user in scope, [`MEMBERSHIP_CHECKS`] once the user's direct
//! assignment is found, [`MOVE_CHECKS`] on a move's movers together, [`PRECHECKS`] on each mover
//! before the first simulation, then seats ([`allocate_seats`]). Users the simulator later finds
//! failing are held back by `plan`.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    AssignmentPath, Group, GroupId, GroupKind, Member, PlanIds, SkuId, Tenant, User, UserId,
};
use crate::simulate::rules::Rules;

use super::doc::{HeldBack, HoldReason, SkipReason, Skipped, Text};
use super::intent::{Carrier, Intent, Move, Scope, Strategy};
use super::names::{map_disabled, Names};

/// A user a move will migrate.
#[derive(Debug, Clone)]
pub struct Mover<'t> {
    pub user: UserId,
    /// The user as exported: kept, so later passes need not look a million users up again.
    pub record: &'t crate::model::User,
    /// The UPN as the plan's actions show it, made once for all of the user's actions.
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

/// Why one user is held back: the reason's code, the detail, and the group involved.
#[derive(Debug, Clone)]
pub struct Hold {
    pub reason: HoldReason,
    pub detail: String,
    pub group: Option<(GroupId, String)>,
    /// A fix for this user's path, in place of the reason's own (see [`Hold::fix`]).
    pub fix: Option<&'static str>,
}

/// The usage-location fix for a direct assignment: only group assignment falls back on the
/// organization's location (R6), so the intent's `default_usage_location` cannot help.
pub const USAGE_LOCATION_DIRECT_FIX: &str = "set the user's usage location (Update-MgUser -UserId <upn> -UsageLocation <XX>): a direct assignment never takes the organization's location (R6), so default_usage_location in the intent cannot help";

impl Hold {
    pub fn new(reason: HoldReason, detail: String) -> Self {
        Hold {
            reason,
            detail,
            group: None,
            fix: None,
        }
    }

    /// The fix for this user, where it depends on more than the reason (the license's path).
    pub fn fix(mut self, fix: &'static str) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The hold names this group (a carrying or scope group).
    pub fn group(mut self, id: GroupId, name: impl Into<String>) -> Self {
        self.group = Some((id, name.into()));
        self
    }

    fn of_group(reason: HoldReason, g: &Group, detail: String) -> Self {
        Hold::new(reason, detail).group(g.id, g.label())
    }
}

/// Holds the user back (the first reason found stays).
pub fn hold(held: &mut BTreeMap<UserId, HeldBack>, u: &User, h: Hold) {
    held.entry(u.id).or_insert_with(|| {
        let (group_id, group_name) = h.group.map_or((None, None), |(i, n)| (Some(i), Some(n)));
        HeldBack {
            user_id: u.id,
            upn: u.upn.clone(),
            reason: h.reason,
            group_id,
            group_name,
            detail: h.detail,
            fix: h.fix.unwrap_or_else(|| h.reason.fix()),
        }
    });
}

/// What the checks read.
pub struct Check<'a> {
    pub t: &'a Tenant,
    pub rules: &'a Rules,
    pub mv: &'a Move,
    pub names: &'a Names<'a>,
}

/// A check of one user in a move's scope.
pub type UserCheck = fn(&Check<'_>, &User) -> Option<Hold>;

/// Checks of every user in scope, before the user's direct assignment is looked at.
pub const USER_CHECKS: &[UserCheck] = &[unknown_path, existing_error];

/// Checks of a user with a direct assignment to move.
pub const MEMBERSHIP_CHECKS: &[UserCheck] = &[carrier_takes_no_members];

/// A license path the export does not state.
pub fn unknown_path(_: &Check<'_>, u: &User) -> Option<Hold> {
    u.assignments
        .iter()
        .any(|a| a.path == AssignmentPath::Unknown)
        .then(|| {
            Hold::new(
                HoldReason::UnknownPath,
                "the export does not say whether the user's licenses are direct or inherited"
                    .into(),
            )
        })
}

/// A license already in an error state.
pub fn existing_error(c: &Check<'_>, u: &User) -> Option<Hold> {
    let bad = u.assignments.iter().find(|a| a.is_error())?;
    let what = bad
        .error
        .map(|e| e.as_str().to_owned())
        .or(bad.state.map(|s| s.as_str().to_owned()))
        .unwrap_or_default();
    let sku =
        c.t.skus
            .get(&bad.sku)
            .map_or_else(|| bad.sku.to_string(), |s| s.label());
    let h = Hold::new(
        HoldReason::ExistingError,
        format!("{sku} is in error ({what})"),
    );
    Some(match bad.path {
        AssignmentPath::Group(g) => {
            let name =
                c.t.groups
                    .get(&g)
                    .map_or_else(|| g.to_string(), |x| x.label());
            h.group(g, name)
        }
        _ => h,
    })
}

/// A dynamic or synced carrying group the user is not a member of: the plan cannot add them.
pub fn carrier_takes_no_members(c: &Check<'_>, u: &User) -> Option<Hold> {
    let Carrier::Existing(g) = &c.mv.group else {
        return None;
    };
    let grp = c.t.groups.get(g)?;
    if grp.has_user(u.id) {
        return None;
    }
    match grp.kind() {
        GroupKind::Dynamic => Some(Hold::of_group(
            HoldReason::DynamicGroupMismatch,
            grp,
            format!(
                "{} is dynamic and its rule does not include the user",
                grp.label()
            ),
        )),
        GroupKind::Synced => Some(Hold::of_group(
            HoldReason::SyncedGroupMismatch,
            grp,
            format!(
                "{} is synced from on-premises and the user is not a member",
                grp.label()
            ),
        )),
        _ => None,
    }
}

/// A check of a move's movers together: the hold applies to each of them.
pub type MoveCheck = fn(&Check<'_>, &[&Mover<'_>]) -> Option<Hold>;

/// Checks of each move's carrying group against the move's movers.
pub const MOVE_CHECKS: &[MoveCheck] = &[carrier_not_security_enabled, carrier_license_change];

/// A carrying group that is not security-enabled cannot carry licenses (R9): the intent asks for
/// something Entra ID would refuse.
pub fn carrier_not_security_enabled(c: &Check<'_>, _: &[&Mover<'_>]) -> Option<Hold> {
    let Carrier::Existing(g) = &c.mv.group else {
        return None;
    };
    let grp = c.t.groups.get(g)?;
    if grp.security_enabled == Some(true) {
        return None;
    }
    let why = if grp.security_enabled.is_none() {
        "securityEnabled is not in the exports"
    } else {
        "it is not security-enabled"
    };
    Some(Hold::of_group(
        HoldReason::GroupNotSecurityEnabled,
        grp,
        format!("{} cannot carry licenses: {why} (R9)", grp.label()),
    ))
}

/// The existing dynamic or synced carrying group of a move that lacks the product the move
/// stages (`None`: the move has no such group).
fn fixed_carrier_lacking<'a>(c: &Check<'a>) -> Option<&'a Group> {
    let Carrier::Existing(g) = &c.mv.group else {
        return None;
    };
    let grp = c.t.groups.get(g)?;
    let staged = match c.mv.strategy {
        Strategy::MigrateThenChange => c.mv.from,
        Strategy::ChangeThenMigrate => c.mv.to,
    };
    (grp.kind() != GroupKind::Static && !grp.licenses.iter().any(|l| l.sku == staged))
        .then_some(grp)
}

/// A dynamic or synced carrying group that lacks the license would have to carry it itself
/// (its membership cannot be edited): every member its rule or sync brings, now and later,
/// would take a seat. The plan does not change such a group unless the move allows it
/// (`allow_license_change: true`).
pub fn carrier_license_change(c: &Check<'_>, _: &[&Mover<'_>]) -> Option<Hold> {
    let grp = fixed_carrier_lacking(c)?;
    if c.mv.allow_license_change {
        return None;
    }
    let staged = match c.mv.strategy {
        Strategy::MigrateThenChange => c.mv.from,
        Strategy::ChangeThenMigrate => c.mv.to,
    };
    let future = if grp.kind() == GroupKind::Dynamic {
        "every user its membership rule matches, now and later"
    } else {
        "every member synced from on-premises, now and later"
    };
    Some(Hold::of_group(
        HoldReason::GroupLicenseChange,
        grp,
        format!(
            "{} is {} and does not carry {}: the plan would have to license the group, and {future} would take a seat ({} member(s) now); the move does not allow it (allow_license_change)",
            grp.label(),
            if grp.kind() == GroupKind::Dynamic { "dynamic" } else { "synced from on-premises" },
            c.names.sku(staged),
            grp.user_members().count()
        ),
    ))
}

/// Which move each user in scope belongs to: a user in the scopes of several moves belongs to
/// the first of them (scopes are disjoint), and the later moves leave the user alone.
#[derive(Debug, Default)]
pub struct Scopes {
    /// Each user in some move's scope, with the index of the move the user belongs to.
    pub owner: rustc_hash::FxHashMap<UserId, usize>,
    /// Per move: the users of its scope that belong to an earlier move, by that move's index.
    pub overlaps: Vec<BTreeMap<usize, u64>>,
}

impl Scopes {
    /// Users in some move's scope (each once).
    pub fn in_scope(&self) -> u64 {
        self.owner.len() as u64
    }

    /// Users that belong to move `mi`.
    pub fn in_scope_of(&self, mi: usize) -> u64 {
        self.owner.values().filter(|m| **m == mi).count() as u64
    }

    /// Takes `u` for move `mi` unless an earlier move has it (then counted as an overlap);
    /// whether `mi` has the user now.
    fn take(&mut self, u: UserId, mi: usize, seen: &mut rustc_hash::FxHashSet<UserId>) -> bool {
        match self.owner.get(&u) {
            Some(k) if *k == mi => true,
            Some(k) => {
                if seen.insert(u) {
                    *self.overlaps[mi].entry(*k).or_default() += 1;
                }
                false
            }
            None => {
                self.owner.insert(u, mi);
                true
            }
        }
    }
}

/// The users of a move's scope, sorted, each once; members reached only through nested groups
/// are held back here (they get nothing from the scope group, R9).
fn scope_users(
    t: &Tenant,
    mv: &Move,
    mi: usize,
    scopes: &mut Scopes,
    seen: &mut rustc_hash::FxHashSet<UserId>,
    held: &mut BTreeMap<UserId, HeldBack>,
) -> Vec<UserId> {
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
                direct.sort_unstable();
                nested_only(t, grp, &direct, mi, scopes, seen, held);
            }
            direct
        }
        Scope::Users(list) => list.clone(),
    };
    users.sort_unstable();
    users.dedup();
    users
}

/// Holds back the users in `grp` only through nested groups (`direct`, sorted, are its own).
fn nested_only(
    t: &Tenant,
    grp: &Group,
    direct: &[UserId],
    mi: usize,
    scopes: &mut Scopes,
    seen_users: &mut rustc_hash::FxHashSet<UserId>,
    held: &mut BTreeMap<UserId, HeldBack>,
) {
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
        let Some(child) = t.groups.get(&c) else {
            continue;
        };
        for m in &child.members {
            match m {
                Member::User(u) if direct.binary_search(u).is_err() => {
                    // A user an earlier move has stays with it.
                    let Some(user) = t.users.get(u) else {
                        continue;
                    };
                    if !scopes.take(*u, mi, seen_users) {
                        continue;
                    }
                    let detail = format!(
                        "in {} only through the nested group {}",
                        grp.label(),
                        child.label()
                    );
                    hold(
                        held,
                        user,
                        Hold::of_group(HoldReason::NestedGroupOnly, grp, detail),
                    );
                }
                Member::Group(cc) => stack.push(*cc),
                Member::User(_) => {}
            }
        }
    }
}

/// Users of every move's scope: movers, held-back users and skipped users.
pub fn select<'t>(
    t: &'t Tenant,
    rules: &Rules,
    intent: &Intent,
    held: &mut BTreeMap<UserId, HeldBack>,
    skipped: &mut Vec<Skipped>,
) -> (Vec<Mover<'t>>, Scopes) {
    let names = Names { t };
    let mut movers: Vec<Mover<'t>> = Vec::new();
    // Looked up, never listed: hash tables (a million users in id-ordered trees cost more).
    let mut scopes = Scopes {
        owner: Default::default(),
        overlaps: vec![BTreeMap::new(); intent.moves.len()],
    };
    for (mi, mv) in intent.moves.iter().enumerate() {
        let check = Check {
            t,
            rules,
            mv,
            names: &names,
        };
        // The users of this scope already counted as an earlier move's (each once).
        let mut seen: rustc_hash::FxHashSet<UserId> = Default::default();
        let users = scope_users(t, mv, mi, &mut scopes, &mut seen, held);
        // Each user looked up once, then taken in UPN order.
        let mut users: Vec<(String, &crate::model::User)> = users
            .iter()
            .filter_map(|u| t.users.get(u))
            .map(|u| (u.upn.as_deref().unwrap_or("").to_lowercase(), u))
            .collect();
        users.sort_unstable_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
        'users: for (sort_key, u) in users {
            let uid = u.id;
            // A user in an earlier move's scope belongs to that move alone.
            if !scopes.take(uid, mi, &mut seen) || held.contains_key(&uid) {
                continue;
            }
            for c in USER_CHECKS {
                if let Some(h) = c(&check, u) {
                    hold(held, u, h);
                    continue 'users;
                }
            }
            let direct = u
                .assignments
                .iter()
                .find(|a| a.sku == mv.from && a.path == AssignmentPath::Direct);
            let Some(direct) = direct else {
                skipped.push(Skipped {
                    user_id: uid,
                    upn: u.upn.clone(),
                    why: SkipReason::NoDirectAssignment,
                });
                continue;
            };
            for c in MEMBERSHIP_CHECKS {
                if let Some(h) = c(&check, u) {
                    hold(held, u, h);
                    continue 'users;
                }
            }
            let mut target_disabled =
                map_disabled(&names, rules, mv.from, mv.to, &direct.disabled_plans);
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
                upn: u.upn.as_deref().map(Text::from),
                sort_key,
                mv: mi,
                disabled: direct.disabled_plans.clone(),
                target_disabled,
            });
        }
    }
    for (mi, mv) in intent.moves.iter().enumerate() {
        let check = Check {
            t,
            rules,
            mv,
            names: &names,
        };
        let of_move: Vec<&Mover> = movers.iter().filter(|m| m.mv == mi).collect();
        for c in MOVE_CHECKS {
            if let Some(h) = c(&check, &of_move) {
                for m in &of_move {
                    hold(held, m.record, h.clone());
                }
            }
        }
    }
    movers.retain(|m| !held.contains_key(&m.user));
    (movers, scopes)
}

/// Holds back the users a product change cannot seat: seats of the target are taken in UPN
/// order, and the rest wait (R5 CountViolation would fail them, and which users fail is not
/// guaranteed). A mover carried by an add-on group (`addon.rs`) takes the target's seat at the
/// add-on group, before the change, and the change then needs no other (R2): one seat per
/// mover either way, counted here once.
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
            let label = t
                .skus
                .get(&sku)
                .map_or_else(|| sku.to_string(), |s| s.label());
            for i in &idx[available..] {
                drop.insert(*i);
                let detail = format!(
                    "{label}: {available} seat(s) available for {} user(s); {short} more needed",
                    idx.len()
                );
                hold(
                    held,
                    movers[*i].record,
                    Hold::new(HoldReason::CountViolation, detail),
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
