//! The minerva merger: compacts the many small Parquet files the indexer writes into each hourly
//! partition into few large files, sorted so a needle search skips nearly all of them.
//!
//! `indices` files are merged in (term, field, object_id, seq) order and `messages` files in
//! (object_id, seq) order, by a streaming k-way merge of the already sorted inputs, into parts
//! of about [`MergeConfig::target_size`]. No database coordinates runs: every merge is
//! recorded in its outputs and in a commit marker (see [`manifest`]), and [`plan`] decides from
//! a listing alone what a run does, so that
//!
//! * inputs are deleted only after every part and the marker are durable;
//! * a run stopped at any step is completed by the next one;
//! * a second run right after the first does nothing;
//! * two runs on the same partition at once lose nothing (at worst they leave a duplicate
//!   group, deleted by the next run);
//! * late data in old hours is merged with the hour's small merged part;
//! * every merged `indices` group gets an hour sketch (`_s-{group}.sbbf1`, see
//!   `minerva_core::sketch`) of its terms, written after its parts and before its marker, so a
//!   search skips the hours that cannot hold its terms.
//!
//! While inputs and outputs both exist a record is stored twice; searches return each record
//! once because the index lookup is `SELECT DISTINCT` and the message fetch keeps one row per
//! (object_id, seq).
//!
//! The steps a run goes through are reported to [`MergeConfig::failpoint`], a test hook that
//! may stop the process there: `merge-start`, `part-open:N`, `part-written:N`, `sketch-written`,
//! `marker-written`, `input-deleted:N` and `cleanup-deleted:N`.

mod encode;
pub mod error;
mod kway;
pub mod manifest;
pub mod plan;
mod reader;
mod report;
mod rows;
mod run;
mod writer;

use std::sync::Arc;
use std::time::Duration;

pub use error::MergeError;
pub use minerva_core::schema::MergedLayout;
pub use report::{MergeReport, PartitionReport};
pub use run::{HourSelection, list_hours, merge, merge_partition};

/// A test hook called with the name of each step as a merge reaches it.
pub type Failpoint = Arc<dyn Fn(&str) + Send + Sync>;

/// How merges run.
#[derive(Clone)]
pub struct MergeConfig {
    /// Target size of a merged file, bytes.
    pub target_size: u64,
    /// Most files merged at once.
    pub max_fan_in: usize,
    /// Most bytes of input row groups one merge holds in memory.
    pub read_budget: u64,
    /// Age after which a part without a commit marker is deleted (a run that stopped).
    pub orphan_grace: Duration,
    /// Row-group and page sizes of merged files.
    pub layout: MergedLayout,
    /// Test hook, see the crate docs.
    pub failpoint: Option<Failpoint>,
    /// No merge batch starts after this instant (a Lambda's deadline minus a margin); the run
    /// stops cleanly between batches and the next run carries on (the merge is resumable).
    pub deadline: Option<std::time::Instant>,
}

/// Default [`MergeConfig::target_size`]: 512 MB.
pub const DEFAULT_TARGET_SIZE: u64 = 512_000_000;

impl Default for MergeConfig {
    fn default() -> Self {
        MergeConfig {
            target_size: DEFAULT_TARGET_SIZE,
            max_fan_in: 256,
            read_budget: 192 * 1024 * 1024,
            orphan_grace: Duration::from_secs(3600),
            layout: MergedLayout::default(),
            failpoint: None,
            deadline: None,
        }
    }
}

impl std::fmt::Debug for MergeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergeConfig")
            .field("target_size", &self.target_size)
            .field("max_fan_in", &self.max_fan_in)
            .field("read_budget", &self.read_budget)
            .field("orphan_grace", &self.orphan_grace)
            .field("layout", &self.layout)
            .field("failpoint", &self.failpoint.is_some())
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl MergeConfig {
    /// True once the deadline has passed: start no more work.
    pub fn out_of_time(&self) -> bool {
        self.deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
    }

    /// Checks the values.
    pub fn validate(&self) -> Result<(), MergeError> {
        if self.target_size < 1024 {
            return Err(MergeError::Config(
                "the target size must be at least 1 KiB".into(),
            ));
        }
        if self.max_fan_in < 2 {
            return Err(MergeError::Config("the fan-in must be at least 2".into()));
        }
        if self.read_budget == 0 {
            return Err(MergeError::Config(
                "the read budget must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// Reports reaching `name` to the failpoint, if any.
pub(crate) fn step(config: &MergeConfig, name: &str) {
    if let Some(failpoint) = &config.failpoint {
        failpoint(name);
    }
}
