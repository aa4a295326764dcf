//! Helpers shared by the integration tests: build a fixture site into a temp dir, read the
//! pages back and follow their links with a real HTML parser.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use scraper::{Html, Selector};
use sitegen::{BuildOptions, BuildReport};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture site into a fresh temp dir, so a test may edit it.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), dir.path());
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Builds `root` into `out` with an optional base URL.
pub fn build(root: &Path, out: &Path, base_url: Option<&str>) -> BuildReport {
    sitegen::build(&BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.to_path_buf()),
        base_url: base_url.map(str::to_owned),
        ..BuildOptions::default()
    })
    .expect("build runs")
}

/// Every file of a built site: path relative to the site → bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap();
            out.insert(
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    out
}

pub fn page(out: &Path, site_path: &str) -> Html {
    let file = out.join(site_path).join("index.html");
    let file = if site_path.ends_with(".html") {
        out.join(site_path)
    } else {
        file
    };
    Html::parse_document(
        &std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
    )
}

pub fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

pub fn texts(doc: &Html, css: &str) -> Vec<String> {
    select(doc, css)
        .iter()
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Every internal `href`/`src` of every HTML page that does not resolve to a file of the site
/// served under `prefix` (`/` or `/reading-list/`), as "page -> link".
pub fn broken_links(out: &Path, prefix: &str) -> Vec<String> {
    let tree = read_tree(out);
    let links = Selector::parse("[href], [src]").unwrap();
    let mut broken = Vec::new();
    for (path, bytes) in &tree {
        if !path.ends_with(".html") {
            continue;
        }
        let doc = Html::parse_document(std::str::from_utf8(bytes).unwrap());
        for el in doc.select(&links) {
            let v = el.value();
            let link = v.attr("href").or_else(|| v.attr("src")).unwrap();
            if link.contains("://") || link.starts_with("mailto:") || link.starts_with('#') {
                continue;
            }
            let target = link.split('#').next().unwrap();
            let Some(rel) = target.strip_prefix(prefix) else {
                broken.push(format!("{path} -> {link} (outside {prefix})"));
                continue;
            };
            let file = if rel.is_empty() || rel.ends_with('/') {
                format!("{rel}index.html")
            } else {
                rel.to_owned()
            };
            if !tree.contains_key(&file) {
                broken.push(format!("{path} -> {link}"));
            }
        }
    }
    broken
}

/// The text of a diagnostics list as the CLI prints it, for snapshots.
pub fn diagnostics_text(report: &BuildReport) -> String {
    report
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A small list (`content/papers/paper-NN.md`, keys `PaperN`) with shared authors, keywords,
/// venues, citations between papers, math and code.
pub fn corpus(root: &Path, papers: usize) {
    let dir = root.join("content/papers");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        root.join("sitegen.toml"),
        "title = \"Incremental\"\ndescription = \"Test list.\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let people = [
        "Ada, Lovelace",
        "Turing, Alan",
        "Hopper, Grace",
        "Noether, Emmy",
    ];
    for i in 0..papers {
        let mut text = String::new();
        let authors = [people[i % 4], people[(i + 1) % 4]];
        writeln!(text, "+++\ntitle = \"Paper number {i}\"").unwrap();
        writeln!(text, "authors = {authors:?}\nyear = {}", 2000 + i % 5).unwrap();
        writeln!(text, "venue = \"{}\"", ["ICML", "NeurIPS"][i % 2]).unwrap();
        writeln!(text, "keywords = [\"topic {}\", \"shared\"]", i % 3).unwrap();
        writeln!(text, "key = \"Paper{i}\"\n+++").unwrap();
        if i % 4 == 1 {
            // The excerpt (first sentence) shows the cited paper's citation text.
            writeln!(
                text,
                "Body of paper {i} follows \\cite{{Paper{}}}.\n",
                i - 1
            )
            .unwrap();
        } else {
            writeln!(text, "Body of paper {i} with $x_{{{i}}}$ and $\\alpha$.\n").unwrap();
        }
        if i > 0 {
            writeln!(text, "It builds on \\cite{{Paper{}}}.\n", i - 1).unwrap();
        }
        if i % 3 == 0 {
            writeln!(text, "```python\nprint({i})\n```").unwrap();
        }
        std::fs::write(dir.join(format!("paper-{i:02}.md")), text).unwrap();
    }
}

/// Edits of `corpus` papers that each reach different pages (what, paper, from, to), to apply in
/// order with `edit_paper`: incremental builds and `serve` must match a full build after each.
pub const EDITS: &[(&str, usize, &str, &str)] = &[
    // Past the first sentence: only the paper's own page shows it.
    ("body after the excerpt", 3, "It builds on", "It extends"),
    ("title", 5, "Paper number 5", "A renamed paper"),
    (
        "author list",
        22,
        "\"Noether, Emmy\"]",
        "\"Noether, Emmy\", \"Knuth, Donald\"]",
    ),
    ("keyword", 7, "\"topic 1\"", "\"topic 9\""),
    ("year", 14, "year = 2004", "year = 2001"),
    (
        "first author of a paper cited in an excerpt",
        8,
        "\"Ada, Lovelace\"",
        "\"Byron, Ada\"",
    ),
    (
        "citation",
        12,
        "\\cite{Paper11}",
        "\\cite{Paper3} and \\cite{Nowhere99}",
    ),
    (
        "body",
        0,
        "Body of paper 0",
        "A new body with $\\beta^2$ for paper 0",
    ),
];

pub fn edit_paper(root: &Path, paper: usize, from: &str, to: &str) {
    let path = root.join(format!("content/papers/paper-{paper:02}.md"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in paper {paper}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}
