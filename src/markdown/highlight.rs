//! Code block highlighting with syntect: fenced code becomes `<pre><code>` with CSS-class spans,
//! and the theme stylesheet is produced here. Highlighted blocks go through the derived-work
//! cache, so a warm build loads no syntaxes and highlights nothing. It must not touch anything
//! outside code blocks.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use syntect::highlighting::{Color, Theme, ThemeSet};
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use super::escape_html;
use crate::cache::Store;

/// Classes are prefixed so they cannot clash with the site's own CSS.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// What the cached HTML of a block depends on besides its text and language (a change of the
/// markup changes it, and so renders every page again).
pub(crate) const CACHE_NAMESPACE: &str = "code syntect-5 default-syntaxes hl- region";

/// Syntaxes (loaded on first use) and the cache; build once and share (it is `Sync`).
pub struct Highlighter {
    syntaxes: OnceLock<SyntaxSet>,
    cache: Option<Arc<Store>>,
}

impl Default for Highlighter {
    fn default() -> Self {
        Self::new()
    }
}

impl Highlighter {
    pub fn new() -> Self {
        Highlighter {
            syntaxes: OnceLock::new(),
            cache: None,
        }
    }

    /// A highlighter that keeps what it highlights in `store`, and looks there first.
    pub fn with_cache(store: Arc<Store>) -> Self {
        Highlighter {
            syntaxes: OnceLock::new(),
            cache: Some(store),
        }
    }

    /// `<pre><code>` for `code`; unknown languages are escaped plain text.
    pub fn highlight(&self, code: &str, lang: &str) -> String {
        let Some(store) = &self.cache else {
            return self.highlight_uncached(code, lang);
        };
        let mut h = blake3::Hasher::new();
        h.update(CACHE_NAMESPACE.as_bytes());
        h.update(&(lang.len() as u64).to_le_bytes());
        h.update(lang.as_bytes());
        h.update(code.as_bytes());
        let key = *h.finalize().as_bytes();
        let bytes = store.get_or_make(key, || self.highlight_uncached(code, lang).into_bytes());
        String::from_utf8(bytes).unwrap_or_else(|_| self.highlight_uncached(code, lang))
    }

    fn highlight_uncached(&self, code: &str, lang: &str) -> String {
        let syntaxes = self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines);
        let lang_attr = escape_html(lang);
        let syntax = (!lang.is_empty())
            .then(|| syntaxes.find_syntax_by_token(lang))
            .flatten();
        let body = match syntax {
            Some(syntax) => {
                let mut generator =
                    ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes, CLASS_STYLE);
                let ok = LinesWithEndings::from(code).all(|line| {
                    generator
                        .parse_html_for_line_which_includes_newline(line)
                        .is_ok()
                });
                if ok {
                    generator.finalize()
                } else {
                    escape_html(code)
                }
            }
            None => escape_html(code),
        };
        // A block wider than the column scrolls sideways (style.css): focusable, so keyboards
        // can scroll it too, and a named region, so what takes the focus is announced.
        if lang.is_empty() {
            format!(
                "<pre class=\"code\" tabindex=\"0\" role=\"region\" aria-label=\"Code\"><code>{body}</code></pre>\n"
            )
        } else {
            format!(
                "<pre class=\"code\" data-lang=\"{lang_attr}\" tabindex=\"0\" role=\"region\" aria-label=\"Code: {lang_attr}\"><code class=\"language-{lang_attr}\">{body}</code></pre>\n"
            )
        }
    }

    /// The stylesheet for the highlight classes: a light theme, and a dark one for readers whose
    /// system asks for it, each with its colours made to read on the code background. Each is
    /// under its own media query: the themes style different scopes, and a light colour left
    /// in force on the dark background (a rule only the light theme has) would not read.
    pub fn css() -> &'static str {
        // Loading syntect's themes and writing their rules is ≈1 ms: `serve` asks on every save.
        static CSS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let themes = ThemeSet::load_defaults();
            let css = |name: &str, panel: Color| {
                themes
                    .themes
                    .get(name)
                    .and_then(|t| {
                        css_for_theme_with_class_style(&readable(t, panel), CLASS_STYLE).ok()
                    })
                    .unwrap_or_default()
            };
            format!(
                "/* Generated by sitegen from syntect's themes. */\n@media (prefers-color-scheme: light) {{\n{}\n}}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
                css("InspiredGitHub", PANEL_LIGHT),
                css("base16-ocean.dark", PANEL_DARK)
            )
        });
        &CSS
    }
}

