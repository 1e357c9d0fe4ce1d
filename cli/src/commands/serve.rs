//! `minerva serve`: the search API and web UI on one socket, optionally following a folder
//! of log files (`--watch`) so that new lines are searchable within seconds, and merging
//! the small files of past hours every hour.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use minerva_indexer::{Follower, IndexerConfig};
use minerva_merger::{HourSelection, MergeConfig, merge};
use minerva_search::EmbeddedLimits;
use minerva_search_api::{ApiConfig, ApiLimits, ApiToken, AppState, router};
use minerva_store::{DataStore, Location};

use super::engine::{EngineArgs, EngineName};

/// Flags of `minerva serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Engine and index location.
    #[command(flatten)]
    engine: EngineArgs,
    /// Address to listen on. Anything but loopback needs a token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Bearer token required on /api/v1 (at least 16 characters). Prefer the environment
    /// variable: a flag is visible to other users in the process list.
    #[arg(long, env = "MINERVA_API_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Follow this folder: index files that appear or grow (local folders only).
    #[arg(long)]
    watch: Option<PathBuf>,
    /// How often the watched folder is scanned, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    watch_interval_ms: u64,
    /// Searches running at once (default: number of cores); more wait in a queue.
    #[arg(long)]
    max_running: Option<usize>,
    /// Minutes a finished search stays readable.
    #[arg(long, default_value_t = 60)]
    search_ttl_minutes: u64,
    /// Longest time range one search may cover, in days (lower it where bytes cost money).
    #[arg(long, default_value_t = 36_525)]
    max_range_days: u64,
    /// Merge the small files of past hours every this many minutes (0: never); the first
    /// merge runs one interval after start.
    #[arg(long, default_value_t = 60)]
    merge_every_minutes: u64,
}

/// Runs the server until Ctrl-C.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    crate::output::init_logging("info");
    let token = args
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(ApiToken::new)
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    anyhow::ensure!(
        args.listen.ip().is_loopback() || token.is_some(),
        "refusing to listen on {} without a token: set MINERVA_API_TOKEN (or --token)",
        args.listen.ip()
    );
    let athena = args.engine.engine == EngineName::Athena;
    anyhow::ensure!(
        !(athena && args.watch.is_some()),
        "--watch indexes into a local folder: it does not combine with --engine athena"
    );
    let mut limits = EmbeddedLimits {
        ttl: Duration::from_secs(args.search_ttl_minutes.max(1) * 60),
        ..EmbeddedLimits::default()
    };
    if let Some(n) = args.max_running {
        anyhow::ensure!(n >= 1, "--max-running must be at least 1");
        limits.max_running = n;
    }
    anyhow::ensure!(
        args.max_range_days >= 1,
        "--max-range-days must be at least 1"
    );
    let api_limits = ApiLimits {
        max_range: Duration::from_secs(args.max_range_days * 86_400),
        ..ApiLimits::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let state = AppState {
            backend: args.engine.backend(limits).await?,
            config: Arc::new(ApiConfig {
                token,
                limits: api_limits,
            }),
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        let data = match athena {
            // Athena searches the team's tables; indexing and merging happen in AWS.
            true => None,
            false => Some(DataStore::open(&Location::parse(&args.engine.data)?)?),
        };
        if let (Some(dir), Some(data)) = (args.watch.clone(), &data) {
            let location = Location::parse(&args.engine.data)?;
            let interval = Duration::from_millis(args.watch_interval_ms.max(50));
            let skip = match &location {
                Location::Local(path) => Some(path.clone()),
                Location::S3 { .. } => None,
            };
            tokio::spawn(watch(dir, data.clone(), skip, interval));
        }
        if let (true, Some(data)) = (args.merge_every_minutes > 0, &data) {
            let every = Duration::from_secs(args.merge_every_minutes * 60);
            tokio::spawn(merge_hourly(data.clone(), every));
        }
        println!(
            "minerva: serving {} at http://{address}/",
            args.engine.describe()
        );
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Merges the partitions of past hours every `every`, until the process ends.
async fn merge_hourly(data: DataStore, every: Duration) {
    let config = MergeConfig::default();
    loop {
        tokio::time::sleep(every).await;
        match merge(&data, HourSelection::ended(), &config).await {
            Ok(report) => {
                let (before, after, _, _) = report.totals();
                tracing::info!(
                    partitions = report.partitions.len(),
                    merges = report.merges(),
                    files_before = before,
                    files_after = after,
                    elapsed_ms = report.elapsed_ms,
                    "merged"
                );
            }
            Err(error) => tracing::warn!(%error, "merging failed; will retry next time"),
        }
    }
}

/// Indexes what lands in `dir`, every `interval`, until the process ends; the ingest ledger
/// lets a restarted server continue each file where the last one stopped.
async fn watch(dir: PathBuf, data: DataStore, skip: Option<PathBuf>, interval: Duration) {
    let mut follower = Follower::new(&dir, data, skip, IndexerConfig::default());
    tracing::info!(dir = %dir.display(), "watching for new and appended log files");
    loop {
        let started = Instant::now();
        match follower.step().await {
            Ok(Some(report)) => tracing::info!(
                objects = report.objects.len(),
                records = report.records(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "indexed watched files"
            ),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "indexing watched files failed; will retry"),
        }
        tokio::time::sleep(interval).await;
    }
}
