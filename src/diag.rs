//! Diagnostics: a content problem with its file position, rendered with the source line and a
//! caret. It owns formatting only; it never decides whether a problem is fatal (the caller does).

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is. Warnings become errors under `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in a user's file, 1-based line and column (column counted in characters); line 0
/// when the problem is the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
    /// The text of the offending line, shown under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at a byte offset of `source`, the whole text of the file at `path`.
    pub fn at_offset(
        severity: Severity,
        path: &Path,
        source: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, col) = line_col(source, offset);
        let source_line = source.lines().nth(line - 1).map(str::to_owned);
        Diagnostic {
            severity,
            path: path.to_path_buf(),
            line,
            col,
            message: message.into(),
            source_line,
        }
    }

    pub fn error(path: &Path, source: &str, offset: usize, message: impl Into<String>) -> Self {
        Self::at_offset(Severity::Error, path, source, offset, message)
    }

    pub fn warning(path: &Path, source: &str, offset: usize, message: impl Into<String>) -> Self {
        Self::at_offset(Severity::Warning, path, source, offset, message)
    }

    /// A problem with a file or folder as a whole (unreadable, a link loop, missing): no line.
    pub fn whole_file(severity: Severity, path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            path: path.to_path_buf(),
            line: 0,
            col: 0,
            message: message.into(),
            source_line: None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The same diagnostic relative to `root`, so messages and snapshots do not depend on where
    /// the site lives.
    pub fn relative_to(mut self, root: &Path) -> Self {
        if let Ok(rel) = self.path.strip_prefix(root) {
            self.path = rel.to_path_buf();
        }
        self
    }
}

/// 1-based (line, column) of a byte offset; the column counts characters, as editors do.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        if self.line == 0 {
            return write!(f, "{}: {label}: {}", self.path.display(), self.message);
        }
        write!(
            f,
            "{}:{}:{}: {label}: {}",
            self.path.display(),
            self.line,
            self.col,
            self.message
        )?;
        if let Some(src) = &self.source_line {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            // The caret sits under the column; tabs are kept so it lines up in a terminal.
            let lead: String = src
                .chars()
                .take(self.col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{gutter} | {src}\n{pad} | {lead}^")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by file and position so output is stable whatever order they were found in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.path, a.line, a.col, &a.message).cmp(&(&b.path, b.line, b.col, &b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        let src = "ab\ncdé f\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        // 'f' is after a two-byte char: column counts characters.
        assert_eq!(line_col(src, src.find('f').unwrap()), (2, 5));
        assert_eq!(line_col(src, 1000), (3, 1));
    }

    #[test]
    fn display_shows_source_and_caret() {
        let src = "title = 1\nfoo = 2\n";
        let d = Diagnostic::error(Path::new("a.md"), src, 10, "unknown field `foo`");
        assert_eq!(
            d.to_string(),
            "a.md:2:1: error: unknown field `foo`\n  |\n2 | foo = 2\n  | ^"
        );
    }
}
