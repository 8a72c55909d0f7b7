//! Text normalisation for catalog names, and splitting of admin-center `Licenses` cells.

/// Normalises a catalog or export field for display: trims it and collapses every run of
/// whitespace (tabs and no-break spaces included) into one space.
///
/// The bundled CSV has `RIGHTSMANAGEMENT_CE_GOV<TAB>`, a GUID and part number followed by a
/// no-break space, and a service-plan name spelt `Virtualization \tRights \tfor \t…`; all of
/// them come out clean.
pub(crate) fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The key names are compared by: [`normalise`]d and lower-cased (Unicode-aware, so the usage
/// report's `BÁSICO` meets `Básico`).
pub(crate) fn key(s: &str) -> String {
    normalise(s).to_lowercase()
}

/// One product named in an admin-center `Licenses` cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamePart<'a> {
    /// The name as the cell spells it, trimmed.
    pub text: &'a str,
    /// Whether `is_known` recognised it (a catalog display name); unknown parts are typically
    /// names localised to the admin's language.
    pub known: bool,
}

/// Splits an admin-center `Licenses` cell into product display names.
///
/// The admin center joins display names with `+` and no spaces, e.g.
/// `Microsoft Power Automate Free+Enterprise Mobility + Security E5+Office 365 E3`, and some names
/// contain ` + ` themselves, so the cell is never split blindly. From each position the longest
/// name that `is_known` accepts and that ends at the end of the cell or right before a `+` is
/// taken (`is_known` should compare case-insensitively: the usage report upper-cases names).
/// Where no known name starts, the unknown part runs to the next `+` that does not have
/// whitespace on both sides, so a localised name such as `Microsoft 365 Empresa Básico` stays one
/// part. `Unlicensed` (any case) and an empty cell give no parts; empty segments (a doubled `+`)
/// are skipped.
///
/// `max_plus` is the most `+` signs any name `is_known` accepts holds (see [`plus_count`]; the
/// bundled catalog's names hold at most one): a candidate holding more cannot be known, so it is
/// never tried.
///
/// Cost: linear in the cell's length. From each position at most `max_plus + 2` candidates are
/// tried, each spanning at most `max_plus + 1` of the cell's `+`-separated segments, so every
/// byte of the cell is looked at `O(max_plus²)` times whatever the number of `+` signs (a cell
/// of 2,000 names is 2,000 steps, not 2,000³). `is_known` is expected to be a hash lookup.
pub fn split_product_names<'a>(
    joined: &'a str,
    max_plus: usize,
    is_known: &dyn Fn(&str) -> bool,
) -> Vec<NamePart<'a>> {
    let cell = joined.trim();
    if cell.is_empty() || cell.eq_ignore_ascii_case("unlicensed") {
        return Vec::new();
    }
    // Byte offsets of every '+'; ASCII, so each one is a char boundary.
    let plus: Vec<usize> = cell.match_indices('+').map(|(i, _)| i).collect();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut first_plus = 0; // index into `plus` of the first '+' at or after `start`
    loop {
        while plus.get(first_plus).is_some_and(|&p| p < start) {
            first_plus += 1;
        }
        let later = plus.get(first_plus..).unwrap_or_default();
        // Longest known name first: the end of the cell, then each '+' from the last one back;
        // only ends leaving at most `max_plus` '+' signs inside the name. The name ending at
        // `later[j]` holds `later[..j]`, so `j` goes up to `max_plus`.
        let reach = later.get(..=max_plus).unwrap_or(later);
        let to_end = (later.len() <= max_plus).then_some(cell.len());
        let known = to_end
            .into_iter()
            .chain(reach.iter().rev().copied())
            .find_map(|end| {
                let text = cell.get(start..end)?.trim();
                (!text.is_empty() && is_known(text)).then_some((end, text))
            });
        let (end, text, known) = match known {
            Some((end, text)) => (end, text, true),
            None => {
                let end = later
                    .iter()
                    .copied()
                    .find(|&p| is_separator(cell, p))
                    .unwrap_or(cell.len());
                (end, cell.get(start..end).unwrap_or_default().trim(), false)
            }
        };
        if !text.is_empty() {
            parts.push(NamePart { text, known });
        }
        if end >= cell.len() {
            break;
        }
        start = end + 1;
    }
    parts
}

/// How many `+` signs a name holds: the `max_plus` of [`split_product_names`] is the largest
/// of these over the names it should know. Normalising and lower-casing keep it.
pub fn plus_count(name: &str) -> usize {
    name.bytes().filter(|&b| b == b'+').count()
}

