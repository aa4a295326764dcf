//! Builds for the dev server: one in-memory render per change, and the shared state (the last
//! good site, the current errors, the generation) that requests read. Nothing is written to disk
//! but the math cache.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use super::http::error_panel;
use crate::diag::Diagnostic;
use crate::{BuildOptions, Error};

/// The result of one build, ready to be swapped in.
pub(super) enum Outcome {
    Good {
        files: HashMap<String, Bytes>,
        warnings: Vec<Diagnostic>,
        papers: usize,
        elapsed: Duration,
    },
    Failed {
        diagnostics: Vec<Diagnostic>,
        /// A failure that is not a content diagnostic (broken template, unreadable file).
        infra: Option<Error>,
        elapsed: Duration,
    },
}

/// Renders the site in memory and reads the bytes of the files it copies as they are.
pub(super) fn build_once(opts: &BuildOptions) -> Outcome {
    let start = Instant::now();
    let rendered = match crate::render_site(opts) {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Failed {
                diagnostics: Vec::new(),
                infra: Some(e),
                elapsed: start.elapsed(),
            };
        }
    };
    // The next rebuild renders only expressions that are new since this one, as `build` does;
    // a cache that cannot be saved only costs time.
    if let Err(e) = rendered.store.save() {
        eprintln!("warning: render cache not saved: {e}");
    }
    let (errors, warnings): (Vec<_>, Vec<_>) = rendered
        .diagnostics
        .into_iter()
        .partition(Diagnostic::is_error);
    if !errors.is_empty() {
        return Outcome::Failed {
            diagnostics: errors,
            infra: None,
            elapsed: start.elapsed(),
        };
    }
    let output = rendered.output;
    let mut files: HashMap<String, Bytes> = output
        .files
        .into_iter()
        .map(|f| (f.path, Bytes::from(f.contents)))
        .collect();
    for (site_path, source) in output.copies {
        // A copy wins over a generated file of the same path, as in `output::write`.
        match std::fs::read(&source) {
            Ok(bytes) => {
                files.insert(site_path, Bytes::from(bytes));
            }
            Err(e) => {
                return Outcome::Failed {
                    diagnostics: Vec::new(),
                    infra: Some(Error::io(source, e)),
                    elapsed: start.elapsed(),
                };
            }
        }
    }
    Outcome::Good {
        files,
        warnings,
        papers: rendered.papers,
        elapsed: start.elapsed(),
    }
}

/// What the server shows, swapped as a whole after each build.
#[derive(Clone, Default)]
pub(super) struct Snapshot {
    /// The last good site: site path → bytes. None until a build succeeds.
    pub(super) site: Option<Arc<HashMap<String, Bytes>>>,
    /// The errors of the latest build, as an HTML fragment; None when it was good.
    pub(super) errors: Option<Arc<str>>,
    pub(super) error_count: usize,
    pub(super) generation: u64,
    pub(super) elapsed: Duration,
}

#[derive(Default)]
pub(super) struct Shared {
    pub(super) current: RwLock<Snapshot>,
}

impl Shared {
    pub(super) fn snapshot(&self) -> Snapshot {
        // A panic while holding the lock cannot leave a half-swapped snapshot: take it anyway.
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Swaps in a build's outcome and reports it in the terminal.
    pub(super) fn apply(&self, outcome: Outcome) {
        let mut next = self.snapshot();
        next.generation += 1;
        match outcome {
            Outcome::Good {
                files,
                warnings,
                papers,
                elapsed,
            } => {
                for w in &warnings {
                    eprintln!("{w}\n");
                }
                let warned = match warnings.len() {
                    0 => String::new(),
                    1 => ", 1 warning".to_owned(),
                    n => format!(", {n} warnings"),
                };
                println!(
                    "built {papers} papers ({} files) in {} ms{warned}",
                    files.len(),
                    elapsed.as_millis()
                );
                next.site = Some(Arc::new(files));
                next.errors = None;
                next.error_count = 0;
                next.elapsed = elapsed;
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
                let keeping = if next.site.is_some() {
                    "still serving the last good build"
                } else {
                    "nothing to serve until it is fixed"
                };
                eprintln!(
                    "build failed in {} ms with {} error{}; {keeping}",
                    elapsed.as_millis(),
                    messages.len(),
                    if messages.len() == 1 { "" } else { "s" }
                );
                next.error_count = messages.len();
                next.errors = Some(error_panel(&messages).into());
                next.elapsed = elapsed;
            }
        }
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
    }
}
