//! The bundled rules: conflicts, prerequisites, successors and coverage, uniqueness. Rules
//! files are tested in [`files`].

use std::collections::BTreeSet;
use std::path::Path;

use super::*;
use crate::catalog::Lookup;

fn rules() -> Rules {
    Rules::bundled().unwrap_or_else(|e| panic!("bundled rules: {e}"))
}

fn catalog() -> &'static Catalog {
    Catalog::bundled()
}

#[track_caller]
fn plan(name: &str) -> PlanId {
    match catalog().plans_named(name).as_slice() {
        [p] => p.id,
        other => panic!("{name} names {} plans", other.len()),
    }
}

fn plans(names: &[&str]) -> BTreeSet<PlanId> {
    names.iter().map(|n| plan(n)).collect()
}

fn user(text: &str) -> Result<Rules, InputErrors> {
    Rules::from_yaml(text, Path::new("my-rules.yaml"))
}

#[track_caller]
fn user_ok(text: &str) -> Rules {
    user(text).unwrap_or_else(|e| panic!("rules file refused: {e}"))
}

/// The first problem of a refused file.
#[track_caller]
fn user_err(text: &str) -> InputError {
    match user(text) {
        Ok(_) => panic!("rules file accepted:\n{text}"),
        Err(e) => e.0.into_iter().next().expect("one problem at least"),
    }
}

#[track_caller]
fn sku_plans(part_number: &str) -> BTreeSet<PlanId> {
    match catalog().by_part_number(part_number) {
        Lookup::One(sku) => sku.service_plans.iter().map(|p| p.id).collect(),
        other => panic!("{part_number}: {other:?}"),
    }
}

/// Names of `from`'s plans whose service `to`'s full plan set does not provide, sorted.
fn uncovered(rules: &Rules, from: &str, to: &str) -> Vec<String> {
    let target = sku_plans(to);
    let mut out: Vec<String> = sku_plans(from)
        .into_iter()
        .filter(|&p| !rules.covered(p, &target))
        .map(|p| {
            catalog()
                .plan(p)
                .map_or_else(|| p.to_string(), |c| c.name.clone())
        })
        .collect();
    out.sort();
    out
}

fn conflict_id(rules: &Rules, a: &str, b: &str) -> Option<String> {
    rules.conflict(plan(a), plan(b)).map(|s| s.id.clone())
}

