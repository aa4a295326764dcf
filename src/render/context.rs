//! The typed template contexts: what each page kind hands Tera, and the small view values (links,
//! list items) that many pages share. Plain data built from the `Library`; no rendering here.

use serde::Serialize;

use super::route::Route;
use crate::index::{Paper, Term};
use crate::load::config::Config;

/// Site-wide values every page sees as `site`.
#[derive(Debug, Serialize)]
pub(super) struct SiteCtx {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) language: String,
    /// Scheme and host of `base_url`, for absolute URLs.
    pub(super) origin: String,
    pub(super) home_url: String,
    pub(super) feed_url: String,
    pub(super) style_url: String,
    pub(super) highlight_url: String,
    pub(super) favicon_url: String,
    /// Pagefind's folder (None: the site has no search), and the site's script (it loads
    /// Pagefind's UI when the reader starts a search).
    pub(super) search_url: Option<String>,
    pub(super) script_url: String,
    /// Where pages with math load KaTeX's stylesheet from (None: the site has no math CSS).
    pub(super) math_css_url: Option<String>,
    /// SRI hash of `math_css_url` when it is a CDN copy.
    pub(super) math_css_integrity: Option<String>,
    pub(super) nav: Vec<NavItem>,
}

#[derive(Debug, Serialize)]
pub(super) struct NavItem {
    pub(super) name: &'static str,
    pub(super) url: String,
    /// Matches `page.section` on the pages of this entry.
    pub(super) section: &'static str,
}

/// What a page says about itself (`page` in templates).
#[derive(Debug, Serialize)]
pub(super) struct PageMeta {
    /// Empty on the home page, whose `<title>` is the site's.
    pub(super) title: String,
    pub(super) description: String,
    pub(super) url: String,
    /// Absolute URL, for `<link rel=canonical>` and OpenGraph.
    pub(super) canonical: String,
    /// Which nav entry is current: `papers`, `authors`, `keywords`, `venues` or empty.
    pub(super) section: &'static str,
    pub(super) has_math: bool,
    /// The page shows code blocks: it links the highlight stylesheet.
    pub(super) has_code: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Link {
    pub(super) name: String,
    pub(super) url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) count: Option<usize>,
}

/// A paper as lists show it: no body.
#[derive(Debug, Clone, Serialize)]
pub(super) struct PaperItem {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) key: String,
    pub(super) year: i32,
    pub(super) venue: Option<Link>,
    pub(super) authors: Vec<Link>,
    pub(super) keywords: Vec<Link>,
    /// The first sentence of the first summary, as HTML (math rendered).
    pub(super) excerpt: Option<String>,
    /// `paper_item.html` rendered for this paper, once; lists show it as `p.html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) html: Option<tera::Value>,
}

/// A list item as lists get it: the `PaperItem` converted to a template value once, so a list
/// shares it instead of serializing the paper again.
pub(super) type ItemValue = tera::Value;

#[derive(Serialize)]
pub(super) struct Page<'a, T: Serialize> {
    pub(super) site: &'a SiteCtx,
    pub(super) page: PageMeta,
    #[serde(flatten)]
    pub(super) data: T,
}

#[derive(Serialize)]
pub(super) struct PaperCtx {
    pub(super) paper: PaperItem,
    /// Rendered summaries, in file order.
    pub(super) summaries: Vec<SummaryView>,
    pub(super) external_url: Option<String>,
    /// The row of buttons (paper, PDF, arXiv, DOI, code), in that order.
    pub(super) links: Vec<Link>,
    /// `added`, as `YYYY-MM-DD`.
    pub(super) added: Option<String>,
    /// What the summaries cite: papers of the list, then DBLP links, then missing keys.
    pub(super) references: Vec<Reference>,
    /// Papers of the list whose summaries cite this one.
    pub(super) cited_by: Vec<ItemValue>,
    /// The closest papers by `Library::related`'s score, best first.
    pub(super) related: Vec<ItemValue>,
    /// This paper's BibTeX entry, as `library.bib` has it.
    pub(super) bibtex: String,
    pub(super) bib_url: String,
}

