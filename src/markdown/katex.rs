//! KaTeX through the `katex` crate (QuickJS backend, KaTeX 0.16.4): renders TeX to HTML+MathML,
//! keys expressions for the render cache, encodes and decodes the cache's bytes, and serves the
//! pre-rendered expressions to the markdown pass as a `MathRenderer`. It must not touch the disk
//! (`crate::math_build` reads and writes the cache file and finds the stylesheet) and it must
//! not decide how errors are reported (the math adapter does).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use katex_rs::macros::MacroDefinition;

use super::MathRenderer;
use crate::config::MathEngine;

/// A cache key: blake3 of (namespace, display mode, TeX), the namespace covering the KaTeX
/// version, the output options and the macros.
pub type Key = [u8; 32];

/// What one expression renders to: HTML, or KaTeX's error message.
pub type Rendered = Result<String, String>;

/// KaTeX configured for a site: its engine, and options for inline and display math with the
/// site's macros.
#[derive(Debug, Clone)]
pub struct Katex {
    engine: MathEngine,
    namespace: Key,
    inline: katex::Opts,
    display: katex::Opts,
    macros: BTreeMap<String, String>,
}

thread_local! {
    // katex-rs's function tables: built once per thread, like the QuickJS engine of `katex`.
    static KATEX_RS: katex_rs::KatexContext = katex_rs::KatexContext::default();
}

impl Katex {
    /// KaTeX with `macros` (`"\\R" -> "\\mathbb{R}"`) on `engine`. Cheap: engines start lazily,
    /// once per thread, on the first render.
    pub fn new(engine: MathEngine, macros: &BTreeMap<String, String>) -> Result<Self, String> {
        let opts = |display: bool| {
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
        };
        let mut h = blake3::Hasher::new();
        // Length-prefixed fields so no two macro sets hash alike by concatenation.
        let mut field = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(b"sitegen-math/htmlAndMathml/throwOnError");
        field(engine.name().as_bytes());
        field(engine.katex_version().as_bytes());
        for (name, body) in macros {
            field(name.as_bytes());
            field(body.as_bytes());
        }
        Ok(Katex {
            engine,
            namespace: *h.finalize().as_bytes(),
            inline: opts(false)?,
            display: opts(true)?,
            macros: macros.clone(),
        })
    }

    /// The KaTeX version this renders; pages must load that version's stylesheet.
    pub fn version(&self) -> &'static str {
        self.engine.katex_version()
    }

    pub fn engine(&self) -> MathEngine {
        self.engine
    }

    /// Identifies (engine, KaTeX version, options, macros): caches of another namespace do not
    /// apply.
    pub fn namespace(&self) -> &Key {
        &self.namespace
    }

    pub fn key(&self, tex: &str, display: bool) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(&self.namespace);
        h.update(&[u8::from(display)]);
        h.update(tex.as_bytes());
        *h.finalize().as_bytes()
    }

    /// Renders one expression on this thread's engine.
    pub fn render_one(&self, tex: &str, display: bool) -> Rendered {
        match self.engine {
            MathEngine::Katex => {
                let opts = if display { &self.display } else { &self.inline };
                katex::render_with_opts(tex, opts).map_err(|e| error_message(&e))
            }
            MathEngine::KatexRs => {
                // Settings hold the macros in a RefCell (`\gdef` may change them), so each
                // expression gets its own: one expression's definitions never leak into another.
                let macros = self
                    .macros
                    .iter()
                    .map(|(k, v)| (k.clone(), MacroDefinition::String(v.clone())))
                    .collect();
                let settings = katex_rs::Settings::builder()
                    .display_mode(display)
                    .output(katex_rs::OutputFormat::HtmlAndMathml)
                    .throw_on_error(true)
                    .macros(macros)
                    .build();
                KATEX_RS
                    .with(|ctx| katex_rs::render_to_string(ctx, tex, &settings))
                    .map(|html| katex_attribute_order(&html))
                    .map_err(|e| short_message(&e.to_string()))
            }
        }
    }
}

