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
///
/// A value too small to be a time since the epoch (before 2001) is read as a duration from
/// now: that is what `cargo lambda watch`, the emulator our tests run under, sends (its
/// `--timeout` in milliseconds).
pub fn deadline_instant(deadline_ms: u64) -> Instant {
    const EPOCH_MS_2001: u64 = 978_307_200_000;
    if deadline_ms < EPOCH_MS_2001 {
        return Instant::now() + Duration::from_millis(deadline_ms);
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

#[cfg(test)]
mod deadline_tests {
    use super::*;

    #[test]
    fn an_epoch_deadline_is_the_time_left() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let left = deadline_instant(now_ms + 30_000) - Instant::now();
        assert!(
            left > Duration::from_secs(29) && left <= Duration::from_secs(30),
            "{left:?}"
        );
        assert!(deadline_instant(now_ms - 1_000) <= Instant::now());
    }

    #[test]
    fn the_emulators_duration_is_read_as_time_left() {
        let left = deadline_instant(600_000) - Instant::now();
        assert!(left > Duration::from_secs(599), "{left:?}");
    }
}
