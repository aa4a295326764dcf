//! Math end to end: fixture sites built into temp dirs, pages checked with an HTML parser.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scraper::{ElementRef, Html, Selector};
use sitegen::{BuildOptions, BuildReport};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The repo's KaTeX dist after `npm ci`, if installed.
fn repo_dist() -> Option<PathBuf> {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/katex/dist");
    dist.join("katex.min.css").is_file().then_some(dist)
}

/// A KaTeX dist folder for the site: the real one when installed, else a stand-in of the right
/// version, so the copy logic is tested either way.
fn dist_for_test(tmp: &Path) -> PathBuf {
    if let Some(dist) = repo_dist() {
        return dist;
    }
    eprintln!("node_modules/katex missing (run `npm ci`): using a stand-in KaTeX dist");
    let dist = tmp.join("dist");
    std::fs::create_dir_all(dist.join("fonts")).unwrap();
    std::fs::write(
        dist.join("katex.min.css"),
        "@font-face{src:url(fonts/KaTeX_Main-Regular.woff2)}\
         .katex .katex-version:after{content:\"0.16.4\"}",
    )
    .unwrap();
    std::fs::write(dist.join("fonts/KaTeX_Main-Regular.woff2"), "font").unwrap();
    dist
}

/// The math fixture in `tmp/site`, pointed at `dist` through `[math] katex_dist`.
fn math_site(tmp: &Path, dist: Option<&Path>) -> PathBuf {
    let root = tmp.join("site");
    copy_dir(&fixture("math"), &root);
    if let Some(dist) = dist {
        let config = std::fs::read_to_string(root.join("sitegen.toml")).unwrap();
        let line = format!("katex_dist = \"{}\"\n", dist.display());
        std::fs::write(root.join("sitegen.toml"), config + &line).unwrap();
    }
    root
}

fn build(root: &Path, out: &Path) -> BuildReport {
    let opts = BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.to_path_buf()),
        ..BuildOptions::default()
    };
    sitegen::build(&opts).unwrap()
}

fn page(out: &Path, path: &str) -> Html {
    Html::parse_document(&std::fs::read_to_string(out.join(path)).unwrap())
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn math_links(html: &Html) -> Vec<ElementRef<'_>> {
    html.select(&sel("link[rel=stylesheet]"))
        .filter(|l| l.value().attr("href").unwrap_or("").contains("katex"))
        .collect()
}

/// Text of the summaries outside math and code: what a reader sees as prose.
fn prose(html: &Html) -> String {
    let mut text = String::new();
    for summary in html.select(&sel("main")) {
        for node in summary.descendants() {
            let Some(t) = node.value().as_text() else {
                continue;
            };
            let hidden = node.ancestors().any(|a| {
                ElementRef::wrap(a).is_some_and(|e| {
                    let v = e.value();
                    v.classes().any(|c| c == "katex") || v.name() == "code" || v.name() == "pre"
                })
            });
            if !hidden {
                text.push_str(t);
            }
        }
    }
    text
}

#[test]
fn math_renders_with_katex_and_a_local_stylesheet() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = dist_for_test(tmp.path());
    let root = math_site(tmp.path(), Some(&dist));
    let out = tmp.path().join("public");
    let report = build(&root, &out);
    assert!(report.written, "{:?}", report.diagnostics);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!((report.math_rendered, report.math_cached), (5, 0));

    let html = page(&out, "papers/trpo/index.html");
    let inline = html.select(&sel(".katex")).count();
    let display = html.select(&sel(".katex-display")).count();
    assert_eq!((inline, display), (5, 2), "every span is rendered");
    assert!(
        html.select(&sel(".katex math")).count() == 5,
        "MathML is there"
    );
    assert!(html.select(&sel(".math-error")).next().is_none());
    // The macro from sitegen.toml applied.
    assert!(html.select(&sel(".katex .mathbf")).next().is_some());
    let text = prose(&html);
    let text = text.replace("costs $5 and $10, or $3", "");
    for delim in ["$", "\\(", "\\)", "\\[", "\\]"] {
        assert!(!text.contains(delim), "{delim} left in {text}");
    }
    let code: Vec<String> = html
        .select(&sel("code"))
        .map(|c| c.text().collect())
        .collect();
    assert!(code.contains(&"$x$".to_owned()), "{code:?}");
    assert!(code.contains(&"\\(y\\)".to_owned()), "{code:?}");
    assert!(
        code.iter().any(|c| c.contains("$$ not math $$")),
        "{code:?}"
    );

    // The stylesheet: linked from the math page only, with the base path, and on disk.
    let links = math_links(&html);
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].value().attr("href"),
        Some("/list/katex/katex.min.css")
    );
    assert_eq!(links[0].value().attr("integrity"), None);
    for plain in ["papers/plain/index.html", "index.html"] {
        assert!(math_links(&page(&out, plain)).is_empty(), "{plain}");
    }
    let css = std::fs::read_to_string(out.join("katex/katex.min.css")).unwrap();
    assert_eq!(
        css,
        std::fs::read_to_string(dist.join("katex.min.css")).unwrap()
    );
    assert!(css.contains("content:\"0.16.4\""));
    let fonts: Vec<&str> = css
        .split("url(fonts/")
        .skip(1)
        .map(|u| u.split(')').next().unwrap())
        .collect();
    assert!(!fonts.is_empty());
    for font in fonts {
        assert!(out.join("katex/fonts").join(font).is_file(), "{font}");
    }
}

