//! A rules file as written: its YAML schema, parsing, id checks, and where things are in the text
//! (serde gives no positions for values, so errors about an entry find its lines by searching).

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use serde::Deserialize;

use crate::ingest::error::{InputError, InputErrors, Location};

/// The schema version this licplan reads.
pub(super) const VERSION: u32 = 1;

/// One file's text and the name its errors carry.
#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    /// The file compiled into licplan (no `disable`, `version` required).
    pub bundled: bool,
}

impl Source<'_> {
    pub fn error(&self, line: Option<u64>, message: impl Into<String>) -> InputError {
        InputError::new(
            self.path,
            line.map_or(Location::File, Location::Line),
            message,
        )
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<u32>,
    #[serde(default)]
    assumptions: Vec<RawAssumption>,
    #[serde(default)]
    mutually_exclusive: Vec<RawExclusive>,
    #[serde(default)]
    prerequisites: Vec<RawPrerequisite>,
    #[serde(default)]
    successors: Vec<RawSuccessor>,
    #[serde(default)]
    not_offered_in: Vec<RawNotOffered>,
    #[serde(default)]
    unique_proxy_address: Option<RawUniqueProxy>,
    #[serde(default)]
    disable: Vec<String>,
    /// Bundled entries that are off by default (`enabled: false`) to turn on.
    #[serde(default)]
    enable: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Assumption")]
pub(super) struct RawAssumption {
    pub id: String,
    pub text: String,
    pub source: String,
    /// The entry this assumption describes: stated only while that entry is in force.
    #[serde(default)]
    pub entry: Option<String>,
    /// The entry whose absence this assumption describes: stated only while that entry is not
    /// in force (off by default, or disabled).
    #[serde(default)]
    pub unless_entry: Option<String>,
    /// What the reading is about: a plan states it only where it touches these (see
    /// [`super::about`]); without it, every plan states it.
    #[serde(default)]
    pub about: Option<RawAbout>,
}

/// `about:` of an assumption: service plans (`servicePlanName`, a trailing `*` for a prefix),
/// how many of them a plan must involve, and situations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "About")]
pub(super) struct RawAbout {
    #[serde(default)]
    pub plans: Vec<String>,
    #[serde(default)]
    pub at_least: Option<usize>,
    #[serde(default)]
    pub when: Vec<super::about::When>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "MutuallyExclusive")]
pub(super) struct RawExclusive {
    pub id: String,
    pub plans: Vec<String>,
    pub source: String,
    /// `false`: the entry is kept (with its source) but not applied unless a rules file turns
    /// it on with `enable: [id]` or replaces it.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, rename = "note")]
    _note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Prerequisite")]
pub(super) struct RawPrerequisite {
    pub id: String,
    pub plan: String,
    pub requires_one_of: Vec<String>,
    pub source: String,
    #[serde(default, rename = "note")]
    _note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Successor")]
pub(super) struct RawSuccessor {
    pub id: String,
    pub plan: String,
    pub successors: Vec<String>,
    pub source: String,
    #[serde(default, rename = "note")]
    _note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "NotOfferedIn")]
pub(super) struct RawNotOffered {
    pub id: String,
    pub plan: String,
    pub locations: Vec<String>,
    pub source: String,
    #[serde(default, rename = "note")]
    _note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "UniqueProxyAddress")]
pub(super) struct RawUniqueProxy {
    pub id: String,
    pub plan_name_prefixes: Vec<String>,
    pub source: String,
    #[serde(default, rename = "note")]
    _note: Option<String>,
}

fn yes() -> bool {
    true
}

/// What an entry says, by section.
#[derive(Debug, Clone)]
pub(super) enum Body {
    Assumption(RawAssumption),
    Exclusive(RawExclusive),
    Prerequisite(RawPrerequisite),
    Successor(RawSuccessor),
    NotOffered(RawNotOffered),
    UniqueProxy(RawUniqueProxy),
}

/// One entry of one file, with where it came from.
#[derive(Clone)]
pub(super) struct Entry<'a> {
    pub id: String,
    pub body: Body,
    pub src: Source<'a>,
    /// The line of its `id:`.
    pub line: Option<u64>,
}

