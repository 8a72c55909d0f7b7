//! The design of a generated tenant (products, groups, how many users of each kind) and the
//! stream of its users.
//!
//! Counts are exact, not rolled per user: the users of each kind (product × path) are drawn
//! without replacement from their quotas, so a tenant holds exactly the planned number of
//! each, every licensed group exactly its planned size, whatever the seed. The draws come from
//! one ChaCha8 stream read only through `next_u64` (no `rand` distribution whose algorithm could
//! change between versions), so the same seed gives the same tenant byte for byte.

use std::io;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use super::names::Names;
use crate::catalog::Catalog;
use crate::model::{AssignmentError, PlanId, ServicePlan, SkuId};

mod users;

pub(crate) use users::UserGen;

/// Indices into [`Blueprint::skus`].
pub(crate) const E1: usize = 0;
pub(crate) const E3: usize = 1;
pub(crate) const E5: usize = 2;
pub(crate) const WA: usize = 3;
pub(crate) const FLOW: usize = 4;

/// The products, by part number and `skuId`, in [`Blueprint::skus`] order.
const SKU_DEFS: [(&str, &str); 5] = [
    ("STANDARDPACK", "18181a46-0d4e-45cd-891e-60aabd171b4e"),
    ("ENTERPRISEPACK", "6fd2c87f-b296-42f0-b197-1e91e994b900"),
    ("ENTERPRISEPREMIUM", "c7df2760-2c81-4ef7-b578-5b5392b571df"),
    (
        "WORKPLACE_ANALYTICS",
        "3d957427-ecdc-4df2-aacd-01cc9d519da8",
    ),
    ("FLOW_FREE", "f30db892-07e9-47e9-837c-80727f46fd3d"),
];

pub(crate) const ORG_NAME: &str = "Fabrikam";
pub(crate) const DOMAIN: &str = "fabrikam.edu";
pub(crate) const INITIAL_DOMAIN: &str = "fabrikam.onmicrosoft.com";
pub(crate) const COUNTRY: &str = "US";
/// `lastUpdatedDateTime` of every license state.
pub(crate) const LAST_UPDATED: &str = "2026-10-01T08:00:00Z";

/// The most users a tenant may have: Graph's seat counts are 32-bit signed, and enabled seats
/// are the consumed ones plus a few percent.
pub(crate) const MAX_USERS: u64 = 2_000_000_000;

/// Usage locations and their weights; ~1% of users get none instead.
const LOCATIONS: &[(&str, u64)] = &[
    ("US", 40),
    ("GB", 12),
    ("DE", 10),
    ("FR", 8),
    ("CA", 6),
    ("NL", 5),
    ("AU", 5),
    ("IN", 5),
    ("JP", 3),
    ("ES", 3),
    ("IT", 3),
];

/// A product of the tenant, with the catalog's service plans.
#[derive(Debug, Clone)]
pub(crate) struct GenSku {
    pub id: SkuId,
    pub part_number: String,
    /// Sorted by id, as the catalog gives them.
    pub plans: Vec<ServicePlan>,
}

/// A set of disabled service plans of one product; index 0 is the empty set.
#[derive(Debug, Clone)]
pub(crate) struct PlanSet {
    /// Sorted by id.
    pub ids: Vec<PlanId>,
    /// `servicePlanName`s, in `ids` order.
    pub names: Vec<String>,
}

const NO_PLANS: usize = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Static security group.
    Static,
    /// Dynamic security group (`membershipRule`).
    Dynamic,
    /// Synced from on-premises AD.
    Synced,
    /// Microsoft 365 group: `groupTypes: [Unified]`, not security-enabled, mail-enabled.
    Unified,
}

#[derive(Debug, Clone)]
pub(crate) struct GenGroup {
    pub id: Uuid,
    pub name: String,
    pub kind: Kind,
    /// The product it assigns and the plans that license disables.
    pub license: Option<(usize, usize)>,
    /// Groups nested in this one (indices into [`Blueprint::groups`]).
    pub nested: Vec<usize>,
}

impl GenGroup {
    pub(crate) fn security_enabled(&self) -> bool {
        self.kind != Kind::Unified
    }
    pub(crate) fn mail_enabled(&self) -> bool {
        self.kind == Kind::Unified
    }
    pub(crate) fn group_types(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Dynamic => &["DynamicMembership"],
            Kind::Unified => &["Unified"],
            Kind::Static | Kind::Synced => &[],
        }
    }
    pub(crate) fn membership_rule(&self) -> Option<&'static str> {
        (self.kind == Kind::Dynamic).then_some(DYNAMIC_RULE)
    }
    /// `onPremisesSyncEnabled`: true when synced, else null (cloud-only).
    pub(crate) fn synced(&self) -> Option<bool> {
        (self.kind == Kind::Synced).then_some(true)
    }
}

