//! Amazon Athena as a search backend: [`AthenaEngine`] speaks Athena's API (start, wait,
//! stored results in pages) as an [`SqlEngine`](crate::sql_engine::SqlEngine), and
//! [`AthenaBackend`] is the stateless [`SearchBackend`](crate::backend::SearchBackend) on it.

mod backend;
mod cache;
mod client;
mod config;
mod search_id;

pub use backend::AthenaBackend;
pub use client::{AthenaEngine, Execution, RESULT_PAGE, ResultPage};
pub use config::AthenaConfig;
pub use search_id::{SearchId, request_of, with_request};
