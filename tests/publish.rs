//! Publishing: sitemap, robots.txt, Atom feed, canonical and Scholar meta tags, and the GitHub
//! Pages workflow.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

fn built() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let report = build(
        &fixture("good"),
        &out,
        Some("https://example.github.io/reading-list/"),
    );
    assert!(report.written, "{}", diagnostics_text(&report));
    (tmp, out)
}

fn read(out: &Path, path: &str) -> String {
    std::fs::read_to_string(out.join(path)).unwrap()
}

#[test]
fn sitemap_lists_every_page_with_absolute_urls() {
    let (_tmp, out) = built();
    let text = read(&out, "sitemap.xml");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    let mut pages: Vec<String> = read_tree(&out)
        .keys()
        .filter_map(|p| p.strip_suffix("index.html"))
        .map(|dir| format!("https://example.github.io/reading-list/{dir}"))
        .collect();
    pages.sort();
    assert_eq!(locs, pages, "every page but 404.html, sorted");
    assert!(locs.iter().any(|l| l.ends_with("/papers/draw/")));
    assert_eq!(
        read(&out, "robots.txt"),
        "User-agent: *\nAllow: /\nSitemap: https://example.github.io/reading-list/sitemap.xml\n\n"
    );
}

#[test]
fn atom_feed_is_valid_and_lists_every_paper() {
    let (_tmp, out) = built();
    let text = read(&out, "atom.xml");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let atom = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().namespace(), Some(atom));
    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Vec<roxmltree::Node<'a, 'i>> {
        let atom = "http://www.w3.org/2005/Atom";
        n.children()
            .filter(|c| c.has_tag_name((atom, name)))
            .collect()
    }
    // RFC 4287 4.1.1: one id, title, updated; an author (here on the feed); a self link.
    for name in ["id", "title", "updated"] {
        assert_eq!(child(feed, name).len(), 1, "feed/{name}");
    }
    assert!(!child(feed, "author").is_empty());
    assert!(
        child(feed, "link")
            .iter()
            .any(|l| l.attribute("rel") == Some("self"))
    );
    let entries = child(feed, "entry");
    assert_eq!(entries.len(), 4);
    for e in &entries {
        for name in ["id", "title", "updated"] {
            assert_eq!(child(*e, name).len(), 1, "entry/{name}");
        }
        let id = child(*e, "id")[0].text().unwrap();
        assert!(
            id.starts_with("https://example.github.io/reading-list/papers/"),
            "{id}"
        );
        assert!(!child(*e, "author").is_empty());
        let updated = child(*e, "updated")[0].text().unwrap();
        assert!(
            updated.len() == 20 && updated.ends_with("T00:00:00Z"),
            "{updated}"
        );
        let content = child(*e, "content")[0];
        assert_eq!(content.attribute("type"), Some("html"));
        assert!(
            content.text().unwrap().contains("<p>"),
            "bodies are carried as escaped HTML"
        );
    }
}

