//! Scenario tests of `licplan simulate`: one small plain-CSV tenant and ops file per licensing
//! rule of the domain notes (R1–R11) and per error code, in `testdata/scenarios/<name>/`
//! (`tenant/`, `ops.yaml` with a comment saying what it shows, optionally `rules.yaml`).
//!
//! Each test runs the real binary, asserts from `--format json` the facts the scenario exists to
//! show — safe or not and the exit code, every violation (step, kind, user, what was lost), every
//! error (step, code, user, group, product, at risk), seats after chosen steps — then snapshots
//! the `--format table` report. After an intended change, review with `cargo insta review`.

use serde_json::Value;

use crate::common::{licplan, root};

/// One simulation of a scenario, in both formats.
struct Run {
    name: &'static str,
    json: Value,
}

/// What a scenario must show. Violations and errors are compared whole, in report order, as
/// compact lines (see [`Run::violations`] and [`Run::errors`]).
struct Expect<'a> {
    safe: bool,
    violations: &'a [&'a str],
    errors: &'a [&'a str],
    /// `(step, "SKU consumed/enabled")`: a product's seats after a step.
    seats: &'a [(usize, &'a str)],
}

/// Runs a scenario (with its `rules.yaml` if there is one), checks both formats agree on the exit
/// code and leave stderr empty, checks `expect`, then snapshots the table.
#[track_caller]
fn scenario(name: &'static str, expect: Expect<'_>) -> Run {
    let dir = format!("testdata/scenarios/{name}");
    let tenant = format!("{dir}/tenant");
    let ops = format!("{dir}/ops.yaml");
    let rules = format!("{dir}/rules.yaml");
    let mut args = vec!["simulate", tenant.as_str(), "--ops", ops.as_str()];
    if root().join(&rules).is_file() {
        args.extend(["--rules", rules.as_str()]);
    }
    let want_code = if expect.safe { 0 } else { 3 };
    let outputs = crate::common::json_and_table(name, &args, want_code);
    let (json, table) = (&outputs[0], &outputs[1]);
    let json: Value = serde_json::from_str(json).expect("simulate --format json is JSON");
    let run = Run { name, json };
    assert_eq!(run.json["safe"], expect.safe, "{name}: safe");
    assert_eq!(run.violations(), expect.violations, "{name}: violations");
    assert_eq!(run.errors(), expect.errors, "{name}: errors");
    for (step, want) in expect.seats {
        let sku = want.split(' ').next().unwrap_or_default();
        assert_eq!(
            run.seats(*step, sku),
            *want,
            "{name}: seats of {sku} after step {step}"
        );
    }
    insta::assert_snapshot!(name, table);
    run
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

impl Run {
    /// `"4 loss alice@contoso.com: SWAY"` or `"5 seats: ENTERPRISEPACK: 1 more seat(s) needed, …"`.
    fn violations(&self) -> Vec<String> {
        self.list("violations")
            .iter()
            .map(|v| match text(&v["kind"]) {
                "loss" => format!(
                    "{} loss {}: {}",
                    v["step"],
                    text(&v["user"]),
                    text(&v["lost"])
                ),
                kind => format!("{} {kind}: {}", v["step"], text(&v["lost"])),
            })
            .collect()
    }

    /// `"5 CountViolation (at risk) user=alice@contoso.com group=LIC-E3 sku=ENTERPRISEPACK"`;
    /// absent fields are left out.
    fn errors(&self) -> Vec<String> {
        self.list("errors")
            .iter()
            .map(|e| {
                let mut line = format!("{} {}", e["step"], text(&e["error"]));
                if e["at_risk"] == true {
                    line.push_str(" (at risk)");
                }
                for key in ["user", "group", "sku"] {
                    if let Some(s) = e[key].as_str() {
                        line.push_str(&format!(" {key}={s}"));
                    }
                }
                line
            })
            .collect()
    }

    /// The error records' details, in order.
    fn error_details(&self) -> Vec<&str> {
        self.list("errors")
            .iter()
            .map(|e| text(&e["detail"]))
            .collect()
    }

    /// A step's record (1-based).
    fn step(&self, step: usize) -> &Value {
        let s = &self.list("steps")[step - 1];
        assert_eq!(s["step"], step, "{}: steps are numbered from 1", self.name);
        s
    }

    fn effect(&self, step: usize) -> &str {
        text(&self.step(step)["effect"])
    }

    /// `"SKU consumed/enabled"` after a step (`?` for unknown enabled), or `"SKU absent"`.
    fn seats(&self, step: usize, sku: &str) -> String {
        let lines = self.step(step)["seats"].as_array().expect("seats array");
        match lines.iter().find(|l| l["sku"] == sku) {
            Some(l) => {
                let enabled = l["enabled"]
                    .as_u64()
                    .map_or("?".to_owned(), |e| e.to_string());
                format!("{sku} {}/{enabled}", l["consumed"])
            }
            None => format!("{sku} absent"),
        }
    }

    fn assumptions(&self) -> Vec<&str> {
        self.list("assumptions").iter().map(text).collect()
    }

    fn list(&self, key: &str) -> &Vec<Value> {
        self.json[key]
            .as_array()
            .unwrap_or_else(|| panic!("{}: `{key}` is an array", self.name))
    }
}

const ALICE_LOSES_E1: &str = "alice@contoso.com: STANDARDPACK (all 34 service plans)";

#[test]
fn r1_paths_direct_and_group_then_leaving_with_no_direct_path_loses() {
    let run = scenario(
        "r1-paths",
        Expect {
            safe: false,
            violations: &[&format!("4 loss {ALICE_LOSES_E1}")],
            errors: &[],
            seats: &[
                (2, "STANDARDPACK 1/5"),
                (3, "STANDARDPACK 1/5"),
                (5, "STANDARDPACK 0/5"),
            ],
        },
    );
    assert!(
        run.effect(2).contains("1 user(s) licensed"),
        "{}",
        run.effect(2)
    );
    assert_eq!(run.effect(3), "alice@contoso.com: direct -STANDARDPACK");
}

#[test]
fn r2_dual_assignment_takes_one_seat() {
    let run = scenario(
        "r2-one-seat",
        Expect {
            safe: true,
            violations: &[],
            errors: &[],
            // No seat was free: three paths (direct and two groups) still take the one seat.
            seats: &[
                (1, "STANDARDPACK 1/1"),
                (3, "STANDARDPACK 1/1"),
                (4, "STANDARDPACK 1/1"),
            ],
        },
    );
    assert!(
        run.effect(3).contains("2 user(s) licensed, 0 in error"),
        "{}",
        run.effect(3)
    );
}

#[test]
fn r3_enabled_plans_are_the_union_of_the_paths() {
    scenario(
        "r3-union",
        Expect {
            safe: false,
            violations: &[
                "1 loss alice@contoso.com: SWAY",
                "2 loss bob@contoso.com: YAMMER_ENTERPRISE",
            ],
            errors: &[],
            seats: &[(1, "STANDARDPACK 2/5"), (3, "STANDARDPACK 2/5")],
        },
    );
}

#[test]
fn r4_a_group_gives_all_its_products_or_none() {
    let run = scenario(
        "r4-all-or-nothing",
        Expect {
            safe: true,
            violations: &[],
            errors: &[
                "3 MutuallyExclusiveViolation user=alice@contoso.com group=LIC-E3-Analytics sku=ENTERPRISEPACK",
            ],
            // Bob alone takes an E3 and a Workplace Analytics seat; Alice keeps her E1.
            seats: &[
                (3, "ENTERPRISEPACK 1/5"),
                (3, "WORKPLACE_ANALYTICS 1/5"),
                (3, "STANDARDPACK 1/5"),
            ],
        },
    );
    assert!(
        run.effect(3).contains("1 user(s) licensed, 1 in error"),
        "{}",
        run.effect(3)
    );
}

#[test]
fn r5_count_violation_puts_every_user_who_could_fail_at_risk() {
    let run = scenario(
        "r5-count-violation",
        Expect {
            safe: false,
            violations: &[
                "5 seats: ENTERPRISEPACK: 1 more seat(s) needed, 2 available",
                "6 seats: STANDARDPACK: 1 more seat(s) needed, 0 available",
            ],
            errors: &[
                "5 CountViolation (at risk) user=alice@contoso.com group=LIC-E3 sku=ENTERPRISEPACK",
                "5 CountViolation (at risk) user=bob@contoso.com group=LIC-E3 sku=ENTERPRISEPACK",
                "5 CountViolation (at risk) user=carol@contoso.com group=LIC-E3 sku=ENTERPRISEPACK",
                "6 CountViolation user=carol@contoso.com sku=STANDARDPACK",
            ],
            // Those at risk are treated as failing: no new seat is counted.
            seats: &[(5, "ENTERPRISEPACK 1/3"), (6, "STANDARDPACK 1/1")],
        },
    );
    assert!(
        run.errors().iter().all(|e| !e.contains("dave@")),
        "Dave already holds E3 directly and needs no new seat"
    );
}

#[test]
fn r5_mutually_exclusive_sharepoint_plans_fail_the_group_path_without_loss() {
    let run = scenario(
        "r5-mutually-exclusive",
        Expect {
            safe: true,
            violations: &[],
            errors: &["2 MutuallyExclusiveViolation user=alice@contoso.com group=LIC-E3 sku=ENTERPRISEPACK"],
            seats: &[(2, "STANDARDPACK 1/5"), (2, "ENTERPRISEPACK 0/5")],
        },
    );
    assert_eq!(
        run.error_details(),
        ["SHAREPOINTENTERPRISE conflicts with SHAREPOINTSTANDARD the user already has (sharepoint-online)"]
    );
}

#[test]
fn r5_exchange_plan1_user_and_e3_group_hold_both_by_default() {
    let run = scenario(
        "r5-exchange-plans-held-together",
        Expect {
            safe: true,
            violations: &[],
            errors: &[],
            seats: &[(2, "STANDARDPACK 1/5"), (2, "ENTERPRISEPACK 1/5")],
        },
    );
    assert!(
        run.assumptions()
            .iter()
            .any(|a| a.ends_with("(exchange-plan1-plan2-held-together)")),
        "the current reading is stated: {:?}",
        run.assumptions()
    );
    assert!(
        !run.assumptions()
            .iter()
            .any(|a| a.contains("exchange-plan1-plan2-conflict")),
        "the older reading is not in force"
    );
}

#[test]
fn r5_exchange_old_reading_turned_on_by_a_rules_file_conflicts() {
    let run = scenario(
        "r5-exchange-old-reading-enabled",
        Expect {
            safe: true,
            violations: &[],
            errors: &["2 MutuallyExclusiveViolation user=alice@contoso.com group=LIC-E3 sku=ENTERPRISEPACK"],
            seats: &[(2, "STANDARDPACK 1/5"), (2, "ENTERPRISEPACK 0/5")],
        },
    );
    assert_eq!(
        run.error_details(),
        ["EXCHANGE_S_ENTERPRISE conflicts with EXCHANGE_S_STANDARD the user already has (exchange-online-plan1-plan2)"]
    );
    for id in [
        "exchange-plan1-plan2-conflict",
        "rules-file-enables-exchange-online-plan1-plan2",
    ] {
        assert!(
            run.assumptions()
                .iter()
                .any(|a| a.ends_with(&format!("({id})"))),
            "{id} is stated: {:?}",
            run.assumptions()
        );
    }
}

#[test]
fn r5_dependency_violation_refuses_a_direct_removal() {
    let run = scenario(
        "r5-dependency-direct",
        Expect {
            safe: false,
            // Only the second step, which removes both products on purpose, loses anything.
            violations: &["2 loss alice@contoso.com: STANDARDPACK (all 34 service plans), WORKPLACE_ANALYTICS (all 3 service plans)"],
            errors: &["1 DependencyViolation user=alice@contoso.com sku=STANDARDPACK"],
            seats: &[
                (1, "STANDARDPACK 1/5"),
                (1, "WORKPLACE_ANALYTICS 1/5"),
                (2, "STANDARDPACK 0/5"),
                (2, "WORKPLACE_ANALYTICS 0/5"),
            ],
        },
    );
    assert!(
        run.effect(1).starts_with("refused: DependencyViolation: "),
        "{}",
        run.effect(1)
    );
    assert_eq!(
        run.error_details(),
        ["WORKPLACE_ANALYTICS requires EXCHANGE_S_STANDARD or EXCHANGE_S_ENTERPRISE (workplace-analytics-needs-exchange)"]
    );
}

#[test]
fn r5_dependency_violation_leaves_group_licenses_stuck_and_lost() {
    let run = scenario(
        "r5-dependency-group",
        Expect {
            safe: false,
            violations: &[&format!("1 loss {ALICE_LOSES_E1}")],
            errors: &["2 DependencyViolation user=alice@contoso.com group=LIC-E1 sku=STANDARDPACK"],
            // The stuck E1 still takes its seat; then the direct E1 takes the same one seat.
            seats: &[
                (2, "STANDARDPACK 1/5"),
                (2, "WORKPLACE_ANALYTICS 1/5"),
                (3, "STANDARDPACK 1/5"),
                (5, "STANDARDPACK 1/5"),
            ],
        },
    );
    assert!(
        run.effect(2).contains("1 in error, 0 removed"),
        "{}",
        run.effect(2)
    );
    assert_eq!(run.effect(3), "alice@contoso.com: direct +STANDARDPACK");
    assert!(
        run.effect(5).contains("0 in error, 1 removed"),
        "{}",
        run.effect(5)
    );
    assert!(
        run.error_details()[0].contains("stay on the user in an error state"),
        "{:?}",
        run.error_details()
    );
}

#[test]
fn r5_uniqueness_violation_for_every_user_sharing_a_proxy_address() {
    let run = scenario(
        "r5-uniqueness",
        Expect {
            safe: true,
            violations: &[],
            errors: &[
                "4 UniquenessViolation user=alice@contoso.com group=LIC-E1 sku=STANDARDPACK",
                "4 UniquenessViolation user=bob@contoso.com group=LIC-E1 sku=STANDARDPACK",
            ],
            // Carol only.
            seats: &[(4, "STANDARDPACK 1/5")],
        },
    );
    assert!(run
        .error_details()
        .iter()
        .all(|d| d.starts_with("Proxy address is already being used")));
}

#[test]
fn r5_prohibited_in_usage_location_without_any_location() {
    let run = scenario(
        "r5-prohibited-no-location",
        Expect {
            safe: true,
            violations: &[],
            errors: &["3 ProhibitedInUsageLocationViolation user=alice@contoso.com group=LIC-E1 sku=STANDARDPACK"],
            seats: &[(3, "STANDARDPACK 1/5"), (6, "STANDARDPACK 2/5")],
        },
    );
    assert_eq!(
        run.error_details(),
        ["the user has no usage location and the organization's is not in the exports"]
    );
    assert!(
        run.effect(6).contains("1 user(s) licensed, 0 in error"),
        "{}",
        run.effect(6)
    );
}

#[test]
fn r5_prohibited_in_usage_location_from_a_rules_file() {
    let run = scenario(
        "r5-prohibited-not-offered",
        Expect {
            safe: true,
            violations: &[],
            errors: &["3 ProhibitedInUsageLocationViolation user=bob@contoso.com group=LIC-E3-Conf sku=MCOMEETADV"],
            // Alice only: Bob gets neither product (R4).
            seats: &[(3, "ENTERPRISEPACK 1/5"), (3, "MCOMEETADV 1/5")],
        },
    );
    assert_eq!(run.error_details(), ["MCOMEETADV is not offered in CH"]);
}

#[test]
fn r6_group_assignment_falls_back_on_the_organizations_usage_location() {
    let run = scenario(
        "r6-usage-location",
        Expect {
            safe: true,
            violations: &[],
            errors: &["3 ProhibitedInUsageLocationViolation user=alice@contoso.com sku=WORKPLACE_ANALYTICS"],
            seats: &[
                (2, "STANDARDPACK 1/5"),
                (3, "WORKPLACE_ANALYTICS 0/5"),
                (5, "WORKPLACE_ANALYTICS 1/5"),
            ],
        },
    );
    assert!(
        run.effect(2).contains("1 user(s) licensed, 0 in error"),
        "{}",
        run.effect(2)
    );
    assert_eq!(
        run.error_details(),
        ["the user has no usage location (direct assignment needs one)"]
    );
    assert_eq!(
        run.effect(5),
        "alice@contoso.com: direct +WORKPLACE_ANALYTICS"
    );
}

#[test]
fn r7_an_add_on_needs_its_prerequisite_in_the_same_group() {
    let run = scenario(
        "r7-addon-same-group",
        Expect {
            safe: true,
            violations: &[],
            errors: &[
                "1 DependencyViolation group=LIC-Analytics sku=WORKPLACE_ANALYTICS",
                "2 DependencyViolation group=LIC-E3-NoExchange sku=WORKPLACE_ANALYTICS",
            ],
            // Alice takes a Workplace Analytics seat and still one E3 seat for two E3 groups.
            seats: &[
                (2, "WORKPLACE_ANALYTICS 0/5"),
                (6, "WORKPLACE_ANALYTICS 1/5"),
                (6, "ENTERPRISEPACK 2/5"),
            ],
        },
    );
    assert!(
        run.effect(4)
            .starts_with("LIC-E3-Analytics: licenses updated"),
        "{}",
        run.effect(4)
    );
    assert!(run
        .error_details()
        .iter()
        .all(|d| d.ends_with("the group must carry it too (R7)")));
    // Worded as the portal reports a group-level refusal.
    assert!(run.error_details().iter().all(|d| d.starts_with(
        "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service WORKPLACE_ANALYTICS requires"
    )));
}

#[test]
fn r8_removing_the_direct_path_before_processing_loses() {
    let run = scenario(
        "r8-async-no-wait",
        Expect {
            safe: false,
            violations: &[&format!("2 loss {ALICE_LOSES_E1}")],
            errors: &[],
            seats: &[(2, "STANDARDPACK 0/5"), (3, "STANDARDPACK 1/5")],
        },
    );
    let cause = text(&run.list("violations")[0]["cause"]);
    assert!(
        cause.contains("LIC-E1 has not finished processing"),
        "{cause}"
    );
}

#[test]
fn r8_waiting_for_processing_first_is_safe() {
    scenario(
        "r8-async-wait",
        Expect {
            safe: true,
            violations: &[],
            errors: &[],
            seats: &[(2, "STANDARDPACK 1/5"), (3, "STANDARDPACK 1/5")],
        },
    );
}

#[test]
fn r9_nested_members_get_nothing_and_only_security_groups_carry_licenses() {
    let run = scenario(
        "r9-limits",
        Expect {
            safe: true,
            violations: &[],
            errors: &[
                "3 LicenseNotAssigned user=bob@contoso.com",
                "4 GroupNotSecurityEnabled group=Marketing (Microsoft 365)",
                "5 GroupNotSecurityEnabled group=Legacy Import",
                "7 GroupNotSecurityEnabled group=LIC-E1-Distribution",
            ],
            // Alice only.
            seats: &[(2, "STANDARDPACK 1/5"), (7, "STANDARDPACK 1/5")],
        },
    );
    assert!(
        run.effect(1)
            .ends_with("processing pending for 1 member(s)"),
        "{}",
        run.effect(1)
    );
    assert!(
        run.effect(2).contains("1 user(s) licensed"),
        "{}",
        run.effect(2)
    );
}

#[test]
fn r10_leaving_a_group_loses_its_licenses_and_dynamic_or_synced_groups_refuse_edits() {
    let run = scenario(
        "r10-membership",
        Expect {
            safe: false,
            // Bob keeps E1 through his direct path.
            violations: &[&format!("1 loss {ALICE_LOSES_E1}")],
            errors: &[
                "3 DynamicMembershipGroup user=carol@contoso.com group=DYN-Marketing",
                "4 SyncedGroupMembership user=carol@contoso.com group=SYNC-Finance",
            ],
            seats: &[(4, "STANDARDPACK 2/5"), (5, "STANDARDPACK 1/5")],
        },
    );
    assert!(run.effect(5).contains("2 removed"), "{}", run.effect(5));
}

#[test]
fn r11_an_atomic_product_change_loses_nothing() {
    scenario(
        "r11-change-atomic",
        Expect {
            safe: true,
            violations: &[],
            errors: &[],
            seats: &[
                (1, "STANDARDPACK 2/5"),
                (2, "STANDARDPACK 0/5"),
                (2, "ENTERPRISEPACK 2/5"),
            ],
        },
    );
}

#[test]
fn r11_remove_then_assign_opens_a_loss_window() {
    scenario(
        "r11-change-separate",
        Expect {
            safe: false,
            violations: &[
                &format!("1 loss {ALICE_LOSES_E1}"),
                "1 loss bob@contoso.com: STANDARDPACK (all 34 service plans)",
            ],
            errors: &[],
            seats: &[(3, "STANDARDPACK 0/5"), (3, "ENTERPRISEPACK 2/5")],
        },
    );
}

#[test]
fn r11_a_direct_e1_conflicts_with_the_groups_e3_without_loss() {
    scenario(
        "r11-change-direct-conflict",
        Expect {
            safe: true,
            violations: &[],
            errors: &["2 MutuallyExclusiveViolation user=alice@contoso.com group=LIC-O365 sku=ENTERPRISEPACK"],
            // Alice keeps her direct E1 seat; Bob moves to E3.
            seats: &[(2, "STANDARDPACK 1/5"), (2, "ENTERPRISEPACK 1/5")],
        },
    );
}

#[test]
fn an_inherited_license_cannot_be_removed_directly() {
    let run = scenario(
        "remove-inherited-directly",
        Expect {
            safe: true,
            violations: &[],
            errors: &["1 InheritedLicenseCannotBeRemoved user=alice@contoso.com"],
            seats: &[(1, "STANDARDPACK 1/5")],
        },
    );
    assert!(
        run.error_details()[0].starts_with("User license is inherited from a group membership"),
        "{:?}",
        run.error_details()
    );
}

#[test]
fn refused_ops_leave_the_state_unchanged() {
    let run = scenario(
        "refused-ops",
        Expect {
            safe: true,
            violations: &[],
            errors: &[
                "1 GroupNameInUse",
                "2 LicenseNotAssigned group=LIC-E1",
                "3 LicenseNotAssigned user=alice@contoso.com",
                "4 LicenseNotAssigned group=LIC-E1",
            ],
            // The change's E3 addition was not applied either.
            seats: &[(4, "STANDARDPACK 1/5"), (4, "ENTERPRISEPACK 0/5")],
        },
    );
    assert_eq!(
        run.error_details()[3],
        "LIC-E1 does not carry WORKPLACE_ANALYTICS"
    );
}

/// Ops files that name what the tenant lacks, or misspell a field: exit 2, nothing on stdout, and
/// one message naming the ops file, the op's path and field.
#[test]
fn bad_ops_files_name_the_file_and_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown-user",
            "($.ops[1].user)",
            "no user \"mallory@contoso.com\" in the tenant",
        ),
        (
            "unknown-sku",
            "($.ops[0].sku)",
            "no product \"OFFICE_365_E9\" in the tenant or the catalog",
        ),
        (
            "unknown-group",
            "($.ops[2].group)",
            "no group \"LIC-E5\" in the tenant or created by an earlier op",
        ),
        (
            "bad-field",
            "($.ops[1].grup)",
            "remove-member has no field \"grup\"",
        ),
        (
            "unknown-plan",
            "($.ops[0].disabled_plans)",
            "STANDARDPACK has no service plan \"EXCHANGE_S_ENTERPRISE\"",
        ),
    ];
    for (case, at, message) in cases {
        let ops = format!("testdata/scenarios/bad-ops/{case}.yaml");
        for format in ["table", "json"] {
            let out = licplan(&[
                "simulate",
                "testdata/scenarios/bad-ops/tenant",
                "--ops",
                &ops,
                "--format",
                format,
            ]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{case}: exit code\n{stderr}");
            assert!(out.stdout.is_empty(), "{case}: nothing on stdout");
            assert!(
                stderr.contains(&format!("{ops}: ")),
                "{case}: names {ops}\n{stderr}"
            );
            assert!(stderr.contains(at), "{case}: names {at}\n{stderr}");
            assert!(
                stderr.contains(message),
                "{case}: says {message:?}\n{stderr}"
            );
        }
    }
}

