//! `import` never writes what `build` rejects: keys unique against the whole `content/`, derived
//! key suffixes that do not wrap, file names of a bounded length, fields the build accepts.

use std::path::{Path, PathBuf};

use sitegen::import::{ImportOptions, Outcome, import};
use sitegen::index::Library;

const SEED: &str = "tests/fixtures/icml2015.txt";

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)
}

fn entry(title: &str, authors: &str, summary: &str) -> String {
    let block = format!(
        "{authors}\n\nInternational Conference on Machine Learning - 2015 via Local Bibsonomy\n\nKeywords: dblp\n\n"
    );
    format!("{title}\n\n{block}{block}[link]\n{summary} |\n\n")
}

fn write_dump(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write dump");
    path
}

fn run(root: &Path, dumps: &[PathBuf]) -> sitegen::import::ImportReport {
    let report = import(root, dumps, &ImportOptions::default()).expect("import runs");
    assert!(
        report.diagnostics.iter().all(|d| !d.is_error()),
        "{:#?}",
        report.diagnostics
    );
    report
}

/// The whole content folder as the build sees it: no errors, keys by file name.
fn build_keys(root: &Path) -> Vec<(String, String)> {
    let (sources, diags) = sitegen::load::content::load(root, true).expect("load");
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
    let (lib, diags) = Library::build(sources.papers);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
    lib.papers
        .iter()
        .map(|p| {
            let name = p.source.path.file_name().unwrap().to_string_lossy();
            (name.into_owned(), p.key.clone())
        })
        .collect()
}

#[test]
fn keys_are_unique_against_the_existing_content() {
    let site = tempfile::tempdir().unwrap();
    run(site.path(), &[seed()]);
    let second = write_dump(
        site.path(),
        "more.txt",
        &entry(
            "Another Paper by the Same Three",
            "Li, Yujia and Swersky, Kevin and Zemel, Richard",
            "More.",
        ),
    );
    run(site.path(), std::slice::from_ref(&second));
    let keys = build_keys(site.path());
    let key_of = |file: &str| keys.iter().find(|(f, _)| f == file).unwrap().1.clone();
    assert_eq!(key_of("generative-moment-matching-networks.md"), "LiSZ15");
    assert_eq!(key_of("another-paper-by-the-same-three.md"), "LiSZ15a");

    // Stable: importing both again, in either order, changes nothing.
    for dumps in [vec![seed(), second.clone()], vec![second, seed()]] {
        let report = run(site.path(), &dumps);
        assert!(
            report.files.iter().all(|(_, o)| *o == Outcome::Unchanged),
            "{:?}",
            report.files
        );
    }
}

#[test]
fn derived_key_suffixes_do_not_wrap_after_z() {
    let site = tempfile::tempdir().unwrap();
    let text: String = (0..28)
        .map(|i| entry(&format!("Paper number {i}"), "Wang, Li", "Text."))
        .collect();
    let dump = write_dump(site.path(), "dump.txt", &text);
    run(site.path(), &[dump]);
    let mut keys: Vec<String> = build_keys(site.path())
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 28, "{keys:?}");
    assert!(keys.contains(&"Wang15aa".to_owned()) && keys.contains(&"Wang15ab".to_owned()));
}

#[test]
fn long_titles_give_short_stable_file_names() {
    let site = tempfile::tempdir().unwrap();
    let title = "A Very Long Title ".repeat(20);
    let cjk = "深層学習による画像認識".repeat(20);
    let text = entry(&title, "Doe, Jane", "One.") + &entry(&cjk, "Roe, Rick", "Two.");
    let dump = write_dump(site.path(), "dump.txt", &text);
    let report = run(site.path(), std::slice::from_ref(&dump));
    assert_eq!(report.files.len(), 2);
    for (path, outcome) in &report.files {
        assert_eq!(*outcome, Outcome::Created);
        let name = path.file_name().unwrap().len();
        assert!(name <= 103, "{name} bytes: {}", path.display());
    }
    assert_eq!(build_keys(site.path()).len(), 2);
    let again = run(site.path(), &[dump]);
    assert!(again.files.iter().all(|(_, o)| *o == Outcome::Unchanged));
}

#[test]
fn a_paper_already_in_another_file_is_not_written_twice() {
    let site = tempfile::tempdir().unwrap();
    let papers = site.path().join("content/papers");
    std::fs::create_dir_all(&papers).unwrap();
    std::fs::write(
        papers.join("my-notes.md"),
        "+++\ntitle = \"Alpha Paper\"\nauthors = [\"Smith, John\"]\nyear = 2015\n+++\nMine.\n",
    )
    .unwrap();
    let dump = write_dump(
        site.path(),
        "dump.txt",
        &entry("Alpha Paper", "Smith, John", "Theirs."),
    );
    let report = run(site.path(), &[dump]);
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].0, Path::new("content/papers/my-notes.md"));
    assert!(matches!(report.files[0].1, Outcome::Skipped(_)));
    assert_eq!(build_keys(site.path()).len(), 1);
}

#[test]
fn control_characters_in_a_dump_are_not_written() {
    let site = tempfile::tempdir().unwrap();
    let dump = write_dump(
        site.path(),
        "dump.txt",
        &entry("Form\u{c}feed \u{2}Title", "Doe,\u{7} Jane", "Body."),
    );
    let report = import(site.path(), &[dump], &ImportOptions::default()).unwrap();
    assert!(
        report.diagnostics.iter().any(|d| !d.is_error()),
        "a warning says what was dropped"
    );
    assert_eq!(build_keys(site.path()).len(), 1);
}
