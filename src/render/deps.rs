//! The dependency map: for each paper, the pages that show it (its page; its authors',
//! keywords', venue's and year's list pages; the pages of papers it cites, that cite it, or that
//! show it as related; the pages showing the items of papers citing it, whose excerpts may show
//! its citation; the feed, when it carries the paper or a paper citing it), plus what every page
//! shares (configuration, templates, assets), and the key of the search index the output holds.
//! Comparing the map of the last build with this one's says which pages must be rendered again;
//! the others are the same bytes as before. An edit past a summary's first sentence changes only
//! the paper's own page (and the feed's entry). The site-wide pages (home, recently added, the
//! list of years, sitemap, the term indexes, the bibliography, 404) show every paper's item: they
//! are rendered again when any paper's item changed. It must not read or write files: the build
//! keeps the map between runs.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::route::Route;
use crate::index::{Library, Paper};
use crate::markdown::Analyses;

/// The pages that show every paper (or none in particular): rendered again whenever what other
/// pages show of a paper changed anywhere.
pub const SITE_WIDE: [Route<'static>; 10] = [
    Route::Home,
    Route::Recent,
    Route::Years,
    Route::Authors,
    Route::Keywords,
    Route::Venues,
    Route::NotFound,
    Route::Sitemap,
    Route::Robots,
    Route::Bibliography,
];

/// What one paper's pages depend on, as the last build saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperDeps {
    /// blake3 of the paper file, hex.
    pub hash: String,
    /// blake3 of what other pages show of the paper (front matter, first sentence, citation
    /// keys), hex: when only the rest of the file changed, only its own page is rendered again.
    #[serde(default)]
    pub item: String,
    pub slug: String,
    pub key: String,
    /// Output files that show this paper, as indexes into the map's `files`.
    pub pages: Vec<u32>,
    /// Its page had diagnostics: render it again so they are reported again.
    #[serde(default)]
    pub warned: bool,
    /// The slugs of its related papers, in order: an edit elsewhere (a keyword's rarity, a new
    /// citation) can change them without touching this paper's file.
    #[serde(default)]
    pub related: Vec<String>,
}

/// The map of one build: what every page shares, and each paper's pages by source path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepMap {
    /// blake3 of everything all pages depend on (version, configuration, templates, assets).
    pub global: String,
    /// Every page a paper can be shown on, once (papers name them by index: the map of a
    /// 10,000-paper list names 384,000 pages, 13,000 distinct).
    pub files: Vec<String>,
    pub papers: BTreeMap<String, PaperDeps>,
    /// Author identity → slug: a slug that moved changes links on pages of other papers.
    pub authors: BTreeMap<String, String>,
    /// The key of the search index the output holds (hex; empty: none or unknown). Its files
    /// depend on nothing else, so an output with the same key already holds them.
    #[serde(default)]
    pub search: String,
}

impl DepMap {
    /// The map of `lib`; `global` fingerprints what every page shares.
    /// `analyses`: each paper's summaries' analyses, in `lib.papers` order.
    pub fn new(lib: &Library, analyses: &[Analyses], global: &[u8; 32]) -> DepMap {
        let related = lib.related();
        let in_feed: BTreeSet<usize> = lib
            .newest_first()
            .into_iter()
            .take(super::feed::FEED_ENTRIES)
            .collect();
        // Papers whose pages list paper `i` among their related papers.
        let mut shown_by: Vec<Vec<usize>> = vec![Vec::new(); lib.papers.len()];
        for (j, list) in related.iter().enumerate() {
            for &(i, _) in list {
                shown_by[i].push(j);
            }
        }
        let pages = PageIds::new(lib);
        // Per paper: two hashes and a few dozen pages, 10,000 times over: in parallel.
        let papers = lib
            .papers
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let sentence = analyses[i].first().and_then(|a| a.first_sentence.clone());
                let deps = PaperDeps {
                    hash: blake3::hash(p.source.text.as_bytes()).to_hex().to_string(),
                    item: item_hash(p, sentence).to_hex().to_string(),
                    slug: p.slug.clone(),
                    key: p.key.clone(),
                    pages: pages.showing(i, &shown_by, &in_feed),
                    warned: false,
                    related: related[i]
                        .iter()
                        .map(|&(r, _)| lib.papers[r].slug.clone())
                        .collect(),
                };
                (p.source.path.to_string_lossy().into_owned(), deps)
            })
            .collect();
        let authors = lib
            .authors
            .iter()
            .map(|a| (a.name.identity(), a.slug.clone()))
            .collect();
        DepMap {
            global: blake3::Hash::from_bytes(*global).to_hex().to_string(),
            files: pages.files(),
            papers,
            authors,
            search: String::new(),
        }
    }

    /// Records which papers' pages had diagnostics in this build.
    pub fn mark_warned(&mut self, lib: &Library, warned: &BTreeSet<usize>) {
        for &i in warned {
            let path = lib.papers[i].source.path.to_string_lossy();
            if let Some(deps) = self.papers.get_mut(path.as_ref()) {
                deps.warned = true;
            }
        }
    }

    /// The pages of this build that must be rendered again after `old`; None when all must
    /// (other configuration or templates, papers added or removed, an unchanged paper's
    /// key or slug that moved).
    pub fn changed_pages(&self, old: &DepMap) -> Option<BTreeSet<String>> {
        if self.global != old.global || self.papers.len() != old.papers.len() {
            return None;
        }
        let mut pages = BTreeSet::new();
        for (path, new) in &self.papers {
            let prev = old.papers.get(path)?;
            if prev.hash != new.hash {
                let before = prev.pages.iter().map(|&f| old.file(f));
                let now = || new.pages.iter().map(|&f| self.file(f));
                if !new.item.is_empty() && prev.item == new.item && before.clone().eq(now()) {
                    // Only the body changed: no other page shows it but the feed, when the
                    // paper is in it.
                    pages.insert(Route::Paper(&new.slug).file());
                    let feed = Route::Feed.file();
                    if now().any(|f| f == feed) {
                        pages.insert(feed);
                    }
                } else {
                    pages.extend(before.map(str::to_owned));
                    pages.extend(now().map(str::to_owned));
                    pages.extend(SITE_WIDE.iter().map(Route::file));
                }
            } else if prev.slug != new.slug || prev.key != new.key {
                // An unchanged paper whose URL or key moved (a slug collision resolved another
                // way): pages this map does not connect to it may link it.
                return None;
            } else if prev.warned || prev.related != new.related {
                pages.insert(Route::Paper(&new.slug).file());
            }
        }
        let moved = self
            .authors
            .iter()
            .any(|(id, slug)| old.authors.get(id).is_some_and(|s| s != slug));
        (!moved).then_some(pages)
    }

    /// The file of page index `f` (a damaged map's unknown index names no file).
    fn file(&self, f: u32) -> &str {
        self.files.get(f as usize).map_or("", String::as_str)
    }
}

