//! `sitegen serve`: owns the development server and the file watcher. It keeps the last good
//! build in memory and serves only that (so no request can reach a file outside the site), shows
//! build errors in the browser and the terminal, and pushes live reloads. It must not render or
//! write the site itself: every build goes through `crate::render_site`, and nothing is written.
//!
//! Internal routes live under `/__sitegen/`: `/__sitegen/livereload/event-stream` is the
//! live-reload event stream (tower-livereload sends `event: reload` after every rebuild, good or
//! failed) and `/__sitegen/status` reports the build generation as JSON for scripts and tests.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_livereload::{LiveReloadLayer, Reloader};

use crate::diag::Diagnostic;
use crate::markdown::escape_html;
use crate::{BuildOptions, Error};

/// Prefix of the routes the server answers itself instead of the site.
pub const INTERNAL_PREFIX: &str = "/__sitegen/";
/// Where tower-livereload serves its event stream (under this prefix + `/event-stream`).
pub const LIVERELOAD_PREFIX: &str = "/__sitegen/livereload";
/// Folders of the site root that trigger a rebuild when anything in them changes.
const WATCHED_DIRS: [&str; 3] = ["content", "templates", "static"];
/// How many ports after the asked one are tried when it is busy.
pub const DEFAULT_PORT_ATTEMPTS: u16 = 10;

/// What `sitegen serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks any free port (tests).
    pub port: u16,
    /// Ports tried from `port` on when it is in use (1: only `port`).
    pub port_attempts: u16,
    pub drafts: bool,
    /// How long the watcher waits for a burst of file events to settle before rebuilding.
    pub debounce: Duration,
}

impl ServeOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ServeOptions {
            root: root.into(),
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 1111,
            port_attempts: DEFAULT_PORT_ATTEMPTS,
            drafts: false,
            debounce: Duration::from_millis(100),
        }
    }
}

/// A running server: its address, and the way to stop it.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop_http: Option<oneshot::Sender<()>>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    stop_watch: mpsc::Sender<WatchMsg>,
    watch: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address to open in a browser.
    pub fn url(&self) -> String {
        local_base_url(self.addr)
    }

    /// Number of builds done so far (the first build is generation 1).
    pub fn generation(&self) -> u64 {
        self.shared.snapshot().generation
    }

    /// Stops watching and serving. Open live-reload streams never end by themselves, so
    /// connections still open after a grace period are dropped.
    pub async fn shutdown(mut self) {
        let _ = self.stop_watch.send(WatchMsg::Stop);
        if let Some(stop) = self.stop_http.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(Duration::from_millis(500), &mut self.http)
            .await
            .is_err()
        {
            self.http.abort();
        }
        if let Some(watch) = self.watch.take() {
            // The watcher may be in the middle of a rebuild; wait for it off the async threads.
            let _ = tokio::task::spawn_blocking(move || watch.join()).await;
        }
    }
}

/// `sitegen serve` from the command line: starts, prints the URL, optionally opens a browser,
/// and runs until Ctrl-C.
pub async fn run(opts: ServeOptions, open: bool) -> Result<(), Error> {
    if !opts.bind.is_loopback() {
        println!(
            "note: listening on {}: the site is reachable from your network",
            opts.bind
        );
    }
    let server = start(opts).await?;
    println!("serving {} (Ctrl-C to stop)", server.url());
    if open {
        open_browser(&server.url());
    }
    let signal = tokio::signal::ctrl_c().await;
    println!("stopping");
    server.shutdown().await;
    signal.map_err(|e| Error::Other(format!("cannot listen for Ctrl-C: {e}")))
}

