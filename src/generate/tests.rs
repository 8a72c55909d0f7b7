use super::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::model::{AssignmentError, GroupKind, Member, Tenant};

fn opts(users: u64, seed: u64, format: GenFormat) -> GenerateOptions {
    GenerateOptions {
        users,
        seed,
        format,
    }
}

/// FNV-1a of every file, by name.
fn digest(dir: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.file_name() == Some(std::ffi::OsStr::new(folder::MARKER)) {
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        out.insert(name, h);
    }
    out
}

const ALL: [GenFormat; 3] = [GenFormat::Graph, GenFormat::PowerShell, GenFormat::Csv];

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for f in ALL {
        let a = tmp.path().join(format!("{}-a", f.as_str()));
        let b = tmp.path().join(format!("{}-b", f.as_str()));
        let c = tmp.path().join(format!("{}-c", f.as_str()));
        let sa = generate(&opts(2_000, 42, f), &a).expect("a");
        let sb = generate(&opts(2_000, 42, f), &b).expect("b");
        generate(&opts(2_000, 43, f), &c).expect("c");
        let (da, db, dc) = (digest(&a), digest(&b), digest(&c));
        assert_eq!(da, db, "{f:?}: same seed, different bytes");
        assert_eq!(sa.files, da.keys().cloned().collect::<Vec<_>>());
        assert_eq!(sa.files, sb.files);
        assert_ne!(da, dc, "{f:?}: another seed, same bytes");
    }
}

fn dup_proxies(t: &Tenant) -> usize {
    let mut owners: BTreeMap<String, BTreeSet<_>> = BTreeMap::new();
    for u in t.users.values() {
        for p in &u.proxy_addresses {
            let addr = p.split_once(':').map_or(p.as_str(), |(_, a)| a);
            owners.entry(addr.to_lowercase()).or_default().insert(u.id);
        }
    }
    owners.values().filter(|o| o.len() > 1).count()
}

#[test]
fn the_three_formats_load_to_the_same_tenant() {
    let n = 2_000u64;
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut tenants = Vec::new();
    for f in ALL {
        let dir = tmp.path().join(f.as_str());
        let summary = generate(&opts(n, 7, f), &dir).expect("generate");
        let loaded = crate::ingest::load(&[dir]).expect("loads");
        let formats: BTreeSet<&str> = loaded.sources.iter().map(|s| s.format.as_str()).collect();
        let want = match f {
            GenFormat::Graph => "graph-rest",
            GenFormat::PowerShell => "graph-powershell",
            GenFormat::Csv => "plain-csv",
        };
        assert_eq!(formats, BTreeSet::from([want]), "{f:?}");
        assert_eq!(loaded.tenant.users.len() as u64, n);
        assert_eq!(loaded.tenant.groups.len() as u64, summary.groups);
        // Seats as the summary says, and as the users hold them.
        for (part, enabled, consumed) in &summary.skus {
            let sku = loaded
                .tenant
                .skus
                .values()
                .find(|s| s.part_number.as_deref() == Some(part.as_str()))
                .expect("sku");
            let seats = sku.seats.expect("seats");
            assert_eq!((seats.enabled, seats.consumed), (*enabled, *consumed));
        }
        tenants.push(loaded.tenant);
    }
    // The organization's name and domains are read from JSON only (for --redact).
    assert!(!tenants[0].organization.is_empty());
    assert!(tenants[0].organization == tenants[1].organization);
    tenants[2].organization = tenants[0].organization.clone();
    // Nor has licplan's CSV a column for a group's licenseProcessingState.
    let states: Vec<_> = tenants[0]
        .groups
        .iter()
        .map(|(id, g)| (*id, g.license_processing.clone()))
        .collect();
    for (id, state) in states {
        if let Some(g) = tenants[2].groups.get_mut(&id) {
            g.license_processing = state;
        }
    }
    for (id, g) in &tenants[0].groups {
        assert_eq!(Some(g), tenants[1].groups.get(id), "group {id}");
    }
    assert!(tenants[0] == tenants[1], "Graph and PowerShell differ");
    assert!(tenants[0] == tenants[2], "Graph and CSV differ");
    check_tenant(&tenants[0], n);
}