/// What pages other than its own show of a paper: its front matter (title, authors, venue,
/// year, keywords, key...), the first sentence of its first summary (its excerpt) and the keys
/// it cites (its place in other papers' "cited by" and related lists).
/// `sentence`: the range of that first sentence in the first summary.
fn item_hash(p: &Paper, sentence: Option<std::ops::Range<usize>>) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    let mut field = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    let text = p.source.text.as_bytes();
    field(&text[..p.source.summaries.first().map_or(text.len(), |r| r.start)]);
    if let Some((_, summary)) = p.summaries().next()
        && let Some(range) = sentence
    {
        field(&summary.as_bytes()[range]);
    }
    for key in p.citations.iter().flat_map(|c| &c.keys) {
        field(key.as_bytes());
    }
    h.finalize()
}

/// Numbers for every page a paper can be shown on, in a fixed order: the papers' pages, then
/// authors', keywords', venues' and years' pages, then the feed.
struct PageIds<'a> {
    lib: &'a Library,
    authors: u32,
    keywords: u32,
    venues: u32,
    /// Every year with papers, in order; its pages follow the venues'.
    years: Vec<i32>,
}

impl<'a> PageIds<'a> {
    fn new(lib: &'a Library) -> PageIds<'a> {
        let papers = lib.papers.len() as u32;
        let authors = papers;
        let keywords = authors + lib.authors.len() as u32;
        let venues = keywords + lib.keywords.len() as u32;
        let years: BTreeSet<i32> = lib.papers.iter().map(|p| p.front().year).collect();
        PageIds {
            lib,
            authors,
            keywords,
            venues,
            years: years.into_iter().collect(),
        }
    }

    fn year(&self, year: i32) -> u32 {
        // Every paper's year is in the list.
        let at = self.years.binary_search(&year).unwrap_or_else(|at| at);
        self.venues + self.lib.venues.len() as u32 + at as u32
    }

    fn feed(&self) -> u32 {
        self.venues + (self.lib.venues.len() + self.years.len()) as u32
    }

    /// The files of every page, by number.
    fn files(&self) -> Vec<String> {
        let lib = self.lib;
        let mut routes: Vec<Route<'_>> = lib.papers.iter().map(|p| Route::Paper(&p.slug)).collect();
        routes.extend(lib.authors.iter().map(|a| Route::Author(&a.slug)));
        routes.extend(lib.keywords.iter().map(|k| Route::Keyword(&k.slug)));
        routes.extend(lib.venues.iter().map(|v| Route::Venue(&v.slug)));
        routes.extend(self.years.iter().map(|&y| Route::Year(y)));
        routes.push(Route::Feed);
        routes.par_iter().map(Route::file).collect()
    }

    /// The pages that show paper `i`: its page, and every page showing its list item or its
    /// citation. `shown_by[j]` are the papers listing paper `j` as related.
    fn showing(&self, i: usize, shown_by: &[Vec<usize>], in_feed: &BTreeSet<usize>) -> Vec<u32> {
        let p = &self.lib.papers[i];
        let mut pages = vec![i as u32];
        // The feed carries its papers' bodies, with the citations in them.
        if in_feed.contains(&i) || p.cited_by.iter().any(|j| in_feed.contains(j)) {
            pages.push(self.feed());
        }
        self.item_shown_on(i, shown_by, &mut pages);
        // A citing paper shows this paper's citation on its page and, when its first sentence
        // cites it, in its excerpt: everywhere its own item is shown.
        for &j in &p.cited_by {
            pages.push(j as u32);
            self.item_shown_on(j, shown_by, &mut pages);
        }
        pages.sort_unstable();
        pages.dedup();
        pages
    }

    /// The pages that show paper `i`'s list item: its authors', keywords', venue's and year's
    /// list pages, and the pages of the papers it cites, that cite it, or that show it as
    /// related.
    fn item_shown_on(&self, i: usize, shown_by: &[Vec<usize>], pages: &mut Vec<u32>) {
        let p = &self.lib.papers[i];
        let linked = p.cites.iter().chain(&p.cited_by).chain(&shown_by[i]);
        pages.extend(linked.map(|&j| j as u32));
        pages.extend(p.authors.iter().map(|&a| self.authors + a as u32));
        pages.extend(p.keywords.iter().map(|&k| self.keywords + k as u32));
        pages.extend(p.venue.map(|v| self.venues + v as u32));
        pages.push(self.year(p.front().year));
    }
}
