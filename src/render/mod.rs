//! The render stage: markdown of every paper to HTML (in parallel), then every page through Tera
//! with one typed, `Serialize` context per page kind. Each page goes to a `Sink` from the worker
//! that rendered it (the write stage's temporary tree, or memory), so no build holds the whole
//! site. It must not touch the disk itself, and index/taxonomy pages carry only what they show
//! (never bodies).

pub mod bibtex;
mod context;
pub mod deps;
pub(crate) mod feed;
mod items;
mod paper;
pub mod route;
mod taxonomy;
mod templates;
mod years;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use tera::Tera;

use crate::diag::Diagnostic;
use crate::index::Library;
use crate::load::config::Config;
use crate::markdown::{Analyses, MarkdownContext};
use context::{Link, NavItem, PaperItem, SiteCtx, SitemapCtx, SitemapUrl, paper_item, term_links};
use items::ListItems;
use paper::PaperPages;
pub use route::Route;
use taxonomy::{Job, Listings};
pub use templates::{BUILTIN_TEMPLATES, TemplateError, templates};

/// A file of the built site: its path under the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// Where rendered files go as soon as they are made. `Sync`: pages render in parallel.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), crate::Error>;

    /// Told this build's dependency map before any page is rendered.
    fn plan(&self, _map: &deps::DepMap) {}

    /// True when the sink already holds the last build's `path` and the map says it has not
    /// changed: the page is not rendered again. The default keeps nothing.
    fn keep(&self, _path: &str) -> Result<bool, crate::Error> {
        Ok(false)
    }

    /// True when the sink already holds the last build's files under `dir` and the map said
    /// they are the search index of key `key`: they are kept as they are, not written again.
    /// The default keeps nothing.
    fn keep_search(&self, _dir: &str, _key: &str) -> Result<bool, crate::Error> {
        Ok(false)
    }
}

/// A sink that keeps every file in memory (`serve`, `check`, tests).
#[derive(Debug, Default)]
pub struct MemorySink(std::sync::Mutex<Vec<OutputFile>>);

