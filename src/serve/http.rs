//! HTTP for the dev server: request paths to site files (never outside the site), content types,
//! redirects, and the error panel over the last good page. It reads the shared snapshot only.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use super::build::Shared;
use super::reload::inject;
use crate::markdown::escape_html;

/// Characters kept escaped when a site path goes back into a `Location` header.
pub(super) const PATH_SEGMENT: &AsciiSet = &CONTROLS
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
pub(super) enum Target {
    /// A site path to look up (`papers/x/index.html`).
    File(String),
    /// `dir` was asked without its slash: redirect when `dir/index.html` exists.
    MaybeDir(String),
    /// Not a path of the site (`..`, bad encoding): answered as not found.
    Invalid,
}

/// Percent-decodes and normalises a request path. Empty and `.` segments are dropped; `..`
/// (also encoded) is refused rather than resolved, so nothing can climb out of the site.
pub(super) fn resolve(path: &str) -> Target {
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

pub(super) fn content_type(path: &str) -> &'static str {
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

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
) -> Response {
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
            "{{\"generation\":{},\"ok\":{},\"errors\":{},\"build_ms\":{},\
             \"pages_rendered\":{},\"pages_kept\":{}}}\n",
            snap.generation,
            snap.errors.is_none(),
            snap.error_count,
            snap.elapsed.as_millis(),
            snap.rendered,
            snap.kept
        );
        return respond(StatusCode::OK, "application/json", Bytes::from(body));
    }
    let Some(site) = &snap.site else {
        // Nothing good was ever built: every page is the error list.
        let panel = snap.errors.as_deref().unwrap_or("");
        let page = inject(&error_page(panel), "", snap.generation);
        return html_page(StatusCode::SERVICE_UNAVAILABLE, &page);
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
    if !ctype.starts_with("text/html") {
        return respond(status, ctype, bytes);
    }
    // Pages get the live-reload script (and the errors, when the last build failed).
    let mut html = String::from_utf8_lossy(&bytes);
    if let Some(panel) = &snap.errors {
        html = inject_panel(&html, panel).into();
    }
    html_page(status, &inject(&html, &key, snap.generation))
}

pub(super) fn redirect_to_dir(key: &str, query: Option<&str>) -> Response {
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

pub(super) fn respond(status: StatusCode, ctype: &'static str, body: Bytes) -> Response {
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

pub(super) fn plain(status: StatusCode, text: &'static str) -> Response {
    respond(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
    )
}

pub(super) fn html_page(status: StatusCode, html: &str) -> Response {
    respond(
        status,
        "text/html; charset=utf-8",
        Bytes::from(html.to_owned()),
    )
}

// ---------------------------------------------------------------------------------------------
// Error display

/// The errors as a self-styled block, shown on top of every page until a build is good.
pub(super) fn error_panel(messages: &[String]) -> String {
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
pub(super) fn error_page(panel: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>sitegen: build failed</title></head><body>{panel}</body></html>"
    )
}

/// Puts the panel right after `<body ...>` (or first, when the page has no body tag).
pub(super) fn inject_panel(html: &str, panel: &str) -> String {
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
}
