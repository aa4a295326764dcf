//! Build benchmark: generates a deterministic reading list (seeded) of 1,000 or 10,000 papers
//! shaped like a real one (≈3.5 KB of markdown whose words follow Zipf's law over a vocabulary
//! of 4,000, 4.7 authors from a pool of 3,300, 100 keywords
//! with 5 per paper, YAML front matter in 1 paper of 5, ≈1.1 citations, ≈6.5 inline and 1
//! display math spans per paper of which about half are unique, a code block in 40% of the
//! papers, 4 headings and 2 lists per summary), then runs the `sitegen` binary on
//! it and prints wall time, CPU time and peak memory for a cold build (with and without search), a
//! warm build and a rebuild after one paper changed.
//!
//! `cargo bench --bench build -- [--papers N]... [--runs R] [--dir PATH] [--math-engine E]`
//! (default: 1,000 and 10,000 papers, 5 runs each, under /dev/shm so the disk is not measured);
//! `cargo bench --bench build -- --papers N --generate-only DIR` only writes the corpus.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// xorshift64*: tiny, seeded, the same corpus on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "ren", "mo", "li", "sa", "to", "vel", "an", "dor", "mi", "ne", "ha", "zu", "ber", "go",
    "ri", "tas", "lo", "quin", "el", "fa", "shi", "mar", "no",
];
/// Made-up words are built from other syllables than names, so a word never spells an author.
const WORD_SYLLABLES: &[&str] = &[
    "con", "tra", "ing", "ment", "pre", "de", "tion", "sub", "al", "ive", "ro", "ter", "ex", "par",
    "bi", "ous", "pro", "im", "cal", "ity", "um", "stra", "ble", "ph",
];
/// The summaries' words, most frequent first: the word list of this repository's own summaries
/// (see `benches/SOURCE.md`), extended with made-up words to a vocabulary of this size.
const VOCABULARY: usize = 4_000;

/// A vocabulary drawn from by Zipf's law (Zipf–Mandelbrot, `1 / (rank + 2.7)`), as words of
/// real text are: a few words are in every summary, most are in a few. A uniform pick from a
/// short list made every word's posting list as long as the corpus, which real search indexes
/// never see.
struct Zipf {
    words: Vec<String>,
    /// Cumulative weights, ending at 1.
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(rng: &mut Rng) -> Zipf {
        let mut words: Vec<String> = include_str!("words.txt")
            .lines()
            .map(str::to_owned)
            .collect();
        let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
        while words.len() < VOCABULARY {
            let w: String = (0..2 + rng.below(3))
                .map(|_| rng.pick(WORD_SYLLABLES))
                .collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut total = 0.0;
        let mut cumulative: Vec<f64> = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 2.7);
                total
            })
            .collect();
        cumulative.iter_mut().for_each(|c| *c /= total);
        Zipf { words, cumulative }
    }

    /// A word, at least `skip` ranks down (titles skip the commonest words).
    fn word(&self, rng: &mut Rng, skip: usize) -> &str {
        let low = if skip == 0 {
            0.0
        } else {
            self.cumulative[skip - 1]
        };
        let u = low + (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * (1.0 - low);
        let rank = self.cumulative.partition_point(|&c| c < u);
        &self.words[rank.min(self.words.len() - 1)]
    }
}
const COMMON_MATH: &[&str] = &[
    "x",
    "\\theta",
    "\\mathbb{E}[x]",
    "p(x|z)",
    "\\nabla_\\theta L",
    "\\alpha",
    "W x + b",
    "\\sigma(x)",
    "\\mathcal{L}",
    "\\log p(x)",
    "q_\\phi(z|x)",
    "\\epsilon",
    "\\lambda",
    "f(x)",
    "\\sum_i x_i",
    "\\hat{y}",
    "D_{KL}(q \\| p)",
    "\\pi(a|s)",
    "h_t",
    "\\gamma",
];

fn name(rng: &mut Rng) -> String {
    let mut word = |n: usize| {
        let mut w: String = (0..n).map(|_| rng.pick(SYLLABLES)).collect();
        w[..1].make_ascii_uppercase();
        w
    };
    let last = word(3);
    let first = word(2);
    format!("{last}, {first}")
}

fn math(rng: &mut Rng, unique: &mut usize) -> String {
    // About half the spans are shared formulas, the rest unique to their paper.
    if rng.below(100) < 52 {
        rng.pick(COMMON_MATH).to_owned()
    } else {
        *unique += 1;
        format!(
            "\\frac{{x_{{{}}}}}{{\\sqrt{{{} + \\beta}}}}",
            *unique,
            rng.below(1000)
        )
    }
}

fn sentence(rng: &mut Rng, zipf: &Zipf, words: usize) -> String {
    let mut s: Vec<&str> = (0..words).map(|_| zipf.word(rng, 0)).collect();
    let first = s[0].to_owned();
    let cap = first[..1].to_uppercase() + &first[1..];
    s[0] = &cap;
    format!("{}.", s.join(" "))
}

