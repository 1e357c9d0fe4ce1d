//! `minerva athena ddl|setup`: the Glue tables over the index, with partition projection on
//! `dt`, generated from the schema in core (so they cannot drift from the files).

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use minerva_core::sql::ddl::{DataLocation, athena_ddl};
use minerva_search::athena::AthenaEngine;
use minerva_search::sql_engine::SqlEngine;

use super::engine::AthenaArgs;

/// The `athena` subcommands.
#[derive(Debug, Subcommand)]
pub enum AthenaCommand {
    /// Print the CREATE statements (database, `indices`, `messages`).
    Ddl(DdlArgs),
    /// Run the CREATE statements on Athena (idempotent: IF NOT EXISTS).
    Setup(SetupArgs),
}

/// Flags of `minerva athena ddl`.
#[derive(Debug, Args)]
pub struct DdlArgs {
    /// The index location: s3://bucket/prefix.
    #[arg(long, env = "MINERVA_DATA")]
    data: String,
    /// Glue database of the tables.
    #[arg(long, env = "MINERVA_ATHENA_DATABASE", default_value = "minerva")]
    database: String,
}

/// Flags of `minerva athena setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The index location: s3://bucket/prefix.
    #[arg(long, env = "MINERVA_DATA")]
    data: String,
    /// Athena settings (the database is created if missing).
    #[command(flatten)]
    athena: AthenaArgs,
}

/// Runs the command.
pub fn run(command: AthenaCommand) -> anyhow::Result<ExitCode> {
    match command {
        AthenaCommand::Ddl(args) => {
            let location = DataLocation::parse(&args.data)?;
            for statement in athena_ddl(&args.database, &location)? {
                println!("{statement};\n");
            }
            Ok(ExitCode::SUCCESS)
        }
        AthenaCommand::Setup(args) => {
            let location = DataLocation::parse(&args.data)?;
            let database = args.athena.athena_database.clone();
            let statements = athena_ddl(&database, &location)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(async {
                // The database does not exist before the first statement: run that one in
                // Athena's `default` database.
                let bootstrap =
                    AthenaEngine::from_env(args.athena.config(Some("default"))?).await?;
                let engine = AthenaEngine::from_env(args.athena.config(None)?).await?;
                for (i, statement) in statements.iter().enumerate() {
                    let target = if i == 0 { &bootstrap } else { &engine };
                    target
                        .query(statement)
                        .await
                        .with_context(|| format!("running {}", first_line(statement)))?;
                    eprintln!("ok: {}", first_line(statement));
                }
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn first_line(statement: &str) -> &str {
    statement.lines().next().unwrap_or(statement)
}
