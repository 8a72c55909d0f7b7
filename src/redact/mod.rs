//! `--redact`: every UPN, display name, proxy address and object id of the tenant replaced by a
//! stable pseudonym in every output, so a plan can go to a change board or a vendor without
//! personal data.
//!
//! Three passes over each output string:
//! 1. the tenant's own names, UPNs, proxy addresses and membership rules, as whole words, by
//!    their pseudonyms (`User 3`, `user3@redacted.invalid`, `Group 2`);
//! 2. every GUID, wherever it stands (a file name `members.<id>.json` too): a user's or group's
//!    id by its pseudonymous id, any other one — a guest, device or contact member the exports do
//!    not hold, a dangling reference, the tenant's own id — by a name-based pseudonym. Only
//!    product and service-plan ids (the bundled catalog's and the tenant's subscribed SKUs') stay:
//!    they are Microsoft's public product ids, the same in every tenant;
//! 3. every e-mail address left (a UPN or address the exports name but do not hold), by a keyed
//!    pseudonym `someone-<hex>@redacted.invalid`.
//!
//! Names a finding quotes from a reference it could not resolve (`member "Sales EMEA"`) are
//! replaced whole, and file paths lose the folders above the tenant (a home folder, a customer's
//! name) and keep only their place inside it.
//!
//! Pseudonyms are stable: the same tenant gives the same pseudonyms run after run (users and
//! groups are numbered in id order; ids become name-based GUIDs; other names are keyed by the
//! tenant's own ids, which never appear in a redacted output, so a guessed address cannot be
//! checked against its pseudonym), and two redacted reports of one tenant still line up.
//! Product and service-plan names are not personal and stay.

use std::collections::{BTreeSet, HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use uuid::Uuid;

use crate::model::Tenant;

/// Replaces a tenant's personal strings with pseudonyms.
pub struct Redactor {
    matcher: Option<AhoCorasick>,
    replacements: Vec<String>,
    /// Whether each pattern is a domain (which a subdomain's `mail.` may precede).
    domain: Vec<bool>,
    /// Lower-cased personal string → its pseudonym, for names found by pattern (an address in a
    /// file name) or quoted whole by a finding.
    known: HashMap<String, String>,
    /// Lower-cased GUID → pseudonym, for the tenant's users and groups.
    ids: HashMap<String, String>,
    /// Product and service-plan ids, lower-cased: public, kept.
    public: HashSet<String>,
    /// Keys the pseudonyms of names the tenant does not hold.
    key: Uuid,
}

fn pseudonymous_id(kind: &str, id: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("licplan:redact:{kind}:{id}").as_bytes(),
    )
    .hyphenated()
    .to_string()
}

/// File name endings of exports: an address or name right before one is a whole word.
const EXTENSIONS: &[&str] = &[".jsonl", ".json", ".ndjson", ".csv", ".tsv", ".txt"];

/// Characters that continue a word (a match next to one is inside a longer name).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || "@._-".contains(c)
}

/// Whether `rest`, what follows a match, is a plan's number for a group it names after the
/// match (`LIC-E3-2`: `-` and digits, then no more of a word): the name stays personal.
fn numbered(rest: &str) -> bool {
    let Some(r) = rest.strip_prefix('-') else {
        return false;
    };
    let digits = r.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && !continues(&r[digits..])
}

/// Whether `rest`, what follows a match, continues the word: a word character, but a full stop or
/// hyphen only when more of a word follows (`Contoso.` ends a sentence; `contoso.com` goes on).
fn continues(rest: &str) -> bool {
    let mut chars = rest.chars();
    match chars.next() {
        Some('.' | '-') => chars
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_'),
        Some(c) => is_word(c),
        None => false,
    }
}

