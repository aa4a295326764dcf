//! `sitegen init` and a new user's first steps, through the binary: a new site builds, checks
//! and shows a paper added with `new`; commands outside a site say how to get one.

mod common;

use assert_cmd::Command;
use common::*;
use predicates::prelude::*;

fn sitegen() -> Command {
    Command::cargo_bin("sitegen").unwrap()
}

#[test]
fn init_new_build_check_shows_the_new_paper_on_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("my-list");
    sitegen()
        .args([
            "init",
            site.to_str().unwrap(),
            "--title",
            "Ada's \"papers\"",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("cd {}", site.display())))
        .stdout(predicate::str::contains("npm ci"))
        .stdout(predicate::str::contains("sitegen serve"));
    for file in [
        "sitegen.toml",
        ".gitignore",
        "package.json",
        "package-lock.json",
        ".github/workflows/pages.yml",
    ] {
        assert!(site.join(file).is_file(), "{file} missing");
    }

    sitegen()
        .args([
            "new",
            "Attention Is All You Need",
            "--author",
            "Vaswani, Ashish",
        ])
        .args(["--arxiv", "1706.03762", "--root", site.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::ends_with(
            "content/papers/attention-is-all-you-need.md\n",
        ));
    let paper =
        std::fs::read_to_string(site.join("content/papers/attention-is-all-you-need.md")).unwrap();
    assert!(paper.contains("year = 2017"), "{paper}");
    assert!(
        paper.contains("url = \"https://arxiv.org/abs/1706.03762\""),
        "{paper}"
    );
    // The user writes the summary (an empty one is a warning, and --strict below would fail).
    std::fs::write(
        site.join("content/papers/attention-is-all-you-need.md"),
        format!("{paper}Attention alone, no recurrence: $O(n^2)$ per layer.\n"),
    )
    .unwrap();

    // As the Pages workflow does: build, then check strictly, both for the published address.
    let base_url = "https://example.github.io/my-list/";
    sitegen()
        .args([
            "build",
            "--base-url",
            base_url,
            "--root",
            site.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("built 3 papers"));
    // The example summaries have math and a citation: both must come out clean.
    sitegen()
        .args(["check", "--strict", "--base-url", base_url])
        .args(["--root", site.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains(": 0 errors, "));

    let out = site.join("public");
    let index = page(&out, "");
    assert_eq!(texts(&index, "title"), ["Ada's \"papers\""]);
    let links: Vec<_> = select(&index, "a")
        .iter()
        .filter(|a| a.text().collect::<String>() == "Attention Is All You Need")
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert!(
        links
            .iter()
            .any(|h| h.ends_with("/my-list/papers/attention-is-all-you-need/")),
        "{links:?}"
    );
    // The example citation resolved to the other example's page, and its math was rendered.
    let adamw = page(&out, "papers/decoupled-weight-decay-regularization");
    assert!(
        select(
            &adamw,
            "a[href$='/papers/adam-a-method-for-stochastic-optimization/']"
        )
        .iter()
        .any(|a| a.text().collect::<String>().contains("Kingma and Ba 2015")),
    );
    assert!(!select(&adamw, ".katex-display").is_empty());
}

#[test]
fn init_refuses_a_folder_with_a_file_and_leaves_it_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let before = read_tree(tmp.path());
    sitegen()
        .args(["init", tmp.path().to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not empty"));
    assert_eq!(read_tree(tmp.path()), before);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn commands_outside_a_site_say_so_and_how_to_get_one() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    let new = [
        "new",
        "A Title",
        "--author",
        "Doe, Jane",
        "--year",
        "2020",
        "--root",
        root,
    ];
    let commands: [&[&str]; 4] = [
        &["build", "--root", root],
        &["check", "--root", root],
        &["serve", "--root", root, "--port", "0"],
        &new,
    ];
    for args in commands {
        sitegen()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is not a sitegen site"))
            .stderr(predicate::str::contains("--root"))
            .stderr(predicate::str::contains("sitegen init"));
    }
    // Nothing was written: `new` did not make content/ in a folder that is not a site.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    // The default root is named in words.
    sitegen()
        .arg("build")
        .current_dir(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: the current folder is not a sitegen site",
        ));
}

#[test]
fn new_needs_a_year_or_an_arxiv_id_that_gives_one() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("s");
    sitegen()
        .args(["init", site.to_str().unwrap()])
        .assert()
        .success();
    let root = site.to_str().unwrap();
    sitegen()
        .args(["new", "T", "--author", "Doe, Jane", "--root", root])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--year"));
    sitegen()
        .args(["new", "T", "--author", "Doe, Jane", "--arxiv", "attention"])
        .args(["--root", root])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("pass --year"));
    assert!(!site.join("content/papers/t.md").exists());
}
