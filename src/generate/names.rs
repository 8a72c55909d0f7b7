//! People's names for generated users, and their UPNs.
//!
//! A user's name is a pure function of its index, so later passes (group members, memberships)
//! can name a user again without storing anything: the index modulo `F·L` (first names × last
//! names) goes through a keyed permutation of the (first, last) pairs, and every further round of
//! `F·L` users gets a numeric suffix, which makes every UPN unique by construction.

/// First names (display spelling). Their ASCII folds (see [`ascii_fold`]) are distinct.
const FIRST: &[&str] = &[
    "Aaron",
    "Adele",
    "Aisha",
    "Akira",
    "Alejandro",
    "Alex",
    "Allan",
    "Amara",
    "Amelia",
    "Ananya",
    "Anika",
    "Anton",
    "Aryan",
    "Beatriz",
    "Ben",
    "Bianca",
    "Björn",
    "Camille",
    "Carlos",
    "Chen",
    "Chiara",
    "Chloe",
    "Christie",
    "Dana",
    "Daniel",
    "David",
    "Debra",
    "Diego",
    "Dmitri",
    "Elena",
    "Emily",
    "Emma",
    "Enrico",
    "Ethan",
    "Fatima",
    "Felix",
    "Femi",
    "Fiona",
    "François",
    "Gabriel",
    "George",
    "Grace",
    "Grady",
    "Hana",
    "Hannah",
    "Harper",
    "Hiroshi",
    "Inès",
    "Irvin",
    "Isaac",
    "Isabella",
    "Ivan",
    "Jack",
    "James",
    "Jana",
    "Javier",
    "Jin",
    "Joni",
    "José",
    "Julia",
    "Kai",
    "Kenji",
    "Kwame",
    "Laura",
    "Lee",
    "Leila",
    "Liam",
    "Lidia",
    "Lucas",
    "Lukas",
    "Łukasz",
    "Maja",
    "Marco",
    "Maria",
    "Mateo",
    "Maya",
    "Megan",
    "Mei",
    "Miguel",
    "Miriam",
    "Mohammed",
    "Nadia",
    "Naomi",
    "Nestor",
    "Nia",
    "Noah",
    "Nora",
    "Olga",
    "Oliver",
    "Omar",
    "Owen",
    "Pablo",
    "Patti",
    "Pedro",
    "Priya",
    "Quentin",
    "Rachel",
    "Rafael",
    "Raj",
    "Ravi",
    "Rosa",
    "Ruth",
    "Samuel",
    "Sara",
    "Sean",
    "Siobhán",
    "Sofia",
    "Sven",
    "Tara",
    "Thomas",
    "Tomás",
    "Uma",
    "Valentina",
    "Victor",
    "Wei",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoë",
    "Zoltan",
];

/// Last names (display spelling). Their ASCII folds are distinct.
const LAST: &[&str] = &[
    "Ahmed",
    "Ali",
    "Alvarez",
    "Andersen",
    "Anderson",
    "Archie",
    "Bauer",
    "Becker",
    "Bennett",
    "Berger",
    "Bianchi",
    "Braun",
    "Brooks",
    "Brown",
    "Castillo",
    "Cattaneo",
    "Clarke",
    "Cline",
    "Cohen",
    "Costa",
    "da Silva",
    "Davies",
    "Deyoung",
    "Diallo",
    "Dubois",
    "Dvořák",
    "Edwards",
    "Eriksson",
    "Evans",
    "Fernández",
    "Ferrari",
    "Fischer",
    "Fontaine",
    "Friedman",
    "Fujita",
    "Gallagher",
    "García",
    "Gomez",
    "Green",
    "Gu",
    "Haddad",
    "Hall",
    "Hansen",
    "Hernández",
    "Holloway",
    "Hughes",
    "Ibrahim",
    "Ito",
    "Jansen",
    "Jensen",
    "Johansson",
    "Jovanović",
    "Kaur",
    "Keller",
    "Khan",
    "Kim",
    "Kovács",
    "Kowalski",
    "Kumar",
    "Lambert",
    "Langer",
    "Larsen",
    "Laurent",
    "Lehmann",
    "Li",
    "Lim",
    "Lindqvist",
    "López",
    "Mäkinen",
    "Marino",
    "Martin",
    "Mendes",
    "Meyer",
    "Mitchell",
    "Morales",
    "Moreau",
    "Müller",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Nowak",
    "O'Brien",
    "Okafor",
    "Olsen",
    "Osei",
    "Park",
    "Patel",
    "Perez",
    "Peterson",
    "Petrov",
    "Popescu",
    "Quinn",
    "Rahman",
    "Raman",
    "Razo",
    "Reyes",
    "Richter",
    "Romano",
    "Rossi",
    "Russo",
    "Sánchez",
    "Sato",
    "Sayers",
    "Schmidt",
    "Schneider",
    "Silva",
    "Singh",
    "Smith",
    "Souza",
    "Suzuki",
    "Tanaka",
    "Thompson",
    "Vance",
    "Wagner",
    "Walker",
    "Weber",
    "White",
    "Whitfield",
    "Wilber",
    "Williams",
    "Wong",
    "Yamamoto",
    "Yilmaz",
    "Zhang",
];

