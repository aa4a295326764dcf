//! The words too common to search summaries by. On a long list, a word most summaries use
//! matches most papers whatever else a query says, and its postings (each of its positions in
//! each paper) are most of what a query with it downloads: on 10,000 papers, the index files of
//! "variational autoencoder" ("autoencoder" is in 79% of the summaries) were 214 KB of the
//! 371 KB the query cost, 37 KB once these words were left out. They are found by the stem
//! Pagefind indexes them under and left out of the summary text of the search records; titles,
//! authors, keywords, venues and first sentences keep them. This owns the choice of words; it
//! must not touch what pages show.

use std::collections::{HashMap, HashSet};

use pagefind_stem::{Algorithm, Stemmer};
use rayon::prelude::*;

/// Below this many papers nothing is left out. On the benchmark's corpora the query of three
/// of the commonest words ("autoencoder attention model") downloads 145 KB at 1,000 papers,
/// 198 KB at 3,000 and 323 KB at 5,000: a short list's queries are small anyway, and its search
/// results keep Pagefind's excerpts.
pub(super) const MIN_PAPERS: usize = 2_000;

/// A word is common when more than this share (per cent) of the papers' summaries use it. On
/// the benchmark's 10,000 papers that is 91 stems (156 forms), 55% of the summaries' words, and
/// a query of four of the commonest words kept (each in 44–50% of the summaries) downloads
/// 246 KB. With 40% queries cost the same within a few KB; with 60% four of the commonest kept
/// words cost 272 KB. Half keeps the most words at the same cost.
pub(super) const SHARE_PERCENT: usize = 50;

/// The lowercase forms (as written, "autoencoders") whose stem is common.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct CommonWords(HashSet<String>);

impl CommonWords {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The forms, sorted: the list the search box reads (`sitegen-common-words.json`).
    pub(super) fn sorted(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.0.iter().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}

/// The lowercase word `token` (a run of text between spaces) is indexed as, when Pagefind
/// indexes it as exactly one word: ASCII letters and digits with punctuation only at its ends,
/// and either no capital after the first letter or only capitals ("GAN"). Anything else
/// ("auto-encoder", "GMMNs", "GAN2", "e.g.") Pagefind also splits into parts, and is never left
/// out.
fn word(token: &str) -> Option<String> {
    let core = token.trim_matches(|c: char| c.is_ascii_punctuation());
    let mut chars = core.chars();
    let first = chars.next()?;
    let lower = first.is_ascii_alphanumeric()
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let capitals = core.chars().all(|c| c.is_ascii_uppercase());
    (lower || capitals).then(|| core.to_ascii_lowercase())
}

/// The common words of `texts` (the summaries' plain text, one per paper): none when there are
/// fewer than `MIN_PAPERS`.
pub(super) fn common_words(texts: &[String]) -> CommonWords {
    common_words_with(texts, MIN_PAPERS, SHARE_PERCENT)
}

fn common_words_with(texts: &[String], min_papers: usize, share_percent: usize) -> CommonWords {
    if texts.len() < min_papers {
        return CommonWords::default();
    }
    let forms: Vec<HashSet<String>> = texts
        .par_iter()
        .map(|t| t.split_whitespace().filter_map(word).collect())
        .collect();
    // Stemmed once per distinct form: 10,000 papers have some tens of thousands.
    let stemmer = Stemmer::create(Algorithm::English);
    let mut stems: HashMap<&str, String> = HashMap::new();
    for f in forms.iter().flatten() {
        stems
            .entry(f.as_str())
            .or_insert_with(|| stemmer.stem(f).into_owned());
    }
    let mut papers: HashMap<&str, usize> = HashMap::new();
    for paper in &forms {
        let own: HashSet<&str> = paper.iter().map(|f| stems[f.as_str()].as_str()).collect();
        for s in own {
            *papers.entry(s).or_default() += 1;
        }
    }
    let common = |stem: &str| papers[stem] * 100 > texts.len() * share_percent;
    CommonWords(
        stems
            .iter()
            .filter(|(_, stem)| common(stem))
            .map(|(form, _)| (*form).to_owned())
            .collect(),
    )
}

/// `text` without its common words (the others as they were, one space between them).
pub(super) fn without(text: &str, common: &CommonWords) -> String {
    let mut out = String::with_capacity(text.len());
    for token in text.split_whitespace() {
        if word(token).is_some_and(|w| common.0.contains(&w)) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_as_pagefind_indexes_them_alone() {
        assert_eq!(word("Autoencoders,").as_deref(), Some("autoencoders"));
        assert_eq!(word("(the").as_deref(), Some("the"));
        assert_eq!(word("2015.").as_deref(), Some("2015"));
        assert_eq!(word("auto-encoder"), None);
        assert_eq!(word("GAN:").as_deref(), Some("gan"));
        assert_eq!(word("GMMNs"), None);
        assert_eq!(word("L2").as_deref(), Some("l2"));
        assert_eq!(word("GAN2"), None);
        assert_eq!(word("e.g."), None);
        assert_eq!(word("naïve"), None);
        assert_eq!(word("..."), None);
    }

    /// `n` summaries, the first `with` of which start with `text`; each has a word of its own.
    fn texts(n: usize, with: usize, text: &str) -> Vec<String> {
        (0..n)
            .map(|i| {
                if i < with {
                    format!("{text} own{i}")
                } else {
                    format!("own{i}")
                }
            })
            .collect()
    }

    #[test]
    fn a_word_in_more_than_the_share_of_summaries_is_common_with_all_its_forms() {
        // "model" in 40 summaries and "Models." in one more: one stem in 41 of 100.
        let mut t = texts(100, 40, "the Model");
        t[99] = "Models.".to_owned();
        assert_eq!(common_words_with(&t, 100, 40).sorted(), ["model", "models"]);
        // In exactly 40 of 100 it is not; "the" in 40 is not either.
        assert!(common_words_with(&texts(100, 40, "the model"), 100, 40).is_empty());
    }

    #[test]
    fn a_short_list_keeps_every_word() {
        assert!(common_words_with(&texts(99, 99, "the"), 100, 40).is_empty());
        assert!(common_words(&texts(MIN_PAPERS - 1, MIN_PAPERS - 1, "the")).is_empty());
        assert_eq!(
            common_words(&texts(MIN_PAPERS, MIN_PAPERS, "the")).sorted(),
            ["the"]
        );
    }

    #[test]
    fn without_leaves_out_the_common_forms_only() {
        let t = ["The model.", "a model", "models (the", "x"].map(str::to_owned);
        let common = common_words_with(&t, 4, 50);
        assert_eq!(common.sorted(), ["model", "models"]);
        assert_eq!(
            without(
                "The  Model, the auto-encoder and MODELS: ModelS models.",
                &common
            ),
            "The the auto-encoder and ModelS"
        );
    }
}
