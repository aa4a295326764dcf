//! `sitegen serve` end to end: the server runs in-process on an ephemeral port over a temp copy
//! of `tests/fixtures/good`, and the tests talk plain HTTP/1.1 to it over `TcpStream`. Nothing
//! waits a fixed time: every wait polls with a deadline, and reloads are observed on the
//! live-reload event stream.

mod common;

use common::copy_dir;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sitegen::serve::{self, ServeOptions, Server};

const DEADLINE: Duration = Duration::from_secs(20);
const EVENTS: &str = "/__sitegen/events";

// ---------------------------------------------------------------------------------------------
// Harness

struct Site {
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
}

impl Site {
    /// A copy of the good fixture with a GitHub Pages project prefix, served on a free port.
    fn start() -> Site {
        Self::start_with(|_| {})
    }

    fn start_with(opts: impl FnOnce(&mut ServeOptions)) -> Site {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(), dir.path());
        // The published site lives under /reading-list/; locally links must still work.
        std::fs::write(
            dir.path().join("sitegen.toml"),
            "title = \"Fixture list\"\nbase_url = \"https://u.github.io/reading-list/\"\n",
        )
        .unwrap();
        Self::serve(dir, opts)
    }

    /// Serves the site in `dir`.
    fn serve(dir: tempfile::TempDir, opts: impl FnOnce(&mut ServeOptions)) -> Site {
        let mut o = ServeOptions::new(dir.path());
        o.port = 0;
        o.debounce = Duration::from_millis(50);
        opts(&mut o);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let server = rt.block_on(serve::start(o)).unwrap();
        Site {
            dir,
            rt,
            server: Some(server),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.as_ref().unwrap().addr()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn get(&self, path: &str) -> Resp {
        request(self.addr(), "GET", path)
    }

    fn events(&self) -> Events {
        Events::open(self.addr())
    }

    /// Polls `path` until `pred` holds, or fails with the last response.
    fn wait_for(&self, path: &str, what: &str, pred: impl Fn(&Resp) -> bool) -> Resp {
        let start = Instant::now();
        loop {
            let r = self.get(path);
            if pred(&r) {
                return r;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what} at {path}; last: {} {}",
                r.status,
                r.body
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.shutdown());
        }
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good")
}

#[derive(Debug)]
struct Resp {
    status: u16,
    /// Raw header block, lowercased names and values.
    headers: String,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            (n.trim() == name).then(|| v.trim())
        })
    }
}

/// A minimal HTTP/1.1 request; the raw path goes on the wire as given (no normalisation).
fn request(addr: SocketAddr, method: &str, path: &str) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw[split + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers: head,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
}

/// The live-reload event stream, as a browser tab holds it open.
struct Events {
    stream: TcpStream,
    seen: String,
}

impl Events {
    /// Connects and waits for the stream's `hello` event, after which every reload is delivered.
    fn open(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {EVENTS} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut e = Events {
            stream,
            seen: String::new(),
        };
        e.wait_for("event: hello");
        e
    }

    /// Reads until `needle` has been seen; what was read stays for the caller.
    fn wait_for(&mut self, needle: &str) {
        let start = Instant::now();
        let mut buf = [0u8; 4096];
        while !self.seen.contains(needle) {
            let left = DEADLINE
                .checked_sub(start.elapsed())
                .unwrap_or_else(|| panic!("no `{needle}` on the event stream: {}", self.seen));
            self.stream.set_read_timeout(Some(left)).unwrap();
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("event stream closed before `{needle}`: {}", self.seen),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e) => panic!("no `{needle}` on the event stream ({e}): {}", self.seen),
            }
        }
    }

    fn wait_reload(&mut self) {
        self.wait_reload_data();
    }

    /// Waits for the next `reload` event and returns its data.
    fn wait_reload_data(&mut self) -> String {
        const EVENT: &str = "event: reload\ndata: ";
        self.wait_for(EVENT);
        let start = self.seen.find(EVENT).unwrap() + EVENT.len();
        self.seen.drain(..start);
        self.wait_for("\n\n");
        let end = self.seen.find("\n\n").unwrap();
        let data = self.seen[..end].to_owned();
        self.seen.drain(..end);
        data
    }
}

