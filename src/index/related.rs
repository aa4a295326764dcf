//! Related papers: for every paper, the few others closest to it by a score over what the
//! library already knows (keywords, citations, authors). Pure arithmetic over the `Library`; it
//! must not decide how related papers are shown.
//!
//! The score of papers `a` and `b` (documented in the README) is the sum of
//! - for every keyword they share, `ln(N / n)`, where `N` is the number of papers and `n` the
//!   number carrying the keyword: a rare keyword says much, one on every paper says nothing;
//! - `1` for every paper whose summary cites both (co-citation);
//! - `1` for every reference both cite, in the list or on DBLP (shared references);
//! - `1` if one cites the other;
//! - `1.5` for every author they share.
//!
//! A paper is shown as related only when its score reaches `THRESHOLD`, and at most `MAX_RELATED`
//! are kept, best first (ties by library order, so the result is deterministic).

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::Library;
use crate::cache::{Key, Store};

/// How many related papers a paper page lists at most.
pub const MAX_RELATED: usize = 5;
/// The least score worth showing: one shared author, one shared keyword carried by at most a
/// third of the papers (`ln 3 ≈ 1.1`), or one shared citation.
pub const THRESHOLD: f64 = 1.0;
const AUTHOR_WEIGHT: f64 = 1.5;
const CITATION_WEIGHT: f64 = 1.0;

impl Library {
    /// For every paper (by index), its related papers, best first, with their scores. Worked
    /// out on first use and kept: the dependency map and the paper pages both need it.
    pub fn related(&self) -> &[Vec<(usize, f64)>] {
        self.related.get_or_init(|| self.score_related())
    }

    /// `related()`, taken from `store` when the library's keywords, authors and citations are
    /// those of a build before (scoring took ≈100 ms of a warm 10,000-paper build, and most
    /// edits change none of them); else worked out and kept there.
    pub fn related_cached(&self, store: &Store) -> &[Vec<(usize, f64)>] {
        self.related.get_or_init(|| {
            let key = self.relations_key();
            if let Some(found) = store.get(&key).and_then(|b| decode(&b, self.papers.len())) {
                return found;
            }
            let related = self.score_related();
            store.put(key, &encode(&related));
            related
        })
    }

    /// A hash of everything scores are made of: the weights, and each paper's keywords,
    /// authors, citations (in and out, in the list or not), by index.
    fn relations_key(&self) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(b"related papers v1\0");
        for weight in [
            THRESHOLD,
            AUTHOR_WEIGHT,
            CITATION_WEIGHT,
            MAX_RELATED as f64,
        ] {
            h.update(&weight.to_le_bytes());
        }
        let mut list = |items: &mut dyn ExactSizeIterator<Item = usize>| {
            h.update(&(items.len() as u64).to_le_bytes());
            for i in items {
                h.update(&(i as u64).to_le_bytes());
            }
        };
        for p in &self.papers {
            list(&mut p.keywords.iter().copied());
            list(&mut p.authors.iter().copied());
            list(&mut p.cites.iter().copied());
            list(&mut p.cited_by.iter().copied());
            list(&mut p.external.iter().map(String::len));
        }
        for p in &self.papers {
            for key in &p.external {
                h.update(key.as_bytes());
            }
        }
        *h.finalize().as_bytes()
    }

    fn score_related(&self) -> Vec<Vec<(usize, f64)>> {
        let n = self.papers.len();
        let idf: Vec<f64> = self
            .keywords
            .iter()
            .map(|k| (n as f64 / k.papers.len().max(1) as f64).ln())
            .collect();
        // External references are keys, not papers: group the papers citing each one.
        let mut external: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, p) in self.papers.iter().enumerate() {
            for key in &p.external {
                external.entry(key).or_default().push(i);
            }
        }
        // A paper shares keywords with thousands of others in a large list: scores go into
        // one dense array per worker (reset through the list of entries touched), not a map.
        (0..n)
            .into_par_iter()
            .map_init(
                || Scores::new(n),
                |scores, a| {
                    let paper = &self.papers[a];
                    for &k in &paper.keywords {
                        if idf[k] > 0.0 {
                            for &b in &self.keywords[k].papers {
                                scores.add(a, b, idf[k]);
                            }
                        }
                    }
                    for &author in &paper.authors {
                        for &b in &self.authors[author].papers {
                            scores.add(a, b, AUTHOR_WEIGHT);
                        }
                    }
                    for &citer in &paper.cited_by {
                        for &b in &self.papers[citer].cites {
                            scores.add(a, b, CITATION_WEIGHT);
                        }
                        scores.add(a, citer, CITATION_WEIGHT);
                    }
                    for &r in &paper.cites {
                        for &b in &self.papers[r].cited_by {
                            scores.add(a, b, CITATION_WEIGHT);
                        }
                        scores.add(a, r, CITATION_WEIGHT);
                    }
                    for key in &paper.external {
                        for &b in &external[key.as_str()] {
                            scores.add(a, b, CITATION_WEIGHT);
                        }
                    }
                    scores.take_best()
                },
            )
            .collect()
    }
}

