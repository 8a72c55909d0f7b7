//! `--redact`: no UPN, display name, proxy address or object id of the tenant survives in any
//! output, and the pseudonyms are stable from run to run.

use crate::common::{licplan, load, testdata};

fn personal_strings() -> Vec<String> {
    let t = load(&[&testdata("contoso")]).tenant;
    let mut v = Vec::new();
    for u in t.users.values() {
        v.push(u.id.to_string());
        v.extend(u.upn.clone());
        v.extend(u.display_name.clone());
        for a in &u.proxy_addresses {
            v.push(licplan::inspect::normalise_proxy_address(a));
        }
    }
    for g in t.groups.values() {
        v.push(g.id.to_string());
        v.extend(g.display_name.clone());
    }
    v.retain(|s| s.len() >= 3);
    v
}

#[test]
fn no_personal_data_survives_in_any_command_or_format() {
    let personal = personal_strings();
    assert!(personal.len() > 100);
    let runs: Vec<Vec<&str>> = vec![
        vec!["inspect", "testdata/contoso"],
        vec![
            "plan",
            "testdata/contoso",
            "--intent",
            "plans/e1-to-e3.yaml",
        ],
        vec![
            "plan",
            "testdata/contoso",
            "--intent",
            "plans/two-moves.yaml",
        ],
        vec![
            "simulate",
            "testdata/contoso",
            "--plan",
            "plans/examples/e1-to-e3.contoso.yaml",
        ],
    ];
    for run in runs {
        for format in ["json", "markdown", "table", "yaml"] {
            let mut args = run.clone();
            args.extend(["--format", format, "--redact"]);
            let out = licplan(&args);
            assert!(
                matches!(out.status.code(), Some(0 | 3)),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
            for p in &personal {
                assert!(!text.contains(&p.to_lowercase()), "{args:?} leaks {p:?}");
            }
            let again = licplan(&args);
            assert_eq!(out.stdout, again.stdout, "{args:?}: pseudonyms are stable");
        }
    }
}
