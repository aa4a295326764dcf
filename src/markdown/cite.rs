//! Citations in summaries: finding `\cite{a, b}` (also `\citep`, `\citet`) in a summary's
//! markdown, and the event adapter that turns them into links. Both walk the same pulldown-cmark
//! events, so code spans, code blocks, math, links and raw HTML are excluded by construction, and
//! what the index stage records is exactly what the page shows.
//!
//! It must not decide what a key means: the index stage (`library`) resolves keys, and the
//! adapter only looks its answers up in a `CiteTable` built from that resolution.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

use super::{escape_html, escape_text};

/// One `\cite{..}` occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The keys as written, trimmed, in order (never empty).
    pub keys: Vec<String>,
    /// Byte offset of the backslash of `\cite`.
    pub offset: usize,
    /// Byte offset just past the closing `}`.
    pub end: usize,
    /// Byte offset of each key, parallel to `keys`, so problems point at the key itself.
    pub key_offsets: Vec<usize>,
}

impl Citation {
    /// The same citation, its offsets moved `by` bytes (from a summary's start to the file's).
    pub fn shifted(&self, by: usize) -> Citation {
        Citation {
            keys: self.keys.clone(),
            offset: self.offset + by,
            end: self.end + by,
            key_offsets: self.key_offsets.iter().map(|o| o + by).collect(),
        }
    }
}

/// Every citation of a summary. `markdown` is the summary and `base` its byte offset in the file;
/// the offsets returned are file offsets.
pub fn scan(markdown: &str, base: usize) -> Vec<Citation> {
    let mut out = Vec::new();
    let mut run: Option<Range<usize>> = None;
    let mut scope = Scope::default();
    for (event, range) in Parser::new_ext(markdown, super::options()).into_offset_iter() {
        if scope.is_text(&event) {
            run = Some(match run {
                Some(r) => r.start..range.end.max(r.end),
                None => range,
            });
            continue;
        }
        if let Some(r) = run.take() {
            out.extend(find(markdown, r, base));
        }
        scope.update(&event);
    }
    if let Some(r) = run {
        out.extend(find(markdown, r, base));
    }
    out
}

/// Where a citation can stand: outside code blocks, links and images. Code spans, math and raw
/// HTML are events of their own and never part of a text run.
#[derive(Default)]
struct Scope {
    code_block: usize,
    link: usize,
}

impl Scope {
    /// Whether `event` belongs to a run of text in which citations count.
    fn is_text(&self, event: &Event<'_>) -> bool {
        matches!(event, Event::Text(_) | Event::SoftBreak) && self.code_block == 0 && self.link == 0
    }

    fn update(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => self.code_block += 1,
            Event::End(TagEnd::CodeBlock) => self.code_block = self.code_block.saturating_sub(1),
            // A citation link inside a link would nest `<a>` elements.
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => self.link += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => self.link = self.link.saturating_sub(1),
            _ => {}
        }
    }
}

/// Citations in the source slice `run` of `markdown`. The source, not the event text, is searched:
/// offsets then map to the file exactly, and an escaped backslash (`\\cite{x}`, a literal
/// "\cite{x}") can be told from a real command. Offsets are `base + position in markdown`.
fn find(markdown: &str, run: Range<usize>, base: usize) -> Vec<Citation> {
    let mut out = Vec::new();
    let Some(src) = markdown.get(run.clone()) else {
        return out;
    };
    let mut from = 0;
    while let Some(found) = src[from..].find("\\cite") {
        let at = from + found;
        from = at + 1;
        if escaped(markdown, run.start + at) {
            continue;
        }
        let mut rest = at + "\\cite".len();
        if let Some(c) = src[rest..]
            .chars()
            .next()
            .filter(|c| *c == 'p' || *c == 't')
        {
            rest += c.len_utf8();
        }
        if !src[rest..].starts_with('{') {
            continue;
        }
        let open = rest + 1;
        let Some(len) = src[open..].find(['}', '{']) else {
            continue;
        };
        if src[open + len..].starts_with('{') {
            continue;
        }
        let close = open + len;
        let mut keys = Vec::new();
        let mut key_offsets = Vec::new();
        let mut pos = open;
        for part in src[open..close].split(',') {
            let lead = part.len() - part.trim_start().len();
            let key = part.trim();
            if !key.is_empty() {
                keys.push(key.to_owned());
                key_offsets.push(base + run.start + pos + lead);
            }
            pos += part.len() + 1;
        }
        if keys.is_empty() {
            continue;
        }
        out.push(Citation {
            keys,
            offset: base + run.start + at,
            end: base + run.start + close + 1,
            key_offsets,
        });
        from = close + 1;
    }
    out
}

