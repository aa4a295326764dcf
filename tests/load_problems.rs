//! Problems with the site's files themselves (bytes, names, links, missing folders) are positioned
//! content diagnostics with exit 1, all reported in one run; nothing is written.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::*;
use predicates::prelude::*;
use sitegen::diag::Diagnostic;

fn paper(title: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nauthors = [\"Doe, Jane\"]\nyear = 2015\n+++\nBody.\n")
}

fn errors(report: &sitegen::BuildReport) -> Vec<&Diagnostic> {
    report.diagnostics.iter().filter(|d| d.is_error()).collect()
}

fn find<'a>(report: &'a sitegen::BuildReport, file: &str) -> &'a Diagnostic {
    report
        .diagnostics
        .iter()
        .find(|d| d.path == Path::new(file))
        .unwrap_or_else(|| panic!("no diagnostic for {file}: {:#?}", report.diagnostics))
}

#[test]
fn invalid_utf8_is_positioned_and_every_bad_file_is_reported() {
    let site = copy_fixture("good");
    let papers = site.path().join("content/papers");
    let mut bytes = paper("Bad bytes").into_bytes();
    let at = bytes.len() - 3; // inside "Body." on line 6
    bytes.insert(at, 0xff);
    std::fs::write(papers.join("bad-bytes.md"), &bytes).unwrap();
    let mut other = b"+++\ntitle = \"Caf".to_vec();
    other.extend_from_slice(&[0xc3, 0x28]); // a broken two-byte sequence
    other.extend_from_slice(b"\"\nauthors = [\"A\"]\nyear = 1\n+++\n");
    std::fs::write(papers.join("bad-title.md"), &other).unwrap();

    let out = tempfile::tempdir().unwrap();
    let report = build(site.path(), &out.path().join("public"), None);
    assert!(!report.written);
    let d = find(&report, "content/papers/bad-bytes.md");
    assert!(d.is_error());
    assert_eq!((d.line, d.col), (6, 4), "{d}");
    assert!(d.message.contains(&format!("byte {at}")), "{d}");
    assert!(d.message.contains("UTF-8"), "{d}");
    let d = find(&report, "content/papers/bad-title.md");
    assert_eq!((d.line, d.col), (2, 13), "{d}");
    assert_eq!(errors(&report).len(), 2, "{:#?}", report.diagnostics);

    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["check", "--root"])
        .arg(site.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("content/papers/bad-bytes.md:6:4"))
        .stderr(predicate::str::contains("content/papers/bad-title.md:2:13"));
}

#[test]
fn templates_with_invalid_utf8_are_content_errors() {
    let site = copy_fixture("good");
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::write(site.path().join("templates/base.html"), b"<p>\xfe</p>\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = build(site.path(), &out.path().join("public"), None);
    let d = find(&report, "templates/base.html");
    assert!(d.is_error() && d.message.contains("UTF-8"), "{d}");
    assert_eq!((d.line, d.col), (1, 4));
}

#[test]
fn missing_content_folder_is_an_error_and_keeps_the_old_site() {
    let site = copy_fixture("good");
    let public = site.path().join("public");
    let first = build(site.path(), &public, None);
    assert!(first.written);
    let before = read_tree(&public);
    std::fs::remove_dir_all(site.path().join("content")).unwrap();
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["build", "--root"])
        .arg(site.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "content: error: no `content/` folder",
        ));
    assert_eq!(read_tree(&public), before, "the old site must stay");
}

