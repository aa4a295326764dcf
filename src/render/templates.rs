//! Tera: the built-in templates (compiled into the binary, overridden by a site's own by name),
//! template errors with Tera's explanation, and the one place a context becomes page bytes.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::{Context, Tera};

use super::OutputFile;
use super::context::{Page, PageMeta, PaperItem, SiteCtx};
use super::route::Route;

/// Templates shipped in the binary; a site's `templates/` overrides any of them by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    (
        "paper_item.html",
        include_str!("../../templates/paper_item.html"),
    ),
    ("index.html", include_str!("../../templates/index.html")),
    ("paper.html", include_str!("../../templates/paper.html")),
    ("authors.html", include_str!("../../templates/authors.html")),
    ("author.html", include_str!("../../templates/author.html")),
    (
        "keywords.html",
        include_str!("../../templates/keywords.html"),
    ),
    ("keyword.html", include_str!("../../templates/keyword.html")),
    ("venues.html", include_str!("../../templates/venues.html")),
    ("venue.html", include_str!("../../templates/venue.html")),
    ("years.html", include_str!("../../templates/years.html")),
    ("year.html", include_str!("../../templates/year.html")),
    ("recent.html", include_str!("../../templates/recent.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("atom.xml", include_str!("../../templates/atom.xml")),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
    ("robots.txt", include_str!("../../templates/robots.txt")),
];

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

pub(super) struct PageRenderer<'a> {
    pub(super) tera: &'a Tera,
    pub(super) site: &'a SiteCtx,
}

impl PageRenderer<'_> {
    /// Renders a file that is not a page (feed, sitemap) at site path `path`.
    pub(super) fn file<T: Serialize>(
        &self,
        route: Route<'_>,
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
            path: route.file(),
            contents: without_forbidden_chars(text).into_bytes(),
        })
    }

    /// `item` as list templates get it: its fields and `html`, `paper_item.html` rendered once
    /// for it (with `p` and `site`), so every list reuses the same markup.
    pub(super) fn list_item(&self, item: &mut PaperItem) -> Result<tera::Value, TemplateError> {
        let template = "paper_item.html";
        let mut ctx = Context::new();
        ctx.insert("site", self.site);
        ctx.insert("p", item);
        let html = self
            .tera
            .render(template, &ctx)
            .map_err(|e| template_error(template, &e))?;
        item.html = Some(tera::Value::safe_string(&html));
        Ok(tera::Value::from_serializable(item))
    }

    /// Renders `template` for the page at `route`.
    pub(super) fn page<T: Serialize>(
        &self,
        route: Route<'_>,
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
            path: route.file(),
            contents: without_forbidden_chars(html).into_bytes(),
        })
    }
}

/// Whether XML 1.0 forbids `c` or HTML reads it as a parse error: C0 controls other than tab,
/// line feed and carriage return (a form feed or U+0002 pasted from a PDF), DEL and the C1
/// controls, and the noncharacters.
fn is_forbidden(c: char) -> bool {
    let n = u32::from(c);
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || (0xFDD0..=0xFDEF).contains(&n)
        || n & 0xFFFE == 0xFFFE
}

/// `text` without the characters that would make a feed ill-formed XML or a page invalid HTML.
/// They carry no meaning in either, and escaping cannot help (XML 1.0 has no reference for
/// them), so they are dropped from every page and feed, whatever field or template they came
/// from.
fn without_forbidden_chars(text: String) -> String {
    if has_forbidden(&text) {
        text.replace(is_forbidden, "")
    } else {
        text
    }
}

/// Whether `text` holds a forbidden character. Pages are 450 MB at 10,000 papers, and decoding
/// every character cost 0.7 s of a first build: this looks at bytes, 64 at a time with a test
/// the compiler vectorises, and decodes only where one is a possible lead byte.
fn has_forbidden(text: &str) -> bool {
    const CHUNK: usize = 64;
    text.as_bytes().chunks(CHUNK).enumerate().any(|(n, chunk)| {
        chunk
            .iter()
            .fold(false, |any, &b| any | may_start_forbidden(b))
            && chunk.iter().enumerate().any(|(i, &b)| {
                may_start_forbidden(b)
                    && text[n * CHUNK + i..]
                        .chars()
                        .next()
                        .is_some_and(is_forbidden)
            })
    })
}

/// Whether a forbidden character can start with byte `b`: C0 controls other than tab, line feed
/// and carriage return, and DEL, are single bytes; the C1 controls start with 0xC2, the BMP
/// noncharacters with 0xEF, those of the other planes with 0xF0 to 0xF4. Written without
/// short-circuits so that it vectorises.
fn may_start_forbidden(b: u8) -> bool {
    ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
        | (b == 0x7F)
        | (b == 0xC2)
        | (b == 0xEF)
        | (b >= 0xF0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn forbidden_characters_are_dropped() {
        let text =
            "a\u{c}b\u{2}c\td\ne\rf\u{7f}\u{85}g\u{fffe}\u{ffff}\u{fdd0}\u{1fffe}h é 中".to_owned();
        assert_eq!(super::without_forbidden_chars(text), "abc\td\ne\rfgh é 中");
    }

    #[test]
    fn the_byte_scan_finds_each_forbidden_character_and_passes_their_neighbours() {
        for c in [
            '\u{0}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{fdd0}', '\u{fdef}',
        ]
        .into_iter()
        .chain(['\u{fffe}', '\u{ffff}', '\u{1fffe}', '\u{10ffff}'])
        {
            assert!(super::has_forbidden(&format!("ok {c} ok")), "{c:?}");
            // Past the first 64-byte chunk, and straddling two.
            assert!(
                super::has_forbidden(&format!("{}{c}", "x".repeat(100))),
                "{c:?}"
            );
            assert!(
                super::has_forbidden(&format!("{}{c}", "x".repeat(63))),
                "{c:?}"
            );
        }
        for c in [
            '\t',
            ' ',
            '\u{a0}',
            '\u{bf}',
            '\u{fdcf}',
            '\u{fdf0}',
            '\u{fffd}',
            '\u{1f600}',
        ] {
            assert!(!super::has_forbidden(&format!("ok {c} ok")), "{c:?}");
        }
    }
}
