//! The Atom feed, the sitemap and robots.txt: the machine-readable views of the site.

use std::collections::BTreeMap;

use super::context::{FeedCtx, FeedEntry, PaperItem};
use super::route::Route;
use crate::index::Library;
use crate::load::config::Config;

/// How many of the newest papers the Atom feed carries.
pub(super) const FEED_ENTRIES: usize = 20;

pub(super) fn year_timestamp(year: i32) -> String {
    format!("{year:04}-01-01T00:00:00Z")
}

/// The Atom feed of the newest papers, bodies included.
pub(super) fn feed(
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
                url: Route::Paper(&lib.papers[i].slug).absolute(config),
                updated: updated(lib, i),
                authors: item.authors.iter().map(|a| a.name.clone()).collect(),
                venue: item.venue.as_ref().map(|v| v.name.clone()),
                year: item.year,
                keywords: item.keywords.iter().map(|k| k.name.clone()).collect(),
                content: bodies.remove(&i).unwrap_or_default(),
            }
        })
        .collect();
    // RFC 3339 timestamps of one shape compare as text.
    let newest = entries
        .iter()
        .map(|e| e.updated.clone())
        .max()
        .unwrap_or_else(|| year_timestamp(1970));
    FeedCtx {
        self_url: Route::Feed.absolute(config),
        site_url: Route::Home.absolute(config),
        updated: newest,
        entries,
    }
}

/// When paper `i` was last updated, as the feed says it: its `added` date, else January 1st of
/// its year (the content has no clock, so rebuilds match).
fn updated(lib: &Library, i: usize) -> String {
    let front = lib.papers[i].front();
    match front.added {
        Some(date) => format!("{date}T00:00:00Z"),
        None => year_timestamp(front.year),
    }
}
