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
mod tests;
