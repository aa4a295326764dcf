//! Byte ranges of a flattened summary where no structure is looked for: inline and display math
//! and code spans. It only finds them; deciding what they mean for the layout is the planner's.

use std::ops::Range;

/// Byte ranges of math and code spans, where no marker is looked for.
pub(super) fn protected_spans(raw: &str) -> Vec<Range<usize>> {
    let b = raw.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => {
                let n = b[i..].iter().take_while(|&&c| c == b'`').count();
                let close = find_backtick_run(b, i + n, n);
                match close {
                    Some(j) => {
                        spans.push(i..j + n);
                        i = j + n;
                    }
                    None => i += n,
                }
            }
            b'$' if b.get(i + 1) == Some(&b'$') => match raw[i + 2..].find("$$") {
                Some(j) => {
                    spans.push(i..i + 2 + j + 2);
                    i += 2 + j + 2;
                }
                None => i += 2,
            },
            b'$' => match inline_math_end(b, i) {
                Some(end) => {
                    spans.push(i..end);
                    i = end;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    spans
}

fn find_backtick_run(b: &[u8], from: usize, n: usize) -> Option<usize> {
    let mut j = from;
    while j < b.len() {
        if b[j] == b'`' {
            let m = b[j..].iter().take_while(|&&c| c == b'`').count();
            if m == n {
                return Some(j);
            }
            j += m;
        } else {
            j += 1;
        }
    }
    None
}

/// End of the `$...$` opened at `i`, pandoc's rule: the opener is not followed by a space, the
/// closer not preceded by a space nor followed by a digit. So `$5 and $10` is no math.
fn inline_math_end(b: &[u8], i: usize) -> Option<usize> {
    let next = *b.get(i + 1)?;
    if next.is_ascii_whitespace() {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'$' => {
                let before = b[j - 1];
                let after = b.get(j + 1).copied();
                if j > i + 1
                    && !before.is_ascii_whitespace()
                    && !after.is_some_and(|c| c.is_ascii_digit())
                {
                    return Some(j + 1);
                }
                j += 1;
            }
            _ => j += 1,
        }
    }
    None
}

pub(super) fn inside(protected: &[Range<usize>], pos: usize) -> bool {
    protected.iter().any(|r| r.start < pos && pos < r.end)
}
