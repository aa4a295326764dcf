//! Publishing: sitemap, robots.txt, Atom feed, canonical and Scholar meta tags, and the GitHub
//! Pages workflow.

mod common;

use common::*;

fn built() -> (tempfile::TempDir, std::path::PathBuf) {
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

fn read(out: &std::path::Path, path: &str) -> String {
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

/// The parts of a workflow file this test looks at.
#[derive(serde::Deserialize)]
struct Workflow {
    on: serde_yaml_value::On,
    permissions: std::collections::BTreeMap<String, String>,
    jobs: std::collections::BTreeMap<String, Job>,
}

mod serde_yaml_value {
    #[derive(serde::Deserialize)]
    pub struct On {
        pub push: Push,
    }
    #[derive(serde::Deserialize)]
    pub struct Push {
        pub branches: Vec<String>,
    }
}

#[derive(serde::Deserialize)]
struct Job {
    steps: Vec<Step>,
}

#[derive(serde::Deserialize)]
struct Step {
    uses: Option<String>,
    run: Option<String>,
}

#[test]
fn pages_workflow_uses_official_pinned_actions() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/pages.yml");
    let text = std::fs::read_to_string(path).unwrap();
    let wf: Workflow = serde_saphyr::from_str(&text).expect("valid workflow YAML");
    assert_eq!(wf.on.push.branches, ["main"]);
    assert_eq!(wf.permissions["pages"], "write");
    assert_eq!(wf.permissions["id-token"], "write");
    let uses: Vec<&str> = wf
        .jobs
        .values()
        .flat_map(|j| j.steps.iter().filter_map(|s| s.uses.as_deref()))
        .collect();
    for action in &uses {
        let (name, version) = action.split_once('@').expect("pinned");
        assert!(
            name.starts_with("actions/"),
            "{action} is not an official action"
        );
        assert!(
            version.starts_with('v') && version[1..].parse::<u32>().is_ok(),
            "{action}: pin a major version"
        );
    }
    for needed in [
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ] {
        assert!(
            uses.iter().any(|u| u.starts_with(needed)),
            "{needed} missing"
        );
    }
    let runs: String = wf
        .jobs
        .values()
        .flat_map(|j| j.steps.iter().filter_map(|s| s.run.clone()))
        .collect();
    assert!(runs.contains("sitegen build --base-url"), "{runs}");
}
