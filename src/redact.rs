//! `--redact`: every UPN, display name, proxy address and object id of the tenant replaced by a
//! stable pseudonym in every output, so a plan can go to a change board or a vendor without
//! personal data.
//!
//! Pseudonyms are stable: the same tenant gives the same pseudonyms run after run (users and
//! groups are numbered in id order; ids become name-based GUIDs), so two redacted reports of one
//! tenant still line up. Product and service-plan names are not personal and stay.

use std::collections::BTreeSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::inspect::Inspection;
use crate::model::Tenant;
use crate::plan::doc::{Action, Plan};
use crate::simulate::report::{ErrorRecord, SimReport, Violation};

/// Replaces a tenant's personal strings with pseudonyms.
pub struct Redactor {
    matcher: Option<AhoCorasick>,
    replacements: Vec<String>,
    /// GUIDs are replaced wherever they stand (inside a file name too): a GUID never occurs by
    /// chance inside another word.
    anywhere: Vec<bool>,
}

fn pseudonymous_id(kind: &str, id: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("licplan:redact:{kind}:{id}").as_bytes(),
    )
    .hyphenated()
    .to_string()
}

impl Redactor {
    /// Builds the replacements for everything personal the tenant holds.
    pub fn new(t: &Tenant) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut addresses: BTreeSet<String> = BTreeSet::new();
        for (n, u) in t.users.values().enumerate() {
            let n = n + 1;
            pairs.push((u.id.to_string(), pseudonymous_id("user", &u.id.to_string())));
            if let Some(upn) = &u.upn {
                pairs.push((upn.clone(), format!("user{n}@redacted.invalid")));
            }
            if let Some(name) = &u.display_name {
                pairs.push((name.clone(), format!("User {n}")));
            }
            for a in &u.proxy_addresses {
                addresses.insert(crate::inspect::normalise_proxy_address(a));
            }
        }
        for (n, a) in addresses.iter().enumerate() {
            let pseudonym = format!("address{}@redacted.invalid", n + 1);
            pairs.push((format!("smtp:{a}"), format!("smtp:{pseudonym}")));
            pairs.push((a.clone(), pseudonym));
        }
        for (n, g) in t.groups.values().enumerate() {
            pairs.push((
                g.id.to_string(),
                pseudonymous_id("group", &g.id.to_string()),
            ));
            if let Some(name) = &g.display_name {
                pairs.push((name.clone(), format!("Group {}", n + 1)));
            }
            if let Some(rule) = &g.membership_rule {
                pairs.push((rule.clone(), "(membership rule redacted)".into()));
            }
        }
        // Empty and one-letter strings would match inside anything. Where two pseudonyms claim
        // one string (a UPN that is also a proxy address) the first — the user's — wins.
        pairs.retain(|(from, _)| from.trim().chars().count() >= 2);
        let mut seen = std::collections::HashSet::new();
        pairs.retain(|(from, _)| seen.insert(from.to_lowercase()));
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(pairs.iter().map(|(f, _)| f.as_str()))
            .ok();
        Redactor {
            matcher,
            anywhere: pairs
                .iter()
                .map(|(from, _)| crate::model::ids::looks_like_guid(from))
                .collect(),
            replacements: pairs.into_iter().map(|(_, to)| to).collect(),
        }
    }

    /// The text with every personal string replaced where it stands as a whole word (a match
    /// inside a longer identifier is left alone).
    pub fn text(&self, s: &str) -> String {
        let Some(m) = &self.matcher else {
            return s.to_owned();
        };
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "@._-".contains(c));
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for hit in m.find_iter(s) {
            let before = s[..hit.start()].chars().next_back();
            let after = s[hit.end()..].chars().next();
            if !self.anywhere[hit.pattern().as_usize()] && (word(before) || word(after)) {
                continue;
            }
            out.push_str(&s[last..hit.start()]);
            out.push_str(&self.replacements[hit.pattern().as_usize()]);
            last = hit.end();
        }
        out.push_str(&s[last..]);
        out
    }

    fn opt(&self, s: &mut Option<String>) {
        if let Some(v) = s {
            *v = self.text(v);
        }
    }

    fn opt_shared(&self, s: &mut Option<crate::plan::doc::Text>) {
        if let Some(v) = s {
            *v = self.text(v).into();
        }
    }

    fn all(&self, v: &mut [String]) {
        for s in v {
            *s = self.text(s);
        }
    }

    fn one(&self, s: &mut String) {
        *s = self.text(s);
    }
}

