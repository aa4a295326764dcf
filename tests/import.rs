//! `sitegen import` end to end: the seed dump into a temp site (library API and CLI), re-import,
//! second summaries, hand-edit protection, --force, --dry-run and malformed entries.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sitegen::import::{ImportOptions, Outcome, import};
use sitegen::index::Library;
use sitegen::load::content::{SUMMARY_SEPARATOR, parse_paper};

const SEED: &str = "tests/fixtures/icml2015.txt";

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)
}

fn run(root: &Path, dumps: &[PathBuf], opts: ImportOptions) -> Vec<(String, Outcome)> {
    let report = import(root, dumps, &opts).expect("import runs");
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    report
        .files
        .into_iter()
        .map(|(p, o)| (p.to_string_lossy().replace('\\', "/"), o))
        .collect()
}

fn paper_file(root: &Path, slug: &str) -> String {
    std::fs::read_to_string(root.join(format!("content/papers/{slug}.md"))).expect("paper file")
}

fn write_dump(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write dump");
    path
}

fn entry(title: &str, authors: &str, summary: &str) -> String {
    let block = format!(
        "{authors}\n\nInternational Conference on Machine Learning - 2015 via Local Bibsonomy\n\nKeywords: dblp\n\n"
    );
    format!("{title}\n\n{block}{block}[link]\n{summary} |\n\n")
}

#[test]
fn seed_imports_into_eight_papers_the_library_accepts() {
    let site = tempfile::tempdir().unwrap();
    let files = run(site.path(), &[seed()], ImportOptions::default());
    assert_eq!(files.len(), 8);
    assert!(
        files.iter().all(|(_, o)| *o == Outcome::Created),
        "{files:?}"
    );

    let mut sources = Vec::new();
    for (path, _) in &files {
        let text = std::fs::read_to_string(site.path().join(path)).unwrap();
        let paper = parse_paper(Path::new(path), text).unwrap_or_else(|d| panic!("{path}: {d:?}"));
        sources.push(paper);
    }
    let (lib, diags) = Library::build(sources);
    // The only findings are the seed's four citations of papers outside the list.
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    assert_eq!(diags.len(), 4, "{diags:?}");
    assert!(
        diags
            .iter()
            .all(|d| d.message.contains("KakadeL02") || d.message.contains("journals/corr/")),
        "{diags:?}"
    );
    let keys: Vec<&str> = lib.papers.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "IoffeS15",
            "Sohl-DicksteinWMG15",
            "GregorDGRW15",
            "LiSZ15",
            "MaclaurinDA15",
            "GermainGML15",
            "XuBKCCSZB15",
            "SchulmanLMJA15"
        ]
    );

    let trpo = &lib.papers[7].source.front;
    assert_eq!(trpo.title, "Trust Region Policy Optimization");
    assert_eq!(
        trpo.authors,
        [
            "Schulman, John",
            "Levine, Sergey",
            "Moritz, Philipp",
            "Jordan, Michael I.",
            "Abbeel, Pieter"
        ]
    );
    assert_eq!(trpo.venue.as_deref(), Some("arXiv e-Print archive"));
    assert_eq!(trpo.year, 2015);
    assert_eq!(trpo.keywords, ["dblp"]);
    let made = &lib.papers[5].source.front;
    assert_eq!(
        made.title,
        "MADE: Masked Autoencoder for Distribution Estimation"
    );
    assert_eq!(
        made.venue.as_deref(),
        Some("International Conference on Machine Learning")
    );
    assert_eq!(lib.papers[6].source.front.authors.len(), 8);

    // Every math span and citation of the dump is in some paper, byte for byte.
    let dump = std::fs::read_to_string(seed()).unwrap();
    let all: String = files
        .iter()
        .map(|(p, _)| std::fs::read_to_string(site.path().join(p)).unwrap())
        .collect();
    let mut spans = 0;
    for piece in dump.split("$$").skip(1).step_by(2) {
        assert!(
            all.contains(&format!("$${piece}$$")),
            "display math {piece}"
        );
        spans += 1;
    }
    for cite in dump.split("\\cite{").skip(1) {
        let key = &cite[..cite.find('}').unwrap()];
        assert!(all.contains(&format!("\\cite{{{key}}}")), "{key}");
    }
    for line in dump.lines().filter(|l| l.ends_with(" |")) {
        for (i, piece) in line.replace("$$", "\u{0}").split('$').enumerate() {
            if i % 2 == 1 && !piece.contains('\u{0}') {
                assert!(all.contains(&format!("${piece}$")), "inline math {piece}");
                spans += 1;
            }
        }
    }
    assert!(spans > 60, "{spans}");

    // Structure is back.
    let gmmn = paper_file(site.path(), "generative-moment-matching-networks");
    for line in [
        "### How",
        "### Results",
        "### Rough chapter-wise notes",
        "--------------------",
    ] {
        assert!(gmmn.lines().any(|l| l == line), "{line}");
    }
    assert!(gmmn.contains("\n* They train two models:\n  * GMMN: Noise"));
    let made = paper_file(
        site.path(),
        "made-masked-autoencoder-for-distribution-estimation",
    );
    for line in [
        "#### Unsupervised learning primer (again)",
        "#### Core ingredient: autoregressive models",
        "#### Training multiple models simultaneously",
    ] {
        assert!(made.lines().any(|l| l == line), "{line}");
    }
    insta::assert_snapshot!("gmmn", gmmn);
}