/// One summary of a paper page.
#[derive(Debug, Serialize)]
pub(super) struct SummaryView {
    pub(super) html: String,
    /// Who wrote it (`summary_by`).
    pub(super) by: Option<String>,
    /// Its headings, when it has enough for a table of contents (else empty).
    pub(super) toc: Vec<crate::markdown::outline::Heading>,
}

/// One entry of a paper's references.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Reference {
    pub(super) key: String,
    /// `paper` (in the list), `external` (a DBLP link) or `missing`.
    pub(super) kind: &'static str,
    pub(super) url: Option<String>,
    pub(super) paper: Option<ItemValue>,
}

#[derive(Serialize)]
pub(super) struct TermsCtx {
    pub(super) terms: Vec<Link>,
}

#[derive(Serialize)]
pub(super) struct AuthorCtx {
    pub(super) author: Link,
    pub(super) papers: Vec<ItemValue>,
    pub(super) coauthors: Vec<Link>,
}

#[derive(Serialize)]
pub(super) struct TermCtx {
    pub(super) term: Link,
    pub(super) papers: Vec<ItemValue>,
}

#[derive(Serialize)]
pub(super) struct YearGroup {
    pub(super) year: i32,
    pub(super) papers: Vec<ItemValue>,
}

#[derive(Serialize)]
pub(super) struct VenueCtx {
    pub(super) term: Link,
    pub(super) years: Vec<YearGroup>,
}

#[derive(Serialize)]
pub(super) struct EmptyCtx {}

#[derive(Serialize)]
pub(super) struct SitemapCtx {
    /// Sorted by URL.
    pub(super) urls: Vec<SitemapUrl>,
}

#[derive(Serialize)]
pub(super) struct SitemapUrl {
    /// Absolute URL.
    pub(super) loc: String,
    /// `YYYY-MM-DD`, from the paper's `added` date.
    pub(super) lastmod: Option<String>,
}

#[derive(Serialize)]
pub(super) struct FeedCtx {
    /// Absolute URLs of the feed itself and of the site.
    pub(super) self_url: String,
    pub(super) site_url: String,
    /// RFC 3339; derived from the content (papers carry a year, not a date) so rebuilds match.
    pub(super) updated: String,
    pub(super) entries: Vec<FeedEntry>,
}

#[derive(Serialize)]
pub(super) struct FeedEntry {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) updated: String,
    pub(super) authors: Vec<String>,
    pub(super) venue: Option<String>,
    pub(super) year: i32,
    pub(super) keywords: Vec<String>,
    /// The rendered summaries, escaped into the feed as `type="html"`.
    pub(super) content: String,
}

pub(super) fn meta(title: &str, description: &str, url: String, section: &'static str) -> PageMeta {
    PageMeta {
        title: title.to_owned(),
        description: description.to_owned(),
        canonical: String::new(),
        url,
        section,
        has_math: false,
        has_code: false,
    }
}

pub(super) fn term_links<'a>(
    config: &Config,
    route: impl Fn(&'a str) -> Route<'a>,
    terms: &'a [Term],
) -> Vec<Link> {
    terms
        .iter()
        .map(|t| Link {
            name: t.name.clone(),
            url: route(&t.slug).url(config),
            count: Some(t.papers.len()),
        })
        .collect()
}

/// A paper as lists show it; its author, keyword and venue links come from the site's tables,
/// without their paper counts.
pub(super) fn paper_item(
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
        url: Route::Paper(&paper.slug).url(config),
        key: paper.key.clone(),
        year: paper.front().year,
        venue: paper.venue.map(|v| link(venues, v)),
        authors: paper.authors.iter().map(|&a| link(authors, a)).collect(),
        keywords: paper.keywords.iter().map(|&k| link(keywords, k)).collect(),
        excerpt: None,
        html: None,
    }
}