const DYNAMIC_RULE: &str = "user.department -eq \"Marketing\"";

/// How users hold their main product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    Direct,
    Inherited,
    Dual,
}

/// Users per kind: product (E1, E3, E5) × path (direct, inherited, dual), then unlicensed.
const CATEGORIES: usize = 10;
const UNLICENSED: usize = 9;

fn category(c: usize) -> Option<(usize, Path)> {
    let path = match c % 3 {
        0 => Path::Direct,
        1 => Path::Inherited,
        _ => Path::Dual,
    };
    (c < UNLICENSED).then_some((c / 3, path))
}

/// Everything decided before the first user is drawn.
#[derive(Debug, Clone)]
pub(crate) struct Blueprint {
    pub seed: u64,
    pub users: u64,
    /// The namespace of every uuid v5 of this tenant (depends on the seed).
    ns: Uuid,
    pub org_id: Uuid,
    pub skus: Vec<GenSku>,
    pub plan_sets: Vec<PlanSet>,
    pub groups: Vec<GenGroup>,
    pub names: Names,
    categories: [u64; CATEGORIES],
    /// Per main product (E1, E3, E5): its licensed groups and their planned sizes.
    ladders: [(Vec<usize>, Vec<u64>); 3],
    /// Disabled-plan sets of direct assignments per main product, with weights.
    direct_sets: [Vec<(usize, u64)>; 3],
    dynamic_group: usize,
    nested_group: usize,
    m365_group: usize,
    no_location: u64,
    nested_members: u64,
    exclusive_errors: u64,
    count_errors: u64,
    dynamic_members: u64,
    m365_members: u64,
    duplicate_pairs: u64,
}

fn share(n: u64, percent_tenths: u64) -> u64 {
    // Rounded n · p / 1000, without overflow for any u64 below MAX_USERS.
    (n * percent_tenths + 500) / 1000
}

/// Splits `total` into group sizes, each at most `cap` and (when `total` allows) at least 10:
/// halves, until fewer than 20 are left, which form the last group.
fn ladder(total: u64, cap: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut rest = total;
    while rest > 0 {
        let s = if rest < 20 {
            rest
        } else {
            rest.div_ceil(2).min(cap.max(10))
        };
        out.push(s);
        rest -= s;
    }
    out
}

