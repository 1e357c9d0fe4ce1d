//! Timestamps in JSON field values: which fields are candidates, and how a value is read.

use super::civil::to_micros;
use super::scan::{Iso, MonthTime, clf_at, iso_at, month_at, time_at, zone_at};
use super::{EPOCH_GUESS_MAX_US, EPOCH_GUESS_MIN_US};

/// Dotted JSON field paths that may hold a record's time, best first.
///
/// A caller flattening a JSON record looks each leaf path up with [`json_timestamp_priority`]
/// and keeps the parseable candidate with the lowest index.
pub const JSON_TIMESTAMP_FIELDS: &[&str] = &[
    "@timestamp",
    "timestamp",
    // AWS CloudTrail.
    "eventTime",
    "time",
    // Zeek: epoch seconds with a fraction.
    "ts",
    // Windows EVTX converted to JSON.
    "Event.System.TimeCreated.#attributes.SystemTime",
    "Event.System.TimeCreated.SystemTime",
    "TimeCreated",
    "timeGenerated",
    "date",
    "datetime",
    // Kubernetes audit.
    "requestReceivedTimestamp",
    "stageTimestamp",
    // VPC flow logs.
    "start",
    "createdAt",
    "created_at",
    // Serilog compact JSON.
    "@t",
    "eventTimestamp",
];

/// Length of the longest path in [`JSON_TIMESTAMP_FIELDS`], for a quick rejection.
const LONGEST_FIELD: usize = "Event.System.TimeCreated.#attributes.SystemTime".len();

/// The index of `path` in [`JSON_TIMESTAMP_FIELDS`] (lower is better), or `None` if the path
/// is not a timestamp candidate. The match is exact and case-sensitive.
#[must_use]
pub fn json_timestamp_priority(path: &str) -> Option<usize> {
    if path.len() > LONGEST_FIELD {
        return None;
    }
    JSON_TIMESTAMP_FIELDS
        .iter()
        .position(|field| *field == path)
}

/// Reads a JSON field value — the text of a string (without quotes) or the raw text of a JSON
/// number — as a time in microseconds since the epoch, UTC.
///
/// Accepted, after trimming surrounding whitespace:
/// - RFC 3339 / ISO 8601: `2019-10-12T07:20:50.52Z`, `2019-10-12 07:20:50`, `2019-10-12T07:20`,
///   with `Z`, `+09:00`, `+0900`, `+09` or no zone (UTC); a fraction of any number of digits
///   after `.` or `,` (kept to the microsecond); a bare date `2019-10-12` is midnight UTC.
/// - An epoch number, integer or decimal (or with an exponent), whose unit — seconds,
///   milliseconds, microseconds or nanoseconds — is the one that puts it in
///   1990-01-01..2100-01-01; numbers that fit no unit give `None`.
/// - The Microsoft JSON date `/Date(1571630400123)/` (milliseconds, any value).
/// - As fallbacks: Common Log Format `10/Oct/2000:13:55:36 -0700`, ctime
///   `Sun Dec 04 04:47:44 2005` and RFC 2822 `Tue, 15 Nov 1994 08:12:31 GMT`.
#[must_use]
pub fn parse_timestamp_value(text: &str) -> Option<i64> {
    let text = text.trim();
    let b = text.as_bytes();
    match b.first()? {
        b'0'..=b'9' => {
            if let Some(us) = iso_whole(b) {
                return Some(us);
            }
            if let Some(number) = Decimal::parse(b) {
                return number.guess_unit();
            }
            if let Some((us, end)) = clf_at(b, 0)
                && end == b.len()
            {
                return Some(us);
            }
            rfc2822(text)
        }
        b'-' | b'+' | b'.' => Decimal::parse(b)?.guess_unit(),
        b'/' => microsoft_json_date(b),
        c if c.is_ascii_alphabetic() => {
            // ctime, with or without the leading weekday.
            let month_start = if b.get(3) == Some(&b' ') && month_at(b, 0).is_none() {
                4
            } else {
                0
            };
            if let Some(MonthTime::Full { us, end }) = month_at(b, month_start)
                && end == b.len()
            {
                return Some(us);
            }
            rfc2822(text)
        }
        _ => None,
    }
}

/// An ISO 8601 date or date-time that spans all of `b`.
pub(crate) fn iso_whole(b: &[u8]) -> Option<i64> {
    match iso_at(b, 0)? {
        Iso::DateTime { us, end, .. } if end == b.len() => Some(us),
        Iso::DateOnly { date, end } if end == b.len() => {
            to_micros(date, super::civil::Clock::MIDNIGHT, 0)
        }
        _ => None,
    }
}