impl Entry<'_> {
    /// Whether the entry is kept but not applied unless a rules file turns it on.
    pub fn off_by_default(&self) -> bool {
        matches!(&self.body, Body::Exclusive(x) if !x.enabled)
    }

    /// An error about this entry's `field`, at the first line from the entry's `id:` on that
    /// holds `token` (or at the `id:` line).
    pub fn error(&self, field: &str, token: Option<&str>, message: String) -> InputError {
        let line = token
            .and_then(|t| find_token_line(self.src.text, self.line.unwrap_or(1), t))
            .or(self.line);
        self.src
            .error(line, format!("entry `{}`: {message}", self.id))
            .field(field)
    }
}

/// A parsed file: its entries in file order (section by section) and the ids it disables.
pub(super) struct Parsed<'a> {
    pub entries: Vec<Entry<'a>>,
    pub disable: Vec<(String, Option<u64>)>,
    pub enable: Vec<(String, Option<u64>)>,
}

/// Parses and checks one file: YAML and schema, version, ids (kebab-case, unique in the file).
///
/// # Errors
///
/// Every problem is an [`InputError`] naming the file and, where known, the line: the file's
/// syntax or schema error, or else every bad entry id (each reported, not the first only).
pub(super) fn parse(src: Source<'_>) -> Result<Parsed<'_>, InputErrors> {
    let one = |e: InputError| InputErrors(vec![e]);
    let raw = if is_blank(src.text) {
        RawFile::default()
    } else {
        // Duplicate keys, deep nesting and alias bombs first (see `docfile`).
        crate::docfile::check_yaml(src.text, src.path).map_err(one)?;
        serde_yaml::from_str::<RawFile>(src.text).map_err(|e| one(yaml_error(src, &e)))?
    };
    check_version(src, raw.version).map_err(one)?;
    if src.bundled && !raw.enable.is_empty() {
        return Err(one(src
            .error(
                key_line(src.text, "enable"),
                "the bundled rules cannot enable entries (write `enabled: true` on the entry)",
            )
            .field("enable")));
    }
    if src.bundled && !raw.disable.is_empty() {
        return Err(one(src
            .error(
                key_line(src.text, "disable"),
                "the bundled rules cannot disable entries",
            )
            .field("disable")));
    }

    let mut bodies = Vec::new();
    bodies.extend(raw.assumptions.into_iter().map(Body::Assumption));
    bodies.extend(raw.mutually_exclusive.into_iter().map(Body::Exclusive));
    bodies.extend(raw.prerequisites.into_iter().map(Body::Prerequisite));
    bodies.extend(raw.successors.into_iter().map(Body::Successor));
    bodies.extend(raw.not_offered_in.into_iter().map(Body::NotOffered));
    bodies.extend(raw.unique_proxy_address.into_iter().map(Body::UniqueProxy));

    let mut lines = id_lines(src.text);
    let mut seen: HashMap<String, Option<u64>> = HashMap::new();
    let mut entries = Vec::with_capacity(bodies.len());
    let mut errors = Vec::new();
    for body in bodies {
        let id = body_id(&body).trim().to_owned();
        let line = lines.get_mut(&id).and_then(VecDeque::pop_front);
        if !is_kebab(&id) {
            errors.push(src
                .error(line, format!("entry id {id:?} is not kebab-case"))
                .field("id")
                .hint("write ids in lower case, digits and single hyphens, e.g. exchange-online-plan1-plan2"));
            continue;
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            let at = first.map_or_else(String::new, |l| format!(" (first on line {l})"));
            errors.push(
                src.error(
                    line,
                    format!("entry id `{id}` is used twice in this file{at}"),
                )
                .field("id")
                .hint("give every entry its own id; to change a bundled entry, reuse its id once"),
            );
            continue;
        }
        entries.push(Entry {
            id,
            body,
            src,
            line,
        });
    }

    // The ids of `disable:` and `enable:`, each with the line that names it (for messages).
    let id_lines = |key: &str, ids: Vec<String>| {
        let from = key_line(src.text, key).unwrap_or(1);
        ids.into_iter()
            .map(|id| {
                let id = id.trim().to_owned();
                let line = find_token_line(src.text, from, &id);
                (id, line)
            })
            .collect()
    };
    let disable = id_lines("disable", raw.disable);
    let enable = id_lines("enable", raw.enable);
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    Ok(Parsed {
        entries,
        disable,
        enable,
    })
}

fn body_id(body: &Body) -> &str {
    match body {
        Body::Assumption(b) => &b.id,
        Body::Exclusive(b) => &b.id,
        Body::Prerequisite(b) => &b.id,
        Body::Successor(b) => &b.id,
        Body::NotOffered(b) => &b.id,
        Body::UniqueProxy(b) => &b.id,
    }
}

fn check_version(src: Source<'_>, version: Option<u32>) -> Result<(), InputError> {
    match version {
        Some(VERSION) => Ok(()),
        None if !src.bundled => Ok(()),
        None => Err(src.error(None, "`version` is missing").field("version")),
        Some(v) => Err(src
            .error(
                key_line(src.text, "version"),
                format!("rules schema version {v} is not supported"),
            )
            .field("version")
            .hint(format!(
                "this licplan reads version {VERSION}; write `version: {VERSION}` or leave it out"
            ))),
    }
}

/// A file with nothing but blank lines, comments and document markers is an empty rules file.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

fn yaml_error(src: Source<'_>, e: &serde_yaml::Error) -> InputError {
    let mut message = e.to_string();
    // serde_yaml appends " at line L column C"; the location already says where.
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    let line = e.location().map(|l| l.line() as u64);
    src.error(line, message).hint(
        "a rules file is YAML with the sections of licplan's data/rules.yaml \
         (assumptions, mutually_exclusive, prerequisites, successors, not_offered_in, \
         unique_proxy_address), `disable: [id, ...]` and `enable: [id, ...]`",
    )
}

/// Lower-case letters and digits in runs joined by single hyphens.
pub(super) fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// For every `id:` line (a mapping's `id: x` or a list item's `- id: x`), its value and line, in
/// text order.
fn id_lines(text: &str) -> HashMap<String, VecDeque<u64>> {
    let mut out: HashMap<String, VecDeque<u64>> = HashMap::new();
    for (n, line) in (1u64..).zip(text.lines()) {
        let t = line.trim_start();
        let t = t.strip_prefix("- ").map_or(t, str::trim_start);
        if let Some(value) = t.strip_prefix("id:") {
            let value = strip_comment(value)
                .trim()
                .trim_matches(|c| c == '"' || c == '\'');
            out.entry(value.to_owned()).or_default().push_back(n);
        }
    }
    out
}

/// The line of a top-level key (`key:` at the start of a line).
fn key_line(text: &str, key: &str) -> Option<u64> {
    (1u64..)
        .zip(text.lines())
        .find(|(_, l)| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(':'))
        })
        .map(|(n, _)| n)
}

