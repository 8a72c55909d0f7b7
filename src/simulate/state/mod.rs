//! The simulator's working state: the tenant as dense, index-addressed tables.
//!
//! Users and groups live in vectors addressed by index, with hash indexes for names, so every
//! operation costs what it touches (one user, or one group's members) and never a scan of the
//! tenant. Maps that reach output are `BTreeMap`s, so results never depend on hashing.

mod build;
mod summary;

pub use build::Runs;
pub use summary::{PathSummary, Summaries};

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use crate::catalog::Catalog;
use crate::model::{
    AssignmentError, CountryCode, GroupId, GroupKind, PlanId, PlanIds, SkuId, Tenant,
};

use crate::simulate::planset::{PlanIndex, PlanSet};
use crate::simulate::rules::Rules;
use crate::simulate::smallmap::{SmallMap, SmallSet};

/// Licenses on one path: product → its disabled plans.
pub type Lic = SmallMap<SkuId, PlanIds>;

/// What one group gives one user, as last processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    Active(Lic),
    /// Graph's state ActiveWithError (the careful reading, RULES.md "Error states"): the
    /// licenses are active and take their seats, and their plans count for conflicts and
    /// dependencies; they never count as the coverage that makes removing another path safe.
    ActiveWithError(Lic),
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
    /// The licenses the path enables (also those of a path in ActiveWithError).
    pub fn active(&self) -> Option<&Lic> {
        match self {
            PathState::Active(l) | PathState::ActiveWithError(l) => Some(l),
            PathState::Error { .. } => None,
        }
    }

    /// The licenses the path enables, as coverage for the no-loss check: a path in
    /// ActiveWithError covers only with `with_awe` (for plans the user held through such paths
    /// alone at the start).
    pub fn covering(&self, with_awe: bool) -> Option<&Lic> {
        match self {
            PathState::Active(l) => Some(l),
            PathState::ActiveWithError(l) if with_awe => Some(l),
            _ => None,
        }
    }

    /// Products this path takes a seat of.
    pub fn seated(&self) -> impl Iterator<Item = SkuId> + '_ {
        let lic = match self {
            PathState::Active(l) | PathState::ActiveWithError(l) => l,
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
    /// What the user holds in ActiveWithError, if anything: rare, so boxed (a million users
    /// pay one pointer each, not two sets).
    pub awe: Option<Box<Awe>>,
    /// Baseline plans already reported lost (reported once, again only after a recovery); boxed,
    /// as few users ever have any.
    pub lost: Option<Box<PlanSet>>,
}

/// A user's licenses in state ActiveWithError.
#[derive(Debug, Clone, Default)]
pub struct Awe {
    /// The part of `baseline` the user held only through paths in ActiveWithError: these may
    /// stay covered by such paths; every other baseline plan must stay covered by Active paths.
    pub weak: PlanSet,
    /// Direct products in ActiveWithError (until an op changes them: a direct change is
    /// evaluated at once, so a product it adds is Active or refused).
    pub direct: BTreeSet<SkuId>,
}

impl UserSt {
    /// The baseline plans held only through paths in ActiveWithError (see [`Awe::weak`]).
    pub fn weak(&self) -> Option<&PlanSet> {
        self.awe.as_ref().map(|a| &a.weak).filter(|w| !w.is_empty())
    }
}

/// Whether an exported assignment's services are the user's at the start: not in error, or in
/// state ActiveWithError (active, takes its seat; RULES.md "Error states"). Error is not held;
/// Disabled is read as the exports give it (held unless an error code says otherwise).
pub fn held_at_start(a: &crate::model::Assignment) -> bool {
    !a.is_error() || a.state == Some(crate::model::AssignmentState::ActiveWithError)
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
    /// Deleted by a `delete-group` op: it has no members and no licenses, and ops naming it are
    /// refused.
    pub deleted: bool,
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

impl<'r> State<'r> {
    pub fn new(tenant: &'r Tenant, rules: &'r Rules) -> Self {
        Self::with_shared(
            tenant,
            rules,
            &crate::inspect::shared_proxy_addresses(tenant),
        )
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
            .filter(|a| held_at_start(a))
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

    /// The plans a user's paths give as coverage for the no-loss check: every Active path,
    /// and paths in ActiveWithError only with `with_awe` (see [`PathState::covering`]).
    pub fn covering_plans(&self, u: usize, with_awe: bool) -> PlanSet {
        let mut out = PlanSet::new();
        let user = &self.users[u];
        self.direct_covering(u, with_awe, &mut out);
        for p in user.inherited.values() {
            if let Some(l) = p.covering(with_awe) {
                self.plans_of(l, &mut out);
            }
        }
        out
    }

    /// The direct path's plans as coverage (its products in ActiveWithError only with
    /// `with_awe`).
    pub fn direct_covering(&self, u: usize, with_awe: bool, out: &mut PlanSet) {
        let user = &self.users[u];
        let awe = user
            .awe
            .as_ref()
            .map(|a| &a.direct)
            .filter(|d| !d.is_empty());
        match awe {
            Some(awe) if !with_awe => {
                for (sku, disabled) in &user.direct {
                    if !awe.contains(sku) {
                        self.plans_of_one(*sku, disabled, out);
                    }
                }
            }
            _ => self.plans_of(&user.direct, out),
        }
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
    use super::build::user_states;
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
