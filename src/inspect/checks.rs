//! Tenant-wide checks that become findings: things that will make group licensing fail or
//! surprise, found before any plan is made.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use crate::findings::{FindingCode, Findings};
use crate::model::{ids::fold_case, AssignmentPath, GroupKind, Member, Tenant, UserId};

pub fn run(t: &Tenant, f: &mut Findings) {
    duplicate_upns(t, f);
    duplicate_proxy_addresses(t, f);
    missing_usage_locations(t, f);
    groups(t, f);
    skus(t, f);
    error_states(t, f);
    dangling(t, f);
}

fn duplicate_upns(t: &Tenant, f: &mut Findings) {
    // Keys borrow the UPN when it is lower case already (most are): no string per user.
    let mut by: HashMap<Cow<'_, str>, Vec<UserId>> = HashMap::default();
    for u in t.users.values() {
        if let Some(upn) = &u.upn {
            by.entry(fold_case(upn)).or_default().push(u.id);
        }
    }
    let mut dups: Vec<(Cow<'_, str>, usize)> = by
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(k, ids)| (k, ids.len()))
        .collect();
    dups.sort();
    for (upn, n) in dups {
        for _ in 0..n {
            f.add(FindingCode::DuplicateUpn, format!("{upn} ({n} users)"));
        }
    }
}

/// `smtp:`/`SMTP:` only marks primary vs secondary; the address itself is case-insensitive.
pub fn normalise_proxy_address(a: &str) -> String {
    normalised_proxy_address(a).into_owned()
}

/// [`normalise_proxy_address`] without allocating when the address is lower case already.
pub fn normalised_proxy_address(a: &str) -> Cow<'_, str> {
    let printable = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    let t = if printable(a.as_bytes().first()) && printable(a.as_bytes().last()) {
        a // nothing to trim: no need to decode the ends
    } else {
        a.trim()
    };
    let bare = match t.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("smtp:") => &t[5..],
        _ => t,
    };
    fold_case(bare)
}

/// Each proxy address (normalised) that several users share, with those users' indexes in the
/// tenant's user order.
///
/// Sorting a hash per address finds the candidates in 16 bytes per address, where a hash map of
/// the addresses themselves would take several times that (and, at a million users, more time in
/// first-touching its memory than in hashing). Equal hashes are then compared as strings, so a
/// collision never makes two addresses one.
fn shared_addresses(t: &Tenant) -> Vec<(Cow<'_, str>, Vec<u32>)> {
    use std::hash::BuildHasher;
    let hasher = rustc_hash::FxBuildHasher;
    let users = t.users.as_slice();
    // (hash, user index, address index), hashed on every core
    let (runs, _) = crate::par::map_runs(users, crate::par::threads(), 50_000, |at, run| {
        let mut keys: Vec<(u64, u32, u32)> = Vec::with_capacity(run.len() * 2);
        for (i, u) in run.iter().enumerate() {
            for (j, a) in u.proxy_addresses.iter().enumerate() {
                let h = hasher.hash_one(normalised_proxy_address(a).as_ref());
                keys.push((h, (at + i) as u32, j as u32));
            }
        }
        keys.sort_unstable();
        keys
    });
    let mut keys: Vec<(u64, u32, u32)> = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for run in runs {
        keys.extend(run);
    }
    // Two sorted runs: the sort merges them.
    keys.sort();
    let mut shared = Vec::new();
    for run in keys.chunk_by(|a, b| a.0 == b.0) {
        if run.iter().all(|k| k.1 == run[0].1) {
            continue;
        }
        let mut by: BTreeMap<Cow<'_, str>, Vec<u32>> = BTreeMap::new();
        for &(_, i, j) in run {
            let a = normalised_proxy_address(&users[i as usize].proxy_addresses[j as usize]);
            let who = by.entry(a).or_default();
            // Users come in ascending order within a run.
            if who.last() != Some(&i) {
                who.push(i);
            }
        }
        shared.extend(by.into_iter().filter(|(_, who)| who.len() > 1));
    }
    shared
}

/// User → the first of their proxy addresses (normalised) that another user has too.
pub type SharedProxies = HashMap<UserId, String>;

/// The users who share a proxy address with another user, each with the first of their own
/// addresses (normalised) that is shared: licensing a product with an Exchange plan fails for
/// each of them with UniquenessViolation (R5).
pub fn shared_proxy_addresses(t: &Tenant) -> SharedProxies {
    let shared = shared_addresses(t);
    if shared.is_empty() {
        return HashMap::default();
    }
    let users = t.users.as_slice();
    let addresses: rustc_hash::FxHashSet<&str> = shared.iter().map(|(a, _)| a.as_ref()).collect();
    let mut out = HashMap::default();
    for (_, idx) in &shared {
        for &i in idx {
            let u = &users[i as usize];
            if out.contains_key(&u.id) {
                continue;
            }
            let first = u
                .proxy_addresses
                .iter()
                .map(|a| normalised_proxy_address(a))
                .find(|a| addresses.contains(a.as_ref()));
            if let Some(a) = first {
                out.insert(u.id, a.into_owned());
            }
        }
    }
    out
}

