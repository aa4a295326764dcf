//! What readers use to find and read papers: the search index, year pages and the bounded home
//! page, "recently added", excerpts, and on paper pages the buttons, Copy BibTeX, the table of
//! contents, related papers, who wrote each summary; the favicon and the highlight stylesheet.

mod common;

use common::*;

const BASE: &str = "https://example.github.io/reading-list/";

fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let report = build(&fixture("readers"), &out, Some(BASE));
    assert!(report.written, "{}", diagnostics_text(&report));
    (tmp, out)
}

fn attrs(doc: &scraper::Html, css: &str, attr: &str) -> Vec<String> {
    select(doc, css)
        .iter()
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

#[test]
fn paper_page_has_a_row_of_buttons_from_its_fields() {
    let (_tmp, out) = built();
    let doc = page(&out, "papers/generative-moment-matching-networks");
    assert_eq!(
        texts(&doc, ".links a"),
        ["Paper", "PDF", "arXiv", "DOI", "Code"]
    );
    assert_eq!(
        attrs(&doc, ".links a", "href"),
        [
            "https://proceedings.mlr.press/v37/li15.html",
            "/reading-list/files/gmmn.pdf",
            "https://arxiv.org/abs/1502.02761",
            "https://doi.org/10.5555/3045118.3045301",
            "https://github.com/yujiali/gmmn",
        ]
    );
    // No `pdf` field: the arXiv id gives the PDF too. No link field at all: no row.
    let doc = page(&out, "papers/an-old-paper");
    assert!(select(&doc, ".links").is_empty());
}

#[test]
fn bibtex_is_readable_without_javascript_and_has_a_copy_button() {
    let (_tmp, out) = built();
    let doc = page(&out, "papers/generative-moment-matching-networks");
    let entry = texts(&doc, "pre code#bibtex-entry");
    assert!(entry[0].starts_with("@inproceedings{"), "{entry:?}");
    let button = select(&doc, "button.copy-bibtex");
    assert_eq!(button.len(), 1);
    assert_eq!(button[0].value().attr("data-copy"), Some("bibtex-entry"));
    assert!(
        button[0].value().attr("hidden").is_some(),
        "shown by the script only"
    );
}

#[test]
fn three_headings_give_a_table_of_contents_and_anchors() {
    let (_tmp, out) = built();
    let doc = page(&out, "papers/generative-moment-matching-networks");
    assert_eq!(texts(&doc, "nav.toc a"), ["Model", "Loss", "Results"]);
    let targets = attrs(&doc, "nav.toc a", "href");
    assert_eq!(targets, ["#model", "#loss", "#results"]);
    assert_eq!(
        attrs(&doc, ".summary h3, .summary h4", "id"),
        ["model", "loss", "results"]
    );
    assert_eq!(
        attrs(&doc, ".summary .heading-anchor", "href"),
        targets,
        "each heading links to itself"
    );
    let doc = page(&out, "papers/freeze-thaw-bayesian-optimization");
    assert!(select(&doc, "nav.toc").is_empty());
    assert!(select(&doc, ".heading-anchor").is_empty());
}

#[test]
fn related_papers_need_a_meaningful_score() {
    let (_tmp, out) = built();
    let doc = page(&out, "papers/generative-moment-matching-networks");
    assert_eq!(
        texts(&doc, ".related .paper-title"),
        ["Freeze-Thaw Bayesian Optimization"]
    );
    // Shares only the keyword every paper has: nothing related, no section.
    let doc = page(&out, "papers/an-unrelated-paper");
    assert!(select(&doc, ".related").is_empty());
}

#[test]
fn summary_writers_and_added_dates_are_shown() {
    let (_tmp, out) = built();
    let doc = page(&out, "papers/freeze-thaw-bayesian-optimization");
    assert_eq!(
        texts(&doc, ".summary-by"),
        ["Summary by Ada Lovelace", "Summary by Grace Hopper"]
    );
    assert_eq!(attrs(&doc, ".added time", "datetime"), ["2024-06-02"]);
    let doc = page(&out, "papers/generative-moment-matching-networks");
    assert_eq!(texts(&doc, ".summary-by"), ["Summary by Ada Lovelace"]);
}

#[test]
fn year_pages_and_the_home_page_reach_every_paper_in_two_clicks() {
    let (_tmp, out) = built();
    let home = page(&out, "");
    let years = attrs(&home, ".year-nav a", "href");
    assert_eq!(
        years,
        [
            "/reading-list/years/2015/",
            "/reading-list/years/2014/",
            "/reading-list/years/1999/"
        ]
    );
    let y2015 = page(&out, "years/2015");
    assert_eq!(
        texts(&y2015, ".paper-title"),
        ["An Unrelated Paper", "Generative Moment Matching Networks"]
    );
    let mut reached: Vec<String> = attrs(&home, "a.paper-title", "href");
    for y in &years {
        let doc = page(&out, y.strip_prefix("/reading-list/").unwrap());
        reached.extend(attrs(&doc, "a.paper-title", "href"));
    }
    for slug in [
        "generative-moment-matching-networks",
        "freeze-thaw-bayesian-optimization",
        "an-unrelated-paper",
        "an-old-paper",
    ] {
        assert!(
            reached.contains(&format!("/reading-list/papers/{slug}/")),
            "{slug}"
        );
    }
    assert!(broken_links(&out, "/reading-list/").is_empty());
}

#[test]
fn recently_added_lists_papers_with_a_date_newest_first() {
    let (_tmp, out) = built();
    let doc = page(&out, "recent");
    assert_eq!(
        texts(&doc, ".paper-title"),
        [
            "Freeze-Thaw Bayesian Optimization",
            "Generative Moment Matching Networks",
            "An Old Paper"
        ]
    );
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("papers/an-old-paper/</loc><lastmod>2023-01-10</lastmod>"));
    let feed = std::fs::read_to_string(out.join("atom.xml")).unwrap();
    assert!(
        feed.contains("<updated>2024-06-02T00:00:00Z</updated>"),
        "{feed}"
    );
    assert!(
        feed.contains("<updated>2015-01-01T00:00:00Z</updated>"),
        "no date: its year"
    );
}

