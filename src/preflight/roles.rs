//! GDAP roles: the Entra roles a partner acts through, by name and template id, and per stage of
//! a plan the roles and Graph scopes its writes need (from [`OpKind::roles`] and
//! [`OpKind::write_scope`], as a bundle's manifest lists them).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::bundle::manifest::OpKind;
use crate::ingest::error::{InputError, Location};
use crate::plan::file::PlanFile;

/// An Entra role a partner may hold through GDAP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Role {
    pub name: &'static str,
    /// The role's template id, as Conditional Access `includeRoles`/`excludeRoles` name it.
    pub template_id: &'static str,
}

/// Global Administrator: every write, though GDAP relationships should not grant it.
pub const GLOBAL_ADMINISTRATOR: Role = Role {
    name: "Global Administrator",
    template_id: "62e90394-69f5-4237-9190-012177145e10",
};

/// The roles `--roles` accepts (Microsoft's role template ids).
pub const ROLES: &[Role] = &[
    Role {
        name: "Directory Writers",
        template_id: "9360feb5-f418-4baa-8175-e2a00bac4301",
    },
    GLOBAL_ADMINISTRATOR,
    Role {
        name: "Groups Administrator",
        template_id: "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    },
    Role {
        name: "License Administrator",
        template_id: "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    },
    Role {
        name: "User Administrator",
        template_id: "fe930be7-5e62-47db-91af-98c3a49a38b1",
    },
];

fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The roles named, by name (any case, spaces, `-` or `_`: `license-administrator`) or by
/// template id, sorted and without repeats.
///
/// # Errors
///
/// An unknown role, naming the roles known.
pub fn parse(names: &[String]) -> Result<Vec<Role>, InputError> {
    let mut out = BTreeSet::new();
    for n in names {
        let key = squash(n);
        let found = ROLES
            .iter()
            .find(|r| squash(r.name) == key || r.template_id.eq_ignore_ascii_case(n.trim()));
        match found {
            Some(r) => {
                out.insert(*r);
            }
            None => {
                let known: Vec<&str> = ROLES.iter().map(|r| r.name).collect();
                return Err(InputError::new(
                    Path::new("--roles"),
                    Location::File,
                    format!("unknown role {:?}", crate::docfile::bounded(n)),
                )
                .field("--roles")
                .hint(format!(
                    "name the GDAP roles the partner holds, comma-separated: {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// Writes of a stage the roles given cannot make, and the roles that can (one of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub ops: Vec<&'static str>,
    pub roles: Vec<&'static str>,
}

/// What one stage needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageAccess {
    pub stage: u32,
    pub kind: String,
    pub title: String,
    /// The kinds of write the stage makes (apply and rollback).
    pub writes: Vec<&'static str>,
    /// The delegated Graph scopes: each write's, and the reads every runner makes.
    pub scopes: Vec<&'static str>,
    /// The roles that alone can make every write of the stage.
    pub roles: Vec<&'static str>,
    /// With `--roles`: whether the roles given can make every write.
    pub runnable: Option<bool>,
    /// With `--roles`: the writes they cannot make.
    pub missing: Vec<Missing>,
}

/// Every stage's needs; `given` is `None` without `--roles`.
pub fn stages(plan: &PlanFile, given: Option<&[Role]>) -> Vec<StageAccess> {
    let mut out = Vec::new();
    for (i, st) in plan.stages.iter().enumerate() {
        let kinds: BTreeSet<OpKind> = st
            .actions
            .iter()
            .chain(&st.rollback)
            .chain(
                st.waves
                    .iter()
                    .flat_map(|w| w.actions.iter().chain(&w.rollback)),
            )
            .map(|(_, op)| OpKind::of(op))
            .collect();
        let mut scopes: BTreeSet<&'static str> =
            kinds.iter().filter_map(|k| k.write_scope()).collect();
        if !kinds.is_empty() {
            scopes.extend(["GroupMember.Read.All", "User.Read.All"]);
        }
        let mut alone: Option<BTreeSet<&'static str>> = None;
        for k in &kinds {
            if let Some(can) = k.roles() {
                let can: BTreeSet<&'static str> = can.iter().copied().collect();
                alone = Some(match alone {
                    None => can,
                    Some(r) => r.intersection(&can).copied().collect(),
                });
            }
        }
        let mut missing: Vec<Missing> = Vec::new();
        if let Some(given) = given.filter(|g| !g.contains(&GLOBAL_ADMINISTRATOR)) {
            for k in &kinds {
                let Some(can) = k.roles() else { continue };
                if given.iter().any(|r| can.contains(&r.name)) {
                    continue;
                }
                match missing.iter_mut().find(|m| m.roles == can) {
                    Some(m) => m.ops.push(k.as_str()),
                    None => missing.push(Missing {
                        ops: vec![k.as_str()],
                        roles: can.to_vec(),
                    }),
                }
            }
        }
        out.push(StageAccess {
            stage: st.number,
            kind: st.kind.clone(),
            title: plan
                .doc
                .pointer(&format!("/stages/{i}/title"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_owned(),
            writes: kinds.iter().map(|k| k.as_str()).collect(),
            scopes: scopes.into_iter().collect(),
            roles: alone.map(|r| r.into_iter().collect()).unwrap_or_default(),
            runnable: given.map(|_| missing.is_empty()),
            missing,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_by_name_in_any_spelling_or_by_template_id() {
        let r = parse(&[
            "license-administrator".into(),
            "Groups Administrator".into(),
            "fe930be7-5e62-47db-91af-98c3a49a38b1".into(),
            "LicenseAdministrator".into(),
        ])
        .expect("known roles");
        let names: Vec<&str> = r.iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            [
                "Groups Administrator",
                "License Administrator",
                "User Administrator"
            ]
        );
        let e = parse(&["Security Reader".into()]).expect_err("unknown");
        assert!(e.to_string().contains("Security Reader"), "{e}");
        assert!(e.to_string().contains("License Administrator"), "{e}");
    }

    #[test]
    fn every_role_an_op_needs_is_known_by_name() {
        for k in OpKind::ALL {
            for name in k.roles().unwrap_or(&[]) {
                assert!(ROLES.iter().any(|r| r.name == *name), "{name}");
            }
        }
    }
}
