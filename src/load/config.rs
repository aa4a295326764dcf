//! Site configuration: `sitegen.toml` parsed into `RawConfig`, checked into `Config`, and the one
//! function that turns a site path into a URL. It must not read anything but `sitegen.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::Diagnostic;

/// `sitegen.toml` as written by the user. Unknown keys are errors, so typos surface.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// Custom domain for GitHub Pages; written to `CNAME`.
    #[serde(default)]
    pub cname: Option<String>,
    #[serde(default)]
    pub math: RawMath,
    #[serde(default)]
    pub markdown: RawMarkdown,
    #[serde(default)]
    pub search: RawSearch,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSearch {
    /// `[search] enabled`: whether the site gets a search index and box. On by default; a list
    /// that does without saves Pagefind's indexing (most of a first build at 10,000 papers).
    pub enabled: bool,
}

impl Default for RawSearch {
    fn default() -> RawSearch {
        RawSearch { enabled: true }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMarkdown {
    /// What happens to HTML written in summaries.
    #[serde(default)]
    pub raw_html: RawHtml,
}

/// `[markdown] raw_html`: summaries' raw HTML and link targets are sanitized (scripts, event
/// handlers, frames and non-web URLs removed, with a warning each) unless a site trusts every
/// author and allows them as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawHtml {
    #[default]
    Sanitize,
    Allow,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMath {
    /// TeX macros handed to KaTeX, e.g. `"\\R" = "\\mathbb{R}"`.
    #[serde(default)]
    pub macros: BTreeMap<String, String>,
    /// A directory holding KaTeX's `katex.min.css` and `fonts/`, when not from `node_modules`.
    #[serde(default)]
    pub katex_dist: Option<PathBuf>,
    /// Which renderer turns TeX into HTML.
    #[serde(default)]
    pub engine: MathEngine,
    /// Whether `\(…\)` and `\[…\]` delimit math too. Off by default: in CommonMark `\[` is an
    /// escaped bracket (`Memory \[LSTM\] network`), and pandoc and GitHub agree.
    #[serde(default)]
    pub brackets: bool,
}

/// The math renderer (`[math] engine`). Each renders one KaTeX version, and pages must load that
/// version's stylesheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum MathEngine {
    /// The `katex` crate: KaTeX 0.16.4 itself, run in QuickJS; output identical to KaTeX's.
    #[default]
    Katex,
    /// The `katex-rs` crate: a Rust port of KaTeX 0.18.5, many times faster.
    KatexRs,
}

impl MathEngine {
    /// The KaTeX version the engine renders, which its stylesheet must match.
    pub fn katex_version(self) -> &'static str {
        match self {
            // The version the `katex` crate bundles (a unit test of `math` holds it to that).
            MathEngine::Katex => "0.16.4",
            MathEngine::KatexRs => "0.18.5",
        }
    }

    /// Whether this binary was built with the engine's cargo feature.
    pub fn is_built_in(self) -> bool {
        match self {
            MathEngine::Katex => cfg!(feature = "katex"),
            MathEngine::KatexRs => cfg!(feature = "katex-rs"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MathEngine::Katex => "katex",
            MathEngine::KatexRs => "katex-rs",
        }
    }
}

fn default_language() -> String {
    "en".to_owned()
}

/// The checked configuration every later stage reads.
#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub description: String,
    pub language: String,
    pub cname: Option<String>,
    pub math_macros: BTreeMap<String, String>,
    pub katex_dist: Option<PathBuf>,
    pub math_engine: MathEngine,
    pub raw_html: RawHtml,
    /// `[math] brackets`: `\(…\)` and `\[…\]` are math.
    pub math_brackets: bool,
    /// `[search] enabled`: the site has a search index and box.
    pub search: bool,
    /// Scheme and host, without a trailing slash (`https://u.github.io`); empty for a site that
    /// is only ever served from a path.
    origin: String,
    /// Path prefix the site lives under, always starting and ending with `/`.
    base_path: String,
}

