//! `minerva index`: index local files/folders or S3 objects/prefixes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use minerva_indexer::{IndexerConfig, Progress, SourceOverrides, index_inputs, list_inputs};
use minerva_store::{DataStore, Location};

use crate::output::{ProgressBar, print_summary, write_json_report};

/// Flags of `minerva index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Where the index lives: a local folder or s3://bucket/prefix.
    #[arg(long, env = "MINERVA_DATA", default_value = "./minerva-data")]
    data: String,
    /// TOML file with per-source settings (see README).
    #[arg(long, env = "MINERVA_CONFIG")]
    config: Option<PathBuf>,
    /// Tag (log type) for every input, overriding the config file.
    #[arg(long)]
    tag: Option<String>,
    /// Record format: auto, json, text, csv, tsv, w3c, vpcflow.
    #[arg(long)]
    format: Option<String>,
    /// Field (JSON path or column) that holds each record's time.
    #[arg(long)]
    timestamp_field: Option<String>,
    /// How the time is written: auto, rfc3339, epoch_s, epoch_ms, epoch_us, epoch_ns or a
    /// strftime pattern such as "%d/%b/%Y:%H:%M:%S %z".
    #[arg(long)]
    timestamp_format: Option<String>,
    /// Objects indexed at once (default: number of cores).
    #[arg(long)]
    parallelism: Option<usize>,
    /// Memory for buffered rows across all workers, in MiB.
    #[arg(long)]
    memory_budget_mb: Option<usize>,
    /// Skip inputs whose path matches this glob (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// Write a JSON report of the run to this file.
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Do not show a progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Files, folders (indexed recursively) or s3://bucket/key-or-prefix.
    #[arg(required = true)]
    inputs: Vec<String>,
}

fn build_config(args: &IndexArgs) -> anyhow::Result<IndexerConfig> {
    let mut config = IndexerConfig::default();
    if let Some(path) = &args.config {
        config.apply_file(path)?;
    }
    if let Some(n) = args.parallelism {
        config.set_parallelism(n)?;
    }
    if let Some(mb) = args.memory_budget_mb {
        config.set_memory_budget_mb(mb)?;
    }
    for pattern in &args.exclude {
        config.add_exclude(pattern)?;
    }
    config.cli_overrides = SourceOverrides::parse(
        args.tag.clone(),
        args.format.as_deref(),
        args.timestamp_field.clone(),
        args.timestamp_format.as_deref(),
    )?;
    Ok(config)
}

/// Runs the command; exit code 0 when every input was indexed, 1 when some failed.
pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let config = build_config(&args)?;
    let location = Location::parse(&args.data)?;
    let data = DataStore::open(&location)?;
    let skip_dir = match &location {
        Location::Local(path) => Some(path.clone()),
        Location::S3 { .. } => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(config.parallelism + 4)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let progress = Arc::new(Progress::default());
    let report = runtime.block_on(async {
        let inputs = list_inputs(&args.inputs, &config, skip_dir.as_deref()).await?;
        let bar = ProgressBar::start(progress.clone(), args.quiet);
        let report = index_inputs(&data, inputs, &config, progress.clone()).await;
        bar.finish();
        anyhow::Ok(report?)
    })?;
    print_summary(&report, &data.display);
    if let Some(path) = &args.report_json {
        write_json_report(&report, path)?;
    }
    Ok(if report.failed().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
