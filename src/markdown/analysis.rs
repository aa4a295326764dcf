//! What the build needs to know about a summary before and around rendering it (its math
//! expressions, how far its headings move, its excerpt), computed once per summary text and kept
//! in the derived-work cache, so a warm build parses each summary only to render it. It must not
//! render HTML or know about pages.

use pulldown_cmark::{Event, Tag};

use super::{SUMMARY_TOP_HEADING, excerpt, math_events};
use crate::cache::Store;

/// Length of the excerpt a paper page uses as its meta description.
pub const EXCERPT_CHARS: usize = 160;

/// What one parse of a summary tells the later stages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Every math expression as (TeX, display), in order: what rendering will ask for.
    pub math: Vec<(String, bool)>,
    /// How far every heading moves so the highest lands on `h3`.
    pub heading_shift: i32,
    /// The plain-text start of the summary (`EXCERPT_CHARS` at most).
    pub excerpt: String,
}

/// The analysis of `markdown` (`brackets`: `[math] brackets`), from `store` when this text was
/// analysed before.
pub fn analyze_cached(markdown: &str, brackets: bool, store: &Store) -> Analysis {
    let mut h = blake3::Hasher::new();
    h.update(b"summary analysis v1\0");
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
    out
}

fn encode(a: &Analysis) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&a.heading_shift.to_le_bytes());
    let text = |s: &str, out: &mut Vec<u8>| {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    text(&a.excerpt, &mut out);
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
    fn text(bytes: &mut &[u8]) -> Option<String> {
        let len = u32::from_le_bytes(take(bytes, 4)?.try_into().ok()?) as usize;
        String::from_utf8(take(bytes, len)?.to_vec()).ok()
    }
    let heading_shift = i32::from_le_bytes(take(&mut bytes, 4)?.try_into().ok()?);
    let excerpt = text(&mut bytes)?;
    let mut math = Vec::new();
    while !bytes.is_empty() {
        let display = take(&mut bytes, 1)?[0] == 1;
        math.push((text(&mut bytes)?, display));
    }
    Some(Analysis {
        math,
        heading_shift,
        excerpt,
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
        assert_eq!(decode(&[1, 2]), None);
    }
}
