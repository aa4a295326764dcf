//! The write stage: puts a rendered site on disk atomically. Files go to a temporary folder
//! beside the output as the render workers make them (`TreeWriter` is a `render::Sink`), which
//! is swapped in only when everything was written, so a failed build never leaves a
//! half-written site. The replaced tree is moved into `.sitegen-cache/` and deleted by the next
//! build in the background, off the critical path. It must not render anything, and it refuses
//! to replace a folder that is not a site it wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::Error;
use crate::cache::CACHE_DIR;
use crate::render::deps::DepMap;
use crate::render::{OutputFile, Sink};

/// The marker every built site holds (GitHub Pages needs it anyway); its presence is how
/// sitegen knows a folder is its own output and may be replaced.
pub const MARKER: &str = ".nojekyll";

/// Everything to write: generated files, and files copied as they are.
#[derive(Debug, Default)]
pub struct SiteOutput {
    pub files: Vec<OutputFile>,
    /// Site path → source file; a copy wins over a generated file of the same path.
    pub copies: BTreeMap<String, PathBuf>,
}

impl SiteOutput {
    /// Number of files the site will hold.
    pub fn len(&self) -> usize {
        self.files
            .iter()
            .filter(|f| !self.copies.contains_key(&f.path))
            .count()
            + self.copies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes `site` to `out`, replacing what was there only once the new site is complete.
pub fn write(out: &Path, site: &SiteOutput) -> Result<(), Error> {
    let writer = TreeWriter::begin(out)?;
    site.files
        .par_iter()
        .filter(|f| !site.copies.contains_key(&f.path))
        .try_for_each(|f| writer.put(f.clone()))?;
    writer.finish(&site.copies, &DepMap::default()).map(drop)
}

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
    /// Where replaced trees wait for deletion: `.sitegen-cache/` beside the output.
    trash: PathBuf,
    /// Folders made so far, so each page does not ask the file system again.
    dirs: Mutex<BTreeSet<PathBuf>>,
    written: Mutex<usize>,
    kept: AtomicU64,
    /// Deletes trees earlier builds replaced, while this one renders.
    cleanup: Option<JoinHandle<()>>,
    /// The dependency map of the build that wrote `out`, if it is known to match it.
    old_map: Option<DepMap>,
    /// Pages that must be rendered again (None: all), once `plan` has compared the maps.
    changed: std::sync::OnceLock<Option<BTreeSet<String>>>,
    finished: bool,
}

impl TreeWriter {
    /// Checks that `out` may be replaced and starts a fresh temporary folder beside it.
    pub fn begin(out: &Path) -> Result<TreeWriter, Error> {
        check_replaceable(out)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = out
            .file_name()
            .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let trash = parent.join(CACHE_DIR);
        let cleanup = empty_trash(&trash);
        // The map goes now and comes back after the swap: a build that stops half-way leaves
        // no map that could disagree with the output folder.
        let map_file = trash.join(format!("pages-{name}.toml"));
        let old_map = std::fs::read_to_string(&map_file)
            .ok()
            .filter(|_| out.join(MARKER).exists())
            .and_then(|text| toml::from_str(&text).ok());
        let _ = std::fs::remove_file(&map_file);
        Ok(TreeWriter {
            out: out.to_path_buf(),
            tmp: tmp.clone(),
            trash,
            dirs: Mutex::new(BTreeSet::from([tmp])),
            written: Mutex::new(0),
            kept: AtomicU64::new(0),
            cleanup,
            old_map,
            changed: std::sync::OnceLock::new(),
            finished: false,
        })
    }

