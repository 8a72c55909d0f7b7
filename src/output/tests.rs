use super::*;

#[test]
fn broken_pipe_is_found_through_wrappers() {
    let pipe = io::Error::from(io::ErrorKind::BrokenPipe);
    assert!(is_broken_pipe(&pipe));
    let wrapped = io::Error::other(io::Error::from(io::ErrorKind::BrokenPipe));
    assert!(is_broken_pipe(&wrapped));
    let json = serde_json::Error::io(io::Error::from(io::ErrorKind::BrokenPipe));
    assert!(is_broken_pipe(&io::Error::other(json)));
    let other = io::Error::other(serde_json::Error::io(io::Error::from(
        io::ErrorKind::WriteZero,
    )));
    assert!(!is_broken_pipe(&other));
    assert!(!is_broken_pipe(&io::Error::from(io::ErrorKind::NotFound)));
}

#[test]
fn pipe_watch_remembers_a_closed_pipe() {
    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut w = PipeWatch::new(Closed);
    assert!(!w.broken());
    assert!(w.write_all(b"x").is_err());
    assert!(w.broken());
    let mut ok = PipeWatch::new(Vec::new());
    ok.write_all(b"x").expect("vec");
    assert!(!ok.broken());
}

#[test]
fn paths_that_can_only_name_a_folder() {
    for folder in ["a/", "a//", "a/.", "a/..", ".", "..", "/", "a/b/"] {
        assert!(names_a_folder(Path::new(folder)), "{folder}");
    }
    for file in [
        "a", "a.json", "a/b", "./a", "../a", ".a", "..a", "a/.b", "a/..b", "",
    ] {
        assert!(!names_a_folder(Path::new(file)), "{file}");
    }
}

#[test]
fn temporary_files_are_removed_on_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.txt");
    let err = write(&out, &Inputs::new(), |w| {
        w.write_all(b"half")?;
        Err(io::Error::other("stopped"))
    })
    .expect_err("fails");
    assert!(err.to_string().contains("stopped"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!temps().iter().any(|p| p.starts_with(dir.path())));
}

/// Every entry under `dir`, relative, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a folder") {
            let p = e.expect("an entry").path();
            out.push(p.strip_prefix(dir).expect("inside").display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Whether anything under `dir` is registered for removal (other tests' folders may be).
fn registered(dir: &Path) -> bool {
    fresh::registered(dir)
}

#[test]
fn a_fresh_folder_keeps_what_it_wrote_once_finished() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path().join("new");
    let f = FreshFolder::create(&root, &Inputs::new(), "x").expect("created");
    f.folder("sub").expect("a subfolder");
    f.file("a.txt", |w| w.write_all(b"a")).expect("written");
    f.file("sub/b.txt", |w| w.write_all(b"b")).expect("written");
    f.finish().expect("synced");
    assert_eq!(entries(&root), ["a.txt", "sub", "sub/b.txt"]);
    assert_eq!(std::fs::read(root.join("sub/b.txt")).expect("read"), b"b");
    assert!(!registered(&root), "a finished folder is still registered");
}

#[test]
fn a_file_published_takes_its_name_only_when_nothing_has_it_and_a_failure_removes_both() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path().join("new");
    let f = FreshFolder::create(&root, &Inputs::new(), "x").expect("created");
    f.file(".m.partial", |w| w.write_all(b"m"))
        .expect("written");
    f.publish(".m.partial", "m.json").expect("published");
    assert_eq!(entries(&root), ["m.json"]);
    assert_eq!(std::fs::read(root.join("m.json")).expect("read"), b"m");
    // A name taken already is refused, and nothing is replaced.
    f.file(".n.partial", |w| w.write_all(b"n"))
        .expect("written");
    assert!(f.publish(".n.partial", "m.json").is_err());
    assert_eq!(std::fs::read(root.join("m.json")).expect("read"), b"m");
    // Unfinished, both the published file and the one left under its own name are removed.
    drop(f);
    assert!(!root.exists(), "left {:?}", entries(dir.path()));
    assert!(!registered(&root));
}

#[test]
fn a_fresh_folder_that_fails_removes_what_it_made_and_nothing_else() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // A folder it created: removed whole.
    let root = dir.path().join("new");
    let f = FreshFolder::create(&root, &Inputs::new(), "x").expect("created");
    f.folder("sub").expect("a subfolder");
    f.file("sub/a.txt", |w| w.write_all(b"a")).expect("written");
    let failed = f.file("b.txt", |w| {
        w.write_all(b"half")?;
        Err(io::Error::other("disk full"))
    });
    assert!(failed.is_err());
    // A file already there is never replaced.
    assert!(f.file("sub/a.txt", |w| w.write_all(b"again")).is_err());
    drop(f);
    assert!(!root.exists(), "left {:?}", entries(dir.path()));
    // An empty folder it was given: it stays, and so does what someone else put there since.
    let given = dir.path().join("given");
    std::fs::create_dir(&given).expect("a folder");
    let f = FreshFolder::create(&given, &Inputs::new(), "x").expect("an empty folder");
    f.file("a.txt", |w| w.write_all(b"a")).expect("written");
    std::fs::write(given.join("theirs.txt"), "theirs").expect("writes");
    drop(f);
    assert_eq!(entries(&given), ["theirs.txt"]);
    // A folder that holds anything, or a link, is refused.
    assert!(FreshFolder::create(&given, &Inputs::new(), "x").is_err());
    #[cfg(unix)]
    {
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&given, &link).expect("a link");
        std::fs::remove_file(given.join("theirs.txt")).expect("removed");
        assert!(FreshFolder::create(&link, &Inputs::new(), "x").is_err());
    }
    assert!(!registered(dir.path()));
}
