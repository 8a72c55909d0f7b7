//! The fixed PowerShell runners (`apply.ps1`, `undo.ps1`): they parse with a PowerShell grammar
//! (no pwsh on the machines: the grammar is the check), are ASCII after a BOM, hold no
//! code-building or legacy cmdlets and no tenant data, and every Graph write sits under
//! `ShouldProcess`.

use std::collections::{BTreeMap, BTreeSet};

use licplan::bundle::runner;
use tree_sitter::{Node, Tree};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A runner's text after its BOM (failing the test when the BOM or UTF-8 is missing).
#[track_caller]
fn text_of(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(BOM), "the runner starts with a UTF-8 BOM");
    String::from_utf8(bytes[BOM.len()..].to_vec()).expect("the runner is UTF-8")
}

fn apply() -> String {
    text_of(&runner::apply_ps1())
}

fn undo() -> String {
    text_of(&runner::undo_ps1())
}

fn parse(src: &str) -> Tree {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("the PowerShell grammar loads");
    parser.parse(src, None).expect("the parser returns a tree")
}

/// Every node of the tree, depth first.
fn nodes(tree: &Tree) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        out.push(n);
        let mut cursor = n.walk();
        let children: Vec<Node> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The ERROR and MISSING nodes of a script, as `line:column kind` (walking the whole tree).
fn syntax_errors(src: &str) -> Vec<String> {
    let tree = parse(src);
    nodes(&tree)
        .into_iter()
        .filter(|n| n.is_error() || n.is_missing())
        .map(|n| {
            let p = n.start_position();
            let what = if n.is_missing() { "MISSING" } else { "ERROR" };
            format!("{}:{} {what} {}", p.row + 1, p.column + 1, n.kind())
        })
        .collect()
}

fn text<'a>(n: Node, src: &'a str) -> &'a str {
    &src[n.byte_range()]
}

fn count_kind(src: &str, kind: &str) -> usize {
    let tree = parse(src);
    nodes(&tree).iter().filter(|n| n.kind() == kind).count()
}

#[test]
fn runners_parse_without_error_or_missing_nodes() {
    for (name, src) in [("apply.ps1", apply()), ("undo.ps1", undo())] {
        let errors = syntax_errors(&src);
        assert!(errors.is_empty(), "{name} has syntax errors: {errors:?}");
    }
    // A parse that swallowed the script (one comment, one string) would also have no errors.
    assert!(count_kind(&apply(), "function_statement") >= 40);
    assert!(count_kind(&apply(), "if_statement") >= 100);
    assert!(count_kind(&undo(), "command") >= 5);
}

#[test]
fn a_broken_script_has_error_nodes() {
    let src = apply();
    let cases = [
        (
            "an if without its closing parenthesis",
            src.replacen("if ($null -eq $Object) {", "if ($null -eq $Object {", 1),
        ),
        (
            "a function without its closing brace",
            src.replacen("    return $t\n}\n", "    return $t\n", 1),
        ),
        (
            "an unterminated string",
            src.replacen("'licplan-bundle/1'", "'licplan-bundle/1", 1),
        ),
    ];
    for (what, broken) in cases {
        assert_ne!(broken, src, "the mutation '{what}' changed the script");
        assert!(
            !syntax_errors(&broken).is_empty(),
            "{what}: the grammar finds no error"
        );
    }
}

#[test]
fn runners_are_ascii_after_the_bom() {
    for (name, bytes) in [
        ("apply.ps1", runner::apply_ps1()),
        ("undo.ps1", runner::undo_ps1()),
    ] {
        assert!(bytes.starts_with(BOM), "{name} starts with a BOM");
        let body = &bytes[BOM.len()..];
        let bad: Vec<(usize, u8)> = body
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, b)| !(b == b'\n' || (0x20..0x7F).contains(&b)))
            .collect();
        assert!(
            bad.is_empty(),
            "{name} has bytes other than printable ASCII and LF: {bad:?}"
        );
        assert!(!body.starts_with(BOM), "{name} has one BOM");
    }
}

