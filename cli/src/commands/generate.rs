//! `minerva generate`: synthetic logs for benchmarks, the demo and tests.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

/// Flags of `minerva generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the command.
pub fn run(_args: GenerateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not wired yet")
}
