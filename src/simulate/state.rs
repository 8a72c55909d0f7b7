//! The simulator's working state: the tenant as dense, index-addressed tables.
//!
//! Users and groups live in vectors addressed by index, with hash indexes for names, so every
//! operation costs what it touches (one user, or one group's members) and never a scan of the
//! tenant. Maps that reach output are `BTreeMap`s, so results never depend on hashing.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use crate::catalog::Catalog;
use crate::model::{
    AssignmentError, AssignmentPath, CountryCode, GroupId, GroupKind, PlanId, PlanIds, SkuId,
    Tenant,
};

use super::planset::{PlanIndex, PlanSet};
use super::rules::Rules;
use super::smallmap::{SmallMap, SmallSet};

/// Licenses on one path: product → its disabled plans.
pub type Lic = SmallMap<SkuId, PlanIds>;

/// What one group gives one user, as last processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    Active(Lic),
    /// An error recorded on the user: nothing from this group is enabled. `stuck` licenses are
    /// the ones a removal could not take away (DependencyViolation, R5 newer behaviour): they
    /// still take seats.
    Error {
        error: AssignmentError,
        sku: Option<SkuId>,
        stuck: Lic,
    },
}

impl PathState {
    pub fn active(&self) -> Option<&Lic> {
        match self {
            PathState::Active(l) => Some(l),
            PathState::Error { .. } => None,
        }
    }

    /// Products this path takes a seat of.
    pub fn seated(&self) -> impl Iterator<Item = SkuId> + '_ {
        let lic = match self {
            PathState::Active(l) => l,
            PathState::Error { stuck, .. } => stuck,
        };
        lic.keys().copied()
    }
}

#[derive(Debug, Clone)]
pub struct SkuSt {
    pub id: SkuId,
    /// Shared with every step report's seat lines (a million-op report names each product
    /// at every step).
    pub label: std::sync::Arc<str>,
    pub plans: Vec<PlanId>,
    /// The same plans as a set over the state's plan index.
    pub mask: PlanSet,
    /// `None`: the exports gave no seat counts; seats are then not checked (stated as an
    /// assumption in the report).
    pub enabled: Option<u32>,
    pub consumed: i64,
    /// Whether assigning it needs a unique proxy address (it carries an Exchange plan).
    pub unique_proxy: bool,
}

#[derive(Debug, Clone)]
pub struct UserSt {
    pub location: Option<CountryCode>,
    /// Shares a proxy address with another user (UniquenessViolation for Exchange products).
    pub dup_proxy: bool,
    pub direct: Lic,
    /// Groups the user is a direct member of now.
    pub groups: SmallSet<usize>,
    /// What each group gave the user at its last processing.
    pub inherited: SmallMap<usize, PathState>,
    /// Plans enabled at the start: the invariant protects each of them.
    pub baseline: PlanSet,
    /// Baseline plans already reported lost (reported once, again only after a recovery).
    pub lost: PlanSet,
}

/// A change to a group since its last processing, in order.
#[derive(Debug, Clone)]
pub enum Event {
    /// The group's licenses became this (assign, change, remove).
    Config(Lic),
    /// A user joined (`true`) or left.
    Member(usize, bool),
    /// Reprocess every member.
    ReprocessAll,
    /// Reprocess one member.
    ReprocessUser(usize),
}

#[derive(Debug, Clone)]
pub struct GroupSt {
    pub id: GroupId,
    pub label: String,
    pub security_enabled: Option<bool>,
    pub kind: GroupKind,
    pub licenses: Lic,
    pub members: BTreeSet<usize>,
    /// Licenses and members as of the last processing.
    pub processed_licenses: Lic,
    pub processed_members: BTreeSet<usize>,
    /// Changes since then; non-empty means processing is pending (R8).
    pub events: Vec<Event>,
    /// Member events by user, as indexes into `events`, so a user's possible states are found
    /// without walking every other member's events.
    pub member_events: HashMap<usize, smallvec::SmallVec<[usize; 2]>>,
    /// Indexes of `Config` and `ReprocessAll` events.
    pub config_events: Vec<usize>,
    /// The step that last changed the group, for causes.
    pub last_change: Option<String>,
}

