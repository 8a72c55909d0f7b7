//! What the replay shows at the current action, as the translation reads it: the ids an
//! action names, each product's label, the disabled plans a user or group holds, and the group
//! paths that carry a product (a removal's precondition).

use std::collections::BTreeMap;

use crate::ingest::error::InputError;
use crate::model::{GroupId, PlanId, SkuId, UserId};
use crate::simulate::ops::{LicenseSpec, OpSource};
use crate::simulate::state::PathState;

use super::super::manifest::Check;
use super::{clean, err, placeholder_token, sorted, Translator};

impl Translator<'_> {
    pub(super) fn user(&self, src: &OpSource, u: &str) -> Result<UserId, InputError> {
        UserId::parse(u).map_err(|_| {
            err(
                &self.file,
                src,
                "user",
                format!("user {u:?} is not an object id"),
            )
        })
    }

    pub(super) fn group(&self, src: &OpSource, g: &str) -> Result<GroupId, InputError> {
        GroupId::parse(g).map_err(|_| {
            err(
                &self.file,
                src,
                "group",
                format!("group {g:?} is not an object id"),
            )
        })
    }

    pub(super) fn sku(&self, src: &OpSource, s: &str) -> Result<SkuId, InputError> {
        SkuId::parse(s).map_err(|_| {
            err(
                &self.file,
                src,
                "sku",
                format!("product {s:?} is not a skuId"),
            )
        })
    }

    /// A group as the manifest names it: its id, or the placeholder token of a created group.
    pub fn gref(&self, g: GroupId) -> String {
        match self.placeholders.get(&g) {
            Some(u) => placeholder_token(u),
            None => g.to_string(),
        }
    }

    /// Disabled plans named in an op, as ids within the product (sorted).
    pub(super) fn plans(
        &self,
        src: &OpSource,
        sku: SkuId,
        names: &[String],
    ) -> Result<Vec<String>, InputError> {
        let st = self.rp.state();
        let catalog;
        let plans: &[PlanId] = match st.skus.get(&sku) {
            Some(s) => &s.plans,
            None => {
                catalog = crate::catalog::Catalog::bundled()
                    .sku(sku)
                    .map(|c| c.service_plans.iter().map(|p| p.id).collect::<Vec<_>>())
                    .unwrap_or_default();
                &catalog
            }
        };
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            match crate::resolve::plan_in(n, plans, |p| st.plan_label(p)) {
                Some(p) => out.push(p),
                None => {
                    return Err(err(
                        &self.file,
                        src,
                        "disabled_plans",
                        format!("{} has no service plan {n:?}", st.sku_label(sku)),
                    ))
                }
            }
        }
        Ok(sorted(out))
    }

    pub(super) fn specs(
        &self,
        src: &OpSource,
        add: &[LicenseSpec],
    ) -> Result<Vec<(SkuId, Vec<String>)>, InputError> {
        add.iter()
            .map(|l| {
                let s = self.sku(src, &l.sku)?;
                Ok((s, self.plans(src, s, &l.disabled_plans)?))
            })
            .collect()
    }

    pub(super) fn skus(&self, src: &OpSource, v: &[String]) -> Result<Vec<SkuId>, InputError> {
        v.iter().map(|s| self.sku(src, s)).collect()
    }

    /// The product's label for summaries (control characters dropped).
    pub(super) fn label(&self, s: SkuId) -> String {
        clean(&self.rp.state().sku_label(s))
    }

    /// A user's direct license now: its disabled plans, if held.
    pub(super) fn direct(&self, u: UserId, sku: SkuId) -> Option<Vec<String>> {
        let i = self.rp.user_index(&u)?;
        let d = self.rp.state().users[i].direct.get(&sku)?;
        Some(sorted(d.iter().copied()))
    }

    /// A group's licenses now.
    pub(super) fn group_lic(&self, g: GroupId) -> BTreeMap<SkuId, Vec<String>> {
        let Some(i) = self.rp.group_index(&g) else {
            return BTreeMap::new();
        };
        let st = self.rp.state();
        st.groups[i]
            .licenses
            .iter()
            .map(|(s, p)| (*s, sorted(p.iter().copied())))
            .collect()
    }

    /// The groups whose Active path gives the user this product now (or, when none does, every
    /// product of every Active path): the carrying group a removal relies on.
    pub(super) fn carrying(&self, u: UserId, sku: SkuId) -> Vec<Check> {
        let Some(i) = self.rp.user_index(&u) else {
            return Vec::new();
        };
        let st = self.rp.state();
        let mut same = Vec::new();
        let mut any = Vec::new();
        for (g, p) in &st.users[i].inherited {
            if let PathState::Active(l) = p {
                let group = self.gref(st.groups[*g].id);
                for s in l.keys() {
                    let c = Check::UserGroupLicense {
                        user: u.to_string(),
                        group: group.clone(),
                        sku: s.to_string(),
                        state: "Active".into(),
                    };
                    if *s == sku {
                        same.push(c);
                    } else {
                        any.push(c);
                    }
                }
            }
        }
        let mut out = if same.is_empty() { any } else { same };
        out.sort_by_key(|c| serde_json::to_string(c).unwrap_or_default());
        out
    }
}
