//! Paper pages: each paper's summaries through the markdown pass, its references, "Cited by" and
//! BibTeX; and the table of what every cited key renders as. Pages are built in memory only.

use super::OutputFile;
use super::bibtex;
use super::context::{ItemValue, PageMeta, PaperCtx, PaperItem, Reference};
use super::route::Route;
use super::templates::{PageRenderer, TemplateError};
use crate::diag::Diagnostic;
use crate::index::{Library, Paper, Resolution, dblp_url};
use crate::load::config::Config;
use crate::markdown::cite::{CiteTable, CiteTarget};
use crate::markdown::{self, Analysis, MarkdownContext, SourceSpan};

/// A rendered paper page, its diagnostics, and its summaries' HTML when the feed needs them.
pub(super) struct PaperPage {
    pub(super) file: OutputFile,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) feed_body: Option<String>,
}

/// The site-wide inputs every paper page shares.
pub(super) struct PaperPages<'a> {
    pub(super) lib: &'a Library,
    /// Each paper's summaries' analyses, in `lib.papers` order.
    pub(super) analyses: &'a [Vec<Analysis>],
    pub(super) config: &'a Config,
    pub(super) items: &'a [PaperItem],
    pub(super) values: &'a [ItemValue],
    pub(super) md: &'a MarkdownContext<'a>,
    pub(super) r: &'a PageRenderer<'a>,
}

impl PaperPages<'_> {
    /// Renders paper `i`; `keep_body` keeps its summaries' HTML for the feed.
    pub(super) fn render(&self, i: usize, keep_body: bool) -> Result<PaperPage, TemplateError> {
        let (lib, items) = (self.lib, self.items);
        let paper = &lib.papers[i];
        let mut diagnostics = Vec::new();
        let mut has_math = false;
        let analyses = &self.analyses[i];
        let mut summaries: Vec<String> = Vec::new();
        for ((offset, text), analysis) in paper.summaries().zip(analyses) {
            if text.trim().is_empty() {
                // An empty section on the page helps no reader: say so and leave it out.
                diagnostics.push(Diagnostic::warning(
                    &paper.source.path,
                    &paper.source.text,
                    offset,
                    "empty summary: it is left out of the page; write it or remove it",
                ));
                continue;
            }
            let span = SourceSpan {
                path: &paper.source.path,
                file_text: &paper.source.text,
                offset,
            };
            let out = markdown::render_analysed(text, analysis.heading_shift, &span, self.md);
            has_math |= out.has_math;
            diagnostics.extend(out.diagnostics);
            summaries.push(out.html);
        }
        // Liquid tags are reported once per file, not once per summary.
        let mut liquid_seen = false;
        diagnostics.retain(|d| {
            let liquid = d.message.starts_with(markdown::LIQUID_WARNING);
            let keep = !(liquid && liquid_seen);
            liquid_seen |= liquid;
            keep
        });
        let description = analyses
            .first()
            .map(|a| a.excerpt.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("A summary of {}.", paper.front().title));
        let page = PageMeta {
            title: paper.front().title.clone(),
            description,
            canonical: String::new(),
            url: items[i].url.clone(),
            section: "papers",
            has_math,
        };
        let feed_body = keep_body.then(|| super::feed::mathml_only(&summaries.join("\n")));
        let values = self.values;
        let list = |idxs: &[usize]| idxs.iter().map(|&i| values[i].clone()).collect();
        let ctx = PaperCtx {
            paper: items[i].clone(),
            summaries,
            external_url: paper.front().url.clone(),
            references: references(paper, items, values),
            cited_by: list(&paper.cited_by),
            bibtex: bibtex::entry(lib, paper),
            bib_url: Route::Bibliography.url(self.config),
        };
        let file = self
            .r
            .page(Route::Paper(&paper.slug), "paper.html", page, ctx)?;
        Ok(PaperPage {
            file,
            diagnostics,
            feed_body,
        })
    }
}

/// What every cited key of the site renders as, from the index stage's resolution. An ambiguous
/// key links to none of its candidates: it shows as external (a DBLP path) or missing.
pub(super) fn cite_table(lib: &Library, items: &[PaperItem]) -> CiteTable {
    let mut table = CiteTable::new();
    for paper in &lib.papers {
        for key in paper.citations.iter().flat_map(|c| &c.keys) {
            if table.contains_key(key) {
                continue;
            }
            let target = match lib.resolve(key) {
                Resolution::Paper(i) => CiteTarget::Paper {
                    url: items[i].url.clone(),
                    text: lib.papers[i].cite_text(),
                    title: items[i].title.clone(),
                },
                Resolution::External(url) => CiteTarget::External { url },
                Resolution::Ambiguous(_) if key.contains('/') => {
                    CiteTarget::External { url: dblp_url(key) }
                }
                Resolution::Ambiguous(_) | Resolution::Missing => CiteTarget::Missing,
            };
            table.insert(key.clone(), target);
        }
    }
    table
}

/// A paper's references: the papers it cites, then its DBLP links, then its missing keys.
fn references(paper: &Paper, items: &[PaperItem], values: &[ItemValue]) -> Vec<Reference> {
    let internal = paper.cites.iter().map(|&i| Reference {
        key: items[i].key.clone(),
        kind: "paper",
        url: Some(items[i].url.clone()),
        paper: Some(values[i].clone()),
    });
    let external = paper.external.iter().map(|key| Reference {
        key: key.clone(),
        kind: "external",
        url: Some(dblp_url(key)),
        paper: None,
    });
    let missing = paper.missing.iter().map(|key| Reference {
        key: key.clone(),
        kind: "missing",
        url: None,
        paper: None,
    });
    internal.chain(external).chain(missing).collect()
}
