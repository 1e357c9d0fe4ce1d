//! Search execution for minerva, laid out as one interface with two engines:
//!
//! - [`backend`]: the [`SearchBackend`] interface and its neutral types (request, status,
//!   hit, error). It depends on no engine; the API and the CLI use only this.
//! - [`sql_engine`]: the seam "run this SQL, give me rows", with the dialect attached.
//! - [`hours`]: which hours of a range may hold a query, from the hour sketches.
//! - [`two_step`]: the search written once against that seam — count (aggregate, or lookup
//!   and exact check for phrases), then page fetch by keys.
//! - [`embedded`] (feature `embedded`): DataFusion over the Parquet files in any object store.
//! - [`athena`] (feature `athena`): Amazon Athena through `aws-sdk-athena`, stateless.
//!
//! SQL comes from `minerva_core::sql`, the one place where queries become SQL.

#[cfg(feature = "athena")]
pub mod athena;
pub mod backend;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod estimate;
pub mod hours;
mod search_id;
pub mod sql_engine;
pub mod two_step;

pub use backend::{
    Candidate, Estimate, FieldCount, Hit, HitPage, HitStream, ReadStats, SearchBackend,
    SearchError, SearchRequest, SearchState, SearchStatus, Summary, TimelineBucket, rfc3339,
};
#[cfg(feature = "embedded")]
pub use embedded::{EmbeddedBackend, EmbeddedEngine, EmbeddedLimits};
