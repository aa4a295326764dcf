//! Reading the ShortScience dump format into entries. It only parses: malformed entries come back
//! as diagnostics positioned in the dump, and it never looks at the summary's markdown.
//!
//! The format, blank lines between lines being optional:
//! ```text
//! optional blurb (any text before the first entry)
//! Title
//! Last, First and Last, First
//! Venue - 2015 via Local Bibsonomy
//! Keywords: a, b
//! (the authors, venue and keywords lines again: ignored when identical)
//! [link]
//! The summary on ONE line, ending in ` |`
//! ```
//! An entry starts at a line whose second-next non-blank line is a venue line (`… - YYYY via …`);
//! that anchor is distinctive enough to resynchronise after a malformed entry. A lone `About`
//! after the last entry is the page footer and is ignored.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::index::{Name, derive_key};
use crate::load::content::FrontMatter;

/// One well-formed entry of a dump.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Everything the front matter says about the paper, key included.
    pub front: FrontMatter,
    /// The summary as it stands in the dump, without the trailing ` |`.
    pub summary: String,
    /// 1-based line of the title in the dump.
    pub line: usize,
    /// Byte offset of the title in the dump.
    pub offset: usize,
}

/// A non-blank line of the dump.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: usize,
    offset: usize,
    text: &'a str,
}

/// Parses a dump; `path` is only used in diagnostics.
pub fn parse_dump(path: &Path, text: &str) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut lines = Vec::new();
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let trimmed = raw.trim_end();
        if !trimmed.trim_start().is_empty() {
            let lead = trimmed.len() - trimmed.trim_start().len();
            lines.push(Line {
                no: i + 1,
                offset: offset + lead,
                text: trimmed.trim_start(),
            });
        }
        offset += raw.len();
    }

    let starts: Vec<usize> = (0..lines.len())
        .filter(|&t| t + 2 < lines.len() && starts_entry(&lines, t))
        .collect();
    let mut entries = Vec::new();
    let mut diags = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        let last = k + 1 == starts.len();
        let segment = &lines[start..end];
        match parse_entry(segment) {
            Ok((entry, used)) => {
                entries.push(entry);
                if let Some(extra) = trailing_problem(&segment[used..], last) {
                    diags.push(Diagnostic::error(path, text, extra.0, extra.1));
                }
            }
            Err((at, message)) => {
                diags.push(Diagnostic::error(path, text, at, message));
                // A broken entry after this one's summary is worth its own report.
                let link = segment.iter().skip(4).position(|l| l.text == "[link]");
                let rest = link.and_then(|i| segment.get(4 + i + 2..)).unwrap_or(&[]);
                if let Some(extra) = trailing_problem(rest, last) {
                    diags.push(Diagnostic::error(path, text, extra.0, extra.1));
                }
            }
        }
    }
    (entries, diags)
}

fn starts_entry(lines: &[Line], t: usize) -> bool {
    let title = lines[t].text;
    venue_year(lines[t + 2].text).is_some()
        && !title.starts_with("Keywords:")
        && title != "[link]"
        && venue_year(title).is_none()
        && venue_year(lines[t + 1].text).is_none()
}

type Problem = (usize, String);

/// Lines after an entry's summary and before the next entry: a broken entry, unless it is the
/// page footer.
fn trailing_problem(extra: &[Line], last: bool) -> Option<Problem> {
    let first = extra.first()?;
    if last && extra.len() == 1 && first.text == "About" {
        return None;
    }
    Some((
        first.offset,
        format!(
            "malformed entry skipped: `{}` is not followed by an authors line and a \
             `Venue - YEAR via ...` line",
            first.text
        ),
    ))
}

