//! The index stage: turns loaded papers into a `Library` (papers by key and slug, authors,
//! keywords, venues, the citation graph) with stable sorted orders, and owns the naming rules
//! (person names, DBLP keys, slugs, citation texts) and how a cited key resolves. Pure functions
//! over plain data: it must not touch the disk or produce HTML.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::content::SourcePaper;
use crate::diag::Diagnostic;
use crate::markdown::cite::{self, Citation};

/// A person's name split BibTeX-style: `last` keeps its particles ("van den Oord").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub first: String,
    pub last: String,
}

impl Name {
    /// Parses "Last, First" or "First Last" (NFC-normalised, whitespace collapsed).
    pub fn parse(raw: &str) -> Name {
        let norm: String = raw.nfc().collect();
        let collapsed = norm.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((last, first)) = collapsed.split_once(',') {
            return Name {
                first: first.trim().to_owned(),
                last: last.trim().to_owned(),
            };
        }
        let words: Vec<&str> = collapsed.split(' ').filter(|w| !w.is_empty()).collect();
        let Some(mut start) = words.len().checked_sub(1) else {
            return Name {
                first: String::new(),
                last: String::new(),
            };
        };
        // Lowercase words before the surname are particles ("Aäron van den Oord").
        while start > 1 && is_particle(words[start - 1]) {
            start -= 1;
        }
        Name {
            first: words[..start].join(" "),
            last: words[start..].join(" "),
        }
    }

    /// "First Last", as pages show a person.
    pub fn display(&self) -> String {
        if self.first.is_empty() {
            self.last.clone()
        } else {
            format!("{} {}", self.first, self.last)
        }
    }

    /// "Last, First", as BibTeX and front matter write a person.
    pub fn bibtex(&self) -> String {
        if self.first.is_empty() {
            self.last.clone()
        } else {
            format!("{}, {}", self.last, self.first)
        }
    }

    /// The surname without lowercase particles: "van den Oord" → "Oord".
    pub fn surname(&self) -> &str {
        let mut rest = self.last.as_str();
        while let Some((word, tail)) = rest.split_once(' ') {
            if !is_particle(word) {
                break;
            }
            rest = tail;
        }
        rest
    }

    /// Sort key: surname, then given names, accent- and case-folded.
    pub fn sort_key(&self) -> String {
        fold(&format!("{} {}", self.surname(), self.first))
    }

