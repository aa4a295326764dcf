//! Every URL and output path of the site comes from one `Route`, so a Pages project prefix
//! (`/reading-list/`) and the pretty-URL layout (`papers/x/` → `papers/x/index.html`) are decided
//! in one place. It knows paths only, never what a page shows.

use crate::load::config::Config;

/// A place in the built site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Home,
    Paper(&'a str),
    Authors,
    Author(&'a str),
    Keywords,
    Keyword(&'a str),
    Venues,
    Venue(&'a str),
    NotFound,
    Feed,
    Sitemap,
    Robots,
    Bibliography,
    Style,
    Highlight,
    /// Every year with papers, and one page per year.
    Years,
    Year(i32),
    /// The papers most recently added (by their `added` date).
    Recent,
    /// Pagefind's folder: index, fragments and its search UI.
    SearchBundle,
    /// The site's script: the search box (loads the search UI on first use), copy buttons.
    Script,
    Favicon,
}

impl Route<'_> {
    /// The path under the site root, as links use it: `papers/x/`, `atom.xml`, `` for home.
    pub fn site_path(&self) -> String {
        match self {
            Route::Home => String::new(),
            Route::Paper(slug) => format!("papers/{slug}/"),
            Route::Authors => "authors/".to_owned(),
            Route::Author(slug) => format!("authors/{slug}/"),
            Route::Keywords => "keywords/".to_owned(),
            Route::Keyword(slug) => format!("keywords/{slug}/"),
            Route::Venues => "venues/".to_owned(),
            Route::Venue(slug) => format!("venues/{slug}/"),
            Route::NotFound => "404.html".to_owned(),
            Route::Feed => "atom.xml".to_owned(),
            Route::Sitemap => "sitemap.xml".to_owned(),
            Route::Robots => "robots.txt".to_owned(),
            Route::Bibliography => "library.bib".to_owned(),
            Route::Style => "style.css".to_owned(),
            Route::Highlight => "highlight.css".to_owned(),
            Route::Years => "years/".to_owned(),
            Route::Year(year) => format!("years/{year}/"),
            Route::Recent => "recent/".to_owned(),
            Route::SearchBundle => "pagefind/".to_owned(),
            Route::Script => "site.js".to_owned(),
            Route::Favicon => "favicon.svg".to_owned(),
        }
    }

    /// The file the route is written to under the output folder: a folder route gets its
    /// `index.html`.
    pub fn file(&self) -> String {
        let path = self.site_path();
        if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path
        }
    }

    /// The link to this route, with the site's base path.
    pub fn url(&self, config: &Config) -> String {
        config.url(&self.site_path())
    }

    /// The absolute URL (scheme and host), for feeds, sitemaps and canonical links.
    pub fn absolute(&self, config: &Config) -> String {
        config.absolute_url(&self.site_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_get_index_files_and_files_stay_files() {
        assert_eq!(Route::Home.file(), "index.html");
        assert_eq!(Route::Paper("a-b").file(), "papers/a-b/index.html");
        assert_eq!(Route::Venue("icml").site_path(), "venues/icml/");
        assert_eq!(Route::NotFound.file(), "404.html");
        assert_eq!(Route::Feed.file(), "atom.xml");
        assert_eq!(Route::Year(2015).file(), "years/2015/index.html");
        assert_eq!(Route::Recent.site_path(), "recent/");
    }

    #[test]
    fn urls_carry_the_base_path() {
        let config = crate::load::config::Config::from_toml(
            std::path::Path::new("sitegen.toml"),
            "title = \"t\"\nbase_url = \"https://u.github.io/reading-list/\"\n",
            None,
        )
        .unwrap();
        assert_eq!(Route::Author("x").url(&config), "/reading-list/authors/x/");
        assert_eq!(
            Route::Feed.absolute(&config),
            "https://u.github.io/reading-list/atom.xml"
        );
    }
}
