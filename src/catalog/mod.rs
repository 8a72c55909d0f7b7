//! The bundled product catalog: Microsoft's public "Product names and service plan identifiers
//! for licensing" CSV, embedded in the binary.
//!
//! # Why
//!
//! The tenant's own `subscribedSkus` export is the authority on which products and service plans
//! a tenant holds; this catalog is only the fallback. It supplies what the exports leave out:
//! display names (`subscribedSkus` has none, and the admin-center `Licenses` column has nothing
//! else), the service plans of a SKU named only in an assignment, and the meaning of a reference a
//! person typed (`ENTERPRISEPACK`, `Office 365 E3` or a GUID). The file is compiled in
//! (`include_str!`) so the tool works offline, and parsed once, on first use.
//!
//! # Defects of the file, and how each is resolved
//!
//! The file is kept byte for byte as Microsoft publishes it (see `data/` and the provenance
//! notes), so its defects are dealt with here, explicitly:
//!
//! * UTF-8 BOM: stripped before parsing. CRLF and quoted fields holding commas: plain CSV.
//! * Whitespace around ids and names (`RIGHTSMANAGEMENT_CE_GOV<TAB>`, a GUID followed by a
//!   no-break space) and tabs inside a plan name: every field is trimmed and its inner runs of
//!   whitespace collapse to one space.
//! * Exact duplicate rows and duplicated (SKU, plan) pairs: each plan is listed once per SKU.
//! * Several spellings of one plan's `Service_Plan_Name` (`RMS_S_ENTERPRISE)`,
//!   `DESKLESS`/`Deskless`, …): all are recorded in [`CatalogPlan::names`] and all find the plan;
//!   the one most rows use is its name, everywhere, including in [`CatalogSku::service_plans`].
//! * Friendly names differing in case or wording between rows: the one most rows use wins.
//! * One part number with two GUIDs (`MCOPSTN5`), one display name with two GUIDs (`Microsoft 365
//!   Business Basic`, among others): lookups by name answer [`Lookup::Ambiguous`], never a guess.
//! * One GUID with two display names (renamed products, e.g. Power Virtual Agents → Microsoft
//!   Copilot Studio): every name is kept and finds the SKU; see [`CatalogSku::display_names`] for
//!   which one is canonical.
//! * One GUID with two part numbers would have no safe reading; the file has none, and parsing
//!   refuses one ([`CatalogError::ConflictingPartNumber`]).

mod names;
mod parse;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::model::ids::{looks_like_guid, PlanId, SkuId};
use crate::model::sku::ServicePlan;

pub use names::{plus_count, split_product_names, NamePart};
pub use parse::CatalogError;

/// Microsoft's CSV, verbatim.
const BUNDLED_CSV: &str = include_str!("../../data/product-service-plans.csv");

/// Every product and service plan Microsoft's catalog lists, with lookups.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Sorted by id.
    skus: Vec<CatalogSku>,
    /// Sorted by id.
    plans: Vec<CatalogPlan>,
    /// Lower-cased part number → indices into `skus`, ascending.
    by_part_number: HashMap<String, Vec<usize>>,
    /// Lower-cased display name (any of a SKU's) → indices into `skus`, ascending.
    by_display_name: HashMap<String, Vec<usize>>,
    /// The most `+` signs a display name holds (`Enterprise Mobility + Security E5`: one).
    display_name_max_plus: usize,
    /// Lower-cased service-plan name (any recorded spelling) → indices into `plans`, ascending.
    plans_by_name: HashMap<String, Vec<usize>>,
}

/// A product (SKU) as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSku {
    pub id: SkuId,
    /// `String_Id`, i.e. Graph's `skuPartNumber`, trimmed.
    pub part_number: String,
    /// All display names seen for this GUID, trimmed, deduplicated case-insensitively (the
    /// first-seen spelling is kept); the FIRST is the canonical one.
    ///
    /// Canonical name of a renamed product: the file is ordered by display name, not by date,
    /// and the old and new names list the same service plans, so nothing in it tells which name
    /// is current. The rule is therefore simply deterministic: the names are in case-insensitive
    /// lexicographic order and the first is canonical. In the bundled file this picks
    /// "Microsoft Copilot Studio …" over "Power Virtual Agent(s) …" for the three renamed SKUs,
    /// which is Microsoft's current naming; a test pins that, so a newer file that changes the
    /// outcome is noticed.
    pub display_names: Vec<String>,
    /// Service plans, one per plan id, sorted by plan id; each named by its
    /// [`CatalogPlan::name`].
    pub service_plans: Vec<ServicePlan>,
}

impl CatalogSku {
    /// The canonical display name.
    pub fn display_name(&self) -> &str {
        self.display_names
            .first()
            .map_or(self.part_number.as_str(), String::as_str)
    }
}

