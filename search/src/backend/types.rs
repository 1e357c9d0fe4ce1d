//! The neutral types every backend speaks: what to search, where a search is, a hit.

use std::collections::BTreeMap;
use std::sync::Arc;

use minerva_core::layout::Hour;
use minerva_core::query::Query;
use minerva_core::sql::{HitKey, SearchScope};

/// What to search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The parsed query.
    pub query: Query,
    /// Start of the time range (inclusive), microseconds since the epoch, UTC.
    pub from_us: i64,
    /// End of the time range (exclusive).
    pub to_us: i64,
    /// Only these tags, when not empty.
    pub tags: Vec<String>,
    /// Only these hours of the range may hold matches, when known: set at submit from the
    /// hour sketches ([`crate::hours`]); `None` reads every hour of the range.
    pub hours: Option<Vec<Hour>>,
}

impl SearchRequest {
    /// A request over every hour of `[from_us, to_us)` and every tag.
    pub fn new(query: Query, from_us: i64, to_us: i64) -> Self {
        SearchRequest {
            query,
            from_us,
            to_us,
            tags: Vec::new(),
            hours: None,
        }
    }

    /// The scope of the SQL statements.
    pub fn scope(&self) -> SearchScope {
        SearchScope {
            from_us: self.from_us,
            to_us: self.to_us,
            tags: self.tags.clone(),
            hours: self.hours.clone(),
        }
    }

    /// How many hours of the range the search reads (fewer when the hour sketches ruled some
    /// out), and how many the range has.
    pub fn hours_read(&self) -> (u64, u64) {
        let scope = self.scope();
        let in_range = (scope.last_hour().0 - scope.first_hour().0 + 1).max(0) as u64;
        let read = self.hours.as_ref().map_or(in_range, |h| h.len() as u64);
        (read, in_range)
    }

    /// The same request narrowed to one tag (the tag must be one the request allows).
    pub fn scope_with_tag(&self, tag: Option<&str>) -> SearchScope {
        let mut scope = self.scope();
        if let Some(tag) = tag {
            scope.tags = vec![tag.to_owned()];
        }
        scope
    }

    /// Refuses requests no backend can run.
    pub fn validate(&self) -> Result<(), super::SearchError> {
        if self.to_us <= self.from_us {
            return Err(super::SearchError::BadRequest(
                "the time range is empty (end <= start)".into(),
            ));
        }
        Ok(())
    }
}

/// Where a search is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SearchState {
    /// Waiting for a free slot.
    Queued,
    /// Running.
    Running,
    /// Done; every hit is known.
    Succeeded,
    /// Failed, with the reason.
    Failed {
        /// Why.
        reason: String,
    },
    /// Cancelled by the caller.
    Cancelled,
}

impl SearchState {
    /// True once the search will not change any more.
    pub fn is_final(&self) -> bool {
        !matches!(self, SearchState::Queued | SearchState::Running)
    }

    /// Lowercase name (`queued`, `running`, …).
    pub fn name(&self) -> &'static str {
        match self {
            SearchState::Queued => "queued",
            SearchState::Running => "running",
            SearchState::Succeeded => "succeeded",
            SearchState::Failed { .. } => "failed",
            SearchState::Cancelled => "cancelled",
        }
    }
}

/// What a search read, on any engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadStats {
    /// Bytes read from storage (data, footers and indexes) — Athena's `DataScannedInBytes`.
    pub bytes: u64,
    /// GET requests (embedded engine; each range counts once).
    pub requests: u64,
    /// Distinct files read (embedded engine).
    pub files: u64,
    /// SQL statements run.
    pub statements: u64,
    /// Bytes Athena bills: each statement at least 10 MB (0 on the embedded engine).
    pub billed_bytes: u64,
}

impl ReadStats {
    /// What was read between `earlier` and `self`.
    pub fn since(self, earlier: ReadStats) -> ReadStats {
        ReadStats {
            bytes: self.bytes.saturating_sub(earlier.bytes),
            requests: self.requests.saturating_sub(earlier.requests),
            files: self.files.saturating_sub(earlier.files),
            statements: self.statements.saturating_sub(earlier.statements),
            billed_bytes: self.billed_bytes.saturating_sub(earlier.billed_bytes),
        }
    }
}

impl std::ops::AddAssign for ReadStats {
    fn add_assign(&mut self, other: Self) {
        self.bytes += other.bytes;
        self.requests += other.requests;
        self.files += other.files;
        self.statements += other.statements;
        self.billed_bytes += other.billed_bytes;
    }
}

/// Athena's price: dollars per byte scanned ($5 per TB).
pub const DOLLARS_PER_BYTE: f64 = 5.0 / 1e12;