/// Rounds of the permutation of name pairs.
const ROUNDS: u64 = 4;

/// The names of one tenant; `key` (from the seed) decides which index gets which name.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    key: u64,
    first_ascii: Vec<String>,
    last_ascii: Vec<String>,
}

/// The name parts of one user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Person {
    first: usize,
    last: usize,
    /// 0 for the first user with this name pair; `k` gives the UPN suffix `k + 1`.
    suffix: u64,
}

impl Names {
    pub(crate) fn new(seed: u64) -> Self {
        Names {
            key: mix(seed ^ 0x6c69_6370_6c61_6e00),
            first_ascii: FIRST.iter().map(|n| ascii_fold(n)).collect(),
            last_ascii: LAST.iter().map(|n| ascii_fold(n)).collect(),
        }
    }

    /// A Feistel network on (first, last) ∈ F × L: each half-round adds a keyed hash of the
    /// other half modulo its own size, a bijection, so distinct indices of one round of `F·L`
    /// get distinct pairs, scattered rather than in alphabetical steps.
    pub(crate) fn person(&self, index: u64) -> Person {
        let pairs = pair_count();
        let (f, l) = (FIRST.len() as u64, LAST.len() as u64);
        let q = index % pairs;
        let suffix = index / pairs;
        let (mut a, mut b) = (q % f, q / f);
        for r in 0..ROUNDS {
            let k = mix(self.key ^ suffix.rotate_left(16) ^ r);
            a = (a + mix(b ^ k) % f) % f;
            b = (b + mix(a ^ k.rotate_left(32)) % l) % l;
        }
        Person {
            first: a as usize,
            last: b as usize,
            suffix,
        }
    }

    /// "Zoë da Silva".
    pub(crate) fn display_name(&self, p: Person, out: &mut String) {
        out.clear();
        out.push_str(FIRST.get(p.first).copied().unwrap_or_default());
        out.push(' ');
        out.push_str(LAST.get(p.last).copied().unwrap_or_default());
    }

    /// "zoe.dasilva" or, from the second round of names on, "zoe.dasilva2".
    pub(crate) fn local_part(&self, p: Person, out: &mut String) {
        use std::fmt::Write as _;
        out.clear();
        out.push_str(self.first_ascii.get(p.first).map_or("", String::as_str));
        out.push('.');
        out.push_str(self.last_ascii.get(p.last).map_or("", String::as_str));
        if p.suffix > 0 {
            let _ = write!(out, "{}", p.suffix + 1);
        }
    }
}

fn pair_count() -> u64 {
    (FIRST.len() * LAST.len()) as u64
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Lower-case ASCII for a UPN: accents dropped, spaces, apostrophes and hyphens removed.
pub(crate) fn ascii_fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ç' | 'ć' | 'č' => 'c',
            'ñ' => 'n',
            'ł' | 'Ł' => 'l',
            'ř' => 'r',
            'š' => 's',
            'ž' => 'z',
            'ý' => 'y',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn folds_are_distinct_ascii() {
        for list in [FIRST, LAST] {
            let folded: BTreeSet<String> = list.iter().map(|n| ascii_fold(n)).collect();
            assert_eq!(folded.len(), list.len(), "two names fold to the same ASCII");
            assert!(folded
                .iter()
                .all(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_lowercase())));
        }
    }

    #[test]
    fn upns_are_unique() {
        let names = Names::new(7);
        let n = pair_count() * 2 + 17;
        let mut seen = BTreeSet::new();
        let mut s = String::new();
        for i in 0..n {
            names.local_part(names.person(i), &mut s);
            assert!(seen.insert(s.clone()), "{s} repeated");
        }
    }
}
