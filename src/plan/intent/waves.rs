//! The `waves` fields an intent adds to the pilot's size and the waves' size: a pilot named by a
//! file or a group, and the soaks (`waves.pilot_soak`, `waves.soak`).

use std::path::Path;

use super::refs::scope;
use super::{err, keep, size_text, PilotUsers, Scope, SizeText, DEFAULT_PILOT_SOAK};
use crate::ingest::error::{InputError, InputErrors};
use crate::model::{Tenant, UserId};

/// The users `waves.pilot: file:<path>` (one UPN or object id a line, relative to the intent, as
/// `users:` scopes) or `group:<id or name>` (its direct user members) names.
pub(super) fn named_pilot(
    path: &Path,
    text: &str,
    tenant: &Tenant,
) -> Result<PilotUsers, InputErrors> {
    let t = text.trim();
    let as_scope = match t.strip_prefix("file:") {
        Some(f) => format!("users:{f}"),
        None => t.to_owned(),
    };
    let mut users: Vec<UserId> = match scope(path, "waves.pilot", &as_scope, tenant)? {
        Scope::Users(us) => us,
        Scope::Group(g) => tenant
            .groups
            .get(&g)
            .map(|g| g.user_members().collect())
            .unwrap_or_default(),
        Scope::DirectHolders => Vec::new(),
    };
    users.sort();
    users.dedup();
    Ok(PilotUsers {
        text: t.to_owned(),
        users,
    })
}

/// Seconds in a soak time: `0`, or one or more `<whole number><unit>` (`d`, `h`, `m`, `s`),
/// spaces between them allowed (`1d 12h`); or why it is not one.
pub(super) fn duration(v: &SizeText) -> Result<u64, &'static str> {
    const TOO_LARGE: &str = ": too long (at most 10000 days)";
    const MAX: u64 = 10_000 * 86_400;
    let t = match v {
        SizeText::Whole(0) => return Ok(0),
        SizeText::Whole(_) | SizeText::Fraction(_) => {
            return Err(": write its unit (1d, 4h, 30m, 45s)")
        }
        SizeText::Negative => return Err(": it is negative"),
        SizeText::Text(t) => t.trim(),
        SizeText::Other(_) => return Err(""),
    };
    if t == "0" {
        return Ok(0);
    }
    let mut total: u64 = 0;
    let mut rest = t;
    let mut parts = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(if rest.starts_with('-') {
                ": it is negative"
            } else {
                ": write a whole number then its unit (1d, 4h, 30m, 45s)"
            });
        }
        let n: u64 = rest[..digits].parse().map_err(|_| TOO_LARGE)?;
        rest = rest[digits..].trim_start();
        let unit = rest
            .chars()
            .next()
            .ok_or(": write its unit (1d, 4h, 30m, 45s)")?;
        let secs = match unit {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(": the units are d, h, m and s"),
        };
        rest = rest[unit.len_utf8()..].trim_start();
        total = n
            .checked_mul(secs)
            .and_then(|x| total.checked_add(x))
            .filter(|x| *x <= MAX)
            .ok_or(TOO_LARGE)?;
        parts += 1;
    }
    if parts == 0 {
        return Err("");
    }
    Ok(total)
}

/// The pilot's soak and the later waves' soak in seconds (defaults: a day, none), each bad
/// value an error naming its field.
pub(super) fn soaks(
    path: &Path,
    pilot_soak: &Option<SizeText>,
    soak: &Option<SizeText>,
    errors: &mut Vec<InputError>,
) -> (u64, u64) {
    let soak_of = |field: &str, v: &Option<SizeText>, default: u64| match v {
        None => Ok(default),
        Some(v) => duration(v).map_err(|why| {
            err(
                path,
                field,
                format!("{} is not a soak time{why}", size_text(v)),
                "write a time with its unit: 1d, 4h, 30m, 45s, or several (1d 12h); 0 for none",
            )
        }),
    };
    let pilot = keep(
        errors,
        soak_of("waves.pilot_soak", pilot_soak, DEFAULT_PILOT_SOAK),
    )
    .unwrap_or(DEFAULT_PILOT_SOAK);
    let later = keep(errors, soak_of("waves.soak", soak, 0)).unwrap_or(0);
    (pilot, later)
}

#[cfg(test)]
mod tests {
    use super::{duration, SizeText};

    #[test]
    fn soak_times_take_units_and_refuse_the_rest() {
        let t = |s: &str| duration(&SizeText::Text(s.into()));
        assert_eq!(t("1d"), Ok(86_400));
        assert_eq!(t("4h"), Ok(14_400));
        assert_eq!(t("30m"), Ok(1_800));
        assert_eq!(t("45s"), Ok(45));
        assert_eq!(t("1d 12h"), Ok(129_600));
        assert_eq!(t(" 2 h "), Ok(7_200));
        assert_eq!(t("0"), Ok(0));
        assert_eq!(duration(&SizeText::Whole(0)), Ok(0));
        for bad in [
            "",
            "1",
            "1x",
            "d",
            "-1d",
            "1.5h",
            "1d2",
            "99999999999999999999d",
            "10001d",
        ] {
            assert!(t(bad).is_err(), "{bad:?}");
        }
        assert!(duration(&SizeText::Whole(5)).is_err());
        assert!(duration(&SizeText::Negative).is_err());
        assert!(duration(&SizeText::Other("a list")).is_err());
    }
}
