//! Reading a record's fields: keys case-insensitively and through PowerShell's
//! `AdditionalProperties`, each problem an error naming the record and field.

use super::*;

/// A path to an array element (`.assignedLicenses[2]`), written out only in a message: a
/// million records' paths formatted up front would be a million strings nobody reads.
pub(super) struct Item(pub(super) &'static str, pub(super) usize);

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// How to export again when ConvertTo-Json cut the nesting.
pub(super) const SHALLOW: &str = "ConvertTo-Json cut the nesting: export again with -Depth 10 (Get-MgUser -All -Property id,userPrincipalName,usageLocation,proxyAddresses,assignedLicenses,licenseAssignmentStates | ConvertTo-Json -Depth 10 | Out-File users.json)";

/// PowerShell's bag of the properties its types do not name.
pub(super) const EXTRA: &str = "AdditionalProperties";

/// Reads fields of one record, reporting problems with the record's place.
pub struct Fields<'a> {
    pub file: &'a Path,
    pub place: RecordPlace,
    pub errors: Vec<InputError>,
    /// The object last looked into (by address, never dereferenced) and whether it has an
    /// `AdditionalProperties` member: fields are read object by object, so most lookups skip
    /// searching for it again. Only Graph PowerShell exports have one.
    extra_of: Option<(usize, bool)>,
}

impl<'a> Fields<'a> {
    pub fn new(file: &'a Path, place: RecordPlace) -> Self {
        Fields {
            file,
            place,
            errors: Vec::new(),
            extra_of: None,
        }
    }

    /// Looks at an object the first time one of its fields is read: a key it gives twice is
    /// reported (once), and whether it has an `AdditionalProperties` member is noted.
    pub(super) fn look_at(&mut self, obj: &Obj<'_>, path: &dyn fmt::Display) -> bool {
        let addr = std::ptr::from_ref(obj) as usize;
        if let Some((a, has)) = self.extra_of {
            if a == addr {
                return has;
            }
        }
        let has = obj
            .keys()
            .any(|k| k.len() == EXTRA.len() && k.eq_ignore_ascii_case(EXTRA));
        self.extra_of = Some((addr, has));
        if let Some((first, second)) = obj.repeated_key() {
            let spelled = if first == second {
                format!("{:?} is given twice in one object", short(first))
            } else {
                format!(
                    "{:?} and {:?} are one key in two letter cases, given twice in one object",
                    short(first),
                    short(second)
                )
            };
            let key = short(first).into_owned();
            self.fail(
                &format!("{path}.{key}"),
                &key,
                format!("{spelled}: which one holds the data cannot be told"),
                "keep one of them and export again; licplan reads keys in any letter case, as PowerShell writes them",
            );
        }
        has
    }

    pub(super) fn fail(&mut self, path: &str, field: &str, message: String, hint: &str) {
        let e = InputError::new(self.file, self.place.location(path), message)
            .field(field)
            .hint(hint);
        // A field read twice (looked at, then parsed) reports its problem once.
        if !self.errors.contains(&e) {
            self.errors.push(e);
        }
    }

