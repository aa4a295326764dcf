//! Flattened tables and fenced code: blocks whose lines the dump joined with single spaces.
//!
//! A table is found by its delimiter row (`|---|:--:|`), which gives the number of columns; the
//! header row before it and the body rows after it then each take that many cells plus one pipe,
//! so `| a | b | |---|---| | 1 | 2 |` splits into its three rows even with empty cells. Pipes in
//! math, in code or escaped (`\|`) are cell text. Fenced code (```` ```lang … ``` ````) gets its
//! fences back on their own lines; the newlines inside the code are lost to the dump, so the code
//! stays one line.

use std::ops::Range;

use super::planner::{Ctx, Planner};
use super::scan::Cand;
use super::spans::inside;

/// Widest table looked for.
const MAX_COLUMNS: usize = 64;

/// The rows of the table starting at `pos` (each row's first pipe) and the table's end, if a
/// table starts there.
pub(super) fn table_rows(
    raw: &str,
    pos: usize,
    protected: &[Range<usize>],
) -> Option<(Vec<usize>, usize)> {
    let b = raw.as_bytes();
    let mut found = (pos..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\') && !inside(protected, i));
    // Enough pipes to find the widest delimiter row; the rest only once a table is there.
    let mut pipes: Vec<usize> = found.by_ref().take(2 * MAX_COLUMNS + 2).collect();
    if pipes.first() != Some(&pos) {
        return None;
    }
    let gap = |pipes: &[usize], a: usize, z: usize| raw[pipes[a] + 1..pipes[z]].trim().is_empty();
    let is_delimiter = |pipes: &[usize], a: usize, z: usize| {
        (a..z).all(|i| {
            let cell = raw[pipes[i] + 1..pipes[i + 1]].trim();
            let dashes = cell.trim_start_matches(':').trim_end_matches(':');
            !dashes.is_empty() && dashes.bytes().all(|c| c == b'-')
        })
    };
    let cols = (1..MAX_COLUMNS).find(|&c| {
        pipes.len() > 2 * c + 1 && gap(&pipes, c, c + 1) && is_delimiter(&pipes, c + 1, 2 * c + 1)
    })?;
    pipes.extend(found);
    let mut rows = vec![pos, pipes[cols + 1]];
    let mut last = 2 * cols + 1;
    while last + cols + 1 < pipes.len() && gap(&pipes, last, last + 1) {
        rows.push(pipes[last + 1]);
        last += cols + 1;
    }
    let end = pipes[last] + 1;
    b.get(end)
        .is_none_or(u8::is_ascii_whitespace)
        .then_some((rows, end))
}

/// End of the word starting at `from` (the next whitespace or the end).
fn word_end(raw: &str, from: usize) -> usize {
    raw[from..]
        .find(char::is_whitespace)
        .map_or(raw.len(), |i| from + i)
}

impl Planner<'_> {
    /// A table: its own block, a row a line. Returns where it ends.
    pub(super) fn table(&mut self, c: Cand, k: usize) -> Option<usize> {
        let (rows, end) = table_rows(self.raw, c.pos, self.protected)?;
        self.block(c.pos, Ctx::Para);
        for &row in &rows[1..] {
            self.push(row, "\n".into());
        }
        self.after_block(end, k);
        Some(end)
    }

    /// Fenced code ending at `end`: the opening fence with its language, the code, and the
    /// closing fence each on a line, at the current block's continuation column.
    pub(super) fn fence(&mut self, c: Cand, end: usize, k: usize) {
        let in_item = self.ctx == Ctx::Item;
        if in_item {
            let sep = format!("\n{}", self.continuation());
            self.push(c.pos, sep);
        } else {
            self.block(c.pos, Ctx::Para);
        }
        let cont = self.continuation();
        let ticks = self.raw[c.pos..].bytes().take_while(|&b| b == b'`').count();
        let closing = end - ticks;
        let info_end = word_end(self.raw, c.pos);
        if let Some(code) = self.next_word(info_end).filter(|&w| w < closing) {
            self.push(code, format!("\n{cont}"));
        }
        self.push(closing, format!("\n{cont}"));
        if in_item {
            if let Some(w) = self.next_word(end).filter(|&w| w != self.next_cand_pos(k)) {
                self.push(w, format!("\n{cont}"));
            }
        } else {
            self.after_block(end, k);
        }
    }

    /// After a block ending at `end`, text that is no marker starts a paragraph.
    fn after_block(&mut self, end: usize, k: usize) {
        self.block_text = end;
        if let Some(w) = self.next_word(end)
            && w != self.next_cand_pos(k)
        {
            self.block(w, Ctx::Para);
        }
    }
}