fn check_tenant(t: &Tenant, n: u64) {
    assert_eq!(
        t.default_usage_location.as_ref().map(|c| c.as_str()),
        Some("US")
    );
    assert_eq!(t.skus.len(), 5);

    // ~1% without usage location, none of them with a direct license.
    let no_loc: Vec<_> = t
        .users
        .values()
        .filter(|u| u.usage_location.is_none())
        .collect();
    assert_eq!(no_loc.len() as u64, n / 100);
    assert!(no_loc.iter().all(|u| u
        .assignments
        .iter()
        .all(|a| a.path != crate::model::AssignmentPath::Direct)));

    assert!(dup_proxies(t) >= 1, "no duplicate proxy address");

    let errors: BTreeSet<AssignmentError> = t
        .users
        .values()
        .flat_map(|u| u.assignments.iter().filter_map(|a| a.error))
        .collect();
    assert!(errors.contains(&AssignmentError::CountViolation));
    assert!(errors.contains(&AssignmentError::MutuallyExclusiveViolation));
    for u in t.users.values() {
        for a in u.assignments.iter().filter(|a| a.error.is_some()) {
            assert!(
                matches!(a.path, crate::model::AssignmentPath::Group(_)),
                "error on a direct path"
            );
        }
    }

    // Seats: consumed = holders through a path without error; never above enabled.
    for sku in t.skus.values() {
        let seats = sku.seats.expect("seats");
        let holders = t
            .users
            .values()
            .filter(|u| {
                u.assignments
                    .iter()
                    .any(|a| a.sku == sku.id && a.error.is_none())
            })
            .count() as u32;
        assert_eq!(seats.consumed, holders, "{:?}", sku.part_number);
        assert!(seats.consumed <= seats.enabled, "{:?}", sku.part_number);
    }

    // Every inherited path is backed by membership of a licensed group, and back.
    let mut paths = 0usize;
    for u in t.users.values() {
        for a in &u.assignments {
            if let crate::model::AssignmentPath::Group(g) = a.path {
                let g = t.groups.get(&g).expect("group");
                assert!(g.members.contains(&Member::User(u.id)));
                assert!(g.licenses.iter().any(|l| l.sku == a.sku));
                paths += 1;
            }
        }
    }
    let memberships: usize = t
        .groups
        .values()
        .filter(|g| g.is_licensed())
        .map(|g| g.user_members().count())
        .sum();
    assert_eq!(paths, memberships);

    // Group sizes and kinds.
    let licensed_static: Vec<usize> = t
        .groups
        .values()
        .filter(|g| g.is_licensed() && g.kind() == GroupKind::Static)
        .map(|g| g.user_members().count())
        .collect();
    let largest = licensed_static.iter().copied().max().unwrap_or(0) as u64;
    assert!(
        largest * 10 >= n * 4,
        "largest group {largest} < 40% of {n}"
    );
    assert!(
        licensed_static.iter().all(|&s| s >= 10),
        "{licensed_static:?}"
    );
    let kinds = |k: GroupKind| t.groups.values().filter(|g| g.kind() == k).count();
    assert_eq!(kinds(GroupKind::Dynamic), 1);
    assert_eq!(kinds(GroupKind::Synced), 1);
    let nested: Vec<_> = t
        .groups
        .values()
        .flat_map(|g| g.members.iter())
        .filter(|m| matches!(m, Member::Group(_)))
        .collect();
    assert_eq!(nested.len(), 1);
    let unified: Vec<_> = t.groups.values().filter(|g| g.unified).collect();
    assert_eq!(unified.len(), 1);
    assert!(!unified[0].is_licensed() && unified[0].security_enabled == Some(false));

    // The product mix.
    let holding = |part: &str| {
        let id = t
            .skus
            .values()
            .find(|s| s.part_number.as_deref() == Some(part))
            .map(|s| s.id);
        t.users
            .values()
            .filter(|u| u.assignments.iter().any(|a| Some(a.sku) == id))
            .count() as u64
    };
    let e1 = holding("STANDARDPACK");
    assert!(e1 >= n * 60 / 100 && e1 <= n * 61 / 100, "E1 {e1}");
    let unlicensed = t
        .users
        .values()
        .filter(|u| u.assignments.is_empty())
        .count() as u64;
    assert!(unlicensed <= n * 2 / 100, "unlicensed {unlicensed}");
}