#[test]
fn papers_deriving_the_same_key_get_suffixes() {
    let site = tempfile::tempdir().unwrap();
    let text =
        entry("Alpha Paper", "Smith, John", "One.") + &entry("Beta Paper", "Smith, Jane", "Two.");
    let dump = write_dump(site.path(), "dump.txt", &text);
    let report = import(site.path(), &[dump], &ImportOptions::default()).unwrap();
    let warnings: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{}:{} {}", d.path.display(), d.line, d.message))
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0]
            .ends_with("dump.txt:1 2 papers derive the key `Smith15`; this one gets `Smith15a`"),
        "{warnings:?}"
    );
    let sources: Vec<_> = ["alpha-paper", "beta-paper"]
        .iter()
        .map(|slug| {
            let text = paper_file(site.path(), slug);
            parse_paper(Path::new(slug), text).unwrap()
        })
        .collect();
    let (lib, diags) = Library::build(sources);
    assert!(diags.is_empty(), "{diags:?}");
    let keys: Vec<&str> = lib.papers.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["Smith15a", "Smith15b"]);
}

#[test]
fn reimport_changes_nothing() {
    let site = tempfile::tempdir().unwrap();
    run(site.path(), &[seed()], ImportOptions::default());
    let before = paper_file(site.path(), "trust-region-policy-optimization");
    let again = run(site.path(), &[seed()], ImportOptions::default());
    assert!(
        again.iter().all(|(_, o)| *o == Outcome::Unchanged),
        "{again:?}"
    );
    assert_eq!(
        paper_file(site.path(), "trust-region-policy-optimization"),
        before
    );
}

#[test]
fn a_second_summary_is_added_to_the_same_paper() {
    let site = tempfile::tempdir().unwrap();
    run(site.path(), &[seed()], ImportOptions::default());
    let other = write_dump(
        site.path(),
        "other.txt",
        &entry(
            "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
            "Ioffe, Sergey and Szegedy, Christian",
            "Another view. #### Why * It helps.",
        ),
    );
    let files = run(
        site.path(),
        std::slice::from_ref(&other),
        ImportOptions::default(),
    );
    let slug = "batch-normalization-accelerating-deep-network-training-by-reducing-internal-covariate-shift";
    assert_eq!(
        files,
        [(format!("content/papers/{slug}.md"), Outcome::Updated)]
    );
    let text = paper_file(site.path(), slug);
    let paper = parse_paper(Path::new("p.md"), text.clone()).unwrap();
    assert_eq!(paper.summaries.len(), 2);
    assert!(text.contains(&format!("\\cite{{journals/corr/HeZRS15}}\n\n{SUMMARY_SEPARATOR}\n\nAnother view.\n\n#### Why\n\n* It helps.\n")));
    // Both dumps again: nothing changes.
    let files = run(site.path(), &[seed(), other], ImportOptions::default());
    assert!(
        files.iter().all(|(_, o)| *o == Outcome::Unchanged),
        "{files:?}"
    );
}

