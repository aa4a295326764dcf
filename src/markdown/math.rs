//! The math adapter: turns pulldown-cmark's `InlineMath` / `DisplayMath` events into HTML through
//! a `MathRenderer`, and reports render errors at their position in the file. It must not parse
//! TeX itself or decide how errors are treated (the build does, under `--strict`).

use std::ops::Range;

use pulldown_cmark::{CowStr, Event};

use super::{RenderedMarkdown, SourceSpan};
use crate::diag::Diagnostic;

/// Something that turns TeX into HTML. `Sync` so pages render in parallel.
pub trait MathRenderer: Sync {
    /// HTML for `tex`, or the renderer's error message.
    fn render(&self, tex: &str, display: bool) -> Result<String, String>;
}

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
    let mut escaped = String::with_capacity(tex.len() + 8);
    pulldown_cmark_escape::escape_html_body_text(&mut escaped, tex).ok();
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
        match self.renderer.render(tex, display) {
            Ok(html) => html,
            Err(message) => {
                self.out.diagnostics.push(Diagnostic::warning(
                    self.span.path,
                    self.span.file_text,
                    self.span.offset + range.start,
                    format!("math: {message}"),
                ));
                let mut html = source_span(tex, display, "math-error");
                // The reader sees the source and why it did not render.
                html.insert_str(
                    html.find('>').map_or(0, |i| i),
                    &format!(" title=\"{}\"", escape_attr(&message)),
                );
                html
            }
        }
    }
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).ok();
    out
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