const ALICE_E1: &str = "alice@contoso.com: STANDARDPACK (all 34 service plans)";

#[test]
fn active_with_error_only_path_then_leave_is_a_loss() {
    scenario(
        "awe-only-path-leave",
        Expect {
            safe: false,
            violations: &[&format!("1 loss {ALICE_E1}")],
            errors: &[],
            // The ActiveWithError path took its seat, and leaving frees it.
            seats: &[(1, "STANDARDPACK 1/5"), (2, "STANDARDPACK 0/5")],
        },
    );
}

#[test]
fn active_with_error_e1_conflicts_with_an_e3_group() {
    let run = scenario(
        "awe-e1-conflicts-with-e3-group",
        Expect {
            safe: true,
            violations: &[],
            errors: &["2 MutuallyExclusiveViolation user=alice@contoso.com group=LIC-E3 sku=ENTERPRISEPACK"],
            seats: &[(2, "STANDARDPACK 1/5"), (2, "ENTERPRISEPACK 0/5")],
        },
    );
    assert_eq!(
        run.error_details(),
        ["SHAREPOINTENTERPRISE conflicts with SHAREPOINTSTANDARD the user already has (sharepoint-online)"]
    );
}

#[test]
fn active_with_error_path_is_no_coverage_for_removing_the_active_one() {
    scenario(
        "awe-not-coverage-for-removal",
        Expect {
            safe: false,
            violations: &[&format!("1 loss {ALICE_E1}")],
            errors: &[],
            // One seat throughout: both paths are one license (R2).
            seats: &[(1, "STANDARDPACK 1/5"), (3, "STANDARDPACK 1/5")],
        },
    );
}

