//! Property test of the planner: random small tenants (real products, so the service-plan rules
//! come into play) and random intents. Every plan the planner returns must be safe by the
//! simulator — also when its own actions are read back from its JSON and replayed — must leave
//! every held-back user out of every action, and must count in its summary what it lists.
//!
//! Failures found by this test are kept below as deterministic regression tests, each with the
//! minimal case proptest shrank it to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use licplan::model::{
    Assignment, AssignmentError, AssignmentPath, AssignmentState, CountryCode, Group, GroupLicense,
    Member, PlanIds, Seats, SkuId, Tenant, User,
};
use licplan::plan::doc::{Action, Plan, StageKind};
use licplan::simulate::rules::Rules;
use proptest::prelude::*;

use crate::common::{catalog_sku, disabled, group_id, user_id};

/// Office 365 E1, Office 365 E3, Microsoft Workplace Analytics.
const SKUS: &[(&str, &str)] = &[
    ("18181a46-0d4e-45cd-891e-60aabd171b4e", "STANDARDPACK"),
    ("6fd2c87f-b296-42f0-b197-1e91e994b900", "ENTERPRISEPACK"),
    (
        "3d957427-ecdc-4df2-aacd-01cc9d519da8",
        "WORKPLACE_ANALYTICS",
    ),
];

fn sku(i: usize) -> SkuId {
    SkuId::parse(SKUS[i % SKUS.len()].0).expect("a GUID")
}

fn part(i: usize) -> &'static str {
    SKUS[i % SKUS.len()].1
}

/// A product (index into SKUS) with disabled plans (indexes into its plans).
type LicSpec = (usize, Vec<usize>);

#[derive(Debug, Clone)]
struct UserSpec {
    /// 0: none, 1: US, 2: GB.
    location: u8,
    direct: Vec<LicSpec>,
    /// The user's first license is in a licensing error.
    error: bool,
    /// The export does not say the path of one more license (admin-center style).
    unknown: Option<usize>,
    /// Shares `shared@contoso.com` with every other user that does.
    shared_proxy: bool,
}

#[derive(Debug, Clone)]
struct GroupSpec {
    /// 0: static, 1: dynamic, 2: synced.
    kind: u8,
    security: bool,
    licenses: Vec<LicSpec>,
    /// Indexes into users (modulo their number).
    members: Vec<usize>,
    /// Another group as a nested member (modulo the number of groups; itself is skipped).
    nested: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct TenantSpec {
    /// Seats beyond the holders per product; negative: over-consumed.
    spare: Vec<i32>,
    /// Whether each product's seats are exported.
    seats_known: Vec<bool>,
    default_us: bool,
    users: Vec<UserSpec>,
    groups: Vec<GroupSpec>,
}

#[derive(Debug, Clone)]
struct MoveSpec {
    from: usize,
    to: usize,
    /// Modulo the number of groups + 2: an existing group `G<i>`, or a new one.
    group: usize,
    /// Modulo the number of groups + 1: `group:G<i>`, or direct-holders.
    scope: usize,
    /// 0: none, 1: migrate-then-change, 2: change-then-migrate.
    strategy: u8,
}

#[derive(Debug, Clone)]
pub(crate) struct IntentSpec {
    default_us: bool,
    moves: Vec<MoveSpec>,
    /// 0: none, 1: migrate-then-change, 2: change-then-migrate.
    strategy: u8,
    pilot: Option<u64>,
    /// `Ok(count)` or `Err(percent)`; `None` for the default.
    size: Option<Result<u64, u32>>,
}

fn lic_spec() -> impl Strategy<Value = LicSpec> {
    (0..SKUS.len(), prop::collection::vec(0..40usize, 0..3))
}

pub(crate) fn tenant_spec() -> impl Strategy<Value = TenantSpec> {
    let user = (
        0..3u8,
        prop::collection::vec(lic_spec(), 0..3),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.1, 0..SKUS.len()),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(location, direct, error, unknown, shared_proxy)| UserSpec {
                location,
                direct,
                error,
                unknown,
                shared_proxy,
            },
        );
    let group = (
        prop::sample::select(vec![0u8, 0, 0, 1, 2]),
        prop::bool::weighted(0.85),
        prop::collection::vec(lic_spec(), 0..3),
        prop::collection::vec(0..8usize, 0..5),
        prop::option::weighted(0.2, 0..4usize),
    )
        .prop_map(|(kind, security, licenses, members, nested)| GroupSpec {
            kind,
            security,
            licenses,
            members,
            nested,
        });
    (
        prop::collection::vec(-1..6i32, SKUS.len()),
        prop::collection::vec(prop::bool::weighted(0.9), SKUS.len()),
        any::<bool>(),
        prop::collection::vec(user, 1..7),
        prop::collection::vec(group, 0..4),
    )
        .prop_map(
            |(spare, seats_known, default_us, users, groups)| TenantSpec {
                spare,
                seats_known,
                default_us,
                users,
                groups,
            },
        )
}

