//! When each export file was taken, from evidence in its data only (never the file's
//! modification time, which a copy or a checkout changes): a response saved with its headers
//! (`curl -i`) carries the HTTP `Date` Graph answered at; otherwise the newest
//! `lastUpdatedDateTime` among a users file's license assignment states is a lower bound (the
//! export was taken no earlier); otherwise it is not recorded.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A moment in UTC, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(pub i64);

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, secs) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        iso_datetime(&s).ok_or_else(|| serde::de::Error::custom(format!("not a UTC time: {s:?}")))
    }
}

/// When one file was taken, and what says so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "kebab-case")]
pub enum Taken {
    /// The saved response's HTTP `Date` header: when Graph answered.
    HttpDate(Stamp),
    /// The newest `lastUpdatedDateTime` of the file's license assignment states: the file was
    /// taken no earlier.
    NotBefore(Stamp),
    /// Nothing in the file says.
    #[default]
    NotRecorded,
}

impl Taken {
    pub fn stamp(self) -> Option<Stamp> {
        match self {
            Taken::HttpDate(s) | Taken::NotBefore(s) => Some(s),
            Taken::NotRecorded => None,
        }
    }
}

impl fmt::Display for Taken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Taken::HttpDate(s) => write!(f, "taken {s} (HTTP Date)"),
            Taken::NotBefore(s) => write!(f, "taken not before {s} (newest lastUpdatedDateTime)"),
            Taken::NotRecorded => f.write_str("date not recorded"),
        }
    }
}

/// When the whole export was taken: the earliest and latest of its files' dates, said as what
/// they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportTaken {
    /// The earliest of the files' dates (a response's Date, or a lower bound).
    pub earliest: Option<Stamp>,
    /// The latest of them.
    pub latest: Option<Stamp>,
    /// Files dated by their response's HTTP `Date` header.
    pub http_date: u64,
    /// Files with only a lower bound (`lastUpdatedDateTime`).
    pub not_before: u64,
    pub not_recorded: u64,
    /// The above in a sentence, e.g. `taken 2026-12-01T08:00:00Z to 2026-12-01T08:04:10Z (the
    /// HTTP Date of 7 saved responses)`.
    pub said: String,
}

impl ExportTaken {
    /// The summary of the files' dates.
    pub fn of(files: impl IntoIterator<Item = Taken>) -> ExportTaken {
        let mut t = ExportTaken::default();
        let mut dated = Vec::new();
        let mut bounds = Vec::new();
        for f in files {
            match f {
                Taken::HttpDate(s) => dated.push(s),
                Taken::NotBefore(s) => bounds.push(s),
                Taken::NotRecorded => t.not_recorded += 1,
            }
        }
        t.http_date = dated.len() as u64;
        t.not_before = bounds.len() as u64;
        let all = dated.iter().chain(&bounds);
        t.earliest = all.clone().min().copied();
        t.latest = all.max().copied();
        let span = |v: &[Stamp]| {
            let (lo, hi) = (v.iter().min(), v.iter().max());
            match (lo, hi) {
                (Some(lo), Some(hi)) if lo == hi => format!("{lo}"),
                (Some(lo), Some(hi)) => format!("{lo} to {hi}"),
                _ => String::new(),
            }
        };
        let files = |n: usize| if n == 1 { "file" } else { "files" };
        let mut parts = Vec::new();
        if !dated.is_empty() {
            parts.push(format!(
                "taken {} (the HTTP Date of {} saved {})",
                span(&dated),
                dated.len(),
                if dated.len() == 1 {
                    "response"
                } else {
                    "responses"
                }
            ));
        }
        if !bounds.is_empty() {
            let newest = bounds.iter().max().copied().unwrap_or(Stamp(0));
            parts.push(format!(
                "{} {} taken not before {newest} (the newest lastUpdatedDateTime of their license states)",
                bounds.len(),
                files(bounds.len())
            ));
        }
        let none = t.not_recorded as usize;
        if parts.is_empty() {
            parts.push("when the export was taken is not recorded (no saved response's Date header, no lastUpdatedDateTime)".to_owned());
        } else if none > 0 {
            parts.push(format!("{none} {} not dated", files(none)));
        }
        t.said = parts.join("; ");
        t
    }
}

