use super::*;

fn catalog() -> &'static Catalog {
    match Catalog::try_bundled() {
        Ok(c) => c,
        Err(e) => panic!("bundled catalog: {e}"),
    }
}

fn sku_id(s: &str) -> SkuId {
    SkuId::parse(s).expect("test GUID")
}

fn plan_id(s: &str) -> PlanId {
    PlanId::parse(s).expect("test GUID")
}

#[track_caller]
fn one<'a>(lookup: Lookup<'a>) -> &'a CatalogSku {
    match lookup {
        Lookup::One(sku) => sku,
        other => panic!("expected one SKU, got {other:?}"),
    }
}

#[track_caller]
fn ambiguous_ids(lookup: Lookup<'_>) -> Vec<String> {
    match lookup {
        Lookup::Ambiguous(skus) => skus.iter().map(|s| s.id.to_string()).collect(),
        other => panic!("expected an ambiguous answer, got {other:?}"),
    }
}

#[test]
fn bundled_catalog_parses() {
    assert!(
        Catalog::try_bundled().is_ok(),
        "{:?}",
        Catalog::try_bundled().err()
    );
    assert!(std::ptr::eq(Catalog::bundled(), catalog()), "parsed once");
}

#[test]
fn counts_match_the_provenance_notes() {
    let c = catalog();
    assert_eq!(c.len(), 610, "distinct SKU GUIDs");
    assert!(!c.is_empty());
    assert_eq!(c.plans.len(), 769, "distinct plan ids");
    let parts: std::collections::HashSet<String> =
        c.skus().map(|s| s.part_number.to_lowercase()).collect();
    assert_eq!(parts.len(), 609, "distinct part numbers");
    let ids: Vec<SkuId> = c.skus().map(|s| s.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "skus() sorted by id");
    // Rows in the file minus the 31 duplicated (SKU, plan) pairs (16 of them exact rows).
    let pairs: usize = c.skus().map(|s| s.service_plans.len()).sum();
    assert_eq!(pairs, 5825 - 31);
}

