//! What is checked of an expression before either engine sees it: its size and how deeply its
//! groups nest (a 150 KB formula takes a minute to render; a few hundred nested groups
//! overflow `katex-rs`'s stack), and the commands KaTeX leaves red because its `trust` setting
//! is off. Linear scans of the TeX; it must not render or decide how problems are reported.

/// The longest expression rendered, in bytes; a longer one is shown as its source.
pub const MAX_TEX_BYTES: usize = 10 * 1024;

/// The deepest nesting of groups (`{…}`, `\left…\right`, `\begin…\end`) rendered.
pub const MAX_TEX_DEPTH: usize = 100;

/// Commands KaTeX only renders with `trust` on, which sitegen leaves off on purpose so a summary
/// cannot link to `javascript:` or embed files from its math.
const UNTRUSTED: &[&str] = &[
    "href",
    "url",
    "includegraphics",
    "htmlClass",
    "htmlId",
    "htmlStyle",
    "htmlData",
];

/// Err with KaTeX-style wording ("… at position N", 1-based UTF-16, as KaTeX counts) when
/// `tex` is too long or nests too deeply to be handed to an engine.
pub fn check(tex: &str) -> Result<(), String> {
    if tex.len() > MAX_TEX_BYTES {
        return Err(format!(
            "expression of {} bytes not rendered: the limit is {MAX_TEX_BYTES} bytes",
            tex.len()
        ));
    }
    let mut depth = 0usize;
    for (at, token) in tokens(tex) {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            Token::Command(name) => match name {
                "left" | "begin" => depth += 1,
                "right" | "end" => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        if depth > MAX_TEX_DEPTH {
            return Err(format!(
                "groups nested more than {MAX_TEX_DEPTH} deep not rendered at position {}",
                utf16_len(&tex[..at]) + 1
            ));
        }
    }
    Ok(())
}

/// The first command of `tex` that KaTeX will not render because `trust` is off, and its byte
/// offset.
pub fn untrusted_command(tex: &str) -> Option<(&str, usize)> {
    tokens(tex).find_map(|(at, t)| match t {
        Token::Command(name) if UNTRUSTED.contains(&name) => Some((name, at)),
        _ => None,
    })
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'t> {
    Open,
    Close,
    /// `\name` (letters only), without the backslash.
    Command(&'t str),
}

/// The braces and commands of `tex` with their byte offsets, skipping escaped characters (`\{`)
/// and `%` comments.
fn tokens(tex: &str) -> impl Iterator<Item = (usize, Token<'_>)> {
    let bytes = tex.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let at = i;
            i += 1;
            match bytes[at] {
                b'{' => return Some((at, Token::Open)),
                b'}' => return Some((at, Token::Close)),
                b'%' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'\\' => {
                    let start = i;
                    while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                    if i > start {
                        return Some((at, Token::Command(&tex[start..i])));
                    }
                    // `\{`, `\\`, `\%`: one escaped character (ASCII, or a UTF-8 lead byte
                    // whose continuation bytes match nothing above).
                    i += 1;
                }
                _ => {}
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_and_depth_are_bounded() {
        assert!(check("\\frac{a}{b} \\left( x \\right)").is_ok());
        let long = "x+".repeat(MAX_TEX_BYTES);
        assert!(check(&long).unwrap_err().contains("limit is 10240 bytes"));
        let deep = format!("é{}", "\\sqrt{".repeat(MAX_TEX_DEPTH + 1));
        let err = check(&deep).unwrap_err();
        // The group that goes one too deep: é, then 100 × `\sqrt{` (6 units), then `\sqrt`.
        assert!(
            err.ends_with(&format!("at position {}", 1 + 6 * MAX_TEX_DEPTH + 6)),
            "{err}"
        );
        let balanced = "{x}".repeat(10 * MAX_TEX_DEPTH);
        assert!(check(&balanced).is_ok());
        let escaped = "\\{".repeat(2 * MAX_TEX_DEPTH) + "% {{{{{\n";
        assert!(check(&escaped).is_ok());
        let lefts = "\\left(".repeat(MAX_TEX_DEPTH + 1);
        assert!(check(&lefts).is_err());
    }

    #[test]
    fn untrusted_commands_are_found() {
        assert_eq!(
            untrusted_command("a \\href{javascript:x}{b}"),
            Some(("href", 2))
        );
        assert_eq!(untrusted_command("\\urlx \\url{y}"), Some(("url", 6)));
        assert_eq!(untrusted_command("\\\\href"), None);
        assert_eq!(untrusted_command("x^2"), None);
    }
}
