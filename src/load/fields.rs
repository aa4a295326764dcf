//! The typed front-matter fields that need more than a string: the `added` date, `summary_by`
//! (one name or one per summary) and the syntax checks of `arxiv` and `doi` (`url`, `pdf` and
//! `code` go through `load::url`), and the checks of a parsed paper's fields (`check_fields`).
//! It owns parsing and validation only; what a link points at is render's.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::content::{SUMMARY_SEPARATOR, SourcePaper, forbidden};
use crate::diag::Diagnostic;

/// A calendar date written `YYYY-MM-DD` (TOML date or string; YAML string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day exists in that month.
    pub fn parse(s: &str) -> Result<Date, String> {
        let bad = || format!("`{s}` is not a date: write it as YYYY-MM-DD, e.g. 2024-05-31");
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().map_err(|_| bad());
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(format!("`{s}` has no month {month}: months run 01 to 12")),
        };
        if day == 0 || day > days {
            return Err(format!("`{s}` is not a day of that month"));
        }
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v).map_err(E::custom)
            }
            // TOML's own dates (`added = 2024-05-31`) arrive as a one-entry map.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                let Some((_, value)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("an empty date"));
                };
                if value.len() > 10 {
                    return Err(de::Error::custom(format!(
                        "`{value}` has a time: `added` is a date, YYYY-MM-DD"
                    )));
                }
                Date::parse(&value).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Who wrote the summaries: one name for all, or one per summary in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryBy {
    One(String),
    PerSummary(Vec<String>),
}

impl SummaryBy {
    /// The writer of summary `i` (0-based), if the field names one.
    pub fn of(&self, i: usize) -> Option<&str> {
        match self {
            SummaryBy::One(name) => Some(name),
            SummaryBy::PerSummary(names) => names.get(i).map(String::as_str),
        }
    }
}

impl Serialize for SummaryBy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SummaryBy::One(name) => s.serialize_str(name),
            SummaryBy::PerSummary(names) => names.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for SummaryBy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SummaryBy;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name, or a list of names (one per summary)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SummaryBy, E> {
                Ok(SummaryBy::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SummaryBy, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(SummaryBy::PerSummary(names))
            }
        }
        d.deserialize_any(V)
    }
}

/// Checks an arXiv identifier: `1502.02761`, `1502.02761v2` or the old `hep-th/9901001`.
pub fn check_arxiv(id: &str) -> Result<(), String> {
    let versioned = |rest: &str| {
        rest.is_empty()
            || rest
                .strip_prefix('v')
                .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
    };
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let new_style = id.split_once('.').is_some_and(|(yymm, rest)| {
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits(yymm, 4..=4) && (4..=5).contains(&n) && versioned(&rest[n..])
    });
    let old_style = id.split_once('/').is_some_and(|(archive, rest)| {
        let name_ok = !archive.is_empty()
            && archive.bytes().all(|b| {
                b.is_ascii_lowercase() || b == b'-' || b == b'.' || b.is_ascii_uppercase()
            });
        name_ok && rest.len() >= 7 && digits(&rest[..7], 7..=7) && versioned(&rest[7..])
    });
    if new_style || old_style {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not an arXiv id: write the id alone, e.g. 1502.02761 or hep-th/9901001"
        ))
    }
}

