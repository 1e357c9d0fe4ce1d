//! The `minerva` command: index, merge, search, serve and generate.

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Schema-agnostic keyword search over security logs kept in object storage.
#[derive(Debug, Parser)]
#[command(name = "minerva", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index log files or objects into Parquet `indices` and `messages` tables.
    Index(commands::index::IndexArgs),
    /// Merge the small files of hourly partitions into few large sorted ones.
    Merge(commands::merge::MergeArgs),
    /// Search the index: exit 0 with hits, 1 without, 2 on error.
    Search(commands::search::SearchArgs),
    /// Serve the search API and web UI (and optionally index a folder as files land).
    Serve(commands::serve::ServeArgs),
    /// Write deterministic synthetic security logs with planted needles.
    Generate(commands::generate::GenerateArgs),
    /// Amazon Athena: print or create the tables (partition projection, no partitioner).
    #[command(subcommand)]
    Athena(commands::athena::AthenaCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Index(args) => commands::index::run(args),
        Command::Merge(args) => commands::merge::run(args),
        Command::Search(args) => commands::search::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Generate(args) => commands::generate::run(args),
        Command::Athena(command) => commands::athena::run(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
