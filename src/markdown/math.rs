//! The math adapters: `BracketMath` turns `\(…\)` and `\[…\]` into the same math events
//! pulldown-cmark gives `$…$` and `$$…$$`; `MathAdapter` turns those events into HTML through a
//! `MathRenderer` and reports render errors at the offending character of the file. They must
//! not parse TeX themselves or decide how errors are treated (the build does, under `--strict`).

use std::collections::VecDeque;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::{RenderedMarkdown, SourceSpan};
use crate::diag::Diagnostic;
use crate::math::MathRenderer;

/// Emits the TeX source escaped inside a marked span: what a page shows when no math engine is
/// configured, and the markup tests compare against.
pub struct TexPassthrough;

impl MathRenderer for TexPassthrough {
    fn render(&self, tex: &str, display: bool) -> Result<String, String> {
        Ok(source_span(tex, display, "math"))
    }
}

/// `<span class="math math-inline">TeX</span>` (or `math-display`), TeX escaped.
pub fn source_span(tex: &str, display: bool, class: &str) -> String {
    let kind = if display { "display" } else { "inline" };
    let escaped = super::escape_text(tex);
    format!("<span class=\"{class} math-{kind}\">{escaped}</span>")
}

pub struct MathAdapter<'a, 'o, I> {
    inner: I,
    renderer: &'o dyn MathRenderer,
    span: &'o SourceSpan<'o>,
    out: &'o mut RenderedMarkdown,
    _events: std::marker::PhantomData<&'a ()>,
}

impl<'a, 'o, I> MathAdapter<'a, 'o, I> {
    pub fn new(
        inner: I,
        renderer: &'o dyn MathRenderer,
        span: &'o SourceSpan<'o>,
        out: &'o mut RenderedMarkdown,
    ) -> Self {
        MathAdapter {
            inner,
            renderer,
            span,
            out,
            _events: std::marker::PhantomData,
        }
    }

    fn render(&mut self, tex: &str, display: bool, range: &Range<usize>) -> String {
        self.out.has_math = true;
        let markdown = self.span.file_text.get(self.span.offset..).unwrap_or("");
        if let Some((command, at)) = crate::math::limits::untrusted_command(tex) {
            // KaTeX draws it in red and says nothing; say why here.
            let units: usize = tex[..at].chars().map(char::len_utf16).sum();
            let message = format!(
                "math: `\\{command}` is shown in red, not rendered: KaTeX's trust setting is off \
                 on purpose, so math cannot link or embed; use a markdown link or image at \
                 position {}",
                units + 1
            );
            self.out.diagnostics.push(Diagnostic::warning(
                self.span.path,
                self.span.file_text,
                self.span.offset + error_offset(markdown, range, tex, &message),
                message,
            ));
        }
        match self.renderer.render(tex, display) {
            Ok(html) => html,
            Err(message) => {
                self.out.diagnostics.push(Diagnostic::warning(
                    self.span.path,
                    self.span.file_text,
                    self.span.offset + error_offset(markdown, range, tex, &message),
                    format!("math: {message}"),
                ));
                let mut html = source_span(tex, display, "math-error");
                // The reader sees the source and why it did not render.
                html.insert_str(
                    html.find('>').map_or(0, |i| i),
                    &format!(" title=\"{}\"", super::escape_html(&message)),
                );
                html
            }
        }
    }
}

/// Where in the renderer's input an error is, from KaTeX's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorAt {
    /// "at position N": 1-based, counted in UTF-16 code units (KaTeX runs in JavaScript).
    Position(usize),
    /// "at end of input".
    End,
}

