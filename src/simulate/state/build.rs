//! Building the working state from the tenant: every user's starting paths (split over the
//! cores), the groups and products as dense tables.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use crate::catalog::Catalog;
use crate::model::{
    AssignmentError, AssignmentPath, AssignmentState, GroupId, PlanId, SkuId, Tenant,
};

use crate::simulate::planset::{PlanIndex, PlanSet};
use crate::simulate::rules::Rules;
use crate::simulate::smallmap::{SmallMap, SmallSet};

use super::{held_at_start, GroupSt, Lic, PathState, SkuSt, State, UserSt};

/// Below this many users per thread, another thread costs more than it saves.
const PER_THREAD: usize = 50_000;

/// Every user's starting state, in id order, and how many assignments had an unknown path.
pub(super) fn user_states<'r>(
    tenant: &'r Tenant,
    group_by_id: &HashMap<GroupId, usize>,
    shared: &crate::inspect::SharedProxies,
    threads: usize,
    per_thread: usize,
) -> (Runs<UserSt>, u64) {
    // Users are independent of one another here: each thread builds the state of a run of
    // them (in id order), and the runs are joined in order.
    let all: &'r [crate::model::User] = tenant.users.as_slice();
    let build_run = |run: &'r [crate::model::User]| -> (Vec<UserSt>, u64) {
        let mut out = Vec::with_capacity(run.len());
        let mut unknown = 0u64;
        let unknown_paths = &mut unknown;
        // What each group gives the user being read; reused from user to user.
        // (group, licenses, an error, whether a license is in ActiveWithError)
        type GroupPath = (usize, Lic, Option<(AssignmentError, SkuId)>, bool);
        let mut by_group: Vec<GroupPath> = Vec::new();
        for u in run {
            let mut direct: Lic = Lic::new();
            // Direct products in ActiveWithError and held cleanly: a handful at most, kept in
            // place (a B-tree node per user would be allocated and freed a million times).
            let mut direct_awe: smallvec::SmallVec<[SkuId; 2]> = smallvec::SmallVec::new();
            let mut direct_clean: smallvec::SmallVec<[SkuId; 2]> = smallvec::SmallVec::new();
            by_group.clear();
            for a in &u.assignments {
                let awe = a.state == Some(AssignmentState::ActiveWithError);
                match a.path {
                    AssignmentPath::Direct | AssignmentPath::Unknown => {
                        if a.path == AssignmentPath::Unknown {
                            *unknown_paths += 1;
                        }
                        if !held_at_start(a) {
                            continue;
                        }
                        let into = if awe {
                            &mut direct_awe
                        } else {
                            &mut direct_clean
                        };
                        if !into.contains(&a.sku) {
                            into.push(a.sku);
                        }
                        // Two paths of one product: the union of enabled plans (R3).
                        let merged = match direct.get(&a.sku) {
                            Some(d) => d.intersection(&a.disabled_plans).copied().collect(),
                            None => a.disabled_plans.clone(),
                        };
                        direct.insert(a.sku, merged);
                    }
                    AssignmentPath::Group(g) => {
                        let Some(&gi) = group_by_id.get(&g) else {
                            continue;
                        };
                        let at = match by_group.iter().position(|e| e.0 == gi) {
                            Some(at) => at,
                            None => {
                                by_group.push((gi, Lic::new(), None, false));
                                by_group.len() - 1
                            }
                        };
                        let e = &mut by_group[at];
                        if !held_at_start(a) {
                            e.2 = Some((a.error.unwrap_or(AssignmentError::Other), a.sku));
                        } else {
                            e.3 |= awe;
                            e.1.insert(a.sku, a.disabled_plans.clone());
                        }
                    }
                }
            }
            by_group.sort_unstable_by_key(|e| e.0);
            let inherited: SmallMap<usize, PathState> = SmallMap::from_sorted(
                by_group
                    .drain(..)
                    .map(|(g, lic, err, awe)| {
                        // R4: one product in Error and the group gives nothing; else a license
                        // in ActiveWithError makes the path so.
                        let st = match (err, awe) {
                            (Some((error, sku)), _) => PathState::Error {
                                error,
                                sku: Some(sku),
                                stuck: Lic::new(),
                            },
                            (None, true) => PathState::ActiveWithError(lic),
                            (None, false) => PathState::Active(lic),
                        };
                        (g, st)
                    })
                    .collect(),
            );
            direct_awe.retain(|sku| !direct_clean.contains(sku));
            let dup_proxy = shared.contains_key(&u.id);
            out.push(UserSt {
                location: u.usage_location,
                dup_proxy,
                direct,
                groups: SmallSet::default(),
                inherited,
                baseline: PlanSet::new(),
                awe: (!direct_awe.is_empty()).then(|| {
                    Box::new(super::Awe {
                        weak: PlanSet::new(),
                        direct: direct_awe.into_iter().collect(),
                    })
                }),
                lost: None,
            });
        }
        (out, unknown)
    };
    let (runs, size) = crate::par::map_runs(all, threads, per_thread, |_, run| build_run(run));
    let unknown_paths = runs.iter().map(|(_, n)| n).sum();
    let users = Runs::new(runs.into_iter().map(|(run, _)| run).collect(), size);
    (users, unknown_paths)
}

