//! Resolving every reference into the tenant once all files are read: [`Builder::finish`]
//! and the checks it runs over groups and users.

use super::*;

impl Builder {
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
            crate::par::background(move || sorted_users(users))
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
            Some(job) => job.wait(),
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
    pub(super) fn one_license_per_product(&mut self, id: GroupId, g: &mut Group) {
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
    pub(super) fn one_kind_per_member(&mut self, id: GroupId, g: &Group) {
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
}

/// Every user in id order, straight out of the merge into the tenant's sorted vector, with
/// their assignments normalised; the findings about them; the products they hold.
pub(super) fn sorted_users(users: Users) -> (Vec<User>, Findings, BTreeSet<SkuId>) {
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
pub(super) fn normalise_assignments(user: &mut User, findings: &mut Findings) {
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
pub(super) fn imply_memberships<'u>(
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
