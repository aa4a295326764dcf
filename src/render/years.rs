//! The lists that scale with the library: the home page (the newest papers, a bounded number, and
//! every year), a page per year (`/years/2015/`), the list of years, and "recently added" (by the
//! `added` date). Without JavaScript every paper is two clicks from home: a year, then the paper.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::Sink;
use super::context::{ItemValue, Link, PaperItem, meta};
use super::items::ListItems;
use super::route::Route;
use super::templates::PageRenderer;
use crate::index::Library;
use crate::load::config::Config;

/// How many of the newest papers the home page lists; the rest are on the year pages.
pub(super) const HOME_PAPERS: usize = 50;
/// How many papers "recently added" lists.
pub(super) const RECENT_PAPERS: usize = 100;

#[derive(Serialize)]
pub(super) struct HomeCtx {
    pub(super) papers: Vec<ItemValue>,
    /// How many papers the list has in all (the home page shows at most `HOME_PAPERS`).
    pub(super) total: usize,
    pub(super) years: Vec<Link>,
    pub(super) years_url: String,
    pub(super) recent_url: String,
}

#[derive(Serialize)]
struct YearsCtx {
    years: Vec<Link>,
}

#[derive(Serialize)]
struct YearCtx {
    year: String,
    papers: Vec<ItemValue>,
    years: Vec<Link>,
}

#[derive(Serialize)]
struct RecentCtx {
    papers: Vec<RecentItem>,
}

#[derive(Serialize)]
struct RecentItem {
    added: String,
    #[serde(flatten)]
    paper: PaperItem,
}

/// The papers of each year, newest year first; each year's papers in `order`'s order.
fn by_year(lib: &Library, order: &[usize]) -> Vec<(i32, Vec<usize>)> {
    let mut years: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for &i in order {
        years.entry(lib.papers[i].front().year).or_default().push(i);
    }
    years.into_iter().rev().collect()
}

/// Renders the home page, the year pages, the list of years and "recently added".
pub(super) fn render(
    lib: &Library,
    config: &Config,
    items: &ListItems<'_>,
    order: &[usize],
    r: &PageRenderer<'_>,
    sink: &dyn Sink,
) -> Result<usize, crate::Error> {
    let groups = by_year(lib, order);
    let year_links: Vec<Link> = groups
        .iter()
        .map(|(year, papers)| Link {
            name: year.to_string(),
            url: Route::Year(*year).url(config),
            count: Some(papers.len()),
        })
        .collect();
    if !sink.keep(&Route::Home.file())? {
        sink.put(r.page(
            Route::Home,
            "index.html",
            meta("", &config.description, Route::Home.url(config), "papers"),
            HomeCtx {
                papers: items.values(&order[..order.len().min(HOME_PAPERS)])?,
                total: order.len(),
                years: year_links.clone(),
                years_url: Route::Years.url(config),
                recent_url: Route::Recent.url(config),
            },
        )?)?;
    }
    if !sink.keep(&Route::Years.file())? {
        sink.put(r.page(
            Route::Years,
            "years.html",
            meta(
                "Years",
                "Every year of the reading list.",
                Route::Years.url(config),
                "papers",
            ),
            YearsCtx {
                years: year_links.clone(),
            },
        )?)?;
    }
    // Year pages list every paper between them: in parallel, and only those showing a paper
    // that changed since the last build (the sink keeps the others).
    groups.par_iter().try_for_each(|(year, papers)| {
        let route = Route::Year(*year);
        if sink.keep(&route.file())? {
            return Ok::<_, crate::Error>(());
        }
        sink.put(r.page(
            route,
            "year.html",
            meta(
                &year.to_string(),
                &format!("Papers from {year} in the reading list."),
                route.url(config),
                "papers",
            ),
            YearCtx {
                year: year.to_string(),
                papers: items.values(papers)?,
                years: year_links.clone(),
            },
        )?)
    })?;
    // Home, the list of years, "recently added", and one page per year.
    let count = 3 + groups.len();
    if sink.keep(&Route::Recent.file())? {
        return Ok(count);
    }
    let mut added: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| lib.papers[i].front().added.is_some())
        .collect();
    // Newest first; the stable sort keeps `order` among papers added the same day.
    added.sort_by_key(|&i| std::cmp::Reverse(lib.papers[i].front().added));
    let mut recent = Vec::new();
    for &i in added.iter().take(RECENT_PAPERS) {
        if let Some(added) = lib.papers[i].front().added {
            recent.push(RecentItem {
                added: added.to_string(),
                paper: items.item(i)?,
            });
        }
    }
    sink.put(r.page(
        Route::Recent,
        "recent.html",
        meta(
            "Recently added",
            "The summaries added to the reading list most recently.",
            Route::Recent.url(config),
            "papers",
        ),
        RecentCtx { papers: recent },
    )?)?;
    Ok(count)
}