#[test]
fn office_365_e1() {
    let c = catalog();
    let e1 = one(c.by_part_number("STANDARDPACK"));
    assert_eq!(e1.id, sku_id("18181a46-0d4e-45cd-891e-60aabd171b4e"));
    assert_eq!(e1.display_names, ["Office 365 E1"]);
    assert_eq!(e1.display_name(), "Office 365 E1");
    assert_eq!(e1.service_plans.len(), 34);
    let exchange = e1
        .service_plans
        .iter()
        .find(|p| p.id == plan_id("9aaf7827-d63c-4b61-89c3-182f06f82e5c"))
        .expect("E1 holds Exchange Online (Plan 1)");
    assert_eq!(exchange.name, "EXCHANGE_S_STANDARD");
    assert!(e1
        .service_plans
        .iter()
        .any(|p| p.name == "SHAREPOINTSTANDARD"
            && p.id == plan_id("c7699d2e-19aa-44de-8edf-1736da088ca1")));
    assert!(e1.service_plans.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(one(c.resolve("Office 365 E1")).id, e1.id);
}

#[test]
fn office_365_e3_and_case_insensitive_lookups() {
    let c = catalog();
    let e3 = sku_id("6fd2c87f-b296-42f0-b197-1e91e994b900");
    for reference in [
        "ENTERPRISEPACK",
        "enterprisepack",
        " EnterprisePack\t",
        "Office 365 E3",
        "OFFICE 365 E3",
        "office  365 e3",
        "6fd2c87f-b296-42f0-b197-1e91e994b900",
        "6FD2C87F-B296-42F0-B197-1E91E994B900",
        "{6FD2C87F-B296-42F0-B197-1E91E994B900}",
    ] {
        assert_eq!(one(c.resolve(reference)).id, e3, "{reference:?}");
    }
    assert_eq!(one(c.by_part_number("enterprisepack")).id, e3);
    assert_eq!(one(c.by_display_name("office 365 e3")).id, e3);
    assert_eq!(c.by_display_name("ENTERPRISEPACK"), Lookup::NotFound);
    assert_eq!(c.by_part_number("Office 365 E3"), Lookup::NotFound);
    assert!(c.sku(e3).is_some());
    // A GUID the catalog lacks is not found, and is not retried as a name.
    assert_eq!(
        c.resolve("00000000-0000-0000-0000-000000000000"),
        Lookup::NotFound
    );
    assert_eq!(c.resolve("no such product"), Lookup::NotFound);
}

#[test]
fn whitespace_in_ids_is_ignored() {
    let c = catalog();
    let rms = one(c.resolve("RIGHTSMANAGEMENT_CE_GOV"));
    assert_eq!(
        rms.part_number, "RIGHTSMANAGEMENT_CE_GOV",
        "trailing tab removed"
    );
    assert_eq!(rms.id, sku_id("78362de1-6942-4bb8-83a1-a32aa67e6e2c"));
    assert_eq!(
        one(c.resolve("AAD_PREMIUM_USGOV_GCCHIGH")).id,
        sku_id("de597797-22fb-4d65-a9fe-b7dbe8893914")
    );
    // GUID and part number both followed by a no-break space in the file.
    let faculty = c
        .sku(sku_id("420c7602-7f70-4895-9394-d3d679ea36fb"))
        .expect("MCOCAP_FACULTY");
    assert_eq!(faculty.part_number, "MCOCAP_FACULTY");
    assert!(c
        .skus()
        .flat_map(|s| s.display_names.iter().chain([&s.part_number]))
        .chain(c.plans.iter().flat_map(|p| p.names.iter()))
        .all(|s| s == &names::normalise(s)));
}

#[test]
fn one_part_number_two_guids_is_ambiguous() {
    let c = catalog();
    let ids = ambiguous_ids(c.resolve("MCOPSTN5"));
    assert_eq!(
        ids,
        [
            "54a152dc-90de-4996-93d2-bc47e670fc06",
            "d43177b5-475b-4880-92d4-d54c27b5efbd"
        ]
    );
    // One display name, several GUIDs: also ambiguous, sorted by id.
    let ids = ambiguous_ids(c.by_display_name("Microsoft 365 Business Basic"));
    assert_eq!(
        ids,
        [
            "3b555118-da6a-4418-894f-7df1e2096870",
            "dab7782a-93b1-4074-8bb1-0e61318bea0b"
        ]
    );
}

#[test]
fn renamed_products_keep_both_names() {
    let c = catalog();
    let usl = one(c.resolve("VIRTUAL_AGENT_USL"));
    assert_eq!(usl.id, sku_id("4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa"));
    assert_eq!(
        usl.display_names,
        [
            "Microsoft Copilot Studio User License",
            "Power Virtual Agent User License"
        ]
    );
    for name in &usl.display_names {
        assert_eq!(one(c.resolve(name)).id, usl.id, "{name:?}");
    }
    assert_eq!(usl.service_plans.len(), 3, "same plans under both names");
    for (part, canonical) in [
        (
            "VIRTUAL_AGENT_USL_GCC",
            "Microsoft Copilot Studio User License for GCC",
        ),
        (
            "CCIBOTS_PRIVPREV_VIRAL",
            "Microsoft Copilot Studio Viral Trial",
        ),
    ] {
        let sku = one(c.resolve(part));
        assert_eq!(sku.display_names.len(), 2, "{part}");
        assert_eq!(sku.display_name(), canonical, "{part}");
    }
    // The three renamed products are the only SKUs with several names.
    assert_eq!(c.skus().filter(|s| s.display_names.len() > 1).count(), 3);
}

#[test]
fn duplicated_pairs_appear_once() {
    let c = catalog();
    for sku in c.skus() {
        let mut ids: Vec<PlanId> = sku.service_plans.iter().map(|p| p.id).collect();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "{} lists a plan twice", sku.part_number);
    }
}

