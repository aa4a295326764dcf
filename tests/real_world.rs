//! Inputs from real summaries that used to come out silently wrong: each is now rendered right
//! or reported with `path:line:col` (the `real-world` fixture site, built into temp dirs).

mod common;

use assert_cmd::Command;
use common::*;
use predicates::prelude::*;
use sitegen::BuildOptions;

fn build_with(
    root: &std::path::Path,
    base_url: Option<&str>,
) -> (tempfile::TempDir, sitegen::BuildReport) {
    let tmp = tempfile::tempdir().unwrap();
    let report = build(root, &tmp.path().join("public"), base_url);
    (tmp, report)
}

#[test]
fn silent_problems_are_positioned_warnings() {
    let (_tmp, report) = build_with(&fixture("real-world"), None);
    assert!(report.written, "warnings only");
    insta::assert_snapshot!(diagnostics_text(&report));
}

#[test]
fn strict_fails_on_math_that_is_not_math() {
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["check", "--strict", "--root"])
        .arg(fixture("real-world"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "content/papers/attention.md:6:13: error: math: `$x^{2$` is not rendered as math",
        ));
}

#[test]
fn escaped_brackets_are_text_and_github_math_is_math() {
    let (tmp, _) = build_with(&fixture("real-world"), None);
    let doc = page(&tmp.path().join("public"), "papers/attention");
    let paragraphs = texts(&doc, ".summary p");
    assert!(
        paragraphs[1]
            .starts_with("A Long Short-Term Memory [LSTM] network, as in [Agirre and Cer 2013]."),
        "{paragraphs:?}"
    );
    assert!(select(&doc, ".katex-display").is_empty());
    // The unbalanced spans stay visible as their source.
    assert!(paragraphs[0].contains("$x^{2$"), "{paragraphs:?}");
    let tex = texts(&doc, "annotation");
    assert_eq!(tex, ["\\sqrt{x}", "y"]);
}

#[test]
fn brackets_are_math_when_the_site_opts_in() {
    let site = copy_fixture("real-world");
    let config = site.path().join("sitegen.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text + "\n[math]\nbrackets = true\n").unwrap();
    let (tmp, _) = build_with(site.path(), None);
    let doc = page(&tmp.path().join("public"), "papers/attention");
    assert_eq!(select(&doc, ".katex-display").len(), 2);
}

#[test]
fn root_links_in_summaries_get_the_base_path() {
    let base = "https://u.github.io/reading-list/";
    let (tmp, _) = build_with(&fixture("real-world"), Some(base));
    let doc = page(&tmp.path().join("public"), "papers/attention");
    let attr = |css: &str, a: &str| -> Vec<String> {
        select(&doc, css)
            .iter()
            .filter_map(|e| e.value().attr(a).map(str::to_owned))
            .collect()
    };
    assert_eq!(
        attr(".summary a", "href"),
        ["/reading-list/papers/attention-2/"]
    );
    assert_eq!(
        attr(".summary img", "src"),
        ["/reading-list/images/f.svg", "/reading-list/images/f.svg"]
    );
}

#[test]
fn check_uses_the_base_url_and_reads_raw_html_links() {
    let report = sitegen::check(&BuildOptions {
        root: fixture("real-world"),
        base_url: Some("https://u.github.io/reading-list/".to_owned()),
        ..BuildOptions::default()
    })
    .unwrap();
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}:{}:{} {}", d.path.display(), d.line, d.col, d.message))
        .collect();
    assert_eq!(
        errors,
        [
            "content/papers/attention-2.md:13:37 broken link: `/reading-list/images/missing.png` does not exist in the site",
            "content/papers/attention-2.md:13:73 broken link: `nope.png` does not exist in the site",
        ]
    );
    Command::cargo_bin("sitegen")
        .unwrap()
        .args([
            "check",
            "--drafts",
            "--math-engine",
            "katex",
            "--base-url",
            "/",
        ])
        .arg("--root")
        .arg(fixture("real-world"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(": 2 errors,"));
}

#[test]
fn papers_with_the_same_title_both_get_a_page() {
    let site = copy_fixture("real-world");
    let second = site.path().join("content/papers/attention-2.md");
    let text = std::fs::read_to_string(&second).unwrap();
    let text = text.replace(
        "title: Attention, Again",
        "title: Attention Is All You Need",
    );
    std::fs::write(&second, text).unwrap();
    let (tmp, report) = build_with(site.path(), None);
    assert_eq!(report.papers, 3);
    let out = tmp.path().join("public");
    for slug in ["papers/attention", "papers/attention-2"] {
        let doc = page(&out, slug);
        assert_eq!(texts(&doc, "h1"), ["Attention Is All You Need"], "{slug}");
    }
    // The empty summary between the two others is left out.
    let doc = page(&out, "papers/attention-2");
    assert_eq!(select(&doc, "section.summary").len(), 2);
}

#[test]
fn an_explicit_slug_is_the_url_and_its_duplicates_are_errors() {
    let site = copy_fixture("real-world");
    let papers = site.path().join("content/papers");
    let add_slug = |file: &str, slug: &str| {
        let path = papers.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replacen("year", &format!("slug = \"{slug}\"\nyear"), 1);
        std::fs::write(&path, text).unwrap();
    };
    add_slug("attention.md", "vaswani-2017");
    let (tmp, report) = build_with(site.path(), None);
    assert!(report.written);
    page(&tmp.path().join("public"), "papers/vaswani-2017");
    std::fs::write(
        papers.join("copy.md"),
        "+++\ntitle = \"Copy\"\nauthors = [\"A, B\"]\nyear = 15\nslug = \"vaswani-2017\"\n+++\nx\n",
    )
    .unwrap();
    let (_tmp, report) = build_with(site.path(), None);
    assert!(!report.written);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}:{} {}", d.path.display(), d.line, d.message))
        .collect();
    assert_eq!(
        errors,
        [
            "content/papers/copy.md:4 front matter: `year = 15` is not a year: write all four digits (e.g. 2015)"
        ]
    );
    std::fs::write(
        papers.join("copy.md"),
        "+++\ntitle = \"Copy\"\nauthors = [\"A, B\"]\nyear = 2015\nslug = \"vaswani-2017\"\n+++\nx\n",
    )
    .unwrap();
    let (_tmp, report) = build_with(site.path(), None);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}:{} {}", d.path.display(), d.line, d.message))
        .collect();
    assert_eq!(
        errors,
        [
            "content/papers/copy.md:5 duplicate slug `vaswani-2017`: content/papers/attention.md has the same URL; choose another `slug`"
        ]
    );
}

