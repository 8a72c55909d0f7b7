//! How each report is redacted: which of its fields are personal (names, UPNs, ids, paths) and
//! which are licplan's own fixed texts or public product names.

use crate::inspect::Inspection;
use crate::plan::doc::{Action, Plan};
use crate::simulate::report::{ErrorRecord, SimReport, Violation};

use super::Redactor;

/// The folder every path starts with, up to and with its last separator: the tenant folder
/// (or the folder above several), which may name a person or a customer.
pub(super) fn common_folder<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let mut common: Option<&str> = None;
    for p in paths {
        let dir = match p.rfind(['/', '\\']) {
            Some(i) => &p[..=i],
            None => "",
        };
        common = Some(match common {
            None => dir,
            Some(c) => {
                let same = c
                    .char_indices()
                    .zip(dir.chars())
                    .take_while(|((_, a), b)| a == b)
                    .last()
                    .map_or(0, |((i, a), _)| i + a.len_utf8());
                // Back to a separator, so no folder is cut in two.
                let n = c[..same].rfind(['/', '\\']).map_or(0, |i| i + 1);
                &c[..n]
            }
        });
    }
    common.unwrap_or("").to_owned()
}

/// Redacts the file names of an export read, as `inspect --redact` does its sources: the
/// folder they share goes (it may name a person or a customer) and each name's ids and names
/// are replaced (`members.<group id>.json`).
pub fn redact_paths(r: &Redactor, read: &mut crate::plan::doc::ExportRead) {
    let root = common_folder(read.files.iter().map(|f| f.file.as_str()));
    read.map_files(&|p| r.text(p.strip_prefix(root.as_str()).unwrap_or(p)));
}

/// Rewrites a report's personal strings in place.
pub trait Redact {
    fn redact(&mut self, r: &Redactor);
}

impl Redact for Inspection {
    fn redact(&mut self, r: &Redactor) {
        // File names can carry ids and names (members.<group-id>.json, Users/<upn>.json), and
        // the folders above the tenant a person's or a customer's name.
        let root = common_folder(self.sources.iter().map(|s| s.file.as_str()));
        let local = |p: &str| r.text(p.strip_prefix(root.as_str()).unwrap_or(p));
        for s in &mut self.sources {
            s.file = local(&s.file);
        }
        // Skipped files are named as given (`<path>: <why>`), sources relative to the tenant
        // (see `paths`): the folders above the skipped ones go too.
        let skipped_paths: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.code == crate::findings::FindingCode::SkippedFile.as_str())
            .flat_map(|f| f.examples.iter())
            .map(|e| e.split_once(": ").map_or(e.as_str(), |(p, _)| p))
            .collect();
        let skipped_root = common_folder(skipped_paths.into_iter());
        let local_skipped = |p: &str| {
            let p = p.strip_prefix(skipped_root.as_str()).unwrap_or(p);
            r.text(p.strip_prefix(root.as_str()).unwrap_or(p))
        };
        r.opt(&mut self.default_usage_location);
        for s in &mut self.skus {
            r.one(&mut s.sku_id);
            r.opt(&mut s.sku_part_number);
            r.opt(&mut s.display_name);
        }
        for g in &mut self.licensed_groups {
            r.one(&mut g.group_id);
            r.opt(&mut g.display_name);
            r.all(&mut g.licenses);
        }
        for e in &mut self.error_states {
            r.all(&mut e.examples);
        }
        for e in &mut self.evidence {
            e.detail = local(&e.detail);
        }
        for f in &mut self.findings {
            let skipped = f.code == crate::findings::FindingCode::SkippedFile.as_str();
            for e in &mut f.examples {
                *e = if skipped {
                    local_skipped(e)
                } else {
                    r.example(f.code, e)
                };
            }
        }
    }
}

fn violation(v: &mut Violation, r: &Redactor) {
    r.opt(&mut v.user);
    r.opt_id(&mut v.user_id);
    r.opt_id(&mut v.group_id);
    r.one(&mut v.lost);
    r.one(&mut v.cause);
}

fn error(e: &mut ErrorRecord, r: &Redactor) {
    r.opt(&mut e.user);
    r.opt_id(&mut e.user_id);
    r.opt(&mut e.group);
    r.opt_id(&mut e.group_id);
    r.opt(&mut e.sku);
    r.one(&mut e.detail);
}

impl Redact for SimReport {
    fn redact(&mut self, r: &Redactor) {
        for s in &mut self.steps {
            s.map_texts(|t| r.text(t));
        }
        for v in &mut self.violations {
            violation(v, r);
        }
        for e in &mut self.errors {
            error(e, r);
        }
        for u in &mut self.verdict.unchecked {
            r.one(&mut u.reason);
        }
        r.all(&mut self.assumptions);
    }
}

