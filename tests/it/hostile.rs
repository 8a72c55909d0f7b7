//! Hostile input through the real binary.
//!
//! 1. Every case in `testdata/bad/` fails as unusable input must: exit code 2 (never a panic,
//!    never success), nothing on stdout, and stderr naming the file and a place in it. Cases are
//!    found by walking the folder, so a new file is a new case: files at the top are exports
//!    (`licplan inspect <file>`), `intents/*` are intents planned on the sample tenant,
//!    `ops/*` are ops files simulated on it, other sub-folders are tenants (`inspect <folder>`),
//!    and `recoverable/` is skipped (it must succeed; `bad_input.rs` checks it).
//! 2. `testdata/hostile/` is a valid tenant whose names are spreadsheet formulas and
//!    Markdown/HTML breakers: Markdown reports neutralise them cell by cell, JSON keeps them as
//!    they are (it is data, not a spreadsheet).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::{licplan, root};

// ---------------------------------------------------------------------------------------------
// 1. testdata/bad/

/// The sample tenant intents and ops files are checked against.
const TENANT: &str = "testdata/contoso";

/// Problems about a file as a whole, where no line or record exists to name.
const WHOLE_FILE: &[&str] = &[
    "the file is empty",
    "the file has no header row",
    "an HTTP response without a body",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Inspect,
    Plan,
    Simulate,
}

/// One bad input and how to run it.
#[derive(Debug)]
struct Case {
    kind: Kind,
    /// Relative to the repository root, as the binary is run from there.
    path: String,
    is_dir: bool,
}

impl Case {
    fn args(&self) -> Vec<&str> {
        match self.kind {
            Kind::Inspect => vec!["inspect", &self.path],
            Kind::Plan => vec!["plan", TENANT, "--intent", &self.path],
            Kind::Simulate => vec!["simulate", TENANT, "--ops", &self.path],
        }
    }
}

fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a folder entry").path())
        .collect();
    v.sort();
    v
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .expect("under the repository")
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every case in `testdata/bad/`, from the folder itself (no list to keep up to date).
fn bad_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for p in sorted_entries(&root().join("testdata/bad")) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.is_file() {
            cases.push(Case {
                kind: Kind::Inspect,
                path: rel(&p),
                is_dir: false,
            });
            continue;
        }
        let kind = match name.as_str() {
            "recoverable" => continue,
            "intents" => Kind::Plan,
            "ops" => Kind::Simulate,
            _ => {
                cases.push(Case {
                    kind: Kind::Inspect,
                    path: rel(&p),
                    is_dir: true,
                });
                continue;
            }
        };
        // Only the files at the top: sub-folders hold what those files refer to
        // (`intents/users/*.txt` for `scope: users:<file>`).
        for f in sorted_entries(&p).into_iter().filter(|f| f.is_file()) {
            cases.push(Case {
                kind,
                path: rel(&f),
                is_dir: false,
            });
        }
    }
    cases
}

/// Whether a problem line names the case and a place in it: `<file>:<line>…`,
/// `<file>: record N ($…)`, or a whole-file problem such as an empty file.
fn names_file_and_place(line: &str, case: &Case) -> bool {
    let line = line.trim_start();
    let rest = if case.is_dir {
        // Any file of the tenant folder: `<dir>/<file>` up to the place.
        let Some(inside) = line.strip_prefix(&format!("{}/", case.path)) else {
            return false;
        };
        match inside.find([':']) {
            Some(i) => &inside[i..],
            None => return false,
        }
    } else {
        match line.strip_prefix(case.path.as_str()) {
            Some(r) => r,
            None => return false,
        }
    };
    let line_number = rest
        .strip_prefix(':')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    let record = rest.starts_with(": record ") && rest.contains("($");
    let whole_file = rest.starts_with(": ") && WHOLE_FILE.iter().any(|w| rest.contains(w));
    line_number || record || whole_file
}