/// The order KaTeX writes attributes in (its source order, read off KaTeX 0.18.5's output for
/// every construct of the benchmark corpus and this repository). Attributes not listed follow,
/// by name.
const KATEX_ATTRIBUTE_ORDER: &[&str] = &[
    "class",
    "style",
    "xmlns",
    "display",
    "fence",
    "stretchy",
    "minsize",
    "maxsize",
    "mathvariant",
    "mathbackground",
    "width",
    "height",
    "voffset",
    "lspace",
    "rspace",
    "viewBox",
    "preserveAspectRatio",
    "rowspacing",
    "columnalign",
    "columnspacing",
    "scriptlevel",
    "displaystyle",
    "x1",
    "y1",
    "x2",
    "y2",
    "stroke-width",
];

/// katex-rs keeps attributes in a randomly seeded hash map, so their order changes from one run
/// to the next. Rewriting every tag's attributes in KaTeX's order makes the output
/// deterministic (byte-identical rebuilds) and closest to KaTeX's own.
pub fn katex_attribute_order(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        // KaTeX escapes `>` in attribute values, so the first `>` ends the tag.
        let Some(gt) = rest.find('>') else { break };
        reorder_tag(&rest[..=gt], &mut out);
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    out
}

/// Appends `tag` (`<name a="1" b="2">`) to `out` with its attributes in KaTeX's order; anything
/// that is not such a tag is appended unchanged.
fn reorder_tag(tag: &str, out: &mut String) {
    let name_len = tag[1..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(tag.len() - 1);
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    let mut rest = &tag[1 + name_len..];
    loop {
        let trimmed = rest.trim_start();
        let Some((name, after)) = trimmed.split_once("=\"") else {
            break;
        };
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '>') {
            break;
        }
        let Some(end) = after.find('"') else { break };
        attrs.push((name, &after[..end]));
        rest = &after[end + 1..];
    }
    if name_len == 0 || attrs.len() < 2 {
        out.push_str(tag);
        return;
    }
    let rank = |name: &str| {
        KATEX_ATTRIBUTE_ORDER
            .iter()
            .position(|known| *known == name)
            .unwrap_or(KATEX_ATTRIBUTE_ORDER.len())
    };
    attrs.sort_by(|a, b| (rank(a.0), a.0).cmp(&(rank(b.0), b.0)));
    out.push_str(&tag[..1 + name_len]);
    for (name, value) in attrs {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        out.push_str(value);
        out.push('"');
    }
    // What follows the last attribute: `>` or `/>`.
    out.push_str(rest);
}

/// Every distinct expression of a build, rendered: a lookup table for the markdown pass.
#[derive(Debug)]
pub struct Prerendered {
    katex: Katex,
    entries: HashMap<Key, Rendered>,
    /// Expressions KaTeX rendered in this build.
    pub rendered: usize,
    /// Expressions taken from the cache.
    pub cached: usize,
    /// Cache entries this build no longer uses (dropped when the cache is saved).
    pub stale: usize,
}

impl Prerendered {
    /// Fills the table for `exprs` (TeX, display), deduplicated: entries of `cache` are taken as
    /// they are, the others rendered in parallel (one KaTeX engine per rayon thread).
    pub fn build(
        katex: Katex,
        exprs: impl IntoIterator<Item = (String, bool)>,
        mut cache: HashMap<Key, Rendered>,
    ) -> Self {
        let mut wanted: BTreeMap<Key, (String, bool)> = BTreeMap::new();
        for (tex, display) in exprs {
            wanted
                .entry(katex.key(&tex, display))
                .or_insert((tex, display));
        }
        let mut entries = HashMap::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for (key, expr) in wanted {
            match cache.remove(&key) {
                Some(hit) => {
                    entries.insert(key, hit);
                }
                None => missing.push((key, expr)),
            }
        }
        let cached = entries.len();
        let stale = cache.len();
        let fresh: Vec<(Key, Rendered)> = missing
            .par_iter()
            .map(|(key, (tex, display))| (*key, katex.render_one(tex, *display)))
            .collect();
        let rendered = fresh.len();
        entries.extend(fresh);
        Prerendered {
            katex,
            entries,
            rendered,
            cached,
            stale,
        }
    }

