//! sitegen: a static site generator for paper-summary reading lists. This file is the pipeline
//! recipe (load → index → render → write) and the error type at the library boundary; the work
//! itself lives in the stage modules.

pub mod cache;
pub mod check;
pub mod cli;
pub mod diag;
pub mod import;
pub mod index;
pub mod load;
pub mod markdown;
pub mod math;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

use rayon::prelude::*;
use std::time::{Duration, Instant};

use diag::{Diagnostic, Severity};
use load::config::Config;
use load::content;
use render::OutputFile;

/// Infrastructure failures (I/O, broken templates); content problems are `diag::Diagnostic`s.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Template(#[from] render::TemplateError),
    /// The configured math engine cannot start (not compiled in, bad options).
    #[error("{0}")]
    MathEngine(String),
    /// A command that needs a site was pointed at a folder without `sitegen.toml`.
    #[error(
        "{} is not a sitegen site (it has no sitegen.toml): pass the site's folder with \
         --root DIR, or start a new site with `sitegen init DIR`",
        folder_name(root)
    )]
    NotASite { root: PathBuf },
    #[error("{path}: refusing to write the site here: {reason}")]
    UnsafeOutput { path: PathBuf, reason: String },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{ports} already in use on {ip}; stop the other server or choose a free port with --port"
    )]
    PortsInUse { ip: std::net::IpAddr, ports: String },
    #[error("cannot watch {}: {source}", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify_debouncer_full::notify::Error,
    },
    #[error("cannot listen for Ctrl-C: {0}")]
    Signal(#[source] std::io::Error),
    /// Pagefind could not index the records.
    #[error("search index: {0}")]
    Search(String),
    #[error("the first build stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// How an error names a folder: `.`, the default `--root`, reads better in words.
fn folder_name(root: &Path) -> String {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        "the current folder".to_owned()
    } else {
        root.display().to_string()
    }
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// What `sitegen build` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `ROOT/public`.
    pub out: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Warnings count as errors.
    pub strict: bool,
    /// Overrides `[math] engine` of sitegen.toml.
    pub math_engine: Option<load::config::MathEngine>,
}

