//! List items: each paper's `PaperItem` completed with its one-line excerpt and its
//! `paper_item.html` (the excerpt: the first sentence of its first summary, math and citations
//! rendered, links dropped), made the first time a page needs it and shared by every page after that.
//! An incremental build renders few pages, so most papers never need theirs. It must not decide
//! which pages are rendered.

use std::sync::OnceLock;

use super::context::{ItemValue, PaperItem};
use super::templates::{PageRenderer, TemplateError};
use crate::index::Library;
use crate::markdown::{self, Analyses, MarkdownContext, SourceSpan};

pub(super) struct ListItems<'a> {
    /// Every paper's item without excerpt or markup: what links and the feed need.
    base: Vec<PaperItem>,
    lib: &'a Library,
    /// Where each paper's first sentence is (`analyses[i][0]`: its first summary's).
    analyses: &'a [Analyses],
    /// Renders excerpts (with citations resolved).
    md: &'a MarkdownContext<'a>,
    r: &'a PageRenderer<'a>,
    made: Vec<OnceLock<Result<(PaperItem, ItemValue), TemplateError>>>,
}

impl<'a> ListItems<'a> {
    pub(super) fn new(
        base: Vec<PaperItem>,
        lib: &'a Library,
        analyses: &'a [Analyses],
        md: &'a MarkdownContext<'a>,
        r: &'a PageRenderer<'a>,
    ) -> Self {
        let made = (0..base.len()).map(|_| OnceLock::new()).collect();
        ListItems {
            base,
            lib,
            analyses,
            md,
            r,
            made,
        }
    }

    /// Every paper's item without excerpt or markup, by paper index.
    pub(super) fn base(&self) -> &[PaperItem] {
        &self.base
    }

    fn made(&self, i: usize) -> Result<&(PaperItem, ItemValue), TemplateError> {
        let made = self.made[i].get_or_init(|| {
            let mut item = self.base[i].clone();
            let sentence = self.analyses[i]
                .first()
                .and_then(|a| a.first_sentence.clone());
            item.excerpt = excerpt(&self.lib.papers[i], sentence, self.md);
            let value = self.r.list_item(&mut item)?;
            Ok((item, value))
        });
        // A broken template fails every item the same way: each caller reports it.
        made.as_ref().map_err(|e| TemplateError {
            name: e.name.clone(),
            message: e.message.clone(),
        })
    }

    /// Paper `i`'s complete item (excerpt and list markup included).
    pub(super) fn item(&self, i: usize) -> Result<PaperItem, TemplateError> {
        self.made(i).map(|(item, _)| item.clone())
    }

    /// Paper `i`'s item as a template value, as lists show it.
    pub(super) fn value(&self, i: usize) -> Result<ItemValue, TemplateError> {
        self.made(i).map(|(_, value)| value.clone())
    }

    /// The values of the papers `idxs`, in that order.
    pub(super) fn values(&self, idxs: &[usize]) -> Result<Vec<ItemValue>, TemplateError> {
        idxs.iter().map(|&i| self.value(i)).collect()
    }
}

/// The first sentence of a paper's first summary as HTML (math and citations rendered, no
/// paragraph tags), for lists; None when the summary has no paragraph. Problems in it are
/// reported by the paper page, which renders the same text.
fn excerpt(
    paper: &crate::index::Paper,
    range: Option<std::ops::Range<usize>>,
    md: &MarkdownContext<'_>,
) -> Option<String> {
    let (offset, text) = paper.summaries().next()?;
    let range = range?;
    let span = SourceSpan {
        path: &paper.source.path,
        file_text: &paper.source.text,
        offset: offset + range.start,
    };
    let html = markdown::render(&text[range], &span, md).html;
    let html = html.trim_end();
    let inner = html
        .strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .unwrap_or(html);
    let inner = without_links(inner);
    (!inner.is_empty()).then_some(inner)
}

/// `html` without its `<a>` and `<img>` tags (the text of links stays): a summary's relative
/// links are relative to its paper page, and a list item already links the paper.
fn without_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let is = |name: &str| {
            tag.strip_prefix(name)
                .is_some_and(|t| t.starts_with([' ', '>', '/', '\n']))
        };
        let end = tag.find('>').map_or(tag.len(), |e| e + 1);
        if !(is("<a") || is("</a") || is("<img")) {
            out.push_str(&tag[..end]);
        }
        rest = &tag[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn excerpts_keep_link_text_only() {
        assert_eq!(
            super::without_links(
                "See <a href=\"../b/\">b</a> and <img src=\"x.png\" alt=\"x\"> <abbr>ok</abbr>."
            ),
            "See b and  <abbr>ok</abbr>."
        );
    }
}
