//! The search stage: one Pagefind record per paper (plain text of its title, authors, keywords,
//! venue, year and summaries; filters by author, keyword, venue and year), indexed in-process by
//! the `pagefind` crate into the files of `/pagefind/` (index, fragments, filters, and Pagefind's
//! search library; the search box is the site script's). Indexes depend only on the records, so
//! a build whose records hash like the last one's reuses the files kept in `.sitegen-cache/`.
//! It owns the record shape and that cache; it must not decide how the search box looks.

mod cache;
mod common;

use common::CommonWords;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::Error;
use crate::index::Library;
use crate::markdown::outline::plain_text;
use crate::render::{OutputFile, Route, Sink};

/// Pagefind's version, the compressor its files are gzipped with (flate2's backend, see
/// Cargo.toml) and the shape of the records: part of the cache key, so that a cached index is
/// the one a fresh build would make.
const PAGEFIND: &str = "pagefind-1.6.0 zlib-rs records-3";

/// How many authors the author filter offers: the most prolific. A filter file lists every
/// paper of every value, so all 3,300 authors of a 10,000-paper list cost 124 KB on the first
/// query, and a list of 3,300 names is no way to choose one anyway. Every author stays
/// searchable by name in the text, and has a page listing all their papers.
pub(crate) const AUTHOR_FILTER: usize = 100;

/// One searchable paper.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub url: String,
    pub content: String,
    pub meta: BTreeMap<String, String>,
    pub filters: BTreeMap<String, Vec<String>>,
}

/// The authors the author filter offers: all of them when there are at most `AUTHOR_FILTER`,
/// else the `AUTHOR_FILTER` with most papers (ties: in the library's order, by surname).
pub(crate) fn filter_authors(lib: &Library) -> Vec<bool> {
    let mut by_papers: Vec<usize> = (0..lib.authors.len()).collect();
    by_papers.sort_by_key(|&a| std::cmp::Reverse(lib.authors[a].papers.len()));
    let mut offered = vec![false; lib.authors.len()];
    for &a in by_papers.iter().take(AUTHOR_FILTER) {
        offered[a] = true;
    }
    offered
}

/// The file of the search bundle that lists the common words (a JSON array of lowercase
/// words, sorted; empty on a short list), for the search box: see `common`.
const COMMON_WORDS_FILE: &str = "sitegen-common-words.json";

