//! Gathers what every file said and resolves names into one [`Tenant`].
//!
//! Readers add records as they stream; references by name (UPN, display name, part number) wait
//! here until every file is read. Everything is keyed by hash maps while building and by
//! `BTreeMap` in the result, so the work is linear in records (plus one sort) and the output order
//! is the ids' order, never the files' or a hash's.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use super::error::{InputError, InputErrors, Location};
use super::raw::{
    AssignmentRow, GroupLicenseRow, GroupRef, MemberKind, MemberRef, MembershipRow, Origin,
    PlanRef, ProductNamesRow, SkuRef, SkuRow, UserRef,
};
use crate::catalog::{plus_count, split_product_names, Catalog, Lookup};
use crate::findings::{FindingCode, Findings};
use crate::model::{
    Assignment, AssignmentPath, CountryCode, Group, GroupId, GroupLicense, Member, PlanId, PlanIds,
    Sku, SkuId, Tenant, User, UserId,
};

pub use super::source::Source;

/// A tenant read from its exports, with what was noticed on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub tenant: Tenant,
    pub sources: Vec<Source>,
    pub findings: Findings,
    /// Pages read per JSON file, for the paging and membership evidence.
    pub reading: super::evidence::Reading,
}

/// How a file's [`Origin::at`] counts: CSV and JSON Lines lines, or JSON records in one of the
/// shapes a JSON file holds them in (for naming the record with its path, `$.value[2]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Places {
    #[default]
    Lines,
    /// Records of a page's `value` array.
    Wrapped,
    /// Elements of a bare array.
    Array,
    /// The file is one record.
    Single,
}

mod finish;
mod resolve;
mod users;
mod users_from_refs;

pub(crate) use users::{UserAcc, Users};

#[derive(Debug, Default)]
pub struct Builder {
    files: Vec<PathBuf>,
    /// How each file's places count, by the file's index.
    places: Vec<Places>,
    pub(crate) sources: Vec<Source>,
    pub(crate) findings: Findings,
    pub(crate) errors: Vec<InputError>,
    pub(crate) default_usage_location: Option<CountryCode>,
    /// The organization's names and domains, for `--redact`.
    pub(crate) organization: crate::model::tenant::Organization,
    pub(crate) skus: HashMap<SkuId, Sku>,
    pub(crate) sku_rows: Vec<SkuRow>,
    pub(crate) users: Users,
    pub(crate) groups: HashMap<GroupId, Group>,
    pub(crate) memberships: Vec<MembershipRow>,
    /// Pages read per JSON file (evidence.rs).
    pub(crate) reading: super::evidence::Reading,
    /// Other builders' memberships, each kept in the vector it was read into (there can be
    /// millions; appending them to one vector would copy them all, more than once).
    membership_runs: Vec<Vec<MembershipRow>>,
    pub(crate) assignments: Vec<AssignmentRow>,
    pub(crate) group_licenses: Vec<GroupLicenseRow>,
    pub(crate) product_names: Vec<ProductNamesRow>,
    /// A plain assignments file lists every assignment: users it does not name are unlicensed.
    pub(crate) assignments_file_seen: bool,
    /// A plain memberships file lists every group's members: a group it does not name has none.
    pub(crate) memberships_file_seen: bool,
    /// Product names already resolved: a million assignment rows name a handful of products.
    sku_names: HashMap<String, SkuLookup>,
    /// Where each group, product and the organization's usage location came from, in reading
    /// order: [`Builder::merge`] replays them into another builder.
    group_origins: Vec<(GroupId, Origin)>,
    sku_origins: Vec<(SkuId, Origin)>,
    /// The same, by id: where the first record of each was, for an error about a second one.
    group_at: HashMap<GroupId, Origin>,
    sku_at: HashMap<SkuId, Origin>,
    default_usage_location_origin: Option<Origin>,
    /// Problems per file: how many are listed, and those past that counted by kind.
    problems: HashMap<PathBuf, FileProblems>,
}

/// A file's problems as [`Builder::error`] counts them.
#[derive(Debug, Default)]
struct FileProblems {
    listed: usize,
    more: u64,
    kinds: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Clone)]