/// One table kept as the runs it was built in (each `run_len` long but the last): joining a
/// million users' states into one vector would copy every one of them into fresh memory.
pub struct Runs<T> {
    runs: Vec<Vec<T>>,
    run_len: usize,
    len: usize,
}

impl<T> Runs<T> {
    fn new(runs: Vec<Vec<T>>, run_len: usize) -> Self {
        debug_assert!(runs.iter().rev().skip(1).all(|r| r.len() == run_len));
        let len = runs.iter().map(Vec::len).sum();
        Runs { runs, run_len, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.runs.iter().flatten()
    }
}

/// Shown as the one list it stands for, however it was split.
impl<T: std::fmt::Debug> std::fmt::Debug for Runs<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> std::ops::Index<usize> for Runs<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.runs[i / self.run_len][i % self.run_len]
    }
}

impl<T> std::ops::IndexMut<usize> for Runs<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.runs[i / self.run_len][i % self.run_len]
    }
}

impl<'r> State<'r> {
    /// [`State::new`] with the tenant's shared proxy addresses found already.
    pub fn with_shared(
        tenant: &'r Tenant,
        rules: &'r Rules,
        shared: &crate::inspect::SharedProxies,
    ) -> Self {
        let mut plan_names = HashMap::default();
        let mut index = PlanIndex::new();
        let mut skus = BTreeMap::new();
        let mut unseated = BTreeSet::new();
        for s in tenant.skus.values() {
            for p in &s.service_plans {
                plan_names.entry(p.id).or_insert_with(|| p.name.clone());
            }
            if s.seats.is_none() {
                unseated.insert(s.id);
            }
            let mut mask = PlanSet::new();
            for p in &s.service_plans {
                mask.insert(index.ensure(p.id, rules));
            }
            skus.insert(
                s.id,
                SkuSt {
                    id: s.id,
                    label: s.part_number.clone().unwrap_or_else(|| s.label()).into(),
                    plans: s.service_plans.iter().map(|p| p.id).collect(),
                    mask,
                    enabled: s.seats.map(|x| x.enabled),
                    consumed: s.seats.map_or(0, |x| i64::from(x.consumed)),
                    unique_proxy: s
                        .service_plans
                        .iter()
                        .any(|p| rules.needs_unique_proxy(&p.name)),
                },
            );
        }
        let mut groups = Vec::with_capacity(tenant.groups.len());
        let mut group_by_id =
            HashMap::with_capacity_and_hasher(tenant.groups.len(), Default::default());
        let mut group_by_name: HashMap<String, Option<usize>> = HashMap::default();
        for g in tenant.groups.values() {
            let i = groups.len();
            group_by_id.insert(g.id, i);
            if let Some(n) = &g.display_name {
                group_by_name
                    .entry(n.to_lowercase())
                    .and_modify(|v| *v = None)
                    .or_insert(Some(i));
            }
            let licenses: Lic = g
                .licenses
                .iter()
                .map(|l| (l.sku, l.disabled_plans.clone()))
                .collect();
            groups.push(GroupSt {
                id: g.id,
                label: g.label(),
                security_enabled: g.security_enabled,
                kind: g.kind(),
                processed_licenses: licenses.clone(),
                licenses,
                members: BTreeSet::new(),
                processed_members: BTreeSet::new(),
                events: Vec::new(),
                member_events: HashMap::default(),
                config_events: Vec::new(),
                last_change: None,
                deleted: false,
            });
        }

        let (mut users, unknown_paths) = user_states(
            tenant,
            &group_by_id,
            shared,
            crate::par::threads(),
            PER_THREAD,
        );
        for (gi, g) in tenant.groups.values().enumerate() {
            // Members are sorted by id and users are indexed in id order, so the indexes come
            // ascending and the sets are built in bulk.
            let mut members: Vec<usize> = tenant
                .users
                .indexes_of(crate::simulate::engine::inheriting_members(g));
            members.sort_unstable();
            for &ui in &members {
                users[ui].groups.insert(gi);
            }
            let members: BTreeSet<usize> = members.into_iter().collect();
            groups[gi].processed_members = members.clone();
            groups[gi].members = members;
        }
        let mut state = State {
            rules,
            default_location: tenant.default_usage_location,
            skus,
            users,
            groups,
            pending: BTreeSet::new(),
            user_by_upn: std::cell::OnceCell::new(),
            group_by_id,
            group_by_name,
            plan_names,
            unseated,
            unknown_paths,
            index,
            tenant,
        };
        // Products held but not in the tenant's product list: from the catalog, no seats known.
        let mut held: BTreeSet<SkuId> = BTreeSet::new();
        for u in state.users.iter() {
            held.extend(u.direct.keys().copied());
            for p in u.inherited.values() {
                held.extend(p.seated());
            }
        }
        for sku in held {
            state.ensure_sku(sku, false);
        }
        for i in 0..state.users.len() {
            let b = state.enabled_plans(i);
            // Coverage differs from the enabled plans only through paths in ActiveWithError.
            let u = &state.users[i];
            let awe = u.awe.is_some()
                || u.inherited
                    .values()
                    .any(|p| matches!(p, PathState::ActiveWithError(_)));
            if awe {
                let mut weak = b.clone();
                weak.difference_with(&state.covering_plans(i, false));
                if !weak.is_empty() {
                    state.users[i].awe.get_or_insert_with(Default::default).weak = weak;
                }
            }
            state.users[i].baseline = b;
        }
        state
    }

