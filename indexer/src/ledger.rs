//! The ingest ledger: what was indexed from which source object, kept next to the index in the
//! object store (`_ledger/{hash of the source}.json`), with no database.
//!
//! One entry per source (an S3 key, a watched file's path) lists its ingests: the object
//! identity that was read, the byte range, the record numbers, the hours and the files written.
//! With it:
//!
//! - a re-delivered S3 event for an object already indexed is skipped with one small GET
//!   ([`LedgerEntry::is_indexed`]);
//! - a re-index (a new version of the key, or the same object read with other settings) deletes
//!   the files of the earlier ingest that the new one did not overwrite, so records that moved to
//!   other hours are not found twice ([`Ledger::commit`]);
//! - a restarted `minerva serve --watch` continues each file where it stopped
//!   ([`LedgerEntry::tail`]) instead of indexing the file again from its first byte.
//!
//! The entry is written after the data files, and stale files are deleted before it: a crash in
//! between leaves files that a retry overwrites or deletes again, never an entry that hides
//! unindexed data. Files already compacted by the merger are gone from their folders; rows of
//! an earlier ingest that a merge has folded into a merged file stay searchable.

use minerva_core::layout::ObjectId;
use minerva_store::DataStore;
use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use crate::error::IndexError;
use crate::report::ObjectReport;

/// Folder of the ledger, under the data prefix (outside the `indices`/`messages` tables).
pub const LEDGER_DIR: &str = "_ledger";

/// Ingests kept per source; older ones (appended tails of a long-lived file) are dropped, their
/// files stay indexed.
pub const MAX_INGESTS_PER_SOURCE: usize = 64;

/// One indexing of (part of) a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingest {
    /// The object identity written to the `object_id` column.
    pub object_id: String,
    /// The version read: `etag/version-id` of an S3 object, the inode of a local file.
    pub version: String,
    /// First byte read (stored bytes).
    pub start: u64,
    /// End of the bytes read (exclusive).
    pub end: u64,
    /// Record number of the first line.
    pub first_seq: i64,
    /// Records stored.
    pub records: u64,
    /// Hours (`dt` values) written.
    pub hours: Vec<String>,
    /// Files written, relative to the data prefix.
    pub files: Vec<String>,
    /// False when reading or writing stopped early (what was read is stored).
    pub complete: bool,
    /// When the ingest was committed (RFC 3339, UTC).
    pub indexed_at: String,
}

impl Ingest {
    /// The ingest described by an object's report.
    pub fn from_report(
        object_id: &ObjectId,
        version: &str,
        range: (u64, u64),
        first_seq: i64,
        report: &ObjectReport,
    ) -> Self {
        Ingest {
            object_id: object_id.to_string(),
            version: version.to_owned(),
            start: range.0,
            end: range.1,
            first_seq,
            records: report.records,
            hours: report.partitions.iter().cloned().collect(),
            files: report.files.clone(),
            complete: report.error.is_none(),
            indexed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// How far a followed file has been indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tail {
    /// Identity of the file (inode).
    pub file_key: u64,
    /// Bytes indexed from the start.
    pub consumed: u64,
    /// Lines in those bytes (the next record number).
    pub lines: i64,
}

/// Everything indexed from one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The source URI (`s3://bucket/key`, `file:///path`).
    pub source: String,
    /// The ingests, oldest first.
    pub ingests: Vec<Ingest>,
    /// Where a followed file stands (`minerva serve --watch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<Tail>,
}

impl LedgerEntry {
    /// True when `object_id` was indexed completely.
    pub fn is_indexed(&self, object_id: &str) -> bool {
        self.ingests
            .iter()
            .any(|i| i.complete && i.object_id == object_id)
    }
}

/// Which earlier ingests a new one replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Every earlier ingest of the source: the object is read whole (an S3 key, a gzip file),
    /// and a new version replaces the old one.
    Source,
    /// Only an earlier ingest of the same object id (an appended tail indexed again).
    SameObject,
}

/// The ledger of a data location.
#[derive(Debug, Clone)]
pub struct Ledger {
    data: DataStore,
}

impl Ledger {
    /// The ledger next to the index in `data`.
    pub fn new(data: DataStore) -> Self {
        Ledger { data }
    }

    fn key(&self, source: &str) -> object_store::path::Path {
        let hash = ObjectId::derive(&["ledger", source]);
        self.data.key(&format!("{LEDGER_DIR}/{hash}.json"))
    }

    /// The entry of `source` (empty when there is none). An unreadable entry counts as empty
    /// (with a warning): the worst outcome is an idempotent re-index.
    pub async fn load(&self, source: &str) -> Result<LedgerEntry, IndexError> {
        let key = self.key(source);
        let empty = LedgerEntry {
            source: source.to_owned(),
            ..LedgerEntry::default()
        };
        let bytes = match self.data.store.get(&key).await {
            Ok(result) => result.bytes().await,
            Err(object_store::Error::NotFound { .. }) => return Ok(empty),
            Err(e) => Err(e),
        }
        .map_err(|e| IndexError::Ledger {
            key: key.to_string(),
            message: e.to_string(),
        })?;
        match serde_json::from_slice::<LedgerEntry>(&bytes) {
            Ok(entry) if entry.source == source => Ok(entry),
            Ok(_) => Ok(empty),
            Err(error) => {
                tracing::warn!(%key, %error, "unreadable ledger entry ignored");
                Ok(empty)
            }
        }
    }

    /// Records `ingest` for `source` (after its files were written): deletes the files of the
    /// ingests it replaces that it did not overwrite, then stores the entry. Returns the keys
    /// deleted.
    pub async fn commit(
        &self,
        source: &str,
        ingest: Ingest,
        replace: Replace,
        tail: Option<Tail>,
    ) -> Result<Vec<String>, IndexError> {
        let mut entry = self.load(source).await?;
        let (replaced, kept): (Vec<Ingest>, Vec<Ingest>) =
            entry.ingests.drain(..).partition(|old| match replace {
                Replace::Source => true,
                Replace::SameObject => old.object_id == ingest.object_id,
            });
        let mut deleted = Vec::new();
        for old in &replaced {
            for file in &old.files {
                if ingest.files.contains(file) || deleted.contains(file) {
                    continue;
                }
                let path = self.data.key(file);
                match self.data.store.delete(&path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                        deleted.push(file.clone())
                    }
                    Err(e) => {
                        return Err(IndexError::Write {
                            key: path.to_string(),
                            message: e.to_string(),
                        });
                    }
                }
            }
        }
        entry.ingests = kept;
        entry.ingests.push(ingest);
        let excess = entry.ingests.len().saturating_sub(MAX_INGESTS_PER_SOURCE);
        entry.ingests.drain(..excess);
        if tail.is_some() {
            entry.tail = tail;
        }
        self.store(&entry).await?;
        Ok(deleted)
    }

    /// Writes `entry` whole.
    pub async fn store(&self, entry: &LedgerEntry) -> Result<(), IndexError> {
        let key = self.key(&entry.source);
        let bytes = serde_json::to_vec_pretty(entry).map_err(|e| IndexError::Ledger {
            key: key.to_string(),
            message: e.to_string(),
        })?;
        self.data
            .store
            .put(&key, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| IndexError::Ledger {
                key: key.to_string(),
                message: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests;