    /// The value of `key` in any letter case, or in PowerShell's `AdditionalProperties` when the
    /// object itself has none (or null). A key given twice (in any letter case, or both in the
    /// object and in `AdditionalProperties`) in an object the reader looks into is an error: the
    /// last one would silently win, and an empty second `"assignedLicenses"` would drop a user's
    /// licenses.
    pub fn get<'o, 'a2>(
        &mut self,
        obj: &'o Obj<'a2>,
        key: &str,
        path: &dyn fmt::Display,
    ) -> Option<&'o Node<'a2>> {
        let has_extra = self.look_at(obj, path);
        let top = obj.get_ignore_case(key);
        if !has_extra {
            return top;
        }
        let Some(Node::Object(extra)) = obj.get_ignore_case(EXTRA) else {
            return top;
        };
        let nested = format!("{path}.{EXTRA}");
        self.look_at(extra, &nested);
        let inside = extra.get_ignore_case(key);
        match (top, inside) {
            (Some(t), Some(i)) if !matches!(t, Node::Null) && !matches!(i, Node::Null) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!(
                        "{key:?} is given twice: in the record and in its AdditionalProperties"
                    ),
                    "keep one of them; licplan cannot tell which one the export meant",
                );
                top
            }
            (Some(t), _) if !matches!(t, Node::Null) => top,
            (_, Some(i)) => Some(i),
            (t, None) => t,
        }
    }

    /// A string or null; other types are an error.
    pub fn string(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> Option<String> {
        match self.get(obj, key, path) {
            None | Some(Node::Null) => None,
            Some(Node::Str(s)) => Some(s.as_ref().to_owned()),
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected a string, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                None
            }
        }
    }

    pub fn guid(
        &mut self,
        obj: &Obj<'_>,
        key: &str,
        path: &dyn fmt::Display,
        required: bool,
    ) -> Option<uuid::Uuid> {
        match self.get(obj, key, path) {
            None | Some(Node::Null) => {
                if required {
                    self.fail(
                        &format!("{path}.{key}"),
                        key,
                        "is missing".into(),
                        "add it to $select (or -Property) and export again",
                    );
                }
                None
            }
            Some(Node::Str(s)) => match parse_guid(s) {
                Ok(u) => Some(u),
                Err(e) => {
                    self.fail(
                        &format!("{path}.{key}"),
                        key,
                        e.to_string(),
                        "ids in Graph exports are GUIDs; check the file was not edited",
                    );
                    None
                }
            },
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected a GUID string, found {}", kind(other)),
                    "ids in Graph exports are GUIDs",
                );
                None
            }
        }
    }

    pub fn bool(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> Option<bool> {
        match self.get(obj, key, path) {
            None | Some(Node::Null) => None,
            Some(Node::Bool(b)) => Some(*b),
            Some(Node::Str(s)) if s.trim().eq_ignore_ascii_case("true") => Some(true),
            Some(Node::Str(s)) if s.trim().eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected true or false, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                None
            }
        }
    }

    /// A seat count: a whole number from 0 to 4,294,967,295 (Graph's counts are 32-bit).
    /// Out of range is "too large" or "negative", whether written as a number, a number with an
    /// exponent (`1e20`) or a string of digits; a fraction is not a whole number.
    pub fn count(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> u32 {
        self.count_or(obj, key, path, false)
    }

    /// As [`Fields::count`], for a count the seat checks rest on: missing or null is an error,
    /// never a silent 0.
    pub fn count_required(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> u32 {
        self.count_or(obj, key, path, true)
    }

    pub(super) fn count_or(
        &mut self,
        obj: &Obj<'_>,
        key: &str,
        path: &dyn fmt::Display,
        required: bool,
    ) -> u32 {
        let v = match self.get(obj, key, path) {
            None | Some(Node::Null) if required => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("the seat count {key} is missing or null: the seats cannot be checked without it"),
                    "export GET /v1.0/subscribedSkus whole (no $select), or Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10",
                );
                return 0;
            }
            None | Some(Node::Null) => return 0,
            Some(v) => v,
        };
        let problem = match seat_count(v) {
            Ok(n) => return n,
            Err(p) => p,
        };
        let (message, hint) = match problem {
            Count::Negative(shown) => (
                format!("seat count {shown} is negative (out of range)"),
                "seat counts are zero or more; export subscribedSkus again",
            ),
            Count::TooLarge(shown) => (
                format!(
                    "seat count {shown} is too large (out of range: at most {})",
                    u32::MAX
                ),
                "seat counts are 32-bit in Graph; check the file",
            ),
            Count::NotWhole(shown) => (
                format!("expected a whole number, found {shown}"),
                "seat counts are whole numbers like 25",
            ),
        };
        self.fail(&format!("{path}.{key}"), key, message, hint);
        0
    }

    /// An array of objects (missing or null = `None`); a handful inline, as records hold few.
    pub fn objects<'v, 'a2>(
        &mut self,
        obj: &'v Obj<'a2>,
        key: &str,
        path: &dyn fmt::Display,
    ) -> Option<smallvec::SmallVec<[&'v Obj<'a2>; 4]>> {
        match self.get(obj, key, path) {
            None | Some(Node::Null) => None,
            Some(Node::Array(items)) => {
                let mut out = smallvec::SmallVec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::Object(o) => out.push(o),
                        Node::Str(s) if super::super::tables::is_type_name(s) => self.fail(
                            &format!("{path}.{key}[{i}]"),
                            key,
                            format!("holds {:?} instead of the object: Windows PowerShell's ConvertTo-Json flattens objects deeper than its default depth (2) to text, and what they held is lost", short(s)),
                            SHALLOW,
                        ),
                        other => self.fail(
                            &format!("{path}.{key}[{i}]"),
                            key,
                            format!("expected an object, found {}", kind(other)),
                            "export with ConvertTo-Json -Depth 10 so nested objects are kept",
                        ),
                    }
                }
                Some(out)
            }
            Some(Node::Str(s))
                if s.starts_with("Microsoft.Graph")
                    || s.starts_with("System.")
                    || super::super::tables::is_type_name(s) =>
            {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("holds the type name {:?} instead of the objects", short(s)),
                    SHALLOW,
                );
                None
            }
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected an array, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                None
            }
        }
    }

    /// An array of strings (missing or null = empty).
    pub fn strings(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> Vec<String> {
        match self.get(obj, key, path) {
            None | Some(Node::Null) => Vec::new(),
            Some(Node::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::Str(s) => out.push(s.as_ref().to_owned()),
                        other => self.fail(
                            &format!("{path}.{key}[{i}]"),
                            key,
                            format!("expected a string, found {}", kind(other)),
                            "export the field as Graph returns it",
                        ),
                    }
                }
                out
            }
            // ConvertTo-Json unwraps one-element arrays in some PowerShell versions.
            Some(Node::Str(s)) => vec![s.as_ref().to_owned()],
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected an array of strings, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                Vec::new()
            }
        }
    }

    pub fn plan_ids(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> PlanIds {
        let mut out = Vec::new();
        for (i, s) in self.strings(obj, key, path).into_iter().enumerate() {
            match PlanId::parse(&s) {
                Ok(p) => out.push(p),
                Err(e) => self.fail(
                    &format!("{path}.{key}[{i}]"),
                    key,
                    e.to_string(),
                    "disabledPlans holds servicePlanId GUIDs",
                ),
            }
        }
        out.into_iter().collect()
    }
}

