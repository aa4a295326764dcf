//! Text that would silently come out wrong, and GitHub's `` $`…`$ `` math form.
//!
//! pulldown-cmark refuses a `$…$` span whose braces are unbalanced (`$x^{2$`) and hands every
//! `$` of it back as a lone `Text("$")` event: the page would show raw TeX with no word said.
//! `TextWatch` looks at those lone dollars, pairs them as pulldown-cmark would have, and
//! reports the pairs it refused; it also notes the first Liquid tag (`{% … %}`, `{{ … }}`, from
//! Jekyll sites) outside code, which sitegen does not run. `github_math` strips the backticks
//! of `` $`…`$ ``. They must not change any other event, nor parse TeX beyond counting braces.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// A `$…$` or `$$…$$` pulldown-cmark left as text: byte offsets in the summary, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnparsedMath {
    /// The opening `$`.
    pub(crate) at: usize,
    pub(crate) message: String,
}

/// Passes every event through; records, per block, the dollar pairs that did not become math.
pub(crate) struct TextWatch<'s, 'o, I> {
    inner: I,
    source: &'s str,
    /// Offsets of lone `$` text events in the current block.
    dollars: Vec<usize>,
    in_code_block: bool,
    found: &'o mut Vec<UnparsedMath>,
    /// Offset of the first Liquid tag seen in text.
    pub(crate) liquid: Option<usize>,
}

impl<'s, 'o, I> TextWatch<'s, 'o, I> {
    pub(crate) fn new(inner: I, source: &'s str, found: &'o mut Vec<UnparsedMath>) -> Self {
        TextWatch {
            inner,
            source,
            dollars: Vec::new(),
            in_code_block: false,
            found,
            liquid: None,
        }
    }

    fn end_block(&mut self) {
        let dollars = std::mem::take(&mut self.dollars);
        self.found.extend(refused_pairs(self.source, &dollars));
    }
}

impl<'a, I> Iterator for TextWatch<'_, '_, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let Some((event, range)) = self.inner.next() else {
            self.end_block();
            return None;
        };
        match &event {
            Event::Start(Tag::CodeBlock(_)) => self.in_code_block = true,
            Event::End(TagEnd::CodeBlock) => self.in_code_block = false,
            Event::Text(t)
                if !self.in_code_block
                    && t.as_ref() == "$"
                    && self.source.get(range.clone()) == Some("$") =>
            {
                self.dollars.push(range.start);
            }
            Event::Text(t) if !self.in_code_block && self.liquid.is_none() => {
                if let Some(at) = liquid_tag(t) {
                    // Text events of escapes start after their backslash; the tag is what counts.
                    self.liquid = Some(range.start + at.min(range.len()));
                }
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell,
            ) => self.end_block(),
            _ => {}
        }
        Some((event, range))
    }
}

/// Where `text` has a Liquid tag: `{%` … `%}` or `{{` … `}}`.
fn liquid_tag(text: &str) -> Option<usize> {
    [("{%", "%}"), ("{{", "}}")]
        .iter()
        .filter_map(|(open, close)| {
            let at = text.find(open)?;
            text[at + 2..].contains(close).then_some(at)
        })
        .min()
}

/// Runs of adjacent lone dollars (`$` or `$$`) as (offset, length).
fn runs(dollars: &[usize]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &d in dollars {
        match runs.last_mut() {
            Some((start, len)) if *start + *len == d => *len += 1,
            _ => runs.push((d, 1)),
        }
    }
    runs
}

/// The dollar pairs of one block that would be math but for unbalanced braces.
fn refused_pairs(source: &str, dollars: &[usize]) -> Vec<UnparsedMath> {
    let bytes = source.as_bytes();
    let runs = runs(dollars);
    // A run that could close `$…$` (index 0) or `$$…$$` (index 1): no space before it, and for
    // inline math no digit after it, as in `$5 and $10`. `next_closer[k][i]` is the first such
    // run after run `i`, found in one backward pass so a block of many dollars stays linear.
    let closes = |&(at, l): &(usize, usize), len: usize| {
        l == len
            && bytes
                .get(at.wrapping_sub(1))
                .is_some_and(|b| !b.is_ascii_whitespace())
            && (len == 2 || !bytes.get(at + l).is_some_and(u8::is_ascii_digit))
    };
    let mut next_closer = [vec![None; runs.len()], vec![None; runs.len()]];
    for (k, next) in next_closer.iter_mut().enumerate() {
        let mut seen = None;
        for i in (0..runs.len()).rev() {
            next[i] = seen;
            if closes(&runs[i], k + 1) {
                seen = Some(i);
            }
        }
    }
    let mut found = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let (open, len) = runs[i];
        let after_open = bytes.get(open + len).copied();
        if len > 2 || after_open.is_none_or(|b| b.is_ascii_whitespace()) {
            i += 1;
            continue;
        }
        let Some(j) = next_closer[len - 1][i] else {
            i += 1;
            continue;
        };
        let (close, _) = runs[j];
        let tex = source.get(open + len..close).unwrap_or("");
        if let Some(why) = unbalanced(tex) {
            let delim = &source[open..open + len];
            found.push(UnparsedMath {
                at: open,
                message: format!(
                    "`{delim}{tex}{delim}` is not rendered as math: {why}; balance them \
                     (`\\{{` and `\\}}` are literal braces), or write `\\$` for a dollar sign"
                ),
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }
    found
}

/// Why the braces of `tex` keep it from being math, counting as pulldown-cmark does
/// (a backslash escapes the next character).
fn unbalanced(tex: &str) -> Option<String> {
    let (mut open, mut close, mut depth, mut dipped) = (0usize, 0usize, 0isize, false);
    let mut chars = tex.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => {
                open += 1;
                depth += 1;
            }
            '}' => {
                close += 1;
                depth -= 1;
                dipped |= depth < 0;
            }
            _ => {}
        }
    }
    if open == close && !dipped {
        return None;
    }
    Some(if open == close {
        "a `}` closes a brace that was never opened".to_owned()
    } else {
        format!("its braces are unbalanced ({open} `{{` and {close} `}}`)")
    })
}