    /// Adds a product the tenant does not list (from the catalog). A product held at the start
    /// has unknown seats; one an op assigns has none when the exports list the tenant's
    /// products (it is not subscribed), unknown seats otherwise.
    pub fn ensure_sku(&mut self, id: SkuId, assigned_by_op: bool) {
        if self.skus.contains_key(&id) {
            return;
        }
        let catalog = Catalog::bundled();
        let (label, plans) = match catalog.sku(id) {
            Some(c) => {
                for p in &c.service_plans {
                    self.plan_names
                        .entry(p.id)
                        .or_insert_with(|| p.name.clone());
                }
                (
                    c.part_number.clone(),
                    c.service_plans.iter().map(|p| p.id).collect(),
                )
            }
            None => (id.to_string(), Vec::new()),
        };
        let mut mask = PlanSet::new();
        for p in &plans {
            mask.insert(self.index.ensure(*p, self.rules));
        }
        let unique_proxy = plans.iter().any(|p: &PlanId| {
            self.plan_names
                .get(p)
                .is_some_and(|n| self.rules.needs_unique_proxy(n))
        });
        let enabled = if assigned_by_op && self.skus.values().any(|s| s.enabled.is_some()) {
            Some(0)
        } else {
            self.unseated.insert(id);
            None
        };
        self.skus.insert(
            id,
            SkuSt {
                id,
                label: label.into(),
                plans,
                mask,
                enabled,
                consumed: 0,
                unique_proxy,
            },
        );
    }
}
