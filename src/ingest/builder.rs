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

/// A user while reading, with whether any export said what licenses it holds.
#[derive(Debug)]
pub(crate) struct UserAcc {
    pub user: User,
    pub license_data: bool,
    pub origin: Origin,
}

/// The users read so far: in vectors (one per file read on another thread), with a hash index
/// by id. A hash map of the users themselves would move every user (about 150 bytes) each time
/// it grows, and adding a file's users would move each of them again; the index moves 24 bytes.
#[derive(Debug, Default)]
pub(crate) struct Users {
    chunks: Vec<Vec<UserAcc>>,
    /// id → (chunk, position)
    index: HashMap<UserId, (u32, u32)>,
}

impl Users {
    pub fn contains_key(&self, id: &UserId) -> bool {
        self.index.contains_key(id)
    }

    /// Adds a user whose id is not here yet.
    fn insert(&mut self, acc: UserAcc) {
        if self.chunks.is_empty() {
            self.chunks.push(Vec::new());
        }
        let c = self.chunks.len() - 1;
        let chunk = &mut self.chunks[c];
        self.index
            .insert(acc.user.id, (c as u32, chunk.len() as u32));
        chunk.push(acc);
    }

    /// Adds another builder's users (none of whose ids is repeated among them), their origins
    /// rebased; those already here are handed to `dup` instead.
    fn append(
        &mut self,
        other: Users,
        rebase: impl Fn(Origin) -> Origin,
        mut dup: impl FnMut(UserAcc),
    ) {
        for mut list in other.chunks {
            for acc in &mut list {
                acc.origin = rebase(acc.origin);
            }
            if list.iter().any(|acc| self.index.contains_key(&acc.user.id)) {
                for acc in list {
                    if self.index.contains_key(&acc.user.id) {
                        dup(acc);
                    } else {
                        self.insert(acc);
                    }
                }
                continue;
            }
            // The common case: the vector is kept as it is.
            let c = self.chunks.len() as u32;
            self.index.reserve(list.len());
            for (i, acc) in list.iter().enumerate() {
                self.index.insert(acc.user.id, (c, i as u32));
            }
            self.chunks.push(list);
            // Later single inserts go to a chunk of their own, after this one.
            self.chunks.push(Vec::new());
        }
    }

    pub fn get(&self, id: &UserId) -> Option<&UserAcc> {
        let (c, i) = *self.index.get(id)?;
        self.chunks.get(c as usize)?.get(i as usize)
    }

    pub fn get_mut(&mut self, id: &UserId) -> Option<&mut UserAcc> {
        let (c, i) = *self.index.get(id)?;
        self.chunks.get_mut(c as usize)?.get_mut(i as usize)
    }

