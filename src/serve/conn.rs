//! Connections of the dev server: the accept loop with a connection limit and a header-read
//! timeout (which also closes idle keep-alive connections), and the `Host` check that keeps a
//! DNS-rebinding page from reading the preview. It must not answer requests itself beyond
//! refusing them; everything else goes to the router.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// Open connections at most; more are closed as soon as they are accepted, so a flood cannot
/// exhaust file descriptors (a browser needs a handful).
pub const MAX_CONNECTIONS: usize = 256;
/// A request's headers must arrive within this time, and an idle keep-alive connection is closed
/// after it (a half-open connection cannot stay forever).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections get to finish when the server stops.
const GRACE: Duration = Duration::from_millis(300);

/// What a connection may take.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `stop` resolves.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (closing_tx, closing) = watch::channel(false);
    tokio::pin!(stop);
    loop {
        let (stream, _) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // Out of descriptors or a reset before accept: keep serving the others.
                Err(_) => {
                    tokio::task::yield_now().await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        let mut closing = closing.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = &mut conn => {}
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(GRACE, conn).await;
                }
            }
            drop(slot);
        });
    }
    let _ = closing_tx.send(true);
    Ok(())
}

/// The `Host` names the server answers to.
#[derive(Debug, Clone)]
pub(super) struct AllowedHosts {
    /// `None`: any host (bound to a non-loopback address, so reachable by name from elsewhere).
    names: Option<Vec<String>>,
}

impl AllowedHosts {
    /// Loopback binds answer only to `localhost` (and `*.localhost`), loopback addresses and the
    /// bound address; a non-loopback `--bind` is an explicit choice to be reached by any name.
    pub fn for_addr(addr: SocketAddr) -> Self {
        if !addr.ip().is_loopback() {
            return AllowedHosts { names: None };
        }
        let mut names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "[::1]".to_owned(),
        ];
        names.push(match addr.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        });
        AllowedHosts { names: Some(names) }
    }

    pub fn allows(&self, host: &str) -> bool {
        let Some(names) = &self.names else {
            return true;
        };
        let host = host.trim().to_ascii_lowercase();
        // Drop the port: `[::1]:1111`, `localhost:1111`.
        let name = match host.rfind(':') {
            Some(i) if !host[i..].contains(']') => &host[..i],
            _ => host.as_str(),
        };
        let name = name.trim_end_matches('.');
        names.iter().any(|n| n == name) || name.ends_with(".localhost")
    }
}

/// Middleware: refuses requests whose `Host` is not one of the allowed names (421).
pub(super) async fn check_host(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    match host {
        Some(h) if !allowed.allows(h) => (
            StatusCode::MISDIRECTED_REQUEST,
            Body::from(
                "sitegen serve answers only to localhost and loopback addresses \
                 (DNS-rebinding protection); to be reached by other names, pass --bind\n",
            ),
        )
            .into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_binds_answer_only_to_local_names() {
        let local = AllowedHosts::for_addr("127.0.0.1:1111".parse().unwrap());
        for ok in [
            "localhost",
            "localhost:1111",
            "127.0.0.1:1111",
            "[::1]:80",
            "LOCALHOST.",
            "app.localhost:3",
        ] {
            assert!(local.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:1111",
            "localhost.evil.example",
            "127.0.0.2",
            "",
        ] {
            assert!(!local.allows(bad), "{bad}");
        }
        let v6 = AllowedHosts::for_addr("[::1]:8080".parse().unwrap());
        assert!(v6.allows("[::1]:8080") && !v6.allows("example.org"));
        let lan = AllowedHosts::for_addr("0.0.0.0:1111".parse().unwrap());
        assert!(lan.allows("my-laptop.lan:1111"));
    }
}
