//! Measures `sitegen serve`'s save → reload latency: starts the server in-process (with the
//! real debounce), opens the live-reload event stream like a browser tab, appends a sentence to
//! a paper and times until the `reload` event arrives, several times.
//!
//! ```text
//! cargo run --release --example serve_latency -- SITE_DIR [EDITS]   # a copy of SITE_DIR is used
//! ```
//! The copy goes to /dev/shm when it exists (else the temp dir). For a large list, generate the
//! benchmark corpus first: `cargo bench --bench build -- --papers 1000 --generate-only DIR`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sitegen::serve::{self, ServeOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(source) = args.first().map(PathBuf::from) else {
        eprintln!("usage: serve_latency SITE_DIR [EDITS]");
        std::process::exit(2);
    };
    let edits = args.get(1);
    let edits: usize = edits.and_then(|e| e.parse().ok()).unwrap_or(5);
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = tempfile::tempdir_in(base).expect("temp dir");
    copy_site(&source, dir.path());
    let paper = first_paper(dir.path());
    println!(
        "site: {} (editing {})",
        dir.path().display(),
        paper.display()
    );

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut opts = ServeOptions::new(dir.path());
    opts.port = 0;
    let debounce = opts.debounce;
    let start = Instant::now();
    let server = rt.block_on(serve::start(opts)).expect("server");
    println!(
        "first build + start: {} ms (debounce {} ms)",
        start.elapsed().as_millis(),
        debounce.as_millis()
    );
    let addr = server.addr();

    let mut latencies = Vec::new();
    for i in 0..edits {
        let mut events = Events::open(addr);
        let text = std::fs::read_to_string(&paper).expect("paper");
        let t0 = Instant::now();
        std::fs::write(&paper, format!("{text}\nEdit number {i}.\n")).expect("write");
        events.wait_for("event: reload");
        let latency = t0.elapsed();
        let status = get(addr, "/__sitegen/status");
        println!(
            "edit {i}: save → reload event {} ms; {}",
            latency.as_millis(),
            status.trim()
        );
        latencies.push(latency);
    }
    latencies.sort();
    if let (Some(min), Some(max)) = (latencies.first(), latencies.last()) {
        println!(
            "save → reload: min {} ms, median {} ms, max {} ms over {} edits",
            min.as_millis(),
            latencies[latencies.len() / 2].as_millis(),
            max.as_millis(),
            latencies.len()
        );
    }
    rt.block_on(server.shutdown());
}

fn copy_site(from: &Path, to: &Path) {
    for name in ["sitegen.toml", "content", "templates", "static"] {
        let src = from.join(name);
        if !src.exists() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&src) {
            let entry = entry.expect("walk");
            let target = to.join(entry.path().strip_prefix(from).expect("prefix"));
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
}

fn first_paper(root: &Path) -> PathBuf {
    let mut papers: Vec<PathBuf> = std::fs::read_dir(root.join("content/papers"))
        .expect("content/papers")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    papers.sort();
    papers.into_iter().next().expect("a paper")
}

fn get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("send");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    raw.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

/// The live-reload event stream, held open like a browser tab does.
struct Events {
    stream: TcpStream,
    seen: String,
}

impl Events {
    fn open(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).expect("connect");
        write!(
            stream,
            "GET {} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
            serve::EVENTS_PATH
        )
        .expect("send");
        let mut e = Events {
            stream,
            seen: String::new(),
        };
        e.wait_for("event: hello");
        e
    }

    fn wait_for(&mut self, needle: &str) {
        self.stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let mut buf = [0u8; 4096];
        while !self.seen.contains(needle) {
            let n = self.stream.read(&mut buf).expect("event stream");
            assert!(n > 0, "event stream closed");
            self.seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        self.seen.clear();
    }
}
