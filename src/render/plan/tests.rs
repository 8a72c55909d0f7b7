use super::{markdown, table};
use crate::plan::doc::{
    Action, CarryingGroup, HeldBack, MoveSummary, Plan, SeatForecast, Skipped, Stage, StageKind,
    Summary, Verdict, Wave, WaveLabel,
};
use crate::simulate::report::{ErrorRecord, Violation, ViolationKind};

fn action(op: &'static str, user: Option<usize>) -> Action {
    use crate::model::{GroupId, SkuId, UserId};
    use crate::simulate::ops::Op;
    let id = |s: &str| GroupId::parse(s).expect("a GUID");
    let group = id("00000000-0000-0000-0000-0000000000aa");
    let sku = SkuId::parse("6fd2c87f-b296-42f0-b197-1e91e994b900").expect("a GUID");
    let user_id =
        |i: usize| UserId::parse(&format!("00000000-0000-0000-0000-{i:012}")).expect("a GUID");
    let op = match (op, user) {
        ("add-member", Some(i)) => Op::AddMember {
            group,
            user: user_id(i),
        },
        ("remove-direct-license", Some(i)) => Op::RemoveDirectLicense {
            user: user_id(i),
            sku,
        },
        _ => Op::AssignGroupLicense {
            group,
            sku,
            disabled_plans: Vec::new(),
        },
    };
    let mut a = Action::new(op);
    a.shown.group_name = Some("LIC-E3".into());
    a.shown.user_upn = user.map(|i| format!("user{i:03}@contoso.com").into());
    a.shown.sku_part_number = Some("ENTERPRISEPACK".into());
    a
}

