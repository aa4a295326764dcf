//! Bad input: every problem of a broken site is reported at once with `path:line:col` and its
//! source line, nothing is written, and the exit code says what happened.

mod common;

use assert_cmd::Command;
use common::*;
use predicates::prelude::*;

const PAPERS: &[(&str, &str)] = &[
    (
        "bad-toml.md",
        "+++\ntitle = \"Unclosed\nauthors = [\"A, B\"]\nyear = 2015\n+++\nx\n",
    ),
    (
        "unknown-field.md",
        "+++\ntitle = \"Unknown\"\nauthors = [\"A, B\"]\nyear = 2015\nvenu = \"ICML\"\n+++\nx\n",
    ),
    (
        "unknown-yaml.md",
        "---\ntitle: Unknown YAML\nauthors: [\"C, D\"]\nyear: 2015\nkeyword: [x]\n---\nx\n",
    ),
    (
        "no-title.md",
        "+++\nauthors = [\"A, B\"]\nyear = 2015\n+++\nx\n",
    ),
    (
        "no-authors.md",
        "+++\ntitle = \"No authors\"\nyear = 2015\n+++\nx\n",
    ),
    (
        "no-year.md",
        "+++\ntitle = \"No year\"\nauthors = [\"A, B\"]\n+++\nx\n",
    ),
    (
        "empty-authors.md",
        "+++\ntitle = \"Empty\"\nauthors = []\nyear = 2015\n+++\nx\n",
    ),
    (
        "bad-year.md",
        "+++\ntitle = \"Bad year\"\nauthors = [\"A, B\"]\nyear = \"2015\"\n+++\nx\n",
    ),
    ("no-front-matter.md", "Just text.\n"),
    (
        "a-first.md",
        "+++\ntitle = \"Same Title\"\nauthors = [\"E, F\"]\nyear = 2015\nkey = \"Same15\"\n+++\nx\n",
    ),
    (
        "b-second.md",
        "+++\ntitle = \"Same title!\"\nauthors = [\"G, H\"]\nyear = 2015\nkey = \"Same15\"\n+++\nx\n",
    ),
];

fn broken_site() -> tempfile::TempDir {
    let site = copy_fixture("good");
    for (name, text) in PAPERS {
        std::fs::write(site.path().join("content/papers").join(name), text).unwrap();
    }
    site
}

#[test]
fn all_problems_are_reported_at_once() {
    let site = broken_site();
    let out = site.path().join("public");
    let report = build(site.path(), &out, None);
    assert!(!report.written);
    assert!(!out.exists(), "nothing is written");
    insta::assert_snapshot!(diagnostics_text(&report));
}

#[test]
fn cli_exit_codes_and_messages() {
    let site = broken_site();
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["build", "--root"])
        .arg(site.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "content/papers/unknown-field.md:5:1: error: front matter: unknown field `venu`",
        ))
        .stderr(predicate::str::contains("5 | venu = \"ICML\""))
        .stderr(predicate::str::contains("build failed; 10 errors"));

    let good = copy_fixture("good");
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["build", "--root"])
        .arg(good.path())
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                r"^built 4 papers, 27 pages \(\d+ files\) into .* in \d+\.\d\d s \(math: rendered 4, cached 0\)(; 0 errors, 1 warning)?\n$",
            )
            .unwrap(),
        );
    assert!(good.path().join("public/index.html").exists());

    // Not a site at all: an I/O failure, exit 2.
    let empty = tempfile::tempdir().unwrap();
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["build", "--root"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sitegen.toml"));
}

#[test]
fn bad_config_is_positioned() {
    let site = copy_fixture("good");
    std::fs::write(
        site.path().join("sitegen.toml"),
        "title = \"T\"\nbase_url = \"/\"\ntheme = \"dark\"\n",
    )
    .unwrap();
    let report = build(site.path(), &site.path().join("public"), None);
    assert!(!report.written);
    insta::assert_snapshot!(diagnostics_text(&report));
}

#[test]
fn refuses_to_overwrite_a_folder_it_did_not_write() {
    let site = copy_fixture("good");
    let out = site.path().join("docs");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.md"), "mine").unwrap();
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["build", "--root"])
        .arg(site.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a site built by sitegen"));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.md")).unwrap(),
        "mine"
    );
}

#[test]
fn broken_template_is_a_content_error() {
    let site = copy_fixture("good");
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::write(site.path().join("templates/index.html"), "{% if %}").unwrap();
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["build", "--root"])
        .arg(site.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("index.html"));
}

/// Issue 12, defect 1: `--out` pointing at the site itself, even with a `.nojekyll` there, is
/// refused and nothing of the site is touched.
#[test]
fn out_at_the_site_root_is_refused_and_nothing_is_deleted() {
    let dir = common::copy_fixture("good");
    let root = dir.path();
    std::fs::write(root.join(".nojekyll"), "").unwrap();
    let before = common::read_tree(root);
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["build", "--root"])
        .arg(root)
        .arg("--out")
        .arg(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("refusing to write the site here"));
    assert_eq!(common::read_tree(root), before);
}