pub(crate) fn intent_spec() -> impl Strategy<Value = IntentSpec> {
    let mv = (0..SKUS.len(), 0..SKUS.len(), 0..6usize, 0..5usize, 0..3u8).prop_map(
        |(from, to, group, scope, strategy)| MoveSpec {
            from,
            to,
            group,
            scope,
            strategy,
        },
    );
    let size = prop::option::of(prop_oneof![
        (1..=3u64).prop_map(Ok),
        prop::sample::select(vec![10u32, 25, 50, 100]).prop_map(Err),
    ]);
    (
        any::<bool>(),
        prop::collection::vec(mv, 1..3),
        0..3u8,
        prop::option::of(0..=3u64),
        size,
    )
        .prop_map(|(default_us, moves, strategy, pilot, size)| IntentSpec {
            default_us,
            moves,
            strategy,
            pilot,
            size,
        })
}

fn country(s: &str) -> Option<CountryCode> {
    CountryCode::parse_optional(s).expect("a country")
}

pub(crate) fn build(spec: &TenantSpec) -> Tenant {
    let n_users = spec.users.len();
    let n_groups = spec.groups.len();
    let mut t = Tenant {
        default_usage_location: if spec.default_us { country("US") } else { None },
        ..Tenant::default()
    };
    let mut groups: Vec<Group> = spec
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut lic: BTreeMap<SkuId, PlanIds> = BTreeMap::new();
            for (s, d) in &g.licenses {
                lic.insert(sku(*s), disabled(sku(*s), d));
            }
            let mut members: Vec<Member> = g
                .members
                .iter()
                .map(|m| Member::User(user_id(m % n_users)))
                .collect();
            if let Some(n) = g.nested {
                let child = n % n_groups;
                if child != i {
                    members.push(Member::Group(group_id(child)));
                }
            }
            members.sort();
            members.dedup();
            Group {
                id: group_id(i),
                display_name: Some(format!("G{i}")),
                security_enabled: Some(g.security),
                unified: false,
                dynamic: g.kind == 1,
                membership_rule: (g.kind == 1).then(|| "user.department -eq \"Sales\"".to_owned()),
                on_premises_sync_enabled: (g.kind == 2).then_some(true),
                unique_name: None,
                license_processing: None,
                licenses: lic
                    .into_iter()
                    .map(|(sku, disabled_plans)| GroupLicense {
                        sku,
                        disabled_plans,
                    })
                    .collect(),
                members,
            }
        })
        .collect();
    for g in &mut groups {
        g.members.sort();
    }
    for (i, u) in spec.users.iter().enumerate() {
        let mut assignments: BTreeMap<(SkuId, AssignmentPath), Assignment> = BTreeMap::new();
        for (s, d) in &u.direct {
            let a = Assignment {
                sku: sku(*s),
                path: AssignmentPath::Direct,
                disabled_plans: disabled(sku(*s), d),
                state: Some(AssignmentState::Active),
                error: None,
            };
            assignments.insert((a.sku, a.path), a);
        }
        // Only security-enabled groups give their user members licenses (R9).
        for g in groups.iter().filter(|g| g.security_enabled == Some(true)) {
            if g.user_members().any(|m| m == user_id(i)) {
                for l in &g.licenses {
                    let a = Assignment {
                        sku: l.sku,
                        path: AssignmentPath::Group(g.id),
                        disabled_plans: l.disabled_plans.clone(),
                        state: Some(AssignmentState::Active),
                        error: None,
                    };
                    assignments.insert((a.sku, a.path), a);
                }
            }
        }
        if let Some(s) = u.unknown {
            let a = Assignment {
                sku: sku(s),
                path: AssignmentPath::Unknown,
                disabled_plans: PlanIds::new(),
                state: None,
                error: None,
            };
            assignments.insert((a.sku, a.path), a);
        }
        let mut assignments: Vec<Assignment> = assignments.into_values().collect();
        if u.error {
            if let Some(a) = assignments.first_mut() {
                a.state = Some(AssignmentState::Error);
                a.error = Some(AssignmentError::CountViolation);
            }
        }
        let mut proxy_addresses = vec![format!("SMTP:u{i}@contoso.com")];
        if u.shared_proxy {
            proxy_addresses.push("smtp:shared@contoso.com".to_owned());
        }
        t.users.insert(
            user_id(i),
            User {
                id: user_id(i),
                upn: Some(format!("u{i}@contoso.com")),
                display_name: None,
                usage_location: match u.location {
                    1 => country("US"),
                    2 => country("GB"),
                    _ => None,
                },
                account_enabled: Some(true),
                proxy_addresses,
                assignments,
            },
        );
    }
    t.groups = groups.into_iter().map(|g| (g.id, g)).collect();
    for i in 0..SKUS.len() {
        let id = sku(i);
        // One seat per user per product, whatever the number of paths (R2).
        let holders = t
            .users
            .values()
            .filter(|u| u.assignments.iter().any(|a| a.sku == id && !a.is_error()))
            .count() as i64;
        let seats = spec.seats_known[i].then(|| Seats {
            enabled: (holders + i64::from(spec.spare[i])).max(0) as u32,
            consumed: holders as u32,
            ..Seats::default()
        });
        t.skus.insert(id, catalog_sku(id, seats));
    }
    t
}

