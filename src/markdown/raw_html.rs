//! Raw HTML and link targets of a summary, made safe before anything else sees the events:
//! the raw HTML events of the markdown source go through `ammonia` (scripts, event handlers,
//! frames, styles and non-web URLs removed; images, tables, sub/sup, details and the like
//! kept), markdown links and images to `javascript:`, `data:`, … lose their target, and every
//! removal is a warning at its place in the paper file. It sees only the parser's events, so
//! the HTML sitegen itself makes (math, citations, highlighting) is never touched; it must not
//! change anything when `[markdown] raw_html = "allow"`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::SourceSpan;
use crate::diag::Diagnostic;
use crate::load::url;

type Spanned<'a> = (Event<'a>, Range<usize>);

/// What the sanitizer allows: ammonia's defaults (formatting, lists, tables, images, links,
/// sub/sup, details/summary, code, …) plus `class` and `id` on any of them, and only web and
/// mail links, the same schemes markdown links may use.
static POLICY: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut policy = ammonia::Builder::default();
    policy
        .add_generic_attributes(["class", "id"])
        .add_tag_attributes("details", ["open"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    policy
});

/// Removals listed one by one per summary; the rest are counted in one more warning.
const MAX_LISTED: usize = 50;

/// The README section that explains the policy, named in every warning.
const SEE: &str = "see \"Raw HTML and URLs\" in the README";

/// Where a marker for the events between two raw HTML fragments starts and ends. Private-use
/// characters: the source's own are replaced before sanitizing, so a summary cannot forge one.
const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';

/// `events` (the parser's, in order) with their raw HTML sanitized and unsafe link targets
/// removed; each removal is pushed to `diags`.
pub(super) fn sanitize<'a>(
    events: Vec<Spanned<'a>>,
    span: &SourceSpan<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Spanned<'a>> {
    let events = check_links(events, span, diags);
    if !events
        .iter()
        .any(|(e, _)| matches!(e, Event::Html(_) | Event::InlineHtml(_)))
    {
        return events;
    }
    // The raw HTML of the whole summary is sanitized as one fragment, so a tag opened in one
    // event and closed in another is understood; the events between raw fragments stand in
    // it as numbered markers (text), put back in place afterwards.
    let mut fragment = String::new();
    let mut pieces: Vec<(usize, Range<usize>)> = Vec::new();
    let mut groups: Vec<Vec<Spanned<'a>>> = Vec::new();
    let mut in_group = false;
    let mut first_raw = 0..0;
    for (event, range) in events {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                if pieces.is_empty() {
                    first_raw = range.clone();
                }
                pieces.push((fragment.len(), range));
                fragment.extend(html.chars().map(|c| match c {
                    MARK_OPEN | MARK_CLOSE => char::REPLACEMENT_CHARACTER,
                    c => c,
                }));
                in_group = false;
            }
            other => {
                if !in_group {
                    fragment.push(MARK_OPEN);
                    fragment.push_str(&groups.len().to_string());
                    fragment.push(MARK_CLOSE);
                    groups.push(Vec::new());
                    in_group = true;
                }
                if let Some(group) = groups.last_mut() {
                    group.push((other, range));
                }
            }
        }
    }
    let warned = diags.len();
    report_removals(&fragment, &pieces, span, diags);
    let clean = POLICY.clean(&fragment).to_string();
    let mut groups: Vec<Option<Vec<Spanned<'a>>>> = groups.into_iter().map(Some).collect();
    let mut out = Vec::new();
    match split_at_markers(&clean) {
        Some(parts) => {
            for part in parts {
                match part {
                    Part::Html(html) if !html.is_empty() => out.push((
                        Event::InlineHtml(CowStr::from(html.to_owned())),
                        first_raw.clone(),
                    )),
                    Part::Html(_) => {}
                    // Events inside removed content (a `<script>`'s) are dropped with it.
                    Part::Events(n) => {
                        out.extend(groups.get_mut(n).and_then(Option::take).unwrap_or_default())
                    }
                }
            }
        }
        // Never seen, but if the sanitizer ever put sitegen's markup inside a tag, the raw
        // HTML is shown as text instead.
        None => {
            diags.truncate(warned);
            diags.push(Diagnostic::warning(
                span.path,
                span.file_text,
                span.offset + first_raw.start,
                format!("raw HTML could not be sanitized, so it is shown as text; {SEE}"),
            ));
            return as_text(&fragment, groups);
        }
    }
    // Markdown swallowed by broken HTML (an unclosed attribute) is gone: say so when no removal
    // above explains it.
    if diags.len() == warned && groups.iter().any(Option::is_some) {
        diags.push(Diagnostic::warning(
            span.path,
            span.file_text,
            span.offset + first_raw.start,
            format!("raw HTML: text after this unclosed or broken HTML was dropped; {SEE}"),
        ));
    }
    out
}

