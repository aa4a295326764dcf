//! The streaming writer: render workers put each page into a temporary folder beside the output
//! as soon as it is rendered, pages the dependency map says are unchanged (and the search index,
//! when its key is the same) are hard-linked from the current output instead, and `finish`
//! writes the manifest last and swaps the tree in. The replaced tree is moved into
//! `.sitegen-cache/` and deleted by the next build on a background thread, off the critical
//! path. It must not render anything or decide what changed (the dependency map does).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use rayon::prelude::*;

use super::{
    MANIFEST, check_location, check_replaceable, manifest, remove_stale_temporaries, swap,
};
use crate::Error;
use crate::cache::CACHE_DIR;
use crate::render::deps::DepMap;
use crate::render::{OutputFile, Sink};

/// What `TreeWriter::finish` put in the output folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    /// Files the site holds.
    pub files: usize,
    /// Pages of them kept from the previous build because nothing they show changed.
    pub kept: usize,
}

/// A site being written: files go into a temporary folder beside the output as they come, and
/// `finish` swaps it in. Dropped without `finish` (an error), it removes the temporary folder.
pub struct TreeWriter {
    out: PathBuf,
    tmp: PathBuf,
    /// `.sitegen-cache/` beside the output: replaced trees wait there for deletion, and the
    /// dependency map of the output is kept there.
    cache_dir: PathBuf,
    map_file: PathBuf,
    /// Site paths written so far, for the manifest.
    paths: Mutex<BTreeSet<String>>,
    kept: AtomicUsize,
    /// Deletes trees earlier builds replaced, while this one renders.
    cleanup: Option<JoinHandle<()>>,
    /// The dependency map of the build that wrote `out`, when it is known to match it.
    old_map: Option<DepMap>,
    /// Pages that must be rendered again (None: all), once `plan` compared the maps.
    changed: OnceLock<Option<BTreeSet<String>>>,
    finished: bool,
}

impl TreeWriter {
    /// Checks that `out` may be replaced (see `output::write`) and starts a fresh temporary
    /// folder beside it.
    pub fn begin(root: &Path, out: &Path) -> Result<TreeWriter, Error> {
        check_location(root, out)?;
        check_replaceable(out)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = out
            .file_name()
            .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        remove_stale_temporaries(&parent, &name);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let cache_dir = parent.join(CACHE_DIR);
        let cleanup = empty_trash(&cache_dir);
        // The map goes now and comes back after the swap: a build that stops half-way leaves
        // no map that could disagree with the output folder.
        let map_file = cache_dir.join(format!("pages-{name}.json"));
        // JSON: the map of a 10,000-paper list is megabytes, which TOML takes ten times
        // longer to read and write.
        let old_map = std::fs::read(&map_file)
            .ok()
            .filter(|_| out.join(MANIFEST).exists())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let _ = std::fs::remove_file(&map_file);
        Ok(TreeWriter {
            out: out.to_path_buf(),
            tmp,
            cache_dir,
            map_file,
            paths: Mutex::new(BTreeSet::new()),
            kept: AtomicUsize::new(0),
            cleanup,
            old_map,
            changed: OnceLock::new(),
            finished: false,
        })
    }

    /// Copies `copies` (site path → file; they win over generated files of the same path),
    /// writes the manifest, swaps the new tree in, and saves `map` for the next build's `keep`.
    pub fn finish(
        mut self,
        copies: &BTreeMap<String, PathBuf>,
        map: &DepMap,
    ) -> Result<Written, Error> {
        copies.par_iter().try_for_each(|(site_path, source)| {
            let target = self.tmp.join(site_path);
            make_parent(&target)?;
            // A hard-linked page must not be written through: replace the link.
            let _ = std::fs::remove_file(&target);
            std::fs::copy(source, &target)
                .map(drop)
                .map_err(|e| Error::io(source, e))?;
            self.record(site_path);
            Ok::<_, Error>(())
        })?;
        let files = {
            let paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
            // Last, so only a complete tree carries the proof that sitegen wrote it.
            let file = self.tmp.join(MANIFEST);
            std::fs::write(&file, manifest(paths.iter().map(String::as_str)))
                .map_err(|e| Error::io(&file, e))?;
            paths.len()
        };
        if let Some(cleanup) = self.cleanup.take() {
            // Stale trees are gone before this build leaves one of its own.
            let _ = cleanup.join();
        }
        let replaced = swap(&self.tmp, &self.out).map_err(|e| Error::io(&self.out, e))?;
        self.finished = true;
        if replaced {
            // `tmp` holds the previous site: the next build deletes it in the background.
            static SWAPS: AtomicU64 = AtomicU64::new(0);
            let n = SWAPS.fetch_add(1, Ordering::Relaxed);
            let trash = self
                .cache_dir
                .join(format!("old-site-{}-{n}", std::process::id()));
            let parked = std::fs::create_dir_all(&self.cache_dir)
                .and_then(|()| std::fs::rename(&self.tmp, &trash));
            if parked.is_err() {
                std::fs::remove_dir_all(&self.tmp).map_err(|e| Error::io(&self.tmp, e))?;
            }
        }
        if !map.papers.is_empty()
            && let Ok(text) = serde_json::to_vec(map)
        {
            // Only saves time next build: a map that cannot be written means a full build then.
            let _ = std::fs::create_dir_all(&self.cache_dir);
            let _ = std::fs::write(&self.map_file, text);
        }
        Ok(Written {
            files,
            kept: self.kept.load(Ordering::Relaxed),
        })
    }

