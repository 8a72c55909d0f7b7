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
