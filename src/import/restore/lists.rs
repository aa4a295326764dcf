//! List items: when a `*`, `-` or `N.` candidate starts an item, and at which nesting level.

use super::planner::{Ctx, Level, ListKind, Planner};
use super::scan::{Cand, Kind};
use super::words::{LEAD_INS, glued_sentence};

impl Planner<'_> {
    pub(super) fn multiplication(&self, c: Cand) -> bool {
        let numeric =
            |w: &str| !w.is_empty() && w.chars().all(|ch| ch.is_ascii_digit() || ch == '.');
        let next = self.raw[c.text..].split_whitespace().next().unwrap_or("");
        numeric(self.prev_word(c.pos)) && numeric(next)
    }

    pub(super) fn dash_allowed(&self, c: Cand, k: usize) -> bool {
        if self.at_block_start(c.pos) || ends_with_colon(self.prev_word(c.pos)) {
            return true;
        }
        if self.ctx == Ctx::Item && self.levels.iter().any(|l| l.kind == ListKind::Dash) {
            return true;
        }
        // No sentence starts with a dash: after a full stop or display math, two are a list.
        let prev = self.prev_word(c.pos);
        let lead_in = LEAD_INS.contains(&prev.to_lowercase().as_str())
            || prev.ends_with(['.', '!', '?'])
            || prev.ends_with("$$");
        lead_in && self.another_before_block(k, |kind| kind == Kind::Dash)
    }

    pub(super) fn number_allowed(&self, c: Cand, k: usize, n: u32) -> bool {
        // `1.` again continues a list whose items are all `1.` (markdown numbers them).
        let open =
            |l: &Level| l.kind == ListKind::Number(n) || (n == 1 && l.kind == ListKind::Number(2));
        if self.ctx == Ctx::Item && self.levels.iter().any(open) {
            return true;
        }
        n == 1
            && (self.at_block_start(c.pos)
                || ends_with_colon(self.prev_word(c.pos))
                || self.another_before_block(k, |kind| kind == Kind::Number(2)))
    }

    /// Whether a candidate matching `want` comes after candidate `k - 1` before a heading/rule.
    pub(super) fn another_before_block(&self, k: usize, want: impl Fn(Kind) -> bool) -> bool {
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

    pub(super) fn item(&mut self, c: Cand, k: usize, kind: ListKind) -> bool {
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
            if ends_with_colon(&previous) {
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
        let (words, starts) = self.words_in(c.text, self.next_cand_pos(k));
        if let Some(i) = glued_sentence(&words) {
            self.block(starts[i], Ctx::Para);
        }
        true
    }
}

/// Whether a lead-in ends in `:`, also inside emphasis (`**Setup:**`).
fn ends_with_colon(text: &str) -> bool {
    text.trim_end_matches(['*', '_']).ends_with(':')
}