/// Rewrites a report's personal strings in place.
pub trait Redact {
    fn redact(&mut self, r: &Redactor);
}

impl Redact for Inspection {
    fn redact(&mut self, r: &Redactor) {
        // File names can carry ids (members.<group-id>.json).
        for s in &mut self.sources {
            r.one(&mut s.file);
        }
        for g in &mut self.licensed_groups {
            r.one(&mut g.group_id);
            r.opt(&mut g.display_name);
        }
        for e in &mut self.error_states {
            r.all(&mut e.examples);
        }
        for f in &mut self.findings {
            r.all(&mut f.examples);
        }
    }
}

fn violation(v: &mut Violation, r: &Redactor) {
    r.opt(&mut v.user);
    r.opt(&mut v.user_id);
    r.one(&mut v.lost);
    r.one(&mut v.cause);
}

fn error(e: &mut ErrorRecord, r: &Redactor) {
    r.opt(&mut e.user);
    r.opt(&mut e.group);
    r.one(&mut e.detail);
}

impl Redact for SimReport {
    fn redact(&mut self, r: &Redactor) {
        for s in &mut self.steps {
            r.one(&mut s.op);
            r.one(&mut s.effect);
        }
        for v in &mut self.violations {
            violation(v, r);
        }
        for e in &mut self.errors {
            error(e, r);
        }
    }
}

fn action(a: &mut Action, r: &Redactor) {
    r.opt_shared(&mut a.group);
    r.opt_shared(&mut a.group_id);
    r.opt_shared(&mut a.group_name);
    r.opt_shared(&mut a.user);
    r.opt_shared(&mut a.user_upn);
}

impl Redact for Plan {
    fn redact(&mut self, r: &Redactor) {
        for m in &mut self.moves {
            for g in &mut m.groups {
                r.one(&mut g.group_id);
                r.one(&mut g.group_name);
            }
            r.one(&mut m.scope);
        }
        for s in &mut self.stages {
            for a in &mut s.actions {
                action(a, r);
            }
            for w in &mut s.waves {
                for a in &mut w.actions {
                    action(a, r);
                }
            }
            r.all(&mut s.gates);
        }
        for h in &mut self.held_back {
            r.one(&mut h.user_id);
            r.opt(&mut h.upn);
            r.one(&mut h.detail);
        }
        for s in &mut self.skipped {
            r.one(&mut s.user_id);
            r.opt(&mut s.upn);
        }
        for v in &mut self.verdict.violations {
            violation(v, r);
        }
        for e in &mut self.verdict.errors {
            error(e, r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{User, UserId};

    #[test]
    fn whole_words_only_and_stable() {
        let mut t = Tenant::default();
        let id = UserId::parse("11111111-2222-3333-4444-555555555555").expect("id");
        t.users.insert(
            id,
            User {
                id,
                upn: Some("adele@contoso.com".into()),
                display_name: Some("Adele Vance".into()),
                usage_location: None,
                account_enabled: None,
                proxy_addresses: vec!["SMTP:Adele@Contoso.com".into()],
                assignments: Vec::new(),
            },
        );
        let r = Redactor::new(&t);
        let s = r.text("Adele Vance (adele@contoso.com, 11111111-2222-3333-4444-555555555555) is not xadele@contoso.com");
        assert!(!s.contains("Adele Vance"), "{s}");
        assert!(s.contains("User 1 (user1@redacted.invalid, "), "{s}");
        assert!(!s.contains("11111111-2222"), "{s}");
        assert!(s.ends_with("is not xadele@contoso.com"), "{s}");
        assert_eq!(s, Redactor::new(&t).text("Adele Vance (adele@contoso.com, 11111111-2222-3333-4444-555555555555) is not xadele@contoso.com"));
        assert_eq!(r.text("ADELE@CONTOSO.COM"), "user1@redacted.invalid");
    }
}
