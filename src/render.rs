//! The render stage: markdown of every paper to HTML (in parallel), then every page through Tera
//! with one typed, `Serialize` context per page kind. It returns files as bytes in memory; it must
//! not touch the disk, and index/taxonomy pages carry only what they show (never bodies).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::library::{Library, Paper, Resolution};
use crate::markdown::cite::{CiteTable, CiteTarget};
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
    ("atom.xml", include_str!("../templates/atom.xml")),
    ("sitemap.xml", include_str!("../templates/sitemap.xml")),
    ("robots.txt", include_str!("../templates/robots.txt")),
];

/// How many of the newest papers the Atom feed carries.
const FEED_ENTRIES: usize = 20;

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
    /// Scheme and host of `base_url`, for absolute URLs.
    origin: String,
    home_url: String,
    feed_url: String,
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
    /// Absolute URL, for `<link rel=canonical>` and OpenGraph.
    canonical: String,
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
    /// What the summaries cite: papers of the list, then DBLP links, then missing keys.
    references: Vec<Reference>,
    /// Papers of the list whose summaries cite this one.
    cited_by: Vec<PaperItem>,
    /// This paper's BibTeX entry, as `library.bib` has it.
    bibtex: String,
    bib_url: String,
}

/// One entry of a paper's references.
#[derive(Debug, Clone, Serialize)]
struct Reference {
    key: String,
    /// `paper` (in the list), `external` (a DBLP link) or `missing`.
    kind: &'static str,
    url: Option<String>,
    paper: Option<PaperItem>,
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

#[derive(Serialize)]
struct SitemapCtx {
    /// Absolute URLs, sorted.
    urls: Vec<String>,
}

#[derive(Serialize)]
struct FeedCtx {
    /// Absolute URLs of the feed itself and of the site.
    self_url: String,
    site_url: String,
    /// RFC 3339; derived from the content (papers carry a year, not a date) so rebuilds match.
    updated: String,
    entries: Vec<FeedEntry>,
}

#[derive(Serialize)]
struct FeedEntry {
    title: String,
    url: String,
    updated: String,
    authors: Vec<String>,
    venue: Option<String>,
    year: i32,
    keywords: Vec<String>,
    /// The rendered summaries, escaped into the feed as `type="html"`.
    content: String,
}

fn year_timestamp(year: i32) -> String {
    format!("{year:04}-01-01T00:00:00Z")
}

/// The Atom feed of the newest papers, bodies included.
fn feed(
    lib: &Library,
    config: &Config,
    items: &[PaperItem],
    order: &[usize],
    bodies: &mut BTreeMap<usize, String>,
) -> FeedCtx {
    let entries: Vec<FeedEntry> = order
        .iter()
        .take(FEED_ENTRIES)
        .map(|&i| {
            let item = &items[i];
            FeedEntry {
                title: item.title.clone(),
                url: config.absolute_url(&format!("papers/{}/", lib.papers[i].slug)),
                updated: year_timestamp(item.year),
                authors: item.authors.iter().map(|a| a.name.clone()).collect(),
                venue: item.venue.as_ref().map(|v| v.name.clone()),
                year: item.year,
                keywords: item.keywords.iter().map(|k| k.name.clone()).collect(),
                content: bodies.remove(&i).unwrap_or_default(),
            }
        })
        .collect();
    let newest = order.first().map_or(1970, |&i| items[i].year);
    FeedCtx {
        self_url: config.absolute_url("atom.xml"),
        site_url: config.absolute_url(""),
        updated: year_timestamp(newest),
        entries,
    }
}

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
        origin: config
            .absolute_url("")
            .trim_end_matches(config.base_path())
            .to_owned(),
        home_url: config.url(""),
        feed_url: config.url("atom.xml"),
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
    // Every author, keyword and venue link is made once, here; lists and pages reuse them.
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
    let items: Vec<PaperItem> = lib
        .papers
        .iter()
        .map(|p| paper_item(config, p, &author_links, &keyword_links, &venue_links))
        .collect();
    let list =
        |idxs: &[usize]| -> Vec<PaperItem> { idxs.iter().map(|&i| items[i].clone()).collect() };
    let r = PageRenderer { tera, site: &site };
    let cites = cite_table(lib, &items);
    let md_with_cites = MarkdownContext {
        cites: Some(&cites),
        ..*md
    };
    let md = &md_with_cites;

    let order = lib.newest_first();
    let in_feed: std::collections::BTreeSet<usize> =
        order.iter().take(FEED_ENTRIES).copied().collect();