/// The Microsoft JSON date `/Date(1571630400123)/` or `/Date(1571630400123+0100)/` written by
/// .NET and PowerShell's `ConvertTo-Json`: milliseconds since the epoch (the offset, if any,
/// only says how to display it).
fn microsoft_json_date(b: &[u8]) -> Option<i64> {
    let inner = b.strip_prefix(b"/Date(")?.strip_suffix(b")/")?;
    let digits_end = inner
        .iter()
        .enumerate()
        .position(|(k, c)| !(c.is_ascii_digit() || (k == 0 && *c == b'-')))
        .unwrap_or(inner.len());
    let (millis, offset) = inner.split_at(digits_end);
    let offset_ok = offset.is_empty()
        || (offset.len() == 5
            && matches!(offset[0], b'+' | b'-')
            && offset[1..].iter().all(u8::is_ascii_digit));
    if !offset_ok {
        return None;
    }
    Decimal::parse(millis)?.to_micros(EpochUnit::Millis)
}

/// RFC 2822 via chrono; only tried on short values that nothing else accepted.
fn rfc2822(text: &str) -> Option<i64> {
    if text.len() > 64 {
        return None;
    }
    chrono::DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// Joins W3C/IIS `date` (`2019-10-12`) and `time` (`07:20:50`, `07:20:50.123`, `07:20`,
/// optionally with a zone) columns into a time, UTC unless a zone is given.
#[must_use]
pub fn parse_date_and_time(date: &str, time: &str) -> Option<i64> {
    let date_bytes = date.trim().as_bytes();
    let time_bytes = time.trim().as_bytes();
    let Iso::DateOnly { date, end } = iso_at(date_bytes, 0)? else {
        return None;
    };
    if end != date_bytes.len() {
        return None;
    }
    let (clock, end) = time_at(time_bytes, 0, b':', false)?;
    let (offset, end) = zone_at(time_bytes, end);
    if end != time_bytes.len() {
        return None;
    }
    to_micros(date, clock, offset)
}

/// The unit of an epoch number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EpochUnit {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

/// A non-exponent decimal number split into an integer part and nanoseconds of the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    int: u64,
    /// The fraction as billionths (so `.123` is `123_000_000`).
    frac_nanos: u32,
}

impl Decimal {
    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (the exponent form goes through `f64`).
    pub(crate) fn parse(b: &[u8]) -> Option<Decimal> {
        let (negative, mut i) = match b.first()? {
            b'-' => (true, 1),
            b'+' => (false, 1),
            _ => (false, 0),
        };
        let int_start = i;
        let mut int: u64 = 0;
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            int = int.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            i += 1;
        }
        let mut digits = i - int_start;
        let mut frac_nanos = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let frac_start = i;
            while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                if i - frac_start < 9 {
                    frac_nanos = frac_nanos * 10 + u32::from(c - b'0');
                }
                i += 1;
            }
            let n = i - frac_start;
            if n == 0 {
                return None;
            }
            for _ in n.min(9)..9 {
                frac_nanos *= 10;
            }
            digits += n;
        }
        if digits == 0 {
            return None;
        }
        match b.get(i) {
            None => Some(Decimal {
                negative,
                int,
                frac_nanos,
            }),
            Some(b'e' | b'E') => Self::from_f64(std::str::from_utf8(b).ok()?.parse::<f64>().ok()?),
            Some(_) => None,
        }
    }

    fn from_f64(v: f64) -> Option<Decimal> {
        // 1.8e19 is just below u64::MAX; anything larger is no timestamp in any unit.
        if !v.is_finite() || v.abs() >= 1.8e19 {
            return None;
        }
        let abs = v.abs();
        // In range by the check above; `as` saturates and truncates toward zero.
        let int = abs.trunc() as u64;
        let frac_nanos = ((abs.fract() * 1e9) as u32).min(999_999_999);
        Some(Decimal {
            negative: v < 0.0,
            int,
            frac_nanos,
        })
    }

    /// The time this number denotes in `unit`, if representable.
    pub(crate) fn to_micros(self, unit: EpochUnit) -> Option<i64> {
        let int = i128::from(self.int);
        let frac = i128::from(self.frac_nanos);
        let magnitude = match unit {
            EpochUnit::Seconds => int * 1_000_000 + frac / 1_000,
            EpochUnit::Millis => int * 1_000 + frac / 1_000_000,
            EpochUnit::Micros => int,
            EpochUnit::Nanos => int / 1_000,
        };
        i64::try_from(if self.negative { -magnitude } else { magnitude }).ok()
    }

    /// The time in whichever unit puts it in 1990-01-01..2100-01-01 (the ranges of the four
    /// units do not overlap, so at most one does).
    pub(crate) fn guess_unit(self) -> Option<i64> {
        [
            EpochUnit::Seconds,
            EpochUnit::Millis,
            EpochUnit::Micros,
            EpochUnit::Nanos,
        ]
        .into_iter()
        .filter_map(|unit| self.to_micros(unit))
        .find(|us| (EPOCH_GUESS_MIN_US..EPOCH_GUESS_MAX_US).contains(us))
    }
}