fn duplicate_proxy_addresses(t: &Tenant, f: &mut Findings) {
    let users = t.users.as_slice();
    let mut dups = shared_addresses(t);
    dups.sort();
    for (addr, idx) in dups {
        let mut who: Vec<String> = idx.iter().map(|i| users[*i as usize].label()).collect();
        who.sort();
        who.dedup();
        for _ in &who {
            f.add(
                FindingCode::DuplicateProxyAddress,
                format!("{addr}: {}", who.join(", ")),
            );
        }
    }
}

fn missing_usage_locations(t: &Tenant, f: &mut Findings) {
    let inherits = match &t.default_usage_location {
        Some(c) => format!("inherits {c} from the organization for group licensing"),
        None => "no organization default in the exports: group licensing may fail".to_owned(),
    };
    for u in t.users.values().filter(|u| u.usage_location.is_none()) {
        f.add(
            FindingCode::MissingUsageLocation,
            format!("{} ({inherits})", u.label()),
        );
    }
}

fn groups(t: &Tenant, f: &mut Findings) {
    for g in t.groups.values() {
        for m in &g.members {
            if let Member::Group(child) = m {
                let child_name = t
                    .groups
                    .get(child)
                    .map_or_else(|| child.to_string(), |c| c.label());
                let licensed = if g.is_licensed() {
                    " (licensed: its members inherit nothing)"
                } else {
                    ""
                };
                f.add(
                    FindingCode::NestedGroup,
                    format!("{child_name} in {}{licensed}", g.label()),
                );
            }
        }
        if g.is_licensed() && g.security_enabled != Some(true) {
            let why = if g.security_enabled.is_none() {
                "securityEnabled not exported"
            } else {
                "securityEnabled false"
            };
            f.add(
                FindingCode::NonSecurityGroupLicense,
                format!("{} ({why})", g.label()),
            );
        }
        match g.kind() {
            GroupKind::Dynamic => f.add(
                FindingCode::DynamicGroup,
                match &g.membership_rule {
                    Some(r) => format!("{} ({r})", g.label()),
                    None => g.label(),
                },
            ),
            GroupKind::Synced => f.add(FindingCode::SyncedGroup, g.label()),
            GroupKind::Static => {}
        }
    }
}

fn skus(t: &Tenant, f: &mut Findings) {
    for s in t.skus.values() {
        if let Some(seats) = s.seats {
            if seats.consumed > seats.enabled {
                f.add(
                    FindingCode::OverConsumedSku,
                    format!(
                        "{}: {} consumed of {} enabled",
                        s.label(),
                        seats.consumed,
                        seats.enabled
                    ),
                );
            }
        }
    }
}

fn error_states(t: &Tenant, f: &mut Findings) {
    for u in t.users.values() {
        for a in u.assignments.iter().filter(|a| a.is_error()) {
            let sku = t
                .skus
                .get(&a.sku)
                .map_or_else(|| a.sku.to_string(), |s| s.label());
            let via = match a.path {
                AssignmentPath::Direct => "direct".to_owned(),
                AssignmentPath::Group(g) => {
                    format!(
                        "via {}",
                        t.groups
                            .get(&g)
                            .map_or_else(|| g.to_string(), |g| g.label())
                    )
                }
                AssignmentPath::Unknown => "path unknown".to_owned(),
            };
            let what = a
                .error
                .map(|e| e.as_str())
                .or(a.state.map(|s| s.as_str()))
                .unwrap_or("error");
            f.add(
                FindingCode::ErrorState,
                format!("{}: {sku} {via}: {what}", u.label()),
            );
        }
    }
}

fn dangling(t: &Tenant, f: &mut Findings) {
    for g in t.groups.values() {
        for m in &g.members {
            match m {
                Member::User(u) if !t.users.contains_key(u) => f.add(
                    FindingCode::DanglingReference,
                    format!("user {u} (member of {})", g.label()),
                ),
                Member::Group(c) if !t.groups.contains_key(c) => f.add(
                    FindingCode::DanglingReference,
                    format!("group {c} (member of {})", g.label()),
                ),
                _ => {}
            }
        }
    }
    for u in t.users.values() {
        for a in &u.assignments {
            if let AssignmentPath::Group(g) = a.path {
                if !t.groups.contains_key(&g) {
                    f.add(
                        FindingCode::DanglingReference,
                        format!("group {g} (assigns a license to {})", u.label()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_proxy_address;

    #[test]
    fn proxy_addresses_ignore_prefix_case() {
        assert_eq!(
            normalise_proxy_address("SMTP:Sales@Contoso.com"),
            "sales@contoso.com"
        );
        assert_eq!(
            normalise_proxy_address("smtp:sales@contoso.com"),
            "sales@contoso.com"
        );
        assert_eq!(
            normalise_proxy_address("SIP:a@contoso.com"),
            "sip:a@contoso.com"
        );
    }
}
