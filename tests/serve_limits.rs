//! `sitegen serve` under hostile clients, over real sockets on 127.0.0.1: half-open connections
//! are closed after the header timeout, connections beyond the limit are closed at once, and a
//! foreign `Host` (DNS rebinding) is refused. Every wait reads a socket with a deadline.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use sitegen::serve::{self, ServeOptions, Server};

const DEADLINE: Duration = Duration::from_secs(20);

struct Running {
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
}

impl Running {
    fn start(opts: impl FnOnce(&mut ServeOptions)) -> Running {
        let dir = common::copy_fixture("good");
        let mut o = ServeOptions::new(dir.path());
        o.port = 0;
        opts(&mut o);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let server = rt.block_on(serve::start(o)).unwrap();
        Running {
            _dir: dir,
            rt,
            server: Some(server),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.as_ref().unwrap().addr()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.shutdown());
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s
}

/// Reads until the server closes the connection; panics if it stays open past the deadline.
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => out,
        Err(e) if e.kind() == ErrorKind::ConnectionReset => out,
        Err(e) => panic!("connection still open after {DEADLINE:?}: {e}"),
    }
}

/// The answer to `GET /`, or "" when the server closed the connection without one. A server at
/// its connection limit closes as soon as it accepts, which can reset the connection while the
/// request is still being written: that is no answer too, not a failure of the test.
fn get(addr: SocketAddr, host: &str) -> String {
    let mut s = connect(addr);
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    match s.write_all(request.as_bytes()) {
        Ok(()) => String::from_utf8_lossy(&read_until_closed(&mut s)).into_owned(),
        Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
            String::new()
        }
        Err(e) => panic!("cannot send the request: {e}"),
    }
}

#[test]
fn half_open_and_idle_connections_are_closed() {
    let site = Running::start(|o| o.header_timeout = Duration::from_millis(300));
    let start = Instant::now();
    // Half a request line, never finished.
    let mut half = connect(site.addr());
    half.write_all(b"GET / HT").unwrap();
    // Nothing at all.
    let mut silent = connect(site.addr());
    // A kept-alive connection after one answered request.
    let mut idle = connect(site.addr());
    write!(idle, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    read_until_closed(&mut half);
    read_until_closed(&mut silent);
    let answered = String::from_utf8_lossy(&read_until_closed(&mut idle)).into_owned();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    assert!(start.elapsed() < DEADLINE);
}

#[test]
fn connections_beyond_the_limit_are_closed_at_once() {
    let site = Running::start(|o| o.max_connections = 4);
    // Four connections hold every slot; each has been accepted once it answers a request.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = connect(site.addr());
        write!(s, "GET /style.css HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
        held.push(s);
    }
    let mut extra = connect(site.addr());
    let _ = write!(extra, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert!(
        read_until_closed(&mut extra).is_empty(),
        "no answer beyond the limit"
    );
    drop(held);
    // The slots come back: a new connection is answered (the server frees them as it notices).
    let start = Instant::now();
    loop {
        if get(site.addr(), "localhost").starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "slots never came back");
    }
}

#[test]
fn foreign_host_headers_are_refused_on_loopback() {
    let site = Running::start(|_| {});
    let port = site.addr().port();
    for ok in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let r = get(site.addr(), &ok);
        assert!(r.starts_with("HTTP/1.1 200"), "{ok}: {r}");
    }
    for bad in [
        format!("attacker.example:{port}"),
        "localhost.evil.example".into(),
    ] {
        let r = get(site.addr(), &bad);
        assert!(r.starts_with("HTTP/1.1 421"), "{bad}: {r}");
        assert!(r.contains("--bind"), "{r}");
    }
    // The live-reload stream is behind the same check.
    let mut s = connect(site.addr());
    write!(
        s,
        "GET /__sitegen/events HTTP/1.1\r\nHost: evil.example\r\n\r\n"
    )
    .unwrap();
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 421");
}
