//! What an intent names, resolved against the tenant by the matching rules of
//! [`crate::resolve`]: products, carrying groups, and the users a scope names.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::docfile::bounded;
use crate::ingest::error::{InputError, InputErrors};
use crate::model::{GroupId, SkuId, Tenant, UserId};
use crate::resolve::Found;

use super::{err, Scope};

pub(super) enum GroupFind {
    One(GroupId),
    Several,
    None,
}

/// A group by id or display name, by the matching rules of [`crate::resolve::group`].
pub(super) fn find_group(t: &Tenant, name: &str) -> GroupFind {
    let found = crate::resolve::group(
        name,
        |id| t.groups.contains_key(&id).then_some(id),
        |key| {
            let hits: Vec<GroupId> = t
                .groups
                .values()
                .filter(|g| {
                    g.display_name
                        .as_deref()
                        .is_some_and(|n| crate::resolve::name_key(n) == key)
                })
                .map(|g| g.id)
                .collect();
            match hits[..] {
                [one] => crate::resolve::Found::One(one),
                [] => crate::resolve::Found::None,
                _ => crate::resolve::Found::Several(hits),
            }
        },
    );
    match found {
        crate::resolve::Found::One(id) => GroupFind::One(id),
        crate::resolve::Found::Several(_) => GroupFind::Several,
        crate::resolve::Found::None => GroupFind::None,
    }
}

/// A product by GUID, part number or display name: the tenant's products first, then the catalog.
pub fn sku(path: &Path, field: &str, name: &str, t: &Tenant) -> Result<SkuId, InputError> {
    let hint =
        "name products by skuId, part number (ENTERPRISEPACK) or display name (Office 365 E3)";
    let found = crate::resolve::sku(
        name,
        |id| t.skus.contains_key(&id),
        |n| {
            t.skus
                .values()
                .filter(|s| crate::resolve::sku_named(s, n))
                .map(|s| s.id)
                .collect()
        },
    );
    let n = name.trim();
    match found {
        Found::One(id) => Ok(id),
        Found::None if SkuId::parse(name).is_ok() => Err(err(
            path,
            field,
            format!("no product {} in the tenant or the catalog", bounded(name)),
            hint,
        )),
        Found::Several(all) => {
            let ids: Vec<String> = all.iter().map(SkuId::to_string).collect();
            Err(err(
                path,
                field,
                format!(
                    "{:?} names several products: {}",
                    bounded(n),
                    ids.join(", ")
                ),
                "name the product by its skuId",
            ))
        }
        Found::None => {
            let mut known: Vec<&str> = t
                .skus
                .values()
                .flat_map(|s| {
                    s.part_number
                        .as_deref()
                        .into_iter()
                        .chain(s.display_name.as_deref())
                })
                .collect();
            known.extend(Catalog::bundled().skus().flat_map(|s| {
                std::iter::once(s.part_number.as_str())
                    .chain(s.display_names.iter().map(String::as_str))
            }));
            Err(err(
                path,
                field,
                format!("no product {:?} in the tenant or the catalog", bounded(n)),
                &format!("{}{hint}", crate::suggest::did_you_mean(n, known)),
            ))
        }
    }
}

/// The file a `users:<file>` scope names: relative to the intent's folder.
pub(super) fn users_file(intent: &Path, name: &str) -> PathBuf {
    intent
        .parent()
        .map_or_else(|| PathBuf::from(name.trim()), |d| d.join(name.trim()))
}

/// Display names of the tenant's groups, for suggestions (none past a bounded count).
fn group_names(t: &Tenant) -> Vec<&str> {
    if t.groups.len() > crate::suggest::MAX_CANDIDATES {
        return Vec::new();
    }
    t.groups
        .values()
        .filter_map(|g| g.display_name.as_deref())
        .collect()
}

/// Unknown users of one `users:` file listed one by one; past these they are counted.
const LISTED_USERS: usize = 100;

/// "Did you mean" suggestions looked for in one `users:` file (each a pass over the users).
const USER_SUGGESTIONS: usize = 20;

/// The name a line of a `users:` file gives, or `None` for a blank line or a comment: a `#`
/// starts a comment at the start of the line or after a space or tab (a guest's UPN holds
/// `#EXT#`, so a `#` inside a name is part of it); spaces around the name, a byte-order mark
/// and zero-width spaces are left out.
pub fn users_line(line: &str) -> Option<&str> {
    let l = line.trim_start_matches(['\u{feff}', '\u{200b}']).trim();
    let l = match l
        .char_indices()
        .find(|&(i, c)| c == '#' && (i == 0 || l[..i].ends_with(char::is_whitespace)))
    {
        Some((i, _)) => &l[..i],
        None => l,
    };
    let l = l.trim_matches(|c: char| c.is_whitespace() || c == '\u{200b}');
    (!l.is_empty()).then_some(l)
}

