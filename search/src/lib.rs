//! Search execution for minerva: the embedded DataFusion engine ([`engine`]), the two-step
//! search over it ([`execute`]: index lookup, exact check of phrase candidates, message fetch)
//! and the backend interface that the Athena backend will also implement ([`backend`]).
//!
//! SQL comes from `minerva_core::sql`, the one place where queries become SQL.

pub mod backend;
pub mod counting;
pub mod embedded;
pub mod engine;
pub mod error;
pub mod execute;

pub use backend::{FieldCount, HitPage, SearchBackend, SearchState, SearchStatus, TimelineBucket};
pub use counting::ReadStats;
pub use embedded::{EmbeddedBackend, EmbeddedLimits};
pub use engine::{EmbeddedEngine, ScanMetrics};
pub use error::SearchError;
pub use execute::{
    Candidate, Hit, Matched, SearchRequest, fetch, fetch_in_order, find, page, rfc3339,
};
