//! How plans name products and service plans for people, and which service plans of a target
//! product stay disabled (R11). Shared by selection and drawing, so neither imports the other.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::model::{PlanId, PlanIds, SkuId, Tenant};
use crate::simulate::ops::PlanRef;
use crate::simulate::rules::Rules;

use super::doc::Text;

/// Names and plans of products, for actions people read.
pub struct Names<'a> {
    pub t: &'a Tenant,
}

impl Names<'_> {
    pub fn sku(&self, s: SkuId) -> String {
        self.t
            .skus
            .get(&s)
            .and_then(|x| x.part_number.clone())
            .or_else(|| Catalog::bundled().sku(s).map(|c| c.part_number.clone()))
            .unwrap_or_else(|| s.to_string())
    }

    pub fn plans_of(&self, s: SkuId) -> Vec<crate::model::ServicePlan> {
        self.t
            .skus
            .get(&s)
            .map(|x| x.service_plans.clone())
            .filter(|p| !p.is_empty())
            .or_else(|| Catalog::bundled().sku(s).map(|c| c.service_plans.clone()))
            .unwrap_or_default()
    }

    pub fn plan(&self, s: SkuId, p: PlanId) -> String {
        self.plans_of(s)
            .into_iter()
            .find(|x| x.id == p)
            .map_or_else(|| p.to_string(), |x| x.name)
    }

    /// The plans' names, sorted.
    pub fn plan_list(&self, s: SkuId, ps: &PlanIds) -> Vec<String> {
        let mut v: Vec<String> = ps.iter().map(|p| self.plan(s, *p)).collect();
        v.sort();
        v
    }

    /// The plans as an op names them (id and name), sorted by name as [`Names::plan_list`].
    pub fn plan_refs(&self, s: SkuId, ps: &PlanIds) -> Vec<PlanRef> {
        let mut v: Vec<PlanRef> = ps
            .iter()
            .map(|p| PlanRef {
                id: *p,
                name: self.plan(s, *p).into(),
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        v
    }
}

/// Plan references made once per (product, disabled set) and shared by every action naming
/// them: a wave of a million users has a handful of distinct sets.
#[derive(Default)]
pub struct PlanRefCache {
    made: BTreeMap<(SkuId, PlanIds), Vec<PlanRef>>,
}

impl PlanRefCache {
    pub fn get(&mut self, names: &Names<'_>, s: SkuId, ps: &PlanIds) -> Vec<PlanRef> {
        if ps.is_empty() {
            return Vec::new();
        }
        if let Some(v) = self.made.get(&(s, ps.clone())) {
            return v.clone();
        }
        let v = names.plan_refs(s, ps);
        self.made.insert((s, ps.clone()), v.clone());
        v
    }
}

/// Each product's part number, made once for every action that names it.
pub struct SkuTexts<'n, 'a> {
    names: &'n Names<'a>,
    made: BTreeMap<SkuId, Text>,
}

impl<'n, 'a> SkuTexts<'n, 'a> {
    pub fn new(names: &'n Names<'a>, skus: impl Iterator<Item = SkuId>) -> Self {
        let made = skus.map(|s| (s, Text::from(names.sku(s)))).collect();
        SkuTexts { names, made }
    }

    /// The texts of every product a plan names: the moves' products and the carrying groups'.
    pub fn of_plan(
        names: &'n Names<'a>,
        intent: &super::intent::Intent,
        carrying: &[super::carrying::Carrying],
    ) -> Self {
        Self::new(
            names,
            intent
                .moves
                .iter()
                .flat_map(|m| [m.from, m.to])
                .chain(carrying.iter().map(|c| c.sku)),
        )
    }

    /// The product's part number.
    pub fn part_number(&self, s: SkuId) -> Text {
        self.made
            .get(&s)
            .cloned()
            .unwrap_or_else(|| self.names.sku(s).into())
    }

    /// A product change as people read it: `E1 -> E3`.
    pub fn pair(&self, from: SkuId, to: SkuId) -> Text {
        format!("{} -> {}", self.part_number(from), self.part_number(to)).into()
    }
}

/// The disabled plans of `to` that keep at least every service a user had in `from` (or its
/// successor) and mirror what the user had disabled (R11).
pub fn map_disabled(
    names: &Names<'_>,
    rules: &Rules,
    from: SkuId,
    to: SkuId,
    disabled: &PlanIds,
) -> PlanIds {
    if from == to {
        return disabled.clone();
    }
    let from_plans: PlanIds = names.plans_of(from).iter().map(|p| p.id).collect();
    let enabled: PlanIds = from_plans.difference(disabled).copied().collect();
    let carries = |set: &PlanIds, q: PlanId| {
        set.contains(&q) || set.iter().any(|p| rules.successors(*p).contains(&q))
    };
    names
        .plans_of(to)
        .iter()
        .map(|p| p.id)
        .filter(|q| carries(disabled, *q) && !carries(&enabled, *q))
        .collect()
}

/// Entra's limits on a group's names (Graph's group resource, `displayName` and `mailNickname`):
/// a display name of at most 256 characters; a mail nickname of at most 64 ASCII characters,
/// letters, digits and `-_.` only (none of `@()\[]";:<>,` or spaces), unique in the tenant
/// without regard to case.
pub const DISPLAY_NAME_MAX: usize = 256;
pub const MAIL_NICKNAME_MAX: usize = 64;
/// The description a created group carries is kept to this many characters.
pub const DESCRIPTION_MAX: usize = 1024;

/// Names of the groups a plan creates, unique against the tenant's groups and each other
/// (display names and mail nicknames, both without regard to case): the intent's `group`,
/// then `<group>-2`, `<group>-3`, …
#[derive(Default)]
pub struct GroupNamer {
    names: std::collections::BTreeSet<String>,
    nicknames: std::collections::BTreeSet<String>,
}

impl GroupNamer {
    /// Every name the tenant's groups already use (the exports hold no mail nicknames: a
    /// nickname is derived from each existing display name too, the nearest check offline).
    pub fn new(t: &Tenant) -> Self {
        let mut names = std::collections::BTreeSet::new();
        let mut nicknames = std::collections::BTreeSet::new();
        for n in t.groups.values().filter_map(|g| g.display_name.as_deref()) {
            names.insert(n.to_lowercase());
            nicknames.insert(mail_nickname(n).to_lowercase());
        }
        GroupNamer { names, nicknames }
    }

    /// The first free name of `base`, `base-2`, `base-3`, … (each at most 256 characters),
    /// with a free mail nickname derived from it; both taken from then on.
    pub fn next(&mut self, base: &str) -> (String, String) {
        let base = base.trim();
        let mut n: u64 = 1;
        let name = loop {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            let candidate = format!("{}{suffix}", cut(base, DISPLAY_NAME_MAX - suffix.len()));
            if !self.names.contains(&candidate.to_lowercase()) {
                break candidate;
            }
            n += 1;
        };
        self.names.insert(name.to_lowercase());
        let stem = mail_nickname(&name);
        let mut n: u64 = 1;
        let nick = loop {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            let candidate = format!("{}{suffix}", cut(&stem, MAIL_NICKNAME_MAX - suffix.len()));
            if !self.nicknames.contains(&candidate.to_lowercase()) {
                break candidate;
            }
            n += 1;
        };
        self.nicknames.insert(nick.to_lowercase());
        (name, nick)
    }
}

/// The first `max` characters of `s`.
fn cut(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A valid mail nickname made from a display name: ASCII letters, digits, `-`, `_` and `.` kept,
/// every other run of characters one `-`; no `.` or `-` at either end, no `..`; at most 64
/// characters; `group` when nothing is left.
pub fn mail_nickname(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '-'
        };
        if (c == '-' && out.ends_with('-')) || (c == '.' && out.ends_with('.')) {
            continue;
        }
        out.push(c);
    }
    let mut s = out.trim_matches(|c| c == '-' || c == '.').to_owned();
    s.truncate(MAIL_NICKNAME_MAX);
    let s = s.trim_end_matches(['-', '.']).to_owned();
    if s.is_empty() {
        "group".to_owned()
    } else {
        s
    }
}

