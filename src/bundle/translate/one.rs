//! One action that is neither a membership addition nor a wait, as an operation.

use serde_json::{json, Value};

use crate::ingest::error::InputError;
use crate::model::{SkuId, UserId};
use crate::simulate::engine::planned_group_id;
use crate::simulate::ops::{Op, OpSource};

use super::super::conditions::condition;
use super::super::manifest::{Check, OpKind, Operation, Target, TargetKind};
use super::{clean, country, err, placeholder_token, request, Key, Translator};

/// The body of an `assignLicense` call: both arrays always present.
fn assign_body(add: &[(SkuId, Vec<String>)], remove: &[SkuId]) -> Value {
    let add: Vec<Value> = add
        .iter()
        .map(|(s, d)| json!({ "skuId": s.to_string(), "disabledPlans": d }))
        .collect();
    let remove: Vec<String> = remove.iter().map(SkuId::to_string).collect();
    json!({ "addLicenses": add, "removeLicenses": remove })
}

/// `POST <owner>/assignLicense` with both arrays (`owner`: `/groups/{id}` or `/users/{id}`).
fn assign_request(
    owner: &str,
    add: &[(SkuId, Vec<String>)],
    remove: &[SkuId],
) -> Option<crate::bundle::manifest::Request> {
    Some(request(
        "POST",
        format!("{owner}/assignLicense"),
        Some(assign_body(add, remove)),
    ))
}

/// What one atomic change of licenses promises and touches.
struct Change {
    /// Each added license held with its disabled plans; each removed product not added back gone.
    post: Vec<Check>,
    keys: Vec<Key>,
    /// `add [A, B], remove [C]` as the summary reads.
    words: String,
}

/// `uniqueName` as the key of `/groups(uniqueName='…')`: a single quote doubled (OData's string
/// literal), then percent-encoded as a URL path needs it (every byte but the unreserved
/// `A-Z a-z 0-9 - . _ ~`, as the runner's `[uri]::EscapeDataString` encodes it), so no name can
/// end the key, add a segment or start a query.
pub(crate) fn odata_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.replace('\'', "''").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A license check's disabled plans: those given (none: `[]`) when the product is held,
/// absent when it is not (docs/BUNDLE.md).
fn held_plans(present: bool, disabled: Option<Vec<String>>) -> Option<Vec<String>> {
    present.then(|| disabled.unwrap_or_default())
}

struct Parts {
    kind: OpKind,
    target: Target,
    summary: String,
    pre: Vec<Check>,
    request: Option<crate::bundle::manifest::Request>,
    post: Vec<Check>,
    keys: Vec<Key>,
}

fn group_target(id: &str) -> Target {
    Target {
        kind: TargetKind::Group,
        id: id.to_owned(),
    }
}

fn user_target(u: UserId) -> Target {
    Target {
        kind: TargetKind::User,
        id: u.to_string(),
    }
}