impl GroupSt {
    pub fn pending(&self) -> bool {
        !self.events.is_empty()
    }

    /// Records a change; [`State::push_event`] is the way in, keeping the pending set true.
    fn push(&mut self, e: Event) {
        let i = self.events.len();
        match &e {
            Event::Config(_) | Event::ReprocessAll => self.config_events.push(i),
            Event::Member(u, _) | Event::ReprocessUser(u) => {
                self.member_events.entry(*u).or_default().push(i)
            }
        }
        self.events.push(e);
    }

    fn settle(&mut self) {
        self.events.clear();
        self.member_events.clear();
        self.config_events.clear();
        self.processed_licenses = self.licenses.clone();
        self.processed_members = self.members.clone();
    }
}

/// One user's paths, summarised so that "everything but one group's path" costs that group's
/// licenses, not a walk over all of the user's groups: a plan comes from the other paths if the
/// direct path or two groups give it, or one group does and that group is not the one left out.
#[derive(Debug, Clone)]
pub struct PathSummary {
    /// Plans of the direct path, and plans two or more groups give.
    fixed: PlanSet,
    /// Plans any group gives.
    any: PlanSet,
    /// Products any path takes a seat of, sorted.
    seated: smallvec::SmallVec<[SkuId; 4]>,
}

impl PathSummary {
    /// [`State::holds`] as of the summary.
    pub fn holds(&self, sku: SkuId) -> bool {
        self.seated.binary_search(&sku).is_ok()
    }
}

/// Above this many group paths a user's questions go through a cached [`PathSummary`]; below
/// it, walking the paths is as cheap as building one.
const SUMMARISE_ABOVE: usize = 4;

/// Path summaries of the users one batch of checks asks about, made on first use, while the
/// state does not change: a user in thousands of groups is walked once per batch, not once per
/// group.
#[derive(Debug, Default)]
pub struct Summaries(HashMap<usize, PathSummary>);

impl Summaries {
    fn get(&mut self, st: &State<'_>, u: usize) -> Option<&PathSummary> {
        if st.users[u].inherited.len() <= SUMMARISE_ABOVE {
            return None;
        }
        Some(self.0.entry(u).or_insert_with(|| st.path_summary(u)))
    }

    /// [`State::plans_without_group`].
    pub fn without_group(&mut self, st: &State<'_>, u: usize, g: usize) -> PlanSet {
        match self.get(st, u) {
            Some(s) => st.without_group(s, u, g),
            None => st.plans_without_group(u, g),
        }
    }

    /// [`State::holds`].
    pub fn holds(&mut self, st: &State<'_>, u: usize, sku: SkuId) -> bool {
        match self.get(st, u) {
            Some(s) => s.holds(sku),
            None => st.holds(u, sku),
        }
    }
}

/// The whole working state.
pub struct State<'r> {
    pub rules: &'r Rules,
    pub default_location: Option<CountryCode>,
    pub skus: BTreeMap<SkuId, SkuSt>,
    /// In the tenant's order: user `i` here is `tenant.users` at `i` (found by `index_of`).
    pub users: Runs<UserSt>,
    pub groups: Vec<GroupSt>,
    /// Groups with changes not yet processed, ascending: a `wait-for-processing` looks at these,
    /// not at every group of the tenant.
    pub pending: BTreeSet<usize>,
    /// Built on first use from the users' labels (their UPNs): plans name users by id.
    pub user_by_upn: std::cell::OnceCell<HashMap<String, usize>>,
    pub group_by_id: HashMap<GroupId, usize>,
    /// Lower-cased display name → group; `None` when several groups share the name.
    pub group_by_name: HashMap<String, Option<usize>>,
    pub plan_names: HashMap<PlanId, String>,
    /// Products whose seats the exports did not give.
    pub unseated: BTreeSet<SkuId>,
    /// Paths the exports could not tell apart, read as direct.
    pub unknown_paths: u64,
    /// Dense indexes of every plan met, with the rules precomputed per plan.
    pub index: PlanIndex,
    /// The tenant as exported (labels, and the paths users started with, come from it).
    pub tenant: &'r Tenant,
}

