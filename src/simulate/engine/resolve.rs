//! Resolving an op's references (users, groups, products, service plans, countries) before it is
//! applied: the op semantics see only [`Resolved`] ops. Written ops (ops files, plan files) go
//! through the matching rules of [`crate::resolve`]; a planner's typed ops ([`Ids`]) are looked
//! up by id. Resolution runs interleaved with the replay, so a group an earlier op created is
//! found, and a refused create-group leaves the name unknown.

use crate::ingest::error::{InputError, Location};
use crate::model::{CountryCode, GroupId, PlanId, SkuId, UserId};
use crate::resolve::Found;
use crate::simulate::ops::{Ids, MapRefs, Op, OpSource, PlanRef, Refs, Resolved, Written};

use super::run::Sim;

/// A view of references the engine can resolve: every unresolved reference of the op is
/// returned (in the order group, user, products with their service plans, country).
pub(super) trait Resolve: Refs {
    fn resolve(
        sim: &mut Sim<'_>,
        src: &OpSource,
        op: &Op<Self>,
    ) -> Result<Op<Resolved>, Vec<InputError>>;
}

/// Keeps a resolved value, or records why it did not resolve.
fn keep<T>(errors: &mut Vec<InputError>, r: Result<T, InputError>) -> Result<T, ()> {
    r.map_err(|e| errors.push(e))
}

/// How the engine resolves one kind of reference, whatever view names it.
trait Lookups<R: Refs> {
    fn user(&mut self, src: &OpSource, u: &R::User) -> Result<usize, InputError>;
    fn group(&mut self, src: &OpSource, g: &R::Group) -> Result<usize, InputError>;
    fn sku(&mut self, src: &OpSource, field: &str, s: &R::Sku) -> Result<SkuId, InputError>;
    fn plan(&mut self, src: &OpSource, sku: SkuId, p: &R::Plan) -> Result<PlanId, InputError>;
    fn country(
        &mut self,
        src: &OpSource,
        c: &R::Country,
    ) -> Result<Option<CountryCode>, InputError>;
}

impl Resolve for Written {
    fn resolve(
        sim: &mut Sim<'_>,
        src: &OpSource,
        op: &Op<Self>,
    ) -> Result<Op<Resolved>, Vec<InputError>> {
        resolve_op::<Written>(sim, src, op)
    }
}

impl Resolve for Ids {
    fn resolve(
        sim: &mut Sim<'_>,
        src: &OpSource,
        op: &Op<Self>,
    ) -> Result<Op<Resolved>, Vec<InputError>> {
        resolve_op::<Ids>(sim, src, op)
    }
}

/// The engine's lookups as a [`MapRefs`] to the resolved view: each miss recorded.
struct Resolving<'a, 's> {
    sim: &'a mut Sim<'s>,
    src: &'a OpSource,
    errors: Vec<InputError>,
}

impl<R: Refs> MapRefs<R, Resolved> for Resolving<'_, '_>
where
    for<'s> Sim<'s>: Lookups<R>,
{
    type Miss = ();
    fn user(&mut self, u: &R::User) -> Result<usize, ()> {
        let r = self.sim.user(self.src, u);
        keep(&mut self.errors, r)
    }
    fn group(&mut self, g: &R::Group) -> Result<usize, ()> {
        let r = self.sim.group(self.src, g);
        keep(&mut self.errors, r)
    }
    fn sku(&mut self, field: &'static str, s: &R::Sku) -> Result<SkuId, ()> {
        let r = self.sim.sku(self.src, field, s);
        keep(&mut self.errors, r)
    }
    fn plan(&mut self, sku: &SkuId, p: &R::Plan) -> Result<PlanId, ()> {
        let r = self.sim.plan(self.src, *sku, p);
        keep(&mut self.errors, r)
    }
    fn country(&mut self, c: &R::Country) -> Result<Option<CountryCode>, ()> {
        let r = self.sim.country(self.src, c);
        keep(&mut self.errors, r)
    }
}

