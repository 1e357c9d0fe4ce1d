//! What a merge run did, per partition and table.

use std::time::Duration;

/// One partition of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PartitionReport {
    /// `indices` or `messages`.
    pub table: String,
    /// The partition, `YYYY-MM-DD-HH`.
    pub dt: String,
    /// Parquet files before the run.
    pub files_before: usize,
    /// Parquet files after the run.
    pub files_after: usize,
    /// Bytes of Parquet files before the run.
    pub bytes_before: u64,
    /// Bytes of Parquet files after the run.
    pub bytes_after: u64,
    /// Merges completed.
    pub merges: usize,
    /// Rows read by the merges.
    pub rows_in: u64,
    /// Rows written by the merges (fewer when inputs overlapped).
    pub rows_out: u64,
    /// Files and markers deleted.
    pub deleted: usize,
    /// Merges skipped because another run took their inputs.
    pub conflicts: usize,
    /// Wall time, milliseconds.
    pub elapsed_ms: u64,
    /// True when the deadline stopped the run before the partition was done.
    pub stopped_early: bool,
}

/// A whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MergeReport {
    /// Every partition looked at.
    pub partitions: Vec<PartitionReport>,
    /// Wall time, milliseconds.
    pub elapsed_ms: u64,
    /// True when the deadline stopped the run; the next run carries on.
    pub stopped_early: bool,
}

impl MergeReport {
    /// Sums over partitions: (files before, files after, bytes before, bytes after).
    pub fn totals(&self) -> (usize, usize, u64, u64) {
        self.partitions.iter().fold((0, 0, 0, 0), |t, p| {
            (
                t.0 + p.files_before,
                t.1 + p.files_after,
                t.2 + p.bytes_before,
                t.3 + p.bytes_after,
            )
        })
    }

    /// Merges completed in all partitions.
    pub fn merges(&self) -> usize {
        self.partitions.iter().map(|p| p.merges).sum()
    }

    /// Partitions where something changed.
    pub fn changed(&self) -> usize {
        self.partitions
            .iter()
            .filter(|p| p.merges > 0 || p.deleted > 0)
            .count()
    }

    pub(crate) fn set_elapsed(&mut self, elapsed: Duration) {
        self.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    }
}
