//! Makes KaTeX's MathML valid. KaTeX (0.16 and 0.18, bug #3721) writes an operator name used as
//! a script, `D_{KL}^{\max}`, as two children, `<mi>max</mi><mo>&#x2061;</mo>` (the name and an
//! invisible function application), so `<msubsup>` gets four children instead of three and the
//! Nu Html Checker rejects the page. The repair wraps such a name and its operator in one
//! `<mrow>`, which renders the same. It touches only the `<math>` part of KaTeX's output: the
//! visual HTML stays byte-identical. It must not reorder or re-escape anything else.

/// The function application character KaTeX puts after operator names.
const FUNCTION_APPLICATION: &str = "<mo>\u{2061}</mo>";

/// Script elements and how many children MathML allows them.
const ARITY: &[(&str, usize)] = &[
    ("msub", 2),
    ("msup", 2),
    ("msubsup", 3),
    ("munder", 2),
    ("mover", 2),
    ("munderover", 3),
];

/// `html` (KaTeX output, one expression) with every over-full script element repaired.
pub(crate) fn repair(html: String) -> String {
    if !html.contains(FUNCTION_APPLICATION) {
        return html;
    }
    let Some(math) = html.find("<math").zip(html.find("</math>")) else {
        return html;
    };
    let (start, end) = (math.0, math.1 + "</math>".len());
    let mut mathml = html[start..end].to_owned();
    // Innermost first: repairing an element never moves anything before it.
    for at in script_elements(&mathml).into_iter().rev() {
        repair_at(&mut mathml, at);
    }
    format!("{}{mathml}{}", &html[..start], &html[end..])
}

/// Offsets of the script elements' opening tags, in document order.
fn script_elements(mathml: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some(i) = mathml[pos..].find('<') {
        let at = pos + i;
        if arity(tag_name(&mathml[at..])).is_some() {
            found.push(at);
        }
        pos = at + 1;
    }
    found
}

fn arity(name: &str) -> Option<usize> {
    ARITY.iter().find(|(n, _)| *n == name).map(|&(_, a)| a)
}

/// The name of the tag `s` starts with (`<msub>` → `msub`); empty for a closing tag.
fn tag_name(s: &str) -> &str {
    let rest = s.strip_prefix('<').unwrap_or("");
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The end (just past its closing tag) of the element whose opening tag starts at `at`.
fn element_end(s: &str, at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut pos = at;
    loop {
        let open = pos + s[pos..].find('<')?;
        let close = open + s[open..].find('>')?;
        let tag = &s[open..=close];
        if tag.starts_with("</") {
            depth = depth.checked_sub(1)?;
        } else if !tag.ends_with("/>") {
            depth += 1;
        }
        pos = close + 1;
        if depth == 0 {
            return Some(pos);
        }
    }
}

/// Wraps the name before each extra function application of the element at `at` in `<mrow>`.
fn repair_at(mathml: &mut String, at: usize) {
    let Some(allowed) = arity(tag_name(&mathml[at..])) else {
        return;
    };
    let (Some(open_end), Some(end)) = (mathml[at..].find('>'), element_end(mathml, at)) else {
        return;
    };
    let close_start = mathml[..end].rfind("</").unwrap_or(end);
    let mut children = Vec::new();
    let mut pos = at + open_end + 1;
    while pos < close_start {
        let Some(child_end) = element_end(mathml, pos) else {
            return;
        };
        children.push(pos..child_end);
        pos = child_end;
    }
    let mut extra = children.len().saturating_sub(allowed);
    let mut wraps = Vec::new();
    for i in 1..children.len() {
        if extra > 0 && &mathml[children[i].clone()] == FUNCTION_APPLICATION {
            wraps.push((children[i - 1].start, children[i].end));
            extra -= 1;
        }
    }
    for (start, end) in wraps.into_iter().rev() {
        mathml.insert_str(end, "</mrow>");
        mathml.insert_str(start, "<mrow>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FA: &str = "<mo>\u{2061}</mo>";

    #[test]
    fn operator_name_scripts_are_wrapped() {
        let html = format!(
            "<span class=\"katex\"><span class=\"katex-mathml\"><math><semantics><mrow>\
             <msubsup><mi>D</mi><mrow><mi>K</mi><mi>L</mi></mrow><mi>max</mi>{FA}</msubsup>\
             </mrow></semantics></math></span><span class=\"katex-html\">{FA}</span></span>"
        );
        let fixed = repair(html.clone());
        assert_eq!(
            fixed,
            html.replace(
                &format!("<mi>max</mi>{FA}</msubsup>"),
                &format!("<mrow><mi>max</mi>{FA}</mrow></msubsup>")
            )
        );
        assert!(fixed.ends_with(&format!("<span class=\"katex-html\">{FA}</span></span>")));
    }

    #[test]
    fn valid_scripts_and_nested_ones() {
        // `\max_{x}`: KaTeX already wraps the base; nothing to do.
        let ok = format!("<math><msub><mrow><mi>max</mi>{FA}</mrow><mi>x</mi></msub></math>");
        assert_eq!(repair(ok.clone()), ok);
        // A script inside a script (`a^{b_{\min}}`): the inner one is repaired.
        let nested =
            format!("<math><msup><mi>a</mi><msub><mi>b</mi><mi>min</mi>{FA}</msub></msup></math>");
        assert_eq!(
            repair(nested),
            format!(
                "<math><msup><mi>a</mi><msub><mi>b</mi><mrow><mi>min</mi>{FA}</mrow></msub></msup></math>"
            )
        );
    }
}