#[test]
fn feeds_carry_math_as_mathml_only() {
    let (tmp, _) = build_with(&fixture("real-world"), None);
    let feed = std::fs::read_to_string(tmp.path().join("public/atom.xml")).unwrap();
    assert!(feed.contains("&lt;math"), "{feed}");
    assert!(!feed.contains("katex-html"), "{feed}");
}

#[test]
fn mathml_of_operator_name_scripts_is_valid() {
    let (tmp, report) = build_with(&fixture("real-world"), None);
    assert!(report.written);
    let doc = page(&tmp.path().join("public"), "papers/resnet");
    let scripts = select(&doc, "msubsup, msub, msup");
    assert!(!scripts.is_empty());
    for script in scripts {
        let children = script.children().filter(|c| c.value().is_element()).count();
        let allowed = if script.value().name() == "msubsup" {
            3
        } else {
            2
        };
        assert_eq!(children, allowed, "{}", script.html());
    }
    // KaTeX's visual HTML keeps the function application after `max`.
    assert!(!select(&doc, ".katex-html .mop").is_empty());
}

#[test]
fn an_author_is_shown_with_capitals_everywhere() {
    let (tmp, _) = build_with(&fixture("real-world"), None);
    let out = tmp.path().join("public");
    for slug in ["papers/attention", "papers/resnet"] {
        let doc = page(&out, slug);
        let authors = texts(&doc, ".byline a");
        assert!(
            authors.contains(&"Kaiming He".to_owned()),
            "{slug}: {authors:?}"
        );
    }
    assert_eq!(
        texts(&page(&out, "authors/kaiming-he"), "h1"),
        ["Kaiming He"]
    );
}

#[test]
fn keys_outside_the_list_read_the_same_alone_or_in_a_group() {
    let (tmp, _) = build_with(&fixture("real-world"), None);
    let doc = page(&tmp.path().join("public"), "papers/resnet");
    assert_eq!(
        texts(&doc, ".summary .cite-group"),
        ["[DuchiHS11]", "[GalG16, Vaswani et al. 2017]", "[HeZRS15]"]
    );
    assert_eq!(
        texts(&doc, ".summary .cite-missing, .summary .cite-external"),
        ["DuchiHS11", "GalG16", "HeZRS15"]
    );
}

#[test]
fn long_inline_math_scrolls_inside_its_paragraph() {
    let (tmp, _) = build_with(&fixture("real-world"), None);
    let css = std::fs::read_to_string(tmp.path().join("public/style.css")).unwrap();
    // A browser test measured it (1,280 px viewport): without the rule a 60-term inline formula
    // made the page 4,472 px wide; with it the page keeps the viewport's width.
    let rule = css
        .lines()
        .find(|l| l.starts_with(".summary p,"))
        .expect("a rule for summary paragraphs");
    assert!(
        rule.contains(".summary ul") && rule.contains("overflow-x: auto"),
        "{rule}"
    );
}
