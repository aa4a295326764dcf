//! Builds for the dev server: one in-memory render per change that renders again only the pages
//! whose inputs changed (the last good site and its dependency map are kept for that, and the
//! derived-work cache stays open between builds), and the shared state (the site served, the
//! current errors, the generation) that requests read. It must not write anything but the caches
//! beside the output folder, and it leaves the search index to `serve::background`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use super::http::error_panel;
use super::reload::{Reload, Reloader};
use super::sink::{Previous, ServeSink, SiteFiles, changed_paths, same};
use crate::cache::Store;
use crate::diag::Diagnostic;
use crate::index::Library;
use crate::{BuildOptions, Earlier, Error};

/// The result of one build, ready to be swapped in.
pub(super) enum Outcome {
    Good {
        /// Pages, site files and copies: everything but the search index.
        files: SiteFiles,
        warnings: Vec<Diagnostic>,
        papers: usize,
        /// Pages rendered, and pages kept from the last good build.
        rendered: usize,
        kept: usize,
        elapsed: Duration,
        /// What the search index is made from, for the background indexer (None: the site has
        /// no search).
        library: Option<Arc<Library>>,
        deps: crate::render::deps::DepMap,
    },
    Failed {
        diagnostics: Vec<Diagnostic>,
        /// A failure that is not a content diagnostic (broken template, unreadable file).
        infra: Option<Error>,
        elapsed: Duration,
    },
}

/// What the dev server keeps from one build to the next.
pub(super) struct Builder {
    opts: BuildOptions,
    /// The derived-work cache, read from disk once; `background` saves it.
    pub(super) store: Arc<Store>,
    /// The papers as last parsed and the last index: a save reads and parses only the files
    /// that changed, and an edit of summaries' text keeps the index.
    earlier: Earlier,
    /// Print each build's stage times.
    timings: bool,
    /// The last good build, when the build after it was good too (after a failure everything is
    /// rendered again).
    previous: Option<Previous>,
}

impl Builder {
    pub(super) fn new(opts: BuildOptions, timings: bool) -> Builder {
        let store = Arc::new(Store::open_derived(&opts.out_dir()));
        Builder {
            opts,
            store,
            earlier: Earlier::default(),
            timings,
            previous: None,
        }
    }

    pub(super) fn opts(&self) -> &BuildOptions {
        &self.opts
    }

    /// Renders the site in memory, keeping what the last good build says is unchanged, and reads
    /// the bytes of the files it copies as they are.
    pub(super) fn build(&mut self) -> Outcome {
        let start = Instant::now();
        let failed = |diagnostics, infra| Outcome::Failed {
            diagnostics,
            infra,
            elapsed: start.elapsed(),
        };
        let sink = ServeSink::new(self.previous.as_ref());
        let store = Some(Arc::clone(&self.store));
        let rendered = crate::render_pages(&self.opts, &sink, store, Some(&self.earlier), false);
        let (mut files, kept) = sink.into_files();
        let mut rendered = match rendered {
            Ok(r) => r,
            Err(e) => return failed(Vec::new(), Some(e)),
        };
        // Kept even when the build fails: it is the index of what was read, whatever came after.
        let library = Arc::new(std::mem::take(&mut rendered.library));
        self.earlier.library = Some(Arc::clone(&library));
        if self.timings {
            let stages: Vec<String> = (rendered.timings.0.iter())
                .map(|(stage, time)| format!("{stage} {:.1} ms", time.as_secs_f64() * 1000.0))
                .collect();
            eprintln!("stages: {}", stages.join(", "));
        }
        let (errors, warnings): (Vec<_>, Vec<_>) = rendered
            .diagnostics
            .into_iter()
            .partition(Diagnostic::is_error);
        if !errors.is_empty() {
            return failed(errors, None);
        }
        for (site_path, source) in rendered.output.copies {
            // A copy wins over a generated file of the same path, as in `output::write`.
            match std::fs::read(&source) {
                Ok(bytes) => {
                    files.insert(site_path, Bytes::from(bytes));
                }
                Err(e) => return failed(Vec::new(), Some(Error::io(source, e))),
            }
        }
        let search = rendered.config.as_ref().is_some_and(|c| c.search);
        Outcome::Good {
            files,
            warnings,
            papers: rendered.papers,
            rendered: rendered.pages.saturating_sub(kept),
            kept,
            elapsed: start.elapsed(),
            library: search.then_some(library),
            deps: rendered.deps,
        }
    }

    /// Remembers the site now served (None after a failed build) for the next build to keep
    /// pages of.
    pub(super) fn served(&mut self, site: Option<(Arc<SiteFiles>, crate::render::deps::DepMap)>) {
        self.previous = site.map(|(site, deps)| Previous { site, deps });
    }
}

