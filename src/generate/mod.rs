//! Deterministic generator of realistic large tenants, for benchmarks and tests.
//!
//! [`generate`] writes a tenant of any size (10^5–10^6 users is what it is for) in one of the
//! export formats licplan reads, so `licplan::ingest::load` reads it back. The same options give
//! the same bytes on every run and platform: everything comes from one seeded ChaCha8 stream and
//! uuid v5 names, and nothing depends on time, hashing order or the file system.
//!
//! # The tenant
//!
//! "Fabrikam" (`fabrikam.edu`, organization usage location US) subscribes to five products:
//! STANDARDPACK (Office 365 E1), ENTERPRISEPACK (E3), ENTERPRISEPREMIUM (E5), the
//! WORKPLACE_ANALYTICS add-on and FLOW_FREE, with the bundled catalog's service plans.
//!
//! - **Users**: ~60% E1, ~30% E3, ~8% E5, ~2% unlicensed (exact counts, rounded). Each licensed
//!   user holds its product directly only, inherited only, or both (dual assignment: E1 25% /
//!   60% / 15%, E3 40% / 45% / 15%, E5 30% / 55% / 15%). Direct E1 licenses disable one of a
//!   handful of common plan sets (none, YAMMER_ENTERPRISE, SWAY + FORMS_PLAN_E1, TEAMS1, …).
//!   ~10% of E3 users also hold WORKPLACE_ANALYTICS directly, ~1% of users FLOW_FREE directly,
//!   ~2% have a disabled account.
//! - **Usage locations**: US, GB, DE, FR, CA, NL, AU, IN, JP, ES, IT; 1% of users have none
//!   (all of them inherit-only or unlicensed: Graph refuses a direct license without one).
//! - **Proxy addresses**: `SMTP:<upn>` and `smtp:<alias>@fabrikam.onmicrosoft.com`; in
//!   `2 + users/100,000` pairs of users, the second keeps a stale `smtp:` alias of the first one's
//!   `SMTP:` primary address in other letter case (a duplicate proxy address).
//! - **Errors** on inherited paths (they take no seat): `2 + users/40,000` E1 holders sit in an
//!   E3 group (`MutuallyExclusiveViolation`: Exchange Online Plan 1 and Plan 2), as many E3
//!   holders in an E5 group (`CountViolation`).
//! - **Groups**: licensed static security groups from 10 members up to the largest,
//!   `LIC-O365-E1-AllStaff`, with min(200,000, 40% of users); the other inheritors fill
//!   halving ladders of E1, E3 and E5 groups. Among them `SYNC-LIC-O365-E1-Campus` is synced from
//!   on-premises; `DYN-Marketing` is dynamic and assigns FLOW_FREE to ~4% of users; `Visiting
//!   Scholars` (E1 holders, unlicensed) is nested in `LIC-O365-E3-Faculty`; `Project Phoenix` is
//!   an unlicensed Microsoft 365 group.
//! - **Seats**: consumed = the users holding a product through at least one path without error
//!   (one seat however many paths); enabled = consumed + spare: 5% (E1), 4% (E3), 10%
//!   (WORKPLACE_ANALYTICS), little (E5: 1 + 0.1%), and FLOW_FREE's 10,000 (or the next 10,000 up).
//!
//! # The files
//!
//! | format | files |
//! |---|---|
//! | [`GenFormat::Graph`] | `users.page0001.json`… (Graph's page wrapper, ≤ 999 users a page, `@odata.nextLink` on all but the last), `groups.json`, `members.<group-id>.json` (or `members.<group-id>.page0001.json`… past 999 members), `subscribedSkus.json`, `organization.json`; two-space indents, LF |
//! | [`GenFormat::PowerShell`] | `users.json`, `groups.json`, `members.json` (every group's members, each with `GroupId`), `skus.json`, `organization.json` (one object): `ConvertTo-Json -Depth 10` layout with PascalCase keys, `"AdditionalProperties": {}`, `"Key":  value`, CRLF, UTF-8 without BOM |
//! | [`GenFormat::Csv`] | `users.csv`, `groups.csv`, `group-licenses.csv`, `memberships.csv`, `assignments.csv`, `skus.csv`, `organization.csv` (users by UPN, groups by name, products by part number, plans by name; LF) |
//!
//! The three formats of the same options load to the same [`crate::model::Tenant`].
//!
//! # The output folder
//!
//! `out` is created if missing. An existing folder is accepted when it is empty, or when its
//! marker file `.licplan-generate` shows an earlier run of this generator wrote everything in
//! it (see [`folder`]): the files that marker lists are deleted before writing, so the folder
//! then holds exactly one tenant (no stale pages of a larger earlier run, which the loader would
//! read too), and nothing else is ever deleted or replaced. Any other folder is refused with
//! `ErrorKind::AlreadyExists` and left untouched: one holding a file or folder that no marker
//! lists (the error names it), a listed file changed since it was written, and real exports
//! whose names merely match the generator's.
//!
//! # Streaming
//!
//! Users are written as they are drawn, through buffered writers; what is kept is the design
//! (a few dozen groups) and each group's member indices (4 bytes per membership, ~0.8 per user),
//! from which the member files are written at the end. Names and ids are functions of a user's
//! index, so nothing else about a user is stored.

mod blueprint;
mod csvout;
pub mod folder;
mod jsonout;
mod names;

use std::io::{self, BufWriter};
use std::path::Path;

use blueprint::{Blueprint, GenUser, Roster, UserGen};

