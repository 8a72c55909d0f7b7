//! Tenant-wide checks that become findings: things that will make group licensing fail or
//! surprise, found before any plan is made.

use std::collections::{BTreeSet, HashMap};

use crate::findings::{FindingCode, Findings};
use crate::model::{AssignmentPath, GroupKind, Member, Tenant, UserId};

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
    let mut by: HashMap<String, Vec<UserId>> = HashMap::new();
    for u in t.users.values() {
        if let Some(upn) = &u.upn {
            by.entry(upn.to_lowercase()).or_default().push(u.id);
        }
    }
    for (upn, ids) in by {
        if ids.len() > 1 {
            for _ in &ids {
                f.add(
                    FindingCode::DuplicateUpn,
                    format!("{upn} ({} users)", ids.len()),
                );
            }
        }
    }
}

/// `smtp:`/`SMTP:` only marks primary vs secondary; the address itself is case-insensitive.
pub fn normalise_proxy_address(a: &str) -> String {
    let t = a.trim();
    let bare = match t.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("smtp:") => &t[5..],
        _ => t,
    };
    bare.to_lowercase()
}

fn duplicate_proxy_addresses(t: &Tenant, f: &mut Findings) {
    let mut by: HashMap<String, BTreeSet<String>> = HashMap::new();
    for u in t.users.values() {
        for a in &u.proxy_addresses {
            by.entry(normalise_proxy_address(a))
                .or_default()
                .insert(u.label());
        }
    }
    for (addr, users) in by {
        if users.len() > 1 {
            let who: Vec<&str> = users.iter().map(String::as_str).collect();
            for _ in &users {
                f.add(
                    FindingCode::DuplicateProxyAddress,
                    format!("{addr}: {}", who.join(", ")),
                );
            }
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
