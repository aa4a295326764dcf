//! `sitegen import`: raw ShortScience dumps into `content/papers/<slug>.md` files.
//!
//! It owns three things: reading the dump format (`dump`), restoring the markdown structure that
//! the dump flattened onto one line (`restore`), and deciding what to write for each paper file
//! (this file). It must not render markdown or HTML, and it only writes under
//! `ROOT/content/papers/`, each file atomically (temp file in the same folder, then rename).
//!
//! Rules, in the order they apply:
//! - One file per paper; "the same paper" means the same `library::slugify(title)`. Several
//!   entries for one paper (in one dump, across dumps or across runs) become several summaries of
//!   that file, separated by `content::SUMMARY_SEPARATOR`. A summary that the file already holds
//!   (compared with all whitespace runs collapsed, so a change in restoration does not count) is
//!   not added again; so re-importing a dump changes nothing.
//! - The paper's file is the site's existing file for that slug, whatever its name (a second file
//!   would be a duplicate slug), else `content/papers/<slug>.md`; slugs are capped in length.
//! - Front matter is TOML (title, authors as "Last, First", venue, year, keywords, key), taken
//!   from the first entry of the run for that paper, without control characters (the build
//!   rejects them). Keys are unique against the whole site (`keys`).
//! - Hand edits: every file the importer writes carries, as the last front-matter line, a TOML
//!   comment with a fingerprint (blake3) of the rest of the file. A file is *importer-owned* when
//!   that comment is present and the fingerprint matches, i.e. no byte changed since the importer
//!   wrote it. Only owned files are updated. Any other existing file (edited, or written by hand
//!   or by `sitegen new`) is reported as skipped unless `--force`, which replaces it with what
//!   this run imports for that paper. Re-rendering the file and comparing (without a fingerprint)
//!   would not do: a fixed typo inside a summary is indistinguishable from a second summary.
//! - `--dry-run` computes the same outcomes and writes nothing.

mod dump;
mod keys;
mod restore;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::load::content::{FrontMatter, SUMMARY_SEPARATOR};

pub use dump::{Entry, parse_dump};
pub use restore::restore;

/// Flags of `sitegen import`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Report what would happen, write nothing.
    pub dry_run: bool,
    /// Overwrite files that were edited by hand.
    pub force: bool,
}

/// What happened to one paper file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// Not written; the reason says why (e.g. edited by hand, use --force).
    Skipped(String),
}

/// The result of one import run.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Each paper file touched, relative to the site root, in a stable order.
    pub files: Vec<(PathBuf, Outcome)>,
    /// Malformed entries and other problems, positioned in the dump files.
    pub diagnostics: Vec<Diagnostic>,
}

/// The reason given for a file that changed since the importer wrote it.
pub const EDITED: &str = "edited by hand; use --force to overwrite";
/// The reason given for a file the importer did not write.
pub const NOT_IMPORTED: &str = "not written by sitegen import; use --force to overwrite";

/// Start of the fingerprint comment, the last line of the front matter of an imported file.
const FINGERPRINT_PREFIX: &str = "# sitegen import fingerprint: ";
const FINGERPRINT_NOTE: &str = " (after an edit, re-imports leave this file alone)";

/// Imports `dumps` into `root/content/papers/`.
pub fn import(
    root: &Path,
    dumps: &[PathBuf],
    opts: &ImportOptions,
) -> Result<ImportReport, crate::Error> {
    let mut report = ImportReport::default();
    // Papers by slug, in slug order so output and writes are stable.
    let mut papers: BTreeMap<String, Planned> = BTreeMap::new();
    for path in dumps {
        let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
        let (entries, mut diags) = parse_dump(path, &text);
        report.diagnostics.append(&mut diags);
        for entry in entries {
            plan_entry(&mut papers, entry, path, &text, &mut report.diagnostics);
        }
    }

    let site = SiteIndex::read(root)?;
    assign_keys(&mut papers, &site, &mut report.diagnostics);

    for (slug, planned) in papers {
        // A paper the site already has, under whatever file name, is updated there: a second
        // file would give the build two pages with one slug.
        let rel = site.files.get(&slug).map_or_else(
            || {
                Path::new("content")
                    .join("papers")
                    .join(format!("{slug}.md"))
            },
            |(path, _)| path.clone(),
        );
        let file = root.join(&rel);
        let dir = file.parent().unwrap_or(root).to_path_buf();
        let existing = match std::fs::read(&file) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(crate::Error::io(&file, e)),
        };
        let (outcome, write) = decide(existing.as_deref(), &planned, opts.force);
        if let Some(text) = write.filter(|_| !opts.dry_run) {
            write_atomically(&dir, &file, &text)?;
        }
        report.files.push((rel, outcome));
    }
    crate::diag::sort(&mut report.diagnostics);
    Ok(report)
}

/// What this run has for one paper: front matter of its first entry, its summaries in order.
struct Planned {
    front: FrontMatter,
    /// Restored markdown of each distinct summary.
    summaries: Vec<String>,
    /// Where the first entry was, for messages about later ones.
    first_line: usize,
    /// The dump it came from.
    source: PathBuf,
}

