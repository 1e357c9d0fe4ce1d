//! The interface every search backend implements: the embedded engine now, Athena later.
//!
//! Searches are asynchronous (Athena takes seconds): submit returns an id; status, pages of
//! hits, per-tag counts and the timeline are read by id.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::counting::ReadStats;
use crate::engine::EmbeddedEngine;
use crate::error::SearchError;
use crate::execute::{Hit, Matched, SearchRequest, find, page};

/// Where a search is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SearchState {
    /// Waiting to run.
    Queued,
    /// Running.
    Running,
    /// Done.
    Succeeded,
    /// Failed, with the reason.
    Failed {
        /// Why.
        reason: String,
    },
    /// Cancelled by the caller.
    Cancelled,
}

/// Progress and cost of a search.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchStatus {
    /// State.
    pub state: SearchState,
    /// Matching records so far (final when succeeded).
    pub total: usize,
    /// True when more records may match than were collected.
    pub truncated: bool,
    /// Milliseconds spent.
    pub elapsed_ms: u64,
    /// Storage reads.
    pub read: ReadStats,
}

/// Hits per time bucket and tag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimelineBucket {
    /// Bucket start, microseconds.
    pub start_us: i64,
    /// Count per tag.
    pub counts: BTreeMap<String, u64>,
}

/// A search backend.
#[async_trait]
pub trait SearchBackend: Send + Sync {
    /// Starts a search and returns its id.
    async fn submit(&self, request: SearchRequest) -> Result<String, SearchError>;
    /// Reports a search's state.
    async fn status(&self, id: &str) -> Result<SearchStatus, SearchError>;
    /// A page of hits, newest first.
    async fn page(&self, id: &str, offset: usize, limit: usize) -> Result<Vec<Hit>, SearchError>;
    /// Hits per tag.
    async fn tag_counts(&self, id: &str) -> Result<BTreeMap<String, u64>, SearchError>;
    /// Hits per time bucket and tag over the request's range.
    async fn timeline(&self, id: &str, buckets: usize) -> Result<Vec<TimelineBucket>, SearchError>;
}

struct Finished {
    request: SearchRequest,
    matched: Matched,
}

/// The embedded engine as a backend: a search runs to completion inside `submit`.
pub struct EmbeddedBackend {
    engine: EmbeddedEngine,
    searches: Mutex<HashMap<String, Finished>>,
    next_id: std::sync::atomic::AtomicU64,
}

impl EmbeddedBackend {
    /// Wraps an engine.
    pub fn new(engine: EmbeddedEngine) -> Self {
        EmbeddedBackend {
            engine,
            searches: Mutex::new(HashMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(1),
        }
    }

    fn with<T>(&self, id: &str, f: impl FnOnce(&Finished) -> T) -> Result<T, SearchError> {
        let searches = self
            .searches
            .lock()
            .map_err(|e| SearchError::Internal(e.to_string()))?;
        searches
            .get(id)
            .map(f)
            .ok_or_else(|| SearchError::NotFound(id.to_owned()))
    }
}

#[async_trait]
impl SearchBackend for EmbeddedBackend {
    async fn submit(&self, request: SearchRequest) -> Result<String, SearchError> {
        let matched = find(&self.engine, &request).await?;
        let id = format!(
            "s{}",
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut searches = self
            .searches
            .lock()
            .map_err(|e| SearchError::Internal(e.to_string()))?;
        searches.insert(id.clone(), Finished { request, matched });
        Ok(id)
    }

    async fn status(&self, id: &str) -> Result<SearchStatus, SearchError> {
        self.with(id, |f| SearchStatus {
            state: SearchState::Succeeded,
            total: f.matched.hits.len(),
            truncated: f.matched.truncated,
            elapsed_ms: f.matched.elapsed.as_millis() as u64,
            read: f.matched.read,
        })
    }

    async fn page(&self, id: &str, offset: usize, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let window = self.with(id, |f| {
            f.matched
                .hits
                .iter()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect::<Vec<_>>()
        })?;
        page(&self.engine, &window, 0, window.len()).await
    }

    async fn tag_counts(&self, id: &str) -> Result<BTreeMap<String, u64>, SearchError> {
        self.with(id, |f| {
            let mut counts = BTreeMap::new();
            for hit in &f.matched.hits {
                *counts.entry(hit.tag.clone()).or_insert(0) += 1;
            }
            counts
        })
    }

    async fn timeline(&self, id: &str, buckets: usize) -> Result<Vec<TimelineBucket>, SearchError> {
        if !(1..=1000).contains(&buckets) {
            return Err(SearchError::BadRequest(
                "buckets must be between 1 and 1000".into(),
            ));
        }
        self.with(id, |f| {
            let (from, to) = (f.request.from_us, f.request.to_us);
            let width = ((to - from) / buckets as i64).max(1);
            let mut out: Vec<TimelineBucket> = (0..buckets)
                .map(|i| TimelineBucket {
                    start_us: from + width * i as i64,
                    counts: BTreeMap::new(),
                })
                .collect();
            for hit in &f.matched.hits {
                let index = (((hit.timestamp_us - from) / width) as usize).min(buckets - 1);
                *out[index].counts.entry(hit.tag.clone()).or_insert(0) += 1;
            }
            out
        })
    }
}
