//! Reading ops files and plan files: each action checked against the op's fields, every
//! mistake of the file reported at once.

use std::path::Path;

use serde_json::Value;

use crate::docfile::bounded;
use crate::ingest::error::{InputError, InputErrors, Location};

use super::{Op, OpSource, OpsFile};

impl Op {
    /// The fields an op may carry (besides `op` and display fields).
    fn fields(name: &str) -> Option<&'static [&'static str]> {
        Some(match name {
            "create-group" => &[
                "group",
                "security_enabled",
                "description",
                "mail_nickname",
                "unique_name",
            ],
            "assign-group-license" => &["group", "sku", "disabled_plans"],
            "change-group-license" => &["group", "add", "remove"],
            "remove-group-license" => &["group", "sku"],
            "delete-group" => &["group"],
            "add-member" | "remove-member" => &["group", "user"],
            "assign-direct-license" => &["user", "sku", "disabled_plans"],
            "change-direct-license" => &["user", "add", "remove"],
            "remove-direct-license" => &["user", "sku"],
            "set-usage-location" => &["user", "country"],
            "reprocess" => &["group", "user"],
            "wait-for-processing" => &["group"],
            _ => return None,
        })
    }
}

/// Fields plans add to actions for people to read; ignored by the engine.
const DISPLAY_FIELDS: &[&str] = &[
    "user_id",
    "user_upn",
    "group_id",
    "group_name",
    "sku_id",
    "sku_part_number",
    "sku_name",
    "placeholder",
    "note",
    "reason",
];

const ALL_OPS: &str = "create-group, assign-group-license, change-group-license, remove-group-license, delete-group, add-member, remove-member, assign-direct-license, change-direct-license, remove-direct-license, set-usage-location, reprocess, wait-for-processing";

/// Reads an ops file or a plan file (JSON or YAML).
///
/// # Errors
///
/// As [`parse`], or the file cannot be read.
pub fn read(path: &Path) -> Result<OpsFile, InputErrors> {
    let text = crate::docfile::read_text(
        path,
        "the ops file",
        "name an ops file ({\"ops\": [...]}) or a plan written by licplan plan",
    )
    .map_err(|e| InputErrors(vec![e]))?;
    // The text (a plan can be a hundred megabytes) is dropped once its actions are read.
    parse_ops(std::borrow::Cow::Owned(text), path).map_err(|e| InputErrors(vec![e]))?
}

/// Parses ops from text; `path` only names the source in messages.
///
/// # Errors
///
/// Every problem of every op, each naming the op's record path and field (`$.ops[3].grup`):
/// one run lists them all. A file that cannot be read as JSON or YAML is one error.
pub fn parse(text: &str, path: &Path) -> Result<OpsFile, InputErrors> {
    parse_ops(std::borrow::Cow::Borrowed(text), path).map_err(|e| InputErrors(vec![e]))?
}