pub(super) fn scope(
    path: &Path,
    field: &str,
    text: &str,
    t: &Tenant,
) -> Result<Scope, InputErrors> {
    let one = |e: InputError| InputErrors(vec![e]);
    let hint = "write direct-holders, group:<id or name> or users:<file of UPNs>";
    let s = text.trim();
    if s == "direct-holders" {
        return Ok(Scope::DirectHolders);
    }
    if let Some(g) = s.strip_prefix("group:") {
        return match find_group(t, g.trim()) {
            GroupFind::One(id) => Ok(Scope::Group(id)),
            GroupFind::Several => Err(one(err(
                path,
                field,
                format!("several groups are named {:?}", bounded(g.trim())),
                "name the group by its object id",
            ))),
            GroupFind::None => Err(one(err(
                path,
                field,
                format!("no group {:?} in the tenant", bounded(g.trim())),
                &format!(
                    "{}{hint}",
                    crate::suggest::did_you_mean(g.trim(), group_names(t))
                ),
            ))),
        };
    }
    if let Some(f) = s.strip_prefix("users:") {
        let file = users_file(path, f);
        // A users file is a regular file of modest size (not a device, a folder or a pipe).
        const MAX_USERS_FILE: u64 = 256 << 20;
        match std::fs::metadata(&file) {
            Ok(m) if !m.is_file() => {
                return Err(one(err(
                    path,
                    field,
                    format!("{} is not a regular file", file.display()),
                    "users:<file> names a text file of UPNs",
                )))
            }
            Ok(m) if m.len() > MAX_USERS_FILE => {
                return Err(one(err(
                    path,
                    field,
                    format!("{} is larger than 256 MiB", file.display()),
                    "list the users to move, one a line",
                )))
            }
            _ => {}
        }
        let text = crate::docfile::read_text(
            &file,
            "the users file",
            "users:<file> is relative to the intent file; one UPN or object id a line",
        )
        .map_err(|e| {
            // Reported against the intent's field that names the file.
            one(err(
                path,
                field,
                format!("the users file {}: {e}", file.display()),
                "users:<file> is relative to the intent file; one UPN or object id a line",
            ))
        })?;
        let by_upn: std::collections::HashMap<String, UserId> = t
            .users
            .values()
            .filter_map(|u| u.upn.as_ref().map(|p| (p.to_lowercase(), u.id)))
            .collect();
        let upns = || -> Vec<&str> {
            if t.users.len() > crate::suggest::MAX_CANDIDATES {
                return Vec::new();
            }
            t.users.values().filter_map(|u| u.upn.as_deref()).collect()
        };
        let mut users = Vec::new();
        let mut errors = Vec::new();
        let mut unlisted = 0u64;
        let mut suggestions = USER_SUGGESTIONS;
        // CR LF, LF and CR-only line ends alike.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        for (i, line) in text.lines().enumerate() {
            let Some(l) = users_line(line) else {
                continue;
            };
            let found = crate::resolve::user(
                l,
                |id| t.users.contains_key(&id).then_some(id),
                |upn| by_upn.get(&upn.to_lowercase()).copied(),
            );
            match found {
                Some(id) => users.push(id),
                None if errors.len() >= LISTED_USERS => unlisted += 1,
                None => {
                    let near = if suggestions > 0 && !crate::model::ids::looks_like_guid(l) {
                        suggestions -= 1;
                        crate::suggest::did_you_mean(l, upns())
                    } else {
                        String::new()
                    };
                    errors.push(err(
                        path,
                        field,
                        format!(
                            "{}:{}: no user {:?} in the tenant",
                            file.display(),
                            i + 1,
                            bounded(l)
                        ),
                        &format!(
                            "{near}list users by UPN or object id, as in the exports (a `#` \
                             after a space starts a comment)"
                        ),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            if unlisted > 0 {
                let mut kinds = std::collections::BTreeMap::new();
                kinds.insert(format!("unknown users in {}", file.display()), unlisted);
                errors.push(InputError::more(path, unlisted, &kinds));
            }
            return Err(InputErrors(errors));
        }
        users.sort();
        users.dedup();
        return Ok(Scope::Users(users));
    }
    Err(one(err(
        path,
        field,
        format!("{:?} is not a scope", bounded(s)),
        hint,
    )))
}

#[cfg(test)]
mod tests {
    use super::users_line;

    #[test]
    fn users_lines_drop_comments_blanks_and_stray_spaces_but_keep_guest_upns() {
        for (line, expected) in [
            (
                "christie@contoso.com  # shares sales@",
                Some("christie@contoso.com"),
            ),
            ("  christie@contoso.com\t", Some("christie@contoso.com")),
            ("christie@contoso.com\r", Some("christie@contoso.com")),
            ("\u{feff}christie@contoso.com", Some("christie@contoso.com")),
            (
                "\u{200b}christie@contoso.com\u{a0}",
                Some("christie@contoso.com"),
            ),
            (
                "christie@contoso.com\t# on leave",
                Some("christie@contoso.com"),
            ),
            // A guest's UPN holds #EXT#: a `#` inside a name is part of it.
            (
                "alice_fabrikam.com#EXT#@contoso.onmicrosoft.com",
                Some("alice_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
            ),
            ("# a comment", None),
            ("   # an indented comment", None),
            ("", None),
            ("   \t ", None),
        ] {
            assert_eq!(users_line(line), expected, "{line:?}");
        }
    }
}
