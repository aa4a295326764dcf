//! Restoring the markdown structure of a summary that the dump flattened onto one line. It only
//! ever replaces the whitespace at a break point with newlines and indentation: every other byte
//! is kept, and nothing inside `$...$`, `$$...$$` or a code span is looked at as structure.
//!
//! A marker counts only when whitespace (or the start) precedes it. The rules:
//! - Heading: `#`…`######`, a space, then not a lowercase letter. Its text runs until the next
//!   marker or the first word that starts a sentence: a capitalised word (`The`, `Autoregressive`,
//!   not `DRAW` or `GANs`) after a word ending in `.:?!`, after a word starting in lowercase, or
//!   a capitalised function word (`In`, `This`, `We`, …). So `#### Advantages In this model …`
//!   gives the heading `Advantages`.
//! - Bullet `* ` always (not `*emphasis*`, not `2 * 3`). Bullet `- ` only where a list can start:
//!   at a block start (text start, after a heading or rule), after a word ending in `:`, inside a
//!   `-` list, or after a lead-in word that cannot end a sentence (`with`, `for`, `are`, …) when
//!   another `- ` follows; so `a model - in fact, … - which` stays prose.
//! - Numbered `N. `: continues a numbered list when N is the next number; starts one when N is 1
//!   and it follows a `:`, a block start, or a `2. ` follows.
//! - Nesting: the items after an item ending in `:` are nested one level deeper, until the list
//!   ends (an item of a kind already open returns to that level).
//! - A list ends at a heading, a rule or a standalone image; until then its last item keeps the
//!   text that follows (there is no way to tell where it ended).
//! - Rule: a run of 3+ `-`, `_` or `*` standing alone, after the end of a sentence or 5+ long
//!   (so `model --- which` stays a dash).
//! - Image `![…](…)` after the end of a sentence: its own paragraph, with an `*emphasis*`
//!   caption right after it on the next line; a capitalised word after it starts a paragraph.
//! - Display math `$$…$$` goes on its own line inside its paragraph or item, unless what follows
//!   would then start a line with markdown syntax.

use std::ops::Range;

/// The markdown of a flattened summary with its structure restored.
pub fn restore(raw: &str) -> String {
    let protected = protected_spans(raw);
    let cands = candidates(raw, &protected);
    let breaks = Planner::new(raw, &protected, &cands).plan();
    let mut out = String::with_capacity(raw.len() + breaks.len() * 4);
    let mut last = 0;
    for (pos, sep) in breaks {
        let piece = raw[last..pos].trim_end();
        out.push_str(piece);
        if !out.is_empty() {
            out.push_str(&sep);
        }
        last = pos;
    }
    out.push_str(raw[last..].trim_end());
    out
}

/// Byte ranges of math and code spans, where no marker is looked for.
fn protected_spans(raw: &str) -> Vec<Range<usize>> {
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

fn inside(protected: &[Range<usize>], pos: usize) -> bool {
    protected.iter().any(|r| r.start < pos && pos < r.end)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Heading,
    Star,
    Dash,
    Number(u32),
    /// A run of `-`, `_` or `*` of this many bytes.
    Rule(usize),
    /// `$$…$$` ending at this offset.
    Display(usize),
    Image,
}

#[derive(Debug, Clone, Copy)]
struct Cand {
    pos: usize,
    kind: Kind,
    /// Where the text after the marker (and its space) starts.
    text: usize,
}

/// Every place a marker could start; the planner decides which ones are structure.
fn candidates(raw: &str, protected: &[Range<usize>]) -> Vec<Cand> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    for pos in 0..b.len() {
        if !raw.is_char_boundary(pos) || (pos > 0 && !b[pos - 1].is_ascii_whitespace()) {
            continue;
        }
        if b[pos].is_ascii_whitespace() {
            continue;
        }
        if let Some(r) = protected.iter().find(|r| r.start == pos) {
            if raw[pos..].starts_with("$$") {
                out.push(Cand {
                    pos,
                    kind: Kind::Display(r.end),
                    text: pos,
                });
            }
            continue;
        }
        if inside(protected, pos) {
            continue;
        }
        let rest = &raw[pos..];
        let run = |c: u8| b[pos..].iter().take_while(|&&x| x == c).count();
        let ends_at = |n: usize| b.get(pos + n).is_none_or(|c| c.is_ascii_whitespace());
        let spaced = |n: usize| b.get(pos + n) == Some(&b' ');
        let after = |n: usize| (pos + n + 1).min(b.len());
        let kind = match b[pos] {
            b'#' => {
                let n = run(b'#');
                // Only past the space is `after(n)` a char boundary (`#é` is no heading).
                let heading = n <= 6
                    && spaced(n)
                    && raw
                        .get(after(n)..)
                        .and_then(|s| s.chars().next())
                        .is_some_and(|c| !c.is_lowercase());
                heading.then_some((Kind::Heading, after(n)))
            }
            c @ (b'-' | b'_' | b'*') if run(c) >= 3 && ends_at(run(c)) => {
                Some((Kind::Rule(run(c)), after(run(c))))
            }
            b'*' if spaced(1) => Some((Kind::Star, after(1))),
            b'-' if spaced(1) => Some((Kind::Dash, after(1))),
            b'!' if rest.starts_with("![") => Some((Kind::Image, pos)),
            c if c.is_ascii_digit() => {
                let n = b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
                let number = (n <= 2 && b.get(pos + n) == Some(&b'.') && spaced(n + 1))
                    .then(|| rest[..n].parse::<u32>().ok())
                    .flatten();
                number.map(|k| (Kind::Number(k), after(n + 1)))
            }
            _ => None,
        };
        if let Some((kind, text)) = kind {
            out.push(Cand { pos, kind, text });
        }
    }
    out
}

