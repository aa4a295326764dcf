//! The write stage: puts a rendered site on disk atomically. Files go to a temporary folder
//! beside the output as the render workers make them (`tree::TreeWriter`, a `render::Sink`),
//! which is swapped in only when everything was written, so a failed build never leaves a
//! half-written site. It must not render anything, and it never deletes a file it did not
//! write: a folder is replaced only when its manifest (written by sitegen alone) lists every
//! file in it, and never when it holds the site's sources.

mod tree;

pub use tree::{TreeWriter, Written};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::Error;
use crate::render::{OutputFile, Sink};

/// GitHub Pages needs this file so it serves folders starting with `_` as they are. Other tools
/// and people create it too, so it proves nothing about who owns a folder.
pub const NOJEKYLL: &str = ".nojekyll";

/// The file only sitegen writes: its first line identifies it, the others list every file of
/// the site it was written with. Its presence, with nothing unlisted beside it, is what lets a
/// later build replace the folder.
pub const MANIFEST: &str = ".sitegen-manifest";
const MANIFEST_HEADER: &str = "# sitegen manifest v1: the files sitegen wrote here; a build replaces this folder only while it holds nothing else";

/// How many foreign files a refusal names before it says "and N more".
const FOREIGN_SHOWN: usize = 5;

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

/// The manifest's text for a site holding `paths`.
fn manifest<'a>(paths: impl IntoIterator<Item = &'a str>) -> String {
    let sorted: BTreeSet<&str> = paths.into_iter().collect();
    let mut text = String::from(MANIFEST_HEADER);
    text.push('\n');
    for path in sorted {
        text.push_str(path);
        text.push('\n');
    }
    text
}

/// Writes `site` (of the site whose sources are in `root`) to `out`, replacing what was there
/// only once the new site is complete.
pub fn write(root: &Path, out: &Path, site: &SiteOutput) -> Result<(), Error> {
    let writer = TreeWriter::begin(root, out)?;
    site.files
        .par_iter()
        .filter(|f| !site.copies.contains_key(&f.path))
        .try_for_each(|f| writer.put(f.clone()))?;
    writer
        .finish(&site.copies, &crate::render::deps::DepMap::default())
        .map(drop)
}

/// Refuses an output folder that is, or would contain, the site's sources: replacing it would
/// delete them.
pub(crate) fn check_location(root: &Path, out: &Path) -> Result<(), Error> {
    let refuse = |reason: String| {
        Err(Error::UnsafeOutput {
            path: out.to_path_buf(),
            reason,
        })
    };
    let root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let out_abs = absolute(out)?;
    if root.starts_with(&out_abs) {
        return refuse(format!(
            "it is or contains the site folder {}; choose a folder of its own, such as {}",
            root.display(),
            root.join("public").display()
        ));
    }
    for source in ["content", "templates", "static"] {
        if out_abs.starts_with(root.join(source)) {
            return refuse(format!(
                "it is inside the site's {source}/ folder; choose a folder outside {source}/"
            ));
        }
    }
    Ok(())
}

/// `path` made absolute with its existing part resolved (symlinks included), so a folder and
/// its ancestors compare as they are on disk.
fn absolute(path: &Path) -> Result<PathBuf, Error> {
    let path = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(mut real) => {
                real.extend(rest.iter().rev());
                return Ok(real);
            }
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => return Ok(path),
            },
        }
    }
}

