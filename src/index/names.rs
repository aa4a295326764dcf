//! Person names, slugs and DBLP-style keys: how a written name becomes one identity, a sort
//! key and a citation key. Pure string functions: no library, no files.

use unicode_normalization::UnicodeNormalization;

/// A person's name split BibTeX-style: `last` keeps its particles ("van den Oord").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub first: String,
    pub last: String,
}

impl Name {
    /// Parses "Last, First" or "First Last" (NFC-normalised, whitespace collapsed).
    pub fn parse(raw: &str) -> Name {
        let norm: String = raw.nfc().collect();
        let collapsed = norm.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((last, first)) = collapsed.split_once(',') {
            return Name {
                first: first.trim().to_owned(),
                last: last.trim().to_owned(),
            };
        }
        let words: Vec<&str> = collapsed.split(' ').filter(|w| !w.is_empty()).collect();
        let Some(mut start) = words.len().checked_sub(1) else {
            return Name {
                first: String::new(),
                last: String::new(),
            };
        };
        // Lowercase words before the surname are particles ("Aäron van den Oord").
        while start > 1 && is_particle(words[start - 1]) {
            start -= 1;
        }
        Name {
            first: words[..start].join(" "),
            last: words[start..].join(" "),
        }
    }

    /// "First Last", as pages show a person.
    pub fn display(&self) -> String {
        if self.first.is_empty() {
            self.last.clone()
        } else {
            format!("{} {}", self.first, self.last)
        }
    }

    /// Whether given names and surname start with a capital (particles aside): "Kaiming He",
    /// not "kaiming He".
    pub fn is_capitalized(&self) -> bool {
        let capital = |w: &str| !w.chars().next().is_some_and(char::is_lowercase);
        self.first.split([' ', '-']).all(capital) && capital(self.surname())
    }

    /// "Last, First", as BibTeX and front matter write a person.
    pub fn bibtex(&self) -> String {
        if self.first.is_empty() {
            self.last.clone()
        } else {
            format!("{}, {}", self.last, self.first)
        }
    }

    /// The surname without lowercase particles: "van den Oord" → "Oord".
    pub fn surname(&self) -> &str {
        let mut rest = self.last.as_str();
        while let Some((word, tail)) = rest.split_once(' ') {
            if !is_particle(word) {
                break;
            }
            rest = tail;
        }
        rest
    }

    /// Sort key: surname, then given names, accent- and case-folded.
    pub fn sort_key(&self) -> String {
        fold(&format!("{} {}", self.surname(), self.first))
    }