/// Binds, builds the site once, starts watching and serving. A first build with content errors
/// still starts (the page shows the errors); a root without `sitegen.toml` does not.
pub async fn start(opts: ServeOptions) -> Result<Server, Error> {
    let root = std::fs::canonicalize(&opts.root).map_err(|e| Error::io(&opts.root, e))?;
    let config = root.join("sitegen.toml");
    if !config.is_file() {
        return Err(Error::Other(format!(
            "{}: no sitegen.toml here; pass the site folder with --root",
            root.display()
        )));
    }
    let listener = bind(opts.bind, opts.port, opts.port_attempts).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Other(format!("cannot read the listening address: {e}")))?;
    let build_opts = BuildOptions {
        root: root.clone(),
        out: None,
        // Links must point at this server, whatever prefix the published site lives under.
        base_url: Some(local_base_url(addr)),
        drafts: opts.drafts,
        strict: false,
        math_engine: None,
    };

    let shared = Arc::new(Shared::default());
    let first = {
        let build_opts = build_opts.clone();
        tokio::task::spawn_blocking(move || build_once(&build_opts))
            .await
            .map_err(|e| Error::Other(format!("the first build stopped: {e}")))?
    };
    let first = match first {
        // An unreadable site is not something the browser page can help with.
        Outcome::Failed {
            infra: Some(e @ Error::Io { .. }),
            ..
        } => return Err(e),
        other => other,
    };
    shared.apply(first);

    let livereload = LiveReloadLayer::new().custom_prefix(LIVERELOAD_PREFIX);
    let reloader = livereload.reloader();
    let (stop_watch, watch) = start_watcher(
        root,
        opts.debounce,
        build_opts,
        Arc::clone(&shared),
        reloader,
    )?;

    let app = Router::new()
        .fallback(handle)
        .with_state(Arc::clone(&shared))
        .layer(livereload);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let http = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    Ok(Server {
        addr,
        shared,
        stop_http: Some(stop_tx),
        http,
        stop_watch,
        watch: Some(watch),
    })
}

/// `http://127.0.0.1:1111/` for the bound address; an unspecified bind (0.0.0.0) is reached
/// locally through loopback.
fn local_base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::from([127, 0, 0, 1]),
        ip if ip.is_unspecified() => IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, addr.port()))
}