/// Parses the entry at the start of `lines`; returns it and how many lines it used.
fn parse_entry(lines: &[Line]) -> Result<(Entry, usize), Problem> {
    let title = lines[0];
    let skipped = |line: &Line, what: String| (line.offset, format!("entry skipped: {what}"));
    let authors = parse_authors(lines[1].text)
        .ok_or_else(|| skipped(&lines[1], "the authors line has an empty name".into()))?;
    let (venue, year) = venue_year(lines[2].text).unwrap_or_default();
    let get = |i: usize, expected: &str| {
        lines.get(i).copied().ok_or_else(|| {
            let at = lines[lines.len() - 1];
            skipped(
                &at,
                format!("the entry ends here; expected {expected} next (truncated?)"),
            )
        })
    };
    let kw = get(3, "`Keywords: ...`")?;
    let keywords = parse_keywords(kw.text).ok_or_else(|| {
        skipped(
            &kw,
            format!("expected `Keywords: ...`, found `{}`", kw.text),
        )
    })?;

    // The block of authors, venue and keywords is repeated; a different copy means the dump is
    // inconsistent and we cannot tell which copy is right.
    let mut next = 4;
    let link = get(next, "`[link]`")?;
    if link.text != "[link]" {
        for (i, first) in lines.iter().enumerate().take(4).skip(1) {
            let copy = get(3 + i, "the repeated authors, venue and keywords lines")?;
            if copy.text != first.text {
                return Err(skipped(
                    &copy,
                    format!(
                        "this repeated line differs from line {}: `{}` here, `{}` there",
                        first.no, copy.text, first.text
                    ),
                ));
            }
        }
        next = 7;
    }
    let link = get(next, "`[link]`")?;
    if link.text != "[link]" {
        return Err(skipped(
            &link,
            format!("expected `[link]`, found `{}`", link.text),
        ));
    }
    let summary_line = get(next + 1, "the summary line")?;
    let summary = summary_line
        .text
        .strip_suffix('|')
        .filter(|s| s.is_empty() || s.ends_with(char::is_whitespace))
        .map(str::trim)
        .ok_or_else(|| {
            skipped(
                &summary_line,
                "the summary line does not end with ` |` (truncated?)".into(),
            )
        })?;
    if summary.is_empty() {
        return Err(skipped(&summary_line, "the summary is empty".into()));
    }
    let names: Vec<Name> = authors.iter().map(|a| Name::parse(a)).collect();
    let key = derive_key(&names, year);
    let entry = Entry {
        front: FrontMatter {
            title: title.text.to_owned(),
            authors: names.iter().map(Name::bibtex).collect(),
            venue: Some(venue),
            year,
            keywords,
            key: Some(key),
            aliases: Vec::new(),
            url: None,
            slug: None,
            draft: false,
        },
        summary: summary.to_owned(),
        line: title.no,
        offset: title.offset,
    };
    Ok((entry, next + 2))
}

/// `Last, First and Last, First` → each name as written; `None` when a name is empty.
fn parse_authors(line: &str) -> Option<Vec<String>> {
    let mut names = vec![Vec::new()];
    for word in line.split_whitespace() {
        match names.last_mut() {
            Some(name) if word != "and" => name.push(word),
            _ => names.push(Vec::new()),
        }
    }
    let names: Vec<String> = names.into_iter().map(|words| words.join(" ")).collect();
    let empty = |n: &String| {
        n.trim_matches(|c: char| c == ',' || c.is_whitespace())
            .is_empty()
    };
    (!names.iter().any(empty)).then_some(names)
}

/// `Venue - 2015 via Local Bibsonomy` → (venue, year). The last ` - YYYY via ` wins, so a venue
/// may itself contain ` - `.
fn venue_year(line: &str) -> Option<(String, i32)> {
    let seps: Vec<(usize, &str)> = line.match_indices(" - ").collect();
    seps.into_iter().rev().find_map(|(i, sep)| {
        let rest = &line[i + sep.len()..];
        let year = rest.get(..4)?;
        let source = rest.get(4..)?.strip_prefix(" via ")?;
        let venue = line[..i].trim();
        let ok = year.bytes().all(|b| b.is_ascii_digit()) && !source.trim().is_empty();
        if !ok || venue.is_empty() {
            return None;
        }
        Some((venue.to_owned(), year.parse().ok()?))
    })
}