    /// Two names are one person when they agree once accents and case are gone (punctuation
    /// stays: "Jean-Luc" and "Jean Luc" may be different people).
    pub fn identity(&self) -> String {
        deunicode::deunicode(&self.display())
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub(super) fn is_particle(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_lowercase)
}

/// Accent-, case- and punctuation-folded words, for grouping and sorting.
pub(super) fn fold(s: &str) -> String {
    deunicode::deunicode(s)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest slug, in bytes. Slugs name files and folders (papers, authors, keywords,
/// venues); 100 stays far below every file system's 255-byte name limit, with room for the
/// temporary names built from them, and above every title of the seed list.
pub const MAX_SLUG: usize = 100;

/// URL slug: ASCII (deunicode), lowercase, alphanumeric runs joined by `-`; at most `MAX_SLUG`
/// bytes. A longer one is cut at a `-` and ends in a hash of the whole, so two long titles that
/// only differ at the end stay apart and the slug is the same on every run.
pub fn slugify(s: &str) -> String {
    let slug = fold(s).replace(' ', "-");
    if slug.len() <= MAX_SLUG {
        return slug;
    }
    let hash = &blake3::hash(slug.as_bytes()).to_hex()[..8];
    // The slug is ASCII, so any byte index is a char boundary.
    let head = &slug[..MAX_SLUG - hash.len() - 1];
    let head = head.rsplit_once('-').map_or(head, |(h, _)| h);
    format!("{head}-{hash}")
}

/// The DBLP-style key: first author's surname, the initial of each other author's surname, and
/// the two-digit year (`IoffeS15`, `OordKK16`, `MasseO15`).
pub fn derive_key(authors: &[Name], year: i32) -> String {
    let mut key = String::new();
    for (i, name) in authors.iter().enumerate() {
        let surname: String = deunicode::deunicode(name.surname())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if i == 0 {
            key.push_str(&surname);
        } else if let Some(c) = surname.chars().find(char::is_ascii_alphanumeric) {
            key.push(c.to_ascii_uppercase());
        }
    }
    key.push_str(&format!("{:02}", year.rem_euclid(100)));
    key
}

/// The fix for a YAML author list that YAML itself split: `authors: [Smith, Adam]` is two
/// people to YAML, though it reads as one "Last, First" name. Only an unquoted flow list
/// (`[…]` on the `authors` line) of an even number of one-word names is suspect.
pub(crate) fn yaml_split_authors(authors: &[String], authors_line: &str) -> Option<String> {
    let one_word = |a: &String| !a.is_empty() && !a.contains(char::is_whitespace);
    let suspect = authors_line.contains('[')
        && !authors_line.contains(['"', '\''])
        && authors.len() >= 2
        && authors.len().is_multiple_of(2)
        && authors.iter().all(one_word);
    if !suspect {
        return None;
    }
    let pairs: Vec<String> = authors
        .chunks(2)
        .map(|pair| format!("\"{}, {}\"", pair[0], pair[1]))
        .collect();
    Some(format!(
        "YAML reads `authors` as {} people ({}); if they are {} \"Last, First\" names, quote \
         each one: `authors: [{}]`",
        authors.len(),
        authors.join("; "),
        pairs.len(),
        pairs.join(", ")
    ))
}

/// The suffix that tells apart the `n`th (0-based) of several papers deriving one key: `a` … `z`,
/// then `aa`, `ab`, … (never wrapping back to `a`).
pub fn key_suffix(n: usize) -> String {
    let mut out = Vec::new();
    let mut n = n + 1;
    while n > 0 {
        n -= 1;
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<Name> {
        list.iter().map(|n| Name::parse(n)).collect()
    }

    #[test]
    fn parses_both_name_orders_with_particles() {
        let a = Name::parse("van den Oord, Aäron");
        let b = Name::parse("Aäron  van den Oord");
        assert_eq!(a, b);
        assert_eq!(a.surname(), "Oord");
        assert_eq!(a.display(), "Aäron van den Oord");
        assert_eq!(a.bibtex(), "van den Oord, Aäron");
        assert_eq!(
            Name::parse("Jordan, Michael I.").display(),
            "Michael I. Jordan"
        );
        assert_eq!(Name::parse("Plato").display(), "Plato");
        // NFC: a decomposed "ë" is the same person as a composed one.
        assert_eq!(
            Name::parse("Zoe\u{308} Mu\u{308}ller"),
            Name::parse("Zo\u{eb} M\u{fc}ller")
        );
        assert_eq!(
            Name::parse("Zoë Müller").identity(),
            Name::parse("zoe muller").identity()
        );
    }

    #[test]
    fn derives_dblp_keys() {
        assert_eq!(
            derive_key(&names(&["Ioffe, Sergey", "Szegedy, Christian"]), 2015),
            "IoffeS15"
        );
        assert_eq!(
            derive_key(
                &names(&[
                    "van den Oord, Aäron",
                    "Kalchbrenner, Nal",
                    "Kavukcuoglu, Koray"
                ]),
                2016
            ),
            "OordKK16"
        );
        assert_eq!(
            derive_key(&names(&["Massé, Pierre-Yves", "Ollivier, Yann"]), 2015),
            "MasseO15"
        );
        assert_eq!(
            derive_key(
                &names(&[
                    "Schulman, John",
                    "Levine, Sergey",
                    "Moritz, Philipp",
                    "Jordan, Michael I.",
                    "Abbeel, Pieter"
                ]),
                2015
            ),
            "SchulmanLMJA15"
        );
        assert_eq!(
            derive_key(
                &names(&["Sohl-Dickstein, Jascha", "de Freitas, Nando"]),
                2009
            ),
            "Sohl-DicksteinF09"
        );
    }

    #[test]
    fn slugs_fold_to_ascii() {
        assert_eq!(
            slugify("MADE: Masked Autoencoder"),
            "made-masked-autoencoder"
        );
        assert_eq!(slugify("Schrödinger's  Cat!"), "schrodinger-s-cat");
        assert_eq!(slugify("?!"), "");
        let suffixes: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(key_suffix)
            .collect();
        assert_eq!(
            suffixes,
            ["a", "b", "z", "aa", "ab", "az", "ba", "zz", "aaa"]
        );
        let long = slugify(&"Long words ".repeat(30));
        assert!(
            long.len() <= MAX_SLUG && long.starts_with("long-words-long"),
            "{long}"
        );
        assert_eq!(long, slugify(&"Long words ".repeat(30)), "stable");
        assert_ne!(long, slugify(&"Long words ".repeat(31)));
        assert!(slugify(&"中".repeat(200)).len() <= MAX_SLUG);
    }

    #[test]
    fn yaml_lists_of_one_word_names_read_as_pairs() {
        let authors = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let fix = yaml_split_authors(&authors(&["Smith", "Adam"]), "authors: [Smith, Adam]");
        assert_eq!(
            fix.as_deref(),
            Some(
                "YAML reads `authors` as 2 people (Smith; Adam); if they are 1 \"Last, First\" \
                 names, quote each one: `authors: [\"Smith, Adam\"]`"
            )
        );
        for (list, line) in [
            (&["Smith", "Adam"][..], "authors: [\"Smith\", \"Adam\"]"),
            (
                &["Smith", "Adam", "Jones"][..],
                "authors: [Smith, Adam, Jones]",
            ),
            (
                &["Adam Smith", "Bob Jones"][..],
                "authors: [Adam Smith, Bob Jones]",
            ),
            (&["Smith", "Adam"][..], "authors:"),
        ] {
            assert_eq!(yaml_split_authors(&authors(list), line), None, "{line}");
        }
    }
}