#[cfg(unix)]
#[test]
fn dangling_links_and_link_loops_are_named_errors() {
    use std::os::unix::fs::symlink;
    let site = copy_fixture("good");
    let papers = site.path().join("content/papers");
    symlink("nowhere.md", papers.join("dangling.md")).unwrap();
    std::fs::create_dir(papers.join("sub")).unwrap();
    symlink("..", papers.join("sub/loop")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = build(site.path(), &out.path().join("public"), None);
    assert!(!report.written);
    let d = find(&report, "content/papers/dangling.md");
    assert!(d.is_error(), "{d}");
    let d = find(&report, "content/papers/sub/loop");
    assert!(d.is_error() && d.message.contains("loop"), "{d}");
    assert_eq!(errors(&report).len(), 2, "{:#?}", report.diagnostics);
}

#[cfg(unix)]
#[test]
fn linked_papers_inside_the_site_are_read_and_outside_ones_warned_about() {
    use std::os::unix::fs::symlink;
    let site = copy_fixture("good");
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("outside.md"), paper("Outside")).unwrap();
    std::fs::create_dir(site.path().join("drafts")).unwrap();
    std::fs::write(site.path().join("drafts/inside.md"), paper("Inside")).unwrap();
    let papers = site.path().join("content/papers");
    symlink(
        site.path().join("drafts/inside.md"),
        papers.join("inside.md"),
    )
    .unwrap();
    symlink(
        elsewhere.path().join("outside.md"),
        papers.join("outside.md"),
    )
    .unwrap();
    symlink(elsewhere.path(), papers.join("outside-dir")).unwrap();

    let out = tempfile::tempdir().unwrap();
    let report = build(site.path(), &out.path().join("public"), None);
    assert!(report.written, "{:#?}", report.diagnostics);
    assert!(out.path().join("public/papers/inside/index.html").is_file());
    assert!(!out.path().join("public/papers/outside").exists());
    for link in ["content/papers/outside.md", "content/papers/outside-dir"] {
        let d = find(&report, link);
        assert!(
            !d.is_error() && d.message.contains("outside the site"),
            "{d}"
        );
    }
}

#[test]
fn unreadable_files_are_named() {
    let site = copy_fixture("good");
    let file = site.path().join("content/papers/locked.md");
    std::fs::write(&file, paper("Locked")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    if std::fs::read(&file).is_ok() {
        eprintln!("skipped: this user can read a mode-000 file (root)");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let report = build(site.path(), &out.path().join("public"), None);
    let d = find(&report, "content/papers/locked.md");
    assert!(d.is_error() && d.message.contains("cannot read"), "{d}");
}

#[test]
fn very_long_titles_and_names_build() {
    let site = copy_fixture("good");
    let long = "Long words ".repeat(30);
    let cjk = "中文標題".repeat(60);
    let text = format!(
        "+++\ntitle = \"{long}\"\nauthors = [\"{long}, Jane\", \"Doe, {cjk}\"]\nvenue = \"{long}\"\n\
         keywords = [\"{long}\", \"{cjk}\"]\nyear = 2015\n+++\nBody.\n"
    );
    std::fs::write(site.path().join("content/papers/long.md"), text).unwrap();
    std::fs::write(
        site.path().join("content/papers/long-cjk.md"),
        paper(&format!("{cjk} 2")),
    )
    .unwrap();
    std::fs::write(
        site.path().join("content/papers/long-cjk-3.md"),
        paper(&format!("{cjk} 3")),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let report = build(site.path(), &public, None);
    assert!(report.written, "{:#?}", report.diagnostics);
    for entry in walkdir::WalkDir::new(&public) {
        let entry = entry.unwrap();
        let len = entry.file_name().len();
        assert!(len <= 100, "{len} bytes: {}", entry.path().display());
    }
    // Two titles that only differ after the cap still get two pages.
    assert_eq!(report.papers, 4 + 3);
}

#[test]
fn control_characters_in_front_matter_are_positioned_errors() {
    let site = copy_fixture("good");
    let text = "+++\ntitle = \"Form\\ffeed\"\nauthors = [\"Doe, Jane\"]\nyear = 2015\n\
                keywords = [\"ok\", \"bad\\u0002\"]\n+++\nBody.\n";
    std::fs::write(site.path().join("content/papers/ctrl.md"), text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = build(site.path(), &out.path().join("public"), None);
    assert!(!report.written);
    let lines: Vec<(usize, bool)> = report
        .diagnostics
        .iter()
        .filter(|d| d.path == Path::new("content/papers/ctrl.md"))
        .map(|d| (d.line, d.message.contains("control character")))
        .collect();
    assert_eq!(lines, [(2, true), (5, true)], "{:#?}", report.diagnostics);
}

#[test]
fn config_with_invalid_utf8_is_a_content_error() {
    let site = copy_fixture("good");
    std::fs::write(site.path().join("sitegen.toml"), b"title = \"\xff\"\n").unwrap();
    Command::cargo_bin("sitegen")
        .unwrap()
        .args(["check", "--root"])
        .arg(site.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "sitegen.toml:1:10: error: invalid UTF-8",
        ));
}