/// Markdown links and images whose target is not a web, mail or relative URL lose the target
/// (their text stays).
fn check_links<'a>(
    events: Vec<Spanned<'a>>,
    span: &SourceSpan<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Spanned<'a>> {
    let mut out = Vec::with_capacity(events.len());
    // For each open link or image: whether it was removed.
    let mut open: Vec<bool> = Vec::new();
    let mut removed = 0;
    for (event, range) in events {
        let keep = match &event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                let unsafe_target = !url::is_safe_link(dest_url);
                if unsafe_target {
                    let scheme = url::scheme(dest_url).unwrap_or_default();
                    let source = span
                        .file_text
                        .get(span.offset + range.start..)
                        .unwrap_or("");
                    let at = source
                        .get(..range.len())
                        .and_then(|s| s.find(&**dest_url))
                        .unwrap_or(0);
                    let what = if matches!(event, Event::Start(Tag::Image { .. })) {
                        "image"
                    } else {
                        "link"
                    };
                    removed += 1;
                    if removed <= MAX_LISTED {
                        diags.push(Diagnostic::warning(
                            span.path,
                            span.file_text,
                            span.offset + range.start + at,
                            format!(
                                "{what} to a `{scheme}:` URL removed: summaries link only to \
                                 http(s), mailto and relative URLs; {SEE}"
                            ),
                        ));
                    }
                }
                open.push(unsafe_target);
                !unsafe_target
            }
            Event::End(TagEnd::Link | TagEnd::Image) => open.pop() != Some(true),
            _ => true,
        };
        if keep {
            out.push((event, range));
        }
    }
    if removed > MAX_LISTED {
        diags.push(Diagnostic::warning(
            span.path,
            span.file_text,
            span.offset,
            format!(
                "{} more links to unsafe URLs removed in this summary are not listed; {SEE}",
                removed - MAX_LISTED
            ),
        ));
    }
    out
}

/// A piece of sanitized HTML, or the place of a group of markdown events.
#[derive(Debug, PartialEq)]
enum Part<'h> {
    Html(&'h str),
    Events(usize),
}

/// Splits serialized HTML at the markers. None if a marker is not in text (inside a tag or a
/// comment), where putting markup back would be unsafe.
fn split_at_markers(html: &str) -> Option<Vec<Part<'_>>> {
    #[derive(PartialEq)]
    enum State {
        Text,
        Tag { quoted: bool },
        Comment,
    }
    let mut parts = Vec::new();
    let mut state = State::Text;
    let mut start = 0;
    let mut chars = html.char_indices();
    while let Some((i, c)) = chars.next() {
        state = match (state, c) {
            (State::Text, '<') if html[i..].starts_with("<!--") => State::Comment,
            (State::Text, '<') => State::Tag { quoted: false },
            (State::Text, MARK_OPEN) => {
                parts.push(Part::Html(&html[start..i]));
                let digits = &html[i + MARK_OPEN.len_utf8()..];
                let len = digits.find(MARK_CLOSE)?;
                parts.push(Part::Events(digits[..len].parse().ok()?));
                start = i + MARK_OPEN.len_utf8() + len + MARK_CLOSE.len_utf8();
                while chars.next().is_some_and(|(_, c)| c != MARK_CLOSE) {}
                State::Text
            }
            (State::Tag { quoted }, '"') => State::Tag { quoted: !quoted },
            (State::Tag { quoted: false }, '>') => State::Text,
            (State::Comment, '>') if html[..=i].ends_with("-->") => State::Text,
            (_, MARK_OPEN) => return None,
            (state, _) => state,
        };
    }
    parts.push(Part::Html(&html[start..]));
    Some(parts)
}

/// The fallback: raw HTML escaped as text, the other events as they were.
fn as_text<'a>(fragment: &str, groups: Vec<Option<Vec<Spanned<'a>>>>) -> Vec<Spanned<'a>> {
    let mut groups: Vec<Vec<Spanned<'a>>> = groups.into_iter().flatten().collect();
    let mut out = Vec::new();
    let mut rest = fragment;
    let mut n = 0;
    while let Some(at) = rest.find(MARK_OPEN) {
        out.push((Event::Text(CowStr::from(rest[..at].to_owned())), 0..0));
        out.append(groups.get_mut(n).unwrap_or(&mut Vec::new()));
        n += 1;
        let close = rest[at..]
            .find(MARK_CLOSE)
            .map_or(rest.len(), |i| at + i + MARK_CLOSE.len_utf8());
        rest = &rest[close..];
    }
    out.push((Event::Text(CowStr::from(rest.to_owned())), 0..0));
    out
}