    pub fn values(&self) -> impl Iterator<Item = &UserAcc> {
        self.chunks.iter().flatten()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut UserAcc> {
        self.chunks.iter_mut().flatten()
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Sorts each run of users by id, where it is: done by the thread that read the file, the
    /// final merge then finds its runs sorted already. For users about to be appended to
    /// another builder's (which indexes them itself): the index is dropped, not rebuilt.
    pub(crate) fn sort_runs_for_append(&mut self) {
        self.index = HashMap::default();
        for chunk in &mut self.chunks {
            chunk.sort_unstable_by_key(|acc| acc.user.id);
        }
    }

    /// Every user, in id order; the index is dropped first. Each file's users are sorted where
    /// they are and the runs merged as they are taken: joining them into one vector first would
    /// take fresh memory for a second copy of every user, which costs more than the sorting.
    fn into_sorted(self) -> SortedUsers {
        drop(self.index);
        let mut runs: Vec<std::vec::IntoIter<UserAcc>> = Vec::with_capacity(self.chunks.len());
        let mut heads = std::collections::BinaryHeap::with_capacity(self.chunks.len());
        for mut chunk in self.chunks {
            chunk.sort_unstable_by_key(|acc| acc.user.id);
            if let Some(first) = chunk.first() {
                heads.push(std::cmp::Reverse((first.user.id, runs.len())));
                runs.push(chunk.into_iter());
            }
        }
        SortedUsers { runs, heads }
    }
}

/// A k-way merge of sorted runs of users, smallest id first.
struct SortedUsers {
    runs: Vec<std::vec::IntoIter<UserAcc>>,
    /// (the run's next id, the run)
    heads: std::collections::BinaryHeap<std::cmp::Reverse<(UserId, usize)>>,
}

impl Iterator for SortedUsers {
    type Item = UserAcc;

    fn next(&mut self) -> Option<UserAcc> {
        let std::cmp::Reverse((_, r)) = self.heads.pop()?;
        let run = self.runs.get_mut(r)?;
        let acc = run.next()?;
        if let Some(next) = run.as_slice().first() {
            self.heads.push(std::cmp::Reverse((next.user.id, r)));
        }
        Some(acc)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.runs.iter().map(ExactSizeIterator::len).sum();
        (n, Some(n))
    }
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

#[path = "users_from_refs.rs"]
mod users_from_refs;

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

    /// Resolves every reference and returns the tenant, or every error found.
    pub fn finish(mut self) -> Result<Loaded, InputErrors> {
        self.count_unlisted();
        if !self.errors.is_empty() {
            return Err(InputErrors(self.errors));
        }
        self.add_named_in_rows();
        if !self.errors.is_empty() {
            return Err(InputErrors(self.errors));
        }
        let catalog = Catalog::bundled();
        let sku_export_seen = !self.skus.is_empty() || !self.sku_rows.is_empty();

        // Products first: every other reference resolves through them.
        for sku in self.skus.values_mut() {
            if let Some(c) = catalog.sku(sku.id) {
                sku.display_name = c.display_names.first().cloned();
                if sku.part_number.is_none() {
                    sku.part_number = Some(c.part_number.clone());
                }
                if sku.service_plans.is_empty() {
                    sku.service_plans = c.service_plans.clone();
                }
            }
        }
        for row in std::mem::take(&mut self.sku_rows) {
            let Some(id) = self.resolve_sku(&row.sku, row.origin) else {
                continue;
            };
            let mut sku = catalog_sku(catalog, id);
            sku.seats = Some(row.seats);
            self.add_sku(sku, row.origin);
        }

        // Name indexes are only built when some row names a user or group (plain CSV does; Graph
        // exports name everything by id): a million-user Graph export skips them.
        let by_name = self.assignments.iter().any(|r| {
            matches!(r.user, UserRef::Upn(_)) || matches!(r.by_group, Some(GroupRef::Name(_)))
        }) || self
            .memberships
            .iter()
            .chain(self.membership_runs.iter().flatten())
            .any(|r| {
                matches!(r.group, GroupRef::Name(_)) || matches!(r.member, MemberRef::Name(..))
            })
            || self
                .group_licenses
                .iter()
                .any(|r| matches!(r.group, GroupRef::Name(_)));
        let (upns, group_names) = if by_name {
            (self.upn_index(), self.group_name_index())
        } else {
            (HashMap::default(), HashMap::default())
        };

        // Graph exports carry licenses on the users themselves: with no rows left to add to
        // them, the users are merged into id order on another thread while the memberships
        // (a million rows at a million users) are resolved on this one.
        let merging = (self.assignments.is_empty()
            && !self.assignments_file_seen
            && self.product_names.is_empty())
        .then(|| {
            let users = std::mem::take(&mut self.users);
            std::thread::spawn(move || sorted_users(users))
        });

        for row in std::mem::take(&mut self.group_licenses) {
            let Some(gid) = self.resolve_group(&row.group, &group_names, row.origin) else {
                continue;
            };
            let Some(sku) = self.resolve_sku(&row.sku, row.origin) else {
                continue;
            };
            let disabled = self.resolve_plans(sku, &row.disabled_plans, row.origin);
            if let Some(g) = self.groups.get_mut(&gid) {
                g.licenses.push(GroupLicense {
                    sku,
                    disabled_plans: disabled,
                });
            }
        }

        let runs = std::mem::take(&mut self.membership_runs);
        let own = std::mem::take(&mut self.memberships);
        // Groups some member export lists (for memberships implied from license states).
        let mut listed: BTreeSet<GroupId> = BTreeSet::new();
        for row in runs.into_iter().flatten().chain(own) {
            let Some(gid) = self.resolve_group(&row.group, &group_names, row.origin) else {
                continue;
            };
            listed.insert(gid);
            let Some(member) = self.resolve_member(&row.member, &upns, &group_names, row.origin)
            else {
                continue;
            };
            match self.groups.get_mut(&gid) {
                Some(g) => g.members.push(member),
                None => {
                    // A members export of a group whose own record is missing: keep the
                    // membership on a bare group so nothing is lost; inspect flags it.
                    let ex = format!("group {gid} ({})", self.place(row.origin));
                    self.findings.add(FindingCode::DanglingReference, ex);
                    self.groups.insert(gid, bare_group(gid, member));
                    // Problems with the bare group point at where its members were read.
                    self.group_at.entry(gid).or_insert(row.origin);
                }
            }
        }

        let assignment_rows = std::mem::take(&mut self.assignments);
        if self.assignments_file_seen {
            for acc in self.users.values_mut() {
                acc.license_data = true;
            }
        }
        for row in assignment_rows {
            let Some(uid) = self.resolve_user(&row.user, &upns, row.origin) else {
                continue;
            };
            let Some(sku) = self.resolve_sku(&row.sku, row.origin) else {
                continue;
            };
            let path = match &row.by_group {
                None => AssignmentPath::Direct,
                Some(g) => match self.resolve_group(g, &group_names, row.origin) {
                    Some(gid) => AssignmentPath::Group(gid),
                    None => continue,
                },
            };
            let disabled = self.resolve_plans(sku, &row.disabled_plans, row.origin);
            if let Some(acc) = self.users.get_mut(&uid) {
                acc.license_data = true;
                acc.user.assignments.push(Assignment {
                    sku,
                    path,
                    disabled_plans: disabled,
                    state: row.state,
                    error: row.error,
                });
            }
        }

        let product_rows = std::mem::take(&mut self.product_names);
        if !product_rows.is_empty() {
            // The tenant's own product names first (built once, not per row).
            let tenant_names: HashMap<String, SkuId> = self
                .skus
                .values()
                .filter_map(|s| s.display_name.as_ref().map(|d| (d.to_lowercase(), s.id)))
                .collect();
            // The most '+' signs a known name holds bounds the candidates tried (linear matching).
            let max_plus = tenant_names
                .keys()
                .map(|n| plus_count(n))
                .fold(catalog.display_name_max_plus(), usize::max);
            for row in product_rows {
                self.resolve_product_names(catalog, &tenant_names, max_plus, row);
            }
        }

        let (users, user_findings, mut referenced) = match merging {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => sorted_users(std::mem::take(&mut self.users)),
        };
        self.findings.merge(user_findings);

        // Products that are assigned but were not exported as subscribed.
        for g in self.groups.values() {
            referenced.extend(g.licenses.iter().map(|l| l.sku));
        }
        for id in referenced {
            if self.skus.contains_key(&id) {
                continue;
            }
            if catalog.sku(id).is_none() {
                self.findings.add(FindingCode::UnknownSku, id.to_string());
            } else if sku_export_seen {
                self.findings.add(
                    FindingCode::SkuNotSubscribed,
                    catalog_sku(catalog, id).label(),
                );
            }
            self.skus.insert(id, catalog_sku(catalog, id));
        }

        let mut tenant = Tenant {
            default_usage_location: self.default_usage_location.take(),
            organization: std::mem::take(&mut self.organization),
            ..Tenant::default()
        };
        tenant.users = crate::model::UserMap::from_sorted(users);
        let mut groups: Vec<(GroupId, Group)> = Vec::with_capacity(self.groups.len());
        let mut taken: Vec<(GroupId, Group)> =
            std::mem::take(&mut self.groups).into_iter().collect();
        taken.sort_unstable_by_key(|(id, _)| *id);
        for (id, mut g) in taken {
            g.licenses.sort();
            self.one_license_per_product(id, &mut g);
            g.members.sort();
            let listed = g.members.len();
            g.members.dedup();
            if g.members.len() < listed {
                self.findings.add(
                    FindingCode::DuplicateRecord,
                    format!(
                        "group {id}: {} member entries listed more than once",
                        listed - g.members.len()
                    ),
                );
            }
            self.one_kind_per_member(id, &g);
            groups.push((id, g));
        }
        if self.memberships_file_seen {
            listed.extend(groups.iter().map(|(id, _)| *id));
        }
        imply_memberships(
            tenant.users.values(),
            &mut groups,
            &listed,
            &mut self.findings,
        );
        tenant.groups = groups.into_iter().collect();
        tenant.skus = std::mem::take(&mut self.skus).into_iter().collect();
        self.count_unlisted();
        if !self.errors.is_empty() {
            return Err(InputErrors(self.errors));
        }
        let mut sources = self.sources;
        sources.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(Loaded {
            tenant,
            sources,
            findings: self.findings,
            reading: self.reading,
        })
    }

    /// A group's licenses, sorted: a product listed twice with the same disabled plans is kept
    /// once; with different ones it is an error (which plans the group gives cannot be told).
    fn one_license_per_product(&mut self, id: GroupId, g: &mut Group) {
        let mut conflicting = Vec::new();
        for pair in g.licenses.windows(2) {
            if pair[0].sku == pair[1].sku && pair[0].disabled_plans != pair[1].disabled_plans {
                conflicting.push(pair[0].sku);
            }
        }
        conflicting.dedup();
        if !conflicting.is_empty() {
            let (file, place) = self.location(self.group_origin(id));
            for sku in conflicting {
                self.error(
                    InputError::new(
                        &file,
                        place.clone(),
                        format!(
                            "group {id} lists product {sku} more than once, with different disabled plans: which plans the group gives cannot be told"
                        ),
                    )
                    .field("assignedLicenses")
                    .hint("a group holds each product once; export the group again"),
                );
            }
        }
        g.licenses.dedup_by(|a, b| a.sku == b.sku);
    }

    /// A member id listed both as a user and as a group of one group (sorted members: users
    /// first, then groups, each by id) is an error: which it is cannot be told.
    fn one_kind_per_member(&mut self, id: GroupId, g: &Group) {
        let split = g
            .members
            .partition_point(|m| matches!(m, crate::model::group::Member::User(_)));
        let (users, nested) = g.members.split_at(split);
        let uuid = |m: &crate::model::group::Member| match m {
            crate::model::group::Member::User(u) => u.as_uuid(),
            crate::model::group::Member::Group(x) => x.as_uuid(),
        };
        let (mut i, mut j) = (0, 0);
        while i < users.len() && j < nested.len() {
            let (a, b) = (uuid(&users[i]), uuid(&nested[j]));
            match a.cmp(&b) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let (file, place) = self.location(self.group_origin(id));
                    self.error(
                        InputError::new(
                            &file,
                            place,
                            format!(
                                "member {a} of group {id} is listed both as a user and as a group: which it is cannot be told"
                            ),
                        )
                        .field("@odata.type")
                        .hint("export the group's members again"),
                    );
                    i += 1;
                    j += 1;
                }
            }
        }
    }