/// Every reference of `op`, resolved; or each one that does not resolve.
fn resolve_op<R: Refs>(
    sim: &mut Sim<'_>,
    src: &OpSource,
    op: &Op<R>,
) -> Result<Op<Resolved>, Vec<InputError>>
where
    for<'s> Sim<'s>: Lookups<R>,
{
    let mut m = Resolving {
        sim,
        src,
        errors: Vec::new(),
    };
    match op.map_refs(&mut m) {
        Ok(op) if m.errors.is_empty() => Ok(op),
        _ => Err(m.errors),
    }
}

const USER_HINT: &str = "name users by object id or UPN, as in the exports";
const COUNTRY_HINT: &str = "write a two-letter country code such as US";

impl Sim<'_> {
    pub(super) fn input_error(
        &self,
        src: &OpSource,
        field: &str,
        message: String,
        hint: &str,
    ) -> InputError {
        InputError::new(
            &self.file,
            Location::Record {
                index: self.step - 1,
                path: format!("$.{}.{field}", src.path),
            },
            message,
        )
        .field(field)
        .hint(hint)
    }

    /// `did you mean X? ` for a name that did not resolve, from `known` (called only when a
    /// suggestion is wanted and the run's budget allows), or nothing.
    fn near<'k>(&self, wanted: &str, known: impl FnOnce() -> Vec<&'k str>) -> String {
        let left = self.suggestions_left.get();
        if left == 0 || crate::model::ids::looks_like_guid(wanted) {
            return String::new();
        }
        self.suggestions_left.set(left - 1);
        crate::suggest::did_you_mean(wanted, known())
    }

    fn no_user(&self, src: &OpSource, name: &str) -> InputError {
        let users = &self.st.tenant.users;
        let near = if users.len() <= crate::suggest::MAX_CANDIDATES {
            self.near(name, || {
                users.values().filter_map(|u| u.upn.as_deref()).collect()
            })
        } else {
            String::new()
        };
        self.input_error(
            src,
            "user",
            format!("no user {name:?} in the tenant"),
            &format!("{near}{USER_HINT}"),
        )
    }

    fn no_group(&self, src: &OpSource, name: &str) -> InputError {
        let near = if self.st.groups.len() <= crate::suggest::MAX_CANDIDATES {
            self.near(name, || {
                self.st.groups.iter().map(|g| g.label.as_str()).collect()
            })
        } else {
            String::new()
        };
        self.input_error(
            src,
            "group",
            format!("no group {name:?} in the tenant or created by an earlier op"),
            &format!(
                "{near}name groups by object id or display name, or create them with \
                 create-group first"
            ),
        )
    }

    fn no_product_id(&self, src: &OpSource, field: &str, name: &str) -> InputError {
        self.input_error(
            src,
            field,
            format!("no product {name} in the tenant or the catalog"),
            "name products by skuId, part number or display name",
        )
    }

    fn no_plan(&self, src: &OpSource, sku: SkuId, name: &str) -> InputError {
        let labels: Vec<String> = self
            .st
            .skus
            .get(&sku)
            .map(|s| s.plans.iter().map(|p| self.st.plan_label(*p)).collect())
            .unwrap_or_default();
        let near = self.near(name, || labels.iter().map(String::as_str).collect());
        self.input_error(
            src,
            "disabled_plans",
            format!("{} has no service plan {name:?}", self.st.sku_label(sku)),
            &format!(
                "{near}name service plans by servicePlanId or servicePlanName of that product"
            ),
        )
    }

    /// A product named by an op is simulated from here on (its seats and plans).
    fn known_sku(&mut self, src: &OpSource, field: &str, id: SkuId) -> Result<SkuId, InputError> {
        if !self.st.skus.contains_key(&id) && crate::catalog::Catalog::bundled().sku(id).is_none() {
            return Err(self.no_product_id(src, field, &id.to_string()));
        }
        self.st.ensure_sku(id, true);
        Ok(id)
    }
}

