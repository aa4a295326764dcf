//! Live reload: the event stream at `/__sitegen/events` (server-sent events) and the script
//! every HTML page is served with. After each build the stream carries one `reload` event naming
//! the site paths whose bytes changed; a tab reloads only when the page it shows is among them,
//! or when the event says `all` (a failed build, or the first good one after it, so the error
//! panel comes and goes everywhere). It must not build or decide what changed.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast;

use super::build::Shared;

/// Where the event stream is served.
pub const EVENTS_PATH: &str = "/__sitegen/events";
/// Events a slow tab may fall behind by before it is told to reload whatever it shows.
const BACKLOG: usize = 16;

/// Which tabs a build reloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reload {
    All,
    /// Site paths (`papers/x/index.html`) whose bytes changed; possibly none.
    Pages(Vec<String>),
}

/// Sends each build's reload event to every open event stream.
pub(super) struct Reloader(broadcast::Sender<Arc<str>>);

impl Default for Reloader {
    fn default() -> Self {
        Reloader(broadcast::channel(BACKLOG).0)
    }
}

impl Reloader {
    pub(super) fn send(&self, generation: u64, reload: &Reload) {
        // No open tab is not an error.
        let _ = self.0.send(message(generation, reload).into());
    }
}

/// The event's data: `{"generation":7,"all":false,"pages":["papers/x/index.html"]}`.
pub(super) fn message(generation: u64, reload: &Reload) -> String {
    let (all, pages): (bool, &[String]) = match reload {
        Reload::All => (true, &[]),
        Reload::Pages(pages) => (false, pages),
    };
    let pages: Vec<String> = pages.iter().map(|p| json_string(p)).collect();
    format!(
        "{{\"generation\":{generation},\"all\":{all},\"pages\":[{}]}}",
        pages.join(",")
    )
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `GET /__sitegen/events`: first a `hello` event with the current generation (a tab whose page
/// is older missed a reload while it connected, and reloads), then one `reload` event per build.
pub(super) async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribed before the generation is read: a build in between is seen one way or the other.
    let rx = shared.reloader.0.subscribe();
    let hello = Event::default()
        .event("hello")
        .data(shared.snapshot().generation.to_string());
    let stream = futures_util::stream::unfold((Some(hello), rx), |(hello, mut rx)| async move {
        if let Some(hello) = hello {
            return Some((Ok(hello), (None, rx)));
        }
        let data = match rx.recv().await {
            Ok(data) => data,
            Err(broadcast::error::RecvError::Lagged(_)) => message(0, &Reload::All).into(),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((
            Ok(Event::default().event("reload").data(&*data)),
            (None, rx),
        ))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The script a page is served with: `page` is the site path it was served from, `generation`
/// the build it came from. A changed page is fetched and its body swapped in rather than the
/// document reloaded: stylesheets, fonts and the reader's scroll position stay, and the change
/// shows in the time of one request. When the head changed beyond its title and meta tags (a
/// stylesheet, a script) or the fetch fails, the tab reloads. Scripts of a parsed document do not
/// run, so the new body's scripts are put back as fresh elements, which run as on a page load.
fn client_script(page: &str, generation: u64) -> String {
    let page = json_string(page);
    let code = format!(
        "(()=>{{const page={page},generation={generation},own=document.currentScript;\
         const es=new EventSource(\"{EVENTS_PATH}\");\
         const head=d=>[...d.head.children].filter(n=>n.tagName!==\"TITLE\"&&n.tagName!==\"META\")\
         .map(n=>n.outerHTML).join(\"\");\
         const swap=async()=>{{try{{const r=await fetch(location.href,{{cache:\"no-store\"}});\
         const doc=new DOMParser().parseFromString(await r.text(),\"text/html\");\
         if(!r.ok||head(doc)!==head(document))return location.reload();\
         doc.querySelectorAll(\"script[{MARK}]\").forEach(s=>s.remove());\
         document.title=doc.title;document.body.replaceWith(doc.body);\
         if(own)document.body.append(own);\
         document.body.querySelectorAll(\"script:not([{MARK}])\").forEach(s=>{{\
         const n=document.createElement(\"script\");\
         for(const a of s.attributes)n.setAttribute(a.name,a.value);\
         n.text=s.text;n.async=false;s.replaceWith(n)}});}}catch(e){{location.reload()}}}};\
         es.addEventListener(\"hello\",e=>{{if(Number(e.data)!==generation)location.reload()}});\
         es.addEventListener(\"reload\",e=>{{const r=JSON.parse(e.data);\
         if(r.all)location.reload();else if(r.pages.includes(page))swap()}});}})();"
    );
    // A path holding `</script>` must not end the script: `<\/` is the same string in JS.
    format!("<script {MARK}>{}</script>", code.replace("</", "<\\/"))
}

/// The attribute that marks the live-reload script, so a swapped-in body does not run it twice.
const MARK: &str = "data-sitegen-reload";

/// `html` with the live-reload script put before its last `</body>` (or at the end).
pub(super) fn inject(html: &str, page: &str, generation: u64) -> String {
    let script = client_script(page, generation);
    let at = html
        .to_ascii_lowercase()
        .rfind("</body")
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + script.len());
    out.push_str(&html[..at]);
    out.push_str(&script);
    out.push_str(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_json() {
        assert_eq!(
            message(3, &Reload::All),
            "{\"generation\":3,\"all\":true,\"pages\":[]}"
        );
        let pages = Reload::Pages(vec!["a/index.html".into(), "q\"\\\n.html".into()]);
        assert_eq!(
            message(4, &pages),
            "{\"generation\":4,\"all\":false,\"pages\":[\"a/index.html\",\"q\\\"\\\\\\u000a.html\"]}"
        );
    }

    #[test]
    fn script_goes_before_the_body_end_and_cannot_close_early() {
        let page = inject("<html><body><p>x</p></BODY></html>", "a/</script>.html", 2);
        let (before, after) = page.split_once("<script data-sitegen-reload>").unwrap();
        assert_eq!(before, "<html><body><p>x</p>");
        assert!(after.ends_with("</script></BODY></html>"), "{after}");
        assert_eq!(after.matches("</script>").count(), 1, "{after}");
        assert!(after.contains(EVENTS_PATH));
        assert!(inject("<p>x</p>", "a", 1).starts_with("<p>x</p><script data-sitegen-reload>"));
    }
}
