//! The default engine: KaTeX itself (the version the `katex` crate bundles) run in QuickJS, one
//! engine per thread. Output is byte-identical to npm KaTeX. Only rendering and its messages.

use std::collections::{BTreeMap, HashMap};

use super::engine::{Rendered, short_message};

/// The macros a thread's options were built for, and its (inline, display) options.
type ThreadOpts = Option<(BTreeMap<String, String>, [katex::Opts; 2])>;

thread_local! {
    // Options are built once per thread and reused: the macros of a site do not change in a build.
    static OPTS: std::cell::RefCell<ThreadOpts> = const { std::cell::RefCell::new(None) };
}

fn opts(display: bool, macros: &BTreeMap<String, String>) -> Result<katex::Opts, String> {
    katex::Opts::builder()
        .display_mode(display)
        .output_type(katex::OutputType::HtmlAndMathml)
        .macros(
            macros
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        )
        .throw_on_error(true)
        .build()
        .map_err(|e| format!("KaTeX options: {e}"))
}

/// Renders `tex` with `macros` on this thread's QuickJS engine.
pub(super) fn render(tex: &str, display: bool, macros: &BTreeMap<String, String>) -> Rendered {
    OPTS.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_none_or(|(m, _)| m != macros) {
            *cell = Some((macros.clone(), [opts(false, macros)?, opts(true, macros)?]));
        }
        let (_, both) = cell.as_ref().expect("options were just set");
        katex::render_with_opts(tex, &both[usize::from(display)]).map_err(|e| error_message(&e))
    })
}

/// KaTeX's own message from a `katex::Error`. The QuickJS backend hands back the thrown value's
/// Rust `Debug` form (`String("ParseError: KaTeX parse error: … at position 5: x + \\̲f̲…")`):
/// unquote it, and drop KaTeX's underlined excerpt after "at position N", since the diagnostic
/// shows the source line with a caret at that very character.
pub fn error_message(err: &katex::Error) -> String {
    let raw = match err {
        katex::Error::JsExecError(s) => s.as_str(),
        other => return other.to_string(),
    };
    let text = unquote_debug(raw).unwrap_or_else(|| raw.to_owned());
    short_message(text.strip_prefix("ParseError: ").unwrap_or(&text))
}

/// Reverses Rust's `Debug` of `String("…")`; None if `s` is not in that form.
fn unquote_debug(s: &str) -> Option<String> {
    let inner = s.strip_prefix("String(\"")?.strip_suffix("\")")?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::config::MathEngine;
    use crate::math::engine::Katex;

    use crate::math::engine::test_katex as katex;

    #[test]
    fn renders_inline_and_display_with_mathml() {
        let k = katex();
        let inline = k.render_one("x^2", false).unwrap();
        assert!(inline.starts_with("<span class=\"katex\">"), "{inline}");
        assert!(inline.contains("<math xmlns="), "{inline}");
        assert!(
            inline.contains("<annotation encoding=\"application/x-tex\">x^2</annotation>"),
            "{inline}"
        );
        let display = k.render_one("x^2", true).unwrap();
        assert!(
            display.starts_with("<span class=\"katex-display\">"),
            "{display}"
        );
        assert!(display.contains("display=\"block\""), "{display}");
    }

    #[test]
    fn macros_from_the_config_apply() {
        let html = katex().render_one("\\vx \\in \\R", false).unwrap();
        assert!(html.contains("mathbf"), "{html}");
        // Without the macro the same TeX is an error.
        let err = Katex::new(MathEngine::Katex, &BTreeMap::new())
            .unwrap()
            .render_one("\\vx \\in \\R", false)
            .unwrap_err();
        assert!(err.contains("Undefined control sequence: \\vx"), "{err}");
    }

    #[test]
    fn error_messages_are_katexs_own_with_the_position() {
        let err = katex().render_one("x + \\foo", false).unwrap_err();
        assert_eq!(
            err,
            "KaTeX parse error: Undefined control sequence: \\foo at position 5"
        );
        let err = katex().render_one("\\frac{1}{", false).unwrap_err();
        assert!(err.starts_with("KaTeX parse error: "), "{err}");
        assert!(err.ends_with(" at end of input"), "{err}");
    }

    #[test]
    fn unquotes_debug_strings() {
        assert_eq!(
            unquote_debug(r#"String("a \\b \"c\" \u{332}")"#).as_deref(),
            Some("a \\b \"c\" \u{332}")
        );
        assert_eq!(unquote_debug("plain"), None);
    }

    #[test]
    fn the_bundled_version_is_the_one_pages_load() {
        assert_eq!(
            katex::KATEX_VERSION.trim(),
            MathEngine::Katex.katex_version()
        );
    }
}
