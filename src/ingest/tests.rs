use super::*;

/// What a load gives, as text: the tenant, the sources and findings, or the errors.
fn outcome(paths: &[PathBuf], threads: usize) -> String {
    match load_on(paths, &mut crate::progress::Silent, threads) {
        Ok(l) => format!("{:?}\n{:?}\n{:?}", l.tenant, l.sources, l.findings.to_vec()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn reading_on_several_threads_gives_what_reading_in_order_gives() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let dirs = [
        "contoso",
        "contoso-csv",
        "contoso-admin",
        "contoso-powershell",
        "real-graph",
        "bad/organization-contradiction",
        "bad/many",
        "bad/recoverable",
    ];
    for d in dirs {
        let paths = vec![root.join(d)];
        let one = outcome(&paths, 1);
        assert!(one.len() > 100, "{d}: {one}");
        for threads in [2, 5] {
            assert_eq!(one, outcome(&paths, threads), "{d} on {threads} threads");
        }
    }
}

#[test]
fn a_record_repeated_in_a_later_file_is_found_there_whichever_thread_reads_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let user = |upn: &str| {
        format!(
            "{{\"value\": [\n{{\"id\":\"11111111-1111-1111-1111-111111111111\",\"userPrincipalName\":\"{upn}\",\"assignedLicenses\":[]}}\n]}}"
        )
    };
    // The same record twice: a finding, the first kept.
    for name in ["a.json", "b.json"] {
        std::fs::write(dir.path().join(name), user("first@x.test")).expect("write");
    }
    for threads in [1, 2] {
        let loaded = load_on(
            &[dir.path().to_path_buf()],
            &mut crate::progress::Silent,
            threads,
        )
        .expect("loads");
        let u = loaded.tenant.users.values().next().expect("one user");
        assert_eq!(u.upn.as_deref(), Some("first@x.test"), "{threads} threads");
        let dup = loaded
            .findings
            .to_vec()
            .into_iter()
            .find(|f| f.code == "duplicate-record")
            .expect("duplicate found");
        assert_eq!(dup.count, 1);
        assert!(dup.examples[0].contains("b.json:1"), "{:?}", dup.examples);
    }
    // Two records that disagree: an error naming both places.
    std::fs::write(dir.path().join("b.json"), user("second@x.test")).expect("write");
    for threads in [1, 2] {
        let e = load_on(
            &[dir.path().to_path_buf()],
            &mut crate::progress::Silent,
            threads,
        )
        .expect_err("refused")
        .to_string();
        assert!(
            e.contains("b.json: record 1 ($.value[0]): user 11111111-1111-1111-1111-111111111111 is also at ")
                && e.contains("a.json: record 1 ($.value[0]), with different content (userPrincipalName)"),
            "{threads} threads: {e}"
        );
    }
}

/// The groups of one export text, by id.
fn groups_of(text: &str) -> Vec<crate::model::Group> {
    let loaded = load_bytes("groups.json", text.as_bytes()).expect("loads");
    loaded.tenant.groups.values().cloned().collect()
}

#[test]
fn unique_name_and_license_processing_state_are_read_in_graph_and_powershell_spellings() {
    use crate::model::LicenseProcessing as P;
    // Graph REST: camelCase, the state in an object.
    let graph = groups_of(
        r#"{"value": [{"id":"11111111-1111-1111-1111-111111111111","displayName":"G","securityEnabled":true,
            "uniqueName":"licplan-g-1","licenseProcessingState":{"state":"QueuedForProcessing"}}]}"#,
    );
    assert_eq!(graph[0].unique_name.as_deref(), Some("licplan-g-1"));
    assert_eq!(graph[0].license_processing, Some(P::QueuedForProcessing));
    // Graph PowerShell: PascalCase, `State`, uniqueName in AdditionalProperties.
    let ps = groups_of(
        r#"[{"Id":"11111111-1111-1111-1111-111111111111","DisplayName":"G","SecurityEnabled":true,
            "LicenseProcessingState":{"State":"ProcessingComplete"},
            "AdditionalProperties":{"uniqueName":"licplan-g-1"}}]"#,
    );
    assert_eq!(ps[0].unique_name.as_deref(), Some("licplan-g-1"));
    assert_eq!(ps[0].license_processing, Some(P::ProcessingComplete));
    // A flattened export's bare string; absent and null fields stay unknown.
    let flat = groups_of(
        r#"{"value": [{"id":"11111111-1111-1111-1111-111111111111","securityEnabled":true,
            "licenseProcessingState":"ProcessingInProgress"},
            {"id":"22222222-2222-2222-2222-222222222222","securityEnabled":true,"uniqueName":null,
            "licenseProcessingState":null}]}"#,
    );
    assert_eq!(flat[0].license_processing, Some(P::ProcessingInProgress));
    assert_eq!(flat[1].license_processing, None);
    assert_eq!(flat[1].unique_name, None);
}

#[test]
fn a_license_processing_state_of_the_wrong_type_is_an_error_naming_the_field() {
    let e = load_bytes(
        "groups.json",
        br#"{"value": [{"id":"11111111-1111-1111-1111-111111111111","securityEnabled":true,"licenseProcessingState":[1]}]}"#,
    )
    .expect_err("refused")
    .to_string();
    assert!(
        e.contains("licenseProcessingState") && e.contains("expected an object"),
        "{e}"
    );
}

#[test]
fn groups_state_fields_do_not_grow_users_or_assignments() {
    // A million-user tenant pays per user and per assignment, not per group.
    // Sizes before verify's additions (and after: they gained nothing).
    assert_eq!(std::mem::size_of::<crate::model::Assignment>(), 56);
    assert_eq!(std::mem::size_of::<crate::model::User>(), USER_SIZE);
}

const USER_SIZE: usize = 120;
