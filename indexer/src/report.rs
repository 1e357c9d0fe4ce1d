//! What indexing did: per object and for a whole run.

use std::collections::BTreeSet;
use std::time::Duration;

/// Warnings kept per object; further ones are only counted.
pub const MAX_WARNINGS_PER_OBJECT: usize = 20;

/// The outcome of indexing one object.
#[derive(Debug, Clone, Default)]
pub struct ObjectReport {
    /// Object URI.
    pub uri: String,
    /// How the object was read (detected layout).
    pub layout: String,
    /// True when the object was gzip-compressed.
    pub gzip: bool,
    /// Lines read (blank lines included); 0 for JSON documents.
    pub lines: u64,
    /// Blank lines (counted in `seq`, not stored).
    pub blank: u64,
    /// Records stored.
    pub records: u64,
    /// Records that looked like JSON but did not parse (indexed as text).
    pub unparsed: u64,
    /// Lines cut at the maximum record size.
    pub truncated: u64,
    /// Records with no recognisable time (given the object's time).
    pub no_timestamp: u64,
    /// Uncompressed bytes read.
    pub bytes: u64,
    /// Parquet bytes written.
    pub bytes_written: u64,
    /// Parquet files written.
    pub files_written: u64,
    /// Index rows written.
    pub index_rows: u64,
    /// Keys of the files written, relative to the data prefix
    /// (`messages/dt=…/{object_id}-0000.parquet`, then its `indices` twin).
    pub files: Vec<String>,
    /// Partitions (`dt` values) written.
    pub partitions: BTreeSet<String>,
    /// Earliest record time, microseconds.
    pub min_time_us: Option<i64>,
    /// Latest record time, microseconds.
    pub max_time_us: Option<i64>,
    /// Problems with single records, each naming the object and line.
    pub warnings: Vec<String>,
    /// Warnings not kept.
    pub suppressed_warnings: u64,
    /// A failure that stopped reading or writing the object (what was read before it is kept).
    pub error: Option<String>,
}

impl ObjectReport {
    /// An empty report for `uri`.
    pub fn new(uri: &str) -> Self {
        ObjectReport {
            uri: uri.to_owned(),
            ..Default::default()
        }
    }

    /// Records a problem with the record at `seq` (0-based; shown 1-based as "line").
    pub fn warn(&mut self, seq: u64, message: &str) {
        if self.warnings.len() < MAX_WARNINGS_PER_OBJECT {
            self.warnings
                .push(format!("{} line {}: {message}", self.uri, seq + 1));
        } else {
            self.suppressed_warnings += 1;
        }
    }

    /// Records a failure of the whole object.
    pub fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(message);
        }
    }

    /// Widens the time range with `ts`.
    pub fn observe_time(&mut self, ts: i64) {
        self.min_time_us = Some(self.min_time_us.map_or(ts, |m| m.min(ts)));
        self.max_time_us = Some(self.max_time_us.map_or(ts, |m| m.max(ts)));
    }
}

/// The outcome of a run over many objects.
#[derive(Debug, Clone, Default)]
pub struct IndexReport {
    /// One report per object, in input order.
    pub objects: Vec<ObjectReport>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl IndexReport {
    fn sum(&self, f: impl Fn(&ObjectReport) -> u64) -> u64 {
        self.objects.iter().map(f).sum()
    }

    /// Records stored.
    pub fn records(&self) -> u64 {
        self.sum(|o| o.records)
    }

    /// Records that looked like JSON but were indexed as text.
    pub fn unparsed(&self) -> u64 {
        self.sum(|o| o.unparsed)
    }

    /// Lines cut at the maximum record size.
    pub fn truncated(&self) -> u64 {
        self.sum(|o| o.truncated)
    }

    /// Records given the object's time.
    pub fn no_timestamp(&self) -> u64 {
        self.sum(|o| o.no_timestamp)
    }

    /// Uncompressed bytes read.
    pub fn bytes(&self) -> u64 {
        self.sum(|o| o.bytes)
    }

    /// Parquet bytes written.
    pub fn bytes_written(&self) -> u64 {
        self.sum(|o| o.bytes_written)
    }

    /// Parquet files written.
    pub fn files_written(&self) -> u64 {
        self.sum(|o| o.files_written)
    }

    /// Index rows written.
    pub fn index_rows(&self) -> u64 {
        self.sum(|o| o.index_rows)
    }

    /// Objects that failed (partially indexed).
    pub fn failed(&self) -> impl Iterator<Item = &ObjectReport> {
        self.objects.iter().filter(|o| o.error.is_some())
    }

    /// Input throughput in MB/s (10^6 bytes).
    pub fn mb_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.bytes() as f64 / 1e6 / secs
        } else {
            0.0
        }
    }
}