    fn upn_index(&self) -> HashMap<String, Option<UserId>> {
        // `None` marks a UPN shared by several users: a reference to it is ambiguous.
        let mut idx: HashMap<String, Option<UserId>> =
            HashMap::with_capacity_and_hasher(self.users.len(), Default::default());
        for acc in self.users.values() {
            if let Some(upn) = &acc.user.upn {
                idx.entry(upn.to_lowercase())
                    .and_modify(|v| *v = None)
                    .or_insert(Some(acc.user.id));
            }
        }
        idx
    }

    fn group_name_index(&self) -> HashMap<String, Option<GroupId>> {
        let mut idx: HashMap<String, Option<GroupId>> =
            HashMap::with_capacity_and_hasher(self.groups.len(), Default::default());
        for g in self.groups.values() {
            if let Some(name) = &g.display_name {
                idx.entry(name.to_lowercase())
                    .and_modify(|v| *v = None)
                    .or_insert(Some(g.id));
            }
        }
        idx
    }

    fn resolve_user(
        &mut self,
        r: &UserRef,
        upns: &HashMap<String, Option<UserId>>,
        o: Origin,
    ) -> Option<UserId> {
        match r {
            UserRef::Id(id) => {
                if !self.users.contains_key(id) {
                    let ex = format!("user {id} ({})", self.place(o));
                    self.findings.add(FindingCode::DanglingReference, ex);
                    return None;
                }
                Some(*id)
            }
            UserRef::Upn(upn) => match upns.get(crate::model::ids::fold_case(upn).as_ref()) {
                Some(Some(id)) => Some(*id),
                Some(None) => {
                    let ex = format!("ambiguous user {upn} ({})", self.place(o));
                    self.findings.add(FindingCode::DanglingReference, ex);
                    None
                }
                None => {
                    let ex = format!("user {upn} ({})", self.place(o));
                    self.findings.add(FindingCode::DanglingReference, ex);
                    None
                }
            },
        }
    }

