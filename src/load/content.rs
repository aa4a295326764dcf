//! The load stage: reads a site root (`sitegen.toml`, `content/papers/`, `templates/`,
//! `static/`) into plain data, splitting and parsing each paper's front matter. It is the only
//! reader of the site's source files; it must not interpret bodies (no markdown, math, citations).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::files::{Links, Site};
use super::reread::{Held, Reread, Stamp};
use crate::diag::{Diagnostic, Severity};
use crate::load::fields::check_fields;
pub use crate::load::fields::{Date, SummaryBy};
use serde::{Deserialize, Serialize};

/// The line that separates two summaries of the same paper in one file.
pub const SUMMARY_SEPARATOR: &str = "<!-- next summary -->";

/// The fields a paper's front matter may hold; anything else is an error.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    pub year: i32,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A PDF of the paper (http(s) or a link relative to the site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf: Option<String>,
    /// An arXiv identifier such as `1502.02761`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arxiv: Option<String>,
    /// A DOI such as `10.1145/3065386`, without the resolver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// The paper's code (http(s) or relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Who wrote the summary, or one name per summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_by: Option<SummaryBy>,
    /// When the summary was added to the list (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<Date>,
    /// The last segment of the paper's URL, when not the file name's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
}

/// One paper file as read from disk, front matter parsed, body untouched.
#[derive(Debug, Clone)]
pub struct SourcePaper {
    /// Path relative to the site root, as shown in diagnostics.
    pub path: PathBuf,
    /// The whole file, so any later stage can point at a line of it.
    pub text: String,
    pub front: FrontMatter,
    /// Byte offset of each front-matter field's line, for diagnostics about that field.
    pub field_offsets: BTreeMap<String, usize>,
    /// Byte ranges of `text` holding each summary (at least one, possibly empty).
    pub summaries: Vec<Range<usize>>,
}

impl SourcePaper {
    /// The summaries' markdown with their byte offsets in the file, in file order.
    pub fn summaries(&self) -> impl Iterator<Item = (usize, &str)> {
        self.summaries
            .iter()
            .map(|r| (r.start, &self.text[r.clone()]))
    }

    /// Offset of a field's line, or of the file start when the field is not written.
    pub fn field_offset(&self, field: &str) -> usize {
        self.field_offsets.get(field).copied().unwrap_or(0)
    }
}

/// Everything the site root holds, read once.
#[derive(Debug, Default)]
pub struct SiteSources {
    /// Shared: the dev server keeps each parsed paper between builds without copying it.
    pub papers: Vec<Arc<SourcePaper>>,
    /// Template name (path under `templates/`, `/`-separated) → text.
    pub templates: BTreeMap<String, String>,
    /// Site path (under `static/`, `/`-separated) → file on disk.
    pub static_files: BTreeMap<String, PathBuf>,
}

/// Reads `root`; returns the sources and every problem found (the caller decides what is fatal).
/// `Err` only for failures of the machine, never for what a site holds.
pub fn load(root: &Path, drafts: bool) -> std::io::Result<(SiteSources, Vec<Diagnostic>)> {
    load_again(root, drafts, None)
}

