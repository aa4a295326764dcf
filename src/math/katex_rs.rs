//! The `katex-rs` engine: a Rust port of KaTeX 0.18.5, many times faster than QuickJS. Its
//! attributes are put back in KaTeX's order so output is deterministic. Only rendering.

use std::collections::BTreeMap;

use katex_rs::macros::MacroDefinition;

use super::engine::{Rendered, short_message};

thread_local! {
    // katex-rs's function tables: built once per thread, like the QuickJS engine of `katex`.
    static KATEX_RS: katex_rs::KatexContext = katex_rs::KatexContext::default();
}

/// Renders `tex` with `macros` on this thread's katex-rs context.
pub(super) fn render(tex: &str, display: bool, macros: &BTreeMap<String, String>) -> Rendered {
    // Settings hold the macros in a RefCell (`\gdef` may change them), so each expression gets
    // its own: one expression's definitions never leak into another.
    let macros = macros
        .iter()
        .map(|(k, v)| (k.clone(), MacroDefinition::String(v.clone())))
        .collect();
    let settings = katex_rs::Settings::builder()
        .display_mode(display)
        .output(katex_rs::OutputFormat::HtmlAndMathml)
        .throw_on_error(true)
        .macros(macros)
        .build();
    KATEX_RS
        .with(|ctx| katex_rs::render_to_string(ctx, tex, &settings))
        .map(|html| katex_attribute_order(&html))
        .map_err(|e| short_message(&e.to_string()))
}

/// The order KaTeX writes attributes in (its source order, read off KaTeX 0.18.5's output for
/// every construct of the benchmark corpus and this repository). Attributes not listed follow,
/// by name.
const KATEX_ATTRIBUTE_ORDER: &[&str] = &[
    "class",
    "style",
    "xmlns",
    "display",
    "fence",
    "stretchy",
    "minsize",
    "maxsize",
    "mathvariant",
    "mathbackground",
    "width",
    "height",
    "voffset",
    "lspace",
    "rspace",
    "viewBox",
    "preserveAspectRatio",
    "rowspacing",
    "columnalign",
    "columnspacing",
    "scriptlevel",
    "displaystyle",
    "x1",
    "y1",
    "x2",
    "y2",
    "stroke-width",
];

/// katex-rs keeps attributes in a randomly seeded hash map, so their order changes from one run
/// to the next. Rewriting every tag's attributes in KaTeX's order makes the output
/// deterministic (byte-identical rebuilds) and closest to KaTeX's own.
pub fn katex_attribute_order(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        // KaTeX escapes `>` in attribute values, so the first `>` ends the tag.
        let Some(gt) = rest.find('>') else { break };
        reorder_tag(&rest[..=gt], &mut out);
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    out
}

/// Appends `tag` (`<name a="1" b="2">`) to `out` with its attributes in KaTeX's order; anything
/// that is not such a tag is appended unchanged.
fn reorder_tag(tag: &str, out: &mut String) {
    let name_len = tag[1..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(tag.len() - 1);
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    let mut rest = &tag[1 + name_len..];
    loop {
        let trimmed = rest.trim_start();
        let Some((name, after)) = trimmed.split_once("=\"") else {
            break;
        };
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '>') {
            break;
        }
        let Some(end) = after.find('"') else { break };
        attrs.push((name, &after[..end]));
        rest = &after[end + 1..];
    }
    if name_len == 0 || attrs.len() < 2 {
        out.push_str(tag);
        return;
    }
    let rank = |name: &str| {
        KATEX_ATTRIBUTE_ORDER
            .iter()
            .position(|known| *known == name)
            .unwrap_or(KATEX_ATTRIBUTE_ORDER.len())
    };
    attrs.sort_by(|a, b| (rank(a.0), a.0).cmp(&(rank(b.0), b.0)));
    out.push_str(&tag[..1 + name_len]);
    for (name, value) in attrs {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        out.push_str(value);
        out.push('"');
    }
    // What follows the last attribute: `>` or `/>`.
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::config::MathEngine;
    use crate::math::engine::Katex;

    #[test]
    fn attributes_come_in_katex_order() {
        let html = r#"<mo rspace="0em" mathvariant="normal" lspace="0em">′</mo><mi>x</mi>"#;
        assert_eq!(
            katex_attribute_order(html),
            r#"<mo mathvariant="normal" lspace="0em" rspace="0em">′</mo><mi>x</mi>"#
        );
        let svg = r#"<line y2="1" x1="0" zeta="z" alpha="a" x2="2" y1="3"/> tail"#;
        assert_eq!(
            katex_attribute_order(svg),
            r#"<line x1="0" y1="3" x2="2" y2="1" alpha="a" zeta="z"/> tail"#
        );
        assert_eq!(katex_attribute_order("a < b </span>"), "a < b </span>");
    }

    #[test]
    fn katex_rs_renders_deterministically_with_macros() {
        let mut macros = BTreeMap::new();
        macros.insert("\\vx".to_owned(), "\\mathbf{x}".to_owned());
        let k = Katex::new(MathEngine::KatexRs, &macros).unwrap();
        let html = k
            .render_one("\\vx' = \\begin{aligned} a &= b \\end{aligned}", true)
            .unwrap();
        assert!(html.starts_with("<span class=\"katex-display\">"), "{html}");
        assert!(html.contains("mathbf"), "{html}");
        assert!(
            html.contains(
                r#"<mtable rowspacing="0.25em" columnalign="right left" columnspacing="0em">"#
            ),
            "{html}"
        );
        // Each render draws a new hash seed inside katex-rs; the output must not show it.
        for _ in 0..5 {
            assert_eq!(
                k.render_one("\\vx' = \\begin{aligned} a &= b \\end{aligned}", true)
                    .unwrap(),
                html
            );
        }
        let err = k.render_one("x^1^2", false).unwrap_err();
        assert!(
            err.starts_with("KaTeX parse error: Double superscript at position"),
            "{err}"
        );
    }
}
