//! The interface every search backend implements: the embedded engine now, Athena later.
//!
//! Searches are asynchronous (Athena takes seconds): submit returns an id at once; status,
//! pages of hits, per-tag counts and the timeline are read by id while or after it runs.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::counting::ReadStats;
use crate::error::SearchError;
use crate::execute::{Hit, SearchRequest};

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
}

/// Progress and cost of a search.
#[derive(Debug, Clone)]
pub struct SearchStatus {
    /// What was asked.
    pub request: SearchRequest,
    /// State.
    pub state: SearchState,
    /// Matching records so far (final when succeeded).
    pub total: usize,
    /// True when more records may match than were kept.
    pub truncated: bool,
    /// Milliseconds spent so far (or in all, when final).
    pub elapsed_ms: u64,
    /// Storage reads.
    pub read: ReadStats,
    /// Hits per tag (final when succeeded).
    pub tag_counts: BTreeMap<String, u64>,
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
    pub total: usize,
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

/// Most buckets a timeline may have.
pub const MAX_TIMELINE_BUCKETS: usize = 1000;

/// A search backend.
#[async_trait]
pub trait SearchBackend: Send + Sync {
    /// Starts a search and returns its id without waiting for it.
    async fn submit(&self, request: SearchRequest) -> Result<String, SearchError>;
    /// Reports a search's state.
    async fn status(&self, id: &str) -> Result<SearchStatus, SearchError>;
    /// A page of a succeeded search's hits, newest first, optionally of one tag only. Reads
    /// only the page's records.
    async fn page(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
        tag: Option<&str>,
    ) -> Result<HitPage, SearchError>;
    /// Hits per time bucket and tag over the request's range (`buckets` equal widths).
    async fn timeline(&self, id: &str, buckets: usize) -> Result<Vec<TimelineBucket>, SearchError>;
    /// Cancels a queued or running search and forgets it (finished or not): its id is unknown
    /// afterwards.
    async fn cancel(&self, id: &str) -> Result<(), SearchError>;
    /// Field names indexed in `[from_us, to_us)`, most frequent first.
    async fn fields(
        &self,
        from_us: i64,
        to_us: i64,
        limit: usize,
    ) -> Result<Vec<FieldCount>, SearchError>;
}

/// Splits `[from, to)` into `buckets` equal buckets and counts `(timestamp, tag)` pairs.
pub fn timeline_buckets<'a>(
    from_us: i64,
    to_us: i64,
    buckets: usize,
    points: impl IntoIterator<Item = (i64, &'a str)>,
) -> Result<Vec<TimelineBucket>, SearchError> {
    if !(1..=MAX_TIMELINE_BUCKETS).contains(&buckets) {
        return Err(SearchError::BadRequest(format!(
            "buckets must be between 1 and {MAX_TIMELINE_BUCKETS}"
        )));
    }
    let span = (to_us - from_us).max(1) as i128;
    let mut out: Vec<TimelineBucket> = (0..buckets)
        .map(|i| TimelineBucket {
            start_us: from_us + (span * i as i128 / buckets as i128) as i64,
            counts: BTreeMap::new(),
        })
        .collect();
    for (timestamp, tag) in points {
        let offset = (timestamp - from_us).clamp(0, (span - 1) as i64) as i128;
        let index = ((offset * buckets as i128) / span) as usize;
        *out[index.min(buckets - 1)]
            .counts
            .entry(tag.to_owned())
            .or_insert(0) += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_range_and_count_every_point() {
        let points = [(0, "a"), (9, "a"), (10, "b"), (99, "b"), (50, "a")];
        let buckets = timeline_buckets(0, 100, 10, points).unwrap();
        assert_eq!(buckets.len(), 10);
        assert_eq!(buckets[0].start_us, 0);
        assert_eq!(buckets[9].start_us, 90);
        assert_eq!(buckets[0].counts.get("a"), Some(&2));
        assert_eq!(buckets[1].counts.get("b"), Some(&1));
        assert_eq!(buckets[5].counts.get("a"), Some(&1));
        assert_eq!(buckets[9].counts.get("b"), Some(&1));
        let total: u64 = buckets.iter().flat_map(|b| b.counts.values()).sum();
        assert_eq!(total, 5);
    }

    #[test]
    fn uneven_spans_put_the_last_point_in_the_last_bucket() {
        let buckets = timeline_buckets(0, 7, 3, [(6, "x"), (0, "x")]).unwrap();
        assert_eq!(buckets[2].counts.get("x"), Some(&1));
        assert_eq!(buckets[0].counts.get("x"), Some(&1));
    }

    #[test]
    fn bucket_count_is_bounded() {
        assert!(timeline_buckets(0, 10, 0, []).is_err());
        assert!(timeline_buckets(0, 10, MAX_TIMELINE_BUCKETS + 1, []).is_err());
        // Huge ranges do not overflow.
        let b = timeline_buckets(i64::MIN / 2, i64::MAX / 2, 1000, [(0, "t")]).unwrap();
        assert_eq!(b.len(), 1000);
    }
}
