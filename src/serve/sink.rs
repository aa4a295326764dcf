//! The dev server's render sink: it collects a build's files in memory and, like
//! `output::TreeWriter` does on disk, keeps the last good build's bytes of every page the
//! dependency map says is unchanged instead of having it rendered again. It must not decide what
//! changed (the map does) nor touch the disk.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;

use crate::render::deps::DepMap;
use crate::render::{OutputFile, Sink};

/// Site path → bytes: a whole built site.
pub(super) type SiteFiles = HashMap<String, Bytes>;

/// The last good build, as the next one may reuse it.
pub(super) struct Previous {
    pub(super) site: Arc<SiteFiles>,
    pub(super) deps: DepMap,
}

/// A build's files, in memory.
pub(super) struct ServeSink<'a> {
    previous: Option<&'a Previous>,
    /// Pages that must be rendered again (None: all), once `plan` compared the maps.
    changed: OnceLock<Option<BTreeSet<String>>>,
    files: Mutex<SiteFiles>,
    kept: AtomicUsize,
}

impl<'a> ServeSink<'a> {
    /// A sink that may keep pages of `previous`; None renders every page.
    pub(super) fn new(previous: Option<&'a Previous>) -> Self {
        ServeSink {
            previous,
            changed: OnceLock::new(),
            files: Mutex::new(HashMap::new()),
            kept: AtomicUsize::new(0),
        }
    }

    /// The files put or kept, and how many pages were kept.
    pub(super) fn into_files(self) -> (SiteFiles, usize) {
        let files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        (files, self.kept.into_inner())
    }

    fn insert(&self, path: String, bytes: Bytes) {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.insert(path, bytes);
    }
}

impl Sink for ServeSink<'_> {
    fn plan(&self, map: &DepMap) {
        let changed = self.previous.and_then(|p| map.changed_pages(&p.deps));
        let _ = self.changed.set(changed);
    }

    fn keep(&self, path: &str) -> Result<bool, crate::Error> {
        let (Some(previous), Some(Some(changed))) = (self.previous, self.changed.get()) else {
            return Ok(false);
        };
        if changed.contains(path) {
            return Ok(false);
        }
        let Some(bytes) = previous.site.get(path) else {
            return Ok(false);
        };
        // `Bytes` is shared, not copied.
        self.insert(path.to_owned(), bytes.clone());
        // Pages are what the build reports; the feed, sitemap and bibliography are files.
        if path.ends_with(".html") {
            self.kept.fetch_add(1, Ordering::Relaxed);
        }
        Ok(true)
    }

    fn put(&self, file: OutputFile) -> Result<(), crate::Error> {
        self.insert(file.path, Bytes::from(file.contents));
        Ok(())
    }
}

/// Site paths whose bytes differ between `old` and `new`, added or removed ones included, sorted.
pub(super) fn changed_paths(old: &SiteFiles, new: &SiteFiles) -> Vec<String> {
    let mut paths: Vec<String> = new
        .iter()
        .filter(|(path, bytes)| {
            !old.get(*path)
                .is_some_and(|b| same(b, bytes) || b == *bytes)
        })
        .map(|(path, _)| path.clone())
        .chain(old.keys().filter(|p| !new.contains_key(*p)).cloned())
        .collect();
    paths.sort();
    paths
}

/// The same shared buffer (a kept page, a file carried over): equal without comparing bytes.
pub(super) fn same(a: &Bytes, b: &Bytes) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> SiteFiles {
        files
            .iter()
            .map(|(p, b)| ((*p).to_owned(), Bytes::from(b.to_string())))
            .collect()
    }

    #[test]
    fn changed_paths_are_edits_additions_and_removals() {
        let old = site(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = site(&[("a", "1"), ("b", "two"), ("d", "4")]);
        assert_eq!(changed_paths(&old, &new), ["b", "c", "d"]);
        assert!(changed_paths(&new, &new).is_empty());
    }

    #[test]
    fn keeps_only_unchanged_pages_it_holds() {
        let previous = Previous {
            site: Arc::new(site(&[("kept.html", "old"), ("edited.html", "old")])),
            deps: DepMap::default(),
        };
        let sink = ServeSink::new(Some(&previous));
        // Without a plan every page is rendered.
        assert!(!sink.keep("kept.html").unwrap());
        sink.plan(&DepMap::default());
        assert!(sink.keep("kept.html").unwrap());
        assert!(!sink.keep("new.html").unwrap());
        sink.put(OutputFile {
            path: "edited.html".into(),
            contents: b"new".to_vec(),
        })
        .unwrap();
        let (files, kept) = sink.into_files();
        assert_eq!(kept, 1);
        assert_eq!(files, site(&[("kept.html", "old"), ("edited.html", "new")]));

        let fresh = ServeSink::new(None);
        fresh.plan(&DepMap::default());
        assert!(!fresh.keep("kept.html").unwrap());
    }
}
