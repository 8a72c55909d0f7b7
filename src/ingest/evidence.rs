//! What the exports prove, and what they leave open.
//!
//! Every check licplan runs needs evidence: users with per-path license states, seat counts,
//! the members of each licensed group, the organization's usage location, proxy addresses.
//! [`Evidence`] says, per check, whether the exports read hold it (present), hold it for some
//! objects only (partial), or not at all (missing), and how to export what is missing. Paging
//! is checked here too: a page whose `@odata.nextLink` has no page after it among the files is
//! a missing page ([`Reading::gaps`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::builder::Loaded;
use super::source::{SourceContent, SourceFormat};
use crate::model::{AssignmentPath, GroupId, SkuId, UserId};

mod unchecked;

pub use unchecked::Touched;

/// A check that needs evidence: a stable kebab-case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Every page of every paged export was read.
    Paging,
    /// A users export.
    Users,
    /// Per-path license states (`licenseAssignmentStates`): direct or inherited.
    LicensePaths,
    /// Seat counts (`subscribedSkus`, or the plain `skus` file).
    Seats,
    /// The members of every licensed group.
    Memberships,
    /// The organization's usage location, for users without one (R6).
    UsageLocation,
    /// Proxy addresses, for the Exchange uniqueness check.
    ProxyAddresses,
}

impl Check {
    pub const ALL: [Check; 7] = [
        Check::Paging,
        Check::Users,
        Check::LicensePaths,
        Check::Seats,
        Check::Memberships,
        Check::UsageLocation,
        Check::ProxyAddresses,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Paging => "paging",
            Check::Users => "users",
            Check::LicensePaths => "license-paths",
            Check::Seats => "seats",
            Check::Memberships => "memberships",
            Check::UsageLocation => "usage-location",
            Check::ProxyAddresses => "proxy-addresses",
        }
    }

    /// What to export to give this check its evidence.
    pub fn fix(self) -> &'static str {
        match self {
            Check::Paging => "export again following every @odata.nextLink and save every page (PowerShell: -All), or pass --allow-partial to accept a NOT PROVEN verdict",
            Check::Users | Check::LicensePaths => "export GET https://graph.microsoft.com/v1.0/users?$select=id,userPrincipalName,displayName,usageLocation,accountEnabled,proxyAddresses,assignedLicenses,licenseAssignmentStates (PowerShell: Get-MgUser -All -Property …,LicenseAssignmentStates); the admin center's CSV does not say direct or inherited",
            Check::Seats => "export GET https://graph.microsoft.com/v1.0/subscribedSkus (PowerShell: Get-MgSubscribedSku -All), or give a plain skus CSV",
            Check::Memberships => "export GET https://graph.microsoft.com/v1.0/groups/{id}/members for each licensed group, saved as members.{id}.json (PowerShell: Get-MgGroupMember -GroupId {id} -All)",
            Check::UsageLocation => "export GET https://graph.microsoft.com/v1.0/organization?$select=id,countryLetterCode, or set default_usage_location in the intent",
            Check::ProxyAddresses => "add proxyAddresses to the users export's $select (PowerShell: -Property …,ProxyAddresses)",
        }
    }
}

/// How much of a check's evidence the exports hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Present,
    Partial,
    Missing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Partial => "partial",
            Status::Missing => "missing",
        }
    }
}

/// One check's evidence, as `inspect` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub check: Check,
    pub status: Status,
    pub detail: String,
    /// What to export; `None` when present.
    pub fix: Option<String>,
}

/// A check a plan or simulation could not run on complete evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unchecked {
    pub check: Check,
    /// What was not checked and why: "seats of ENTERPRISEPACK not checked: no subscribedSkus
    /// export".
    pub reason: String,
    pub fix: String,
}

/// One JSON file as the paging check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFile {
    pub file: String,
    /// The kind: `users`, `groups`, `skus`, `group-members` (with the group when the file
    /// names it).
    pub content: SourceContent,
    pub group: Option<GroupId>,
    /// Page wrappers read (0 for a bare array or a single object).
    pub pages: u32,
    /// Pages that carried `@odata.nextLink`.
    pub pages_with_next: u32,
    /// The largest `@odata.count` a page gave.
    pub count: Option<u64>,
    pub records: u64,
}

/// What reading the files noticed that the model does not keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    pub files: Vec<PageFile>,
}

/// A page missing from a paged export.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    /// The file whose next page is missing (the last of its kind, by name).
    pub file: String,
    pub kind: String,
    pub what: String,
}

