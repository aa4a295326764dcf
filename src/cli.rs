//! Command-line interface: the clap definitions of every command and flag. It only describes
//! arguments; running them is `main`'s job and the work is the library's.

use std::path::PathBuf;

use crate::load::config::MathEngine;

use clap::{Args, Parser, Subcommand};

/// A static site generator for paper-summary reading lists.
#[derive(Debug, Parser)]
#[command(name = "sitegen", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct RootArg {
    /// The site: the folder holding sitegen.toml, content/, templates/ and static/.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (ROOT/public by default).
    Build(BuildArgs),
    /// Build, serve and live-reload the site while you write.
    Serve(ServeArgs),
    /// Turn raw ShortScience-style summary dumps into content/papers/<slug>.md files.
    Import(ImportArgs),
    /// Write a new, empty summary file and print its path.
    New(NewArgs),
    /// Start a new reading-list site in an empty (or new) folder.
    Init(InitArgs),
    /// Validate everything the build validates (and links), writing nothing.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Where to write the site [default: ROOT/public].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override `base_url` of sitegen.toml (e.g. https://user.github.io/reading-list/).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Include papers marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Treat warnings (unresolved citations, math errors) as errors.
    #[arg(long)]
    pub strict: bool,
    /// Print the time each stage of the build took.
    #[arg(long)]
    pub timings: bool,
    /// Override `[math] engine` of sitegen.toml.
    #[arg(long, value_enum)]
    pub math_engine: Option<MathEngine>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Port to listen on.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to bind; loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Open the site in a browser.
    #[arg(long)]
    pub open: bool,
    /// Include papers marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Print the time each stage of every rebuild took.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Dump files to import.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub root: RootArg,
    /// Report what would change, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite files that were edited by hand.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The paper's title.
    pub title: String,
    /// An author, "Last, First" (repeat for several).
    #[arg(long = "author", required = true)]
    pub authors: Vec<String>,
    /// Where it was published, e.g. "International Conference on Machine Learning".
    #[arg(long)]
    pub venue: Option<String>,
    /// The publication year (read from --arxiv when not given).
    #[arg(long, required_unless_present = "arxiv")]
    pub year: Option<i32>,
    /// The arXiv identifier (e.g. 1706.03762): gives the year and, without --url, the link.
    #[arg(long, value_name = "ID")]
    pub arxiv: Option<String>,
    /// A keyword (repeat for several).
    #[arg(long = "keyword")]
    pub keywords: Vec<String>,
    /// A link to the paper.
    #[arg(long)]
    pub url: Option<String>,
    #[command(flatten)]
    pub root: RootArg,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder for the new site; it must be empty or not exist yet.
    pub dir: PathBuf,
    /// The site's title.
    #[arg(long, default_value = "My reading list")]
    pub title: String,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Check the site as built with this `base_url` (e.g. https://user.github.io/reading-list/).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Include papers marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Override `[math] engine` of sitegen.toml.
    #[arg(long, value_enum)]
    pub math_engine: Option<MathEngine>,
}
