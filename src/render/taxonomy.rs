//! The listing pages besides the home page: every author, keyword and venue, each one's own page
//! (venues grouped by year), and the 404 page. Small and many, so they render in parallel.

use super::OutputFile;
use super::context::{
    AuthorCtx, EmptyCtx, ItemValue, Link, TermCtx, TermsCtx, VenueCtx, YearGroup, meta,
};
use super::items::ListItems;
use super::route::Route;
use super::templates::{PageRenderer, TemplateError};
use crate::index::Library;
use crate::load::config::Config;

/// A listing page to render.
#[derive(Debug, Clone, Copy)]
pub(super) enum Job {
    Authors,
    Keywords,
    Venues,
    NotFound,
    Author(usize),
    Keyword(usize),
    Venue(usize),
}

impl Job {
    /// Every listing page of `lib`.
    pub(super) fn all(lib: &Library) -> Vec<Job> {
        let mut jobs = vec![Job::Authors, Job::Keywords, Job::Venues, Job::NotFound];
        jobs.extend((0..lib.authors.len()).map(Job::Author));
        jobs.extend((0..lib.keywords.len()).map(Job::Keyword));
        jobs.extend((0..lib.venues.len()).map(Job::Venue));
        jobs
    }
}

impl Job {
    /// The output file of the page.
    pub(super) fn file(self, lib: &Library) -> String {
        let route = match self {
            Job::Author(i) => Route::Author(&lib.authors[i].slug),
            Job::Keyword(i) => Route::Keyword(&lib.keywords[i].slug),
            Job::Venue(i) => Route::Venue(&lib.venues[i].slug),
            Job::Authors => Route::Authors,
            Job::Keywords => Route::Keywords,
            Job::Venues => Route::Venues,
            Job::NotFound => Route::NotFound,
        };
        route.file()
    }
}

/// What listing pages share: the library, the link tables and the list items.
pub(super) struct Listings<'a> {
    pub(super) lib: &'a Library,
    pub(super) config: &'a Config,
    pub(super) items: &'a ListItems<'a>,
    pub(super) authors: &'a [Link],
    pub(super) keywords: &'a [Link],
    pub(super) venues: &'a [Link],
    pub(super) r: &'a PageRenderer<'a>,
}

impl Listings<'_> {
    fn list(&self, idxs: &[usize]) -> Result<Vec<ItemValue>, TemplateError> {
        self.items.values(idxs)
    }

    /// An index of every author, keyword or venue.
    fn terms(
        &self,
        route: Route<'_>,
        title: &str,
        terms: &[Link],
    ) -> Result<OutputFile, TemplateError> {
        let template = format!("{}.html", route.site_path().trim_end_matches('/'));
        let section = match route {
            Route::Authors => "authors",
            Route::Keywords => "keywords",
            _ => "venues",
        };
        let description = format!(
            "Every {} in the reading list.",
            &section[..section.len() - 1]
        );
        self.r.page(
            route,
            &template,
            meta(title, &description, route.url(self.config), section),
            TermsCtx {
                terms: terms.to_vec(),
            },
        )
    }

    pub(super) fn render(&self, job: Job) -> Result<OutputFile, TemplateError> {
        let lib = self.lib;
        match job {
            Job::Authors => self.terms(Route::Authors, "Authors", self.authors),
            Job::Keywords => self.terms(Route::Keywords, "Keywords", self.keywords),
            Job::Venues => self.terms(Route::Venues, "Venues", self.venues),
            Job::NotFound => self.r.page(
                Route::NotFound,
                "404.html",
                meta(
                    "Page not found",
                    "This page does not exist.",
                    Route::NotFound.url(self.config),
                    "",
                ),
                EmptyCtx {},
            ),
            Job::Author(i) => {
                let author = &lib.authors[i];
                let link = self.authors[i].clone();
                let coauthors = lib
                    .coauthors(i)
                    .into_iter()
                    .map(|(c, shared)| Link {
                        count: Some(shared),
                        ..self.authors[c].clone()
                    })
                    .collect();
                let description = format!("Papers by {} in the reading list.", link.name);
                self.r.page(
                    Route::Author(&author.slug),
                    "author.html",
                    meta(&link.name, &description, link.url.clone(), "authors"),
                    AuthorCtx {
                        author: link,
                        papers: self.list(&author.papers)?,
                        coauthors,
                    },
                )
            }
            Job::Keyword(i) => {
                let term = &lib.keywords[i];
                let link = self.keywords[i].clone();
                let description = format!("Papers about {} in the reading list.", link.name);
                self.r.page(
                    Route::Keyword(&term.slug),
                    "keyword.html",
                    meta(&link.name, &description, link.url.clone(), "keywords"),
                    TermCtx {
                        term: link,
                        papers: self.list(&term.papers)?,
                    },
                )
            }
            Job::Venue(i) => {
                let term = &lib.venues[i];
                let link = self.venues[i].clone();
                let mut years: Vec<YearGroup> = Vec::new();
                // `term.papers` is newest first, so equal years are adjacent.
                for &p in &term.papers {
                    let year = lib.papers[p].front().year;
                    match years.last_mut() {
                        Some(g) if g.year == year => g.papers.push(self.items.value(p)?),
                        _ => years.push(YearGroup {
                            year,
                            papers: vec![self.items.value(p)?],
                        }),
                    }
                }
                let description = format!("Papers from {} in the reading list.", link.name);
                self.r.page(
                    Route::Venue(&term.slug),
                    "venue.html",
                    meta(&link.name, &description, link.url.clone(), "venues"),
                    VenueCtx { term: link, years },
                )
            }
        }
    }
}