enum SkuLookup {
    Found(SkuId),
    Ambiguous(String),
    NotFound,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file and returns its index for [`Origin`]s.
    pub(crate) fn file(&mut self, path: &Path) -> u32 {
        self.files.push(path.to_path_buf());
        self.places.push(Places::Lines);
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    /// Says how a JSON file's records are placed, from one of them.
    pub(crate) fn set_record_places(&mut self, file: u32, place: super::json::RecordPlace) {
        use super::json::RecordPlace as P;
        if let Some(p) = self.places.get_mut(file as usize) {
            *p = match place {
                P::Wrapped { .. } => Places::Wrapped,
                P::Array { .. } => Places::Array,
                P::Single => Places::Single,
                P::Line { .. } => Places::Lines,
            };
        }
    }

    /// The file and place of an origin, for an error.
    fn location(&self, o: Origin) -> (PathBuf, Location) {
        let file = self.files.get(o.file as usize).cloned().unwrap_or_default();
        let index = usize::try_from(o.at.saturating_sub(1)).unwrap_or(usize::MAX);
        let place = match self
            .places
            .get(o.file as usize)
            .copied()
            .unwrap_or_default()
        {
            Places::Lines => Location::Line(o.at),
            Places::Wrapped => Location::Record {
                index,
                path: format!("$.value[{index}]"),
            },
            Places::Array => Location::Record {
                index,
                path: format!("$[{index}]"),
            },
            Places::Single => Location::Record {
                index: 0,
                path: "$".into(),
            },
        };
        (file, place)
    }

    /// An origin as a message names it: `users.csv:12`, `users.json: record 3 ($.value[2])`.
    fn place_in_words(&self, o: Origin) -> String {
        let (file, place) = self.location(o);
        let file = file.display();
        match place {
            Location::Line(l) => format!("{file}:{l}"),
            Location::Record { index, path } => format!("{file}: record {} ({path})", index + 1),
            _ => file.to_string(),
        }
    }

    /// The error for a second record of one object whose content differs from the first's.
    fn conflict(&mut self, what: String, differs: &str, first: Origin, second: Origin) {
        let (file, place) = self.location(second);
        let message = format!(
            "{what} is also at {}, with different content ({differs}): which one is right cannot be told",
            self.place_in_words(first)
        );
        self.error(InputError::new(&file, place, message).hint(
            "the exports disagree about one object; export again so that each object appears once (give licplan one tenant's exports, taken at one time)",
        ));
    }

    /// `file:line` (or `file#record`) for a finding's example.
    pub(crate) fn place(&self, o: Origin) -> String {
        let name = self
            .files
            .get(o.file as usize)
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{name}:{}", o.at)
    }

    /// Records a problem. The first [`LISTED_PER_FILE`](crate::ingest::tables::LISTED_PER_FILE)
    /// problems of a file are kept one by one; past that they are counted by kind (the field at
    /// fault), so a file of a million bad records costs a count, not a million messages.
    pub(crate) fn error(&mut self, e: InputError) {
        if e.more > 0 {
            self.errors.push(e);
            return;
        }
        let file = self.problems.entry(e.file.clone()).or_default();
        if file.listed < crate::ingest::tables::LISTED_PER_FILE {
            file.listed += 1;
            self.errors.push(e);
            return;
        }
        file.more += 1;
        let kind = match &e.field {
            Some(f) => format!("in field {f:?}"),
            None => "other problems".to_owned(),
        };
        *file.kinds.entry(kind).or_default() += 1;
    }

    /// Turns the problems counted past each file's listed ones into one error per file.
    fn count_unlisted(&mut self) {
        let mut files: Vec<_> = self
            .problems
            .iter_mut()
            .filter(|(_, p)| p.more > 0)
            .map(|(f, p)| {
                (
                    f.clone(),
                    std::mem::take(&mut p.more),
                    std::mem::take(&mut p.kinds),
                )
            })
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (file, more, kinds) in files {
            self.errors.push(InputError::more(&file, more, &kinds));
        }
    }

    /// Adds a user. A second record of one user is a `duplicate-record` finding when it says
    /// the same, and an error naming both places when it does not.
    pub(crate) fn add_user(&mut self, user: User, license_data: bool, o: Origin) {
        if let Some(first) = self.users.get(&user.id) {
            let differs = user_differences(&first.user, first.license_data, &user, license_data);
            let first_origin = first.origin;
            if differs.is_empty() {
                let ex = format!("user {} ({})", user.id, self.place(o));
                self.findings.add(FindingCode::DuplicateRecord, ex);
            } else {
                self.conflict(
                    format!("user {}", user.id),
                    &differs.join(", "),
                    first_origin,
                    o,
                );
            }
            return;
        }
        self.users.insert(UserAcc {
            user,
            license_data,
            origin: o,
        });
    }

    pub(crate) fn add_group(&mut self, group: Group, o: Origin) {
        if let Some(first) = self.groups.get(&group.id) {
            if *first == group {
                let ex = format!("group {} ({})", group.id, self.place(o));
                self.findings.add(FindingCode::DuplicateRecord, ex);
            } else {
                let differs = group_differences(first, &group).join(", ");
                let first_origin = self.group_origin(group.id);
                self.conflict(format!("group {}", group.id), &differs, first_origin, o);
            }
            return;
        }
        self.group_origins.push((group.id, o));
        self.group_at.insert(group.id, o);
        self.groups.insert(group.id, group);
    }

    pub(crate) fn add_sku(&mut self, sku: Sku, o: Origin) {
        if let Some(first) = self.skus.get(&sku.id) {
            let differs = sku_differences(first, &sku);
            if differs.is_empty() {
                let ex = format!("sku {} ({})", sku.id, self.place(o));
                self.findings.add(FindingCode::DuplicateRecord, ex);
            } else {
                let first_origin = self.sku_origin(sku.id);
                self.conflict(
                    format!("product {}", sku.id),
                    &differs.join(", "),
                    first_origin,
                    o,
                );
            }
            return;
        }
        self.sku_origins.push((sku.id, o));
        self.sku_at.insert(sku.id, o);
        self.skus.insert(sku.id, sku);
    }

    /// Where a group was first read.
    fn group_origin(&self, id: GroupId) -> Origin {
        self.group_at
            .get(&id)
            .copied()
            .unwrap_or(Origin { file: 0, at: 0 })
    }

    fn sku_origin(&self, id: SkuId) -> Origin {
        self.sku_at
            .get(&id)
            .copied()
            .unwrap_or(Origin { file: 0, at: 0 })
    }

    pub(crate) fn set_default_usage_location(&mut self, c: CountryCode, file: &Path, o: Origin) {
        match &self.default_usage_location {
            Some(old) if *old != c => self.error(
                InputError::new(
                    file,
                    Location::Line(o.at),
                    format!("the organization's usage location {c} contradicts {old} from another export"),
                )
                .field("countryLetterCode")
                .hint("give licplan exports of one tenant only"),
            ),
            Some(_) => {}
            None => {
                self.default_usage_location = Some(c);
                self.default_usage_location_origin = Some(o);
            }
        }
    }

    /// Adds what another builder read from one file, as if this builder had read it: the
    /// file is registered here, its records' origins point at it, and duplicates across files
    /// are found as they would have been. Lets files be read on several threads and still be
    /// added in name order.
    pub(crate) fn merge(&mut self, mut part: Builder) {
        part.count_unlisted();
        self.errors.append(&mut part.errors);
        self.findings.merge(std::mem::take(&mut part.findings));
        self.sources.append(&mut part.sources);
        self.reading.append(&mut part.reading);
        let Some(path) = part.files.first().cloned() else {
            return;
        };
        let fid = self.file(&path);
        if let (Some(p), Some(slot)) = (part.places.first(), self.places.last_mut()) {
            *slot = *p;
        }
        let at = |o: Origin| Origin {
            file: fid,
            at: o.at,
        };
        let users = std::mem::take(&mut part.users);
        let mut dups = Vec::new();
        self.users.append(users, at, |acc| dups.push(acc));
        for acc in dups {
            self.add_user(acc.user, acc.license_data, acc.origin);
        }
        for (id, o) in std::mem::take(&mut part.group_origins) {
            if let Some(g) = part.groups.remove(&id) {
                self.add_group(g, at(o));
            }
        }
        for (id, o) in std::mem::take(&mut part.sku_origins) {
            if let Some(sku) = part.skus.remove(&id) {
                self.add_sku(sku, at(o));
            }
        }
        if let (Some(c), Some(o)) = (
            part.default_usage_location.take(),
            part.default_usage_location_origin,
        ) {
            self.set_default_usage_location(c, &path, at(o));
        }
        self.organization
            .merge(std::mem::take(&mut part.organization));
        self.assignments_file_seen |= part.assignments_file_seen;
        self.memberships_file_seen |= part.memberships_file_seen;
        self.sku_rows.extend(part.sku_rows.into_iter().map(|mut r| {
            r.origin = at(r.origin);
            r
        }));
        let mut memberships = part.memberships;
        for r in &mut memberships {
            r.origin = at(r.origin);
        }
        self.membership_runs.push(memberships);
        self.membership_runs.append(&mut part.membership_runs);
        self.assignments
            .extend(part.assignments.into_iter().map(|mut r| {
                r.origin = at(r.origin);
                r
            }));
        self.group_licenses
            .extend(part.group_licenses.into_iter().map(|mut r| {
                r.origin = at(r.origin);
                r
            }));
        self.product_names
            .extend(part.product_names.into_iter().map(|mut r| {
                r.origin = at(r.origin);
                r
            }));
    }
}

/// What differs between two records of one user, by field name; empty when they agree.
fn user_differences(a: &User, a_licensed: bool, b: &User, b_licensed: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    if a.upn != b.upn {
        out.push("userPrincipalName");
    }
    if a.display_name != b.display_name {
        out.push("displayName");
    }
    if a.usage_location != b.usage_location {
        out.push("usageLocation");
    }
    if a.account_enabled != b.account_enabled {
        out.push("accountEnabled");
    }
    if a.proxy_addresses != b.proxy_addresses {
        out.push("proxyAddresses");
    }
    if a.assignments != b.assignments || a_licensed != b_licensed {
        out.push("licenses");
    }
    out
}

fn group_differences(a: &Group, b: &Group) -> Vec<&'static str> {
    let mut out = Vec::new();
    if a.display_name != b.display_name {
        out.push("displayName");
    }
    if a.security_enabled != b.security_enabled {
        out.push("securityEnabled");
    }
    if a.unified != b.unified || a.dynamic != b.dynamic {
        out.push("groupTypes");
    }
    if a.membership_rule != b.membership_rule {
        out.push("membershipRule");
    }
    if a.on_premises_sync_enabled != b.on_premises_sync_enabled {
        out.push("onPremisesSyncEnabled");
    }
    if a.unique_name != b.unique_name {
        out.push("uniqueName");
    }
    if a.license_processing != b.license_processing {
        out.push("licenseProcessingState");
    }
    if a.licenses != b.licenses {
        out.push("licenses");
    }
    if out.is_empty() && a != b {
        out.push("members");
    }
    out
}