#[test]
fn rebuild_uses_the_cache_and_is_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = dist_for_test(tmp.path());
    let root = math_site(tmp.path(), Some(&dist));
    let out = tmp.path().join("public");
    let cold = build(&root, &out);
    let snapshot = |out: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        walkdir(out)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(out).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect()
    };
    let first = snapshot(&out);
    let warm = build(&root, &out);
    assert_eq!((cold.math_rendered, cold.math_cached), (5, 0));
    assert_eq!((warm.math_rendered, warm.math_cached), (0, 5));
    assert!(first == snapshot(&out), "rebuild changed the output");
    // The cache sits beside the output, never in it.
    // One cache of derived work (the search index has its own); the replaced site waits beside
    // them for the next build to delete it.
    let cache: Vec<PathBuf> = walkdir(&tmp.path().join(".sitegen-cache"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("derived-"))
        .collect();
    assert_eq!(cache.len(), 1, "{cache:?}");
    assert!(first.keys().all(|p| !p.starts_with(".sitegen-cache")));

    // One new expression: only it is rendered.
    let paper = root.join("content/papers/plain.md");
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, text + "\nNow $e^{i\\pi}$.\n").unwrap();
    let more = build(&root, &out);
    assert_eq!((more.math_rendered, more.math_cached), (1, 5));
    let html = page(&out, "papers/plain/index.html");
    assert_eq!(math_links(&html).len(), 1);
}

#[test]
fn without_local_assets_pages_link_the_pinned_cdn_with_one_warning() {
    if Path::new(sitegen::math::DEBIAN_DIST).exists() {
        eprintln!("skipping: Debian's libjs-katex is installed, so there is no fallback to test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // No node_modules and no katex_dist in this root.
    let root = math_site(tmp.path(), None);
    let out = tmp.path().join("public");
    let report = build(&root, &out);
    assert!(report.written);
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    // This root has no package.json, so `npm ci` would fail there: the advice pins one.
    assert!(
        report.notes[0].contains("npm install --save-exact katex@0.16.4"),
        "{}",
        report.notes[0]
    );
    let cdn = "https://cdn.jsdelivr.net/npm/katex@0.16.4/dist/katex.min.css";
    assert!(report.notes[0].contains(cdn));
    let html = page(&out, "papers/trpo/index.html");
    let links = math_links(&html);
    assert_eq!(links.len(), 1);
    let link = links[0].value();
    assert_eq!(link.attr("href"), Some(cdn));
    assert_eq!(
        link.attr("integrity"),
        Some("sha384-vKruj+a13U8yHIkAyGgK1J3ArTLzrFGBbBc0tDp4ad/EyewESeXE/Iv67Aj8gKZ0")
    );
    assert_eq!(link.attr("crossorigin"), Some("anonymous"));
    assert!(!out.join("katex").exists());
    assert!(math_links(&page(&out, "index.html")).is_empty());
}

#[test]
fn broken_math_is_a_positioned_warning_and_shows_its_source() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(&fixture("math-broken"), &root);
    let out = tmp.path().join("public");
    let report = build(&root, &out);
    assert!(report.written, "warnings do not stop the build");
    let diags: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    insta::assert_snapshot!(diags.join("\n\n"));
    let html = page(&out, "papers/broken/index.html");
    let errors: Vec<String> = html
        .select(&sel(".math-error"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(
        errors,
        ["a + \\frac{1}{2} + \\foo", "\n\\sum_{i=1}^n x_i^2^3\n"]
    );
    assert_eq!(
        html.select(&sel(".katex")).count(),
        1,
        "the good one renders"
    );
}

#[test]
fn strict_makes_math_errors_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(&fixture("math-broken"), &root);
    let out = tmp.path().join("public");
    let run = |strict: bool| {
        let mut cmd = assert_cmd::Command::cargo_bin("sitegen").unwrap();
        cmd.arg("build")
            .arg("--root")
            .arg(&root)
            .arg("--out")
            .arg(&out);
        if strict {
            cmd.arg("--strict");
        }
        cmd.assert()
    };
    run(false)
        .success()
        .stderr(predicates::str::contains(
            "content/papers/broken.md:8:28: warning: math: KaTeX parse error: \
             Undefined control sequence: \\foo at position 19",
        ))
        .stdout(predicates::str::contains("math: rendered 3, cached 0"));
    std::fs::remove_dir_all(&out).unwrap();
    run(true)
        .code(1)
        .stderr(predicates::str::contains(
            "content/papers/broken.md:8:28: error: math: KaTeX parse error",
        ))
        .stderr(predicates::str::contains("build failed; 2 errors"));
    assert!(!out.exists(), "a failed build writes nothing");
}

#[test]
fn node_modules_of_the_root_is_found_without_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = dist_for_test(tmp.path());
    let root = math_site(tmp.path(), None);
    let installed = root.join("node_modules/katex/dist");
    std::fs::create_dir_all(installed.join("fonts")).unwrap();
    std::fs::copy(dist.join("katex.min.css"), installed.join("katex.min.css")).unwrap();
    for font in walkdir(&dist.join("fonts")) {
        std::fs::copy(
            &font,
            installed.join("fonts").join(font.file_name().unwrap()),
        )
        .unwrap();
    }
    let out = tmp.path().join("public");
    let report = build(&root, &out);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let html = page(&out, "papers/trpo/index.html");
    assert_eq!(
        math_links(&html)[0].value().attr("href"),
        Some("/list/katex/katex.min.css")
    );
    assert!(out.join("katex/katex.min.css").is_file());
    assert!(!out.join("node_modules").exists());
}