impl BuildOptions {
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a build did. `written` is false when content errors stopped it.
#[derive(Debug)]
pub struct BuildReport {
    pub papers: usize,
    pub pages: usize,
    pub files: usize,
    /// Pages kept from the last build (nothing they show changed) instead of rendered.
    pub pages_kept: usize,
    pub elapsed: Duration,
    pub diagnostics: Vec<Diagnostic>,
    pub written: bool,
    /// Distinct math expressions KaTeX rendered in this build, and those found in the cache.
    pub math_rendered: usize,
    pub math_cached: usize,
    /// Warnings about the build rather than a content file (e.g. KaTeX CSS from a CDN).
    pub notes: Vec<String>,
    /// Wall time of each stage, in pipeline order (`sitegen build --timings`).
    pub timings: Timings,
}

/// Wall time per stage of a build, in the order they ran.
#[derive(Debug, Clone, Default)]
pub struct Timings(pub Vec<(&'static str, Duration)>);

impl Timings {
    /// Records the time since `since` under `stage` and restarts the clock.
    fn lap(&mut self, stage: &'static str, since: &mut Instant) {
        let now = Instant::now();
        self.0.push((stage, now - *since));
        *since = now;
    }
}

impl BuildReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors() + self.notes.len()
    }
}

/// What a long-running process (the dev server) keeps from one build for the next.
#[derive(Default)]
pub struct Earlier {
    /// The papers as last parsed: a rebuild reads and parses only the files that changed.
    pub papers: load::reread::Reread,
    /// The last index: a rebuild after edits to summaries' text only starts from it.
    pub library: Option<Arc<index::Library>>,
    /// The last build's analyses by file, with the paper and the `math_brackets` setting they
    /// were made from: taking 1,000 of them from the on-disk cache (decompressing, decoding)
    /// was a tenth of a rebuild.
    analysed: std::sync::Mutex<HashMap<PathBuf, Analysed>>,
}

/// A paper as parsed, whether `\(..\)` brackets were math, and its summaries' analyses.
type Analysed = (Arc<content::SourcePaper>, bool, markdown::Analyses);

impl Earlier {
    /// The analyses the last build kept, taken out for this one to look up without a lock.
    fn take_analysed(&self) -> HashMap<PathBuf, Analysed> {
        std::mem::take(&mut *self.analysed.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Keeps this build's analyses for the next.
    fn keep_analysed(&self, analysed: HashMap<PathBuf, Analysed>) {
        *self.analysed.lock().unwrap_or_else(PoisonError::into_inner) = analysed;
    }
}

/// A rendered site held in memory, before it is written.
pub struct Rendered {
    pub output: output::SiteOutput,
    /// What was rendered, for checks that look at the site as a whole.
    pub library: index::Library,
    pub config: Option<Config>,
    pub papers: usize,
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// Pre-rendered math and the KaTeX assets.
    pub math: math::MathBuild,
    /// The search index, to keep in the cache when it was built afresh.
    pub search: Option<search::SearchBuild>,
    /// Work derived from summaries (math, highlighted code), saved by `build` and `serve`.
    pub store: Arc<cache::Store>,
    /// Which pages show which paper, for the next incremental build.
    pub deps: render::deps::DepMap,
    pub timings: Timings,
}

/// Reads `sitegen.toml` of `root`.
pub fn load_config(
    root: &Path,
    base_url: Option<&str>,
) -> Result<Config, Result<Diagnostic, Error>> {
    let path = root.join("sitegen.toml");
    let bytes = std::fs::read(&path).map_err(|e| {
        Err(match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotASite {
                root: root.to_path_buf(),
            },
            _ => Error::io(&path, e),
        })
    })?;
    let text = load::decode(Path::new("sitegen.toml"), bytes).map_err(|d| Ok(*d))?;
    Config::from_toml(Path::new("sitegen.toml"), &text, base_url).map_err(|d| Ok(*d))
}

/// Load, index and render the site at `root` into memory, writing nothing (`check`, `serve`).
pub fn render_site(opts: &BuildOptions) -> Result<Rendered, Error> {
    let sink = render::MemorySink::default();
    let mut rendered = render_into(opts, &sink)?;
    rendered.output.files = sink.into_files();
    Ok(rendered)
}

/// Load, index and render the site at `root`, each file going to `sink` as soon as it is made,
/// search index included; `Rendered::output` keeps only the files to copy.
pub fn render_into(opts: &BuildOptions, sink: &dyn render::Sink) -> Result<Rendered, Error> {
    render_pages(opts, sink, None, None, true)
}

/// Load, index and render the site at `root` into `sink`. The search index comes along when
/// `with_search` is set; `serve` leaves it out and indexes after the browser has reloaded.
/// `store` is the derived-work cache to use; None opens the one on disk beside the output
/// folder. `earlier` is what earlier builds of the same process left.
pub fn render_pages(
    opts: &BuildOptions,
    sink: &dyn render::Sink,
    store: Option<Arc<cache::Store>>,
    earlier: Option<&Earlier>,
    with_search: bool,
) -> Result<Rendered, Error> {
    let config = match load_config(&opts.root, opts.base_url.as_deref()) {
        Ok(config) => config,
        Err(Ok(diag)) => return Ok(Rendered::without_config(diag)),
        Err(Err(e)) => return Err(e),
    };
    let mut config = config;
    if let Some(engine) = opts.math_engine {
        config.math_engine = engine;
    }
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let reread = earlier.map(|e| &e.papers);
    let (sources, mut diagnostics) = content::load_again(&opts.root, opts.drafts, reread)
        .map_err(|e| Error::io(&opts.root, e))?;
    timings.lap("load", &mut clock);
    let store = store.unwrap_or_else(|| Arc::new(cache::Store::open_derived(&opts.out_dir())));
    let (lib, analyses) = analyse_and_index(
        sources.papers,
        earlier,
        config.math_brackets,
        &store,
        &mut timings,
        &mut clock,
        &mut diagnostics,
    );
    let out_dir = opts.out_dir();
    // Pagefind indexes on one thread and needs nothing but the library, so on a cold build it
    // runs beside math and pages instead of after them (10,000 papers, 2 cores: 10.6 s instead
    // of 11.3 with katex-rs, 24.6 s instead of 27.8 with the default engine).
    let (pages, search) = std::thread::scope(|s| {
        let search = (with_search && config.search).then(|| {
            s.spawn(|| {
                let start = Instant::now();
                search::build(&lib, &out_dir, sink).map(|b| (b, start.elapsed()))
            })
        });
        let stages = Stages {
            config: &config,
            templates: &sources.templates,
            store: &store,
            sink,
            timings: &mut timings,
            clock: &mut clock,
        };
        let pages = render_library(&opts.root, &lib, &analyses, stages, &mut diagnostics);
        let search = search.map(|h| h.join().unwrap_or_else(|_| Err(search::stopped())));
        (pages, search.transpose())
    });
    let (math, mut deps, pages) = pages?;
    let search = search?.map(|(search, elapsed)| {
        // Its own wall time: it overlapped the stages before it.
        timings.0.push((search.stage, elapsed));
        deps.search.clone_from(&search.key);
        search
    });
    if opts.strict {
        for d in &mut diagnostics {
            d.severity = Severity::Error;
        }
    }
    diag::sort(&mut diagnostics);
    // The site's own static files win over KaTeX's of the same path.
    let mut copies = math.copies.clone();
    copies.extend(sources.static_files);
    Ok(Rendered {
        output: output::SiteOutput {
            files: Vec::new(),
            copies,
        },
        papers: lib.papers.len(),
        library: lib,
        config: Some(config),
        pages,
        diagnostics,
        math,
        search,
        store,
        deps,
        timings,
    })
}

/// What the stages after the index share.
struct Stages<'a> {
    config: &'a Config,
    templates: &'a std::collections::BTreeMap<String, String>,
    store: &'a Arc<cache::Store>,
    sink: &'a dyn render::Sink,
    timings: &'a mut Timings,
    clock: &'a mut Instant,
}

/// Math, pages and the site's other files of an indexed library, into the sink. Laps
/// `templates`, `math (cache, render)`, `pages` and `site files`; returns the math, the
/// dependency map and the number of pages.
fn render_library(
    root: &Path,
    lib: &index::Library,
    analyses: &[markdown::Analyses],
    st: Stages,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(math::MathBuild, render::deps::DepMap, usize), Error> {
    let (config, store, sink) = (st.config, st.store, st.sink);
    let tera = render::templates(st.templates)?;
    let highlighter = markdown::Highlighter::with_cache(store.clone());
    st.timings.lap("templates", st.clock);
    let exprs = analyses
        .iter()
        .flat_map(|a| a.iter())
        .flat_map(|a| a.math.iter().cloned())
        .collect();
    // Every expression is rendered (or taken from the cache) here, in parallel, so the page
    // pass below only looks them up.
    let math = math::prepare(root, config, exprs, store.clone())?;
    st.timings.lap("math (cache, render)", st.clock);
    let md = markdown::MarkdownContext {
        highlighter: &highlighter,
        math: match &math.prerendered {
            Some(prerendered) => prerendered,
            None => &markdown::TexPassthrough,
        },
        cites: None,
        raw_html: config.raw_html,
        brackets: config.math_brackets,
        base_path: config.base_path(),
    };
    let assets = render::Assets {
        math_css: math.css.clone(),
        math_css_integrity: math.css_integrity.clone(),
    };
    let global = fingerprint(config, st.templates, &assets);
    // Related papers serve the dependency map and the paper pages; most builds find them cached.
    lib.related_cached(store);
    let mut deps = render::deps::DepMap::new(lib, analyses, &global);
    sink.plan(&deps);
    let report = render::render_site(lib, analyses, config, &tera, &md, &assets, sink)?;
    st.timings.lap("pages", st.clock);
    deps.mark_warned(lib, &report.warned);
    diagnostics.extend(report.diagnostics);
    put_site_files(sink, lib, config)?;
    st.timings.lap("site files", st.clock);
    Ok((math, deps, report.pages))
}

/// Analyses every summary (or takes its analysis from `store`), then indexes the papers with the
/// citations found there; the analyses come back in library order. From `earlier`, papers
/// unchanged since keep their analyses, and the index is kept when only summaries' text changed.
/// Laps `analyse` and `index`.
fn analyse_and_index(
    papers: Vec<Arc<content::SourcePaper>>,
    earlier: Option<&Earlier>,
    brackets: bool,
    store: &cache::Store,
    timings: &mut Timings,
    clock: &mut Instant,
    diagnostics: &mut Vec<Diagnostic>,
) -> (index::Library, Vec<markdown::Analyses>) {
    let before = earlier.map(Earlier::take_analysed).unwrap_or_default();
    // Each summary is analysed once: its citations serve the index, its math the math
    // pre-pass, its headings and excerpt the pages.
    let mut by_path: HashMap<PathBuf, markdown::Analyses> = papers
        .par_iter()
        .map(|p| {
            let kept = before
                .get(&p.path)
                .filter(|(source, b, _)| Arc::ptr_eq(source, p) && *b == brackets);
            let analyses = match kept {
                Some((_, _, analyses)) => Arc::clone(analyses),
                None => Arc::new(
                    p.summaries()
                        .map(|(_, text)| markdown::analyze_cached(text, brackets, store))
                        .collect(),
                ),
            };
            (p.path.clone(), analyses)
        })
        .collect();
    if let Some(e) = earlier {
        let now = papers.iter().map(|p| {
            let analyses = Arc::clone(&by_path[&p.path]);
            (p.path.clone(), (Arc::clone(p), brackets, analyses))
        });
        e.keep_analysed(now.collect());
    }
    timings.lap("analyse", clock);
    let library = earlier.and_then(|e| e.library.as_deref());
    let (lib, mut index_diags) = index::Library::update(library, papers, &|p| {
        let summaries = p.summaries().zip(by_path[&p.path].iter());
        summaries
            .flat_map(|((offset, _), a)| a.citations.iter().map(move |c| c.shifted(offset)))
            .collect()
    });
    timings.lap("index", clock);
    diagnostics.append(&mut index_diags);
    let analyses = lib
        .papers
        .iter()
        .map(|p| by_path.remove(&p.source.path).unwrap_or_default())
        .collect();
    (lib, analyses)
}

/// Everything every page shares: a change here renders every page again.
fn fingerprint(
    config: &Config,
    templates: &std::collections::BTreeMap<String, String>,
    assets: &render::Assets,
) -> [u8; 32] {
    // The built-in templates too: a sitegen built from changed sources keeps its version number.
    // So does the markup of code blocks, which the highlight cache's namespace names.
    let text = format!(
        "{} {} {:?} {config:?} {templates:?} {:?} {:?}",
        env!("CARGO_PKG_VERSION"),
        markdown::highlight::CACHE_NAMESPACE,
        render::BUILTIN_TEMPLATES,
        assets.math_css,
        assets.math_css_integrity
    );
    *blake3::hash(text.as_bytes()).as_bytes()
}

/// The files of every site besides its pages: the bibliography, stylesheets, markers.
fn put_site_files(
    sink: &dyn render::Sink,
    lib: &index::Library,
    config: &Config,
) -> Result<(), Error> {
    if !sink.keep(&render::Route::Bibliography.file())? {
        sink.put(render::library_bib(lib))?;
    }
    sink.put(generated("style.css", include_str!("../static/style.css")))?;
    sink.put(generated("highlight.css", markdown::Highlighter::css()))?;
    sink.put(generated(
        &render::Route::Favicon.file(),
        include_str!("../static/favicon.svg"),
    ))?;
    sink.put(generated(
        &render::Route::Script.file(),
        include_str!("../static/site.js"),
    ))?;
    sink.put(generated(output::NOJEKYLL, ""))?;
    if let Some(cname) = &config.cname {
        sink.put(generated("CNAME", &format!("{cname}\n")))?;
    }
    Ok(())
}

fn generated(path: &str, text: &str) -> OutputFile {
    OutputFile {
        path: path.to_owned(),
        contents: text.as_bytes().to_vec(),
    }
}

/// `sitegen build`: renders the site straight into a temporary tree beside the output folder
/// and, when there is no error, swaps it in.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let start = Instant::now();
    let writer = output::TreeWriter::begin(&opts.root, &opts.out_dir())?;
    let mut rendered = render_into(opts, &writer)?;
    let mut clock = Instant::now();
    let written = !rendered.diagnostics.iter().any(Diagnostic::is_error);
    let mut done = output::Written::default();
    if written {
        done = writer.finish(&rendered.output.copies, &rendered.deps)?;
        rendered.timings.lap("copy, swap", &mut clock);
    } else {
        drop(writer);
    }
    let mut notes = rendered.math.notes.clone();
    // Even a failed build keeps its rendered math for the next one; a cache that cannot be
    // written only costs time, so it is a warning, not a failure.
    if let Err(e) = rendered.store.save() {
        notes.push(format!("render cache not saved: {e}"));
    }
    rendered.timings.lap("save cache", &mut clock);
    if let Some(Err(e)) = rendered.search.as_ref().map(search::save_cache) {
        notes.push(format!("search index cache not saved: {e}"));
    }
    let mut report = rendered.into_report(written, start, notes);
    report.files = done.files;
    report.pages_kept = done.kept;
    Ok(report)
}

impl Rendered {
    /// What a site without a readable `sitegen.toml` renders: nothing but the reason.
    fn without_config(diag: Diagnostic) -> Rendered {
        Rendered {
            output: output::SiteOutput::default(),
            library: index::Library::default(),
            config: None,
            papers: 0,
            pages: 0,
            diagnostics: vec![diag],
            math: math::MathBuild::default(),
            search: None,
            store: Arc::new(cache::Store::in_memory()),
            deps: render::deps::DepMap::default(),
            timings: Timings::default(),
        }
    }

    fn into_report(self, written: bool, start: Instant, notes: Vec<String>) -> BuildReport {
        BuildReport {
            papers: self.papers,
            pages: self.pages,
            files: self.output.len(),
            pages_kept: 0,
            elapsed: start.elapsed(),
            diagnostics: self.diagnostics,
            written,
            math_rendered: self.math.rendered(),
            math_cached: self.math.cached(),
            notes,
            timings: self.timings,
        }
    }
}

/// `sitegen check`: everything `build` validates, plus every internal link, anchor and local
/// image of the rendered pages; writes nothing.
pub fn check(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let start = Instant::now();
    let mut rendered = render_site(opts)?;
    if let Some(config) = &rendered.config {
        let mut links = check::check_links(&rendered.library, config, &rendered.output);
        rendered.diagnostics.append(&mut links);
        diag::sort(&mut rendered.diagnostics);
    }
    let notes = rendered.math.notes.clone();
    Ok(rendered.into_report(false, start, notes))
}