pub fn error_at(message: &str) -> Option<ErrorAt> {
    if let Some(i) = message.rfind(" at position ") {
        let digits: String = message[i + " at position ".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        return digits.parse().ok().map(ErrorAt::Position);
    }
    message.contains(" at end of input").then_some(ErrorAt::End)
}

/// Byte offset in `markdown` of the character a render error of `tex` (the math event at `range`)
/// points at; the expression's first delimiter when the message names no position.
fn error_offset(markdown: &str, range: &Range<usize>, tex: &str, message: &str) -> usize {
    let raw = markdown.get(range.clone()).unwrap_or("");
    let open = if raw.starts_with("$$") || raw.starts_with('\\') {
        2
    } else {
        usize::from(raw.starts_with('$'))
    };
    let content = range.start + open..range.end.saturating_sub(open).max(range.start + open);
    match error_at(message) {
        Some(ErrorAt::Position(n)) => {
            let in_tex = utf16_to_byte(tex, n.saturating_sub(1));
            locate(markdown, content, tex, in_tex).unwrap_or(range.start)
        }
        Some(ErrorAt::End) => content.end,
        None => range.start,
    }
}

/// Byte offset of the `units`-th UTF-16 code unit of `s` (clamped to its end).
fn utf16_to_byte(s: &str, units: usize) -> usize {
    let mut seen = 0;
    for (i, c) in s.char_indices() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16();
    }
    s.len()
}

/// Finds byte `at` of `tex` in `source[content]`. The TeX is the source minus what markdown
/// strips inside containers (`> ` of block quotes, list indentation), so match it as a
/// subsequence: source characters that do not match the next TeX character are skipped.
fn locate(source: &str, content: Range<usize>, tex: &str, at: usize) -> Option<usize> {
    let src = source.get(content.clone())?;
    let mut src_chars = src.char_indices();
    for (i, c) in tex.char_indices() {
        let found = src_chars.by_ref().find(|&(_, s)| s == c)?;
        if i >= at {
            return Some(content.start + found.0);
        }
    }
    // `at` is the end of the TeX.
    Some(content.end)
}

impl<'a, I> Iterator for MathAdapter<'a, '_, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let (event, range) = self.inner.next()?;
        let event = match event {
            Event::InlineMath(tex) => {
                Event::InlineHtml(CowStr::from(self.render(&tex, false, &range)))
            }
            Event::DisplayMath(tex) => {
                Event::InlineHtml(CowStr::from(self.render(&tex, true, &range)))
            }
            other => other,
        };
        Some((event, range))
    }
}