/// The link to a paper page found on the home page (so the test does not guess slugs).
fn paper_link(home: &str, slug_part: &str) -> String {
    let at = home
        .find(&format!("/papers/{slug_part}"))
        .unwrap_or_else(|| panic!("no link to {slug_part} on the home page"));
    let end = at + home[at..].find('"').unwrap();
    home[at..end].to_owned()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn serves_home_paper_and_404_with_local_urls() {
    let site = Site::start();
    let home = site.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(home.body.contains("Pixel Recurrent Neural Networks"));
    // Links point at this server, not under the GitHub Pages prefix.
    assert!(!home.body.contains("/reading-list/"), "{}", home.body);
    assert!(home.body.contains("href=\"/style.css\""), "{}", home.body);
    // The live-reload script is injected into pages.
    assert!(home.body.contains(EVENTS), "{}", home.body);

    let link = paper_link(&home.body, "wavenet");
    assert!(link.ends_with('/'), "{link}");
    let paper = site.get(&link);
    assert_eq!(paper.status, 200);
    assert!(paper.body.contains("WaveNet"), "{}", paper.body);

    // Without its slash, a folder redirects to it.
    let bare = site.get(link.trim_end_matches('/'));
    assert_eq!(bare.status, 308);
    assert_eq!(bare.header("location"), Some(link.as_str()));

    let css = site.get("/style.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));

    let missing = site.get("/papers/no-such-paper/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"), "{}", missing.body);

    // Drafts are left out unless asked for.
    assert!(!home.body.contains("Unfinished Thoughts"));
    let status = site.get("/__sitegen/status");
    assert!(status.body.contains("\"generation\":1"), "{}", status.body);
    assert!(status.body.contains("\"ok\":true"), "{}", status.body);
}

#[test]
fn drafts_only_with_the_flag() {
    let site = Site::start_with(|o| o.drafts = true);
    assert!(site.get("/").body.contains("Unfinished Thoughts"));
}

#[test]
fn edit_is_served_and_reload_is_sent() {
    let site = Site::start();
    let link = paper_link(&site.get("/").body, "wavenet");
    let mut events = site.events();
    let file = site.path("content/papers/wavenet.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\nA freshly edited sentence.\n")).unwrap();
    events.wait_reload();
    let page = site.wait_for(&link, "the edit", |r| {
        r.body.contains("A freshly edited sentence.")
    });
    assert_eq!(page.status, 200);
}

#[test]
fn broken_front_matter_shows_errors_until_fixed() {
    let site = Site::start();
    let link = paper_link(&site.get("/").body, "wavenet");
    let file = site.path("content/papers/wavenet.md");
    let good = std::fs::read_to_string(&file).unwrap();
    // WaveNet's front matter is YAML.
    let bad = good.replacen("---\n", "---\ncolour: red\n", 1);
    assert_ne!(bad, good);

    let mut events = site.events();
    std::fs::write(&file, &bad).unwrap();
    // A failed build reloads every tab, so the panel shows wherever the reader is.
    assert!(events.wait_reload_data().contains("\"all\":true"));
    let page = site.wait_for(&link, "the error panel", |r| {
        r.body.contains("sitegen-errors")
    });
    // The error, positioned, over the last good page.
    assert!(
        page.body.contains("content/papers/wavenet.md:2:1"),
        "{}",
        page.body
    );
    assert!(page.body.contains("colour"), "{}", page.body);
    assert!(page.body.contains("WaveNet"), "{}", page.body);
    assert!(site.get("/").body.contains("sitegen-errors"));
    // Assets are still the last good ones, untouched by the panel.
    assert!(!site.get("/style.css").body.contains("sitegen-errors"));
    let status = site.get("/__sitegen/status");
    assert!(status.body.contains("\"ok\":false"), "{}", status.body);

    let mut events = site.events();
    std::fs::write(&file, &good).unwrap();
    // So does the first good build after it, so the panel goes everywhere.
    assert!(events.wait_reload_data().contains("\"all\":true"));
    let page = site.wait_for(&link, "the fixed page", |r| {
        !r.body.contains("sitegen-errors")
    });
    assert!(page.body.contains("WaveNet"));
    std::fs::write(&file, format!("{good}\nMore.\n")).unwrap();
    assert!(events.wait_reload_data().contains("\"all\":false"));
}

