//! The render stage: markdown of every paper to HTML (in parallel), then every page through Tera
//! with one typed, `Serialize` context per page kind. It returns files as bytes in memory; it must
//! not touch the disk, and index/taxonomy pages carry only what they show (never bodies).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::library::{Library, Paper};
use crate::markdown::{self, MarkdownContext, SourceSpan};

/// Templates shipped in the binary; a site's `templates/` overrides any of them by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    (
        "paper_item.html",
        include_str!("../templates/paper_item.html"),
    ),
    ("index.html", include_str!("../templates/index.html")),
    ("paper.html", include_str!("../templates/paper.html")),
    ("authors.html", include_str!("../templates/authors.html")),
    ("author.html", include_str!("../templates/author.html")),
    ("keywords.html", include_str!("../templates/keywords.html")),
    ("keyword.html", include_str!("../templates/keyword.html")),
    ("venues.html", include_str!("../templates/venues.html")),
    ("venue.html", include_str!("../templates/venue.html")),
    ("404.html", include_str!("../templates/404.html")),
];

/// A file of the built site: its path under the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// Site-wide values every page sees as `site`.
#[derive(Debug, Serialize)]
struct SiteCtx {
    title: String,
    description: String,
    language: String,
    home_url: String,
    style_url: String,
    highlight_url: String,
    /// Where pages with math load KaTeX's stylesheet from (None: the site has no math CSS).
    math_css_url: Option<String>,
    /// SRI hash of `math_css_url` when it is a CDN copy.
    math_css_integrity: Option<String>,
    nav: Vec<NavItem>,
}

#[derive(Debug, Serialize)]
struct NavItem {
    name: &'static str,
    url: String,
    /// Matches `page.section` on the pages of this entry.
    section: &'static str,
}

/// What a page says about itself (`page` in templates).
#[derive(Debug, Serialize)]
struct PageMeta {
    /// Empty on the home page, whose `<title>` is the site's.
    title: String,
    description: String,
    url: String,
    /// Which nav entry is current: `papers`, `authors`, `keywords`, `venues` or empty.
    section: &'static str,
    has_math: bool,
}

#[derive(Debug, Clone, Serialize)]
struct Link {
    name: String,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
}

/// A paper as lists show it: no body.
#[derive(Debug, Clone, Serialize)]
struct PaperItem {
    title: String,
    url: String,
    key: String,
    year: i32,
    venue: Option<Link>,
    authors: Vec<Link>,
    keywords: Vec<Link>,
}

#[derive(Serialize)]
struct Page<'a, T: Serialize> {
    site: &'a SiteCtx,
    page: PageMeta,
    #[serde(flatten)]
    data: T,
}

#[derive(Serialize)]
struct IndexCtx {
    papers: Vec<PaperItem>,
}

#[derive(Serialize)]
struct PaperCtx {
    paper: PaperItem,
    /// Rendered summaries, in file order.
    summaries: Vec<String>,
    external_url: Option<String>,
}

#[derive(Serialize)]
struct TermsCtx {
    terms: Vec<Link>,
}

#[derive(Serialize)]
struct AuthorCtx {
    author: Link,
    papers: Vec<PaperItem>,
    coauthors: Vec<Link>,
}

#[derive(Serialize)]
struct TermCtx {
    term: Link,
    papers: Vec<PaperItem>,
}

#[derive(Serialize)]
struct YearGroup {
    year: i32,
    papers: Vec<PaperItem>,
}

#[derive(Serialize)]
struct VenueCtx {
    term: Link,
    years: Vec<YearGroup>,
}

#[derive(Serialize)]
struct EmptyCtx {}

/// Broken templates: the user's to fix, reported with Tera's own explanation.
#[derive(Debug, thiserror::Error)]
#[error("template {name}: {message}")]
pub struct TemplateError {
    pub name: String,
    pub message: String,
}

fn template_error(name: &str, err: &tera::Error) -> TemplateError {
    // Tera's Display holds the location; its source chain holds the cause.
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    TemplateError {
        name: name.to_owned(),
        message,
    }
}

/// Builds the template set: built-ins, overridden by the site's files of the same name.
pub fn templates(site_templates: &BTreeMap<String, String>) -> Result<Tera, TemplateError> {
    let mut all: BTreeMap<&str, &str> = BUILTIN_TEMPLATES.iter().copied().collect();
    for (name, text) in site_templates {
        all.insert(name, text);
    }
    let mut tera = Tera::new();
    tera.add_raw_templates(all)
        .map_err(|e| template_error("templates/", &e))?;
    Ok(tera)
}

/// Where the site's own assets live, decided by the write stage's inputs.
pub struct Assets {
    /// Site path of KaTeX's stylesheet, or a full URL (CDN fallback); None when there is none.
    pub math_css: Option<String>,
    /// `integrity` of a CDN stylesheet.
    pub math_css_integrity: Option<String>,
}