fn strategy_text(s: u8) -> Option<&'static str> {
    match s {
        1 => Some("migrate-then-change"),
        2 => Some("change-then-migrate"),
        _ => None,
    }
}

/// The intent as a consultant would write it.
pub(crate) fn intent_yaml(t: &TenantSpec, i: &IntentSpec) -> String {
    let n_groups = t.groups.len();
    let mut y = String::from("name: prop\n");
    if i.default_us {
        y.push_str("default_usage_location: US\n");
    }
    y.push_str("moves:\n");
    for (k, m) in i.moves.iter().enumerate() {
        let g = m.group % (n_groups + 2);
        let group = if g < n_groups {
            format!("G{g}")
        } else {
            format!("NEW-{k}-{}", g - n_groups)
        };
        let s = m.scope % (n_groups + 1);
        let scope = if s < n_groups {
            format!("\"group:G{s}\"")
        } else {
            "direct-holders".to_owned()
        };
        y.push_str(&format!(
            "  - from: {}\n    to: {}\n    group: {group}\n    scope: {scope}\n",
            part(m.from),
            part(m.to)
        ));
        if let Some(st) = strategy_text(m.strategy) {
            y.push_str(&format!("    strategy: {st}\n"));
        }
    }
    if let Some(st) = strategy_text(i.strategy) {
        y.push_str(&format!("strategy: {st}\n"));
    }
    if i.pilot.is_some() || i.size.is_some() {
        y.push_str("waves:\n");
        if let Some(p) = i.pilot {
            y.push_str(&format!("  pilot: {p}\n"));
        }
        match i.size {
            Some(Ok(n)) => y.push_str(&format!("  size: {n}\n")),
            Some(Err(p)) => y.push_str(&format!("  size: {p}%\n")),
            None => {}
        }
    }
    y
}

/// Every action of the plan, stage by stage and wave by wave, with the stage's kind.
fn actions(plan: &Plan) -> Vec<(StageKind, &Action)> {
    let mut v = Vec::new();
    for s in &plan.stages {
        v.extend(s.actions.iter().map(|a| (s.kind, a)));
        for w in &s.waves {
            v.extend(w.actions.iter().map(|a| (s.kind, a)));
        }
    }
    v
}