/// An existing, non-empty `out` must be a site sitegen wrote, holding only the files its
/// manifest lists.
pub(crate) fn check_replaceable(out: &Path) -> Result<(), Error> {
    let refuse = |reason: String| {
        Err(Error::UnsafeOutput {
            path: out.to_path_buf(),
            reason,
        })
    };
    let meta = match std::fs::symlink_metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(out, e)),
    };
    if !meta.is_dir() {
        return refuse("it exists and is not a folder".to_owned());
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let manifest_path = out.join(MANIFEST);
    let listed: BTreeSet<String> = match std::fs::read_to_string(&manifest_path) {
        Ok(text) if text.lines().next() == Some(MANIFEST_HEADER) => {
            text.lines().skip(1).map(str::to_owned).collect()
        }
        Ok(_) | Err(_) => {
            return refuse(format!(
                "it is not a site built by sitegen (no {MANIFEST}), so replacing it could \
                 delete your files. Remove it yourself (if an older sitegen built it) or choose \
                 another --out"
            ));
        }
    };
    // 24,000 files at 10,000 papers, on every build: the folders are read in parallel.
    let mut foreign: Vec<String> = files_under(out, "")?
        .into_iter()
        .filter(|rel| rel != MANIFEST && !listed.contains(rel))
        .collect();
    foreign.sort();
    if foreign.is_empty() {
        return Ok(());
    }
    let mut names = foreign
        .iter()
        .take(FOREIGN_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if foreign.len() > FOREIGN_SHOWN {
        names.push_str(&format!(" and {} more", foreign.len() - FOREIGN_SHOWN));
    }
    refuse(format!(
        "it holds files sitegen did not write ({names}); move files the site should publish to \
         static/ (copied into every build), or choose another --out"
    ))
}

/// The paths of the files (anything but folders; links are not followed) under `dir`, relative
/// to the output root, `/`-separated, with `prefix` (`dir`'s relative path, `/`-terminated).
fn files_under(dir: &Path, prefix: &str) -> Result<Vec<String>, Error> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if kind.is_dir() {
            dirs.push((entry.path(), rel + "/"));
        } else {
            files.push(rel);
        }
    }
    let nested: Vec<Vec<String>> = dirs
        .par_iter()
        .map(|(path, rel)| files_under(path, rel))
        .collect::<Result<_, Error>>()?;
    files.extend(nested.into_iter().flatten());
    Ok(files)
}