fn plan() -> Plan {
    let mut assign = action("assign-group-license", None);
    if let crate::simulate::ops::Op::AssignGroupLicense { disabled_plans, .. } = &mut assign.op {
        let plan = |id: &str, name: &str| crate::simulate::ops::PlanRef {
            id: crate::model::PlanId::parse(id).expect("a GUID"),
            name: name.into(),
        };
        *disabled_plans = vec![
            plan("a23b959c-7ce8-4e57-9140-b90eb88a9e97", "SWAY"),
            plan("7547a3fe-08ee-4ccb-b430-5077c5041653", "YAMMER_ENTERPRISE"),
        ];
    }
    let mut stage2_actions = vec![assign];
    stage2_actions.extend((0..54).map(|i| action("add-member", Some(i))));
    let wave = |number: u32, label: WaveLabel, users: std::ops::Range<usize>| Wave {
        number,
        label,
        users: users.len() as u64,
        actions: users
            .map(|i| action("remove-direct-license", Some(i)))
            .collect(),
        gates: vec![format!("Gate of wave {number}.")],
        writes: 0,
        min_minutes: 2.5,
        soak_minutes: if label == WaveLabel::Pilot {
            1440.0
        } else {
            0.0
        },
        least_elapsed_minutes: if label == WaveLabel::Pilot {
            1442.5
        } else {
            2.5
        },
        rollback_actions: Vec::new(),
    };
    Plan {
        schema_version: 1,
        name: "E3 to groups".to_owned(),
        plan_hash: "sha256:00".to_owned(),
        export: crate::plan::doc::ExportRef::default(),
        placeholders: Vec::new(),
        summary: Summary {
            users_in_scope: 56,
            users_moving: 54,
            users_held_back: 1,
            users_skipped: 1,
            groups_created: 1,
            removal_waves: 2,
            default_usage_location: Some("US".to_owned()),
            least_elapsed_minutes: 1452.5,
        },
        moves: vec![MoveSummary {
            from: "ENTERPRISEPACK".to_owned(),
            to: "ENTERPRISEPACK".to_owned(),
            strategy: None,
            scope: "all users holding ENTERPRISEPACK directly".to_owned(),
            groups: vec![CarryingGroup {
                group_id: "00000000-0000-0000-0000-0000000000aa".to_owned(),
                group_name: "LIC-E3".to_owned(),
                created: true,
                placeholder: true,
                unique_name: Some("licplan-lic-e3-00000000".to_owned()),
                sku: "ENTERPRISEPACK".to_owned(),
                disabled_plans: vec!["SWAY".to_owned()],
                members_added: 54,
                membership: "static",
                licenses_before: Vec::new(),
                licenses_after: vec![crate::plan::doc::GroupLicenseText {
                    sku: "ENTERPRISEPACK".to_owned(),
                    disabled_plans: vec!["SWAY".to_owned()],
                    only_plans: None,
                }],
                members_at_change: 0,
                new_seats_for_others: 0,
                future_members: None,
                mail_nickname: Some("LIC-E3".to_owned()),
                description: None,
                also_carries: Vec::new(),
            }],
            users: 54,
            users_in_scope: 56,
            held_back: 1,
            skipped: 1,
            users_of_earlier_moves: 0,
            warnings: Vec::new(),
        }],
        stages: vec![
            Stage {
                number: 1,
                kind: StageKind::AssignGroups,
                title: "Create the licensing groups".to_owned(),
                purpose: "Groups that carry the same licenses.".to_owned(),
                gates: vec!["First gate.".to_owned(), "Second gate.".to_owned()],
                actions: stage2_actions,
                waves: Vec::new(),
                risks: vec!["A risk.".to_owned()],
                rollback: vec!["Remove the members.".to_owned()],
                rollback_actions: Vec::new(),
                writes: 55,
                min_minutes: 2.5,
                processing_wait_minutes: 5.0,
                least_elapsed_minutes: 7.5,
            },
            Stage {
                number: 2,
                kind: StageKind::RemoveDirect,
                title: "Remove the direct assignments in waves".to_owned(),
                purpose: "Gradually.".to_owned(),
                gates: Vec::new(),
                actions: Vec::new(),
                waves: vec![
                    wave(1, WaveLabel::Pilot, 0..2),
                    wave(2, WaveLabel::Wave, 2..54),
                ],
                risks: vec!["Another risk.".to_owned()],
                rollback: vec![
                    "Re-assign the direct license".to_owned(),
                    "(Set-MgUserLicense -UserId <upn>).".to_owned(),
                ],
                rollback_actions: Vec::new(),
                writes: 54,
                min_minutes: 5.0,
                processing_wait_minutes: 0.0,
                least_elapsed_minutes: 1445.0,
            },
        ],
        pilot: crate::plan::doc::PilotChoice {
            source: "count".to_owned(),
            users: 2,
            named_not_moving: Vec::new(),
        },
        held_back: vec![HeldBack {
            user_id: crate::model::UserId::parse("00000000-0000-0000-0000-0000000000e1")
                .expect("a GUID"),
            upn: Some("=cmd|' /C calc'!A0@contoso.com".to_owned()),
            reason: crate::plan::doc::HoldReason::CountViolation,
            group_id: None,
            group_name: None,
            detail: "No seat left".to_owned(),
            fix: "Buy seats",
        }],
        skipped: vec![Skipped {
            user_id: crate::model::UserId::parse("00000000-0000-0000-0000-0000000000e2")
                .expect("a GUID"),
            upn: None,
            why: crate::plan::doc::SkipReason::NoDirectAssignment,
        }],
        seats: vec![
            SeatForecast {
                stage: 1,
                wave: None,
                sku: "ENTERPRISEPACK".to_owned(),
                enabled: Some(100),
                consumed: 55,
                peak: 55,
            },
            SeatForecast {
                stage: 2,
                wave: Some(1),
                sku: "ENTERPRISEPACK".to_owned(),
                enabled: None,
                consumed: 55,
                peak: 55,
            },
        ],
        rollback: crate::plan::doc::RollbackProof::default(),
        verdict: Verdict {
            warnings: Vec::new(),
            status: crate::simulate::report::VerdictStatus::Unsafe,
            safe: false,
            unchecked: Vec::new(),
            violations: vec![Violation {
                step: 57,
                kind: ViolationKind::Loss,
                user: Some("user001@contoso.com".to_owned()),
                user_id: crate::model::UserId::parse("00000000-0000-0000-0000-000000000001").ok(),
                group_id: None,
                lost: "SWAY in Office 365 E3".to_owned(),
                cause: "stage 2: direct license removed".to_owned(),
            }],
            errors: vec![ErrorRecord {
                step: 3,
                user: Some("held@contoso.com".to_owned()),
                user_id: None,
                group: Some("LIC-E3".to_owned()),
                group_id: None,
                sku: Some("ENTERPRISEPACK".to_owned()),
                error: crate::simulate::report::ErrorCode::Licensing(
                    crate::model::AssignmentError::CountViolation,
                ),
                at_risk: true,
                detail: "no seat".to_owned(),
            }],
        },
        assumptions: vec!["Graph throttles identity writes.".to_owned()],
        assumptions_left_out: 0,
        warnings: Vec::new(),
        replan: None,
        partner_access: None,
    }
}

