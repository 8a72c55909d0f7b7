//! Drift: what changed outside the plan since it was made (users gone or added, direct licenses,
//! group licenses, seats), and the remaining ops re-simulated on the fresh export. Reported
//! apart from the gate, as Terraform reports changes made outside it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::model::{GroupId, Tenant, UserId};
use crate::simulate::ops::{Op, OpSource};
use crate::simulate::rules::Rules;

use super::status::Context;
use super::units::refs;
use super::{Changed, Drift, Resimulation};

/// A product's licenses by part number, each with its disabled plans (upper case).
type Licenses = BTreeMap<String, BTreeSet<String>>;

fn show(l: &Licenses) -> String {
    if l.is_empty() {
        return "none".into();
    }
    l.iter()
        .map(|(s, d)| {
            if d.is_empty() {
                s.clone()
            } else {
                format!(
                    "{s} (disabled: {})",
                    d.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn ids_of(v: &Value, list: &str) -> BTreeSet<UserId> {
    v.get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| h.get("user_id").and_then(Value::as_str))
        .filter_map(|s| UserId::parse(s).ok())
        .collect()
}

/// Drift, with the later ops' re-simulation made apart ([`resimulate`], which needs no
/// [`Context`] and so can run beside the statuses).
pub(super) fn drift(
    cx: &Context<'_>,
    map: &BTreeMap<String, String>,
    resimulation: Resimulation,
) -> Drift {
    let later_removals = &cx.later_removals;
    let fresh = cx.fresh;
    let doc = &cx.plan.doc;
    let mut named: BTreeSet<UserId> = cx
        .ops
        .iter()
        .filter_map(|(_, op)| refs(op).0)
        .filter_map(|u| UserId::parse(u.trim()).ok())
        .collect();
    named.extend(cx.starts.keys().copied());
    let mut users_gone: Vec<String> = named
        .iter()
        .filter(|u| !fresh.users.contains_key(u))
        .map(ToString::to_string)
        .collect();
    users_gone.sort();

    // Carrying groups (real ids where found) with the licenses the plan gave them.
    let real = |id: &str| -> Option<GroupId> {
        let id = map.get(&id.to_ascii_lowercase()).map_or(id, String::as_str);
        GroupId::parse(id).ok()
    };
    let mut carrying: Vec<(GroupId, &Value)> = Vec::new();
    for m in doc
        .get("moves")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for g in m
            .get("groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = g.get("group_id").and_then(Value::as_str).and_then(real) {
                carrying.push((id, g));
            }
        }
    }
    let mut known = named.clone();
    known.extend(ids_of(doc, "held_back"));
    known.extend(ids_of(doc, "skipped"));
    let mut users_added = BTreeSet::new();
    for (g, _) in &carrying {
        if let Some(group) = fresh.groups.get(g) {
            for u in group.user_members().filter(|u| !known.contains(u)) {
                let label = fresh
                    .users
                    .get(&u)
                    .map_or_else(|| u.to_string(), |x| x.label());
                users_added.insert(format!("{label} ({})", group.label()));
            }
        }
    }

    // Movers whose direct licenses the plan has not removed yet: still as recorded?
    let mut direct_changed = Vec::new();
    for (u, starts) in &cx.starts {
        let Some(user) = fresh.users.get(u) else {
            continue;
        };
        for (sku, disabled) in starts {
            if !later_removals.contains(&(*u, *sku)) {
                continue;
            }
            let what = format!("{}: direct {}", user.label(), cx.sku_label(*sku));
            let planned = show_plans(disabled);
            let now = user
                .assignments
                .iter()
                .find(|a| a.sku == *sku && a.path == crate::model::AssignmentPath::Direct);
            match now {
                None => direct_changed.push(Changed {
                    what,
                    planned,
                    now: "not held directly".into(),
                }),
                Some(a) => {
                    let now = cx.plan_names(*sku, &a.disabled_plans);
                    if now != *disabled {
                        direct_changed.push(Changed {
                            what,
                            planned,
                            now: show_plans(&now),
                        });
                    }
                }
            }
        }
    }
    direct_changed.sort();

    // Carrying groups' licenses: as the plan had them, with the ops up to the unit applied.
    let mut group_licenses_changed = Vec::new();
    for (g, v) in &carrying {
        let Some(group) = fresh.groups.get(g) else {
            continue;
        };
        let mut expected: Licenses = v
            .get("licenses_before")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| {
                let sku = l.get("sku")?.as_str()?.to_ascii_uppercase();
                let d = l
                    .get("disabled_plans")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_ascii_uppercase)
                    .collect();
                Some((sku, d))
            })
            .collect();
        let gid = g.to_string();
        for (_, op) in &cx.ops[..cx.end] {
            let names = |p: &[String]| -> BTreeSet<String> {
                p.iter().map(|x| x.trim().to_ascii_uppercase()).collect()
            };
            let label = |s: &str| {
                crate::model::SkuId::parse(s).map_or_else(
                    |_| s.to_ascii_uppercase(),
                    |id| cx.sku_label(id).to_ascii_uppercase(),
                )
            };
            match op {
                Op::AssignGroupLicense {
                    group,
                    sku,
                    disabled_plans,
                } if group.eq_ignore_ascii_case(&gid) => {
                    expected.insert(label(sku), names(disabled_plans));
                }
                Op::ChangeGroupLicense { group, add, remove }
                    if group.eq_ignore_ascii_case(&gid) =>
                {
                    for r in remove {
                        expected.remove(&label(r));
                    }
                    for a in add {
                        expected.insert(label(&a.sku), names(&a.disabled_plans));
                    }
                }
                Op::RemoveGroupLicense { group, sku } if group.eq_ignore_ascii_case(&gid) => {
                    expected.remove(&label(sku));
                }
                _ => {}
            }
        }
        let now: Licenses = group
            .licenses
            .iter()
            .map(|l| {
                (
                    cx.sku_label(l.sku).to_ascii_uppercase(),
                    cx.plan_names(l.sku, &l.disabled_plans),
                )
            })
            .collect();
        if now != expected {
            group_licenses_changed.push(Changed {
                what: group.label(),
                planned: show(&expected),
                now: show(&now),
            });
        }
    }
    group_licenses_changed.sort();

    // Seats: the plan's enabled counts against the fresh export's.
    let mut planned_seats: BTreeMap<String, u64> = BTreeMap::new();
    for s in doc
        .get("seats")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(sku), Some(e)) = (
            s.get("sku").and_then(Value::as_str),
            s.get("enabled").and_then(Value::as_u64),
        ) {
            planned_seats.entry(sku.to_owned()).or_insert(e);
        }
    }
    let mut seats_changed = Vec::new();
    for (sku, planned) in &planned_seats {
        let now = fresh
            .skus
            .values()
            .find(|s| {
                s.part_number
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(sku))
            })
            .and_then(|s| s.seats.as_ref())
            .map(|s| u64::from(s.enabled));
        if now != Some(*planned) {
            seats_changed.push(Changed {
                what: sku.clone(),
                planned: format!("{planned} enabled"),
                now: now.map_or_else(|| "not in the export".into(), |n| format!("{n} enabled")),
            });
        }
    }

    Drift {
        users_gone,
        users_added: users_added.into_iter().collect(),
        direct_changed,
        group_licenses_changed,
        seats_changed,
        resimulation,
    }
}