/// The background code blocks are shown on: `--panel` of `static/style.css`, light and dark.
const PANEL_LIGHT: Color = Color {
    r: 0xf3,
    g: 0xf4,
    b: 0xf2,
    a: 0xff,
};
const PANEL_DARK: Color = Color {
    r: 0x20,
    g: 0x24,
    b: 0x2a,
    a: 0xff,
};

/// The contrast every colour of code keeps with its background (WCAG 2 AA for text).
const MIN_CONTRAST: f64 = 4.5;

/// `theme` shown on `panel`: the theme's own backgrounds dropped (code blocks keep the site's
/// panel, and a span on a background of its own would need its colours checked against that)
/// and every text colour moved towards black or white, whichever contrasts more with the panel,
/// just far enough to reach `MIN_CONTRAST`. Syntect's themes have colours that do not
/// ("InspiredGitHub" numbers, #0086b3, are 3.8:1 on the light panel).
fn readable(theme: &Theme, panel: Color) -> Theme {
    let mut theme = theme.clone();
    theme.settings.background = None;
    theme.settings.foreground = theme.settings.foreground.map(|c| contrasting(c, panel));
    for item in &mut theme.scopes {
        item.style.background = None;
        item.style.foreground = item.style.foreground.map(|c| contrasting(c, panel));
    }
    theme
}

/// `color`, or the nearest colour on its way to black or white that contrasts enough with `bg`.
fn contrasting(color: Color, bg: Color) -> Color {
    let black = Color::BLACK;
    let white = Color::WHITE;
    let end = if contrast(black, bg) > contrast(white, bg) {
        black
    } else {
        white
    };
    let mix = |from: u8, to: u8, t: f64| {
        (f64::from(from) + (f64::from(to) - f64::from(from)) * t).round() as u8
    };
    (0..=100)
        .map(|step| {
            let t = f64::from(step) / 100.0;
            Color {
                r: mix(color.r, end.r, t),
                g: mix(color.g, end.g, t),
                b: mix(color.b, end.b, t),
                a: 0xff,
            }
        })
        .find(|&c| contrast(c, bg) >= MIN_CONTRAST)
        .unwrap_or(end)
}

/// The WCAG 2 contrast ratio of two colours (1 to 21).
fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// WCAG 2 relative luminance of an sRGB colour.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

/// Replaces each code block's events with one HTML event; everything else passes through.
pub struct HighlightAdapter<'h, I> {
    inner: I,
    highlighter: &'h Highlighter,
}

impl<'h, I> HighlightAdapter<'h, I> {
    pub fn new(inner: I, highlighter: &'h Highlighter) -> Self {
        HighlightAdapter { inner, highlighter }
    }
}