impl Translator<'_> {
    /// The operation of one action; the replay steps over the action.
    pub(super) fn one(
        &mut self,
        id: String,
        src: &OpSource,
        op: &Op,
    ) -> Result<(Operation, Vec<Key>), InputError> {
        let p = self.parts(src, op)?;
        let out = Operation {
            id,
            kind: p.kind,
            actions: vec![src.path.clone()],
            target: p.target,
            summary: clean(&p.summary),
            precondition: condition(p.pre),
            request: p.request,
            postcondition: condition(p.post),
            inverse: Vec::new(),
            wait: None,
        };
        Ok((out, p.keys))
    }

    fn group_check(
        &self,
        g: &str,
        s: SkuId,
        present: bool,
        disabled: Option<Vec<String>>,
    ) -> Check {
        Check::GroupLicense {
            group: g.to_owned(),
            sku: s.to_string(),
            present,
            disabled_plans: held_plans(present, disabled),
        }
    }

    fn user_check(
        &self,
        u: UserId,
        s: SkuId,
        present: bool,
        disabled: Option<Vec<String>>,
    ) -> Check {
        Check::UserDirectLicense {
            user: u.to_string(),
            sku: s.to_string(),
            present,
            disabled_plans: held_plans(present, disabled),
        }
    }

    /// The postconditions, keys and words of a change adding `added` and removing `removed`:
    /// `check(sku, present, disabled)` checks one product of the group or user, `key` names it.
    fn change(
        &self,
        added: &[(SkuId, Vec<String>)],
        removed: &[SkuId],
        check: impl Fn(SkuId, bool, Option<Vec<String>>) -> Check,
        key: impl Fn(SkuId) -> Key,
    ) -> Change {
        let mut post: Vec<Check> = added
            .iter()
            .map(|(s, d)| check(*s, true, Some(d.clone())))
            .collect();
        post.extend(
            removed
                .iter()
                .filter(|s| !added.iter().any(|(a, _)| a == *s))
                .map(|s| check(*s, false, None)),
        );
        let names = |v: &mut dyn Iterator<Item = SkuId>| {
            v.map(|s| self.label(s)).collect::<Vec<_>>().join(", ")
        };
        let words = format!(
            "add [{}], remove [{}]",
            names(&mut added.iter().map(|a| a.0)),
            names(&mut removed.iter().copied())
        );
        let mut keys: Vec<Key> = added.iter().map(|a| key(a.0)).collect();
        keys.extend(removed.iter().map(|s| key(*s)));
        Change { post, keys, words }
    }

    fn parts(&mut self, src: &OpSource, op: &Op) -> Result<Parts, InputError> {
        let exists = |g: &str| Check::GroupExists {
            group: g.to_owned(),
            present: true,
        };
        let p = match op {
            Op::CreateGroup {
                group,
                security_enabled,
                description,
                mail_nickname,
                unique_name,
            } => {
                let unique = match unique_name {
                    Some(u) => u.to_string(),
                    None => match self.placeholders.get(&planned_group_id(group)) {
                        Some(u) => u.clone(),
                        None => {
                            return Err(err(
                                &self.file,
                                src,
                                "unique_name",
                                format!("create-group {group:?} has no uniqueName"),
                            ))
                        }
                    },
                };
                let token = placeholder_token(&unique);
                self.step(src, op)?;
                let nickname = mail_nickname.as_deref().unwrap_or(group.as_str());
                let mut body = json!({
                    "displayName": group,
                    "mailEnabled": false,
                    "mailNickname": nickname,
                    "securityEnabled": security_enabled,
                });
                if let (Some(d), Value::Object(m)) = (description, &mut body) {
                    m.insert("description".into(), Value::from(d.to_string()));
                }
                let mut req = request(
                    "PATCH",
                    format!("/groups(uniqueName='{}')", odata_key(&unique)),
                    Some(body),
                );
                req.headers
                    .insert("Prefer".into(), "create-if-missing".into());
                Parts {
                    kind: OpKind::CreateGroup,
                    target: group_target(&token),
                    summary: format!("create the security group {token}"),
                    pre: Vec::new(),
                    request: Some(req),
                    post: vec![exists(&token)],
                    keys: vec![Key::Group(token)],
                }
            }
            Op::AssignGroupLicense {
                group,
                sku,
                disabled_plans,
            } => {
                let g = self.gref(self.group(src, group)?);
                let s = self.sku(src, sku)?;
                self.step(src, op)?;
                let d = self.plans(src, s, disabled_plans)?;
                Parts {
                    kind: OpKind::AssignGroupLicense,
                    target: group_target(&g),
                    summary: format!("assign {} to group {g}", self.label(s)),
                    pre: vec![exists(&g)],
                    request: assign_request(&format!("/groups/{g}"), &[(s, d.clone())], &[]),
                    post: vec![self.group_check(&g, s, true, Some(d))],
                    keys: vec![Key::GroupSku(g, s)],
                }
            }
            Op::ChangeGroupLicense { group, add, remove } => {
                let gid = self.group(src, group)?;
                let g = self.gref(gid);
                let removed = self.skus(src, remove)?;
                let before = self.group_lic(gid);
                let mut pre = vec![exists(&g)];
                pre.extend(
                    removed
                        .iter()
                        .map(|s| self.group_check(&g, *s, true, before.get(s).cloned())),
                );
                self.step(src, op)?;
                let added = self.specs(src, add)?;
                let c = self.change(
                    &added,
                    &removed,
                    |s, present, d| self.group_check(&g, s, present, d),
                    |s| Key::GroupSku(g.clone(), s),
                );
                Parts {
                    kind: OpKind::ChangeGroupLicense,
                    target: group_target(&g),
                    summary: format!("change group {g}'s licenses: {}", c.words),
                    pre,
                    request: assign_request(&format!("/groups/{g}"), &added, &removed),
                    post: c.post,
                    keys: c.keys,
                }
            }
            Op::RemoveGroupLicense { group, sku } => {
                let gid = self.group(src, group)?;
                let g = self.gref(gid);
                let s = self.sku(src, sku)?;
                let before = self.group_lic(gid).remove(&s);
                self.step(src, op)?;
                Parts {
                    kind: OpKind::RemoveGroupLicense,
                    target: group_target(&g),
                    summary: format!("remove {} from group {g}", self.label(s)),
                    pre: vec![self.group_check(&g, s, true, before)],
                    request: assign_request(&format!("/groups/{g}"), &[], &[s]),
                    post: vec![self.group_check(&g, s, false, None)],
                    keys: vec![Key::GroupSku(g, s)],
                }
            }
            Op::DeleteGroup { group } => {
                let g = self.gref(self.group(src, group)?);
                self.step(src, op)?;
                Parts {
                    kind: OpKind::DeleteGroup,
                    target: group_target(&g),
                    summary: format!("delete group {g}"),
                    pre: vec![exists(&g)],
                    request: Some(request("DELETE", format!("/groups/{g}"), None)),
                    post: vec![Check::GroupExists {
                        group: g.clone(),
                        present: false,
                    }],
                    keys: vec![Key::Group(g)],
                }
            }
            Op::RemoveMember { group, user } => {
                let g = self.gref(self.group(src, group)?);
                let u = self.user(src, user)?;
                self.step(src, op)?;
                let member = |present| Check::Member {
                    group: g.clone(),
                    user: u.to_string(),
                    present,
                };
                Parts {
                    kind: OpKind::RemoveMember,
                    target: group_target(&g),
                    summary: format!("remove user {u} from group {g}"),
                    pre: vec![member(true)],
                    request: Some(request(
                        "DELETE",
                        format!("/groups/{g}/members/{u}/$ref"),
                        None,
                    )),
                    post: vec![member(false)],
                    keys: vec![Key::Member(g.clone(), u)],
                }
            }
            Op::AssignDirectLicense {
                user,
                sku,
                disabled_plans,
            } => {
                let u = self.user(src, user)?;
                let s = self.sku(src, sku)?;
                let pre = self.location_now(u).into_iter().collect();
                self.step(src, op)?;
                let d = self.plans(src, s, disabled_plans)?;
                Parts {
                    kind: OpKind::AssignDirectLicense,
                    target: user_target(u),
                    summary: format!("assign {} to user {u} directly", self.label(s)),
                    pre,
                    request: assign_request(&format!("/users/{u}"), &[(s, d.clone())], &[]),
                    post: vec![self.user_check(u, s, true, Some(d))],
                    keys: vec![Key::UserSku(u, s)],
                }
            }
            Op::ChangeDirectLicense { user, add, remove } => {
                let u = self.user(src, user)?;
                let removed = self.skus(src, remove)?;
                let pre = removed
                    .iter()
                    .map(|s| self.user_check(u, *s, true, self.direct(u, *s)))
                    .collect();
                self.step(src, op)?;
                let added = self.specs(src, add)?;
                let c = self.change(
                    &added,
                    &removed,
                    |s, present, d| self.user_check(u, s, present, d),
                    |s| Key::UserSku(u, s),
                );
                Parts {
                    kind: OpKind::ChangeDirectLicense,
                    target: user_target(u),
                    summary: format!("change user {u}'s direct licenses in one call: {}", c.words),
                    pre,
                    request: assign_request(&format!("/users/{u}"), &added, &removed),
                    post: c.post,
                    keys: c.keys,
                }
            }
            Op::RemoveDirectLicense { user, sku } => {
                let u = self.user(src, user)?;
                let s = self.sku(src, sku)?;
                let mut pre = self.carrying(u, s);
                pre.push(self.user_check(u, s, true, self.direct(u, s)));
                self.step(src, op)?;
                Parts {
                    kind: OpKind::RemoveDirectLicense,
                    target: user_target(u),
                    summary: format!("remove the direct {} from user {u}", self.label(s)),
                    pre,
                    request: assign_request(&format!("/users/{u}"), &[], &[s]),
                    post: vec![self.user_check(u, s, false, None)],
                    keys: vec![Key::UserSku(u, s)],
                }
            }
            Op::SetUsageLocation { user, country: c } => {
                let u = self.user(src, user)?;
                let c = country(c);
                self.step(src, op)?;
                let code = c.map(|c| c.as_str().to_owned());
                Parts {
                    kind: OpKind::SetUsageLocation,
                    target: user_target(u),
                    summary: format!(
                        "set user {u}'s usage location to {}",
                        code.as_deref().unwrap_or("none")
                    ),
                    pre: Vec::new(),
                    request: Some(request(
                        "PATCH",
                        format!("/users/{u}"),
                        Some(json!({ "usageLocation": code })),
                    )),
                    post: vec![Check::UsageLocation {
                        user: u.to_string(),
                        country: code,
                    }],
                    keys: vec![Key::Location(u)],
                }
            }
            Op::Reprocess {
                group: None,
                user: Some(user),
            } => {
                let u = self.user(src, user)?;
                self.step(src, op)?;
                Parts {
                    kind: OpKind::Reprocess,
                    target: user_target(u),
                    summary: format!("reprocess user {u}'s license assignments"),
                    pre: Vec::new(),
                    request: Some(request(
                        "POST",
                        format!("/users/{u}/reprocessLicenseAssignment"),
                        None,
                    )),
                    post: Vec::new(),
                    keys: Vec::new(),
                }
            }
            // Microsoft Graph v1.0 documents only `POST /users/{id}/reprocessLicenseAssignment`;
            // the beta `cloudLicensing` `reprocessAssignments` is not for production use, and
            // the admin center's group reprocess has no Graph call (docs/BUNDLE.md).
            Op::Reprocess { .. } => {
                return Err(err(
                    &self.file,
                    src,
                    "group",
                    "a reprocess of a group (or of no one) has no Microsoft Graph call: Graph reprocesses one user at a time (POST /users/{id}/reprocessLicenseAssignment)".into(),
                )
                .hint("reprocess the group's users one by one (op reprocess with `user`), as licplan plan writes it; or reprocess the group in the Microsoft Entra admin center"))
            }
            // Translated by `Translator::translate` (grouped, or one op per group).
            Op::AddMember { .. } | Op::WaitForProcessing { .. } => {
                return Err(err(
                    &self.file,
                    src,
                    "op",
                    format!("{} is translated with its neighbours", op.name()),
                ))
            }
        };
        Ok(p)
    }

    /// The user's usage location now, as a check (none when the user has none).
    fn location_now(&self, u: UserId) -> Option<Check> {
        let i = self.rp.user_index(&u)?;
        let loc = self.rp.state().users[i].location?;
        Some(Check::UsageLocation {
            user: u.to_string(),
            country: Some(loc.as_str().to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::odata_key;

    #[test]
    fn a_hostile_unique_name_cannot_leave_its_key() {
        assert_eq!(
            odata_key("licplan-lic-e3-0a1b2c3d"),
            "licplan-lic-e3-0a1b2c3d"
        );
        // A quote that would close the key, a segment, a query, a fragment, a space, a percent
        // and a non-ASCII letter.
        assert_eq!(
            odata_key("x')/members?$x=1#é %"),
            "x%27%27%29%2Fmembers%3F%24x%3D1%23%C3%A9%20%25"
        );
        let key = odata_key("Sales’; Remove-MgUser 'a'");
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{key}"
        );
    }
}