impl MemorySink {
    /// The files put so far, sorted by path.
    pub fn into_files(self) -> Vec<OutputFile> {
        let mut files = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

impl Sink for MemorySink {
    fn put(&self, file: OutputFile) -> Result<(), crate::Error> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        Ok(())
    }
}

/// What rendering the pages found: pages put to the sink, and the content problems.
pub struct RenderReport {
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// Papers whose page had diagnostics: never kept, so the next build reports them again.
    pub warned: BTreeSet<usize>,
}

/// Where the site's own assets live, decided by the write stage's inputs.
pub struct Assets {
    /// Site path of KaTeX's stylesheet, or a full URL (CDN fallback); None when there is none.
    pub math_css: Option<String>,
    /// `integrity` of a CDN stylesheet.
    pub math_css_integrity: Option<String>,
}

/// What every page sees as `site`.
fn site_ctx(config: &Config, assets: &Assets) -> SiteCtx {
    SiteCtx {
        title: config.title.clone(),
        description: config.description.clone(),
        language: config.language.clone(),
        origin: Route::Home
            .absolute(config)
            .trim_end_matches(config.base_path())
            .to_owned(),
        home_url: Route::Home.url(config),
        feed_url: Route::Feed.url(config),
        style_url: Route::Style.url(config),
        highlight_url: Route::Highlight.url(config),
        favicon_url: Route::Favicon.url(config),
        search_url: config.search.then(|| Route::SearchBundle.url(config)),
        script_url: Route::Script.url(config),
        math_css_url: assets.math_css.as_ref().map(|p| {
            if p.contains("://") {
                p.clone()
            } else {
                config.url(p)
            }
        }),
        math_css_integrity: assets.math_css_integrity.clone(),
        nav: [
            ("Papers", Route::Home, "papers"),
            ("Authors", Route::Authors, "authors"),
            ("Keywords", Route::Keywords, "keywords"),
            ("Venues", Route::Venues, "venues"),
        ]
        .into_iter()
        .map(|(name, route, section)| NavItem {
            name,
            url: route.url(config),
            section,
        })
        .collect(),
    }
}

/// Renders every page into `sink`. Diagnostics (math errors) are collected, not fatal here.
pub fn render_site(
    lib: &Library,
    analyses: &[Analyses],
    config: &Config,
    tera: &Tera,
    md: &MarkdownContext<'_>,
    assets: &Assets,
    sink: &dyn Sink,
) -> Result<RenderReport, crate::Error> {
    let site = site_ctx(config, assets);
    // Every author, keyword and venue link is made once, here; lists and pages reuse them.
    let author_links = author_links(lib, config);
    let keyword_links = term_links(config, Route::Keyword, &lib.keywords);
    let venue_links = term_links(config, Route::Venue, &lib.venues);
    let r = templates::PageRenderer { tera, site: &site };
    let base: Vec<PaperItem> = lib
        .papers
        .par_iter()
        .map(|p| paper_item(config, p, &author_links, &keyword_links, &venue_links))
        .collect();
    let cites = paper::cite_table(lib, &base);
    let md = MarkdownContext {
        cites: Some(&cites),
        ..*md
    };
    // Excerpts and list markup are made when a page first lists a paper, once.
    let items = ListItems::new(base, lib, analyses, &md, &r);

    let order = lib.newest_first();
    // The feed is kept when none of the papers it carries changed; else it needs their bodies.
    let feed_kept = sink.keep(&Route::Feed.file())?;
    let in_feed: BTreeSet<usize> = if feed_kept {
        BTreeSet::new()
    } else {
        order.iter().take(feed::FEED_ENTRIES).copied().collect()
    };
    // Paper pages carry the markdown work: render them in parallel, each worker writing its
    // page; only the feed's few bodies are kept.
    let related = lib.related();
    let pages = PaperPages {
        lib,
        analyses,
        config,
        items: &items,
        md: &md,
        r: &r,
        related,
    };
    let papers: Vec<(Vec<Diagnostic>, Option<String>)> = (0..lib.papers.len())
        .into_par_iter()
        .map(|i| {
            // A feed rendered again needs its papers' bodies: their pages are rendered.
            let feed = in_feed.contains(&i);
            if !feed && sink.keep(&Route::Paper(&lib.papers[i].slug).file())? {
                return Ok((Vec::new(), None));
            }
            let page = pages.render(i, feed)?;
            sink.put(page.file)?;
            Ok((page.diagnostics, page.feed_body))
        })
        .collect::<Result<_, crate::Error>>()?;
    let mut diagnostics = Vec::new();
    let mut warned = BTreeSet::new();
    let mut feed_bodies: BTreeMap<usize, String> = BTreeMap::new();
    for (i, (diags, body)) in papers.into_iter().enumerate() {
        if !diags.is_empty() {
            warned.insert(i);
        }
        diagnostics.extend(diags);
        if let Some(body) = body {
            feed_bodies.insert(i, body);
        }
    }
    let year_page_count = years::render(lib, config, &items, &order, &r, sink)?;
    if !feed_kept {
        let feed = feed::feed(lib, config, items.base(), &order, &mut feed_bodies);
        sink.put(r.file(Route::Feed, "atom.xml", &feed)?)?;
    }
    if !sink.keep(&Route::Sitemap.file())? {
        sink.put(r.file(Route::Sitemap, "sitemap.xml", &sitemap(lib, config))?)?;
    }
    if !sink.keep(&Route::Robots.file())? {
        let robots = SitemapCtx {
            urls: vec![SitemapUrl {
                loc: Route::Sitemap.absolute(config),
                lastmod: None,
            }],
        };
        sink.put(r.file(Route::Robots, "robots.txt", &robots)?)?;
    }

    // Listing pages are many and small; render them in parallel too.
    let listings = Listings {
        lib,
        config,
        items: &items,
        authors: &author_links,
        keywords: &keyword_links,
        venues: &venue_links,
        r: &r,
    };
    let listing_pages = render_listings(&listings, sink)?;
    Ok(RenderReport {
        // Papers, the home, year and recent pages, and the listings (404 included).
        pages: lib.papers.len() + year_page_count + listing_pages,
        diagnostics,
        warned,
    })
}

/// Every author's link, with their number of papers.
fn author_links(lib: &Library, config: &Config) -> Vec<Link> {
    lib.authors
        .iter()
        .map(|a| Link {
            name: a.name.display(),
            url: Route::Author(&a.slug).url(config),
            count: Some(a.papers.len()),
        })
        .collect()
}

/// Renders the listing pages (authors, keywords, venues, their indexes, 404) that the sink does
/// not keep from the last build; returns how many listing pages the site has.
fn render_listings(listings: &Listings<'_>, sink: &dyn Sink) -> Result<usize, crate::Error> {
    let jobs = Job::all(listings.lib);
    let count = jobs.len();
    jobs.into_par_iter().try_for_each(|job| {
        if sink.keep(&job.file(listings.lib))? {
            return Ok(());
        }
        sink.put(listings.render(job)?)
    })?;
    Ok(count)
}

/// Every page's absolute URL, sorted; paper pages carry their `added` date as `lastmod`.
fn sitemap(lib: &Library, config: &Config) -> SitemapCtx {
    let mut routes = vec![
        Route::Home,
        Route::Authors,
        Route::Keywords,
        Route::Venues,
        Route::Years,
        Route::Recent,
    ];
    let years: BTreeSet<i32> = lib.papers.iter().map(|p| p.front().year).collect();
    routes.extend(years.into_iter().map(Route::Year));
    routes.extend(lib.authors.iter().map(|a| Route::Author(&a.slug)));
    routes.extend(lib.keywords.iter().map(|t| Route::Keyword(&t.slug)));
    routes.extend(lib.venues.iter().map(|t| Route::Venue(&t.slug)));
    let mut urls: Vec<SitemapUrl> = routes
        .iter()
        .map(|r| SitemapUrl {
            loc: r.absolute(config),
            lastmod: None,
        })
        .collect();
    urls.extend(lib.papers.iter().map(|p| SitemapUrl {
        loc: Route::Paper(&p.slug).absolute(config),
        lastmod: p.front().added.map(|d| d.to_string()),
    }));
    urls.sort_by(|a, b| a.loc.cmp(&b.loc));
    SitemapCtx { urls }
}

/// `library.bib`: every paper's BibTeX entry, sorted by key.
pub fn library_bib(lib: &Library) -> OutputFile {
    OutputFile {
        path: Route::Bibliography.file(),
        contents: bibtex::library(lib).into_bytes(),
    }
}
