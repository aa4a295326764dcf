//! Paper pages: each paper's summaries through the markdown pass, its references, "Cited by" and
//! BibTeX; and the table of what every cited key renders as. Pages are built in memory only.

use super::OutputFile;
use super::bibtex;
use super::context::{Link, PageMeta, PaperCtx, PaperItem, Reference, SummaryView};
use super::items::ListItems;
use super::route::Route;
use super::templates::{PageRenderer, TemplateError};
use crate::diag::Diagnostic;
use crate::index::{Library, Paper, Resolution, dblp_url};
use crate::load::config::Config;
use crate::markdown::cite::{CiteTable, CiteTarget};
use crate::markdown::{self, Analyses, MarkdownContext, SourceSpan};

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
    pub(super) analyses: &'a [Analyses],
    pub(super) config: &'a Config,
    pub(super) items: &'a ListItems<'a>,
    pub(super) md: &'a MarkdownContext<'a>,
    pub(super) r: &'a PageRenderer<'a>,
    /// Every paper's related papers (`Library::related`), by paper index.
    pub(super) related: &'a [Vec<(usize, f64)>],
}

impl PaperPages<'_> {
    /// Renders paper `i`; `keep_body` keeps its summaries' HTML for the feed.
    pub(super) fn render(&self, i: usize, keep_body: bool) -> Result<PaperPage, TemplateError> {
        let (lib, items) = (self.lib, self.items);
        let paper = &lib.papers[i];
        let mut diagnostics = Vec::new();
        let (mut has_math, mut has_code) = (false, false);
        let several = paper.source.summaries.len() > 1;
        let analyses = &self.analyses[i];
        let mut summaries: Vec<SummaryView> = Vec::new();
        for (n, ((offset, text), analysis)) in paper.summaries().zip(analyses.iter()).enumerate() {
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
            let prefix = if several {
                format!("s{}-", n + 1)
            } else {
                String::new()
            };
            let out =
                markdown::render_analysed(text, analysis.heading_shift, &span, self.md, &prefix);
            has_math |= out.has_math;
            has_code |= out.has_code;
            diagnostics.extend(out.diagnostics);
            summaries.push(SummaryView {
                html: out.html,
                by: paper
                    .front()
                    .summary_by
                    .as_ref()
                    .and_then(|b| b.of(n))
                    .map(str::to_owned),
                toc: out.headings,
            });
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
            url: items.base()[i].url.clone(),
            section: "papers",
            has_math,
            has_code,
        };
        let feed_body = keep_body.then(|| {
            let html: Vec<&str> = summaries.iter().map(|s| s.html.as_str()).collect();
            super::feed::mathml_only(&html.join("\n"))
        });
        let related: Vec<usize> = self.related[i].iter().map(|&(r, _)| r).collect();
        let ctx = PaperCtx {
            paper: items.item(i)?,
            summaries,
            external_url: paper.front().url.clone(),
            links: links(paper, self.config),
            added: paper.front().added.map(|d| d.to_string()),
            references: references(paper, items)?,
            cited_by: items.values(&paper.cited_by)?,
            related: items.values(&related)?,
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

/// The row of buttons: the paper, its PDF, arXiv abstract and PDF, DOI and code. Links written
/// relative (`files/a.pdf` or `/files/a.pdf`) are site paths and get the base path.
fn links(paper: &Paper, config: &Config) -> Vec<Link> {
    let front = paper.front();
    let site = |url: &str| {
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            url.to_owned()
        } else {
            config.url(url)
        }
    };
    let mut out = Vec::new();
    let mut push = |name: &str, url: String| {
        out.push(Link {
            name: name.to_owned(),
            url,
            count: None,
        })
    };
    if let Some(url) = &front.url {
        push("Paper", site(url));
    }
    if let Some(url) = &front.pdf {
        push("PDF", site(url));
    }
    if let Some(id) = &front.arxiv {
        push("arXiv", format!("https://arxiv.org/abs/{id}"));
        if front.pdf.is_none() {
            push("arXiv PDF", format!("https://arxiv.org/pdf/{id}"));
        }
    }
    if let Some(doi) = &front.doi {
        let encoded = percent_encoding::utf8_percent_encode(doi, DOI_PATH);
        push("DOI", format!("https://doi.org/{encoded}"));
    }
    if let Some(url) = &front.code {
        push("Code", site(url));
    }
    out
}

/// What a DOI keeps as it is in a doi.org URL path (its `/` stays a path separator).
const DOI_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

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
fn references(paper: &Paper, items: &ListItems<'_>) -> Result<Vec<Reference>, TemplateError> {
    let mut internal = Vec::with_capacity(paper.cites.len());
    for &i in &paper.cites {
        let base = &items.base()[i];
        internal.push(Reference {
            key: base.key.clone(),
            kind: "paper",
            url: Some(base.url.clone()),
            paper: Some(items.value(i)?),
        });
    }
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
    Ok(internal
        .into_iter()
        .chain(external)
        .chain(missing)
        .collect())
}
