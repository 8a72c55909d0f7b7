//! Property test of disjoint scopes: random tenants and intents whose moves' scopes overlap
//! (a scope group and direct holders of overlapping products). Whatever the planner decides,
//! its counts add up — in scope = moving + held back + skipped, per move and in total, the
//! moves' counts summing to the plan's — and every user is in at most one move's lists: listed
//! once among moving, held-back and skipped users, and acted on by one move alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use licplan::model::{
    Assignment, AssignmentPath, AssignmentState, CountryCode, Group, GroupId, GroupLicense, Member,
    PlanIds, Seats, SkuId, Tenant, User, UserId,
};
use licplan::plan::doc::Plan;
use licplan::simulate::ops::Op;
use licplan::simulate::rules::Rules;
use proptest::prelude::*;

use crate::common::{catalog_sku, group_id, user_id};

/// Office 365 E1, Office 365 E3, Enterprise Mobility + Security E3.
const SKUS: &[(&str, &str)] = &[
    ("18181a46-0d4e-45cd-891e-60aabd171b4e", "STANDARDPACK"),
    ("6fd2c87f-b296-42f0-b197-1e91e994b900", "ENTERPRISEPACK"),
    ("efccb6f7-5641-4e0e-bd10-b4976e1bf68e", "EMS"),
];

fn sku(i: usize) -> SkuId {
    SkuId::parse(SKUS[i % SKUS.len()].0).expect("a GUID")
}

#[derive(Debug, Clone)]
struct Spec {
    /// Per user: located (US) or not, the products held directly.
    users: Vec<(bool, Vec<usize>)>,
    /// Per group: members (user indexes), a product the group carries.
    groups: Vec<(Vec<usize>, Option<usize>)>,
    /// Per move: from, to, scope (a group index, or past them direct holders), carrying group
    /// (an existing group index, or past them a new one), change-then-migrate or not.
    moves: Vec<(usize, usize, usize, usize, bool)>,
    default_us: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(
            (
                prop::bool::weighted(0.8),
                prop::collection::vec(0..SKUS.len(), 0..3),
            ),
            1..9,
        ),
        prop::collection::vec(
            (
                prop::collection::vec(0..9usize, 0..6),
                prop::option::weighted(0.3, 0..SKUS.len()),
            ),
            1..3,
        ),
        prop::collection::vec(
            (
                0..SKUS.len(),
                0..SKUS.len(),
                0..4usize,
                0..4usize,
                any::<bool>(),
            ),
            2..5,
        ),
        any::<bool>(),
    )
        .prop_map(|(users, groups, moves, default_us)| Spec {
            users,
            groups,
            moves,
            default_us,
        })
}

fn build(s: &Spec) -> Tenant {
    let n = s.users.len();
    let us = CountryCode::parse_optional("US").expect("a country");
    let mut t = Tenant {
        default_usage_location: if s.default_us { us } else { None },
        ..Tenant::default()
    };
    let groups: Vec<Group> = s
        .groups
        .iter()
        .enumerate()
        .map(|(i, (members, lic))| {
            let mut members: Vec<Member> = members
                .iter()
                .map(|m| Member::User(user_id(m % n)))
                .collect();
            members.sort();
            members.dedup();
            Group {
                id: group_id(i),
                display_name: Some(format!("G{i}")),
                security_enabled: Some(true),
                unified: false,
                dynamic: false,
                membership_rule: None,
                on_premises_sync_enabled: None,
                unique_name: None,
                license_processing: None,
                licenses: lic
                    .iter()
                    .map(|l| GroupLicense {
                        sku: sku(*l),
                        disabled_plans: PlanIds::new(),
                    })
                    .collect(),
                members,
            }
        })
        .collect();
    for (i, (located, direct)) in s.users.iter().enumerate() {
        let mut a: BTreeMap<(SkuId, AssignmentPath), Assignment> = BTreeMap::new();
        let mut put = |sku: SkuId, path: AssignmentPath| {
            a.insert(
                (sku, path),
                Assignment {
                    sku,
                    path,
                    disabled_plans: PlanIds::new(),
                    state: Some(AssignmentState::Active),
                    error: None,
                },
            );
        };
        for d in direct {
            put(sku(*d), AssignmentPath::Direct);
        }
        for g in &groups {
            if g.user_members().any(|m| m == user_id(i)) {
                for l in &g.licenses {
                    put(l.sku, AssignmentPath::Group(g.id));
                }
            }
        }
        t.users.insert(
            user_id(i),
            User {
                id: user_id(i),
                upn: Some(format!("u{i}@contoso.com")),
                display_name: None,
                usage_location: if *located { us } else { None },
                account_enabled: Some(true),
                proxy_addresses: vec![format!("SMTP:u{i}@contoso.com")],
                assignments: a.into_values().collect(),
            },
        );
    }
    t.groups = groups.into_iter().map(|g| (g.id, g)).collect();
    for i in 0..SKUS.len() {
        let id = sku(i);
        let holders = t
            .users
            .values()
            .filter(|u| u.assignments.iter().any(|a| a.sku == id))
            .count() as u32;
        let seats = Some(Seats {
            enabled: holders + 3,
            consumed: holders,
            ..Seats::default()
        });
        t.skus.insert(id, catalog_sku(id, seats));
    }
    t
}

