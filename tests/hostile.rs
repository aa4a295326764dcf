//! Hostile content: raw HTML and URLs that would run scripts, characters XML forbids, and
//! keywords whose slugs coincide. Each builds a small site into a temp dir and reads it back.

mod common;

use common::*;

/// A site in a temp dir with `papers` (file name, whole file) and extra `sitegen.toml` lines.
fn site(config: &str, papers: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitegen.toml"),
        format!("title = \"T\"\nbase_url = \"https://example.org/\"\n{config}"),
    )
    .unwrap();
    let papers_dir = dir.path().join("content/papers");
    std::fs::create_dir_all(&papers_dir).unwrap();
    for (name, text) in papers {
        std::fs::write(papers_dir.join(name), text).unwrap();
    }
    dir
}

fn paper(title: &str, extra: &str, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\nauthors = [\"Ada Lovelace\"]\nyear = 2015\n{extra}+++\n{body}"
    )
}

#[test]
fn control_characters_never_reach_the_feed_or_pages() {
    // Front matter with control characters is an error of its own; a summary (pasted from a
    // PDF) and the site's title still carry them into pages and the feed.
    let text = paper("P", "", "Pasted\u{c} from a \u{2}PDF\u{7f}.\n");
    let dir = site("", &[("p.md", &text)]);
    std::fs::write(
        dir.path().join("sitegen.toml"),
        "title = \"Form\\ffeed \\u0002list\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let out = dir.path().join("public");
    let report = build(dir.path(), &out, None);
    assert!(report.written, "{}", diagnostics_text(&report));
    for file in ["atom.xml", "sitemap.xml"] {
        let xml = std::fs::read_to_string(out.join(file)).unwrap();
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let atom = std::fs::read_to_string(out.join("atom.xml")).unwrap();
    assert!(atom.contains("<title>Formfeed list</title>"), "{atom}");
    assert!(atom.contains("Pasted from a PDF."), "{atom}");
    let pages = read_tree(&out);
    let pages = pages
        .iter()
        .filter(|(path, _)| path.ends_with(".html") || path.ends_with(".xml"));
    for (path, bytes) in pages {
        let text = String::from_utf8_lossy(bytes);
        let bad = text
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
        assert_eq!(bad, None, "{path}");
    }
}

#[test]
fn summaries_cannot_run_scripts_and_every_removal_is_reported() {
    let body = "Hi <script>alert(1)</script>.\n\n<img src=\"a.png\" onerror=\"alert(2)\">\n\n\
                <iframe src=\"https://evil.example\"></iframe>\n\n[x](javascript:alert(3))\n";
    let dir = site("", &[("p.md", &paper("P", "", body))]);
    let out = dir.path().join("public");
    let report = build(dir.path(), &out, None);
    assert!(report.written, "{}", diagnostics_text(&report));
    let shown = diagnostics_text(&report);
    for (line, what) in [
        (6, "removed `<script>`"),
        (8, "removed `onerror`"),
        (10, "removed `<iframe>`"),
        (12, "link to a `javascript:` URL removed"),
    ] {
        assert!(
            shown.contains(&format!("content/papers/p.md:{line}:")) && shown.contains(what),
            "{what} on line {line}: {shown}"
        );
    }
    for file in ["papers/p/index.html", "atom.xml"] {
        let html = std::fs::read_to_string(out.join(file)).unwrap();
        for bad in ["<script>alert", "onerror", "<iframe", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {file}");
        }
    }
    // A site that trusts its authors keeps raw HTML as written.
    let dir = site(
        "[markdown]\nraw_html = \"allow\"\n",
        &[("p.md", &paper("P", "", body))],
    );
    let report = build(dir.path(), &out, None);
    assert_eq!(report.warnings(), 0, "{}", diagnostics_text(&report));
    let html = std::fs::read_to_string(out.join("papers/p/index.html")).unwrap();
    assert!(html.contains("<script>alert(1)</script>"));
}

#[test]
fn front_matter_urls_must_be_web_urls() {
    let text = paper("P", "url = \"javascript:alert(1)\"\n", "Body.\n");
    let dir = site("", &[("p.md", &text)]);
    let out = dir.path().join("public");
    let report = build(dir.path(), &out, None);
    assert!(!report.written);
    let shown = diagnostics_text(&report);
    assert!(
        shown.contains("content/papers/p.md:5:8: error: front matter: `url` must be an http(s)"),
        "{shown}"
    );
}

#[test]
fn keywords_that_slug_alike_get_their_own_pages() {
    let dir = site(
        "",
        &[
            ("a.md", &paper("A", "keywords = [\"C++\"]\n", "")),
            ("b.md", &paper("B", "keywords = [\"C#\", \"?!\"]\n", "")),
        ],
    );
    let out = dir.path().join("public");
    let report = build(dir.path(), &out, None);
    assert!(report.written, "{}", diagnostics_text(&report));
    for (slug, name) in [("c", "C#"), ("c-2", "C++"), ("keyword", "?!")] {
        let doc = page(&out, &format!("keywords/{slug}/"));
        let h1 = texts(&doc, "h1").join(" ");
        assert!(h1.contains(name), "keywords/{slug}/ shows {h1}");
    }
}