/// Turns GitHub's inline math `` $`…`$ `` (which pulldown-cmark reads as math whose TeX starts
/// and ends with backticks) into plain inline math.
pub(crate) fn github_math<'a>(
    (event, range): (Event<'a>, Range<usize>),
    source: &str,
) -> (Event<'a>, Range<usize>) {
    match event {
        Event::InlineMath(tex)
            if source
                .get(range.clone())
                .is_some_and(|raw| raw.starts_with("$`")) =>
        {
            let ticks = tex.len() - tex.trim_start_matches('`').len();
            let inner = tex
                .get(ticks..tex.len().saturating_sub(ticks))
                .unwrap_or("");
            if ticks > 0 && tex.len() >= 2 * ticks && tex.ends_with(&"`".repeat(ticks)) {
                (Event::InlineMath(CowStr::from(inner.to_owned())), range)
            } else {
                (Event::InlineMath(tex), range)
            }
        }
        other => (other, range),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::Parser;

    fn refused(md: &str) -> Vec<UnparsedMath> {
        let mut found = Vec::new();
        let events = Parser::new_ext(md, super::super::options()).into_offset_iter();
        TextWatch::new(events, md, &mut found).for_each(drop);
        found
    }

    #[test]
    fn unbalanced_dollar_spans_are_found_at_their_opening_dollar() {
        let md = "a $x^{2$ b $y$ and $$\\frac{a$$\n\n{ $\\{z_t^1...z_t^R}$ }\n";
        let found = refused(md);
        let at: Vec<usize> = found.iter().map(|f| f.at).collect();
        let expected = [2, md.find("$$").unwrap(), md.find("$\\{").unwrap()];
        assert_eq!(at, expected, "{found:?}");
        assert!(
            found[0].message.starts_with(
                "`$x^{2$` is not rendered as math: its braces are unbalanced (1 `{` and 0 `}`)"
            ),
            "{}",
            found[0].message
        );
        assert!(
            found[2].message.contains("(0 `{` and 1 `}`)"),
            "{}",
            found[2].message
        );
    }

    #[test]
    fn prices_code_and_escapes_are_not_reported() {
        for md in [
            "It costs $5 and $10.\n",
            "`$x^{2$` and\n\n```\n$a{$\n```\n",
            "a \\$x{ and y$ b\n",
            "$ x{ $ has spaces\n",
            "$x$ and $y$\n",
        ] {
            assert_eq!(refused(md), [], "{md}");
        }
    }

    #[test]
    fn liquid_tags_outside_code_are_noted_once() {
        let md = "a `{{ no }}`\n\n```\n{% no %}\n```\nx {% include a.html %} {{ site.b }}\n";
        let mut found = Vec::new();
        let events = Parser::new_ext(md, super::super::options()).into_offset_iter();
        let mut watch = TextWatch::new(events, md, &mut found);
        watch.by_ref().for_each(drop);
        assert_eq!(watch.liquid, md.find("{% include"));
        assert_eq!(liquid_tag("set {x} and {{y}}"), Some(12));
        assert_eq!(liquid_tag("{{ open"), None);
    }

    #[test]
    fn github_backtick_math_loses_its_backticks() {
        let md = "$`x^2`$ and $`` a`b ``$";
        let tex: Vec<String> = Parser::new_ext(md, super::super::options())
            .into_offset_iter()
            .map(|e| github_math(e, md))
            .filter_map(|(e, _)| match e {
                Event::InlineMath(t) => Some(t.into_string()),
                _ => None,
            })
            .collect();
        assert_eq!(tex, ["x^2", " a`b "]);
    }
}