/// Whether `rest` starts with an export file ending, followed by the end or a non-word.
fn extension_follows(rest: &str) -> bool {
    EXTENSIONS.iter().any(|e| {
        rest.len() >= e.len()
            && rest.as_bytes()[..e.len()].eq_ignore_ascii_case(e.as_bytes())
            && !rest[e.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Whether a hyphenated GUID starts `b`.
fn guid_at(b: &[u8]) -> bool {
    if b.len() < 36 {
        return false;
    }
    b[..36].iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

/// Characters an address's local part may hold here (RFC 5322's atom, plus `#` of guest UPNs).
fn is_local(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'#$&*=?^`{}~!/".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

impl Redactor {
    /// Builds the replacements for everything personal the tenant holds.
    pub fn new(t: &Tenant) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut ids: HashMap<String, String> = HashMap::new();
        let mut addresses: BTreeSet<String> = BTreeSet::new();
        for (n, u) in t.users.values().enumerate() {
            let n = n + 1;
            let id = u.id.to_string();
            ids.insert(id.clone(), pseudonymous_id("user", &id));
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
            let id = g.id.to_string();
            ids.insert(id.clone(), pseudonymous_id("group", &id));
            if let Some(name) = &g.display_name {
                pairs.push((name.clone(), format!("Group {}", n + 1)));
            }
            if let Some(rule) = &g.membership_rule {
                pairs.push((rule.clone(), "(membership rule redacted)".into()));
            }
        }
        // The organization's names, and every domain its exports show (verified domains, and
        // those of the users' UPNs and addresses), wherever a text quotes them (a plan's name:
        // "Move Contoso to E3").
        for (n, name) in t.organization.names.iter().enumerate() {
            let pseudonym = match n {
                0 => "Organization".to_owned(),
                n => format!("Organization {}", n + 1),
            };
            pairs.push((name.clone(), pseudonym));
        }
        let mut domains: BTreeSet<String> = t
            .organization
            .domains
            .iter()
            .map(|d| d.trim().to_lowercase())
            .collect();
        for u in t.users.values() {
            let upn = u.upn.iter().map(String::as_str);
            for a in upn.chain(u.proxy_addresses.iter().map(String::as_str)) {
                if let Some((_, d)) = a.rsplit_once('@') {
                    domains.insert(d.trim().to_lowercase());
                }
            }
        }
        domains.retain(|d| d.contains('.') && !d.ends_with(".invalid"));
        let first_domain = pairs.len();
        for (n, d) in domains.iter().enumerate() {
            pairs.push((d.clone(), format!("domain{}.invalid", n + 1)));
        }
        let mut domain_of: HashSet<String> = pairs[first_domain..]
            .iter()
            .map(|(d, _)| d.clone())
            .collect();
        // Ids are replaced by the GUID pass, wherever they stand.
        pairs.retain(|(from, _)| !crate::model::ids::looks_like_guid(from));
        // Empty and one-letter strings would match inside anything. Where two pseudonyms claim
        // one string (a UPN that is also a proxy address) the first — the user's — wins.
        pairs.retain(|(from, _)| from.trim().chars().count() >= 2);
        let mut seen = HashSet::new();
        pairs.retain(|(from, _)| seen.insert(from.to_lowercase()));
        let domain: Vec<bool> = pairs
            .iter()
            .map(|(from, to)| {
                to.ends_with(".invalid") && !to.contains('@') && domain_of.remove(from)
            })
            .collect();
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(pairs.iter().map(|(f, _)| f.as_str()))
            .ok();
        let known = pairs
            .iter()
            .map(|(f, to)| (f.trim().to_lowercase(), to.clone()))
            .collect();

        let mut public = HashSet::new();
        for s in t.skus.values() {
            public.insert(s.id.to_string());
            public.extend(s.service_plans.iter().map(|p| p.id.to_string()));
        }
        if let Ok(c) = crate::catalog::Catalog::try_bundled() {
            for s in c.skus() {
                public.insert(s.id.to_string());
                public.extend(s.service_plans.iter().map(|p| p.id.to_string()));
            }
        }
        // The key: ids of the tenant, which a redacted output never shows.
        let mut seed = String::from("licplan:redact:key:");
        for id in t.users.keys().map(|u| u.to_string()).take(64) {
            seed.push_str(&id);
        }
        for id in t.groups.keys().map(|g| g.to_string()).take(64) {
            seed.push_str(&id);
        }
        Redactor {
            matcher,
            replacements: pairs.into_iter().map(|(_, to)| to).collect(),
            domain,
            known,
            ids,
            public,
            key: Uuid::new_v5(&Uuid::NAMESPACE_OID, seed.as_bytes()),
        }
    }

    /// A keyed pseudonym for a personal string the tenant does not hold.
    fn keyed(&self, s: &str) -> String {
        let h = Uuid::new_v5(&self.key, s.to_lowercase().as_bytes())
            .simple()
            .to_string();
        h[..12].to_owned()
    }

    /// The text with every personal string replaced (see the module's passes).
    pub fn text(&self, s: &str) -> String {
        self.addresses(&self.guids(&self.words(s)))
    }

    /// Pass 1: the tenant's names, where they stand as whole words (a match inside a longer
    /// identifier is left alone; one right before `.json` or `.csv` is a file name and replaced).
    fn words(&self, s: &str) -> String {
        let Some(m) = &self.matcher else {
            return s.to_owned();
        };
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for hit in m.find_iter(s) {
            let before = s[..hit.start()].chars().next_back();
            let rest = &s[hit.end()..];
            let subdomain = self.domain[hit.pattern().as_usize()] && before == Some('.');
            if (before.is_some_and(is_word) && !subdomain)
                || (continues(rest) && !extension_follows(rest) && !numbered(rest))
            {
                continue;
            }
            out.push_str(&s[last..hit.start()]);
            out.push_str(&self.replacements[hit.pattern().as_usize()]);
            last = hit.end();
        }
        out.push_str(&s[last..]);
        out
    }

    /// Pass 2: every GUID but a public product or service-plan id.
    fn guids(&self, s: &str) -> String {
        let b = s.as_bytes();
        if b.len() < 36 {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len());
        let (mut i, mut last) = (0, 0);
        while i + 36 <= b.len() {
            if !guid_at(&b[i..]) {
                i += 1;
                continue;
            }
            let id = s[i..i + 36].to_ascii_lowercase();
            if !self.public.contains(&id) {
                out.push_str(&s[last..i]);
                match self.ids.get(&id) {
                    Some(p) => out.push_str(p),
                    None => out.push_str(&pseudonymous_id("object", &id)),
                }
                last = i + 36;
            }
            i += 36;
        }
        out.push_str(&s[last..]);
        out
    }

    /// Pass 3: every e-mail address not already a pseudonym.
    fn addresses(&self, s: &str) -> String {
        if !s.contains('@') {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        let mut from = 0;
        while let Some(at) = s[from..].find('@').map(|i| i + from) {
            from = at + 1;
            // The address around this `@`: not before what was already written.
            let start = s[last..at]
                .char_indices()
                .rev()
                .take_while(|(_, c)| is_local(*c))
                .last()
                .map_or(at, |(i, _)| last + i);
            let mut end = s[at + 1..]
                .char_indices()
                .take_while(|(_, c)| is_domain(*c))
                .last()
                .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
            // A file ending or a full stop after the address is not part of it.
            loop {
                let domain = &s[at + 1..end];
                if let Some(e) = EXTENSIONS.iter().find(|e| {
                    domain.len() > e.len()
                        && domain.as_bytes()[domain.len() - e.len()..]
                            .eq_ignore_ascii_case(e.as_bytes())
                }) {
                    end -= e.len();
                } else if domain.ends_with(['.', '-']) {
                    end -= 1;
                } else {
                    break;
                }
            }
            let domain = &s[at + 1..end];
            if start == at
                || !domain.contains('.')
                || domain.eq_ignore_ascii_case("redacted.invalid")
            {
                continue;
            }
            let address = &s[start..end];
            out.push_str(&s[last..start]);
            match self.known.get(&address.to_lowercase()) {
                Some(p) => out.push_str(p),
                None => {
                    out.push_str("someone-");
                    out.push_str(&self.keyed(address));
                    out.push_str("@redacted.invalid");
                }
            }
            last = end;
            from = end;
        }
        out.push_str(&s[last..]);
        out
    }

    /// A name quoted whole by a finding, which may be one the tenant does not hold: its
    /// pseudonym, else a keyed one.
    fn name(&self, s: &str) -> String {
        if crate::model::ids::looks_like_guid(s) || s.contains('@') {
            return self.text(s);
        }
        match self.known.get(&s.trim().to_lowercase()) {
            Some(p) => p.clone(),
            None => format!("name-{}", self.keyed(s)),
        }
    }

    /// A finding's example. References the exports could not resolve quote a name the
    /// tenant's lists do not hold (`member "Sales EMEA" (memberships.csv:4)`): it is replaced
    /// whole.
    fn example(&self, code: &str, s: &str) -> String {
        if code == crate::findings::FindingCode::DanglingReference.as_str() {
            for prefix in [
                "ambiguous group name ",
                "ambiguous user ",
                "member ",
                "group ",
                "user ",
            ] {
                let Some(rest) = s.strip_prefix(prefix) else {
                    continue;
                };
                let Some(open) = rest.rfind(" (") else {
                    continue;
                };
                let (name, place) = rest.split_at(open);
                let shown = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                    Some(quoted) => format!("{:?}", self.name(quoted)),
                    None => self.name(name),
                };
                return format!("{prefix}{shown}{}", self.text(place));
            }
        }
        self.text(s)
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

    /// A typed object id (a user's or group's), replaced by its pseudonymous id as pass 2
    /// replaces it in text.
    pub(crate) fn id<T: std::str::FromStr + std::fmt::Display>(&self, id: &mut T) {
        if let Ok(new) = self.guids(&id.to_string()).parse() {
            *id = new;
        }
    }

    fn opt_id<T: std::str::FromStr + std::fmt::Display>(&self, id: &mut Option<T>) {
        if let Some(v) = id {
            self.id(v);
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

mod reports;
pub use reports::{redact_paths, Redact};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{User, UserId};
    use reports::common_folder;

    const ADELE: &str = "11111111-2222-3333-4444-555555555555";
    /// Office 365 E3's SKU id: public, in the bundled catalog.
    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";

    fn tenant() -> Tenant {
        let mut t = Tenant::default();
        let id = UserId::parse(ADELE).expect("id");
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
        t
    }

    #[test]
    fn whole_words_and_stable() {
        let t = tenant();
        let r = Redactor::new(&t);
        let raw = format!("Adele Vance (adele@contoso.com, {ADELE}) is not Adele Vanced");
        let s = r.text(&raw);
        assert!(s.contains("User 1 (user1@redacted.invalid, "), "{s}");
        assert!(!s.contains("11111111-2222"), "{s}");
        // Inside a longer word a name is left alone.
        assert!(s.ends_with("is not Adele Vanced"), "{s}");
        assert_eq!(s, Redactor::new(&t).text(&raw));
        assert_eq!(r.text("ADELE@CONTOSO.COM"), "user1@redacted.invalid");
    }

    #[test]
    fn every_guid_but_product_ids_is_replaced() {
        let r = Redactor::new(&tenant());
        let guest = "99999999-8888-4777-8666-555555555555";
        let s = r.text(&format!(
            "microsoft.graph.device {guest} in group {ADELE}; product {E3}; {}",
            guest.to_uppercase()
        ));
        assert!(!s.to_lowercase().contains(guest), "{s}");
        assert!(!s.contains(ADELE), "{s}");
        assert!(s.contains(E3), "{s}");
        // The same id gives the same pseudonym, whatever its case.
        let p = pseudonymous_id("object", guest);
        assert_eq!(s.matches(&p).count(), 2, "{s}");
        assert_eq!(
            r.text(&format!("members.{guest}.page1.json")),
            format!("members.{p}.page1.json")
        );
    }

    #[test]
    fn addresses_and_names_in_file_names_are_replaced() {
        let r = Redactor::new(&tenant());
        assert_eq!(
            r.text("Users/adele@contoso.com.json"),
            "Users/user1@redacted.invalid.json"
        );
        assert_eq!(r.text("Users/Adele Vance.json:3"), "Users/User 1.json:3");
        let s = r.text("user guest_fabrikam.com#EXT#@contoso.onmicrosoft.com (m.csv:2).");
        assert!(s.starts_with("user someone-"), "{s}");
        assert!(s.ends_with("@redacted.invalid (m.csv:2)."), "{s}");
        assert!(!s.contains("fabrikam") && !s.contains("contoso"), "{s}");
        // Pseudonyms are left as they are.
        assert_eq!(r.text("user1@redacted.invalid"), "user1@redacted.invalid");
        assert_eq!(r.text("no address @ all"), "no address @ all");
    }

    #[test]
    fn names_of_unresolved_references_are_replaced_whole() {
        let r = Redactor::new(&tenant());
        let code = crate::findings::FindingCode::DanglingReference.as_str();
        let s = r.example(code, "member \"Sales EMEA\" (memberships.csv:4)");
        assert!(s.starts_with("member \"name-"), "{s}");
        assert!(s.ends_with("\" (memberships.csv:4)"), "{s}");
        let s = r.example(code, "user jdoe (assignments.csv:2)");
        assert!(s.starts_with("user name-") && !s.contains("jdoe"), "{s}");
        assert_eq!(
            r.example(code, "user Adele Vance (a.csv:2)"),
            "user User 1 (a.csv:2)"
        );
        assert_eq!(
            r.example("unknown-column", "\"Department\" in users.csv"),
            "\"Department\" in users.csv"
        );
    }

    #[test]
    fn paths_lose_the_folders_above_the_tenant() {
        let paths = [
            "/home/alice/fabrikam/users.json",
            "/home/alice/fabrikam/Users/a.json",
        ];
        assert_eq!(common_folder(paths.into_iter()), "/home/alice/fabrikam/");
        assert_eq!(
            common_folder(["/home/alice/fab1/u.json", "/home/alice/fab2/g.json"].into_iter()),
            "/home/alice/"
        );
        assert_eq!(common_folder(["users.json"].into_iter()), "");
        assert_eq!(
            common_folder(["C:\\x\\é\\u.json", "C:\\x\\é\\g.json"].into_iter()),
            "C:\\x\\é\\"
        );
    }
}
