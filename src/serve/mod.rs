//! `sitegen serve`: owns the development server and the file watcher. It keeps the last good
//! build in memory and serves only that (so no request can reach a file outside the site), shows
//! build errors in the browser and the terminal, and pushes live reloads to the pages that
//! changed. It must not render or write the site itself: every build goes through
//! `crate::render_pages`, and nothing is written but the caches.
//!
//! A save goes: watcher (`watch`) → build of the changed pages only (`build`, `sink`) → swap and
//! reload event (`reload`) → cache save and search index (`background`), so the browser never
//! waits for Pagefind. Internal routes live under `/__sitegen/`: `/__sitegen/events` is the
//! live-reload event stream and `/__sitegen/status` reports the build generation as JSON for
//! scripts and tests.

mod background;
mod build;
mod conn;
mod http;
mod reload;
mod sink;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use conn::{HEADER_TIMEOUT, MAX_CONNECTIONS};
pub use reload::EVENTS_PATH;

use crate::{BuildOptions, Error};
use build::{Builder, Outcome, Shared};
use http::handle;
use watch::{WatchMsg, start_watcher};

/// Prefix of the routes the server answers itself instead of the site.
pub const INTERNAL_PREFIX: &str = "/__sitegen/";
/// Folders of the site root that trigger a rebuild when anything in them changes.
const WATCHED_DIRS: [&str; 3] = ["content", "templates", "static"];
/// How long file events must be quiet before a rebuild starts. An editor's save is a burst of
/// events a few milliseconds apart (vim: write test file, rename, write, chmod; most editors:
/// truncate then write, which `watch::mid_save` waits out), so 10 ms covers it with room to
/// spare; a burst split anyway costs one extra incremental build, and events that arrive
/// during a build are merged into the next. Longer waits add straight to save-to-visible time.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(10);
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
    /// Print each build's stage times (`sitegen serve --timings`).
    pub timings: bool,
    /// How long the watcher waits for a burst of file events to settle before rebuilding
    /// (`DEFAULT_DEBOUNCE`).
    pub debounce: Duration,
    /// A request's headers must arrive within this time; idle connections close after it.
    pub header_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl ServeOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ServeOptions {
            root: root.into(),
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 1111,
            port_attempts: DEFAULT_PORT_ATTEMPTS,
            drafts: false,
            timings: false,
            debounce: DEFAULT_DEBOUNCE,
            header_timeout: HEADER_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
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
    background: Option<std::thread::JoinHandle<()>>,
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
        let threads = [self.watch.take(), self.background.take()];
        // The watcher may be in the middle of a rebuild, the indexer in the middle of an index
        // (it stops once the watcher is gone): wait for them off the async threads.
        let _ = tokio::task::spawn_blocking(move || {
            for thread in threads.into_iter().flatten() {
                let _ = thread.join();
            }
        })
        .await;
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
    signal.map_err(Error::Signal)
}

/// Binds, builds the site once, starts watching and serving. A first build with content errors
/// still starts (the page shows the errors); a root without `sitegen.toml` does not.
pub async fn start(opts: ServeOptions) -> Result<Server, Error> {
    let root = std::fs::canonicalize(&opts.root).map_err(|e| Error::io(&opts.root, e))?;
    let config = root.join("sitegen.toml");
    if !config.is_file() {
        return Err(Error::NotASite { root });
    }
    let listener = bind(opts.bind, opts.port, opts.port_attempts).await?;
    let addr = listener.local_addr().map_err(|source| Error::Listen {
        addr: SocketAddr::new(opts.bind, opts.port),
        source,
    })?;
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
    let timings = opts.timings;
    let (mut builder, first) = tokio::task::spawn_blocking(move || {
        let mut builder = Builder::new(build_opts, timings);
        let first = builder.build();
        (builder, first)
    })
    .await?;
    let first = match first {
        // An unreadable site is not something the browser page can help with.
        Outcome::Failed {
            infra: Some(e @ Error::Io { .. }),
            ..
        } => return Err(e),
        other => other,
    };
    let (jobs, background) = background::start(
        Arc::clone(&shared),
        Arc::clone(&builder.store),
        builder.opts().out_dir(),
    )?;
    publish(&shared, &mut builder, &jobs, first);
    let state = Arc::clone(&shared);
    let (stop_watch, watch) = start_watcher(root, opts.debounce, move || {
        let outcome = builder.build();
        publish(&state, &mut builder, &jobs, outcome);
    })?;

    let hosts = Arc::new(conn::AllowedHosts::for_addr(addr));
    let app = Router::new()
        .route(EVENTS_PATH, get(reload::events))
        .fallback(handle)
        .with_state(Arc::clone(&shared))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            conn::check_host,
        ));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let limits = conn::Limits {
        header_timeout: opts.header_timeout,
        max_connections: opts.max_connections,
    };
    let http = tokio::spawn(conn::serve(listener, app, limits, async {
        let _ = stop_rx.await;
    }));
    Ok(Server {
        addr,
        shared,
        stop_http: Some(stop_tx),
        http,
        stop_watch,
        watch: Some(watch),
        background: Some(background),
    })
}

/// Swaps a build in, sends the reload for the pages it changed, remembers the site for the next
/// build, and only then hands the slow rest (cache, search index) to the background thread.
fn publish(
    shared: &Shared,
    builder: &mut Builder,
    jobs: &mpsc::Sender<background::Job>,
    outcome: Outcome,
) {
    let applied = shared.apply(outcome);
    shared.reloader.send(applied.generation, &applied.reload);
    builder.served(applied.site);
    let _ = jobs.send(applied.library);
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
                return Err(Error::Listen {
                    addr: SocketAddr::new(ip, p),
                    source: e,
                });
            }
        }
    }
    let ports = if last == port {
        format!("port {port} is")
    } else {
        format!("ports {port} to {last} are")
    };
    Err(Error::PortsInUse { ip, ports })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_url_of_unspecified_bind_is_loopback() {
        let addr: SocketAddr = "0.0.0.0:1111".parse().unwrap();
        assert_eq!(local_base_url(addr), "http://127.0.0.1:1111/");
        let addr: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(local_base_url(addr), "http://[::1]:8080/");
    }
}
