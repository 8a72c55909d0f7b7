//! The tenant model every other layer works on: SKUs, users, groups and their licenses.
//!
//! Readers in `ingest` build it; nothing here knows about file formats.

pub mod codes;
pub mod fingerprint;
pub mod group;
pub mod ids;
pub mod planids;
pub mod sku;
pub mod tenant;
pub mod user;
pub mod usermap;

pub use group::{Group, GroupKind, GroupLicense, LicenseProcessing, Member};
pub use ids::{CountryCode, GroupId, NotAGuid, PlanId, SkuId, UserId};
pub use planids::PlanIds;
pub use sku::{Seats, ServicePlan, Sku};
pub use tenant::Tenant;
pub use user::{Assignment, AssignmentError, AssignmentPath, AssignmentState, ParsedError, User};
pub use usermap::UserMap;
