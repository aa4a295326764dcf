//! Real summaries through the dump format and back: each file of `tests/fixtures/roundtrip/` (see
//! its SOURCE.md) is flattened the way the ShortScience dump flattens a summary, the dump is
//! imported into a temp site, and the restored markdown is scored against the original.
//!
//! What is scored, line by line of the original: headings (exact), list items, display math,
//! code fences, table rows and rules, each of which must come back as a line of its own with the
//! same text; and every summary's text, whitespace aside, must be unchanged. Run with
//! `cargo test --test roundtrip -- --nocapture` to see the figures and what was missed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sitegen::import::{ImportOptions, import};
use sitegen::load::content::parse_paper;

const CORPUS: &str = "tests/fixtures/roundtrip";

/// The dump's flattening, as seen in the seed (`tests/fixtures/icml2015.txt`): every run of
/// whitespace, newlines and indentation included, became one space, and the summary line ends in
/// ` |`. Nothing else changed: markers, math and code are left as they were.
fn flatten(markdown: &str) -> String {
    let words: Vec<&str> = markdown.split_whitespace().collect();
    format!("{} |", words.join(" "))
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One dump entry in the seed's layout, authors distinct so that keys are.
fn entry(n: usize, title: &str, summary: &str) -> String {
    let last = format!(
        "Writer{}{}",
        char::from(b'a' + (n / 26) as u8),
        char::from(b'a' + (n % 26) as u8)
    );
    let block = format!(
        "{last}, Ann and Other, Bo\n\narXiv e-Print archive - 2019 via Local Bibsonomy\n\nKeywords: notes\n\n"
    );
    format!("{title}\n\n{block}{block}[link]\n{}\n\n", flatten(summary))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Heading,
    Item,
    Display,
    Fence,
    Table,
    Rule,
}

/// A structure unit of an original summary: its text with whitespace runs squashed.
#[derive(Debug)]
struct Unit {
    kind: Kind,
    text: String,
}

fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

fn is_rule(t: &str) -> bool {
    let squashed: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    squashed.len() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|&m| squashed.chars().all(|c| c == m))
}

fn item_marker(t: &str) -> bool {
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        return true;
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
}

fn heading_marker(t: &str) -> bool {
    let n = t.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&n) && (t.len() == n || t.as_bytes()[n] == b' ')
}

/// The kind of structure a line of the original starts, if any.
fn line_kind(line: &str) -> Option<Kind> {
    let t = line.trim();
    if is_fence(t) {
        Some(Kind::Fence)
    } else if t.starts_with("$$") {
        Some(Kind::Display)
    } else if heading_marker(t) {
        Some(Kind::Heading)
    } else if is_rule(t) {
        Some(Kind::Rule)
    } else if item_marker(t) {
        Some(Kind::Item)
    } else if t.starts_with('|') {
        Some(Kind::Table)
    } else {
        None
    }
}

/// The structure units of an original summary, in order.
fn units(markdown: &str) -> Vec<Unit> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = line_kind(lines[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        i += 1;
        match kind {
            Kind::Fence => {
                // The opening and the closing fence are units; the code between them is text.
                out.push(Unit {
                    kind,
                    text: squash(lines[start]),
                });
                while i < lines.len() && !is_fence(lines[i]) {
                    i += 1;
                }
                if i < lines.len() {
                    out.push(Unit {
                        kind,
                        text: squash(lines[i]),
                    });
                    i += 1;
                }
                continue;
            }
            Kind::Display => {
                // The block runs to the line holding its closing `$$`.
                let mut count = lines[start].matches("$$").count();
                while count < 2 && i < lines.len() {
                    count += lines[i].matches("$$").count();
                    i += 1;
                }
            }
            Kind::Item => {
                // Lazy continuation lines belong to the item's paragraph.
                while i < lines.len()
                    && !lines[i].trim().is_empty()
                    && line_kind(lines[i]).is_none()
                {
                    i += 1;
                }
            }
            Kind::Heading | Kind::Table | Kind::Rule => {}
        }
        out.push(Unit {
            kind,
            text: squash(&lines[start..i].join(" ")),
        });
    }
    out
}

#[derive(Default)]
struct Score {
    /// Units found and total, by kind.
    by_kind: BTreeMap<Kind, (usize, usize)>,
    missed: Vec<String>,
    texts_changed: Vec<String>,
}

impl Score {
    fn add(&mut self, name: &str, original: &str, restored: &str) {
        if squash(original) != squash(restored) {
            self.texts_changed.push(name.to_owned());
        }
        let mut lines: BTreeMap<String, usize> = BTreeMap::new();
        for line in restored.lines() {
            *lines.entry(squash(line)).or_default() += 1;
        }
        for unit in units(original) {
            let slot = self.by_kind.entry(unit.kind).or_default();
            slot.1 += 1;
            match lines.get_mut(&unit.text).filter(|n| **n > 0) {
                Some(n) => {
                    *n -= 1;
                    slot.0 += 1;
                }
                None => self
                    .missed
                    .push(format!("{name}: {:?} {}", unit.kind, unit.text)),
            }
        }
    }

