//! Output safety through the binary: an output never replaces an input (however it is spelt or
//! linked), never lands in a tenant folder, follows symbolic links, writes FIFOs directly,
//! refuses read-only files and folders, leaves no temporary file (signals included); `generate`
//! deletes only what it wrote; a closed pipe ends every command quietly.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{root, testdata};

/// A temporary folder holding `t/` (a copy of testdata/contoso), `i.yaml` (plans/e1-to-e3.yaml),
/// `r.yaml` (a rules file) and `iu.yaml`, an intent moving the users of `list.txt`.
fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let t = tmp.path().join("t");
    std::fs::create_dir(&t).expect("mkdir t");
    for e in std::fs::read_dir(testdata("contoso")).expect("contoso") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, t.join(p.file_name().expect("name"))).expect("copy");
    }
    std::fs::copy(
        root().join("plans/e1-to-e3.yaml"),
        tmp.path().join("i.yaml"),
    )
    .expect("copy");
    std::fs::write(tmp.path().join("r.yaml"), "version: 1\n").expect("rules");
    std::fs::write(
        tmp.path().join("iu.yaml"),
        "name: listed users\nmoves:\n  - {from: STANDARDPACK, to: ENTERPRISEPACK, group: LIC-O365-E3, scope: \"users:list.txt\"}\n",
    )
    .expect("intent");
    std::fs::write(tmp.path().join("list.txt"), "dana.whitfield@contoso.com\n").expect("list");
    tmp
}

/// Runs licplan in `dir`.
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_licplan"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the licplan binary runs")
}

/// What is on disk under `dir`: each file's bytes, each link's target, each folder; FIFOs as
/// such (never opened).
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(base).expect("under base").to_path_buf();
            let m = std::fs::symlink_metadata(&p).expect("metadata");
            let what = if m.file_type().is_symlink() {
                format!(
                    "link to {}",
                    std::fs::read_link(&p).expect("link").display()
                )
            } else if m.is_dir() {
                walk(base, &p, out);
                "folder".to_owned()
            } else if m.is_file() {
                format!(
                    "{:o} {}",
                    m.permissions().mode() & 0o777,
                    String::from_utf8_lossy(&std::fs::read(&p).expect("read"))
                )
            } else {
                "special".to_owned()
            };
            out.insert(rel, what);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// No temporary file anywhere under `dir`.
#[track_caller]
fn no_temp_files(dir: &Path) {
    let temps: Vec<_> = tree(dir)
        .into_keys()
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(".tmp") || n.starts_with(".licplan-") && n.ends_with(".tmp")
            })
        })
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

/// Runs `args` in `dir` and checks it is refused: exit 1, nothing on stdout, stderr naming each
/// of `names`, and nothing on disk changed (no temporary file either).
#[track_caller]
fn refused(dir: &Path, args: &[&str], names: &[&str]) -> String {
    let before = tree(dir);
    let out = run(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: wrote to stdout");
    for n in names {
        assert!(
            stderr.contains(n),
            "{args:?}: stderr does not name {n:?}: {stderr}"
        );
    }
    assert_eq!(tree(dir), before, "{args:?} changed the files");
    stderr
}

fn plan_args<'a>(tenant: &'a str, output: &'a str) -> Vec<&'a str> {
    vec!["plan", tenant, "--intent", "i.yaml", "--output", output]
}

#[test]
fn outputs_over_a_tenant_export_are_refused_however_spelt() {
    let tmp = fixture();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("sub")).expect("sub");
    std::os::unix::fs::symlink("t/users.page1.json", dir.join("link.json")).expect("symlink");
    std::os::unix::fs::symlink("link.json", dir.join("link2.json")).expect("symlink");
    std::fs::hard_link(dir.join("t/groups.json"), dir.join("hard.json")).expect("hard link");
    std::os::unix::fs::symlink("t", dir.join("tl")).expect("folder link");
    let abs_t = dir.join("t").display().to_string();
    let abs_out = dir.join("t/users.page1.json").display().to_string();
    for tenant in ["t", "./t/", abs_t.as_str(), "tl", "sub/../t"] {
        for output in [
            abs_out.as_str(),
            "./t/users.page1.json",
            "t/users.page1.json",
            "sub/../t/users.page1.json",
            "tl/users.page1.json",
            ".//t/./users.page1.json",
        ] {
            let err = refused(
                dir,
                &plan_args(tenant, output),
                &[output, "users.page1.json"],
            );
            assert!(err.contains("will not write"), "{err}");
        }
        let err = refused(
            dir,
            &plan_args(tenant, "link.json"),
            &["link.json", "users.page1.json"],
        );
        assert!(err.contains("tenant export"), "{err}");
        refused(
            dir,
            &plan_args(tenant, "link2.json"),
            &["link2.json", "users.page1.json"],
        );
        let err = refused(
            dir,
            &plan_args(tenant, "hard.json"),
            &["hard.json", "groups.json"],
        );
        assert!(err.contains("hard link"), "{err}");
    }
    // A tenant given as files: each is an input.
    refused(
        dir,
        &[
            "plan",
            "t/users.page1.json",
            "t/users.page2.json",
            "--intent",
            "i.yaml",
            "--output",
            "./t/users.page2.json",
        ],
        &["users.page2.json"],
    );
}