/// The time an HTTP `Date` header gives (`Tue, 01 Dec 2026 08:00:00 GMT`, RFC 9110's
/// IMF-fixdate; the obsolete RFC 850 and asctime forms are not read).
pub fn http_date(value: &str) -> Option<Stamp> {
    let rest = value.trim().split_once(',')?.1.trim();
    let mut it = rest.split_ascii_whitespace();
    let day: u32 = it.next()?.parse().ok()?;
    let month = it.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let year: i64 = it.next()?.parse().ok()?;
    let secs = clock(it.next()?)?;
    if !it.next()?.eq_ignore_ascii_case("GMT") || it.next().is_some() {
        return None;
    }
    stamp(year, month, day, secs)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The time a Graph `DateTimeOffset` gives: `2026-10-01T08:00:00Z`, with fractional seconds or
/// an offset (`+02:00`); without one it is read as UTC. PowerShell 5.1's `ConvertTo-Json`
/// spelling `/Date(1790582400000)/` is read too.
pub fn iso_datetime(value: &str) -> Option<Stamp> {
    let v = value.trim();
    if let Some(ms) = v.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(ms+0200)/`: the offset only says how it was shown; the milliseconds are UTC.
        let end = ms[1..].find(['+', '-']).map_or(ms.len(), |i| i + 1);
        return ms[..end]
            .parse::<i64>()
            .ok()
            .map(|ms| Stamp(ms.div_euclid(1000)));
    }
    let (date, time) = v.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-');
    let year: i64 = digits(d.next()?, 4)?;
    let month = digits(d.next()?, 2)? as u32;
    let day = digits(d.next()?, 2)? as u32;
    let (clock_part, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, ""),
    };
    let clock_part = clock_part.split_once('.').map_or(clock_part, |(c, frac)| {
        if frac.bytes().all(|b| b.is_ascii_digit()) {
            c
        } else {
            ""
        }
    });
    let secs = clock(clock_part)?;
    let offset = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, m) = o[1..].split_once(':').unwrap_or((&o[1..], "00"));
            sign * (digits(h, 2)? * 3600 + digits(m, 2)? * 60)
        }
    };
    stamp(year, month, day, secs).map(|s| Stamp(s.0 - offset))
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `HH:MM:SS` as seconds of the day.
fn clock(s: &str) -> Option<i64> {
    let mut it = s.split(':');
    let (h, m, sec) = (
        digits(it.next()?, 2)?,
        digits(it.next()?, 2)?,
        digits(it.next()?, 2)?,
    );
    (it.next().is_none() && h < 24 && m < 60 && sec < 61).then_some(h * 3600 + m * 60 + sec)
}

fn stamp(year: i64, month: u32, day: u32, secs: i64) -> Option<Stamp> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let max = *days_in.get(month.checked_sub(1)? as usize)?;
    if !(1..=max).contains(&day) || !(1..=9999).contains(&year) {
        return None;
    }
    Some(Stamp(days_from_civil(year, month, day) * 86_400 + secs))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The newest `lastUpdatedDateTime` among a user record's license assignment states.
pub(crate) fn newest_state_update(obj: &super::node::Obj<'_>) -> Option<Stamp> {
    let Some(super::node::Node::Array(states)) = super::graph::get(obj, "licenseAssignmentStates")
    else {
        return None;
    };
    states
        .iter()
        .filter_map(|s| match s {
            super::node::Node::Object(s) => super::graph::get(s, "lastUpdatedDateTime")
                .and_then(super::node::Node::as_str)
                .and_then(iso_datetime),
            _ => None,
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_http_date_and_prints_it_in_utc() {
        let s = http_date("Tue, 01 Dec 2026 08:00:05 GMT").expect("a date");
        assert_eq!(s.to_string(), "2026-12-01T08:00:05Z");
        assert_eq!(
            http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Stamp(784_111_777))
        );
        for bad in [
            "",
            "Tue 01 Dec 2026 08:00:05 GMT",
            "Tue, 31 Feb 2026 08:00:05 GMT",
            "Tue, 01 Dec 2026 25:00:05 GMT",
            "Tue, 01 Foo 2026 08:00:05 GMT",
            "Tue, 01 Dec 2026 08:00:05 CET",
        ] {
            assert_eq!(http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_graph_date_times_with_fractions_offsets_and_powershell_51() {
        let z = Some(Stamp(1_790_582_400));
        assert_eq!(Stamp(1_790_582_400).to_string(), "2026-09-28T08:00:00Z");
        assert_eq!(iso_datetime("2026-09-28T08:00:00Z"), z);
        assert_eq!(iso_datetime("2026-09-28T08:00:00.1234567Z"), z);
        assert_eq!(iso_datetime("2026-09-28T10:00:00+02:00"), z);
        assert_eq!(iso_datetime("2026-09-28T03:30:00-04:30"), z);
        assert_eq!(iso_datetime("2026-09-28T08:00:00"), z);
        assert_eq!(iso_datetime("/Date(1790582400000)/"), z);
        assert_eq!(iso_datetime("/Date(1790582400000+0200)/"), z);
        assert_eq!(iso_datetime("/Date(-1000)/"), Some(Stamp(-1)));
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-09-28",
            "2026-9-28T08:00:00Z",
        ] {
            assert_eq!(iso_datetime(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn days_round_trip_across_leap_years_and_eras() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(Stamp(951_782_400).to_string(), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn the_export_summary_says_what_its_dates_are() {
        let at = |s| Taken::HttpDate(Stamp(s));
        let t = ExportTaken::of([at(100), at(50), Taken::NotRecorded]);
        assert_eq!((t.earliest, t.latest), (Some(Stamp(50)), Some(Stamp(100))));
        assert_eq!((t.http_date, t.not_before, t.not_recorded), (2, 0, 1));
        assert_eq!(
            t.said,
            "taken 1970-01-01T00:00:50Z to 1970-01-01T00:01:40Z (the HTTP Date of 2 saved responses); 1 file not dated"
        );
        let t = ExportTaken::of([Taken::NotBefore(Stamp(7)), Taken::NotBefore(Stamp(9))]);
        assert_eq!(t.said, "2 files taken not before 1970-01-01T00:00:09Z (the newest lastUpdatedDateTime of their license states)");
        let t = ExportTaken::of([Taken::NotRecorded]);
        assert_eq!((t.earliest, t.latest), (None, None));
        assert!(t.said.contains("not recorded"), "{}", t.said);
        let json = serde_json::to_string(&at(0)).expect("serializes");
        assert_eq!(json, r#"{"kind":"http-date","at":"1970-01-01T00:00:00Z"}"#);
        let json = serde_json::to_string(&Taken::NotRecorded).expect("serializes");
        assert_eq!(json, r#"{"kind":"not-recorded"}"#);
    }
}