    fn resolve_group(
        &mut self,
        r: &GroupRef,
        names: &HashMap<String, Option<GroupId>>,
        o: Origin,
    ) -> Option<GroupId> {
        match r {
            // An id is kept even when the group's own record is missing; inspect reports it.
            GroupRef::Id(id) => Some(*id),
            GroupRef::Name(name) => match names.get(crate::model::ids::fold_case(name).as_ref()) {
                Some(Some(id)) => Some(*id),
                Some(None) => {
                    let ex = format!("ambiguous group name {name:?} ({})", self.place(o));
                    self.findings.add(FindingCode::DanglingReference, ex);
                    None
                }
                None => {
                    let ex = format!("group {name:?} ({})", self.place(o));
                    self.findings.add(FindingCode::DanglingReference, ex);
                    None
                }
            },
        }
    }

    fn resolve_member(
        &mut self,
        r: &MemberRef,
        upns: &HashMap<String, Option<UserId>>,
        groups: &HashMap<String, Option<GroupId>>,
        o: Origin,
    ) -> Option<Member> {
        match r {
            MemberRef::Id(u, kind) => Some(match kind {
                MemberKind::User => Member::User(UserId::from_uuid(*u)),
                MemberKind::Group => Member::Group(GroupId::from_uuid(*u)),
                MemberKind::Unknown => {
                    if self.groups.contains_key(&GroupId::from_uuid(*u)) {
                        Member::Group(GroupId::from_uuid(*u))
                    } else {
                        // Unknown ids are taken as users: licenses only ever reach users, and
                        // inspect reports the id as dangling if no users export holds it.
                        Member::User(UserId::from_uuid(*u))
                    }
                }
            }),
            MemberRef::Name(name, kind) => {
                if *kind != MemberKind::Group {
                    if let Some(Some(id)) = upns.get(&name.to_lowercase()) {
                        return Some(Member::User(*id));
                    }
                }
                if *kind != MemberKind::User {
                    if let Some(Some(id)) = groups.get(&name.to_lowercase()) {
                        return Some(Member::Group(*id));
                    }
                }
                let ex = format!("member {name:?} ({})", self.place(o));
                self.findings.add(FindingCode::DanglingReference, ex);
                None
            }
        }
    }

