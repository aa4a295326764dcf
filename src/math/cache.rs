//! The math render cache's bytes and the table a build renders from: every distinct expression
//! of the build, taken from the cache or rendered in parallel. The file itself is read and
//! written by `math` (beside the output folder), never here.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::MathRenderer;
use super::engine::{Katex, Key, Rendered};

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
        let render = || -> Vec<(Key, Rendered)> {
            missing
                .par_iter()
                .map(|(key, (tex, display))| (*key, katex.render_one(tex, *display)))
                .collect()
        };
        // On the math pool's large stacks, one engine per thread of it.
        let fresh = match &*super::engine::MATH_POOL {
            Some(pool) => pool.install(render),
            None => render(),
        };
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
        encode(self.katex.namespace(), &self.entries)
    }
}

impl MathRenderer for Prerendered {
    fn render(&self, tex: &str, display: bool) -> Result<String, String> {
        let rendered = match self.entries.get(&self.katex.key(tex, display)) {
            Some(hit) => hit.clone(),
            // Only reachable if the pre-pass missed an expression: still render it right.
            None => self.katex.render_one(tex, display),
        };
        // KaTeX's own output stays in the cache; pages get valid MathML.
        rendered.map(super::mathml::repair)
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

#[cfg(all(test, feature = "katex"))]
mod tests {
    use super::*;
    use crate::load::config::MathEngine;

    fn katex() -> Katex {
        let mut macros = BTreeMap::new();
        macros.insert("\\vx".to_owned(), "\\mathbf{x}".to_owned());
        Katex::new(MathEngine::Katex, &macros).unwrap()
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