fn show_plans(d: &BTreeSet<String>) -> String {
    if d.is_empty() {
        "no plan disabled".into()
    } else {
        format!(
            "disabled: {}",
            d.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    }
}

/// The ops after the unit (`rest`) replayed on the fresh export; `path` names the plan.
pub(super) fn resimulate(
    fresh: &Tenant,
    rest: &[(OpSource, Op)],
    path: &Path,
    rules: &Rules,
) -> Resimulation {
    let n = rest.len();
    if !rest.iter().any(|(_, op)| op.writes()) {
        return Resimulation {
            verdict: "SAFE".into(),
            ops: n,
            findings: Vec::new(),
        };
    }
    // Only the verdict, violations and errors are read: no per-step lines (a million-user
    // plan's later stages are 240,000 steps, whose texts took 480 MB). Each op is copied as it
    // is replayed, not all of them first.
    match crate::simulate::engine::simulate_cloned(fresh, rules, rest, path, false, &mut |_, _| {})
    {
        Ok(r) => {
            let mut findings: Vec<String> = r
                .violations
                .iter()
                .map(|v| {
                    format!(
                        "step {}: {}{}: {} ({})",
                        v.step,
                        v.kind.as_str(),
                        v.user
                            .as_deref()
                            .map(|u| format!(" {u}"))
                            .unwrap_or_default(),
                        v.lost,
                        v.cause
                    )
                })
                .collect();
            findings.extend(r.errors.iter().map(|e| {
                format!(
                    "step {}: {}{}: {}",
                    e.step,
                    e.error.as_str(),
                    e.user
                        .as_deref()
                        .map(|u| format!(" {u}"))
                        .unwrap_or_default(),
                    e.detail
                )
            }));
            Resimulation {
                verdict: r.verdict.status.word().into(),
                ops: n,
                findings,
            }
        }
        Err(e) => Resimulation {
            verdict: "NOT PROVEN".into(),
            ops: n,
            findings: e.0.iter().map(ToString::to_string).collect(),
        },
    }
}