/// Renders every page. Diagnostics (math errors) are collected, not fatal here.
pub fn render_site(
    lib: &Library,
    config: &Config,
    tera: &Tera,
    md: &MarkdownContext<'_>,
    assets: &Assets,
) -> Result<(Vec<OutputFile>, Vec<Diagnostic>), TemplateError> {
    let site = SiteCtx {
        title: config.title.clone(),
        description: config.description.clone(),
        language: config.language.clone(),
        home_url: config.url(""),
        style_url: config.url("style.css"),
        highlight_url: config.url("highlight.css"),
        math_css_url: assets.math_css.as_ref().map(|p| {
            if p.contains("://") {
                p.clone()
            } else {
                config.url(p)
            }
        }),
        math_css_integrity: assets.math_css_integrity.clone(),
        nav: [
            ("Papers", "", "papers"),
            ("Authors", "authors/", "authors"),
            ("Keywords", "keywords/", "keywords"),
            ("Venues", "venues/", "venues"),
        ]
        .into_iter()
        .map(|(name, path, section)| NavItem {
            name,
            url: config.url(path),
            section,
        })
        .collect(),
    };
    let items: Vec<PaperItem> = lib
        .papers
        .iter()
        .map(|p| paper_item(lib, config, p))
        .collect();
    let list =
        |idxs: &[usize]| -> Vec<PaperItem> { idxs.iter().map(|&i| items[i].clone()).collect() };
    let r = PageRenderer { tera, site: &site };

    // Paper pages carry the markdown work: render them in parallel.
    let papers: Vec<Result<(OutputFile, Vec<Diagnostic>), TemplateError>> = lib
        .papers
        .par_iter()
        .enumerate()
        .map(|(i, paper)| {
            let mut diags = Vec::new();
            let mut has_math = false;
            let summaries = paper
                .summaries()
                .map(|(offset, text)| {
                    let span = SourceSpan {
                        path: &paper.source.path,
                        file_text: &paper.source.text,
                        offset,
                    };
                    let out = markdown::render(text, &span, md);
                    has_math |= out.has_math;
                    diags.extend(out.diagnostics);
                    out.html
                })
                .collect();
            let description = paper
                .summaries()
                .next()
                .map(|(_, text)| markdown::excerpt(text, 160))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| format!("A summary of {}.", paper.front().title));
            let page = PageMeta {
                title: paper.front().title.clone(),
                description,
                url: items[i].url.clone(),
                section: "papers",
                has_math,
            };
            let ctx = PaperCtx {
                paper: items[i].clone(),
                summaries,
                external_url: paper.front().url.clone(),
            };
            let file = r.page(&format!("papers/{}/", paper.slug), "paper.html", page, ctx)?;
            Ok((file, diags))
        })
        .collect();

    let mut files = Vec::new();
    let mut diags = Vec::new();
    for result in papers {
        let (file, mut d) = result?;
        files.push(file);
        diags.append(&mut d);
    }

    let order = lib.newest_first();
    files.push(r.page(
        "",
        "index.html",
        meta("", &config.description, config.url(""), "papers"),
        IndexCtx {
            papers: list(&order),
        },
    )?);

    // Taxonomy pages are many and small; render them in parallel too.
    let author_links: Vec<Link> = lib
        .authors
        .iter()
        .map(|a| Link {
            name: a.name.display(),
            url: config.url(&format!("authors/{}/", a.slug)),
            count: Some(a.papers.len()),
        })
        .collect();
    let keyword_links = term_links(config, "keywords", &lib.keywords);
    let venue_links = term_links(config, "venues", &lib.venues);
    let mut jobs = vec![Job::Authors, Job::Keywords, Job::Venues, Job::NotFound];
    jobs.extend((0..lib.authors.len()).map(Job::Author));
    jobs.extend((0..lib.keywords.len()).map(Job::Keyword));
    jobs.extend((0..lib.venues.len()).map(Job::Venue));
    let render_job = |job: &Job| -> Result<OutputFile, TemplateError> {
        match *job {
            Job::Authors => r.page(
                "authors/",
                "authors.html",
                meta(
                    "Authors",
                    "Every author in the reading list.",
                    config.url("authors/"),
                    "authors",
                ),
                TermsCtx {
                    terms: author_links.clone(),
                },
            ),
            Job::Keywords => r.page(
                "keywords/",
                "keywords.html",
                meta(
                    "Keywords",
                    "Every keyword in the reading list.",
                    config.url("keywords/"),
                    "keywords",
                ),
                TermsCtx {
                    terms: keyword_links.clone(),
                },
            ),
            Job::Venues => r.page(
                "venues/",
                "venues.html",
                meta(
                    "Venues",
                    "Every venue in the reading list.",
                    config.url("venues/"),
                    "venues",
                ),
                TermsCtx {
                    terms: venue_links.clone(),
                },
            ),
            Job::NotFound => {
                let mut file = r.page(
                    "",
                    "404.html",
                    meta(
                        "Page not found",
                        "This page does not exist.",
                        config.url("404.html"),
                        "",
                    ),
                    EmptyCtx {},
                )?;
                file.path = "404.html".to_owned();
                Ok(file)
            }
            Job::Author(i) => {
                let author = &lib.authors[i];
                let link = author_links[i].clone();
                let coauthors = lib
                    .coauthors(i)
                    .into_iter()
                    .map(|(c, shared)| Link {
                        count: Some(shared),
                        ..author_links[c].clone()
                    })
                    .collect();
                let description = format!("Papers by {} in the reading list.", link.name);
                r.page(
                    &format!("authors/{}/", author.slug),
                    "author.html",
                    meta(&link.name, &description, link.url.clone(), "authors"),
                    AuthorCtx {
                        author: link,
                        papers: list(&author.papers),
                        coauthors,
                    },
                )
            }
            Job::Keyword(i) => {
                let term = &lib.keywords[i];
                let link = keyword_links[i].clone();
                let description = format!("Papers about {} in the reading list.", link.name);
                r.page(
                    &format!("keywords/{}/", term.slug),
                    "keyword.html",
                    meta(&link.name, &description, link.url.clone(), "keywords"),
                    TermCtx {
                        term: link,
                        papers: list(&term.papers),
                    },
                )
            }
            Job::Venue(i) => {
                let term = &lib.venues[i];
                let link = venue_links[i].clone();
                let mut years: Vec<YearGroup> = Vec::new();
                // `term.papers` is newest first, so equal years are adjacent.
                for &p in &term.papers {
                    let year = lib.papers[p].front().year;
                    match years.last_mut() {
                        Some(g) if g.year == year => g.papers.push(items[p].clone()),
                        _ => years.push(YearGroup {
                            year,
                            papers: vec![items[p].clone()],
                        }),
                    }
                }
                let description = format!("Papers from {} in the reading list.", link.name);
                r.page(
                    &format!("venues/{}/", term.slug),
                    "venue.html",
                    meta(&link.name, &description, link.url.clone(), "venues"),
                    VenueCtx { term: link, years },
                )
            }
        }
    };
    let rendered: Result<Vec<OutputFile>, TemplateError> =
        jobs.par_iter().map(render_job).collect();
    files.extend(rendered?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, diags))
}

