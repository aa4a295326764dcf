//! The build's side of math, where it meets the disk: finds KaTeX's stylesheet and fonts (in the
//! lookup order of ECOSYSTEM.md), pre-renders every expression of the site before the page pass
//! (through the derived-work cache, `crate::cache`). It owns no markdown or KaTeX logic
//! (`math::engine` does) and never writes inside the output folder.

pub mod cache;
pub mod engine;
#[cfg(feature = "katex")]
mod katex_js;
#[cfg(feature = "katex-rs")]
mod katex_rs;
pub mod limits;
mod mathml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Error;
use crate::cache::Store;
use crate::load::config::Config;
use crate::load::config::MathEngine;
use cache::Prerendered;
use engine::Katex;

/// Where an engine's KaTeX assets come from when nothing local is found: the pinned stylesheet
/// on a CDN, with its subresource-integrity hash computed from the npm tarball
/// (`openssl dgst -sha384 -binary dist/katex.min.css | openssl base64 -A`).
pub fn cdn_css(engine: MathEngine) -> (String, &'static str) {
    let sri = match engine {
        MathEngine::Katex => {
            "sha384-vKruj+a13U8yHIkAyGgK1J3ArTLzrFGBbBc0tDp4ad/EyewESeXE/Iv67Aj8gKZ0"
        }
        MathEngine::KatexRs => {
            "sha384-2dNi/m6JtSiviznrOIZ5fTiZ5As0In2QwkuXSgoqcQtCNplvJAbt+jveeN+8en73"
        }
    };
    let url = format!(
        "https://cdn.jsdelivr.net/npm/katex@{}/dist/katex.min.css",
        engine.katex_version()
    );
    (url, sri)
}

/// The npm package folder (under `node_modules/`) that `package.json` pins for an engine: the
/// default engine's version is `katex` itself, the other an npm alias of the same package.
pub fn npm_package(engine: MathEngine) -> &'static str {
    match engine {
        MathEngine::Katex => "katex",
        MathEngine::KatexRs => "katex-0.18.5",
    }
}
/// Where Debian's `libjs-katex` (with `fonts-katex`) puts KaTeX's dist files.
pub const DEBIAN_DIST: &str = "/usr/share/javascript/katex";
/// Site paths of the copied stylesheet and fonts; the CSS refers to `fonts/…` relatively.
pub const SITE_CSS: &str = "katex/katex.min.css";
const SITE_FONTS: &str = "katex/fonts/";

/// Something that turns TeX into HTML. `Sync` so pages render in parallel.
pub trait MathRenderer: Sync {
    /// HTML for `tex`, or the renderer's error message.
    fn render(&self, tex: &str, display: bool) -> Result<String, String>;
}

/// Math of a build: the pre-rendered expressions and where pages get the stylesheet.
#[derive(Debug, Default)]
pub struct MathBuild {
    /// None when the site has no math at all.
    pub prerendered: Option<Prerendered>,
    /// Site path → file to copy (the stylesheet and fonts).
    pub copies: BTreeMap<String, PathBuf>,
    /// Site path of the stylesheet, or the CDN URL; None when no page has math.
    pub css: Option<String>,
    /// SRI hash for a CDN stylesheet.
    pub css_integrity: Option<String>,
    /// Warnings without a position in a content file (e.g. the CDN fallback).
    pub notes: Vec<String>,
}

impl MathBuild {
    pub fn rendered(&self) -> usize {
        self.prerendered.as_ref().map_or(0, |p| p.rendered)
    }

    pub fn cached(&self) -> usize {
        self.prerendered.as_ref().map_or(0, |p| p.cached)
    }
}