#[test]
fn runners_hold_no_code_building_legacy_cmdlets_or_tenant_data() {
    let banned = [
        "invoke-expression",
        "iex ",
        "[scriptblock]::create",
        "add-type",
        "-msol",
        "-azuread",
        "set-mguserlicense",
        "set-mggrouplicense",
        "invoke-restmethod",
        "invoke-webrequest",
        "new-module",
        "$executioncontext",
    ];
    let guid = regex::Regex::new(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-").expect("regex");
    for (name, src) in [("apply.ps1", apply()), ("undo.ps1", undo())] {
        let lower = src.to_lowercase();
        for b in banned {
            assert!(!lower.contains(b), "{name} contains {b}");
        }
        assert!(!guid.is_match(&src), "{name} holds a GUID");
        // Data is never spliced into double-quoted strings (they expand $(...)): the only
        // double-quoted strings are constants without `$`.
        let tree = parse(&src);
        for n in nodes(&tree) {
            if n.kind() == "expandable_string_literal" {
                let s = text(n, &src);
                assert!(
                    ["\"`r`n\"", "\"'\"", "\"''\""].contains(&s),
                    "{name}: a double-quoted string {s}"
                );
            }
        }
    }
    // The check sees an expandable string when one is there.
    let probe = "$a = \"x $(Get-Date)\"\n";
    let tree = parse(probe);
    assert!(nodes(&tree)
        .iter()
        .any(|n| n.kind() == "expandable_string_literal"));
}

/// Calls of each command by name: the call nodes.
fn calls<'t>(tree: &'t Tree, src: &str) -> BTreeMap<String, Vec<Node<'t>>> {
    let mut out: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    for n in nodes(tree) {
        if n.kind() == "command" {
            if let Some(name) = n
                .child_by_field_name("command_name")
                .or_else(|| n.named_child(0))
            {
                out.entry(text(name, src).to_string()).or_default().push(n);
            }
        }
    }
    out
}

/// The name of the function a node sits in (None at the script's top level).
fn enclosing_function(n: Node, src: &str) -> Option<String> {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if p.kind() == "function_statement" {
            let mut c = p.walk();
            let name = p.children(&mut c).find(|ch| ch.kind() == "function_name")?;
            return Some(text(name, src).to_string());
        }
        cur = p.parent();
    }
    None
}

/// Whether a node sits in the then-block of an `if (….ShouldProcess(…))`.
fn under_should_process(n: Node, src: &str) -> bool {
    let mut child = n;
    let mut cur = n.parent();
    while let Some(p) = cur {
        if p.kind() == "if_statement" {
            let mut c = p.walk();
            let kids: Vec<Node> = p.children(&mut c).collect();
            let condition = kids.iter().find(|k| k.kind() == "pipeline");
            let then_block = kids.iter().find(|k| k.kind() == "statement_block");
            if let (Some(cond), Some(block)) = (condition, then_block) {
                if text(*cond, src).contains(".ShouldProcess(") && block.id() == child.id() {
                    return true;
                }
            }
        }
        child = p;
        cur = p.parent();
    }
    false
}

/// The functions all of whose calls run under ShouldProcess, directly or through a function
/// that does (a function nobody calls is not guarded).
fn guarded_functions(src: &str) -> BTreeSet<String> {
    let tree = parse(src);
    let calls = calls(&tree, src);
    let mut guarded = BTreeSet::new();
    loop {
        let before = guarded.len();
        for (name, sites) in &calls {
            let ok = !sites.is_empty()
                && sites.iter().all(|site| {
                    under_should_process(*site, src)
                        || enclosing_function(*site, src)
                            .is_some_and(|f| f != *name && guarded.contains(&f))
                });
            if ok {
                guarded.insert(name.clone());
            }
        }
        if guarded.len() == before {
            return guarded;
        }
    }
}