/// Turns `\(…\)` into `InlineMath` and `\[…\]` into `DisplayMath`, as if written with dollars.
///
/// CommonMark reads `\(` as an escaped `(`: the backslash is dropped and the `(` starts a new
/// `Text` event whose source range begins right after the backslash. So an opener is a `Text`
/// event starting with `(` (or `[`) preceded in the source by `\`; the closer is a later such
/// event with `)` (or `]`) in the same paragraph, with only text, line breaks and balanced
/// emphasis between them. The TeX is taken from the *source* between the two (escapes such as
/// `\\` or `\{` are TeX, not markdown), minus container prefixes after line breaks. Code spans
/// and blocks never produce such events, so they are untouched; an opener without a closer
/// (or with code, HTML or `$` math in between) stays text.
pub struct BracketMath<'a, I> {
    inner: I,
    source: &'a str,
    /// Events taken from `inner` that still have to be looked at (after a failed match).
    replay: VecDeque<(Event<'a>, Range<usize>)>,
    /// Events ready to be handed out.
    ready: VecDeque<(Event<'a>, Range<usize>)>,
    in_code_block: bool,
    /// For `\(` and `\[`: openers that start before this source offset have no closer (a
    /// failed search already looked past them), so they are text without searching again. This
    /// keeps the scan linear: 60,000 `\(` in a row once took 22 s.
    no_closer_before: [usize; 2],
    /// Events looked at while searching for closers, for the test that holds the scan linear.
    searched: usize,
}

/// Longest run of events an opener waits through for its closer.
const MAX_MATH_EVENTS: usize = 4096;

impl<'a, I> BracketMath<'a, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    /// `source` is the markdown the events' ranges point into.
    pub fn new(inner: I, source: &'a str) -> Self {
        BracketMath {
            inner,
            source,
            replay: VecDeque::new(),
            ready: VecDeque::new(),
            in_code_block: false,
            no_closer_before: [0; 2],
            searched: 0,
        }
    }

    fn pull(&mut self) -> Option<(Event<'a>, Range<usize>)> {
        self.replay.pop_front().or_else(|| self.inner.next())
    }

    /// Whether `text` at `range` starts with the escaped delimiter `delim`.
    fn escaped(&self, text: &str, range: &Range<usize>, delim: char) -> bool {
        let bytes = self.source.as_bytes();
        text.starts_with(delim)
            && range.start >= 1
            && bytes.get(range.start - 1) == Some(&b'\\')
            && bytes.get(range.start) == Some(&(delim as u8))
    }

    /// The TeX between the opener's delimiter and the closer's backslash, without the container
    /// prefixes that follow line breaks.
    fn tex(&self, events: &[(Event<'a>, Range<usize>)], start: usize, end: usize) -> String {
        let mut tex = String::new();
        let mut pos = start;
        for pair in events.windows(2) {
            if matches!(pair[0].0, Event::SoftBreak | Event::HardBreak) {
                // The closer's event starts after its backslash: resume no later than `end`.
                let (cut, resume) = (pair[0].1.end, pair[1].1.start.min(end));
                if pos <= cut && cut <= resume && resume <= end {
                    tex.push_str(self.source.get(pos..cut).unwrap_or(""));
                    pos = resume;
                }
            }
        }
        tex.push_str(self.source.get(pos..end).unwrap_or(""));
        tex
    }

    /// After an opener: the math event if a closer follows, else None with every event taken
    /// queued for replay.
    fn close(&mut self, opener: (Event<'a>, Range<usize>), display: bool) -> Option<()> {
        let (open, closer) = if display { ('[', ']') } else { ('(', ')') };
        let kind = usize::from(display);
        let mut events = vec![opener];
        let mut depth = 0usize;
        // Later openers of this kind passed on the way, with their depth of emphasis.
        let mut passed: Vec<(usize, usize)> = Vec::new();
        let mut reach = 0;
        let matched = loop {
            let Some((event, range)) = self.pull() else {
                self.no_closer_before[kind] = usize::MAX;
                break false;
            };
            self.searched += 1;
            reach = reach.max(range.start + 1);
            let is_closer = matches!(&event, Event::Text(t) if self.escaped(t, &range, closer));
            if matches!(&event, Event::Text(t) if self.escaped(t, &range, open)) {
                passed.push((range.start, depth));
            }
            let keep_going = match &event {
                _ if is_closer => false,
                Event::Text(_) | Event::SoftBreak | Event::HardBreak => true,
                Event::Start(tag) if is_inline_markup(tag) => {
                    depth += 1;
                    true
                }
                Event::End(end) if depth > 0 && is_inline_markup_end(end) => {
                    depth -= 1;
                    true
                }
                _ => false,
            };
            let at = range.start;
            events.push((event, range));
            if !keep_going {
                let limit = if is_closer {
                    // A closer inside emphasis may still close a later opener at its depth;
                    // the openers before that one cannot reach it.
                    passed.iter().find(|p| p.1 == depth).map_or(at, |p| p.0)
                } else {
                    reach
                };
                self.no_closer_before[kind] = self.no_closer_before[kind].max(limit);
                break is_closer && depth == 0;
            }
            if events.len() > MAX_MATH_EVENTS {
                self.no_closer_before[kind] = self.no_closer_before[kind].max(reach);
                break false;
            }
        };
        if !matched {
            // The first event is plain text after all; look at the rest again, since an
            // opener of the other kind may be among them.
            let mut events = events.into_iter();
            if let Some(first) = events.next() {
                self.ready.push_back(first);
            }
            for e in events.rev() {
                self.replay.push_front(e);
            }
            return None;
        }
        let (closer_event, closer_range) = events.last().cloned()?;
        let open_at = events[0].1.start;
        let tex = self.tex(&events, open_at + 1, closer_range.start - 1);
        let math = if display {
            Event::DisplayMath(CowStr::from(tex))
        } else {
            Event::InlineMath(CowStr::from(tex))
        };
        self.ready
            .push_back((math, open_at - 1..closer_range.start + 1));
        if let Event::Text(text) = closer_event
            && text.len() > 1
        {
            self.ready.push_back((
                Event::Text(CowStr::from(text[1..].to_owned())),
                closer_range.start + 1..closer_range.end,
            ));
        }
        Some(())
    }
}

fn is_inline_markup(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Superscript | Tag::Subscript
    )
}

fn is_inline_markup_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

impl<'a, I> Iterator for BracketMath<'a, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(ready) = self.ready.pop_front() {
                return Some(ready);
            }
            let (event, range) = self.pull()?;
            match &event {
                Event::Start(Tag::CodeBlock(_)) => self.in_code_block = true,
                Event::End(TagEnd::CodeBlock) => self.in_code_block = false,
                Event::Text(t) if !self.in_code_block => {
                    let display = if self.escaped(t, &range, '(') {
                        false
                    } else if self.escaped(t, &range, '[') {
                        true
                    } else {
                        return Some((event, range));
                    };
                    if range.start < self.no_closer_before[usize::from(display)] {
                        return Some((event, range));
                    }
                    self.close((event, range), display);
                    continue;
                }
                _ => {}
            }
            return Some((event, range));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::render_str;
    use super::*;

    #[test]
    fn passthrough_marks_inline_and_display_math() {
        let r = render_str("a $x<y$ b\n\n$$\\sum_i x_i$$\n");
        assert!(
            r.html
                .contains(r#"<span class="math math-inline">x&lt;y</span>"#),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"<span class="math math-display">\sum_i x_i</span>"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn brackets_are_math_like_dollars() {
        let r = render_str("a \\(x+y\\) b\\(z\\)c\n\n\\[\n\\sum_i *x_i* \\\\ y\n\\]\n");
        assert_eq!(
            r.html,
            "<p>a <span class=\"math math-inline\">x+y</span> b<span class=\"math math-inline\">z</span>c</p>\n\
             <p><span class=\"math math-display\">\n\\sum_i *x_i* \\\\ y\n</span></p>\n"
        );
        assert!(r.has_math);
    }

    #[test]
    fn brackets_in_quotes_lose_the_quote_markers() {
        let r = render_str("> \\[\n> a \\\\\n> b\n> \\]\n");
        assert!(
            r.html
                .contains("<span class=\"math math-display\">\na \\\\\nb\n</span>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn brackets_leave_code_and_unmatched_openers_alone() {
        let r = render_str("`\\(x\\)` and \\\\(y\\) and \\(open\n\n```\n\\(z\\)\n```\n");
        assert!(!r.has_math, "{}", r.html);
        assert!(r.html.contains("<code>\\(x\\)</code>"), "{}", r.html);
        assert!(r.html.contains("\\(y) and (open</p>"), "{}", r.html);
        assert!(r.html.contains("\\(z\\)"), "{}", r.html);
        // Code between the delimiters: not math; the next pair still is.
        let r = render_str("\\(a `b` c\\) \\[d\\]\n");
        assert_eq!(
            r.html,
            "<p>(a <code>b</code> c) <span class=\"math math-display\">d</span></p>\n"
        );
        // An unclosed `\(` does not swallow a later `\[…\]`.
        let r = render_str("\\(a \\[b\\] c\n");
        assert_eq!(
            r.html,
            "<p>(a <span class=\"math math-display\">b</span> c</p>\n"
        );
    }

    #[test]
    fn untrusted_commands_are_warned_about_where_they_are() {
        let r = render_str("see $x + \\href{javascript:alert(1)}{y}$ and $\\url{z}$\n");
        let at: Vec<(usize, usize)> = r.diagnostics.iter().map(|d| (d.line, d.col)).collect();
        assert_eq!(at, [(1, 10), (1, 46)], "{:?}", r.diagnostics);
        assert!(
            r.diagnostics[0]
                .message
                .contains("`\\href` is shown in red")
        );
        assert!(r.diagnostics[0].message.contains("trust setting is off"));
    }

    #[test]
    fn bracket_search_is_linear() {
        for md in [
            "\\(".repeat(60_000),
            "\\[a ".repeat(30_000),
            format!("\\( *{}\\)* x", "\\(".repeat(30_000)),
        ] {
            let events =
                pulldown_cmark::Parser::new_ext(&md, crate::markdown::options()).into_offset_iter();
            let mut math = BracketMath::new(events, &md);
            let (mut events, mut maths) = (0, 0);
            for (event, _) in math.by_ref() {
                events += 1;
                maths += usize::from(matches!(event, Event::InlineMath(_)));
            }
            assert!(
                math.searched <= 2 * events + 2,
                "{} for {events}",
                math.searched
            );
            assert!(maths <= 1);
        }
        // Emphasis between an opener and its closer still pairs the right ones.
        let r = render_str("\\( *a \\(b\\) c*\n");
        assert!(
            r.html
                .contains("<em>a <span class=\"math math-inline\">b</span> c</em>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn error_positions_follow_katex() {
        assert_eq!(
            error_at("KaTeX parse error: Undefined control sequence: \\foo at position 5"),
            Some(ErrorAt::Position(5))
        );
        assert_eq!(
            error_at("KaTeX parse error: Expected '}' at end of input"),
            Some(ErrorAt::End)
        );
        assert_eq!(error_at("something else"), None);
        let md = "é $x + \\foo$ and $$é\\bar{$$\n\n> $$\n> a\n> \\foo\n> $$\n";
        let at = |range: Range<usize>, tex: &str, msg: &str| error_offset(md, &range, tex, msg);
        let inline = md.find('$').unwrap()..md.find(" and").unwrap();
        assert_eq!(
            at(inline.clone(), "x + \\foo", "… at position 5"),
            md.find("\\foo").unwrap()
        );
        assert_eq!(at(inline.clone(), "x + \\foo", "no position"), inline.start);
        let display = md.find("$$").unwrap()..md.find("\n").unwrap();
        // "é" is one UTF-16 unit: position 2 is the backslash.
        assert_eq!(
            at(display.clone(), "é\\bar{", "… at position 2"),
            md.find("\\bar").unwrap()
        );
        assert_eq!(
            at(display.clone(), "é\\bar{", "… at end of input"),
            display.end - 2
        );
        let quoted = md.find("> $$").unwrap() + 2..md.len() - 1;
        assert_eq!(
            at(quoted, "\na\n\\foo\n", "… at position 4"),
            md.rfind("\\foo").unwrap()
        );
    }

    struct Failing;
    impl MathRenderer for Failing {
        fn render(&self, _: &str, _: bool) -> Result<String, String> {
            Err("KaTeX parse error: Undefined control sequence: \\foo".into())
        }
    }

    #[test]
    fn errors_point_at_the_expression_and_show_the_source() {
        let file = "+++\n+++\nline one\nsee $\\foo$ here\n";
        let offset = file.find("line").unwrap();
        let hl = crate::markdown::Highlighter::new();
        let cx = crate::markdown::MarkdownContext {
            highlighter: &hl,
            math: &Failing,
            cites: None,
            raw_html: crate::markdown::RawHtml::Sanitize,
            brackets: false,
            base_path: "/",
        };
        let span = SourceSpan {
            path: std::path::Path::new("p.md"),
            file_text: file,
            offset,
        };
        let r = crate::markdown::render(&file[offset..], &span, &cx);
        assert_eq!(r.diagnostics.len(), 1);
        let d = &r.diagnostics[0];
        assert_eq!((d.line, d.col), (4, 5));
        assert!(
            r.html
                .contains(r#"class="math-error math-inline" title="KaTeX parse error"#),
            "{}",
            r.html
        );
    }
}
