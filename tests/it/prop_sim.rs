//! Property test of the simulator: random small tenants and op sequences never panic, and the
//! engine's incrementally kept effective plans and seat counts equal a from-scratch
//! recomputation over the final assignment paths.

use std::collections::{BTreeMap, BTreeSet};

use licplan::model::{
    Assignment, AssignmentPath, AssignmentState, CountryCode, Group, GroupId, GroupLicense, Member,
    PlanId, PlanIds, Seats, SkuId, Tenant, User, UserId,
};
use licplan::simulate::ops::{Ids, LicenseSpec, MapRefs, Op, OpSource, OpsFile, PlanRef, Written};
use licplan::simulate::rules::Rules;
use licplan::simulate::state::State;
use proptest::prelude::*;

use crate::common::{catalog_plans, catalog_sku, disabled, group_id, user_id};

/// Real products, so the rules (conflicts, prerequisites) come into play.
const SKUS: &[&str] = &[
    "18181a46-0d4e-45cd-891e-60aabd171b4e", // Office 365 E1
    "6fd2c87f-b296-42f0-b197-1e91e994b900", // Office 365 E3
    "3d957427-ecdc-4df2-aacd-01cc9d519da8", // Workplace Analytics
    "f30db892-07e9-47e9-837c-80727f46fd3d", // Power Automate Free
];

fn sku(i: usize) -> SkuId {
    SkuId::parse(SKUS[i % SKUS.len()]).expect("a GUID")
}

/// A product (index into SKUS) with disabled plans (indexes into its plans).
type LicSpec = Vec<(usize, Vec<usize>)>;

#[derive(Debug, Clone)]
struct TenantSpec {
    seats: Vec<u32>,
    default_us: bool,
    /// Has a usage location; direct licenses.
    users: Vec<(bool, LicSpec)>,
    /// Security-enabled; licenses; members (indexes into users).
    groups: Vec<(bool, LicSpec, Vec<usize>)>,
}

fn tenant_spec() -> impl Strategy<Value = TenantSpec> {
    let users = prop::collection::vec(
        (
            any::<bool>(),
            prop::collection::vec((0..4usize, prop::collection::vec(0..40usize, 0..3)), 0..3),
        ),
        1..6,
    );
    let groups = prop::collection::vec(
        (
            prop::bool::weighted(0.85),
            prop::collection::vec((0..4usize, prop::collection::vec(0..40usize, 0..3)), 0..3),
            prop::collection::vec(0..6usize, 0..5),
        ),
        0..4,
    );
    (
        prop::collection::vec(0..8u32, 4),
        any::<bool>(),
        users,
        groups,
    )
        .prop_map(|(seats, default_us, users, groups)| TenantSpec {
            seats,
            default_us,
            users,
            groups,
        })
}

