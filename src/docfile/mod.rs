//! Reading licplan's own documents — ops files, plans, intents, rules files — at bounded cost
//! and without silent last-key-wins.
//!
//! Every such file is read here first, JSON or YAML, into a tree that refuses:
//! - a key written twice in one mapping (serde_json's and serde_yaml's maps keep the last one
//!   silently, so an ops record naming `user` twice removed the other user's license);
//! - nesting deeper than [`MAX_DEPTH`] (YAML is pre-scanned in linear time first: libyaml is
//!   quadratic in flow depth before serde_yaml's own limit is consulted);
//! - YAML aliases that expand the document far past its own size ("billion laughs").
//!
//! Ops and plan files use the tree itself; intents and rules files are checked this way, then
//! deserialised into their typed schema as before (which keeps serde_yaml's positions).

mod actions;
mod scan;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::ingest::error::{InputError, Location};

use actions::Pos;
pub use actions::{ActionAt, ActionHook};
pub use scan::{check_depth, TooDeep};

/// The deepest nesting of mappings and lists licplan reads in its own files (which need about
/// six levels); below serde_json's and serde_yaml's own limits of 128, so this message comes first.
pub const MAX_DEPTH: usize = 100;

/// The longest string (value or key) licplan's own files hold: their longest real values are
/// group names (Microsoft Entra ID takes at most 256 characters) and rules' source quotes.
pub const MAX_STRING: usize = 64 << 10;

/// A value for a message. Messages quote at most 200 characters of a value with its whole
/// length ([`crate::ingest::error`] cuts them, counting what it cuts), so this only bounds what
/// a message is built from: at most [`MAX_STRING`] bytes, cut on a character boundary.
pub fn bounded(s: &str) -> String {
    if s.len() <= MAX_STRING {
        return s.to_owned();
    }
    let mut cut = MAX_STRING;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s[..cut].to_owned()
}

/// Reads one of licplan's own files (an ops file, plan, intent, rules file or `users:` list) as
/// text, the way exports are read: a UTF-8 or UTF-16 BOM, UTF-16 without one (told from its zero
/// bytes) and CR line ends are fine; a binary file, UTF-32 or text that is not UTF-8 is refused
/// with its line, the encoding it looks like and how to save it as UTF-8. `what` names the file
/// in the message ("the ops file").
///
/// # Errors
///
/// An [`InputError`] naming `path`: it cannot be opened or read, or it is not text.
pub fn read_text(path: &Path, what: &str, hint: &str) -> Result<String, InputError> {
    use crate::ingest::text;
    use std::io::Read;
    let not_text = |e: &text::NotText| {
        let place = match e.place() {
            Some((line, _)) => Location::Line(line),
            None => Location::File,
        };
        InputError::new(path, place, e.to_string()).hint(e.hint())
    };
    let io_error = |e: std::io::Error| match text::not_text(&e) {
        Some(t) => not_text(t),
        None => {
            InputError::new(path, Location::File, format!("cannot read {what}: {e}")).hint(hint)
        }
    };
    // Sized to the file: grown by doubling instead, a 260 MB plan would take a 512 MB buffer
    // and copy itself on the way (a transcoded UTF-16 file is smaller as UTF-8, or grows once).
    // A size the allocator refuses is no reason to stop here: the read then grows as it goes.
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let mut bytes = Vec::new();
    let _ = bytes.try_reserve_exact(usize::try_from(size).unwrap_or(0).saturating_add(1));
    text::open(path)
        .and_then(|mut r| r.read_to_end(&mut bytes))
        .map_err(io_error)?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            Err(not_text(&text::describe_not_utf8(e.as_bytes(), bad, 1)))
        }
    }
}

/// The syntax a document is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

/// Reads a document into a JSON value: JSON when its first non-blank character is `{`, else
/// YAML. Duplicate keys, nesting past [`MAX_DEPTH`] and alias bombs are errors.
///
/// # Errors
///
/// An [`InputError`] naming `path`, the line and column, and for duplicate keys the record's
/// path (`$.ops[3]`) and the key.
pub fn read_value(text: &str, path: &Path) -> Result<Value, InputError> {
    read(text, path, None, false)
}

