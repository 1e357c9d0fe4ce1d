//! The interface every search backend implements, and the neutral types it speaks. Nothing
//! here knows an engine: the embedded (DataFusion) and Athena backends live in their own
//! modules behind cargo features, and the API and the CLI see only this.
//!
//! Searches are asynchronous (Athena takes seconds): submit returns an id at once; status,
//! pages of hits, per-tag counts and the timeline are read by id while or after it runs. Ids
//! are unguessable on every backend.

mod error;
mod summary;
mod types;

use async_trait::async_trait;
use futures::stream::BoxStream;

pub use error::SearchError;
pub use summary::{MAX_TIMELINE_BUCKETS, Summary};
pub use types::{
    ATHENA_MINIMUM_BYTES, Candidate, DOLLARS_PER_BYTE, Estimate, FieldCount, Hit, HitPage,
    ReadStats, SearchRequest, SearchState, SearchStatus, TimelineBucket, athena_billed_bytes,
    rfc3339,
};

/// Every hit of a search, in pages, newest first.
pub type HitStream = BoxStream<'static, Result<Vec<Hit>, SearchError>>;

/// A search backend.
#[async_trait]
pub trait SearchBackend: Send + Sync {
    /// Which engine this is (`embedded`, `athena`).
    fn engine(&self) -> &'static str;
    /// Starts a search and returns its id without waiting for it.
    async fn submit(&self, request: SearchRequest) -> Result<String, SearchError>;
    /// Reports a search's state, exact counts and cost.
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
    /// Every hit of a succeeded search, newest first, in pages (memory bounded by a page).
    async fn hits(&self, id: &str) -> Result<HitStream, SearchError>;
    /// Hits per time bucket and tag over the request's range (`buckets` consecutive buckets).
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
    /// What `request` would read and cost, before it runs.
    async fn estimate(&self, request: &SearchRequest) -> Result<Estimate, SearchError>;
    /// The statements `request` would send first, exactly as sent.
    fn explain(&self, request: &SearchRequest) -> Result<Vec<String>, SearchError>;
}
