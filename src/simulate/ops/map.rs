//! One op in another view of its references ([`Op::map_refs`]): the one place that walks every
//! variant's references, so the engine's resolver, the written form of a planner's op and the
//! tests' typed view all rebuild an op the same way (and an op added to the vocabulary is
//! mapped in one place).

use super::{LicenseSpec, Op, Refs};

/// How one view's references become another's, one method per kind of reference; `Err` when a
/// reference has no counterpart (a total mapping's `Miss` is [`std::convert::Infallible`]).
pub trait MapRefs<R: Refs, S: Refs> {
    /// What a reference that does not map gives.
    type Miss;
    fn user(&mut self, u: &R::User) -> Result<S::User, Self::Miss>;
    fn group(&mut self, g: &R::Group) -> Result<S::Group, Self::Miss>;
    /// `field` is the op's field naming the product (`sku`, `add` or `remove`).
    fn sku(&mut self, field: &'static str, s: &R::Sku) -> Result<S::Sku, Self::Miss>;
    /// A service plan of the product `sku` (already mapped).
    fn plan(&mut self, sku: &S::Sku, p: &R::Plan) -> Result<S::Plan, Self::Miss>;
    fn country(&mut self, c: &R::Country) -> Result<S::Country, Self::Miss>;
}

/// Both values, or the first miss.
fn both<A, B, E>(a: Result<A, E>, b: Result<B, E>) -> Result<(A, B), E> {
    Ok((a?, b?))
}

/// Every value, or the first miss (every item was already offered to the mapper).
fn all<T, E>(v: Vec<Result<T, E>>) -> Result<Vec<T>, E> {
    v.into_iter().collect()
}

/// A product and its disabled plans (the plans only when the product maps).
fn spec<R: Refs, S: Refs, M: MapRefs<R, S>>(
    m: &mut M,
    field: &'static str,
    sku: &R::Sku,
    plans: &[R::Plan],
) -> Result<LicenseSpec<S>, M::Miss> {
    let sku = m.sku(field, sku)?;
    let disabled: Vec<_> = plans.iter().map(|p| m.plan(&sku, p)).collect();
    Ok(LicenseSpec {
        sku,
        disabled_plans: all(disabled)?,
    })
}

/// The licenses added and the products removed by one atomic change.
#[allow(clippy::type_complexity)]
fn change<R: Refs, S: Refs, M: MapRefs<R, S>>(
    m: &mut M,
    add: &[LicenseSpec<R>],
    remove: &[R::Sku],
) -> Result<(Vec<LicenseSpec<S>>, Vec<S::Sku>), M::Miss> {
    let added: Vec<_> = add
        .iter()
        .map(|s| spec(m, "add", &s.sku, &s.disabled_plans))
        .collect();
    let removed: Vec<_> = remove.iter().map(|s| m.sku("remove", s)).collect();
    both(all(added), all(removed))
}

/// An optional reference mapped: `Ok(None)` when there is none.
fn maybe<T, U, E>(v: Option<&T>, f: impl FnOnce(&T) -> Result<U, E>) -> Result<Option<U>, E> {
    v.map(f).transpose()
}

impl<R: Refs> Op<R> {
    /// The same op with every reference mapped by `m`, in the order group, user, products with
    /// their service plans, country. Every reference is offered to `m` even after one misses
    /// (so a mapper that records misses records them all), except a product's service plans,
    /// which need the product.
    ///
    /// # Errors
    ///
    /// The first miss, when any reference does not map.
    pub fn map_refs<S: Refs, M: MapRefs<R, S>>(&self, m: &mut M) -> Result<Op<S>, M::Miss> {
        Ok(match self {
            Op::CreateGroup {
                group,
                security_enabled,
                description,
                mail_nickname,
                unique_name,
            } => Op::CreateGroup {
                group: group.clone(),
                security_enabled: *security_enabled,
                description: description.clone(),
                mail_nickname: mail_nickname.clone(),
                unique_name: unique_name.clone(),
            },
            Op::AssignGroupLicense {
                group,
                sku,
                disabled_plans,
            } => {
                let (g, l) = (m.group(group), spec(m, "sku", sku, disabled_plans));
                let (group, l) = both(g, l)?;
                Op::AssignGroupLicense {
                    group,
                    sku: l.sku,
                    disabled_plans: l.disabled_plans,
                }
            }
            Op::ChangeGroupLicense { group, add, remove } => {
                let (g, c) = (m.group(group), change(m, add, remove));
                let (group, (add, remove)) = both(g, c)?;
                Op::ChangeGroupLicense { group, add, remove }
            }
            Op::RemoveGroupLicense { group, sku } => {
                let (g, s) = (m.group(group), m.sku("sku", sku));
                let (group, sku) = both(g, s)?;
                Op::RemoveGroupLicense { group, sku }
            }
            Op::DeleteGroup { group } => Op::DeleteGroup {
                group: m.group(group)?,
            },
            Op::AddMember { group, user } => {
                let (g, u) = (m.group(group), m.user(user));
                let (group, user) = both(g, u)?;
                Op::AddMember { group, user }
            }
            Op::RemoveMember { group, user } => {
                let (g, u) = (m.group(group), m.user(user));
                let (group, user) = both(g, u)?;
                Op::RemoveMember { group, user }
            }
            Op::AssignDirectLicense {
                user,
                sku,
                disabled_plans,
            } => {
                let (u, l) = (m.user(user), spec(m, "sku", sku, disabled_plans));
                let (user, l) = both(u, l)?;
                Op::AssignDirectLicense {
                    user,
                    sku: l.sku,
                    disabled_plans: l.disabled_plans,
                }
            }
            Op::ChangeDirectLicense { user, add, remove } => {
                let (u, c) = (m.user(user), change(m, add, remove));
                let (user, (add, remove)) = both(u, c)?;
                Op::ChangeDirectLicense { user, add, remove }
            }
            Op::RemoveDirectLicense { user, sku } => {
                let (u, s) = (m.user(user), m.sku("sku", sku));
                let (user, sku) = both(u, s)?;
                Op::RemoveDirectLicense { user, sku }
            }
            Op::SetUsageLocation { user, country } => {
                let (u, c) = (m.user(user), m.country(country));
                let (user, country) = both(u, c)?;
                Op::SetUsageLocation { user, country }
            }
            Op::Reprocess { group, user } => {
                let g = maybe(group.as_ref(), |g| m.group(g));
                let u = maybe(user.as_ref(), |u| m.user(u));
                let (group, user) = both(g, u)?;
                Op::Reprocess { group, user }
            }
            Op::WaitForProcessing { group } => Op::WaitForProcessing {
                group: maybe(group.as_ref(), |g| m.group(g))?,
            },
        })
    }
}
