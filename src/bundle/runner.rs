//! The fixed PowerShell runners of every bundle (`apply.ps1`, `undo.ps1`): they read the
//! manifest as data and hold no tenant data.

/// `apply.ps1` as written into a bundle (UTF-8 with BOM).
pub fn apply_ps1() -> Vec<u8> {
    with_bom(include_str!("runner/apply.ps1"))
}

/// `undo.ps1` as written into a bundle (UTF-8 with BOM).
pub fn undo_ps1() -> Vec<u8> {
    with_bom(include_str!("runner/undo.ps1"))
}

fn with_bom(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + text.len());
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(text.as_bytes());
    out
}
