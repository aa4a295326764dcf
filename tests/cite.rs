//! Citations end to end: the `tests/fixtures/cite` site (papers citing each other bare, by DBLP
//! path, by alias, several keys at once, inside code, unknown keys) built into a temp dir, its
//! pages checked with a real HTML parser, its warnings snapshotted, `--strict` made fatal, and
//! `library.bib` read back with a real BibTeX parser.

use std::path::{Path, PathBuf};

use scraper::{ElementRef, Html, Selector};
use sitegen::BuildOptions;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cite")
}

/// Builds the fixture into a fresh temp dir; the dir lives as long as the returned guard.
fn build() -> (tempfile::TempDir, PathBuf, sitegen::BuildReport) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("public");
    let report = sitegen::build(&BuildOptions {
        root: fixture(),
        out: Some(out.clone()),
        ..BuildOptions::default()
    })
    .expect("build runs");
    assert!(report.written, "{:#?}", report.diagnostics);
    (tmp, out, report)
}

const BN: &str = "batch-normalization";
const TRPO: &str = "trust-region-policy-optimization";
const HYPER: &str = "gradient-based-hyperparameter-optimization-through-reversible-learning";
const DRAW: &str = "draw";
const ODD: &str = "unicode-and-friends";

fn page(out: &Path, slug: &str) -> Html {
    let path = out.join("papers").join(slug).join("index.html");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    Html::parse_document(&text)
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let sel = Selector::parse(css).expect("valid selector");
    html.select(&sel).collect()
}

fn text(el: &ElementRef<'_>) -> String {
    el.text().collect()
}

fn attr(el: &ElementRef<'_>, name: &str) -> String {
    el.value().attr(name).unwrap_or_default().to_owned()
}

fn paper_url(slug: &str) -> String {
    format!("/reading-list/papers/{slug}/")
}

#[test]
fn dblp_paths_not_in_the_list_link_to_dblp() {
    let (_tmp, out, _) = build();
    let html = page(&out, BN);
    let links = select(&html, ".summary a.cite");
    let found: Vec<(String, String, String, String)> = links
        .iter()
        .map(|a| (attr(a, "class"), attr(a, "href"), attr(a, "rel"), text(a)))
        .collect();
    assert_eq!(
        found,
        [
            (
                "cite cite-external".to_owned(),
                "https://dblp.org/rec/journals/corr/SzegedyLJSRAEVR14".to_owned(),
                "external".to_owned(),
                "SzegedyLJSRAEVR14".to_owned()
            ),
            (
                "cite cite-external".into(),
                "https://dblp.org/rec/journals/corr/HeZRS15".into(),
                "external".into(),
                "HeZRS15".into()
            ),
        ]
    );
    // The references list has both DBLP links too.
    let refs: Vec<String> = select(&html, ".references li.reference-external a")
        .iter()
        .map(|a| attr(a, "href"))
        .collect();
    assert_eq!(
        refs,
        [
            "https://dblp.org/rec/journals/corr/HeZRS15",
            "https://dblp.org/rec/journals/corr/SzegedyLJSRAEVR14"
        ]
    );
}

#[test]
fn unknown_bare_keys_are_marked_missing_and_known_ones_link() {
    let (_tmp, out, _) = build();
    let html = page(&out, TRPO);
    let missing = select(&html, ".summary .cite-missing");
    assert_eq!(missing.len(), 1);
    assert_eq!(text(&missing[0]), "KakadeL02");
    let group = select(&html, ".summary .cite-group");
    assert_eq!(text(&group[0]), "[KakadeL02]");
    assert_eq!(attr(&missing[0], "title"), "not in this reading list");
    let links = select(&html, ".summary a.cite");
    assert_eq!(links.len(), 1);
    assert_eq!(attr(&links[0], "href"), paper_url(BN));
    assert_eq!(text(&links[0]), "Ioffe and Szegedy 2015");
    assert_eq!(
        attr(&links[0], "title"),
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift"
    );
    let refs: Vec<String> = select(&html, ".references li")
        .iter()
        .map(|li| attr(li, "class"))
        .collect();
    assert_eq!(
        refs,
        ["reference reference-paper", "reference reference-missing"]
    );
}

#[test]
fn prefixed_alias_and_multi_key_citations() {
    let (_tmp, out, _) = build();
    let html = page(&out, HYPER);
    let links: Vec<(String, String)> = select(&html, ".summary a.cite")
        .iter()
        .map(|a| (attr(a, "href"), text(a)))
        .collect();
    assert_eq!(
        links,
        [
            (
                "https://dblp.org/rec/journals/corr/MasseO15".to_owned(),
                "MasseO15".to_owned()
            ),
            (paper_url(BN), "Ioffe and Szegedy 2015".into()),
            (paper_url(TRPO), "Schulman et al. 2015".into()),
        ]
    );

    let html = page(&out, DRAW);
    let groups = select(&html, ".summary .cite-group");
    assert_eq!(groups.len(), 1, "three keys, one group");
    assert_eq!(
        text(&groups[0]),
        "[Ioffe and Szegedy 2015, Maclaurin et al. 2015, KakadeL02]"
    );
    let inner = groups[0].html();
    assert!(inner.contains(&paper_url(HYPER)), "{inner}");
    // Code spans, code blocks, math and escaped backslashes stay text.
    let summary = text(&select(&html, ".summary")[0]);
    for literal in [
        "\\cite{InCode15}",
        "\\cite{InMath15}",
        "\\cite{Escaped15}",
        "\\cite{InBlock15}",
    ] {
        assert!(summary.contains(literal), "{literal} in {summary}");
    }
    assert_eq!(select(&html, ".summary .cite").len(), 3);
}

