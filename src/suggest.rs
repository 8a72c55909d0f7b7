//! "Did you mean ENTERPRISEPACK?": the closest known name to one that did not resolve.
//!
//! Names are compared case-insensitively with separators (spaces, `-`, `_`, `.`) left out, by
//! edit distance (Levenshtein), so `enterprise pack`, `ENTERPRISPACK` and `lic_o365_e3` all
//! find their name. The answer is deterministic whatever order the candidates come in: the
//! smallest distance wins, then the smallest name.
//!
//! Cost is bounded: a name longer than [`MAX_CHARS`] gets no suggestion, a candidate whose
//! length differs from the name's by more than the allowed distance is skipped at once, the
//! distance is computed in a band of that width and given up as soon as it is exceeded, and
//! at most [`MAX_CANDIDATES`] candidates are looked at (callers with more — the users of a
//! large tenant — offer none).

/// Names longer than this (in characters) get no suggestion.
pub const MAX_CHARS: usize = 128;

/// Candidates looked at, at most, for one name.
pub const MAX_CANDIDATES: usize = 20_000;

/// The edit distance a suggestion may be at: a quarter of the name's length, at least 1.
fn allowed(chars: usize) -> usize {
    (chars / 4).max(1)
}

/// A name as compared: lower case, without separators.
fn key(s: &str) -> Vec<char> {
    s.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The known name closest to `wanted`, if one is near enough; `None` when `wanted` is itself
/// known (the caller's lookup failed for another reason, say it is ambiguous).
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = key(wanted);
    if w.is_empty() || w.len() > MAX_CHARS {
        return None;
    }
    let limit = allowed(w.len());
    let mut best: Option<(usize, &'a str)> = None;
    let mut buf = Vec::new();
    for candidate in known.into_iter().take(MAX_CANDIDATES) {
        let c = key(candidate);
        if c.is_empty() || c.len().abs_diff(w.len()) > limit {
            continue;
        }
        let bound = best.map_or(limit, |(d, _)| d.min(limit));
        let Some(d) = distance(&w, &c, bound, &mut buf) else {
            continue;
        };
        if d == 0 && candidate.trim().eq_ignore_ascii_case(wanted.trim()) {
            // The name itself: nothing to suggest.
            return None;
        }
        let better = match best {
            None => true,
            Some((bd, bn)) => d < bd || (d == bd && candidate < bn),
        };
        if better {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, n)| n)
}

/// `" (did you mean X?)"`-style text for a hint: `did you mean "X"? ` or nothing.
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match closest(wanted, known) {
        Some(n) => format!("did you mean {}? ", crate::docfile::bounded(n)),
        None => String::new(),
    }
}

/// Levenshtein distance of `a` and `b` if it is at most `bound`, computed in the band of
/// width `bound` around the diagonal: O(len × bound).
fn distance(a: &[char], b: &[char], bound: usize, row: &mut Vec<usize>) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let big = bound + 1;
    row.clear();
    row.extend((0..=b.len()).map(|j| if j <= bound { j } else { big }));
    for (i, ca) in a.iter().enumerate() {
        let i = i + 1;
        let lo = i.saturating_sub(bound).max(1);
        let hi = (i + bound).min(b.len());
        // row[j-1] of this row, and row[j-1] of the previous row (the diagonal).
        let mut diag = row[lo - 1];
        row[lo - 1] = if lo == 1 && i <= bound { i } else { big };
        let mut row_min = row[lo - 1];
        for j in lo..=hi {
            let up = row[j];
            let cost = usize::from(*ca != b[j - 1]);
            let v = (diag + cost).min(up + 1).min(row[j - 1] + 1).min(big);
            diag = up;
            row[j] = v;
            row_min = row_min.min(v);
        }
        if hi < b.len() {
            row[hi + 1] = big;
        }
        if row_min > bound {
            return None;
        }
    }
    let d = row[b.len()];
    (d <= bound).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(wanted: &str, known: &[&str], expected: Option<&str>) {
        assert_eq!(closest(wanted, known.iter().copied()), expected, "{wanted}");
        // Whatever the order.
        let mut rev = known.to_vec();
        rev.reverse();
        assert_eq!(closest(wanted, rev), expected, "{wanted} reversed");
    }

    #[test]
    fn the_closest_name_case_and_separators_aside() {
        let skus = ["ENTERPRISEPACK", "STANDARDPACK", "SPE_E3", "Office 365 E3"];
        case("ENTERPRISPACK", &skus, Some("ENTERPRISEPACK"));
        case("enterprise pack", &skus, Some("ENTERPRISEPACK"));
        case("Office 365 E7", &skus, Some("Office 365 E3"));
        case("spe-e3", &skus, Some("SPE_E3"));
        case("TELEPORTATION", &skus, None);
        case("", &skus, None);
        // The name itself is not suggested.
        case("enterprisepack", &skus, None);
        case("grup", &["group", "user"], Some("group"));
        case(
            "disabled_plan",
            &["group", "sku", "disabled_plans"],
            Some("disabled_plans"),
        );
        // Ties go to the smaller name.
        case("ab", &["ac", "aa"], Some("aa"));
        case(
            "christie@contoso.co",
            &["christie@contoso.com", "alex@contoso.com"],
            Some("christie@contoso.com"),
        );
        case(
            "nobody@contoso.com",
            &["alex@contoso.com", "megan@contoso.com"],
            None,
        );
    }

    #[test]
    fn the_banded_distance_is_levenshtein_within_its_bound() {
        let naive = |a: &[char], b: &[char]| {
            let mut prev: Vec<usize> = (0..=b.len()).collect();
            for (i, ca) in a.iter().enumerate() {
                let mut cur = vec![i + 1];
                for (j, cb) in b.iter().enumerate() {
                    let v = (prev[j] + usize::from(ca != cb))
                        .min(prev[j + 1] + 1)
                        .min(cur[j] + 1);
                    cur.push(v);
                }
                prev = cur;
            }
            prev[b.len()]
        };
        let words = [
            "", "a", "ab", "ba", "abc", "kitten", "sitting", "saturday", "sunday", "abcdef",
            "azced",
        ];
        let mut buf = Vec::new();
        for a in words {
            for b in words {
                let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let d = naive(&a, &b);
                for bound in 0..6 {
                    let got = distance(&a, &b, bound, &mut buf);
                    assert_eq!(got, (d <= bound).then_some(d), "{a:?} {b:?} bound {bound}");
                }
            }
        }
    }

    #[test]
    fn long_names_and_many_candidates_stay_cheap() {
        let long = "x".repeat(100_000);
        assert_eq!(closest(&long, ["x"]), None);
        let many: Vec<String> = (0..1_000_000)
            .map(|i| format!("user{i}@contoso.com"))
            .collect();
        let t = std::time::Instant::now();
        let _ = closest("usr5@contoso.com", many.iter().map(String::as_str));
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
    }
}
