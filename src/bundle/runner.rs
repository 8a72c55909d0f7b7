//! The fixed PowerShell runners of every bundle (`apply.ps1`, `undo.ps1`): they read the
//! manifest as data and hold no tenant data. `undo.ps1` runs `apply.ps1` (beside it in the
//! bundle) on the manifest's `undo` list, so both share one engine.

/// `apply.ps1` as written into a bundle (UTF-8 with BOM).
pub fn apply_ps1() -> Vec<u8> {
    with_bom(include_str!("runner/apply.ps1"))
}

/// `undo.ps1` as written into a bundle (UTF-8 with BOM). It needs `apply.ps1` beside it.
pub fn undo_ps1() -> Vec<u8> {
    with_bom(include_str!("runner/undo.ps1"))
}

/// The runners' exit codes as a Markdown table, for the README and the bundle's README (the
/// scripts' `.NOTES` say the same; a test keeps them in step).
pub const RUNNER_EXIT_CODES_MD: &str = "\
| Exit code | Meaning |
|---|---|
| 0 | Every op done or already done (re-running a finished bundle is a no-op). A `-WhatIf` run: nothing stale found, nothing written. |
| 1 | An unexpected outcome: the run stopped at that op (Graph refused a write, a write's postcondition did not hold on re-read, a 5xx whose re-read did not prove the write landed). See `journal.csv` and the transcript. |
| 2 | Refused before any write, or a stale op: plan hash or tenant mismatch, unusable manifest, missing module, a precondition that no longer holds (without `-Force`; a `-WhatIf` run also exits 2 when it finds a stale op). |
| 3 | Stopped part-way and resumable: group license processing not complete within the timeout, throttled beyond the retry budget, an op declined at the prompt. Run again with `-Resume`. |
";

fn with_bom(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + text.len());
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(text.as_bytes());
    out
}