#[test]
fn cited_by_lists_every_citing_paper() {
    let (_tmp, out, _) = build();
    let cited_by = |slug: &str| -> Vec<String> {
        let html = page(&out, slug);
        select(&html, ".cited-by a.paper-title")
            .iter()
            .map(|a| attr(a, "href"))
            .collect()
    };
    // Cited bare (TRPO), by DBLP path (hyperparameters) and in a group (DRAW).
    assert_eq!(
        cited_by(BN),
        [paper_url(DRAW), paper_url(HYPER), paper_url(TRPO)]
    );
    // Cited through its alias.
    assert_eq!(cited_by(TRPO), [paper_url(HYPER)]);
    // Cited by the last segment of its alias (`GregorDGW15`, its own key being `GregorDGRW15`).
    assert_eq!(cited_by(DRAW), [paper_url(ODD)]);
    assert_eq!(cited_by(ODD), Vec::<String>::new());
    let html = page(&out, ODD);
    assert!(text(&select(&html, ".cited-by")[0]).contains("No summary"));

    // References in the list come first, with their authors.
    let html = page(&out, DRAW);
    let refs: Vec<String> = select(&html, ".references li")
        .iter()
        .map(|li| text(li).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        refs,
        [
            "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift Sergey Ioffe, Christian Szegedy, 2015",
            "Gradient-based Hyperparameter Optimization through Reversible Learning Dougal Maclaurin, David K. Duvenaud, Ryan P. Adams, 2015",
            "KakadeL02 not in this reading list",
        ]
    );
}

#[test]
fn unresolved_citations_are_warnings_with_positions() {
    let (_tmp, _out, report) = build();
    assert_eq!(report.errors(), 0);
    let shown: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    insta::assert_snapshot!(shown.join("\n\n"));
}

#[test]
fn strict_makes_unresolved_citations_fatal() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("public");
    let assert = assert_cmd::cargo::cargo_bin_cmd!("sitegen")
        .args(["build", "--strict", "--root"])
        .arg(fixture())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            "content/papers/trust-region-policy-optimization.md:11:7: error: unresolved citation `KakadeL02`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/papers/batch-normalization.md:9:319: error: unresolved citation `journals/corr/HeZRS15`"),
        "{stderr}"
    );
    assert!(!out.exists(), "a failed build writes nothing");

    // Without --strict the same build succeeds and still prints the warnings.
    let assert = assert_cmd::cargo::cargo_bin_cmd!("sitegen")
        .args(["build", "--root"])
        .arg(fixture())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            "trust-region-policy-optimization.md:11:7: warning: unresolved citation `KakadeL02`"
        ),
        "{stderr}"
    );
}

#[test]
fn library_bib_parses_and_round_trips_every_paper() {
    use biblatex::{Bibliography, ChunksExt};

    let (_tmp, out, _) = build();
    let bib_text = std::fs::read_to_string(out.join("library.bib")).expect("library.bib");
    let bib = Bibliography::parse(&bib_text).expect("library.bib is valid BibTeX");

    let (sources, load_diags) =
        sitegen::load::content::load(&fixture(), false).expect("fixture loads");
    assert!(load_diags.is_empty());
    let (lib, _) = sitegen::index::Library::build(sources.papers);
    assert_eq!(bib.len(), lib.papers.len());

    let keys: Vec<String> = bib.iter().map(|e| e.key.clone()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "entries sorted by key");

    for paper in &lib.papers {
        let entry = bib
            .get(&paper.key)
            .unwrap_or_else(|| panic!("no entry {}", paper.key));
        let field = |name: &str| entry.get(name).map(|c| c.format_verbatim());
        let front = paper.front();
        assert_eq!(field("title").as_deref(), Some(front.title.as_str()));
        assert_eq!(field("year"), Some(front.year.to_string()));
        assert_eq!(field("url"), front.url.clone(), "{}", paper.key);
        let venue_field = match entry.entry_type.to_string().as_str() {
            "inproceedings" => "booktitle",
            _ => "journal",
        };
        assert_eq!(field(venue_field), front.venue.clone(), "{}", paper.key);
        let people = entry.author().expect("authors parse");
        let got: Vec<(String, String)> = people
            .iter()
            .map(|p| {
                let last = format!("{} {}", p.prefix, p.name);
                (p.given_name.clone(), last.trim().to_owned())
            })
            .collect();
        let want: Vec<(String, String)> = paper
            .names
            .iter()
            .map(|n| (n.first.clone(), n.last.clone()))
            .collect();
        assert_eq!(got, want, "{}", paper.key);
    }

    // The page shows the same entry.
    let html = page(&out, ODD);
    let shown = text(&select(&html, ".bibtex pre")[0]);
    assert!(bib_text.contains(&shown), "{shown}");
    assert!(
        shown.contains(r"\& Friends: 100\% of \#1 \{Sets\}"),
        "{shown}"
    );
}