impl Gap {
    /// The kind and what is missing: "users: a page is missing: …".
    pub fn message(&self) -> String {
        format!("{}: {}", self.kind, self.what)
    }
}

impl Reading {
    pub(crate) fn append(&mut self, other: &mut Reading) {
        self.files.append(&mut other.files);
    }

    /// Pages missing, per kind: more pages carrying a next link than pages after them, or an
    /// `@odata.count` above the records read.
    pub fn gaps(&self) -> Vec<Gap> {
        let mut by_kind: BTreeMap<(String, Option<GroupId>), Vec<&PageFile>> = BTreeMap::new();
        for f in &self.files {
            by_kind
                .entry((f.content.as_str().to_owned(), f.group))
                .or_default()
                .push(f);
        }
        let mut out = Vec::new();
        for ((content, group), mut files) in by_kind {
            files.sort_by(|a, b| a.file.cmp(&b.file));
            let kind = match group {
                Some(g) => format!("{content} of group {g}"),
                None => content,
            };
            let pages: u32 = files.iter().map(|f| f.pages).sum();
            let with_next: u32 = files.iter().map(|f| f.pages_with_next).sum();
            let records: u64 = files.iter().map(|f| f.records).sum();
            let linking: Vec<&str> = files
                .iter()
                .filter(|f| f.pages_with_next > 0)
                .map(|f| f.file.as_str())
                .collect();
            if with_next > 0 && with_next >= pages {
                let file = linking.last().copied().unwrap_or_default().to_owned();
                out.push(Gap {
                    file: file.clone(),
                    what: format!(
                        "a page is missing: {with_next} of {pages} page(s) read carry @odata.nextLink, so the page after {file} was not saved"
                    ),
                    kind: kind.clone(),
                });
                continue;
            }
            if let Some(count) = files.iter().filter_map(|f| f.count).max() {
                if count > records {
                    let file = files
                        .iter()
                        .find(|f| f.count == Some(count))
                        .map(|f| f.file.clone())
                        .unwrap_or_default();
                    out.push(Gap {
                        what: format!(
                            "pages are missing: @odata.count in {file} says {count} record(s), only {records} read"
                        ),
                        file,
                        kind,
                    });
                }
            }
        }
        out.sort();
        out
    }
}

/// The evidence of a loaded tenant, per check, with the facts a run asks about.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// One item per [`Check`], in [`Check::ALL`] order.
    pub items: Vec<Item>,
    gaps: Vec<Gap>,
    users_export: bool,
    unknown_path_users: BTreeSet<UserId>,
    seat_export: bool,
    seats_known: BTreeSet<SkuId>,
    /// A members export that covers every group (a flat file of memberships).
    members_all: bool,
    members_of: BTreeSet<GroupId>,
    /// Users whose license states name each group (`assignedByGroup`), for the groups no
    /// member export covers.
    inheritors: BTreeMap<GroupId, BTreeSet<UserId>>,
    /// Groups the exports list members for (from a groups export's `$expand=members`), for the
    /// groups no member export covers.
    listed: BTreeMap<GroupId, BTreeSet<UserId>>,
    /// Every user's license states are exported: a licensed group's user members are the
    /// users whose states name it.
    paths_complete: bool,
    proxies_seen: bool,
    default_location: bool,
}