impl<'a, I> Iterator for HighlightAdapter<'_, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        let (event, _) = self.inner.next()?;
        let Event::Start(Tag::CodeBlock(kind)) = event else {
            return Some(event);
        };
        let lang = match &kind {
            // Only the first word names the language (```rust,ignore or ```python title=x).
            CodeBlockKind::Fenced(info) => info
                .split(|c: char| c.is_whitespace() || c == ',')
                .next()
                .unwrap_or("")
                .to_owned(),
            CodeBlockKind::Indented => String::new(),
        };
        let mut code = String::new();
        for (event, _) in self.inner.by_ref() {
            match event {
                Event::End(TagEnd::CodeBlock) => break,
                Event::Text(t) => code.push_str(&t),
                _ => {}
            }
        }
        Some(Event::Html(CowStr::from(
            self.highlighter.highlight(&code, &lang),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::render_str;
    use super::*;

    #[test]
    fn fenced_code_is_classed_and_escaped() {
        let r = render_str("```rust\nfn main() { let x = 1 < 2; }\n```\n");
        assert!(
            r.html.starts_with(
                r#"<pre class="code" data-lang="rust" tabindex="0" role="region" aria-label="Code: rust"><code class="language-rust">"#
            ),
            "{}",
            r.html
        );
        assert!(r.html.contains("hl-"), "{}", r.html);
        assert!(r.html.contains("&lt;"), "{}", r.html);
    }

    #[test]
    fn unknown_language_and_indented_code_are_plain() {
        let r = render_str("```nosuchlang\n<b>\n```\n\n    $x$ *y*\n");
        assert!(
            r.html
                .contains("<code class=\"language-nosuchlang\">&lt;b&gt;\n</code>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(
                r#"<pre class="code" tabindex="0" role="region" aria-label="Code"><code>$x$ *y*"#
            ),
            "{}",
            r.html
        );
        assert!(!r.has_math);
    }

    #[test]
    fn cached_blocks_are_what_highlighting_gives() {
        let store = Arc::new(Store::in_memory());
        let cached = Highlighter::with_cache(store.clone());
        let code = "def f(x):\n    return x < 1\n";
        let first = cached.highlight(code, "python");
        assert_eq!(first, Highlighter::new().highlight(code, "python"));
        assert_eq!(store.made(), 1);
        assert_eq!(cached.highlight(code, "python"), first);
        // The language is part of the key.
        assert_ne!(cached.highlight(code, "text"), first);
        assert_eq!(store.made(), 2);
    }

    /// The `#rrggbb` values of `css`'s `property: #rrggbb;` declarations.
    fn colours(css: &str, property: &str) -> Vec<Color> {
        let marker = format!("{property}: #");
        css.split(&marker)
            .skip(1)
            .map(|rest| {
                let hex = |i: usize| u8::from_str_radix(&rest[i..i + 2], 16).unwrap();
                Color {
                    r: hex(0),
                    g: hex(2),
                    b: hex(4),
                    a: 0xff,
                }
            })
            .collect()
    }

    #[test]
    fn css_has_both_themes_and_every_colour_reads_on_its_panel() {
        let css = Highlighter::css();
        // Each theme under its own media query: no rule of one is left in force under the other.
        let (_, light) = css
            .split_once("@media (prefers-color-scheme: light) {")
            .unwrap();
        let (light, dark) = light
            .split_once("\n}\n@media (prefers-color-scheme: dark) {")
            .unwrap();
        for (part, panel) in [(light, PANEL_LIGHT), (dark, PANEL_DARK)] {
            assert!(part.contains(".hl-keyword {"), "{part}");
            let all = colours(part, "color");
            assert!(all.len() > 30, "{part}");
            for c in all {
                assert!(contrast(c, panel) >= MIN_CONTRAST, "{c:?} on {panel:?}");
            }
            assert!(colours(part, "background-color").is_empty(), "{part}");
        }
        // A colour that already contrasts is kept; the numbers' blue moves just enough.
        let kept = Color {
            r: 0x32,
            g: 0x32,
            b: 0x32,
            a: 0xff,
        };
        assert_eq!(contrasting(kept, PANEL_LIGHT), kept);
        let blue = Color {
            r: 0x00,
            g: 0x86,
            b: 0xb3,
            a: 0xff,
        };
        assert!(contrast(blue, PANEL_LIGHT) < MIN_CONTRAST);
        let darker = contrasting(blue, PANEL_LIGHT);
        assert!(
            contrast(darker, PANEL_LIGHT) < MIN_CONTRAST + 0.2,
            "{darker:?}"
        );
        assert!(
            darker.b > darker.g && darker.g > darker.r,
            "still blue: {darker:?}"
        );
    }

    #[test]
    fn the_panels_are_the_stylesheets() {
        let style = include_str!("../../static/style.css");
        let (light, dark) = style.split_once("prefers-color-scheme: dark").unwrap();
        let panel = |c: Color| format!("--panel: #{:02x}{:02x}{:02x};", c.r, c.g, c.b);
        assert!(
            light.contains(&panel(PANEL_LIGHT)),
            "{}",
            panel(PANEL_LIGHT)
        );
        assert!(dark.contains(&panel(PANEL_DARK)), "{}", panel(PANEL_DARK));
    }
}
