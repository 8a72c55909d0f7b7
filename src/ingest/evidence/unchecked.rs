//! What a plan or simulation could not check on complete evidence, given what it touches.

use super::*;

/// What a plan or a simulation touches: the evidence it needs is that of these.
#[derive(Debug, Clone, Default)]
pub struct Touched {
    pub skus: BTreeSet<SkuId>,
    /// Groups whose members the run relies on (licensed groups it uses or changes).
    pub groups: BTreeSet<GroupId>,
    /// Users whose license paths it relies on.
    pub users: BTreeSet<UserId>,
    /// Users it gives licenses to (whose usage location matters); a plan's held-back users
    /// keep what they have and are not among them.
    pub receiving: BTreeSet<UserId>,
}

impl Evidence {
    /// The checks a run touching `touched` could not run on complete evidence: those every run
    /// needs, then seats, license paths, memberships, usage locations and proxy addresses of
    /// what it touches. Sorted.
    pub fn unchecked(&self, t: &crate::model::Tenant, touched: &Touched) -> Vec<Unchecked> {
        let mut out = self.always_needed();
        let sku_name = |s: &SkuId| {
            t.skus
                .get(s)
                .and_then(|x| x.part_number.clone())
                .or_else(|| {
                    crate::catalog::Catalog::bundled()
                        .sku(*s)
                        .map(|c| c.part_number.clone())
                })
                .unwrap_or_else(|| s.to_string())
        };
        for s in &touched.skus {
            if !self.seats_known(*s) {
                let why = if self.seat_export {
                    "the subscribedSkus export does not list it"
                } else {
                    "no subscribedSkus export"
                };
                out.push(Unchecked {
                    check: Check::Seats,
                    reason: format!("seats of {} not checked: {why}", sku_name(s)),
                    fix: Check::Seats.fix().to_owned(),
                });
            }
        }
        let mut unknown_paths = Vec::new();
        let mut no_location = Vec::new();
        for u in &touched.users {
            if let Some(user) = t.users.get(u).filter(|_| self.path_unknown(*u)) {
                unknown_paths.push(user.label());
            }
        }
        for u in &touched.receiving {
            let Some(user) = t.users.get(u) else { continue };
            if user.usage_location.is_none()
                && !self.default_location
                && t.default_usage_location.is_none()
            {
                no_location.push(user.label());
            }
        }
        unknown_paths.sort();
        no_location.sort();
        if !unknown_paths.is_empty() {
            out.push(Unchecked {
                check: Check::LicensePaths,
                reason: format!(
                    "license paths of {} user(s) not checked: the export does not say whether their licenses are direct or inherited ({})",
                    unknown_paths.len(),
                    list(&unknown_paths)
                ),
                fix: Check::LicensePaths.fix().to_owned(),
            });
        }
        if !no_location.is_empty() {
            out.push(Unchecked {
                check: Check::UsageLocation,
                reason: format!(
                    "usage location of {} user(s) without one not checked: no organization export gives the default group licensing uses ({})",
                    no_location.len(),
                    list(&no_location)
                ),
                fix: Check::UsageLocation.fix().to_owned(),
            });
        }
        let mut unexported: Vec<String> = touched
            .groups
            .iter()
            .filter(|g| !self.members_known(**g))
            .map(|g| t.groups.get(g).map_or_else(|| g.to_string(), |x| x.label()))
            .collect();
        unexported.sort();
        if !unexported.is_empty() {
            out.push(Unchecked {
                check: Check::Memberships,
                reason: format!(
                    "members of {} licensed group(s) not checked: no member export for {}",
                    unexported.len(),
                    list(&unexported)
                ),
                fix: Check::Memberships.fix().to_owned(),
            });
        }
        // Proxy addresses: every user with Exchange Online has some, so a users export where no
        // user has one did not select them. The careful reading: the uniqueness check (R7) of a
        // product with Exchange plans could not run. (Readers do not yet record which fields a
        // file carried, so an export that selected them for no one cannot be told apart.)
        if self.users_export && !self.proxies_seen {
            let exchange: Vec<String> = touched
                .skus
                .iter()
                .filter(|s| {
                    t.skus.get(s).is_some_and(|x| {
                        x.service_plans
                            .iter()
                            .any(|p| p.name.starts_with("EXCHANGE_"))
                    })
                })
                .map(sku_name)
                .collect();
            if !exchange.is_empty() {
                out.push(Unchecked {
                    check: Check::ProxyAddresses,
                    reason: format!(
                        "proxy-address uniqueness for {} not checked: no user in the users export has a proxy address (it did not select proxyAddresses)",
                        exchange.join(", ")
                    ),
                    fix: Check::ProxyAddresses.fix().to_owned(),
                });
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