/// The papers already in `content/`, as the build sees them.
struct SiteIndex {
    /// Title slug → (file relative to the root, key). A paper's URL is its file name, so the
    /// title (what a dump has) is what tells an existing file holds the same paper.
    files: BTreeMap<String, (PathBuf, String)>,
}

impl SiteIndex {
    fn read(root: &Path) -> Result<SiteIndex, crate::Error> {
        // Drafts too: `build --drafts` must accept the site as well. Problems in those files are
        // the build's to report; a file that does not parse holds no key.
        let (sources, _) =
            crate::load::content::load(root, true).map_err(|e| crate::Error::io(root, e))?;
        let (lib, _) = crate::index::Library::build(sources.papers);
        let files = lib
            .papers
            .into_iter()
            .map(|p| {
                let title = crate::index::slugify(&p.front().title);
                (title, (p.source.path.clone(), p.key))
            })
            .collect();
        Ok(SiteIndex { files })
    }
}

/// Keys unique against this run and the whole site (see `keys`), with a warning for each paper
/// that does not get its derived key.
fn assign_keys(
    papers: &mut BTreeMap<String, Planned>,
    site: &SiteIndex,
    diags: &mut Vec<Diagnostic>,
) {
    let taken = site
        .files
        .iter()
        .filter(|(slug, _)| !papers.contains_key(*slug))
        .map(|(_, (_, key))| key.clone())
        .collect();
    let requests: Vec<keys::KeyRequest> = papers
        .iter()
        .filter_map(|(slug, planned)| {
            Some(keys::KeyRequest {
                slug: slug.clone(),
                derived: planned.front.key.clone()?,
                existing: site.files.get(slug).map(|(_, key)| key.clone()),
            })
        })
        .collect();
    for (slug, (key, clash)) in keys::assign(&requests, &taken) {
        let Some(planned) = papers.get_mut(&slug) else {
            continue;
        };
        let derived = planned.front.key.clone().unwrap_or_default();
        let why = match clash {
            None => None,
            Some(keys::Clash::InRun(n)) => Some(format!("{n} papers derive the key `{derived}`")),
            Some(keys::Clash::Taken) => Some(format!(
                "the key `{derived}` is taken by a paper of the site"
            )),
        };
        if let Some(why) = why {
            diags.push(Diagnostic {
                severity: crate::diag::Severity::Warning,
                path: planned.source.clone(),
                line: planned.first_line,
                col: 1,
                message: format!("{why}; this one gets `{key}`"),
                source_line: None,
            });
        }
        planned.front.key = Some(key);
    }
}

fn plan_entry(
    papers: &mut BTreeMap<String, Planned>,
    entry: Entry,
    path: &Path,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut entry = entry;
    if drop_control_characters(&mut entry.front) {
        diags.push(Diagnostic::warning(
            path,
            text,
            entry.offset,
            "control characters (pasted from a PDF?) dropped from the title, authors, venue or \
             keywords: the build rejects them",
        ));
    }
    if entry.front.authors.iter().any(|a| a.trim().is_empty()) {
        diags.push(Diagnostic::error(
            path,
            text,
            entry.offset,
            "entry skipped: an author's name is empty",
        ));
        return;
    }
    let slug = crate::index::slugify(&entry.front.title);
    if slug.is_empty() {
        diags.push(Diagnostic::error(
            path,
            text,
            entry.offset,
            "entry skipped: the title has no letter or digit to name its file",
        ));
        return;
    }
    let summary = restore(&entry.summary);
    match papers.get_mut(&slug) {
        None => {
            papers.insert(
                slug,
                Planned {
                    front: entry.front,
                    summaries: vec![summary],
                    first_line: entry.line,
                    source: path.to_path_buf(),
                },
            );
        }
        Some(planned) => {
            if planned.front != entry.front {
                diags.push(Diagnostic::warning(
                    path,
                    text,
                    entry.offset,
                    format!(
                        "same paper as the entry at line {} (same title) but different details; \
                         keeping that entry's front matter and adding this summary",
                        planned.first_line
                    ),
                ));
            }
            if !contains_summary(&planned.summaries, &summary) {
                planned.summaries.push(summary);
            }
        }
    }
}

/// Replaces the characters the build rejects in front matter by spaces (runs of them by one);
/// whether there were any.
fn drop_control_characters(front: &mut FrontMatter) -> bool {
    let mut changed = false;
    let fields = std::iter::once(&mut front.title)
        .chain(front.authors.iter_mut())
        .chain(front.venue.iter_mut())
        .chain(front.keywords.iter_mut());
    for field in fields {
        if field.chars().any(crate::load::content::forbidden) {
            let words: Vec<&str> = field
                .split(crate::load::content::forbidden)
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect();
            *field = words.join(" ");
            changed = true;
        }
    }
    front.keywords.retain(|k| !k.is_empty());
    changed
}

