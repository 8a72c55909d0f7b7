//! Plain CSV without a users file: the users its assignments and memberships name exist.
//!
//! A user named by object id is that user. A user named only by UPN gets an id derived from
//! the UPN (a name-based UUID, version 5, of the case-folded UPN in [`upn_namespace`]): the same
//! UPN always gives the same id, so runs and snapshots agree, and a `user-id-from-upn` finding
//! says the ids are licplan's, not Entra's. Rows that name some users by id and others by UPN
//! are refused: without a users file, licplan cannot tell whether an id and a UPN are one
//! person, and reading them as two would split that person's license paths.
//!
//! What only a users file says (usage location, proxy addresses, whether the account is
//! enabled) stays unknown, is reported as `users-from-references`, and is never guessed.

use std::collections::{BTreeMap, BTreeSet};

use super::{Builder, InputError};
use crate::findings::FindingCode;
use crate::ingest::raw::{GroupRef, MemberKind, MemberRef, Origin, UserRef};
use crate::model::{ids::fold_case, Group, GroupId, User, UserId};

/// The namespace of ids derived from UPNs: `uuid5(NAMESPACE_URL, "urn:licplan:upn")`.
fn upn_namespace() -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:licplan:upn")
}

/// The id licplan gives a user known only by UPN.
fn id_from_upn(upn: &str) -> UserId {
    UserId::from_uuid(uuid::Uuid::new_v5(
        &upn_namespace(),
        fold_case(upn.trim()).as_bytes(),
    ))
}

impl Builder {
    /// Whether any users export (Graph, PowerShell, admin center or plain CSV) was read.
    fn users_file_seen(&self) -> bool {
        self.sources
            .iter()
            .any(|s| s.content == crate::ingest::SourceContent::Users)
            || self.users.len() != 0
    }

    /// With no groups file, adds the groups that plain CSV rows name (by id, or by display
    /// name with an id derived from it, as for users); then the users.
    pub(super) fn add_named_in_rows(&mut self) {
        let plain = self.assignments_file_seen || self.memberships_file_seen;
        let groups_seen = self
            .sources
            .iter()
            .any(|s| s.content == crate::ingest::SourceContent::Groups)
            || !self.groups.is_empty();
        if plain && !groups_seen {
            let mut named: BTreeMap<String, (GroupRef, Origin)> = BTreeMap::new();
            let mut add = |g: &GroupRef, o: Origin| {
                let key = match g {
                    GroupRef::Id(id) => id.to_string(),
                    GroupRef::Name(n) => fold_case(n.trim()).into_owned(),
                };
                named.entry(key).or_insert_with(|| (g.clone(), o));
            };
            for r in &self.assignments {
                if let Some(g) = &r.by_group {
                    add(g, r.origin);
                }
            }
            for r in self
                .membership_runs
                .iter()
                .flatten()
                .chain(&self.memberships)
            {
                add(&r.group, r.origin);
            }
            for r in &self.group_licenses {
                add(&r.group, r.origin);
            }
            for (_, (g, o)) in named {
                let (id, name) = match g {
                    GroupRef::Id(id) => (id, None),
                    GroupRef::Name(n) => {
                        let id = GroupId::from_uuid(uuid::Uuid::new_v5(
                            &uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:licplan:group"),
                            fold_case(n.trim()).as_bytes(),
                        ));
                        (id, Some(n.trim().to_owned()))
                    }
                };
                let label = name.clone().unwrap_or_else(|| id.to_string());
                self.findings.add(
                    FindingCode::GroupsFromReferences,
                    format!("{label}: {id} ({})", self.place(o)),
                );
                self.add_group(
                    Group {
                        id,
                        display_name: name,
                        security_enabled: None,
                        unified: false,
                        dynamic: false,
                        membership_rule: None,
                        on_premises_sync_enabled: None,
                        unique_name: None,
                        license_processing: None,
                        licenses: Vec::new(),
                        members: Vec::new(),
                    },
                    o,
                );
            }
        }
        self.users_from_references();
    }

    /// With no users file, adds the users that assignment and membership rows name.
    fn users_from_references(&mut self) {
        // Plain CSV only: a Graph tenant without its users export is incomplete, not this.
        let plain = self.assignments_file_seen || self.memberships_file_seen;
        if !plain
            || self.users_file_seen()
            || (self.assignments.is_empty() && !self.has_membership_rows())
        {
            return;
        }
        let group_names: BTreeSet<String> = self
            .groups
            .values()
            .filter_map(|g| g.display_name.as_deref())
            .map(|n| fold_case(n.trim()).into_owned())
            .collect();
        let mut by_id: BTreeMap<UserId, Origin> = BTreeMap::new();
        let mut by_upn: BTreeMap<String, (String, Origin)> = BTreeMap::new();
        let mut upn = |name: &str, o: Origin| {
            by_upn
                .entry(fold_case(name.trim()).into_owned())
                .or_insert_with(|| (name.trim().to_owned(), o));
        };
        for r in &self.assignments {
            match &r.user {
                UserRef::Id(id) => {
                    by_id.entry(*id).or_insert(r.origin);
                }
                UserRef::Upn(name) => upn(name, r.origin),
            }
        }
        for r in self
            .membership_runs
            .iter()
            .flatten()
            .chain(&self.memberships)
        {
            match &r.member {
                MemberRef::Id(u, MemberKind::User) => {
                    by_id.entry(UserId::from_uuid(*u)).or_insert(r.origin);
                }
                MemberRef::Id(u, MemberKind::Unknown)
                    if !self.groups.contains_key(&GroupId::from_uuid(*u)) =>
                {
                    by_id.entry(UserId::from_uuid(*u)).or_insert(r.origin);
                }
                MemberRef::Name(name, MemberKind::User) => upn(name, r.origin),
                MemberRef::Name(name, MemberKind::Unknown)
                    if !group_names.contains(fold_case(name.trim()).as_ref()) =>
                {
                    upn(name, r.origin)
                }
                _ => {}
            }
        }
        if let (Some((_, id_at)), Some((name, (_, upn_at)))) =
            (by_id.iter().next(), by_upn.iter().next())
        {
            let (file, place) = self.location(*upn_at);
            let other = self.place(*id_at);
            self.error(
                InputError::new(
                    &file,
                    place,
                    format!(
                        "with no users file, this row names user {name:?} by UPN while {other} names a user by object id: licplan cannot tell whether they are one person"
                    ),
                )
                .field("user")
                .hint("add the users file (users.csv with id and userPrincipalName, or a Graph users export), or name every user the same way"),
            );
            return;
        }
        let licensed = self.assignments_file_seen;
        for (id, o) in by_id {
            let user = bare_user(id, None);
            self.findings.add(
                FindingCode::UsersFromReferences,
                format!("{} ({})", user.label(), self.place(o)),
            );
            self.add_user(user, licensed, o);
        }
        for (_, (name, o)) in by_upn {
            let id = id_from_upn(&name);
            self.findings
                .add(FindingCode::UserIdFromUpn, format!("{name}: {id}"));
            self.findings.add(
                FindingCode::UsersFromReferences,
                format!("{name} ({})", self.place(o)),
            );
            self.add_user(bare_user(id, Some(name)), licensed, o);
        }
    }

    fn has_membership_rows(&self) -> bool {
        !self.memberships.is_empty() || self.membership_runs.iter().any(|r| !r.is_empty())
    }
}

fn bare_user(id: UserId, upn: Option<String>) -> User {
    User {
        id,
        upn,
        display_name: None,
        usage_location: None,
        account_enabled: None,
        proxy_addresses: Vec::new(),
        assignments: Vec::new(),
    }
}