/// Code blocks of the corpus: 40% of the papers carry one, in one of these languages.
const CODE: &[(&str, &str)] = &[
    (
        "python",
        "def step(params, grads, lr=0.1):\n    # plain gradient descent\n    return [p - lr * g for p, g in zip(params, grads)]\n\nfor epoch in range(10):\n    loss = train(model, data)\n    print(f\"epoch {epoch}: {loss:.3f}\")\n",
    ),
    (
        "bash",
        "python train.py --epochs 10 --lr 0.1 \\\n  --data ./data | tee log.txt\ngrep -c loss log.txt\n",
    ),
    (
        "text",
        "epoch  loss   acc\n1      2.31   0.11\n2      1.02   0.64\n",
    ),
    (
        "rust",
        "fn relu(x: f32) -> f32 {\n    if x > 0.0 { x } else { 0.0 }\n}\n",
    ),
];

/// Front matter of one paper: TOML, or YAML for one paper in five.
fn front_matter(
    text: &mut String,
    yaml: bool,
    fields: (&str, &[&str], &str, usize, &[&str], &str),
) {
    let (title, authors, venue, year, kws, key) = fields;
    if yaml {
        let list = |v: &[&str]| {
            v.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(text, "---").unwrap();
        writeln!(text, "title: {title:?}").unwrap();
        writeln!(text, "authors:").unwrap();
        for a in authors {
            writeln!(text, "  - {a:?}").unwrap();
        }
        writeln!(text, "venue: {venue:?}").unwrap();
        writeln!(text, "year: {year}").unwrap();
        writeln!(text, "keywords: [{}]", list(kws)).unwrap();
        writeln!(text, "key: {key}").unwrap();
        writeln!(text, "---").unwrap();
    } else {
        writeln!(text, "+++").unwrap();
        writeln!(text, "title = {title:?}").unwrap();
        writeln!(text, "authors = {authors:?}").unwrap();
        writeln!(text, "venue = {venue:?}").unwrap();
        writeln!(text, "year = {year}").unwrap();
        writeln!(text, "keywords = {kws:?}").unwrap();
        writeln!(text, "key = \"{key}\"").unwrap();
        writeln!(text, "+++").unwrap();
    }
}

/// One summary of ≈3.5 KB: five paragraphs with inline math (≈6.5 spans), four headings, two
/// lists, one display formula, ≈1.1 citations of earlier papers, a code block in 40% of them.
fn summary(rng: &mut Rng, zipf: &Zipf, unique: &mut usize, i: usize, keys: &[String]) -> String {
    let mut text = String::new();
    for p in 0..5 {
        if p > 0 {
            text.push_str(&format!(
                "### {}\n\n",
                sentence(rng, zipf, 3).trim_end_matches('.')
            ));
        }
        for _ in 0..3 {
            text.push_str(&sentence(rng, zipf, 24));
            if rng.below(100) < 43 {
                text.push_str(&format!(" We use ${}$ here.", math(rng, unique)));
            }
            text.push(' ');
        }
        let cites = (p == 1 && i > 0) || (p == 3 && i > 0 && rng.below(10) == 0);
        if cites {
            let cited = &keys[rng.below(i)];
            text.push_str(&format!("As in \\cite{{{cited}}}. "));
        }
        text.push_str("\n\n");
        if p == 2 || p == 4 {
            for _ in 0..3 {
                text.push_str(&format!("* {}\n", sentence(rng, zipf, 8)));
            }
            text.push('\n');
        }
        if p == 2 {
            text.push_str(&format!("$$\n{}\n$$\n\n", math(rng, unique)));
        }
        if p == 3 && rng.below(10) < 4 {
            let (lang, code) = CODE[rng.below(CODE.len())];
            text.push_str(&format!("```{lang}\n{code}```\n\n"));
        }
    }
    text
}

/// Writes the corpus; returns the path of one paper to touch for the one-change rebuild.
fn generate(root: &Path, papers: usize) -> PathBuf {
    let dir = root.join("content/papers");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        root.join("sitegen.toml"),
        "title = \"Benchmark list\"\ndescription = \"Generated.\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let pool: Vec<String> = (0..3300).map(|_| name(&mut rng)).collect();
    let keywords: Vec<String> = (0..100).map(|i| format!("topic {i:02}")).collect();
    let zipf = Zipf::new(&mut rng);
    let venues = [
        "ICML",
        "NeurIPS",
        "ICLR",
        "arXiv e-Print archive",
        "JMLR",
        "AAAI",
    ];
    let mut unique = 0;
    let mut keys = Vec::new();
    let mut first = PathBuf::new();
    for i in 0..papers {
        let n_authors = 2 + rng.below(6); // 2..=7, mean 4.5; plus a co-author sometimes
        let mut authors: Vec<&str> = (0..n_authors)
            .map(|_| pool[rng.below(pool.len())].as_str())
            .collect();
        if rng.below(10) < 2 {
            authors.push(pool[rng.below(pool.len())].as_str());
        }
        authors.sort_unstable();
        authors.dedup();
        let year = 2000 + rng.below(26);
        let title = format!(
            "{} {} {} number {i}",
            zipf.word(&mut rng, 100),
            zipf.word(&mut rng, 100),
            zipf.word(&mut rng, 100)
        );
        let mut kws: Vec<&str> = (0..5).map(|_| keywords[rng.below(100)].as_str()).collect();
        kws.sort_unstable();
        kws.dedup();
        let key = format!("Bench{i}");
        let venue = venues[rng.below(venues.len())];
        let mut text = String::new();
        let yaml = rng.below(5) == 0;
        front_matter(&mut text, yaml, (&title, &authors, venue, year, &kws, &key));
        text.push_str(&summary(&mut rng, &zipf, &mut unique, i, &keys));
        keys.push(key);
        let path = dir.join(format!("paper-{i:05}.md"));
        std::fs::write(&path, text).unwrap();
        if i == 0 {
            first = path;
        }
    }
    first
}

struct Measure {
    wall: f64,
    cpu: f64,
    peak_mib: f64,
    summary: String,
}

/// Runs `sitegen build` in a child process and reads its resource usage from `wait4`.
// The child is reaped by `wait4` (std's `wait` would not report its resource usage).
#[allow(clippy::zombie_processes)]
fn run_build(root: &Path, engine: &str) -> Measure {
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_sitegen"))
        .arg("build")
        .arg("--math-engine")
        .arg(engine)
        .arg("--root")
        .arg(root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run sitegen");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data, zero-initialised is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    assert_eq!(rc, pid, "wait4 failed");
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout {
        use std::io::Read;
        stdout.read_to_string(&mut out).ok();
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measure {
        wall,
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        summary: out.trim().to_owned(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn report(label: &str, runs: &[Measure]) {
    println!(
        "  {label:<22} wall {:>7.3} s   cpu {:>7.3} s   peak {:>7.1} MiB   ({} runs; last: {})",
        median(runs.iter().map(|m| m.wall).collect()),
        median(runs.iter().map(|m| m.cpu).collect()),
        median(runs.iter().map(|m| m.peak_mib).collect()),
        runs.len(),
        runs.last().map_or("", |m| m.summary.as_str()),
    );
}

fn main() {
    let mut sizes = Vec::new();
    let mut runs = 5;
    let mut base = PathBuf::from("/dev/shm");
    let mut generate_only: Option<PathBuf> = None;
    let mut engine = "katex".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--papers" => sizes.push(
                args.next()
                    .and_then(|v| v.parse().ok())
                    .expect("--papers N"),
            ),
            "--math-engine" => engine = args.next().expect("--math-engine katex|katex-rs"),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs R"),
            "--dir" => base = PathBuf::from(args.next().expect("--dir PATH")),
            // Leaves a corpus for other tools (e.g. examples/serve_latency.rs) and stops.
            "--generate-only" => {
                generate_only = Some(PathBuf::from(args.next().expect("--generate-only DIR")))
            }
            _ => {} // cargo bench passes --bench
        }
    }
    if sizes.is_empty() {
        sizes = vec![1_000, 10_000];
    }
    if let Some(dir) = generate_only {
        generate(&dir, sizes[0]);
        println!("generated {} papers in {}", sizes[0], dir.display());
        return;
    }
    for papers in sizes {
        let root = base.join(format!("sitegen-bench-{papers}"));
        let _ = std::fs::remove_dir_all(&root);
        let t = Instant::now();
        let touched = generate(&root, papers);
        println!(
            "{papers} papers, math engine {engine} (generated in {:.2} s, {})",
            t.elapsed().as_secs_f64(),
            root.display()
        );
        let cache = root.join(".sitegen-cache");
        let cold = |label| {
            let runs: Vec<Measure> = (0..runs)
                .map(|_| {
                    let _ = std::fs::remove_dir_all(&cache);
                    run_build(&root, &engine)
                })
                .collect();
            report(label, &runs);
        };
        cold("cold (no cache)");
        // The same without Pagefind's indexing, which is most of a first build of a long list.
        let config = root.join("sitegen.toml");
        let with_search = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            format!("{with_search}\n[search]\nenabled = false\n"),
        )
        .unwrap();
        cold("cold, search off");
        std::fs::write(&config, with_search).unwrap();
        // Fills the cache again, search index included, for the warm builds.
        let _ = std::fs::remove_dir_all(&cache);
        run_build(&root, &engine);
        let warm: Vec<Measure> = (0..runs).map(|_| run_build(&root, &engine)).collect();
        report("warm (cache filled)", &warm);
        let changed: Vec<Measure> = (0..runs)
            .map(|n| {
                let mut text = std::fs::read_to_string(&touched).unwrap();
                text.push_str(&format!("\nEdited {n}: $\\omega_{{{n}}} + \\zeta$.\n"));
                std::fs::write(&touched, text).unwrap();
                run_build(&root, &engine)
            })
            .collect();
        report("one paper changed", &changed);
        let _ = std::fs::remove_dir_all(&root);
    }
}