    /// Two names are one person when they agree once accents and case are gone (punctuation
    /// stays: "Jean-Luc" and "Jean Luc" may be different people).
    pub fn identity(&self) -> String {
        deunicode::deunicode(&self.display())
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn is_particle(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_lowercase)
}

/// Accent-, case- and punctuation-folded words, for grouping and sorting.
fn fold(s: &str) -> String {
    deunicode::deunicode(s)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// URL slug: ASCII (deunicode), lowercase, alphanumeric runs joined by `-`.
pub fn slugify(s: &str) -> String {
    fold(s).replace(' ', "-")
}

/// The DBLP-style key: first author's surname, the initial of each other author's surname, and
/// the two-digit year (`IoffeS15`, `OordKK16`, `MasseO15`).
pub fn derive_key(authors: &[Name], year: i32) -> String {
    let mut key = String::new();
    for (i, name) in authors.iter().enumerate() {
        let surname: String = deunicode::deunicode(name.surname())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if i == 0 {
            key.push_str(&surname);
        } else if let Some(c) = surname.chars().find(char::is_ascii_alphanumeric) {
            key.push(c.to_ascii_uppercase());
        }
    }
    key.push_str(&format!("{:02}", year.rem_euclid(100)));
    key
}

/// A paper as the rest of the pipeline sees it.
#[derive(Debug, Clone)]
pub struct Paper {
    pub source: SourcePaper,
    pub key: String,
    pub slug: String,
    pub names: Vec<Name>,
    /// Indexes into `Library::authors`, in the paper's author order.
    pub authors: Vec<usize>,
    pub keywords: Vec<usize>,
    pub venue: Option<usize>,
    /// Every `\cite{..}` of the summaries, in file order, with file offsets.
    pub citations: Vec<Citation>,
    /// Papers of the list this one cites: sorted, deduplicated, never itself.
    pub cites: Vec<usize>,
    /// Papers of the list whose summaries cite this one: sorted, deduplicated.
    pub cited_by: Vec<usize>,
    /// Cited DBLP paths that are not in the list (linked to DBLP): sorted, deduplicated.
    pub external: Vec<String>,
    /// Cited keys that are not in the list and have nowhere to link to: sorted, deduplicated.
    pub missing: Vec<String>,
}

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

/// The indexed reading list. Every list is in a stable order that does not depend on the order
/// files were read in.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// Sorted by slug.
    pub papers: Vec<Paper>,
    /// Sorted by surname.
    pub authors: Vec<Author>,
    /// Sorted by slug.
    pub keywords: Vec<Term>,
    /// Sorted by slug.
    pub venues: Vec<Term>,
    by_key: BTreeMap<String, usize>,
    /// Alias → the papers claiming it (sorted; several only when papers clash).
    aliases: BTreeMap<String, Vec<usize>>,
    /// Last `/` segment of every key and alias → the papers having it (sorted).
    suffixes: BTreeMap<String, Vec<usize>>,
}

/// What a cited key refers to. Resolution is exact and case-sensitive, tried in order: a paper's
/// `key`, its `aliases`, then the last `/` segment of the cited key against the last segment of
/// every key and alias (`journals/corr/HeZRS15` finds a paper keyed `HeZRS15`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Paper(usize),
    /// Several papers match (a shared alias or last segment): the citation is not linked to any
    /// of them, and falls back to `External` or `Missing` for rendering.
    Ambiguous(Vec<usize>),
    /// Not in the list, but a DBLP path (it has a `/`): its DBLP page.
    External(String),
    Missing,
}

