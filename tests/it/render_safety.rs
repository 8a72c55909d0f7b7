//! Safe human-readable output, through the binary, on `testdata/hostile-render/`: a tenant whose
//! user and group names are Markdown images and links (`![x](https://tracker.example/p.png)`,
//! `[click](javascript:alert(1))`, `<https://…>`, reference links, `www.`), HTML entities,
//! formulas after leading spaces (and a fullwidth `＝`), bidi overrides and isolates, zero-width
//! and other invisible characters, ANSI escapes, tabs, C1 controls, a name of only spaces and a
//! 5,000-character name; its plan's intent (`testdata/hostile-render-intent.yaml`) adds more.
//!
//! Markdown must render none of it as an image, a link or a tag, split no table cell and hand a
//! spreadsheet no formula; terminal tables and the simulate listing must show every hidden
//! character escaped and stay bounded in width; JSON keeps every name exactly.

use crate::common::{licplan, root};

const TENANT: &str = "testdata/hostile-render";
const INTENT: &str = "testdata/hostile-render-intent.yaml";

/// Runs licplan, which must succeed, and returns its stdout.
#[track_caller]
fn run(args: &[&str]) -> String {
    let out = licplan(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "licplan {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Characters that must never reach a reader raw (as `render::grid::is_hidden` lists them).
fn hidden(c: char) -> bool {
    licplan::render::grid::is_hidden(c)
}

/// Whether the character at byte `at` follows an odd number of backslashes (is escaped).
fn escaped(line: &str, at: usize) -> bool {
    line[..at].chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Splits a Markdown table row into cells as cmark-gfm does: a `|` after an odd number of
/// backslashes is part of the cell.
fn cells(line: &str) -> Vec<String> {
    let inner = &line[1..line.len() - 1];
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        if c == '|' && !escaped(inner, i) {
            out.push(inner[start..i].trim().to_owned());
            start = i + 1;
        }
    }
    out.push(inner[start..].trim().to_owned());
    out
}

const FORMULA: &[char] = &[
    '=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// Every problem a Markdown report has: syntax from a name left live, a hidden character, a row
/// with more or fewer cells than its header, a cell a spreadsheet would run.
fn markdown_problems(md: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut columns = None;
    for (n, line) in md.lines().enumerate() {
        let at = |what: &str| format!("line {}: {what}: {line:.200}", n + 1);
        for (i, c) in line.char_indices() {
            let live = match c {
                // `[` and `]` make links, images, reference links; `<` tags and autolinks (the
                // reports' own `<br>` aside); `&` entities.
                '[' | ']' | '&' => !escaped(line, i),
                '<' => !escaped(line, i) && !line[i..].starts_with("<br>"),
                ':' => line[i..].starts_with("://") && !escaped(line, i),
                c => hidden(c) && c != '\t',
            };
            if live {
                problems.push(at(&format!("{c:?} at {i}")));
            }
        }
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let row = cells(line);
        match columns {
            None => columns = Some(row.len()),
            Some(k) if k != row.len() => {
                problems.push(at(&format!("{} cells under a header of {k}", row.len())));
            }
            Some(_) => {}
        }
        let delimiter = row
            .iter()
            .all(|c| !c.is_empty() && c.trim_matches(':').chars().all(|c| c == '-'));
        if delimiter {
            continue;
        }
        for cell in row {
            let first = cell.chars().find(|c| !c.is_whitespace());
            if cell != "-" && first.is_some_and(|c| FORMULA.contains(&c)) {
                problems.push(at(&format!("formula cell {cell:.60?}")));
            }
        }
    }
    problems
}

fn markdown_reports() -> Vec<(&'static str, String)> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let plan = dir.path().join("plan.json");
    let plan_arg = plan.to_str().expect("UTF-8 path");
    run(&[
        "plan", TENANT, "--intent", INTENT, "--format", "json", "--output", plan_arg,
    ]);
    vec![
        ("inspect", run(&["inspect", TENANT, "--format", "markdown"])),
        (
            "plan",
            run(&["plan", TENANT, "--intent", INTENT, "--format", "markdown"]),
        ),
        (
            "simulate",
            run(&[
                "simulate", TENANT, "--plan", plan_arg, "--format", "markdown",
            ]),
        ),
    ]
}

#[test]
fn markdown_reports_render_names_as_text_only() {
    for (what, md) in markdown_reports() {
        let problems = markdown_problems(&md);
        assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
    }
}

/// The payloads reach the reports, neutralised (else the check above proves nothing).
#[test]
fn markdown_reports_carry_the_payloads_escaped() {
    let reports = markdown_reports();
    let all = format!("{}\n{}", reports[0].1, reports[1].1);
    // The simulate report names the plan's users and groups, escaped the same way.
    for expected in [
        "abc\\u{202e}txt.exe",
        "!\\[g\\](https\\://tracker.example/group.png)",
    ] {
        assert!(reports[2].1.contains(expected), "simulate: no {expected:?}");
    }
    for expected in [
        "!\\[x\\](https\\://tracker.example/p.png)",
        "\\[click\\](javascript:alert(1))",
        "\\<https\\://tracker.example/auto>",
        "\\[ref\\]\\[1\\]",
        "x<br>\\[1\\]: https\\://tracker.example/ref.png",
        "www\\.tracker.example",
        "\\&lt;b\\&gt;entity",
        "back\\\\\\|slash",
        "| '  =HYPERLINK(\"https\\://evil.example\",\"x\") |",
        "| '\u{FF1D}1+1 |",
        "| '\t+1@contoso.com |",
        "abc\\u{202e}txt.exe",
        "\\u{2066}isolate\\u{2069}",
        "zero\\u{200b}width",
        "\\u{1b}\\[31mred\\u{1b}\\[0m",
        "nel\\u{85}line\\u{2028}sep",
        "| \"   \" |",
        // From the intent: the plan's name and its carrying group.
        "# \\[plan\\](javascript:alert(1)) !\\[p\\](https\\://tracker.example/name.png) \\u{202e}evil",
        "'=!\\[g\\](https\\://tracker.example/group.png) \\u{2066}\\<b>\\&amp;",
    ] {
        assert!(all.contains(expected), "no {expected:?} in the reports");
    }
}

/// Every line of a terminal report: no hidden character, and no line wider than the longest a
/// cut name can make.
fn terminal_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(c) = line.chars().find(|c| hidden(*c)) {
            problems.push(format!("line {}: raw {c:?}: {line:.200}", n + 1));
        }
        let width = line.chars().count();
        if width > licplan::render::grid::MAX_LINE_CHARS + 300 {
            problems.push(format!("line {}: {width} characters wide", n + 1));
        }
    }
    problems
}

#[test]
fn terminal_reports_escape_hidden_characters_and_cut_long_names() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let plan = dir.path().join("plan.yaml");
    let plan_arg = plan.to_str().expect("UTF-8 path");
    run(&[
        "plan", TENANT, "--intent", INTENT, "--format", "yaml", "--output", plan_arg,
    ]);
    let reports = [
        ("inspect", run(&["inspect", TENANT])),
        ("plan", run(&["plan", TENANT, "--intent", INTENT])),
        ("simulate", run(&["simulate", TENANT, "--plan", plan_arg])),
    ];
    for (what, text) in &reports {
        let problems = terminal_problems(text);
        assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
    }
    let (inspect, simulate) = (&reports[0].1, &reports[2].1);
    for expected in [
        "abc\\u{202e}txt.exe",
        "\\u{2066}isolate\\u{2069}",
        "\\u{1b}[31mred\\u{1b}[0m",
        "… (4000 more characters)",
        "│ \"   \" ",
    ] {
        assert!(inspect.contains(expected), "inspect: no {expected:?}");
    }
    for expected in [
        "tab\\there@contoso.com",
        "zero\\u{200b}width@contoso.com",
        "x\\n[1]: https://tracker.example/ref.png",
        "nel\\u{85}line\\u{2028}sep@contoso.com",
    ] {
        assert!(simulate.contains(expected), "simulate: no {expected:?}");
    }
}

#[test]
fn json_keeps_every_name_exactly() {
    let v: serde_json::Value =
        serde_json::from_str(&run(&["inspect", TENANT, "--format", "json"])).expect("JSON");
    let names: Vec<&str> = v["licensed_groups"]
        .as_array()
        .expect("licensed groups")
        .iter()
        .filter_map(|g| g["display_name"].as_str())
        .collect();
    let groups: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(TENANT).join("groups.json")).expect("groups.json"),
    )
    .expect("groups JSON");
    for g in groups["value"].as_array().expect("groups") {
        let name = g["displayName"].as_str().expect("a name");
        assert!(names.contains(&name), "{name:?} changed in the JSON");
    }
}
