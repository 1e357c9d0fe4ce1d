//! The embedded engine: DataFusion over the Parquet tables in any object store (local folder,
//! S3), as an [`SqlEngine`](crate::sql_engine::SqlEngine) and as an asynchronous
//! [`SearchBackend`](crate::backend::SearchBackend) with an in-process job registry.

mod backend;
pub mod counting;
mod engine;
mod resume;

pub use backend::{EmbeddedBackend, EmbeddedLimits};
pub use engine::{EmbeddedEngine, FOOTER_READ_BYTES, ScanMetrics};
