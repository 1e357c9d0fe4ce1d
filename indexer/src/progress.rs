//! Counters shared by the workers, read by a progress bar.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Live counters of an indexing run.
#[derive(Debug, Default)]
pub struct Progress {
    bytes: AtomicU64,
    records: AtomicU64,
    objects_done: AtomicU64,
    objects_total: AtomicU64,
    stop: AtomicBool,
}

/// A snapshot of [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressSnapshot {
    /// Uncompressed bytes read.
    pub bytes: u64,
    /// Records indexed.
    pub records: u64,
    /// Objects finished.
    pub objects_done: u64,
    /// Objects to index.
    pub objects_total: u64,
}

impl Progress {
    /// Adds bytes and records read.
    pub fn add(&self, bytes: u64, records: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.records.fetch_add(records, Ordering::Relaxed);
    }

    /// Sets the number of objects to index.
    pub fn set_total(&self, objects: u64) {
        self.objects_total.store(objects, Ordering::Relaxed);
    }

    /// Marks one object finished.
    pub fn object_done(&self) {
        self.objects_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Asks every worker to stop at the next record boundary (a deadline is near): what was
    /// read so far is written, and the object's report carries [`crate::IndexError::Stopped`].
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// True once [`Progress::request_stop`] was called.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Reads the counters.
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            bytes: self.bytes.load(Ordering::Relaxed),
            records: self.records.load(Ordering::Relaxed),
            objects_done: self.objects_done.load(Ordering::Relaxed),
            objects_total: self.objects_total.load(Ordering::Relaxed),
        }
    }
}
