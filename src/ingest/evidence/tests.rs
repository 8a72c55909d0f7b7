use super::*;

fn page(file: &str, pages: u32, next: u32, count: Option<u64>, records: u64) -> PageFile {
    PageFile {
        file: file.into(),
        content: SourceContent::Users,
        group: None,
        pages,
        pages_with_next: next,
        count,
        records,
    }
}

#[test]
fn a_page_with_a_next_link_needs_a_page_after_it() {
    let complete = Reading {
        files: vec![
            page("u1.json", 1, 1, None, 2),
            page("u2.json", 1, 0, None, 2),
        ],
    };
    assert!(complete.gaps().is_empty());
    let missing = Reading {
        files: vec![page("u1.json", 1, 1, None, 2)],
    };
    let g = missing.gaps();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].file, "u1.json");
    assert!(g[0].what.contains("a page is missing"), "{}", g[0].what);
    let counted = Reading {
        files: vec![page("u1.json", 1, 0, Some(5), 2)],
    };
    assert!(counted.gaps()[0]
        .what
        .contains("says 5 record(s), only 2 read"));
    // A bare array (no wrapper) says nothing about pages.
    assert!(Reading {
        files: vec![page("u.json", 0, 0, None, 2)]
    }
    .gaps()
    .is_empty());
}

#[test]
fn check_codes_are_unique() {
    let codes: BTreeSet<&str> = Check::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes.len(), Check::ALL.len());
}

#[test]
fn a_groups_members_are_known_from_its_export_or_from_a_listing_holding_every_inheritor() {
    const A: &str = "00000000-0000-4000-8000-00000000000a";
    const B: &str = "00000000-0000-4000-8000-00000000000b";
    const S: &str = "18181a46-0d4e-45cd-891e-60aabd171b4e";
    let g = |n: u8| format!("00000000-0000-4000-8000-0000000000{n:02}");
    let state = |n: u8| {
        format!(
            r#"{{"skuId":"{S}","assignedByGroup":"{}","state":"Active"}}"#,
            g(n)
        )
    };
    let member = |id: &str| format!(r##"{{"@odata.type":"#microsoft.graph.user","id":"{id}"}}"##);
    let dir = std::env::temp_dir().join(format!("licplan-evidence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |name: &str, body: String| std::fs::write(dir.join(name), body).expect("write");
    // A inherits from groups 1, 2 and 3; B from group 2 only.
    write(
        "users.json",
        format!(
            r#"{{"value":[{{"id":"{A}","userPrincipalName":"a@contoso.com","licenseAssignmentStates":[{},{},{}]}},{{"id":"{B}","userPrincipalName":"b@contoso.com","licenseAssignmentStates":[{}]}}]}}"#,
            state(1),
            state(2),
            state(3),
            state(2)
        ),
    );
    // Group 1's members are exported; group 3 lists its member (A) in the groups export; group 2
    // is in no export (its inheritors are then members of nothing the exports hold).
    let group = |n: u8, members: &str| {
        format!(
            r#"{{"id":"{}","displayName":"G{n}","securityEnabled":true,"assignedLicenses":[{{"skuId":"{S}","disabledPlans":[]}}]{members}}}"#,
            g(n)
        )
    };
    let listed = format!(r#","members":[{}]"#, member(A));
    write(
        "groups.json",
        format!(r#"{{"value":[{},{}]}}"#, group(1, ""), group(3, &listed)),
    );
    write(
        &format!("members.{}.json", g(1)),
        format!(r#"{{"value":[{}]}}"#, member(A)),
    );
    let loaded = crate::ingest::load(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).expect("clean up");
    let loaded = loaded.unwrap_or_else(|e| panic!("{e:?}"));
    let e = Evidence::of(&loaded);
    let id = |n: u8| GroupId::from_uuid(uuid::Uuid::parse_str(&g(n)).expect("guid"));
    assert!(e.members_known(id(1)), "exported");
    assert!(
        !e.members_known(id(2)),
        "A and B inherit from a group no export lists"
    );
    assert!(e.members_known(id(3)), "every inheritor listed");
    // A group nobody inherits from and no export names: known when every path is exported.
    assert!(e.members_known(id(9)));
}
