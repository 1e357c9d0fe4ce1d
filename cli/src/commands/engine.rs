//! Engine flags shared by `minerva search` and `minerva serve`: which backend answers, and
//! the Athena settings (flags or `MINERVA_*` environment; credentials and region from the
//! usual `AWS_*` chain, `AWS_ENDPOINT_URL_ATHENA` for a stand-in), read once and validated.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use minerva_search::athena::{AthenaBackend, AthenaConfig, AthenaEngine};
use minerva_search::{EmbeddedBackend, EmbeddedLimits, SearchBackend};
use minerva_store::{DataStore, Location};

/// The engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineName {
    /// DataFusion in this process, over the Parquet files at --data.
    Embedded,
    /// Amazon Athena, over the Glue tables of --athena-database.
    Athena,
}

/// Flags that choose and configure the engine.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Where the index lives: a local folder or s3://bucket/prefix (Athena: optional, used for
    /// cost estimates).
    #[arg(long, env = "MINERVA_DATA", default_value = "./minerva-data")]
    pub data: String,
    /// Which engine runs the searches.
    #[arg(long, value_enum, env = "MINERVA_ENGINE", default_value_t = EngineName::Embedded)]
    pub engine: EngineName,
    /// Athena settings.
    #[command(flatten)]
    pub athena: AthenaArgs,
}

/// Athena settings.
#[derive(Debug, Args)]
pub struct AthenaArgs {
    /// Athena workgroup (its settings — output location, bytes-scanned cutoff — apply).
    #[arg(long, env = "MINERVA_ATHENA_WORKGROUP", default_value = "primary")]
    pub athena_workgroup: String,
    /// Glue database holding the `indices` and `messages` tables (`minerva athena setup`).
    #[arg(long, env = "MINERVA_ATHENA_DATABASE", default_value = "minerva")]
    pub athena_database: String,
    /// Where Athena writes results (s3://…/); default: the workgroup's output location.
    #[arg(long, env = "MINERVA_ATHENA_OUTPUT")]
    pub athena_output: Option<String>,
    /// Longest wait for one Athena statement, in seconds, before it is stopped.
    #[arg(long, env = "MINERVA_ATHENA_MAX_WAIT_SECS", default_value_t = 600)]
    pub athena_max_wait_secs: u64,
}

impl AthenaArgs {
    /// The validated Athena settings (`database` overrides the flag).
    pub fn config(&self, database: Option<&str>) -> anyhow::Result<AthenaConfig> {
        Ok(AthenaConfig::try_new(
            &self.athena_workgroup,
            database.unwrap_or(&self.athena_database),
            self.athena_output.as_deref(),
            Duration::from_secs(self.athena_max_wait_secs),
        )?)
    }
}

impl EngineArgs {
    /// Opens the index location (for Athena only when it is on S3).
    fn data_store(&self) -> anyhow::Result<Option<DataStore>> {
        let location = Location::parse(&self.data)?;
        if self.engine == EngineName::Athena && matches!(location, Location::Local(_)) {
            return Ok(None);
        }
        Ok(Some(DataStore::open(&location)?))
    }

    /// The backend (call inside the async runtime).
    pub async fn backend(&self, limits: EmbeddedLimits) -> anyhow::Result<Arc<dyn SearchBackend>> {
        let data = self.data_store()?;
        Ok(match self.engine {
            EngineName::Embedded => {
                let data = data.context("the embedded engine needs --data")?;
                Arc::new(EmbeddedBackend::new(data, limits)?)
            }
            EngineName::Athena => {
                let engine = AthenaEngine::from_env(self.athena.config(None)?).await?;
                Arc::new(AthenaBackend::new(engine, data))
            }
        })
    }

    /// A backend that only renders statements (`--explain`): it calls nothing.
    pub fn explain_backend(&self) -> anyhow::Result<Arc<dyn SearchBackend>> {
        Ok(match self.engine {
            EngineName::Embedded => {
                let data = DataStore::open(&Location::parse(&self.data)?)?;
                Arc::new(EmbeddedBackend::new(data, EmbeddedLimits::default())?)
            }
            EngineName::Athena => {
                let engine = AthenaEngine::offline(self.athena.config(None)?)?;
                Arc::new(AthenaBackend::new(engine, None))
            }
        })
    }

    /// Where the searches run, for messages.
    pub fn describe(&self) -> String {
        match self.engine {
            EngineName::Embedded => self.data.clone(),
            EngineName::Athena => format!(
                "Athena workgroup {} database {}",
                self.athena.athena_workgroup, self.athena.athena_database
            ),
        }
    }
}
