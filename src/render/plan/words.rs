//! The plan report's wording, shared by the terminal and documents: counts, minutes, durations, wave
//! names, the verdict's sentence and the warning of a plan that does little.

use std::collections::BTreeMap;

use crate::plan::doc::{Plan, Stage, WaveLabel};
use crate::simulate::report::ViolationKind;

pub(super) fn verdict_word(p: &Plan) -> &'static str {
    p.verdict.status.word()
}

/// What the first line says when the plan does little: it moves nobody, or holds back most of
/// its scope.
pub(super) fn scope_warning(p: &Plan) -> Option<String> {
    let s = &p.summary;
    if s.users_moving == 0 {
        Some(format!(
            "this plan moves nobody: {} held back and {} skipped of {} in scope",
            s.users_held_back,
            s.users_skipped,
            count(s.users_in_scope, "user", "users")
        ))
    } else if s.users_held_back * 2 > s.users_in_scope {
        Some(format!(
            "this plan holds back most of its scope: {} of {} in scope",
            s.users_held_back,
            count(s.users_in_scope, "user", "users")
        ))
    } else {
        None
    }
}

/// The scope warning after a dash (` — this plan moves nobody: …`), or nothing.
pub(super) fn dash_warning(p: &Plan) -> String {
    scope_warning(p).map_or_else(String::new, |w| format!(" — {w}"))
}

/// Why a verdict is what it is, in one sentence after the word.
pub(super) fn verdict_sentence(p: &Plan) -> String {
    use crate::simulate::report::VerdictStatus as V;
    match p.verdict.status {
        V::Safe => "The simulation of every stage and wave finds no loss of license or service and no seat shortage, on complete evidence.".to_owned(),
        V::Unsafe => "The simulation marks the plan unsafe.".to_owned(),
        V::NotProven => format!(
            "The simulation finds no loss, but {} could not run on the exports read: the plan is not proven safe.",
            count(p.verdict.unchecked.len() as u64, "check", "checks")
        ),
    }
}

/// A least time as people read it, its two largest units: `3 d 2 h`, `1 h 5 min`, `45 s`
/// (parts of a second count as a second; smaller units past the two are left out).
pub(super) fn duration(minutes: f64) -> String {
    let secs = if minutes.is_finite() && minutes > 0.0 {
        // `as` saturates; a millionth of a second of float noise is not a second.
        (minutes * 60.0 - 1e-6).ceil().max(0.0) as u64
    } else {
        0
    };
    let parts = [
        (secs / 86_400, "d"),
        (secs % 86_400 / 3_600, "h"),
        (secs % 3_600 / 60, "min"),
        (secs % 60, "s"),
    ];
    match parts.iter().position(|(n, _)| *n > 0) {
        None => "0 s".to_owned(),
        Some(i) => {
            let mut out = format!("{} {}", parts[i].0, parts[i].1);
            if let Some((n, unit)) = parts.get(i + 1).filter(|(n, _)| *n > 0) {
                out.push_str(&format!(" {n} {unit}"));
            }
            out
        }
    }
}

/// `n` followed by the noun, singular for one.
pub(super) fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A stage's actions, its waves' included.
pub(super) fn stage_actions(st: &Stage) -> usize {
    st.actions.len() + st.waves.iter().map(|w| w.actions.len()).sum::<usize>()
}

/// Users per wave: `pilot 10, 25, 25, 9`.
pub(super) fn wave_sizes(st: &Stage) -> String {
    if st.waves.is_empty() {
        return "-".to_owned();
    }
    st.waves
        .iter()
        .map(|w| {
            if w.label == WaveLabel::Pilot {
                format!("pilot {}", w.users)
            } else {
                w.users.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A wave as named in the seat forecast: `wave 1 (pilot)`.
pub(super) fn wave_name(p: &Plan, stage: u32, wave: u32) -> String {
    let label = p
        .stages
        .iter()
        .find(|s| s.number == stage)
        .and_then(|s| s.waves.iter().find(|w| w.number == wave))
        .map(|w| w.label.as_str());
    match label {
        Some("pilot") => format!("wave {wave} (pilot)"),
        _ => format!("wave {wave}"),
    }
}

pub(super) fn kind_word(k: ViolationKind) -> &'static str {
    match k {
        ViolationKind::Loss => "loss",
        ViolationKind::Seats => "seats",
    }
}

/// A user as a report names them: the UPN, else the object id.
pub(super) fn user_of(upn: Option<&str>, id: &dyn std::fmt::Display) -> String {
    upn.map_or_else(|| id.to_string(), str::to_owned)
}

/// Held-back users by reason, most frequent first: `CountViolation: 3, existing-error: 1`.
pub(super) fn reasons(p: &Plan) -> String {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for h in &p.held_back {
        *by.entry(h.reason.as_str()).or_default() += 1;
    }
    let mut v: Vec<(&str, u64)> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(r, n)| format!("{r}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_in_their_two_largest_units() {
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(duration(5.0 * 2.5 / 2400.0), "1 s");
        assert_eq!(duration(0.75), "45 s");
        assert_eq!(duration(2.5), "2 min 30 s");
        assert_eq!(duration(65.0), "1 h 5 min");
        assert_eq!(duration(3.0 * 1440.0 + 120.0 + 7.0), "3 d 2 h");
        assert_eq!(duration(1440.0), "1 d");
        assert_eq!(duration(f64::NAN), "0 s");
        assert_eq!(duration(-3.0), "0 s");
        assert!(duration(f64::MAX).ends_with(" h") || duration(f64::MAX).ends_with(" d"));
    }
}
