//! The service-plan relations the simulator applies: which plans cannot be held together
//! (MutuallyExclusiveViolation), which plan needs another (DependencyViolation, and R7's "in the
//! same group"), which plan takes over another's service (so trading one for the other loses
//! nothing, R11), where a plan is not offered (ProhibitedInUsageLocationViolation) and which
//! plans need a unique proxy address (UniquenessViolation).
//!
//! # Why the relations are data
//!
//! Microsoft publishes them only as prose and tables that are "accurate only as of the date when
//! this article was last updated", and its 2020 and 2025 tables disagree (Exchange Online Plan 1
//! vs Plan 2). Written into code, both the source and the judgement call would be invisible. So
//! they live in `data/rules.yaml`, compiled into the binary, where every entry has an id and
//! cites the Microsoft document or catalog rows it comes from. Plans are named by
//! servicePlanName and resolved through the bundled catalog here, once, into [`PlanId`]s.
//!
//! A tenant that behaves differently, or a newer Microsoft statement, needs no new release: a
//! user's rules file (same schema) replaces an entry by reusing its id, adds entries, or turns
//! entries off with `disable: [id, ...]`, or turns on an entry kept off by default
//! (`enabled: false`) with `enable: [id, ...]`. Reports can list [`Rules::entry_ids`] and
//! [`Rules::assumptions`], so a plan always says which rules it was simulated under.
//!
//! # Conservative defaults
//!
//! Where sources disagree, the bundled file takes the reading under which the planner is less
//! likely to promise something Microsoft then refuses or that loses a user a service, unless a
//! newer explicit source says otherwise (Exchange Online Plan 1 and Plan 2 may now be held
//! together; the older exclusive reading is kept off by default, RULES.md R5), and a plan has a successor
//! only where the catalog shows a higher product carrying a higher plan of the same service in
//! its place. Each such reading is an [`Assumption`] stated in the output.
//!
//! # Failure
//!
//! Loading fails with an [`InputError`] naming the file, the line (serde_yaml's, or the line of
//! the entry's `id:` or of the offending name), the field and the entry id: bad YAML, unknown
//! fields, malformed or duplicate ids, plan names that are neither in the catalog nor GUIDs,
//! disabling an id that no bundled entry has.

pub mod about;
mod file;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::Path;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::ingest::error::{InputError, InputErrors, Location};
use crate::model::ids::{looks_like_guid, CountryCode, PlanId};

use file::{Body, Entry, Source};

/// The bundled rules, verbatim.
const BUNDLED_YAML: &str = include_str!("../../../data/rules.yaml");
/// The name bundled-rules errors carry (only a broken build can produce one; tests load it).
const BUNDLED_PATH: &str = "<licplan>/data/rules.yaml";

static NO_PLANS: BTreeSet<PlanId> = BTreeSet::new();

/// A reading of the sources that licplan states in its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumption {
    pub id: String,
    pub text: String,
    /// What the reading is about: a plan states it only where it touches it.
    #[serde(skip_serializing_if = "about_nothing")]
    pub about: about::About,
}

fn about_nothing(a: &about::About) -> bool {
    *a == about::About::always()
}

/// One reason two plans cannot be held together: no two different plans of `plans` may be
/// enabled on one user at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExclusiveSet {
    pub id: String,
    pub source: String,
    pub plans: BTreeSet<PlanId>,
}

/// `plan` can be enabled only while one of `one_of` is (with group-based licensing: in the same
/// group, RULES.md R7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prerequisite {
    pub id: String,
    pub source: String,
    pub plan: PlanId,
    pub one_of: BTreeSet<PlanId>,
}

/// The service-plan relations in force: the bundled ones, changed by a user's rules file.
#[derive(Debug, Clone)]
pub struct Rules {
    assumptions: Vec<Assumption>,
    /// In entry order.
    exclusive: Vec<ExclusiveSet>,
    /// Plan → indices into `exclusive`, ascending.
    exclusive_by_plan: HashMap<PlanId, Vec<usize>>,
    prerequisites: HashMap<PlanId, Vec<Prerequisite>>,
    /// Plan → every plan reachable through successor edges, itself excluded.
    successors: HashMap<PlanId, BTreeSet<PlanId>>,
    not_offered: HashMap<PlanId, BTreeSet<CountryCode>>,
    unique_proxy_prefixes: Vec<String>,
    /// Sorted.
    entry_ids: Vec<String>,
}