#[test]
fn addon_blocks_an_atomic_group_product_change() {
    let run = scenario(
        "addon-blocks-group-product-change",
        Expect {
            safe: false,
            violations: &[&format!("2 loss {ALICE_E1}")],
            errors: &[
                "2 DependencyViolation user=alice@contoso.com group=LIC-O365 sku=STANDARDPACK",
            ],
            // E1 stays on her in error (its seat taken), E3 never arrives.
            seats: &[
                (2, "STANDARDPACK 1/5"),
                (2, "ENTERPRISEPACK 0/5"),
                (2, "WORKPLACE_ANALYTICS 1/5"),
            ],
        },
    );
    assert!(
        run.error_details()[0].starts_with(
            "WORKPLACE_ANALYTICS requires EXCHANGE_S_STANDARD or EXCHANGE_S_ENTERPRISE"
        ),
        "{:?}",
        run.error_details()
    );
}

#[test]
fn addon_blocks_an_atomic_direct_product_change() {
    let run = scenario(
        "addon-blocks-direct-product-change",
        Expect {
            safe: true,
            violations: &[],
            errors: &["1 DependencyViolation user=alice@contoso.com sku=STANDARDPACK"],
            seats: &[(1, "STANDARDPACK 1/5"), (1, "ENTERPRISEPACK 0/5")],
        },
    );
    assert!(
        run.effect(1).starts_with("refused: DependencyViolation: "),
        "{}",
        run.effect(1)
    );
    assert!(
        run.error_details()[0].contains("the products the change adds do not count"),
        "{:?}",
        run.error_details()
    );
}