#[test]
fn hand_edits_are_skipped_unless_forced() {
    let site = tempfile::tempdir().unwrap();
    run(site.path(), &[seed()], ImportOptions::default());
    let slug = "draw-a-recurrent-neural-network-for-image-generation";
    let path = site.path().join(format!("content/papers/{slug}.md"));
    let original = std::fs::read_to_string(&path).unwrap();
    let edited = original.replace(
        "The attention model is fully differentiable.",
        "The attention model is differentiable.",
    );
    assert_ne!(edited, original);
    std::fs::write(&path, &edited).unwrap();

    for dry_run in [true, false] {
        let files = run(
            site.path(),
            &[seed()],
            ImportOptions {
                dry_run,
                force: false,
            },
        );
        let (_, outcome) = files.iter().find(|(p, _)| p.contains(slug)).unwrap();
        assert_eq!(*outcome, Outcome::Skipped(sitegen::import::EDITED.into()));
        assert_eq!(
            files
                .iter()
                .filter(|(_, o)| *o == Outcome::Unchanged)
                .count(),
            7
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    }

    // A file written by hand (no fingerprint) is not the importer's either.
    let hand = site
        .path()
        .join("content/papers/trust-region-policy-optimization.md");
    std::fs::write(&hand, "+++\ntitle = \"Trust Region Policy Optimization\"\nauthors = [\"Me\"]\nyear = 2015\n+++\nMine.\n").unwrap();
    let files = run(site.path(), &[seed()], ImportOptions::default());
    assert!(files.contains(&(
        "content/papers/trust-region-policy-optimization.md".into(),
        Outcome::Skipped(sitegen::import::NOT_IMPORTED.into())
    )));

    let files = run(
        site.path(),
        &[seed()],
        ImportOptions {
            dry_run: false,
            force: true,
        },
    );
    assert_eq!(
        files.iter().filter(|(_, o)| *o == Outcome::Updated).count(),
        2,
        "{files:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    let files = run(site.path(), &[seed()], ImportOptions::default());
    assert!(
        files.iter().all(|(_, o)| *o == Outcome::Unchanged),
        "{files:?}"
    );
}

#[test]
fn dry_run_writes_nothing() {
    let site = tempfile::tempdir().unwrap();
    let files = run(
        site.path(),
        &[seed()],
        ImportOptions {
            dry_run: true,
            force: false,
        },
    );
    assert_eq!(files.len(), 8);
    assert!(files.iter().all(|(_, o)| *o == Outcome::Created));
    assert!(!site.path().join("content").exists());
}

#[test]
fn titles_round_trip_through_toml() {
    let site = tempfile::tempdir().unwrap();
    let title = r#"A "quoted" \ title: with | bars and 'ticks'"#;
    let dump = write_dump(
        site.path(),
        "d.txt",
        &entry(
            title,
            "van den Oord, Aäron and Massé, Pierre-Yves",
            "Costs $5 and $10 * cheap",
        ),
    );
    let files = run(site.path(), &[dump], ImportOptions::default());
    let text = std::fs::read_to_string(site.path().join(&files[0].0)).unwrap();
    let paper = parse_paper(Path::new("p.md"), text).unwrap();
    assert_eq!(paper.front.title, title);
    assert_eq!(
        paper.front.authors,
        ["van den Oord, Aäron", "Massé, Pierre-Yves"]
    );
    assert_eq!(paper.front.key.as_deref(), Some("OordM15"));
    assert_eq!(
        &paper.text[paper.summaries[0].clone()],
        "Costs $5 and $10\n\n* cheap\n"
    );
}

#[test]
fn cli_reports_files_counts_and_malformed_entries() {
    let site = tempfile::tempdir().unwrap();
    let text = format!(
        "Blurb.\n\n{}Cut Short\n\nX, Y\n\n{}",
        entry("Good One", "X, Y", "Fine."),
        entry("Good Two", "X, Y", "Also fine."),
    )
    .replacen("Keywords: dblp\n\n[link]", "Keywords: other\n\n[link]", 1);
    write_dump(site.path(), "dump.txt", &text);
    let out = Command::cargo_bin("sitegen")
        .unwrap()
        .current_dir(site.path())
        .args(["import", "dump.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stdout,
        "  created content/papers/good-two.md\n1 created, 0 updated, 0 unchanged, 0 skipped\n"
    );
    insta::assert_snapshot!("malformed_diagnostics", stderr);

    let out = Command::cargo_bin("sitegen")
        .unwrap()
        .current_dir(site.path())
        .args(["import", "dump.txt", "--dry-run"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout
            .ends_with("0 created, 0 updated, 1 unchanged, 0 skipped (dry run: nothing written)\n"),
        "{stdout}"
    );
}
