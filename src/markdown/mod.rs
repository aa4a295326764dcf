//! Markdown to HTML for one summary: pulldown-cmark events through a chain of adapters
//! (math delimiters → site links → citations → math → highlight), each passing through what it
//! does not own. It must not read files or know about pages; positions it reports are byte
//! offsets into the paper file.

pub mod analysis;
pub mod cite;
pub mod highlight;
mod links;
pub mod math;
pub mod outline;
mod raw_html;
mod watch;

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use crate::diag::Diagnostic;
pub use crate::load::config::RawHtml;
pub use crate::math::MathRenderer;
pub use analysis::{Analyses, Analysis, analyze, analyze_cached};
pub use highlight::Highlighter;
pub use links::site_link;
pub use math::TexPassthrough;

/// What the markdown stage needs from the rest of the build.
pub struct MarkdownContext<'a> {
    pub highlighter: &'a Highlighter,
    pub math: &'a dyn MathRenderer,
    /// What each cited key links to; None leaves `\cite{..}` as text (no library at hand).
    pub cites: Option<&'a cite::CiteTable>,
    /// Whether the summaries' raw HTML and link targets are sanitized (the default) or trusted.
    pub raw_html: RawHtml,
    /// Whether `\(…\)` and `\[…\]` are math too (`[math] brackets`); CommonMark reads them as
    /// escaped brackets.
    pub brackets: bool,
    /// The path the site lives under (`/` or `/reading-list/`): site-absolute links get it.
    pub base_path: &'a str,
}

/// One summary as HTML, with what the page around it needs to know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderedMarkdown {
    pub html: String,
    pub has_math: bool,
    /// Fenced or indented code: the page needs the highlight stylesheet.
    pub has_code: bool,
    /// The headings, with ids, when there are enough for a table of contents (else empty).
    pub headings: Vec<outline::Heading>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a summary sits, so problems point at the right line of its file.
pub struct SourceSpan<'a> {
    pub path: &'a std::path::Path,
    /// The whole file.
    pub file_text: &'a str,
    /// Byte offset of the summary in `file_text`.
    pub offset: usize,
}

/// The level a summary's top headings get: the page has its `h1` (the title) and an `h2` per
/// summary, so a summary's own `#` or `###` starts at `h3` and no level is skipped.
const SUMMARY_TOP_HEADING: i32 = 3;

fn shift_heading(event: Event<'_>, shift: i32) -> Event<'_> {
    let moved = |level: HeadingLevel| {
        HeadingLevel::try_from((level as i32 + shift).clamp(1, 6) as usize).unwrap_or(level)
    };
    match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: moved(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(moved(level))),
        other => other,
    }
}

/// `s` escaped for HTML text and double-quoted attributes (`& < > " '`).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    pulldown_cmark_escape::escape_html(&mut out, s).ok();
    out
}

/// `s` escaped for HTML text only (`& < >`), as pulldown-cmark writes text.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html_body_text(&mut out, s).ok();
    out
}

pub fn options() -> Options {
    Options::ENABLE_MATH
        | Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
}

/// The events of `markdown` with every math delimiter the site accepts turned into math events:
/// `$…$`, `$$…$$`, GitHub's `` $`…`$ ``, and with `brackets` also `\(…\)` and `\[…\]`.
pub(super) fn math_events(
    markdown: &str,
    brackets: bool,
) -> Box<dyn Iterator<Item = (Event<'_>, Range<usize>)> + '_> {
    let events = Parser::new_ext(markdown, options()).into_offset_iter();
    let events = events.map(move |e| watch::github_math(e, markdown));
    if brackets {
        Box::new(math::BracketMath::new(events, markdown))
    } else {
        Box::new(events)
    }
}

/// Renders `markdown` (a summary, which starts at `span.offset` of its file) to HTML.
pub fn render(markdown: &str, span: &SourceSpan<'_>, cx: &MarkdownContext<'_>) -> RenderedMarkdown {
    let shift = outline::shape(markdown)
        .top_level
        .map_or(0, |top| SUMMARY_TOP_HEADING - top);
    render_analysed(markdown, shift, span, cx, "")
}

/// `render` for a summary whose `Analysis` is at hand (its heading shift), with heading ids
/// starting with `id_prefix` (unique when a page has several summaries).
pub fn render_analysed(
    markdown: &str,
    shift: i32,
    span: &SourceSpan<'_>,
    cx: &MarkdownContext<'_>,
    id_prefix: &str,
) -> RenderedMarkdown {
    let mut out = RenderedMarkdown::default();
    let shape = outline::shape(markdown);
    let mut headings = Vec::new();
    let events: Vec<_> = math_events(markdown, cx.brackets).collect();
    let events = match cx.raw_html {
        RawHtml::Sanitize => raw_html::sanitize(events, span, &mut out.diagnostics),
        RawHtml::Allow => events,
    };
    let mut unparsed = Vec::new();
    let mut watch = watch::TextWatch::new(events.into_iter(), markdown, &mut unparsed);
    let events = watch
        .by_ref()
        .map(|(event, range)| (links::rebase(event, cx.base_path), range));
    let events = cite::CiteAdapter::new(events, markdown, cx.cites);
    let events = math::MathAdapter::new(events, cx.math, span, &mut out);
    let events = highlight::HighlightAdapter::new(events, cx.highlighter);
    let events = events.map(|event| shift_heading(event, shift));
    let events = outline::Anchors::new(events, &shape, id_prefix, &mut headings);
    let mut html_out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html_out, events);
    out.html = html_out;
    out.has_code = shape.has_code;
    out.headings = headings;
    let liquid = watch.liquid;
    let warn = |at: usize, message: String| {
        Diagnostic::warning(span.path, span.file_text, span.offset + at, message)
    };
    for u in unparsed {
        out.diagnostics
            .push(warn(u.at, format!("math: {}", u.message)));
    }
    if let Some(at) = liquid {
        out.diagnostics.push(warn(
            at,
            format!(
                "{LIQUID_WARNING}: sitegen does not run Jekyll's tags, the page shows them as text"
            ),
        ));
    }
    out
}