    fn total(&self) -> (usize, usize) {
        self.by_kind
            .values()
            .fold((0, 0), |(f, t), (a, b)| (f + a, t + b))
    }
}

fn percent((found, total): (usize, usize)) -> f64 {
    if total == 0 {
        100.0
    } else {
        100.0 * found as f64 / total as f64
    }
}

fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.file_name().is_some_and(|n| n != "SOURCE.md"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read_to_string(p).expect("corpus file"))
        })
        .collect()
}

/// The title each corpus file is imported under: its name, words capitalised.
fn title(stem: &str) -> String {
    stem.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn real_summaries_survive_the_dump_format() {
    let corpus = corpus();
    assert!(corpus.len() >= 20, "{} summaries", corpus.len());
    let site = tempfile::tempdir().unwrap();
    let dump: String = corpus
        .iter()
        .enumerate()
        .map(|(n, (stem, text))| entry(n, &title(stem), text))
        .collect();
    let dump_path = site.path().join("dump.txt");
    std::fs::write(&dump_path, dump).unwrap();
    let report = import(site.path(), &[dump_path], &ImportOptions::default()).unwrap();
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    assert_eq!(report.files.len(), corpus.len());

    let mut restored: BTreeMap<String, String> = BTreeMap::new();
    for (path, _) in &report.files {
        let text = std::fs::read_to_string(site.path().join(path)).unwrap();
        let paper = parse_paper(path, text).unwrap_or_else(|d| panic!("{path:?}: {d:?}"));
        let body = paper.text[paper.summaries[0].clone()].to_owned();
        restored.insert(paper.front.title.clone(), body);
    }

    let mut score = Score::default();
    for (stem, original) in &corpus {
        let body = restored
            .get(&title(stem))
            .unwrap_or_else(|| panic!("{stem} not imported"));
        score.add(stem, original, body);
    }

    for missed in &score.missed {
        eprintln!("missed {missed}");
    }
    println!("round trip of {} summaries:", corpus.len());
    for (kind, counts) in &score.by_kind {
        println!(
            "  {kind:?}: {}/{} ({:.1}%)",
            counts.0,
            counts.1,
            percent(*counts)
        );
    }
    let total = score.total();
    let headings = score
        .by_kind
        .get(&Kind::Heading)
        .copied()
        .unwrap_or_default();
    println!(
        "  structure lines: {}/{} ({:.1}%); headings {:.1}%; texts preserved {}/{}",
        total.0,
        total.1,
        percent(total),
        percent(headings),
        corpus.len() - score.texts_changed.len(),
        corpus.len()
    );
    assert!(score.texts_changed.is_empty(), "{:?}", score.texts_changed);
    assert!(
        percent(total) >= 95.0,
        "structure lines {:.1}%",
        percent(total)
    );
    assert!(
        percent(headings) >= 95.0,
        "headings {:.1}%",
        percent(headings)
    );
}

#[test]
fn seed_summaries_are_what_the_flattener_makes() {
    // The seed's summary lines hold no whitespace but single spaces, and end in ` |`: flattening
    // one changes nothing, so `flatten` produces exactly that shape.
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/icml2015.txt"),
    )
    .unwrap();
    let lines: Vec<&str> = seed.lines().filter(|l| l.ends_with(" |")).collect();
    assert_eq!(lines.len(), 8);
    for line in lines {
        assert_eq!(flatten(line.strip_suffix(" |").unwrap()), line);
    }
    assert_eq!(
        flatten("# T\n\n- a\n  - b\n\ntext  |x|\n"),
        "# T - a - b text |x| |"
    );
}

#[test]
fn units_of_a_summary() {
    let md = "# T\n\ntext\n\n- a\n  more\n- b\n\n| x | y |\n|---|---|\n\n$$\nx\n$$\n\n```py\ncode\n```\n\n---\n";
    let got: Vec<(Kind, String)> = units(md).into_iter().map(|u| (u.kind, u.text)).collect();
    let want = [
        (Kind::Heading, "# T"),
        (Kind::Item, "- a more"),
        (Kind::Item, "- b"),
        (Kind::Table, "| x | y |"),
        (Kind::Table, "|---|---|"),
        (Kind::Display, "$$ x $$"),
        (Kind::Fence, "```py"),
        (Kind::Fence, "```"),
        (Kind::Rule, "---"),
    ];
    let want: Vec<(Kind, String)> = want.iter().map(|(k, t)| (*k, t.to_string())).collect();
    assert_eq!(got, want);
}
