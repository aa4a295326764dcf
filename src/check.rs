//! `sitegen check`: the link checker over a site rendered in memory. Every internal link and
//! anchor of every page must resolve to a file of the site (or an `id` in it), and every local
//! image must exist; links written in summaries are reported at their line in the paper file.
//! It must not write anything or fetch external URLs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use pulldown_cmark::{Event, Parser, Tag};

use crate::diag::Diagnostic;
use crate::index::Library;
use crate::load::config::Config;
use crate::output::SiteOutput;

/// The files and anchors of a rendered site.
pub struct SiteIndex {
    base_path: String,
    files: BTreeSet<String>,
    /// Page file → the `id`s it defines.
    ids: BTreeMap<String, BTreeSet<String>>,
}

impl SiteIndex {
    pub fn new(config: &Config, site: &SiteOutput) -> SiteIndex {
        let mut files: BTreeSet<String> = site.files.iter().map(|f| f.path.clone()).collect();
        files.extend(site.copies.keys().cloned());
        let ids = site
            .files
            .iter()
            .filter(|f| f.path.ends_with(".html"))
            .map(|f| {
                let html = String::from_utf8_lossy(&f.contents);
                (
                    f.path.clone(),
                    attribute_values(&html, &["id"])
                        .into_iter()
                        .map(|(_, v)| v)
                        .collect(),
                )
            })
            .collect();
        SiteIndex {
            base_path: config.base_path().to_owned(),
            files,
            ids,
        }
    }

    /// Why `link`, found on the page at URL path `page_url`, does not resolve (None when it does).
    pub fn problem(&self, page_url: &str, link: &str) -> Option<String> {
        if link.is_empty() || has_scheme(link) || link.starts_with("//") {
            return None;
        }
        let (target, fragment) = match link.split_once('#') {
            Some((t, f)) => (t, Some(f)),
            None => (link, None),
        };
        let target = target.split('?').next().unwrap_or("");
        let absolute = if target.is_empty() {
            page_url.to_owned()
        } else {
            resolve(page_url, &percent_decode(target))
        };
        let Some(rel) = absolute.strip_prefix(&self.base_path) else {
            return Some(format!(
                "`{link}` points outside the site (it lives under `{}`)",
                self.base_path
            ));
        };
        let file = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else if self.files.contains(rel) {
            rel.to_owned()
        } else if self.files.contains(&format!("{rel}/index.html")) {
            format!("{rel}/index.html")
        } else {
            rel.to_owned()
        };
        if !self.files.contains(&file) {
            return Some(format!("`{link}` does not exist in the site"));
        }
        match fragment {
            Some(id) if !id.is_empty() => {
                let id = percent_decode(id);
                let known = self.ids.get(&file).is_some_and(|ids| ids.contains(&id));
                (!known).then(|| format!("`{link}`: no element with id `{id}` on that page"))
            }
            _ => None,
        }
    }
}