/// Whitespace-insensitive equality: restoration only ever changes whitespace.
fn same_summary(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

fn contains_summary(list: &[String], summary: &str) -> bool {
    list.iter().any(|s| same_summary(s, summary))
}

/// The outcome for one paper file and the text to write, if any.
fn decide(existing: Option<&[u8]>, planned: &Planned, force: bool) -> (Outcome, Option<String>) {
    let fresh = render(&planned.front, &planned.summaries);
    let Some(bytes) = existing else {
        return (Outcome::Created, Some(fresh));
    };
    let owned = std::str::from_utf8(bytes)
        .map_err(|_| NOT_IMPORTED)
        .and_then(owned_summaries);
    let next = match owned {
        Ok(mut summaries) => {
            for s in &planned.summaries {
                if !contains_summary(&summaries, s) {
                    summaries.push(s.clone());
                }
            }
            render(&planned.front, &summaries)
        }
        Err(_) if force => fresh,
        Err(reason) => return (Outcome::Skipped(reason.to_owned()), None),
    };
    if next.as_bytes() == bytes {
        (Outcome::Unchanged, None)
    } else {
        (Outcome::Updated, Some(next))
    }
}

/// The summaries of an importer-owned file, or why the file is not one.
fn owned_summaries(text: &str) -> Result<Vec<String>, &'static str> {
    match fingerprint_matches(text) {
        None => return Err(NOT_IMPORTED),
        Some(false) => return Err(EDITED),
        Some(true) => {}
    }
    let path = Path::new("existing.md");
    let paper = crate::load::content::parse_paper(path, text.to_owned()).map_err(|_| EDITED)?;
    Ok(paper
        .summaries
        .iter()
        .map(|r| paper.text[r.clone()].trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect())
}

/// Whether the fingerprint line matches the rest of the file; `None` when there is none.
fn fingerprint_matches(text: &str) -> Option<bool> {
    let start = text.find(&format!("\n{FINGERPRINT_PREFIX}"))? + 1;
    let end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let line = &text[start..end];
    let Some(hash) = line[FINGERPRINT_PREFIX.len()..].get(..16) else {
        return Some(false);
    };
    let without = format!("{}{}", &text[..start], &text[end..]);
    Some(fingerprint(&without) == hash)
}

fn fingerprint(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..16].to_owned()
}

/// The whole file the importer writes for a paper.
fn render(front: &FrontMatter, summaries: &[String]) -> String {
    // `toml` escapes every string, so any title (quotes, backslashes, `|`, `:`) round-trips.
    let toml = toml::to_string(front).unwrap_or_default();
    let separator = format!("\n\n{SUMMARY_SEPARATOR}\n\n");
    let body = summaries.join(&separator);
    let without = format!("+++\n{toml}+++\n{body}\n");
    let hash = fingerprint(&without);
    format!("+++\n{toml}{FINGERPRINT_PREFIX}{hash}{FINGERPRINT_NOTE}\n+++\n{body}\n")
}

/// Writes `text` to `file` through a temp file in the same folder, so a reader never sees half.
fn write_atomically(dir: &Path, file: &Path, text: &str) -> Result<(), crate::Error> {
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    // Hidden, so the loader ignores one left behind by a crash.
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| crate::Error::io(&tmp, e))?;
    std::fs::rename(&tmp, file).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        crate::Error::io(file, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front() -> FrontMatter {
        FrontMatter {
            title: "T \"q\" | x".into(),
            authors: vec!["Oord, Aäron".into()],
            venue: Some("V".into()),
            year: 2015,
            keywords: Vec::new(),
            key: Some("Oord15".into()),
            aliases: Vec::new(),
            url: None,
            slug: None,
            draft: false,
            ..Default::default()
        }
    }

    #[test]
    fn fingerprint_tells_owned_from_edited_files() {
        let text = render(&front(), &["one".into(), "two".into()]);
        assert_eq!(fingerprint_matches(&text), Some(true));
        assert_eq!(
            owned_summaries(&text),
            Ok(vec!["one".to_owned(), "two".to_owned()])
        );
        let edited = text.replace("two", "too");
        assert_eq!(owned_summaries(&edited), Err(EDITED));
        let plain = "+++\ntitle = \"T\"\nauthors = [\"A\"]\nyear = 1\n+++\nx\n";
        assert_eq!(owned_summaries(plain), Err(NOT_IMPORTED));
    }

    #[test]
    fn decide_appends_new_summaries_only() {
        let planned = Planned {
            front: front(),
            summaries: vec!["two".into()],
            first_line: 1,
            source: PathBuf::from("dump.txt"),
        };
        let existing = render(&front(), &["one".into(), "two".into()]);
        assert_eq!(
            decide(Some(existing.as_bytes()), &planned, false),
            (Outcome::Unchanged, None)
        );
        let one = render(&front(), &["one".into()]);
        let (outcome, text) = decide(Some(one.as_bytes()), &planned, false);
        assert_eq!(
            (outcome, text.as_deref()),
            (Outcome::Updated, Some(existing.as_str()))
        );
        assert!(same_summary("a\n\n* b", "a * b"));
    }
}