fn render(f: fn(&Plan, &mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut buf: Vec<u8> = Vec::new();
    assert!(f(&plan(), &mut buf).is_ok());
    String::from_utf8(buf).unwrap_or_default()
}

#[test]
fn markdown_has_every_section_in_order() {
    let md = render(markdown);
    let sections = [
        "# E3 to groups\n",
        "\n## Moves\n",
        "\n## Stages\n",
        "### Stage 1: Create the licensing groups\n",
        "### Stage 2: Remove the direct assignments in waves\n",
        "\n## Seat forecast\n",
        "\n## Held-back users\n",
        "\n## Skipped users\n",
        "\n## Verdict\n",
        "\n## Assumptions\n",
        "\n## Rollback summary\n",
    ];
    let mut at = 0;
    for s in sections {
        let Some(i) = md[at..].find(s) else {
            panic!("missing or out of order: {s:?}\n{md}");
        };
        at += i + s.len();
    }
    assert!(md.contains("| users in scope | 56 |"));
    assert!(md.contains("| default usage location | US |"));
    assert!(md.contains("| verdict | UNSAFE |"));
    assert!(md.contains("**Gate**\n\n- First gate.\n- Second gate.\n"));
    // Stage 1 has 55 actions: 50 listed, the rest counted.
    assert!(md.contains("… and 5 more actions (the JSON/YAML plan lists all)"));
    assert!(md.contains("| `add-member` | user048@contoso.com | LIC-E3 | ENTERPRISEPACK |  |"));
    assert!(!md.contains("| `add-member` | user049@contoso.com |"));
    assert!(md.contains("| `assign-group-license` |  | LIC-E3 | ENTERPRISEPACK | disabled: SWAY, YAMMER_ENTERPRISE |"));
    // Waves: a table, then each wave's gate and at most 20 actions.
    assert!(md.contains("| wave | label | users | writes | writes take | soak after | least time |\n| ---: | --- | ---: | ---: | ---: | ---: | ---: |"));
    assert!(md.contains("| 1 | pilot | 2 | 0 | 2 min 30 s | 1 d | 1 d |"));
    assert!(md.contains("| 2 | wave | 52 | 0 | 2 min 30 s | 0 s | 2 min 30 s |"));
    assert!(md.contains("| least elapsed time | 1 d |"));
    assert!(md.contains("#### Stage 2 wave 1 (pilot): 2 users"));
    assert!(md.contains("#### Stage 2 wave 2: 52 users"));
    assert!(md.contains("- Gate of wave 1."));
    assert!(md.contains("… and 32 more actions (the JSON/YAML plan lists all)"));
    // Seat forecast.
    assert!(md.contains("| 1 | – | ENTERPRISEPACK | 100 | 55 | 55 | 45 |"));
    assert!(md.contains("| 2 | 1 (pilot) | ENTERPRISEPACK | unknown | 55 | 55 | unknown |"));
    // The held-back UPN starts with `=`: neutralised, and its pipe escaped.
    assert!(md.contains(
        "| '=cmd\\|' /C calc'!A0@contoso.com | `CountViolation` | No seat left | Buy seats |"
    ));
    assert!(!md.contains("| =cmd"));
    assert!(md.contains("1 user held back (they keep every direct license): CountViolation: 1."));
    assert!(md.contains(
        "| 00000000-0000-0000-0000-0000000000e2 | holds no direct assignment of the product to move |"
    ));
    // The violation, and the expected error.
    assert!(md.contains(
        "| 57 | loss | user001@contoso.com | SWAY in Office 365 E3 | stage 2: direct license removed |"
    ));
    assert!(md.contains(
        "| 3 | CountViolation (at risk) | held@contoso.com | LIC-E3 | ENTERPRISEPACK | no seat |"
    ));
    assert!(!md.contains("finds no loss"));
    assert!(md.contains("- Graph throttles identity writes."));
    assert!(md.contains(
        "- Stage 2 (Remove the direct assignments in waves): Re-assign the direct license (Set-MgUserLicense -UserId \\<upn>)."
    ));
}

#[test]
fn table_is_an_overview_without_actions() {
    let t = render(table);
    let first = t.lines().next().unwrap_or_default();
    assert!(first.starts_with("Plan E3 to groups: UNSAFE; 54 users moving, 1 held back"));
    assert!(first.contains("1 group created; 2 removal waves"));
    assert!(t.contains("pilot 2, 52"));
    assert!(t.contains("109 actions (see --format markdown|json)"));
    assert!(t.contains("LIC-E3 (created, ENTERPRISEPACK, disabled: SWAY)"));
    assert!(t.contains("2 wave 1 (pilot)"));
    assert!(t.contains("55/100"));
    assert!(t.contains("CountViolation"));
    assert!(t.contains("SWAY in Office 365 E3"));
    assert!(t.contains("1 licensing error expected"));
    // The hashes a bundle's runner is given, as the Markdown facts show them.
    assert!(
        t.contains("\nHashes and exports\nplan hash: sha256:00\nexport hash: "),
        "{t}"
    );
    assert!(!render(markdown).contains("## Hashes"));
    // A plan value without the files read says so rather than an empty sentence.
    assert!(t.contains("Exports read: none recorded."), "{t}");
    // No individual action: neither a member's UPN nor an op name.
    assert!(!t.contains("user000@contoso.com"));
    assert!(!t.contains("add-member"));
    assert!(!t.contains("remove-direct-license"));
}

#[test]
fn a_safe_plan_says_so() {
    let mut p = plan();
    p.verdict = Verdict::new(Vec::new(), Vec::new());
    let mut buf: Vec<u8> = Vec::new();
    assert!(markdown(&p, &mut buf).is_ok());
    let md = String::from_utf8(buf).unwrap_or_default();
    assert!(md.contains("## Verdict\n\n**SAFE**. The simulation of every stage and wave finds no loss of license or service and no seat shortage, on complete evidence.\n"));
    let mut buf: Vec<u8> = Vec::new();
    assert!(table(&p, &mut buf).is_ok());
    let t = String::from_utf8(buf).unwrap_or_default();
    assert!(t.contains("Verdict: SAFE\nThe simulation of every stage and wave finds no loss"));
}

#[test]
fn a_plan_not_proven_says_what_was_not_checked_at_the_top() {
    let mut p = plan();
    p.verdict = Verdict::new(Vec::new(), Vec::new());
    p.verdict
        .add_unchecked(vec![crate::simulate::report::Unchecked {
            check: crate::simulate::report::Check::Seats,
            reason: "seats of ENTERPRISEPACK not checked: no subscribedSkus export".into(),
            fix: "export GET /v1.0/subscribedSkus".into(),
        }]);
    assert!(!p.verdict.safe);
    let mut buf: Vec<u8> = Vec::new();
    assert!(markdown(&p, &mut buf).is_ok());
    let md = String::from_utf8(buf).unwrap_or_default();
    let top = md.find("## Not checked").unwrap_or(usize::MAX);
    assert!(top < md.find("## Moves").unwrap_or(0), "{md}");
    assert!(md.contains("seats of ENTERPRISEPACK not checked"));
    assert!(md.contains("| verdict | NOT PROVEN |"));
    let mut buf: Vec<u8> = Vec::new();
    assert!(table(&p, &mut buf).is_ok());
    let t = String::from_utf8(buf).unwrap_or_default();
    assert!(t.starts_with("Plan E3 to groups: NOT PROVEN;"), "{t}");
    assert!(t.find("Not checked").unwrap_or(usize::MAX) < t.find("Moves").unwrap_or(0));
}

#[test]
fn an_empty_plan_says_none_in_each_section_and_blank_names_stay_visible() {
    let mut p = plan();
    p.moves.clear();
    p.stages.clear();
    p.seats.clear();
    p.held_back.clear();
    p.skipped.clear();
    let mut buf: Vec<u8> = Vec::new();
    assert!(markdown(&p, &mut buf).is_ok());
    let md = String::from_utf8(buf).unwrap_or_default();
    assert!(
        md.contains("\n## Moves\n\nNone.\n\n## Stages\n\n## Seat forecast\n\nNone.\n\n## Held-back users\n\nNone.\n\n## Skipped users\n\nNone.\n"),
        "{md}"
    );
    assert!(
        md.ends_with(
            "\n## Rollback summary\n\n- None.\n\n## Exports read\n\nExports read: none recorded.\n"
        ),
        "{md}"
    );
    let mut buf: Vec<u8> = Vec::new();
    assert!(table(&p, &mut buf).is_ok());
    let t = String::from_utf8(buf).unwrap_or_default();
    assert!(t.contains("\nMoves\n(none)\n\nStages\n"), "{t}");
    assert!(t.contains("0 actions (see --format markdown|json)\n\nSeat forecast\n(none)\n"));
    assert!(t.contains("\nHeld-back users (they keep every direct license)\n(none)\n"));
    assert!(!t.contains("Skipped") && !t.contains("Assumptions") && !t.contains("Rollback"));

    // A part number that shows nothing is quoted in the move's heading.
    let mut p = plan();
    p.moves[0].from = "  ".to_owned();
    let mut buf: Vec<u8> = Vec::new();
    assert!(markdown(&p, &mut buf).is_ok());
    let md = String::from_utf8(buf).unwrap_or_default();
    assert!(md.contains("\n### \"  \" → ENTERPRISEPACK\n"), "{md}");
}