/// What a created group's description says: the product it carries, the plans it disables, the
/// plan that made it (at most 1,024 characters).
pub fn group_description(plan: &str, sku: &str, disabled: &[String], staging: bool) -> String {
    let plans = if disabled.is_empty() {
        "no service plan disabled".to_owned()
    } else {
        format!("disabled: {}", disabled.join(", "))
    };
    let role = if staging {
        "staging group (holds the old product until the group's product change)"
    } else {
        "licensing group"
    };
    let s = format!("{sku}, {plans}; {role} created by the licplan plan \"{plan}\"");
    cut(&s, DESCRIPTION_MAX).to_owned()
}

#[cfg(test)]
mod group_name_tests {
    use super::*;

    #[test]
    fn mail_nicknames_keep_only_what_entra_accepts() {
        assert_eq!(mail_nickname("LIC-O365-E3"), "LIC-O365-E3");
        assert_eq!(mail_nickname("Sales (E3) @ HQ; \"x\""), "Sales-E3-HQ-x");
        assert_eq!(mail_nickname("..a..b.."), "a.b");
        assert_eq!(mail_nickname("Ünïcode ñame"), "n-code-ame");
        assert_eq!(mail_nickname("()[]"), "group");
        let long = "x".repeat(300);
        assert_eq!(mail_nickname(&long).len(), MAIL_NICKNAME_MAX);
        for n in ["a b", "<>,;:", "ä@ö", &long] {
            let m = mail_nickname(n);
            assert!(m.len() <= MAIL_NICKNAME_MAX, "{m}");
            assert!(
                m.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
                "{m}"
            );
        }
    }