fn strip_comment(s: &str) -> &str {
    s.find(" #").map_or(s, |i| &s[..i])
}

/// The first line, from line `from` on, where `token` occurs with no name character
/// (letter, digit, `_`, `-`) right before or after it.
pub(super) fn find_token_line(text: &str, from: u64, token: &str) -> Option<u64> {
    if token.is_empty() {
        return None;
    }
    let is_name =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (1u64..)
        .zip(text.lines())
        .skip_while(|(n, _)| *n < from)
        .find(|(_, line)| {
            line.match_indices(token).any(|(i, _)| {
                !is_name(line[..i].chars().next_back())
                    && !is_name(line[i + token.len()..].chars().next())
            })
        })
        .map(|(n, _)| n)
}

/// Turns on bundled entries that are off by default (`enable: [id, ...]` of a rules file),
/// recording a note for each and an error for each id that is not such an entry.
pub(super) fn enable(
    entries: &mut [Entry<'_>],
    user: Source<'_>,
    ids: &[(String, Option<u64>)],
    errors: &mut Vec<InputError>,
    notes: &mut Vec<super::Assumption>,
) {
    for (id, line) in ids {
        let Some(e) = entries.iter_mut().find(|e| &e.id == id) else {
            let near = crate::suggest::did_you_mean(id, entries.iter().map(|e| e.id.as_str()));
            errors.push(
                user.error(*line, format!("`{id}` is not the id of a bundled entry"))
                    .field("enable")
                    .hint(format!(
                        "{near}`enable` takes ids of entries in licplan's data/rules.yaml that are off by default"
                    )),
            );
            continue;
        };
        if !e.off_by_default() {
            errors.push(
                user.error(
                    *line,
                    format!("`{id}` is already in force (it is not off by default)"),
                )
                .field("enable")
                .hint("`enable` takes ids of bundled entries written with `enabled: false`"),
            );
            continue;
        }
        if let Body::Exclusive(x) = &mut e.body {
            x.enabled = true;
        }
        notes.push(super::Assumption {
            id: format!("rules-file-enables-{id}"),
            text: format!(
                "The rules file {} turns on the bundled entry `{id}`, which is off by default.",
                user.path.display()
            ),
            about: super::about::About::always(),
        });
    }
}
