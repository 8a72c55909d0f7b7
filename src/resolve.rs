//! How a written reference names a user, a group, a product or a service plan: the matching
//! rules, in one place. The engine (ops files and plans) and intents call these; each caller
//! supplies its own indexes (the engine's state holds groups an earlier op created) and words
//! its own errors.
//!
//! - a user: by object id, or by UPN case-insensitively;
//! - a group: by object id, else by display name case-insensitively; a name several groups
//!   share is refused;
//! - a product: by skuId (in the tenant or the catalog), else by part number or display name,
//!   case-insensitively: the tenant's products first (exactly one must match), then the
//!   catalog; a name several catalog products share is refused;
//! - a service plan: by servicePlanId or servicePlanName within its product (the catalog's
//!   names of a plan count too).

use crate::catalog::{Catalog, Lookup};
use crate::model::{GroupId, PlanId, Sku, SkuId, UserId};

/// What a name found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<T> {
    One(T),
    /// Several match: the name cannot tell them apart (ids of the candidates, where known).
    Several(Vec<T>),
    None,
}

/// The key names are folded to before they are looked up: trimmed and lower-cased.
pub fn name_key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A user by object id, or else by UPN (`by_upn` gets the trimmed text; it folds case).
pub fn user<T>(
    text: &str,
    by_id: impl FnOnce(UserId) -> Option<T>,
    by_upn: impl FnOnce(&str) -> Option<T>,
) -> Option<T> {
    match UserId::parse(text) {
        Ok(id) => by_id(id),
        Err(_) => by_upn(text.trim()),
    }
}

/// A group by object id, or else by display name (`by_name` gets [`name_key`] of the text and
/// says whether one group, several or none carry it).
pub fn group<T>(
    text: &str,
    by_id: impl FnOnce(GroupId) -> Option<T>,
    by_name: impl FnOnce(&str) -> Found<T>,
) -> Found<T> {
    if let Ok(id) = GroupId::parse(text) {
        if let Some(found) = by_id(id) {
            return Found::One(found);
        }
    }
    by_name(&name_key(text))
}

/// Whether a tenant's product carries `name` (trimmed) as its part number or display name.
pub fn sku_named(s: &Sku, name: &str) -> bool {
    s.part_number
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(name))
        || s.display_name
            .as_deref()
            .is_some_and(|d| d.eq_ignore_ascii_case(name))
}

/// A product: by skuId if `known(id)` or the catalog has it; else by name, the products
/// `tenant_named` finds for the trimmed name first (exactly one), then the catalog.
pub fn sku(
    text: &str,
    known: impl FnOnce(SkuId) -> bool,
    tenant_named: impl FnOnce(&str) -> Vec<SkuId>,
) -> Found<SkuId> {
    let catalog = Catalog::bundled();
    if let Ok(id) = SkuId::parse(text) {
        return if known(id) || catalog.sku(id).is_some() {
            Found::One(id)
        } else {
            Found::None
        };
    }
    let n = text.trim();
    if let [one] = tenant_named(n)[..] {
        return Found::One(one);
    }
    match catalog.resolve(n) {
        Lookup::One(s) => Found::One(s.id),
        Lookup::Ambiguous(all) => Found::Several(all.iter().map(|s| s.id).collect()),
        Lookup::NotFound => Found::None,
    }
}

/// A service plan of a product (`plans`) by id, or by name (`label` gives a plan's name).
pub fn plan_in(text: &str, plans: &[PlanId], label: impl Fn(PlanId) -> String) -> Option<PlanId> {
    match PlanId::parse(text) {
        Ok(id) => plans.contains(&id).then_some(id),
        Err(_) => {
            let labels: Vec<(PlanId, String)> = plans.iter().map(|p| (*p, label(*p))).collect();
            plan_named(
                text.trim(),
                labels.iter().map(|(id, name)| (*id, name.as_str())),
            )
        }
    }
}

/// A service plan among a product's `(id, servicePlanName)` pairs by its name, ignoring case,
/// or by any other spelling the bundled catalog records for one of them (the catalog's
/// `Service_Plan_Name` and friendly names). Ingest's disabled-plan names and the engine's
/// both resolve here.
pub fn plan_named<'a>(
    name: &str,
    plans: impl Iterator<Item = (PlanId, &'a str)> + Clone,
) -> Option<PlanId> {
    plans
        .clone()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(id, _)| id)
        .or_else(|| {
            Catalog::bundled()
                .plans_named(name)
                .into_iter()
                .map(|p| p.id)
                .find(|id| plans.clone().any(|(p, _)| p == *id))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_id_first_then_by_folded_name_and_shared_names_are_refused() {
        let id = GroupId::parse("11111111-1111-1111-1111-111111111111").expect("guid");
        let by_name = |k: &str| match k {
            "lic-e3" => Found::One(1),
            "shared" => Found::Several(vec![2, 3]),
            _ => Found::None,
        };
        assert_eq!(
            group(&id.to_string(), |g| (g == id).then_some(0), by_name),
            Found::One(0)
        );
        assert_eq!(group("  LIC-E3 ", |_| None, by_name), Found::One(1));
        assert_eq!(
            group("Shared", |_| None, by_name),
            Found::Several(vec![2, 3])
        );
        assert_eq!(group("other", |_| None, by_name), Found::None);
    }

    #[test]
    fn users_by_id_or_trimmed_upn() {
        let id = UserId::parse("22222222-2222-2222-2222-222222222222").expect("guid");
        assert_eq!(
            user(&id.to_string(), |u| (u == id).then_some(7), |_| None),
            Some(7)
        );
        assert_eq!(
            user(" a@x ", |_| None, |t| (t == "a@x").then_some(8)),
            Some(8)
        );
        assert_eq!(user("b@x", |_| None, |_| None::<usize>), None);
    }

    #[test]
    fn products_by_tenant_name_first_then_catalog_and_unknown_guids_are_not_found() {
        let mine = SkuId::parse("33333333-3333-3333-3333-333333333333").expect("guid");
        assert_eq!(sku("E3 mine", |_| false, |_| vec![mine]), Found::One(mine));
        assert_eq!(sku(&mine.to_string(), |_| false, |_| vec![]), Found::None);
        assert_eq!(
            sku(&mine.to_string(), |s| s == mine, |_| vec![]),
            Found::One(mine)
        );
        assert!(matches!(
            sku("ENTERPRISEPACK", |_| false, |_| vec![]),
            Found::One(_)
        ));
        assert_eq!(sku("no such product", |_| false, |_| vec![]), Found::None);
    }
}
