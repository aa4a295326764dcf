//! What the build needs to know about a summary before and around rendering it (its math
//! expressions, how far its headings move, its excerpt and first sentence), computed once per summary text and kept
//! in the derived-work cache, so a warm build parses each summary only to render it. It must not
//! render HTML or know about pages.

use std::ops::Range;

use pulldown_cmark::{Event, Tag};

use super::cite::{self, Citation};
use super::outline::first_sentence;
use super::{SUMMARY_TOP_HEADING, excerpt, math_events};
use crate::cache::Store;

/// Length of the excerpt a paper page uses as its meta description.
pub const EXCERPT_CHARS: usize = 160;

/// The analyses of one paper's summaries, in file order: shared, so the dev server keeps them
/// between builds without copying.
pub type Analyses = std::sync::Arc<Vec<Analysis>>;

/// What one parse of a summary tells the later stages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Every math expression as (TeX, display), in order: what rendering will ask for.
    pub math: Vec<(String, bool)>,
    /// How far every heading moves so the highest lands on `h3`.
    pub heading_shift: i32,
    /// The plain-text start of the summary (`EXCERPT_CHARS` at most).
    pub excerpt: String,
    /// The byte range of the summary's first sentence (`outline::first_sentence`): lists show
    /// it, and the dependency map hashes it on every build.
    pub first_sentence: Option<Range<usize>>,
    /// Its citations (`cite::scan`), offsets counted from the summary's start: the index stage
    /// resolves them before any page is rendered.
    pub citations: Vec<Citation>,
}

/// The analysis of `markdown` (`brackets`: `[math] brackets`), from `store` when this text was
/// analysed before.
pub fn analyze_cached(markdown: &str, brackets: bool, store: &Store) -> Analysis {
    let mut h = blake3::Hasher::new();
    h.update(b"summary analysis v3\0");
    h.update(&[u8::from(brackets)]);
    h.update(markdown.as_bytes());
    let key = *h.finalize().as_bytes();
    if let Some(found) = store.get(&key).and_then(|bytes| decode(&bytes)) {
        return found;
    }
    let analysis = analyze(markdown, brackets);
    store.put(key, &encode(&analysis));
    analysis
}

/// Parses `markdown` once for its math and headings; the excerpt reads it without citations.
pub fn analyze(markdown: &str, brackets: bool) -> Analysis {
    let mut out = Analysis::default();
    let mut top: Option<i32> = None;
    for (event, _) in math_events(markdown, brackets) {
        match event {
            Event::InlineMath(tex) => out.math.push((tex.into_string(), false)),
            Event::DisplayMath(tex) => out.math.push((tex.into_string(), true)),
            Event::Start(Tag::Heading { level, .. }) => {
                let level = level as i32;
                top = Some(top.map_or(level, |t| t.min(level)));
            }
            _ => {}
        }
    }
    out.heading_shift = top.map_or(0, |t| SUMMARY_TOP_HEADING - t);
    out.excerpt = excerpt(markdown, EXCERPT_CHARS);
    out.first_sentence = first_sentence(markdown);
    out.citations = cite::scan(markdown, 0);
    out
}

fn encode(a: &Analysis) -> Vec<u8> {
    // Numbers are u32: a summary is far smaller than 4 GiB.
    fn number(n: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    fn text(s: &str, out: &mut Vec<u8>) {
        number(s.len(), out);
        out.extend_from_slice(s.as_bytes());
    }
    let mut out = Vec::new();
    out.extend_from_slice(&a.heading_shift.to_le_bytes());
    text(&a.excerpt, &mut out);
    // u32::MAX twice: no first sentence.
    let none = u32::MAX as usize;
    let sentence = a.first_sentence.clone().unwrap_or(none..none);
    number(sentence.start, &mut out);
    number(sentence.end, &mut out);
    number(a.citations.len(), &mut out);
    for c in &a.citations {
        number(c.offset, &mut out);
        number(c.end, &mut out);
        number(c.keys.len(), &mut out);
        for (key, &at) in c.keys.iter().zip(&c.key_offsets) {
            number(at, &mut out);
            text(key, &mut out);
        }
    }
    for (tex, display) in &a.math {
        out.push(u8::from(*display));
        text(tex, &mut out);
    }
    out
}

fn decode(mut bytes: &[u8]) -> Option<Analysis> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (bytes.get(..n)?, bytes.get(n..)?);
        *bytes = rest;
        Some(head)
    }
    fn number(bytes: &mut &[u8]) -> Option<usize> {
        Some(u32::from_le_bytes(take(bytes, 4)?.try_into().ok()?) as usize)
    }
    fn text(bytes: &mut &[u8]) -> Option<String> {
        let len = number(bytes)?;
        String::from_utf8(take(bytes, len)?.to_vec()).ok()
    }
    let heading_shift = i32::from_le_bytes(take(&mut bytes, 4)?.try_into().ok()?);
    let excerpt = text(&mut bytes)?;
    let (start, end) = (number(&mut bytes)?, number(&mut bytes)?);
    let first_sentence = (start != u32::MAX as usize).then_some(start..end);
    let mut citations = Vec::new();
    for _ in 0..number(&mut bytes)? {
        let (offset, end) = (number(&mut bytes)?, number(&mut bytes)?);
        let (mut keys, mut key_offsets) = (Vec::new(), Vec::new());
        for _ in 0..number(&mut bytes)? {
            key_offsets.push(number(&mut bytes)?);
            keys.push(text(&mut bytes)?);
        }
        citations.push(Citation {
            keys,
            offset,
            end,
            key_offsets,
        });
    }
    let mut math = Vec::new();
    while !bytes.is_empty() {
        let display = take(&mut bytes, 1)?[0] == 1;
        math.push((text(&mut bytes)?, display));
    }
    Some(Analysis {
        math,
        heading_shift,
        excerpt,
        first_sentence,
        citations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD: &str = "# Top\n\nSee $x$ and \\(y\\) \\cite{K}.\n\n## Next\n\n$$z$$\n";

    #[test]
    fn one_parse_gives_math_headings_and_excerpt() {
        let a = analyze(MD, true);
        assert_eq!(
            a.math,
            [("x".into(), false), ("y".into(), false), ("z".into(), true)]
        );
        assert_eq!(a.heading_shift, 2);
        assert_eq!(a.excerpt, excerpt(MD, EXCERPT_CHARS));
        assert_eq!(a.first_sentence, first_sentence(MD));
        assert_eq!(
            &MD[a.first_sentence.clone().unwrap()],
            "See $x$ and \\(y\\) \\cite{K}."
        );
        assert_eq!(a.citations, cite::scan(MD, 0));
        assert_eq!(a.citations[0].keys, ["K"]);
        assert_eq!(analyze("no headings", true).heading_shift, 0);
    }

    #[test]
    fn analyses_round_trip_through_the_cache() {
        let store = Store::in_memory();
        let first = analyze_cached(MD, true, &store);
        assert_eq!(store.made(), 1);
        assert_eq!(analyze_cached(MD, true, &store), first);
        assert_eq!(store.made(), 1, "the second lookup is a hit");
        assert_eq!(decode(&encode(&first)), Some(first));
        let none = analyze("# Only a heading\n", true);
        assert_eq!(none.first_sentence, None);
        assert_eq!(decode(&encode(&none)), Some(none));
        assert_eq!(decode(&[1, 2]), None);
    }
}