#[test]
fn outputs_over_the_intent_rules_and_users_list_are_refused() {
    let tmp = fixture();
    let dir = tmp.path();
    std::os::unix::fs::symlink("i.yaml", dir.join("intent-link.yaml")).expect("symlink");
    let abs_intent = dir.join("i.yaml").display().to_string();
    for output in [
        "i.yaml",
        "./i.yaml",
        "t/../i.yaml",
        &abs_intent,
        "intent-link.yaml",
    ] {
        let err = refused(dir, &plan_args("t", output), &[output, "i.yaml"]);
        assert!(err.contains("the intent"), "{err}");
    }
    let err = refused(
        dir,
        &[
            "plan", "t", "--intent", "i.yaml", "--rules", "r.yaml", "--output", "./r.yaml",
        ],
        &["./r.yaml", "r.yaml"],
    );
    assert!(err.contains("rules"), "{err}");
    // The users list is known once the intent is read; it is refused all the same.
    let err = refused(
        dir,
        &["plan", "t", "--intent", "iu.yaml", "--output", "list.txt"],
        &["list.txt"],
    );
    assert!(err.contains("users list"), "{err}");
    // The same intent with another output plans (the list is a valid one).
    let ok = run(
        dir,
        &["plan", "t", "--intent", "iu.yaml", "--output", "plan.yaml"],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(dir.join("plan.yaml").is_file());
}

#[test]
fn outputs_inside_a_tenant_folder_are_refused() {
    let tmp = fixture();
    let dir = tmp.path();
    std::os::unix::fs::symlink("t", dir.join("tl")).expect("folder link");
    let abs = dir.join("t/plan.json").display().to_string();
    for tenant in ["t", "tl"] {
        for output in [abs.as_str(), "t/plan.json", "./t/plan.json", "tl/plan.json"] {
            let err = refused(dir, &plan_args(tenant, output), &[output]);
            assert!(err.contains("inside"), "{err}");
        }
    }
    // The next inspection still reads the tenant.
    let out = run(dir, &["inspect", "t"]);
    assert!(out.status.success());
}

#[test]
fn outputs_beside_tenant_export_files_are_refused() {
    let tmp = fixture();
    let dir = tmp.path();
    std::os::unix::fs::symlink("t", dir.join("tl")).expect("folder link");
    let mut files: Vec<String> = std::fs::read_dir(dir.join("t"))
        .expect("t")
        .map(|e| format!("t/{}", e.expect("entry").file_name().to_string_lossy()))
        .collect();
    files.sort();
    let abs = dir.join("t/plan.json").display().to_string();
    // The tenant as its files (what `t/*.json` expands to), or just one of them.
    for tenant in [files.clone(), vec![files[0].clone()]] {
        for output in [
            abs.as_str(),
            "t/plan.json",
            "./t/plan.json",
            "tl/plan.json",
            "t/sub/../plan.yaml",
        ] {
            std::fs::create_dir_all(dir.join("t/sub")).expect("sub");
            let mut args: Vec<&str> = vec!["plan"];
            args.extend(tenant.iter().map(String::as_str));
            args.extend(["--intent", "i.yaml", "--output", output]);
            let err = refused(
                dir,
                &args,
                &[
                    output,
                    "folder of the tenant export",
                    "read it as an export",
                ],
            );
            assert!(err.starts_with("error: "), "{err}");
            std::fs::remove_dir(dir.join("t/sub")).expect("rmdir");
        }
    }
    // A tenant file given through a link: neither the link's folder nor its target's is used.
    std::fs::create_dir(dir.join("ext")).expect("mkdir");
    std::os::unix::fs::symlink(dir.join(&files[0]), dir.join("ext/export.json"))
        .expect("file link");
    for output in ["ext/plan.json", "t/plan.json"] {
        refused(
            dir,
            &plan_args("ext/export.json", output),
            &[output, "folder of the tenant export"],
        );
    }
    // An output that is one of the files is named as that file, not as its neighbour.
    let mut args: Vec<&str> = vec!["plan"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--intent",
        "i.yaml",
        "--output",
        files.last().expect("a file"),
    ]);
    let err = refused(dir, &args, &["it is the tenant"]);
    assert!(!err.contains("folder of"), "{err}");
    // Outside the folder: written; and the folder still inspects.
    let mut args: Vec<&str> = vec!["plan"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--intent", "i.yaml", "--output", "plan.json"]);
    let out = run(dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("plan.json").is_file());
    let out = run(dir, &["inspect", "t"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn outputs_that_can_only_name_a_folder_are_refused() {
    let tmp = fixture();
    let dir = tmp.path();
    std::os::unix::fs::symlink("nowhere.json", dir.join("dl1")).expect("dangling link");
    std::os::unix::fs::symlink("missing/", dir.join("dl2")).expect("dangling link");
    std::fs::write(dir.join("file.json"), "keep").expect("write");
    for output in [
        "dl1/",
        "dl1/.",
        "dl2/",
        "new.json/",
        "new.json//",
        "new.json/.",
        "new.json/..",
        "file.json/",
        "file.json/.",
    ] {
        let err = refused(dir, &plan_args("t", output), &[output, "not a file name"]);
        assert!(err.starts_with("error: "), "{err}");
    }
    assert!(std::fs::symlink_metadata(dir.join("dl1"))
        .expect("link")
        .file_type()
        .is_symlink());
    assert!(!dir.join("new.json").exists() && !dir.join("nowhere.json").exists());
    // An existing folder, however spelt, is refused as a folder.
    std::fs::create_dir(dir.join("out")).expect("mkdir");
    std::os::unix::fs::symlink("out", dir.join("outl")).expect("folder link");
    for output in ["out/", "out/.", "outl/", "out/sub/..", ".", ".."] {
        std::fs::create_dir_all(dir.join("out/sub")).expect("sub");
        let err = refused(dir, &plan_args("t", output), &[output, "is a folder"]);
        assert!(err.starts_with("error: "), "{err}");
    }
}

#[test]
fn a_replaced_file_keeps_its_owner_and_group() {
    use std::os::unix::fs::MetadataExt;
    let tmp = fixture();
    let dir = tmp.path();
    let out = dir.join("plan.json");
    std::fs::write(&out, "old").expect("write");
    // As root (where the bug was: the plan came out owned by root), the file is given to
    // another user first; as anyone else it stays the runner's own, which a replacement keeps.
    let root = Command::new("id").arg("-u").output().expect("id").stdout == b"0\n";
    if root {
        std::os::unix::fs::chown(&out, Some(12_345), Some(12_346)).expect("chown");
    }
    let before = std::fs::metadata(&out).expect("meta");
    let run_out = run(dir, &plan_args("t", "plan.json"));
    assert!(
        run_out.status.success(),
        "{}",
        String::from_utf8_lossy(&run_out.stderr)
    );
    let after = std::fs::metadata(&out).expect("meta");
    assert_ne!(std::fs::read(&out).expect("read"), b"old");
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    assert_eq!(after.mode(), before.mode());
}

#[test]
fn a_symbolic_link_is_followed_and_stays() {
    let tmp = fixture();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("plans")).expect("mkdir");
    std::fs::write(dir.join("plans/real.json"), "old").expect("write");
    std::fs::set_permissions(
        dir.join("plans/real.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    std::os::unix::fs::symlink("plans/real.json", dir.join("plan.json")).expect("symlink");
    // A dangling link: its target is created.
    std::os::unix::fs::symlink("plans/new.json", dir.join("dangling.json")).expect("symlink");
    let want = run(
        dir,
        &["plan", "t", "--intent", "i.yaml", "--format", "json"],
    )
    .stdout;
    assert!(want.starts_with(b"{"));
    for (link, target) in [
        ("plan.json", "plans/real.json"),
        ("dangling.json", "plans/new.json"),
    ] {
        let out = run(
            dir,
            &[
                "plan", "t", "--intent", "i.yaml", "--format", "json", "--output", link,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let m = std::fs::symlink_metadata(dir.join(link)).expect("link");
        assert!(m.file_type().is_symlink(), "{link} was replaced");
        assert_eq!(
            std::fs::read(dir.join(target)).expect("target"),
            want,
            "{target}"
        );
    }
    // A replaced file keeps its permissions; a new one is rw-r--r--.
    let mode = |p: &str| {
        std::fs::metadata(dir.join(p))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("plans/real.json"), 0o640);
    assert_eq!(mode("plans/new.json"), 0o644);
    no_temp_files(dir);
}

#[test]
fn a_fifo_is_written_directly() {
    let tmp = fixture();
    let dir = tmp.path();
    let fifo = dir.join("plan.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let want = run(
        dir,
        &["plan", "t", "--intent", "i.yaml", "--format", "yaml"],
    )
    .stdout;
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            std::fs::File::open(&fifo)
                .expect("open the fifo")
                .read_to_end(&mut got)
                .expect("read the fifo");
            got
        })
    };
    let out = run(
        dir,
        &[
            "plan",
            "t",
            "--intent",
            "i.yaml",
            "--format",
            "yaml",
            "--output",
            "plan.fifo",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = reader.join().expect("reader");
    assert_eq!(got, want);
    let m = std::fs::symlink_metadata(&fifo).expect("fifo");
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()),
        "the FIFO was replaced"
    );
    no_temp_files(dir);
}

#[test]
fn read_only_files_folders_and_missing_folders_are_refused() {
    let tmp = fixture();
    let dir = tmp.path();
    std::fs::write(dir.join("ro.json"), "keep").expect("write");
    std::fs::set_permissions(dir.join("ro.json"), std::fs::Permissions::from_mode(0o444))
        .expect("chmod");
    let err = refused(
        dir,
        &plan_args("t", "ro.json"),
        &["ro.json", "Permission denied"],
    );
    assert!(err.starts_with("error: "), "{err}");
    std::fs::create_dir(dir.join("out")).expect("mkdir");
    let err = refused(dir, &plan_args("t", "out"), &["out", "folder"]);
    assert!(err.contains("is a folder"), "{err}");
    let err = refused(
        dir,
        &plan_args("t", "nowhere/plan.json"),
        &["nowhere/plan.json", "does not exist"],
    );
    assert!(err.contains("folder nowhere"), "{err}");
}

#[test]
fn a_plan_replaces_an_ordinary_file_whole() {
    let tmp = fixture();
    let dir = tmp.path();
    std::fs::write(dir.join("plan.md"), "old").expect("write");
    let out = run(
        dir,
        &[
            "plan", "t", "--intent", "i.yaml", "--format", "markdown", "--output", "plan.md",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let want = run(
        dir,
        &["plan", "t", "--intent", "i.yaml", "--format", "markdown"],
    )
    .stdout;
    assert_eq!(std::fs::read(dir.join("plan.md")).expect("plan"), want);
    no_temp_files(dir);
}

/// Copies a folder's files into `to`.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
    }
}

#[test]
fn generate_refuses_a_folder_of_real_exports_and_leaves_it_intact() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    // Real PowerShell and CSV exports whose names are the ones generate writes, one of them of
    // a tenant whose domain is the generated one's.
    copy_folder(&testdata("contoso-powershell"), &dir.join("ps"));
    copy_folder(&testdata("contoso-csv"), &dir.join("csv"));
    let users = dir.join("csv/users.csv");
    let text = std::fs::read_to_string(&users)
        .expect("users")
        .replace("contoso.com", "fabrikam.edu");
    std::fs::write(&users, text).expect("write");
    copy_folder(&testdata("contoso"), &dir.join("graph"));
    for (folder, format) in [
        ("ps", "powershell"),
        ("csv", "csv"),
        ("graph", "graph"),
        ("ps", "graph"),
    ] {
        let err = refused(
            dir,
            &[
                "generate", "--users", "10", "--out", folder, "--format", format,
            ],
            &[folder, ".licplan-generate"],
        );
        assert!(err.contains("give an empty or new folder"), "{err}");
    }
    // Not a folder at all.
    refused(
        dir,
        &["generate", "--users", "10", "--out", "ps/users.json"],
        &["ps/users.json"],
    );
}

#[test]
fn generate_rewrites_its_own_folder_and_deletes_only_its_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let files = |d: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(d))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    // Empty folder: accepted.
    std::fs::create_dir(dir.join("g")).expect("mkdir");
    let out = run(dir, &["generate", "--users", "2500", "--out", "g"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(files("g").iter().any(|f| f == "users.page0003.json"));
    // Over its own Graph output, a smaller CSV tenant: the pages are gone, nothing else stays.
    let out = run(
        dir,
        &["generate", "--users", "30", "--out", "g", "--format", "csv"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        files("g"),
        [
            ".licplan-generate",
            "assignments.csv",
            "group-licenses.csv",
            "groups.csv",
            "memberships.csv",
            "organization.csv",
            "skus.csv",
            "users.csv"
        ]
    );
    let inspect = run(dir, &["inspect", "g", "--format", "json"]);
    assert!(inspect.status.success());
    // A file the user added, or one they changed, stops the next run, which deletes nothing.
    std::fs::write(dir.join("g/notes.txt"), "mine").expect("write");
    refused(
        dir,
        &["generate", "--users", "30", "--out", "g"],
        &["notes.txt"],
    );
    std::fs::remove_file(dir.join("g/notes.txt")).expect("rm");
    std::fs::write(dir.join("g/groups.csv"), "displayName\nmine\n").expect("write");
    refused(
        dir,
        &["generate", "--users", "30", "--out", "g"],
        &["groups.csv", "changed"],
    );
    // A file the user put in place of one listed (a link) is refused too.
    std::fs::remove_file(dir.join("g/groups.csv")).expect("rm");
    std::fs::write(dir.join("mine.csv"), "keep").expect("write");
    std::os::unix::fs::symlink("../mine.csv", dir.join("g/groups.csv")).expect("symlink");
    refused(
        dir,
        &["generate", "--users", "30", "--out", "g"],
        &["groups.csv"],
    );
    std::fs::remove_file(dir.join("g/groups.csv")).expect("rm");
    // With the listed file simply gone, the run goes on.
    let out = run(
        dir,
        &[
            "generate",
            "--users",
            "30",
            "--out",
            "g",
            "--format",
            "powershell",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("mine.csv")).expect("kept"),
        "keep"
    );
    assert_eq!(
        files("g"),
        [
            ".licplan-generate",
            "groups.json",
            "members.json",
            "organization.json",
            "skus.json",
            "users.json"
        ]
    );
    no_temp_files(dir);
}

/// A generated tenant shared by the tests below (generate is idempotent over its own folder).
fn generated(users: u64) -> PathBuf {
    static DONE: OnceLock<std::sync::Mutex<Vec<u64>>> = OnceLock::new();
    let done = DONE.get_or_init(Default::default);
    let mut done = done
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Named for the marker's format: a folder an older build wrote (another marker) is refused.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("output-safety-m2-{users}"));
    if !done.contains(&users) {
        let out = run(
            Path::new(env!("CARGO_TARGET_TMPDIR")),
            &[
                "generate",
                "--users",
                &users.to_string(),
                "--out",
                &dir.display().to_string(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        done.push(users);
    }
    dir
}

/// Runs licplan with its stdout a pipe whose reader has gone (after reading `read` bytes).
fn with_closed_pipe(dir: &Path, args: &[String], read: usize) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_licplan"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the licplan binary runs");
    let mut stdout = child.stdout.take().expect("stdout");
    if read > 0 {
        let mut buf = vec![0; read];
        stdout.read_exact(&mut buf).expect("the first bytes");
    }
    drop(stdout);
    child.wait_with_output().expect("licplan ends")
}

#[test]
fn a_closed_pipe_ends_every_command_and_format_quietly() {
    let tenant = generated(1_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let t = tenant.display().to_string();
    let intent = root().join("plans/e1-to-e3.yaml").display().to_string();
    let plan = dir.join("plan.json").display().to_string();
    let made = run(
        dir,
        &[
            "plan", &t, "--intent", &intent, "--format", "json", "--output", &plan,
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    for format in ["table", "json", "yaml", "markdown"] {
        let commands = [
            s(&["inspect", &t, "--format", format]),
            s(&["plan", &t, "--intent", &intent, "--format", format]),
            s(&["simulate", &t, "--plan", &plan, "--format", format]),
        ];
        for args in commands {
            // Closed before the first write; and for the longer outputs (past the pipe's
            // 64 KiB), after a first read, the rest blocked on the full pipe, then refused.
            let reads: &[usize] = if args[0] == "inspect" { &[0] } else { &[0, 1] };
            for &read in reads {
                let out = with_closed_pipe(dir, &args, read);
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "{args:?} (read {read}): {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(
                    out.stderr.is_empty(),
                    "{args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    let out = with_closed_pipe(dir, &s(&["generate", "--users", "20", "--out", "gen"]), 0);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    assert!(dir.join("gen/users.page0001.json").is_file());
}

/// The entries of `dir` that are temporary files.
fn temps_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(".licplan-") || n.starts_with(".tmp"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

#[test]
fn a_signal_while_writing_leaves_no_temporary_file() {
    let tenant = generated(10_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let t = tenant.display().to_string();
    let intent = root().join("plans/e1-to-e3.yaml").display().to_string();
    let want = run(dir, &["plan", &t, "--intent", &intent, "--format", "yaml"]).stdout;
    assert!(
        want.len() > 1 << 19,
        "the plan is too small to be caught being written"
    );
    for (name, number) in [("INT", 2), ("TERM", 15)] {
        let mut caught = false;
        for attempt in 0..6 {
            if caught {
                break;
            }
            std::fs::write(dir.join("plan.yaml"), "old").expect("old plan");
            let mut child = Command::new(env!("CARGO_BIN_EXE_licplan"))
                .args([
                    "plan",
                    &t,
                    "--intent",
                    &intent,
                    "--format",
                    "yaml",
                    "--output",
                    "plan.yaml",
                ])
                .current_dir(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("licplan runs");
            // Wait for the temporary file, freeze the process, and signal it if the file is
            // still there (it is then mid-write, or about to be renamed into place).
            let start = Instant::now();
            let mut frozen = false;
            while start.elapsed() < Duration::from_secs(120) {
                if !temps_in(dir).is_empty() {
                    signal(child.id(), "STOP");
                    frozen = true;
                    break;
                }
                if child.try_wait().expect("try_wait").is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            if frozen {
                if !temps_in(dir).is_empty() {
                    signal(child.id(), name);
                    caught = true;
                }
                signal(child.id(), "CONT");
            }
            let status = child.wait().expect("licplan ends");
            // Whatever the timing: no temporary file, and the old plan or the whole new one.
            assert_eq!(
                temps_in(dir),
                Vec::<PathBuf>::new(),
                "SIG{name} attempt {attempt}"
            );
            let now = std::fs::read(dir.join("plan.yaml")).expect("plan");
            assert!(now == b"old" || now == want, "SIG{name}: a partial plan");
            match status.code() {
                Some(0) => assert_eq!(now, want),
                Some(code) => assert_eq!(code, 128 + number, "SIG{name}"),
                None => panic!("SIG{name}: killed by a signal instead of cleaning up"),
            }
        }
        assert!(
            caught,
            "SIG{name}: never caught the plan being written in 6 attempts"
        );
    }
}

/// `generate`'s marker is licplan's own bookkeeping, not an export: reading a generated folder
/// reports no skipped file for it.
#[test]
fn a_generated_folder_reads_without_its_marker_as_a_skipped_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = run(tmp.path(), &["generate", "--users", "50", "--out", "g"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tmp.path().join("g/.licplan-generate").is_file());
    let out = run(tmp.path(), &["inspect", "g", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("licplan-generate"), "{text}");
    assert!(!text.contains("skipped-file"), "{text}");
}

/// The first line of a marker generate writes (read from one, so the tests forge markers that
/// differ from a real one only where they mean to).
fn marker_header(dir: &Path) -> String {
    let g = dir.join("header");
    let out = run(dir, &["generate", "--users", "0", "--out", "header", "-q"]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(g.join(".licplan-generate")).expect("marker");
    text.lines().next().expect("header").to_owned()
}

#[test]
fn generate_trusts_a_stopped_run_only_for_the_bytes_it_wrote() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_licplan"))
        .args([
            "generate",
            "--users",
            "3000000",
            "--format",
            "powershell",
            "--out",
            "gi",
            "-q",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let users = dir.join("gi/users.json");
    let start = Instant::now();
    while std::fs::metadata(&users).map_or(0, |m| m.len()) < 3 << 20 {
        assert!(start.elapsed() < Duration::from_secs(120), "no users.json");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(child.id(), "INT");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    let marker = std::fs::read_to_string(dir.join("gi/.licplan-generate")).expect("marker");
    assert!(marker.contains("writing users.json "), "{marker}");
    assert!(!marker.contains("\nwrote "), "{marker}");

    // A copy of the stopped run, untouched: accepted, and rewritten whole.
    copy_folder(&dir.join("gi"), &dir.join("copy"));
    let out = run(
        dir,
        &[
            "generate",
            "--users",
            "10",
            "--format",
            "powershell",
            "--out",
            "copy",
            "-q",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A real export copied over what the stopped run left (same file, same inode): refused,
    // and kept; so is the stopped file with one byte changed deep inside it, same size.
    std::fs::copy(testdata("contoso-powershell/users.json"), &users).expect("cp");
    refused(
        dir,
        &[
            "generate",
            "--users",
            "10",
            "--format",
            "powershell",
            "--out",
            "gi",
            "-q",
        ],
        &["users.json", "changed"],
    );
    copy_folder(&dir.join("copy"), &dir.join("edited"));
    let out = run(
        dir,
        &[
            "generate",
            "--users",
            "3000",
            "--format",
            "powershell",
            "--out",
            "edited",
            "-q",
        ],
    );
    assert!(out.status.success());
    let path = dir.join("edited/users.json");
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 100_000, "{}", bytes.len());
    let at = 70_900
        + bytes[70_900..]
            .iter()
            .position(|b| b.is_ascii_lowercase())
            .expect("a letter");
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&path, &bytes).expect("edit");
    refused(
        dir,
        &[
            "generate",
            "--users",
            "10",
            "--format",
            "powershell",
            "--out",
            "edited",
            "-q",
        ],
        &["users.json", "changed"],
    );
    assert_eq!(std::fs::read(&path).expect("kept"), bytes);
}

#[test]
fn generate_refuses_a_forged_or_damaged_marker_over_real_exports() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let header = marker_header(dir);
    for (n, marker) in [
        // What an older build, or a hand, wrote: name only.
        "writing users.json\nwriting groups.json\n".to_owned(),
        format!("{header}\nwriting users.json\n"),
        format!("{header}\nwriting users.json 0 0000000000000000\nwriting users.json 12 00000000000000ff\n"),
        format!("{header}\nwrote users.json 5 0123456789abcdef\nwrote users.json 5 0123456789abcdef\n"),
        format!("{header}\nwrote notes.txt 5 0123456789abcdef\n"),
        format!("{header}\ngarbage\n"),
        format!("{header}\nwrote users.json 5 0123456789abcdef"),
        "# another header\nwrote users.json 5 0123456789abcdef\n".to_owned(),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("real{n}");
        copy_folder(&testdata("contoso-powershell"), &dir.join(&name));
        std::fs::write(dir.join(&name).join(".licplan-generate"), &marker).expect("forge");
        refused(
            dir,
            &["generate", "--users", "10", "--format", "powershell", "--out", &name],
            &[&name, ".licplan-generate"],
        );
    }
    // A well-formed marker whose records do not match the real files: refused by content.
    let name = "real-sized";
    copy_folder(&testdata("contoso-powershell"), &dir.join(name));
    let mut marker = format!("{header}\n");
    for f in [
        "users.json",
        "groups.json",
        "members.json",
        "skus.json",
        "organization.json",
    ] {
        let size = std::fs::metadata(dir.join(name).join(f)).map_or(0, |m| m.len());
        marker.push_str(&format!("wrote {f} {size} 0123456789abcdef\n"));
    }
    std::fs::write(dir.join(name).join(".licplan-generate"), marker).expect("forge");
    refused(
        dir,
        &[
            "generate",
            "--users",
            "10",
            "--format",
            "powershell",
            "--out",
            name,
        ],
        &["changed"],
    );
}