#[test]
fn adding_and_removing_papers() {
    let site = Site::start();
    let mut events = site.events();
    std::fs::write(
        site.path("content/papers/fresh-paper.md"),
        "+++\ntitle = \"A Fresh Paper\"\nauthors = [\"Doe, Jane\"]\nyear = 2024\n+++\nNew.\n",
    )
    .unwrap();
    events.wait_reload();
    let home = site.wait_for("/", "the new paper", |r| r.body.contains("A Fresh Paper"));
    let link = paper_link(&home.body, "fresh-paper");
    assert_eq!(site.get(&link).status, 200);

    let wavenet = paper_link(&home.body, "wavenet");
    let mut events = site.events();
    std::fs::remove_file(site.path("content/papers/wavenet.md")).unwrap();
    std::fs::rename(
        site.path("content/papers/fresh-paper.md"),
        site.path("content/papers/renamed.md"),
    )
    .unwrap();
    events.wait_reload();
    site.wait_for(&wavenet, "the deleted paper to go", |r| r.status == 404);
    // Renaming the file moves the paper: its URL is the file's name.
    site.wait_for(&link, "the old URL to go", |r| r.status == 404);
    let renamed = link.replace("fresh-paper", "renamed");
    site.wait_for(&renamed, "the renamed paper", |r| r.status == 200);
}

#[test]
fn config_change_rebuilds() {
    let site = Site::start();
    let mut events = site.events();
    std::fs::write(
        site.path("sitegen.toml"),
        "title = \"Renamed list\"\nbase_url = \"https://u.github.io/reading-list/\"\n",
    )
    .unwrap();
    events.wait_reload();
    site.wait_for("/", "the new title", |r| r.body.contains("Renamed list"));
}

#[test]
fn templates_folder_created_later_is_watched() {
    let site = Site::start();
    let mut events = site.events();
    std::fs::create_dir(site.path("templates")).unwrap();
    std::fs::write(
        site.path("templates/404.html"),
        "{% extends \"base.html\" %}{% block main %}<h1>Lost in the library</h1>{% endblock main %}",
    )
    .unwrap();
    events.wait_reload();
    site.wait_for("/nope", "the new 404 page", |r| {
        r.status == 404 && r.body.contains("Lost in the library")
    });
}

#[test]
fn nothing_outside_the_site_is_served() {
    let site = Site::start();
    std::fs::write(site.path("secret.txt"), "TOP SECRET").unwrap();
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/../secret.txt",
        "/secret.txt",
        "/sitegen.toml",
        "/content/papers/wavenet.md",
        "/..\\secret.txt",
        "/papers/../../secret.txt",
    ] {
        let r = site.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        for leak in ["[package]", "root:", "TOP SECRET", "+++", "base_url"] {
            assert!(!r.body.contains(leak), "{path} leaked {leak}: {}", r.body);
        }
    }
    // No directory listings: a folder without index.html is not found.
    assert_eq!(site.get("/papers/").status, 404);
    assert_eq!(request(site.addr(), "POST", "/").status, 405);
}

#[test]
fn busy_port_is_named_or_skipped() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();

    let mut opts = ServeOptions::new(dir.path());
    opts.port = port;
    opts.port_attempts = 1;
    let err = rt.block_on(serve::start(opts.clone())).err().expect("busy");
    let msg = err.to_string();
    assert!(
        msg.contains(&port.to_string()) && msg.contains("--port"),
        "{msg}"
    );

    opts.port_attempts = 20;
    match rt.block_on(serve::start(opts)) {
        Ok(server) => {
            assert_ne!(server.addr().port(), port);
            rt.block_on(server.shutdown());
        }
        // The next ports may all be taken on a busy machine; then the message must say so.
        Err(e) => assert!(e.to_string().contains("--port"), "{e}"),
    }
}