/// Whether the byte at `at` is preceded by an odd number of backslashes (so is escaped).
fn escaped(markdown: &str, at: usize) -> bool {
    markdown.as_bytes()[..at]
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count()
        % 2
        == 1
}

/// What a cited key turns into on a page, as the index stage resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiteTarget {
    /// A paper of the reading list: its page, the link text ("Ioffe and Szegedy 2015"), its title.
    Paper {
        url: String,
        text: String,
        title: String,
    },
    /// Not in the list, but a DBLP path: a link to DBLP.
    External { url: String },
    /// Not in the list and nowhere to link to.
    Missing,
}

/// Every cited key of the site and what it renders as. Keys it does not hold render as missing.
pub type CiteTable = BTreeMap<String, CiteTarget>;

/// The markup of one `\cite{..}`: a paper of the list alone is its link ("Ioffe and Szegedy
/// 2015"); anything else is a bracketed group, so a key outside the list reads the same alone or
/// among others: `[DuchiHS11]`, `[GalG16, Ioffe and Szegedy 2015]`.
pub fn cite_html(keys: &[String], table: &CiteTable) -> String {
    let target = |key: &String| table.get(key).unwrap_or(&CiteTarget::Missing);
    let items: Vec<String> = keys.iter().map(|key| key_html(key, target(key))).collect();
    match keys {
        [key] if matches!(target(key), CiteTarget::Paper { .. }) => items.concat(),
        _ => format!("<span class=\"cite-group\">[{}]</span>", items.join(", ")),
    }
}

/// One key's markup; a key outside the list shows as the key (a DBLP path's last segment).
fn key_html(key: &str, target: &CiteTarget) -> String {
    match target {
        CiteTarget::Paper { url, text, title } => format!(
            "<a class=\"cite\" href=\"{}\" title=\"{}\">{}</a>",
            escape_html(url),
            escape_html(title),
            escape_text(text)
        ),
        CiteTarget::External { url } => {
            // The last path segment is the readable part of a DBLP key (`HeZRS15`).
            let short = key.rsplit('/').next().unwrap_or(key);
            format!(
                "<a class=\"cite cite-external\" href=\"{}\" rel=\"external\" title=\"{} on DBLP (not in this reading list)\">{}</a>",
                escape_html(url),
                escape_html(key),
                escape_text(short)
            )
        }
        CiteTarget::Missing => format!(
            "<span class=\"cite cite-missing\" title=\"not in this reading list\">{}</span>",
            escape_text(key)
        ),
    }
}

