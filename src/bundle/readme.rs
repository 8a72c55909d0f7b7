//! The bundle's `README.md`: what it does, who runs it, how to dry-run, run, resume, undo and
//! verify it. Names from the plan are escaped as Markdown text.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::render::markdown::cell;

use super::manifest::{Manifest, OpKind};

fn counts(ops: &[super::manifest::Operation]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for k in OpKind::ALL {
        let n = ops.iter().filter(|o| o.kind == k).count();
        if n > 0 {
            out.insert(k.as_str(), n);
        }
    }
    out
}

/// The README text.
pub fn readme(m: &Manifest) -> String {
    let mut s = String::new();
    let unit = match &m.wave {
        Some(w) => format!(
            "stage {}, wave {} ({})",
            m.stage.number,
            w.number,
            cell(&w.label)
        ),
        None => format!("stage {}", m.stage.number),
    };
    let unit_args = match &m.wave {
        Some(w) => format!("--stage {} --wave {}", m.stage.number, w.number),
        None => format!("--stage {}", m.stage.number),
    };
    let _ = writeln!(
        s,
        "# licplan bundle: {unit} of the plan {}\n",
        cell(&m.plan.name)
    );
    let _ = writeln!(
        s,
        "Stage {} ({}): {}.\n",
        m.stage.number,
        cell(&m.stage.kind),
        cell(&m.stage.title)
    );
    let _ = writeln!(s, "- Plan hash: `{}`", m.plan.hash);
    let _ = writeln!(s, "- Export hash: `{}`", m.export.hash);
    if let Some(t) = &m.export.tenant_id {
        let _ = writeln!(s, "- Tenant id: `{}`", cell(t));
    }
    let _ = writeln!(s, "\n## What it does\n");
    if m.ops.is_empty() {
        let _ = writeln!(s, "Nothing: this unit has no operations.");
    }
    for (k, n) in counts(&m.ops) {
        let _ = writeln!(s, "- `{k}`: {n}");
    }
    let _ = writeln!(
        s,
        "\n`manifest.json` lists every operation in run order with its precondition (checked \
         before the write), its Graph request and its postcondition (an operation whose \
         postcondition already holds is skipped, so a run can be repeated). Undo: {} \
         operation(s):\n",
        m.undo.len()
    );
    for (k, n) in counts(&m.undo) {
        let _ = writeln!(s, "- `{k}`: {n}");
    }
    if !m.placeholders.is_empty() {
        let _ = writeln!(
            s,
            "\nGroups the plan creates are named `{{placeholder:<uniqueName>}}` until they \
             exist: the runner creates them by `uniqueName` and records their ids in \
             `journal.csv`. To send a batch file by hand, replace each token with the group's \
             object id first.\n"
        );
        for p in &m.placeholders {
            let _ = writeln!(s, "- `{}`: {}", p.unique_name, cell(&p.display_name));
        }
    }
    let _ = writeln!(s, "\n## Who runs it\n");
    let _ = writeln!(
        s,
        "An account with one of these Entra roles: {}. Connect with these delegated scopes \
         (the least the operations and their checks need):\n",
        m.roles.join(", ")
    );
    let _ = writeln!(
        s,
        "```powershell\nConnect-MgGraph -Scopes {}\n```\n",
        m.scopes.join(",")
    );
    let _ = writeln!(
        s,
        "Writes are paced to {} per {} seconds.\n",
        m.pacing.writes_per_window, m.pacing.window_seconds
    );
    let hash = &m.plan.hash;
    let _ = writeln!(s, "## Run it\n");
    let _ = writeln!(
        s,
        "1. Dry-run (reads and checks only, writes nothing):\n   `./apply.ps1 -PlanHash {hash} -WhatIf`"
    );
    let _ = writeln!(s, "2. Run: `./apply.ps1 -PlanHash {hash}`");
    let _ = writeln!(
        s,
        "3. If it stops (throttling, a failed check, a closed session), fix the cause and \
         resume where it stopped: `./apply.ps1 -PlanHash {hash} -Resume` (the runner reads \
         `journal.csv`)."
    );
    let _ = writeln!(
        s,
        "4. Export the tenant again and verify:\n   `licplan verify <FRESH-EXPORT> --plan plan.json {unit_args}`"
    );
    let _ = writeln!(s, "\n## Undo it\n");
    let _ = writeln!(
        s,
        "`./undo.ps1 -PlanHash {hash}` runs the undo operations (undo-journal.csv records them)."
    );
    if m.undo_proof.proven {
        let _ = writeln!(
            s,
            "\nProven by the simulator: from the unit's end, the undo gives each of the {} \
             user(s) the unit touches what they held when it began.",
            m.undo_proof.users_checked
        );
    } else {
        let _ = writeln!(
            s,
            "\n**The undo is NOT proven** ({} user(s) checked):\n",
            m.undo_proof.users_checked
        );
        for r in &m.undo_proof.reasons {
            let _ = writeln!(s, "- {}", cell(r));
        }
    }
    let _ = writeln!(s, "\n## Batch files\n");
    let _ = writeln!(
        s,
        "`batch/` and `undo-batch/` hold the same requests as Graph `$batch` bodies (see their \
         README.md). A `200` on a batch says nothing about each request: read every response's \
         own status."
    );
    s
}