impl Rules {
    /// The bundled rules (`data/rules.yaml`).
    ///
    /// # Errors
    ///
    /// Only if the bundled file or catalog is broken, which the tests rule out.
    pub fn bundled() -> Result<Rules, InputErrors> {
        build(None)
    }

    /// The bundled rules plus a user's rules file: same schema, plus `disable: [id, ...]` to turn
    /// bundled entries off; an entry with the id of a bundled one replaces it.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or [`Rules::from_yaml`] refuses it.
    pub fn with_file(path: &Path) -> Result<Rules, InputErrors> {
        let text = crate::docfile::read_text(
            path,
            "the rules file",
            "name a rules file (YAML), such as data/rules.yaml",
        )
        .map_err(|e| InputErrors(vec![e]))?;
        Self::from_yaml(&text, path)
    }

    /// The bundled rules plus the rules file `text`, whose errors name `source_name`.
    ///
    /// # Errors
    ///
    /// Bad YAML or an unknown field (at serde_yaml's line); an id that is not kebab-case or is
    /// used twice in the file; a plan name neither in the catalog nor a GUID, a country that is
    /// not two letters, an empty list (naming the entry id and field); `disable` naming an id no
    /// bundled entry has, or one the file also defines; an unsupported `version`. Every bad
    /// entry and every bad `disable` id is reported, each with its line (a file's YAML or
    /// schema error stops reading, and is the one error).
    pub fn from_yaml(text: &str, source_name: &Path) -> Result<Rules, InputErrors> {
        // Windows editors save a BOM.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        build(Some(Source {
            path: source_name,
            text,
            bundled: false,
        }))
    }

    /// The exclusive set that makes `a` and `b` conflict, if any (never when `a == b`). The first
    /// such set in entry order when several do.
    pub fn conflict(&self, a: PlanId, b: PlanId) -> Option<&ExclusiveSet> {
        if a == b {
            return None;
        }
        self.exclusive_by_plan
            .get(&a)?
            .iter()
            .filter_map(|&i| self.exclusive.get(i))
            .find(|set| set.plans.contains(&b))
    }

    /// Whether any plan is restricted to some usage locations (none is, unless a rules file says).
    pub fn restricts_locations(&self) -> bool {
        !self.not_offered.is_empty()
    }

    /// Whether the plan is in any mutually exclusive set (most plans are not: callers skip
    /// them before looking for conflicts pair by pair).
    pub fn in_exclusive_set(&self, plan: PlanId) -> bool {
        self.exclusive_by_plan.contains_key(&plan)
    }

    /// The prerequisites of a plan (empty if none). Each must be met: one of its `one_of` enabled.
    pub fn prerequisites(&self, plan: PlanId) -> &[Prerequisite] {
        self.prerequisites.get(&plan).map_or(&[], Vec::as_slice)
    }

    /// Whether `plan`'s service is still provided by `enabled`: the plan itself or any
    /// (transitive) successor is in the set.
    pub fn covered(&self, plan: PlanId, enabled: &BTreeSet<PlanId>) -> bool {
        enabled.contains(&plan) || self.successors(plan).iter().any(|s| enabled.contains(s))
    }

    /// The (transitive) successors of a plan, the plan itself excluded; empty if none.
    pub fn successors(&self, plan: PlanId) -> &BTreeSet<PlanId> {
        self.successors.get(&plan).unwrap_or(&NO_PLANS)
    }

    /// Whether `plan` may be assigned to a user whose usage location is `country`.
    pub fn offered_in(&self, plan: PlanId, country: &CountryCode) -> bool {
        !self
            .not_offered
            .get(&plan)
            .is_some_and(|countries| countries.contains(country))
    }

    /// Whether a plan, by its servicePlanName, needs a unique proxy address (case-insensitive
    /// prefix match).
    pub fn needs_unique_proxy(&self, plan_name: &str) -> bool {
        let name = plan_name.trim();
        self.unique_proxy_prefixes.iter().any(|prefix| {
            name.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        })
    }

    /// The assumptions in force: the bundled ones whose entry is in force, the rules file's, and
    /// one per bundled entry the rules file disabled or replaced.
    pub fn assumptions(&self) -> &[Assumption] {
        &self.assumptions
    }

    /// Every entry id in force, sorted.
    pub fn entry_ids(&self) -> Vec<&str> {
        self.entry_ids.iter().map(String::as_str).collect()
    }
}