    // Paper pages carry the markdown work: render them in parallel.
    type PaperResult = Result<(OutputFile, Vec<Diagnostic>, Option<String>), TemplateError>;
    let papers: Vec<PaperResult> = lib
        .papers
        .par_iter()
        .enumerate()
        .map(|(i, paper)| {
            let mut diags = Vec::new();
            let mut has_math = false;
            let summaries: Vec<String> = paper
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
                canonical: String::new(),
                url: items[i].url.clone(),
                section: "papers",
                has_math,
            };
            // Only the feed's papers keep their bodies past this point.
            let feed_body = in_feed.contains(&i).then(|| summaries.join("\n"));
            let ctx = PaperCtx {
                paper: items[i].clone(),
                summaries,
                external_url: paper.front().url.clone(),
                references: references(paper, &items),
                cited_by: list(&paper.cited_by),
                bibtex: crate::bibtex::entry(lib, paper),
                bib_url: config.url("library.bib"),
            };
            let file = r.page(&format!("papers/{}/", paper.slug), "paper.html", page, ctx)?;
            Ok((file, diags, feed_body))
        })
        .collect();

    let mut files = Vec::new();
    let mut diags = Vec::new();
    let mut feed_bodies: BTreeMap<usize, String> = BTreeMap::new();
    for (i, result) in papers.into_iter().enumerate() {
        let (file, mut d, body) = result?;
        files.push(file);
        diags.append(&mut d);
        if let Some(body) = body {
            feed_bodies.insert(i, body);
        }
    }
    files.push(r.page(
        "",
        "index.html",
        meta("", &config.description, config.url(""), "papers"),
        IndexCtx {
            papers: list(&order),
        },
    )?);

    files.push(r.file(
        "atom.xml",
        "atom.xml",
        &feed(lib, config, &items, &order, &mut feed_bodies),
    )?);
    let mut urls: Vec<String> = files
        .iter()
        .filter_map(|f| f.path.strip_suffix("index.html"))
        .map(|dir| config.absolute_url(dir))
        .collect();
    urls.extend(
        lib.authors
            .iter()
            .map(|a| config.absolute_url(&format!("authors/{}/", a.slug))),
    );
    urls.extend(
        lib.keywords
            .iter()
            .map(|t| config.absolute_url(&format!("keywords/{}/", t.slug))),
    );
    urls.extend(
        lib.venues
            .iter()
            .map(|t| config.absolute_url(&format!("venues/{}/", t.slug))),
    );
    urls.extend(["authors/", "keywords/", "venues/"].map(|p| config.absolute_url(p)));
    urls.sort();
    files.push(r.file("sitemap.xml", "sitemap.xml", &SitemapCtx { urls })?);
    files.push(r.file(
        "robots.txt",
        "robots.txt",
        &SitemapCtx {
            urls: vec![config.absolute_url("sitemap.xml")],
        },
    )?);

    // Taxonomy pages are many and small; render them in parallel too.
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

/// What every cited key of the site renders as, from the index stage's resolution. An ambiguous
/// key links to none of its candidates: it shows as external (a DBLP path) or missing.
fn cite_table(lib: &Library, items: &[PaperItem]) -> CiteTable {
    let mut table = CiteTable::new();
    for paper in &lib.papers {
        for key in paper.citations.iter().flat_map(|c| &c.keys) {
            if table.contains_key(key) {
                continue;
            }
            let target = match lib.resolve(key) {
                Resolution::Paper(i) => CiteTarget::Paper {
                    url: items[i].url.clone(),
                    text: lib.papers[i].cite_text(),
                    title: items[i].title.clone(),
                },
                Resolution::External(url) => CiteTarget::External { url },
                Resolution::Ambiguous(_) if key.contains('/') => CiteTarget::External {
                    url: crate::library::dblp_url(key),
                },
                Resolution::Ambiguous(_) | Resolution::Missing => CiteTarget::Missing,
            };
            table.insert(key.clone(), target);
        }
    }
    table
}

/// A paper's references: the papers it cites, then its DBLP links, then its missing keys.
fn references(paper: &Paper, items: &[PaperItem]) -> Vec<Reference> {
    let internal = paper.cites.iter().map(|&i| Reference {
        key: items[i].key.clone(),
        kind: "paper",
        url: Some(items[i].url.clone()),
        paper: Some(items[i].clone()),
    });
    let external = paper.external.iter().map(|key| Reference {
        key: key.clone(),
        kind: "external",
        url: Some(crate::library::dblp_url(key)),
        paper: None,
    });
    let missing = paper.missing.iter().map(|key| Reference {
        key: key.clone(),
        kind: "missing",
        url: None,
        paper: None,
    });
    internal.chain(external).chain(missing).collect()
}

/// `library.bib`: every paper's BibTeX entry, sorted by key.
pub fn library_bib(lib: &Library) -> OutputFile {
    OutputFile {
        path: "library.bib".to_owned(),
        contents: crate::bibtex::library(lib).into_bytes(),
    }
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
        canonical: String::new(),
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

/// A paper as lists show it; its author, keyword and venue links come from the site's tables,
/// without their paper counts.
fn paper_item(
    config: &Config,
    paper: &Paper,
    authors: &[Link],
    keywords: &[Link],
    venues: &[Link],
) -> PaperItem {
    let link = |table: &[Link], i: usize| Link {
        count: None,
        ..table[i].clone()
    };
    PaperItem {
        title: paper.front().title.clone(),
        url: config.url(&format!("papers/{}/", paper.slug)),
        key: paper.key.clone(),
        year: paper.front().year,
        venue: paper.venue.map(|v| link(venues, v)),
        authors: paper.authors.iter().map(|&a| link(authors, a)).collect(),
        keywords: paper.keywords.iter().map(|&k| link(keywords, k)).collect(),
    }
}

struct PageRenderer<'a> {
    tera: &'a Tera,
    site: &'a SiteCtx,
}

impl PageRenderer<'_> {
    /// Renders a file that is not a page (feed, sitemap) at site path `path`.
    fn file<T: Serialize>(
        &self,
        path: &str,
        template: &str,
        data: &T,
    ) -> Result<OutputFile, TemplateError> {
        let mut ctx = Context::from_serialize(data).map_err(|e| template_error(template, &e))?;
        ctx.insert("site", self.site);
        let text = self
            .tera
            .render(template, &ctx)
            .map_err(|e| template_error(template, &e))?;
        Ok(OutputFile {
            path: path.to_owned(),
            contents: text.into_bytes(),
        })
    }

    /// Renders `template` for the page at site path `dir` (written as `dir/index.html`).
    fn page<T: Serialize>(
        &self,
        dir: &str,
        template: &str,
        mut page: PageMeta,
        data: T,
    ) -> Result<OutputFile, TemplateError> {
        page.canonical = format!("{}{}", self.site.origin, page.url);
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
