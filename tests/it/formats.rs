//! The sample tenant in every export format loads to the same model.

use licplan::findings::FindingCode;
use licplan::model::{AssignmentPath, Tenant};

use crate::common::{load, testdata};

fn tenant(dir: &str) -> Tenant {
    load(&[&testdata(dir)]).tenant
}

#[test]
fn graph_rest_powershell_and_plain_csv_load_to_the_identical_model() {
    let rest = tenant("contoso");
    assert_eq!(rest.users.len(), 50);
    assert_eq!(rest.groups.len(), 5);
    assert_eq!(rest.skus.len(), 4);
    assert_eq!(
        rest.default_usage_location.as_ref().map(|c| c.as_str()),
        Some("US")
    );
    let mut powershell = tenant("contoso-powershell");
    let mut csv = tenant("contoso-csv");
    // Only the REST export selects the groups' licenseProcessingState (read for verify).
    assert!(rest.groups.values().any(|g| g.license_processing.is_some()));
    for other in [&mut powershell, &mut csv] {
        for (id, g) in other.groups.iter_mut() {
            assert!(g.license_processing.is_none());
            g.license_processing = rest.groups[id].license_processing.clone();
        }
    }
    // The organization's name and domains come from organization.json only (kept for --redact;
    // licplan's CSV has no column for them).
    assert_eq!(rest.organization, powershell.organization);
    assert!(csv.organization.is_empty());
    csv.organization = rest.organization.clone();
    // Compare piece by piece first so a failure points at the difference.
    for (name, other) in [("powershell", &powershell), ("csv", &csv)] {
        assert_eq!(
            rest.default_usage_location, other.default_usage_location,
            "{name}"
        );
        assert_eq!(rest.skus, other.skus, "{name}: skus");
        for (id, g) in &rest.groups {
            assert_eq!(Some(g), other.groups.get(id), "{name}: group {id}");
        }
        for (id, u) in &rest.users {
            assert_eq!(Some(u), other.users.get(id), "{name}: user {id}");
        }
        assert!(rest == *other, "{name}: models differ");
    }
}

#[test]
fn the_sample_tenant_holds_what_it_promises() {
    let loaded = load(&[&testdata("contoso")]);
    let t = &loaded.tenant;
    let by_upn = |upn: &str| {
        t.users
            .values()
            .find(|u| u.upn.as_deref() == Some(upn))
            .unwrap_or_else(|| panic!("{upn} is in the sample"))
    };
    // Dual assignment: E3 both directly and from LIC-O365-E3.
    let aaron = by_upn("aaron.peterson@contoso.com");
    let e3: Vec<_> = aaron
        .assignments
        .iter()
        .filter(|a| a.path != AssignmentPath::Unknown)
        .collect();
    assert!(e3.iter().any(|a| a.path == AssignmentPath::Direct));
    assert!(e3
        .iter()
        .any(|a| matches!(a.path, AssignmentPath::Group(_))));
    // The user in CountViolation.
    let owen = by_upn("owen.gallagher@contoso.com");
    assert!(owen.assignments.iter().any(|a| a.is_error()));
    // The " Active " state with stray spaces and the upper-case skuId were read.
    let lee = by_upn("lee.gu@contoso.com");
    assert!(lee.assignments.iter().all(|a| a.state.is_some()));
    assert_eq!(loaded.findings.count(FindingCode::UnknownValue), 0);
    assert_eq!(loaded.findings.count(FindingCode::UnknownSku), 0);
}

#[test]
fn the_admin_center_export_loads_with_paths_unknown() {
    let loaded = load(&[&testdata("contoso-admin")]);
    let t = &loaded.tenant;
    assert_eq!(t.users.len(), 50);
    let licensed: Vec<_> = t
        .users
        .values()
        .filter(|u| !u.assignments.is_empty())
        .collect();
    assert!(!licensed.is_empty());
    for u in &licensed {
        assert!(
            u.assignments
                .iter()
                .all(|a| a.path == AssignmentPath::Unknown),
            "{} has a path the admin export cannot know",
            u.label()
        );
    }
    assert_eq!(
        loaded.findings.count(FindingCode::UnknownAssignmentPath),
        licensed.len() as u64
    );
    // "Enterprise Mobility + Security E5" is one product, not two; the Spanish name is unknown.
    let laura = t
        .users
        .values()
        .find(|u| u.upn.as_deref() == Some("laura.chen@contoso.com"))
        .expect("laura");
    assert!(laura
        .assignments
        .iter()
        .any(|a| t.skus[&a.sku].part_number.as_deref() == Some("EMSPREMIUM")));
    assert_eq!(loaded.findings.count(FindingCode::UnknownSku), 1);
    // Same users, same products as the Graph export, ignoring paths.
    let rest = load(&[&testdata("contoso")]).tenant;
    for (id, u) in &rest.users {
        let admin = &t.users[id];
        assert_eq!(u.upn, admin.upn);
        assert_eq!(u.usage_location, admin.usage_location);
        let held = |user: &licplan::model::User| {
            let mut v: Vec<_> = user
                .assignments
                .iter()
                .filter(|a| !a.is_error())
                .map(|a| a.sku)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let mut admin_skus = held(admin);
        admin_skus.retain(|s| rest.skus.contains_key(s));
        assert_eq!(held(u), admin_skus, "{}", u.label());
    }
}

#[test]
fn files_named_one_by_one_and_mixed_formats_load() {
    // A tenant can be given as files: Graph users + a plain CSV organization file.
    let users1 = testdata("contoso/users.page1.json");
    let users2 = testdata("contoso/users.page2.json");
    let skus = testdata("contoso-csv/skus.csv");
    let loaded = load(&[&users1, &users2, &skus]);
    assert_eq!(loaded.tenant.users.len(), 50);
    assert_eq!(loaded.sources.len(), 3);
    let skus_source = loaded
        .sources
        .iter()
        .find(|s| s.file.ends_with("skus.csv"))
        .expect("skus.csv is reported");
    assert_eq!(
        (skus_source.format.as_str(), skus_source.content.as_str()),
        ("plain-csv", "skus")
    );
    assert_eq!(loaded.tenant.skus.len(), 4);
}

#[test]
fn reading_twice_gives_the_same_bytes() {
    let a = crate::common::licplan(&["inspect", "testdata/contoso", "--format", "json"]);
    let b = crate::common::licplan(&["inspect", "testdata/contoso", "--format", "json"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}
