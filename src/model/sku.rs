//! Products (SKUs) the tenant subscribes to, with their service plans and seats.

use serde::{Deserialize, Serialize};

use super::ids::{PlanId, SkuId};

/// One service plan inside a product (`servicePlanId`, `servicePlanName`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServicePlan {
    pub id: PlanId,
    pub name: String,
}

/// Seat counts as `subscribedSkus` reports them (`prepaidUnits` and `consumedUnits`).
///
/// Available seats are `enabled − consumed`, as Microsoft's own samples compute them: warning units
/// are in their grace period and still count as enabled, suspended units cannot be assigned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seats {
    pub enabled: u32,
    pub suspended: u32,
    pub warning: u32,
    pub locked_out: u32,
    pub consumed: u32,
}

impl Seats {
    /// Seats that can still be assigned; negative when the tenant is over-consumed.
    pub fn available(&self) -> i64 {
        i64::from(self.enabled) - i64::from(self.consumed)
    }
}

/// A product the tenant holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sku {
    pub id: SkuId,
    /// `skuPartNumber`, e.g. `ENTERPRISEPACK`; `None` for a SKU known only by its GUID.
    pub part_number: Option<String>,
    /// The product's display name from the bundled catalog (`subscribedSkus` carries none).
    pub display_name: Option<String>,
    /// Service plans, sorted by id.
    pub service_plans: Vec<ServicePlan>,
    /// `None` when the export named the SKU without seat counts (e.g. only in an assignment).
    pub seats: Option<Seats>,
}

impl Sku {
    /// The name to show a person: display name, else part number, else the GUID.
    pub fn label(&self) -> String {
        self.display_name
            .clone()
            .or_else(|| self.part_number.clone())
            .unwrap_or_else(|| self.id.to_string())
    }
}
