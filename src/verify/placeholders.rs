//! The groups a plan creates, found in the fresh export: by `uniqueName` (what the bundle
//! creates them by), else by display name when exactly one group has it.

use std::collections::BTreeMap;

use crate::model::Tenant;
use crate::plan::file::PlaceholderRef;

use super::{FoundBy, FoundGroup};

/// Each placeholder with the real group found for it.
pub(crate) fn find(t: &Tenant, refs: &[PlaceholderRef]) -> Vec<FoundGroup> {
    let mut out: Vec<FoundGroup> = refs
        .iter()
        .map(|r| {
            let by_unique: Vec<_> = t
                .groups
                .values()
                .filter(|g| {
                    !r.unique_name.is_empty()
                        && g.unique_name
                            .as_deref()
                            .is_some_and(|u| u.eq_ignore_ascii_case(&r.unique_name))
                })
                .collect();
            let by_name: Vec<_> = t
                .groups
                .values()
                .filter(|g| {
                    g.display_name
                        .as_deref()
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case(r.group_name.trim()))
                })
                .collect();
            let (found, key) = match (by_unique.as_slice(), by_name.as_slice()) {
                ([one], _) => (FoundBy::UniqueName, Some(one.id)),
                ([], [one]) => (FoundBy::DisplayName, Some(one.id)),
                ([], []) => (FoundBy::Missing, None),
                _ => (FoundBy::Ambiguous, None),
            };
            FoundGroup {
                placeholder_id: r.group_id.clone(),
                group_name: r.group_name.clone(),
                unique_name: r.unique_name.clone(),
                found,
                key,
                group_id: key.map(|k| k.to_string()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.group_name.cmp(&b.group_name));
    out
}

/// Placeholder id (lower case) → the real group's id, for the groups found.
pub(crate) fn id_map(found: &[FoundGroup]) -> BTreeMap<String, String> {
    found
        .iter()
        .filter_map(|f| {
            f.key
                .map(|k| (f.placeholder_id.to_ascii_lowercase(), k.to_string()))
        })
        .collect()
}
