//! One Graph record of each kind (user, group, product, member) read into the model's types.

use super::*;
use crate::model::LicenseProcessing;

/// A member as a directory object: `@odata.type` says user or group.
pub(super) enum MemberObj {
    Ref(MemberRef),
    Ignored(String),
}

pub(super) fn member(
    f: &mut Fields<'_>,
    obj: &Obj<'_>,
    path: &dyn fmt::Display,
) -> Option<MemberObj> {
    let id = f.guid(obj, "id", path, true)?;
    let ty = f
        .string(obj, "@odata.type", path)
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_ascii_lowercase();
    let kind = match ty.as_str() {
        "" => MemberKind::Unknown,
        "microsoft.graph.user" => MemberKind::User,
        "microsoft.graph.group" => MemberKind::Group,
        other => return Some(MemberObj::Ignored(format!("{} {id}", short(other)))),
    };
    Some(MemberObj::Ref(MemberRef::Id(id, kind)))
}

pub(super) fn add_member(b: &mut Builder, group: GroupId, m: MemberObj, origin: Origin) {
    match m {
        MemberObj::Ref(member) => b.memberships.push(MembershipRow {
            group: GroupRef::Id(group),
            member,
            origin,
        }),
        MemberObj::Ignored(what) => b.findings.add(
            FindingCode::IgnoredMember,
            format!("{what} in group {group}"),
        ),
    }
}

pub(super) type UserRecord = (User, bool, Vec<String>);

pub(super) fn user(f: &mut Fields<'_>, obj: &Obj<'_>) -> Option<UserRecord> {
    let id = f.guid(obj, "id", &"", true).map(UserId::from_uuid);
    let upn = f.string(obj, "userPrincipalName", &"");
    let display_name = f.string(obj, "displayName", &"");
    let usage_location = match f.string(obj, "usageLocation", &"") {
        None => None,
        Some(s) => match CountryCode::parse_optional(&s) {
            Ok(c) => c,
            Err(e) => {
                f.fail(
                    ".usageLocation",
                    "usageLocation",
                    e.to_string(),
                    "fix the user's usage location in Entra ID or in the export",
                );
                None
            }
        },
    };
    let account_enabled = f.bool(obj, "accountEnabled", &"");
    let proxy_addresses = f.strings(obj, "proxyAddresses", &"");
    let mut unknown = Vec::new();
    let states = f.objects(obj, "licenseAssignmentStates", &"");
    let assigned = f.objects(obj, "assignedLicenses", &"");
    let license_data = states.is_some() || assigned.is_some();
    // Sized for the usual case, where the states explain every assigned license: a million
    // users' vectors each grown to four would mostly hold empty slots.
    let mut assignments = Vec::with_capacity(states.as_ref().map_or(0, |s| s.len()));
    let mut with_state: smallvec::SmallVec<[SkuId; 4]> = smallvec::SmallVec::new();
    if let Some(states) = states {
        for (i, s) in states.into_iter().enumerate() {
            let path = Item(".licenseAssignmentStates", i);
            let Some(sku) = f.guid(s, "skuId", &path, true).map(SkuId::from_uuid) else {
                continue;
            };
            with_state.push(sku);
            let by_group = match f.get(s, "assignedByGroup", &path) {
                None | Some(Node::Null) => AssignmentPath::Direct,
                Some(Node::Str(g)) if g.trim().is_empty() => AssignmentPath::Direct,
                Some(_) => match f.guid(s, "assignedByGroup", &path, false) {
                    Some(g) => AssignmentPath::Group(GroupId::from_uuid(g)),
                    None => continue,
                },
            };
            let state = match f.string(s, "state", &path) {
                None => None,
                Some(st) => match AssignmentState::parse(&st) {
                    Some(v) => Some(v),
                    None => {
                        unknown.push(format!("state {:?}", short(&st)));
                        Some(AssignmentState::Error)
                    }
                },
            };
            let error = match f.string(s, "error", &path) {
                None => None,
                Some(e) => match AssignmentError::parse(&e) {
                    ParsedError::NoError => None,
                    ParsedError::Error(e) => Some(e),
                    ParsedError::Unrecognised => {
                        unknown.push(format!("error {:?}", short(&e)));
                        Some(AssignmentError::Other)
                    }
                },
            };
            assignments.push(Assignment {
                sku,
                path: by_group,
                disabled_plans: f.plan_ids(s, "disabledPlans", &path),
                state,
                error,
            });
        }
    }
    // Looked up once per assigned license: a record holding thousands would make a scan per
    // lookup quadratic.
    let sorted = with_state.len() > 16;
    if sorted {
        with_state.sort_unstable();
    }
    if let Some(assigned) = assigned {
        for (i, a) in assigned.into_iter().enumerate() {
            let path = Item(".assignedLicenses", i);
            let Some(sku) = f.guid(a, "skuId", &path, true).map(SkuId::from_uuid) else {
                continue;
            };
            // assignedLicenses merges direct and inherited licenses; only a SKU that
            // licenseAssignmentStates does not explain gets an unknown path.
            let explained = if sorted {
                with_state.binary_search(&sku).is_ok()
            } else {
                with_state.contains(&sku)
            };
            if explained {
                continue;
            }
            assignments.push(Assignment {
                sku,
                path: AssignmentPath::Unknown,
                disabled_plans: f.plan_ids(a, "disabledPlans", &path),
                state: None,
                error: None,
            });
        }
    }
    let id = id?;
    Some((
        User {
            id,
            upn,
            display_name,
            usage_location,
            account_enabled,
            proxy_addresses,
            assignments,
        },
        license_data,
        unknown,
    ))
}

