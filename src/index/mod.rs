//! The index stage: turns loaded papers into a `Library` (papers by key and slug, authors,
//! keywords, venues, the citation graph) with stable sorted orders, and owns the naming rules
//! (person names, DBLP keys, slugs, citation texts) and how a cited key resolves. Pure functions
//! over plain data: it must not touch the disk or produce HTML.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::load::content::SourcePaper;
use crate::markdown::cite::Citation;

pub mod citations;
pub mod names;
pub mod related;
pub mod taxonomy;
mod update;

pub use citations::{Resolution, dblp_url};
use names::fold;
pub use names::{Name, derive_key, key_suffix, slugify};
pub use taxonomy::{Author, Term};
use taxonomy::{group_authors, group_terms, term_identity};

/// A paper as the rest of the pipeline sees it.
#[derive(Debug, Clone)]
pub struct Paper {
    pub source: Arc<SourcePaper>,
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
    /// `related()`, once worked out.
    related: std::sync::OnceLock<Vec<Vec<(usize, f64)>>>,
    /// The problems found in front matter (keys, slugs, aliases), for `update` to repeat.
    notes: Vec<Diagnostic>,
    /// How many papers it was given (more than `papers` when some were left out).
    inputs: usize,
}

impl Library {
    /// Indexes `sources`, scanning each summary for citations; problems (duplicate keys or
    /// slugs) come back as diagnostics and the offending paper is left out.
    pub fn build<P: Into<Arc<SourcePaper>>>(sources: Vec<P>) -> (Library, Vec<Diagnostic>) {
        let sources = sources.into_iter().map(Into::into).collect();
        Library::build_scanned(sources, &|p: &SourcePaper| {
            p.summaries()
                .flat_map(|(offset, text)| crate::markdown::cite::scan(text, offset))
                .collect()
        })
    }

    /// `build`, with each paper's citations (file offsets) given by `citations`: a build takes
    /// them from the summaries' cached analyses rather than parsing every summary again.
    pub fn build_scanned(
        mut sources: Vec<Arc<SourcePaper>>,
        citations: &(dyn Fn(&SourcePaper) -> Vec<Citation> + Sync),
    ) -> (Library, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let inputs = sources.len();
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        let papers = assign_keys_and_slugs(sources, &mut diags);
        let mut lib = Library::default();
        let (authors, author_of) = group_authors(&papers);
        lib.authors = authors;
        let (keywords, keyword_slot) =
            group_terms(papers.iter().map(|p| p.front().keywords.clone()), "keyword");
        let (venues, venue_slot) = group_terms(
            papers
                .iter()
                .map(|p| p.front().venue.clone().into_iter().collect()),
            "venue",
        );
        for (i, pending) in papers.into_iter().enumerate() {
            let authors = pending.identities.iter().map(|id| author_of[id]).collect();
            let term_idx = |slots: &BTreeMap<String, usize>, name: &str| {
                slots.get(&term_identity(name)).copied()
            };
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
        lib.notes = diags.clone();
        lib.inputs = inputs;
        lib.link_citations(citations, &mut diags);
        (lib, diags)
    }

    /// Paper indexes, newest year first, then by title.
    pub fn newest_first(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.papers.len()).collect();
        // Folding a title allocates: once per paper, not once per comparison.
        order.sort_by_cached_key(|&i| {
            let p = &self.papers[i];
            (
                std::cmp::Reverse(p.front().year),
                fold(&p.front().title),
                p.slug.as_str(),
            )
        });
        order
    }

    /// The paper with this exact key.
    pub fn by_key(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }
}

impl Paper {
    pub fn front(&self) -> &crate::load::content::FrontMatter {
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
        self.source.summaries()
    }
}

/// A warning when YAML split "Last, First" names into one-word people.
fn yaml_authors_problem(source: &SourcePaper) -> Option<Diagnostic> {
    let is_yaml = source
        .text
        .trim_start_matches('\u{feff}')
        .starts_with("---");
    let at = source.field_offset("authors");
    let line = source.text.get(at..)?.lines().next()?;
    let fix = names::yaml_split_authors(&source.front.authors, line).filter(|_| is_yaml)?;
    Some(Diagnostic::warning(&source.path, &source.text, at, fix))
}