/// `Keywords: a, b` → `["a", "b"]`; `Keywords:` → `[]`.
fn parse_keywords(line: &str) -> Option<Vec<String>> {
    let rest = line.strip_prefix("Keywords:")?;
    Some(
        rest.split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Entry>, Vec<String>) {
        let (entries, diags) = parse_dump(Path::new("d.txt"), text);
        let msgs = diags
            .iter()
            .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
            .collect();
        (entries, msgs)
    }

    fn entry(title: &str, authors: &str, venue: &str, keywords: &str, summary: &str) -> String {
        let block = format!("{authors}\n\n{venue}\n\nKeywords: {keywords}\n\n");
        format!("{title}\n\n{block}{block}[link]\n{summary} |\n\n")
            .replace("Keywords:  ", "Keywords: ")
            .replace("Keywords: \n", "Keywords:\n")
    }

    const V: &str = "International Conference on Machine Learning - 2015 via Local Bibsonomy";

    #[test]
    fn blurb_entries_and_footer() {
        let text = format!(
            "A venue blurb.\n\n{}{}About",
            entry(
                "A: B | C",
                "Ioffe, Sergey and Szegedy, Christian",
                V,
                "dblp",
                "S1"
            ),
            entry(
                "Second",
                "Plato",
                "arXiv e-Print archive - 2014 via Local Bibsonomy",
                "",
                "S2"
            )
        );
        let (entries, msgs) = parse(&text);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(entries.len(), 2);
        let a = &entries[0];
        assert_eq!(a.front.title, "A: B | C");
        assert_eq!(a.front.authors, ["Ioffe, Sergey", "Szegedy, Christian"]);
        assert_eq!(
            a.front.venue.as_deref(),
            Some("International Conference on Machine Learning")
        );
        assert_eq!(a.front.year, 2015);
        assert_eq!(a.front.keywords, ["dblp"]);
        assert_eq!(a.front.key.as_deref(), Some("IoffeS15"));
        assert_eq!(a.summary, "S1");
        assert_eq!(a.line, 3);
        let b = &entries[1];
        assert_eq!(b.front.authors, ["Plato"]);
        assert_eq!(b.front.venue.as_deref(), Some("arXiv e-Print archive"));
        assert!(b.front.keywords.is_empty());
        assert_eq!(b.front.key.as_deref(), Some("Plato14"));
    }

    #[test]
    fn names_with_particles_diacritics_and_single_words() {
        let text = entry(
            "T",
            "van den Oord, Aäron and Kalchbrenner, Nal and de Freitas, Nando and Massé, Pierre-Yves and Jordan, Michael I. and Aristotle",
            "Neural Information Processing Systems - 2016 via Local Bibsonomy",
            "deep learning, generative models ,  pixel",
            "x",
        );
        let (entries, msgs) = parse(&text);
        assert!(msgs.is_empty(), "{msgs:?}");
        let f = &entries[0].front;
        assert_eq!(
            f.authors,
            [
                "van den Oord, Aäron",
                "Kalchbrenner, Nal",
                "de Freitas, Nando",
                "Massé, Pierre-Yves",
                "Jordan, Michael I.",
                "Aristotle"
            ]
        );
        assert_eq!(f.keywords, ["deep learning", "generative models", "pixel"]);
        assert_eq!(f.key.as_deref(), Some("OordKFMJA16"));
    }

    #[test]
    fn venue_line_rules() {
        assert_eq!(
            venue_year(V),
            Some(("International Conference on Machine Learning".into(), 2015))
        );
        assert_eq!(
            venue_year("A - B - 2001 via X"),
            Some(("A - B".into(), 2001))
        );
        assert_eq!(venue_year("A - 201 via X"), None);
        assert_eq!(venue_year("A - 2015 via "), None);
        assert_eq!(venue_year(" - 2015 via X"), None);
    }

    #[test]
    fn block_without_repeat_is_fine() {
        let text = format!("T\n\nX, Y\n\n{V}\n\nKeywords: k\n\n[link]\nsum |\n");
        let (entries, msgs) = parse(&text);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(entries[0].summary, "sum");
    }

    #[test]
    fn repeated_block_mismatch_is_reported_and_skipped() {
        let good = entry("Good", "X, Y", V, "k", "fine");
        let bad = format!(
            "Bad\n\nX, Y\n\n{V}\n\nKeywords: k\n\nX, Z\n\n{V}\n\nKeywords: k\n\n[link]\nsum |\n\n"
        );
        let (entries, msgs) = parse(&format!("{bad}{good}"));
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].front.title, "Good");
        assert_eq!(msgs.len(), 1);
        assert!(
            msgs[0].starts_with("9:1: entry skipped: this repeated line differs from line 3"),
            "{msgs:?}"
        );
    }

    #[test]
    fn truncated_entries_are_reported_with_lines() {
        // An entry cut after its authors line, then a good one, then one cut mid-summary.
        let text = format!(
            "blurb\n\n{}Cut\n\nA, B\n\n{}Last\n\nA, B\n\n{V}\n\nKeywords: k\n\n[link]\nhalf a summ",
            entry("First", "X, Y", V, "k", "one"),
            entry("Second", "X, Y", V, "k", "two"),
        );
        let (entries, msgs) = parse(&text);
        let titles: Vec<&str> = entries.iter().map(|e| e.front.title.as_str()).collect();
        assert_eq!(titles, ["First", "Second"]);
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(
            msgs[0].starts_with("20:1: malformed entry skipped: `Cut`"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].starts_with("50:1: entry skipped: the summary line does not end"),
            "{msgs:?}"
        );
    }

    #[test]
    fn missing_link_and_keywords() {
        let text = format!(
            "T\n\nX, Y\n\n{V}\n\nKeywords: k\n\nnot a link\nsum |\n\nU\n\nX, Y\n\n{V}\n\nKw\n"
        );
        let (entries, msgs) = parse(&text);
        assert!(entries.is_empty());
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(
            msgs[0].contains("differs") || msgs[0].contains("[link]"),
            "{msgs:?}"
        );
        assert!(msgs[1].contains("expected `Keywords: ...`"), "{msgs:?}");
    }

    #[test]
    fn summary_terminator_is_the_last_bar_only() {
        let text = entry("T", "X, Y", V, "k", "a $|x|$ and | b $a |$");
        let (entries, msgs) = parse(&text);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(entries[0].summary, "a $|x|$ and | b $a |$");
    }

    #[test]
    fn empty_author_is_reported() {
        let text = entry("T", "X, Y and  and Z", V, "k", "s");
        let (_, msgs) = parse(&text);
        assert!(
            msgs[0].starts_with("3:1: entry skipped: the authors line"),
            "{msgs:?}"
        );
    }
}