/// Words that start a sentence rather than continue a title.
const FUNCTION_WORDS: &[&str] = &[
    "A", "An", "The", "In", "On", "At", "Of", "For", "To", "By", "As", "If", "When", "While",
    "Although", "Because", "So", "But", "And", "Or", "This", "That", "These", "Those", "We", "I",
    "It", "Its", "They", "Their", "Our", "He", "She", "You", "Here", "There", "Now", "Note", "Let",
    "Then", "Also", "However", "Thus", "Hence", "Instead", "Unlike", "Like", "With",
];

/// Words after which a sentence cannot end, so a following `- ` starts a list.
const LEAD_INS: &[&str] = &[
    "with",
    "for",
    "of",
    "to",
    "are",
    "is",
    "were",
    "was",
    "be",
    "include",
    "includes",
    "including",
    "like",
    "as",
    "follows",
    "following",
    "namely",
    "from",
    "by",
    "about",
    "between",
    "using",
    "use",
    "uses",
    "e.g.",
    "i.e.",
    "and",
    "or",
    "into",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ctx {
    Start,
    Para,
    Heading,
    Rule,
    Item,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ListKind {
    Star,
    Dash,
    /// The number the next item of this list would have.
    Number(u32),
}

#[derive(Debug, Clone, Copy)]
struct Level {
    kind: ListKind,
    /// Column where this level's markers start.
    indent: usize,
    /// Bytes of the last marker at this level (`*` 1, `12.` 3), for its content column.
    marker: usize,
    /// Opened by an item ending in `:`.
    colon: bool,
    /// Every item at this level so far ended a sentence (`.`, `!`, `?`).
    sentences: bool,
}

struct Planner<'a> {
    raw: &'a str,
    protected: &'a [Range<usize>],
    cands: &'a [Cand],
    breaks: Vec<(usize, String)>,
    ctx: Ctx,
    levels: Vec<Level>,
    /// Start of the current block's text (after its marker).
    block_text: usize,
}

impl<'a> Planner<'a> {
    fn new(raw: &'a str, protected: &'a [Range<usize>], cands: &'a [Cand]) -> Self {
        Planner {
            raw,
            protected,
            cands,
            breaks: Vec::new(),
            ctx: Ctx::Start,
            levels: Vec::new(),
            block_text: 0,
        }
    }

    /// Break points in order: at each, the whitespace before is replaced by the separator.
    fn plan(mut self) -> Vec<(usize, String)> {
        let mut k = 0;
        let mut skip_to = 0;
        while k < self.cands.len() {
            let c = self.cands[k];
            k += 1;
            if c.pos < skip_to {
                continue;
            }
            let accepted = match c.kind {
                Kind::Heading => self.heading(c, k),
                Kind::Star => !self.multiplication(c) && self.item(c, k, ListKind::Star),
                Kind::Dash => self.dash_allowed(c, k) && self.item(c, k, ListKind::Dash),
                Kind::Number(n) => {
                    self.number_allowed(c, k, n) && self.item(c, k, ListKind::Number(n))
                }
                Kind::Rule(len) => self.rule(c, len, k),
                Kind::Display(end) => {
                    self.display(c, end, k);
                    true
                }
                Kind::Image => match self.image(c, k) {
                    Some(end) => {
                        skip_to = end;
                        true
                    }
                    None => false,
                },
            };
            if !accepted && self.ctx == Ctx::Heading {
                // A heading ends at any marker, even one that is no structure here.
                self.block(c.pos, Ctx::Para);
            }
        }
        self.breaks
    }

    fn push(&mut self, pos: usize, sep: String) {
        if self.breaks.last().is_some_and(|(p, _)| *p == pos) {
            self.breaks.pop();
        }
        if pos > 0 {
            self.breaks.push((pos, sep));
        }
    }

    /// Starts a non-list block at `pos`.
    fn block(&mut self, pos: usize, ctx: Ctx) {
        self.push(pos, "\n\n".into());
        self.ctx = ctx;
        self.levels.clear();
        self.block_text = pos;
    }

    fn pending_text(&self, pos: usize) -> &str {
        self.raw[self.block_text.min(pos)..pos].trim()
    }

    fn at_block_start(&self, pos: usize) -> bool {
        match self.ctx {
            Ctx::Heading => true,
            Ctx::Start | Ctx::Rule => self.pending_text(pos).is_empty(),
            Ctx::Para | Ctx::Item => false,
        }
    }

    /// The word before `pos`, outside of any span (empty at the start).
    fn prev_word(&self, pos: usize) -> &str {
        let before = self.raw[..pos].trim_end();
        before.rsplit(char::is_whitespace).next().unwrap_or("")
    }

    fn next_cand_pos(&self, k: usize) -> usize {
        self.cands.get(k).map_or(self.raw.len(), |c| c.pos)
    }

    fn heading(&mut self, c: Cand, k: usize) -> bool {
        self.block(c.pos, Ctx::Heading);
        let limit = self.next_cand_pos(k);
        if let Some(start) = self.sentence_start(c.text, limit) {
            self.block(start, Ctx::Para);
        }
        true
    }

    /// The first word in `from..limit` (not the first one) that starts a sentence.
    fn sentence_start(&self, from: usize, limit: usize) -> Option<usize> {
        let mut prev: Option<&str> = None;
        let mut pos = from;
        for word in self.raw[from..limit].split(' ') {
            let at = pos;
            pos += word.len() + 1;
            if word.is_empty() {
                continue;
            }
            if inside(self.protected, at) || self.protected.iter().any(|r| r.start == at) {
                prev = Some("x");
                continue;
            }
            if let Some(p) = prev {
                let starts_lower = p
                    .chars()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(char::is_lowercase);
                let ends_sentence = p.ends_with(['.', ':', '?', '!']);
                let bare = word.trim_end_matches(|c: char| !c.is_alphanumeric());
                if looks_like_sentence_start(word)
                    && (ends_sentence || starts_lower || FUNCTION_WORDS.contains(&bare))
                {
                    return Some(at);
                }
            }
            prev = Some(word);
        }
        None
    }

    fn multiplication(&self, c: Cand) -> bool {
        let numeric =
            |w: &str| !w.is_empty() && w.chars().all(|ch| ch.is_ascii_digit() || ch == '.');
        let next = self.raw[c.text..].split_whitespace().next().unwrap_or("");
        numeric(self.prev_word(c.pos)) && numeric(next)
    }

    fn dash_allowed(&self, c: Cand, k: usize) -> bool {
        if self.at_block_start(c.pos) || self.prev_word(c.pos).ends_with(':') {
            return true;
        }
        if self.ctx == Ctx::Item && self.levels.iter().any(|l| l.kind == ListKind::Dash) {
            return true;
        }
        let lead_in = LEAD_INS.contains(&self.prev_word(c.pos).to_lowercase().as_str());
        lead_in && self.another_before_block(k, |kind| kind == Kind::Dash)
    }

    fn number_allowed(&self, c: Cand, k: usize, n: u32) -> bool {
        if self.ctx == Ctx::Item && self.levels.iter().any(|l| l.kind == ListKind::Number(n)) {
            return true;
        }
        n == 1
            && (self.at_block_start(c.pos)
                || self.prev_word(c.pos).ends_with(':')
                || self.another_before_block(k, |kind| kind == Kind::Number(2)))
    }

    /// Whether a candidate matching `want` comes after candidate `k - 1` before a heading/rule.
    fn another_before_block(&self, k: usize, want: impl Fn(Kind) -> bool) -> bool {
        for c in &self.cands[k..] {
            if want(c.kind) {
                return true;
            }
            if matches!(c.kind, Kind::Heading | Kind::Rule(_)) {
                return false;
            }
        }
        false
    }

    fn item(&mut self, c: Cand, k: usize, kind: ListKind) -> bool {
        let marker = c.text - c.pos - 1;
        let same = |a: ListKind, b: ListKind| match (a, b) {
            (ListKind::Number(_), ListKind::Number(_)) => true,
            _ => a == b,
        };
        let top = Level {
            kind,
            indent: 0,
            marker,
            colon: false,
            sentences: true,
        };
        let depth = if self.ctx != Ctx::Item {
            self.levels.clear();
            self.levels.push(top);
            0
        } else {
            let previous = self.pending_text(c.pos).to_owned();
            if let Some(last) = self.levels.last_mut() {
                let closed = previous.trim_end_matches([')', '"', '\'', '*']);
                last.sentences &= closed.ends_with(['.', '!', '?']);
            }
            if previous.ends_with(':') {
                let parent = self.levels[self.levels.len() - 1];
                self.levels.push(Level {
                    indent: parent.indent + parent.marker + 1,
                    colon: true,
                    ..top
                });
                self.levels.len() - 1
            } else {
                // A title-like item (`Practical Considerations`) after sentence items closes the
                // nested list those sentences were in.
                let own = self.raw[c.text..self.next_cand_pos(k)].trim();
                let title_like = own.ends_with(|ch: char| ch.is_alphanumeric())
                    && own.split_whitespace().count() <= 6;
                while title_like
                    && self.levels.len() > 1
                    && self.levels.last().is_some_and(|l| l.colon && l.sentences)
                {
                    self.levels.pop();
                }
                match self.levels.iter().rposition(|l| same(l.kind, kind)) {
                    Some(d) => {
                        self.levels.truncate(d + 1);
                        d
                    }
                    None => {
                        // A different kind of list at the top: it is a new list.
                        self.levels.clear();
                        self.levels.push(top);
                        0
                    }
                }
            }
        };
        let level = &mut self.levels[depth];
        level.kind = match kind {
            ListKind::Number(n) => ListKind::Number(n + 1),
            other => other,
        };
        level.marker = marker;
        let indent = " ".repeat(level.indent);
        let sep = if self.ctx == Ctx::Item {
            format!("\n{indent}")
        } else {
            format!("\n\n{indent}")
        };
        self.push(c.pos, sep);
        self.ctx = Ctx::Item;
        self.block_text = c.text;
        true
    }

    fn rule(&mut self, c: Cand, len: usize, k: usize) -> bool {
        let prev = self.raw[..c.pos].trim_end();
        let after_sentence = prev.is_empty() || prev.ends_with(['.', '!', '?', ':', '*', ')', '_']);
        if len < 5 && !after_sentence {
            return false;
        }
        self.block(c.pos, Ctx::Rule);
        let end = c.pos + len;
        if let Some(w) = self.next_word(end)
            && w != self.next_cand_pos(k)
        {
            self.block(w, Ctx::Para);
        }
        true
    }

    /// Where the next word after `from` starts, if any.
    fn next_word(&self, from: usize) -> Option<usize> {
        let rest = &self.raw[from..];
        let skipped = rest.len() - rest.trim_start().len();
        (skipped < rest.len()).then_some(from + skipped)
    }

    /// The column where continuation lines of the current block start.
    fn continuation(&self) -> String {
        match (self.ctx, self.levels.last()) {
            (Ctx::Item, Some(l)) => " ".repeat(l.indent + l.marker + 1),
            _ => String::new(),
        }
    }

    fn display(&mut self, c: Cand, end: usize, k: usize) {
        if self.ctx == Ctx::Heading {
            self.block(c.pos, Ctx::Para);
        } else if !self.pending_text(c.pos).is_empty() {
            let sep = format!("\n{}", self.continuation());
            self.push(c.pos, sep);
        }
        if matches!(self.ctx, Ctx::Start | Ctx::Rule) {
            self.ctx = Ctx::Para;
            self.block_text = c.pos;
        }
        if let Some(w) = self.next_word(end)
            && w != self.next_cand_pos(k)
            && safe_line_start(&self.raw[w..])
        {
            let sep = format!("\n{}", self.continuation());
            self.push(w, sep);
        }
    }

    /// A standalone image: its own paragraph. Returns where it (and its caption) ends.
    fn image(&mut self, c: Cand, k: usize) -> Option<usize> {
        let prev = self.raw[..c.pos].trim_end();
        let standalone = prev.is_empty()
            || prev.ends_with(['.', '!', '?', ':', '*', ')'])
            || self.at_block_start(c.pos);
        let end = image_end(self.raw, c.pos)?;
        if !standalone {
            return None;
        }
        self.block(c.pos, Ctx::Para);
        let mut end = end;
        if let Some(cap) = self.next_word(end)
            && let Some(cap_end) = emphasis_end(self.raw, cap)
        {
            self.push(cap, "\n".into());
            end = cap_end;
        }
        if let Some(w) = self.next_word(end) {
            let later = self.cands[k..].iter().any(|c| c.pos == w);
            let word = self.raw[w..].split_whitespace().next().unwrap_or("");
            if !later && looks_like_sentence_start(word) {
                self.block(w, Ctx::Para);
            }
        }
        Some(end)
    }
}

/// A capitalised word with lowercase after its first letter (`The`, `I`, `What's`), not an
/// acronym (`DRAW`, `GANs`).
fn looks_like_sentence_start(word: &str) -> bool {
    let mut letters = word.chars().take_while(|c| c.is_alphabetic());
    letters.next().is_some_and(char::is_uppercase) && letters.all(char::is_lowercase)
}

/// Whether a line may start with `text` without becoming markdown syntax.
fn safe_line_start(text: &str) -> bool {
    let first = text.chars().next().unwrap_or(' ');
    if "-+*#>=|<~`_".contains(first) {
        return false;
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    !(digits > 0 && matches!(text.as_bytes().get(digits), Some(b'.' | b')')))
}

/// End of `![alt](url "title")` starting at `pos`: the `)` followed by whitespace or the end.
fn image_end(raw: &str, pos: usize) -> Option<usize> {
    let open = pos + raw[pos..].find("](")?;
    let b = raw.as_bytes();
    let mut j = open + 2;
    while j < b.len() {
        if b[j] == b')' && b.get(j + 1).is_none_or(|c| c.is_ascii_whitespace()) {
            return Some(j + 1);
        }
        if b[j].is_ascii_whitespace() && !raw[open..j].contains('"') {
            // A space in a URL outside a title: not an image we understand.
            if !raw[j..].trim_start().starts_with('"') {
                return None;
            }
        }
        j += 1;
    }
    None
}

/// End of an `*emphasis*` starting at `pos`, if there is one.
fn emphasis_end(raw: &str, pos: usize) -> Option<usize> {
    let b = raw.as_bytes();
    if b.get(pos) != Some(&b'*')
        || b.get(pos + 1)
            .is_none_or(|c| c.is_ascii_whitespace() || *c == b'*')
    {
        return None;
    }
    let mut j = pos + 2;
    while j < b.len() {
        if b[j] == b'*' && !b[j - 1].is_ascii_whitespace() {
            return b
                .get(j + 1)
                .is_none_or(|c| c.is_ascii_whitespace())
                .then_some(j + 1);
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Restoration only replaces whitespace at break points: removing it gives the input back.
    fn assert_same_text(raw: &str, out: &str) {
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(squash(out), squash(raw), "text changed:\n{out}");
        let non_ws = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(non_ws(out), non_ws(raw));
    }

    fn check(raw: &str, expected: &str) {
        let out = restore(raw);
        assert_eq!(out, expected, "\n--- got:\n{out}\n---");
        assert_same_text(raw, &out);
    }

    #[test]
    fn hash_before_a_non_ascii_character_is_text() {
        // `#` then a multi-byte character used to slice inside that character and panic.
        for raw in [
            "A #é tag",
            "#中文",
            "x #é",
            "## é",
            "#\u{10348}",
            "1.é 2.中 *é -é ---é",
        ] {
            assert_same_text(raw, &restore(raw));
        }
        check("Intro. # Ébauche", "Intro.\n\n# Ébauche");
    }

    #[test]
    fn bullets_headings_and_colon_nesting() {
        check(
            "* One. * Two: * a * b ### How * Three. #### Like: * x",
            "* One.\n* Two:\n  * a\n  * b\n\n### How\n\n* Three.\n\n#### Like:\n\n* x",
        );
    }

    #[test]
    fn title_like_item_closes_a_nested_list_of_sentences() {
        check(
            "* Data: * It is fast. * It is small. * Practical Considerations * More.",
            "* Data:\n  * It is fast.\n  * It is small.\n* Practical Considerations\n* More.",
        );
        // Short children without punctuation stay children.
        check("* Pros: * Fast * Simple", "* Pros:\n  * Fast\n  * Simple");
    }

    #[test]
    fn heading_text_ends_where_a_sentence_starts() {
        check(
            "Intro. #### The key idea behind the paper What we do. #### Advantages In this model. #### What is DRAW: The model. #### Results on MNIST The end. #### Primer (again) Unsupervised learning.",
            "Intro.\n\n#### The key idea behind the paper\n\nWhat we do.\n\n#### Advantages\n\nIn this model.\n\n#### What is DRAW:\n\nThe model.\n\n#### Results on MNIST\n\nThe end.\n\n#### Primer (again)\n\nUnsupervised learning.",
        );
        // `# of` is no heading.
        check("the # of samples", "the # of samples");
    }

    #[test]
    fn numbered_items() {
        check(
            "works as follows: 1. Use $Q$-Values 2. Average 3. Solve. Done.",
            "works as follows:\n\n1. Use $Q$-Values\n2. Average\n3. Solve. Done.",
        );
        check("in version 2. The end", "in version 2. The end");
        check("see 1. and then", "see 1. and then");
    }

    #[test]
    fn dash_lists_versus_dashes_in_prose() {
        check(
            "people come up with - alternative objectives - models. This paper",
            "people come up with\n\n- alternative objectives\n- models. This paper",
        );
        check(
            "you have a model - in fact, a set of models - which has",
            "you have a model - in fact, a set of models - which has",
        );
        check(
            "#### Key Points - To find - Two",
            "#### Key Points\n\n- To find\n- Two",
        );
    }

    #[test]
    fn emphasis_multiplication_and_nested_numbers() {
        check(
            "A *Batch Normalization* and **bold** text",
            "A *Batch Normalization* and **bold** text",
        );
        check("it costs 2 * 3 units", "it costs 2 * 3 units");
        check(
            "* Steps: 1. one 2. two * Next",
            "* Steps:\n  1. one\n  2. two\n* Next",
        );
    }

    #[test]
    fn math_and_code_are_never_split() {
        for raw in [
            "see $a * b - c$ and $$x * y ### z$$ ok",
            "as $\\pi(a|s) - 1. b$ and `x * y - z` too",
            "$$\\sum_i x_i * 2$$",
            "a `` `*` - `` b",
        ] {
            let out = restore(raw);
            let spans = protected_spans(raw);
            for r in &spans {
                assert!(out.contains(&raw[r.clone()]), "{raw:?} → {out:?}");
            }
            assert_same_text(raw, &out);
        }
        check("where $|x| - 1$ | holds", "where $|x| - 1$ | holds");
    }

    #[test]
    fn currency_dollars_are_text() {
        let raw = "it costs $5 and $10 * cheap";
        assert!(protected_spans(raw).is_empty());
        check(raw, "it costs $5 and $10\n\n* cheap");
        assert_eq!(protected_spans("a \\$x$ b"), Vec::<Range<usize>>::new());
    }

    #[test]
    fn display_math_on_its_own_line() {
        check(
            "as follows: $$q = \\prod_d p$$ Here $x$ is it.",
            "as follows:\n$$q = \\prod_d p$$\nHere $x$ is it.",
        );
        check("* item $$x$$ and more", "* item\n  $$x$$\n  and more");
        // A line must not start with markdown syntax: keep `+ y` on the math line.
        check("so $$x$$ + y", "so\n$$x$$ + y");
    }

    #[test]
    fn rules_and_images() {
        check(
            "end.* -------------------- ### Notes * a",
            "end.*\n\n--------------------\n\n### Notes\n\n* a",
        );
        check("a model --- which", "a model --- which");
        check(
            "* last. ![F](http://x/f.png?raw=true \"F\") *Caption $x$.* ![](u) Now text",
            "* last.\n\n![F](http://x/f.png?raw=true \"F\")\n*Caption $x$.*\n\n![](u)\n\nNow text",
        );
        check("an inline ![i](u) icon", "an inline ![i](u) icon");
    }

    #[test]
    fn seed_summaries_keep_every_byte() {
        let seed = include_str!("../../tests/fixtures/icml2015.txt");
        for line in seed.lines().filter(|l| l.ends_with(" |")) {
            let raw = line.strip_suffix(" |").unwrap_or(line);
            assert_same_text(raw, &restore(raw));
        }
    }
}
