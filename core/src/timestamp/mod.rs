//! Timestamps: finding a record's time in JSON field values and in plain-text log lines.
//!
//! Every time in minerva is an `i64` count of **microseconds since the Unix epoch, UTC**.
//! Everything here is a pure function: no I/O, no allocation on the common path and no panic
//! on any input.
//!
//! - [`parse_timestamp_value`] reads one JSON field value (RFC 3339 / ISO 8601 text or an epoch
//!   number whose unit is picked by magnitude); [`JSON_TIMESTAMP_FIELDS`] and
//!   [`json_timestamp_priority`] say which flattened JSON paths are candidates, best first.
//! - [`parse_text_timestamp`] finds the time near the start of a plain-text line (ISO 8601,
//!   syslog, Apache, BGL, HDFS, Spark, Android, ... formats), using the time of the object
//!   being indexed to supply the year when the line has none.
//! - [`parse_date_and_time`] joins the separate `date` and `time` columns of W3C/IIS logs.
//! - [`TimestampFormat`] is a per-source override read from configuration (`auto`, `rfc3339`,
//!   `epoch_s`/`_ms`/`_us`/`_ns` or a chrono strftime pattern).

mod civil;
mod format;
mod scan;
mod text;
mod value;

#[cfg(test)]
mod tests;

pub use format::{StrftimePattern, TimestampFormat, TimestampFormatError};
pub use text::{TEXT_SCAN_WINDOW, parse_text_timestamp};
pub use value::{
    JSON_TIMESTAMP_FIELDS, json_timestamp_priority, parse_date_and_time, parse_timestamp_value,
};

/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;

/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Earliest time (inclusive) an epoch number of unknown unit may denote: 1990-01-01T00:00:00Z.
pub const EPOCH_GUESS_MIN_US: i64 = 631_152_000 * MICROS_PER_SECOND;

/// Latest time (exclusive) an epoch number may denote: 2100-01-01T00:00:00Z.
pub const EPOCH_GUESS_MAX_US: i64 = 4_102_444_800 * MICROS_PER_SECOND;

/// Earliest time (inclusive) a bare 10-digit epoch token in a text line may denote:
/// 2000-01-01T00:00:00Z.
pub const TEXT_EPOCH_MIN_US: i64 = 946_684_800 * MICROS_PER_SECOND;