/// The export format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenFormat {
    /// Microsoft Graph REST JSON, paged.
    Graph,
    /// Microsoft Graph PowerShell SDK objects through `ConvertTo-Json -Depth 10`.
    PowerShell,
    /// licplan's plain CSV.
    Csv,
}

impl GenFormat {
    /// `graph`, `powershell` or `csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            GenFormat::Graph => "graph",
            GenFormat::PowerShell => "powershell",
            GenFormat::Csv => "csv",
        }
    }

    /// Parses `graph`, `powershell` or `csv` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        [GenFormat::Graph, GenFormat::PowerShell, GenFormat::Csv]
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub users: u64,
    pub seed: u64,
    pub format: GenFormat,
}

/// What was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GenerateSummary {
    pub users: u64,
    pub groups: u64,
    /// File names inside the output folder, sorted.
    pub files: Vec<String>,
    /// Part number, enabled seats, consumed seats; in the order E1, E3, E5,
    /// WORKPLACE_ANALYTICS, FLOW_FREE.
    pub skus: Vec<(String, u32, u32)>,
}

/// How often the progress callback hears of users written.
const PROGRESS_EVERY: u64 = 10_000;

/// Writes a tenant into `out`. See the [module documentation](self) for the tenant, the files,
/// and which existing folders are accepted (a folder holding anything but this generator's
/// files is refused with `ErrorKind::AlreadyExists`). Same options → same bytes.
pub fn generate(opts: &GenerateOptions, out: &Path) -> io::Result<GenerateSummary> {
    generate_with_progress(opts, out, &mut |_| {})
}

/// [`generate`], calling `progress` with the number of users written every 10,000 users and
/// once at the end.
pub fn generate_with_progress(
    opts: &GenerateOptions,
    out: &Path,
    progress: &mut dyn FnMut(u64),
) -> io::Result<GenerateSummary> {
    let bp = Blueprint::new(opts.seed, opts.users)?;
    folder::prepare(out)?;
    let mut sink: Box<dyn Sink + '_> = match opts.format {
        GenFormat::Graph => Box::new(jsonout::RestSink::new(out, opts.users)),
        GenFormat::PowerShell => Box::new(jsonout::PowerShellSink::new(out)),
        GenFormat::Csv => Box::new(csvout::CsvSink::new(out)),
    };
    let (mut gen, mut roster) = UserGen::new(&bp);
    let mut user = GenUser::default();
    for i in 1..=opts.users {
        gen.next_user(&bp, &mut roster, &mut user);
        sink.user(&bp, &user)?;
        if i % PROGRESS_EVERY == 0 && i != opts.users {
            progress(i);
        }
    }
    let mut files = sink.finish(&bp, &roster)?;
    files.sort();
    folder::seal(out, &files)?;
    progress(opts.users);
    let skus = bp
        .seats(&roster)
        .into_iter()
        .filter_map(|(s, enabled, consumed)| {
            bp.skus
                .get(s)
                .map(|k| (k.part_number.clone(), enabled, consumed))
        })
        .collect();
    Ok(GenerateSummary {
        users: opts.users,
        groups: bp.groups.len() as u64,
        files,
        skus,
    })
}

/// A file being written: buffered, each chunk announced in the folder's marker (see [`folder`]).
type Out = BufWriter<folder::Written>;

/// A format's writer: users as they come, the rest at the end.
trait Sink {
    fn user(&mut self, bp: &Blueprint, u: &GenUser) -> io::Result<()>;
    /// Writes everything else and returns the names of the files written.
    fn finish(self: Box<Self>, bp: &Blueprint, roster: &Roster) -> io::Result<Vec<String>>;
}

/// Creates `dir/name` (where nothing is) for buffered writing and records its name, in `files`
/// and in the folder's marker.
fn create(dir: &Path, name: &str, files: &mut Vec<String>) -> io::Result<Out> {
    let f = folder::create(dir, name)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {name}: {e}")))?;
    files.push(name.to_owned());
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// Whether a file name is one this generator writes (in any format).
fn is_generated_name(name: &str) -> bool {
    const FIXED: &[&str] = &[
        "users.json",
        "groups.json",
        "members.json",
        "subscribedSkus.json",
        "skus.json",
        "organization.json",
        "users.csv",
        "groups.csv",
        "group-licenses.csv",
        "memberships.csv",
        "assignments.csv",
        "skus.csv",
        "organization.csv",
    ];
    let page = |s: &str| {
        s.strip_prefix(".page")
            .is_some_and(|d| d.len() >= 4 && d.bytes().all(|b| b.is_ascii_digit()))
    };
    if FIXED.contains(&name) {
        return true;
    }
    if let Some(rest) = name
        .strip_prefix("users")
        .and_then(|r| r.strip_suffix(".json"))
    {
        return page(rest);
    }
    if let Some(rest) = name
        .strip_prefix("members.")
        .and_then(|r| r.strip_suffix(".json"))
    {
        if rest.len() < 36 || !rest.is_char_boundary(36) {
            return false;
        }
        let (guid, tail) = rest.split_at(36);
        let lower_guid =
            uuid::Uuid::try_parse(guid).is_ok_and(|u| u.hyphenated().to_string() == guid);
        return lower_guid && (tail.is_empty() || page(tail));
    }
    false
}

#[cfg(test)]
mod tests {
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
            let formats: BTreeSet<&str> =
                loaded.sources.iter().map(|s| s.format.as_str()).collect();
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
            let mut w = BufWriter::with_capacity(
                8,
                folder::create(&stopped, "users.json").expect("create"),
            );
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
}