/// What is wrong with the way a script reaches Graph: `Invoke-MgGraphRequest` only in
/// `Invoke-GraphCall`; `Invoke-GraphCall` only for GETs, the read-only `$batch`, or from a
/// function that runs under ShouldProcess.
fn write_problems(src: &str) -> Vec<String> {
    let tree = parse(src);
    let calls = calls(&tree, src);
    let guarded = guarded_functions(src);
    let mut problems = Vec::new();
    for site in calls.get("Invoke-MgGraphRequest").into_iter().flatten() {
        let f = enclosing_function(*site, src);
        if f.as_deref() != Some("Invoke-GraphCall") {
            problems.push(format!("Invoke-MgGraphRequest called in {f:?}"));
        }
    }
    for site in calls.get("Invoke-GraphCall").into_iter().flatten() {
        let call = text(*site, src);
        let f = enclosing_function(*site, src).unwrap_or_default();
        let read = call.contains("-Method 'GET'");
        let batch = call.contains("-Method 'POST' -Uri 'v1.0/$batch'");
        let write_ok = guarded.contains(&f);
        if !(read || batch || write_ok) {
            let row = site.start_position().row + 1;
            problems.push(format!("line {row}: a write outside ShouldProcess: {call}"));
        }
    }
    for site in calls.get("Send-GraphWrite").into_iter().flatten() {
        if !guarded.contains("Send-GraphWrite") {
            let row = site.start_position().row + 1;
            problems.push(format!(
                "line {row}: Send-GraphWrite reachable outside ShouldProcess"
            ));
        }
    }
    problems
}

#[test]
fn every_graph_write_runs_under_should_process() {
    let src = apply();
    let tree = parse(&src);
    let calls = calls(&tree, &src);
    assert_eq!(calls.get("Invoke-MgGraphRequest").map(Vec::len), Some(1));
    assert!(calls.get("Send-GraphWrite").map_or(0, Vec::len) >= 3);
    assert!(guarded_functions(&src).contains("Invoke-OpWrite"));
    assert!(guarded_functions(&src).contains("Send-GraphWrite"));
    assert_eq!(write_problems(&src), Vec::<String>::new());
    // The batch is read-only: it only ever carries GETs.
    assert!(src.contains("'\",\"method\":\"GET\",\"url\":'"));
    assert!(src.contains("$script:Runner = $PSCmdlet"));
    // The check fails on a write outside ShouldProcess, direct or through a helper.
    let marker = "$script:TranscriptOn = $false\ntry {";
    assert!(src.contains(marker));
    let direct = src.replacen(
        marker,
        &format!("Send-GraphWrite -Method 'POST' -Uri '/users' -Body '' -Headers @{{}}\n{marker}"),
        1,
    );
    assert!(!write_problems(&direct).is_empty());
    let raw = src.replacen(
        marker,
        &format!("Invoke-GraphCall -Method 'DELETE' -Uri 'v1.0/groups/x'\n{marker}"),
        1,
    );
    assert!(!write_problems(&raw).is_empty());
    let helper = src.replacen(marker, &format!("Invoke-OpWrite $op 'x' ''\n{marker}"), 1);
    assert!(!write_problems(&helper).is_empty());
    assert!(syntax_errors(&helper).is_empty());
}

