//! The shape of a summary beyond its HTML: its headings (ids, anchors and the entries of a table
//! of contents), whether it has code, its first sentence (list excerpts) and its plain text
//! (the search index). It reads markdown only; what pages do with the outline is render's.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

use super::options;

/// A summary gets heading anchors and a table of contents from this many headings on.
pub const TOC_MIN_HEADINGS: usize = 3;

/// A heading of a rendered summary, for its table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 for the summary's top level, 2 below it, …
    pub depth: u8,
    pub id: String,
    pub text: String,
}

/// What one pass over the markdown finds before rendering.
pub(super) struct Shape {
    pub(super) top_level: Option<i32>,
    pub(super) headings: usize,
    pub(super) has_code: bool,
}

pub(super) fn shape(markdown: &str) -> Shape {
    let mut shape = Shape {
        top_level: None,
        headings: 0,
        has_code: false,
    };
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                shape.headings += 1;
                let level = level as i32;
                shape.top_level = Some(shape.top_level.map_or(level, |t| t.min(level)));
            }
            Event::Start(Tag::CodeBlock(_)) => shape.has_code = true,
            _ => {}
        }
    }
    shape
}

/// Gives every heading an id (`prefix` + its text as a slug, numbered when repeated) and a
/// visible `#` anchor, and records it for the table of contents.
pub(super) struct Anchors<'a, I> {
    inner: I,
    /// Off for summaries with fewer than `TOC_MIN_HEADINGS` headings: events pass through.
    enabled: bool,
    prefix: &'a str,
    top_level: i32,
    headings: &'a mut Vec<Heading>,
    pending: std::vec::IntoIter<Event<'a>>,
}

impl<'a, I: Iterator<Item = Event<'a>>> Anchors<'a, I> {
    pub(super) fn new(
        inner: I,
        shape: &Shape,
        prefix: &'a str,
        headings: &'a mut Vec<Heading>,
    ) -> Self {
        Anchors {
            inner,
            enabled: shape.headings >= TOC_MIN_HEADINGS,
            top_level: shape.top_level.unwrap_or(1),
            prefix,
            headings,
            pending: Vec::new().into_iter(),
        }
    }

    fn unique_id(&self, text: &str) -> String {
        let base = format!("{}{}", self.prefix, slug(text));
        let taken = |id: &str| self.headings.iter().any(|h| h.id == id);
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|id| !taken(id))
            .unwrap_or(base)
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Anchors<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(e) = self.pending.next() {
            return Some(e);
        }
        let (level, classes, attrs) = match self.inner.next()? {
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) if self.enabled => (level, classes, attrs),
            other => return Some(other),
        };
        let mut body = Vec::new();
        let mut text = String::new();
        for e in self.inner.by_ref() {
            match &e {
                Event::End(TagEnd::Heading(_)) => {
                    let id = self.unique_id(&text);
                    let anchor = format!(
                        " <a class=\"heading-anchor\" href=\"#{id}\" aria-label=\"Link to this section: {}\">#</a>",
                        super::escape_html(text.trim())
                    );
                    self.headings.push(Heading {
                        depth: (level as i32 - self.top_level + 1).clamp(1, 6) as u8,
                        id: id.clone(),
                        text: text.trim().to_owned(),
                    });
                    let mut out = vec![Event::Start(Tag::Heading {
                        level,
                        id: Some(CowStr::from(id)),
                        classes,
                        attrs,
                    })];
                    out.append(&mut body);
                    out.push(Event::Html(CowStr::from(anchor)));
                    out.push(e);
                    self.pending = out.into_iter();
                    return self.pending.next();
                }
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                Event::InlineMath(t) => text.push_str(t),
                _ => {}
            }
            body.push(e);
        }
        None
    }
}

/// An id made of the heading's letters and digits (`Main idea` → `main-idea`).
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in deunicode::deunicode(text).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "section".to_owned()
    } else {
        out.to_owned()
    }
}

/// The byte range (in `markdown`) of the summary's first sentence: the first paragraph up to
/// its first `.`, `?` or `!` followed by a space, outside math and code.
pub fn first_sentence(markdown: &str) -> Option<Range<usize>> {
    let para = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .find_map(|(e, range)| matches!(e, Event::Start(Tag::Paragraph)).then_some(range))?;
    let text = &markdown[para.clone()];
    let bytes = text.as_bytes();
    let (mut in_math, mut in_code) = (false, false);
    let mut end = text.trim_end().len();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' => {}
            b'$' if !in_code && (i == 0 || bytes[i - 1] != b'\\') => in_math = !in_math,
            b'`' if !in_math => in_code = !in_code,
            b'.' | b'?' | b'!' if !in_math && !in_code => {
                let next_is_space = bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace());
                if next_is_space && !abbreviation(&text[..i]) {
                    end = i + 1;
                    break;
                }
            }
            _ => {}
        }
    }
    Some(para.start..para.start + end)
}

/// Whether the word before a `.` is an abbreviation that does not end a sentence.
fn abbreviation(before: &str) -> bool {
    let word = before.rsplit(char::is_whitespace).next().unwrap_or("");
    let word = word.trim_start_matches(['(', '[']).to_ascii_lowercase();
    matches!(
        word.as_str(),
        "e.g" | "i.e" | "al" | "cf" | "vs" | "fig" | "eq" | "sec" | "resp" | "etc" | "approx"
    ) || (word.len() == 1 && word.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The words of a summary, without markup, math or code blocks: what the search index holds.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    let mut in_code_block = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            _ if in_code_block => {}
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            // Runs of spaces are collapsed below.
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_stops_at_the_first_full_stop_outside_math() {
        let md = "# H\n\nWe fit $p(x) = 1.5$ to data, e.g. images. Then more.\n";
        let r = first_sentence(md).unwrap();
        assert_eq!(&md[r], "We fit $p(x) = 1.5$ to data, e.g. images.");
        let md = "One line without a stop";
        assert_eq!(&md[first_sentence(md).unwrap()], md);
        assert_eq!(first_sentence("# Only a heading\n"), None);
    }

    #[test]
    fn plain_text_drops_markup_math_and_code() {
        let md = "# Head\n\nSome *text* with $x$ and `code`.\n\n```\nskipped\n```\n";
        assert_eq!(plain_text(md), "Head Some text with and code.");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Main idea: GANs (2014)"), "main-idea-gans-2014");
        assert_eq!(slug("?!"), "section");
    }
}