#[test]
fn lists_show_the_first_sentence_with_math_rendered() {
    let (_tmp, out) = built();
    let home = page(&out, "");
    let excerpts = select(&home, ".paper-item .excerpt");
    let gmmn = excerpts
        .iter()
        .find(|e| e.text().collect::<String>().contains("GMMNs"))
        .expect("an excerpt for GMMN");
    let text: String = gmmn.text().collect();
    assert!(text.ends_with("e.g. for images."), "{text}");
    assert!(!text.contains("They train fast"), "{text}");
    assert!(!text.contains('$'), "math is rendered: {text}");
    assert!(gmmn.inner_html().contains("katex"), "{}", gmmn.inner_html());
}

#[test]
fn favicon_on_every_page_and_highlight_css_only_with_code() {
    let (_tmp, out) = built();
    assert!(out.join("favicon.svg").is_file());
    let with_code = page(&out, "papers/generative-moment-matching-networks");
    let without = page(&out, "papers/an-old-paper");
    let home = page(&out, "");
    for doc in [&with_code, &without, &home] {
        assert_eq!(
            attrs(doc, "link[rel=icon]", "href"),
            ["/reading-list/favicon.svg"]
        );
    }
    let highlight = |doc: &scraper::Html| attrs(doc, "link[href$='highlight.css']", "href");
    assert_eq!(highlight(&with_code), ["/reading-list/highlight.css"]);
    assert!(highlight(&without).is_empty());
    assert!(highlight(&home).is_empty());
}