/// Plans the intent on the tenant and checks every property; `Err` says which failed.
fn check(tenant: &Tenant, intent_text: &str) -> Result<(), String> {
    let path = Path::new("prop.yaml");
    let rules = Rules::bundled().map_err(|e| format!("bundled rules: {e}"))?;
    let intent = licplan::plan::intent::parse(intent_text, path, tenant)
        .map_err(|e| format!("the intent names only what the tenant holds, yet: {e}"))?;
    let plan = licplan::plan::plan(tenant, &rules, &intent, path)
        .map_err(|e| format!("plan returned an error: {e}"))?;

    // 1. The plan is safe by the simulator.
    if !plan.verdict.safe {
        return Err(format!(
            "the plan is not safe: violations {:#?}\nerrors {:#?}",
            plan.verdict.violations, plan.verdict.errors
        ));
    }

    // 2. Its own actions, read back from its JSON, replay safely on the tenant the plan saw
    //    (with the intent's default usage location).
    let json = serde_json::to_string_pretty(&plan).map_err(|e| format!("serialise: {e}"))?;
    let ops = licplan::simulate::ops::parse(&json, Path::new("plan.json"))
        .map_err(|e| format!("the plan's JSON does not read back as ops: {e}"))?;
    let mut with_default = tenant.clone();
    if intent.default_usage_location.is_some() {
        with_default.default_usage_location = intent.default_usage_location;
    }
    let replay = licplan::simulate::simulate(&with_default, &rules, &ops, Path::new("plan.json"))
        .map_err(|e| format!("the plan's JSON does not replay: {e}"))?;
    if !replay.safe {
        return Err(format!(
            "the plan replayed from its JSON is not safe: violations {:#?}",
            replay.violations
        ));
    }

    // 3. No held-back user is in any action.
    let held: BTreeSet<licplan::model::UserId> = plan.held_back.iter().map(|h| h.user_id).collect();
    for (_, a) in actions(&plan) {
        if let Some(u) = a.user() {
            if held.contains(&u) {
                return Err(format!("held-back user {u} in the action {a:?}"));
            }
        }
    }

    // 4. The summary counts what the plan lists.
    let s = &plan.summary;
    let expect = |what: &str, got: u64, want: u64| -> Result<(), String> {
        if got == want {
            Ok(())
        } else {
            Err(format!("summary.{what} is {got}, the plan lists {want}"))
        }
    };
    expect(
        "users_held_back",
        s.users_held_back,
        plan.held_back.len() as u64,
    )?;
    expect("users_skipped", s.users_skipped, plan.skipped.len() as u64)?;
    expect(
        "users_moving",
        s.users_moving,
        plan.moves.iter().map(|m| m.users).sum(),
    )?;
    let removed: BTreeSet<licplan::model::UserId> = actions(&plan)
        .into_iter()
        .filter(|(k, a)| *k == StageKind::RemoveDirect && a.op_name() == "remove-direct-license")
        .filter_map(|(_, a)| a.user())
        .collect();
    expect("users_moving", s.users_moving, removed.len() as u64)?;
    let created = actions(&plan)
        .into_iter()
        .filter(|(_, a)| a.op_name() == "create-group")
        .count() as u64;
    expect("groups_created", s.groups_created, created)?;
    expect(
        "groups_created",
        s.groups_created,
        plan.moves
            .iter()
            .flat_map(|m| &m.groups)
            .filter(|g| g.created)
            .count() as u64,
    )?;
    expect(
        "removal_waves",
        s.removal_waves,
        plan.stages
            .iter()
            .filter(|st| st.kind == StageKind::RemoveDirect)
            .map(|st| st.waves.len() as u64)
            .sum(),
    )?;
    for st in &plan.stages {
        for w in &st.waves {
            expect(
                &format!("stages[{}].waves[{}].users", st.number, w.number),
                w.users,
                w.actions.len() as u64,
            )?;
        }
    }
    // Held back and moving are different users, all in scope.
    let moving_held: Vec<&licplan::model::UserId> = removed.intersection(&held).collect();
    if !moving_held.is_empty() {
        return Err(format!("users both moving and held back: {moving_held:?}"));
    }
    if s.users_moving + s.users_held_back > s.users_in_scope {
        return Err(format!(
            "{} moving + {} held back > {} in scope",
            s.users_moving, s.users_held_back, s.users_in_scope
        ));
    }
    Ok(())
}

