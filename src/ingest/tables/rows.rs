//! One CSV row of each content read into the builder.

use super::*;

/// Splits the admin center's `+`-joined proxy addresses; a `+` inside an address
/// (`smtp:a+b@contoso.com`) is kept because a split only happens before a `prefix:`.
pub fn split_proxy_addresses(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = cell.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'+' && i > start {
            let after = &cell[i + 1..];
            let prefix_len = after
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            if (1..=10).contains(&prefix_len) && after.as_bytes().get(prefix_len) == Some(&b':') {
                out.push(cell[start..i].trim().to_owned());
                start = i + 1;
            }
        }
    }
    let last = cell[start..].trim();
    if !last.is_empty() {
        out.push(last.to_owned());
    }
    out.retain(|s| !s.is_empty());
    out
}

pub(super) fn admin_user(
    b: &mut Builder,
    row: &Row<'_>,
    c: &Cols,
    o: Origin,
) -> Result<(), InputError> {
    let id = user_id(row, c.object_id)?;
    let blocked = boolean(row, c.block_credential)?;
    let upn = row.get(c.admin_upn);
    let licenses = match row.get(c.licenses) {
        "" => row.get(c.license_details),
        l => l,
    };
    let user = User {
        id,
        upn: (!upn.is_empty()).then(|| upn.to_owned()),
        display_name: Some(row.get(c.display_name).to_owned()).filter(|s| !s.is_empty()),
        usage_location: usage_location(row, c.usage_location)?,
        account_enabled: blocked.map(|b| !b),
        proxy_addresses: split_proxy_addresses(row.get(c.proxy_addresses)),
        assignments: Vec::new(),
    };
    b.add_user(user, c.licenses.is_some() || c.license_details.is_some(), o);
    if !licenses.is_empty() {
        b.product_names.push(ProductNamesRow {
            user: id,
            names: licenses.to_owned(),
            origin: o,
        });
    }
    Ok(())
}

pub(super) fn plain_user(
    b: &mut Builder,
    row: &Row<'_>,
    c: &Cols,
    o: Origin,
) -> Result<(), InputError> {
    let user = User {
        id: user_id(row, c.id)?,
        upn: Some(row.get(c.upn).to_owned()).filter(|s| !s.is_empty()),
        display_name: Some(row.get(c.display_name).to_owned()).filter(|s| !s.is_empty()),
        usage_location: usage_location(row, c.usage_location)?,
        account_enabled: boolean(row, c.account_enabled)?,
        proxy_addresses: split_list(row.get(c.proxy_addresses))
            .into_iter()
            .map(str::to_owned)
            .collect(),
        assignments: Vec::new(),
    };
    b.add_user(user, false, o);
    Ok(())
}

pub(super) fn plain_group(
    b: &mut Builder,
    row: &Row<'_>,
    c: &Cols,
    o: Origin,
) -> Result<(), InputError> {
    let id = GroupId::parse(row.get(c.id))
        .map_err(|e| row.error(c.id, e.to_string(), "the group's object id is a GUID"))?;
    let rule = Some(row.get(c.membership_rule).to_owned()).filter(|s| !s.is_empty());
    let group = Group {
        id,
        display_name: Some(row.get(c.display_name).to_owned()).filter(|s| !s.is_empty()),
        security_enabled: boolean(row, c.security_enabled)?,
        unified: boolean(row, c.unified)?.unwrap_or(false),
        dynamic: rule.is_some(),
        membership_rule: rule,
        on_premises_sync_enabled: boolean(row, c.on_premises_sync_enabled)?,
        unique_name: None,
        license_processing: None,
        licenses: Vec::new(),
        members: Vec::new(),
    };
    b.add_group(group, o);
    Ok(())
}

pub(super) fn membership(
    b: &mut Builder,
    row: &Row<'_>,
    c: &Cols,
    o: Origin,
) -> Result<(), InputError> {
    let kind = match row.get(c.member_type).to_ascii_lowercase().as_str() {
        "" => MemberKind::Unknown,
        "user" => MemberKind::User,
        "group" => MemberKind::Group,
        other => {
            return Err(row.error(
                c.member_type,
                format!("{other:?} is not a member type"),
                "write user or group",
            ))
        }
    };
    let member_col = if c.member.is_some() { c.member } else { c.user };
    let member = row.get(member_col);
    if member.is_empty() {
        return Err(row.error(
            member_col,
            "the member is empty",
            "name a user (id or UPN) or a group (id or name)",
        ));
    }
    let kind = if c.member.is_none() && kind == MemberKind::Unknown {
        MemberKind::User
    } else {
        kind
    };
    b.memberships.push(MembershipRow {
        group: GroupRef::parse(row.get(c.group)),
        member: MemberRef::parse(member, kind),
        origin: o,
    });
    Ok(())
}

pub(super) fn assignment(
    b: &mut Builder,
    row: &Row<'_>,
    c: &Cols,
    o: Origin,
) -> Result<(), InputError> {
    let state = match row.get(c.state) {
        "" => None,
        s => match AssignmentState::parse(s) {
            Some(v) => Some(v),
            None => {
                b.findings.add(
                    FindingCode::UnknownValue,
                    format!("state {s:?} ({})", b.place(o)),
                );
                Some(AssignmentState::Error)
            }
        },
    };
    let error = match AssignmentError::parse(row.get(c.error)) {
        ParsedError::NoError => None,
        ParsedError::Error(e) => Some(e),
        ParsedError::Unrecognised => {
            let ex = format!("error {:?} ({})", row.get(c.error), b.place(o));
            b.findings.add(FindingCode::UnknownValue, ex);
            Some(AssignmentError::Other)
        }
    };
    let group = row.get(c.assigned_by_group);
    b.assignments.push(AssignmentRow {
        user: UserRef::parse(row.get(c.user)),
        sku: SkuRef::parse(row.get(c.sku)),
        disabled_plans: plans(row.get(c.disabled_plans)),
        by_group: (!group.is_empty()).then(|| GroupRef::parse(group)),
        state,
        error,
        origin: o,
    });
    Ok(())
}

pub(super) fn sku_row(
    b: &mut Builder,
    row: &Row<'_>,
    c: &Cols,
    o: Origin,
) -> Result<(), InputError> {
    if row.get(c.sku).is_empty() {
        return Err(row.error(
            c.sku,
            "the product is empty",
            "name it by GUID or part number",
        ));
    }
    let seats = Seats {
        enabled: required_count(row, c.enabled)?,
        consumed: required_count(row, c.consumed)?,
        suspended: count(row, c.suspended)?,
        warning: count(row, c.warning)?,
        locked_out: count(row, c.locked_out)?,
    };
    b.sku_rows.push(SkuRow {
        sku: SkuRef::parse(row.get(c.sku)),
        seats,
        origin: o,
    });
    Ok(())
}