/// [`read_value`] for an ops file or a plan: each action (`ops[i]`, `stages[s].actions[i]`,
/// `stages[s].waves[w].actions[i]`) is handed to `hook` as soon as it is read, with every check
/// above passed, and the tree keeps what `hook` returns in its place. A million-action plan is
/// then never held as one tree of values.
///
/// # Errors
///
/// As [`read_value`].
pub fn read_actions(
    text: &str,
    path: &Path,
    hook: &mut ActionHook<'_>,
) -> Result<Value, InputError> {
    read(text, path, Some(hook), false)
}

/// As [`read_actions`], with a plan's rollback ops handed to `hook` as well
/// (`ActionAt::StageRollback`, `ActionAt::WaveRollback`) and kept as it returns them.
///
/// # Errors
///
/// As [`read_actions`].
pub fn read_plan_actions(
    text: &str,
    path: &Path,
    hook: &mut ActionHook<'_>,
) -> Result<Value, InputError> {
    read(text, path, Some(hook), true)
}

fn read(
    text: &str,
    path: &Path,
    hook: Option<&mut ActionHook<'_>>,
    rollbacks: bool,
) -> Result<Value, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        parse(text, path, Syntax::Json, hook, rollbacks)
    } else {
        parse(text, path, Syntax::Yaml, hook, rollbacks)
    }
}

/// Checks a YAML document (an intent or a rules file) the way [`read_value`] reads one, before
/// it is deserialised into its schema.
///
/// # Errors
///
/// As [`read_value`]; YAML syntax errors are left to the schema's reader, which says more.
pub fn check_yaml(text: &str, path: &Path) -> Result<(), InputError> {
    match parse(text, path, Syntax::Yaml, None, false) {
        Ok(_) => Ok(()),
        Err(e) if e.field.is_none() && e.message.starts_with("invalid YAML") => Ok(()),
        Err(e) => Err(e),
    }
}

/// [`check_yaml`], also giving the document as a tree for checks of its own (every unknown
/// key of a file, say, where serde stops at the first); `None` when it is not valid YAML
/// (the schema's reader then says why, with its position).
///
/// # Errors
///
/// As [`read_value`].
pub fn yaml_value(text: &str, path: &Path) -> Result<Option<Value>, InputError> {
    match parse(text, path, Syntax::Yaml, None, false) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.field.is_none() && e.message.starts_with("invalid YAML") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every key of the mapping at `at` (a `$.moves[1]`-style path) that is not in `known`, as an
/// error naming the key and the nearest known one; `what` names the mapping in the message
/// ("a move"). A value that is not a mapping is left to the schema's reader.
pub fn unknown_keys(
    path: &Path,
    at: &str,
    value: &Value,
    what: &str,
    known: &[&str],
) -> Vec<InputError> {
    let Value::Object(map) = value else {
        return Vec::new();
    };
    map.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            InputError::new(
                path,
                Location::Record {
                    index: 0,
                    path: format!("{at}.{}", bounded(k)),
                },
                format!("{what} has no field {}", quote(k)),
            )
            .field(bounded(k))
            .hint(format!(
                "{}{what} takes: {}",
                crate::suggest::did_you_mean(k, known.iter().copied()),
                known.join(", ")
            ))
        })
        .collect()
}

