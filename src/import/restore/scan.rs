//! Every place of a flattened summary where a marker (heading, bullet, number, rule, display
//! math, image, table, fenced code) could start. It looks at one position at a time and never decides whether a
//! candidate is structure: that is the planner's job, with the whole context.

use std::ops::Range;

use super::spans::inside;
use super::tables::table_rows;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Heading,
    Star,
    Dash,
    Number(u32),
    /// A run of `-`, `_` or `*` of this many bytes.
    Rule(usize),
    /// `$$…$$` ending at this offset.
    Display(usize),
    Image,
    /// A paragraph lead: a roman number (`IV.`) or a `**bold**` phrase.
    Lead,
    /// A table (see `tables`).
    Table,
    /// Fenced code ending at this offset.
    Fence(usize),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Cand {
    pub(super) pos: usize,
    pub(super) kind: Kind,
    /// Where the text after the marker (and its space) starts.
    pub(super) text: usize,
}

/// Every place a marker could start; the planner decides which ones are structure.
pub(super) fn candidates(raw: &str, protected: &[Range<usize>]) -> Vec<Cand> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    for pos in 0..b.len() {
        if !raw.is_char_boundary(pos) || (pos > 0 && !b[pos - 1].is_ascii_whitespace()) {
            continue;
        }
        if b[pos].is_ascii_whitespace() {
            continue;
        }
        if let Some(r) = protected.iter().find(|r| r.start == pos) {
            let kind = if raw[pos..].starts_with("$$") {
                Some(Kind::Display(r.end))
            } else if raw[pos..].starts_with("```") {
                Some(Kind::Fence(r.end))
            } else {
                None
            };
            if let Some(kind) = kind {
                out.push(Cand {
                    pos,
                    kind,
                    text: pos,
                });
            }
            continue;
        }
        if inside(protected, pos) {
            continue;
        }
        let rest = &raw[pos..];
        let run = |c: u8| b[pos..].iter().take_while(|&&x| x == c).count();
        let ends_at = |n: usize| b.get(pos + n).is_none_or(|c| c.is_ascii_whitespace());
        let spaced = |n: usize| b.get(pos + n) == Some(&b' ');
        let after = |n: usize| (pos + n + 1).min(b.len());
        let kind = match b[pos] {
            b'#' => {
                let n = run(b'#');
                // Only past the space is `after(n)` a char boundary (`#é` is no heading).
                let heading = n <= 6
                    && spaced(n)
                    && raw
                        .get(after(n)..)
                        .and_then(|s| s.chars().next())
                        .is_some_and(|c| !c.is_lowercase());
                heading.then_some((Kind::Heading, after(n)))
            }
            c @ (b'-' | b'_' | b'*') if run(c) >= 3 && ends_at(run(c)) => {
                Some((Kind::Rule(run(c)), after(run(c))))
            }
            b'*' if spaced(1) => Some((Kind::Star, after(1))),
            b'*' if rest.starts_with("**") && !spaced(2) => Some((Kind::Lead, pos)),
            b'I' | b'V' | b'X' if roman_number_len(rest).is_some() => Some((Kind::Lead, pos)),
            b'-' if spaced(1) => Some((Kind::Dash, after(1))),
            b'!' if rest.starts_with("![") => Some((Kind::Image, pos)),
            b'|' if table_rows(raw, pos, protected).is_some() => Some((Kind::Table, pos)),
            c if c.is_ascii_digit() => {
                let n = b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
                let number = (n <= 2 && b.get(pos + n) == Some(&b'.') && spaced(n + 1))
                    .then(|| rest[..n].parse::<u32>().ok())
                    .flatten();
                number.map(|k| (Kind::Number(k), after(n + 1)))
            }
            _ => None,
        };
        if let Some((kind, text)) = kind {
            out.push(Cand { pos, kind, text });
        }
    }
    out
}

/// Length of a roman number with its dot and space (`IV. `) at the start of `text`.
pub(super) fn roman_number_len(text: &str) -> Option<usize> {
    let n = text.bytes().take_while(|b| b"IVX".contains(b)).count();
    (n > 0 && text[n..].starts_with(". ")).then_some(n + 2)
}