    /// Copies `copies` (site path → file; they win over generated files of the same path),
    /// then swaps the new tree in, and saves `map` for the next build's `keep`.
    pub fn finish(
        mut self,
        copies: &BTreeMap<String, PathBuf>,
        map: &DepMap,
    ) -> Result<Written, Error> {
        copies.par_iter().try_for_each(|(site_path, source)| {
            let target = self.tmp.join(site_path);
            let existed = target.exists();
            self.make_parent(&target)?;
            std::fs::copy(source, &target)
                .map(drop)
                .map_err(|e| Error::io(source, e))?;
            if !existed {
                *self.written.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            }
            Ok::<_, Error>(())
        })?;
        if let Some(cleanup) = self.cleanup.take() {
            // Stale trees are gone before this build leaves one of its own.
            let _ = cleanup.join();
        }
        static SWAPS: AtomicU64 = AtomicU64::new(0);
        let n = SWAPS.fetch_add(1, Ordering::Relaxed);
        let old = self
            .trash
            .join(format!("old-site-{}-{n}", std::process::id()));
        if self.out.exists() {
            std::fs::create_dir_all(&self.trash).map_err(|e| Error::io(&self.trash, e))?;
            std::fs::rename(&self.out, &old).map_err(|e| Error::io(&self.out, e))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.out) {
            let _ = std::fs::rename(&old, &self.out);
            return Err(Error::io(&self.out, e));
        }
        self.finished = true;
        if !map.papers.is_empty() {
            // Only saves time next build: a map that cannot be written means a full build then.
            let name = self.out.file_name().map(|n| n.to_string_lossy());
            let file = self
                .trash
                .join(format!("pages-{}.toml", name.unwrap_or_default()));
            if let Ok(text) = toml::to_string(map) {
                let _ = std::fs::create_dir_all(&self.trash);
                let _ = std::fs::write(file, text);
            }
        }
        Ok(Written {
            files: *self.written.lock().unwrap_or_else(|e| e.into_inner()),
            kept: self.kept.load(Ordering::Relaxed) as usize,
        })
    }

    fn make_parent(&self, path: &Path) -> Result<(), Error> {
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if !dirs.contains(parent) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            dirs.insert(parent.to_path_buf());
        }
        Ok(())
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
        self.make_parent(&target)?;
        let kept = std::fs::hard_link(self.out.join(path), &target).is_ok();
        if kept {
            *self.written.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            self.kept.fetch_add(1, Ordering::Relaxed);
        }
        Ok(kept)
    }

    fn put(&self, file: OutputFile) -> Result<(), Error> {
        let path = self.tmp.join(&file.path);
        self.make_parent(&path)?;
        std::fs::write(&path, &file.contents).map_err(|e| Error::io(&path, e))?;
        *self.written.lock().unwrap_or_else(|e| e.into_inner()) += 1;
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

/// Deletes the replaced trees in `trash` (`old-site-*`) on a background thread.
fn empty_trash(trash: &Path) -> Option<JoinHandle<()>> {
    let stale: Vec<PathBuf> = std::fs::read_dir(trash)
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

/// An existing, non-empty `out` must be a site sitegen wrote.
fn check_replaceable(out: &Path) -> Result<(), Error> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(Error::UnsafeOutput {
            path: out.to_path_buf(),
            reason: "it exists and is not a folder".to_owned(),
        });
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .next()
        .is_none();
    if empty || out.join(MARKER).exists() {
        Ok(())
    } else {
        Err(Error::UnsafeOutput {
            path: out.to_path_buf(),
            reason: format!(
                "it is not a site built by sitegen (no {MARKER}); refusing to replace it. \
                 Remove it or choose another --out"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> SiteOutput {
        SiteOutput {
            files: files
                .iter()
                .map(|(p, c)| OutputFile {
                    path: (*p).to_owned(),
                    contents: c.as_bytes().to_vec(),
                })
                .collect(),
            copies: BTreeMap::new(),
        }
    }

    #[test]
    fn replaces_its_own_output_and_leaves_no_temp_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &site(&[(MARKER, ""), ("a/index.html", "one")])).unwrap();
        write(&out, &site(&[(MARKER, ""), ("b.html", "two")])).unwrap();
        assert!(!out.join("a").exists());
        assert_eq!(std::fs::read_to_string(out.join("b.html")).unwrap(), "two");
        let names = |dir: &Path| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(dir.path()), [CACHE_DIR, "public"]);
        // The replaced tree waits in the cache folder until the next build deletes it.
        let trash = dir.path().join(CACHE_DIR);
        assert_eq!(names(&trash).len(), 1);
        write(&out, &site(&[(MARKER, ""), ("c.html", "three")])).unwrap();
        let old = names(&trash);
        assert_eq!(old.len(), 1, "{old:?}");
        assert!(trash.join(&old[0]).join("b.html").exists());
    }

    #[test]
    fn refuses_to_replace_a_foreign_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("docs");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = write(&out, &site(&[(MARKER, "")])).unwrap_err();
        assert!(err.to_string().contains("refusing to replace"), "{err}");
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn copies_win_over_generated_files() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("style.css");
        std::fs::write(&src, "user").unwrap();
        let mut s = site(&[(MARKER, ""), ("style.css", "builtin")]);
        s.copies.insert("style.css".into(), src);
        assert_eq!(s.len(), 2);
        let out = dir.path().join("public");
        write(&out, &s).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("style.css")).unwrap(),
            "user"
        );
    }
}
