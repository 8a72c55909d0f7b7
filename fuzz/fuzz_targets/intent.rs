//! Any bytes, as the text of a migration intent, resolved against a small tenant (the repository's
//! contoso-csv sample, embedded at build time so a run does not depend on the working directory).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use licplan::model::Tenant;

/// Embeds files of `testdata/contoso-csv/` by name.
macro_rules! sample {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../testdata/contoso-csv/", $name)))),*]
    };
}

/// The sample tenant's files.
const FILES: &[(&str, &[u8])] = sample![
    "assignments.csv",
    "group-licenses.csv",
    "groups.csv",
    "memberships.csv",
    "organization.csv",
    "skus.csv",
    "users.csv",
];
/// The users file the sample intent's `scope: users:e1-to-e3-users.txt` names.
const USERS_FILE: (&str, &[u8]) = (
    "e1-to-e3-users.txt",
    include_bytes!("../../testdata/intents/e1-to-e3-users.txt"),
);

struct Fixture {
    tenant: Tenant,
    /// Where the intent "is", so that `users:` files resolve next to it.
    intent_path: PathBuf,
}

/// A tenant is read from a folder, so the embedded files are written to one (each by a rename,
/// so parallel fuzzing jobs never see a half-written file) and loaded once per process.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let base = std::env::temp_dir().join("licplan-fuzz-intent");
        let tenant_dir = base.join("tenant");
        std::fs::create_dir_all(&tenant_dir).expect("create the fixture folder");
        let write = |dir: &PathBuf, name: &str, bytes: &[u8]| {
            let tmp = dir.join(format!(".{name}.{}", std::process::id()));
            std::fs::write(&tmp, bytes).expect("write a fixture file");
            std::fs::rename(&tmp, dir.join(name)).expect("rename a fixture file");
        };
        for (name, bytes) in FILES {
            write(&tenant_dir, name, bytes);
        }
        write(&base, USERS_FILE.0, USERS_FILE.1);
        let loaded = licplan::ingest::load(&[tenant_dir]).expect("the sample tenant loads");
        Fixture {
            tenant: loaded.tenant,
            intent_path: base.join("intent.yaml"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let text = String::from_utf8_lossy(data);
    let _ = licplan::plan::intent::parse(&text, &f.intent_path, &f.tenant);
});