/// Removes temporary folders of earlier builds into `parent` that were killed before they
/// could clean up (`.NAME.tmp-PID`, and `.NAME.old-PID` of older versions). Folders of a build
/// still running are left alone. Failing to remove one only leaves debris, so it is not an
/// error.
pub(crate) fn remove_stale_temporaries(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let pid = prefixes
            .iter()
            .find_map(|p| file_name.strip_prefix(p.as_str()))
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !process_alive(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process with this id runs (on this machine); where that cannot be known, it is
/// assumed to, so nothing of a running build is removed.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Puts the complete tree `tmp` at `out`. Returns true when `out` existed, in which case `tmp`
/// now holds the previous tree. On Linux the exchange is one `renameat2(RENAME_EXCHANGE)`, so
/// `out` is never missing, not even for a moment; elsewhere (or on file systems without it) two
/// renames leave a short gap.
pub(crate) fn swap(tmp: &Path, out: &Path) -> std::io::Result<bool> {
    if !out.exists() {
        std::fs::rename(tmp, out)?;
        return Ok(false);
    }
    #[cfg(target_os = "linux")]
    {
        match exchange(tmp, out) {
            Ok(()) => return Ok(true),
            // Not supported here (old kernel, some file systems): fall back to two renames.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {}
            Err(e) => return Err(e),
        }
    }
    let parked = tmp.with_extension("old");
    std::fs::rename(out, &parked)?;
    if let Err(e) = std::fs::rename(tmp, out) {
        let _ = std::fs::rename(&parked, out);
        return Err(e);
    }
    std::fs::rename(&parked, tmp)?;
    Ok(true)
}

/// Atomically exchanges two paths.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CACHE_DIR;

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

    /// A site folder with `content/`, and its default output folder.
    fn site_root() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("content/papers")).unwrap();
        std::fs::write(root.join("sitegen.toml"), "title = \"t\"\n").unwrap();
        let out = root.join("public");
        (dir, root, out)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_its_own_output_and_leaves_no_temp_dirs() {
        let (_dir, root, out) = site_root();
        write(
            &root,
            &out,
            &site(&[(NOJEKYLL, ""), ("a/index.html", "one")]),
        )
        .unwrap();
        write(&root, &out, &site(&[(NOJEKYLL, ""), ("b.html", "two")])).unwrap();
        assert!(!out.join("a").exists());
        assert_eq!(std::fs::read_to_string(out.join("b.html")).unwrap(), "two");
        // The replaced tree waits in the cache folder until the next build deletes it.
        assert_eq!(
            names(&root),
            [CACHE_DIR, "content", "public", "sitegen.toml"]
        );
        let trash = root.join(CACHE_DIR);
        assert_eq!(names(&trash).len(), 1);
        write(&root, &out, &site(&[(NOJEKYLL, ""), ("c.html", "three")])).unwrap();
        let old = names(&trash);
        assert_eq!(old.len(), 1, "{old:?}");
        assert!(trash.join(&old[0]).join("b.html").exists());
        let manifest = std::fs::read_to_string(out.join(MANIFEST)).unwrap();
        assert_eq!(manifest, format!("{MANIFEST_HEADER}\n{NOJEKYLL}\nc.html\n"));
    }

    #[test]
    fn refuses_to_replace_a_foreign_folder() {
        let (_dir, root, _) = site_root();
        let out = root.join("docs");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = write(&root, &out, &site(&[(NOJEKYLL, "")])).unwrap_err();
        assert!(err.to_string().contains("no .sitegen-manifest"), "{err}");
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn a_nojekyll_file_is_no_proof_of_ownership() {
        let (_dir, root, _) = site_root();
        let out = root.join("docs");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(NOJEKYLL), "").unwrap();
        std::fs::write(out.join("index.md"), "hand-written").unwrap();
        assert!(write(&root, &out, &site(&[(NOJEKYLL, "")])).is_err());
        assert_eq!(names(&out), [NOJEKYLL, "index.md"]);
    }

    #[test]
    fn refuses_the_site_root_and_its_ancestors_and_source_folders() {
        let (dir, root, _) = site_root();
        std::fs::write(root.join(NOJEKYLL), "").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        for out in [
            root.clone(),
            root.join("."),
            dir.path().to_path_buf(),
            root.join("content"),
            root.join("content/site"),
            root.join("static/out"),
        ] {
            let err = write(&root, &out, &site(&[(NOJEKYLL, "")])).unwrap_err();
            assert!(
                err.to_string().contains("refusing"),
                "{}: {err}",
                out.display()
            );
        }
        assert_eq!(names(&root), [".git", NOJEKYLL, "content", "sitegen.toml"]);
        assert!(root.join("content/papers").is_dir());
    }

    #[test]
    fn never_deletes_a_file_added_to_its_own_output() {
        let (_dir, root, out) = site_root();
        write(&root, &out, &site(&[(NOJEKYLL, ""), ("index.html", "one")])).unwrap();
        std::fs::write(out.join("google123.html"), "verification").unwrap();
        std::fs::create_dir(out.join(".git")).unwrap();
        std::fs::write(out.join(".git/HEAD"), "ref").unwrap();
        let err = write(&root, &out, &site(&[(NOJEKYLL, ""), ("index.html", "two")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(".git/HEAD") && text.contains("google123.html"),
            "{text}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "one"
        );
        assert!(out.join("google123.html").exists());
    }

    #[test]
    fn stale_temporaries_of_dead_builds_are_removed() {
        let (_dir, root, out) = site_root();
        // No process has this id (Linux's maximum is 2^22).
        let stale = root.join(".public.tmp-4999999");
        std::fs::create_dir_all(stale.join("papers")).unwrap();
        std::fs::write(stale.join("papers/x.html"), "half").unwrap();
        let old = root.join(".public.old-4999998");
        std::fs::create_dir(&old).unwrap();
        // A running build's folder (this process's parent is alive) stays.
        let parent_pid = std::os::unix::process::parent_id();
        let running = root.join(format!(".public.tmp-{parent_pid}"));
        std::fs::create_dir(&running).unwrap();
        write(&root, &out, &site(&[(NOJEKYLL, "")])).unwrap();
        assert!(!stale.exists() && !old.exists());
        assert!(running.exists());
    }

    #[test]
    fn copies_win_over_generated_files() {
        let (dir, root, out) = site_root();
        let src = dir.path().join("style.css");
        std::fs::write(&src, "user").unwrap();
        let mut s = site(&[(NOJEKYLL, ""), ("style.css", "builtin")]);
        s.copies.insert("style.css".into(), src);
        assert_eq!(s.len(), 2);
        write(&root, &out, &s).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("style.css")).unwrap(),
            "user"
        );
    }
}