/// Athena bills every statement for at least this many bytes.
pub const ATHENA_MINIMUM_BYTES: u64 = 10_000_000;

/// What Athena bills for one statement that scanned `bytes`.
pub fn athena_billed_bytes(bytes: u64) -> u64 {
    bytes.max(ATHENA_MINIMUM_BYTES)
}

/// Progress and cost of a search.
#[derive(Debug, Clone)]
pub struct SearchStatus {
    /// What was asked.
    pub request: SearchRequest,
    /// State.
    pub state: SearchState,
    /// Matching records (exact and final when succeeded, unless `truncated`).
    pub total: u64,
    /// True when a limit stopped the search before every match was known; `limit_note`
    /// says which.
    pub truncated: bool,
    /// What limit truncated the result.
    pub limit_note: Option<String>,
    /// Milliseconds spent so far (or in all, when final).
    pub elapsed_ms: u64,
    /// Storage reads and statements.
    pub read: ReadStats,
    /// Dollars: what Athena bills (or would bill, on the embedded engine) for the bytes read.
    pub cost_usd: f64,
    /// Hits per tag (final when succeeded).
    pub tag_counts: BTreeMap<String, u64>,
    /// Which engine ran it (`embedded`, `athena`).
    pub engine: &'static str,
}

/// Hits per time bucket and tag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimelineBucket {
    /// Bucket start, microseconds.
    pub start_us: i64,
    /// Count per tag.
    pub counts: BTreeMap<String, u64>,
}

/// A page of hits.
#[derive(Debug, Clone)]
pub struct HitPage {
    /// Hits matching the page's tag filter (all hits without one).
    pub total: u64,
    /// The page, newest first.
    pub hits: Vec<Hit>,
}

/// How often a field name occurs in the index of a time range.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldCount {
    /// Dotted field path.
    pub name: String,
    /// Index rows (field, term) with this field.
    pub count: u64,
}

/// What a search would cost before it runs: an upper bound from the sizes of the files of
/// the partitions in its range (the index lookup reads at most these: the index files, and
/// the key and time columns of the message files; pages read a few messages more).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// Hourly partitions in the range that hold index files.
    pub partitions: u64,
    /// Index files in the range.
    pub index_files: u64,
    /// Bytes of the index files in the range.
    pub index_bytes: u64,
    /// Bytes of the message files in the range (their key and time columns are read for the
    /// time of each match, the text only for the pages shown).
    pub message_bytes: u64,
    /// Statements the search runs before its first page.
    pub statements: u64,
    /// Upper bound of the bytes those statements scan.
    pub max_scan_bytes: u64,
    /// Upper bound of what Athena bills for them, in dollars (10 MB minimum per statement).
    pub max_cost_usd: f64,
}

/// One matching record, located but not yet fetched. Small (strings are shared between the
/// records of one object), because a checked phrase search keeps its matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Partition (`YYYY-MM-DD-HH`).
    pub dt: Arc<str>,
    /// Object id.
    pub object_id: Arc<str>,
    /// Record number in the object.
    pub seq: i64,
    /// Record time, microseconds.
    pub timestamp_us: i64,
    /// Log type.
    pub tag: Arc<str>,
}

impl Candidate {
    /// Where the message is.
    pub fn key(&self) -> HitKey {
        HitKey {
            dt: self.dt.to_string(),
            object_id: self.object_id.to_string(),
            seq: self.seq,
        }
    }
}

/// A hit with its original record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    /// Record time, microseconds since the epoch (UTC).
    pub timestamp_us: i64,
    /// Log type.
    pub tag: String,
    /// URI of the source object.
    pub source: String,
    /// Object id.
    pub object_id: String,
    /// Line number (or record index) in the source object, from 0.
    pub seq: i64,
    /// The original record as text (lossy when `raw` is set).
    pub message: String,
    /// The original bytes when they are not valid UTF-8.
    #[serde(skip)]
    pub raw: Option<Vec<u8>>,
}

impl Hit {
    /// The hit as one JSON object: `timestamp` (RFC 3339 UTC), `tag`, `source`, `seq`,
    /// `object_id`, `message`, and `raw_hex` when the original bytes are not UTF-8. Used by
    /// `minerva search --output jsonl` and the API's export.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::json!({
            "timestamp": rfc3339(self.timestamp_us),
            "tag": self.tag,
            "source": self.source,
            "seq": self.seq,
            "object_id": self.object_id,
            "message": self.message,
        });
        if let Some(raw) = &self.raw {
            value["raw_hex"] = raw
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into();
        }
        value
    }
}

/// Formats microseconds since the epoch as RFC 3339 UTC (`2024-01-01T00:00:00.000001Z`).
pub fn rfc3339(timestamp_us: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_micros(timestamp_us).map_or_else(
        || timestamp_us.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}
