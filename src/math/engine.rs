//! The math engines behind one `Katex` type: which engine a site uses, the namespace and keys
//! that identify a rendering (engine, KaTeX version, options, macros) for the cache, and
//! dispatch to the engine compiled in (`katex` and `katex-rs` are cargo features). It must not
//! touch the disk (`math::cache` does) or decide how errors are reported (the math adapter does).

use std::collections::BTreeMap;

use crate::load::config::MathEngine;

/// A cache key: blake3 of (namespace, display mode, TeX), the namespace covering the KaTeX
/// version, the output options and the macros.
pub type Key = [u8; 32];

/// What one expression renders to: HTML, or KaTeX's error message.
pub type Rendered = Result<String, String>;

/// KaTeX configured for a site: its engine and the site's macros.
#[derive(Debug, Clone)]
pub struct Katex {
    engine: MathEngine,
    namespace: Key,
    macros: BTreeMap<String, String>,
}

impl Katex {
    /// KaTeX with `macros` (`"\\R" -> "\\mathbb{R}"`) on `engine`. Cheap: engines start lazily,
    /// once per thread, on the first render.
    pub fn new(engine: MathEngine, macros: &BTreeMap<String, String>) -> Result<Self, String> {
        if !engine.is_built_in() {
            return Err(format!(
                "math engine {0} is not built into this sitegen: rebuild it with `--features {0}`",
                engine.name()
            ));
        }
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
            #[cfg(feature = "katex")]
            MathEngine::Katex => super::katex_js::render(tex, display, &self.macros),
            #[cfg(feature = "katex-rs")]
            MathEngine::KatexRs => super::katex_rs::render(tex, display, &self.macros),
            #[allow(unreachable_patterns)]
            other => Err(format!("math engine {} is not built in", other.name())),
        }
    }
}

/// KaTeX's message up to "at position N" (or "at end of input"), without the excerpt after it.
pub(super) fn short_message(text: &str) -> String {
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

#[cfg(all(test, feature = "katex"))]
mod tests {
    use super::*;

    fn katex() -> Katex {
        let mut macros = BTreeMap::new();
        macros.insert("\\vx".to_owned(), "\\mathbf{x}".to_owned());
        Katex::new(MathEngine::Katex, &macros).unwrap()
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
}
