//! KaTeX parity: every span rendered into the pages of a built site must be byte-identical to
//! what KaTeX 0.16.4 from npm (`katex.renderToString`, same display mode and macros) produces for
//! the span's TeX annotation. Needs `node` and `node_modules/katex` (`npm ci`); skipped with a
//! message otherwise. Checks the math fixture, the repo's own `content/` when present, and the
//! site at `$SITEGEN_PARITY_ROOT` when set (e.g. a generated benchmark corpus).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

/// Builds `root` and checks its spans with node; returns the number of spans checked.
fn check_site(root: &Path) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let opts = sitegen::BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.clone()),
        ..Default::default()
    };
    let report = sitegen::build(&opts).unwrap();
    assert!(
        report.written,
        "{}: {:?}",
        root.display(),
        report.diagnostics
    );
    let config = sitegen::load_config(root, None).unwrap_or_else(|_| panic!("{}", root.display()));
    let mut input = String::from("{\"macros\": {");
    for (i, (name, body)) in config.math_macros.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(input, "{sep}{}: {}", json_string(name), json_string(body));
    }
    input.push_str("}}\n");

    let katex = Selector::parse(".katex").unwrap();
    let annotation = Selector::parse("annotation[encoding=\"application/x-tex\"]").unwrap();
    let mut pages = Vec::new();
    html_files(&out, &mut pages);
    let mut spans = 0;
    for page in pages {
        let html = Html::parse_document(&std::fs::read_to_string(&page).unwrap());
        for span in html.select(&katex) {
            let display = span
                .parent()
                .and_then(scraper::ElementRef::wrap)
                .is_some_and(|p| p.value().classes().any(|c| c == "katex-display"));
            let tex: String = span
                .select(&annotation)
                .next()
                .expect("every span has its TeX annotation")
                .text()
                .collect();
            let _ = writeln!(
                input,
                "{{\"page\": {}, \"tex\": {}, \"display\": {display}}}",
                json_string(&page.to_string_lossy()),
                json_string(&tex)
            );
            spans += 1;
        }
    }
    let list = tmp.path().join("spans.jsonl");
    std::fs::write(&list, input).unwrap();
    let run = Command::new("node")
        .arg(repo().join("tests/katex_parity.cjs"))
        .arg(repo())
        .arg(&list)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    eprintln!("parity {}: {}", root.display(), stdout.trim());
    assert!(
        run.status.success(),
        "{}: spans differ from KaTeX 0.16.4:\n{}\n{}",
        root.display(),
        stdout,
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains(&format!("\"same\":{spans},")), "{stdout}");
    spans
}

#[test]
fn rendered_spans_match_katex_from_npm() {
    let node = Command::new("node").arg("--version").output();
    if !repo().join("node_modules/katex/package.json").is_file() || node.is_err() {
        eprintln!("skipping KaTeX parity check: needs node and node_modules/katex (run `npm ci`)");
        return;
    }
    let mut roots = vec![repo().join("tests/fixtures/math")];
    if repo().join("content/papers").is_dir() {
        roots.push(repo().to_path_buf());
    }
    if let Some(extra) = std::env::var_os("SITEGEN_PARITY_ROOT") {
        roots.push(PathBuf::from(extra));
    }
    for root in roots {
        let spans = check_site(&root);
        assert!(spans > 0, "{}: no math rendered", root.display());
    }
}