#[test]
fn pages_have_canonical_opengraph_and_scholar_tags() {
    let (_tmp, out) = built();
    let doc = page(&out, "papers/draw");
    let attr = |css: &str, a: &str| -> Vec<String> {
        select(&doc, css)
            .iter()
            .map(|e| e.value().attr(a).unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        attr("link[rel=canonical]", "href"),
        ["https://example.github.io/reading-list/papers/draw/"]
    );
    assert_eq!(
        attr("meta[property='og:title']", "content"),
        ["DRAW: A Recurrent Neural Network For Image Generation"]
    );
    assert_eq!(attr("meta[name=citation_title]", "content").len(), 1);
    assert_eq!(
        attr("meta[name=citation_author]", "content"),
        [
            "Karol Gregor",
            "Ivo Danihelka",
            "Alex Graves",
            "Danilo Jimenez Rezende",
            "Daan Wierstra"
        ]
    );
    assert_eq!(
        attr("meta[name=citation_publication_date]", "content"),
        ["2015"]
    );
    let index = page(&out, "");
    assert_eq!(
        select(&index, "link[rel=canonical]")[0]
            .value()
            .attr("href"),
        Some("https://example.github.io/reading-list/")
    );
}

#[test]
fn cname_is_written_when_configured() {
    let site = copy_fixture("good");
    let config = site.path().join("sitegen.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("cname = \"papers.example.org\"\n");
    std::fs::write(&config, text).unwrap();
    let out = site.path().join("public");
    assert!(build(site.path(), &out, None).written);
    assert_eq!(read(&out, "CNAME"), "papers.example.org\n");
}

/// The parts of a workflow file the tests below look at.
#[derive(serde::Deserialize)]
struct Workflow {
    /// Trigger → its filters (`pull_request:` alone is a present key with no value).
    on: BTreeMap<String, Option<Trigger>>,
    #[serde(default)]
    permissions: BTreeMap<String, String>,
    concurrency: Option<Concurrency>,
    jobs: BTreeMap<String, Job>,
}

#[derive(serde::Deserialize)]
struct Trigger {
    branches: Option<Vec<String>>,
    tags: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct Concurrency {
    group: String,
    #[serde(rename = "cancel-in-progress")]
    cancel_in_progress: Scalar,
}

#[derive(serde::Deserialize)]
struct Job {
    #[serde(rename = "if")]
    condition: Option<String>,
    #[serde(rename = "timeout-minutes")]
    timeout_minutes: Option<u32>,
    steps: Vec<Step>,
}

#[derive(serde::Deserialize)]
struct Step {
    #[serde(rename = "if")]
    condition: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    #[serde(default)]
    with: BTreeMap<String, Scalar>,
}

#[derive(serde::Deserialize, Debug, PartialEq)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    Bool(bool),
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Int(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Text(t) => t.clone(),
        }
    }
}