/// One paper's scores against every other paper, and which entries are set.
struct Scores {
    score: Vec<f64>,
    touched: Vec<usize>,
}

impl Scores {
    fn new(n: usize) -> Scores {
        Scores {
            score: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    /// Adds `w` to the score of paper `b` against paper `a` (never `a` itself).
    fn add(&mut self, a: usize, b: usize, w: f64) {
        if b == a || w <= 0.0 {
            return;
        }
        if self.score[b] == 0.0 {
            self.touched.push(b);
        }
        self.score[b] += w;
    }

    /// The best `MAX_RELATED` papers reaching `THRESHOLD` (ties by library order); leaves every
    /// score at zero for the next paper. Thousands pass the threshold in a large list, so only
    /// the best few are kept in order as they come, rather than sorting them all.
    fn take_best(&mut self) -> Vec<(usize, f64)> {
        let better = |x: &(usize, f64), y: &(usize, f64)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
        let mut best: Vec<(usize, f64)> = Vec::with_capacity(MAX_RELATED + 1);
        for b in self.touched.drain(..) {
            let s = std::mem::take(&mut self.score[b]);
            if s < THRESHOLD {
                continue;
            }
            let entry = (b, s);
            if best.len() == MAX_RELATED
                && best.last().is_some_and(|last| better(last, &entry).is_lt())
            {
                continue;
            }
            let at = best.partition_point(|x| better(x, &entry).is_lt());
            best.insert(at, entry);
            best.truncate(MAX_RELATED);
        }
        best
    }
}

/// Per paper: how many, then (index, score bits) for each, little-endian.
fn encode(related: &[Vec<(usize, f64)>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(related.len() * (1 + MAX_RELATED * 12));
    for list in related {
        out.push(list.len() as u8);
        for &(i, score) in list {
            out.extend_from_slice(&(i as u32).to_le_bytes());
            out.extend_from_slice(&score.to_bits().to_le_bytes());
        }
    }
    out
}

/// The lists of `encode`, when `bytes` holds exactly `papers` valid ones.
fn decode(mut bytes: &[u8], papers: usize) -> Option<Vec<Vec<(usize, f64)>>> {
    let mut out = Vec::with_capacity(papers);
    while let Some((&count, rest)) = bytes.split_first() {
        let (items, rest) = rest.split_at_checked(usize::from(count) * 12)?;
        let list: Vec<(usize, f64)> = items
            .chunks_exact(12)
            .map(|c| {
                let i = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
                let bits = u64::from_le_bytes(c[4..].try_into().expect("8 bytes"));
                (i, f64::from_bits(bits))
            })
            .collect();
        if list.iter().any(|&(i, _)| i >= papers) {
            return None;
        }
        out.push(list);
        bytes = rest;
    }
    (out.len() == papers).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::super::Library;
    use super::super::tests::paper;

    fn titles(lib: &Library, of: usize) -> Vec<String> {
        lib.related()[of]
            .iter()
            .map(|&(i, _)| lib.papers[i].front().title.clone())
            .collect()
    }

    #[test]
    fn rare_keywords_count_and_common_ones_do_not() {
        let (lib, _) = Library::build(vec![
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"P, A\"]\nyear = 2015\nkeywords = [\"dblp\", \"gan\"]",
            ),
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"Q, B\"]\nyear = 2015\nkeywords = [\"dblp\", \"gan\"]",
            ),
            paper(
                "c.md",
                "title = \"C\"\nauthors = [\"R, C\"]\nyear = 2015\nkeywords = [\"dblp\"]",
            ),
            paper(
                "d.md",
                "title = \"D\"\nauthors = [\"S, D\"]\nyear = 2015\nkeywords = [\"dblp\", \"rl\"]",
            ),
            paper(
                "e.md",
                "title = \"E\"\nauthors = [\"T, E\"]\nyear = 2015\nkeywords = [\"dblp\"]",
            ),
            paper(
                "f.md",
                "title = \"F\"\nauthors = [\"U, F\"]\nyear = 2015\nkeywords = [\"dblp\", \"rl\"]",
            ),
        ]);
        // `dblp` is on every paper: C shares only it with A, so C is not related to A.
        assert_eq!(titles(&lib, 0), ["B"]);
        assert!(titles(&lib, 2).is_empty());
        let score = lib.related()[0][0].1;
        assert!((score - 3f64.ln()).abs() < 1e-9, "ln(6/2): {score}");
    }

    #[test]
    fn authors_and_citations_add_up_and_order_is_best_first() {
        let (lib, _) = Library::build(vec![
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"P, A\"]\nyear = 2015\nkey = \"A\"",
            ),
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"P, A\", \"Q, B\"]\nyear = 2015\nkey = \"B\"",
            ),
            paper(
                "c.md",
                "title = \"C\"\nauthors = [\"Q, B\"]\nyear = 2015\nkey = \"C\"",
            ),
            paper(
                "d.md",
                "title = \"D\"\nauthors = [\"Z, Z\"]\nyear = 2015\nkey = \"D\"",
            ),
        ]);
        // B shares an author with A (1.5); C shares one with B only; D nothing.
        assert_eq!(titles(&lib, 0), ["B"]);
        assert_eq!(titles(&lib, 1), ["A", "C"]);
        assert!(titles(&lib, 3).is_empty());
    }

    #[test]
    fn co_citation_direct_citation_and_shared_references() {
        let p = |path: &str, key: &str, body: &str| {
            crate::load::content::parse_paper(
                std::path::Path::new(path),
                format!("+++\ntitle = \"{key}\"\nauthors = [\"{key}, X\"]\nyear = 2015\nkey = \"{key}\"\n+++\n{body}\n"),
            )
            .unwrap()
        };
        let (lib, _) = Library::build(vec![
            p("a.md", "A", "no citations"),
            p("b.md", "B", "no citations"),
            p("c.md", "C", "Both \\cite{A} and \\cite{B}."),
            p("d.md", "D", "Also \\cite{A} and \\cite{B}."),
        ]);
        let related = lib.related();
        // A and B: co-cited by C and D (2). A and C: C cites A (1), shares reference... no.
        assert_eq!(titles(&lib, 0), ["B", "C", "D"]);
        assert!((related[0][0].1 - 2.0).abs() < 1e-9, "{:?}", related[0]);
        // C and D cite the same two papers: two shared references.
        assert_eq!(titles(&lib, 2)[0], "D");
        assert!((related[2][0].1 - 2.0).abs() < 1e-9, "{:?}", related[2]);
    }

    #[test]
    fn cached_scores_are_the_scores_and_a_change_of_relations_misses() {
        let p = |path: &str, key: &str, body: &str| {
            crate::load::content::parse_paper(
                std::path::Path::new(path),
                format!("+++\ntitle = \"{key}\"\nauthors = [\"{key}, X\"]\nyear = 2015\nkey = \"{key}\"\n+++\n{body}\n"),
            )
            .unwrap()
        };
        let papers = |c_cites: &str| {
            vec![
                p("a.md", "A", "no citations"),
                p("b.md", "B", "no citations"),
                p(
                    "c.md",
                    "C",
                    &format!("\\cite{{{c_cites}}} and \\cite{{B}}."),
                ),
            ]
        };
        let store = crate::cache::Store::in_memory();
        let fresh = Library::build(papers("A")).0;
        let first = fresh.related_cached(&store).to_vec();
        assert_eq!(first, Library::build(papers("A")).0.related());
        assert_eq!(store.made(), 1);
        let again = Library::build(papers("A")).0;
        assert_eq!(again.related_cached(&store), first);
        assert_eq!(store.made(), 1, "the same relations are a hit");
        // C cites a DBLP key instead of A: other relations, scored afresh.
        let other = Library::build(papers("conf/x/Y15")).0;
        assert_eq!(other.related_cached(&store), other.score_related());
        assert_eq!(store.made(), 2);
        assert_eq!(
            super::decode(&super::encode(&first), 3),
            Some(first.clone())
        );
        assert_eq!(super::decode(&super::encode(&first), 4), None);
        assert_eq!(super::decode(&[1, 0, 0], 1), None);
    }
}
