//! Paths as reports show them: relative to the tenant arguments, so a report (and a snapshot)
//! is the same whichever folder licplan was run from.
//!
//! The base is the folder the tenant arguments share: a single tenant folder itself, the
//! folder of a single file, or the deepest folder holding every argument (`inspect a b` shows
//! `a/users.json` and `b/users.json`, never two `users.json`). Separators are shown as `/`.
//! A path outside the base, or arguments with no folder in common (one absolute, one
//! relative), are shown as given.

use std::path::{Component, Path, PathBuf};

/// The components of a path, `.` left out.
fn parts(p: &Path) -> Vec<Component<'_>> {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The folder reports show paths relative to, from the tenant arguments (`None`: no folder
/// in common, or no argument).
pub fn base(roots: &[PathBuf]) -> Option<PathBuf> {
    let mut common: Option<Vec<Component<'_>>> = None;
    for root in roots {
        let folder = if root.is_dir() {
            parts(root)
        } else {
            let mut p = parts(root);
            p.pop();
            p
        };
        common = Some(match common {
            None => folder,
            Some(c) => c
                .into_iter()
                .zip(folder)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    let common = common?;
    let both_kinds =
        roots.iter().any(|r| r.is_absolute()) && roots.iter().any(|r| !r.is_absolute());
    (!both_kinds).then(|| common.iter().collect())
}

/// `file` as a report shows it: relative to `base`, with `/` separators.
pub fn shown(file: &str, base: Option<&Path>) -> String {
    let path = Path::new(file);
    let rel = base
        .and_then(|b| {
            let (f, b) = (parts(path), parts(b));
            (f.len() > b.len() && f[..b.len()] == b[..])
                .then(|| f[b.len()..].iter().collect::<PathBuf>())
        })
        .unwrap_or_else(|| path.to_path_buf());
    rel.to_string_lossy().replace('\\', "/")
}

/// Rewrites each source's file relative to the tenant arguments `roots` (see the module doc).
pub fn relativise(sources: &mut [crate::ingest::builder::Source], roots: &[PathBuf]) {
    let base = base(roots);
    for s in sources {
        s.file = shown(&s.file, base.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(roots: &[&str], file: &str, expected: &str) {
        let roots: Vec<PathBuf> = roots.iter().map(PathBuf::from).collect();
        assert_eq!(
            shown(file, base(&roots).as_deref()),
            expected,
            "{roots:?} {file}"
        );
    }

    #[test]
    fn paths_are_shown_relative_to_the_tenant_arguments() {
        let dir = tempfile::tempdir().expect("temp dir");
        let t = dir.path().join("tenant");
        std::fs::create_dir_all(t.join("Users/u1")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("other")).expect("mkdir");
        let t_s = t.display().to_string();
        let f = t.join("Users/u1/u1.json").display().to_string();
        // A folder: paths inside it, however deep.
        case(&[&t_s], &f, "Users/u1/u1.json");
        case(
            &[&t_s],
            &t.join("users.json").display().to_string(),
            "users.json",
        );
        // A file named on its own: its name.
        case(&[&f], &f, "u1.json");
        // Several files of one folder: relative to it.
        let g = t.join("groups.json").display().to_string();
        let u = t.join("users.json").display().to_string();
        case(&[&u, &g], &g, "groups.json");
        // Two folders: relative to the folder holding both, so names stay apart.
        let o = dir.path().join("other").display().to_string();
        let o_file = dir.path().join("other/users.json").display().to_string();
        case(&[&t_s, &o], &o_file, "other/users.json");
        case(&[&t_s, &o], &u, "tenant/users.json");
        // `./` does not matter; a path outside the base is shown as given.
        assert_eq!(shown("./a/b.json", Some(Path::new("a"))), "b.json");
        assert_eq!(shown("x/b.json", Some(Path::new("a"))), "x/b.json");
        assert_eq!(shown("b.json", None), "b.json");
    }
}