    /// True when the cache file already holds exactly these entries, so saving it would
    /// rewrite the same bytes.
    pub fn matches_cache(&self) -> bool {
        self.rendered == 0 && self.stale == 0
    }

    pub fn katex(&self) -> &Katex {
        &self.katex
    }

    /// The cache file's bytes: exactly this build's expressions, in key order.
    pub fn encode(&self) -> Vec<u8> {
        encode(&self.katex.namespace, &self.entries)
    }
}

impl MathRenderer for Prerendered {
    fn render(&self, tex: &str, display: bool) -> Result<String, String> {
        match self.entries.get(&self.katex.key(tex, display)) {
            Some(hit) => hit.clone(),
            // Only reachable if the pre-pass missed an expression: still render it right.
            None => self.katex.render_one(tex, display),
        }
    }
}

const MAGIC: &[u8; 16] = b"sitegen-math-v1\n";

/// Cache file layout: magic, namespace, entry count, entries sorted by key (key, 0 = HTML or
/// 1 = error, u32 length, UTF-8 bytes), then blake3 of everything before it, so a truncated
/// or foreign file is detected and ignored rather than trusted.
pub fn encode(namespace: &Key, entries: &HashMap<Key, Rendered>) -> Vec<u8> {
    let mut sorted: Vec<(&Key, &Rendered)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let size: usize = sorted
        .iter()
        .map(|(_, r)| 37 + r.as_ref().map_or_else(String::len, String::len))
        .sum();
    let mut out = Vec::with_capacity(size + 100);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(namespace);
    out.extend_from_slice(&(sorted.len() as u64).to_le_bytes());
    for (key, value) in sorted {
        out.extend_from_slice(key);
        let (tag, text) = match value {
            Ok(html) => (0u8, html),
            Err(message) => (1u8, message),
        };
        out.push(tag);
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// The entries of a cache file written by `encode` for `namespace`; None when the bytes are not
/// such a file (other version, other macros, truncated, corrupted).
pub fn decode(bytes: &[u8], namespace: &Key) -> Option<HashMap<Key, Rendered>> {
    let body_len = bytes.len().checked_sub(32)?;
    let (body, sum) = bytes.split_at(body_len);
    if blake3::hash(body).as_bytes() != sum {
        return None;
    }
    let mut r = Reader(body);
    if r.take(16)? != MAGIC || r.take(32)? != namespace {
        return None;
    }
    let count = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
    let mut entries = HashMap::with_capacity(usize::try_from(count).ok()?.min(1 << 20));
    for _ in 0..count {
        let key: Key = r.take(32)?.try_into().ok()?;
        let tag = r.take(1)?[0];
        let len = u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize;
        let text = std::str::from_utf8(r.take(len)?).ok()?.to_owned();
        let value = match tag {
            0 => Ok(text),
            1 => Err(text),
            _ => return None,
        };
        entries.insert(key, value);
    }
    r.0.is_empty().then_some(entries)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
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

/// KaTeX's message up to "at position N" (or "at end of input"), without the excerpt after it.
fn short_message(text: &str) -> String {
    if let Some(at) = text.find(" at position ") {
        let digits_start = at + " at position ".len();
        let digits = text[digits_start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        return text[..digits_start + digits].to_owned();
    }
    const END: &str = " at end of input";
    match text.find(END) {
        Some(at) => text[..at + END.len()].to_owned(),
        None => text.to_owned(),
    }
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

    fn katex() -> Katex {
        let mut macros = BTreeMap::new();
        macros.insert("\\vx".to_owned(), "\\mathbf{x}".to_owned());
        Katex::new(MathEngine::Katex, &macros).unwrap()
    }

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
    fn attributes_come_in_katex_order() {
        let html = r#"<mo rspace="0em" mathvariant="normal" lspace="0em">′</mo><mi>x</mi>"#;
        assert_eq!(
            katex_attribute_order(html),
            r#"<mo mathvariant="normal" lspace="0em" rspace="0em">′</mo><mi>x</mi>"#
        );
        let svg = r#"<line y2="1" x1="0" zeta="z" alpha="a" x2="2" y1="3"/> tail"#;
        assert_eq!(
            katex_attribute_order(svg),
            r#"<line x1="0" y1="3" x2="2" y2="1" alpha="a" zeta="z"/> tail"#
        );
        assert_eq!(katex_attribute_order("a < b </span>"), "a < b </span>");
    }

    #[test]
    fn katex_rs_renders_deterministically_with_macros() {
        let mut macros = BTreeMap::new();
        macros.insert("\\vx".to_owned(), "\\mathbf{x}".to_owned());
        let k = Katex::new(MathEngine::KatexRs, &macros).unwrap();
        let html = k
            .render_one("\\vx' = \\begin{aligned} a &= b \\end{aligned}", true)
            .unwrap();
        assert!(html.starts_with("<span class=\"katex-display\">"), "{html}");
        assert!(html.contains("mathbf"), "{html}");
        assert!(
            html.contains(
                r#"<mtable rowspacing="0.25em" columnalign="right left" columnspacing="0em">"#
            ),
            "{html}"
        );
        // Each render draws a new hash seed inside katex-rs; the output must not show it.
        for _ in 0..5 {
            assert_eq!(
                k.render_one("\\vx' = \\begin{aligned} a &= b \\end{aligned}", true)
                    .unwrap(),
                html
            );
        }
        let err = k.render_one("x^1^2", false).unwrap_err();
        assert!(
            err.starts_with("KaTeX parse error: Double superscript at position"),
            "{err}"
        );
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
    fn keys_depend_on_tex_display_and_macros() {
        let k = katex();
        assert_ne!(k.key("x", false), k.key("x", true));
        assert_ne!(k.key("x", false), k.key("y", false));
        let plain = Katex::new(MathEngine::Katex, &BTreeMap::new()).unwrap();
        assert_ne!(k.namespace(), plain.namespace());
        assert_ne!(k.key("x", false), plain.key("x", false));
        assert_eq!(k.key("x", false), katex().key("x", false));
    }

    #[test]
    fn cache_hits_are_not_rendered_again() {
        let exprs = || {
            vec![
                ("a".to_owned(), false),
                ("a".to_owned(), false),
                ("b".to_owned(), true),
                ("\\bad".to_owned(), false),
            ]
        };
        let cold = Prerendered::build(katex(), exprs(), HashMap::new());
        assert_eq!((cold.rendered, cold.cached), (3, 0));
        let bytes = cold.encode();
        let cache = decode(&bytes, katex().namespace()).unwrap();
        assert_eq!(cache.len(), 3);
        let warm = Prerendered::build(katex(), exprs(), cache);
        assert_eq!((warm.rendered, warm.cached), (0, 3));
        assert_eq!(warm.encode(), bytes, "cache files are deterministic");
        assert_eq!(warm.render("b", true), cold.render("b", true));
        assert!(warm.render("\\bad", false).is_err());
        // A new expression is a miss; the old ones still hit.
        let more = Prerendered::build(
            katex(),
            vec![("a".to_owned(), false), ("c".to_owned(), false)],
            decode(&bytes, katex().namespace()).unwrap(),
        );
        assert_eq!((more.rendered, more.cached), (1, 1));
    }

    #[test]
    fn foreign_or_damaged_caches_are_ignored() {
        let k = katex();
        let mut entries = HashMap::new();
        entries.insert(k.key("x", false), Ok("<b>x</b>".to_owned()));
        let bytes = encode(k.namespace(), &entries);
        assert!(decode(&bytes, k.namespace()).is_some());
        let plain = Katex::new(MathEngine::Katex, &BTreeMap::new()).unwrap();
        assert!(decode(&bytes, plain.namespace()).is_none());
        assert!(decode(&bytes[..bytes.len() - 1], k.namespace()).is_none());
        let mut flipped = bytes.clone();
        flipped[60] ^= 1;
        assert!(decode(&flipped, k.namespace()).is_none());
        assert!(decode(b"", k.namespace()).is_none());
    }
}
