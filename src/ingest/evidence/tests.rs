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