fn build(spec: &TenantSpec) -> Tenant {
    let mut t = Tenant {
        default_usage_location: if spec.default_us {
            CountryCode::parse_optional("US").expect("US")
        } else {
            None
        },
        ..Tenant::default()
    };
    let mut groups: Vec<Group> = spec
        .groups
        .iter()
        .enumerate()
        .map(|(i, (security, lic, _))| Group {
            id: group_id(i),
            display_name: Some(format!("G{i}")),
            security_enabled: Some(*security),
            unified: false,
            dynamic: false,
            membership_rule: None,
            on_premises_sync_enabled: None,
            unique_name: None,
            license_processing: None,
            licenses: {
                let mut m: BTreeMap<SkuId, PlanIds> = BTreeMap::new();
                for (s, d) in lic {
                    m.insert(sku(*s), disabled(sku(*s), d));
                }
                m.into_iter()
                    .map(|(sku, disabled_plans)| GroupLicense {
                        sku,
                        disabled_plans,
                    })
                    .collect()
            },
            members: Vec::new(),
        })
        .collect();
    let n_users = spec.users.len();
    for (i, (located, direct)) in spec.users.iter().enumerate() {
        let mut assignments: BTreeMap<(SkuId, AssignmentPath), Assignment> = BTreeMap::new();
        for (s, d) in direct {
            let a = Assignment {
                sku: sku(*s),
                path: AssignmentPath::Direct,
                disabled_plans: disabled(sku(*s), d),
                state: Some(AssignmentState::Active),
                error: None,
            };
            assignments.insert((a.sku, a.path), a);
        }
        for (gi, (_, _, members)) in spec.groups.iter().enumerate() {
            if members.iter().any(|m| m % n_users == i) {
                groups[gi].members.push(Member::User(user_id(i)));
                for l in &groups[gi].licenses {
                    let a = Assignment {
                        sku: l.sku,
                        path: AssignmentPath::Group(group_id(gi)),
                        disabled_plans: l.disabled_plans.clone(),
                        state: Some(AssignmentState::Active),
                        error: None,
                    };
                    assignments.insert((a.sku, a.path), a);
                }
            }
        }
        t.users.insert(
            user_id(i),
            User {
                id: user_id(i),
                upn: Some(format!("u{i}@contoso.com")),
                display_name: None,
                usage_location: if *located {
                    CountryCode::parse_optional("GB").expect("GB")
                } else {
                    None
                },
                account_enabled: Some(true),
                proxy_addresses: vec![format!("SMTP:u{i}@contoso.com")],
                assignments: assignments.into_values().collect(),
            },
        );
    }
    for g in &mut groups {
        g.members.sort();
        g.members.dedup();
    }
    t.groups = groups.into_iter().map(|g| (g.id, g)).collect();
    for (i, enabled) in spec.seats.iter().enumerate() {
        let id = sku(i);
        let holders = t
            .users
            .values()
            .filter(|u| u.assignments.iter().any(|a| a.sku == id))
            .count() as u32;
        let seats = Seats {
            enabled: enabled + holders,
            consumed: holders,
            ..Seats::default()
        };
        t.skus.insert(id, catalog_sku(id, Some(seats)));
    }
    t
}

fn op_strategy() -> impl Strategy<Value = (u8, usize, usize, usize, Vec<usize>, bool)> {
    (
        0..13u8,
        0..6usize,
        0..4usize,
        0..4usize,
        prop::collection::vec(0..40usize, 0..2),
        any::<bool>(),
    )
}

