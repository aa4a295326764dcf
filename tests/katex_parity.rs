//! KaTeX parity: every span rendered into the pages of a built site must be byte-identical to
//! what KaTeX 0.16.4 from npm (`katex.renderToString`, same display mode and macros) produces for
//! the span's TeX annotation. Needs `node` and `node_modules/katex` (`npm ci`); skipped with a
//! message otherwise. Checks the math fixture, the repo's own `content/` when present, and the
//! site at `$SITEGEN_PARITY_ROOT` when set (e.g. a generated benchmark corpus).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};
use sitegen::load::config::MathEngine;

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

/// Builds `root` with `engine` and compares its spans with node's KaTeX from the npm package
/// `package`; returns node's counts (`{"katex":…,"spans":N,"same":M,"different":D}`), and
/// its report of the first differences.
fn compare_site(root: &Path, engine: MathEngine, package: &str) -> (usize, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let opts = sitegen::BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.clone()),
        math_engine: Some(engine),
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
        .arg(package)
        .output()
        .unwrap();
    (
        spans,
        String::from_utf8_lossy(&run.stdout).trim().to_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

fn have_node(package: &str) -> bool {
    let node = Command::new("node").arg("--version").output();
    let installed = repo()
        .join("node_modules")
        .join(package)
        .join("package.json")
        .is_file();
    if !installed || node.is_err() {
        eprintln!(
            "skipping KaTeX parity check: needs node and node_modules/{package} (run `npm ci`)"
        );
    }
    installed && node.is_ok()
}

fn roots() -> Vec<PathBuf> {
    let mut roots = vec![repo().join("tests/fixtures/math")];
    if repo().join("content/papers").is_dir() {
        roots.push(repo().to_path_buf());
    }
    if let Some(extra) = std::env::var_os("SITEGEN_PARITY_ROOT") {
        roots.push(PathBuf::from(extra));
    }
    roots
}

#[test]
fn rendered_spans_match_katex_from_npm() {
    if !have_node("katex") {
        return;
    }
    for root in roots() {
        let (spans, counts, diffs) = compare_site(&root, MathEngine::Katex, "katex");
        eprintln!("parity katex {}: {counts}", root.display());
        assert!(spans > 0, "{}: no math rendered", root.display());
        assert!(
            counts.contains(&format!("\"same\":{spans},")),
            "{}: spans differ from KaTeX 0.16.4:\n{counts}\n{diffs}",
            root.display()
        );
    }
}

/// katex-rs ports KaTeX 0.18.5: its output is compared with that version from npm. Some MathML
/// attributes come out in another order (same meaning, other bytes) and a few constructs differ
/// (`\left[` gets an extra wrapping span), so the test holds the line measured when the engine
/// was added: at least 95% of spans identical up to attribute order (this repo: 63 of 64). Run
/// with `--nocapture` to read the counts and the first differences.
#[cfg(feature = "katex-rs")]
#[test]
fn katex_rs_spans_compared_with_katex_0_18_5() {
    if !have_node("katex-0.18.5") {
        return;
    }
    for root in roots() {
        let (spans, counts, diffs) = compare_site(&root, MathEngine::KatexRs, "katex-0.18.5");
        eprintln!("parity katex-rs {}: {counts}\n{diffs}", root.display());
        let count = |field: &str| -> usize {
            counts
                .split(&format!("\"{field}\":"))
                .nth(1)
                .and_then(|r| r.split([',', '}']).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX)
        };
        assert!(spans > 0, "{}: no math rendered", root.display());
        assert_eq!(count("spans"), spans, "{counts}");
        assert!(
            count("different") * 100 <= spans * 5,
            "{}: {counts}\n{diffs}",
            root.display()
        );
    }
}