fn parse(
    text: &str,
    path: &Path,
    syntax: Syntax,
    hook: Option<&mut ActionHook<'_>>,
    rollbacks: bool,
) -> Result<Value, InputError> {
    if syntax == Syntax::Yaml {
        check_depth(text, MAX_DEPTH).map_err(|at| {
            too_deep(
                path,
                Location::Position {
                    line: at.line,
                    column: at.column,
                },
            )
        })?;
    }
    let ctx = Ctx {
        // Without aliases a document holds fewer values and characters than twice its bytes.
        budget: Cell::new((text.len() as u64).saturating_mul(2).saturating_add(4096)),
        trail: RefCell::new(Vec::new()),
        problem: Cell::new(None),
        hook: RefCell::new(hook),
        rollbacks,
    };
    let seed = Node {
        ctx: &ctx,
        depth: 0,
        pos: Pos::Top,
    };
    let result = match syntax {
        Syntax::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            seed.deserialize(&mut de)
                .and_then(|v| de.end().map(|()| v))
                .map_err(|e| {
                    let at = Location::Position {
                        line: e.line() as u64,
                        column: e.column() as u64,
                    };
                    (at, e.to_string(), e.is_syntax() || e.is_eof())
                })
        }
        Syntax::Yaml => {
            let yaml_error = |e: serde_yaml::Error| {
                let at = e.location().map_or(Location::File, |l| Location::Position {
                    line: l.line() as u64,
                    column: l.column() as u64,
                });
                (at, e.to_string(), true)
            };
            let mut docs = serde_yaml::Deserializer::from_str(text);
            match docs.next().map(|doc| seed.deserialize(doc)) {
                None => Ok(Value::Null),
                Some(Err(e)) => Err(yaml_error(e)),
                Some(Ok(v)) => match docs.next() {
                    None => Ok(v),
                    Some(second) => {
                        use serde::Deserialize;
                        if let Err(e) = de::IgnoredAny::deserialize(second) {
                            Err(yaml_error(e))
                        } else {
                            return Err(InputError::new(
                                path,
                                second_document(text),
                                "invalid YAML: the file holds more than one document",
                            )
                            .hint("keep one document: remove the `---` line after the first"));
                        }
                    }
                },
            }
        }
    };
    let (at, message, syntax_error) = match result {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let mut trail = ctx.trail.take();
    trail.reverse();
    let record = record_path(&trail);
    Err(match ctx.problem.take() {
        Some(Problem::Duplicate(key)) => InputError::new(
            path,
            at,
            format!("{record} has the key {} twice", quote(&key)),
        )
        .field(bounded(&key))
        .hint(
            "write each key once: which of the two values was meant cannot be told, so \
             licplan reads neither",
        ),
        Some(Problem::TooDeep) => too_deep(path, at),
        Some(Problem::Merge) => InputError::new(
            path,
            at,
            format!("{record}: YAML merge keys (<<: *name) are not part of this file's format"),
        )
        .field("<<")
        .hint("write the keys out in each record instead of merging them from an anchor"),
        Some(Problem::TooLong(len)) => InputError::new(
            path,
            at,
            format!(
                "{record}: a string of {len} bytes; licplan's files hold none longer than {} KiB",
                MAX_STRING >> 10
            ),
        )
        .hint(
            "names in Microsoft Entra ID are at most 256 characters: check what wrote this value",
        ),
        Some(Problem::Expanded) => InputError::new(
            path,
            at,
            "YAML aliases (*name) expand this file far past its own size",
        )
        .hint("write the repeated values out, or repeat them fewer times"),
        Some(Problem::Tag) => InputError::new(
            path,
            at,
            format!("{record}: YAML tags such as !name are not part of this file's format"),
        )
        .hint("remove the tag; write the value as plain text, a number or a list"),
        None if message.contains("recursion limit exceeded") => too_deep(path, at),
        None if message.contains("repetition limit exceeded") => InputError::new(
            path,
            at,
            "YAML aliases (*name) expand this file far past its own size",
        )
        .hint("write the repeated values out, or repeat them fewer times"),
        None => {
            let kind = match syntax {
                Syntax::Json if syntax_error => "invalid JSON",
                Syntax::Json => "unreadable JSON",
                Syntax::Yaml => "invalid YAML",
            };
            InputError::new(path, at, format!("{kind}: {}", bounded(&message)))
        }
    })
}

/// The line of the `---` that starts a second document (after some content).
fn second_document(text: &str) -> Location {
    let mut content = false;
    for (n, line) in (1u64..).zip(text.lines()) {
        let marker = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if marker && content {
            return Location::Line(n);
        }
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') && !t.starts_with('%') {
            content = true;
        }
    }
    Location::File
}

fn too_deep(path: &Path, at: Location) -> InputError {
    InputError::new(
        path,
        at,
        format!("nested more than {MAX_DEPTH} levels deep"),
    )
    .hint(
        "licplan's files nest a few levels (a list of records holding lists); this one looks \
         generated or broken: check what wrote it",
    )
}

fn quote(key: &str) -> String {
    format!("{:?}", bounded(key))
}

/// `$.ops[3]` from the keys and indexes leading to a value.
fn record_path(trail: &[Seg]) -> String {
    let mut out = String::from("$");
    for seg in trail {
        match seg {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(k) if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                out.push('.');
                out.push_str(&bounded(k));
            }
            Seg::Key(k) => out.push_str(&format!("[{}]", quote(k))),
        }
    }
    out
}

enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug)]
enum Problem {
    Duplicate(String),
    TooDeep,
    TooLong(usize),
    Merge,
    Expanded,
    Tag,
}