    fn record(&self, site_path: &str) {
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        paths.insert(site_path.to_owned());
    }
}

/// Makes the folder of `path`: one `mkdir` for a page in a known folder, more only when needed.
fn make_parent(path: &Path) -> Result<(), Error> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    match std::fs::create_dir(parent) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(_) => std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e)),
    }
}

impl Sink for TreeWriter {
    fn plan(&self, map: &DepMap) {
        let changed = self.old_map.as_ref().and_then(|old| map.changed_pages(old));
        let _ = self.changed.set(changed);
    }

    /// An unchanged page is hard-linked from the current output (the swap then moves that tree
    /// aside, so the link is all that is left of it).
    fn keep(&self, path: &str) -> Result<bool, Error> {
        let Some(Some(changed)) = self.changed.get() else {
            return Ok(false);
        };
        if changed.contains(path) {
            return Ok(false);
        }
        let target = self.tmp.join(path);
        make_parent(&target)?;
        let kept = std::fs::hard_link(self.out.join(path), &target).is_ok();
        if kept {
            self.record(path);
            // Pages are what the build reports; the feed, sitemap and bibliography are files.
            if path.ends_with(".html") {
                self.kept.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(kept)
    }

    /// Hard-links every file the current output's manifest lists under `dir`, when the map of
    /// that output names the same search key; ≈10,000 links at 10,000 papers, in parallel,
    /// instead of writing their bytes. A link that fails (a file deleted by hand) undoes them
    /// all, and the search stage writes the files instead.
    fn keep_search(&self, dir: &str, key: &str) -> Result<bool, Error> {
        if self
            .old_map
            .as_ref()
            .is_none_or(|m| m.search.is_empty() || m.search != key)
        {
            return Ok(false);
        }
        let Ok(listed) = std::fs::read_to_string(self.out.join(MANIFEST)) else {
            return Ok(false);
        };
        let files: Vec<&str> = listed.lines().filter(|p| p.starts_with(dir)).collect();
        let folders: BTreeSet<&str> = files
            .iter()
            .filter_map(|p| p.rsplit_once('/').map(|(folder, _)| folder))
            .collect();
        for folder in folders {
            let path = self.tmp.join(folder);
            std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
        let linked = files
            .par_iter()
            .all(|p| std::fs::hard_link(self.out.join(p), self.tmp.join(p)).is_ok());
        if !linked || files.is_empty() {
            let _ = std::fs::remove_dir_all(self.tmp.join(dir));
            return Ok(false);
        }
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        paths.extend(files.iter().map(|p| (*p).to_owned()));
        Ok(true)
    }

    fn put(&self, file: OutputFile) -> Result<(), Error> {
        let path = self.tmp.join(&file.path);
        make_parent(&path)?;
        std::fs::write(&path, &file.contents).map_err(|e| Error::io(&path, e))?;
        self.record(&file.path);
        Ok(())
    }
}

impl Drop for TreeWriter {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            let _ = cleanup.join();
        }
        if !self.finished {
            // Leave no debris behind; the error that matters is the one that stopped the build.
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Deletes the replaced trees in `cache_dir` (`old-site-*`) on a background thread.
fn empty_trash(cache_dir: &Path) -> Option<JoinHandle<()>> {
    let stale: Vec<PathBuf> = std::fs::read_dir(cache_dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("old-site-"))
        .map(|e| e.path())
        .collect();
    if stale.is_empty() {
        return None;
    }
    // One thread, not the render pool: it only has to finish before this build's swap.
    Some(std::thread::spawn(move || {
        for dir in stale {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }))
}