/// Why a value is not a seat count, with the value as shown in the message.
pub(super) enum Count {
    Negative(String),
    TooLarge(String),
    NotWhole(String),
}

pub(super) fn seat_count(v: &Node<'_>) -> Result<u32, Count> {
    let out_of_range = |negative: bool, shown: String| {
        if negative {
            Count::Negative(shown)
        } else {
            Count::TooLarge(shown)
        }
    };
    match v {
        Node::Int(n) => u32::try_from(*n).map_err(|_| out_of_range(*n < 0, n.to_string())),
        Node::UInt(n) => Err(Count::TooLarge(n.to_string())),
        Node::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() >= 1.0 => {
            if *f < 0.0 || *f > f64::from(u32::MAX) {
                Err(out_of_range(*f < 0.0, format!("{f:e}")))
            } else {
                Err(Count::NotWhole(format!("{f} written as a decimal number")))
            }
        }
        Node::Float(f) => Err(Count::NotWhole(format!("the number {f}"))),
        Node::Str(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if digits.bytes().all(|b| b == b'0') {
                    Ok(0)
                } else if t.starts_with('-') {
                    Err(Count::Negative(short(t).into_owned()))
                } else {
                    t.parse::<u32>()
                        .map_err(|_| Count::TooLarge(short(t).into_owned()))
                }
            } else {
                Err(Count::NotWhole(format!("a string ({:?})", short(t))))
            }
        }
        other => Err(Count::NotWhole(other.kind().to_owned())),
    }
}

pub(super) fn kind(v: &Node<'_>) -> &'static str {
    v.kind()
}
