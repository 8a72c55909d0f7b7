//! What an ops sequence relies on, for its verdict's evidence: the products it adds, the
//! licensed groups it changes or whose members it changes, and the users it touches. Names
//! are resolved as the engine resolves them (ids first, then UPNs, display names and part
//! numbers); a name the engine would refuse is left out here, as the engine reports it.

use crate::catalog::{Catalog, Lookup};
use crate::ingest::evidence::Touched;
use crate::model::{GroupId, SkuId, Tenant, UserId};

use super::ops::{Op, OpsFile};

/// The products, groups and users the ops touch.
pub fn touched(t: &Tenant, ops: &OpsFile) -> Touched {
    let mut out = Touched::default();
    let sku = |name: &str| -> Option<SkuId> {
        if let Ok(id) = SkuId::parse(name.trim()) {
            return Some(id);
        }
        if let Some(s) = t.skus.values().find(|s| {
            s.part_number
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(name.trim()))
                || s.display_name
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(name.trim()))
        }) {
            return Some(s.id);
        }
        match Catalog::bundled().resolve(name.trim()) {
            Lookup::One(c) => Some(c.id),
            _ => None,
        }
    };
    let group = |name: &str| -> Option<GroupId> {
        if let Ok(id) = GroupId::parse(name.trim()) {
            return t.groups.contains_key(&id).then_some(id);
        }
        t.groups
            .values()
            .find(|g| {
                g.display_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name.trim()))
            })
            .map(|g| g.id)
    };
    let user = |name: &str| -> Option<UserId> {
        if let Ok(id) = UserId::parse(name.trim()) {
            return Some(id);
        }
        t.users
            .values()
            .find(|u| {
                u.upn
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name.trim()))
            })
            .map(|u| u.id)
    };
    // Groups whose membership or licenses the ops change: their members' licenses change.
    let mut changed_groups: Vec<GroupId> = Vec::new();
    // Groups whose members change or are reprocessed: they matter when they carry licenses.
    let mut licensed_member_change: Vec<GroupId> = Vec::new();
    for (_, op) in &ops.ops {
        match op {
            Op::AssignGroupLicense {
                group: g, sku: s, ..
            } => {
                out.skus.extend(sku(s));
                changed_groups.extend(group(g));
            }
            Op::ChangeGroupLicense { group: g, add, .. } => {
                out.skus.extend(add.iter().filter_map(|l| sku(&l.sku)));
                changed_groups.extend(group(g));
            }
            Op::RemoveGroupLicense { group: g, .. } | Op::DeleteGroup { group: g } => {
                changed_groups.extend(group(g))
            }
            Op::AddMember { group: g, user: u } => {
                out.users.extend(user(u));
                if let Some(x) = group(g).and_then(|g| t.groups.get(&g)) {
                    out.skus.extend(x.licenses.iter().map(|l| l.sku));
                    licensed_member_change.push(x.id);
                }
            }
            Op::RemoveMember { group: g, user: u } => {
                out.users.extend(user(u));
                licensed_member_change.extend(group(g));
            }
            Op::AssignDirectLicense {
                user: u, sku: s, ..
            } => {
                out.users.extend(user(u));
                out.skus.extend(sku(s));
            }
            Op::ChangeDirectLicense { user: u, add, .. } => {
                out.users.extend(user(u));
                out.skus.extend(add.iter().filter_map(|l| sku(&l.sku)));
            }
            Op::RemoveDirectLicense { user: u, .. } | Op::SetUsageLocation { user: u, .. } => {
                out.users.extend(user(u));
            }
            Op::Reprocess { group: g, user: u } => {
                out.users.extend(u.as_deref().and_then(user));
                licensed_member_change.extend(g.as_deref().and_then(group));
            }
            Op::CreateGroup { .. } | Op::WaitForProcessing { .. } => {}
        }
    }
    changed_groups.extend(
        licensed_member_change
            .into_iter()
            .filter(|g| t.groups.get(g).is_some_and(|x| x.is_licensed())),
    );
    for g in changed_groups {
        if let Some(x) = t.groups.get(&g) {
            out.users.extend(x.user_members());
        }
        out.groups.insert(g);
    }
    // Users' inherited licenses come from groups: the groups they inherit from count too.
    for u in &out.users {
        if let Some(x) = t.users.get(u) {
            for a in &x.assignments {
                if let crate::model::AssignmentPath::Group(g) = a.path {
                    out.groups.insert(g);
                }
            }
        }
    }
    out.receiving = out.users.clone();
    out
}
