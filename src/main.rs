//! The `sitegen` binary: parses the command line, runs the library, prints diagnostics and maps
//! the outcome to an exit code (0 ok, 1 content errors, 2 internal or I/O failure).

use std::process::ExitCode;

use clap::Parser;
use sitegen::BuildOptions;
use sitegen::cli::{Cli, Command};
use sitegen::import::{ImportOptions, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Build(args) => build(args),
        Command::Import(args) => import(args),
        Command::Check(args) => check(args),
        Command::New(args) => new(args),
        Command::Init(args) => match sitegen::scaffold::init(&args.dir, &args.title) {
            Ok(files) => {
                for file in files {
                    println!("created {}", args.dir.join(file).display());
                }
                println!("\n{}", sitegen::scaffold::next_steps(&args.dir));
                Ok(ExitCode::SUCCESS)
            }
            Err(sitegen::scaffold::InitError::Io(e)) => Err(e.into()),
            Err(e) => {
                eprintln!("error: {e}");
                Ok(ExitCode::from(1))
            }
        },
        Command::Serve(args) => serve(args),
    }
}

/// `sitegen build`: the one-line summary, or why nothing was written.
fn build(args: sitegen::cli::BuildArgs) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: args.root.root,
        out: args.out.clone(),
        base_url: args.base_url.clone(),
        drafts: args.drafts,
        strict: args.strict,
        math_engine: args.math_engine,
    };
    let Some(report) = print_findings(sitegen::build(&opts))? else {
        return Ok(ExitCode::from(1));
    };
    let problems = match (report.errors(), report.warnings()) {
        (0, 0) => String::new(),
        (e, w) => format!("; {e} error{}, {w} warning{}", plural(e), plural(w)),
    };
    if args.timings {
        for (stage, time) in &report.timings.0 {
            eprintln!("{stage:>22}: {:8.1} ms", time.as_secs_f64() * 1000.0);
        }
    }
    if report.written {
        println!(
            "built {} papers, {} pages ({} files) into {} in {:.2} s \
             (math: rendered {}, cached {}){problems}",
            report.papers,
            report.pages,
            report.files,
            opts.out_dir().display(),
            report.elapsed.as_secs_f64(),
            report.math_rendered,
            report.math_cached
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "build failed{problems}; {} was left untouched",
            opts.out_dir().display()
        );
        Ok(ExitCode::from(1))
    }
}

/// `sitegen import`: a line per file, then the counts.
fn import(args: sitegen::cli::ImportArgs) -> anyhow::Result<ExitCode> {
    let opts = ImportOptions {
        dry_run: args.dry_run,
        force: args.force,
    };
    let report = sitegen::import::import(&args.root.root, &args.files, &opts)?;
    for d in &report.diagnostics {
        eprintln!("{d}");
    }
    let mut counts = [0usize; 4];
    for (path, outcome) in &report.files {
        let (i, word) = match outcome {
            Outcome::Created => (0, "created".to_owned()),
            Outcome::Updated => (1, "updated".to_owned()),
            Outcome::Unchanged => (2, "unchanged".to_owned()),
            Outcome::Skipped(why) => (3, format!("skipped ({why})")),
        };
        counts[i] += 1;
        println!("{word:>9} {}", path.display());
    }
    let dry = if opts.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    println!(
        "{} created, {} updated, {} unchanged, {} skipped{dry}",
        counts[0], counts[1], counts[2], counts[3]
    );
    let bad = report.diagnostics.iter().any(|d| d.is_error());
    Ok(ExitCode::from(if bad { 1 } else { 0 }))
}

/// `sitegen check`: findings, then the counts.
fn check(args: sitegen::cli::CheckArgs) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: args.root.root,
        strict: args.strict,
        base_url: args.base_url,
        drafts: args.drafts,
        math_engine: args.math_engine,
        ..BuildOptions::default()
    };
    let Some(report) = print_findings(sitegen::check(&opts))? else {
        return Ok(ExitCode::from(1));
    };
    println!(
        "checked {} papers, {} pages: {} error{}, {} warning{} ({:.2} s)",
        report.papers,
        report.pages,
        report.errors(),
        plural(report.errors()),
        report.warnings(),
        plural(report.warnings()),
        report.elapsed.as_secs_f64()
    );
    Ok(ExitCode::from(if report.errors() > 0 { 1 } else { 0 }))
}

/// `sitegen serve`: runs until Ctrl-C.
fn serve(args: sitegen::cli::ServeArgs) -> anyhow::Result<ExitCode> {
    // `localhost` is what people type; it means loopback here, never a DNS lookup.
    let bind_text = if args.bind == "localhost" {
        "127.0.0.1"
    } else {
        args.bind.as_str()
    };
    let bind: std::net::IpAddr = bind_text.parse().map_err(|_| {
        anyhow::anyhow!(
            "--bind {}: not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)",
            args.bind
        )
    })?;
    let opts = sitegen::serve::ServeOptions {
        port: args.port,
        bind,
        drafts: args.drafts,
        timings: args.timings,
        ..sitegen::serve::ServeOptions::new(args.root.root)
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(sitegen::serve::run(opts, args.open))?;
    Ok(ExitCode::SUCCESS)
}

/// `sitegen new`: the year comes from `--year`, else from the `--arxiv` identifier.
fn new(args: sitegen::cli::NewArgs) -> anyhow::Result<ExitCode> {
    let from_arxiv = args.arxiv.as_deref().map(sitegen::scaffold::arxiv_year);
    let year = match (args.year, from_arxiv) {
        (Some(year), _) => year,
        (None, Some(Some(year))) => year,
        _ => {
            eprintln!(
                "error: cannot tell the year from the arXiv identifier `{}`; pass --year",
                args.arxiv.unwrap_or_default()
            );
            return Ok(ExitCode::from(1));
        }
    };
    let url = args.url.or_else(|| {
        args.arxiv
            .as_deref()
            .filter(|id| !id.contains("arxiv.org/"))
            .map(|id| format!("https://arxiv.org/abs/{}", id.trim_start_matches("arXiv:")))
    });
    let front = sitegen::load::content::FrontMatter {
        title: args.title,
        authors: args.authors,
        venue: args.venue,
        year,
        keywords: args.keywords,
        key: None,
        aliases: Vec::new(),
        url,
        slug: None,
        draft: false,
        ..Default::default()
    };
    match sitegen::scaffold::new_paper(&args.root.root, &front) {
        Ok(path) => {
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(sitegen::scaffold::NewError::Io(e)) => Err(e.into()),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Prints a build's diagnostics and notes. A broken template is the user's to fix, like a bad
/// front matter: it is printed and gives `None` (exit 1); other failures go up (exit 2).
fn print_findings(
    result: Result<sitegen::BuildReport, sitegen::Error>,
) -> anyhow::Result<Option<sitegen::BuildReport>> {
    let report = match result {
        Ok(report) => report,
        Err(sitegen::Error::Template(e)) => {
            eprintln!("error: {e}");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    for d in &report.diagnostics {
        eprintln!("{d}\n");
    }
    for note in &report.notes {
        eprintln!("warning: {note}\n");
    }
    Ok(Some(report))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

// Building a large list allocates millions of small strings across threads; mimalloc does that
// markedly faster than the system allocator (see the build benchmark).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