/// The ops of a file, or its problems; the outer error is one that stops reading at once.
fn parse_ops(
    text: std::borrow::Cow<'_, str>,
    path: &Path,
) -> Result<Result<OpsFile, InputErrors>, InputError> {
    // Duplicate keys, deep nesting and alias bombs are refused here (see `docfile`). Each action
    // is made an op (or its problems) as soon as it is read, and the tree keeps only its number
    // in `read`: a million-action plan is never one tree of values.
    let mut read = Vec::new();
    let doc = crate::docfile::read_actions(&text, path, &mut |at, v| {
        // An op with problems is kept as read: they are listed with its place among the ops,
        // known once every action is read (`Read::take`).
        read.push(Some(convert(path, &at, 0, &v).map_err(|_| v)));
        Value::from(read.len() - 1)
    })?;
    let mut read = Read { path, items: read };
    drop(text);
    let mut ops = Vec::with_capacity(read.items.len());
    let mut errors = Vec::new();
    let at = |p: String| Location::Record { index: 0, path: p };
    if let Value::Object(top) = &doc {
        plan_keys(path, top)?;
    }
    match &doc {
        Value::Object(top) if top.contains_key("ops") => match top.get("ops") {
            Some(Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    read.take(format!("ops[{i}]"), v, &mut ops, &mut errors);
                }
            }
            _ => {
                return Err(
                    InputError::new(path, at("$.ops".into()), "`ops` must be a list")
                        .field("ops")
                        .hint("write ops: followed by a list of operations"),
                )
            }
        },
        Value::Object(top) if top.contains_key("stages") => {
            let stages = top.get("stages").and_then(Value::as_array).ok_or_else(|| {
                InputError::new(path, at("$.stages".into()), "`stages` must be a list")
                    .field("stages")
            })?;
            for (s, stage) in stages.iter().enumerate() {
                known_keys(path, stage, &format!("$.stages[{s}]"), STAGE_KEYS, "stage")?;
                for (w, wave) in stage
                    .get("waves")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    known_keys(
                        path,
                        wave,
                        &format!("$.stages[{s}].waves[{w}]"),
                        WAVE_KEYS,
                        "wave",
                    )?;
                }
                // A plan whose stages hold something other than lists would replay nothing.
                for key in ["actions", "waves"] {
                    if stage
                        .get(key)
                        .is_some_and(|v| !v.is_array() && !v.is_null())
                    {
                        errors.push(
                            InputError::new(
                                path,
                                at(format!("$.stages[{s}].{key}")),
                                format!("`{key}` must be a list"),
                            )
                            .field(key)
                            .hint("a plan file comes from licplan plan; check the hand edits"),
                        );
                    }
                }
                if let Some(actions) = stage.get("actions").and_then(Value::as_array) {
                    for (i, v) in actions.iter().enumerate() {
                        read.take(
                            format!("stages[{s}].actions[{i}]"),
                            v,
                            &mut ops,
                            &mut errors,
                        );
                    }
                }
                if let Some(waves) = stage.get("waves").and_then(Value::as_array) {
                    for (w, wave) in waves.iter().enumerate() {
                        if wave
                            .get("actions")
                            .is_some_and(|v| !v.is_array() && !v.is_null())
                        {
                            errors.push(
                                InputError::new(
                                    path,
                                    at(format!("$.stages[{s}].waves[{w}].actions")),
                                    "`actions` must be a list",
                                )
                                .field("actions")
                                .hint("a plan file comes from licplan plan; check the hand edits"),
                            );
                        }
                        if let Some(actions) = wave.get("actions").and_then(Value::as_array) {
                            for (i, v) in actions.iter().enumerate() {
                                read.take(
                                    format!("stages[{s}].waves[{w}].actions[{i}]"),
                                    v,
                                    &mut ops,
                                    &mut errors,
                                );
                            }
                        }
                    }
                }
            }
        }
        _ => return Err(InputError::new(
            path,
            at("$".into()),
            "no `ops` list and no plan `stages`",
        )
        .hint(
            "an ops file is {\"ops\": [...]} in JSON or YAML; a plan file comes from licplan plan",
        )),
    }
    if errors.is_empty() {
        Ok(Ok(OpsFile { ops }))
    } else {
        Ok(Err(InputErrors(errors)))
    }
}

/// The keys of a plan's stages and waves as `licplan plan` writes them (`plan::doc`). A key
/// outside them is a hand edit gone wrong (`"Actions"` for `"actions"` would replay nothing).
const STAGE_KEYS: &[&str] = &[
    "actions",
    "gates",
    "kind",
    "least_elapsed_minutes",
    "min_minutes",
    "number",
    "processing_wait_minutes",
    "purpose",
    "risks",
    "rollback",
    "rollback_actions",
    "title",
    "waves",
    "writes",
];
const WAVE_KEYS: &[&str] = &[
    "actions",
    "gates",
    "label",
    "least_elapsed_minutes",
    "min_minutes",
    "number",
    "soak_minutes",
    "rollback_actions",
    "users",
    "writes",
];

/// A file that is both an ops file and a plan, or names `ops` or `stages` in another letter
/// case, would replay only part of what it says: refused.
fn plan_keys(path: &Path, top: &serde_json::Map<String, Value>) -> Result<(), InputError> {
    let at = |p: &str| Location::Record {
        index: 0,
        path: p.to_owned(),
    };
    if top.contains_key("ops") && top.contains_key("stages") {
        return Err(InputError::new(
            path,
            at("$"),
            "the file has both an `ops` list and plan `stages`: which to replay cannot be told",
        )
        .hint("keep one: an ops file is {\"ops\": [...]}, a plan file comes from licplan plan"));
    }
    for key in top.keys() {
        for want in ["ops", "stages"] {
            if key != want && key.eq_ignore_ascii_case(want) {
                return Err(InputError::new(
                    path,
                    at(&format!("$.{}", bounded(key))),
                    format!(
                        "{:?} is not a key licplan reads; did you mean {want:?}?",
                        bounded(key)
                    ),
                )
                .field(bounded(key))
                .hint("keys are lower-case, as licplan writes them"));
            }
        }
    }
    Ok(())
}