/// A created group's `uniqueName` made from its pseudonym (the real one holds its name).
fn redacted_unique_name(pseudonym: &str) -> String {
    crate::plan::names::unique_name(&crate::plan::names::mail_nickname(pseudonym), pseudonym, "")
}

/// An action's users and groups by their pseudonymous ids, its names by their pseudonyms.
/// Products and service plans are public and stay.
fn action(a: &mut Action, r: &Redactor) {
    use crate::simulate::ops::Op;
    match &mut a.op {
        Op::CreateGroup {
            group,
            mail_nickname,
            description,
            unique_name,
            ..
        } => {
            r.one(group);
            if let Some(n) = mail_nickname {
                *n = crate::plan::names::mail_nickname(group).into();
            }
            if let Some(d) = description {
                *d = r.text(d).into();
            }
            if let Some(u) = unique_name {
                *u = redacted_unique_name(group).into();
            }
        }
        Op::AssignGroupLicense { group, .. }
        | Op::ChangeGroupLicense { group, .. }
        | Op::RemoveGroupLicense { group, .. }
        | Op::DeleteGroup { group } => r.id(group),
        Op::AddMember { group, user } | Op::RemoveMember { group, user } => {
            r.id(group);
            r.id(user);
        }
        Op::AssignDirectLicense { user, .. }
        | Op::ChangeDirectLicense { user, .. }
        | Op::RemoveDirectLicense { user, .. }
        | Op::SetUsageLocation { user, .. } => r.id(user),
        Op::Reprocess { group, user } => {
            r.opt_id(group);
            r.opt_id(user);
        }
        Op::WaitForProcessing { group } => r.opt_id(group),
    }
    r.opt_id(&mut a.shown.group_id);
    r.opt_shared(&mut a.shown.group_name);
    r.opt_shared(&mut a.shown.user_upn);
}

impl Redact for Plan {
    fn redact(&mut self, r: &Redactor) {
        r.one(&mut self.name);
        for m in &mut self.moves {
            for g in &mut m.groups {
                r.one(&mut g.group_id);
                r.one(&mut g.group_name);
                if g.mail_nickname.is_some() {
                    g.mail_nickname = Some(crate::plan::names::mail_nickname(&g.group_name));
                }
                if g.unique_name.is_some() {
                    g.unique_name = Some(redacted_unique_name(&g.group_name));
                }
                r.opt(&mut g.description);
            }
            r.one(&mut m.scope);
        }
        for p in &mut self.placeholders {
            r.one(&mut p.group_id);
            r.one(&mut p.group_name);
            p.unique_name = redacted_unique_name(&p.group_name);
        }
        if let Some(re) = &mut self.replan {
            for g in &mut re.groups {
                r.one(&mut g.placeholder_id);
                r.one(&mut g.group_name);
                r.opt(&mut g.group_id);
                g.unique_name = redacted_unique_name(&g.group_name);
            }
        }
        for s in &mut self.stages {
            r.one(&mut s.title);
            r.one(&mut s.purpose);
            for a in &mut s.actions {
                action(a, r);
            }
            for a in &mut s.rollback_actions {
                action(a, r);
            }
            for w in &mut s.waves {
                for a in &mut w.actions {
                    action(a, r);
                }
                for a in &mut w.rollback_actions {
                    action(a, r);
                }
                r.all(&mut w.gates);
            }
            r.all(&mut s.gates);
            r.all(&mut s.risks);
            r.all(&mut s.rollback);
        }
        r.all(&mut self.pilot.named_not_moving);
        r.one(&mut self.pilot.source);
        for p in &mut self.rollback.parts {
            r.all(&mut p.reasons);
        }
        r.all(&mut self.verdict.warnings);
        // Reasons, fixes and why users were skipped are licplan's own fixed texts.
        for h in &mut self.held_back {
            r.id(&mut h.user_id);
            r.opt(&mut h.upn);
            r.opt_id(&mut h.group_id);
            r.opt(&mut h.group_name);
            r.one(&mut h.detail);
        }
        for s in &mut self.skipped {
            r.id(&mut s.user_id);
            r.opt(&mut s.upn);
        }
        for v in &mut self.verdict.violations {
            violation(v, r);
        }
        for u in &mut self.verdict.unchecked {
            r.one(&mut u.reason);
        }
        for e in &mut self.verdict.errors {
            error(e, r);
        }
        r.all(&mut self.assumptions);
    }
}