/// What the reading of one document shares: the budget of values and characters aliases may
/// not exceed, the path to where reading failed (built as the error unwinds) and why.
struct Ctx<'h, 'f> {
    budget: Cell<u64>,
    trail: RefCell<Vec<Seg>>,
    problem: Cell<Option<Problem>>,
    /// Where each action read goes (`read_actions`).
    hook: RefCell<Option<&'h mut ActionHook<'f>>>,
    /// Whether rollback ops go to `hook` too (`read_plan_actions`).
    rollbacks: bool,
}

impl Ctx<'_, '_> {
    fn fail<E: de::Error>(&self, problem: Problem, message: impl fmt::Display) -> E {
        self.problem.set(Some(problem));
        E::custom(message)
    }

    /// A string longer than [`MAX_STRING`] is refused where it stands.
    fn size<E: de::Error>(&self, v: &str) -> Result<(), E> {
        if v.len() <= MAX_STRING {
            return Ok(());
        }
        Err(self.fail(Problem::TooLong(v.len()), "a string too long"))
    }

    fn charge<E: de::Error>(&self, chars: usize) -> Result<(), E> {
        let cost = 1 + chars as u64;
        match self.budget.get().checked_sub(cost) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(self.fail(Problem::Expanded, "aliases expand the document too far")),
        }
    }
}

/// One value of the document, `depth` collections deep, at `pos` of an ops file or plan.
struct Node<'c, 'h, 'f> {
    ctx: &'c Ctx<'h, 'f>,
    depth: usize,
    pos: Pos,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'c, 'h, 'f> Node<'c, 'h, 'f> {
    /// The depth of this collection's values; an error past [`MAX_DEPTH`].
    fn deeper<E: de::Error>(&self) -> Result<usize, E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.ctx.fail(Problem::TooDeep, "nested too deep"));
        }
        Ok(self.depth + 1)
    }

    fn child(&self, depth: usize, pos: Pos) -> Node<'c, 'h, 'f> {
        Node {
            ctx: self.ctx,
            depth,
            pos,
        }
    }
}

impl<'de> Visitor<'de> for Node<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.ctx.charge(0)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.ctx.charge(0)?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.ctx.charge(0)?;
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.ctx.charge(0)?;
        // As serde_json's own Value: a non-finite number is null.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.ctx.charge(v.len())?;
        self.ctx.size(v)?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.ctx.charge(v.len())?;
        self.ctx.size(&v)?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.ctx.charge(0)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.ctx.charge(0)?;
        let depth = self.deeper()?;
        let mut out = Vec::new();
        // Read for a replay, a plan's rollbacks are checked item by item but not kept.
        let skip_rollbacks = self.pos.is_rollbacks() && !self.ctx.rollbacks;
        let keep = !skip_rollbacks || self.ctx.hook.borrow().is_none();
        let mut i = 0;
        loop {
            let (pos, action) = self.pos.item(i);
            let action = action.filter(|_| !skip_rollbacks);
            match seq.next_element_seed(self.child(depth, pos)) {
                Ok(Some(v)) => {
                    i += 1;
                    let v = match (action, &mut *self.ctx.hook.borrow_mut()) {
                        (Some(at), Some(hook)) => hook(at, v),
                        _ => v,
                    };
                    if keep {
                        out.push(v);
                    }
                }
                Ok(None) => return Ok(Value::Array(out)),
                Err(e) => {
                    self.ctx.trail.borrow_mut().push(Seg::Index(i));
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.ctx.charge(0)?;
        let depth = self.deeper()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.ctx.charge(key.len())?;
            self.ctx.size(&key)?;
            if key == "<<" {
                return Err(self.ctx.fail(Problem::Merge, "a merge key"));
            }
            if out.contains_key(&key) {
                // Refused while reading the second value, so the error is placed at it.
                self.ctx.problem.set(Some(Problem::Duplicate(key)));
                return Err(map
                    .next_value_seed(Refuse)
                    .err()
                    .unwrap_or_else(|| de::Error::custom("duplicate key")));
            }
            let node = self.child(depth, self.pos.key(&key));
            let value = match map.next_value_seed(node) {
                Ok(v) => v,
                Err(e) => {
                    self.ctx.trail.borrow_mut().push(Seg::Key(key));
                    return Err(e);
                }
            };
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Value, A::Error> {
        Err(self.ctx.fail(Problem::Tag, "a YAML tag"))
    }
}

/// A value that is refused whatever it is (the second value of a duplicate key).
struct Refuse;

impl<'de> DeserializeSeed<'de> for Refuse {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Refuse {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no second value for a key")
    }
}

#[cfg(test)]
mod tests;
