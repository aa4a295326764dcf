//! URL policy for what a paper file links to: a URL's scheme as a browser reads it, and the
//! check every front-matter URL field (`url` today) goes through. It must not fetch or
//! rewrite URLs; the markdown stage asks the same questions of summary links.

/// The scheme of `url` as a browser sees it (lowercase), None for a relative URL. Browsers drop
/// leading and trailing spaces and controls and every tab and line break before parsing, so
/// `" java\nscript:x"` is a `javascript:` URL and must be judged as one.
pub fn scheme(url: &str) -> Option<String> {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    let mut scheme = String::new();
    for c in trimmed.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')) {
        match c {
            ':' if !scheme.is_empty() => return Some(scheme),
            c if c.is_ascii_alphabetic() => scheme.push(c.to_ascii_lowercase()),
            '0'..='9' | '+' | '-' | '.' if !scheme.is_empty() => scheme.push(c),
            _ => return None,
        }
    }
    None
}

/// Whether `url` may be a link target in a summary: relative, or `http`, `https` or `mailto`.
/// Everything else (`javascript:`, `data:`, `vbscript:`, `file:`, …) is refused.
pub fn is_safe_link(url: &str) -> bool {
    scheme(url).is_none_or(|s| matches!(s.as_str(), "http" | "https" | "mailto"))
}

/// Checks a front-matter URL field: only `http(s)` and relative URLs are accepted, so a page's
/// "Read the paper" link and Scholar tags can never run a script. The error says why.
pub fn check_web_url(field: &str, url: &str) -> Result<(), String> {
    match scheme(url) {
        None => Ok(()),
        Some(s) if s == "http" || s == "https" => Ok(()),
        Some(s) => Err(format!(
            "front matter: `{field}` must be an http(s) or relative URL, not a `{s}:` URL"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_read_as_browsers_read_them() {
        assert_eq!(scheme("https://a.org/x").as_deref(), Some("https"));
        assert_eq!(
            scheme(" JavaScript:alert(1)").as_deref(),
            Some("javascript")
        );
        assert_eq!(scheme("java\tscr\nipt:x").as_deref(), Some("javascript"));
        assert_eq!(scheme("\u{1}data:text/html,x").as_deref(), Some("data"));
        assert_eq!(scheme("../papers/x/"), None);
        assert_eq!(scheme("/a:b"), None);
        assert_eq!(scheme("#sec:intro"), None);
        assert_eq!(scheme("x?a=b:c"), None);
        assert_eq!(scheme("1abc:x"), None);
    }

    #[test]
    fn only_web_urls_pass() {
        assert!(check_web_url("url", "https://arxiv.org/abs/1").is_ok());
        assert!(check_web_url("url", "http://x.org").is_ok());
        assert!(check_web_url("url", "/local.pdf").is_ok());
        let err = check_web_url("url", "javascript:alert(1)").unwrap_err();
        assert!(err.contains("not a `javascript:` URL"), "{err}");
        assert!(check_web_url("url", "data:text/html,<script>").is_err());
        assert!(check_web_url("url", "vbscript:x").is_err());
        assert!(is_safe_link("mailto:a@b.org"));
        assert!(!is_safe_link("vbscript:x"));
    }
}