fn cases() -> u32 {
    crate::common::proptest_cases(128)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        // Failures are kept as regression tests in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn plans_are_safe_replay_safe_leave_held_back_users_alone_and_count_right(
        spec in tenant_spec(),
        ispec in intent_spec(),
    ) {
        let tenant = build(&spec);
        let text = intent_yaml(&spec, &ispec);
        if let Err(e) = check(&tenant, &text) {
            return Err(TestCaseError::fail(format!("{e}\n\nintent:\n{text}")));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: minimal cases the property found (shrunk by proptest, then written out). Each
// describes a planner bug it caught, fixed since; none may be weakened to pass.

fn user(location: u8, direct: Vec<LicSpec>) -> UserSpec {
    UserSpec {
        location,
        direct,
        error: false,
        unknown: None,
        shared_proxy: false,
    }
}

fn group(kind: u8, security: bool, licenses: Vec<LicSpec>, members: Vec<usize>) -> GroupSpec {
    GroupSpec {
        kind,
        security,
        licenses,
        members,
        nested: None,
    }
}

/// A tenant without seat counts (so seats never decide) and without a default usage location.
fn tenant(users: Vec<UserSpec>, groups: Vec<GroupSpec>) -> TenantSpec {
    TenantSpec {
        spare: vec![0; SKUS.len()],
        seats_known: vec![false; SKUS.len()],
        default_us: false,
        users,
        groups,
    }
}

#[track_caller]
fn assert_plans_well(spec: &TenantSpec, intent: &str) {
    if let Err(e) = check(&build(spec), intent) {
        panic!("{e}\n\nintent:\n{intent}\ntenant: {spec:#?}");
    }
}

/// Bug: a product change to a product that lacks services the user has is drawn anyway and
/// loses them (exit 3), with no error behind the loss, so no one is held back. Shrunk from
/// WORKPLACE_ANALYTICS → STANDARDPACK; a plain downgrade (E3 → E1) fails the same way with either
/// strategy. The intent should be refused naming `$.moves[0].to`, or the users held back.
#[test]
fn regression_a_product_change_to_a_smaller_product_loses_services() {
    let wa = tenant(vec![user(1, vec![(2, vec![])])], vec![]);
    assert_plans_well(
        &wa,
        "name: prop\nmoves:\n  - from: WORKPLACE_ANALYTICS\n    to: STANDARDPACK\n    group: NEW-0-0\n    scope: direct-holders\n    strategy: change-then-migrate\n",
    );
}

#[test]
fn regression_a_downgrade_e3_to_e1_loses_services_with_either_strategy() {
    let e3 = tenant(vec![user(1, vec![(1, vec![])])], vec![]);
    for strategy in ["migrate-then-change", "change-then-migrate"] {
        assert_plans_well(
            &e3,
            &format!("name: prop\nstrategy: {strategy}\nmoves:\n  - {{from: ENTERPRISEPACK, to: STANDARDPACK, group: LIC-E1}}\n"),
        );
    }
}

/// Bug: the carrying group is an existing group the user is already a member of, and Graph
/// refuses the group's license (here: the group is not security-enabled, R9). The refusal is an
/// error on the group; `failing_users` (src/plan/mod.rs) holds back only the users the plan
/// *adds* to the group (`Carrying::add`), so the existing member is not held back and the removal
/// wave takes away its only E1.
#[test]
fn regression_a_refused_existing_carrying_group_does_not_hold_back_its_existing_members() {
    let spec = tenant(
        vec![user(1, vec![(0, vec![])])],
        vec![group(0, false, vec![], vec![0])],
    );
    assert_plans_well(
        &spec,
        "name: prop\nmoves:\n  - {from: STANDARDPACK, to: STANDARDPACK, group: G0, scope: \"group:G0\"}\n",
    );
}

/// The same with a security-enabled group refused for DependencyViolation: Workplace Analytics
/// needs its Exchange prerequisite in the same group (R7).
#[test]
fn regression_a_dependency_refusal_on_an_existing_carrying_group_does_not_hold_back_its_members() {
    let spec = tenant(
        vec![user(1, vec![(2, vec![])])],
        vec![group(0, true, vec![], vec![0])],
    );
    assert_plans_well(
        &spec,
        "name: prop\nmoves:\n  - {from: WORKPLACE_ANALYTICS, to: WORKPLACE_ANALYTICS, group: G0}\n",
    );
}

/// Bug: with change-then-migrate, a user who already holds the target product directly (all
/// plans enabled) gets `change-direct-license` adding the target with the plans mapped from the
/// old product's disabled plans (src/plan/draw.rs, the ChangeDirect stage): the call replaces
/// the existing E3 assignment with a narrower one and the user loses
/// POWER_VIRTUAL_AGENTS_O365_P2. The user's existing target assignment must be kept (or
/// merged: disable only what both disable).
#[test]
fn regression_change_then_migrate_narrows_a_target_license_the_user_already_holds() {
    // E1 with its first catalog plan (POWER_VIRTUAL_AGENTS_O365_P1) disabled, and E3 whole.
    let spec = tenant(vec![user(1, vec![(0, vec![0]), (1, vec![])])], vec![]);
    assert_plans_well(
        &spec,
        "name: prop\nmoves:\n  - from: STANDARDPACK\n    to: ENTERPRISEPACK\n    group: NEW-0-0\n    scope: direct-holders\n    strategy: change-then-migrate\n",
    );
}

/// Bug: a user who moves in one move and is reached only through a nested group in a later
/// move's `group:` scope is held back `nested-group-only` by `select` (src/plan/select.rs: the
/// nested walk calls `hold` without looking at the users already taken) but stays a mover: the
/// plan lists the user as held back *and* adds it to a group and removes its direct license.
/// (Shrunk from Workplace Analytics with a disabled plan in the first move; any product does it
/// when nothing else fails, since only a failing round removes held-back users from the movers.)
#[test]
fn regression_a_mover_of_one_move_is_also_held_back_by_a_later_nested_scope() {
    let mut spec = tenant(
        vec![user(1, vec![(0, vec![])])],
        vec![
            group(0, false, vec![], vec![]),
            group(0, false, vec![], vec![0]),
        ],
    );
    // G0 holds G1, which holds the user.
    spec.groups[0].nested = Some(1);
    assert_plans_well(
        &spec,
        "name: prop\nmoves:\n  - {from: STANDARDPACK, to: STANDARDPACK, group: NEW-0, scope: \"group:G1\"}\n  - {from: STANDARDPACK, to: STANDARDPACK, group: NEW-1, scope: \"group:G0\"}\n",
    );
}

/// Bug: an existing carrying group that carries nothing yet is given the license
/// (src/plan/draw.rs `carrying_groups`, `None if k == 0 && g.licenses.is_empty()`), but its
/// other members — users the plan does not move — are not counted: here one E1 seat is taken by
/// the only mover and the group's other member needs a new one, so group processing runs out of
/// seats (R5). `allocate_seats` only counts product changes' movers.
#[test]
fn regression_licensing_an_existing_group_takes_seats_for_members_who_do_not_move() {
    let mut spec = tenant(
        vec![user(1, vec![]), user(1, vec![(0, vec![])])],
        vec![group(0, true, vec![], vec![0, 1])],
    );
    spec.seats_known[0] = true; // E1: 1 enabled, 1 consumed.
    assert_plans_well(
        &spec,
        "name: prop\nmoves:\n  - {from: STANDARDPACK, to: STANDARDPACK, group: G0}\n",
    );
}

/// Bug, same cause: the existing carrying group is dynamic (so the plan licenses it rather than
/// create one) and already gives Workplace Analytics to another member, who has no usage
/// location (and the organization has none). Adding E1 to the group fails for that member
/// (ProhibitedInUsageLocationViolation), and a member gets all of a group's products or none
/// (R4): the bystander loses Workplace Analytics. Errors of users the plan does not move are
/// ignored by `failing_users`, so nothing stops the plan.
#[test]
fn regression_licensing_an_existing_group_can_cost_its_other_members_their_licenses() {
    let spec = tenant(
        vec![user(1, vec![(0, vec![])]), user(0, vec![])],
        vec![group(1, true, vec![(2, vec![])], vec![0, 1])],
    );
    assert_plans_well(
        &spec,
        "name: prop\nmoves:\n  - {from: STANDARDPACK, to: STANDARDPACK, group: G0, scope: \"group:G0\"}\n",
    );
}

/// Bug (fixed): a mover carried by an existing non-security group was held back for the group's
/// refusal only after the round that found it; the case shrank to a Workplace Analytics holder
/// and an empty, not security-enabled carrying group.
#[test]
fn regression_a_non_security_empty_carrying_group() {
    let spec = tenant(
        vec![user(0, vec![]), user(1, vec![(2, vec![16])])],
        vec![
            group(0, false, vec![], vec![]),
            group(0, false, vec![(2, vec![])], vec![0]),
        ],
    );
    assert_plans_well(
        &spec,
        "name: prop\nmoves:\n  - from: WORKPLACE_ANALYTICS\n    to: WORKPLACE_ANALYTICS\n    group: G0\n    scope: direct-holders\n",
    );
}

/// Found by the property: a user covered by an existing group that is not security-enabled
/// (R9: it cannot carry licenses) must not count as covered.
#[test]
fn regression_coverage_by_a_group_that_cannot_carry_licenses() {
    let mut spec = tenant(
        vec![
            user(0, vec![]),
            user(0, vec![]),
            user(0, vec![]),
            user(0, vec![(0, vec![])]),
        ],
        vec![group(0, false, vec![(0, vec![])], vec![3])],
    );
    spec.default_us = false;
    assert_plans_well(
        &spec,
        "name: prop\ndefault_usage_location: US\nmoves:\n  - from: STANDARDPACK\n    to: STANDARDPACK\n    group: G0\n    scope: \"group:G0\"\n",
    );
}
