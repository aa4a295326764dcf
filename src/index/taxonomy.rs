//! Authors, keywords and venues: grouping the papers' names into one page each (one person,
//! one term), with stable slugs and paper lists in newest-first order. No HTML, no files.

use std::collections::{BTreeMap, BTreeSet};

use super::{Library, Name, Pending, slugify};

/// A person with every paper they wrote.
#[derive(Debug, Clone)]
pub struct Author {
    pub name: Name,
    pub slug: String,
    pub papers: Vec<usize>,
}

/// A keyword or a venue: one page listing its papers.
#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub papers: Vec<usize>,
}

impl Library {
    /// Fills each author's and term's paper lists, in index order.
    pub(super) fn link_papers(&mut self) {
        for (i, paper) in self.papers.iter().enumerate() {
            for &a in &paper.authors {
                if !self.authors[a].papers.contains(&i) {
                    self.authors[a].papers.push(i);
                }
            }
            for &k in &paper.keywords {
                self.keywords[k].papers.push(i);
            }
            if let Some(v) = paper.venue {
                self.venues[v].papers.push(i);
            }
        }
        let order = self.newest_first();
        let rank: Vec<usize> = {
            let mut r = vec![0; order.len()];
            for (pos, &i) in order.iter().enumerate() {
                r[i] = pos;
            }
            r
        };
        let lists = self
            .authors
            .iter_mut()
            .map(|a| &mut a.papers)
            .chain(self.keywords.iter_mut().map(|t| &mut t.papers))
            .chain(self.venues.iter_mut().map(|t| &mut t.papers));
        for list in lists {
            list.sort_by_key(|&i| rank[i]);
        }
    }

    /// Everyone who wrote a paper with `author`, with the number of papers they share: most
    /// shared first, then in `authors` order.
    pub fn coauthors(&self, author: usize) -> Vec<(usize, usize)> {
        let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
        for &p in &self.authors[author].papers {
            let people: BTreeSet<usize> = self.papers[p].authors.iter().copied().collect();
            for a in people.into_iter().filter(|&a| a != author) {
                *shared.entry(a).or_insert(0) += 1;
            }
        }
        let mut out: Vec<(usize, usize)> = shared.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}
/// One `Author` per identity; the shown form is the most accented spelling (first seen on a tie);
/// different people whose names slug alike get `-2`, `-3` suffixes in identity order.
pub(super) fn group_authors(papers: &[Pending]) -> (Vec<Author>, BTreeMap<String, usize>) {
    let mut spellings: BTreeMap<String, Name> = BTreeMap::new();
    for p in papers {
        for name in &p.names {
            let id = name.identity();
            let accents = |n: &Name| n.display().chars().filter(|c| !c.is_ascii()).count();
            match spellings.get(&id) {
                Some(seen) if accents(seen) >= accents(name) => {}
                _ => {
                    spellings.insert(id, name.clone());
                }
            }
        }
    }
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    let mut authors: Vec<(String, Author)> = spellings
        .into_iter()
        .map(|(id, name)| {
            // A name with no letter or digit ASCII can spell still needs a page of its own.
            let base = Some(slugify(&name.display()))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "author".to_owned());
            let n = used.entry(base.clone()).or_insert(0);
            *n += 1;
            let slug = if *n == 1 { base } else { format!("{base}-{n}") };
            (
                id,
                Author {
                    name,
                    slug,
                    papers: Vec::new(),
                },
            )
        })
        .collect();
    // Folding a name allocates: once per author, not once per comparison.
    authors.sort_by_cached_key(|(_, a)| (a.name.sort_key(), a.slug.clone()));
    let index = authors
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    (authors.into_iter().map(|(_, a)| a).collect(), index)
}

/// Terms grouped by slug, shown as first written (in paper order), sorted by slug.
pub(super) fn group_terms(lists: impl Iterator<Item = Vec<String>>) -> Vec<Term> {
    let mut terms: BTreeMap<String, String> = BTreeMap::new();
    for list in lists {
        for name in list {
            let name = name.trim().to_owned();
            let slug = slugify(&name);
            if !slug.is_empty() {
                terms.entry(slug).or_insert(name);
            }
        }
    }
    terms
        .into_iter()
        .map(|(slug, name)| Term {
            name,
            slug,
            papers: Vec::new(),
        })
        .collect()
}
