//! Code tables: an enum whose every variant has a stable spelling (a Graph name or a kebab-case
//! code that scripts match on), a one-line description and a fix, written once in one table.
//!
//! `code_table!` makes the enum and `ALL`, `as_str`, `description`, `fix` and `from_code` (the
//! exact spelling back to the variant). Each table has a unit test that its codes are unique and
//! parse back ([`assert_table`]).

/// Declares a code table (see the module documentation).
#[macro_export]
macro_rules! code_table {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $code:literal, $desc:literal, $fix:literal;
            )*
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),*
        }

        impl $name {
            /// Every code, in the table's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $($name::$variant => $desc),* }
            }

            /// What to do about it.
            pub fn fix(self) -> &'static str {
                match self { $($name::$variant => $fix),* }
            }

            /// The code spelled exactly as [`Self::as_str`] gives it.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.as_str() == code)
            }
        }
    };
}

/// Checks a table: codes unique, each parsing back to its variant, descriptions and fixes
/// written. For the tables' unit tests.
#[cfg(test)]
pub fn assert_table<T: Copy + PartialEq + std::fmt::Debug>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    parse: impl Fn(&str) -> Option<T>,
    texts: impl Fn(T) -> (&'static str, &'static str),
) {
    let codes: std::collections::BTreeSet<&str> = all.iter().map(|c| code(*c)).collect();
    assert_eq!(codes.len(), all.len(), "codes are not unique: {codes:?}");
    for c in all {
        assert_eq!(parse(code(*c)), Some(*c), "{c:?} does not parse back");
        let (desc, fix) = texts(*c);
        assert!(!desc.trim().is_empty() && !fix.trim().is_empty(), "{c:?}");
        assert!(desc.len() < 300 && !desc.contains('\n'), "{c:?}: one line");
    }
}
