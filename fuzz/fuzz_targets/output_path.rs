//! The output-path check: a path spelt from any bytes (names, links, `.`, `..`) is written
//! through `output::write` beside a small tenant, and whatever happens no input changes, nothing
//! lands in the tenant folder and no temporary file is left.
//!
//! Each run builds, in a fresh folder nested four levels below `$TMPDIR/licplan-fuzz-output-<pid>`
//! (so at most three `..` never climb out of it):
//!
//! ```text
//! t/a.json t/b.json     the tenant folder and its exports
//! i.yaml                the intent        u.txt   a users list
//! sub/                  a plain folder    o.json  an earlier output
//! lt -> t   la -> t/a.json   li -> i.yaml   dang -> gone.json   sub/up -> ../t
//! h                     a hard link of t/b.json
//! ```
//!
//! The first byte picks how the tenant and the intent are named (through links or not); each
//! other byte is one path component.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use libfuzzer_sys::fuzz_target;
use licplan::output::{self, Inputs, Role};

const WORDS: &[&str] = &[
    ".",
    "..",
    "t",
    "a.json",
    "b.json",
    "i.yaml",
    "u.txt",
    "sub",
    "o.json",
    "lt",
    "la",
    "li",
    "dang",
    "up",
    "h",
    "new.json",
    "gone.json",
    "",
];

static RUN: AtomicU64 = AtomicU64::new(0);

fn build(root: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::symlink;
    std::fs::create_dir_all(root.join("t"))?;
    std::fs::create_dir_all(root.join("sub"))?;
    std::fs::write(root.join("t/a.json"), "A")?;
    std::fs::write(root.join("t/b.json"), "B")?;
    std::fs::write(root.join("i.yaml"), "I")?;
    std::fs::write(root.join("u.txt"), "U")?;
    std::fs::write(root.join("o.json"), "O")?;
    symlink("t", root.join("lt"))?;
    symlink("t/a.json", root.join("la"))?;
    symlink("i.yaml", root.join("li"))?;
    symlink("gone.json", root.join("dang"))?;
    symlink("../t", root.join("sub/up"))?;
    std::fs::hard_link(root.join("t/b.json"), root.join("h"))?;
    Ok(())
}

/// Every entry under `dir` (links not followed), with file contents.
fn listing(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if m.is_dir() {
            listing(&p, out);
            out.push((p, b"/".to_vec()));
        } else if m.file_type().is_symlink() {
            let to = std::fs::read_link(&p).unwrap_or_default();
            out.push((p, to.into_os_string().into_encoded_bytes()));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let base = std::env::temp_dir().join(format!("licplan-fuzz-output-{}", std::process::id()));
    let root = base
        .join(RUN.fetch_add(1, Ordering::Relaxed).to_string())
        .join("a/b/c/root");
    if build(&root).is_err() {
        return;
    }
    let tenant = root.join(["t", "lt", "sub/up", "t/../t"][usize::from(how & 3)]);
    let intent = root.join(["i.yaml", "li"][usize::from((how >> 2) & 1)]);
    let inputs = Inputs::new()
        .tenant(&[tenant])
        .file(Role::Intent, &intent)
        .files(Role::UsersList, &[root.join("u.txt")]);

    let mut path = root.clone();
    let mut ups = 0;
    for &b in rest.iter().take(8) {
        let word = WORDS[usize::from(b) % WORDS.len()];
        if word == ".." {
            ups += 1;
            if ups > 3 {
                continue;
            }
        }
        path.push(word);
    }

    let mut before = Vec::new();
    listing(&root, &mut before);
    let written = output::write(&path, &inputs, |w| w.write_all(b"PLAN"));
    let mut after = Vec::new();
    listing(&root, &mut after);

    let get = |list: &[(PathBuf, Vec<u8>)], rel: &str| {
        list.iter()
            .find(|(p, _)| p == &root.join(rel))
            .map(|(_, c)| c.clone())
    };
    // The inputs, their links and the tenant folder are as they were.
    for input in [
        "t/a.json", "t/b.json", "i.yaml", "u.txt", "lt", "la", "li", "sub/up", "h",
    ] {
        assert_eq!(
            get(&before, input),
            get(&after, input),
            "{input} changed: {path:?}"
        );
    }
    let in_tenant = |list: &[(PathBuf, Vec<u8>)]| {
        list.iter()
            .filter(|(p, _)| p.starts_with(root.join("t")))
            .count()
    };
    assert_eq!(
        in_tenant(&before),
        in_tenant(&after),
        "a file landed in t: {path:?}"
    );
    // No temporary file is left, whether the write succeeded or not.
    assert!(
        !after.iter().any(|(p, _)| p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(".licplan-"))),
        "a temporary file was left: {path:?}"
    );
    // The rest of the tree changed only where the output went: at most one file more or
    // different, holding the plan.
    if written.is_ok() {
        let changed: Vec<_> = after.iter().filter(|e| !before.contains(e)).collect();
        assert!(changed.len() <= 1, "{path:?}: {changed:?}");
        assert!(
            changed.iter().all(|(_, c)| c == b"PLAN"),
            "{path:?}: {changed:?}"
        );
    } else {
        assert_eq!(before, after, "a refused write changed something: {path:?}");
    }
    let _ = std::fs::remove_dir_all(
        root.parent()
            .and_then(Path::parent)
            .and_then(Path::parent)
            .and_then(Path::parent)
            .unwrap_or(&root),
    );
});