/// Loads the bundled file, merges `user` into it by id, and resolves everything to plan ids.
fn build(user: Option<Source<'_>>) -> Result<Rules, InputErrors> {
    let bundled = Source {
        path: Path::new(BUNDLED_PATH),
        text: BUNDLED_YAML,
        bundled: true,
    };
    let mut entries = file::parse(bundled)?.entries;
    let mut notes = Vec::new();
    let mut disabled = HashSet::new();
    let mut errors = Vec::new();

    if let Some(user) = user {
        let parsed = file::parse(user)?;
        let defined: HashSet<&str> = parsed.entries.iter().map(|e| e.id.as_str()).collect();
        for (id, line) in &parsed.disable {
            if defined.contains(id.as_str()) {
                errors.push(
                    user.error(
                        *line,
                        format!("`{id}` is both disabled and defined in this file"),
                    )
                    .field("disable")
                    .hint("to change a bundled entry, define it with its id and do not disable it"),
                );
                continue;
            }
            let Some(i) = entries.iter().position(|e| &e.id == id) else {
                let near = crate::suggest::did_you_mean(id, entries.iter().map(|e| e.id.as_str()));
                errors.push(
                    user.error(*line, format!("`{id}` is not the id of a bundled entry"))
                        .field("disable")
                        .hint(format!(
                            "{near}`disable` takes ids of entries in licplan's data/rules.yaml"
                        )),
                );
                continue;
            };
            entries.remove(i);
            disabled.insert(id.clone());
            notes.push(Assumption {
                id: format!("rules-file-disables-{id}"),
                text: format!(
                    "The rules file {} turns off the bundled entry `{id}`.",
                    user.path.display()
                ),
                about: about::About::always(),
            });
        }
        file::enable(&mut entries, user, &parsed.enable, &mut errors, &mut notes);
        for entry in parsed.entries {
            if let Some(slot) = entries.iter_mut().find(|e| e.id == entry.id) {
                notes.push(Assumption {
                    id: format!("rules-file-replaces-{}", entry.id),
                    text: format!(
                        "The rules file {} replaces the bundled entry `{}` with its own.",
                        user.path.display(),
                        entry.id
                    ),
                    about: about::About::always(),
                });
                *slot = entry;
            } else {
                entries.push(entry);
            }
        }
    }

    // Entries still off by default are not applied; assumptions about them go with them.
    entries.retain(|e| {
        let off = e.off_by_default();
        if off {
            disabled.insert(e.id.clone());
        }
        !off
    });

    let catalog = Catalog::try_bundled().map_err(|e| {
        InputError::new(
            Path::new("<licplan>/data/product-service-plans.csv"),
            Location::File,
            format!("the bundled product catalog does not parse: {e}"),
        )
    });
    let catalog = match catalog {
        Ok(c) => c,
        Err(e) => {
            errors.push(e);
            return Err(InputErrors(errors));
        }
    };
    match resolve(&entries, catalog, &disabled, notes) {
        Ok(rules) if errors.is_empty() => Ok(rules),
        Ok(_) => Err(InputErrors(errors)),
        Err(more) => {
            errors.extend(more.0);
            Err(InputErrors(errors))
        }
    }
}