#[test]
fn plan_name_variants() {
    let c = catalog();
    let rms = c
        .plan(plan_id("bea4c11e-220a-4e6d-8eb8-8ea15d019f90"))
        .expect("RMS_S_ENTERPRISE");
    assert_eq!(rms.name, "RMS_S_ENTERPRISE");
    assert_eq!(rms.names, ["RMS_S_ENTERPRISE", "RMS_S_ENTERPRISE)"]);
    assert_eq!(rms.friendly_name, "Azure Rights Management");
    assert_eq!(c.plans_named("rms_s_enterprise)"), [rms]);
    assert_eq!(c.plans_named(" rms_s_enterprise "), [rms]);

    let exo = c
        .plan(plan_id("9aaf7827-d63c-4b61-89c3-182f06f82e5c"))
        .expect("EXCHANGE_S_STANDARD");
    assert_eq!(exo.friendly_name, "Exchange Online (Plan 1)");

    let vda = c
        .plan(plan_id("e7c91390-7625-45be-94e0-e16907e03118"))
        .expect("Virtualization Rights");
    assert_eq!(vda.name, "Virtualization Rights for Windows 10 (E3/E5+VDA)");

    let project: Vec<String> = c
        .plans_named("PROJECT_ESSENTIALS")
        .iter()
        .map(|p| p.id.to_string())
        .collect();
    assert_eq!(
        project,
        [
            "1259157c-8581-4875-bca7-2ffb18c51bda",
            "f944d685-f762-4371-806d-a1f48e5bea13"
        ]
    );
    assert_eq!(
        c.plans_named("EXCHANGE_S_FOUNDATION PBI_PREMIUM_EM1_ADDON")
            .len(),
        2
    );
    assert!(c.plans_named("NO_SUCH_PLAN").is_empty());

    // A SKU lists a plan under the plan's canonical name, never a typo.
    for sku in c.skus() {
        for p in &sku.service_plans {
            assert_eq!(Some(&p.name), c.plan(p.id).map(|p| &p.name));
        }
    }
}

#[test]
fn non_ascii_text_survives() {
    let c = catalog();
    assert!(c.is_known_display_name("Dynamics 365 Operations – Activity"));
    assert!(c.is_known_display_name("DYNAMICS 365 OPERATIONS – ACTIVITY"));
}