impl Config {
    /// Reads and checks `ROOT/sitegen.toml`; `base_url` overrides the file's value.
    pub fn from_toml(
        path: &Path,
        text: &str,
        base_url: Option<&str>,
    ) -> Result<Config, Box<Diagnostic>> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            Box::new(Diagnostic::error(path, text, at, e.message().trim()))
        })?;
        let base = base_url.unwrap_or(&raw.base_url);
        let (origin, base_path) = split_base_url(base).ok_or_else(|| {
            let at = text.find("base_url").unwrap_or(0);
            Box::new(Diagnostic::error(
                path,
                text,
                at,
                format!("base_url `{base}` must be an http(s) URL or a path starting with `/`"),
            ))
        })?;
        Ok(Config {
            title: raw.title,
            description: raw.description,
            language: raw.language,
            cname: raw.cname,
            math_macros: raw.math.macros,
            katex_dist: raw.math.katex_dist,
            math_engine: raw.math.engine,
            raw_html: raw.markdown.raw_html,
            math_brackets: raw.math.brackets,
            search: raw.search.enabled,
            origin,
            base_path,
        })
    }

    /// The link to a page or file of the site, from its site path (`papers/x/`, `style.css`,
    /// or `` for the home page). Every internal link goes through here so a project prefix such as
    /// `/reading-list/` is honoured everywhere.
    pub fn url(&self, site_path: &str) -> String {
        format!("{}{}", self.base_path, site_path.trim_start_matches('/'))
    }

    /// The absolute URL (with scheme and host) of a site path, for canonical links and feeds.
    pub fn absolute_url(&self, site_path: &str) -> String {
        format!("{}{}", self.origin, self.url(site_path))
    }

    /// The prefix every internal link starts with (`/` or `/reading-list/`).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }
}

/// Splits `https://host/path/` into (`https://host`, `/path/`); a bare `/path` has no origin.
fn split_base_url(base: &str) -> Option<(String, String)> {
    let (origin, path) = if let Some(rest) = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
    {
        let scheme_len = base.len() - rest.len();
        let host_end = rest.find('/').unwrap_or(rest.len());
        if host_end == 0 {
            return None;
        }
        (base[..scheme_len + host_end].to_owned(), &rest[host_end..])
    } else if base.starts_with('/') {
        (String::new(), base)
    } else {
        return None;
    };
    let mut path = path.trim_end_matches('/').to_owned();
    path.push('/');
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    Some((origin, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base: &str) -> Config {
        let text = format!("title = \"T\"\nbase_url = \"{base}\"\n");
        Config::from_toml(Path::new("sitegen.toml"), &text, None).unwrap()
    }

    #[test]
    fn urls_keep_the_project_prefix() {
        let c = config("https://u.github.io/reading-list");
        assert_eq!(c.url(""), "/reading-list/");
        assert_eq!(c.url("papers/x/"), "/reading-list/papers/x/");
        assert_eq!(
            c.absolute_url("/style.css"),
            "https://u.github.io/reading-list/style.css"
        );
        let root = config("https://example.org/");
        assert_eq!(root.url("papers/x/"), "/papers/x/");
        assert_eq!(root.absolute_url(""), "https://example.org/");
    }

    #[test]
    fn math_engine_is_chosen_by_name() {
        assert_eq!(config("/").math_engine, MathEngine::Katex);
        assert!(!config("/").math_brackets);
        let text = "title = \"T\"\nbase_url = \"/\"\n[math]\nengine = \"katex-rs\"\n";
        let c = Config::from_toml(Path::new("s.toml"), text, None).unwrap();
        assert_eq!(c.math_engine, MathEngine::KatexRs);
        assert_eq!(c.math_engine.katex_version(), "0.18.5");
        assert_eq!(MathEngine::Katex.katex_version(), "0.16.4");
        let bad = "title = \"T\"\nbase_url = \"/\"\n[math]\nengine = \"mathjax\"\n";
        let err = Config::from_toml(Path::new("s.toml"), bad, None).unwrap_err();
        assert_eq!(err.line, 4, "{err}");
    }

    #[test]
    fn raw_html_is_sanitized_unless_allowed() {
        assert_eq!(config("/").raw_html, RawHtml::Sanitize);
        let text = "title = \"T\"\nbase_url = \"/\"\n[markdown]\nraw_html = \"allow\"\n";
        let c = Config::from_toml(Path::new("s.toml"), text, None).unwrap();
        assert_eq!(c.raw_html, RawHtml::Allow);
        let bad = text.replace("allow", "yes");
        let err = Config::from_toml(Path::new("s.toml"), &bad, None).unwrap_err();
        assert_eq!(err.line, 4, "{err}");
    }

    #[test]
    fn base_url_override_wins() {
        let text = "title = \"T\"\nbase_url = \"https://a.org/\"\n";
        let c = Config::from_toml(Path::new("s.toml"), text, Some("/sub/")).unwrap();
        assert_eq!(c.url("x/"), "/sub/x/");
    }

    #[test]
    fn unknown_key_and_bad_url_are_positioned() {
        let text = "title = \"T\"\nbase_url = \"/\"\ncolour = 1\n";
        let err = Config::from_toml(Path::new("s.toml"), text, None).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("colour"), "{}", err.message);
        let err = Config::from_toml(
            Path::new("s.toml"),
            "title = \"T\"\nbase_url = \"ftp:x\"\n",
            None,
        )
        .unwrap_err();
        assert_eq!((err.line, err.col), (2, 1));
    }
}