/// Checks a DOI: `10.` + registrant digits + `/` + a suffix without spaces.
pub fn check_doi(doi: &str) -> Result<(), String> {
    let ok = doi.strip_prefix("10.").is_some_and(|rest| {
        rest.split_once('/').is_some_and(|(reg, suffix)| {
            (4..=9).contains(&reg.split('.').next().unwrap_or("").len())
                && reg.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && !suffix.is_empty()
                && !suffix.chars().any(char::is_whitespace)
        })
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{doi}` is not a DOI: write it without https://doi.org/, e.g. 10.1145/3065386"
        ))
    }
}

/// Fields that parse but say nothing, or hold what no page can show.
pub(super) fn check_fields(paper: &SourcePaper) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut report = |field: &str, what: &str| {
        out.push(Diagnostic::error(
            &paper.path,
            &paper.text,
            paper.field_offset(field),
            format!("front matter: {what}"),
        ));
    };
    if paper.front.title.trim().is_empty() {
        report("title", "`title` is empty");
    }
    let front = &paper.front;
    let fields = [
        ("title", vec![&front.title]),
        ("authors", front.authors.iter().collect()),
        ("venue", front.venue.iter().collect()),
        ("keywords", front.keywords.iter().collect()),
        ("key", front.key.iter().collect()),
        ("aliases", front.aliases.iter().collect()),
        ("url", front.url.iter().collect()),
    ];
    for (field, values) in fields {
        // Pasted from PDFs, they end up in titles; feeds and pages cannot carry them.
        if let Some(c) = values
            .iter()
            .flat_map(|v| v.chars())
            .find(|&c| forbidden(c))
        {
            let what = format!(
                "`{field}` contains the control character U+{:04X}",
                c as u32
            );
            report(field, &what);
        }
    }
    if paper.front.authors.iter().all(|a| a.trim().is_empty()) {
        report("authors", "`authors` lists no author");
    } else if paper.front.authors.iter().any(|a| a.trim().is_empty()) {
        // A nameless person would get a page without a name or a slug.
        report("authors", "`authors` has an empty name");
    }
    if !(1000..=9999).contains(&paper.front.year) {
        // `year = 15` would sort and cite as the year 15.
        report(
            "year",
            &format!(
                "`year = {}` is not a year: write all four digits (e.g. 2015)",
                paper.front.year
            ),
        );
    }
    if let Some(slug) = &paper.front.slug
        && !is_slug(slug)
    {
        report(
            "slug",
            &format!(
                "`slug = {slug:?}` cannot be a URL segment: use lowercase ASCII letters, digits \
                 and single hyphens (e.g. \"attention-2017\")"
            ),
        );
    }
    let front = &paper.front;
    if let Some(Err(why)) = front.arxiv.as_deref().map(check_arxiv) {
        report("arxiv", &format!("`arxiv`: {why}"));
    }
    if let Some(Err(why)) = front.doi.as_deref().map(check_doi) {
        report("doi", &format!("`doi`: {why}"));
    }
    match &front.summary_by {
        Some(SummaryBy::One(name)) if name.trim().is_empty() => {
            report("summary_by", "`summary_by` is empty");
        }
        Some(SummaryBy::PerSummary(names)) if names.len() != paper.summaries.len() => {
            let n = paper.summaries.len();
            report(
                "summary_by",
                &format!(
                    "`summary_by` names {} writers but the file has {n} summar{} (separated by `{SUMMARY_SEPARATOR}`): give one name per summary, or a single name",
                    names.len(),
                    if n == 1 { "y" } else { "ies" }
                ),
            );
        }
        Some(SummaryBy::PerSummary(names)) if names.iter().any(|n| n.trim().is_empty()) => {
            report("summary_by", "`summary_by` has an empty name");
        }
        _ => {}
    }
    let web = [
        ("url", &front.url),
        ("pdf", &front.pdf),
        ("code", &front.code),
    ];
    for (field, value) in web {
        if let Some(url) = value
            && let Err(why) = super::url::check_web_url(field, url)
        {
            out.push(Diagnostic::error(
                &paper.path,
                &paper.text,
                value_offset(paper, field, url),
                why,
            ));
        }
    }
    out
}

/// Whether `s` is a slug as sitegen makes them: `a-z`, `0-9` and inner single hyphens.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Where `value` is written on `field`'s line (its start when it is not found there, e.g. when
/// escapes changed it), so an error about a value points at it.
fn value_offset(paper: &SourcePaper, field: &str, value: &str) -> usize {
    let start = paper.field_offset(field);
    let line_end = paper.text[start..]
        .find('\n')
        .map_or(paper.text.len(), |i| start + i);
    paper.text[start..line_end]
        .find(value)
        .map_or(start, |i| start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2023-13-01").unwrap_err().contains("month 13"));
        assert!(Date::parse("2023-1-01").is_err());
        assert!(Date::parse("May 2023").is_err());
        assert!(Date::parse("2023-04-00").is_err());
    }

    #[test]
    fn arxiv_ids() {
        for ok in [
            "1502.02761",
            "1502.02761v3",
            "0704.0001",
            "hep-th/9901001",
            "math.GT/0309136v1",
        ] {
            assert!(check_arxiv(ok).is_ok(), "{ok}");
        }
        for bad in [
            "arXiv:1502.02761",
            "https://arxiv.org/abs/1502.02761",
            "1502.027",
            "1502.02761v",
            "hep-th/99",
        ] {
            assert!(check_arxiv(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dois() {
        assert!(check_doi("10.1145/3065386").is_ok());
        assert!(check_doi("10.1000.10/abc(1)").is_ok());
        assert!(check_doi("https://doi.org/10.1145/3065386").is_err());
        assert!(check_doi("10.12/x").is_err());
        assert!(check_doi("10.1145/").is_err());
    }
}
