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

    /// Renders one expression, on a thread of the math pool (with this thread's engine). Too
    /// long or too deeply nested TeX is refused before any engine sees it.
    pub fn render_one(&self, tex: &str, display: bool) -> Rendered {
        super::limits::check(tex)?;
        match &*MATH_POOL {
            Some(pool) if pool.current_thread_index().is_none() => {
                pool.install(|| self.render_here(tex, display))
            }
            _ => self.render_here(tex, display),
        }
    }

    fn render_here(&self, tex: &str, display: bool) -> Rendered {
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

/// Stack of each math thread. Both engines recurse once per nesting level, and macros can nest
/// deeper than the source shows (KaTeX expands up to 1000 times), so the threads that render
/// get far more than the 2 MiB of a default thread: an overflow would abort the whole process,
/// `sitegen serve` included. Only the pages touched are ever committed.
const MATH_STACK_BYTES: usize = 64 << 20;

/// The threads every expression renders on (None if they cannot be started: then the calling
/// thread renders).
pub(super) static MATH_POOL: std::sync::LazyLock<Option<rayon::ThreadPool>> =
    std::sync::LazyLock::new(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(MATH_STACK_BYTES)
            .thread_name(|i| format!("sitegen-math-{i}"))
            .build()
            .ok()
    });

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

/// The default engine with one macro (`\\vx`), as the math modules' tests use it.
#[cfg(all(test, feature = "katex"))]
pub(crate) fn test_katex() -> Katex {
    let mut macros = BTreeMap::new();
    macros.insert("\\vx".to_owned(), "\\mathbf{x}".to_owned());
    Katex::new(MathEngine::Katex, &macros).unwrap()
}

#[cfg(all(test, feature = "katex"))]
mod tests {
    use super::*;

    use crate::math::engine::test_katex as katex;

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

#[cfg(test)]
mod limit_tests {
    use super::*;

    fn engines() -> Vec<Katex> {
        [MathEngine::Katex, MathEngine::KatexRs]
            .into_iter()
            .filter(|e| e.is_built_in())
            .map(|e| Katex::new(e, &BTreeMap::new()).unwrap())
            .collect()
    }

    #[test]
    fn deep_and_long_expressions_are_refused_not_rendered() {
        for k in engines() {
            let sqrt = format!("{}x{}", "\\sqrt{".repeat(150), "}".repeat(150));
            let err = k.render_one(&sqrt, false).unwrap_err();
            assert!(err.contains("nested more than 100 deep"), "{err}");
            let braces = format!("{}x{}", "{".repeat(600), "}".repeat(600));
            assert!(k.render_one(&braces, true).is_err());
            let long = "x+".repeat(75_000);
            let err = k.render_one(&long, false).unwrap_err();
            assert!(err.contains("150000 bytes not rendered"), "{err}");
            // Nesting within the limit renders, even when asked from a thread with a small
            // stack (QuickJS has its own, smaller limit and says "stack overflow").
            let (d, open) = match k.engine() {
                MathEngine::KatexRs => (100, "\\sqrt{"),
                MathEngine::Katex => (80, "{"),
            };
            let ok = format!("{}x{}", open.repeat(d), "}".repeat(d));
            let on_small_stack = std::thread::Builder::new()
                .stack_size(256 << 10)
                .spawn({
                    let k = k.clone();
                    move || k.render_one(&ok, false)
                })
                .unwrap()
                .join()
                .unwrap();
            assert!(on_small_stack.is_ok(), "{on_small_stack:?}");
            // Macros nest deeper than the source shows; KaTeX stops them, and the stack holds.
            assert!(k.render_one("\\def\\a{\\sqrt{\\a}}\\a", false).is_err());
        }
    }
}
