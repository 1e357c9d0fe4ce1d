//! `minerva generate`: synthetic logs for benchmarks, the demo and tests.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use clap::Args;
use minerva_generator::{GenerateOptions, LogKind, generate, parse_size, parse_span, parse_start};

/// Flags of `minerva generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Total uncompressed size, e.g. 200MB, 1GB.
    #[arg(long, default_value = "100MB")]
    size: String,
    /// Time span covered by the logs, e.g. 24h, 7d.
    #[arg(long, default_value = "24h")]
    span: String,
    /// Start of the span (RFC 3339).
    #[arg(long, default_value = "2024-01-01T00:00:00Z")]
    start: String,
    /// Random seed: the same flags always give the same bytes.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Files written per log kind.
    #[arg(long, default_value_t = 4)]
    files_per_kind: usize,
    /// Kinds to write (comma-separated): cloudtrail, vpcflow, sshd, web, windows.
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// Gzip the files.
    #[arg(long)]
    gzip: bool,
}

/// Runs the command.
pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let defaults = GenerateOptions::default();
    let kinds = if args.kinds.is_empty() {
        defaults.kinds.clone()
    } else {
        args.kinds
            .iter()
            .map(|k| LogKind::from_str(k))
            .collect::<Result<Vec<_>, _>>()?
    };
    let options = GenerateOptions {
        out_dir: args.out.clone(),
        total_bytes: parse_size(&args.size)?,
        start: parse_start(&args.start)?,
        span: parse_span(&args.span)?,
        seed: args.seed,
        files_per_kind: args.files_per_kind,
        gzip: args.gzip,
        kinds,
    };
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let mut last_report = Instant::now();
    let manifest = generate(&options, &mut |written| {
        if tty && last_report.elapsed().as_millis() >= 500 {
            last_report = Instant::now();
            eprint!("\r{:.0} MB written", written as f64 / 1e6);
        }
    })?;
    if tty {
        eprintln!();
    }
    eprintln!(
        "generated {} files ({:.1} MB, {} lines) in {} in {:.1} s; {} needles in {}/manifest.json",
        manifest.files.len(),
        manifest.total_bytes as f64 / 1e6,
        manifest.total_lines,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        manifest.needles.len(),
        args.out.display(),
    );
    Ok(ExitCode::SUCCESS)
}