impl Lookups<Written> for Sim<'_> {
    fn user(&mut self, src: &OpSource, name: &String) -> Result<usize, InputError> {
        let st = &self.st;
        crate::resolve::user(
            name,
            |id| st.tenant.users.index_of(&id),
            |upn| st.user_by_upn(upn),
        )
        .ok_or_else(|| self.no_user(src, name))
    }

    fn group(&mut self, src: &OpSource, name: &String) -> Result<usize, InputError> {
        let st = &self.st;
        let found = crate::resolve::group(
            name,
            |id| st.group_by_id.get(&id).copied(),
            |key| match st.group_by_name.get(key) {
                Some(Some(g)) => Found::One(*g),
                Some(None) => Found::Several(Vec::new()),
                None => Found::None,
            },
        );
        match found {
            Found::One(g) => Ok(g),
            Found::Several(_) => Err(self.input_error(
                src,
                "group",
                format!("several groups are named {name:?}"),
                "name the group by its object id",
            )),
            Found::None => Err(self.no_group(src, name)),
        }
    }

    fn sku(&mut self, src: &OpSource, field: &str, name: &String) -> Result<SkuId, InputError> {
        let st = &self.st;
        let found = crate::resolve::sku(
            name,
            |id| st.skus.contains_key(&id),
            |n| {
                st.skus
                    .values()
                    .filter(|s| {
                        s.label.eq_ignore_ascii_case(n)
                            || st
                                .tenant
                                .skus
                                .get(&s.id)
                                .is_some_and(|t| crate::resolve::sku_named(t, n))
                    })
                    .map(|s| s.id)
                    .collect()
            },
        );
        let n = name.trim();
        match found {
            Found::One(id) => {
                self.st.ensure_sku(id, true);
                Ok(id)
            }
            Found::None if SkuId::parse(name).is_ok() => Err(self.no_product_id(src, field, name)),
            Found::Several(all) => {
                let ids: Vec<String> = all.iter().map(SkuId::to_string).collect();
                Err(self.input_error(
                    src,
                    field,
                    format!("{n:?} names several products: {}", ids.join(", ")),
                    "name the product by its skuId",
                ))
            }
            Found::None => {
                let catalog = crate::catalog::Catalog::bundled();
                let near = self.near(n, || {
                    let mut known: Vec<&str> = self.st.skus.values().map(|s| &*s.label).collect();
                    known.extend(catalog.skus().flat_map(|s| {
                        std::iter::once(s.part_number.as_str())
                            .chain(s.display_names.iter().map(String::as_str))
                    }));
                    known
                });
                Err(self.input_error(
                    src,
                    field,
                    format!("no product {n:?} in the tenant or the catalog"),
                    &format!("{near}name products by skuId, part number (ENTERPRISEPACK) or display name (Office 365 E3)"),
                ))
            }
        }
    }

    fn plan(&mut self, src: &OpSource, sku: SkuId, name: &String) -> Result<PlanId, InputError> {
        let found = match self.st.skus.get(&sku) {
            Some(s) => crate::resolve::plan_in(name, &s.plans, |p| self.st.plan_label(p)),
            None => None,
        };
        found.ok_or_else(|| self.no_plan(src, sku, name))
    }

    fn country(
        &mut self,
        src: &OpSource,
        text: &String,
    ) -> Result<Option<CountryCode>, InputError> {
        CountryCode::parse_optional(text)
            .map_err(|e| self.input_error(src, "country", e.to_string(), COUNTRY_HINT))
    }
}

impl Lookups<Ids> for Sim<'_> {
    fn user(&mut self, src: &OpSource, id: &UserId) -> Result<usize, InputError> {
        self.st
            .tenant
            .users
            .index_of(id)
            .ok_or_else(|| self.no_user(src, &id.to_string()))
    }

    fn group(&mut self, src: &OpSource, id: &GroupId) -> Result<usize, InputError> {
        match self.st.group_by_id.get(id) {
            Some(g) => Ok(*g),
            None => Err(self.no_group(src, &id.to_string())),
        }
    }

    fn sku(&mut self, src: &OpSource, field: &str, id: &SkuId) -> Result<SkuId, InputError> {
        self.known_sku(src, field, *id)
    }

    fn plan(&mut self, src: &OpSource, sku: SkuId, p: &PlanRef) -> Result<PlanId, InputError> {
        if self
            .st
            .skus
            .get(&sku)
            .is_some_and(|s| s.plans.contains(&p.id))
        {
            Ok(p.id)
        } else {
            Err(self.no_plan(src, sku, &p.name))
        }
    }

    fn country(
        &mut self,
        _: &OpSource,
        c: &CountryCode,
    ) -> Result<Option<CountryCode>, InputError> {
        Ok(Some(*c))
    }
}
