//! The Atom feed, the sitemap and robots.txt: the machine-readable views of the site.
//! Feed entries carry math as MathML only: feed readers have no KaTeX stylesheet.

use std::collections::BTreeMap;

use super::context::{FeedCtx, FeedEntry, PaperItem};
use super::route::Route;
use crate::index::Library;
use crate::load::config::Config;

/// How many of the newest papers the Atom feed carries.
pub(crate) const FEED_ENTRIES: usize = 20;

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

/// `html` without KaTeX's visual rendering (`<span class="katex-html" …>…</span>`), leaving its
/// MathML, which feed readers show without a stylesheet.
pub(super) fn mathml_only(html: &str) -> String {
    const VISUAL: &str = "<span class=\"katex-html\"";
    let mut out = String::with_capacity(html.len());
    let mut pos = 0;
    while let Some(i) = html[pos..].find(VISUAL) {
        let start = pos + i;
        out.push_str(&html[pos..start]);
        pos = span_end(html, start).unwrap_or(html.len());
    }
    out.push_str(&html[pos..]);
    out
}

/// The end of the `<span>` opened at `start` (just past its `</span>`).
fn span_end(html: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut pos = start;
    loop {
        let open = html[pos..].find("<span").map(|i| pos + i);
        let close = pos + html[pos..].find("</span>")?;
        match open {
            Some(open) if open < close => {
                depth += 1;
                pos = open + "<span".len();
            }
            _ => {
                depth = depth.checked_sub(1)?;
                pos = close + "</span>".len();
                if depth == 0 {
                    return Some(pos);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn feed_math_keeps_only_mathml() {
        let html = "<p>a <span class=\"katex\"><span class=\"katex-mathml\"><math><mi>x</mi></math></span>\
                    <span class=\"katex-html\" aria-hidden=\"true\"><span class=\"base\"><span>x</span></span></span></span> b</p>";
        assert_eq!(
            super::mathml_only(html),
            "<p>a <span class=\"katex\"><span class=\"katex-mathml\"><math><mi>x</mi></math></span></span> b</p>"
        );
        assert_eq!(super::mathml_only("<p>no math</p>"), "<p>no math</p>");
    }
}