impl Blueprint {
    pub(crate) fn new(seed: u64, users: u64) -> io::Result<Self> {
        if users > MAX_USERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("at most {MAX_USERS} users can be generated (Graph's seat counts are 32-bit), not {users}"),
            ));
        }
        let catalog = Catalog::try_bundled()
            .map_err(|e| io::Error::other(format!("the bundled product catalog: {e}")))?;
        let mut skus = Vec::with_capacity(SKU_DEFS.len());
        for (part, guid) in SKU_DEFS {
            let id = SkuId::parse(guid).map_err(|e| io::Error::other(e.to_string()))?;
            let c = catalog.sku(id).ok_or_else(|| {
                io::Error::other(format!("the bundled catalog lacks {part} ({guid})"))
            })?;
            skus.push(GenSku {
                id,
                part_number: c.part_number.clone(),
                plans: c.service_plans.clone(),
            });
        }

        let mut plan_sets = vec![PlanSet {
            ids: Vec::new(),
            names: Vec::new(),
        }];
        let mut set = |sku: usize, names: &[&str]| -> io::Result<usize> {
            let mut plans: Vec<&ServicePlan> = Vec::new();
            for n in names {
                let p = skus[sku]
                    .plans
                    .iter()
                    .find(|p| p.name == *n)
                    .ok_or_else(|| {
                        io::Error::other(format!(
                            "the bundled catalog lacks service plan {n} in {}",
                            skus[sku].part_number
                        ))
                    })?;
                plans.push(p);
            }
            plans.sort_by_key(|p| p.id);
            plan_sets.push(PlanSet {
                ids: plans.iter().map(|p| p.id).collect(),
                names: plans.iter().map(|p| p.name.clone()).collect(),
            });
            Ok(plan_sets.len() - 1)
        };
        let e1_yammer = set(E1, &["YAMMER_ENTERPRISE"])?;
        // "A handful of common sets" of plans admins disable on E1, with their weights.
        let e1_sets = vec![
            (NO_PLANS, 50),
            (e1_yammer, 15),
            (set(E1, &["SWAY", "FORMS_PLAN_E1"])?, 10),
            (set(E1, &["TEAMS1"])?, 8),
            (set(E1, &["YAMMER_ENTERPRISE", "SWAY"])?, 7),
            (set(E1, &["KAIZALA_O365_P2", "STREAM_O365_E1"])?, 5),
            (set(E1, &["YAMMER_ENTERPRISE", "VIVAENGAGE_CORE"])?, 5),
        ];
        let e3_sets = vec![
            (NO_PLANS, 85),
            (set(E3, &["YAMMER_ENTERPRISE"])?, 10),
            (set(E3, &["SWAY"])?, 5),
        ];
        let e5_sets = vec![(NO_PLANS, 90), (set(E5, &["YAMMER_ENTERPRISE"])?, 10)];

        let ns = Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("https://licplan.invalid/generate/{seed}").as_bytes(),
        );
        let org_id = Uuid::new_v5(&ns, b"organization");

        // Users per kind. E1 ~60%, E3 ~30%, E5 ~8%, unlicensed ~2%.
        let unlicensed = share(users, 20);
        let e5 = share(users, 80);
        let e3 = share(users, 300);
        let e1 = users - unlicensed - e5 - e3;
        // (direct, dual) shares in tenths of a percent; the rest inherit only.
        let split = |n: u64, direct: u64, dual: u64| {
            let d = share(n, direct);
            let b = share(n, dual).min(n - d);
            [d, n - d - b, b]
        };
        let [e1d, e1i, e1b] = split(e1, 250, 150);
        let [e3d, e3i, e3b] = split(e3, 400, 150);
        let [e5d, e5i, e5b] = split(e5, 300, 150);
        let categories = [e1d, e1i, e1b, e3d, e3i, e3b, e5d, e5i, e5b, unlicensed];

        // Licensed groups. The largest (E1, all staff) holds min(200,000, 40% of users); the
        // other E1 inheritors fill a ladder of halving groups, as do E3's and E5's.
        let largest = (e1i + e1b).min(users.saturating_mul(2).div_ceil(5).min(200_000));
        let mut e1_sizes = vec![largest];
        e1_sizes.extend(ladder(e1i + e1b - largest, largest));
        let mut e3_sizes = ladder(e3i + e3b, largest);
        let mut e5_sizes = ladder(e5i + e5b, largest);
        // The named groups exist even in a tiny tenant.
        if e1_sizes.len() < 3 {
            e1_sizes.resize(3, 0);
        }
        if e3_sizes.is_empty() {
            e3_sizes.push(0);
        }
        if e5_sizes.is_empty() {
            e5_sizes.push(0);
        }

        let mut groups: Vec<GenGroup> = Vec::new();
        let mut add = |name: String, kind: Kind, license: Option<(usize, usize)>| {
            groups.push(GenGroup {
                id: Uuid::new_v5(&ns, format!("group:{name}").as_bytes()),
                name,
                kind,
                license,
                nested: Vec::new(),
            });
            groups.len() - 1
        };
        let mut e1_groups = Vec::new();
        for i in 0..e1_sizes.len() {
            e1_groups.push(match i {
                0 => add(
                    "LIC-O365-E1-AllStaff".into(),
                    Kind::Static,
                    Some((E1, NO_PLANS)),
                ),
                1 => add(
                    "SYNC-LIC-O365-E1-Campus".into(),
                    Kind::Synced,
                    Some((E1, e1_yammer)),
                ),
                2 => add(
                    "LIC-O365-E1-NoYammer".into(),
                    Kind::Static,
                    Some((E1, e1_yammer)),
                ),
                _ => add(
                    format!("LIC-O365-E1-Dept{:02}", i - 2),
                    Kind::Static,
                    Some((E1, NO_PLANS)),
                ),
            });
        }
        let mut e3_groups = Vec::new();
        for i in 0..e3_sizes.len() {
            let name = match i {
                0 => "LIC-O365-E3-Faculty".to_owned(),
                1 => "LIC-O365-E3-Research".to_owned(),
                _ => format!("LIC-O365-E3-Dept{:02}", i - 1),
            };
            e3_groups.push(add(name, Kind::Static, Some((E3, NO_PLANS))));
        }
        let mut e5_groups = Vec::new();
        for i in 0..e5_sizes.len() {
            let name = match i {
                0 => "LIC-O365-E5-IT".to_owned(),
                1 => "LIC-O365-E5-Security".to_owned(),
                _ => format!("LIC-O365-E5-Dept{:02}", i - 1),
            };
            e5_groups.push(add(name, Kind::Static, Some((E5, NO_PLANS))));
        }
        let dynamic_group = add(
            "DYN-Marketing".into(),
            Kind::Dynamic,
            Some((FLOW, NO_PLANS)),
        );
        // Nested in the first E3 group: its members inherit nothing from it (R9).
        let nested_group = add("Visiting Scholars".into(), Kind::Static, None);
        let m365_group = add("Project Phoenix".into(), Kind::Unified, None);
        if let Some(&parent) = e3_groups.first() {
            if let Some(g) = groups.get_mut(parent) {
                g.nested.push(nested_group);
            }
        }

        // Counts of the special cases. Users without a usage location hold licenses only
        // through groups (Graph refuses a direct license without one), so they are drawn from
        // the inherit-only and unlicensed users.
        let no_location_pool = e1i + e3i + e5i + unlicensed;
        let few = 2 + users / 40_000;
        Ok(Blueprint {
            seed,
            users,
            ns,
            org_id,
            skus,
            plan_sets,
            groups,
            names: Names::new(seed),
            categories,
            ladders: [
                (e1_groups, e1_sizes),
                (e3_groups, e3_sizes),
                (e5_groups, e5_sizes),
            ],
            direct_sets: [e1_sets, e3_sets, e5_sets],
            dynamic_group,
            nested_group,
            m365_group,
            no_location: share(users, 10).min(no_location_pool),
            nested_members: (users / 500).clamp(3, 5_000).min(e1d),
            exclusive_errors: few.min(e1d),
            count_errors: few.min(e3d),
            dynamic_members: share(users, 40),
            m365_members: share(users, 20).clamp(5, 10_000).min(users),
            duplicate_pairs: (2 + users / 100_000).min(users / 2),
        })
    }

    pub(crate) fn user_id(&self, index: u64) -> Uuid {
        Uuid::new_v5(&self.ns, format!("user:{index}").as_bytes())
    }

    /// A deterministic `$skiptoken` for a next link.
    pub(crate) fn skip_token(&self, what: &str, page: u64) -> String {
        let u = Uuid::new_v5(&self.ns, format!("skiptoken:{what}:{page}").as_bytes());
        format!("RFNwdAIAAQAAAD8{}", u.simple())
    }

    pub(crate) fn subscription_id(&self, sku: usize) -> Uuid {
        Uuid::new_v5(&self.ns, format!("subscription:{sku}").as_bytes())
    }

    /// `(sku index, enabled, consumed)` per product: enabled = consumed + spare; E5 has little
    /// spare, FLOW_FREE the viral SKU's 10,000 (more in a tenant that needs more).
    pub(crate) fn seats(&self, roster: &Roster) -> Vec<(usize, u32, u32)> {
        (0..self.skus.len())
            .map(|s| {
                let c = roster.consumed.get(s).copied().unwrap_or(0);
                let enabled = match s {
                    E1 => c + c / 20 + 5,
                    E3 => c + c / 25 + 5,
                    E5 => c + 1 + c / 1000,
                    WA => c + c / 10 + 2,
                    _ => (c / 10_000 + 1).max(1) * 10_000,
                };
                let to32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
                (s, to32(enabled), to32(c))
            })
            .collect()
    }
}

