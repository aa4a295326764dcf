//! sitegen: a static site generator for paper-summary reading lists. This file is the pipeline
//! recipe (load → index → render → write) and the error type at the library boundary; the work
//! itself lives in the stage modules.

pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod library;
pub mod import;

use std::path::PathBuf;

/// Infrastructure failures (I/O, broken templates); content problems are `diag::Diagnostic`s.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
