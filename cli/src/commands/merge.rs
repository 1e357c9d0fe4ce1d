//! `minerva merge`: compact the small files of hourly partitions into few large sorted ones.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use minerva_core::layout::Hour;
use minerva_merger::{HourSelection, MergeConfig, MergeReport, MergedLayout, merge};
use minerva_store::{DataStore, Location};

/// Flags of `minerva merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Where the index lives: a local folder or s3://bucket/prefix.
    #[arg(long, env = "MINERVA_DATA", default_value = "./minerva-data")]
    data: String,
    /// Merge only this hour (YYYY-MM-DD-HH, UTC).
    #[arg(long, conflicts_with = "all")]
    hour: Option<String>,
    /// Merge every hour, the current one included (default: every hour before the current one).
    #[arg(long)]
    all: bool,
    /// Target size of a merged file (e.g. 512MB, 1GiB).
    #[arg(long, default_value = "512MB", value_parser = parse_size)]
    target_size: u64,
    /// Most files merged at once; more are merged in rounds.
    #[arg(long, default_value_t = 256)]
    max_fan_in: usize,
    /// Most bytes of input row groups held in memory by one merge.
    #[arg(long, default_value = "192MiB", value_parser = parse_size)]
    read_budget: u64,
    /// Seconds after which a part left by a stopped merge (no commit marker) is deleted. Keep it
    /// longer than the longest merge when runs may overlap: a younger part may be in progress.
    #[arg(long, default_value_t = 3600)]
    orphan_grace_secs: u64,
    /// Write a JSON report of the run to this file.
    #[arg(long)]
    report_json: Option<PathBuf>,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Test hook: stop the process (exit 70) when the merge reaches this step.
    #[arg(long, env = "MINERVA_MERGE_FAILPOINT", hide = true)]
    failpoint: Option<String>,
}

/// Layout of merged files, for measurements (hidden; the defaults were chosen by measuring).
#[derive(Debug, Args)]
pub struct LayoutArgs {
    #[arg(long, hide = true)]
    indices_row_group_rows: Option<usize>,
    #[arg(long, hide = true)]
    indices_page_rows: Option<usize>,
    /// 0 for no bloom filter.
    #[arg(long, hide = true)]
    indices_bloom_ndv: Option<u64>,
    #[arg(long, hide = true)]
    messages_row_group_rows: Option<usize>,
    #[arg(long, hide = true)]
    messages_page_rows: Option<usize>,
    #[arg(long, hide = true, value_parser = clap::value_parser!(i32).range(1..=22))]
    messages_zstd_level: Option<i32>,
}

fn parse_size(text: &str) -> Result<u64, String> {
    minerva_generator::parse_size(text).map_err(|e| e.to_string())
}

impl LayoutArgs {
    fn layout(&self) -> MergedLayout {
        let mut layout = MergedLayout::default();
        if let Some(n) = self.indices_row_group_rows {
            layout.indices_row_group_rows = n;
        }
        if let Some(n) = self.indices_page_rows {
            layout.indices_page_rows = n;
        }
        if let Some(n) = self.indices_bloom_ndv {
            layout.indices_bloom_ndv = (n > 0).then_some(n);
        }
        if let Some(n) = self.messages_row_group_rows {
            layout.messages_row_group_rows = n;
        }
        if let Some(n) = self.messages_page_rows {
            layout.messages_page_rows = n;
        }
        if let Some(level) = self.messages_zstd_level {
            layout.messages_zstd_level = level;
        }
        layout
    }
}

/// The merge settings given by the flags.
pub fn build_config(args: &MergeArgs) -> MergeConfig {
    let failpoint = args.failpoint.clone().map(|at| {
        let hook: minerva_merger::Failpoint = Arc::new(move |step: &str| {
            if step == at {
                eprintln!("minerva merge: stopped at failpoint {step}");
                std::process::exit(70);
            }
        });
        hook
    });
    MergeConfig {
        target_size: args.target_size,
        max_fan_in: args.max_fan_in,
        read_budget: args.read_budget,
        orphan_grace: Duration::from_secs(args.orphan_grace_secs),
        layout: args.layout.layout(),
        failpoint,
        deadline: None,
    }
}

/// Runs the merge and prints a summary.
pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    crate::output::init_logging("warn");
    let selection = match (&args.hour, args.all) {
        (Some(text), _) => HourSelection::One(
            Hour::parse_dt(text)
                .with_context(|| format!("--hour {text:?}: expected YYYY-MM-DD-HH"))?,
        ),
        (None, true) => HourSelection::All,
        (None, false) => HourSelection::ended(),
    };
    let config = build_config(&args);
    config.validate()?;
    let data = DataStore::open(&Location::parse(&args.data)?)?;
    // One thread: a merge is sequential, and memory freed on the thread that allocated it is
    // returned at once (across threads the allocator holds on to it: 225 vs 81 MB measured).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(merge(&data, selection, &config))?;
    print_report(&report);
    if let Some(path) = &args.report_json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &MergeReport) {
    let (files_before, files_after, bytes_before, bytes_after) = report.totals();
    let conflicts: usize = report.partitions.iter().map(|p| p.conflicts).sum();
    println!(
        "merged {} partitions ({} changed, {} merges): {files_before} -> {files_after} files, \
         {:.1} MB -> {:.1} MB, in {:.1} s{}",
        report.partitions.len(),
        report.changed(),
        report.merges(),
        bytes_before as f64 / 1e6,
        bytes_after as f64 / 1e6,
        report.elapsed_ms as f64 / 1e3,
        if conflicts > 0 {
            format!("; {conflicts} merges skipped (inputs taken by another run)")
        } else {
            String::new()
        }
    );
}