/// Whether the `+` at byte `at` separates names: it does unless whitespace is on both sides of
/// it (as in `Enterprise Mobility + Security E5`).
fn is_separator(cell: &str, at: usize) -> bool {
    let before = cell.get(..at).and_then(|s| s.chars().next_back());
    let after = cell.get(at + 1..).and_then(|s| s.chars().next());
    !(before.is_some_and(char::is_whitespace) && after.is_some_and(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(cell: &str, known_names: &[&str], expected: &[(&str, bool)]) {
        let keys: Vec<String> = known_names.iter().map(|n| key(n)).collect();
        let is_known = |s: &str| keys.contains(&key(s));
        let max_plus = known_names.iter().map(|n| plus_count(n)).max().unwrap_or(0);
        let got: Vec<(&str, bool)> = split_product_names(cell, max_plus, &is_known)
            .into_iter()
            .map(|p| (p.text, p.known))
            .collect();
        assert_eq!(got, expected, "splitting {cell:?}");
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalise(" RIGHTSMANAGEMENT_CE_GOV\t"),
            "RIGHTSMANAGEMENT_CE_GOV"
        );
        assert_eq!(normalise("MCOCAP_FACULTY\u{a0}"), "MCOCAP_FACULTY");
        assert_eq!(
            normalise("Virtualization \tRights \tfor \tWindows \t10 \t(E3/E5+VDA)"),
            "Virtualization Rights for Windows 10 (E3/E5+VDA)"
        );
        assert_eq!(
            key("MICROSOFT 365 EMPRESA BÁSICO"),
            "microsoft 365 empresa básico"
        );
    }

    #[test]
    fn splitting_with_a_synthetic_name_list() {
        let names = ["A + B", "A", "C", "A + B+C"];
        // Longest known name wins, even across a '+' with no spaces.
        case("A + B+C", &names, &[("A + B+C", true)]);
        case("A + B+A", &names, &[("A + B", true), ("A", true)]);
        case("C+A + B", &names, &[("C", true), ("A + B", true)]);
        // Unknown runs to the next '+' without spaces around it.
        case("X + Y+C", &names, &[("X + Y", false), ("C", true)]);
        case("C+X+Y", &names, &[("C", true), ("X", false), ("Y", false)]);
        // Doubled, leading and trailing '+' leave no empty parts.
        case("+C++A+", &names, &[("C", true), ("A", true)]);
        case(" c+a ", &names, &[("c", true), ("a", true)]);
        case("", &names, &[]);
        case("   ", &names, &[]);
        case("UNLICENSED", &names, &[]);
        case("Unlicensed", &names, &[]);
        case("+", &names, &[]);
        case("Z", &names, &[("Z", false)]);
    }

    #[test]
    fn bounding_the_plus_signs_tried_changes_no_result() {
        let names = ["A + B", "A", "C", "A + B+C", "D+E + F+G", "B+C"];
        let keys: Vec<String> = names.iter().map(|n| key(n)).collect();
        let is_known = |s: &str| keys.contains(&key(s));
        let max_plus = names.iter().map(|n| plus_count(n)).max().unwrap_or(0);
        assert_eq!(max_plus, 3);
        // Every cell of up to five segments drawn from these pieces.
        let pieces = ["A", " B", "A + B", "C", "D", "E + F", "G", "", "X + Y"];
        let mut cells = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for c in &cells {
                for p in pieces {
                    next.push(if c.is_empty() {
                        p.to_owned()
                    } else {
                        format!("{c}+{p}")
                    });
                }
            }
            cells.extend(next);
            cells.dedup();
        }
        for cell in &cells {
            assert_eq!(
                split_product_names(cell, max_plus, &is_known),
                split_product_names(cell, usize::MAX, &is_known),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn a_long_cell_costs_a_few_lookups_per_name() {
        let calls = std::cell::Cell::new(0usize);
        let is_known = |s: &str| {
            calls.set(calls.get() + 1);
            key(s) == "enterprise mobility + security e5"
        };
        let cell = vec!["Enterprise Mobility + Security E5"; 20_000].join("+");
        let parts = split_product_names(&cell, 1, &is_known);
        assert_eq!(parts.len(), 20_000);
        assert!(parts.iter().all(|p| p.known));
        // Up to `max_plus + 2` candidates from each of the 20,000 names' starts.
        assert!(calls.get() <= 3 * 20_000, "{} lookups", calls.get());
    }
}