/// The URL slug a paper gets from its file name (`content/papers/attention.md` → `attention`),
/// unique by construction; the title's when the name has no letter or digit.
fn file_slug(source: &SourcePaper) -> String {
    let stem = source
        .path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    [slugify(&stem), slugify(&source.front.title)]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "paper".to_owned())
}

struct Pending {
    source: Arc<SourcePaper>,
    key: String,
    slug: String,
    names: Vec<Name>,
    /// `names[i].identity()`: folding allocates, so it is done once, in parallel.
    identities: Vec<String>,
}

impl Pending {
    fn front(&self) -> &crate::load::content::FrontMatter {
        &self.source.front
    }
}

/// An error about a front-matter field of `p`, at that field's line.
fn field_error(p: &Pending, field: &str, message: String) -> Diagnostic {
    Diagnostic::error(
        &p.source.path,
        &p.source.text,
        p.source.field_offset(field),
        message,
    )
}

/// Keys (explicit or derived, derived clashes suffixed `a`, `b`) and slugs; explicit duplicates
/// are errors. Returns the kept papers sorted by slug.
fn assign_keys_and_slugs(
    sources: Vec<Arc<SourcePaper>>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Pending> {
    // Parsing 47,000 author names of a 10,000-paper list: in parallel, kept in order.
    let parsed: Vec<(Pending, Option<Diagnostic>)> = sources
        .into_par_iter()
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
            let slug = source
                .front
                .slug
                .clone()
                .unwrap_or_else(|| file_slug(&source));
            let problem = yaml_authors_problem(&source);
            let pending = Pending {
                source,
                key,
                slug,
                identities: names.iter().map(Name::identity).collect(),
                names,
            };
            (pending, problem)
        })
        .collect();
    let mut pending = Vec::with_capacity(parsed.len());
    for (p, problem) in parsed {
        diags.extend(problem);
        pending.push(p);
    }
    suffix_derived_keys(&mut pending, diags);
    claim_keys_and_slugs(pending, diags)
}