/// A tag of the fragment as html5ever's tokenizer reads it (as a browser would).
struct TagToken {
    start: bool,
    name: String,
    attrs: Vec<(String, String)>,
}

/// Collects the tags of a fragment, switching to raw text inside `<script>`, `<style>` and
/// the like the way a browser's tree builder does, so what they hold is not read as tags.
#[derive(Default)]
struct TagSink(RefCell<Vec<TagToken>>);

impl TokenSink for TagSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        let name = tag.name.to_string();
        let start = tag.kind == TagKind::StartTag;
        let next = match name.as_str() {
            "script" if start => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" if start => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "textarea" | "title" if start => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" if start => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        };
        let attrs = tag
            .attrs
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect();
        self.0.borrow_mut().push(TagToken { start, name, attrs });
        next
    }
}

fn tags(html: &str) -> Vec<TagToken> {
    let tokenizer = Tokenizer::new(TagSink::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Warns about each tag and attribute of `fragment` the policy removes, at its place in the
/// paper file. Each start tag is put through the sanitizer alone (inside a table when it only
/// exists there) and compared with what comes out.
fn report_removals(
    fragment: &str,
    pieces: &[(usize, Range<usize>)],
    span: &SourceSpan<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let lower = fragment.to_ascii_lowercase();
    let mut cursor = 0;
    // Set once a tag's text is not found where expected (a name html5ever changed, such as one
    // holding a NUL): later tags are placed at the last known point rather than searched for
    // again, which keeps this linear.
    let mut lost = false;
    let mut probed: HashMap<String, Option<Vec<(String, String)>>> = HashMap::new();
    let mut removals = 0;
    for tag in tags(fragment) {
        let needle = if tag.start {
            format!("<{}", tag.name)
        } else {
            format!("</{}", tag.name)
        };
        let found = if lost {
            None
        } else {
            lower[cursor..].find(&needle)
        };
        let at = found.map_or(cursor, |i| cursor + i);
        lost |= found.is_none();
        cursor = (at + 1).min(lower.len());
        if !tag.start {
            continue;
        }
        let mut warn = |message: String| {
            removals += 1;
            if removals <= MAX_LISTED {
                diags.push(Diagnostic::warning(
                    span.path,
                    span.file_text,
                    span.offset + source_offset(pieces, at),
                    format!("raw HTML: {message}; {SEE}"),
                ));
            }
        };
        let probe_html = probe_html(&tag);
        let kept = match probed.get(&probe_html) {
            Some(kept) => kept.clone(),
            None => {
                let kept = probe(&probe_html, &tag.name);
                probed.insert(probe_html, kept.clone());
                kept
            }
        };
        let Some(kept) = kept else {
            let content = if matches!(tag.name.as_str(), "script" | "style") {
                " and its content"
            } else {
                ""
            };
            warn(format!(
                "removed `<{}>`{content}: the tag is not allowed in summaries",
                tag.name
            ));
            continue;
        };
        for (name, value) in &tag.attrs {
            if kept.iter().any(|(n, v)| n == name && v == value) {
                continue;
            }
            let why = match url::scheme(value) {
                _ if name.starts_with("on") => "event handlers are not allowed".to_owned(),
                Some(s) if !url::is_safe_link(value) => format!("`{s}:` URLs are not allowed"),
                _ => "the attribute is not allowed".to_owned(),
            };
            warn(format!("removed `{name}` from `<{}>`: {why}", tag.name));
        }
    }
    if removals > MAX_LISTED {
        diags.push(Diagnostic::warning(
            span.path,
            span.file_text,
            span.offset + pieces.first().map_or(0, |p| p.1.start),
            format!(
                "raw HTML: {} more removals in this summary are not listed; {SEE}",
                removals - MAX_LISTED
            ),
        ));
    }
}

/// `tag` alone, as the policy is asked about it: inside a table when it only exists there.
fn probe_html(tag: &TagToken) -> String {
    let mut html = match tag.name.as_str() {
        "td" | "th" => "<table><tr>",
        "tr" | "tbody" | "thead" | "tfoot" | "caption" | "colgroup" => "<table>",
        "col" => "<table><colgroup>",
        _ => "",
    }
    .to_owned();
    html.push('<');
    html.push_str(&tag.name);
    for (name, value) in &tag.attrs {
        html.push_str(&format!(" {name}=\"{}\"", super::escape_html(value)));
    }
    html.push('>');
    html
}

/// The attributes the policy keeps on the tag `name` of `html` (from `probe_html`), or None
/// when it removes the tag.
fn probe(html: &str, name: &str) -> Option<Vec<(String, String)>> {
    let clean = POLICY.clean(html).to_string();
    tags(&clean)
        .into_iter()
        .find(|t| t.start && t.name == name)
        .map(|t| t.attrs)
}

/// The offset in the summary of byte `at` of the fragment.
fn source_offset(pieces: &[(usize, Range<usize>)], at: usize) -> usize {
    let i = pieces.partition_point(|(start, _)| *start <= at).max(1) - 1;
    pieces.get(i).map_or(0, |(start, range)| {
        (range.start + (at - start)).min(range.end.max(range.start))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::tests::render_str;

    fn warnings(md: &str) -> Vec<String> {
        render_str(md)
            .diagnostics
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.col, d.message))
            .collect()
    }

    #[test]
    fn scripts_handlers_frames_and_bad_urls_are_removed_with_a_warning() {
        let md = "Hi <script>alert(1)</script> there.\n\n\
                  <img src=\"x.png\" onerror=\"alert(2)\" alt=\"a\">\n\n\
                  <iframe src=\"https://evil.org\"></iframe>\n\n\
                  a <a href=\"javascript:alert(3)\">link</a> and [md](javascript:alert(4)) \
                  ![pic](data:text/html,x)\n";
        let r = render_str(md);
        for bad in [
            "<script",
            "alert",
            "onerror",
            "<iframe",
            "javascript:",
            "data:",
        ] {
            assert!(!r.html.contains(bad), "{bad} in {}", r.html);
        }
        assert!(
            r.html.contains("<img src=\"x.png\" alt=\"a\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<p>Hi  there.</p>"), "{}", r.html);
        assert!(r.html.contains(">link</a> and md pic"), "{}", r.html);
        let w = warnings(md);
        assert_eq!(w.len(), 6, "{w:#?}");
        // Link targets are checked first; the build sorts diagnostics by position.
        let starts = [
            "7:51 link to a `javascript:` URL removed",
            "7:79 image to a `data:` URL removed",
            "1:4 raw HTML: removed `<script>` and its content",
            "3:1 raw HTML: removed `onerror` from `<img>`: event handlers",
            "5:1 raw HTML: removed `<iframe>`",
            "7:3 raw HTML: removed `href` from `<a>`: `javascript:` URLs",
        ];
        for (got, want) in w.iter().zip(starts) {
            assert!(got.starts_with(want), "{got} does not start with {want}");
        }
    }

    #[test]
    fn safe_html_and_markdown_between_it_survive() {
        let md = "<details>\n<summary>More</summary>\n\nSome *markdown* with $x$.\n\n</details>\n\n\
                  H<sub>2</sub>O and x<sup>2</sup>, <span class=\"note\">noted</span>.\n\n\
                  <table><tr><td colspan=\"2\">cell</td></tr></table>\n";
        let r = render_str(md);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(
            r.html.contains("<details>\n<summary>More</summary>\n<p>Some <em>markdown</em> with <span class=\"math math-inline\">x</span>.</p>\n</details>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("H<sub>2</sub>O and x<sup>2</sup>, <span class=\"note\">noted</span>."),
            "{}",
            r.html
        );
        assert!(r.html.contains("<td colspan=\"2\">cell</td>"), "{}", r.html);
    }

    #[test]
    fn summaries_cannot_forge_markers_or_escape_a_tag() {
        let md = "<div title=\"a\n\n\u{E000}0\u{E001} b\" onclick=\"x\">t</div>\n";
        let r = render_str(md);
        assert!(!r.html.contains("onclick"), "{}", r.html);
        assert!(!r.html.contains('\u{E000}'), "{}", r.html);
    }

    #[test]
    fn many_tags_are_sanitized_and_reported_in_linear_work() {
        // 20,000 removals: the first ones listed, the rest counted.
        let md = "<b onclick=\"x\">a</b>".repeat(20_000);
        let r = render_str(&md);
        assert_eq!(r.diagnostics.len(), MAX_LISTED + 1);
        let last = &r.diagnostics[MAX_LISTED].message;
        assert!(last.contains("19950 more removals"), "{last}");
        assert!(!r.html.contains("onclick"));
        assert_eq!(r.html.matches("<b>a</b>").count(), 20_000);
    }

    #[test]
    fn markers_split_only_in_text() {
        let m = |n: usize| format!("{MARK_OPEN}{n}{MARK_CLOSE}");
        assert_eq!(
            split_at_markers(&format!("<b>{}</b>{}", m(0), m(1))),
            Some(vec![
                Part::Html("<b>"),
                Part::Events(0),
                Part::Html("</b>"),
                Part::Events(1),
                Part::Html("")
            ])
        );
        assert_eq!(split_at_markers(&format!("<b title=\"{}\">", m(0))), None);
        assert_eq!(split_at_markers(&format!("<!-- {} -->", m(0))), None);
    }
}