/// What differs between two records of one product. The part number and service plans are
/// compared only when both records give them (a plain CSV's row takes them from the catalog).
fn sku_differences(a: &Sku, b: &Sku) -> Vec<&'static str> {
    let mut out = Vec::new();
    if a.seats != b.seats {
        out.push("seats");
    }
    if let (Some(x), Some(y)) = (&a.part_number, &b.part_number) {
        if !x.eq_ignore_ascii_case(y) {
            out.push("skuPartNumber");
        }
    }
    let ids = |s: &Sku| s.service_plans.iter().map(|p| p.id).collect::<Vec<_>>();
    if !a.service_plans.is_empty() && !b.service_plans.is_empty() && ids(a) != ids(b) {
        out.push("servicePlans");
    }
    out
}

fn catalog_sku(catalog: &Catalog, id: SkuId) -> Sku {
    match catalog.sku(id) {
        Some(c) => Sku {
            id,
            part_number: Some(c.part_number.clone()),
            display_name: c.display_names.first().cloned(),
            service_plans: c.service_plans.clone(),
            seats: None,
        },
        None => Sku {
            id,
            part_number: None,
            display_name: None,
            service_plans: Vec::new(),
            seats: None,
        },
    }
}

fn bare_group(id: GroupId, member: Member) -> Group {
    Group {
        id,
        display_name: None,
        security_enabled: None,
        unified: false,
        dynamic: false,
        membership_rule: None,
        on_premises_sync_enabled: None,
        unique_name: None,
        license_processing: None,
        licenses: Vec::new(),
        members: vec![member],
    }
}