#[test]
fn parse_errors_name_the_line_and_field() {
    const HEADER: &str = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,\
                          Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n";
    let good =
        "X,XPART,18181a46-0d4e-45cd-891e-60aabd171b4e,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\r\n";

    let err = Catalog::parse(&format!(
        "{HEADER}{good}X,XPART,nope,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\r\n"
    ))
    .expect_err("bad GUID");
    let msg = err.to_string();
    // LF line ends, and a quoted field spanning two lines, count the same way.
    let lf = Catalog::parse(&format!(
        "{}\"X\nY\",XPART,18181a46-0d4e-45cd-891e-60aabd171b4e,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\nX,XPART,nope,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\n",
        HEADER.replace("\r\n", "\n")
    ))
    .expect_err("bad GUID");
    assert!(
        matches!(
            lf,
            CatalogError::NotAGuid {
                line: 4,
                field: "GUID",
                ..
            }
        ),
        "{lf}"
    );
    assert!(
        msg.contains("line 3") && msg.contains("GUID") && msg.contains("nope"),
        "{msg}"
    );

    let err = Catalog::parse(&format!("{HEADER}X, ,18181a46-0d4e-45cd-891e-60aabd171b4e,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\r\n"))
        .expect_err("empty part number");
    assert!(
        matches!(
            err,
            CatalogError::EmptyField {
                line: 2,
                field: "String_Id"
            }
        ),
        "{err}"
    );

    let err = Catalog::parse(&format!("{HEADER}{good}X,OTHER,18181a46-0d4e-45cd-891e-60aabd171b4e,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\r\n"))
        .expect_err("two part numbers for one GUID");
    assert!(
        matches!(
            err,
            CatalogError::ConflictingPartNumber {
                line: 3,
                earlier_line: 2,
                ..
            }
        ),
        "{err}"
    );

    let err = Catalog::parse(&format!("{HEADER}{good}X,XPART\r\n")).expect_err("short row");
    assert!(
        matches!(err, CatalogError::Malformed { line: 3, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("2 fields"), "{err}");

    let err = Catalog::parse("Product_Display_Name,GUID\r\n").expect_err("missing column");
    assert!(err.to_string().contains("String_Id"), "{err}");

    assert!(matches!(Catalog::parse(HEADER), Err(CatalogError::NoRows)));

    // BOM, CRLF and a quoted comma.
    let c = Catalog::parse(&format!(
        "\u{feff}{HEADER}\"A, B\",XPART,18181a46-0d4e-45cd-891e-60aabd171b4e,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\r\n"
    ))
    .expect("valid");
    assert_eq!(one(c.resolve("a, b")).display_names, ["A, B"]);
}

#[track_caller]
fn split(cell: &str, expected: &[(&str, bool)]) {
    let c = catalog();
    let got: Vec<(&str, bool)> =
        split_product_names(cell, c.display_name_max_plus(), &|n: &str| {
            c.is_known_display_name(n)
        })
        .into_iter()
        .map(|p| (p.text, p.known))
        .collect();
    assert_eq!(got, expected, "splitting {cell:?}");
}

#[test]
fn splitting_licenses_cells_against_the_catalog() {
    let c = catalog();
    for name in [
        "Enterprise Mobility + Security E5",
        "Office 365 E3",
        "Microsoft 365 E5 Developer (without Windows and Audio Conferencing)",
        "Microsoft Power Automate Free",
        "Microsoft Fabric (Free)",
        "Microsoft 365 Business Basic",
    ] {
        assert!(c.is_known_display_name(name), "{name:?} not in the catalog");
    }
    for name in [
        "Enterprise Mobility",
        "Microsoft Fabric (Gratis)",
        "Microsoft 365 Empresa Básico",
    ] {
        assert!(!c.is_known_display_name(name), "{name:?} in the catalog");
    }

    split(
        "Enterprise Mobility + Security E5+Office 365 E3",
        &[
            ("Enterprise Mobility + Security E5", true),
            ("Office 365 E3", true),
        ],
    );
    split(
        "Microsoft Power Automate Free+Enterprise Mobility + Security E5+Office 365 E3",
        &[
            ("Microsoft Power Automate Free", true),
            ("Enterprise Mobility + Security E5", true),
            ("Office 365 E3", true),
        ],
    );
    split(
        "MICROSOFT 365 E5 DEVELOPER (WITHOUT WINDOWS AND AUDIO CONFERENCING)+MICROSOFT POWER AUTOMATE FREE",
        &[
            (
                "MICROSOFT 365 E5 DEVELOPER (WITHOUT WINDOWS AND AUDIO CONFERENCING)",
                true,
            ),
            ("MICROSOFT POWER AUTOMATE FREE", true),
        ],
    );
    split(
        "…+ENTERPRISE MOBILITY + SECURITY E5+…",
        &[
            ("…", false),
            ("ENTERPRISE MOBILITY + SECURITY E5", true),
            ("…", false),
        ],
    );
    split(
        "Microsoft Fabric (Gratis)+Microsoft Power Automate Free+Microsoft 365 Empresa Básico",
        &[
            ("Microsoft Fabric (Gratis)", false),
            ("Microsoft Power Automate Free", true),
            ("Microsoft 365 Empresa Básico", false),
        ],
    );
    split(
        "Visio Plan 2+Microsoft Fabric (Free)+Microsoft Power Automate Free+Microsoft 365 Business Standard",
        &[
            ("Visio Plan 2", true),
            ("Microsoft Fabric (Free)", true),
            ("Microsoft Power Automate Free", true),
            ("Microsoft 365 Business Standard", true),
        ],
    );
    split(
        "Microsoft Power Automate Free+Office 365 A1 dla nauczycieli lub wykładowców",
        &[
            ("Microsoft Power Automate Free", true),
            ("Office 365 A1 dla nauczycieli lub wykładowców", false),
        ],
    );
    split(
        "Office 365 E3++Office 365 E1",
        &[("Office 365 E3", true), ("Office 365 E1", true)],
    );
    split("Unlicensed", &[]);
    split("UNLICENSED", &[]);
    split("", &[]);
}