    /// A product reference: GUID as is; a name through the tenant's SKUs, then the catalog.
    fn resolve_sku(&mut self, r: &SkuRef, o: Origin) -> Option<SkuId> {
        let name = match r {
            SkuRef::Id(id) => return Some(*id),
            SkuRef::Name(n) => n,
        };
        let key = crate::model::ids::fold_case(name);
        let lookup = match self.sku_names.get(key.as_ref()) {
            Some(l) => l.clone(),
            None => {
                let l = self.lookup_sku_name(name);
                self.sku_names.insert(key.into_owned(), l.clone());
                l
            }
        };
        match lookup {
            SkuLookup::Found(id) => Some(id),
            SkuLookup::Ambiguous(ids) => {
                let ex = format!("{name} is ambiguous: {ids} ({})", self.place(o));
                self.findings.add(FindingCode::UnknownSku, ex);
                None
            }
            SkuLookup::NotFound => {
                let ex = format!("{name} ({})", self.place(o));
                self.findings.add(FindingCode::UnknownSku, ex);
                None
            }
        }
    }

    fn lookup_sku_name(&self, name: &str) -> SkuLookup {
        let mut tenant_hits: Vec<SkuId> = self
            .skus
            .values()
            .filter(|s| {
                s.part_number
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(name))
                    || s.display_name
                        .as_deref()
                        .is_some_and(|d| d.eq_ignore_ascii_case(name))
            })
            .map(|s| s.id)
            .collect();
        tenant_hits.sort();
        tenant_hits.dedup();
        if let [one] = tenant_hits[..] {
            return SkuLookup::Found(one);
        }
        match Catalog::bundled().resolve(name) {
            Lookup::One(s) => SkuLookup::Found(s.id),
            Lookup::Ambiguous(all) => {
                let ids: Vec<String> = all.iter().map(|s| s.id.to_string()).collect();
                SkuLookup::Ambiguous(ids.join(" or "))
            }
            Lookup::NotFound => SkuLookup::NotFound,
        }
    }

    /// Disabled plans named by id or by `servicePlanName` within the product.
    fn resolve_plans(&mut self, sku: SkuId, refs: &[PlanRef], o: Origin) -> PlanIds {
        let mut out = Vec::new();
        for r in refs {
            match r {
                PlanRef::Id(id) => out.push(*id),
                PlanRef::Name(name) => match self.plan_by_name(sku, name) {
                    Some(id) => out.push(id),
                    None => {
                        let ex = format!("service plan {name} in {sku} ({})", self.place(o));
                        self.findings.add(FindingCode::DanglingReference, ex);
                    }
                },
            }
        }
        out.into_iter().collect()
    }

    /// A plan of the product by `servicePlanName`, or by any spelling the catalog records for it.
    fn plan_by_name(&self, sku: SkuId, name: &str) -> Option<PlanId> {
        let catalog = Catalog::bundled();
        let plans: &[crate::model::ServicePlan] = match self.skus.get(&sku) {
            Some(s) if !s.service_plans.is_empty() => &s.service_plans,
            _ => catalog.sku(sku).map_or(&[], |c| &c.service_plans[..]),
        };
        plans
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.id)
            .or_else(|| {
                catalog
                    .plans_named(name)
                    .into_iter()
                    .map(|p| p.id)
                    .find(|id| plans.iter().any(|p| p.id == *id))
            })
    }

    /// An admin-center `Licenses` cell: display names joined by `+`, matched longest first.
    fn resolve_product_names(
        &mut self,
        catalog: &Catalog,
        tenant_names: &HashMap<String, SkuId>,
        max_plus: usize,
        row: ProductNamesRow,
    ) {
        let is_known = |n: &str| {
            tenant_names.contains_key(&n.to_lowercase()) || catalog.is_known_display_name(n)
        };
        let parts = split_product_names(&row.names, max_plus, &is_known);
        let mut skus = Vec::new();
        for part in parts {
            let id = tenant_names
                .get(&part.text.to_lowercase())
                .copied()
                .or_else(|| match catalog.by_display_name(part.text) {
                    Lookup::One(s) => Some(s.id),
                    // Several catalog SKUs share the name: the tenant's subscription would
                    // decide, and it did not.
                    _ => None,
                });
            match id {
                Some(id) if part.known => skus.push(id),
                _ => {
                    let ex = format!("{} ({})", part.text, self.place(row.origin));
                    self.findings.add(FindingCode::UnknownSku, ex);
                }
            }
        }
        if let Some(acc) = self.users.get_mut(&row.user) {
            for sku in skus {
                acc.user.assignments.push(Assignment {
                    sku,
                    path: AssignmentPath::Unknown,
                    disabled_plans: PlanIds::new(),
                    state: None,
                    error: None,
                });
            }
        }
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
        licenses: Vec::new(),
        members: vec![member],
    }
}