/// Renders those of `exprs` (TeX, display) the cache lacks, and finds the assets.
pub fn prepare(
    root: &Path,
    config: &Config,
    exprs: Vec<(String, bool)>,
    store: Arc<Store>,
) -> Result<MathBuild, Error> {
    if exprs.is_empty() {
        return Ok(MathBuild::default());
    }
    let katex = Katex::new(config.math_engine, &config.math_macros).map_err(Error::MathEngine)?;
    let version = katex.version();
    let prerendered = Prerendered::build(katex, exprs, store);

    let mut build = MathBuild {
        prerendered: Some(prerendered),
        ..MathBuild::default()
    };
    let mut candidates = Vec::new();
    if let Some(dir) = &config.katex_dist {
        candidates.push((root.join(dir), "[math] katex_dist in sitegen.toml"));
    }
    let npm = root
        .join("node_modules")
        .join(npm_package(config.math_engine))
        .join("dist");
    candidates.push((npm, "node_modules"));
    candidates.push((PathBuf::from(DEBIAN_DIST), "Debian's libjs-katex"));
    match find_dist(&candidates, version) {
        (Some(dist), problems) => {
            // A configured folder that is not usable deserves a word even when another works.
            if config.katex_dist.is_some() {
                build.notes.extend(problems);
            }
            build.copies = dist.copies();
            build.css = Some(SITE_CSS.to_owned());
        }
        (None, problems) => {
            if config.katex_dist.is_some() {
                build.notes.extend(problems);
            }
            let (url, sri) = cdn_css(config.math_engine);
            build.notes.push(format!(
                "KaTeX {version} stylesheet and fonts not found, so pages with math link them \
                 from {url}; to self-host them, {}, or set [math] katex_dist in sitegen.toml",
                self_host_advice(root, config.math_engine),
            ));
            build.css = Some(url);
            build.css_integrity = Some(sri.to_owned());
        }
    }
    Ok(build)
}

/// The npm command that installs an engine's KaTeX assets into `root/node_modules`: `npm ci`
/// only where a package.json pins them (with its lock file), else the install that pins them.
fn self_host_advice(root: &Path, engine: MathEngine) -> String {
    let folder = if root == Path::new(".") {
        "this folder".to_owned()
    } else {
        root.display().to_string()
    };
    let package = npm_package(engine);
    let version = engine.katex_version();
    let manifest = std::fs::read_to_string(root.join("package.json")).unwrap_or_default();
    // A dependency is a `"name":` key; good enough without a JSON parser for this one hint.
    if manifest.contains(&format!("\"{package}\":"))
        || manifest.contains(&format!("\"{package}\" :"))
    {
        let command = if root.join("package-lock.json").is_file() {
            "npm ci"
        } else {
            "npm install"
        };
        return format!("run `{command}` in {folder} (its package.json pins {package})");
    }
    let spec = if package == "katex" {
        format!("katex@{version}")
    } else {
        format!("{package}@npm:katex@{version}")
    };
    let what = if manifest.is_empty() {
        "creates a package.json pinning it; `sitegen init` gives new sites one"
    } else {
        "adds it to package.json"
    };
    format!("run `npm install --save-exact {spec}` in {folder} ({what})")
}

/// A usable KaTeX dist folder: its stylesheet and font files.
#[derive(Debug, Clone, PartialEq)]
pub struct Dist {
    pub css: PathBuf,
    /// File name → path, every regular file of `fonts/`.
    pub fonts: BTreeMap<String, PathBuf>,
}

impl Dist {
    /// Site path → file, for `SiteOutput.copies`.
    pub fn copies(&self) -> BTreeMap<String, PathBuf> {
        let mut copies: BTreeMap<String, PathBuf> = self
            .fonts
            .iter()
            .map(|(name, path)| (format!("{SITE_FONTS}{name}"), path.clone()))
            .collect();
        copies.insert(SITE_CSS.to_owned(), self.css.clone());
        copies
    }
}

/// The first usable folder of `candidates` (folder, where it comes from), and why the ones
/// before it were not.
pub fn find_dist(candidates: &[(PathBuf, &str)], version: &str) -> (Option<Dist>, Vec<String>) {
    let mut problems = Vec::new();
    for (dir, origin) in candidates {
        match check_dist(dir, version) {
            Ok(dist) => return (Some(dist), problems),
            Err(why) => problems.push(format!("KaTeX assets from {origin} not used: {why}")),
        }
    }
    (None, problems)
}

