//! Microsoft's own Graph documentation examples load (or fail clearly where the docs shortened
//! them past usefulness).

use licplan::findings::FindingCode;
use licplan::model::{AssignmentPath, GroupKind, Member, SkuId};

use crate::common::{licplan, load, testdata};

fn file(name: &str) -> std::path::PathBuf {
    testdata(&format!("real-graph/{name}"))
}

fn sku(s: &str) -> SkuId {
    SkuId::parse(s).expect("a GUID")
}

#[test]
fn subscribed_skus_list_and_single_entity() {
    let t = load(&[&file("subscribedSkus.list.response.json")]).tenant;
    assert_eq!(t.skus.len(), 2);
    let e5 = &t.skus[&sku("c7df2760-2c81-4ef7-b578-5b5392b571df")];
    assert_eq!(e5.part_number.as_deref(), Some("ENTERPRISEPREMIUM"));
    assert_eq!(e5.display_name.as_deref(), Some("Office 365 E5"));
    let seats = e5.seats.expect("seats");
    assert_eq!((seats.enabled, seats.consumed), (25, 14));

    // `GET /subscribedSkus/{id}` answers with one object, not a page.
    let t = load(&[&file("subscribedSku.get.response.json")]).tenant;
    assert_eq!(t.skus.len(), 1);
    assert_eq!(
        t.skus
            .values()
            .next()
            .and_then(|s| s.seats)
            .map(|s| s.enabled),
        Some(25)
    );
}

#[test]
fn users_with_assigned_licenses_only_have_unknown_paths() {
    let loaded = load(&[&file("users.list.filter-assignedLicenses.response.json")]);
    let t = &loaded.tenant;
    assert_eq!(t.users.len(), 2);
    for u in t.users.values() {
        assert_eq!(
            u.upn, None,
            "the example selects mail, not userPrincipalName"
        );
        assert_eq!(u.assignments.len(), 1);
        assert_eq!(u.assignments[0].path, AssignmentPath::Unknown);
    }
    assert_eq!(loaded.findings.count(FindingCode::UnknownAssignmentPath), 2);
}

#[test]
fn groups_unified_dynamic_and_licensed_with_expanded_members() {
    let t = load(&[&file("groups.list.response.json")]).tenant;
    let golf = t
        .groups
        .values()
        .find(|g| g.display_name.as_deref() == Some("Golf Assist"))
        .expect("Golf Assist");
    assert!(golf.unified);
    assert_eq!(golf.security_enabled, Some(false));
    assert_eq!(golf.kind(), GroupKind::Static);

    let t = load(&[&file("groups.list.dynamic.response.json")]).tenant;
    let g = t.groups.values().next().expect("one group");
    assert_eq!(g.kind(), GroupKind::Dynamic);
    assert!(g
        .membership_rule
        .as_deref()
        .is_some_and(|r| r.contains("\"Guest\"")));

    let loaded = load(&[&file(
        "groups.list.withLicenses.expandMembers.response.json",
    )]);
    let t = &loaded.tenant;
    assert_eq!(t.groups.len(), 2);
    let e3 = t
        .groups
        .values()
        .find(|g| {
            g.licenses
                .iter()
                .any(|l| l.sku == sku("6fd2c87f-b296-42f0-b197-1e91e994b900"))
        })
        .expect("the E3 group");
    assert_eq!(e3.user_members().count(), 2);
    let e1 = t
        .groups
        .values()
        .find(|g| {
            g.licenses
                .iter()
                .any(|l| l.sku == sku("18181a46-0d4e-45cd-891e-60aabd171b4e"))
        })
        .expect("the E1 group");
    assert_eq!(
        e1.licenses[0].disabled_plans.len(),
        1,
        "YAMMER_ENTERPRISE disabled"
    );
    assert!(e1.members.is_empty());
    // The members are not in any users export: inspect says so, and securityEnabled was not
    // selected, so licplan cannot vouch for the groups carrying licenses.
    let report = licplan::inspect::inspect(&loaded);
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&"dangling-reference"), "{codes:?}");
    assert!(codes.contains(&"non-security-group-license"), "{codes:?}");

    let t = load(&[&file(
        "groups.list.hasMembersWithLicenseErrors.response.json",
    )])
    .tenant;
    assert_eq!(t.groups.len(), 2);
}

#[test]
fn group_members_need_to_know_their_group() {
    // The real response does not say which group it lists: a clear error, not a guess.
    let out = licplan(&[
        "inspect",
        "testdata/real-graph/group.members.list.response.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("group.members.list.response.json"), "{err}");
    assert!(err.contains("field \"groupId\""), "{err}");
    assert!(err.contains("members.<group-id>.json"), "{err}");

    // The same bytes under a name carrying the group id load.
    let t = load(&[&file("members.5caf712c-8483-4b3d-8384-d8da988c0ca4.json")]).tenant;
    let g = t.groups.values().next().expect("the group");
    assert_eq!(g.id.to_string(), "5caf712c-8483-4b3d-8384-d8da988c0ca4");
    assert!(matches!(g.members[..], [Member::User(_)]));
}

#[test]
fn shortened_doc_examples_fail_with_the_missing_field_named() {
    for (name, path) in [
        (
            "users.delta.nextLink.response.json",
            "record 1 ($.value[0].id)",
        ),
        ("user.assignLicense.response.json", "record 1 ($.id)"),
    ] {
        let out = licplan(&["inspect", &format!("testdata/real-graph/{name}")]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name), "{err}");
        assert!(err.contains(path), "{name}: {err}");
        assert!(err.contains("field \"id\": is missing"), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}: no output on error");
    }
}

#[test]
fn the_real_samples_load_together() {
    let files = [
        "subscribedSkus.list.response.json",
        "users.list.filter-assignedLicenses.response.json",
        "groups.list.response.json",
        "groups.list.dynamic.response.json",
        "groups.list.withLicenses.expandMembers.response.json",
        "members.5caf712c-8483-4b3d-8384-d8da988c0ca4.json",
    ];
    let paths: Vec<_> = files.iter().map(|f| file(f)).collect();
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    let loaded = load(&refs);
    assert_eq!(loaded.sources.len(), files.len());
    assert_eq!(loaded.tenant.users.len(), 2);
}
