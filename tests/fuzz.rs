//! Mutation fuzzing on stable Rust (arbtest): seeds from the repository (`content/papers/`, the
//! seed dump, `tests/fuzz/`) mutated byte- and token-wise, then
//! - content: bytes → one paper → index → every page rendered in memory: no panic, no
//!   infrastructure error (exit 2), output bounded by the input's size;
//! - dumps: bytes → `parse_dump` → `restore` (no panic, text kept, bounded), then `import` into a
//!   temp site, which the build must accept (no error diagnostic).
//!
//! `cargo test --test fuzz` runs each for a few seconds. Longer runs:
//! `SITEGEN_FUZZ_SECS=600 cargo test --release --test fuzz -- --nocapture` (seconds per target);
//! a failure prints its seed, replayed with `ARBTEST_SEED=0x… cargo test --test fuzz`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arbtest::arbitrary::{self, Unstructured};
use sitegen::import::{ImportOptions, import, parse_dump, restore};
use sitegen::index::Library;
use sitegen::load::config::Config;
use sitegen::load::content::parse_paper;
use sitegen::markdown::{Highlighter, MarkdownContext, TexPassthrough};

/// Seconds per target in a normal `cargo test` (two targets, well under two minutes in all).
const DEFAULT_SECS: u64 = 15;
/// A run slower than this is reported (not a failure: timing is not tested).
const SLOW: Duration = Duration::from_secs(5);

/// Pieces of syntax that mutations splice in: front matter, markdown, math, citations, dump
/// structure, and bytes that broke things before.
const TOKENS: &[&str] = &[
    "+++\n",
    "---\n",
    "$",
    "$$",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "\\cite{",
    "}",
    "{",
    "#",
    "# ",
    "#### ",
    "* ",
    "- ",
    "1. ",
    "-----",
    "![a](b.png)",
    "*",
    "`",
    "```",
    "\n",
    "\n\n",
    " |",
    " |\n",
    "[link]\n",
    "Keywords: ",
    " - 2015 via Local Bibsonomy\n",
    " and ",
    ", ",
    "é",
    "中",
    "\u{2}",
    "\u{c}",
    "\u{0}",
    "\u{feff}",
    "\\",
    "\"",
    "<!-- next summary -->\n",
    "<script>",
    "title = ",
    "year = ",
    "key = ",
    "\\sqrt{",
    "&amp;",
    "\r\n",
    "\t",
];

