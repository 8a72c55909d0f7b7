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