/// Every user in id order, straight out of the merge into the tenant's sorted vector, with
/// their assignments normalised; the findings about them; the products they hold.
fn sorted_users(users: Users) -> (Vec<User>, Findings, BTreeSet<SkuId>) {
    let mut findings = Findings::default();
    let mut held = BTreeSet::new();
    let mut out: Vec<User> = Vec::with_capacity(users.len());
    for acc in users.into_sorted() {
        let mut user = acc.user;
        normalise_assignments(&mut user, &mut findings);
        if !acc.license_data {
            findings.add(FindingCode::NoLicenseData, user.label());
        } else if user.has_unknown_paths() {
            findings.add(FindingCode::UnknownAssignmentPath, user.label());
        }
        held.extend(user.assignments.iter().map(|a| a.sku));
        out.push(user);
    }
    (out, findings, held)
}

/// Sorts a user's assignments and drops exact repeats of one path (counted).
fn normalise_assignments(user: &mut User, findings: &mut Findings) {
    if user.assignments.len() < 2 {
        return;
    }
    // Sorted by product, then path: repeats of a (product, path) are neighbours.
    user.assignments.sort();
    let before = user.assignments.len();
    user.assignments
        .dedup_by(|later, kept| later.sku == kept.sku && later.path == kept.path);
    for _ in user.assignments.len()..before {
        findings.add(
            FindingCode::DuplicateRecord,
            format!("license of {} listed twice", user.label()),
        );
    }
}

