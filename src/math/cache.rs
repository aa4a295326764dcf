//! The table a build renders math from: every distinct expression of the build, taken from the
//! derived-work cache (`crate::cache::Store`) or rendered in parallel and put there. Values are
//! decompressed when a page asks for them; expressions many pages share are kept decompressed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use super::MathRenderer;
use super::engine::{Katex, Key, Rendered};
use crate::cache::Store;

/// Expressions used this many times or more are decompressed once and kept.
const HOT: usize = 3;

/// Every distinct expression of a build, rendered: a lookup table for the markdown pass.
#[derive(Debug)]
pub struct Prerendered {
    katex: Katex,
    store: Arc<Store>,
    hot: HashMap<Key, Rendered>,
    /// Expressions KaTeX rendered in this build.
    pub rendered: usize,
    /// Expressions taken from the cache.
    pub cached: usize,
}

impl Prerendered {
    /// Fills the table for `exprs` (TeX, display), deduplicated: entries of `store` are taken as
    /// they are, the others rendered in parallel (one KaTeX engine per rayon thread) and stored.
    pub fn build(
        katex: Katex,
        exprs: impl IntoIterator<Item = (String, bool)>,
        store: Arc<Store>,
    ) -> Self {
        let mut wanted: BTreeMap<Key, (String, bool, usize)> = BTreeMap::new();
        for (tex, display) in exprs {
            wanted
                .entry(katex.key(&tex, display))
                .or_insert((tex, display, 0))
                .2 += 1;
        }
        let mut missing = Vec::new();
        let mut cached = 0;
        for (key, expr) in &wanted {
            if store.contains(key) {
                cached += 1;
            } else {
                missing.push((key, expr));
            }
        }
        let rendered = missing.len();
        let render = || -> Vec<(Key, Rendered)> {
            missing
                .par_iter()
                .map(|(key, (tex, display, _))| {
                    let value = katex.render_one(tex, *display);
                    store.put(**key, &encode(&value));
                    (**key, value)
                })
                .collect()
        };
        // On the math pool's large stacks, one engine per thread of it.
        let fresh = match &*super::engine::MATH_POOL {
            Some(pool) => pool.install(render),
            None => render(),
        };
        let mut hot: HashMap<Key, Rendered> = fresh
            .into_iter()
            .filter(|(key, _)| wanted.get(key).is_some_and(|w| w.2 >= HOT))
            .collect();
        let cold_hot: Vec<(Key, Rendered)> = wanted
            .iter()
            .filter(|(key, w)| w.2 >= HOT && !hot.contains_key(*key))
            .filter_map(|(key, _)| Some((*key, decode(&store.get(key)?)?)))
            .collect();
        hot.extend(cold_hot);
        Prerendered {
            katex,
            store,
            hot,
            rendered,
            cached,
        }
    }

    pub fn katex(&self) -> &Katex {
        &self.katex
    }

    /// The store the table reads from and renders into (saved by the build).
    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl MathRenderer for Prerendered {
    fn render(&self, tex: &str, display: bool) -> Result<String, String> {
        let key = self.katex.key(tex, display);
        let rendered = match self.hot.get(&key) {
            Some(hit) => hit.clone(),
            None => match self.store.get(&key).and_then(|bytes| decode(&bytes)) {
                Some(hit) => hit,
                // Only reachable if the pre-pass missed an expression: still render it right.
                None => self.katex.render_one(tex, display),
            },
        };
        // KaTeX's own output stays in the cache; pages get valid MathML.
        rendered.map(super::mathml::repair)
    }
}

/// A rendering as cache bytes: `0` then the HTML, or `1` then KaTeX's error message.
fn encode(value: &Rendered) -> Vec<u8> {
    let (tag, text) = match value {
        Ok(html) => (b'0', html),
        Err(message) => (b'1', message),
    };
    let mut out = Vec::with_capacity(text.len() + 1);
    out.push(tag);
    out.extend_from_slice(text.as_bytes());
    out
}

fn decode(bytes: &[u8]) -> Option<Rendered> {
    let (&tag, text) = bytes.split_first()?;
    let text = String::from_utf8(text.to_vec()).ok()?;
    match tag {
        b'0' => Some(Ok(text)),
        b'1' => Some(Err(text)),
        _ => None,
    }
}

#[cfg(all(test, feature = "katex"))]
mod tests {
    use super::*;
    use crate::load::config::MathEngine;

    use crate::math::engine::test_katex as katex;

    #[test]
    fn cache_hits_are_not_rendered_again() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let exprs = || {
            vec![
                ("a".to_owned(), false),
                ("a".to_owned(), false),
                ("b".to_owned(), true),
                ("\\bad".to_owned(), false),
            ]
        };
        let store = Arc::new(Store::open(&out, "t", [1; 32]));
        let cold = Prerendered::build(katex(), exprs(), store.clone());
        assert_eq!((cold.rendered, cold.cached), (3, 0));
        store.save().unwrap();
        let warm_store = Arc::new(Store::open(&out, "t", [1; 32]));
        let warm = Prerendered::build(katex(), exprs(), warm_store);
        assert_eq!((warm.rendered, warm.cached), (0, 3));
        assert_eq!(warm.render("b", true), cold.render("b", true));
        assert_eq!(warm.render("a", false), cold.render("a", false));
        assert!(warm.render("\\bad", false).is_err());
        // A new expression is a miss; the old ones still hit.
        let more = Prerendered::build(
            katex(),
            vec![("a".to_owned(), false), ("c".to_owned(), false)],
            Arc::new(Store::open(&out, "t", [1; 32])),
        );
        assert_eq!((more.rendered, more.cached), (1, 1));
    }

    #[test]
    fn other_macros_are_other_keys() {
        let plain = Katex::new(MathEngine::Katex, &BTreeMap::new()).unwrap();
        assert_ne!(plain.key("x", false), katex().key("x", false));
        assert_eq!(decode(&encode(&Err("e".into()))), Some(Err("e".into())));
    }
}
