//! `sitegen import`: raw ShortScience dumps into `content/papers/<slug>.md` files.
//! (Stub: the importer issue fills this in.)

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

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

/// Imports `dumps` into `root/content/papers/`.
pub fn import(
    _root: &Path,
    _dumps: &[PathBuf],
    _opts: &ImportOptions,
) -> Result<ImportReport, crate::Error> {
    Err(crate::Error::Other("import is not yet implemented".into()))
}
