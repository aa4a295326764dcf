//! The dependency map: for each paper, the pages that show it (its page; its authors',
//! keywords', venue's and year's list pages; the pages of papers it cites, that cite it, or that
//! show it as related; the pages showing the items of papers citing it, whose excerpts may show
//! its citation; the feed, when it carries the paper or a paper citing it), plus what every page
//! shares (configuration, templates, assets), and the key of the search index the output holds.
//! Comparing the map of the last build with this one's says which pages must be rendered again;
//! the others are the same bytes as before. An edit past a summary's first sentence changes only
//! the paper's own page (and the feed's entry). The other site-wide pages (home, recently added,
//! the list of years, sitemap, the term indexes, 404) are always rendered: they are few and
//! cheap. It must not read or write files: the build keeps the map between runs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::route::Route;
use crate::index::{Library, Paper};
use crate::markdown::outline::first_sentence;

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
    /// Output files that show this paper.
    pub pages: Vec<String>,
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
    pub papers: BTreeMap<String, PaperDeps>,
    /// Author identity → slug: a slug that moved changes links on pages of other papers.
    pub authors: BTreeMap<String, String>,
    /// The key of the search index the output holds (hex; empty: none or unknown). Its files
    /// depend on nothing else, so an output with the same key already holds them.
    #[serde(default)]
    pub search: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl DepMap {
    /// The map of `lib`; `global` fingerprints what every page shares.
    pub fn new(lib: &Library, global: &[u8; 32]) -> DepMap {
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
        let papers = lib
            .papers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let deps = PaperDeps {
                    hash: hex(blake3::hash(p.source.text.as_bytes()).as_bytes()),
                    item: hex(&item_hash(p)),
                    slug: p.slug.clone(),
                    key: p.key.clone(),
                    pages: pages_showing(lib, i, &shown_by, &in_feed),
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
            global: hex(global),
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
                if !new.item.is_empty() && prev.item == new.item && prev.pages == new.pages {
                    // Only the body changed: no other page shows it but the feed, when the
                    // paper is in it.
                    pages.insert(Route::Paper(&new.slug).file());
                    let feed = Route::Feed.file();
                    if new.pages.contains(&feed) {
                        pages.insert(feed);
                    }
                } else {
                    pages.extend(prev.pages.iter().cloned());
                    pages.extend(new.pages.iter().cloned());
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
}

/// What pages other than its own show of a paper: its front matter (title, authors, venue,
/// year, keywords, key...), the first sentence of its first summary (its excerpt) and the keys
/// it cites (its place in other papers' "cited by" and related lists).
fn item_hash(p: &Paper) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    let mut field = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    let text = p.source.text.as_bytes();
    field(&text[..p.source.summaries.first().map_or(text.len(), |r| r.start)]);
    if let Some((_, summary)) = p.summaries().next()
        && let Some(range) = first_sentence(summary)
    {
        field(&summary.as_bytes()[range]);
    }
    for key in p.citations.iter().flat_map(|c| &c.keys) {
        field(key.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// Output files that show paper `i`: its page, and every page showing its list item or its
/// citation. `shown_by[j]` are the papers listing paper `j` as related.
fn pages_showing(
    lib: &Library,
    i: usize,
    shown_by: &[Vec<usize>],
    in_feed: &BTreeSet<usize>,
) -> Vec<String> {
    let p = &lib.papers[i];
    let mut routes = vec![Route::Paper(&p.slug)];
    // The feed carries its papers' bodies, with the citations in them.
    if in_feed.contains(&i) || p.cited_by.iter().any(|j| in_feed.contains(j)) {
        routes.push(Route::Feed);
    }
    item_shown_on(lib, i, shown_by, &mut routes);
    // A citing paper shows this paper's citation on its page and, when its first sentence
    // cites it, in its excerpt: everywhere its own item is shown.
    for &j in &p.cited_by {
        routes.push(Route::Paper(&lib.papers[j].slug));
        item_shown_on(lib, j, shown_by, &mut routes);
    }
    let mut files: Vec<String> = routes.iter().map(Route::file).collect();
    files.sort();
    files.dedup();
    files
}

/// The pages that show paper `i`'s list item: its authors', keywords', venue's and year's list
/// pages, and the pages of the papers it cites, that cite it, or that show it as related.
fn item_shown_on<'a>(
    lib: &'a Library,
    i: usize,
    shown_by: &[Vec<usize>],
    routes: &mut Vec<Route<'a>>,
) {
    let p = &lib.papers[i];
    let linked = p.cites.iter().chain(&p.cited_by).chain(&shown_by[i]);
    routes.extend(linked.map(|&j| Route::Paper(&lib.papers[j].slug)));
    lists_of(lib, i, routes);
}

/// The list pages that show paper `i`'s item: its authors', keywords', venue's and year's.
fn lists_of<'a>(lib: &'a Library, i: usize, routes: &mut Vec<Route<'a>>) {
    let p = &lib.papers[i];
    routes.extend(
        p.authors
            .iter()
            .map(|&a| Route::Author(&lib.authors[a].slug)),
    );
    routes.extend(
        p.keywords
            .iter()
            .map(|&k| Route::Keyword(&lib.keywords[k].slug)),
    );
    routes.extend(p.venue.map(|v| Route::Venue(&lib.venues[v].slug)));
    routes.push(Route::Year(p.front().year));
}
