//! Migration intents: what the consultant wants moved, read from YAML and resolved against the
//! tenant. Every problem names the intent file, the field and what to write instead.

mod refs;
mod waves;

use refs::{find_group, scope, users_file, GroupFind};
pub use refs::{sku, users_line};
use waves::{named_pilot, soaks};

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::docfile::bounded;
use crate::ingest::error::{InputError, InputErrors, Location};
use crate::model::{CountryCode, GroupId, SkuId, Tenant, UserId};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentFile {
    name: String,
    #[serde(default)]
    default_usage_location: Option<String>,
    moves: Vec<MoveFile>,
    #[serde(default)]
    waves: Option<WavesFile>,
    #[serde(default)]
    strategy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveFile {
    from: String,
    to: String,
    group: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    strategy: Option<String>,
    /// Lets the plan license an existing dynamic or synced carrying group that lacks the license
    /// (every member its rule or sync brings, now and later, then takes a seat).
    #[serde(default)]
    allow_license_change: bool,
    #[serde(default)]
    addon_groups: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WavesFile {
    #[serde(default)]
    pilot: Option<SizeText>,
    #[serde(default)]
    size: Option<SizeText>,
    #[serde(default)]
    pilot_soak: Option<SizeText>,
    #[serde(default)]
    soak: Option<SizeText>,
}

/// A wave size as written: a number of any size (checked later, so a number past u64 says
/// "too large" rather than serde_yaml's "invalid type: integer as u128"), or text (`25%`).
#[derive(Debug)]
enum SizeText {
    Whole(u128),
    Negative,
    Fraction(f64),
    Text(String),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for SizeText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SizeText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number of users or a percentage")
            }
            fn visit_u64<E>(self, v: u64) -> Result<SizeText, E> {
                Ok(SizeText::Whole(u128::from(v)))
            }
            fn visit_u128<E>(self, v: u128) -> Result<SizeText, E> {
                Ok(SizeText::Whole(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<SizeText, E> {
                Ok(u128::try_from(v).map_or(SizeText::Negative, SizeText::Whole))
            }
            fn visit_i128<E>(self, v: i128) -> Result<SizeText, E> {
                Ok(u128::try_from(v).map_or(SizeText::Negative, SizeText::Whole))
            }
            fn visit_f64<E>(self, v: f64) -> Result<SizeText, E> {
                Ok(SizeText::Fraction(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<SizeText, E> {
                Ok(SizeText::Text(v.to_owned()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<SizeText, E> {
                Ok(SizeText::Other("a boolean"))
            }
            fn visit_unit<E>(self) -> Result<SizeText, E> {
                Ok(SizeText::Other("empty"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<SizeText, A::Error> {
                Ok(SizeText::Other("a list"))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<SizeText, A::Error> {
                Ok(SizeText::Other("a mapping"))
            }
        }
        d.deserialize_any(V)
    }
}

/// How a product change is staged (R11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Move the users to groups holding `from`, then one atomic change per group.
    MigrateThenChange,
    /// Change each user's direct license atomically in waves, then move to groups holding `to`.
    ChangeThenMigrate,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::MigrateThenChange => "migrate-then-change",
            Strategy::ChangeThenMigrate => "change-then-migrate",
        }
    }
}

/// Which users a move covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everyone holding `from` directly.
    DirectHolders,
    /// The direct user members of a group (members of nested groups are held back).
    Group(GroupId),
    /// The users listed in a file (one UPN or object id a line).
    Users(Vec<UserId>),
}

/// The group that carries a move's license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carrier {
    Existing(GroupId),
    /// Created by the plan with this display name.
    New(String),
}

#[derive(Debug, Clone)]
pub struct Move {
    pub from: SkuId,
    pub to: SkuId,
    pub group: Carrier,
    /// The name as the intent wrote it (for new groups and messages).
    pub group_text: String,
    pub scope: Scope,
    pub scope_text: String,
    pub strategy: Strategy,
    /// The intent lets the plan license an existing dynamic or synced carrying group.
    pub allow_license_change: bool,
    /// Microsoft's add-on pattern (a group with the prerequisite product enabling only the
    /// prerequisite plan, plus the add-on) may carry users whose add-on depends on a product the
    /// move changes, and carries a moved add-on's prerequisite (`addon_groups`, default true).
    pub addon_groups: bool,
}

/// Later waves: a count of users, or a share of the users left after the pilot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaveSize {
    Count(u64),
    Percent(f64),
}

#[derive(Debug, Clone)]
pub struct Intent {
    pub name: String,
    pub default_usage_location: Option<CountryCode>,
    pub moves: Vec<Move>,
    pub pilot: u64,
    pub size: WaveSize,
    /// `waves.pilot: file:<path>` or `group:<id or name>`: the named pilot users (then
    /// `pilot` is their count).
    pub pilot_users: Option<PilotUsers>,
    /// Seconds the pilot soaks before the next wave (`waves.pilot_soak`, default a day).
    pub pilot_soak: u64,
    /// Seconds every later wave soaks before the next (`waves.soak`, default none).
    pub soak: u64,
}

/// Pilot users the intent names (`waves.pilot: file:<path>` or `group:<id or name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PilotUsers {
    /// As written (`file:pilot.txt`).
    pub text: String,
    /// Sorted, without duplicates.
    pub users: Vec<UserId>,
}

/// The pilot's default soak: one day (the pilot gates' "at least one business day").
pub const DEFAULT_PILOT_SOAK: u64 = 24 * 3600;

fn err(path: &Path, field: &str, message: String, hint: &str) -> InputError {
    InputError::new(
        path,
        Location::Record {
            index: 0,
            path: format!("$.{field}"),
        },
        message,
    )
    .field(field.rsplit('.').next().unwrap_or(field))
    .hint(hint)
}

/// Reads and resolves an intent file.
///
/// # Errors
///
/// As [`parse`], or the file cannot be read.
pub fn read(path: &Path, tenant: &Tenant) -> Result<Intent, InputErrors> {
    let text = crate::docfile::read_text(
        path,
        "the intent",
        "name a migration intent (YAML), such as plans/e1-to-e3.yaml",
    )
    .map_err(|e| InputErrors(vec![e]))?;
    parse(&text, path, tenant)
}

/// The fields of an intent, a move and `waves`, as written.
const TOP_FIELDS: &[&str] = &[
    "name",
    "default_usage_location",
    "moves",
    "waves",
    "strategy",
];
const MOVE_FIELDS: &[&str] = &[
    "from",
    "to",
    "group",
    "scope",
    "strategy",
    "allow_license_change",
    "addon_groups",
];
const WAVES_FIELDS: &[&str] = &["pilot", "size", "pilot_soak", "soak"];

/// Every unknown field of the intent, each with the nearest known one.
fn unknown_fields(path: &Path, doc: &serde_json::Value) -> Vec<InputError> {
    use crate::docfile::unknown_keys;
    let mut out = unknown_keys(path, "$", doc, "an intent", TOP_FIELDS);
    if let Some(moves) = doc.get("moves").and_then(serde_json::Value::as_array) {
        for (i, m) in moves.iter().enumerate() {
            out.extend(unknown_keys(
                path,
                &format!("$.moves[{i}]"),
                m,
                "a move",
                MOVE_FIELDS,
            ));
        }
    }
    if let Some(w) = doc.get("waves") {
        out.extend(unknown_keys(path, "$.waves", w, "waves", WAVES_FIELDS));
    }
    out
}

/// Parses an intent; `path` names it in messages and anchors `users:` files.
///
/// # Errors
///
/// Every problem of the intent in one list: each unknown field (with the nearest known one),
/// or else the file's schema error, then each field that does not resolve against the tenant
/// (products, groups, scopes and the users of `users:` files, strategies, wave sizes).
pub fn parse(text: &str, path: &Path, tenant: &Tenant) -> Result<Intent, InputErrors> {
    let one = |e: InputError| InputErrors(vec![e]);
    let text = text.trim_start_matches('\u{feff}');
    // Duplicate keys, deep nesting and alias bombs first (see `docfile`).
    if let Some(doc) = crate::docfile::yaml_value(text, path).map_err(one)? {
        let unknown = unknown_fields(path, &doc);
        if !unknown.is_empty() {
            return Err(InputErrors(unknown));
        }
    }
    let file: IntentFile = serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location().map_or(Location::File, |l| Location::Position {
            line: l.line() as u64,
            column: l.column() as u64,
        });
        one(InputError::new(path, loc, format!("invalid intent: {e}"))
            .hint("see the README's intent reference for every field"))
    })?;
    let mut errors: Vec<InputError> = Vec::new();
    if file.name.trim().is_empty() {
        keep(
            &mut errors,
            Err::<(), _>(err(
                path,
                "name",
                "the intent has no name".into(),
                "give the plan a name a change board will recognise",
            )),
        );
    }
    let default_usage_location = match &file.default_usage_location {
        None => None,
        Some(s) => keep(
            &mut errors,
            CountryCode::parse_optional(s).map_err(|e| {
                err(
                    path,
                    "default_usage_location",
                    e.to_string(),
                    "write a two-letter country code such as US",
                )
            }),
        )
        .flatten(),
    };
    let strategy_of = |field: &str, s: &str| {
        strategy(s).ok_or_else(|| {
            err(
                path,
                field,
                format!("{:?} is not a strategy", bounded(s)),
                &format!(
                    "{}write migrate-then-change or change-then-migrate",
                    crate::suggest::did_you_mean(s, STRATEGIES.iter().copied())
                ),
            )
        })
    };
    let global_strategy = match &file.strategy {
        None => Strategy::MigrateThenChange,
        Some(s) => {
            keep(&mut errors, strategy_of("strategy", s)).unwrap_or(Strategy::MigrateThenChange)
        }
    };
    if file.moves.is_empty() {
        keep(
            &mut errors,
            Err::<(), _>(err(
                path,
                "moves",
                "the intent moves nothing".into(),
                "list at least one move with from, to and group",
            )),
        );
    }
    let mut moves = Vec::new();
    for (i, m) in file.moves.iter().enumerate() {
        let at = |f: &str| format!("moves[{i}].{f}");
        let from = keep(&mut errors, sku(path, &at("from"), &m.from, tenant));
        let to = keep(&mut errors, sku(path, &at("to"), &m.to, tenant));
        let group = keep(
            &mut errors,
            match find_group(tenant, &m.group) {
                GroupFind::One(g) => Ok(Carrier::Existing(g)),
                GroupFind::Several => Err(err(
                    path,
                    &at("group"),
                    format!("several groups are named {:?}", bounded(&m.group)),
                    "name the group by its object id",
                )),
                GroupFind::None if crate::model::ids::looks_like_guid(&m.group) => Err(err(
                    path,
                    &at("group"),
                    format!("no group with id {}", bounded(&m.group)),
                    "name an existing group, or give a display name for a group the plan creates",
                )),
                GroupFind::None if m.group.trim().is_empty() => Err(err(
                    path,
                    &at("group"),
                    "the carrying group is empty".into(),
                    "name an existing group or a new one",
                )),
                GroupFind::None
                    if m.group.trim().chars().count() > crate::plan::names::DISPLAY_NAME_MAX =>
                {
                    Err(err(
                        path,
                        &at("group"),
                        format!(
                            "a group the plan creates is named in at most {} characters; this name has {}",
                            crate::plan::names::DISPLAY_NAME_MAX,
                            m.group.trim().chars().count()
                        ),
                        "give a shorter display name (Entra ID's limit for a group's displayName)",
                    ))
                }
                GroupFind::None => Ok(Carrier::New(m.group.trim().to_owned())),
            },
        );
        let scope_text = m.scope.clone().unwrap_or_else(|| "direct-holders".into());
        let scope = match scope(path, &at("scope"), &scope_text, tenant) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        };
        let strategy = match &m.strategy {
            None => Some(global_strategy),
            Some(s) => keep(&mut errors, strategy_of(&at("strategy"), s)),
        };
        if let (Some(from), Some(to), Some(group), Some(scope), Some(strategy)) =
            (from, to, group, scope, strategy)
        {
            moves.push(Move {
                from,
                to,
                group,
                group_text: m.group.trim().to_owned(),
                scope,
                scope_text,
                strategy,
                allow_license_change: m.allow_license_change,
                addon_groups: m.addon_groups.unwrap_or(true),
            });
        }
    }
    let (pilot, size, pilot_users, pilot_soak, soak) = match &file.waves {
        None => (10, WaveSize::Percent(25.0), None, DEFAULT_PILOT_SOAK, 0),
        Some(w) => {
            let mut pilot_users = None;
            let pilot = match &w.pilot {
                None => 10,
                Some(SizeText::Text(t))
                    if t.trim().starts_with("file:") || t.trim().starts_with("group:") =>
                {
                    match named_pilot(path, t, tenant) {
                        Ok(p) => {
                            let n = p.users.len() as u64;
                            pilot_users = Some(p);
                            n
                        }
                        Err(e) => {
                            errors.extend(e.0);
                            0
                        }
                    }
                }
                Some(v) => keep(
                    &mut errors,
                    pilot_size(v).map_err(|why| {
                        err(
                            path,
                            "waves.pilot",
                            format!("{} is not a pilot size{why}", size_text(v)),
                            "write a whole number of users for the pilot wave (10; 0 for no pilot), \
                             file:<file of UPNs or ids> (relative to the intent) or group:<id or name>",
                        )
                    }),
                )
                .unwrap_or(10),
            };
            let size = match &w.size {
                None => WaveSize::Percent(25.0),
                Some(v) => keep(
                    &mut errors,
                    wave_size(v).map_err(|why| {
                        err(
                            path,
                            "waves.size",
                            format!("{} is not a wave size{why}", size_text(v)),
                            "write a number of users (200; a number larger than the users left \
                         puts them all in one wave) or a percentage of the rest (25%)",
                        )
                    }),
                )
                .unwrap_or(WaveSize::Percent(25.0)),
            };
            let (pilot_soak, soak) = soaks(path, &w.pilot_soak, &w.soak, &mut errors);
            (pilot, size, pilot_users, pilot_soak, soak)
        }
    };
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    Ok(Intent {
        name: file.name.trim().to_owned(),
        default_usage_location,
        moves,
        pilot,
        size,
        pilot_users,
        pilot_soak,
        soak,
    })
}

/// `r`'s value, or `None` with its error added to `errors`.
fn keep<T>(errors: &mut Vec<InputError>, r: Result<T, InputError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// The strategies an intent may name.
const STRATEGIES: &[&str] = &["migrate-then-change", "change-then-migrate"];

fn size_text(v: &SizeText) -> String {
    match v {
        SizeText::Whole(n) => n.to_string(),
        SizeText::Negative => "a negative number".into(),
        SizeText::Fraction(f) => f.to_string(),
        SizeText::Text(s) => format!("{:?}", bounded(s)),
        SizeText::Other(what) => (*what).to_owned(),
    }
}

/// A pilot's number of users (0 for none), or why it is not one.
fn pilot_size(v: &SizeText) -> Result<u64, &'static str> {
    const TOO_LARGE: &str = ": too large (at most 18446744073709551615 users)";
    match v {
        SizeText::Whole(n) => u64::try_from(*n).map_err(|_| TOO_LARGE),
        SizeText::Negative => Err(": it is negative"),
        SizeText::Fraction(f) if *f >= u64::MAX as f64 => Err(TOO_LARGE),
        SizeText::Fraction(_) => Err(": write a whole number of users"),
        SizeText::Text(t) => {
            let t = t.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                t.parse::<u64>().map_err(|_| TOO_LARGE)
            } else {
                Err("")
            }
        }
        SizeText::Other(_) => Err(""),
    }
}

/// A wave size, or why it is not one (appended to "... is not a wave size").
fn wave_size(v: &SizeText) -> Result<WaveSize, &'static str> {
    const TOO_LARGE: &str = ": too large (at most 18446744073709551615 users)";
    let count = |n: u128| match u64::try_from(n) {
        Ok(0) => Err(": it must be more than zero"),
        Ok(n) => Ok(WaveSize::Count(n)),
        Err(_) => Err(TOO_LARGE),
    };
    match v {
        SizeText::Whole(n) => count(*n),
        SizeText::Negative => Err(": it must be more than zero"),
        SizeText::Fraction(f) if *f >= u64::MAX as f64 => Err(TOO_LARGE),
        SizeText::Fraction(_) => Err(": write a whole number of users"),
        SizeText::Text(s) => {
            let t = s.trim();
            if let Some(p) = t.strip_suffix('%') {
                match p.trim().parse::<f64>() {
                    Ok(p) if p > 0.0 && p <= 100.0 => Ok(WaveSize::Percent(p)),
                    Ok(_) => Err(": a percentage is more than 0% and at most 100%"),
                    Err(_) => Err(""),
                }
            } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                t.parse::<u128>().map_or(Err(TOO_LARGE), count)
            } else {
                Err("")
            }
        }
        SizeText::Other(_) => Err(""),
    }
}

fn strategy(s: &str) -> Option<Strategy> {
    match s.trim() {
        "migrate-then-change" => Some(Strategy::MigrateThenChange),
        "change-then-migrate" => Some(Strategy::ChangeThenMigrate),
        _ => None,
    }
}

impl Intent {
    /// The `users:` files this intent read, `intent` being the path it was read from (so that
    /// an output never replaces one).
    pub fn users_files(&self, intent: &Path) -> Vec<PathBuf> {
        let pilot = self
            .pilot_users
            .as_ref()
            .and_then(|p| p.text.strip_prefix("file:"));
        self.moves
            .iter()
            .filter_map(|m| m.scope_text.trim().strip_prefix("users:"))
            .chain(pilot)
            .map(|f| users_file(intent, f))
            .collect()
    }
}
