//! Name resolution: UPNs, group display names, product part numbers and names, and service-plan
//! names turned into ids, each ambiguity or miss an error naming the record.

use super::*;

impl Builder {
    pub(super) fn upn_index(&self) -> HashMap<String, Option<UserId>> {
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

    pub(super) fn group_name_index(&self) -> HashMap<String, Option<GroupId>> {
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

    pub(super) fn resolve_user(
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

    pub(super) fn resolve_group(
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

    pub(super) fn resolve_member(
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
    pub(super) fn resolve_sku(&mut self, r: &SkuRef, o: Origin) -> Option<SkuId> {
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

    pub(super) fn lookup_sku_name(&self, name: &str) -> SkuLookup {
        let mut tenant_hits: Vec<SkuId> = self
            .skus
            .values()
            .filter(|s| crate::resolve::sku_named(s, name))
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
    pub(super) fn resolve_plans(&mut self, sku: SkuId, refs: &[PlanRef], o: Origin) -> PlanIds {
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
    pub(super) fn plan_by_name(&self, sku: SkuId, name: &str) -> Option<PlanId> {
        let catalog = Catalog::bundled();
        let plans: &[crate::model::ServicePlan] = match self.skus.get(&sku) {
            Some(s) if !s.service_plans.is_empty() => &s.service_plans,
            _ => catalog.sku(sku).map_or(&[], |c| &c.service_plans[..]),
        };
        crate::resolve::plan_named(name, plans.iter().map(|p| (p.id, p.name.as_str())))
    }

    /// An admin-center `Licenses` cell: display names joined by `+`, matched longest first.
    pub(super) fn resolve_product_names(
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
