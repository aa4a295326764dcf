//! `sitegen init`: writes a new, working reading-list site into an empty (or missing) folder from
//! the files under `src/scaffold/site/`, which are compiled into the binary. It never writes into
//! a folder that already holds anything, and it writes nothing outside that folder.

use std::path::{Path, PathBuf};

/// Why a site was not created: the user's to fix (exit 1), or an I/O failure (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "{} is not empty; `sitegen init` only writes into an empty or new folder \
         (to build the site that is there, run `sitegen build --root {}`)",
        .0.display(), .0.display()
    )]
    NotEmpty(PathBuf),
    #[error("{} exists and is not a folder", .0.display())]
    NotADir(PathBuf),
    #[error(transparent)]
    Io(#[from] crate::Error),
}

/// One file of the new site: its path in the site and its text (placeholders filled).
struct SiteFile {
    path: &'static str,
    text: String,
}

/// The files of a new site titled `title`, in the order they are written.
fn site_files(title: &str) -> Vec<SiteFile> {
    // `toml::Value`'s Display quotes and escapes, so any title gives valid TOML.
    let quoted = toml::Value::String(title.to_owned()).to_string();
    let file = |path, text: &str| SiteFile {
        path,
        text: text.to_owned(),
    };
    vec![
        file(
            "sitegen.toml",
            &include_str!("site/sitegen.toml").replace("__TITLE__", &quoted),
        ),
        file(
            "content/papers/adam-a-method-for-stochastic-optimization.md",
            include_str!("site/papers/adam-a-method-for-stochastic-optimization.md"),
        ),
        file(
            "content/papers/decoupled-weight-decay-regularization.md",
            include_str!("site/papers/decoupled-weight-decay-regularization.md"),
        ),
        file(".gitignore", include_str!("site/gitignore")),
        // package.json pins KaTeX's stylesheet and fonts at the renderers' versions, so
        // `npm ci` (here and in the workflow) gives the build what it copies into the site.
        file("package.json", include_str!("site/package.json")),
        file("package-lock.json", include_str!("site/package-lock.json")),
        file(
            ".github/workflows/pages.yml",
            &include_str!("site/pages.yml")
                .replace("__SITEGEN_VERSION__", env!("CARGO_PKG_VERSION"))
                .replace("__SITEGEN_REPO__", env!("CARGO_PKG_REPOSITORY")),
        ),
    ]
}

/// Creates a new site in `dir` (made if missing); returns the paths written, relative to it.
pub fn init(dir: &Path, title: &str) -> Result<Vec<&'static str>, InitError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(InitError::NotEmpty(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) if dir.exists() && !dir.is_dir() => {
            return Err(InitError::NotADir(dir.to_path_buf()));
        }
        Err(e) => return Err(crate::Error::io(dir, e).into()),
    }
    let files = site_files(title);
    for file in &files {
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| crate::Error::io(parent, e))?;
        }
        std::fs::write(&path, &file.text).map_err(|e| crate::Error::io(&path, e))?;
    }
    Ok(files.iter().map(|f| f.path).collect())
}

/// What to do next, printed after `init`: the next three commands, then how to publish.
pub fn next_steps(dir: &Path) -> String {
    format!(
        "Next:
  cd {}
  npm ci          # KaTeX's stylesheet and fonts (optional: without Node.js, pages link them on a CDN)
  sitegen serve   # preview at http://127.0.0.1:1111/, reloading as you edit content/papers/

Add a summary with `sitegen new \"TITLE\" --author \"Last, First\" --year YEAR`. To publish, push the
folder to a GitHub repository and set Settings → Pages → Source to \"GitHub Actions\".",
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_toml_quoted() {
        let files = site_files("Ada's \"papers\" \\ list");
        let config: toml::Table = toml::from_str(&files[0].text).unwrap();
        assert_eq!(config["title"].as_str(), Some("Ada's \"papers\" \\ list"));
    }

    #[test]
    fn workflow_names_this_version_and_repository() {
        let files = site_files("x");
        let wf = files
            .iter()
            .find(|f| f.path.ends_with("pages.yml"))
            .unwrap();
        assert!(!wf.text.contains("__"), "a placeholder was left");
        assert!(wf.text.contains(&format!(
            "SITEGEN_VERSION: \"{}\"",
            env!("CARGO_PKG_VERSION")
        )));
    }

    #[test]
    fn refuses_a_file_in_place_of_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("site");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(init(&file, "t"), Err(InitError::NotADir(_))));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    }
}
