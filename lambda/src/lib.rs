//! minerva on AWS Lambda: three thin functions over the same library code as the `minerva`
//! command.
//!
//! - `minerva-indexer-lambda` ([`indexer`]): SQS batches of S3 object events → index files,
//!   partial batch failures for what must be retried.
//! - `minerva-merger-lambda` ([`merger`]): the hourly compaction, stopping before the deadline.
//! - `minerva-search-lambda` ([`search`]): the REST API and web UI behind API Gateway, on Athena.
//!
//! Settings come from the environment once per cold start ([`config`]); handlers are plain
//! async functions, tested without the Lambda runtime.

pub mod config;
pub mod events;
pub mod indexer;
pub mod merger;
pub mod search;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// An invocation's deadline (milliseconds since the epoch, as Lambda gives it) as an `Instant`.
pub fn deadline_instant(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}
