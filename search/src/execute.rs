//! Running one search on the embedded engine: index lookup, exact check of phrase candidates,
//! and message fetch for a page of hits.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Int64Type, TimestampMicrosecondType};
use minerva_core::layout::Hour;
use minerva_core::query::Query;
use minerva_core::sql::{Dialect, HitKey, SearchScope, Tables, index_sql, messages_sql};
use minerva_core::verify::{RecordTokens, matches};

use crate::counting::ReadStats;
use crate::engine::{EmbeddedEngine, ScanMetrics};
use crate::error::SearchError;

/// Most candidate records an index lookup returns; a search with more says so.
pub const CANDIDATE_LIMIT: usize = 100_000;

/// Keys per message fetch statement.
const FETCH_BATCH: usize = 512;

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
}

/// One matching record, located but not yet fetched. Small (strings are shared between the
/// records of one object), because a finished search keeps up to [`CANDIDATE_LIMIT`] of them.
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

/// Shares equal strings.
#[derive(Default)]
struct Interner(HashMap<String, Arc<str>>);

impl Interner {
    fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(text.to_owned(), shared.clone());
        shared
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

/// The records that match a search, newest first.
#[derive(Debug, Clone)]
pub struct Matched {
    /// Every match (up to [`CANDIDATE_LIMIT`]).
    pub hits: Vec<Candidate>,
    /// True when the index lookup hit [`CANDIDATE_LIMIT`]: more records may match.
    pub truncated: bool,
    /// True when the lookup alone was exact (no phrase had to be checked).
    pub exact_lookup: bool,
    /// Candidates the index lookup returned.
    pub candidates: usize,
    /// The index lookup statement.
    pub index_sql: String,
    /// Storage reads.
    pub read: ReadStats,
    /// Row groups of the index lookup.
    pub scan: ScanMetrics,
    /// Time taken.
    pub elapsed: Duration,
}

/// Finds every record that matches `request`.
pub async fn find(
    engine: &EmbeddedEngine,
    request: &SearchRequest,
) -> Result<Matched, SearchError> {
    let started = Instant::now();
    let read_before = engine.read_stats();
    if request.to_us <= request.from_us {
        return Err(SearchError::BadRequest(
            "the time range is empty (to <= from)".into(),
        ));
    }
    let scope = SearchScope {
        from: Hour::of_micros(request.from_us),
        to: Hour::of_micros(request.to_us - 1),
        tags: request.tags.clone(),
        limit: CANDIDATE_LIMIT,
    };
    let lookup = index_sql(
        &request.query,
        &scope,
        &Tables::default(),
        Dialect::DataFusion,
    )?;
    let (batches, scan) = engine.run_with_metrics(&lookup.sql).await?;
    let mut candidates = Vec::new();
    let mut strings = Interner::default();
    for batch in &batches {
        read_candidates(batch, &mut strings, &mut candidates)?;
    }
    let truncated = candidates.len() >= CANDIDATE_LIMIT;
    let found = candidates.len();
    candidates.retain(|c| c.timestamp_us >= request.from_us && c.timestamp_us < request.to_us);
    let hits = if lookup.exact {
        candidates
    } else {
        verify(engine, &request.query, candidates).await?
    };
    Ok(Matched {
        hits,
        truncated,
        exact_lookup: lookup.exact,
        candidates: found,
        index_sql: lookup.sql,
        read: engine.read_stats().since(read_before),
        scan,
        elapsed: started.elapsed(),
    })
}

fn read_candidates(
    batch: &RecordBatch,
    strings: &mut Interner,
    out: &mut Vec<Candidate>,
) -> Result<(), SearchError> {
    let object_id = batch.column(0).as_string_opt::<i32>();
    let seq = batch.column(1).as_primitive_opt::<Int64Type>();
    let timestamp = batch
        .column(2)
        .as_primitive_opt::<TimestampMicrosecondType>();
    let dt = batch.column(3).as_string_opt::<i32>();
    let tag = batch.column(4).as_string_opt::<i32>();
    let (Some(object_id), Some(seq), Some(timestamp), Some(dt), Some(tag)) =
        (object_id, seq, timestamp, dt, tag)
    else {
        return Err(SearchError::Internal(
            "unexpected column types in the index lookup".into(),
        ));
    };
    for row in 0..batch.num_rows() {
        out.push(Candidate {
            dt: strings.get(dt.value(row)),
            object_id: strings.get(object_id.value(row)),
            seq: seq.value(row),
            timestamp_us: timestamp.value(row),
            tag: strings.get(tag.value(row)),
        });
    }
    Ok(())
}

/// Keeps the candidates whose message really matches (phrases: adjacent tokens).
async fn verify(
    engine: &EmbeddedEngine,
    query: &Query,
    candidates: Vec<Candidate>,
) -> Result<Vec<Candidate>, SearchError> {
    let mut kept = Vec::with_capacity(candidates.len());
    for chunk in candidates.chunks(FETCH_BATCH) {
        let keys: Vec<HitKey> = chunk.iter().map(Candidate::key).collect();
        let messages = fetch(engine, &keys).await?;
        let by_key: HashMap<(&str, i64), &Hit> = messages
            .iter()
            .map(|h| ((h.object_id.as_str(), h.seq), h))
            .collect();
        for candidate in chunk {
            let hit = by_key.get(&(&*candidate.object_id, candidate.seq));
            if hit.is_some_and(|h| matches(query, &RecordTokens::from_message(&h.message))) {
                kept.push(candidate.clone());
            }
        }
    }
    Ok(kept)
}

/// Fetches the messages of `keys` (in any order; each record once).
pub async fn fetch(engine: &EmbeddedEngine, keys: &[HitKey]) -> Result<Vec<Hit>, SearchError> {
    let mut hits = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(FETCH_BATCH) {
        let sql = messages_sql(chunk, &Tables::default(), Dialect::DataFusion)?;
        for batch in engine.run(&sql).await? {
            read_hits(&batch, &mut hits)?;
        }
    }
    hits.sort_by(|a, b| (&a.object_id, a.seq).cmp(&(&b.object_id, b.seq)));
    hits.dedup_by(|a, b| a.object_id == b.object_id && a.seq == b.seq);
    Ok(hits)
}

fn read_hits(batch: &RecordBatch, out: &mut Vec<Hit>) -> Result<(), SearchError> {
    let tag = batch.column(0).as_string_opt::<i32>();
    let timestamp = batch
        .column(1)
        .as_primitive_opt::<TimestampMicrosecondType>();
    let object_id = batch.column(2).as_string_opt::<i32>();
    let seq = batch.column(3).as_primitive_opt::<Int64Type>();
    let source = batch.column(4).as_string_opt::<i32>();
    let message = batch.column(5).as_string_opt::<i32>();
    let raw = batch.column(6).as_binary_opt::<i32>();
    let (
        Some(tag),
        Some(timestamp),
        Some(object_id),
        Some(seq),
        Some(source),
        Some(message),
        Some(raw),
    ) = (tag, timestamp, object_id, seq, source, message, raw)
    else {
        return Err(SearchError::Internal(
            "unexpected column types in the message fetch".into(),
        ));
    };
    for row in 0..batch.num_rows() {
        out.push(Hit {
            timestamp_us: timestamp.value(row),
            tag: tag.value(row).to_owned(),
            source: source.value(row).to_owned(),
            object_id: object_id.value(row).to_owned(),
            seq: seq.value(row),
            message: message.value(row).to_owned(),
            raw: (!raw.is_null(row)).then(|| raw.value(row).to_vec()),
        });
    }
    Ok(())
}

/// Fetches a page of `matched` (newest first), in that order.
pub async fn page(
    engine: &EmbeddedEngine,
    matched: &[Candidate],
    offset: usize,
    limit: usize,
) -> Result<Vec<Hit>, SearchError> {
    let window: Vec<&Candidate> = matched.iter().skip(offset).take(limit).collect();
    fetch_in_order(engine, &window).await
}

/// Fetches the messages of `window`, in that order.
pub async fn fetch_in_order(
    engine: &EmbeddedEngine,
    window: &[&Candidate],
) -> Result<Vec<Hit>, SearchError> {
    let keys: Vec<HitKey> = window.iter().map(|c| c.key()).collect();
    let fetched = fetch(engine, &keys).await?;
    let mut by_key: HashMap<(String, i64), Hit> = fetched
        .into_iter()
        .map(|h| ((h.object_id.clone(), h.seq), h))
        .collect();
    Ok(window
        .iter()
        .filter_map(|c| by_key.remove(&(c.object_id.to_string(), c.seq)))
        .collect())
}