/// `load`, reusing the papers `reread` holds for files whose size and modification time are
/// unchanged (not read again) or whose text is unchanged (not parsed again), and keeping the
/// ones it parses there.
pub fn load_again(
    root: &Path,
    drafts: bool,
    reread: Option<&Reread>,
) -> std::io::Result<(SiteSources, Vec<Diagnostic>)> {
    let mut sources = SiteSources::default();
    let mut diags = Vec::new();
    let site = Site::new(root);
    let content_dir = root.join("content");
    if !content_dir.is_dir() {
        // Building nothing would replace a published site with an empty one.
        diags.push(Diagnostic::whole_file(
            Severity::Error,
            Path::new("content"),
            "no `content/` folder: papers go in content/papers/*.md",
        ));
    }
    let papers_dir = content_dir.join("papers");
    let files: Vec<PathBuf> = site
        .walk(&papers_dir, Links::InsideSite, &mut diags)?
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "md"))
        .collect();
    // Reading and front matter are per file: in parallel, kept in path order. What earlier
    // builds parsed is taken out whole, so the parallel reads share no lock.
    let before = reread.map(Reread::take).unwrap_or_default();
    let parsed: Vec<(Vec<Diagnostic>, Option<Held>)> = files
        .par_iter()
        .map(|file| {
            let mut found = Vec::new();
            // Taken before reading: a save during the read leaves a stamp that differs next time.
            let stamp = reread.and_then(|_| Stamp::of(file));
            if let Some(paper) = before.unchanged(file, stamp) {
                return Ok((found, Some((stamp, paper))));
            }
            let Some(text) = site.read_text(file, &mut found)? else {
                return Ok((found, None));
            };
            if let Some(paper) = before.same_text(file, &text) {
                return Ok((found, Some((stamp, paper))));
            }
            match parse_paper(&site.rel(file), text) {
                Ok(paper) => Ok((found, Some((stamp, Arc::new(paper))))),
                Err(mut ds) => {
                    found.append(&mut ds);
                    Ok((found, None))
                }
            }
        })
        .collect::<std::io::Result<_>>()?;
    drop(before);
    if let Some(r) = reread {
        let held = files.iter().zip(&parsed);
        r.keep(held.filter_map(|(file, (_, held))| Some((file.clone(), held.clone()?))));
    }
    for (mut found, paper) in parsed {
        diags.append(&mut found);
        match paper.map(|(_, paper)| paper) {
            Some(paper) if paper.front.draft && !drafts => {}
            Some(paper) => sources.papers.push(paper),
            None => {}
        }
    }
    let templates_dir = root.join("templates");
    for file in site.walk(&templates_dir, Links::Follow, &mut diags)? {
        if let Some(text) = site.read_text(&file, &mut diags)? {
            sources
                .templates
                .insert(site_path(&templates_dir, &file), text);
        }
    }
    let static_dir = root.join("static");
    for file in site.walk(&static_dir, Links::Follow, &mut diags)? {
        sources
            .static_files
            .insert(site_path(&static_dir, &file), file);
    }
    Ok((sources, diags))
}

fn site_path(dir: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Splits and parses one paper file. `path` is only used in diagnostics.
pub fn parse_paper(path: &Path, text: String) -> Result<SourcePaper, Vec<Diagnostic>> {
    let Some(split) = split_front_matter(&text) else {
        return Err(vec![Diagnostic::error(
            path,
            &text,
            0,
            "missing front matter: a paper file starts with `+++` (TOML) or `---` (YAML)",
        )]);
    };
    let fm_text = &text[split.front.clone()];
    let front: FrontMatter = match split.format {
        Format::Toml => toml::from_str(fm_text).map_err(|e| {
            // A missing field has no line of its own: point at the opening delimiter.
            let at = match e.span() {
                Some(span) if !e.message().starts_with("missing field") => {
                    split.front.start + span.start
                }
                _ => 0,
            };
            vec![Diagnostic::error(path, &text, at, tidy(e.message()))]
        })?,
        Format::Yaml => serde_saphyr::from_str(fm_text).map_err(|e| {
            let at = e.location().map_or(0, |loc| {
                split.front.start
                    + offset_of_line_col(fm_text, loc.line() as usize, loc.column() as usize)
            });
            let at = if e.to_string().contains("missing field") {
                0
            } else {
                at
            };
            let message = e.without_snippet().to_string();
            let message = message.lines().next().unwrap_or("invalid YAML");
            // The position is ours to show, counted from the top of the file.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message, |(head, _)| head);
            vec![Diagnostic::error(path, &text, at, tidy(message))]
        })?,
    };
    let field_offsets = field_offsets(fm_text, split.front.start);
    let paper = SourcePaper {
        path: path.to_path_buf(),
        summaries: split_summaries(&text, split.body_start),
        text,
        front,
        field_offsets,
    };
    let problems = check_fields(&paper);
    if problems.is_empty() {
        Ok(paper)
    } else {
        Err(problems)
    }
}

fn tidy(message: &str) -> String {
    format!("front matter: {}", message.trim())
}

/// Control characters other than tab and line breaks (which XML and HTML accept): an error in a
/// front-matter field.
pub fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Toml,
    Yaml,
}

struct Split {
    format: Format,
    front: Range<usize>,
    body_start: usize,
}

