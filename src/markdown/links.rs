//! Site-absolute links written in summaries (`[x](/papers/b/)`, `<img src="/images/f.png">`)
//! get the path the site lives under, so they still work when the site is published under a
//! GitHub Pages project prefix. It must not touch relative or external links.

use pulldown_cmark::{CowStr, Event, Tag};

/// `dest` as the built site must link it: a site-absolute path (`/papers/b/`, not `//host/x`)
/// gets the path the site lives under, so it works under a GitHub Pages project prefix.
pub fn site_link<'a>(dest: CowStr<'a>, base_path: &str) -> CowStr<'a> {
    match dest.strip_prefix('/') {
        Some(rest) if !rest.starts_with('/') && base_path != "/" => {
            CowStr::from(format!("{}/{rest}", base_path.trim_end_matches('/')))
        }
        _ => dest,
    }
}

/// `event` with its site-absolute link targets under the base path: markdown links and images,
/// and `href`/`src` of raw HTML.
pub(super) fn rebase<'a>(event: Event<'a>, base_path: &str) -> Event<'a> {
    if base_path == "/" {
        return event;
    }
    match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: site_link(dest_url, base_path),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: site_link(dest_url, base_path),
            title,
            id,
        }),
        Event::Html(html) => Event::Html(rebase_html(html, base_path)),
        Event::InlineHtml(html) => Event::InlineHtml(rebase_html(html, base_path)),
        other => other,
    }
}

/// Raw HTML with the base path put before every site-absolute `href` or `src` value, found by
/// an HTML tokenizer (quoted or not); everything else stays byte for byte.
fn rebase_html<'a>(html: CowStr<'a>, base_path: &str) -> CowStr<'a> {
    let mut emitter = html5gum::DefaultEmitter::<usize>::new_with_span();
    emitter.naively_switch_states(true);
    let mut at = Vec::new();
    for token in html5gum::Tokenizer::new_with_emitter(&*html, emitter).flatten() {
        let html5gum::Token::StartTag(tag) = token else {
            continue;
        };
        for (name, value) in &tag.attributes {
            if !matches!(name.as_slice(), b"href" | b"src") {
                continue;
            }
            // The span runs from the attribute's name to the end of its value.
            let written = html.get(value.span.start..value.span.end).unwrap_or("");
            let Some(eq) = written.find('=') else {
                continue;
            };
            let after = &written[eq + 1..];
            let value_at = eq + 1 + (after.len() - after.trim_start().len());
            let quote = usize::from(written[value_at..].starts_with(['"', '\'']));
            let start = value.span.start + value_at + quote;
            let rest = html.get(start..).unwrap_or("");
            if rest.starts_with('/') && !rest.starts_with("//") {
                at.push(start);
            }
        }
    }
    if at.is_empty() {
        return html;
    }
    at.sort_unstable();
    let prefix = base_path.trim_end_matches('/');
    let mut out = String::with_capacity(html.len() + at.len() * prefix.len());
    let mut pos = 0;
    for start in at {
        out.push_str(&html[pos..start]);
        out.push_str(prefix);
        pos = start;
    }
    out.push_str(&html[pos..]);
    CowStr::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_absolute_links_get_the_base_path() {
        let link = |d: &'static str, base: &str| site_link(CowStr::from(d), base).to_string();
        assert_eq!(link("/papers/b/", "/r/"), "/r/papers/b/");
        assert_eq!(link("/papers/b/", "/"), "/papers/b/");
        for kept in ["//cdn.org/x", "https://a.org/", "../b/", "#top", "img.png"] {
            assert_eq!(link(kept, "/r/"), kept);
        }
    }

    #[test]
    fn raw_html_links_get_the_base_path_however_quoted() {
        let html = CowStr::from(
            "<img src='/i/f.png' alt=\"/no\"> <a href = \"/papers/b/\">b</a> <a href=/x>x</a> \
             <a href=\"//cdn/x\">c</a> <script>var a = '<a href=\"/in-js\">';</script>",
        );
        assert_eq!(
            &*rebase_html(html, "/r/"),
            "<img src='/r/i/f.png' alt=\"/no\"> <a href = \"/r/papers/b/\">b</a> <a href=/r/x>x</a> \
             <a href=\"//cdn/x\">c</a> <script>var a = '<a href=\"/in-js\">';</script>"
        );
    }
}