#[test]
fn folders_with_other_files_are_refused_and_own_files_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("t");
    // A larger Graph tenant, then a smaller CSV one in the same folder: no stale pages.
    generate(&opts(2_500, 1, GenFormat::Graph), &dir).expect("graph");
    let s = generate(&opts(30, 1, GenFormat::Csv), &dir).expect("csv over graph");
    let now: Vec<String> = digest(&dir).into_keys().collect();
    assert_eq!(now, s.files);
    assert_eq!(
        crate::ingest::load(std::slice::from_ref(&dir))
            .expect("loads")
            .tenant
            .users
            .len(),
        30
    );

    std::fs::write(dir.join("notes.txt"), "mine").expect("write");
    let err = generate(&opts(30, 1, GenFormat::Csv), &dir).expect_err("refused");
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("notes.txt"));
    assert!(dir.join("users.csv").exists(), "nothing deleted on refusal");

    // Real exports that merely share the names are refused and left alone.
    let real = tmp.path().join("real");
    std::fs::create_dir_all(&real).expect("mkdir");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/contoso-csv");
    for e in std::fs::read_dir(&sample).expect("sample") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, real.join(p.file_name().expect("name"))).expect("copy");
    }
    let before = digest(&real);
    assert!(before.keys().all(|n| is_generated_name(n)));
    let err = generate(&opts(30, 1, GenFormat::Csv), &real).expect_err("refused");
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(digest(&real), before, "a real export was touched");

    // A listed file that changed since it was written is kept, and the folder refused.
    std::fs::remove_file(dir.join("notes.txt")).expect("rm");
    std::fs::write(dir.join("users.csv"), "edited by hand").expect("write");
    let err = generate(&opts(30, 1, GenFormat::Csv), &dir).expect_err("changed");
    assert!(err.to_string().contains("users.csv"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("users.csv")).expect("kept"),
        "edited by hand"
    );

    // A run stopped half-way leaves files its marker lists as being written: accepted while
    // they hold what it wrote, refused once anything else is there.
    let stopped = tmp.path().join("stopped");
    generate(&opts(0, 1, GenFormat::Graph), &stopped).expect("empty run");
    for e in std::fs::read_dir(&stopped).expect("dir") {
        let p = e.expect("entry").path();
        if p.file_name() != Some(std::ffi::OsStr::new(folder::MARKER)) {
            std::fs::remove_file(p).expect("rm");
        }
    }
    folder::prepare(&stopped).expect("restart");
    {
        let mut w =
            BufWriter::with_capacity(8, folder::create(&stopped, "users.json").expect("create"));
        std::io::Write::write_all(&mut w, b"[{\"id\": 1}, {\"id\": 2}").expect("write");
    }
    generate(&opts(30, 1, GenFormat::Graph), &stopped).expect("over a stopped run");
    folder::prepare(&stopped).expect("restart");
    drop(folder::create(&stopped, "users.json").expect("create"));
    std::fs::write(stopped.join("users.json"), "a real export").expect("write");
    let err = generate(&opts(30, 1, GenFormat::Graph), &stopped).expect_err("overwritten");
    assert!(err.to_string().contains("users.json"), "{err}");
    assert_eq!(
        std::fs::read_to_string(stopped.join("users.json")).expect("kept"),
        "a real export"
    );

    // A folder without a marker is refused, even if it holds only generated-looking names.
    let old = tmp.path().join("old");
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::write(old.join("users.page0001.json"), "").expect("write");
    generate(&opts(30, 1, GenFormat::Graph), &old).expect_err("no marker");
    assert!(old.join("users.page0001.json").exists());

    let sub = tmp.path().join("sub");
    std::fs::create_dir_all(sub.join("inner")).expect("mkdir");
    assert!(generate(&opts(5, 1, GenFormat::Csv), &sub).is_err());
}

#[test]
fn generated_names() {
    for ok in [
        "users.page0001.json",
        "users.page12345.json",
        "members.9e4d45f4-8663-5464-94a1-fcc291dbce9a.json",
        "members.9e4d45f4-8663-5464-94a1-fcc291dbce9a.page0002.json",
        "subscribedSkus.json",
        "group-licenses.csv",
    ] {
        assert!(is_generated_name(ok), "{ok}");
    }
    for bad in [
        "users.page1.json",
        "members.9E4D45F4-8663-5464-94A1-FCC291DBCE9A.json",
        "members.x.json",
        "users.page0001.json.bak",
        "README.md",
        "members.9e4d45f4-8663-5464-94a1-fcc291dbce9a.page1.json",
    ] {
        assert!(!is_generated_name(bad), "{bad}");
    }
}

#[test]
fn graph_pages_and_progress() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("g");
    let mut seen = Vec::new();
    let s = generate_with_progress(&opts(25_000, 3, GenFormat::Graph), &dir, &mut |n| {
        seen.push(n)
    })
    .expect("generate");
    assert_eq!(seen, [10_000, 20_000, 25_000]);
    // 25,000 users: 26 pages, the last without a next link.
    let pages: Vec<&String> = s.files.iter().filter(|f| f.starts_with("users.")).collect();
    assert_eq!(pages.len(), 26);
    let last = std::fs::read_to_string(dir.join("users.page0026.json")).expect("last");
    assert!(!last.contains("@odata.nextLink"));
    let first = std::fs::read_to_string(dir.join("users.page0001.json")).expect("first");
    assert!(first.contains("@odata.nextLink"));
    // The largest group (10,000 members) is paged too.
    assert!(s
        .files
        .iter()
        .any(|f| f.ends_with(".page0011.json") && f.starts_with("members.")));
    let loaded = crate::ingest::load(&[PathBuf::from(&dir)]).expect("loads");
    let largest = loaded
        .tenant
        .groups
        .values()
        .map(|g| g.user_members().count())
        .max()
        .unwrap_or(0);
    assert_eq!(largest, 10_000);
}

#[test]
fn format_names_parse() {
    for f in ALL {
        assert_eq!(GenFormat::parse(f.as_str()), Some(f));
    }
    assert_eq!(GenFormat::parse("PowerShell"), Some(GenFormat::PowerShell));
    assert_eq!(GenFormat::parse("yaml"), None);
}