#[test]
fn bundled_rules_load() {
    let r = rules();
    let ids = r.entry_ids();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    assert!(ids.iter().all(|id| file::is_kebab(id)));
    for id in [
        "sharepoint-online",
        "exchange-online",
        "workplace-analytics-needs-exchange",
        "audio-conferencing-needs-skype-for-business",
        "exchange-online-plan1-to-plan2",
        "exchange-needs-unique-proxy-address",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    // One entry per table of the 2025 list; the older Exchange Plan 1/Plan 2 pair is off by
    // default, so it is neither applied nor listed.
    assert!(!ids.contains(&"exchange-online-plan1-plan2"));
    assert_eq!(r.exclusive.len(), 8);
    let sizes: Vec<(&str, usize)> = r
        .exclusive
        .iter()
        .map(|s| (s.id.as_str(), s.plans.len()))
        .collect();
    assert_eq!(
        sizes,
        [
            ("dynamics-crm", 7),
            ("exchange-online", 6),
            ("microsoft-365-rights-management", 2),
            ("intune", 3),
            ("sharepoint-online", 10),
            ("skype-for-business", 4),
            ("skype-for-business-pstn", 3),
            ("yammer", 3),
        ],
        "every table name resolved to exactly one plan"
    );
    assert!(r
        .exclusive
        .iter()
        .all(|s| s.source.contains("entra-docs") || s.source.contains("RULES.md")));
    let assumed: Vec<&str> = r.assumptions().iter().map(|a| a.id.as_str()).collect();
    assert!(assumed.contains(&"exchange-plan1-plan2-held-together"));
    assert!(!assumed.contains(&"exchange-plan1-plan2-conflict"));
    assert!(assumed.contains(&"usage-location-not-checked"));
    // Turned on, the older pair resolves to its two plans and cites the 2020 table.
    let on = user_ok("enable: [exchange-online-plan1-plan2]\n");
    let pair = on
        .exclusive
        .iter()
        .find(|s| s.id == "exchange-online-plan1-plan2")
        .expect("the pair is in force");
    assert_eq!(pair.plans.len(), 2);
    assert!(
        pair.source.contains("azure-docs-2020-04-28"),
        "{}",
        pair.source
    );
    // Nothing in the bundled rules is unavailable anywhere.
    let us = CountryCode::parse_optional("US")
        .ok()
        .flatten()
        .expect("US");
    assert!(r.offered_in(plan("MCOPSTN1"), &us));
}

#[test]
fn plans_missing_from_the_catalog_are_kept_by_guid() {
    let r = rules();
    let yammer_shadow = PlanId::parse("4c9efd0c-8de7-4c71-8295-9f5fdb0dd048").expect("GUID");
    assert!(catalog().plan(yammer_shadow).is_none());
    assert_eq!(
        r.conflict(yammer_shadow, plan("SHAREPOINTSTANDARD"))
            .map(|s| s.id.as_str()),
        Some("sharepoint-online")
    );
}

#[test]
fn e1_sharepoint_conflicts_with_e3_sharepoint() {
    let r = rules();
    let (e1, e3) = (sku_plans("STANDARDPACK"), sku_plans("ENTERPRISEPACK"));
    assert!(e1.contains(&plan("SHAREPOINTSTANDARD")) && e3.contains(&plan("SHAREPOINTENTERPRISE")));
    for (a, b) in [
        ("SHAREPOINTSTANDARD", "SHAREPOINTENTERPRISE"),
        ("SHAREPOINTENTERPRISE", "SHAREPOINTSTANDARD"),
    ] {
        assert_eq!(conflict_id(&r, a, b).as_deref(), Some("sharepoint-online"));
    }
    let set = r
        .conflict(plan("SHAREPOINTSTANDARD"), plan("SHAREPOINTENTERPRISE"))
        .expect("conflict");
    assert!(set.source.contains("2025-07-14"), "{}", set.source);
    // Plans both products share never conflict.
    assert_eq!(conflict_id(&r, "TEAMS1", "SHAREPOINTWAC"), None);
}

#[test]
fn exchange_plan1_and_plan2_may_be_held_together_until_a_rules_file_enables_the_old_reading() {
    let r = rules();
    assert_eq!(
        conflict_id(&r, "EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"),
        None
    );
    // The 2025 Exchange table still applies.
    assert_eq!(
        conflict_id(&r, "EXCHANGE_S_STANDARD", "EXCHANGE_S_DESKLESS").as_deref(),
        Some("exchange-online")
    );

    let on = user_ok("enable: [exchange-online-plan1-plan2]\n");
    for (a, b) in [
        ("EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"),
        ("EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD"),
    ] {
        assert_eq!(
            conflict_id(&on, a, b).as_deref(),
            Some("exchange-online-plan1-plan2")
        );
    }
    assert!(on.entry_ids().contains(&"exchange-online-plan1-plan2"));
    // The assumptions follow the reading in force, and the output says the file turned it on.
    let assumed: Vec<&str> = on.assumptions().iter().map(|a| a.id.as_str()).collect();
    assert!(
        assumed.contains(&"exchange-plan1-plan2-conflict"),
        "{assumed:?}"
    );
    assert!(
        !assumed.contains(&"exchange-plan1-plan2-held-together"),
        "{assumed:?}"
    );
    let note = on
        .assumptions()
        .iter()
        .find(|a| a.id == "rules-file-enables-exchange-online-plan1-plan2")
        .expect("note");
    assert!(note.text.contains("my-rules.yaml"), "{}", note.text);

    // Replacing the entry by id turns it on too (a replacement is in force unless it says not).
    let replaced = user_ok(
        "mutually_exclusive:\n  - id: exchange-online-plan1-plan2\n    plans: [EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE]\n    source: mine\n",
    );
    assert_eq!(
        conflict_id(&replaced, "EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE").as_deref(),
        Some("exchange-online-plan1-plan2")
    );
}

#[test]
fn enable_takes_only_entries_that_are_off_by_default() {
    for (text, says) in [
        ("enable: [sharepoint-online]\n", "already in force"),
        (
            "enable: [exchange-online-plan-1-plan2]\n",
            "not the id of a bundled entry",
        ),
    ] {
        let err = Rules::from_yaml(text, Path::new("my-rules.yaml")).expect_err(text);
        let shown = err
            .0
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(shown.contains(says), "{text}: {shown}");
        assert!(shown.contains("enable"), "{text}: {shown}");
    }
}

#[test]
fn a_plan_never_conflicts_with_itself() {
    let r = rules();
    for set in &r.exclusive {
        for &p in &set.plans {
            assert!(r.conflict(p, p).is_none(), "{p} in {}", set.id);
        }
    }
}

#[test]
fn no_product_conflicts_with_itself() {
    // Microsoft sells no product whose own plans are mutually exclusive; a set that says
    // otherwise is out of date (the 2020 Dynamics CRM table is, and is not bundled).
    let r = rules();
    for sku in catalog().skus() {
        for a in &sku.service_plans {
            for b in &sku.service_plans {
                assert!(
                    r.conflict(a.id, b.id).is_none(),
                    "{} holds {} and {}",
                    sku.part_number,
                    a.name,
                    b.name
                );
            }
        }
    }
}

#[test]
fn prerequisites() {
    let r = rules();
    let wa = r.prerequisites(plan("WORKPLACE_ANALYTICS"));
    assert_eq!(wa.len(), 1);
    assert_eq!(wa[0].id, "workplace-analytics-needs-exchange");
    assert_eq!(wa[0].plan, plan("WORKPLACE_ANALYTICS"));
    assert_eq!(
        wa[0].one_of,
        plans(&["EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE"])
    );
    let meet = r.prerequisites(plan("MCOMEETADV"));
    assert_eq!(meet.len(), 1);
    assert_eq!(meet[0].one_of, plans(&["MCOSTANDARD"]));
    // Only documented prerequisites.
    for name in [
        "EXCHANGE_S_STANDARD",
        "WORKPLACE_ANALYTICS_INSIGHTS_USER",
        "TEAMS1",
    ] {
        assert!(r.prerequisites(plan(name)).is_empty(), "{name}");
    }
}

#[test]
fn covered_follows_successors_one_way() {
    let r = rules();
    let set = |names: &[&str]| plans(names);
    assert!(r.covered(
        plan("EXCHANGE_S_STANDARD"),
        &set(&["EXCHANGE_S_ENTERPRISE"])
    ));
    assert!(!r.covered(
        plan("EXCHANGE_S_ENTERPRISE"),
        &set(&["EXCHANGE_S_STANDARD"])
    ));
    assert!(r.covered(plan("TEAMS1"), &set(&["TEAMS1"])));
    assert!(!r.covered(plan("TEAMS1"), &BTreeSet::new()));
    // Transitive: Forms E1 → E3 → E5.
    assert!(r.covered(plan("FORMS_PLAN_E1"), &set(&["FORMS_PLAN_E5"])));
    assert_eq!(
        r.successors(plan("WHITEBOARD_PLAN1")),
        &set(&["WHITEBOARD_PLAN2", "WHITEBOARD_PLAN3"])
    );
    assert!(r.successors(plan("TEAMS1")).is_empty());
    // Never across services.
    assert!(!r.covered(plan("SHAREPOINTSTANDARD"), &set(&["EXCHANGE_S_ENTERPRISE"])));
}

#[test]
fn every_e1_service_survives_the_move_to_e3() {
    // The E1 → E3 promise (RULES.md R11): no E1 plan lacks a counterpart in E3.
    assert_eq!(
        uncovered(&rules(), "STANDARDPACK", "ENTERPRISEPACK"),
        Vec::<String>::new()
    );
    assert_eq!(
        uncovered(&rules(), "STANDARDPACK", "SPE_E3"),
        Vec::<String>::new()
    );
}

#[test]
fn every_e3_service_survives_the_move_to_e5() {
    let r = rules();
    // The catalog's Office 365 E5 (ENTERPRISEPREMIUM) does not list these plans that Office 365
    // E3 does (Microsoft 365 E5 does), and holds no plan of the same service instead: a real
    // loss as far as the catalog tells, so no successor is invented for them.
    assert_eq!(
        uncovered(&r, "ENTERPRISEPACK", "ENTERPRISEPREMIUM"),
        [
            "Bing_Chat_Enterprise",
            "M365_LIGHTHOUSE_CUSTOMER_PLAN1",
            "MESH_AVATARS_ADDITIONAL_FOR_TEAMS",
            "MESH_AVATARS_FOR_TEAMS",
            "MESH_IMMERSIVE_FOR_TEAMS",
            "Nucleus",
        ]
    );
    assert_eq!(
        uncovered(&r, "ENTERPRISEPACK", "SPE_E5"),
        Vec::<String>::new()
    );
    // Microsoft 365 E5 lists only Lighthouse (Plan 1), not E3's Lighthouse (Plan 2).
    assert_eq!(
        uncovered(&r, "SPE_E3", "SPE_E5"),
        ["M365_LIGHTHOUSE_PARTNER_PLAN1"]
    );
}

#[test]
fn business_plans_move_up() {
    let r = rules();
    let none = Vec::<String>::new();
    assert_eq!(
        uncovered(&r, "O365_BUSINESS_ESSENTIALS", "O365_BUSINESS_PREMIUM"),
        none
    );
    assert_eq!(uncovered(&r, "O365_BUSINESS_PREMIUM", "SPB"), none);
    assert_eq!(
        uncovered(&r, "O365_BUSINESS_ESSENTIALS", "STANDARDPACK"),
        none
    );
    // Business Premium → Microsoft 365 E5: the Data Loss Prevention add-on has no single
    // same-service plan in E5 (DLP is spread over Exchange and SharePoint), Microsoft Invoicing
    // and Outlook Customer Manager (retired) have none, and E5 lacks Lighthouse (Plan 2).
    assert_eq!(
        uncovered(&r, "SPB", "SPE_E5"),
        [
            "BPOS_S_DlpAddOn",
            "DYN365BC_MS_INVOICING",
            "M365_LIGHTHOUSE_PARTNER_PLAN1",
            "O365_SB_Relationship_Management",
        ]
    );
}

#[test]
fn unique_proxy_address_by_prefix() {
    let r = rules();
    assert!(r.needs_unique_proxy("EXCHANGE_S_STANDARD"));
    assert!(r.needs_unique_proxy(" exchange_s_enterprise "));
    assert!(!r.needs_unique_proxy("SHAREPOINTSTANDARD"));
    assert!(!r.needs_unique_proxy("EXCH"));
    assert!(!r.needs_unique_proxy(""));
    let off = user_ok("disable: [exchange-needs-unique-proxy-address]\n");
    assert!(!off.needs_unique_proxy("EXCHANGE_S_STANDARD"));
    assert!(!off
        .assumptions()
        .iter()
        .any(|a| a.id == "unique-proxy-by-exchange-prefix"));
}

mod files;
