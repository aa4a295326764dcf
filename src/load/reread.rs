//! The papers a long-running process (the dev server) parsed before, so that a rebuild reads
//! only the files that changed on disk and parses only those whose text changed. It owns the
//! rule for trusting a file's size and modification time; `content::load_again` does the
//! reading and asks here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use super::content::SourcePaper;

/// The papers a long-running process (the dev server) read before, by path, with the text they
/// were parsed from and the file's stamp when it was read (None: too recent to trust).
#[derive(Debug, Default)]
pub struct Reread(Mutex<HashMap<PathBuf, Held>>);

/// A file's stamp when it was read, and the paper parsed from it.
pub(super) type Held = (Option<Stamp>, Arc<SourcePaper>);

/// What a file's metadata says of its contents without opening it. Opening every file is what
/// a rebuild of a large list spent most of its load stage on, and each open also woke the
/// watcher (inotify reports opens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    len: u64,
    modified: SystemTime,
}

/// A stamp this recent is not trusted: on a file system that keeps coarse times (FAT: 2 s) a
/// second save of the same size in the same tick would leave it unchanged. Every save starts
/// a rebuild, and that rebuild, within this window, reads the file.
const SETTLED: Duration = Duration::from_secs(5);

impl Stamp {
    /// The stamp of `path` as it is now; None when its metadata cannot be read or is too recent
    /// to vouch for its contents (then the file is read).
    pub(super) fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?;
        let age = SystemTime::now().duration_since(modified).ok()?;
        (age >= SETTLED).then_some(Stamp {
            len: meta.len(),
            modified,
        })
    }
}

impl Reread {
    /// Everything it holds, for one load to look up without a lock; `keep` puts back what that
    /// load read.
    pub(super) fn take(&self) -> Before {
        let mut papers = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Before(std::mem::take(&mut *papers))
    }

    /// Holds these papers, and forgets the rest (files that are gone or no longer parse).
    pub(super) fn keep(&self, papers: impl Iterator<Item = (PathBuf, Held)>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = papers.collect();
    }
}

/// The papers earlier loads parsed, as one load sees them.
#[derive(Default)]
pub(super) struct Before(HashMap<PathBuf, Held>);

impl Before {
    /// The paper read from `path` when it had this stamp, if the file has not changed since.
    pub(super) fn unchanged(&self, path: &Path, stamp: Option<Stamp>) -> Option<Arc<SourcePaper>> {
        let (seen, paper) = self.0.get(path)?;
        (stamp.is_some() && *seen == stamp).then(|| Arc::clone(paper))
    }

    /// The paper parsed from exactly `text` at `path` before, if any.
    pub(super) fn same_text(&self, path: &Path, text: &str) -> Option<Arc<SourcePaper>> {
        let (_, paper) = self.0.get(path).filter(|(_, p)| p.text == text)?;
        Some(Arc::clone(paper))
    }
}

#[cfg(test)]
mod tests {
    use super::super::content::{load, load_again};
    use super::*;

    fn write(dir: &Path, name: &str, title: &str) {
        let text =
            format!("+++\ntitle = \"{title}\"\nauthors = [\"B, C\"]\nyear = 2015\n+++\nBody.\n");
        std::fs::write(dir.join("content/papers").join(name), text).unwrap();
    }

    #[test]
    fn a_rebuild_parses_changed_files_and_forgets_removed_ones() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("content/papers")).unwrap();
        write(site.path(), "a.md", "A");
        write(site.path(), "b.md", "B");
        let reread = Reread::default();
        let titles = |reread: &Reread| -> Vec<String> {
            let (sources, diags) = load_again(site.path(), false, Some(reread)).unwrap();
            assert!(diags.is_empty(), "{diags:?}");
            sources
                .papers
                .iter()
                .map(|p| p.front.title.clone())
                .collect()
        };
        assert_eq!(titles(&reread), ["A", "B"]);
        let held = |reread: &Reread| reread.0.lock().unwrap().len();
        assert_eq!(held(&reread), 2);
        write(site.path(), "a.md", "A again");
        assert_eq!(titles(&reread), ["A again", "B"]);
        let (fresh, _) = load(site.path(), false).unwrap();
        let (again, _) = load_again(site.path(), false, Some(&reread)).unwrap();
        let texts = |s: &super::super::content::SiteSources| -> Vec<String> {
            s.papers.iter().map(|p| p.text.clone()).collect()
        };
        assert_eq!(texts(&again), texts(&fresh));
        std::fs::remove_file(site.path().join("content/papers/b.md")).unwrap();
        assert_eq!(titles(&reread), ["A again"]);
        assert_eq!(held(&reread), 1);
    }

    /// Rewrites `name` with a title of the same length and sets its modification time to `at`.
    fn rewrite_at(dir: &Path, name: &str, title: &str, at: std::time::SystemTime) {
        write(dir, name, title);
        let file = std::fs::File::options()
            .write(true)
            .open(dir.join("content/papers").join(name))
            .unwrap();
        file.set_modified(at).unwrap();
    }

    #[test]
    fn a_settled_file_with_the_same_size_and_time_is_not_read_again_and_a_recent_one_is() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("content/papers")).unwrap();
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        rewrite_at(site.path(), "a.md", "A1", hour_ago);
        let reread = Reread::default();
        let title = |reread: &Reread| {
            let (sources, _) = load_again(site.path(), false, Some(reread)).unwrap();
            sources.papers[0].front.title.clone()
        };
        assert_eq!(title(&reread), "A1");
        // Same size, same time: the stamp vouches for the file, so the old parse stands. (Only a
        // file rewritten behind sitegen's back with its time set back can look like this.)
        rewrite_at(site.path(), "a.md", "A2", hour_ago);
        assert_eq!(title(&reread), "A1");
        // A different time: read again.
        rewrite_at(
            site.path(),
            "a.md",
            "A3",
            hour_ago + std::time::Duration::from_secs(1),
        );
        assert_eq!(title(&reread), "A3");
        // Same size and a time too recent to trust (a coarse clock could hide a second save).
        let now = std::time::SystemTime::now();
        rewrite_at(site.path(), "a.md", "A4", now);
        assert_eq!(title(&reread), "A4");
        rewrite_at(site.path(), "a.md", "A5", now);
        assert_eq!(title(&reread), "A5");
    }
}