/// What the server shows, swapped as a whole after each build.
#[derive(Clone, Default)]
pub(super) struct Snapshot {
    /// The last good site: site path → bytes. None until a build succeeds.
    pub(super) site: Option<Arc<SiteFiles>>,
    /// The search index files in `site`, kept across builds until the indexer replaces them.
    pub(super) search: Arc<SiteFiles>,
    /// The errors of the latest build, as an HTML fragment; None when it was good.
    pub(super) errors: Option<Arc<str>>,
    pub(super) error_count: usize,
    pub(super) generation: u64,
    pub(super) elapsed: Duration,
    /// Pages the latest good build rendered, and pages it kept from the one before.
    pub(super) rendered: usize,
    pub(super) kept: usize,
}

#[derive(Default)]
pub(super) struct Shared {
    pub(super) current: RwLock<Snapshot>,
    /// The open live-reload streams.
    pub(super) reloader: Reloader,
}

/// A good build as `Shared::apply` swaps it in.
pub(super) struct Applied {
    pub(super) generation: u64,
    pub(super) reload: Reload,
    /// The site now served and its dependency map, for the next build; None after a failure.
    pub(super) site: Option<(Arc<SiteFiles>, crate::render::deps::DepMap)>,
    /// What to index for search; None after a failure, or when the site has no search.
    pub(super) library: Option<Arc<Library>>,
}

impl Shared {
    pub(super) fn snapshot(&self) -> Snapshot {
        // A panic while holding the lock cannot leave a half-swapped snapshot: take it anyway.
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Snapshot> {
        self.current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Swaps in a build's outcome (with the search files served so far), reports it in the
    /// terminal, and says which pages must reload.
    pub(super) fn apply(&self, outcome: Outcome) -> Applied {
        match outcome {
            Outcome::Good {
                mut files,
                warnings,
                papers,
                rendered,
                kept,
                elapsed,
                library,
                deps,
            } => {
                for w in &warnings {
                    eprintln!("{w}\n");
                }
                let warned = match warnings.len() {
                    0 => String::new(),
                    1 => ", 1 warning".to_owned(),
                    n => format!(", {n} warnings"),
                };
                let mut current = self.write();
                if library.is_none() {
                    // Search was turned off: the index served so far goes.
                    current.search = Arc::default();
                }
                for (path, bytes) in current.search.iter() {
                    files.entry(path.clone()).or_insert_with(|| bytes.clone());
                }
                let site = Arc::new(files);
                // After a failure every tab reloads, so the error panel goes away everywhere.
                let reload = match (&current.site, &current.errors) {
                    (Some(old), None) => Reload::Pages(changed_paths(old, &site)),
                    _ => Reload::All,
                };
                current.generation += 1;
                current.site = Some(Arc::clone(&site));
                current.errors = None;
                current.error_count = 0;
                current.elapsed = elapsed;
                current.rendered = rendered;
                current.kept = kept;
                let generation = current.generation;
                drop(current);
                println!(
                    "built {papers} papers ({} files; {rendered} pages rendered, {kept} kept) in \
                     {} ms{warned}",
                    site.len(),
                    elapsed.as_millis()
                );
                Applied {
                    generation,
                    reload,
                    site: Some((site, deps)),
                    library,
                }
            }
            Outcome::Failed {
                diagnostics,
                infra,
                elapsed,
            } => {
                let mut messages: Vec<String> =
                    diagnostics.iter().map(ToString::to_string).collect();
                if let Some(e) = infra {
                    messages.push(format!("error: {e}"));
                }
                for m in &messages {
                    eprintln!("{m}\n");
                }
                let mut current = self.write();
                current.generation += 1;
                current.error_count = messages.len();
                current.errors = Some(error_panel(&messages).into());
                current.elapsed = elapsed;
                let generation = current.generation;
                let keeping = if current.site.is_some() {
                    "still serving the last good build"
                } else {
                    "nothing to serve until it is fixed"
                };
                drop(current);
                eprintln!(
                    "build failed in {} ms with {} error{}; {keeping}",
                    elapsed.as_millis(),
                    messages.len(),
                    if messages.len() == 1 { "" } else { "s" }
                );
                Applied {
                    generation,
                    reload: Reload::All,
                    site: None,
                    library: None,
                }
            }
        }
    }

    /// Replaces the search index files of the site served with `search` (no reload: pages load
    /// the index when a search starts).
    pub(super) fn swap_search(&self, search: SiteFiles) {
        let mut current = self.write();
        if let Some(site) = &current.site {
            let mut files: SiteFiles = HashMap::clone(site);
            for (path, bytes) in current.search.iter() {
                // A copy of the site's own at the same path stays.
                if files.get(path).is_some_and(|b| same(b, bytes)) {
                    files.remove(path);
                }
            }
            for (path, bytes) in &search {
                files.entry(path.clone()).or_insert_with(|| bytes.clone());
            }
            current.site = Some(Arc::new(files));
        }
        current.search = Arc::new(search);
    }
}