fn parse_workflow(path: &Path) -> Workflow {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lowest major of each official action whose runtime is Node 24 (GitHub deprecated
/// Node 20); an action not listed here fails the test until it is added.
const NODE24_MAJORS: [(&str, u32); 6] = [
    ("actions/checkout", 5),
    ("actions/setup-node", 5),
    ("actions/cache", 5),
    ("actions/configure-pages", 6),
    ("actions/upload-pages-artifact", 4),
    ("actions/deploy-pages", 5),
];

fn steps(wf: &Workflow) -> impl Iterator<Item = &Step> {
    wf.jobs.values().flat_map(|j| j.steps.iter())
}

fn check_actions(name: &str, wf: &Workflow) {
    for action in steps(wf).filter_map(|s| s.uses.as_deref()) {
        let (action_name, version) = action.split_once('@').expect("pinned");
        let major: u32 = version
            .strip_prefix('v')
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name}: {action}: pin a major version (vN)"));
        let Some((_, min)) = NODE24_MAJORS.iter().find(|(n, _)| *n == action_name) else {
            panic!("{name}: {action} is not one of the official actions this project uses");
        };
        assert!(
            major >= *min,
            "{name}: {action} runs on Node 20; use v{min} or later"
        );
    }
    for (job_name, job) in &wf.jobs {
        assert!(
            job.timeout_minutes.is_some_and(|m| m > 0 && m <= 60),
            "{name}: job {job_name} needs timeout-minutes"
        );
    }
}

/// Checks a Pages workflow; `strict`: whether its check must be `--strict`.
fn check_pages_workflow(name: &str, wf: &Workflow, strict: bool) {
    check_actions(name, wf);
    let push = wf.on["push"].as_ref().expect("push filters");
    assert_eq!(push.branches.as_deref(), Some(&["main".to_owned()][..]));
    assert!(
        wf.on.contains_key("pull_request"),
        "{name}: pull requests must be built and checked"
    );
    assert_eq!(wf.permissions["pages"], "write");
    assert_eq!(wf.permissions["id-token"], "write");
    let concurrency = wf.concurrency.as_ref().expect("concurrency");
    assert!(
        concurrency.group.contains("'pages'"),
        "{}",
        concurrency.group
    );
    // Deployments queue; only pull-request runs are cancelled by newer ones.
    assert_eq!(
        concurrency.cancel_in_progress.text(),
        "${{ github.event_name == 'pull_request' }}"
    );

    let uses = |s: &Step, action: &str| s.uses.as_deref().is_some_and(|u| u.starts_with(action));
    let node = steps(wf).find(|s| uses(s, "actions/setup-node@")).unwrap();
    assert_eq!(node.with["node-version"].text(), "24", "{name}");
    let cache_paths: Vec<String> = steps(wf)
        .filter(|s| uses(s, "actions/cache@"))
        .map(|s| s.with["path"].text())
        .collect();
    assert!(
        cache_paths.iter().any(|p| p.trim() == ".sitegen-cache"),
        "{name}: the math cache is restored and saved: {cache_paths:?}"
    );
    assert!(
        cache_paths
            .iter()
            .any(|p| p.contains("target/") || p.contains(".cargo/bin/sitegen")),
        "{name}: sitegen is cached, not compiled on every push: {cache_paths:?}"
    );

    // Within the build job: build, then check (with the Pages URL), then upload.
    let build = &wf.jobs["build"];
    let position = |pred: &dyn Fn(&Step) -> bool| build.steps.iter().position(pred);
    let run_has = |s: &Step, text: &str| s.run.as_deref().is_some_and(|r| r.contains(text));
    let built = position(&|s| run_has(s, "sitegen build --base-url")).expect("build step");
    let checked =
        position(&|s| run_has(s, "sitegen check") && run_has(s, "--base-url \"$BASE_URL\""))
            .unwrap_or_else(|| panic!("{name}: no `sitegen check --base-url` step"));
    assert_eq!(run_has(&build.steps[checked], "--strict"), strict, "{name}");
    let upload = position(&|s| uses(s, "actions/upload-pages-artifact@")).unwrap();
    assert!(
        built < checked && checked < upload,
        "{name}: check before upload"
    );
    let not_on_pr = Some("github.event_name != 'pull_request'");
    assert_eq!(build.steps[upload].condition.as_deref(), not_on_pr);
    let deploy = &wf.jobs["deploy"];
    assert_eq!(
        deploy.condition.as_deref(),
        not_on_pr,
        "{name}: PRs never deploy"
    );
    assert!(
        deploy
            .steps
            .iter()
            .any(|s| uses(s, "actions/deploy-pages@"))
    );
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn pages_workflows_use_node24_actions_caches_and_check_before_deploying() {
    let ours = parse_workflow(&repo_file(".github/workflows/pages.yml"));
    // This repository's own reading list cites papers outside it, which are warnings.
    check_pages_workflow("this repository's pages.yml", &ours, false);

    let tmp = tempfile::tempdir().unwrap();
    sitegen::scaffold::init(tmp.path(), "t").unwrap();
    let theirs = parse_workflow(&tmp.path().join(".github/workflows/pages.yml"));
    check_pages_workflow("the pages.yml `sitegen init` writes", &theirs, true);
    // A new site installs a released sitegen (or builds it once) rather than compiling it on
    // every push.
    let install: String = steps(&theirs).filter_map(|s| s.run.clone()).collect();
    assert!(
        install.contains("/releases/download/v$SITEGEN_VERSION/"),
        "{install}"
    );
}

#[test]
fn release_workflow_attaches_binaries_for_three_platforms_on_a_tag() {
    let wf = parse_workflow(&repo_file(".github/workflows/release.yml"));
    check_actions("release.yml", &wf);
    let tags = wf.on["push"].as_ref().and_then(|p| p.tags.clone());
    assert_eq!(tags.as_deref(), Some(&["v*".to_owned()][..]));
    assert_eq!(wf.permissions["contents"], "write");
    let text = std::fs::read_to_string(repo_file(".github/workflows/release.yml")).unwrap();
    let manifest = std::fs::read_to_string(repo_file("Cargo.toml")).unwrap();
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-gnu",
    ] {
        assert!(text.contains(&format!("target: {target}")), "{target}");
    }
    assert!(text.contains("gh release upload"));
    // The asset names cargo-binstall looks for are the ones uploaded.
    assert!(manifest.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/sitegen-{ target }{ archive-suffix }\""
    ));
    assert!(text.contains("name=\"sitegen-$TARGET\""));
}