/// The DBLP record page of a key such as `journals/corr/HeZRS15`.
pub fn dblp_url(key: &str) -> String {
    let mut url = String::from("https://dblp.org/rec/");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.:".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

fn last_segment(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

impl Library {
    /// Indexes `sources`; problems (duplicate keys or slugs) come back as diagnostics and the
    /// offending paper is left out.
    pub fn build(mut sources: Vec<SourcePaper>) -> (Library, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        let papers = assign_keys_and_slugs(sources, &mut diags);
        let mut lib = Library::default();
        let (authors, author_of) = group_authors(&papers);
        lib.authors = authors;
        let keywords = group_terms(papers.iter().map(|p| p.front().keywords.clone()));
        let venues = group_terms(
            papers
                .iter()
                .map(|p| p.front().venue.clone().into_iter().collect()),
        );
        let slot = |terms: &[Term]| -> BTreeMap<String, usize> {
            terms
                .iter()
                .enumerate()
                .map(|(i, t)| (t.slug.clone(), i))
                .collect()
        };
        let (keyword_slot, venue_slot) = (slot(&keywords), slot(&venues));
        for (i, pending) in papers.into_iter().enumerate() {
            let authors = pending
                .names
                .iter()
                .map(|n| author_of[&n.identity()])
                .collect();
            let term_idx =
                |slots: &BTreeMap<String, usize>, name: &str| slots.get(&slugify(name)).copied();
            let kws: Vec<usize> = pending
                .source
                .front
                .keywords
                .iter()
                .filter_map(|k| term_idx(&keyword_slot, k))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let venue = pending
                .source
                .front
                .venue
                .as_deref()
                .and_then(|v| term_idx(&venue_slot, v));
            lib.by_key.insert(pending.key.clone(), i);
            lib.papers.push(Paper {
                source: pending.source,
                key: pending.key,
                slug: pending.slug,
                names: pending.names,
                authors,
                keywords: kws,
                venue,
                citations: Vec::new(),
                cites: Vec::new(),
                cited_by: Vec::new(),
                external: Vec::new(),
                missing: Vec::new(),
            });
        }
        lib.keywords = keywords;
        lib.venues = venues;
        lib.link_papers();
        lib.index_aliases(&mut diags);
        lib.link_citations(&mut diags);
        (lib, diags)
    }

    /// Fills the alias and last-segment indexes. An alias that is another paper's key can never
    /// be reached (keys come first), and one claimed by two papers cannot choose: both are
    /// warnings on the `aliases` line, and the rest of the list is unaffected.
    fn index_aliases(&mut self, diags: &mut Vec<Diagnostic>) {
        for (i, paper) in self.papers.iter().enumerate() {
            let mut names = BTreeSet::new();
            names.insert(last_segment(&paper.key).to_owned());
            for alias in &paper.front().aliases {
                let alias = alias.trim();
                if alias.is_empty() || alias == paper.key {
                    continue;
                }
                let claimed = self.aliases.entry(alias.to_owned()).or_default();
                if !claimed.contains(&i) {
                    claimed.push(i);
                }
                names.insert(last_segment(alias).to_owned());
            }
            for name in names {
                self.suffixes.entry(name).or_default().push(i);
            }
        }
        for (alias, owners) in &self.aliases {
            let warn = |diags: &mut Vec<Diagnostic>, i: usize, message: String| {
                let src = &self.papers[i].source;
                diags.push(Diagnostic::warning(
                    &src.path,
                    &src.text,
                    src.field_offset("aliases"),
                    message,
                ));
            };
            if let Some(k) = self.by_key(alias) {
                for &i in owners {
                    warn(
                        diags,
                        i,
                        format!(
                            "alias `{alias}` is the key of {}: `\\cite{{{alias}}}` links to that paper, not this one",
                            self.papers[k].source.path.display()
                        ),
                    );
                }
            } else if owners.len() > 1 {
                for &i in owners {
                    warn(
                        diags,
                        i,
                        format!(
                            "alias `{alias}` is claimed by several papers ({}): citations of it are ambiguous",
                            self.describe(owners)
                        ),
                    );
                }
            }
        }
    }

    /// The papers as diagnostics name them: `path (key)`, comma-separated.
    fn describe(&self, papers: &[usize]) -> String {
        papers
            .iter()
            .map(|&i| {
                let p = &self.papers[i];
                format!("{} ({})", p.source.path.display(), p.key)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What `key` refers to (see `Resolution` for the order).
    pub fn resolve(&self, key: &str) -> Resolution {
        if let Some(i) = self.by_key(key) {
            return Resolution::Paper(i);
        }
        let by_suffix = || self.suffixes.get(last_segment(key));
        match self.aliases.get(key).or_else(by_suffix).map(Vec::as_slice) {
            Some([i]) => Resolution::Paper(*i),
            Some(many) if !many.is_empty() => Resolution::Ambiguous(many.to_vec()),
            _ if key.contains('/') => Resolution::External(dblp_url(key)),
            _ => Resolution::Missing,
        }
    }

    /// Scans every summary for citations, resolves them into the citation graph, and warns about
    /// each key occurrence that does not reach a paper of the list.
    fn link_citations(&mut self, diags: &mut Vec<Diagnostic>) {
        // Scanning is a markdown parse per summary: worth spreading over the cores.
        self.papers.par_iter_mut().for_each(|paper| {
            paper.citations = paper
                .summaries()
                .flat_map(|(offset, text)| cite::scan(text, offset))
                .collect();
        });
        let mut cited_by: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); self.papers.len()];
        for i in 0..self.papers.len() {
            let mut cites = BTreeSet::new();
            let mut external = BTreeSet::new();
            let mut missing = BTreeSet::new();
            let paper = &self.papers[i];
            for c in &paper.citations {
                for (key, &at) in c.keys.iter().zip(&c.key_offsets) {
                    let message = match self.resolve(key) {
                        Resolution::Paper(j) => {
                            if j != i {
                                cites.insert(j);
                                cited_by[j].insert(i);
                            }
                            continue;
                        }
                        Resolution::Ambiguous(candidates) => {
                            if key.contains('/') {
                                external.insert(key.clone());
                            } else {
                                missing.insert(key.clone());
                            }
                            format!(
                                "ambiguous citation `{key}`: it matches {}; cite one of their keys",
                                self.describe(&candidates)
                            )
                        }
                        Resolution::External(_) => {
                            external.insert(key.clone());
                            format!(
                                "unresolved citation `{key}`: not in the reading list, linked to DBLP"
                            )
                        }
                        Resolution::Missing => {
                            missing.insert(key.clone());
                            format!(
                                "unresolved citation `{key}`: no paper in the reading list has this key or alias"
                            )
                        }
                    };
                    diags.push(Diagnostic::warning(
                        &paper.source.path,
                        &paper.source.text,
                        at,
                        message,
                    ));
                }
            }
            let paper = &mut self.papers[i];
            paper.cites = cites.into_iter().collect();
            paper.external = external.into_iter().collect();
            paper.missing = missing.into_iter().collect();
        }
        for (paper, by) in self.papers.iter_mut().zip(cited_by) {
            paper.cited_by = by.into_iter().collect();
        }
    }

    /// Fills each author's and term's paper lists, in index order.
    fn link_papers(&mut self) {
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

    /// Paper indexes, newest year first, then by title.
    pub fn newest_first(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.papers.len()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&self.papers[a], &self.papers[b]);
            pb.front()
                .year
                .cmp(&pa.front().year)
                .then_with(|| fold(&pa.front().title).cmp(&fold(&pb.front().title)))
                .then_with(|| pa.slug.cmp(&pb.slug))
        });
        order
    }

    /// The paper with this exact key.
    pub fn by_key(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
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

impl Paper {
    pub fn front(&self) -> &crate::content::FrontMatter {
        &self.source.front
    }

    /// How a citation of this paper reads: "Ioffe 2015", "Ioffe and Szegedy 2015" or
    /// "Schulman et al. 2015" (surnames without particles).
    pub fn cite_text(&self) -> String {
        let year = self.front().year;
        match self.names.as_slice() {
            [] => format!("{} {year}", self.key),
            [a] => format!("{} {year}", a.surname()),
            [a, b] => format!("{} and {} {year}", a.surname(), b.surname()),
            [a, ..] => format!("{} et al. {year}", a.surname()),
        }
    }

    /// The summaries' markdown, in file order.
    pub fn summaries(&self) -> impl Iterator<Item = (usize, &str)> {
        self.source
            .summaries
            .iter()
            .map(|r| (r.start, &self.source.text[r.clone()]))
    }
}

struct Pending {
    source: SourcePaper,
    key: String,
    slug: String,
    names: Vec<Name>,
}

impl Pending {
    fn front(&self) -> &crate::content::FrontMatter {
        &self.source.front
    }
}

/// Keys (explicit or derived, derived clashes suffixed `a`, `b`) and slugs; explicit duplicates
/// are errors. Returns the kept papers sorted by slug.
fn assign_keys_and_slugs(sources: Vec<SourcePaper>, diags: &mut Vec<Diagnostic>) -> Vec<Pending> {
    let mut pending: Vec<Pending> = sources
        .into_iter()
        .map(|source| {
            let names: Vec<Name> = source
                .front
                .authors
                .iter()
                .map(|a| Name::parse(a))
                .collect();
            let key = source
                .front
                .key
                .clone()
                .unwrap_or_else(|| derive_key(&names, source.front.year));
            let slug = slugify(&source.front.title);
            Pending {
                source,
                key,
                slug,
                names,
            }
        })
        .collect();

    // Derived keys that clash get a, b, ... in path order, like DBLP's disambiguation.
    let mut derived: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in pending.iter().enumerate() {
        if p.source.front.key.is_none() {
            derived.entry(p.key.clone()).or_default().push(i);
        }
    }
    let explicit: BTreeSet<String> = pending
        .iter()
        .filter(|p| p.source.front.key.is_some())
        .map(|p| p.key.clone())
        .collect();
    for (key, idxs) in derived {
        if idxs.len() < 2 && !explicit.contains(&key) {
            continue;
        }
        for (n, &i) in idxs.iter().enumerate() {
            let suffix = char::from(b'a' + (n % 26) as u8);
            let p = &mut pending[i];
            p.key = format!("{key}{suffix}");
            diags.push(Diagnostic::warning(
                &p.source.path,
                &p.source.text,
                p.source.field_offset("authors"),
                format!(
                    "derived key `{key}` is shared by several papers; this one is `{}` (set `key` to choose)",
                    p.key
                ),
            ));
        }
    }

    let mut kept: Vec<Pending> = Vec::new();
    let mut keys: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    let mut slugs: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for p in pending {
        let mut bad = false;
        if let Some(first) = keys.get(&p.key) {
            diags.push(Diagnostic::error(
                &p.source.path,
                &p.source.text,
                p.source.field_offset("key"),
                format!(
                    "duplicate key `{}`: already used by {}",
                    p.key,
                    first.display()
                ),
            ));
            bad = true;
        }
        if p.slug.is_empty() {
            diags.push(Diagnostic::error(
                &p.source.path,
                &p.source.text,
                p.source.field_offset("title"),
                "the title gives an empty slug: it needs at least one letter or digit",
            ));
            bad = true;
        } else if let Some(first) = slugs.get(&p.slug) {
            diags.push(Diagnostic::error(
                &p.source.path,
                &p.source.text,
                p.source.field_offset("title"),
                format!(
                    "duplicate slug `{}`: {} has a title with the same URL",
                    p.slug,
                    first.display()
                ),
            ));
            bad = true;
        }
        if !bad {
            keys.insert(p.key.clone(), p.source.path.clone());
            slugs.insert(p.slug.clone(), p.source.path.clone());
            kept.push(p);
        }
    }
    kept.sort_by(|a, b| a.slug.cmp(&b.slug));
    kept
}

/// One `Author` per identity; the shown form is the most accented spelling (first seen on a tie);
/// different people whose names slug alike get `-2`, `-3` suffixes in identity order.
fn group_authors(papers: &[Pending]) -> (Vec<Author>, BTreeMap<String, usize>) {
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
    authors
        .sort_by(|(_, a), (_, b)| (a.name.sort_key(), &a.slug).cmp(&(b.name.sort_key(), &b.slug)));
    let index = authors
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    (authors.into_iter().map(|(_, a)| a).collect(), index)
}

/// Terms grouped by slug, shown as first written (in paper order), sorted by slug.
fn group_terms(lists: impl Iterator<Item = Vec<String>>) -> Vec<Term> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse_paper;
    use std::path::Path;

    fn names(list: &[&str]) -> Vec<Name> {
        list.iter().map(|n| Name::parse(n)).collect()
    }

    #[test]
    fn parses_both_name_orders_with_particles() {
        let a = Name::parse("van den Oord, Aäron");
        let b = Name::parse("Aäron  van den Oord");
        assert_eq!(a, b);
        assert_eq!(a.surname(), "Oord");
        assert_eq!(a.display(), "Aäron van den Oord");
        assert_eq!(a.bibtex(), "van den Oord, Aäron");
        assert_eq!(
            Name::parse("Jordan, Michael I.").display(),
            "Michael I. Jordan"
        );
        assert_eq!(Name::parse("Plato").display(), "Plato");
        // NFC: a decomposed "ë" is the same person as a composed one.
        assert_eq!(
            Name::parse("Zoe\u{308} Mu\u{308}ller"),
            Name::parse("Zo\u{eb} M\u{fc}ller")
        );
        assert_eq!(
            Name::parse("Zoë Müller").identity(),
            Name::parse("zoe muller").identity()
        );
    }

    #[test]
    fn derives_dblp_keys() {
        assert_eq!(
            derive_key(&names(&["Ioffe, Sergey", "Szegedy, Christian"]), 2015),
            "IoffeS15"
        );
        assert_eq!(
            derive_key(
                &names(&[
                    "van den Oord, Aäron",
                    "Kalchbrenner, Nal",
                    "Kavukcuoglu, Koray"
                ]),
                2016
            ),
            "OordKK16"
        );
        assert_eq!(
            derive_key(&names(&["Massé, Pierre-Yves", "Ollivier, Yann"]), 2015),
            "MasseO15"
        );
        assert_eq!(
            derive_key(
                &names(&[
                    "Schulman, John",
                    "Levine, Sergey",
                    "Moritz, Philipp",
                    "Jordan, Michael I.",
                    "Abbeel, Pieter"
                ]),
                2015
            ),
            "SchulmanLMJA15"
        );
        assert_eq!(
            derive_key(
                &names(&["Sohl-Dickstein, Jascha", "de Freitas, Nando"]),
                2009
            ),
            "Sohl-DicksteinF09"
        );
    }

    #[test]
    fn slugs_fold_to_ascii() {
        assert_eq!(
            slugify("MADE: Masked Autoencoder"),
            "made-masked-autoencoder"
        );
        assert_eq!(slugify("Schrödinger's  Cat!"), "schrodinger-s-cat");
        assert_eq!(slugify("?!"), "");
    }

    fn paper(path: &str, front: &str) -> SourcePaper {
        parse_paper(Path::new(path), format!("+++\n{front}\n+++\nbody\n")).unwrap()
    }

    #[test]
    fn groups_people_keywords_and_venues() {
        let (lib, diags) = Library::build(vec![
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"Zoe Muller\", \"Li, Yujia\"]\nyear = 2014\nkeywords = [\"Deep Learning\"]\nvenue = \"ICML\"",
            ),
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"Müller, Zoë\"]\nyear = 2015\nkeywords = [\"deep learning\", \"RL\"]\nvenue = \"ICML\"",
            ),
        ]);
        assert!(diags.is_empty(), "{diags:?}");
        let shown: Vec<String> = lib.authors.iter().map(|a| a.name.display()).collect();
        assert_eq!(shown, ["Yujia Li", "Zoë Müller"]);
        assert_eq!(lib.authors[1].slug, "zoe-muller");
        // Newest first inside a person's list.
        let titles: Vec<&str> = lib.authors[1]
            .papers
            .iter()
            .map(|&p| lib.papers[p].front().title.as_str())
            .collect();
        assert_eq!(titles, ["A", "B"]);
        let kws: Vec<&str> = lib.keywords.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            kws,
            ["deep learning", "RL"],
            "first spelling in slug order of papers"
        );
        assert_eq!(lib.keywords[0].papers.len(), 2);
        assert_eq!(lib.venues.len(), 1);
        assert_eq!(lib.coauthors(1), vec![(0, 1)]);
    }

    #[test]
    fn people_who_slug_alike_get_distinct_pages() {
        let build = || {
            Library::build(vec![paper(
                "a.md",
                "title = \"A\"\nauthors = [\"Jean-Luc Picard\", \"Picard, Jean Luc\", \"JEAN LUC PICARD\"]\nyear = 2015",
            )])
            .0
        };
        let lib = build();
        let slugs: Vec<&str> = lib.authors.iter().map(|a| a.slug.as_str()).collect();
        assert_eq!(slugs, ["jean-luc-picard", "jean-luc-picard-2"]);
        assert_eq!(lib.authors[0].name.display(), "Jean Luc Picard");
        assert_eq!(lib.authors[1].name.display(), "Jean-Luc Picard");
        assert_eq!(lib.papers[0].authors, [1, 0, 0]);
        let again: Vec<String> = build().authors.iter().map(|a| a.slug.clone()).collect();
        assert_eq!(again, slugs, "stable");
    }

    #[test]
    fn duplicate_keys_and_slugs() {
        let (lib, diags) = Library::build(vec![
            paper("a.md", "title = \"A\"\nauthors = [\"X, Y\"]\nyear = 2015"),
            paper("b.md", "title = \"B\"\nauthors = [\"X, Y\"]\nyear = 2015"),
            paper(
                "c.md",
                "title = \"C\"\nauthors = [\"Q, R\"]\nyear = 2015\nkey = \"K\"",
            ),
            paper(
                "d.md",
                "title = \"D\"\nauthors = [\"Q, R\"]\nyear = 2015\nkey = \"K\"",
            ),
            paper("e.md", "title = \"a!\"\nauthors = [\"Q, R\"]\nyear = 2011"),
        ]);
        let keys: Vec<&str> = lib.papers.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["X15a", "X15b", "K"]);
        let msgs: Vec<String> = diags
            .iter()
            .map(|d| format!("{}:{} {}", d.path.display(), d.line, d.message))
            .collect();
        assert_eq!(msgs.len(), 4, "{msgs:#?}");
        assert!(msgs[2].starts_with("d.md:5 duplicate key `K`"), "{msgs:#?}");
        assert!(
            msgs[3].starts_with("e.md:2 duplicate slug `a`"),
            "{msgs:#?}"
        );
    }

    fn cited(path: &str, front: &str, body: &str) -> SourcePaper {
        parse_paper(Path::new(path), format!("+++\n{front}\n+++\n{body}\n")).unwrap()
    }

    #[test]
    fn citation_texts() {
        let (lib, _) = Library::build(vec![
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"Ioffe, Sergey\"]\nyear = 2015",
            ),
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"Ioffe, Sergey\", \"Christian Szegedy\"]\nyear = 2015",
            ),
            paper(
                "c.md",
                "title = \"C\"\nauthors = [\"van den Oord, Aäron\", \"K, N\", \"K, K\"]\nyear = 2016",
            ),
        ]);
        let texts: Vec<String> = lib.papers.iter().map(Paper::cite_text).collect();
        assert_eq!(
            texts,
            ["Ioffe 2015", "Ioffe and Szegedy 2015", "Oord et al. 2016"]
        );
    }

    #[test]
    fn resolution_order_key_alias_last_segment() {
        let (lib, diags) = Library::build(vec![
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"He, K\"]\nyear = 2015\nkey = \"HeZRS15\"",
            ),
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"Gregor, K\"]\nyear = 2015\naliases = [\"journals/corr/GregorDGW15\", \"draw\"]",
            ),
        ]);
        assert!(diags.is_empty(), "{diags:?}");
        let (a, b) = (0, 1);
        assert_eq!(lib.resolve("HeZRS15"), Resolution::Paper(a));
        assert_eq!(lib.resolve("journals/corr/HeZRS15"), Resolution::Paper(a));
        assert_eq!(lib.resolve("draw"), Resolution::Paper(b));
        assert_eq!(lib.resolve("Gregor15"), Resolution::Paper(b), "derived key");
        assert_eq!(
            lib.resolve("journals/corr/GregorDGW15"),
            Resolution::Paper(b)
        );
        // A bare DBLP suffix finds the paper whose alias ends with it.
        assert_eq!(lib.resolve("GregorDGW15"), Resolution::Paper(b));
        assert_eq!(lib.resolve("conf/icml/GregorDGW15"), Resolution::Paper(b));
        // Exact and case-sensitive.
        assert_eq!(lib.resolve("hezrs15"), Resolution::Missing);
        assert_eq!(lib.resolve("HeZRS1"), Resolution::Missing);
        assert_eq!(
            lib.resolve("journals/corr/KingmaB14"),
            Resolution::External("https://dblp.org/rec/journals/corr/KingmaB14".into())
        );
        assert_eq!(dblp_url("a b/c?"), "https://dblp.org/rec/a%20b/c%3F");
    }

    #[test]
    fn ambiguous_suffix_and_alias_collisions() {
        let (lib, diags) = Library::build(vec![
            cited(
                "a.md",
                "title = \"A\"\nauthors = [\"X, Y\"]\nyear = 2015\nkey = \"A\"\naliases = [\"conf/x/Dup15\", \"B\", \"shared\"]",
                "",
            ),
            cited(
                "b.md",
                "title = \"B\"\nauthors = [\"X, Y\"]\nyear = 2014\nkey = \"B\"\naliases = [\"journals/y/Dup15\", \"shared\"]",
                "See \\cite{Dup15} and \\cite{journals/z/Dup15}, \\cite{shared}, \\cite{B}.",
            ),
        ]);
        assert_eq!(
            lib.resolve("B"),
            Resolution::Paper(1),
            "a key beats an alias"
        );
        assert_eq!(lib.resolve("Dup15"), Resolution::Ambiguous(vec![0, 1]));
        assert_eq!(lib.resolve("shared"), Resolution::Ambiguous(vec![0, 1]));
        let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
        let find = |needle: &str| msgs.iter().filter(|m| m.contains(needle)).count();
        assert_eq!(find("alias `B` is the key of b.md"), 1, "{msgs:#?}");
        assert_eq!(
            find("alias `shared` is claimed by several papers"),
            2,
            "{msgs:#?}"
        );
        assert_eq!(
            find("b.md:8:11: warning: ambiguous citation `Dup15`: it matches a.md (A), b.md (B)"),
            1,
            "{msgs:#?}"
        );
        assert_eq!(
            find("ambiguous citation `journals/z/Dup15`"),
            1,
            "{msgs:#?}"
        );
        assert_eq!(find("ambiguous citation `shared`"), 1, "{msgs:#?}");
        // Ambiguous keys join no edge of the graph; a self-citation neither.
        assert!(lib.papers[1].cites.is_empty());
        assert_eq!(lib.papers[1].external, ["journals/z/Dup15"]);
        assert_eq!(lib.papers[1].missing, ["Dup15", "shared"]);
    }

    #[test]
    fn citation_graph_and_unresolved_warnings() {
        let (lib, diags) = Library::build(vec![
            cited(
                "t.md",
                "title = \"T\"\nauthors = [\"T, U\"]\nyear = 2015",
                "Target.",
            ),
            cited(
                "a.md",
                "title = \"A\"\nauthors = [\"A, B\"]\nyear = 2015",
                "\\cite{T15} twice \\citep{T15, KakadeL02}\n`\\cite{Code1}`",
            ),
            cited(
                "b.md",
                "title = \"B\"\nauthors = [\"B, C\"]\nyear = 2015",
                "\\citet{conf/x/T15} and \\cite{journals/corr/HeZRS15}",
            ),
            cited(
                "c.md",
                "title = \"C\"\nauthors = [\"C, D\"]\nyear = 2015",
                "Two summaries.\n<!-- next summary -->\nSecond cites \\cite{A15,B15,T15}.",
            ),
        ]);
        let idx = |key: &str| lib.by_key(key).unwrap();
        let t = &lib.papers[idx("T15")];
        assert_eq!(t.cited_by, [idx("A15"), idx("B15"), idx("C15")]);
        let mut c_cites = vec![idx("A15"), idx("B15"), idx("T15")];
        c_cites.sort();
        assert_eq!(lib.papers[idx("C15")].cites, c_cites);
        assert_eq!(lib.papers[idx("A15")].cites, [idx("T15")]);
        assert_eq!(lib.papers[idx("A15")].missing, ["KakadeL02"]);
        assert_eq!(lib.papers[idx("A15")].citations.len(), 2, "code is skipped");
        assert_eq!(lib.papers[idx("B15")].external, ["journals/corr/HeZRS15"]);
        let msgs: Vec<String> = diags
            .iter()
            .map(|d| format!("{}:{}:{}: {}", d.path.display(), d.line, d.col, d.message))
            .collect();
        assert_eq!(
            msgs,
            [
                "a.md:6:30: unresolved citation `KakadeL02`: no paper in the reading list has this key or alias",
                "b.md:6:30: unresolved citation `journals/corr/HeZRS15`: not in the reading list, linked to DBLP",
            ]
        );
    }
}
