//! The papers a long-running process (the dev server) parsed before, so that a rebuild parses
//! only the files whose text changed. It must not read files: `content::load_again` does, and
//! asks here with the text it read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::content::SourcePaper;

/// The papers a long-running process (the dev server) read before, by path with the text they
/// were parsed from: a rebuild still reads every file, but parses only those whose text changed.
#[derive(Debug, Default)]
pub struct Reread(Mutex<HashMap<PathBuf, SourcePaper>>);

impl Reread {
    /// The paper parsed from exactly `text` at `path` before, if any.
    pub(super) fn get(&self, path: &Path, text: &str) -> Option<SourcePaper> {
        let papers = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        papers.get(path).filter(|p| p.text == text).cloned()
    }

    pub(super) fn put(&self, path: &Path, paper: &SourcePaper) {
        let mut papers = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        papers.insert(path.to_path_buf(), paper.clone());
    }

    /// Forgets the papers of files that are gone.
    pub(super) fn keep_only(&self, files: &[PathBuf]) {
        let present: HashSet<&PathBuf> = files.iter().collect();
        let mut papers = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        papers.retain(|path, _| present.contains(path));
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
}
