//! List items: each paper's `PaperItem` completed with its one-line excerpt and its
//! `paper_item.html`, made the first time a page needs it and shared by every page after that.
//! An incremental build renders few pages, so most papers never need theirs. It must not decide
//! which pages are rendered.

use std::sync::OnceLock;

use super::context::{ItemValue, PaperItem};
use super::templates::{PageRenderer, TemplateError};
use super::years::excerpt;
use crate::index::Library;
use crate::markdown::MarkdownContext;

pub(super) struct ListItems<'a> {
    /// Every paper's item without excerpt or markup: what links and the feed need.
    base: Vec<PaperItem>,
    lib: &'a Library,
    /// Renders excerpts (with citations resolved).
    md: &'a MarkdownContext<'a>,
    r: &'a PageRenderer<'a>,
    made: Vec<OnceLock<Result<(PaperItem, ItemValue), TemplateError>>>,
}

impl<'a> ListItems<'a> {
    pub(super) fn new(
        base: Vec<PaperItem>,
        lib: &'a Library,
        md: &'a MarkdownContext<'a>,
        r: &'a PageRenderer<'a>,
    ) -> Self {
        let made = (0..base.len()).map(|_| OnceLock::new()).collect();
        ListItems {
            base,
            lib,
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
            item.excerpt = excerpt(&self.lib.papers[i], self.md);
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
