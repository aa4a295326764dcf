//! The render stage: markdown of every paper to HTML (in parallel), then every page through Tera
//! with one typed, `Serialize` context per page kind. It returns files as bytes in memory; it must
//! not touch the disk, and index/taxonomy pages carry only what they show (never bodies).

pub mod bibtex;
mod context;
mod feed;
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
use crate::markdown::MarkdownContext;
use context::{Link, NavItem, PaperItem, SiteCtx, SitemapCtx, SitemapUrl, paper_item, term_links};
use paper::{PaperPage, PaperPages};
pub use route::Route;
use taxonomy::{Job, Listings};
pub use templates::{BUILTIN_TEMPLATES, TemplateError, templates};

/// A file of the built site: its path under the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: Vec<u8>,
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
        search_url: Route::SearchBundle.url(config),
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

/// Renders every page. Diagnostics (math errors) are collected, not fatal here.
pub fn render_site(
    lib: &Library,
    config: &Config,
    tera: &Tera,
    md: &MarkdownContext<'_>,
    assets: &Assets,
) -> Result<(Vec<OutputFile>, Vec<Diagnostic>), TemplateError> {
    let site = site_ctx(config, assets);
    // Every author, keyword and venue link is made once, here; lists and pages reuse them.
    let author_links: Vec<Link> = lib
        .authors
        .iter()
        .map(|a| Link {
            name: a.name.display(),
            url: Route::Author(&a.slug).url(config),
            count: Some(a.papers.len()),
        })
        .collect();
    let keyword_links = term_links(config, Route::Keyword, &lib.keywords);
    let venue_links = term_links(config, Route::Venue, &lib.venues);
    let mut items: Vec<PaperItem> = lib
        .papers
        .iter()
        .map(|p| paper_item(config, p, &author_links, &keyword_links, &venue_links))
        .collect();
    let r = templates::PageRenderer { tera, site: &site };
    let cites = paper::cite_table(lib, &items);
    let md = MarkdownContext {
        cites: Some(&cites),
        ..*md
    };
    let excerpts: Vec<Option<String>> = lib
        .papers
        .par_iter()
        .map(|p| years::excerpt(p, &md))
        .collect();
    for (item, excerpt) in items.iter_mut().zip(excerpts) {
        item.excerpt = excerpt;
    }

    let order = lib.newest_first();
    let in_feed: BTreeSet<usize> = order.iter().take(feed::FEED_ENTRIES).copied().collect();
    // Paper pages carry the markdown work: render them in parallel.
    let related = lib.related();
    let pages = PaperPages {
        lib,
        config,
        items: &items,
        md: &md,
        r: &r,
        related: &related,
    };
    let papers: Vec<Result<PaperPage, TemplateError>> = (0..lib.papers.len())
        .into_par_iter()
        .map(|i| pages.render(i, in_feed.contains(&i)))
        .collect();
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let mut feed_bodies: BTreeMap<usize, String> = BTreeMap::new();
    for (i, result) in papers.into_iter().enumerate() {
        let page = result?;
        files.push(page.file);
        diags.extend(page.diagnostics);
        if let Some(body) = page.feed_body {
            feed_bodies.insert(i, body);
        }
    }
    files.extend(years::render(lib, config, &items, &order, &r)?);
    let feed = feed::feed(lib, config, &items, &order, &mut feed_bodies);
    files.push(r.file(Route::Feed, "atom.xml", &feed)?);
    files.push(r.file(Route::Sitemap, "sitemap.xml", &sitemap(lib, config))?);
    let robots = SitemapCtx {
        urls: vec![SitemapUrl {
            loc: Route::Sitemap.absolute(config),
            lastmod: None,
        }],
    };
    files.push(r.file(Route::Robots, "robots.txt", &robots)?);

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
    let rendered: Result<Vec<OutputFile>, TemplateError> = Job::all(lib)
        .into_par_iter()
        .map(|job| listings.render(job))
        .collect();
    files.extend(rendered?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, diags))
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