/// The script-level parameters (`param(...)` of the program, not of its functions).
fn script_params(src: &str) -> Vec<String> {
    let tree = parse(src);
    let block = nodes(&tree)
        .into_iter()
        .find(|n| n.kind() == "param_block" && enclosing_function(*n, src).is_none())
        .expect("a script param block");
    let mut out = Vec::new();
    let mut stack = vec![block];
    while let Some(n) = stack.pop() {
        if n.kind() == "script_parameter" {
            let mut c = n.walk();
            if let Some(v) = n.children(&mut c).find(|k| k.kind() == "variable") {
                out.push(text(v, src).trim_start_matches('$').to_string());
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    out.sort();
    out
}

#[test]
fn runners_declare_their_parameters_help_and_exit_codes() {
    let a = apply();
    let u = undo();
    assert_eq!(
        script_params(&a),
        [
            "Force",
            "Manifest",
            "PlanHash",
            "Resume",
            "TenantId",
            "TimeoutMinutes",
            "Undo"
        ]
    );
    let mut forward: Vec<String> = script_params(&a)
        .into_iter()
        .filter(|p| p != "Undo")
        .collect();
    forward.sort();
    assert_eq!(
        script_params(&u),
        forward,
        "undo.ps1 takes apply.ps1's parameters"
    );
    for (name, src) in [("apply.ps1", &a), ("undo.ps1", &u)] {
        for needle in [
            "[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]",
            "Set-StrictMode -Version Latest",
            "$ErrorActionPreference = 'Stop'",
            "[Parameter(Mandatory = $true)]\n    [string]$PlanHash",
            ".SYNOPSIS",
            ".DESCRIPTION",
            ".EXAMPLE",
            ".NOTES\nEXIT CODES",
        ] {
            assert!(src.contains(needle), "{name} lacks {needle}");
        }
        for p in script_params(src) {
            assert!(
                src.contains(&format!(".PARAMETER {p}\n")),
                "{name} has no help for -{p}"
            );
        }
        for code in 0..=3 {
            assert!(
                src.contains(&format!("\n  {code}  ")),
                "{name}'s help lacks exit code {code}"
            );
            assert!(runner::RUNNER_EXIT_CODES_MD.contains(&format!("\n| {code} | ")));
        }
        assert!(
            !src.contains("\n  4  "),
            "{name} documents an exit code it does not use"
        );
    }
    // Every exit the engine takes is one of the documented codes.
    let exits =
        regex::Regex::new(r"Stop-Run ([0-9]+)|ExitCode = ([0-9]+)|exit ([0-9]+)").expect("regex");
    for c in exits.captures_iter(&a) {
        let code: u32 = c
            .iter()
            .skip(1)
            .flatten()
            .next()
            .expect("a code")
            .as_str()
            .parse()
            .expect("a number");
        assert!(code <= 3, "apply.ps1 exits {code}");
    }
}

#[test]
fn undo_runs_the_apply_engine_on_the_undo_list() {
    let u = undo();
    assert!(!u.contains("Invoke-MgGraphRequest"));
    assert!(u.contains("Join-Path -Path $PSScriptRoot -ChildPath 'apply.ps1'"));
    assert!(
        u.contains("foreach ($key in $PSBoundParameters.Keys)"),
        "-WhatIf and -Confirm reach apply.ps1"
    );
    assert!(u.contains("$forward['Undo'] = $true\n& $engine @forward\nexit $LASTEXITCODE\n"));
    let a = apply();
    assert!(a.contains("if ($Undo) { $listName = 'undo'; $journalName = 'undo-journal.csv' }"));
    assert!(a.contains("$journalName = 'journal.csv'"));
}

#[test]
fn runners_read_the_manifest_as_data() {
    let a = apply();
    for needle in [
        "Get-Content -LiteralPath $Path -Raw -Encoding UTF8 | ConvertFrom-Json",
        "$script:Schema = 'licplan-bundle/1'",
        "Connect-MgGraph @params",
        "NoWelcome = $true",
        "Start-Transcript",
        "$script:JournalColumns = 'time_utc,op_id,target,http_status,request_id,outcome,message'",
        "'v1.0/$batch'",
        "'Prefer'",
    ] {
        if needle == "'Prefer'" {
            // The upsert header comes from the manifest, not from the script.
            assert!(!a.contains(needle));
            continue;
        }
        assert!(a.contains(needle), "apply.ps1 lacks {needle}");
    }
    for outcome in [
        "done",
        "already-done",
        "skipped-whatif",
        "stale",
        "failed",
        "pending",
        "resolved-placeholder",
    ] {
        assert!(
            a.contains(&format!("'{outcome}'")),
            "apply.ps1 never records {outcome}"
        );
    }
    let kinds = [
        "user-direct-license",
        "user-group-license",
        "member",
        "group-exists",
        "group-license",
        "group-processing-complete",
        "usage-location",
    ];
    for kind in kinds {
        assert!(
            a.contains(&format!("$kind -eq '{kind}'")) || a.contains(&format!("'{kind}' {{")),
            "apply.ps1 does not evaluate {kind}"
        );
    }
}

#[test]
fn runner_snapshots() {
    insta::assert_snapshot!("runner-apply-ps1", apply());
    insta::assert_snapshot!("runner-undo-ps1", undo());
}