/// Derived keys that clash get a, b, ... in path order, like DBLP's disambiguation; suffixes
/// that an explicit key already holds are passed over.
fn suffix_derived_keys(pending: &mut [Pending], diags: &mut Vec<Diagnostic>) {
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
        let mut suffixed = (0..).map(|n| format!("{key}{}", key_suffix(n)));
        for &i in &idxs {
            let p = &mut pending[i];
            p.key = suffixed
                .by_ref()
                .find(|k| !explicit.contains(k))
                .unwrap_or_default();
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
}

/// Explicit slugs claim their URL first; one taken by another file's name moves that file.
/// Duplicate keys and explicit slugs are errors and leave the paper out. Returns the kept
/// papers sorted by slug.
fn claim_keys_and_slugs(mut pending: Vec<Pending>, diags: &mut Vec<Diagnostic>) -> Vec<Pending> {
    let mut kept: Vec<Pending> = Vec::new();
    let mut keys: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    let mut slugs: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    pending.sort_by_key(|p| p.front().slug.is_none());
    for mut p in pending {
        if p.front().slug.is_none() && slugs.contains_key(&p.slug) {
            let base = p.slug.clone();
            let free = (2..)
                .map(|n| format!("{base}-{n}"))
                .find(|s| !slugs.contains_key(s))
                .unwrap_or(base.clone());
            diags.push(Diagnostic::warning(
                &p.source.path,
                &p.source.text,
                0,
                format!(
                    "the URL `{base}` from this file's name is taken by {}; this paper is at `{free}` (set `slug` to choose)",
                    slugs.get(&base).map_or(String::new(), |f| f.display().to_string())
                ),
            ));
            p.slug = free;
        }
        let mut bad = false;
        if let Some(first) = keys.get(&p.key) {
            diags.push(field_error(
                &p,
                "key",
                format!(
                    "duplicate key `{}`: already used by {}",
                    p.key,
                    first.display()
                ),
            ));
            bad = true;
        }
        if p.front().slug.is_some() && p.slug.len() > names::MAX_SLUG {
            diags.push(field_error(
                &p,
                "slug",
                format!(
                    "`slug` is {} bytes long; the limit is {} (slugs name files and folders)",
                    p.slug.len(),
                    names::MAX_SLUG
                ),
            ));
            bad = true;
        } else if let Some(first) = slugs.get(&p.slug).filter(|_| p.front().slug.is_some()) {
            diags.push(field_error(
                &p,
                "slug",
                format!(
                    "duplicate slug `{}`: {} has the same URL; choose another `slug`",
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::load::content::parse_paper;
    use std::path::Path;

    pub(super) fn paper(path: &str, front: &str) -> SourcePaper {
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
    fn keywords_and_venues_that_slug_alike_are_not_merged() {
        let (lib, diags) = Library::build(vec![
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"X, Y\"]\nyear = 2015\nkeywords = [\"C++\"]\nvenue = \"A&B\"",
            ),
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"X, Y\"]\nyear = 2016\nkeywords = [\"C#\", \"?!\"]\nvenue = \"A B\"",
            ),
        ]);
        assert!(diags.is_empty(), "{diags:?}");
        let shown = |p: usize| -> Vec<(&str, &str)> {
            lib.papers[p]
                .keywords
                .iter()
                .map(|&k| (lib.keywords[k].name.as_str(), lib.keywords[k].slug.as_str()))
                .collect()
        };
        assert_eq!(shown(0), [("C++", "c-2")]);
        assert_eq!(shown(1), [("C#", "c"), ("?!", "keyword")]);
        let venue = |p: usize| lib.papers[p].venue.map(|v| lib.venues[v].name.as_str());
        assert_eq!((venue(0), venue(1)), (Some("A&B"), Some("A B")));
        assert_eq!(lib.venues.len(), 2);
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
            paper(
                "e.md",
                "title = \"E\"\nauthors = [\"Q, R\"]\nyear = 2011\nslug = \"a\"",
            ),
            paper(
                "f.md",
                "title = \"F\"\nauthors = [\"S, T\"]\nyear = 2011\nslug = \"a\"",
            ),
            paper(
                "sub/b.md",
                "title = \"A\"\nauthors = [\"U, V\"]\nyear = 2011",
            ),
            paper(
                "g.md",
                &format!(
                    "title = \"G\"\nauthors = [\"W, X\"]\nyear = 2011\nslug = \"{}\"",
                    "g".repeat(101)
                ),
            ),
        ]);
        let keys: Vec<&str> = lib.papers.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["Q11", "X15a", "X15b", "U11", "K"]);
        let slugs: Vec<&str> = lib.papers.iter().map(|p| p.slug.as_str()).collect();
        // e.md claims `a`, so a.md moves to `a-2`; two files named b.md share a name.
        assert_eq!(slugs, ["a", "a-2", "b", "b-2", "c"]);
        let msgs: Vec<String> = diags
            .iter()
            .map(|d| format!("{}:{} {}", d.path.display(), d.line, d.message))
            .collect();
        assert_eq!(msgs.len(), 7, "{msgs:#?}");
        for expected in [
            "f.md:5 duplicate slug `a`: e.md",
            "g.md:5 `slug` is 101 bytes long; the limit is 100",
            "a.md:1 the URL `a` from this file's name is taken by e.md",
            "d.md:5 duplicate key `K`",
            "sub/b.md:1 the URL `b`",
        ] {
            assert!(
                msgs.iter().any(|m| m.starts_with(expected)),
                "{expected}: {msgs:#?}"
            );
        }
    }

    #[test]
    fn derived_key_suffixes_do_not_wrap_or_take_explicit_keys() {
        let mut many: Vec<SourcePaper> = (0..28)
            .map(|i| {
                let front = format!("title = \"P{i}\"\nauthors = [\"Wang, L\"]\nyear = 2015");
                paper(&format!("p{i:02}.md"), &front)
            })
            .collect();
        many.push(paper(
            "x.md",
            "title = \"X\"\nauthors = [\"Q, R\"]\nyear = 2015\nkey = \"Wang15b\"",
        ));
        let (lib, diags) = Library::build(many);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        let keys: BTreeSet<&str> = lib.papers.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys.len(), 29, "no suffix wraps or clashes with `Wang15b`");
        assert!(keys.contains("Wang15ac") && !keys.contains("Wang15ad"));
    }
}
