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
/// One `Author` per identity; the shown form is the most accented spelling, then one written
/// with capitals ("Kaiming He" over "kaiming He"), then the most frequent (first seen on a tie);
/// different people whose names slug alike get `-2`, `-3` suffixes in identity order.
pub(super) fn group_authors(papers: &[Pending]) -> (Vec<Author>, BTreeMap<String, usize>) {
    // Identity → its spellings with how often each is written, in first-seen order.
    // Borrowed from the papers: 47,000 names of a 10,000-paper list are not copied.
    let mut written: BTreeMap<&str, Vec<(&Name, usize)>> = BTreeMap::new();
    for p in papers {
        for (name, id) in p.names.iter().zip(&p.identities) {
            let seen = written.entry(id.as_str()).or_default();
            match seen.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) => *count += 1,
                None => seen.push((name, 1)),
            }
        }
    }
    let accents = |n: &Name| n.display().chars().filter(|c| !c.is_ascii()).count();
    let spellings: Vec<(String, Name)> = written
        .into_iter()
        .filter_map(|(id, seen)| {
            // `max_by_key` keeps the last of equals: reverse so the first seen wins ties.
            let best = seen
                .into_iter()
                .rev()
                .max_by_key(|(n, count)| (accents(n), n.is_capitalized(), *count))?;
            Some((id.to_owned(), best.0.clone()))
        })
        .collect();
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

/// What makes two keywords (or two venues) one term: case, accents, spaces and punctuation do
/// not count ("Deep learning", "deep-learning"), symbols do ("C#" is not "C++"). A name with
/// neither letters, digits nor symbols is its own identity, so it is never lost.
pub(super) fn term_identity(name: &str) -> String {
    let name = name.trim();
    let folded = deunicode::deunicode(name).to_lowercase();
    let mut out = String::with_capacity(folded.len());
    let mut gap = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || "#+*&@%$=<>^~|".contains(c) {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    if out.is_empty() { name.to_owned() } else { out }
}

/// Terms grouped by identity (see `term_identity`), shown as first written (in paper order),
/// sorted by slug, with the index of each identity. Distinct terms whose names slug alike
/// ("C#", "C++") get `-2`, `-3` suffixes in identity order; a name that slugs to nothing
/// ("?!", "—") gets `fallback` as its base. Blank names are no term.
pub(super) fn group_terms(
    lists: impl Iterator<Item = Vec<String>>,
    fallback: &str,
) -> (Vec<Term>, BTreeMap<String, usize>) {
    let mut terms: BTreeMap<String, String> = BTreeMap::new();
    for list in lists {
        for name in list {
            let name = name.trim();
            if !name.is_empty() {
                terms
                    .entry(term_identity(name))
                    .or_insert_with(|| name.to_owned());
            }
        }
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out: Vec<(String, Term)> = terms
        .into_iter()
        .map(|(id, name)| {
            let base = Some(slugify(&name))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| fallback.to_owned());
            let mut slug = base.clone();
            let mut n = 1;
            while used.contains(&slug) {
                n += 1;
                slug = format!("{base}-{n}");
            }
            used.insert(slug.clone());
            let term = Term {
                name,
                slug,
                papers: Vec::new(),
            };
            (id, term)
        })
        .collect();
    out.sort_by(|a, b| a.1.slug.cmp(&b.1.slug));
    let index = out
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    (out.into_iter().map(|(_, t)| t).collect(), index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(names: &[&str], fallback: &str) -> Vec<(String, String)> {
        let list = names.iter().map(|n| (*n).to_owned()).collect();
        group_terms(std::iter::once(list), fallback)
            .0
            .into_iter()
            .map(|t| (t.name, t.slug))
            .collect()
    }

    #[test]
    fn terms_that_slug_alike_stay_apart() {
        let got = terms(
            &["C++", "C#", "Deep learning", "deep-learning", "C 2"],
            "keyword",
        );
        let want = [
            ("C#", "c"),
            ("C 2", "c-2"),
            ("C++", "c-3"),
            ("Deep learning", "deep-learning"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn terms_without_a_slug_get_a_fallback_page() {
        let got = terms(&["?!", "  ", "—"], "keyword");
        assert_eq!(got.len(), 2, "{got:?}");
        let slugs: Vec<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(slugs, ["keyword", "keyword-2"]);
    }
}