pub(super) fn group(f: &mut Fields<'_>, obj: &Obj<'_>) -> Option<(Group, Vec<MemberObj>)> {
    let id = f.guid(obj, "id", &"", true).map(GroupId::from_uuid);
    let display_name = f.string(obj, "displayName", &"");
    let security_enabled = f.bool(obj, "securityEnabled", &"");
    let types = f.strings(obj, "groupTypes", &"");
    let unified = types
        .iter()
        .any(|t| t.trim().eq_ignore_ascii_case("Unified"));
    let membership_rule = f
        .string(obj, "membershipRule", &"")
        .filter(|r| !r.trim().is_empty());
    let dynamic = membership_rule.is_some()
        || types
            .iter()
            .any(|t| t.trim().eq_ignore_ascii_case("DynamicMembership"));
    let on_premises_sync_enabled = f.bool(obj, "onPremisesSyncEnabled", &"");
    let unique_name = f
        .string(obj, "uniqueName", &"")
        .filter(|n| !n.trim().is_empty());
    let license_processing = license_processing(f, obj);
    let mut licenses = Vec::new();
    for (i, l) in f
        .objects(obj, "assignedLicenses", &"")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let path = Item(".assignedLicenses", i);
        if let Some(sku) = f.guid(l, "skuId", &path, true) {
            licenses.push(GroupLicense {
                sku: SkuId::from_uuid(sku),
                disabled_plans: f.plan_ids(l, "disabledPlans", &path),
            });
        }
    }
    let mut members = Vec::new();
    for (i, m) in f
        .objects(obj, "members", &"")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        if let Some(m) = member(f, m, &Item(".members", i)) {
            members.push(m);
        }
    }
    let id = id?;
    Some((
        Group {
            id,
            display_name,
            security_enabled,
            unified,
            dynamic,
            membership_rule,
            on_premises_sync_enabled,
            unique_name,
            license_processing,
            licenses,
            members: Vec::new(),
        },
        members,
    ))
}

/// `licenseProcessingState`: Graph's `{"state": "ProcessingComplete"}` (PowerShell's
/// `{"State": …}`), or the bare state a flattened export writes.
fn license_processing(f: &mut Fields<'_>, obj: &Obj<'_>) -> Option<LicenseProcessing> {
    match f.get(obj, "licenseProcessingState", &"") {
        None | Some(Node::Null) => None,
        Some(Node::Object(o)) => f
            .string(o, "state", &".licenseProcessingState")
            .filter(|s| !s.trim().is_empty())
            .map(|s| LicenseProcessing::parse(&s)),
        Some(Node::Str(s)) => Some(LicenseProcessing::parse(s)).filter(|_| !s.trim().is_empty()),
        Some(other) => {
            let found = kind(other);
            f.fail(
                ".licenseProcessingState",
                "licenseProcessingState",
                format!("expected an object with a state, found {found}"),
                "export the group's licenseProcessingState as Graph returns it ($select=licenseProcessingState; ConvertTo-Json -Depth 10)",
            );
            None
        }
    }
}

pub(super) fn sku(f: &mut Fields<'_>, obj: &Obj<'_>) -> Option<Sku> {
    let id = f.guid(obj, "skuId", &"", true).map(SkuId::from_uuid);
    let part_number = f
        .string(obj, "skuPartNumber", &"")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let mut seats = Seats::default();
    match f.get(obj, "prepaidUnits", &"") {
        Some(Node::Object(p)) => {
            seats.enabled = f.count_required(p, "enabled", &".prepaidUnits");
            seats.suspended = f.count(p, "suspended", &".prepaidUnits");
            seats.warning = f.count(p, "warning", &".prepaidUnits");
            seats.locked_out = f.count(p, "lockedOut", &".prepaidUnits");
        }
        None | Some(Node::Null) => f.fail(
            ".prepaidUnits",
            "prepaidUnits",
            "the seats (prepaidUnits) are missing or null: the seats cannot be checked without them".to_owned(),
            "export GET /v1.0/subscribedSkus whole (no $select), or Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10",
        ),
        Some(other) => f.fail(
            ".prepaidUnits",
            "prepaidUnits",
            format!("expected an object, found {}", kind(other)),
            "export with ConvertTo-Json -Depth 10 so nested objects are kept",
        ),
    }
    seats.consumed = f.count_required(obj, "consumedUnits", &"");
    let mut plans = Vec::new();
    for (i, p) in f
        .objects(obj, "servicePlans", &"")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let path = Item(".servicePlans", i);
        if let Some(pid) = f.guid(p, "servicePlanId", &path, true) {
            plans.push(ServicePlan {
                id: PlanId::from_uuid(pid),
                name: f
                    .string(p, "servicePlanName", &path)
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default(),
            });
        }
    }
    plans.sort();
    plans.dedup_by(|a, b| a.id == b.id);
    Some(Sku {
        id: id?,
        part_number,
        display_name: None,
        service_plans: plans,
        seats: Some(seats),
    })
}