/// The first adapter of the chain: replaces citations in text with their links. Runs of text
/// are buffered so a citation split over several text events is still found, with the same rules
/// as `scan`. Without a table it passes everything through.
pub struct CiteAdapter<'a, 'o, I> {
    inner: I,
    markdown: &'o str,
    table: Option<&'o CiteTable>,
    scope: Scope,
    run: Vec<(Event<'a>, Range<usize>)>,
    ready: VecDeque<(Event<'a>, Range<usize>)>,
}

impl<'a, 'o, I> CiteAdapter<'a, 'o, I> {
    pub fn new(inner: I, markdown: &'o str, table: Option<&'o CiteTable>) -> Self {
        CiteAdapter {
            inner,
            markdown,
            table,
            scope: Scope::default(),
            run: Vec::new(),
            ready: VecDeque::new(),
        }
    }

    /// Moves the buffered text run to `ready`, with its citations replaced.
    fn flush(&mut self) {
        let run = std::mem::take(&mut self.run);
        let (Some(first), Some(last), Some(table)) = (run.first(), run.last(), self.table) else {
            self.ready.extend(run);
            return;
        };
        let span = first.1.start..last.1.end.max(first.1.start);
        let cites = find(self.markdown, span, 0);
        if cites.is_empty() {
            self.ready.extend(run);
            return;
        }
        let mut emitted = vec![false; cites.len()];
        for (event, range) in run {
            let overlapping = |c: &Citation| c.offset < range.end && c.end > range.start;
            let verbatim =
                matches!(&event, Event::Text(t) if self.markdown.get(range.clone()) == Some(&**t));
            if !verbatim {
                // Text that differs from its source (an entity, an escape) or a line break:
                // kept whole unless it is part of a citation.
                match cites.iter().position(overlapping) {
                    Some(k) if !emitted[k] => {
                        emitted[k] = true;
                        let html = cite_html(&cites[k].keys, table);
                        self.ready.push_back((
                            Event::InlineHtml(CowStr::from(html)),
                            cites[k].offset..cites[k].end,
                        ));
                    }
                    Some(_) => {}
                    None => self.ready.push_back((event, range)),
                }
                continue;
            }
            // The event's text is its source: cut it around the citations.
            let mut pos = range.start;
            for (k, c) in cites.iter().enumerate().filter(|(_, c)| overlapping(c)) {
                if c.offset > pos {
                    self.push_text(pos..c.offset);
                }
                if !emitted[k] {
                    emitted[k] = true;
                    let html = cite_html(&c.keys, table);
                    self.ready
                        .push_back((Event::InlineHtml(CowStr::from(html)), c.offset..c.end));
                }
                pos = pos.max(c.end);
            }
            if pos < range.end {
                self.push_text(pos..range.end);
            }
        }
    }

    fn push_text(&mut self, range: Range<usize>) {
        if let Some(text) = self.markdown.get(range.clone()) {
            self.ready
                .push_back((Event::Text(CowStr::from(text.to_owned())), range));
        }
    }
}

impl<'a, I> Iterator for CiteAdapter<'a, '_, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            match self.inner.next() {
                Some((event, range)) if self.scope.is_text(&event) => {
                    self.run.push((event, range));
                }
                Some((event, range)) => {
                    self.flush();
                    self.scope.update(&event);
                    self.ready.push_back((event, range));
                }
                None => {
                    self.flush();
                    return self.ready.pop_front();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(md: &str) -> Vec<Vec<String>> {
        scan(md, 0).into_iter().map(|c| c.keys).collect()
    }

    #[test]
    fn bare_prefixed_and_multi_key() {
        assert_eq!(keys("see \\cite{KakadeL02}.\n"), [["KakadeL02"]]);
        assert_eq!(
            keys("ResNet \\cite{journals/corr/HeZRS15}\n"),
            [["journals/corr/HeZRS15"]]
        );
        assert_eq!(
            keys("both \\cite{a,  b ,c} here\n"),
            [vec!["a".to_owned(), "b".into(), "c".into()]]
        );
        assert_eq!(keys("\\citep{x} and \\citet{y}\n"), [["x"], ["y"]]);
    }

    #[test]
    fn offsets_point_into_the_file() {
        let md = "one\n\nsee \\cite{a, bb} and *x* \\citet{c}\n";
        let base = 100;
        let cites = scan(md, base);
        assert_eq!(cites.len(), 2);
        let at = |s: &str| base + md.find(s).unwrap();
        assert_eq!(cites[0].offset, at("\\cite{a"));
        assert_eq!(cites[0].key_offsets, [at("a, bb"), at("bb}")]);
        assert_eq!(cites[0].end, at(" and"));
        assert_eq!(cites[1].offset, at("\\citet"));
        assert_eq!(cites[1].key_offsets, [at("c}")]);
    }

    #[test]
    fn never_in_code_math_or_links() {
        assert!(keys("`\\cite{a}`\n").is_empty());
        assert!(keys("```\n\\cite{a}\n```\n").is_empty());
        assert!(keys("    \\cite{a}\n").is_empty());
        assert!(keys("$x \\cite{a}$ and $$\\cite{b}$$\n").is_empty());
        assert!(keys("[\\cite{a}](https://x.org)\n").is_empty());
        assert!(keys("<div>\n\\cite{a}\n</div>\n").is_empty());
        assert_eq!(keys("`code` then \\cite{ok}\n"), [["ok"]]);
    }

    #[test]
    fn escaped_malformed_and_other_commands() {
        assert!(keys("a literal \\\\cite{a}\n").is_empty());
        assert_eq!(
            keys("\\\\\\cite{a}\n"),
            [["a"]],
            "escaped backslash, then a cite"
        );
        assert!(keys("\\cite{} \\cite{ , } \\cite{unclosed\n").is_empty());
        assert!(keys("\\citeauthor{a} \\cite {a} \\cite{a{b}}\n").is_empty());
    }

    #[test]
    fn text_split_into_events_is_merged() {
        // `_` and `\_` make pulldown-cmark split the text; the key is read from the source.
        assert_eq!(keys("x \\cite{a_b_c} y\n"), [["a_b_c"]]);
        let md = "multi \\cite{a,\nb} line\n";
        let c = &scan(md, 0)[0];
        assert_eq!(c.keys, ["a", "b"]);
        assert_eq!(c.key_offsets[1], md.find("b}").unwrap());
    }

    fn table() -> CiteTable {
        let mut t = CiteTable::new();
        t.insert(
            "IoffeS15".into(),
            CiteTarget::Paper {
                url: "/r/papers/bn/".into(),
                text: "Ioffe and Szegedy 2015".into(),
                title: "Batch \"Norm\"".into(),
            },
        );
        t.insert(
            "journals/corr/HeZRS15".into(),
            CiteTarget::External {
                url: "https://dblp.org/rec/journals/corr/HeZRS15".into(),
            },
        );
        t
    }

    fn render(md: &str) -> String {
        let t = table();
        let events = Parser::new_ext(md, super::super::options()).into_offset_iter();
        let events = CiteAdapter::new(events, md, Some(&t)).map(|(e, _)| e);
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events);
        html
    }

    #[test]
    fn renders_links_groups_external_and_missing() {
        assert_eq!(
            render("As \\cite{IoffeS15} show.\n"),
            "<p>As <a class=\"cite\" href=\"/r/papers/bn/\" title=\"Batch &quot;Norm&quot;\">Ioffe and Szegedy 2015</a> show.</p>\n"
        );
        let html = render("ResNet \\cite{journals/corr/HeZRS15}\n");
        assert!(html.contains("<a class=\"cite cite-external\" href=\"https://dblp.org/rec/journals/corr/HeZRS15\" rel=\"external\""), "{html}");
        assert!(html.contains(">HeZRS15</a>]</span>"), "{html}");
        assert!(
            html.contains("<span class=\"cite-group\">[<a class=\"cite cite-external\""),
            "{html}"
        );
        assert_eq!(
            render("\\cite{KakadeL02}\n"),
            "<p><span class=\"cite-group\">[<span class=\"cite cite-missing\" title=\"not in this reading list\">KakadeL02</span>]</span></p>\n"
        );
        let html = render("x \\citep{IoffeS15, KakadeL02} y\n");
        assert!(
            html.starts_with("<p>x <span class=\"cite-group\">[<a class=\"cite\""),
            "{html}"
        );
        assert!(
            html.ends_with(">KakadeL02</span>]</span> y</p>\n"),
            "{html}"
        );
    }

    #[test]
    fn adapter_leaves_code_escapes_and_other_text_alone() {
        assert_eq!(
            render("`\\cite{IoffeS15}` a &amp; \\\\cite{x} *b*\n"),
            "<p><code>\\cite{IoffeS15}</code> a &amp; \\cite{x} <em>b</em></p>\n"
        );
        let html = render("a &amp; \\cite{a_b} &lt; c\n");
        assert_eq!(
            html,
            "<p>a &amp; <span class=\"cite-group\">[<span class=\"cite cite-missing\" title=\"not in this reading list\">a_b</span>]</span> &lt; c</p>\n"
        );
        // A citation over two lines (a soft break inside the braces) is still one group.
        let html = render("see \\cite{IoffeS15,\nKakadeL02} here\n");
        assert!(
            html.starts_with("<p>see <span class=\"cite-group\">[<a class=\"cite\""),
            "{html}"
        );
        assert!(
            html.ends_with("KakadeL02</span>]</span> here</p>\n"),
            "{html}"
        );
        // No table: nothing changes.
        let md = "\\cite{IoffeS15}\n";
        let events = Parser::new_ext(md, super::super::options()).into_offset_iter();
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            CiteAdapter::new(events, md, None).map(|(e, _)| e),
        );
        assert_eq!(html, "<p>\\cite{IoffeS15}</p>\n");
    }
}