    #[test]
    fn names_count_up_past_the_tenants_and_stay_within_limits() {
        let t = Tenant::default();
        let mut n = GroupNamer::new(&t);
        n.names.insert("lic-e3".into());
        n.nicknames.insert("lic-e3".into());
        assert_eq!(n.next("LIC-E3"), ("LIC-E3-2".into(), "LIC-E3-2".into()));
        assert_eq!(n.next("lic-e3"), ("lic-e3-3".into(), "lic-e3-3".into()));
        assert_eq!(
            n.next("New group"),
            ("New group".into(), "New-group".into())
        );
        // Another display name whose nickname is taken gets a nickname of its own.
        assert_eq!(
            n.next("New/group"),
            ("New/group".into(), "New-group-2".into())
        );
        let long = "é".repeat(400);
        let (a, na) = n.next(&long);
        let (b, nb) = n.next(&long);
        assert_eq!(a.chars().count(), DISPLAY_NAME_MAX);
        assert_eq!(b.chars().count(), DISPLAY_NAME_MAX);
        assert!(b.ends_with("-2"));
        assert_ne!(na.to_lowercase(), nb.to_lowercase());
        assert!(nb.len() <= MAIL_NICKNAME_MAX);
    }
}

/// A group the plan creates: its display name, mail nickname and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroupNames {
    pub name: String,
    pub mail_nickname: String,
    pub description: String,
    /// The group's `uniqueName` (an alternate key Entra keeps, immutable): a bundle creates the
    /// group idempotently by it (`PATCH /groups(uniqueName='…')`), and `verify` finds it by it.
    pub unique_name: String,
}

impl GroupNamer {
    /// The names of a carrying or staging group the plan creates from the intent's `group`
    /// (`base`), holding `sku` with `disabled` plans.
    pub fn carrying(
        &mut self,
        names: &Names<'_>,
        plan: &str,
        base: &str,
        sku: SkuId,
        disabled: &PlanIds,
        staging: bool,
    ) -> NewGroupNames {
        let (name, mail_nickname) = self.next(base);
        let description = group_description(
            plan,
            &names.sku(sku),
            &names.plan_list(sku, disabled),
            staging,
        );
        let unique_name = unique_name(&mail_nickname, &name, &description);
        NewGroupNames {
            name,
            mail_nickname,
            description,
            unique_name,
        }
    }
}

/// Characters of the mail nickname a `uniqueName` keeps.
const UNIQUE_STEM_MAX: usize = 40;

/// `licplan-<mail nickname>-<8 hex digits>`: lower-case ASCII, the digits a hash of the display
/// name and description (which name the plan and the product), so two plans that create a group
/// of the same name for different licenses never share one.
pub fn unique_name(mail_nickname: &str, name: &str, description: &str) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(description.as_bytes());
    let digest = crate::model::fingerprint::hex("", &h.finalize());
    format!(
        "licplan-{}-{}",
        cut(&mail_nickname.to_ascii_lowercase(), UNIQUE_STEM_MAX).trim_end_matches(['-', '.']),
        &digest[..8]
    )
}
