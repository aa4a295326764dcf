//! Walking and reading the site's source folders. It owns what can go wrong with a file as a
//! file — bytes that are not UTF-8, permissions, dangling links, link loops, links that leave the
//! site — and reports each as a diagnostic naming that file, so one run lists every problem. Only
//! failures of the machine (I/O errors that no edit of the site fixes) come back as `Err`. It must
//! not parse what it reads.

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diag::{Diagnostic, Severity};

/// Which links a walk follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Links {
    /// Links are followed wherever they point (templates, static files).
    Follow,
    /// Links are followed only when they resolve inside the site root; others are warned about
    /// and skipped (content: a site must build the same wherever it is checked out).
    InsideSite,
}

/// The site being read: its root (for relative paths in messages) and its resolved form.
pub(super) struct Site<'a> {
    pub root: &'a Path,
    canonical: PathBuf,
}

impl<'a> Site<'a> {
    pub fn new(root: &'a Path) -> Self {
        let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Site { root, canonical }
    }

    /// `path` as diagnostics show it: relative to the root.
    pub fn rel(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.root).unwrap_or(path).to_path_buf()
    }

    /// Regular files under `dir`, sorted by path, each real file once; none when `dir` does not
    /// exist. Problems (unreadable folders, loops, links) are pushed to `diags`.
    pub fn walk(
        &self,
        dir: &Path,
        links: Links,
        diags: &mut Vec<Diagnostic>,
    ) -> std::io::Result<Vec<PathBuf>> {
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut files = Vec::new();
        let mut seen = BTreeSet::new();
        let mut walk = WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walk.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.walk_error(&e, diags)?;
                    continue;
                }
            };
            if entry.path_is_symlink() && links == Links::InsideSite {
                let target = std::fs::canonicalize(entry.path()).unwrap_or_default();
                if !target.starts_with(&self.canonical) {
                    diags.push(Diagnostic::whole_file(
                        Severity::Warning,
                        &self.rel(entry.path()),
                        format!("skipped: a link to {}, outside the site", target.display()),
                    ));
                    if entry.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                    continue;
                }
            }
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !entry.file_type().is_file() || hidden {
                continue;
            }
            // A file reached twice (through a link to it) is one file.
            let real = if links == Links::InsideSite {
                identity(&entry)
            } else {
                Identity::Path(entry.path().to_path_buf())
            };
            if seen.insert(real) {
                files.push(entry.into_path());
            }
        }
        Ok(files)
    }

    fn walk_error(&self, e: &walkdir::Error, diags: &mut Vec<Diagnostic>) -> std::io::Result<()> {
        let path = self.rel(e.path().unwrap_or(self.root));
        if let Some(ancestor) = e.loop_ancestor() {
            diags.push(Diagnostic::whole_file(
                Severity::Error,
                &path,
                format!(
                    "a symlink loop: this link leads back to {}",
                    self.rel(ancestor).display()
                ),
            ));
            return Ok(());
        }
        match e.io_error() {
            Some(io) if is_content_problem(io) => {
                diags.push(cannot_read(&path, io));
                Ok(())
            }
            Some(io) => Err(std::io::Error::new(
                io.kind(),
                format!("{}: {io}", path.display()),
            )),
            None => Ok(()),
        }
    }

    /// The text of `file`; `None` (with a diagnostic) when it cannot be read or is not UTF-8.
    pub fn read_text(
        &self,
        file: &Path,
        diags: &mut Vec<Diagnostic>,
    ) -> std::io::Result<Option<String>> {
        let rel = self.rel(file);
        match std::fs::read(file) {
            Ok(bytes) => match decode(&rel, bytes) {
                Ok(text) => Ok(Some(text)),
                Err(d) => {
                    diags.push(*d);
                    Ok(None)
                }
            },
            Err(e) if is_content_problem(&e) => {
                diags.push(cannot_read(&rel, &e));
                Ok(None)
            }
            Err(e) => Err(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", file.display()),
            )),
        }
    }
}

/// What makes two walked paths one file.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Identity {
    /// Device and inode: one `stat`, where resolving the path costs a system call per folder.
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn identity(entry: &walkdir::DirEntry) -> Identity {
    #[cfg(unix)]
    if let Ok(meta) = entry.metadata() {
        use std::os::unix::fs::MetadataExt;
        return Identity::Inode(meta.dev(), meta.ino());
    }
    Identity::Path(std::fs::canonicalize(entry.path()).unwrap_or_else(|_| entry.path().into()))
}

/// `bytes` as text, or an error at the first byte that is not UTF-8 (its line and column too).
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        // The lossy text equals the file up to `at`, so the position is the file's own.
        let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
        Box::new(Diagnostic::error(
            path,
            &shown,
            at,
            format!("invalid UTF-8 at byte {at}: save the file as UTF-8"),
        ))
    })
}

/// Errors that the site's owner fixes by changing the site: everything but the few failures of
/// the machine itself (POSIX numbers, the same on Linux and macOS: EIO, ENOMEM, ENFILE, EMFILE).
fn is_content_problem(e: &std::io::Error) -> bool {
    const MACHINE: [i32; 4] = [5, 12, 23, 24];
    e.kind() != ErrorKind::OutOfMemory && !e.raw_os_error().is_some_and(|n| MACHINE.contains(&n))
}

fn cannot_read(path: &Path, e: &std::io::Error) -> Diagnostic {
    let why = match e.kind() {
        ErrorKind::NotFound => "a link to a file that does not exist".to_owned(),
        _ => e.to_string(),
    };
    Diagnostic::whole_file(Severity::Error, path, format!("cannot read: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_points_at_the_first_bad_byte() {
        let d = decode(Path::new("a.md"), b"ok\nab\xe9cd\n".to_vec()).unwrap_err();
        assert_eq!((d.line, d.col), (2, 3));
        assert_eq!(d.message, "invalid UTF-8 at byte 5: save the file as UTF-8");
        assert_eq!(
            decode(Path::new("a.md"), b"caf\xc3\xa9".to_vec()).unwrap(),
            "café"
        );
    }

    #[test]
    fn only_site_problems_become_diagnostics() {
        let denied = std::io::Error::from(ErrorKind::PermissionDenied);
        assert!(is_content_problem(&denied));
        let d = cannot_read(Path::new("x.md"), &denied);
        assert!(
            d.is_error() && d.message.starts_with("cannot read: "),
            "{d}"
        );
        assert!(!is_content_problem(&std::io::Error::from_raw_os_error(5)));
    }
}