/// The start of the warning about Liquid tags, which a page reports once per file.
pub const LIQUID_WARNING: &str = "Liquid tag";

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    pub(crate) fn render_str(md: &str) -> RenderedMarkdown {
        let hl = Highlighter::new();
        let cx = MarkdownContext {
            highlighter: &hl,
            math: &TexPassthrough,
            cites: None,
            raw_html: RawHtml::Sanitize,
            brackets: true,
            base_path: "/",
        };
        let span = SourceSpan {
            path: Path::new("p.md"),
            file_text: md,
            offset: 0,
        };
        render(md, &span, &cx)
    }

    #[test]
    fn math_is_never_mangled_by_emphasis() {
        let r = render_str("Let $a_i * b_i * c$ and $$x_1_2$$ be *nice*.\n");
        assert!(r.has_math);
        assert!(r.html.contains("a_i * b_i * c"), "{}", r.html);
        assert!(r.html.contains("<em>nice</em>"), "{}", r.html);
        assert!(!r.html.contains("<em>i"), "{}", r.html);
    }

    #[test]
    fn dollars_that_are_not_math_stay_text() {
        let r = render_str("It costs $5 and $10, or \\$3.\n");
        assert!(!r.has_math, "{}", r.html);
        assert_eq!(r.html, "<p>It costs $5 and $10, or $3.</p>\n");
    }

    #[test]
    fn headings_start_at_h3_and_keep_their_steps() {
        let r = render_str("### How\n\n#### Detail\n\n###### Deep\n");
        let anchor = |id: &str, text: &str| {
            format!(
                "{text} <a class=\"heading-anchor\" href=\"#{id}\" aria-label=\"Link to this section: {text}\">#</a>"
            )
        };
        assert_eq!(
            r.html,
            format!(
                "<h3 id=\"how\">{}</h3>\n<h4 id=\"detail\">{}</h4>\n<h6 id=\"deep\">{}</h6>\n",
                anchor("how", "How"),
                anchor("detail", "Detail"),
                anchor("deep", "Deep")
            ),
            "three headings or more get ids and anchors"
        );
        let depths: Vec<u8> = r.headings.iter().map(|h| h.depth).collect();
        assert_eq!(depths, [1, 2, 4]);
        let r = render_str("# Top\n\n## Next\n");
        assert_eq!(r.html, "<h3>Top</h3>\n<h4>Next</h4>\n");
    }

    #[test]
    fn math_spans_are_what_render_asks_for() {
        let md = "a $x$ b \\(y\\) `$no$`\n\n$$z$$\n\n```\n$no$\n```\n\\[w\\] $5 and $10\n";
        assert_eq!(
            analyze(md, true).math,
            [
                ("x".to_owned(), false),
                ("y".to_owned(), false),
                ("z".to_owned(), true),
                ("w".to_owned(), true)
            ]
        );
    }

    #[test]
    fn tables_footnotes_strikethrough() {
        let r = render_str("|a|b|\n|-|-|\n|1|2|\n\n~~old~~ new[^1]\n\n[^1]: note\n");
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<del>old</del>"), "{}", r.html);
        assert!(r.html.contains("footnote-definition"), "{}", r.html);
    }
}

/// The start of a summary as plain text (no markup, no math), cut at a word boundary near
/// `max` characters: the page's meta description.
pub fn excerpt(markdown: &str, max: usize) -> String {
    // A description reads better without `\cite{..}` commands.
    let mut uncited = String::with_capacity(markdown.len());
    let mut pos = 0;
    for c in cite::scan(markdown, 0) {
        uncited.push_str(&markdown[pos..c.offset]);
        pos = c.end;
    }
    uncited.push_str(&markdown[pos..]);
    let markdown = uncited.as_str();
    let mut text = String::new();
    let mut in_code_block = false;
    let events = Parser::new_ext(markdown, options()).into_offset_iter();
    for (event, _) in events.map(|e| watch::github_math(e, markdown)) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            _ if in_code_block => {}
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => text.push(' '),
            _ => {}
        }
        if text.len() > max * 4 {
            break;
        }
    }
    // Removed citations leave "word ." behind: punctuation joins the word before it.
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(last) if word.starts_with(['.', ',', ';', ':', ')']) => last.push_str(word),
            _ => words.push(word.to_owned()),
        }
    }
    let mut out = String::new();
    for word in words {
        if out.chars().count() + word.chars().count() + 1 > max {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

#[cfg(test)]
mod excerpt_tests {
    #[test]
    fn excerpt_is_plain_and_cut_at_a_word() {
        let md = "# Head\n\nSome *text* with $`x`$ math and `code` here.\n\n```\nskipped\n```\n";
        assert_eq!(
            super::excerpt(md, 100),
            "Head Some text with x math and code here."
        );
        assert_eq!(super::excerpt(md, 14), "Head Some text…");
    }
}
