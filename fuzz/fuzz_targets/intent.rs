//! Any bytes, as the text of a migration intent, resolved against a small tenant (the repository's
//! contoso-csv sample, embedded so the target needs no checkout to run).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use licplan::model::Tenant;

/// The sample tenant's files, and the users file `scope: users:e1-to-e3-users.txt` names.
const FILES: &[(&str, &[u8])] = &[
    ("assignments.csv", include_bytes!("../../testdata/contoso-csv/assignments.csv")),
    ("group-licenses.csv", include_bytes!("../../testdata/contoso-csv/group-licenses.csv")),
    ("groups.csv", include_bytes!("../../testdata/contoso-csv/groups.csv")),
    ("memberships.csv", include_bytes!("../../testdata/contoso-csv/memberships.csv")),
    ("organization.csv", include_bytes!("../../testdata/contoso-csv/organization.csv")),
    ("skus.csv", include_bytes!("../../testdata/contoso-csv/skus.csv")),
    ("users.csv", include_bytes!("../../testdata/contoso-csv/users.csv")),
];
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