/// What is wrong with one run, if anything.
fn judge(case: &Case, out: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut wrong = Vec::new();
    match out.status.code() {
        Some(2) => {}
        Some(101) => wrong.push("exit 101: licplan panicked".to_owned()),
        Some(0) => wrong.push("exit 0: the input was accepted".to_owned()),
        other => wrong.push(format!("exit {other:?}, expected 2")),
    }
    if stderr.contains("panicked") {
        wrong.push("stderr reports a panic".to_owned());
    }
    if !out.stdout.is_empty() {
        wrong.push(format!(
            "{} bytes on stdout, expected none",
            out.stdout.len()
        ));
    }
    if out.status.code() == Some(2) {
        if !stderr.starts_with("error: ") {
            wrong.push("stderr does not start with `error: `".to_owned());
        }
        let problems: Vec<&str> = stderr.lines().filter(|l| l.starts_with("  ")).collect();
        if problems.is_empty() {
            wrong.push("no problem line (two-space indented) on stderr".to_owned());
        } else if !problems.iter().any(|l| names_file_and_place(l, case)) {
            wrong.push(format!(
                "no problem names {} with a place (`:<line>` or `: record N ($…)`)",
                case.path
            ));
        }
    }
    // Messages quote the input; a terminal must not receive its control characters raw
    // (an ESC sequence in a header could rewrite the screen or the window title).
    let controls: BTreeSet<String> = stderr
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    if !controls.is_empty() {
        wrong.push(format!(
            "raw control characters on stderr: {}",
            controls.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    wrong
}

#[test]
fn every_bad_input_exits_2_naming_the_file_and_a_place() {
    let cases = bad_cases();
    // Run in parallel: each case is one process.
    let results: Vec<(usize, Output)> = std::thread::scope(|s| {
        let chunks: Vec<Vec<(usize, &Case)>> = {
            let workers = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
            let mut c: Vec<Vec<(usize, &Case)>> = vec![Vec::new(); workers];
            for (i, case) in cases.iter().enumerate() {
                c[i % workers].push((i, case));
            }
            c
        };
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(i, case)| (i, licplan(&case.args())))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, Output)> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread"))
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all
    });

    let mut failures = Vec::new();
    for (i, out) in &results {
        let case = &cases[*i];
        let wrong = judge(case, out);
        if !wrong.is_empty() {
            failures.push(format!(
                "{:?} {}:\n    - {}\n    stderr: {}",
                case.kind,
                case.path,
                wrong.join("\n    - "),
                String::from_utf8_lossy(&out.stderr)
                    .escape_debug()
                    .to_string()
                    .chars()
                    .take(600)
                    .collect::<String>()
            ));
        }
    }
    let count = |k: Kind| cases.iter().filter(|c| c.kind == k).count();
    let summary = format!(
        "{} cases in testdata/bad/ ({} inspect, {} plan, {} simulate); {} failed",
        cases.len(),
        count(Kind::Inspect),
        count(Kind::Plan),
        count(Kind::Simulate),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{summary}:\n\n{}\n\n{summary}",
        failures.join("\n\n")
    );
    assert!(cases.len() >= 45, "{summary}: expected at least 45 cases");
}

#[test]
fn the_walk_finds_every_kind_of_case() {
    let cases = bad_cases();
    for kind in [Kind::Inspect, Kind::Plan, Kind::Simulate] {
        assert!(
            cases.iter().any(|c| c.kind == kind),
            "no {kind:?} case in {cases:#?}"
        );
    }
    assert!(cases
        .iter()
        .any(|c| c.path == "testdata/bad/many" && c.is_dir));
    assert!(!cases.iter().any(|c| c.path.contains("recoverable")));
    assert!(!cases.iter().any(|c| c.path.contains("intents/users/")));
}

/// A 10 MB export on one line (a minified Graph response), cut off at its very end.
#[test]
fn a_ten_megabyte_single_line_json_invalid_at_its_end() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("users.json");
    let mut text = String::from(
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"value\":[",
    );
    let mut i = 0u64;
    while text.len() < 10 * 1024 * 1024 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "{{\"id\":\"00000000-0000-4000-8000-{i:012}\",\"userPrincipalName\":\"user{i}@contoso.com\",\"displayName\":\"User {i} Ren\u{e9}e\",\"usageLocation\":\"US\"}}"
        ));
        i += 1;
    }
    // Truncated: the array and the object are never closed.
    text.push(',');
    std::fs::write(&path, &text).expect("write users.json");
    let shown = path.display().to_string();
    let started = std::time::Instant::now();
    let out = licplan(&["inspect", &shown]);
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    // The place is line 1, at the end of the line. serde_json counts columns in bytes, an
    // editor in characters: the line holds non-ASCII names, so either is accepted.
    let (chars, bytes) = (text.chars().count(), text.len());
    let at = format!("{shown}:1:");
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with(&at))
        .unwrap_or_else(|| panic!("no problem at {at}…:\n{stderr}"));
    let col: usize = line.trim_start()[at.len()..]
        .split(':')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no column in {line}"));
    assert!(
        col + 1 >= chars && col <= bytes + 1,
        "column {col}, the line has {chars} characters, {bytes} bytes: {line}"
    );
    assert!(
        took.as_secs() < 60,
        "10 MB took {took:?}: streaming should be linear"
    );
}

