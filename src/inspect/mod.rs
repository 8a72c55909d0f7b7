//! `licplan inspect`: what a tenant holds, before any planning.
//!
//! One serialisable [`Inspection`] is built from the model; every output format renders that
//! same value, so the JSON contract and the human tables never disagree.

mod checks;

pub use checks::{
    normalise_proxy_address, normalised_proxy_address, shared_proxy_addresses, SharedProxies,
};

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::findings::{Finding, Findings};
use crate::ingest::{Loaded, Source};
use crate::model::{AssignmentPath, GroupKind, SkuId, Tenant};

/// Version of the JSON/YAML contract; bumped on any breaking change to field names or meaning.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub schema_version: u32,
    /// Every file read, with what it was read as.
    pub sources: Vec<Source>,
    pub default_usage_location: Option<String>,
    pub users: u64,
    pub groups: u64,
    pub skus: Vec<SkuSummary>,
    pub licensed_groups: Vec<GroupSummary>,
    /// Users in licensing error states, by Graph error code (or state when no code is given).
    pub error_states: Vec<ErrorSummary>,
    pub findings: Vec<Finding>,
    /// What each check needs and whether the exports hold it: present, partial or missing.
    pub evidence: Vec<crate::ingest::evidence::Item>,
}

/// One product: its seats and how its holders hold it.
#[derive(Debug, Clone, Serialize)]
pub struct SkuSummary {
    pub sku_id: String,
    pub sku_part_number: Option<String>,
    pub display_name: Option<String>,
    /// `None` when no subscribedSkus export gave seat counts.
    pub enabled: Option<u32>,
    pub consumed: Option<u32>,
    pub available: Option<i64>,
    /// Users holding it directly and not through any group.
    pub direct: u64,
    /// Users holding it only through groups.
    pub inherited: u64,
    /// Users holding it both directly and through a group (dual assignment, one seat).
    pub direct_and_inherited: u64,
    /// Users whose export does not say the path.
    pub unknown_path: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    pub group_id: String,
    pub display_name: Option<String>,
    pub kind: &'static str,
    pub security_enabled: Option<bool>,
    /// Products the group carries, by part number (or GUID when unknown).
    pub licenses: Vec<String>,
    pub user_members: u64,
    pub nested_groups: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorSummary {
    pub error: String,
    pub users: u64,
    pub examples: Vec<String>,
}

/// Builds the inspection of a loaded tenant.
pub fn inspect(loaded: &Loaded) -> Inspection {
    let t = &loaded.tenant;
    let mut findings: Findings = loaded.findings.clone();
    checks::run(t, &mut findings);
    Inspection {
        schema_version: SCHEMA_VERSION,
        sources: loaded.sources.clone(),
        default_usage_location: t.default_usage_location.as_ref().map(|c| c.to_string()),
        users: t.users.len() as u64,
        groups: t.groups.len() as u64,
        skus: sku_summaries(t),
        licensed_groups: group_summaries(t),
        error_states: error_summaries(t),
        findings: findings.to_vec(),
        evidence: crate::ingest::evidence::Evidence::of(loaded).items,
    }
}

fn sku_summaries(t: &Tenant) -> Vec<SkuSummary> {
    #[derive(Default)]
    struct Paths {
        direct: u64,
        inherited: u64,
        both: u64,
        unknown: u64,
    }
    let mut by_sku: BTreeMap<SkuId, Paths> = BTreeMap::new();
    for u in t.users.values() {
        // Assignments are sorted by SKU, so each SKU's paths are adjacent.
        let mut i = 0;
        while i < u.assignments.len() {
            let sku = u.assignments[i].sku;
            let (mut d, mut g, mut unk) = (false, false, false);
            while i < u.assignments.len() && u.assignments[i].sku == sku {
                match u.assignments[i].path {
                    AssignmentPath::Direct => d = true,
                    AssignmentPath::Group(_) => g = true,
                    AssignmentPath::Unknown => unk = true,
                }
                i += 1;
            }
            let p = by_sku.entry(sku).or_default();
            match (d, g, unk) {
                (true, true, _) => p.both += 1,
                (true, false, false) => p.direct += 1,
                (false, true, false) => p.inherited += 1,
                _ => p.unknown += 1,
            }
        }
    }
    t.skus
        .values()
        .map(|s| {
            let p = by_sku.remove(&s.id).unwrap_or_default();
            SkuSummary {
                sku_id: s.id.to_string(),
                sku_part_number: s.part_number.clone(),
                display_name: s.display_name.clone(),
                enabled: s.seats.map(|x| x.enabled),
                consumed: s.seats.map(|x| x.consumed),
                available: s.seats.map(|x| x.available()),
                direct: p.direct,
                inherited: p.inherited,
                direct_and_inherited: p.both,
                unknown_path: p.unknown,
            }
        })
        .collect()
}

fn group_summaries(t: &Tenant) -> Vec<GroupSummary> {
    let mut v: Vec<GroupSummary> = t
        .groups
        .values()
        .filter(|g| g.is_licensed())
        .map(|g| GroupSummary {
            group_id: g.id.to_string(),
            display_name: g.display_name.clone(),
            kind: g.kind().as_str(),
            security_enabled: g.security_enabled,
            licenses: g
                .licenses
                .iter()
                .map(|l| {
                    t.skus
                        .get(&l.sku)
                        .and_then(|s| s.part_number.clone())
                        .unwrap_or_else(|| l.sku.to_string())
                })
                .collect(),
            user_members: g.user_members().count() as u64,
            nested_groups: (g.members.len() - g.user_members().count()) as u64,
        })
        .collect();
    v.sort_by(|a, b| {
        (a.display_name.as_deref(), &a.group_id).cmp(&(b.display_name.as_deref(), &b.group_id))
    });
    v
}

fn error_summaries(t: &Tenant) -> Vec<ErrorSummary> {
    let mut by: BTreeMap<String, (BTreeSet<String>, u64)> = BTreeMap::new();
    for u in t.users.values() {
        let mut codes = BTreeSet::new();
        for a in u.assignments.iter().filter(|a| a.is_error()) {
            let code = match (a.error, a.state) {
                (Some(e), _) => e.as_str().to_owned(),
                (None, Some(s)) => format!("state {}", s.as_str()),
                (None, None) => "unknown".to_owned(),
            };
            codes.insert(code);
        }
        for code in codes {
            let e = by.entry(code).or_default();
            e.1 += 1;
            e.0.insert(u.label());
            if e.0.len() > crate::findings::MAX_EXAMPLES {
                e.0.pop_last();
            }
        }
    }
    by.into_iter()
        .map(|(error, (examples, users))| ErrorSummary {
            error,
            users,
            examples: examples.into_iter().collect(),
        })
        .collect()
}

/// How a group's kind reads in tables.
pub fn kind_label(kind: GroupKind) -> &'static str {
    kind.as_str()
}
