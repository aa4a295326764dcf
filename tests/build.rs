//! `sitegen build` end to end: fixture sites built into temp dirs, pages read back with a real
//! HTML parser.

mod common;

use common::*;

#[test]
fn good_site_has_every_page_and_no_broken_link() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let report = build(&fixture("good"), &out, None);
    assert!(report.written, "{}", diagnostics_text(&report));
    assert_eq!(report.diagnostics.len(), 0, "{}", diagnostics_text(&report));
    assert_eq!(report.papers, 4, "the draft is skipped");

    let tree = read_tree(&out);
    for path in [
        "index.html",
        "404.html",
        ".nojekyll",
        "style.css",
        "highlight.css",
        "papers/draw/index.html",
        "papers/wavenet/index.html",
        "authors/index.html",
        "authors/aaron-van-den-oord/index.html",
        "authors/danilo-jimenez-rezende/index.html",
        "keywords/index.html",
        "keywords/generative-models/index.html",
        "keywords/dblp/index.html",
        "venues/index.html",
        "venues/international-conference-on-machine-learning/index.html",
        "venues/arxiv-e-print-archive/index.html",
    ] {
        assert!(tree.contains_key(path), "missing {path}");
    }
    assert!(
        !tree.keys().any(|p| p.contains("unfinished")),
        "draft must not be built"
    );
    assert_eq!(broken_links(&out, "/"), Vec::<String>::new());

    // Every page is a full document with a title, a description and a language.
    for (path, bytes) in tree.iter().filter(|(p, _)| p.ends_with(".html")) {
        let doc = scraper::Html::parse_document(std::str::from_utf8(bytes).unwrap());
        assert_eq!(select(&doc, "html[lang=en]").len(), 1, "{path}");
        assert_eq!(texts(&doc, "title").len(), 1, "{path}");
        let desc = select(&doc, "meta[name=description]");
        assert!(
            !desc[0].value().attr("content").unwrap().is_empty(),
            "{path}"
        );
        assert_eq!(select(&doc, "header nav a.site-title").len(), 1, "{path}");
        assert_eq!(select(&doc, "footer").len(), 1, "{path}");
        assert_eq!(select(&doc, "h1").len(), 1, "{path}");
    }
}

#[test]
fn lists_are_in_the_documented_order() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&fixture("good"), &out, None);
    let index = page(&out, "");
    // Newest year first, then by title.
    assert_eq!(
        texts(&index, ".paper-list .paper-title"),
        [
            "Pixel Recurrent Neural Networks",
            "WaveNet: A Generative Model for Raw Audio",
            "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
            "DRAW: A Recurrent Neural Network For Image Generation",
        ]
    );
    // One person, whichever way the name was written; shown with accents, sorted by surname.
    let authors = page(&out, "authors");
    let names = texts(&authors, ".term-list a");
    assert_eq!(names.iter().filter(|n| n.contains("Oord")).count(), 1);
    assert_eq!(names.first().map(String::as_str), Some("Ivo Danihelka"));
    assert_eq!(names.last().map(String::as_str), Some("Heiga Zen"));
    let oord = page(&out, "authors/aaron-van-den-oord");
    assert_eq!(texts(&oord, "h1"), ["Aäron van den Oord"]);
    assert_eq!(texts(&oord, ".paper-title").len(), 2);
    assert_eq!(
        texts(&oord, "h2 + p + ul.term-list a"),
        [
            "Sander Dieleman",
            "Nal Kalchbrenner",
            "Koray Kavukcuoglu",
            "Heiga Zen"
        ]
    );
    // Keywords that differ only in case are one keyword.
    let kw = page(&out, "keywords/generative-models");
    assert_eq!(texts(&kw, ".paper-title").len(), 2);
    // Venue pages group by year.
    let venue = page(&out, "venues/international-conference-on-machine-learning");
    assert_eq!(texts(&venue, "main h2"), ["2016", "2015"]);
}

#[test]
fn paper_page_body_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&fixture("good"), &out, None);
    let doc = page(&out, "papers/batch-normalization");
    let main = select(&doc, "main")[0].html();
    insta::assert_snapshot!(main);
}

#[test]
fn several_summaries_are_all_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&fixture("good"), &out, None);
    let doc = page(&out, "papers/pixel-rnn");
    assert_eq!(
        texts(&doc, "section.summary h2"),
        ["Summary 1", "Summary 2"]
    );
    assert_eq!(
        texts(&doc, "section.summary p"),
        ["Pixels one at a time.", "A second reader's summary."]
    );
}

#[test]
fn project_base_url_prefixes_every_link() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let report = build(
        &fixture("good"),
        &out,
        Some("https://example.github.io/reading-list/"),
    );
    assert!(report.written);
    assert_eq!(broken_links(&out, "/reading-list/"), Vec::<String>::new());
    let index = page(&out, "");
    let css: Vec<&str> = select(&index, "link[rel=stylesheet]")
        .iter()
        .map(|l| l.value().attr("href").unwrap())
        .collect();
    assert!(css.contains(&"/reading-list/style.css"), "{css:?}");
}

#[test]
fn rebuilds_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build(&fixture("good"), &a, None);
    build(&fixture("good"), &b, None);
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between builds");
    }
    // Building over the previous output gives the same tree too.
    build(&fixture("good"), &a, None);
    assert!(read_tree(&a) == ta);
}

#[test]
fn failed_build_leaves_the_previous_site_untouched() {
    let site = copy_fixture("good");
    let out = site.path().join("public");
    assert!(build(site.path(), &out, None).written);
    let before = read_tree(&out);
    std::fs::write(
        site.path().join("content/papers/draw.md"),
        "+++\ntitle = \"DRAW\"\nyear = 2015\n+++\nNo authors.\n",
    )
    .unwrap();
    let report = build(site.path(), &out, None);
    assert!(!report.written);
    assert_eq!(report.errors(), 1);
    assert!(
        read_tree(&out) == before,
        "output changed after a failed build"
    );
    let leftovers: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".sitegen-cache")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn site_templates_and_static_files_override_the_builtin_ones() {
    let site = copy_fixture("good");
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::write(
        site.path().join("templates/404.html"),
        "{% extends \"base.html\" %}{% block main %}<h1>Lost?</h1>{% endblock main %}",
    )
    .unwrap();
    std::fs::create_dir_all(site.path().join("static/img")).unwrap();
    std::fs::write(site.path().join("static/style.css"), "body{}").unwrap();
    std::fs::write(site.path().join("static/img/logo.svg"), "<svg/>").unwrap();
    let out = site.path().join("public");
    assert!(build(site.path(), &out, None).written);
    assert_eq!(texts(&page(&out, "404.html"), "h1"), ["Lost?"]);
    let tree = read_tree(&out);
    assert_eq!(tree["style.css"], b"body{}");
    assert_eq!(tree["img/logo.svg"], b"<svg/>");
}
