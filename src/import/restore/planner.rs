//! The planner: walks the marker candidates of a flattened summary in order, keeps the state of
//! the block being read (paragraph, heading, list levels) and records where the whitespace
//! becomes a line break. The rules for each kind of block are in `lists` and `blocks`; this file
//! holds the state and the walk. It never changes a byte that is not whitespace.

use std::ops::Range;

use super::scan::{Cand, Kind};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Ctx {
    Start,
    Para,
    Heading,
    Rule,
    Item,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ListKind {
    Star,
    Dash,
    /// The number the next item of this list would have.
    Number(u32),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Level {
    pub(super) kind: ListKind,
    /// Column where this level's markers start.
    pub(super) indent: usize,
    /// Bytes of the last marker at this level (`*` 1, `12.` 3), for its content column.
    pub(super) marker: usize,
    /// Opened by an item ending in `:`.
    pub(super) colon: bool,
    /// Every item at this level so far ended a sentence (`.`, `!`, `?`).
    pub(super) sentences: bool,
}

pub(super) struct Planner<'a> {
    pub(super) raw: &'a str,
    pub(super) protected: &'a [Range<usize>],
    pub(super) cands: &'a [Cand],
    pub(super) breaks: Vec<(usize, String)>,
    pub(super) ctx: Ctx,
    pub(super) levels: Vec<Level>,
    /// Start of the current block's text (after its marker).
    pub(super) block_text: usize,
}

impl<'a> Planner<'a> {
    pub(super) fn new(raw: &'a str, protected: &'a [Range<usize>], cands: &'a [Cand]) -> Self {
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
    pub(super) fn plan(mut self) -> Vec<(usize, String)> {
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
                Kind::Fence(end) => {
                    self.fence(c, end, k);
                    true
                }
                Kind::Lead => match self.lead(c) {
                    Some(end) => {
                        skip_to = end;
                        true
                    }
                    None => false,
                },
                Kind::Table => match self.table(c, k) {
                    Some(end) => {
                        skip_to = end;
                        true
                    }
                    None => false,
                },
                Kind::Image => match self.image(c, k) {
                    Some(end) => {
                        skip_to = end;
                        true
                    }
                    None => false,
                },
            };
            if !accepted && self.ctx == Ctx::Heading && c.kind != Kind::Lead {
                // A heading ends at any marker, even one that is no structure here.
                self.block(c.pos, Ctx::Para);
            }
        }
        self.breaks
    }

    pub(super) fn push(&mut self, pos: usize, sep: String) {
        if self.breaks.last().is_some_and(|(p, _)| *p == pos) {
            self.breaks.pop();
        }
        if pos > 0 {
            self.breaks.push((pos, sep));
        }
    }

    /// Starts a non-list block at `pos`.
    pub(super) fn block(&mut self, pos: usize, ctx: Ctx) {
        self.push(pos, "\n\n".into());
        self.ctx = ctx;
        self.levels.clear();
        self.block_text = pos;
    }

    pub(super) fn pending_text(&self, pos: usize) -> &str {
        self.raw[self.block_text.min(pos)..pos].trim()
    }

    pub(super) fn at_block_start(&self, pos: usize) -> bool {
        match self.ctx {
            Ctx::Heading => true,
            Ctx::Start | Ctx::Rule => self.pending_text(pos).is_empty(),
            Ctx::Para | Ctx::Item => false,
        }
    }

    /// The word before `pos`, outside of any span (empty at the start).
    pub(super) fn prev_word(&self, pos: usize) -> &str {
        let before = self.raw[..pos].trim_end();
        before.rsplit(char::is_whitespace).next().unwrap_or("")
    }

    pub(super) fn next_cand_pos(&self, k: usize) -> usize {
        self.cands.get(k).map_or(self.raw.len(), |c| c.pos)
    }

    /// Where the next word after `from` starts, if any.
    pub(super) fn next_word(&self, from: usize) -> Option<usize> {
        let rest = &self.raw[from..];
        let skipped = rest.len() - rest.trim_start().len();
        (skipped < rest.len()).then_some(from + skipped)
    }

    /// The column where continuation lines of the current block start.
    pub(super) fn continuation(&self) -> String {
        match (self.ctx, self.levels.last()) {
            (Ctx::Item, Some(l)) => " ".repeat(l.indent + l.marker + 1),
            _ => String::new(),
        }
    }
}
