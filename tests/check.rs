//! `sitegen check`: broken links, images and anchors found with their file and line; nothing
//! written; the repository's own reading list passes.

mod common;

use assert_cmd::Command;
use common::*;
use predicates::prelude::*;

#[test]
fn finds_broken_links_images_and_anchors() {
    let report = sitegen::check(&sitegen::BuildOptions {
        root: fixture("links"),
        ..Default::default()
    })
    .unwrap();
    assert!(!report.written);
    assert!(
        !fixture("links").join("public").exists(),
        "check writes nothing"
    );
    insta::assert_snapshot!(diagnostics_text(&report));
}

#[test]
fn cli_exit_codes() {
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["check", "--root"])
        .arg(fixture("links"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("content/papers/linking.md:10:9:"))
        .stdout(predicate::str::contains("3 errors"));
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["check", "--root"])
        .arg(fixture("good"))
        .assert()
        .success()
        .stdout(predicate::str::contains(": 0 errors,"));
}

#[test]
fn this_reading_list_passes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let report = sitegen::check(&sitegen::BuildOptions {
        root: root.to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(report.errors(), 0, "{}", diagnostics_text(&report));
}

#[test]
fn new_paper_then_build_shows_it_everywhere() {
    let site = copy_fixture("good");
    let out = Command::cargo_bin("sitegen")
        .unwrap()
        .args([
            "new",
            "Attention Is All You Need",
            "--author",
            "Vaswani, Ashish",
        ])
        .args([
            "--author",
            "Noam Shazeer",
            "--venue",
            "NeurIPS",
            "--year",
            "2017",
        ])
        .args([
            "--keyword",
            "transformers",
            "--url",
            "https://arxiv.org/abs/1706.03762",
            "--root",
        ])
        .arg(site.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let path = String::from_utf8(out).unwrap();
    assert!(
        path.trim()
            .ends_with("content/papers/attention-is-all-you-need.md"),
        "{path}"
    );

    // A second time it refuses, and the file is kept.
    Command::cargo_bin("sitegen")
        .unwrap()
        .args([
            "new",
            "Attention is all you need!",
            "--author",
            "X, Y",
            "--year",
            "2017",
            "--root",
        ])
        .arg(site.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["new", "???", "--author", "X, Y", "--year", "2017", "--root"])
        .arg(site.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("empty slug"));

    let public = site.path().join("public");
    assert!(build(site.path(), &public, None).written);
    let index = page(&public, "");
    assert!(texts(&index, ".paper-title").contains(&"Attention Is All You Need".to_owned()));
    let author = page(&public, "authors/ashish-vaswani");
    assert_eq!(
        texts(&author, ".paper-title"),
        ["Attention Is All You Need"]
    );
    let keyword = page(&public, "keywords/transformers");
    assert_eq!(
        texts(&keyword, ".paper-title"),
        ["Attention Is All You Need"]
    );
}
