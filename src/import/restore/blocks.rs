//! Non-list blocks: headings (where their text ends), rules, display math and standalone images.

use super::planner::{Ctx, Planner};
use super::scan::{Cand, Kind, roman_number_len};
use super::spans::inside;
use super::words::{looks_like_sentence_start, safe_line_start, title_end};

impl Planner<'_> {
    pub(super) fn heading(&mut self, c: Cand, k: usize) -> bool {
        self.block(c.pos, Ctx::Heading);
        // Leads (bold, roman numbers) are read as words of the title.
        let limit = self.cands[k..]
            .iter()
            .find(|m| m.kind != Kind::Lead)
            .map_or(self.raw.len(), |m| m.pos);
        if let Some(start) = self.heading_text_end(c.text, limit) {
            self.block(start, Ctx::Para);
        }
        true
    }

    /// Where the paragraph glued to a heading's text starts, if one is: the words of
    /// `from..limit` are read as a title (see `words::title_end`).
    fn heading_text_end(&self, from: usize, limit: usize) -> Option<usize> {
        let (words, starts) = self.words_in(from, limit);
        title_end(&words).map(|i| starts[i])
    }

    /// The words of `from..limit` and where each starts; math and code read as `$`.
    pub(super) fn words_in(&self, from: usize, limit: usize) -> (Vec<&str>, Vec<usize>) {
        let mut words = Vec::new();
        let mut starts = Vec::new();
        let mut pos = from;
        for word in self.raw[from..limit].split(' ') {
            let at = pos;
            pos += word.len() + 1;
            if word.is_empty() {
                continue;
            }
            let protected =
                inside(self.protected, at) || self.protected.iter().any(|r| r.start == at);
            words.push(if protected { "$" } else { word });
            starts.push(at);
        }
        (words, starts)
    }

    /// A lead that is a paragraph of its own (`XIII. **Impact of Homophily** - In …`): a roman
    /// number and/or a bold phrase after the end of a sentence and right before a marker. It
    /// reads as a heading would: a list may start after it. Returns where it ends.
    pub(super) fn lead(&mut self, c: Cand) -> Option<usize> {
        let prev = self.raw[..c.pos].trim_end();
        let after_end = prev.is_empty()
            || prev.ends_with(['.', '!', '?', ':'])
            || prev.ends_with("**")
            || prev.ends_with("$$")
            || self.at_block_start(c.pos);
        if !after_end {
            return None;
        }
        let mut end = c.pos + roman_number_len(&self.raw[c.pos..]).unwrap_or(0);
        if let Some(bold) = self.raw[end..].strip_prefix("**") {
            end += 2 + bold.find("**")? + 2;
        }
        let next = self.next_word(end)?;
        let marker_next = self.cands.iter().find(|m| m.pos >= end).map(|m| m.pos) == Some(next);
        if end == c.pos || !marker_next {
            return None;
        }
        self.block(c.pos, Ctx::Heading);
        self.block_text = end;
        Some(end)
    }

    pub(super) fn rule(&mut self, c: Cand, len: usize, k: usize) -> bool {
        let prev = self.raw[..c.pos].trim_end();
        let after_sentence = prev.is_empty() || prev.ends_with(['.', '!', '?', ':', '*', ')', '_']);
        // A dash in prose is followed by more of the sentence (`model --- which`); a rule by a
        // new block: a sentence start, a marker or nothing (`Demis Hassabis --- Reinforcement`).
        let end = c.pos + len;
        let next = self.next_word(end);
        let before_block = next.is_none_or(|w| {
            w == self.next_cand_pos(k)
                || looks_like_sentence_start(self.raw[w..].split(' ').next().unwrap_or(""))
        });
        if len < 5 && !after_sentence && !before_block {
            return false;
        }
        self.block(c.pos, Ctx::Rule);
        // What follows the rule starts a block: nothing of it is pending text.
        self.block_text = end;
        if let Some(w) = next
            && w != self.next_cand_pos(k)
        {
            self.block(w, Ctx::Para);
        }
        true
    }

    pub(super) fn display(&mut self, c: Cand, end: usize, k: usize) {
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
    pub(super) fn image(&mut self, c: Cand, k: usize) -> Option<usize> {
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