/// A folder is usable when its `katex.min.css` is of the renderer's KaTeX `version` and
/// `fonts/` holds at least one format of every font face the stylesheet uses.
pub fn check_dist(dir: &Path, wanted: &str) -> Result<Dist, String> {
    let css = dir.join("katex.min.css");
    let text = std::fs::read_to_string(&css).map_err(|e| format!("{}: {e}", css.display()))?;
    let version =
        css_version(&text).ok_or_else(|| format!("{}: no KaTeX version in it", css.display()))?;
    if version != wanted {
        return Err(format!(
            "{} is KaTeX {version}, the renderer is KaTeX {wanted}",
            css.display(),
        ));
    }
    let fonts_dir = dir.join("fonts");
    let entries =
        std::fs::read_dir(&fonts_dir).map_err(|e| format!("{}: {e}", fonts_dir.display()))?;
    let mut fonts = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        // `is_file` follows symlinks: Debian links its fonts in from fonts-katex.
        if path.is_file() {
            fonts.insert(entry.file_name().to_string_lossy().into_owned(), path);
        }
    }
    for url in text.split("url(fonts/").skip(1) {
        let name = url.split(')').next().unwrap_or("");
        let stem = name.split('.').next().unwrap_or(name);
        let has_face = fonts
            .keys()
            .any(|f| f.strip_prefix(stem).is_some_and(|ext| ext.starts_with('.')));
        if !has_face {
            return Err(format!("{}: no file for font {stem}", fonts_dir.display()));
        }
    }
    Ok(Dist { css, fonts })
}

/// KaTeX writes its version into its stylesheet (`.katex-version::after{content:"0.16.4"}`).
fn css_version(css: &str) -> Option<&str> {
    let marker = "katex-version:after{content:\"";
    let start = css.find(marker)? + marker.len();
    let len = css[start..].find('"')?;
    Some(&css[start..start + len])
}

/// `.sitegen-cache/` beside `out_dir`, never inside it: the build caches' folder.
pub fn cache_dir(out_dir: &Path) -> PathBuf {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent.join(crate::cache::CACHE_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_dist(dir: &Path, version: &str, fonts: &[&str]) {
        std::fs::create_dir_all(dir.join("fonts")).unwrap();
        std::fs::write(
            dir.join("katex.min.css"),
            format!(
                "@font-face{{src:url(fonts/KaTeX_Main-Regular.woff2) format(\"woff2\"),\
                 url(fonts/KaTeX_Main-Regular.ttf)}}.katex .katex-version:after{{content:\"{version}\"}}"
            ),
        )
        .unwrap();
        for f in fonts {
            std::fs::write(dir.join("fonts").join(f), "font").unwrap();
        }
    }

    #[test]
    fn lookup_takes_the_first_folder_of_the_right_version() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, good, nofonts) = (
            tmp.path().join("old"),
            tmp.path().join("good"),
            tmp.path().join("nofonts"),
        );
        fake_dist(&old, "0.15.0", &["KaTeX_Main-Regular.woff2"]);
        fake_dist(&good, "0.16.4", &["KaTeX_Main-Regular.ttf"]);
        fake_dist(&nofonts, "0.16.4", &["Other.woff2"]);
        let missing = tmp.path().join("missing");
        let (dist, problems) = find_dist(
            &[
                (missing, "a"),
                (old, "b"),
                (nofonts, "c"),
                (good.clone(), "d"),
            ],
            "0.16.4",
        );
        let dist = dist.unwrap();
        assert_eq!(dist.css, good.join("katex.min.css"));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[1].contains("is KaTeX 0.15.0"), "{problems:?}");
        assert!(problems[2].contains("KaTeX_Main-Regular"), "{problems:?}");
        let copies = dist.copies();
        assert_eq!(
            copies.keys().collect::<Vec<_>>(),
            ["katex/fonts/KaTeX_Main-Regular.ttf", "katex/katex.min.css"]
        );
    }

    #[test]
    fn self_host_advice_works_in_the_folder_it_names() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let advice = |engine| self_host_advice(root, engine);
        assert!(
            advice(MathEngine::Katex).contains("`npm install --save-exact katex@0.16.4` in"),
            "{}",
            advice(MathEngine::Katex)
        );
        assert!(
            advice(MathEngine::KatexRs)
                .contains("`npm install --save-exact katex-0.18.5@npm:katex@0.18.5`")
        );
        std::fs::write(
            root.join("package.json"),
            r#"{"dependencies": {"katex": "0.16.4"}}"#,
        )
        .unwrap();
        assert!(advice(MathEngine::Katex).starts_with("run `npm install` in"));
        assert!(advice(MathEngine::KatexRs).contains("adds it to package.json"));
        std::fs::write(root.join("package-lock.json"), "{}").unwrap();
        assert!(advice(MathEngine::Katex).starts_with("run `npm ci` in"));
        assert!(self_host_advice(Path::new("."), MathEngine::Katex).contains(" in this folder "));
    }
}