/// The records of every paper, in library order, and the words left out of their summaries.
fn records(lib: &Library) -> (Vec<Record>, CommonWords) {
    let offered = filter_authors(lib);
    let texts: Vec<Vec<String>> = lib
        .papers
        .par_iter()
        .map(|p| p.summaries().map(|(_, t)| plain_text(t)).collect())
        .collect();
    let joined: Vec<String> = texts.iter().map(|t| t.join(" ")).collect();
    let common = common::common_words(&joined);
    drop(joined);
    let records = lib
        .papers
        .par_iter()
        .zip(texts)
        .map(|(p, texts)| {
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
            for text in &texts {
                content.push('\n');
                if common.is_empty() {
                    content.push_str(text);
                } else {
                    content.push_str(&common::without(text, &common));
                }
            }
            let mut meta = BTreeMap::from([
                ("title".to_owned(), front.title.clone()),
                ("authors".to_owned(), authors.join(", ")),
                ("year".to_owned(), year.clone()),
            ]);
            if let Some(v) = venue.first() {
                meta.insert("venue".to_owned(), v.clone());
            }
            // Pagefind's excerpts are cut from the indexed text: without its common words it
            // does not read, so the results show the first sentence instead.
            if let Some(sentence) = (!common.is_empty()).then(|| first_sentence(p)).flatten() {
                meta.insert("first_sentence".to_owned(), sentence);
            }
            // No sort keys: the search box does not sort, and each key would put the order of
            // every paper into the index file every query downloads.
            let filter_authors = p
                .authors
                .iter()
                .zip(authors)
                .filter(|&(&a, _)| offered[a])
                .map(|(_, name)| name)
                .collect();
            let filters = BTreeMap::from([
                ("author".to_owned(), filter_authors),
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
            }
        })
        .collect();
    (records, common)
}

/// The first sentence of a paper's first summary as plain text (math as its TeX, citations
/// left out), as lists show it: what a search result shows when the index lacks words.
fn first_sentence(p: &crate::index::Paper) -> Option<String> {
    let (_, text) = p.summaries().next()?;
    let range = crate::markdown::outline::first_sentence(text)?;
    let sentence = crate::markdown::excerpt(&text[range], FIRST_SENTENCE_CHARS);
    (!sentence.is_empty()).then_some(sentence)
}

/// How much of a long first sentence a search result shows.
const FIRST_SENTENCE_CHARS: usize = 200;

/// The search bundle, once it is in the sink: where it came from, and what to cache.
/// The timing stage of a build that indexed the records afresh.
pub const INDEXED: &str = "search (index)";

pub struct SearchBuild {
    /// The timing stage: `search (index)`, `search (cached)` (read from `.sitegen-cache/`) or
    /// `search (kept)` (the output already held this index: nothing read or written).
    pub stage: &'static str,
    /// The key of the records the index was made from (hex), for the dependency map.
    pub key: String,
    /// Where to keep the files for the next build, and the bytes to keep (None: nothing to save,
    /// they came from there).
    cache: Option<(PathBuf, Vec<u8>)>,
}

/// Puts the search bundle into `sink`: kept from the current output when that holds the index of
/// the same records, else taken from `.sitegen-cache/` beside `out_dir`, else indexed. The key
/// is taken over the sources (no markdown parsing), so a warm build costs a hash and links.
pub fn build(lib: &Library, out_dir: &Path, sink: &dyn Sink) -> Result<SearchBuild, Error> {
    let key = cache::key(PAGEFIND, lib);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let mut done = SearchBuild {
        stage: "search (kept)",
        key: hex,
        cache: None,
    };
    if sink.keep_search(&Route::SearchBundle.site_path(), &done.key)? {
        return Ok(done);
    }
    let path = crate::math::cache_dir(out_dir).join("search.bin");
    let files = match std::fs::read(&path)
        .ok()
        .and_then(|bytes| cache::decode(&bytes, &key))
    {
        Some(files) => {
            done.stage = "search (cached)";
            files
        }
        None => {
            let (records, common) = records(lib);
            let mut files = index(&records)?;
            files.push(OutputFile {
                path: format!("{}{COMMON_WORDS_FILE}", Route::SearchBundle.site_path()),
                contents: serde_json::to_vec(&common.sorted())
                    .map_err(|e| Error::Search(e.to_string()))?,
            });
            done.stage = INDEXED;
            done.cache = Some((path, cache::encode(&key, &files)));
            files
        }
    };
    files.into_par_iter().try_for_each(|f| sink.put(f))?;
    Ok(done)
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
                        None,
                    )
                    .await?;
            }
            index.get_files().await
        })
    };
    let files = std::thread::scope(|s| s.spawn(run).join())
        .map_err(|_| stopped())?
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

/// The error of an indexing thread that panicked.
pub(crate) fn stopped() -> Error {
    Error::Search("the search indexer stopped".to_owned())
}