fn intent(s: &Spec) -> String {
    let ng = s.groups.len();
    let mut y = String::from("name: scopes\nmoves:\n");
    for (k, (from, to, scope, group, direct_first)) in s.moves.iter().enumerate() {
        let scope = if *scope < ng {
            format!("\"group:G{scope}\"")
        } else {
            "direct-holders".to_owned()
        };
        let group = if *group < ng {
            format!("G{group}")
        } else {
            format!("NEW-{k}")
        };
        y.push_str(&format!(
            "  - from: {}\n    to: {}\n    group: {group}\n    scope: {scope}\n",
            SKUS[*from].1, SKUS[*to].1
        ));
        if *direct_first {
            y.push_str("    strategy: change-then-migrate\n");
        }
    }
    y
}

/// Checks the counts and that every user is in one move's lists at most.
fn check(plan: &Plan) -> Result<(), String> {
    let s = &plan.summary;
    if s.users_in_scope != s.users_moving + s.users_held_back + s.users_skipped {
        return Err(format!("total: {s:?}"));
    }
    for (i, m) in plan.moves.iter().enumerate() {
        if m.users_in_scope != m.users + m.held_back + m.skipped {
            return Err(format!(
                "move {}: in scope {} ≠ moving {} + held {} + skipped {}",
                i + 1,
                m.users_in_scope,
                m.users,
                m.held_back,
                m.skipped
            ));
        }
    }
    let sum =
        |f: fn(&licplan::plan::doc::MoveSummary) -> u64| -> u64 { plan.moves.iter().map(f).sum() };
    let sums = (
        sum(|m| m.users_in_scope),
        sum(|m| m.users),
        sum(|m| m.held_back),
        sum(|m| m.skipped),
    );
    let totals = (
        s.users_in_scope,
        s.users_moving,
        s.users_held_back,
        s.users_skipped,
    );
    if sums != totals {
        return Err(format!(
            "the moves add up to {sums:?}, the plan says {totals:?}"
        ));
    }
    // Each user listed once: held back, skipped, or moving (acted on).
    let mut listed: BTreeSet<UserId> = BTreeSet::new();
    for u in plan
        .held_back
        .iter()
        .map(|h| h.user_id)
        .chain(plan.skipped.iter().map(|k| k.user_id))
    {
        if !listed.insert(u) {
            return Err(format!(
                "{u} listed twice among held-back and skipped users"
            ));
        }
    }
    let moving = licplan::plan::moving_users(plan);
    if let Some(u) = moving.intersection(&listed).next() {
        return Err(format!("{u} is acted on and also held back or skipped"));
    }
    if moving.len() as u64 != s.users_moving {
        return Err(format!(
            "{} users acted on, {} moving",
            moving.len(),
            s.users_moving
        ));
    }
    // Acted on by one move alone: the carrying groups a user joins belong to one move, and
    // each user's direct license is removed once.
    let group_move: BTreeMap<String, usize> = plan
        .moves
        .iter()
        .enumerate()
        .flat_map(|(i, m)| m.groups.iter().map(move |g| (g.group_id.clone(), i)))
        .collect();
    let mut user_move: BTreeMap<UserId, usize> = BTreeMap::new();
    let mut removed: BTreeSet<UserId> = BTreeSet::new();
    for st in &plan.stages {
        for a in st
            .actions
            .iter()
            .chain(st.waves.iter().flat_map(|w| w.actions.iter()))
        {
            match &a.op {
                Op::AddMember { group, user } => {
                    let gid: GroupId = *group;
                    if let Some(mi) = group_move.get(&gid.to_string()) {
                        if let Some(prev) = user_move.insert(*user, *mi) {
                            if prev != *mi {
                                return Err(format!(
                                    "{user} joins groups of moves {} and {}",
                                    prev + 1,
                                    mi + 1
                                ));
                            }
                        }
                    }
                }
                Op::RemoveDirectLicense { user, .. } if !removed.insert(*user) => {
                    return Err(format!("{user}'s direct license is removed twice"));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn overlapping_scopes_count_each_user_once_and_add_up(s in spec()) {
        let t = build(&s);
        let text = intent(&s);
        let path = Path::new("scopes.yaml");
        let rules = Rules::bundled().expect("bundled rules");
        let i = licplan::plan::intent::parse(&text, path, &t).expect("the intent resolves");
        let plan = licplan::plan::plan(&t, &rules, &i, path).expect("a plan");
        if let Err(e) = check(&plan) {
            prop_assert!(false, "{e}\nintent:\n{text}");
        }
    }
}

#[test]
fn the_check_finds_a_user_counted_twice() {
    // The property's own check fails on the double count it guards against.
    let s = Spec {
        users: vec![(true, vec![0])],
        groups: vec![(vec![0], None)],
        moves: vec![(0, 0, 0, 1, false), (0, 0, 1, 1, false)],
        default_us: true,
    };
    let t = build(&s);
    let path = Path::new("scopes.yaml");
    let rules = Rules::bundled().expect("bundled rules");
    let i = licplan::plan::intent::parse(&intent(&s), path, &t).expect("the intent resolves");
    let mut plan = licplan::plan::plan(&t, &rules, &i, path).expect("a plan");
    assert_eq!(check(&plan), Ok(()));
    assert_eq!(plan.moves[1].users_of_earlier_moves, 1);
    plan.skipped.push(licplan::plan::doc::Skipped {
        user_id: user_id(0),
        upn: None,
        why: licplan::plan::doc::SkipReason::AlreadyMoved { by_move: 1 },
    });
    plan.summary.users_skipped += 1;
    plan.summary.users_in_scope += 1;
    assert!(check(&plan).is_err());
}