#[test]
fn delete_group_is_refused_while_the_group_carries_licenses() {
    let run = scenario(
        "delete-group-licensed",
        Expect {
            safe: true,
            violations: &[],
            errors: &[
                "1 GroupHasLicenses group=LIC-E1",
                "6 GroupDeleted group=LIC-E1",
            ],
            seats: &[(1, "STANDARDPACK 1/5"), (5, "STANDARDPACK 1/5")],
        },
    );
    assert!(
        run.error_details()[0].contains(
            "you must remove all licenses assigned to a group before you can delete the group"
        ),
        "{:?}",
        run.error_details()
    );
    assert!(run.effect(4).contains("deleted"), "{}", run.effect(4));
}

#[test]
fn delete_group_leaves_licenses_a_dependency_blocked_in_error() {
    scenario(
        "delete-group-dependency-stuck",
        Expect {
            safe: false,
            violations: &[&format!("1 loss {ALICE_E1}")],
            errors: &["2 DependencyViolation user=alice@contoso.com group=LIC-E1 sku=STANDARDPACK"],
            // The stuck E1 keeps its seat after the group is deleted.
            seats: &[(2, "STANDARDPACK 1/5"), (4, "STANDARDPACK 1/5")],
        },
    );
}

#[test]
fn a_deleted_groups_name_can_be_created_again() {
    let run = scenario(
        "delete-group-then-create-again",
        Expect {
            safe: true,
            violations: &[],
            errors: &[],
            seats: &[(4, "STANDARDPACK 1/5"), (8, "STANDARDPACK 1/5")],
        },
    );
    assert!(
        run.effect(5).contains("created LIC-E1"),
        "{}",
        run.effect(5)
    );
    assert!(
        run.effect(8).contains("1 user(s) licensed"),
        "{}",
        run.effect(8)
    );
}