/// A service plan as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogPlan {
    pub id: PlanId,
    /// `Service_Plan_Name` (Graph's `servicePlanName`): the spelling most rows use, ties going
    /// to one with a lower-case letter, then to the first seen (no tie occurs in the bundled
    /// file). Equal to `names[0]`.
    pub name: String,
    /// Every spelling of `Service_Plan_Name` seen for this id, whitespace-normalised, `name`
    /// first, then in first-seen order. Variants differing only in case are all kept.
    pub names: Vec<String>,
    /// `Service_Plans_Included_Friendly_Names`: the spelling most rows use, ties going to one with
    /// lower-case letters, then to the first seen. Empty if no row gave one.
    pub friendly_name: String,
}

/// The answer to a lookup by something other than a GUID, which may name several SKUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    NotFound,
    One(&'a CatalogSku),
    /// Several SKUs, sorted by id.
    Ambiguous(Vec<&'a CatalogSku>),
}

static BUNDLED: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();

impl Catalog {
    /// The catalog compiled into the binary, parsed on first use.
    ///
    /// # Panics
    ///
    /// If the bundled file does not parse. It is fixed at build time and a test asserts that it
    /// parses, so this cannot happen in a tested build; see [`Catalog::try_bundled`].
    pub fn bundled() -> &'static Catalog {
        match Self::try_bundled() {
            Ok(catalog) => catalog,
            Err(e) => panic!("the product catalog compiled into licplan is broken: {e}"),
        }
    }

    /// The catalog compiled into the binary, or why it does not parse.
    pub fn try_bundled() -> Result<&'static Catalog, &'static CatalogError> {
        BUNDLED.get_or_init(|| Catalog::parse(BUNDLED_CSV)).as_ref()
    }

    /// Parses a catalog in Microsoft's CSV format (columns found by header name).
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        parse::parse(text)
    }

    /// The SKU with this GUID.
    pub fn sku(&self, id: SkuId) -> Option<&CatalogSku> {
        let i = self.skus.binary_search_by_key(&id, |s| s.id).ok()?;
        self.skus.get(i)
    }

    /// SKUs with this part number (`skuPartNumber`); trimmed, case-insensitive.
    pub fn by_part_number(&self, part: &str) -> Lookup<'_> {
        self.lookup(self.by_part_number.get(&names::key(part)))
    }

    /// SKUs with this display name (any of each SKU's names); trimmed, case-insensitive.
    pub fn by_display_name(&self, name: &str) -> Lookup<'_> {
        self.lookup(self.by_display_name.get(&names::key(name)))
    }

    /// Whether some SKU has this display name; trimmed, case-insensitive. The `is_known`
    /// argument of [`split_product_names`].
    pub fn is_known_display_name(&self, name: &str) -> bool {
        self.by_display_name.contains_key(&names::key(name))
    }

    /// The most `+` signs any display name holds: the `max_plus` argument of
    /// [`split_product_names`] for [`Catalog::is_known_display_name`].
    pub fn display_name_max_plus(&self) -> usize {
        self.display_name_max_plus
    }

    /// Resolves a reference as users write it: a GUID (any case, braces allowed), else a part
    /// number, else a display name. A GUID the catalog does not list is [`Lookup::NotFound`]; it
    /// is never retried as a name.
    pub fn resolve(&self, reference: &str) -> Lookup<'_> {
        if looks_like_guid(reference) {
            return match SkuId::parse(reference).ok().and_then(|id| self.sku(id)) {
                Some(sku) => Lookup::One(sku),
                None => Lookup::NotFound,
            };
        }
        match self.by_part_number(reference) {
            Lookup::NotFound => self.by_display_name(reference),
            found => found,
        }
    }

    /// The service plan with this id.
    pub fn plan(&self, id: PlanId) -> Option<&CatalogPlan> {
        let i = self.plans.binary_search_by_key(&id, |p| p.id).ok()?;
        self.plans.get(i)
    }

    /// Plans named `name` in any recorded spelling of `Service_Plan_Name` (trimmed,
    /// case-insensitive), sorted by id. Can be several: `PROJECT_ESSENTIALS` has two ids.
    pub fn plans_named(&self, name: &str) -> Vec<&CatalogPlan> {
        self.plans_by_name
            .get(&names::key(name))
            .map(|ids| ids.iter().filter_map(|&i| self.plans.get(i)).collect())
            .unwrap_or_default()
    }

    /// All SKUs, sorted by id.
    pub fn skus(&self) -> impl Iterator<Item = &CatalogSku> {
        self.skus.iter()
    }

    /// The number of SKUs.
    pub fn len(&self) -> usize {
        self.skus.len()
    }

    pub fn is_empty(&self) -> bool {
        self.skus.is_empty()
    }

    fn lookup(&self, indices: Option<&Vec<usize>>) -> Lookup<'_> {
        let found: Vec<&CatalogSku> = indices
            .into_iter()
            .flatten()
            .filter_map(|&i| self.skus.get(i))
            .collect();
        match found.as_slice() {
            [] => Lookup::NotFound,
            [one] => Lookup::One(one),
            _ => Lookup::Ambiguous(found),
        }
    }
}

#[cfg(test)]
mod tests {
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
        let good = "X,XPART,18181a46-0d4e-45cd-891e-60aabd171b4e,P,9aaf7827-d63c-4b61-89c3-182f06f82e5c,F\r\n";

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
}