fn make_op(spec: &TenantSpec, raw: &(u8, usize, usize, usize, Vec<usize>, bool)) -> Op {
    let (kind, u, g, s, d, flag) = raw;
    let user = format!("u{}@contoso.com", u % spec.users.len());
    let n_groups = spec.groups.len() + 1;
    // Group n is the one the ops create.
    let group = if g % n_groups == spec.groups.len() {
        "NEW".to_owned()
    } else {
        format!("G{}", g % n_groups)
    };
    let sk = SKUS[*s].to_owned();
    let plans: Vec<String> = disabled(sku(*s), d).iter().map(|p| p.to_string()).collect();
    match kind {
        0 => Op::CreateGroup {
            group: "NEW".into(),
            security_enabled: *flag,
            description: None,
            mail_nickname: None,
            unique_name: None,
        },
        1 => Op::AssignGroupLicense {
            group,
            sku: sk,
            disabled_plans: plans,
        },
        2 => Op::ChangeGroupLicense {
            group,
            add: vec![LicenseSpec {
                sku: sk,
                disabled_plans: plans,
            }],
            remove: vec![SKUS[(s + 1) % SKUS.len()].to_owned()],
        },
        3 => Op::RemoveGroupLicense { group, sku: sk },
        4 => Op::AddMember { group, user },
        5 => Op::RemoveMember { group, user },
        6 => Op::AssignDirectLicense {
            user,
            sku: sk,
            disabled_plans: plans,
        },
        7 => Op::ChangeDirectLicense {
            user,
            add: vec![LicenseSpec {
                sku: sk,
                disabled_plans: plans,
            }],
            remove: vec![SKUS[(s + 1) % SKUS.len()].to_owned()],
        },
        8 => Op::RemoveDirectLicense { user, sku: sk },
        9 => Op::SetUsageLocation {
            user,
            country: if *flag { "US".into() } else { String::new() },
        },
        10 => Op::Reprocess {
            group: Some(group),
            user: None,
        },
        12 => Op::DeleteGroup { group },
        _ => Op::WaitForProcessing {
            group: flag.then_some(group),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn engine_state_matches_a_naive_recomputation(
        spec in tenant_spec(),
        raw_ops in prop::collection::vec(op_strategy(), 0..16),
    ) {
        let tenant = build(&spec);
        let rules = Rules::bundled().expect("bundled rules");
        // The group the ops may name as NEW is created first (so every op resolves).
        let create = Op::CreateGroup { group: "NEW".into(), security_enabled: true, description: None, mail_nickname: None, unique_name: None };
        let ops: Vec<(OpSource, Op)> = std::iter::once(create)
            .chain(raw_ops.iter().map(|r| make_op(&spec, r)))
            .enumerate()
            .map(|(i, op)| (OpSource { path: format!("ops[{i}]") }, op))
            .collect();
        let file = OpsFile { ops };
        let result = licplan::simulate::engine::simulate_final(
            &tenant,
            &rules,
            &file,
            std::path::Path::new("prop.yaml"),
        );
        let (report, fin) = match result {
            Ok(r) => r,
            Err(e) => return Err(TestCaseError::fail(format!("every op resolves, yet: {e}"))),
        };
        prop_assert_eq!(report.safe, report.violations.is_empty());

        // Effective plans, from scratch: the union of every active path's enabled plans (R3).
        let plans_of = |lic: &BTreeMap<SkuId, PlanIds>, out: &mut BTreeSet<PlanId>| {
            for (s, d) in lic {
                let all = tenant
                    .skus
                    .get(s)
                    .map(|x| x.service_plans.clone())
                    .unwrap_or_else(|| catalog_plans(*s));
                out.extend(all.iter().map(|p| p.id).filter(|p| !d.contains(p)));
            }
        };
        let mut holders: BTreeMap<SkuId, i64> = BTreeMap::new();
        for u in &fin.users {
            let mut expected = BTreeSet::new();
            plans_of(&u.direct, &mut expected);
            for lic in u.inherited_active.values() {
                plans_of(lic, &mut expected);
            }
            prop_assert_eq!(&PlanIds::from(expected), &u.effective, "user {}", u.id);
            // One seat per user per product, whatever the number of paths (R2).
            let mut seated: BTreeSet<SkuId> = u.direct.keys().copied().collect();
            for skus in u.inherited_seated.values() {
                seated.extend(skus.iter().copied());
            }
            for s in seated {
                *holders.entry(s).or_default() += 1;
            }
        }
        // Seats, from scratch: the export's consumption, moved by the change in holders.
        let start_holders = |s: SkuId| {
            tenant
                .users
                .values()
                .filter(|u| u.assignments.iter().any(|a| a.sku == s && !a.is_error()))
                .count() as i64
        };
        for (s, consumed) in &fin.consumed {
            let start = tenant
                .skus
                .get(s)
                .and_then(|x| x.seats)
                .map_or(0, |x| i64::from(x.consumed));
            let expected = start - start_holders(*s) + holders.get(s).copied().unwrap_or(0);
            prop_assert_eq!(*consumed, expected, "seats of {}", s);
            if let Some(enabled) = tenant.skus.get(s).and_then(|x| x.seats).map(|x| i64::from(x.enabled)) {
                prop_assert!(*consumed <= enabled, "{} consumed {} of {}", s, consumed, enabled);
            }
        }
    }
}

/// The planner's view of the written ops of [`make_op`]: the same references as typed ids.
struct ToIds;

impl MapRefs<Written, Ids> for ToIds {
    type Miss = std::convert::Infallible;
    fn user(&mut self, u: &String) -> Result<UserId, Self::Miss> {
        let i: usize = u
            .trim_start_matches('u')
            .trim_end_matches("@contoso.com")
            .parse()
            .expect("a test UPN");
        Ok(user_id(i))
    }
    fn group(&mut self, g: &String) -> Result<GroupId, Self::Miss> {
        Ok(match g.strip_prefix('G') {
            Some(i) => group_id(i.parse().expect("a test group")),
            None => licplan::simulate::engine::planned_group_id(g),
        })
    }
    fn sku(&mut self, _: &'static str, s: &String) -> Result<SkuId, Self::Miss> {
        Ok(SkuId::parse(s).expect("a GUID"))
    }
    fn plan(&mut self, _: &SkuId, p: &String) -> Result<PlanRef, Self::Miss> {
        Ok(PlanRef {
            id: PlanId::parse(p).expect("a GUID"),
            name: p.as_str().into(),
        })
    }
    fn country(&mut self, c: &String) -> Result<CountryCode, Self::Miss> {
        Ok(CountryCode::parse_optional(c)
            .ok()
            .flatten()
            .expect("a country the typed view can name"))
    }
}

/// The planner's view of a written op of [`make_op`].
fn to_ids(op: &Op) -> Op<Ids> {
    let Ok(op) = op.map_refs(&mut ToIds);
    op
}

/// A report as JSON without what names the op as written (UPNs and names against GUIDs).
fn comparable(report: &licplan::simulate::report::SimReport) -> serde_json::Value {
    let mut v = serde_json::to_value(report).expect("serialises");
    for step in v["steps"].as_array_mut().into_iter().flatten() {
        step["op"] = serde_json::Value::Null;
    }
    for x in v["violations"].as_array_mut().into_iter().flatten() {
        x["cause"] = serde_json::Value::Null;
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A planner's typed ops (resolved by id) and the same ops written out (resolved by name,
    /// UPN and GUID text) replay identically: one resolver, two views.
    #[test]
    fn typed_ops_replay_as_their_written_text(
        spec in tenant_spec(),
        raw_ops in prop::collection::vec(op_strategy(), 0..16),
    ) {
        let tenant = build(&spec);
        let rules = Rules::bundled().expect("bundled rules");
        let create = Op::CreateGroup { group: "NEW".into(), security_enabled: true, description: None, mail_nickname: None, unique_name: None };
        let written: Vec<(OpSource, Op)> = std::iter::once(create)
            .chain(raw_ops.iter().map(|r| match make_op(&spec, r) {
                // The typed view has no "clear the usage location".
                Op::SetUsageLocation { user, .. } => Op::SetUsageLocation { user, country: "US".into() },
                op => op,
            }))
            .enumerate()
            .map(|(i, op)| (OpSource { path: format!("ops[{i}]") }, op))
            .collect();
        let path = std::path::Path::new("prop.yaml");
        let file = OpsFile { ops: written.clone() };
        let by_text = licplan::simulate::engine::simulate(&tenant, &rules, &file, path)
            .map_err(|e| TestCaseError::fail(format!("every op resolves, yet: {e}")))?;
        let mut typed = written.iter().map(|(s, op)| (s.clone(), to_ids(op)));
        let by_id = licplan::simulate::engine::simulate_stream_ids(
            State::new(&tenant, &rules),
            &mut typed,
            path,
            true,
            &mut |_, _| {},
        )
        .map_err(|e| TestCaseError::fail(format!("every id resolves, yet: {e}")))?;
        prop_assert_eq!(comparable(&by_text), comparable(&by_id));
        // The typed op reads as the op written with GUIDs.
        for ((_, w), step) in written.iter().zip(&by_id.steps) {
            prop_assert_eq!(&to_ids(w).to_string(), step.op());
        }
    }
}

#[test]
fn an_unknown_id_in_a_planners_ops_names_the_action_and_field() {
    let spec = TenantSpec {
        seats: vec![1, 1, 1, 1],
        default_us: true,
        users: vec![(true, Vec::new())],
        groups: vec![(true, Vec::new(), vec![0])],
    };
    let tenant = build(&spec);
    let rules = Rules::bundled().expect("bundled rules");
    let ops = vec![
        (
            OpSource {
                path: "stages[0].actions[0]".into(),
            },
            Op::<Ids>::AddMember {
                group: group_id(0),
                user: user_id(0),
            },
        ),
        (
            OpSource {
                path: "stages[1].waves[0].actions[3]".into(),
            },
            Op::<Ids>::AddMember {
                group: group_id(7),
                user: user_id(0),
            },
        ),
    ];
    let e = licplan::simulate::engine::simulate_stream_ids(
        State::new(&tenant, &rules),
        &mut ops.into_iter(),
        std::path::Path::new("plan.json"),
        false,
        &mut |_, _| {},
    )
    .expect_err("group 7 does not exist");
    let text = e.to_string();
    assert!(
        text.contains("$.stages[1].waves[0].actions[3].group"),
        "{text}"
    );
    assert!(
        text.contains(&format!("no group \"{}\"", group_id(7))),
        "{text}"
    );
}
