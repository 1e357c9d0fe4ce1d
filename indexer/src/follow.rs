//! Following a folder into an index (`minerva serve --watch`): each step lists the folder,
//! plans the new bytes ([`TailPlanner`]), indexes them and records them in the [`Ledger`], so a
//! restarted follower continues every file where the last one stopped.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minerva_store::DataStore;

use crate::config::IndexerConfig;
use crate::error::IndexError;
use crate::input::{Input, InputKind, list_inputs};
use crate::ledger::{Ingest, Ledger, Replace};
use crate::progress::Progress;
use crate::report::IndexReport;
use crate::run::index_inputs;
use crate::watch::TailPlanner;

/// Follows one folder into one data location.
#[derive(Debug)]
pub struct Follower {
    specs: [String; 1],
    skip: Option<PathBuf>,
    data: DataStore,
    ledger: Ledger,
    config: IndexerConfig,
    planner: TailPlanner,
}

impl Follower {
    /// Follows `dir` into `data`, never reading inside `skip` (the data folder itself).
    pub fn new(dir: &Path, data: DataStore, skip: Option<PathBuf>, config: IndexerConfig) -> Self {
        Follower {
            specs: [dir.display().to_string()],
            skip,
            ledger: Ledger::new(data.clone()),
            data,
            config,
            planner: TailPlanner::default(),
        }
    }

    /// The planner, e.g. to shorten its settle time in tests.
    pub fn planner_mut(&mut self) -> &mut TailPlanner {
        &mut self.planner
    }

    /// Lists the folder once and indexes what is new. Returns `None` when there was nothing to
    /// do. An object that fails is retried from its last recorded position at the next step.
    pub async fn step(&mut self) -> Result<Option<IndexReport>, IndexError> {
        let listed = list_inputs(&self.specs, &self.config, self.skip.as_deref()).await?;
        // A file seen for the first time by this process continues from the ledger.
        for input in &listed {
            if let InputKind::Local(path) = &input.kind
                && !self.planner.is_tracked(path)
                && let Some(tail) = self.ledger.load(&input.object.uri).await?.tail
            {
                self.planner.resume(path, tail);
            }
        }
        let mut planned = Vec::new();
        for input in self.planner.plan(listed) {
            // Whole files (gzip) indexed before a restart are not indexed again.
            let entry = self.ledger.load(&input.object.uri).await?;
            if !entry.is_indexed(input.object.id.as_str()) {
                planned.push(input);
            }
        }
        if planned.is_empty() {
            return Ok(None);
        }
        let report = index_inputs(
            &self.data,
            planned.clone(),
            &self.config,
            Arc::new(Progress::default()),
        )
        .await?;
        for (input, object) in planned.iter().zip(&report.objects) {
            let Some(path) = input.local_path() else {
                continue;
            };
            if let Some(error) = &object.error {
                tracing::warn!(uri = %object.uri, %error, "indexing failed; will retry");
                self.planner.forget(&path);
                continue;
            }
            self.record(input, &path, object).await?;
        }
        Ok(Some(report))
    }

    async fn record(
        &mut self,
        input: &Input,
        path: &Path,
        object: &crate::report::ObjectReport,
    ) -> Result<(), IndexError> {
        let tail = self.planner.tail(path);
        let version = format!("inode:{}", tail.map_or(0, |t| t.file_key));
        let (range, replace) = match &input.kind {
            InputKind::LocalRange { start, end, .. } => ((*start, *end), Replace::SameObject),
            _ => ((0, input.size), Replace::Source),
        };
        let ingest = Ingest::from_report(
            &input.object.id,
            &version,
            range,
            input.object.first_seq,
            object,
        );
        let committed = self
            .ledger
            .commit(&input.object.uri, ingest, replace, tail)
            .await;
        if let Err(error) = committed {
            // The files are written; without the entry a restart indexes this range again.
            tracing::warn!(uri = %object.uri, %error, "cannot record the ingest");
        }
        Ok(())
    }
}