/// One license path of a generated user.
#[derive(Debug, Clone)]
pub(crate) struct GenAssignment {
    pub sku: usize,
    /// `None` = direct.
    pub group: Option<usize>,
    /// Index into [`Blueprint::plan_sets`].
    pub disabled: usize,
    pub error: Option<AssignmentError>,
}

/// A generated user, reused from one user to the next.
#[derive(Debug, Clone, Default)]
pub(crate) struct GenUser {
    pub index: u64,
    pub id: Uuid,
    pub display_name: String,
    pub upn: String,
    pub usage_location: Option<&'static str>,
    pub account_enabled: bool,
    pub proxy_addresses: Vec<String>,
    pub assignments: Vec<GenAssignment>,
}

/// What the users said about the rest of the tenant: group members and consumed seats.
#[derive(Debug, Clone)]
pub(crate) struct Roster {
    /// User members per group, by index, ascending.
    pub members: Vec<Vec<u32>>,
    pub consumed: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::users::case_variant;
    use super::*;

    #[test]
    fn ladders_halve_down_to_ten() {
        assert_eq!(ladder(100, 800), [50, 25, 13, 12]);
        assert_eq!(ladder(0, 800), Vec::<u64>::new());
        assert_eq!(ladder(7, 800), [7]);
        let big = ladder(250_000, 200_000);
        assert_eq!(big.iter().sum::<u64>(), 250_000);
        assert!(big.iter().all(|&s| (10..=200_000).contains(&s)));
    }

    #[test]
    fn tiny_tenants_do_not_panic() {
        for n in [0, 1, 2, 3, 5, 10, 49] {
            let bp = Blueprint::new(1, n).expect("blueprint");
            let (mut gen, mut roster) = UserGen::new(&bp);
            let mut u = GenUser::default();
            for _ in 0..n {
                gen.next_user(&bp, &mut roster, &mut u);
            }
            let seats = bp.seats(&roster);
            assert!(seats.iter().all(|(_, e, c)| c <= e));
        }
    }

    #[test]
    fn case_variants_differ_only_in_case() {
        let v = case_variant("jane.doe2@fabrikam.edu");
        assert_eq!(v, "Jane.Doe2@fabrikam.edu");
        assert!(v.eq_ignore_ascii_case("jane.doe2@fabrikam.edu"));
    }
}
