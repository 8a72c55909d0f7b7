//! How plans name products and service plans for people, and which service plans of a target
//! product stay disabled (R11). Shared by selection and drawing, so neither imports the other.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::model::{PlanId, PlanIds, SkuId, Tenant};
use crate::simulate::ops::PlanRef;
use crate::simulate::rules::Rules;

use super::doc::Text;

/// Names and plans of products, for actions people read.
pub struct Names<'a> {
    pub t: &'a Tenant,
}

impl Names<'_> {
    pub fn sku(&self, s: SkuId) -> String {
        self.t
            .skus
            .get(&s)
            .and_then(|x| x.part_number.clone())
            .or_else(|| Catalog::bundled().sku(s).map(|c| c.part_number.clone()))
            .unwrap_or_else(|| s.to_string())
    }

    pub fn plans_of(&self, s: SkuId) -> Vec<crate::model::ServicePlan> {
        self.t
            .skus
            .get(&s)
            .map(|x| x.service_plans.clone())
            .filter(|p| !p.is_empty())
            .or_else(|| Catalog::bundled().sku(s).map(|c| c.service_plans.clone()))
            .unwrap_or_default()
    }

    pub fn plan(&self, s: SkuId, p: PlanId) -> String {
        self.plans_of(s)
            .into_iter()
            .find(|x| x.id == p)
            .map_or_else(|| p.to_string(), |x| x.name)
    }

    /// The plans' names, sorted.
    pub fn plan_list(&self, s: SkuId, ps: &PlanIds) -> Vec<String> {
        let mut v: Vec<String> = ps.iter().map(|p| self.plan(s, *p)).collect();
        v.sort();
        v
    }

    /// The plans as an op names them (id and name), sorted by name as [`Names::plan_list`].
    pub fn plan_refs(&self, s: SkuId, ps: &PlanIds) -> Vec<PlanRef> {
        let mut v: Vec<PlanRef> = ps
            .iter()
            .map(|p| PlanRef {
                id: *p,
                name: self.plan(s, *p).into(),
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        v
    }
}

/// Plan references made once per (product, disabled set) and shared by every action naming
/// them: a wave of a million users has a handful of distinct sets.
#[derive(Default)]
pub struct PlanRefCache {
    made: BTreeMap<(SkuId, PlanIds), Vec<PlanRef>>,
}

impl PlanRefCache {
    pub fn get(&mut self, names: &Names<'_>, s: SkuId, ps: &PlanIds) -> Vec<PlanRef> {
        if ps.is_empty() {
            return Vec::new();
        }
        if let Some(v) = self.made.get(&(s, ps.clone())) {
            return v.clone();
        }
        let v = names.plan_refs(s, ps);
        self.made.insert((s, ps.clone()), v.clone());
        v
    }
}

/// Each product's part number, made once for every action that names it.
pub struct SkuTexts<'n, 'a> {
    names: &'n Names<'a>,
    made: BTreeMap<SkuId, Text>,
}

impl<'n, 'a> SkuTexts<'n, 'a> {
    pub fn new(names: &'n Names<'a>, skus: impl Iterator<Item = SkuId>) -> Self {
        let made = skus.map(|s| (s, Text::from(names.sku(s)))).collect();
        SkuTexts { names, made }
    }

    /// The product's part number.
    pub fn part_number(&self, s: SkuId) -> Text {
        self.made
            .get(&s)
            .cloned()
            .unwrap_or_else(|| self.names.sku(s).into())
    }

    /// A product change as people read it: `E1 -> E3`.
    pub fn pair(&self, from: SkuId, to: SkuId) -> Text {
        format!("{} -> {}", self.part_number(from), self.part_number(to)).into()
    }
}

/// The disabled plans of `to` that keep at least every service a user had in `from` (or its
/// successor) and mirror what the user had disabled (R11).
pub fn map_disabled(
    names: &Names<'_>,
    rules: &Rules,
    from: SkuId,
    to: SkuId,
    disabled: &PlanIds,
) -> PlanIds {
    if from == to {
        return disabled.clone();
    }
    let from_plans: PlanIds = names.plans_of(from).iter().map(|p| p.id).collect();
    let enabled: PlanIds = from_plans.difference(disabled).copied().collect();
    let carries = |set: &PlanIds, q: PlanId| {
        set.contains(&q) || set.iter().any(|p| rules.successors(*p).contains(&q))
    };
    names
        .plans_of(to)
        .iter()
        .map(|p| p.id)
        .filter(|q| carries(disabled, *q) && !carries(&enabled, *q))
        .collect()
}