/// The first line of a file is read whole to sniff its kind, capped at 16 MiB. A valid
/// single-line export longer than that whose cap falls inside a multi-byte character must still
/// be read (the cap must not cut a character in two and call the file "not UTF-8").
#[test]
fn a_single_line_json_longer_than_16_mib_with_a_character_across_the_sniffing_cap() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("users.json");
    let cap = 1usize << 24;
    // Many users on the one line (no single string may exceed 1 MiB), the last one's name
    // padded so that its "é" straddles the cap.
    let mut text = String::with_capacity(cap + 512);
    text.push_str(
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"value\":[",
    );
    let user = |i: usize| {
        format!("{{\"id\":\"00000000-0000-4000-8000-{i:012}\",\"userPrincipalName\":\"u{i}@contoso.com\",\"usageLocation\":\"US\",\"displayName\":\"")
    };
    let mut users = 0;
    while text.len() + 600 < cap {
        users += 1;
        text.push_str(&user(users));
        text.push_str("User\"},");
    }
    users += 1;
    text.push_str(&user(users));
    text.push_str(&"a".repeat(cap - 1 - text.len()));
    text.push('\u{e9}');
    text.push_str("\"}]}\n");
    assert!(!text.is_char_boundary(cap), "the cap falls inside the é");
    std::fs::write(&path, &text).expect("write users.json");
    let shown = path.display().to_string();
    let out = licplan(&["inspect", &shown, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a valid UTF-8 export is refused:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["users"], users);
}

// ---------------------------------------------------------------------------------------------
// 2. testdata/hostile/

const HOSTILE: &str = "testdata/hostile";
const HOSTILE_INTENT: &str = "testdata/hostile-intent.yaml";

/// Characters that make a spreadsheet cell a formula (OWASP "CSV injection").
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

