//! Incremental builds: after an edit, a build that keeps the pages whose inputs did not change
//! must give the same tree, byte for byte, as a full build of the edited site.

mod common;

use common::{build, corpus, edit_paper as edit, read_tree};

#[test]
fn incremental_builds_equal_full_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    corpus(&root, 30);
    let out = tmp.path().join("public");
    let first = build(&root, &out, None);
    assert!(first.written);
    assert_eq!(first.pages_kept, 0, "nothing to keep on a first build");

    let edits: [(&str, usize, &str, &str); 8] = [
        // Past the first sentence: only the paper's own page shows it.
        ("body after the excerpt", 3, "It builds on", "It extends"),
        ("title", 5, "Paper number 5", "A renamed paper"),
        (
            "author list",
            22,
            "\"Noether, Emmy\"]",
            "\"Noether, Emmy\", \"Knuth, Donald\"]",
        ),
        ("keyword", 7, "\"topic 1\"", "\"topic 9\""),
        ("year", 14, "year = 2004", "year = 2001"),
        (
            "first author of a paper cited in an excerpt",
            8,
            "\"Ada, Lovelace\"",
            "\"Byron, Ada\"",
        ),
        (
            "citation",
            12,
            "\\cite{Paper11}",
            "\\cite{Paper3} and \\cite{Nowhere99}",
        ),
        (
            "body",
            0,
            "Body of paper 0",
            "A new body with $\\beta^2$ for paper 0",
        ),
    ];
    for (what, paper, from, to) in edits {
        edit(&root, paper, from, to);
        let incremental = build(&root, &out, None);
        assert!(incremental.written, "{what}");
        assert!(
            incremental.pages_kept > 0,
            "{what}: the incremental build kept no page"
        );
        let full_dir = tempfile::tempdir().unwrap();
        let full_out = full_dir.path().join("public");
        let full = build(&root, &full_out, None);
        assert_eq!(full.pages_kept, 0);
        let (a, b) = (read_tree(&out), read_tree(&full_out));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{what}: other files"
        );
        for (path, bytes) in &a {
            assert!(
                bytes == &b[path],
                "{what}: {path} differs from a full build"
            );
        }
    }
}

#[test]
fn a_template_change_renders_every_page() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    corpus(&root, 6);
    let out = tmp.path().join("public");
    build(&root, &out, None);
    let again = build(&root, &out, None);
    assert!(again.pages_kept > 0);
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/paper_item.html"),
        "<li>{{ p.title }}</li>\n",
    )
    .unwrap();
    let changed = build(&root, &out, None);
    assert_eq!(changed.pages_kept, 0);
    assert!(
        std::fs::read_to_string(out.join("authors/alan-turing/index.html"))
            .unwrap()
            .contains("<li>Paper number 1</li>")
    );
}