/// The pages besides paper pages and the home page.
enum Job {
    Authors,
    Keywords,
    Venues,
    NotFound,
    Author(usize),
    Keyword(usize),
    Venue(usize),
}

fn meta(title: &str, description: &str, url: String, section: &'static str) -> PageMeta {
    PageMeta {
        title: title.to_owned(),
        description: description.to_owned(),
        url,
        section,
        has_math: false,
    }
}

fn term_links(config: &Config, section: &str, terms: &[crate::library::Term]) -> Vec<Link> {
    terms
        .iter()
        .map(|t| Link {
            name: t.name.clone(),
            url: config.url(&format!("{section}/{}/", t.slug)),
            count: Some(t.papers.len()),
        })
        .collect()
}

fn paper_item(lib: &Library, config: &Config, paper: &Paper) -> PaperItem {
    PaperItem {
        title: paper.front().title.clone(),
        url: config.url(&format!("papers/{}/", paper.slug)),
        key: paper.key.clone(),
        year: paper.front().year,
        venue: paper.venue.map(|v| {
            let t = &lib.venues[v];
            Link {
                name: t.name.clone(),
                url: config.url(&format!("venues/{}/", t.slug)),
                count: None,
            }
        }),
        authors: paper
            .authors
            .iter()
            .map(|&a| {
                let author = &lib.authors[a];
                Link {
                    name: author.name.display(),
                    url: config.url(&format!("authors/{}/", author.slug)),
                    count: None,
                }
            })
            .collect(),
        keywords: paper
            .keywords
            .iter()
            .map(|&k| {
                let t = &lib.keywords[k];
                Link {
                    name: t.name.clone(),
                    url: config.url(&format!("keywords/{}/", t.slug)),
                    count: None,
                }
            })
            .collect(),
    }
}

struct PageRenderer<'a> {
    tera: &'a Tera,
    site: &'a SiteCtx,
}

impl PageRenderer<'_> {
    /// Renders `template` for the page at site path `dir` (written as `dir/index.html`).
    fn page<T: Serialize>(
        &self,
        dir: &str,
        template: &str,
        page: PageMeta,
        data: T,
    ) -> Result<OutputFile, TemplateError> {
        let ctx = Context::from_serialize(&Page {
            site: self.site,
            page,
            data,
        })
        .map_err(|e| template_error(template, &e))?;
        let html = self
            .tera
            .render(template, &ctx)
            .map_err(|e| template_error(template, &e))?;
        Ok(OutputFile {
            path: format!("{dir}index.html"),
            contents: html.into_bytes(),
        })
    }
}