/// A user whose license state names `assignedByGroup: G` is a direct member of G (licenses are
/// not inherited through nesting, R9): where G's member export is missing or does not list the
/// user, the membership is added and reported per group. A licensed group no member export
/// lists is reported too: its members are known only as far as license states imply them.
/// `groups` is sorted by id with sorted members, and stays so.
fn imply_memberships<'u>(
    users: impl Iterator<Item = &'u User>,
    groups: &mut [(GroupId, Group)],
    listed: &BTreeSet<GroupId>,
    findings: &mut Findings,
) {
    let mut implied: std::collections::BTreeMap<GroupId, BTreeSet<UserId>> = Default::default();
    for u in users {
        for a in &u.assignments {
            let AssignmentPath::Group(g) = a.path else {
                continue;
            };
            let Ok(i) = groups.binary_search_by_key(&g, |(id, _)| *id) else {
                continue;
            };
            if groups[i]
                .1
                .members
                .binary_search(&Member::User(u.id))
                .is_err()
            {
                implied.entry(g).or_default().insert(u.id);
            }
        }
    }
    for (id, g) in groups.iter_mut() {
        let label = match &g.display_name {
            Some(n) => format!("{n} ({id})"),
            None => id.to_string(),
        };
        let added = implied.remove(id).unwrap_or_default();
        let unlisted = !listed.contains(id);
        if !added.is_empty() {
            let why = if unlisted {
                "no member export lists the group"
            } else {
                "its member export does not list them"
            };
            let n = added.len();
            let s = if n == 1 { "" } else { "s" };
            findings.add(
                FindingCode::ImpliedMembership,
                format!("{label}: {n} member{s} implied by license states ({why})"),
            );
            g.members.extend(added.into_iter().map(Member::User));
            g.members.sort();
        }
        if unlisted && !g.licenses.is_empty() {
            findings.add(
                FindingCode::LicensedGroupWithoutMembers,
                format!("{label}: no member export"),
            );
        }
    }
}
