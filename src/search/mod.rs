//! The search stage: one Pagefind record per paper (plain text of its title, authors, keywords,
//! venue, year and summaries; filters by author, keyword, venue and year; sort keys), indexed
//! in-process by the `pagefind` crate into the files of `/pagefind/` (index, fragments, filters,
//! and Pagefind's own search UI script and stylesheet). Indexes depend only on the records, so a
//! build whose records hash like the last one's reuses the files kept in `.sitegen-cache/`.
//! It owns the record shape and that cache; it must not decide how the search box looks.

mod cache;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::index::Library;
use crate::markdown::outline::plain_text;
use crate::render::{OutputFile, Route};

/// Pagefind's version: part of the cache key, so a new crate version re-indexes.
const PAGEFIND: &str = "pagefind-1.6.0";

/// One searchable paper.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub url: String,
    pub content: String,
    pub meta: BTreeMap<String, String>,
    pub filters: BTreeMap<String, Vec<String>>,
    pub sort: BTreeMap<String, String>,
}

/// The records of every paper, in library order.
pub(crate) fn records(lib: &Library) -> Vec<Record> {
    lib.papers
        .iter()
        .map(|p| {
            let front = p.front();
            let authors: Vec<String> = p
                .authors
                .iter()
                .map(|&a| lib.authors[a].name.display())
                .collect();
            let keywords: Vec<String> = p
                .keywords
                .iter()
                .map(|&k| lib.keywords[k].name.clone())
                .collect();
            let venue: Vec<String> = p
                .venue
                .map(|v| lib.venues[v].name.clone())
                .into_iter()
                .collect();
            let year = front.year.to_string();
            let mut content = format!(
                "{}. {}. {}. {} {}.",
                front.title,
                authors.join(", "),
                keywords.join(", "),
                venue.join(""),
                year
            );
            for (_, text) in p.summaries() {
                content.push('\n');
                content.push_str(&plain_text(text));
            }
            let mut meta = BTreeMap::from([
                ("title".to_owned(), front.title.clone()),
                ("authors".to_owned(), authors.join(", ")),
                ("year".to_owned(), year.clone()),
            ]);
            if let Some(v) = venue.first() {
                meta.insert("venue".to_owned(), v.clone());
            }
            let mut sort = BTreeMap::from([("year".to_owned(), year.clone())]);
            if let Some(added) = front.added {
                sort.insert("added".to_owned(), added.to_string());
            }
            let filters = BTreeMap::from([
                ("author".to_owned(), authors),
                ("keyword".to_owned(), keywords),
                ("venue".to_owned(), venue),
                ("year".to_owned(), vec![year]),
            ]);
            Record {
                // Site-relative: Pagefind's UI puts the site's base path in front.
                url: format!("/{}", Route::Paper(&p.slug).site_path()),
                content,
                meta,
                filters: filters.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
                sort,
            }
        })
        .collect()
}

/// The search bundle for `records`, and whether it came from the cache.
pub struct SearchBuild {
    pub files: Vec<OutputFile>,
    pub cached: bool,
    /// Where to keep the files for the next build, and the bytes to keep (None: nothing to save,
    /// they came from there). Encoded up front so `files` can move into the site.
    cache: Option<(PathBuf, Vec<u8>)>,
}

/// Indexes the library's records, or takes the previous build's files from `.sitegen-cache/`
/// beside `out_dir` when what the records are made of is the same. The key is taken over the
/// sources (no markdown parsing), so a warm build costs a hash and a read.
pub fn build(lib: &Library, out_dir: &Path) -> Result<SearchBuild, Error> {
    let key = cache::key(PAGEFIND, lib);
    let path = crate::math::cache_dir(out_dir).join("search.bin");
    if let Some(files) = std::fs::read(&path)
        .ok()
        .and_then(|bytes| cache::decode(&bytes, &key))
    {
        return Ok(SearchBuild {
            files,
            cached: true,
            cache: None,
        });
    }
    let files = index(&records(lib))?;
    let bytes = cache::encode(&key, &files);
    Ok(SearchBuild {
        files,
        cached: false,
        cache: Some((path, bytes)),
    })
}

/// Keeps a freshly built index for the next build (atomically: temp file, then rename).
pub fn save_cache(build: &SearchBuild) -> Result<(), Error> {
    let Some((path, bytes)) = &build.cache else {
        return Ok(());
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = path.with_extension(format!("bin.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Runs Pagefind over the records, in memory. Pagefind's API is async: it gets a runtime of its
/// own on a scoped thread, so this works from inside the dev server's runtime too.
pub(crate) fn index(records: &[Record]) -> Result<Vec<OutputFile>, Error> {
    let run = || -> anyhow::Result<Vec<pagefind::api::SyntheticFile>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let options = pagefind::options::PagefindServiceConfig::builder()
                .force_language("en".to_owned())
                .build();
            let mut index = pagefind::api::PagefindIndex::new(Some(options))?;
            for r in records {
                index
                    .add_custom_record(
                        r.url.clone(),
                        r.content.clone(),
                        "en".to_owned(),
                        Some(r.meta.clone()),
                        Some(r.filters.clone()),
                        Some(r.sort.clone()),
                    )
                    .await?;
            }
            index.get_files().await
        })
    };
    let files = std::thread::scope(|s| s.spawn(run).join())
        .map_err(|_| Error::Search("the search indexer stopped".to_owned()))?
        .map_err(|e| Error::Search(format!("{e:#}")))?;
    let mut out: Vec<OutputFile> = files
        .into_iter()
        .filter_map(|f| {
            let name = f.filename.to_string_lossy().replace('\\', "/");
            wanted(&name).then(|| OutputFile {
                path: format!("{}{name}", Route::SearchBundle.site_path()),
                contents: f.contents,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Pagefind also ships UIs the site does not use (modular, component, highlight, playground).
fn wanted(name: &str) -> bool {
    !(name.starts_with("pagefind-modular-ui")
        || name.starts_with("pagefind-component-ui")
        || name.starts_with("pagefind-highlight")
        || name.starts_with("playground"))
}