/// Binds `ip:port`, or the next free port among `attempts`, saying so when it moved.
async fn bind(ip: IpAddr, port: u16, attempts: u16) -> Result<TcpListener, Error> {
    let attempts = if port == 0 { 1 } else { attempts.max(1) };
    let last = port.saturating_add(attempts - 1);
    for p in port..=last {
        match TcpListener::bind((ip, p)).await {
            Ok(listener) => {
                if p != port {
                    println!("port {port} is in use; serving on port {p} instead");
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => {
                return Err(Error::Other(format!(
                    "cannot listen on {}: {e}",
                    SocketAddr::new(ip, p)
                )));
            }
        }
    }
    let ports = if last == port {
        format!("port {port} is")
    } else {
        format!("ports {port} to {last} are")
    };
    Err(Error::Other(format!(
        "{ports} already in use on {ip}; stop the other server or choose a free port with --port"
    )))
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    // Best effort: the URL is printed anyway.
    if let Err(e) = std::process::Command::new(program)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        println!("could not open a browser ({program}: {e}); open {url} yourself");
    }
}

// ---------------------------------------------------------------------------------------------
// Builds

/// The result of one build, ready to be swapped in.
enum Outcome {
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
fn build_once(opts: &BuildOptions) -> Outcome {
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
    if let Err(e) = crate::math_build::save_cache(&rendered.math) {
        eprintln!("warning: math render cache not saved: {e}");
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
struct Snapshot {
    /// The last good site: site path → bytes. None until a build succeeds.
    site: Option<Arc<HashMap<String, Bytes>>>,
    /// The errors of the latest build, as an HTML fragment; None when it was good.
    errors: Option<Arc<str>>,
    error_count: usize,
    generation: u64,
    elapsed: Duration,
}

#[derive(Default)]
struct Shared {
    current: RwLock<Snapshot>,
}

impl Shared {
    fn snapshot(&self) -> Snapshot {
        // A panic while holding the lock cannot leave a half-swapped snapshot: take it anyway.
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Swaps in a build's outcome and reports it in the terminal.
    fn apply(&self, outcome: Outcome) {
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

// ---------------------------------------------------------------------------------------------
// Watching

enum WatchMsg {
    Fs(DebounceEventResult),
    Stop,
}

/// Starts the watcher thread: it waits for debounced file events, rebuilds once per burst
/// (events that arrive during a rebuild are merged into the next one), swaps the result in and
/// tells open pages to reload. It runs on its own thread because a build is blocking work.
fn start_watcher(
    root: PathBuf,
    debounce: Duration,
    build_opts: BuildOptions,
    shared: Arc<Shared>,
    reloader: Reloader,
) -> Result<(mpsc::Sender<WatchMsg>, std::thread::JoinHandle<()>), Error> {
    let (tx, rx) = mpsc::channel::<WatchMsg>();
    let events = tx.clone();
    let mut debouncer = new_debouncer(debounce, None, move |res: DebounceEventResult| {
        let _ = events.send(WatchMsg::Fs(res));
    })
    .map_err(|e| Error::Other(format!("cannot watch {}: {e}", root.display())))?;
    // The root itself, not recursively: it holds sitegen.toml, and a watched folder created later.
    debouncer
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| Error::Other(format!("cannot watch {}: {e}", root.display())))?;
    let mut watched = BTreeSet::new();
    watch_dirs(&mut debouncer, &root, &mut watched, &[]);

    let thread = std::thread::Builder::new()
        .name("sitegen-watch".into())
        .spawn(move || {
            let mut stop = false;
            while !stop {
                let Ok(msg) = rx.recv() else { break };
                let mut changed = BTreeSet::new();
                let handle_msg = |msg: WatchMsg, changed: &mut BTreeSet<PathBuf>| match msg {
                    WatchMsg::Stop => true,
                    WatchMsg::Fs(Ok(events)) => {
                        for event in events {
                            if matches!(event.kind, EventKind::Access(_)) {
                                // Reads, including the build's own: never a reason to rebuild.
                                continue;
                            }
                            changed.extend(
                                event
                                    .paths
                                    .iter()
                                    .filter(|p| is_relevant(&root, p))
                                    .cloned(),
                            );
                        }
                        false
                    }
                    WatchMsg::Fs(Err(errors)) => {
                        for e in errors {
                            eprintln!("watch error: {e}");
                        }
                        false
                    }
                };
                stop |= handle_msg(msg, &mut changed);
                // Whatever queued up meanwhile (a burst, or saves during the last rebuild)
                // goes into this one rebuild.
                while let Ok(msg) = rx.try_recv() {
                    stop |= handle_msg(msg, &mut changed);
                }
                if stop || changed.is_empty() {
                    continue;
                }
                let touched: Vec<PathBuf> = changed.into_iter().collect();
                watch_dirs(&mut debouncer, &root, &mut watched, &touched);
                let names: Vec<String> = touched
                    .iter()
                    .take(3)
                    .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
                    .collect();
                let more = touched.len().saturating_sub(names.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                println!("changed: {}{more}", names.join(", "));
                shared.apply(build_once(&build_opts));
                reloader.reload();
            }
            drop(debouncer);
        })
        .map_err(|e| Error::Other(format!("cannot start the watcher: {e}")))?;
    Ok((tx, thread))
}

/// Watches each of `WATCHED_DIRS` that exists and is not watched yet; a folder that was itself
/// created or removed (it is in `touched`) is watched afresh.
fn watch_dirs<W, C>(
    debouncer: &mut notify_debouncer_full::Debouncer<W, C>,
    root: &Path,
    watched: &mut BTreeSet<PathBuf>,
    touched: &[PathBuf],
) where
    W: notify_debouncer_full::notify::Watcher,
    C: notify_debouncer_full::FileIdCache,
{
    for name in WATCHED_DIRS {
        let dir = root.join(name);
        if touched.contains(&dir) && watched.remove(&dir) {
            let _ = debouncer.unwatch(&dir);
        }
        if watched.contains(&dir) || !dir.is_dir() {
            continue;
        }
        match debouncer.watch(&dir, RecursiveMode::Recursive) {
            Ok(()) => {
                watched.insert(dir);
            }
            Err(e) => eprintln!("cannot watch {}: {e}", dir.display()),
        }
    }
}

/// Whether a changed path is part of the site's sources (and not an editor's scratch file).
fn is_relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = rel.components();
    let Some(first) = parts.next() else {
        return false;
    };
    let first = first.as_os_str();
    if first == "sitegen.toml" {
        return true;
    }
    if !WATCHED_DIRS.iter().any(|d| first == *d) {
        return false;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // Vim's write test file and swap files, Emacs lock and backup files.
    let scratch = name == "4913"
        || name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx");
    !scratch
}

// ---------------------------------------------------------------------------------------------
// Serving

/// Characters kept escaped when a site path goes back into a `Location` header.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// How a request path maps onto the site.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A site path to look up (`papers/x/index.html`).
    File(String),
    /// `dir` was asked without its slash: redirect when `dir/index.html` exists.
    MaybeDir(String),
    /// Not a path of the site (`..`, bad encoding): answered as not found.
    Invalid,
}

/// Percent-decodes and normalises a request path. Empty and `.` segments are dropped; `..`
/// (also encoded) is refused rather than resolved, so nothing can climb out of the site.
fn resolve(path: &str) -> Target {
    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return Target::Invalid;
    };
    let mut segments = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Target::Invalid,
            s if s.contains('\\') || s.contains('\0') => return Target::Invalid,
            s => segments.push(s),
        }
    }
    let key = segments.join("/");
    if key.is_empty() {
        Target::File("index.html".to_owned())
    } else if decoded.ends_with('/') {
        Target::File(format!("{key}/index.html"))
    } else {
        Target::MaybeDir(key)
    }
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" if path.ends_with("atom.xml") => "application/atom+xml",
        "xml" => "application/xml",
        // BibTeX and text are shown in the browser rather than downloaded.
        "txt" | "bib" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

async fn handle(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut resp = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    let snap = shared.snapshot();
    let path = uri.path();
    if path == "/__sitegen/status" {
        let body = format!(
            "{{\"generation\":{},\"ok\":{},\"errors\":{},\"build_ms\":{}}}\n",
            snap.generation,
            snap.errors.is_none(),
            snap.error_count,
            snap.elapsed.as_millis()
        );
        return respond(StatusCode::OK, "application/json", Bytes::from(body));
    }
    let Some(site) = &snap.site else {
        // Nothing good was ever built: every page is the error list.
        let panel = snap.errors.as_deref().unwrap_or("");
        return html_page(StatusCode::SERVICE_UNAVAILABLE, &error_page(panel));
    };
    let found = match resolve(path) {
        Target::File(key) => site.get(&key).map(|b| (key, b)),
        Target::MaybeDir(key) => {
            if site.contains_key(&format!("{key}/index.html")) {
                return redirect_to_dir(&key, uri.query());
            }
            site.get(&key).map(|b| (key, b))
        }
        Target::Invalid => None,
    };
    let (status, key, bytes) = match found {
        Some((key, bytes)) => (StatusCode::OK, key, bytes.clone()),
        None => match site.get("404.html") {
            Some(page) => (StatusCode::NOT_FOUND, "404.html".to_owned(), page.clone()),
            None => return plain(StatusCode::NOT_FOUND, "404 not found\n"),
        },
    };
    let ctype = content_type(&key);
    if let (Some(panel), true) = (&snap.errors, ctype.starts_with("text/html")) {
        let html = String::from_utf8_lossy(&bytes);
        return html_page(status, &inject_panel(&html, panel));
    }
    respond(status, ctype, bytes)
}

fn redirect_to_dir(key: &str, query: Option<&str>) -> Response {
    let mut location = String::from("/");
    for seg in key.split('/') {
        location.extend(utf8_percent_encode(seg, PATH_SEGMENT));
        location.push('/');
    }
    if let Some(q) = query {
        location.push('?');
        location.push_str(q);
    }
    let mut resp = plain(StatusCode::PERMANENT_REDIRECT, "");
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            resp.headers_mut().insert(header::LOCATION, v);
            resp
        }
        Err(_) => plain(StatusCode::NOT_FOUND, "404 not found\n"),
    }
}

fn respond(status: StatusCode, ctype: &'static str, body: Bytes) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    // Always refetch: the site changes under the browser while you write.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    respond(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
    )
}

fn html_page(status: StatusCode, html: &str) -> Response {
    respond(
        status,
        "text/html; charset=utf-8",
        Bytes::from(html.to_owned()),
    )
}

// ---------------------------------------------------------------------------------------------
// Error display

/// The errors as a self-styled block, shown on top of every page until a build is good.
fn error_panel(messages: &[String]) -> String {
    let mut html = String::from(
        "<section id=\"sitegen-errors\" role=\"alert\" style=\"all:initial;display:block;\
         box-sizing:border-box;margin:0;padding:1em 1.25em;background:#fff0f0;color:#600;\
         border-bottom:3px solid #c00;font:15px/1.4 system-ui,sans-serif\">\
         <strong style=\"display:block;margin-bottom:.5em\">sitegen: the last change broke \
         the build; showing the last good version.</strong>",
    );
    for m in messages {
        html.push_str(
            "<pre style=\"white-space:pre-wrap;margin:.5em 0;padding:.5em;background:#fff;\
             color:#300;border:1px solid #e99;font:13px/1.4 ui-monospace,monospace\">",
        );
        html.push_str(&escape_html(m));
        html.push_str("</pre>");
    }
    html.push_str("</section>");
    html
}

/// A page that is only the error panel, for when there is no good build to show.
fn error_page(panel: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>sitegen: build failed</title></head><body>{panel}</body></html>"
    )
}