/// Refuses a key of a plan's stage or wave that `licplan plan` does not write.
fn known_keys(
    path: &Path,
    v: &Value,
    at: &str,
    known: &[&str],
    what: &str,
) -> Result<(), InputError> {
    let Value::Object(obj) = v else {
        return Ok(());
    };
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            return Err(InputError::new(
                path,
                Location::Record {
                    index: 0,
                    path: format!("{at}.{}", bounded(key)),
                },
                format!("a plan's {what} has no key {:?}", bounded(key)),
            )
            .field(bounded(key))
            .hint(format!(
                "a {what} holds {}; a plan file comes from licplan plan: check the hand edits",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// The ops and problems of the actions read, by the number the tree keeps in their place.
struct Read<'p> {
    path: &'p Path,
    items: Vec<Option<Result<Op, Value>>>,
}

impl Read<'_> {
    /// The action whose number is `v`, added to `ops` (or its problems to `errors`): an op's
    /// record index is the number of ops before it.
    fn take(
        &mut self,
        at: String,
        v: &Value,
        ops: &mut Vec<(OpSource, Op)>,
        errors: &mut Vec<InputError>,
    ) {
        let taken = v
            .as_u64()
            .and_then(|n| self.items.get_mut(usize::try_from(n).ok()?))
            .and_then(Option::take);
        match taken {
            Some(Ok(op)) => ops.push((OpSource { path: at }, op)),
            Some(Err(v)) => match convert(self.path, &at, ops.len(), &v) {
                Ok(op) => ops.push((OpSource { path: at }, op)),
                Err(problems) => errors.extend(problems),
            },
            // Every action's place holds its own number, taken once (see `parse_ops`).
            None => errors.push(InputError::new(
                self.path,
                Location::Record {
                    index: ops.len(),
                    path: format!("$.{at}"),
                },
                "an action was read twice",
            )),
        }
    }
}

/// An action as an op, or every problem of it; `index` is the number of ops before it.
pub(crate) fn convert(
    path: &Path,
    at: &dyn std::fmt::Display,
    index: usize,
    v: &Value,
) -> Result<Op, Vec<InputError>> {
    let loc = |p: &str| Location::Record {
        index,
        path: format!("$.{at}{p}"),
    };
    let Value::Object(obj) = v else {
        return Err(vec![InputError::new(
            path,
            loc(""),
            "an op must be a mapping with an `op` field",
        )
        .hint(format!("ops are: {ALL_OPS}"))]);
    };
    let Some(name) = obj.get("op").and_then(Value::as_str) else {
        return Err(vec![InputError::new(
            path,
            loc(".op"),
            "the `op` field is missing",
        )
        .field("op")
        .hint(format!("ops are: {ALL_OPS}"))]);
    };
    let Some(fields) = Op::fields(name) else {
        return Err(vec![InputError::new(
            path,
            loc(".op"),
            format!("{:?} is not an op", bounded(name)),
        )
        .field("op")
        .hint(format!(
            "{}ops are: {ALL_OPS}",
            crate::suggest::did_you_mean(name, ALL_OPS.split(", "))
        ))]);
    };
    let mut clean = serde_json::Map::new();
    let mut errors = Vec::new();
    for (k, val) in obj {
        if k == "op" || fields.contains(&k.as_str()) {
            clean.insert(k.clone(), val.clone());
        } else if !DISPLAY_FIELDS.contains(&k.as_str()) {
            // Every unknown field of the op is reported, each with the closest known one.
            let hint = format!(
                "{}{name} takes: {}",
                crate::suggest::did_you_mean(k, fields.iter().copied()),
                fields.join(", ")
            );
            errors.push(
                InputError::new(
                    path,
                    loc(&format!(".{}", bounded(k))),
                    format!("{name} has no field {:?}", bounded(k)),
                )
                .field(bounded(k))
                .hint(hint),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match serde_json::from_value::<Op>(Value::Object(clean)) {
        Ok(op) => match check(&op) {
            Some(problem) => Err(vec![
                InputError::new(path, loc(""), problem).hint("see the README's op reference")
            ]),
            None => Ok(op),
        },
        Err(e) => Err(vec![InputError::new(
            path,
            loc(""),
            format!("{name}: {}", bounded(&e.to_string())),
        )
        .hint(format!("{name} takes: {}", fields.join(", ")))]),
    }
}

fn check(op: &Op) -> Option<String> {
    match op {
        Op::Reprocess {
            group: None,
            user: None,
        } => Some("reprocess needs a `group` or a `user`".into()),
        Op::Reprocess {
            group: Some(_),
            user: Some(_),
        } => Some("reprocess takes a `group` or a `user`, not both".into()),
        Op::ChangeGroupLicense { add, remove, .. }
        | Op::ChangeDirectLicense { add, remove, .. }
            if add.is_empty() && remove.is_empty() =>
        {
            Some("a change with nothing to add or remove".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<Op> {
        parse(text, Path::new("ops.yaml"))
            .map(|f| f.ops.into_iter().map(|(_, o)| o).collect())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn yaml_and_json_ops() {
        let y = ok("ops:\n  - op: add-member\n    group: LIC-E3\n    user: a@contoso.com\n  - op: wait-for-processing\n");
        assert_eq!(y.len(), 2);
        assert_eq!(
            y[0],
            Op::AddMember {
                group: "LIC-E3".into(),
                user: "a@contoso.com".into()
            }
        );
        let j = ok(
            r#"{"ops": [{"op": "change-group-license", "group": "G", "add": [{"sku": "ENTERPRISEPACK"}], "remove": ["STANDARDPACK"]}]}"#,
        );
        assert!(
            matches!(&j[0], Op::ChangeGroupLicense { add, remove, .. } if add.len() == 1 && remove.len() == 1)
        );
    }

    #[test]
    fn plan_files_read_in_stage_then_wave_order_with_display_fields() {
        let ops = ok("stages:\n  - actions:\n      - {op: create-group, group: G, group_name: G}\n    waves:\n      - actions:\n          - {op: remove-direct-license, user: a, sku: E1, user_upn: a@x}\n  - actions:\n      - {op: wait-for-processing}\n");
        assert_eq!(
            ops.iter().map(Op::name).collect::<Vec<_>>(),
            [
                "create-group",
                "remove-direct-license",
                "wait-for-processing"
            ]
        );
    }

    #[test]
    fn mistakes_name_the_op_and_field() {
        let e = parse(
            "ops:\n  - op: add-member\n    grup: G\n    user: u\n",
            Path::new("o.yaml"),
        )
        .expect_err("typo");
        assert!(e.to_string().contains("$.ops[0].grup"), "{e}");
        assert!(
            e.to_string().contains("add-member has no field \"grup\""),
            "{e}"
        );
        let e = parse("ops:\n  - op: fly\n", Path::new("o.yaml")).expect_err("bad op");
        assert!(e.to_string().contains("\"fly\" is not an op"), "{e}");
        let e = parse(
            "ops:\n  - op: add-member\n    group: G\n",
            Path::new("o.yaml"),
        )
        .expect_err("missing");
        assert!(e.to_string().contains("missing field `user`"), "{e}");
        let e = parse("ops: [\n", Path::new("o.yaml")).expect_err("yaml");
        assert!(matches!(e.0[0].location, Location::Position { .. }), "{e}");
        let e = parse("ops:\n  - op: reprocess\n", Path::new("o.yaml")).expect_err("reprocess");
        assert!(e.to_string().contains("needs a `group` or a `user`"), "{e}");
    }

    #[test]
    fn every_bad_op_and_field_is_reported_in_one_run_with_the_nearest_name() {
        let e = parse(
            "ops:\n  - op: add-membr\n    group: G\n    user: u\n  - op: add-member\n    grup: G\n    usr: u\n  - op: add-member\n    group: G\n  - op: create-group\n    group: ok\n",
            Path::new("o.yaml"),
        )
        .expect_err("four problems");
        let text = e.to_string();
        assert_eq!(e.0.len(), 4, "{text}");
        assert!(
            text.contains("\"add-membr\" is not an op; did you mean add-member?"),
            "{text}"
        );
        assert!(
            text.contains("$.ops[1].grup") && text.contains("did you mean group?"),
            "{text}"
        );
        assert!(
            text.contains("$.ops[1].usr") && text.contains("did you mean user?"),
            "{text}"
        );
        assert!(
            text.contains("$.ops[2]") && text.contains("missing field `user`"),
            "{text}"
        );
    }
}
