//! sitegen: a static site generator for paper-summary reading lists. This file is the pipeline
//! recipe (load → index → render → write) and the error type at the library boundary; the work
//! itself lives in the stage modules.

pub mod config;
pub mod content;
pub mod diag;
pub mod library;