/// Pagefind also ships UIs the site does not use (its default UI: the site's script has its
/// own, which loads the filters only when asked; modular, component, highlight, playground).
fn wanted(name: &str) -> bool {
    !(name.starts_with("pagefind-ui")
        || name.starts_with("pagefind-modular-ui")
        || name.starts_with("pagefind-component-ui")
        || name.starts_with("pagefind-highlight")
        || name.starts_with("playground"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(name: &str, authors: &[String]) -> crate::load::content::SourcePaper {
        let list: Vec<String> = authors.iter().map(|a| format!("{a:?}")).collect();
        crate::load::content::parse_paper(
            Path::new(&format!("{name}.md")),
            format!(
                "+++\ntitle = \"{name}\"\nauthors = [{}]\nyear = 2015\n+++\nText.\n",
                list.join(", ")
            ),
        )
        .unwrap()
    }

    #[test]
    fn the_author_filter_offers_the_most_prolific_and_search_still_finds_everyone() {
        // 101 authors of one paper, two of whom wrote a second one: the filter takes those two
        // and the first 98 others by surname; "Zz, Last" is left out of it, not out of the text.
        let mut many: Vec<String> = (0..99).map(|i| format!("A{i:03}, X")).collect();
        many.push("Zz, Last".to_owned());
        many.push("Zy, Prolific".to_owned());
        let papers = vec![
            paper("big", &many),
            paper("second", &["Zy, Prolific".to_owned(), "A098, X".to_owned()]),
        ];
        let lib = Library::build(papers).0;
        assert_eq!(lib.authors.len(), 101);
        let offered = filter_authors(&lib);
        assert_eq!(offered.iter().filter(|&&o| o).count(), AUTHOR_FILTER);
        let (records, _) = records(&lib);
        let big = records.iter().find(|r| r.meta["title"] == "big").unwrap();
        let filter = &big.filters["author"];
        assert_eq!(filter.len(), 100);
        assert!(filter.iter().any(|a| a.contains("Prolific")));
        assert!(filter.iter().any(|a| a.contains("A098")));
        assert!(!filter.iter().any(|a| a.contains("Last")));
        assert!(big.content.contains("Last"), "every author is in the text");
        assert!(big.meta["authors"].contains("Last"));
    }

    #[test]
    fn a_small_list_offers_every_author() {
        let lib = Library::build(vec![paper("one", &["B, C".to_owned(), "D, E".to_owned()])]).0;
        assert_eq!(filter_authors(&lib), [true, true]);
        assert_eq!(records(&lib).0[0].filters["author"].len(), 2);
    }

    fn summary(name: &str, title: &str, body: &str) -> crate::load::content::SourcePaper {
        crate::load::content::parse_paper(
            Path::new(&format!("{name}.md")),
            format!("+++\ntitle = \"{title}\"\nauthors = [\"B, C\"]\nyear = 2015\n+++\n{body}\n"),
        )
        .unwrap()
    }

    /// `n` papers whose summaries all say "The models", each with a word of its own.
    fn list(n: usize) -> Library {
        let papers = (0..n)
            .map(|i| {
                let body = format!("The models of $x$ see own{i}. The model again.");
                summary(&format!("p{i}"), &format!("A model {i}"), &body)
            })
            .collect();
        Library::build(papers).0
    }

    #[test]
    fn a_long_list_leaves_the_common_words_out_of_the_summaries_only() {
        let lib = list(common::MIN_PAPERS);
        let (records, common) = records(&lib);
        assert_eq!(
            common.sorted(),
            ["again", "model", "models", "of", "see", "the"]
        );
        let r = records
            .iter()
            .find(|r| r.meta["title"] == "A model 7")
            .unwrap();
        let summary = r.content.split_once('\n').unwrap().1;
        assert_eq!(summary, "own7.", "{}", r.content);
        assert!(r.content.starts_with("A model 7. C B."), "{}", r.content);
        // The excerpt Pagefind would cut from that text does not read: results show this.
        assert_eq!(r.meta["first_sentence"], "The models of x see own7.");
    }

    #[test]
    fn a_short_list_indexes_whole_summaries_and_keeps_pagefind_excerpts() {
        let lib = list(common::MIN_PAPERS - 1);
        let (records, common) = records(&lib);
        assert!(common.is_empty());
        let r = records
            .iter()
            .find(|r| r.meta["title"] == "A model 7")
            .unwrap();
        assert!(
            r.content
                .ends_with("\nThe models of see own7. The model again."),
            "{}",
            r.content
        );
        assert!(!r.meta.contains_key("first_sentence"));
    }
}
