//! Request and response bodies of the API (their OpenAPI schemas are derived from these).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
pub use minerva_search::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// `POST /api/v1/search` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSearch {
    /// The query, e.g. `10.1.2.3`, `user=alice -root`, `"failed password"`.
    #[schema(example = "user=alice -root")]
    pub query: String,
    /// Start of the range (RFC 3339, inclusive).
    #[schema(example = "2024-01-01T00:00:00Z", format = DateTime)]
    pub start: String,
    /// End of the range (RFC 3339, exclusive; after `start`).
    #[schema(example = "2024-01-02T00:00:00Z", format = DateTime)]
    pub end: String,
    /// Only these log types.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `POST /api/v1/search` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The search id.
    pub id: String,
}

/// State of a search.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateName {
    /// Waiting for a free slot.
    Queued,
    /// Running.
    Running,
    /// Done.
    Succeeded,
    /// Failed (see `reason`).
    Failed,
    /// Cancelled.
    Cancelled,
}

/// `GET /api/v1/search/{id}` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchView {
    /// The search id.
    pub id: String,
    /// The query as the server understood it (canonical form).
    pub query: String,
    /// Start of the range.
    pub start: String,
    /// End of the range (exclusive).
    pub end: String,
    /// Tag filter (empty: all).
    pub tags: Vec<String>,
    /// State.
    pub state: StateName,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Milliseconds spent.
    pub elapsed_ms: u64,
    /// Matching records (final when succeeded).
    pub total: u64,
    /// True when a limit stopped the search before every match was known (`limit_note` says
    /// which); `total` then counts only what was checked.
    pub truncated: bool,
    /// What limit truncated the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_note: Option<String>,
    /// The engine that ran it: `embedded` or `athena`.
    pub engine: String,
    /// Bytes read from storage (Athena: data scanned).
    pub bytes_scanned: u64,
    /// Files read from storage (embedded engine).
    pub files_read: u64,
    /// Hours of the range whose index partitions the search reads: fewer than
    /// `hours_in_range` when the hour sketches showed the others cannot hold the query.
    pub hours_read: u64,
    /// Hours in the range.
    pub hours_in_range: u64,
    /// SQL statements run so far.
    pub statements: u64,
    /// What Athena bills (or would bill, on the embedded engine) at $5 per TB.
    pub cost_usd: f64,
    /// Hits per log type.
    pub tag_counts: BTreeMap<String, u64>,
    /// The query's positive terms (lowercase tokens), for highlighting.
    pub terms: Vec<String>,
}

/// `POST /api/v1/search/estimate` response: an upper bound, from the sizes of the files of the
/// partitions in the range (no file is read).
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateView {
    /// The engine that would run it.
    pub engine: String,
    /// Hourly partitions in the range that hold index files.
    pub partitions: u64,
    /// Index files in the range.
    pub index_files: u64,
    /// Bytes of the index files in the range.
    pub index_bytes: u64,
    /// Bytes of the message files in the range (only the pages shown are read).
    pub message_bytes: u64,
    /// Statements run before the first page.
    pub statements: u64,
    /// Upper bound of the bytes they scan.
    pub max_scan_bytes: u64,
    /// Upper bound of what Athena bills for them (10 MB minimum per statement), in dollars.
    pub max_cost_usd: f64,
}

/// `GET /api/v1/search/{id}/logs` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsParams {
    /// Hits to skip (default 0).
    pub offset: Option<usize>,
    /// Page size (default 50, at most 1000).
    pub limit: Option<usize>,
    /// Only hits of this log type.
    pub tag: Option<String>,
}

/// One hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitView {
    /// Record time (RFC 3339, UTC, microseconds).
    pub timestamp: String,
    /// Log type.
    pub tag: String,
    /// URI of the source object.
    pub source: String,
    /// Line (or record) number in the source, from 0.
    pub seq: i64,
    /// Source object id.
    pub object_id: String,
    /// The original record (invalid UTF-8 replaced by U+FFFD).
    pub message: String,
    /// The query's terms found in this record (lowercase tokens).
    pub matched: Vec<String>,
}

/// `GET /api/v1/search/{id}/logs` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogsPage {
    /// Hits skipped.
    pub offset: usize,
    /// Page size asked for.
    pub limit: usize,
    /// Hits in all (of the `tag`, when given).
    pub total: u64,
    /// The page, newest first.
    pub hits: Vec<HitView>,
}

/// `GET /api/v1/search/{id}/timeline` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// Number of equal buckets (1–1000, default 60).
    pub buckets: Option<usize>,
}

/// One timeline bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketView {
    /// Bucket start (RFC 3339).
    pub start: String,
    /// Hits per log type.
    pub counts: BTreeMap<String, u64>,
}

/// `GET /api/v1/search/{id}/timeline` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// Start of the search range.
    pub start: String,
    /// End of the search range (exclusive).
    pub end: String,
    /// Width of a bucket in seconds.
    pub bucket_seconds: f64,
    /// The buckets, oldest first.
    pub buckets: Vec<BucketView>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header.
    Csv,
}

/// `GET /api/v1/search/{id}/export` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `jsonl` (default) or `csv`.
    pub format: Option<ExportFormat>,
}

/// `GET /api/v1/fields` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// Start of the range (RFC 3339).
    #[param(format = DateTime)]
    pub start: String,
    /// End of the range (RFC 3339, exclusive; after `start`).
    #[param(format = DateTime)]
    pub end: String,
}

/// A field name and how often it is indexed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldView {
    /// Dotted field path.
    pub name: String,
    /// Index rows with this field.
    pub count: u64,
}

/// `GET /api/v1/fields` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fields {
    /// Most frequent first.
    pub fields: Vec<FieldView>,
}

/// `GET /healthz` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// Parses an RFC 3339 time into microseconds; `what` names the parameter in the error.
pub fn parse_time(text: &str, what: &str) -> Result<i64, ApiError> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .and_then(|t| t.with_timezone(&Utc).timestamp_micros().into())
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{what}: {text:?} is not an RFC 3339 time (e.g. 2024-01-01T00:00:00Z)"
            ))
        })
}

/// Parses and checks a `[start, end)` range against the longest allowed span.
pub fn parse_range(
    start: &str,
    end: &str,
    max: std::time::Duration,
) -> Result<(i64, i64), ApiError> {
    let from = parse_time(start, "start")?;
    let to = parse_time(end, "end")?;
    if to <= from {
        return Err(ApiError::BadRequest(
            "end must be after start (the range is [start, end))".into(),
        ));
    }
    let max_us = i64::try_from(max.as_micros()).unwrap_or(i64::MAX);
    if to - from > max_us {
        return Err(ApiError::BadRequest(format!(
            "the time range is longer than the limit of {} days",
            max.as_secs() / 86_400
        )));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_ranges_are_checked() {
        let t = parse_time("2024-01-01T09:00:00+09:00", "start").unwrap();
        assert_eq!(rfc3339(t), "2024-01-01T00:00:00Z");
        assert_eq!(rfc3339(t + 1), "2024-01-01T00:00:00.000001Z");
        assert!(parse_time("yesterday", "start").is_err());
        let day = std::time::Duration::from_secs(86_400);
        assert!(parse_range("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", day).is_err());
        assert!(parse_range("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", day).is_err());
        assert!(parse_range("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", day).is_ok());
    }
}
