//! Graph requests read back as simulator ops: the inverse of the translation, so a bundle's
//! requests can be replayed on the simulator and compared with the plan (the tests do).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::simulate::ops::{LicenseSpec, Op};

/// The ops a Graph request carries out. `placeholders` maps a created group's `uniqueName` to
/// the id the plan names it by; a `{placeholder:…}` token in a url is read through it.
///
/// # Errors
///
/// A request no bundle writes (the text says which part is not understood).
pub fn ops_of(
    method: &str,
    url: &str,
    body: Option<&Value>,
    placeholders: &BTreeMap<String, String>,
) -> Result<Vec<Op>, String> {
    let object = |s: &str| -> Result<String, String> {
        match s
            .strip_prefix("{placeholder:")
            .and_then(|s| s.strip_suffix('}'))
        {
            Some(u) => placeholders
                .get(u)
                .cloned()
                .ok_or_else(|| format!("unknown placeholder {u:?}")),
            None => Ok(s.to_owned()),
        }
    };
    let parts: Vec<&str> = url.trim_start_matches('/').split('/').collect();
    let empty = Value::Null;
    let body = body.unwrap_or(&empty);
    let ops = match (method, parts.as_slice()) {
        ("PATCH", [g]) if g.starts_with("groups(uniqueName='") => {
            let unique = g
                .strip_prefix("groups(uniqueName='")
                .and_then(|s| s.strip_suffix("')"))
                .ok_or("a uniqueName key")
                .and_then(|k| percent_decoded(k).ok_or("a uniqueName key percent-encoded"))?
                .replace("''", "'");
            let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
            vec![Op::CreateGroup {
                group: text("displayName").ok_or("no displayName")?,
                security_enabled: body
                    .get("securityEnabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                description: text("description").map(Into::into),
                mail_nickname: text("mailNickname").map(Into::into),
                unique_name: Some(unique.into()),
            }]
        }
        ("POST", ["groups", g, "assignLicense"]) => {
            let group = object(g)?;
            let (add, remove) = licenses(body)?;
            match (add.as_slice(), remove.as_slice()) {
                ([one], []) => vec![Op::AssignGroupLicense {
                    group,
                    sku: one.sku.clone(),
                    disabled_plans: one.disabled_plans.clone(),
                }],
                ([], [one]) => vec![Op::RemoveGroupLicense {
                    group,
                    sku: one.clone(),
                }],
                _ => vec![Op::ChangeGroupLicense { group, add, remove }],
            }
        }
        ("POST", ["users", u, "assignLicense"]) => {
            let user = (*u).to_owned();
            let (add, remove) = licenses(body)?;
            match (add.as_slice(), remove.as_slice()) {
                ([one], []) => vec![Op::AssignDirectLicense {
                    user,
                    sku: one.sku.clone(),
                    disabled_plans: one.disabled_plans.clone(),
                }],
                ([], [one]) => vec![Op::RemoveDirectLicense {
                    user,
                    sku: one.clone(),
                }],
                _ => vec![Op::ChangeDirectLicense { user, add, remove }],
            }
        }
        ("PATCH", ["groups", g]) => {
            let group = object(g)?;
            let binds = body
                .get("members@odata.bind")
                .and_then(Value::as_array)
                .ok_or("no members@odata.bind")?;
            binds
                .iter()
                .map(|b| {
                    let u = b
                        .as_str()
                        .and_then(|s| s.rsplit('/').next())
                        .ok_or("a member bind is not a directoryObjects url")?;
                    Ok(Op::AddMember {
                        group: group.clone(),
                        user: u.to_owned(),
                    })
                })
                .collect::<Result<_, String>>()?
        }
        ("DELETE", ["groups", g, "members", u, "$ref"]) => vec![Op::RemoveMember {
            group: object(g)?,
            user: (*u).to_owned(),
        }],
        ("DELETE", ["groups", g]) => vec![Op::DeleteGroup { group: object(g)? }],
        ("PATCH", ["users", u]) => vec![Op::SetUsageLocation {
            user: (*u).to_owned(),
            country: body
                .get("usageLocation")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        }],
        ("POST", ["users", u, "reprocessLicenseAssignment"]) => vec![Op::Reprocess {
            group: None,
            user: Some((*u).to_owned()),
        }],
        _ => return Err(format!("no bundle writes {method} {url}")),
    };
    Ok(ops)
}

/// `addLicenses` and `removeLicenses` of an `assignLicense` body (both must be there).
fn licenses(body: &Value) -> Result<(Vec<LicenseSpec>, Vec<String>), String> {
    let add = body
        .get("addLicenses")
        .and_then(Value::as_array)
        .ok_or("no addLicenses array")?;
    let remove = body
        .get("removeLicenses")
        .and_then(Value::as_array)
        .ok_or("no removeLicenses array")?;
    let add = add
        .iter()
        .map(|l| {
            Ok(LicenseSpec {
                sku: l
                    .get("skuId")
                    .and_then(Value::as_str)
                    .ok_or("an added license has no skuId")?
                    .to_owned(),
                disabled_plans: l
                    .get("disabledPlans")
                    .and_then(Value::as_array)
                    .ok_or("an added license has no disabledPlans array")?
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let remove = remove
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_owned)
                .ok_or("a removed license is not a skuId")
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((add, remove))
}

/// A key as the translator writes it (`odata_key`), decoded: `None` for a byte a path must
/// not hold raw (only the unreserved characters and `%XX` are read), or text that is not UTF-8.
fn percent_decoded(key: &str) -> Option<String> {
    let b = key.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || b"-._~".contains(&c) => {
                out.push(c);
                i += 1;
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::simulate::ops::Op;

    #[test]
    fn a_hostile_unique_name_reads_back_from_its_url() {
        let name = "x')/members?$x=1#é %'";
        let url = format!(
            "/groups(uniqueName='{}')",
            crate::bundle::translate::odata_key(name)
        );
        let body = serde_json::json!({"displayName": "G", "securityEnabled": true});
        let ops = super::ops_of("PATCH", &url, Some(&body), &BTreeMap::new()).expect("read");
        match ops.as_slice() {
            [Op::CreateGroup { unique_name, .. }] => {
                assert_eq!(unique_name.as_deref(), Some(name));
            }
            other => panic!("one create-group, got {other:?}"),
        }
        // A key written raw is not one a bundle writes.
        for raw in [
            "/groups(uniqueName='a b')",
            "/groups(uniqueName='a'b')",
            "/groups(uniqueName='a%2')",
        ] {
            assert!(
                super::ops_of("PATCH", raw, Some(&body), &BTreeMap::new()).is_err(),
                "{raw}"
            );
        }
    }
}