/// Puts the panel right after `<body ...>` (or first, when the page has no body tag).
fn inject_panel(html: &str, panel: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let at = lower
        .find("<body")
        .and_then(|start| html[start..].find('>').map(|end| start + end + 1))
        .unwrap_or(0);
    let mut out = String::with_capacity(html.len() + panel.len());
    out.push_str(&html[..at]);
    out.push_str(panel);
    out.push_str(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_maps_pretty_urls() {
        assert_eq!(resolve("/"), Target::File("index.html".into()));
        assert_eq!(
            resolve("/papers/x/"),
            Target::File("papers/x/index.html".into())
        );
        assert_eq!(resolve("/papers/x"), Target::MaybeDir("papers/x".into()));
        assert_eq!(resolve("//style.css"), Target::MaybeDir("style.css".into()));
        assert_eq!(resolve("/a/./b%20c"), Target::MaybeDir("a/b c".into()));
    }

    #[test]
    fn resolve_refuses_to_climb() {
        for p in [
            "/../Cargo.toml",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/a%2f..%2fb",
            "/..%5cx",
            "/a/%00",
            "/%ff",
        ] {
            assert_eq!(resolve(p), Target::Invalid, "{p}");
        }
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("atom.xml"), "application/atom+xml");
        assert_eq!(content_type("sitemap.xml"), "application/xml");
        assert_eq!(content_type("fonts/a.WOFF2"), "font/woff2");
        assert_eq!(content_type("CNAME"), "application/octet-stream");
    }

    #[test]
    fn panel_goes_after_body_and_is_escaped() {
        let panel = error_panel(&["a.md:1:2: error: <script>".to_owned()]);
        assert!(panel.contains("&lt;script&gt;"), "{panel}");
        let page = inject_panel("<html><BODY class=\"x\"><p>hi</p></body></html>", "[P]");
        assert_eq!(page, "<html><BODY class=\"x\">[P]<p>hi</p></body></html>");
        assert_eq!(inject_panel("<p>hi</p>", "[P]"), "[P]<p>hi</p>");
    }

    #[test]
    fn relevant_paths() {
        let root = Path::new("/site");
        assert!(is_relevant(root, Path::new("/site/sitegen.toml")));
        assert!(is_relevant(root, Path::new("/site/content/papers/a.md")));
        assert!(is_relevant(root, Path::new("/site/templates")));
        assert!(!is_relevant(root, Path::new("/site/public/index.html")));
        assert!(!is_relevant(root, Path::new("/site/.sitegen-cache/m")));
        assert!(!is_relevant(
            root,
            Path::new("/site/content/papers/.a.md.swp")
        ));
        assert!(!is_relevant(root, Path::new("/site/content/papers/4913")));
        assert!(!is_relevant(root, Path::new("/elsewhere/sitegen.toml")));
    }

    #[test]
    fn local_url_of_unspecified_bind_is_loopback() {
        let addr: SocketAddr = "0.0.0.0:1111".parse().unwrap();
        assert_eq!(local_base_url(addr), "http://127.0.0.1:1111/");
        let addr: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(local_base_url(addr), "http://[::1]:8080/");
    }
}