/// Below this many users per thread, another thread costs more than it saves.
const PER_THREAD: usize = 50_000;

/// Every user's starting state, in id order, and how many assignments had an unknown path.
fn user_states<'r>(
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
        type GroupPath = (usize, Lic, Option<(AssignmentError, SkuId)>);
        let mut by_group: Vec<GroupPath> = Vec::new();
        for u in run {
            let mut direct: Lic = Lic::new();
            by_group.clear();
            for a in &u.assignments {
                match a.path {
                    AssignmentPath::Direct | AssignmentPath::Unknown => {
                        if a.path == AssignmentPath::Unknown {
                            *unknown_paths += 1;
                        }
                        if a.is_error() {
                            continue;
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
                                by_group.push((gi, Lic::new(), None));
                                by_group.len() - 1
                            }
                        };
                        let e = &mut by_group[at];
                        if a.is_error() {
                            e.2 = Some((a.error.unwrap_or(AssignmentError::Other), a.sku));
                        } else {
                            e.1.insert(a.sku, a.disabled_plans.clone());
                        }
                    }
                }
            }
            by_group.sort_unstable_by_key(|e| e.0);
            let inherited: SmallMap<usize, PathState> = SmallMap::from_sorted(
                by_group
                    .drain(..)
                    .map(|(g, lic, err)| {
                        let st = match err {
                            Some((error, sku)) => PathState::Error {
                                error,
                                sku: Some(sku),
                                stuck: Lic::new(),
                            },
                            None => PathState::Active(lic),
                        };
                        (g, st)
                    })
                    .collect(),
            );
            let dup_proxy = shared.contains_key(&u.id);
            out.push(UserSt {
                location: u.usage_location,
                dup_proxy,
                direct,
                groups: SmallSet::default(),
                inherited,
                baseline: PlanSet::new(),
                lost: PlanSet::new(),
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
    pub fn new(tenant: &'r Tenant, rules: &'r Rules) -> Self {
        Self::with_shared(
            tenant,
            rules,
            &crate::inspect::shared_proxy_addresses(tenant),
        )
    }

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
                .indexes_of(super::engine::inheriting_members(g));
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

    /// Plans a set of licenses enables: each product's plans less its disabled ones (R3).
    pub fn plans_of(&self, lic: &Lic, out: &mut PlanSet) {
        for (sku, disabled) in lic {
            self.plans_of_one(*sku, disabled, out);
        }
    }

    /// The plans one product enables with these plans disabled, added to `out`.
    pub fn plans_of_one(&self, sku: SkuId, disabled: &PlanIds, out: &mut PlanSet) {
        if let Some(s) = self.skus.get(&sku) {
            if disabled.is_empty() {
                out.union_with(&s.mask);
            } else {
                let mut m = s.mask.clone();
                for d in disabled {
                    if let Some(i) = self.index.get(*d) {
                        m.remove(i);
                    }
                }
                out.union_with(&m);
            }
        }
    }

    /// The plans each product gave a user at the start, by product (to name a whole product
    /// when every plan it gave is lost).
    pub fn baseline_by_sku(&self, u: usize) -> SmallMap<SkuId, PlanSet> {
        let mut by_sku: SmallMap<SkuId, PlanSet> = SmallMap::default();
        for a in self
            .user_record(u)
            .assignments
            .iter()
            .filter(|a| !a.is_error())
        {
            let mut set = PlanSet::new();
            self.plans_of_one(a.sku, &a.disabled_plans, &mut set);
            by_sku.entry_or_default(a.sku).union_with(&set);
        }
        by_sku
    }

    /// The user as exported.
    pub fn user_record(&self, u: usize) -> &'r crate::model::User {
        &self.tenant.users.as_slice()[u]
    }

    /// The name to show for a user: the UPN, or the id where there is none.
    pub fn user_label(&self, u: usize) -> std::borrow::Cow<'r, str> {
        let user = self.user_record(u);
        match &user.upn {
            Some(upn) => std::borrow::Cow::Borrowed(upn.as_str()),
            None => std::borrow::Cow::Owned(user.id.to_string()),
        }
    }

    /// A user by UPN, case-insensitively.
    pub fn user_by_upn(&self, upn: &str) -> Option<usize> {
        self.user_by_upn
            .get_or_init(|| {
                (0..self.users.len())
                    .map(|u| (self.user_label(u).to_lowercase(), u))
                    .collect()
            })
            .get(crate::model::ids::fold_case(upn).as_ref())
            .copied()
    }

    /// Everything enabled on a user now, over every active path (R1, R3).
    pub fn enabled_plans(&self, u: usize) -> PlanSet {
        let mut out = PlanSet::new();
        let user = &self.users[u];
        self.plans_of(&user.direct, &mut out);
        for p in user.inherited.values() {
            if let Some(l) = p.active() {
                self.plans_of(l, &mut out);
            }
        }
        out
    }

    /// Enabled plans from every path except one group's.
    pub fn plans_without_group(&self, u: usize, g: usize) -> PlanSet {
        let mut out = PlanSet::new();
        let user = &self.users[u];
        self.plans_of(&user.direct, &mut out);
        for (gi, p) in &user.inherited {
            if *gi != g {
                if let Some(l) = p.active() {
                    self.plans_of(l, &mut out);
                }
            }
        }
        out
    }

    /// Records a change to a group, to be processed (R8).
    pub fn push_event(&mut self, g: usize, e: Event) {
        self.groups[g].push(e);
        self.pending.insert(g);
    }

    /// A group's changes are processed: its licenses and members now are what it gives.
    pub fn settle(&mut self, g: usize) {
        self.groups[g].settle();
        self.pending.remove(&g);
    }

    /// A user's paths summarised in one walk over them, for many questions about "every path
    /// but one group's" (see [`State::without_group`]).
    pub fn path_summary(&self, u: usize) -> PathSummary {
        let user = &self.users[u];
        let mut fixed = PlanSet::new();
        self.plans_of(&user.direct, &mut fixed);
        let (mut any, mut twice) = (PlanSet::new(), PlanSet::new());
        let mut seated: smallvec::SmallVec<[SkuId; 4]> = user.direct.keys().copied().collect();
        for p in user.inherited.values() {
            seated.extend(p.seated());
            if let Some(l) = p.active() {
                let mut one = PlanSet::new();
                self.plans_of(l, &mut one);
                let mut both = one.clone();
                both.intersect_with(&any);
                twice.union_with(&both);
                any.union_with(&one);
            }
        }
        seated.sort_unstable();
        seated.dedup();
        fixed.union_with(&twice);
        PathSummary { fixed, any, seated }
    }

    /// [`State::plans_without_group`] from a [`PathSummary`] of the user: the cost of one
    /// group's licenses, however many groups the user is in.
    pub fn without_group(&self, s: &PathSummary, u: usize, g: usize) -> PlanSet {
        let mut out = s.any.clone();
        if let Some(l) = self.users[u].inherited.get(&g).and_then(PathState::active) {
            let mut own = PlanSet::new();
            self.plans_of(l, &mut own);
            out.difference_with(&own);
        }
        out.union_with(&s.fixed);
        out
    }

    /// The products a user takes a seat of, sorted (R2: one seat per product).
    pub fn seated(&self, u: usize) -> smallvec::SmallVec<[SkuId; 4]> {
        let user = &self.users[u];
        let mut out: smallvec::SmallVec<[SkuId; 4]> = user.direct.keys().copied().collect();
        for p in user.inherited.values() {
            out.extend(p.seated());
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The plans of a set, as ids.
    pub fn plan_ids(&self, set: &PlanSet) -> PlanIds {
        set.iter().map(|i| self.index.id(i)).collect()
    }

    pub fn plan_label_at(&self, i: u32) -> String {
        self.plan_label(self.index.id(i))
    }

    /// Whether the user takes a seat of the product through any path (R2: one seat per user).
    pub fn holds(&self, u: usize, sku: SkuId) -> bool {
        let user = &self.users[u];
        user.direct.contains_key(&sku)
            || user
                .inherited
                .values()
                .any(|p| p.seated().any(|s| s == sku))
    }

    /// A plan's servicePlanName: from the tenant's products, else the bundled catalog (a
    /// prerequisite may name a plan of a product the tenant does not have), else its id.
    pub fn plan_label(&self, p: PlanId) -> String {
        self.plan_names
            .get(&p)
            .cloned()
            .or_else(|| Catalog::bundled().plan(p).map(|c| c.name.clone()))
            .unwrap_or_else(|| p.to_string())
    }

    pub fn sku_label(&self, s: SkuId) -> String {
        self.skus
            .get(&s)
            .map_or_else(|| s.to_string(), |x| x.label.to_string())
    }

    /// Seats that can still be assigned; `None` when unknown (not checked).
    pub fn available(&self, sku: SkuId) -> Option<i64> {
        let s = self.skus.get(&sku)?;
        s.enabled.map(|e| i64::from(e) - s.consumed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_states_built_on_several_threads_are_those_built_on_one() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut dirs = vec![root.join("contoso"), root.join("contoso-csv")];
        let scenarios = std::fs::read_dir(root.join("scenarios")).expect("scenarios");
        dirs.extend(scenarios.filter_map(|e| e.ok().map(|e| e.path().join("tenant"))));
        let mut compared = 0;
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            let Ok(loaded) = crate::ingest::load(std::slice::from_ref(dir)) else {
                continue;
            };
            let t = &loaded.tenant;
            let group_by_id: HashMap<GroupId, usize> =
                t.groups.keys().enumerate().map(|(i, g)| (*g, i)).collect();
            let shared = crate::inspect::shared_proxy_addresses(t);
            let one = format!("{:?}", user_states(t, &group_by_id, &shared, 1, 1));
            for threads in [2, 3, 7] {
                let many = format!("{:?}", user_states(t, &group_by_id, &shared, threads, 1));
                assert_eq!(one, many, "{} on {threads} threads", dir.display());
            }
            compared += 1;
        }
        assert!(compared >= 5, "only {compared} tenants compared");
    }

    #[test]
    fn path_summaries_answer_as_walking_the_paths_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let loaded = crate::ingest::load(&[root.join("scenarios/r3-union/tenant")]).expect("loads");
        let rules = Rules::bundled().expect("bundled rules");
        let mut st = State::new(&loaded.tenant, &rules);
        let sku = *st.skus.keys().next().expect("a product");
        let plans = st.skus[&sku].plans.clone();
        // Twelve paths from made-up groups, each disabling a different few plans (some
        // plans given by one path only, some by several, one path in error with a stuck
        // license), so every branch of the summary is met.
        for g in 0..12usize {
            st.groups.push(st.groups[0].clone());
            let gi = st.groups.len() - 1;
            let disabled: PlanIds = plans
                .iter()
                .enumerate()
                .filter(|(i, _)| (i + g) % 3 != 0 && *i != g)
                .map(|(_, p)| *p)
                .collect();
            let mut lic = Lic::new();
            lic.insert(sku, disabled);
            let state = if g == 5 {
                PathState::Error {
                    error: AssignmentError::CountViolation,
                    sku: Some(sku),
                    stuck: lic,
                }
            } else {
                PathState::Active(lic)
            };
            st.users[0].inherited.insert(gi, state);
        }
        st.users[0].direct = Lic::new();
        let summary = st.path_summary(0);
        let mut sums = Summaries::default();
        for g in 0..st.groups.len() + 1 {
            assert_eq!(
                st.without_group(&summary, 0, g),
                st.plans_without_group(0, g),
                "without group {g}"
            );
            assert_eq!(sums.without_group(&st, 0, g), st.plans_without_group(0, g));
        }
        for s in st.skus.keys() {
            assert_eq!(summary.holds(*s), st.holds(0, *s));
            assert_eq!(sums.holds(&st, 0, *s), st.holds(0, *s));
        }
        assert!(!st.plans_without_group(0, 1).is_empty());
    }
}