/// Finds the front matter between `+++` or `---` delimiter lines at the start of the file.
fn split_front_matter(text: &str) -> Option<Split> {
    let first_end = text.find('\n').unwrap_or(text.len());
    let first = text[..first_end].trim_end();
    let (format, delim) = match first.trim_start_matches('\u{feff}') {
        "+++" => (Format::Toml, "+++"),
        "---" => (Format::Yaml, "---"),
        _ => return None,
    };
    let front_start = (first_end + 1).min(text.len());
    let mut pos = front_start;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == delim {
            return Some(Split {
                format,
                front: front_start..pos,
                body_start: (end + 1).min(text.len()),
            });
        }
        pos = end + 1;
    }
    None
}

/// Byte offsets of top-level `name =` / `name:` lines in the front matter.
fn field_offsets(front: &str, base: usize) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut pos = 0;
    for line in front.split_inclusive('\n') {
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let rest = line[name.len()..].trim_start();
        if !name.is_empty() && (rest.starts_with('=') || rest.starts_with(':')) {
            out.entry(name).or_insert(base + pos);
        }
        pos += line.len();
    }
    out
}

fn offset_of_line_col(text: &str, line: usize, col: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[line_start.min(text.len())..];
    line_start
        + rest
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

/// Byte ranges of the summaries in the body, split at separator lines.
fn split_summaries(text: &str, body_start: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = body_start;
    let mut pos = body_start;
    for line in text[body_start..].split_inclusive('\n') {
        if line.trim() == SUMMARY_SEPARATOR {
            out.push(start..pos);
            start = pos + line.len();
        }
        pos += line.len();
    }
    out.push(start..text.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SourcePaper, Vec<Diagnostic>> {
        parse_paper(Path::new("p.md"), text.to_owned())
    }

    #[test]
    fn toml_front_matter_and_body_offset() {
        let text = "+++\ntitle = \"A\"\nauthors = [\"B, C\"]\nyear = 2015\n+++\nBody $x$\n";
        let p = parse(text).unwrap();
        assert_eq!(p.front.title, "A");
        assert_eq!(p.front.year, 2015);
        assert_eq!(&p.text[p.summaries[0].clone()], "Body $x$\n");
        assert_eq!(p.field_offset("year"), text.find("year").unwrap());
    }

    #[test]
    fn yaml_front_matter() {
        let text = "---\ntitle: A\nauthors:\n  - Ada Lovelace\nyear: 1843\nkeywords: [x]\n---\nB\n";
        let p = parse(text).unwrap();
        assert_eq!(p.front.authors, ["Ada Lovelace"]);
        assert_eq!(p.front.keywords, ["x"]);
    }

    #[test]
    fn unknown_field_is_reported_on_its_line() {
        let text = "+++\ntitle = \"A\"\nauthors = [\"B\"]\nyear = 2015\nvenu = \"X\"\n+++\n";
        let d = &parse(text).unwrap_err()[0];
        assert_eq!(d.line, 5, "{d}");
        assert!(d.message.contains("venu"), "{d}");
        let yaml = "---\ntitle: A\nauthors: [B]\nyear: 2015\nvenu: X\n---\n";
        let d = &parse(yaml).unwrap_err()[0];
        assert_eq!(d.line, 5, "{d}");
        assert!(d.message.contains("venu"), "{d}");
    }

    #[test]
    fn missing_and_empty_fields() {
        let d = &parse("+++\ntitle = \"A\"\nyear = 2015\n+++\n").unwrap_err()[0];
        assert!(d.message.contains("missing field `authors`"), "{d}");
        assert_eq!(d.line, 1, "points at the front matter's opening line");
        let d = &parse("---\ntitle: A\nyear: 2015\n---\n").unwrap_err()[0];
        assert!(d.message.contains("missing field `authors`"), "{d}");
        assert_eq!(d.line, 1);
        let d = &parse("+++\ntitle = \"T\"\nauthors = [\"A, B\", \" \"]\nyear = 2001\n+++\n")
            .unwrap_err()[0];
        assert_eq!(
            (d.line, d.message.as_str()),
            (3, "front matter: `authors` has an empty name")
        );
        let ds = parse("+++\ntitle = \" \"\nauthors = []\nyear = 15\nslug = \"A b\"\n+++\n")
            .unwrap_err();
        let at: Vec<(usize, &str)> = ds.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(at.len(), 4, "{at:?}");
        assert_eq!((at[0].0, at[1].0), (2, 3));
        assert_eq!(
            at[2],
            (
                4,
                "front matter: `year = 15` is not a year: write all four digits (e.g. 2015)"
            )
        );
        assert!(
            at[3].1.contains("`slug = \"A b\"` cannot be a URL segment"),
            "{at:?}"
        );
        let d = &parse("no front matter\n").unwrap_err()[0];
        assert!(d.message.contains("missing front matter"));
        let d = &parse("+++\ntitle = \"A\"\n").unwrap_err()[0];
        assert!(d.message.contains("missing front matter"));
    }

    #[test]
    fn link_fields_dates_and_writers() {
        let ok = "+++\ntitle = \"A\"\nauthors = [\"B\"]\nyear = 2015\npdf = \"https://x.org/a.pdf\"\narxiv = \"1502.02761\"\ndoi = \"10.1145/3065386\"\ncode = \"https://github.com/a/b\"\nsummary_by = \"Ada\"\nadded = 2024-05-31\n+++\n";
        let p = parse(ok).unwrap();
        assert_eq!(p.front.added.unwrap().to_string(), "2024-05-31");
        assert_eq!(p.front.summary_by.unwrap().of(3), Some("Ada"));
        let yaml =
            "---\ntitle: A\nauthors: [B]\nyear: 2015\nadded: 2024-02-29\nsummary_by: [Ada]\n---\n";
        let p = parse(yaml).unwrap();
        assert_eq!(p.front.added.unwrap().to_string(), "2024-02-29");
        let cases = [
            (
                "pdf = \"javascript:alert(1)\"",
                5,
                "`pdf` must be an http(s)",
            ),
            ("code = \"file:///x\"", 5, "`code`"),
            ("url = \"ftp://x.org\"", 5, "`url`"),
            ("arxiv = \"arXiv:1502.02761\"", 5, "not an arXiv id"),
            ("doi = \"https://doi.org/10.1/x\"", 5, "not a DOI"),
            ("added = \"2024-02-30\"", 5, "not a day of that month"),
            ("added = \"31/05/2024\"", 5, "YYYY-MM-DD"),
            ("added = 2024-05-31T10:00:00", 5, "has a time"),
            (
                "summary_by = [\"A\", \"B\"]",
                5,
                "names 2 writers but the file has 1 summary",
            ),
            ("summary_by = \" \"", 5, "`summary_by` is empty"),
        ];
        for (field, line, message) in cases {
            let text =
                format!("+++\ntitle = \"A\"\nauthors = [\"B\"]\nyear = 2015\n{field}\n+++\n");
            let d = &parse(&text).unwrap_err()[0];
            assert_eq!(d.line, line, "{field}: {d}");
            assert!(d.message.contains(message), "{field}: {d}");
        }
        let d = &parse("---\ntitle: A\nauthors: [B]\nyear: 2015\nadded: May 2024\n---\n")
            .unwrap_err()[0];
        assert_eq!(d.line, 5, "{d}");
        assert!(d.message.contains("YYYY-MM-DD"), "{d}");
    }

    #[test]
    fn url_fields_take_only_web_urls() {
        let front = |url: &str| {
            format!("+++\ntitle = \"A\"\nauthors = [\"B\"]\nyear = 2015\nurl = \"{url}\"\n+++\n")
        };
        assert!(parse(&front("https://arxiv.org/abs/1")).is_ok());
        assert!(parse(&front("papers/x.pdf")).is_ok());
        let ds = parse(&front("javascript:alert(1)")).unwrap_err();
        assert_eq!((ds[0].line, ds[0].col), (5, 8), "{}", ds[0]);
        assert!(
            ds[0].message.contains("`url` must be an http(s)"),
            "{}",
            ds[0]
        );
        let yaml = "---\ntitle: A\nauthors: [B]\nyear: 2015\nurl: ' data:text/html,x'\n---\n";
        let ds = parse(yaml).unwrap_err();
        assert_eq!(ds[0].line, 5, "{}", ds[0]);
    }

    #[test]
    fn several_summaries() {
        let text = format!(
            "+++\ntitle = \"A\"\nauthors = [\"B\"]\nyear = 2001\n+++\none\n{SUMMARY_SEPARATOR}\ntwo\n"
        );
        let p = parse(&text).unwrap();
        let parts: Vec<&str> = p.summaries.iter().map(|r| &p.text[r.clone()]).collect();
        assert_eq!(parts, ["one\n", "two\n"]);
    }
}
