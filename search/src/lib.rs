//! Search execution for minerva: the embedded DataFusion engine ([`engine`]), the two-step
//! search over it ([`execute`]: index lookup, exact check of phrase candidates, message fetch)
//! and the backend interface that the Athena backend will also implement ([`backend`]).
//!
//! SQL comes from `minerva_core::sql`, the one place where queries become SQL.

pub mod backend;
pub mod counting;
pub mod engine;
pub mod error;
pub mod execute;

pub use backend::{EmbeddedBackend, SearchBackend, SearchState, SearchStatus, TimelineBucket};
pub use counting::ReadStats;
pub use engine::EmbeddedEngine;
pub use error::SearchError;
pub use execute::{Candidate, Hit, Matched, SearchRequest, fetch, find, page};