impl Evidence {
    /// What the loaded exports prove.
    pub fn of(loaded: &Loaded) -> Evidence {
        let t = &loaded.tenant;
        let mut e = Evidence {
            gaps: loaded.reading.gaps(),
            users_export: loaded
                .sources
                .iter()
                .any(|s| s.content == SourceContent::Users && s.records > 0),
            seat_export: loaded
                .sources
                .iter()
                .any(|s| s.content == SourceContent::Skus),
            default_location: t.default_usage_location.is_some()
                || loaded
                    .sources
                    .iter()
                    .any(|s| s.content == SourceContent::Organization && s.records > 0),
            ..Evidence::default()
        };
        for s in t.skus.values() {
            if s.seats.is_some() {
                e.seats_known.insert(s.id);
            }
        }
        // Member exports: a file per group, or one file (CSV memberships, a PowerShell file of
        // records with a groupId) for every group.
        let member_files: Vec<&PageFile> = loaded
            .reading
            .files
            .iter()
            .filter(|f| f.content == SourceContent::GroupMembers)
            .collect();
        e.members_all = member_files.iter().any(|f| f.group.is_none())
            || loaded.sources.iter().any(|s| {
                s.content == SourceContent::GroupMembers && s.format == SourceFormat::PlainCsv
            });
        e.members_of = member_files.iter().filter_map(|f| f.group).collect();
        // Members listed and inheritors are only asked about for groups no member export
        // covers (see `members_known`): a million members of exported groups are not copied.
        let exported = |e: &Evidence, g: &GroupId| e.members_all || e.members_of.contains(g);
        for g in t.groups.values() {
            if !exported(&e, &g.id) {
                e.listed.insert(g.id, g.user_members().collect());
            }
        }
        // Licensed groups: those with licenses, and those users inherit from.
        let mut licensed: BTreeSet<GroupId> = t
            .groups
            .values()
            .filter(|g| g.is_licensed())
            .map(|g| g.id)
            .collect();
        let mut licensed_users = 0u64;
        let mut no_location = 0u64;
        for u in t.users.values() {
            if !u.assignments.is_empty() {
                licensed_users += 1;
            }
            if u.has_unknown_paths() {
                e.unknown_path_users.insert(u.id);
            }
            if u.usage_location.is_none() {
                no_location += 1;
            }
            if !u.proxy_addresses.is_empty() {
                e.proxies_seen = true;
            }
            for a in &u.assignments {
                if let AssignmentPath::Group(g) = a.path {
                    licensed.insert(g);
                    if !exported(&e, &g) {
                        e.inheritors.entry(g).or_default().insert(u.id);
                    }
                }
            }
        }
        let users = t.users.len() as u64;
        e.paths_complete = e.users_export && e.unknown_path_users.is_empty() && users > 0;

        // paging
        e.items.push(if e.gaps.is_empty() {
            present(Check::Paging, "no page of a paged export is missing")
        } else {
            let what: Vec<String> = e.gaps.iter().map(Gap::message).collect();
            item(Check::Paging, Status::Partial, what.join("; "))
        });
        // users
        let users_gap = e.gaps.iter().any(|g| g.kind == "users");
        e.items.push(match (e.users_export, users_gap) {
            (false, _) if users == 0 => item(Check::Users, Status::Missing, "no users export"),
            (false, _) => item(
                Check::Users,
                Status::Partial,
                format!(
                    "{users} user(s) known only from assignments or memberships: no users export"
                ),
            ),
            (true, true) => item(
                Check::Users,
                Status::Partial,
                format!("{users} user(s) read; a page of the users export is missing"),
            ),
            (true, false) => present(Check::Users, format!("{users} user(s)")),
        });
        // license paths
        let unknown = e.unknown_path_users.len() as u64;
        e.items.push(if users == 0 {
            item(Check::LicensePaths, Status::Missing, "no users export")
        } else if unknown == 0 {
            present(
                Check::LicensePaths,
                format!("every license of {licensed_users} licensed user(s) has its path (direct or inherited)"),
            )
        } else if unknown >= licensed_users {
            item(
                Check::LicensePaths,
                Status::Missing,
                format!("the exports do not say whether the licenses of any of {unknown} licensed user(s) are direct or inherited (no licenseAssignmentStates)"),
            )
        } else {
            item(
                Check::LicensePaths,
                Status::Partial,
                format!("{unknown} of {licensed_users} licensed user(s) have licenses whose path (direct or inherited) the exports do not say"),
            )
        });
        // seats
        let without: Vec<String> = t
            .skus
            .values()
            .filter(|s| s.seats.is_none())
            .map(|s| s.part_number.clone().unwrap_or_else(|| s.id.to_string()))
            .collect();
        e.items.push(if !e.seat_export {
            item(
                Check::Seats,
                Status::Missing,
                "no subscribedSkus (or skus) export",
            )
        } else if without.is_empty() {
            present(
                Check::Seats,
                format!("seat counts of every product ({})", t.skus.len()),
            )
        } else {
            item(
                Check::Seats,
                Status::Partial,
                format!(
                    "no seat counts for {} product(s): {}",
                    without.len(),
                    list(&without)
                ),
            )
        });
        // memberships
        let unexported: Vec<String> = licensed
            .iter()
            .filter(|g| !e.members_known(**g))
            .map(|g| t.groups.get(g).map_or_else(|| g.to_string(), |x| x.label()))
            .collect();
        let member_gaps: Vec<&Gap> = e
            .gaps
            .iter()
            .filter(|g| g.kind.starts_with("group-members"))
            .collect();
        e.items.push(if licensed.is_empty() {
            present(Check::Memberships, "no licensed groups")
        } else if unexported.len() == licensed.len() {
            item(
                Check::Memberships,
                Status::Missing,
                format!(
                    "no member export for any of {} licensed group(s): {}",
                    licensed.len(),
                    list(&unexported)
                ),
            )
        } else if !unexported.is_empty() || !member_gaps.is_empty() {
            let mut parts = Vec::new();
            if !unexported.is_empty() {
                parts.push(format!(
                    "no member export for {} of {} licensed group(s): {}",
                    unexported.len(),
                    licensed.len(),
                    list(&unexported)
                ));
            }
            if !member_gaps.is_empty() {
                parts.push(format!(
                    "{} member export(s) miss a page",
                    member_gaps.len()
                ));
            }
            item(Check::Memberships, Status::Partial, parts.join("; "))
        } else {
            present(
                Check::Memberships,
                format!("members of every licensed group ({})", licensed.len()),
            )
        });
        // usage location
        e.items.push(if e.default_location || (no_location == 0 && users > 0) {
            present(
                Check::UsageLocation,
                match &t.default_usage_location {
                    Some(c) => format!("the organization's usage location: {c}"),
                    None if e.default_location => {
                        "the organization export gives no usage location".to_owned()
                    }
                    None => "every user has a usage location".to_owned(),
                },
            )
        } else if users == 0 {
            item(Check::UsageLocation, Status::Missing, "no users export")
        } else {
            item(
                Check::UsageLocation,
                Status::Missing,
                format!("{no_location} user(s) have no usage location, and no organization export gives the default"),
            )
        });
        // proxy addresses
        e.items.push(if e.proxies_seen {
            present(Check::ProxyAddresses, "proxy addresses of the users")
        } else {
            item(
                Check::ProxyAddresses,
                Status::Missing,
                if users == 0 {
                    "no users export".to_owned()
                } else {
                    format!("none of {users} user(s) has a proxy address: the users export did not select proxyAddresses")
                },
            )
        });
        e
    }

