//! Tests of the timestamp module. Expected times are written with chrono or as RFC 3339
//! strings, independently of the code under test.

mod format;
mod text;
mod value;

use chrono::{DateTime, NaiveDate};

/// Microseconds since the epoch of a UTC date and time, computed by chrono.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|date| date.and_hms_micro_opt(h, mi, s, micro))
        .expect("valid test date")
        .and_utc()
        .timestamp_micros()
}

/// Microseconds since the epoch of an RFC 3339 string, parsed by chrono.
fn rfc(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text)
        .expect("valid RFC 3339")
        .timestamp_micros()
}
