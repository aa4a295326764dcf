//! Math benchmark: generates a reading list of N papers with about 8 math spans each
//! (deterministic, seeded PRNG) under /dev/shm, then times a cold build (empty render cache)
//! and a warm rebuild, printing the math counts of each. It checks nothing; tests do.
//!
//! `cargo bench --bench math -- 1000 10000` (default: 1000). Set `SITEGEN_BENCH_KEEP=1` to keep
//! the generated site (e.g. for the parity check's `SITEGEN_PARITY_ROOT`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// xorshift64*: deterministic and dependency-free.
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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const GREEK: &[&str] = &[
    "\\alpha",
    "\\beta",
    "\\gamma",
    "\\theta",
    "\\lambda",
    "\\mu",
    "\\sigma",
    "\\pi",
    "\\eta",
    "\\epsilon",
    "x",
    "y",
    "z",
    "w",
    "W",
    "h",
];
const COMMON: &[&str] = &[
    "\\theta",
    "x_t",
    "\\mathbb{E}[x]",
    "\\nabla_\\theta J(\\theta)",
    "p(x|z)",
    "O(n \\log n)",
    "\\mathcal{L}",
    "W^\\top x + b",
];
const WORDS: &[&str] = &[
    "the",
    "model",
    "learns",
    "a",
    "policy",
    "with",
    "gradient",
    "updates",
    "and",
    "shows",
    "that",
    "training",
    "converges",
    "faster",
    "on",
    "large",
    "datasets",
    "of",
    "images",
];

fn term(rng: &mut Rng) -> String {
    let v = rng.pick(GREEK);
    let i = rng.below(100);
    match rng.below(6) {
        0 => format!("{v}_{{{i}}}"),
        1 => format!("{v}^{{{}}}", i % 7 + 2),
        2 => format!("\\frac{{{v}}}{{{}}}", i + 1),
        3 => format!("\\sqrt{{{v} + {i}}}"),
        4 => format!("\\hat{{{v}}}_{{t-{i}}}"),
        _ => format!("\\log {v}_{i}"),
    }
}

fn expression(rng: &mut Rng, display: bool) -> String {
    if !display && rng.below(5) == 0 {
        // Some expressions recur across papers, as `$\theta$` does in real summaries.
        return rng.pick(COMMON).to_owned();
    }
    let n = if display { 4 } else { 2 };
    let mut tex = (0..n)
        .map(|_| term(rng))
        .collect::<Vec<_>>()
        .join(if rng.below(2) == 0 { " + " } else { " \\cdot " });
    if display {
        tex = format!(
            "\\sum_{{i=1}}^{{{}}} {tex} = \\int_0^1 f(t)\\,dt",
            rng.below(50) + 1
        );
    }
    tex
}

fn sentence(rng: &mut Rng) -> String {
    (0..8 + rng.below(8))
        .map(|_| rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

fn generate(root: &Path, papers: usize, dist: Option<&Path>) {
    let dir = root.join("content/papers");
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = "title = \"Bench\"\nbase_url = \"/\"\n[math]\n".to_owned();
    config.push_str("macros = { \"\\\\R\" = \"\\\\mathbb{R}\" }\n");
    if let Some(dist) = dist {
        let _ = writeln!(config, "katex_dist = \"{}\"", dist.display());
    }
    std::fs::write(root.join("sitegen.toml"), config).unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for i in 0..papers {
        let mut body = String::new();
        // ~8 spans: 6 inline in two paragraphs, 2 display.
        for _ in 0..2 {
            for _ in 0..3 {
                let _ = write!(
                    body,
                    "{} ${}$ ",
                    sentence(&mut rng),
                    expression(&mut rng, false)
                );
            }
            let _ = write!(body, "\n\n$$\n{}\n$$\n\n", expression(&mut rng, true));
        }
        let text = format!(
            "+++\ntitle = \"Paper {i}\"\nauthors = [\"Author{a}, Ann\", \"Writer{b}, Bo\"]\n\
             year = {}\nkeywords = [\"topic{}\"]\n+++\n{body}",
            2000 + i % 25,
            i % 40,
            a = i,
            b = i % 300,
        );
        std::fs::write(dir.join(format!("paper-{i}.md")), text).unwrap();
    }
}

fn run(papers: usize) {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let root = base.join(format!(
        "sitegen-bench-math-{}-{papers}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/katex/dist");
    generate(&root, papers, dist.is_dir().then_some(dist.as_path()));
    let opts = sitegen::BuildOptions {
        root: root.clone(),
        ..Default::default()
    };
    for phase in ["cold", "warm"] {
        let start = Instant::now();
        let report = sitegen::build(&opts).expect("bench build");
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{papers} papers, {phase}: {secs:.2} s ({} pages, {} files, math: rendered {}, cached {}, \
             {} diagnostics)",
            report.pages,
            report.files,
            report.math_rendered,
            report.math_cached,
            report.diagnostics.len()
        );
    }
    if std::env::var_os("SITEGEN_BENCH_KEEP").is_some() {
        println!("kept {}", root.display());
    } else {
        let _ = std::fs::remove_dir_all(&root);
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let threads = rayon::current_num_threads();
    println!("math bench: {threads} threads");
    for papers in if sizes.is_empty() { vec![1000] } else { sizes } {
        run(papers);
    }
}