fn has_scheme(link: &str) -> bool {
    link.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// Resolves `link` against the directory URL of a page, removing `.` and `..` segments.
fn resolve(page_url: &str, link: &str) -> String {
    let joined = if link.starts_with('/') {
        link.to_owned()
    } else {
        let dir = &page_url[..page_url.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{link}")
    };
    let trailing = joined.ends_with('/') || joined.ends_with("/.") || joined.ends_with("/..");
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && !out.ends_with('/') {
        out.push('/');
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every value of the attributes `names` in `html`, with the byte offset of its tag, read by an
/// HTML tokenizer: single-quoted, unquoted and entity-escaped values count like double-quoted
/// ones.
fn attribute_values(html: &str, names: &[&str]) -> Vec<(usize, String)> {
    let mut emitter = html5gum::DefaultEmitter::<usize>::new_with_span();
    // So the text of `<script>`, `<style>` and `<textarea>` is not read as tags.
    emitter.naively_switch_states(true);
    let mut found = Vec::new();
    for token in html5gum::Tokenizer::new_with_emitter(html, emitter).flatten() {
        if let html5gum::Token::StartTag(tag) = token {
            for (name, value) in &tag.attributes {
                if names.iter().any(|n| n.as_bytes() == name.as_slice()) {
                    let value = String::from_utf8_lossy(value.as_slice()).into_owned();
                    found.push((tag.span.start, value));
                }
            }
        }
    }
    found
}

/// The links a summary writes: markdown links and images as the page will carry them, and
/// `href`/`src` of its raw HTML, each with its byte offset in the summary and what it is.
fn summary_links(markdown: &str, base_path: &str) -> Vec<(usize, String, &'static str)> {
    let mut links = Vec::new();
    // Raw HTML arrives line by line: a block is tokenized whole, from its first byte.
    let mut block: Option<(usize, String)> = None;
    // Raw HTML links are rebased like markdown ones (`markdown::links`).
    let html_links = |at: usize, html: &str, links: &mut Vec<_>| {
        for (offset, link) in attribute_values(html, &["href", "src"]) {
            let link = crate::markdown::site_link(link.into(), base_path).to_string();
            links.push((at + offset, link, "link"));
        }
    };
    for (event, range) in Parser::new_ext(markdown, crate::markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                let dest = crate::markdown::site_link(dest_url, base_path);
                links.push((range.start, dest.to_string(), "link"));
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                let dest = crate::markdown::site_link(dest_url, base_path);
                links.push((range.start, dest.to_string(), "image"));
            }
            Event::Start(Tag::HtmlBlock) => block = Some((range.start, String::new())),
            Event::Html(html) => match &mut block {
                Some((_, text)) => text.push_str(&html),
                None => html_links(range.start, &html, &mut links),
            },
            Event::End(pulldown_cmark::TagEnd::HtmlBlock) => {
                if let Some((at, text)) = block.take() {
                    html_links(at, &text, &mut links);
                }
            }
            Event::InlineHtml(html) => html_links(range.start, &html, &mut links),
            _ => {}
        }
    }
    links
}

/// Checks every link of the rendered site. Links from summaries are reported in their paper
/// file; links from templates at their page in the output.
pub fn check_links(lib: &Library, config: &Config, site: &SiteOutput) -> Vec<Diagnostic> {
    let index = SiteIndex::new(config, site);
    let mut diags = Vec::new();
    // (page file, link) pairs written in summaries: checked here, skipped in the HTML pass.
    let mut from_markdown: BTreeSet<(String, String)> = BTreeSet::new();
    for paper in &lib.papers {
        let page_url = config.url(&format!("papers/{}/", paper.slug));
        let page_file = format!("papers/{}/index.html", paper.slug);
        for (offset, text) in paper.summaries() {
            for (at, dest, what) in summary_links(text, config.base_path()) {
                if let Some(problem) = index.problem(&page_url, &dest) {
                    diags.push(Diagnostic::error(
                        &paper.source.path,
                        &paper.source.text,
                        offset + at,
                        format!("broken {what}: {problem}"),
                    ));
                }
                from_markdown.insert((page_file.clone(), dest));
            }
        }
    }
    // Links from templates, reported at their line of the built page.
    for file in site.files.iter().filter(|f| f.path.ends_with(".html")) {
        let html = String::from_utf8_lossy(&file.contents);
        let page_url = config.url(file.path.strip_suffix("index.html").unwrap_or(&file.path));
        for (at, link) in attribute_values(&html, &["href", "src"]) {
            if from_markdown.contains(&(file.path.clone(), link.clone())) {
                continue;
            }
            if let Some(problem) = index.problem(&page_url, &link) {
                let path = Path::new("public").join(&file.path);
                diags.push(Diagnostic::error(
                    &path,
                    &html,
                    at,
                    format!("broken link: {problem}"),
                ));
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_links() {
        assert_eq!(resolve("/papers/a/", "../b/"), "/papers/b/");
        assert_eq!(resolve("/papers/a/", "img.png"), "/papers/a/img.png");
        assert_eq!(resolve("/r/papers/a/", "../../img/x.png"), "/r/img/x.png");
        assert_eq!(resolve("/papers/a/", "/x"), "/x");
        assert_eq!(resolve("/papers/a/", ".."), "/papers/");
    }

    #[test]
    fn schemes_and_decoding() {
        assert!(has_scheme("https://x"));
        assert!(has_scheme("mailto:a@b"));
        assert!(!has_scheme("../a:b/"));
        assert_eq!(percent_decode("a%20b%zz"), "a b%zz");
    }

    #[test]
    fn finds_attributes_however_quoted() {
        let html = "<a href=\"/a/?x=1&amp;y=2\" id=top><img src='i.png'><p>src=\"no\"</p>\
                    <script>var s = '<img src=\"js.png\">';</script>";
        let links = attribute_values(html, &["href", "src"]);
        let values: Vec<&str> = links.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["/a/?x=1&y=2", "i.png"]);
        assert_eq!(links[1].0, html.find("<img").unwrap());
        assert_eq!(attribute_values(html, &["id"]), [(0, "top".to_owned())]);
    }

    #[test]
    fn summary_links_cover_raw_html_and_get_the_base_path() {
        let md = "[a](/papers/b/) ![f](/images/f.png) <img src='/x.png'>\n\n<div>\n<a href=y.html>y</a>\n</div>\n";
        let links = summary_links(md, "/r/");
        let values: Vec<(&str, &str)> = links.iter().map(|(_, l, w)| (l.as_str(), *w)).collect();
        assert_eq!(
            values,
            [
                ("/r/papers/b/", "link"),
                ("/r/images/f.png", "image"),
                ("/r/x.png", "link"),
                ("y.html", "link")
            ]
        );
        assert_eq!(links[3].0, md.find("<a href").unwrap());
    }
}