/// Turns merged entries into [`Rules`], resolving plan names through the catalog.
fn resolve(
    entries: &[Entry<'_>],
    catalog: &Catalog,
    disabled: &HashSet<String>,
    notes: Vec<Assumption>,
) -> Result<Rules, InputErrors> {
    let by_id: HashMap<&str, &Entry<'_>> = entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut assumptions = Vec::new();
    let mut exclusive = Vec::new();
    let mut prerequisites: HashMap<PlanId, Vec<Prerequisite>> = HashMap::new();
    let mut edges: BTreeMap<PlanId, BTreeSet<PlanId>> = BTreeMap::new();
    let mut not_offered: HashMap<PlanId, BTreeSet<CountryCode>> = HashMap::new();
    let mut unique_proxy_prefixes = Vec::new();
    let mut errors = Vec::new();

    for entry in entries {
        // Each entry is checked on its own, so every bad entry of the file is reported.
        let mut check = || -> Result<(), InputError> {
            match &entry.body {
                Body::Assumption(a) => {
                    let text = non_empty(entry, "text", &a.text)?;
                    non_empty(entry, "source", &a.source)?;
                    if let Some(target) = &a.entry {
                        let target = target.trim();
                        match by_id.get(target) {
                            // A bundled assumption about an entry the rules file replaced no longer
                            // describes it.
                            Some(t) if entry.src.bundled && !t.src.bundled => return Ok(()),
                            Some(_) => {}
                            None if disabled.contains(target) => return Ok(()),
                            None => {
                                return Err(entry.error(
                                    "entry",
                                    Some(target),
                                    format!("names entry `{target}`, which no rules entry has"),
                                ))
                            }
                        }
                    }
                    if let Some(target) = &a.unless_entry {
                        let target = target.trim();
                        match by_id.get(target) {
                            Some(_) => return Ok(()),
                            None if disabled.contains(target) => {}
                            None => {
                                return Err(entry.error(
                                    "unless_entry",
                                    Some(target),
                                    format!("names entry `{target}`, which no rules entry has"),
                                ))
                            }
                        }
                    }
                    assumptions.push(Assumption {
                        id: entry.id.clone(),
                        text: text.to_owned(),
                        about: about::about_of(catalog, entry, a.about.as_ref())?,
                    });
                }
                Body::Exclusive(x) => {
                    let source = non_empty(entry, "source", &x.source)?;
                    let plans = plan_list(catalog, entry, "plans", &x.plans)?;
                    if plans.len() < 2 {
                        return Err(entry.error(
                            "plans",
                            None,
                            "lists fewer than two different plans, so it excludes nothing"
                                .to_owned(),
                        ));
                    }
                    exclusive.push(ExclusiveSet {
                        id: entry.id.clone(),
                        source: source.to_owned(),
                        plans,
                    });
                }
                Body::Prerequisite(p) => {
                    let source = non_empty(entry, "source", &p.source)?;
                    let plans = plan_ids(catalog, entry, "plan", &p.plan)?;
                    let one_of = plan_list(catalog, entry, "requires_one_of", &p.requires_one_of)?;
                    if one_of.is_empty() {
                        return Err(entry.error("requires_one_of", None, "is empty".to_owned()));
                    }
                    if !plans.is_disjoint(&one_of) {
                        return Err(entry.error(
                            "requires_one_of",
                            Some(p.plan.trim()),
                            "lists the plan as its own prerequisite".to_owned(),
                        ));
                    }
                    for plan in plans {
                        prerequisites.entry(plan).or_default().push(Prerequisite {
                            id: entry.id.clone(),
                            source: source.to_owned(),
                            plan,
                            one_of: one_of.clone(),
                        });
                    }
                }
                Body::Successor(s) => {
                    non_empty(entry, "source", &s.source)?;
                    let plans = plan_ids(catalog, entry, "plan", &s.plan)?;
                    let next = plan_list(catalog, entry, "successors", &s.successors)?;
                    if next.is_empty() {
                        return Err(entry.error("successors", None, "is empty".to_owned()));
                    }
                    if !plans.is_disjoint(&next) {
                        return Err(entry.error(
                            "successors",
                            Some(s.plan.trim()),
                            "lists the plan as its own successor".to_owned(),
                        ));
                    }
                    for plan in plans {
                        edges.entry(plan).or_default().extend(next.iter().copied());
                    }
                }
                Body::NotOffered(n) => {
                    non_empty(entry, "source", &n.source)?;
                    let plans = plan_ids(catalog, entry, "plan", &n.plan)?;
                    if n.locations.is_empty() {
                        return Err(entry.error("locations", None, "is empty".to_owned()));
                    }
                    let mut countries = BTreeSet::new();
                    for location in &n.locations {
                        match CountryCode::parse_optional(location) {
                            Ok(Some(c)) => {
                                countries.insert(c);
                            }
                            Ok(None) | Err(_) => {
                                return Err(entry
                                    .error(
                                        "locations",
                                        Some(location.trim()),
                                        format!("{location:?} is not a two-letter country code"),
                                    )
                                    .hint("usage locations are ISO 3166 codes such as US, GB, DE"))
                            }
                        }
                    }
                    for plan in plans {
                        not_offered
                            .entry(plan)
                            .or_default()
                            .extend(countries.iter().cloned());
                    }
                }
                Body::UniqueProxy(u) => {
                    non_empty(entry, "source", &u.source)?;
                    if u.plan_name_prefixes.is_empty() {
                        return Err(entry.error("plan_name_prefixes", None, "is empty".to_owned()));
                    }
                    for prefix in &u.plan_name_prefixes {
                        let prefix = non_empty(entry, "plan_name_prefixes", prefix)?;
                        unique_proxy_prefixes.push(prefix.to_owned());
                    }
                }
            }
            Ok(())
        };
        if let Err(e) = check() {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    assumptions.extend(notes);

    let mut exclusive_by_plan: HashMap<PlanId, Vec<usize>> = HashMap::new();
    for (i, set) in exclusive.iter().enumerate() {
        for &plan in &set.plans {
            exclusive_by_plan.entry(plan).or_default().push(i);
        }
    }
    let mut entry_ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
    entry_ids.sort();

    Ok(Rules {
        assumptions,
        exclusive,
        exclusive_by_plan,
        prerequisites,
        successors: closure(&edges),
        not_offered,
        unique_proxy_prefixes,
        entry_ids,
    })
}

/// Every plan reachable from each plan through `edges`, itself excluded. Breadth-first with a
/// visited set, so cycles end.
fn closure(edges: &BTreeMap<PlanId, BTreeSet<PlanId>>) -> HashMap<PlanId, BTreeSet<PlanId>> {
    edges
        .keys()
        .map(|&start| {
            let mut seen = BTreeSet::new();
            let mut queue: VecDeque<PlanId> = VecDeque::from([start]);
            while let Some(plan) = queue.pop_front() {
                for &next in edges.get(&plan).into_iter().flatten() {
                    if next != start && seen.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
            (start, seen)
        })
        .collect()
}

fn non_empty<'t>(entry: &Entry<'_>, field: &str, value: &'t str) -> Result<&'t str, InputError> {
    let value = value.trim();
    if value.is_empty() {
        Err(entry.error(field, None, "is empty".to_owned()))
    } else {
        Ok(value)
    }
}

/// The ids of every plan in `names`.
fn plan_list(
    catalog: &Catalog,
    entry: &Entry<'_>,
    field: &str,
    names: &[String],
) -> Result<BTreeSet<PlanId>, InputError> {
    let mut out = BTreeSet::new();
    for name in names {
        out.extend(plan_ids(catalog, entry, field, name)?);
    }
    Ok(out)
}

/// The ids a plan reference stands for: a GUID (even one the catalog lacks: Microsoft's tables
/// name retired plans), else every plan the catalog lists under that servicePlanName.
fn plan_ids(
    catalog: &Catalog,
    entry: &Entry<'_>,
    field: &str,
    name: &str,
) -> Result<BTreeSet<PlanId>, InputError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(entry.error(field, None, "names an empty plan".to_owned()));
    }
    if looks_like_guid(name) {
        if let Ok(id) = PlanId::parse(name) {
            return Ok(BTreeSet::from([id]));
        }
    }
    let ids: BTreeSet<PlanId> = catalog.plans_named(name).iter().map(|p| p.id).collect();
    if ids.is_empty() {
        let mut known: Vec<&str> = catalog
            .skus()
            .flat_map(|s| s.service_plans.iter().map(|p| p.name.as_str()))
            .collect();
        known.sort_unstable();
        known.dedup();
        let near = crate::suggest::did_you_mean(name, known);
        return Err(entry
            .error(
                field,
                Some(name),
                format!(
                    "plan {name:?} is not a servicePlanName in the bundled catalog, nor a GUID"
                ),
            )
            .hint(format!(
                "{near}name a plan by Microsoft's servicePlanName (e.g. EXCHANGE_S_STANDARD) or \
                 by its servicePlanId GUID"
            )));
    }
    Ok(ids)
}
