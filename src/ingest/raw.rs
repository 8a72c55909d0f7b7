//! References as exports spell them, before they are resolved against the whole tenant.
//!
//! A plain CSV names a user by UPN, a group by display name and a product by part number; those
//! can only be turned into ids once every file is read, so readers hand these over to the
//! builder, which resolves them at the end.

use crate::model::{
    ids::looks_like_guid, AssignmentError, AssignmentState, GroupId, PlanId, SkuId, UserId,
};

/// Where a row or record came from: the file's index in the builder's file table and its line
/// (CSV) or record number (JSON), 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: u32,
    pub at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(UserId),
    Upn(String),
}

impl UserRef {
    pub fn parse(s: &str) -> Self {
        match UserId::parse(s) {
            Ok(id) => UserRef::Id(id),
            Err(_) => UserRef::Upn(s.trim().to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    Id(GroupId),
    Name(String),
}

impl GroupRef {
    pub fn parse(s: &str) -> Self {
        match GroupId::parse(s) {
            Ok(id) => GroupRef::Id(id),
            Err(_) => GroupRef::Name(s.trim().to_owned()),
        }
    }
}

/// A product: GUID, part number (`ENTERPRISEPACK`) or display name (`Office 365 E3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkuRef {
    Id(SkuId),
    Name(String),
}

impl SkuRef {
    pub fn parse(s: &str) -> Self {
        match SkuId::parse(s) {
            Ok(id) => SkuRef::Id(id),
            Err(_) => SkuRef::Name(s.trim().to_owned()),
        }
    }
}

/// A service plan: GUID or `servicePlanName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRef {
    Id(PlanId),
    Name(String),
}

impl PlanRef {
    pub fn parse(s: &str) -> Self {
        match PlanId::parse(s) {
            Ok(id) => PlanRef::Id(id),
            Err(_) => PlanRef::Name(s.trim().to_owned()),
        }
    }
}

/// What kind of directory object a member is, when the export says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    User,
    Group,
    /// No `@odata.type`: decided by which export holds the id.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberRef {
    Id(uuid::Uuid, MemberKind),
    /// A UPN (user) or display name (group), as plain CSV writes them.
    Name(String, MemberKind),
}

impl MemberRef {
    pub fn parse(s: &str, kind: MemberKind) -> Self {
        let t = s.trim();
        if looks_like_guid(t) {
            match crate::model::ids::parse_guid(t) {
                Ok(u) => MemberRef::Id(u, kind),
                Err(_) => MemberRef::Name(t.to_owned(), kind),
            }
        } else {
            MemberRef::Name(t.to_owned(), kind)
        }
    }
}

/// A membership row: `group` has `member`.
#[derive(Debug, Clone)]
pub struct MembershipRow {
    pub group: GroupRef,
    pub member: MemberRef,
    pub origin: Origin,
}

/// One assignment row of a plain CSV.
#[derive(Debug, Clone)]
pub struct AssignmentRow {
    pub user: UserRef,
    pub sku: SkuRef,
    pub disabled_plans: Vec<PlanRef>,
    /// `None` = direct.
    pub by_group: Option<GroupRef>,
    pub state: Option<AssignmentState>,
    pub error: Option<AssignmentError>,
    pub origin: Origin,
}

/// A license a plain CSV assigns to a group.
#[derive(Debug, Clone)]
pub struct GroupLicenseRow {
    pub group: GroupRef,
    pub sku: SkuRef,
    pub disabled_plans: Vec<PlanRef>,
    pub origin: Origin,
}

/// A SKU row of a plain CSV; plans come from the catalog.
#[derive(Debug, Clone)]
pub struct SkuRow {
    pub sku: SkuRef,
    pub seats: crate::model::Seats,
    pub origin: Origin,
}

/// An admin-center `Licenses` cell, resolved through the catalog at the end.
#[derive(Debug, Clone)]
pub struct ProductNamesRow {
    pub user: UserId,
    pub names: String,
    pub origin: Origin,
}
