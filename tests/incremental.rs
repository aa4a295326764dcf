//! Incremental builds: after an edit, a build that keeps the pages whose inputs did not change
//! must give the same tree, byte for byte, as a full build of the edited site.

mod common;

use common::{EDITS, build, corpus, edit_paper as edit, read_tree};

#[test]
fn incremental_builds_equal_full_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    corpus(&root, 30);
    let out = tmp.path().join("public");
    let first = build(&root, &out, None);
    assert!(first.written);
    assert_eq!(first.pages_kept, 0, "nothing to keep on a first build");

    for &(what, paper, from, to) in EDITS {
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