fn budget() -> Duration {
    let secs = std::env::var("SITEGEN_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECS);
    Duration::from_secs(secs)
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn seeds(dirs: &[&str], files: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(repo(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        out.extend(paths.iter().map(|p| std::fs::read(p).unwrap()));
    }
    out.extend(files.iter().map(|f| std::fs::read(repo(f)).unwrap()));
    out
}

/// A seed with a few random edits: byte flips, token splices, deletions, duplications.
fn mutate(u: &mut Unstructured<'_>, seeds: &[Vec<u8>]) -> arbitrary::Result<Vec<u8>> {
    let mut data = u.choose(seeds)?.clone();
    for _ in 0..u.int_in_range(1..=12)? {
        let len = data.len();
        let at = u.int_in_range(0..=len)?;
        match u.int_in_range(0..=5)? {
            0 if at < len => data[at] = u.arbitrary()?,
            1 => data
                .splice(at..at, u.choose(TOKENS)?.bytes())
                .for_each(drop),
            2 => {
                let end = (at + u.int_in_range(0..=64)?).min(len);
                data.drain(at..end);
            }
            3 => {
                let end = (at + u.int_in_range(0..=256)?).min(len);
                let copy = data[at..end].to_vec();
                let to = u.int_in_range(0..=len)?;
                data.splice(to..to, copy).for_each(drop);
            }
            4 => {
                let token = u.choose(TOKENS)?.repeat(u.int_in_range(1..=200)?);
                data.splice(at..at, token.bytes()).for_each(drop);
            }
            _ => data.insert(at.min(len), u.arbitrary()?),
        }
    }
    Ok(data)
}

struct Stats {
    name: &'static str,
    runs: usize,
    slow: usize,
    slowest: Duration,
}

impl Stats {
    fn new(name: &'static str) -> Self {
        Stats {
            name,
            runs: 0,
            slow: 0,
            slowest: Duration::ZERO,
        }
    }

    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        let took = start.elapsed();
        self.runs += 1;
        self.slowest = self.slowest.max(took);
        if took > SLOW {
            self.slow += 1;
        }
        out
    }
}

impl Drop for Stats {
    fn drop(&mut self) {
        eprintln!(
            "fuzz {}: {} runs, {} over {SLOW:?}, slowest {:?}",
            self.name, self.runs, self.slow, self.slowest
        );
    }
}

/// What every content run shares: the other papers, the configuration, templates, highlighter.
struct Fixed {
    others: Vec<sitegen::load::content::SourcePaper>,
    config: Config,
    tera: tera::Tera,
    highlighter: Highlighter,
}

/// Renders `bytes` as the one changed paper of a small list, all in memory.
fn render_paper(bytes: Vec<u8>, fixed: &Fixed) {
    let Fixed {
        others,
        config,
        tera,
        highlighter,
    } = fixed;
    let path = Path::new("content/papers/fuzzed.md");
    let text = match sitegen::load::decode(path, bytes) {
        Ok(text) => text,
        Err(d) => {
            assert!(d.is_error() && d.line >= 1);
            return;
        }
    };
    let input_len = text.len();
    let mut sources = others.to_vec();
    if let Ok(paper) = parse_paper(path, text) {
        sources.push(paper);
    }
    let (lib, _) = Library::build(sources);
    let md = MarkdownContext {
        highlighter,
        math: &TexPassthrough,
        cites: None,
        raw_html: config.raw_html,
        brackets: config.math_brackets,
        base_path: config.base_path(),
    };
    let analyses: Vec<sitegen::markdown::Analyses> = lib
        .papers
        .iter()
        .map(|paper| {
            let each = paper.summaries();
            (each.map(|(_, summary)| sitegen::markdown::analyze(summary, config.math_brackets)))
                .collect::<Vec<_>>()
                .into()
        })
        .collect();
    let assets = sitegen::render::Assets {
        math_css: None,
        math_css_integrity: None,
    };
    let sink = sitegen::render::MemorySink::default();
    sitegen::render::render_site(&lib, &analyses, config, tera, &md, &assets, &sink)
        .expect("content never makes rendering fail as an infrastructure error");
    let files = sink.into_files();
    let total: usize = files.iter().map(|f| f.contents.len()).sum();
    assert!(
        total < 2_000_000 + 200 * input_len,
        "{total} bytes of output for {input_len} of input"
    );
}

#[test]
fn fuzz_content_pipeline() {
    let seeds = seeds(&["content/papers", "tests/fuzz/content"], &[]);
    let others: Vec<_> = ["batch-normalization.md", "draw.md"]
        .iter()
        .map(|name| {
            let rel = format!("tests/fixtures/good/content/papers/{name}");
            let text = std::fs::read_to_string(repo(&rel)).unwrap();
            parse_paper(Path::new(&rel), text).unwrap()
        })
        .collect();
    let config = Config::from_toml(
        Path::new("sitegen.toml"),
        "title = \"Fuzz\"\nbase_url = \"https://example.org/list/\"\n",
        None,
    )
    .unwrap();
    let fixed = Fixed {
        others,
        config,
        tera: sitegen::render::templates(&Default::default()).expect("built-in templates"),
        highlighter: Highlighter::new(),
    };
    let mut stats = Stats::new("content");
    arbtest::arbtest(|u| {
        let bytes = mutate(u, &seeds)?;
        stats.time(|| render_paper(bytes, &fixed));
        Ok(())
    })
    .size_max(1 << 16)
    .budget(budget())
    .run();
}

/// Restoration only moves whitespace; its output stays proportional to its input.
fn check_restore(raw: &str) {
    let out = restore(raw);
    let non_ws = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert_eq!(
        non_ws(&out),
        non_ws(raw),
        "restore changed the text of {raw:?}"
    );
    assert!(out.len() <= 8 * raw.len() + 64, "restore blew up {raw:?}");
}

#[test]
fn fuzz_dump_import() {
    let seeds = seeds(&["tests/fuzz/dumps"], &["tests/fixtures/icml2015.txt"]);
    let mut stats = Stats::new("dumps");
    arbtest::arbtest(|u| {
        let bytes = mutate(u, &seeds)?;
        let full_import = u.ratio(1, 4)?;
        stats.time(|| {
            let text = String::from_utf8_lossy(&bytes);
            let (entries, _) = parse_dump(Path::new("dump.txt"), &text);
            for entry in &entries {
                check_restore(&entry.summary);
            }
            if full_import && !entries.is_empty() {
                import_is_accepted(&bytes);
            }
        });
        Ok(())
    })
    .size_max(1 << 16)
    .budget(budget())
    .run();
}

/// Imports `dump` into an empty site: whatever it writes, the build accepts.
fn import_is_accepted(dump: &[u8]) {
    let site = tempfile::tempdir().unwrap();
    let path = site.path().join("dump.txt");
    std::fs::write(&path, dump).unwrap();
    let report = match import(site.path(), &[path], &ImportOptions::default()) {
        Ok(report) => report,
        // A dump that is not UTF-8 is refused as a whole; nothing is written.
        Err(sitegen::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::InvalidData =>
        {
            return;
        }
        Err(e) => panic!("import failed: {e}"),
    };
    if !site.path().join("content").exists() {
        // Every entry was malformed: nothing written.
        assert!(report.files.is_empty());
        return;
    }
    let (sources, diags) = sitegen::load::content::load(site.path(), true).unwrap();
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
    let written = sources.papers.len();
    let (lib, diags) = Library::build(sources.papers);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors.is_empty(),
        "the build rejects what import wrote: {errors:#?}"
    );
    assert_eq!(lib.papers.len(), written);
    assert!(report.files.len() >= written);
}
