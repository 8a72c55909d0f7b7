//! How YAML readers resolve a plain scalar, written independently of licplan's emitter: PyYAML's
//! implicit resolvers (YAML 1.1, `yaml/resolver.py`, regexes as PyYAML writes them), the
//! YAML 1.1 spec's extra booleans (`y`, `n`) and float form, and the YAML 1.2 core schema.
//! Shared with `fuzz/fuzz_targets/yaml_writer.rs`, and a plain-scalar tokenizer for the layout
//! licplan writes (one scalar, or `key: value`, per line).

use std::sync::OnceLock;

use regex::Regex;

/// What a reader makes of a plain scalar, when not a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    Merge,
    Value,
}

fn rules() -> &'static [(Kind, Regex)] {
    static RULES: OnceLock<Vec<(Kind, Regex)>> = OnceLock::new();
    RULES.get_or_init(|| {
        let r = |k, p: &str| (k, Regex::new(p).expect("a resolver regex"));
        vec![
            // PyYAML 6 (re.X; `[\x20\t]` spells its `[ \t]`, which Rust's x flag would drop).
            r(
                Kind::Bool,
                r"(?x)^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$",
            ),
            r(
                Kind::Float,
                r"(?x)^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$",
            ),
            r(
                Kind::Int,
                r"(?x)^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
            ),
            r(Kind::Merge, r"^(?:<<)$"),
            r(Kind::Null, r"(?x)^(?: ~ |null|Null|NULL | )$"),
            r(
                Kind::Timestamp,
                r"(?x)^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                    (?:[Tt]|[\x20\t]+)[0-9][0-9]?
                    :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                    (?:[\x20\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
            ),
            r(Kind::Value, r"^(?:=)$"),
            // The YAML 1.1 spec's booleans PyYAML leaves out (go-yaml v2 / yq v3 read them).
            r(Kind::Bool, r"^(?:y|Y|n|N)$"),
            // The YAML 1.1 spec's float (base 10), looser than PyYAML's.
            r(Kind::Float, r"^[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?$"),
            // YAML 1.2 core schema.
            r(Kind::Null, r"^(?:null|Null|NULL|~|)$"),
            r(Kind::Bool, r"^(?:true|True|TRUE|false|False|FALSE)$"),
            r(Kind::Int, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
            r(
                Kind::Float,
                r"^(?:[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$",
            ),
        ]
    })
}

/// What some YAML 1.1 or 1.2 reader resolves this plain scalar to, if not a string.
pub fn resolve(plain: &str) -> Option<Kind> {
    rules()
        .iter()
        .find(|(_, re)| re.is_match(plain))
        .map(|(k, _)| *k)
}

/// One scalar as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    Plain(String),
    Quoted,
}

/// The scalars (keys and values) of YAML as licplan writes it, in document order; `[]` and
/// `{}` are left out.
pub fn scalars(yaml: &str) -> Vec<Scalar> {
    let mut out = Vec::new();
    for line in yaml.lines() {
        let mut rest = line.trim_start_matches(' ');
        while let Some(r) = rest.strip_prefix("- ") {
            rest = r;
        }
        if let Some(r) = rest.strip_prefix("? ") {
            rest = r;
        } else if rest == ":" {
            continue;
        } else if let Some(r) = rest.strip_prefix(": ") {
            rest = r;
        }
        let (first, after) = token(rest, true);
        out.extend(first);
        if let Some(value) = after.strip_prefix(": ") {
            let (second, _) = token(value, false);
            out.extend(second);
        }
    }
    out
}

/// The scalar at the start of `s` and what follows it (`: value`, `:` or nothing).
fn token(s: &str, may_be_key: bool) -> (Option<Scalar>, &str) {
    if s == "[]" || s == "{}" || s.is_empty() {
        return (None, "");
    }
    let b = s.as_bytes();
    if b[0] == b'\'' || b[0] == b'"' {
        let mut i = 1;
        while i < b.len() {
            match b[i] {
                b'\'' if b[0] == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
                b'\\' if b[0] == b'"' => i += 2,
                c if c == b[0] => break,
                _ => i += 1,
            }
        }
        let after = s.get(i + 1..).unwrap_or("");
        let after = if after == ":" { "" } else { after };
        return (Some(Scalar::Quoted), after);
    }
    if may_be_key {
        if let Some(i) = s.find(": ") {
            return (Some(Scalar::Plain(s[..i].to_owned())), &s[i..]);
        }
        if let Some(k) = s.strip_suffix(':') {
            return (Some(Scalar::Plain(k.to_owned())), "");
        }
    }
    (Some(Scalar::Plain(s.to_owned())), "")
}

/// The scalars of a parsed document in document order, as (is a string, the kind it has).
pub fn value_scalars(v: &serde_yaml::Value, out: &mut Vec<Option<Kind>>) {
    use serde_yaml::Value as V;
    match v {
        V::Null => out.push(Some(Kind::Null)),
        V::Bool(_) => out.push(Some(Kind::Bool)),
        V::Number(n) if n.is_f64() => out.push(Some(Kind::Float)),
        V::Number(_) => out.push(Some(Kind::Int)),
        V::String(_) => out.push(None),
        V::Sequence(items) => items.iter().for_each(|i| value_scalars(i, out)),
        V::Mapping(m) => m.iter().for_each(|(k, v)| {
            value_scalars(k, out);
            value_scalars(v, out);
        }),
        V::Tagged(t) => value_scalars(&t.value, out),
    }
}

/// Checks that YAML 1.1 and 1.2 readers agree with serde_yaml on every scalar of `yaml`: a
/// plain scalar that serde_yaml reads as a string resolves as a string in every reader, and one
/// it reads as a number, boolean or null resolves as that kind. Returns the first disagreement.
pub fn check(yaml: &str) -> Result<(), String> {
    let parsed: serde_yaml::Value = serde_yaml::from_str(yaml)
        .map_err(|e| format!("serde_yaml cannot read it: {e}\n{yaml}"))?;
    let mut kinds = Vec::new();
    value_scalars(&parsed, &mut kinds);
    let written = scalars(yaml);
    if kinds.len() != written.len() {
        return Err(format!(
            "{} scalars read, {} written:\n{yaml}",
            kinds.len(),
            written.len()
        ));
    }
    for (kind, w) in kinds.iter().zip(&written) {
        match (kind, w) {
            (None, Scalar::Plain(p)) => {
                if let Some(k) = resolve(p) {
                    return Err(format!(
                        "plain {p:?} is a string but YAML reads it as {k:?}"
                    ));
                }
            }
            (None, Scalar::Quoted) => {}
            (Some(k), Scalar::Quoted) => return Err(format!("a {k:?} was written quoted")),
            (Some(Kind::Float), Scalar::Plain(p)) => {
                // PyYAML's float regex is the strictest of the readers.
                if !matches!(resolve(p), Some(Kind::Float)) {
                    return Err(format!("float {p:?} is not a YAML 1.1 float"));
                }
            }
            (Some(k), Scalar::Plain(p)) => {
                if resolve(p) != Some(*k) {
                    return Err(format!(
                        "{p:?} should read as {k:?}, YAML reads {:?}",
                        resolve(p)
                    ));
                }
            }
        }
    }
    Ok(())
}