    pub fn status(&self, check: Check) -> Status {
        self.items
            .iter()
            .find(|i| i.check == check)
            .map_or(Status::Missing, |i| i.status)
    }

    pub fn item(&self, check: Check) -> Option<&Item> {
        self.items.iter().find(|i| i.check == check)
    }

    /// Missing pages.
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    pub fn users_export(&self) -> bool {
        self.users_export
    }

    pub fn seat_export(&self) -> bool {
        self.seat_export
    }

    pub fn seats_known(&self, sku: SkuId) -> bool {
        self.seats_known.contains(&sku)
    }

    pub fn path_unknown(&self, user: UserId) -> bool {
        self.unknown_path_users.contains(&user)
    }

    /// Whether a group's members are known: a member export of it (or of every group), or
    /// members the model holds that include every user whose license states name the group,
    /// when those states are complete (every licensed user is a member; a member is licensed)
    /// or the groups export listed members itself.
    pub fn members_known(&self, group: GroupId) -> bool {
        if self.members_all || self.members_of.contains(&group) {
            return true;
        }
        let empty = BTreeSet::new();
        let listed = self.listed.get(&group).unwrap_or(&empty);
        let inheritors = self.inheritors.get(&group).unwrap_or(&empty);
        inheritors.is_subset(listed) && (self.paths_complete || !listed.is_empty())
    }

    pub fn proxies_seen(&self) -> bool {
        self.proxies_seen
    }

    pub fn default_location(&self) -> bool {
        self.default_location
    }

    /// What every run needs whatever it does: a users export, every page.
    pub fn always_needed(&self) -> Vec<Unchecked> {
        let mut out: Vec<Unchecked> = self
            .gaps
            .iter()
            .map(|g| Unchecked {
                check: Check::Paging,
                reason: format!("{} beyond those read not checked: {}", g.kind, g.what),
                fix: Check::Paging.fix().to_owned(),
            })
            .collect();
        if !self.users_export {
            out.push(Unchecked {
                check: Check::Users,
                reason: "no user checked against the tenant's users: no users export".to_owned(),
                fix: Check::Users.fix().to_owned(),
            });
        }
        out
    }
}

fn item(check: Check, status: Status, detail: impl Into<String>) -> Item {
    Item {
        check,
        status,
        detail: detail.into(),
        fix: Some(check.fix().to_owned()),
    }
}

fn present(check: Check, detail: impl Into<String>) -> Item {
    Item {
        check,
        status: Status::Present,
        detail: detail.into(),
        fix: None,
    }
}

/// Up to five names, then a count.
pub fn list(names: &[String]) -> String {
    let mut shown: Vec<String> = names.iter().take(5).cloned().collect();
    if names.len() > 5 {
        shown.push(format!("… and {} more", names.len() - 5));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests;