fn run_ok(args: &[&str]) -> String {
    let out = licplan(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "licplan {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Splits a Markdown table row into cells as GitHub (cmark-gfm) and markdown-it do: a `|`
/// right after a backslash is part of the cell, any other `|` ends it. The one space of padding on each side is removed,
/// nothing else (a leading tab must stay visible to the check).
fn split_row(line: &str) -> Vec<String> {
    let inner = line
        .strip_prefix('|')
        .and_then(|l| l.strip_suffix('|'))
        .unwrap_or_else(|| panic!("not a table row: {line:?}"));
    let mut cells = Vec::new();
    let mut cur = String::new();
    for c in inner.chars() {
        if c == '|' && !cur.ends_with('\\') {
            cells.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    cells.push(cur);
    cells
        .into_iter()
        .map(|c| {
            let c = c.strip_prefix(' ').unwrap_or(&c);
            c.strip_suffix(' ').unwrap_or(c).to_owned()
        })
        .collect()
}

/// Every table of a Markdown report: its header and data rows, as cells.
fn tables(md: &str) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('|') {
            i += 1;
            continue;
        }
        let header = split_row(lines[i]);
        let sep = lines.get(i + 1).copied().unwrap_or("");
        assert!(
            sep.starts_with("| ---") || sep.starts_with("| :--"),
            "a table without a separator row after {:?}: {sep:?}",
            lines[i]
        );
        let mut rows = Vec::new();
        i += 2;
        while i < lines.len() && lines[i].starts_with('|') {
            rows.push(split_row(lines[i]));
            i += 1;
        }
        out.push((header, rows));
    }
    out
}

/// Checks every data cell of every table: as many cells as the header (no raw `|` split a
/// cell, no raw newline ended a row) and no cell a spreadsheet would run as a formula.
/// Returns every data cell.
#[track_caller]
fn check_cells(what: &str, md: &str) -> Vec<String> {
    let tables = tables(md);
    assert!(!tables.is_empty(), "{what}: no table");
    let mut problems = Vec::new();
    let mut all = Vec::new();
    for (header, rows) in &tables {
        for row in rows {
            if row.len() != header.len() {
                problems.push(format!(
                    "{} cells under a header of {} ({header:?}): {row:?}",
                    row.len(),
                    header.len()
                ));
            }
            for cell in row {
                // "-" alone is how reports write an unknown value: no formula.
                if cell.starts_with(FORMULA_STARTS) && cell != "-" {
                    problems.push(format!("cell {cell:?} is not neutralised (in {row:?})"));
                }
                all.push(cell.clone());
            }
        }
    }
    // A line that is not a table row but holds a raw piece of one would be a row cut by a
    // newline inside a cell.
    for l in md.lines() {
        if !l.starts_with('|') && l.contains(" | ") && l.ends_with(" |") {
            problems.push(format!("a table row cut in two: {l:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{what}:\n{}\n\n{md}",
        problems.join("\n")
    );
    all
}

/// The hostile payloads must really reach the tables (else the check proves nothing): for each
/// formula character, some cell is the neutralised form `'` + that character (a CR is written as
/// `<br>`).
#[track_caller]
fn payloads_reach_the_tables(what: &str, cells: &[String]) {
    for c in FORMULA_STARTS {
        let start = match c {
            '\r' => "'<br>".to_owned(),
            c => format!("'{c}"),
        };
        assert!(
            cells.iter().any(|cell| cell.starts_with(&start)),
            "{what}: no neutralised cell starting with {start:?} in {cells:#?}"
        );
    }
}

#[test]
fn the_inspection_markdown_neutralises_formulas_and_keeps_cells_whole() {
    let md = run_ok(&["inspect", HOSTILE, "--format", "markdown"]);
    let cells = check_cells("inspect --format markdown", &md);
    payloads_reach_the_tables("inspect --format markdown", &cells);
    for expected in [
        // A pipe inside a name is escaped, so the name stays one cell.
        "'=cmd\\|' /C calc'!A0",
        "'\t=TABGROUP()",
        "'<br>-CRGROUP",
        "'+1@contoso.com",
        "'-Evil \\| ",
    ] {
        assert!(
            cells.iter().any(|c| c.starts_with(expected)),
            "no cell {expected:?} in {cells:#?}"
        );
    }
    // A newline inside a quoted CSV field stays inside its cell (HTML escaping is checked by
    // `markdown_reports_escape_html_tags`).
    assert!(
        cells
            .iter()
            .any(|c| c.starts_with("Pipe \\| ") && c.ends_with("<br>second line")),
        "{cells:#?}"
    );
}

#[test]
fn the_plan_markdown_neutralises_formulas_and_keeps_cells_whole() {
    let md = run_ok(&[
        "plan",
        HOSTILE,
        "--intent",
        HOSTILE_INTENT,
        "--format",
        "markdown",
    ]);
    let cells = check_cells("plan --format markdown", &md);
    payloads_reach_the_tables("plan --format markdown", &cells);
    for expected in [
        "'=cmd\\|' /C calc'!A0",
        "'+SUM(1,2)@contoso.com",
        "'-2+3@contoso.com",
        "'@SUM(A1)",
        "'\t=TAB()@contoso.com",
        "'<br>@CR()@contoso.com",
        "'+LIC-E1 \\| \\<script>alert(1)\\</script>",
        "pipe\\|user\\<script>alert(1)\\</script>@contoso.com",
    ] {
        assert!(
            cells.iter().any(|c| c == expected),
            "no cell {expected:?} in {cells:#?}"
        );
    }
}

/// `<script>` in a name must not reach a Markdown report as a tag a renderer would run or hide.
#[test]
fn markdown_reports_escape_html_tags() {
    let reports = [
        (
            "inspect --format markdown",
            run_ok(&["inspect", HOSTILE, "--format", "markdown"]),
        ),
        (
            "plan --format markdown",
            run_ok(&[
                "plan",
                HOSTILE,
                "--intent",
                HOSTILE_INTENT,
                "--format",
                "markdown",
            ]),
        ),
    ];
    let mut problems = Vec::new();
    for (what, md) in &reports {
        for (n, line) in md.lines().enumerate() {
            for tag in ["<script", "</script", "<b>"] {
                let mut from = 0;
                while let Some(i) = line[from..].find(tag) {
                    let at = from + i;
                    if !line[..at].ends_with('\\') {
                        problems.push(format!("{what} line {}: raw {tag:?} in {line:?}", n + 1));
                    }
                    from = at + tag.len();
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The terminal table: names reach it as text, never as control characters that would move
/// the cursor (a CR) or start an escape sequence.
#[test]
fn terminal_tables_carry_no_control_characters() {
    let reports = [
        ("inspect", run_ok(&["inspect", HOSTILE])),
        (
            "plan",
            run_ok(&["plan", HOSTILE, "--intent", HOSTILE_INTENT]),
        ),
    ];
    let mut problems = Vec::new();
    for (what, text) in &reports {
        for (n, line) in text.lines().enumerate() {
            if line.chars().any(|c| c.is_control()) {
                problems.push(format!("{what} line {}: {:?}", n + 1, line));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn json_keeps_hostile_names_exactly() {
    let inspection: Value =
        serde_json::from_str(&run_ok(&["inspect", HOSTILE, "--format", "json"]))
            .expect("inspect JSON");
    let plan: Value = serde_json::from_str(&run_ok(&[
        "plan",
        HOSTILE,
        "--intent",
        HOSTILE_INTENT,
        "--format",
        "json",
    ]))
    .expect("plan JSON");

    // Licensed groups' names, exactly as the exports hold them. Plain CSV cells are trimmed
    // and their line ends read as LF (a documented reading of CSV): a leading tab or CR can
    // only come through the Graph JSON files, which keep them.
    let groups: BTreeSet<&str> = inspection["licensed_groups"]
        .as_array()
        .expect("licensed_groups")
        .iter()
        .filter_map(|g| g["display_name"].as_str())
        .collect();
    assert_eq!(
        groups,
        BTreeSet::from([
            "\t=TABGROUP()",
            "\r-CRGROUP",
            "=cmd|' /C calc'!A0",
            "Pipe | <script>alert(1)</script>\nsecond line",
        ])
    );
    let mut all = Vec::new();
    strings(&inspection["findings"], &mut all);
    for part in [
        "-2+3@contoso.com (",
        "+1@contoso.com: ",
        "=shared@contoso.com: ",
        "+SUM(1,2) (=evil() -or (user.department -eq \"-Sales\"))",
        "-Evil | <script>alert(1)</script> (skus.csv:",
        "=HYPERLINK(\"http://evil.example\") (",
        "@SUM(A1) (assignments.csv:",
        "error \"=1+1\"",
    ] {
        assert!(
            all.iter().any(|s| s.starts_with(part) || s.contains(part)),
            "{part:?} not kept in the findings: {all:#?}"
        );
    }
    // JSON is never neutralised.
    let mut every = Vec::new();
    strings(&inspection, &mut every);
    strings(&plan, &mut every);
    assert!(
        !every
            .iter()
            .any(|s| s.starts_with('\'') && s[1..].starts_with(FORMULA_STARTS)),
        "a JSON string was neutralised like a spreadsheet cell"
    );
    assert!(!every
        .iter()
        .any(|s| s.contains("\\<") || s.contains("<br>")));

    assert_eq!(plan["name"], "=Hostile | <script>alert(1)</script> plan");
    assert_eq!(plan["verdict"]["safe"], true);
    let group_names: BTreeSet<String> = plan["moves"]
        .as_array()
        .expect("moves")
        .iter()
        .flat_map(|m| m["groups"].as_array().expect("groups").iter())
        .filter_map(|g| g["group_name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        group_names,
        BTreeSet::from([
            "+LIC-E1 | <script>alert(1)</script>".to_owned(),
            "@SUM(A1)".to_owned()
        ])
    );
    let mut upns: BTreeSet<String> = BTreeSet::new();
    for stage in plan["stages"].as_array().expect("stages") {
        let waves = stage["waves"].as_array().into_iter().flatten();
        for a in stage["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .chain(waves.flat_map(|w| w["actions"].as_array().expect("actions").iter()))
        {
            if let Some(u) = a["user_upn"].as_str() {
                upns.insert(u.to_owned());
            }
        }
    }
    for upn in [
        "=cmd|' /C calc'!A0",
        "+SUM(1,2)@contoso.com",
        "@SUM(A1)",
        "\t=TAB()@contoso.com",
        "\r@CR()@contoso.com",
        "=1+1@contoso.com",
        "pipe|user<script>alert(1)</script>@contoso.com",
    ] {
        assert!(upns.contains(upn), "{upn:?} not in the actions: {upns:#?}");
    }
    let held: BTreeSet<&str> = plan["held_back"]
        .as_array()
        .expect("held_back")
        .iter()
        .filter_map(|h| h["upn"].as_str())
        .collect();
    assert!(held.contains("-2+3@contoso.com"), "{held:?}");
    assert!(held.contains("+1@contoso.com"), "{held:?}");
}

/// A users file listing one record twice (the same content: two that differ are an error,
/// `ingest_hostile.rs`), members and assignments naming groups that resolve nowhere: findings,
/// not errors (the tenant is usable).
#[test]
fn duplicate_ids_and_names_that_resolve_nowhere_are_findings() {
    let v: Value =
        serde_json::from_str(&run_ok(&["inspect", HOSTILE, "--format", "json"])).expect("JSON");
    let findings = v["findings"].as_array().expect("findings");
    let finding = |code: &str| -> &Value {
        findings
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("no {code} finding in {findings:#?}"))
    };
    let dup = finding("duplicate-record");
    assert_eq!(dup["count"], 1);
    assert_eq!(
        dup["examples"],
        serde_json::json!(["user 10000000-0000-4000-8000-000000000001 (users.csv:14)"])
    );
    let dangling = finding("dangling-reference");
    let examples: Vec<&str> = dangling["examples"]
        .as_array()
        .expect("examples")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for e in [
        // assignments.csv: assigned_by_group names a group that is not in the exports.
        "group \"+NOWHERE()\" (assignments.csv:15)",
        // memberships.csv: the group column names no group.
        "group \"=DANGLING()\" (memberships.csv:6)",
        "member \"-nobody@contoso.com\" (memberships.csv:7)",
        "user -nobody@contoso.com (assignments.csv:16)",
    ] {
        assert!(examples.contains(&e), "{e:?} not in {examples:?}");
    }
    // The first record of the duplicated id is the one kept.
    assert_eq!(v["users"], 12);
}

/// licplan writes no CSV: its formats are table, Markdown, JSON and YAML. Should one be added,
/// its cells need the same neutralisation as the Markdown tables.
#[test]
fn there_is_no_csv_output_to_neutralise() {
    let out = licplan(&["inspect", HOSTILE, "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("markdown"));
}

/// The table checks above must catch what they look for, or their passing proves nothing.
#[test]
fn the_table_checker_catches_formulas_split_cells_and_cut_rows() {
    let header = "| a | b |\n| --- | ---: |\n";
    let caught = |md: &str| {
        let md = md.to_owned();
        std::panic::catch_unwind(move || {
            check_cells("self-test", &md);
        })
        .is_err()
    };
    assert!(!caught(&format!(
        // A backslash before a pipe keeps it in the cell, even after another backslash.
        "{header}| 'x\\|y | - |\n| '\t=1 | '<br>+1 |\n| x\\\\|y | z |\n"
    )));
    for bad in [
        "| =1+1 | y |\n",
        "| x | +1 |\n",
        "| -2 | y |\n",
        "| @A1 | y |\n",
        "| \t=1 | y |\n",
        "| \r=1 | y |\n",
        "| x|y | z |\n",
        "| x | y\nz | w |\n",
    ] {
        assert!(caught(&format!("{header}{bad}")), "not caught: {bad:?}");
    }
    assert_eq!(split_row("| a\\|b | `c` |  |"), ["a\\|b", "`c`", ""]);
}