#[test]
fn root_without_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut opts = ServeOptions::new(dir.path());
    opts.port = 0;
    let err = rt.block_on(serve::start(opts)).err().expect("no site");
    assert!(err.to_string().contains("sitegen.toml"), "{err}");
}

/// The files of a fresh full render of `root` as the server at `addr` would build it, search
/// index apart (the server adds it after the reload).
fn full_render(root: &Path, addr: SocketAddr) -> BTreeMap<String, Vec<u8>> {
    let rendered = sitegen::render_site(&sitegen::BuildOptions {
        root: root.to_path_buf(),
        base_url: Some(format!("http://{addr}/")),
        ..Default::default()
    })
    .unwrap();
    assert!(rendered.diagnostics.iter().all(|d| !d.is_error()));
    rendered
        .output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

/// A served page without the live-reload script the server adds to it.
fn without_reload_script(html: &str) -> String {
    let Some(start) = html.find("<script data-sitegen-reload>") else {
        return html.to_owned();
    };
    let end = start + html[start..].find("</script>").unwrap() + "</script>".len();
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn incremental_rebuilds_equal_full_renders_and_reload_only_changed_pages() {
    let dir = tempfile::tempdir().unwrap();
    common::corpus(dir.path(), 30);
    let site = Site::serve(dir, |_| {});
    let root = site.dir.path().to_path_buf();
    // The shared edits, then a venue that appears and goes: its page must come and go.
    let venue = [
        ("venue", 9, "\"NeurIPS\"", "\"A Venue Of Its Own\""),
        ("venue back", 9, "\"A Venue Of Its Own\"", "\"NeurIPS\""),
    ];
    let edits = common::EDITS.iter().chain(&venue);
    let mut before = full_render(&root, site.addr());
    for &(what, paper, from, to) in edits {
        let mut events = site.events();
        common::edit_paper(&root, paper, from, to);
        let reload = events.wait_reload_data();
        let status = site.get("/__sitegen/status").body;
        assert!(!status.contains("\"pages_kept\":0"), "{what}: {status}");
        let after = full_render(&root, site.addr());
        for (path, bytes) in after.iter().filter(|(p, _)| !p.starts_with("pagefind/")) {
            let served = site.get(&format!("/{path}"));
            assert_eq!(served.status, 200, "{what}: {path}");
            let expected = String::from_utf8_lossy(bytes);
            assert!(
                without_reload_script(&served.body) == expected,
                "{what}: {path} differs from a full render"
            );
        }
        // Exactly the pages whose bytes changed are named; search files come later, unannounced.
        let mut changed: Vec<String> = after
            .iter()
            .filter(|(p, b)| before.get(*p) != Some(b))
            .map(|(p, _)| p)
            .chain(before.keys().filter(|p| !after.contains_key(*p)))
            .filter(|p| !p.starts_with("pagefind/"))
            .map(|p| format!("\"{p}\""))
            .collect();
        changed.sort();
        let named = format!("\"pages\":[{}]", changed.join(","));
        assert!(
            reload.contains(&named),
            "{what}: {reload}\nexpected {named}"
        );
        assert!(reload.contains("\"all\":false"), "{what}: {reload}");
        before = after;
    }
    // The venue that lost its only paper is gone.
    assert_eq!(site.get("/venues/a-venue-of-its-own/").status, 404);
    // The search index catches up in the background.
    for (path, bytes) in before.iter().filter(|(p, _)| p.starts_with("pagefind/")) {
        let expected = String::from_utf8_lossy(bytes);
        site.wait_for(&format!("/{path}"), "the new search index", |r| {
            r.body == expected
        });
    }
}
