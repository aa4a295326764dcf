//! The write stage: puts a rendered site on disk atomically. Files go to a temporary folder
//! beside the output, which is swapped in only when everything was written, so a failed build
//! never leaves a half-written site. It must not render anything, and it refuses to replace a
//! folder that is not a site it wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::Error;
use crate::render::OutputFile;

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
    check_replaceable(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    if let Err(e) = write_tree(&tmp, site) {
        // Leave no debris behind; the error that matters is the write's.
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::io(out, e));
    }
    if old.exists() {
        remove_tree(&old)?;
    }
    Ok(())
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

fn write_tree(dir: &Path, site: &SiteOutput) -> Result<(), Error> {
    // Folders first (few, and parents before children), then the files in parallel: with
    // thousands of small pages, file creation is what writing costs.
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    dirs.insert(dir.to_path_buf());
    let generated = site
        .files
        .iter()
        .filter(|f| !site.copies.contains_key(&f.path));
    for path in generated
        .clone()
        .map(|f| f.path.as_str())
        .chain(site.copies.keys().map(String::as_str))
    {
        if let Some(parent) = dir.join(path).parent() {
            dirs.insert(parent.to_path_buf());
        }
    }
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    generated
        .collect::<Vec<_>>()
        .par_iter()
        .try_for_each(|file| {
            let path = dir.join(&file.path);
            std::fs::write(&path, &file.contents).map_err(|e| Error::io(&path, e))
        })?;
    site.copies.par_iter().try_for_each(|(site_path, source)| {
        std::fs::copy(source, dir.join(site_path))
            .map(drop)
            .map_err(|e| Error::io(source, e))
    })
}

/// Removes a previous site, its top-level folders in parallel (a large list has thousands of
/// pages under `papers/` and `authors/`).
fn remove_tree(dir: &Path) -> Result<(), Error> {
    let children: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    children.par_iter().try_for_each(|child| {
        let removed = if child.is_dir() {
            std::fs::remove_dir_all(child)
        } else {
            std::fs::remove_file(child)
        };
        removed.map_err(|e| Error::io(child, e))
    })?;
    std::fs::remove_dir(dir).map_err(|e| Error::io(dir, e))
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
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["public"]);
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