#[test]
fn what_scrolls_sideways_can_be_scrolled_with_the_keyboard() {
    let (_tmp, out) = built();
    let doc = page(&out, "papers/generative-moment-matching-networks");
    // Code blocks scroll when wide: each is focusable, and a region named by its language.
    let code = select(&doc, "pre.code");
    assert_eq!(code.len(), 1);
    let pre = code[0].value();
    assert_eq!(pre.attr("tabindex"), Some("0"));
    assert_eq!(pre.attr("role"), Some("region"));
    assert_eq!(pre.attr("aria-label"), Some("Code: python"));
    // The BibTeX entry wraps instead: nothing of it is hidden, there is nothing to scroll.
    let style = std::fs::read_to_string(out.join("style.css")).unwrap();
    let rule = |selector: &str| {
        let at = style.find(&format!("\n{selector} {{")).unwrap();
        style[at..].split_once('}').unwrap().0.to_owned()
    };
    let bibtex = rule(".bibtex pre");
    assert!(bibtex.contains("white-space: pre-wrap"), "{bibtex}");
    assert!(
        !bibtex.contains("overflow-x") && !bibtex.contains("overflow:"),
        "{bibtex}"
    );
    // Whatever else the stylesheet lets scroll sideways, the script every page loads makes
    // focusable when it does scroll: its list names every such selector.
    assert_eq!(attrs(&doc, "script[src]", "src"), ["/reading-list/site.js"]);
    let script = std::fs::read_to_string(out.join("site.js")).unwrap();
    let scrollers = script.split_once("var SCROLLERS = ").unwrap().1;
    let scrollers = scrollers.split_once(';').unwrap().0;
    let mut checked = 0;
    for block in style.split('}') {
        let Some((selectors, body)) = block.split_once('{') else {
            continue;
        };
        if !body.contains("overflow-x: auto") {
            continue;
        }
        for selector in selectors.rsplit(['\n', '/']).next().unwrap().split(',') {
            let selector = selector.trim();
            if selector == "pre.code" {
                continue;
            }
            // `.math-error.math-display` is one of `.math-display`.
            let known = |s: &str| {
                scrollers.contains(&format!("{s},")) || scrollers.contains(&format!("{s}\""))
            };
            let last_class = selector.rfind('.').map_or(selector, |i| &selector[i..]);
            assert!(
                known(selector) || known(last_class),
                "{selector} not in {scrollers}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked}");
}

#[test]
fn search_index_is_built_with_the_site_and_reused_when_nothing_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let first = build(&fixture("readers"), &out, Some(BASE));
    let stage = |r: &sitegen::BuildReport| {
        r.timings
            .0
            .iter()
            .map(|(s, _)| *s)
            .find(|s| s.starts_with("search"))
            .unwrap()
    };
    assert_eq!(stage(&first), "search (index)");
    for file in [
        "pagefind/pagefind.js",
        "pagefind/pagefind-entry.json",
        "pagefind/wasm.en.pagefind",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    // The search box is the site script's: Pagefind's own UI is not shipped.
    assert!(!out.join("pagefind/pagefind-ui.js").exists());
    let tree = read_tree(&out);
    let count = |dir: &str| tree.keys().filter(|p| p.starts_with(dir)).count();
    assert_eq!(count("pagefind/fragment/"), 4, "one fragment per paper");
    assert!(count("pagefind/index/") >= 1);
    assert!(
        count("pagefind/filter/") >= 4,
        "author, keyword, venue, year"
    );
    // A short list indexes every word of its summaries: the search box has no common words.
    assert_eq!(tree["pagefind/sitegen-common-words.json"], b"[]");
    // The search box: hidden until the script shows it, pointing at the bundle.
    let home = page(&out, "");
    let search = select(&home, "#site-search");
    assert!(search[0].value().attr("hidden").is_some());
    assert_eq!(
        search[0].value().attr("data-bundle"),
        Some("/reading-list/pagefind/")
    );
    // The script's results: a status line read out as it changes, and a filter panel that
    // stays hidden until a search started (opening it downloads the filters).
    assert_eq!(
        select(&home, "#site-search-ui .search-status[role=status]").len(),
        1
    );
    let panel = select(&home, "#site-search-ui details.search-filters");
    assert!(panel[0].value().attr("hidden").is_some());
    // Unchanged papers: the output's index files are kept (hard-linked), not read or written.
    let second = build(&fixture("readers"), &out, Some(BASE));
    assert_eq!(stage(&second), "search (kept)");
    assert_eq!(read_tree(&out), tree, "the kept index is the same");
    // A file of it deleted by hand: the whole index comes from the cache instead.
    let fragment = tree.keys().find(|p| p.starts_with("pagefind/fragment/"));
    std::fs::remove_file(out.join(fragment.unwrap())).unwrap();
    let third = build(&fixture("readers"), &out, Some(BASE));
    assert_eq!(stage(&third), "search (cached)");
    assert_eq!(read_tree(&out), tree, "the cached index is the same");
    // No output to keep from: the cache again.
    std::fs::remove_dir_all(&out).unwrap();
    let fourth = build(&fixture("readers"), &out, Some(BASE));
    assert_eq!(stage(&fourth), "search (cached)");
    assert_eq!(read_tree(&out), tree);
}

#[test]
fn a_site_can_do_without_search() {
    let site = copy_fixture("readers");
    let out = site.path().join("public");
    assert!(build(site.path(), &out, Some(BASE)).written);
    assert!(out.join("pagefind/pagefind.js").is_file());
    let toml = site.path().join("sitegen.toml");
    let mut config = std::fs::read_to_string(&toml).unwrap();
    config.push_str("\n[search]\nenabled = false\n");
    std::fs::write(&toml, config).unwrap();
    let report = build(site.path(), &out, Some(BASE));
    assert!(report.written, "{}", diagnostics_text(&report));
    let stages: Vec<&str> = report.timings.0.iter().map(|(s, _)| *s).collect();
    assert!(
        !stages.iter().any(|s| s.starts_with("search")),
        "{stages:?}"
    );
    let tree = read_tree(&out);
    assert!(
        !tree.keys().any(|p| p.starts_with("pagefind/")),
        "the old index went"
    );
    let home = page(&out, "");
    assert!(
        select(&home, "#site-search").is_empty(),
        "no box without an index"
    );
    assert!(select(&home, "form[role=search]").is_empty());
    assert_eq!(broken_links(&out, "/reading-list/"), Vec::<String>::new());
}

#[test]
fn bad_link_fields_stop_the_build_at_their_line() {
    let site = copy_fixture("readers");
    let file = site.path().join("content/papers/an-old-paper.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replace(
        "added = 2023-01-10",
        "added = 2023-01-10\ncode = \"javascript:alert(1)\"\ndoi = \"doi:10.1/x\"",
    );
    std::fs::write(&file, text).unwrap();
    let report = build(site.path(), &site.path().join("public"), None);
    assert!(!report.written);
    let shown: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{}:{}", d.path.display(), d.line))
        .collect();
    assert_eq!(
        shown,
        [
            "content/papers/an-old-paper.md:7",
            "content/papers/an-old-paper.md:8"
        ],
        "{}",
        diagnostics_text(&report)
    );
}
