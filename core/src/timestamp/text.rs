//! Finding the record time in a plain-text log line.
//!
//! The scan runs once per line, so it works on bytes, allocates nothing and only looks at the
//! first [`TEXT_SCAN_WINDOW`] bytes. It first tries the formats that only occur at the very
//! start of a line (HDFS, Spark, Android, HealthApp, Proxifier), then walks the window once,
//! trying at each token start the formats that may appear anywhere (ISO 8601, BGL, Common Log
//! Format, syslog/ctime month names). A bare epoch-seconds token is the last resort.

use super::civil::{Clock, Date, Yearless, expand_two_digit_year, to_micros, valid_date};
use super::scan::{
    Iso, MonthTime, byte_is, clf_at, fixed, is_digit, iso_at, month_at, time_at, variable,
};
use super::value::{Decimal, EpochUnit};
use super::{EPOCH_GUESS_MAX_US, TEXT_EPOCH_MIN_US};

/// How many bytes from the start of a line (after leading whitespace) a timestamp may start in.
pub const TEXT_SCAN_WINDOW: usize = 160;

/// How many leading whitespace-separated tokens are searched for a bare epoch-seconds token.
const EPOCH_TOKENS: usize = 6;

/// Finds the record time in a plain-text log line, in microseconds since the epoch, UTC.
///
/// `object_time_us` (the time of the object being indexed) supplies the year of formats that
/// have none (syslog, Android, Proxifier): the object's year, or the year before if that would
/// put the record more than a day after the object. A year-bearing date written earlier on the
/// same line (Thunderbird's `2005.11.09 ... Nov 9 12:01:01`) takes precedence.
///
/// Recognised, in order of preference:
/// 1. At the start of the line: HDFS `081109 203615`, Spark `17/06/09 20:10:40`, Android
///    `03-17 16:13:38.811`, HealthApp `20171223-22:15:29:606`, Proxifier `[10.30 16:49:06]`.
/// 2. The first of these within the first [`TEXT_SCAN_WINDOW`] bytes: ISO 8601 date and time
///    joined by a space or `T` (`2015-10-18 18:01:47,978`, `2003-10-11T22:14:15.003Z`, also
///    with `/` or `.` between date parts), BGL `2005-06-03-15.42.50.675872`, Common Log Format
///    `10/Oct/2000:13:55:36 -0700`, ctime `Dec 04 04:47:44 2005`, syslog `Jun 14 15:16:01`.
/// 3. An ISO date and time joined by `_` (as in a file name).
/// 4. A bare epoch-seconds token (10 digits, optionally with a fraction) among the first six
///    whitespace-separated tokens, between 2000-01-01 and 2100-01-01.
///
/// Times without a zone are taken as UTC. Returns `None` when nothing matches.
#[must_use]
pub fn parse_text_timestamp(line: &str, object_time_us: i64) -> Option<i64> {
    let b = line.as_bytes();
    let start = skip_leading(b, false);
    let first = *b.get(start)?;
    if let Some(us) = line_start(b, start, first, object_time_us) {
        return Some(us);
    }
    let limit = b.len().min(start.saturating_add(TEXT_SCAN_WINDOW));
    // A date seen earlier on the line, to give a yearless time its year.
    let mut hint: Option<Date> = None;
    // The first `YYYY-MM-DD_HH:MM:SS`, used if nothing better turns up.
    let mut weak: Option<i64> = None;
    let mut i = start;
    while i < limit {
        let c = b[i];
        if c.is_ascii_digit() {
            // Formats only start at the first digit of a run; its length says which may.
            let run_end = run(b, i, u8::is_ascii_digit);
            match (run_end - i, b.get(run_end)) {
                (4, Some(b'-' | b'/' | b'.')) => match iso_at(b, i) {
                    Some(Iso::DateTime {
                        us, weak: false, ..
                    }) => return Some(us),
                    Some(Iso::DateTime {
                        us,
                        end,
                        weak: true,
                    }) => {
                        weak.get_or_insert(us);
                        i = end;
                        continue;
                    }
                    Some(Iso::DateOnly { date, end }) => {
                        hint.get_or_insert(date);
                        i = end;
                        continue;
                    }
                    None => {}
                },
                (2, Some(b'/')) => {
                    if let Some((us, _)) = clf_at(b, i) {
                        return Some(us);
                    }
                }
                _ => {}
            }
            i = run_end;
        } else if c.is_ascii_alphabetic() {
            // Month names are three-letter words followed by a space.
            let word_end = run(b, i, u8::is_ascii_alphabetic);
            if word_end - i == 3 && byte_is(b, word_end, b' ') {
                match month_at(b, i) {
                    Some(MonthTime::Full { us, .. }) => return Some(us),
                    Some(MonthTime::Yearless { ts, .. }) => {
                        return ts.resolve_with_hint(hint, object_time_us);
                    }
                    None => {}
                }
            }
            i = word_end;
        } else {
            i += 1;
        }
    }
    weak.or_else(|| epoch_token(b, start))
}

/// The end of the run of bytes satisfying `class` that starts at `i`.
#[inline]
fn run(b: &[u8], mut i: usize, class: fn(&u8) -> bool) -> usize {
    while b.get(i).is_some_and(class) {
        i += 1;
    }
    i
}

/// The index of the first byte after a UTF-8 byte-order mark and ASCII whitespace, and also
/// after `[` characters when `brackets`.
pub(crate) fn skip_leading(b: &[u8], brackets: bool) -> usize {
    let mut i = if b.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    while let Some(&c) = b.get(i) {
        if !(c.is_ascii_whitespace() || (brackets && c == b'[')) {
            break;
        }
        i += 1;
    }
    i
}

/// Formats that are only recognised at the very start of the line (index `s`, byte `first`).
fn line_start(b: &[u8], s: usize, first: u8, object_time_us: i64) -> Option<i64> {
    if first == b'[' {
        return proxifier(b, s + 1)?.resolve(object_time_us);
    }
    if !first.is_ascii_digit() {
        return None;
    }
    match *b.get(s + 2)? {
        b'/' => spark(b, s),
        b'-' => android(b, s)?.resolve(object_time_us),
        b'0'..=b'9' => match b.get(s + 6) {
            Some(b' ') => hdfs(b, s),
            Some(b'0'..=b'9') => health_app(b, s),
            _ => None,
        },
        _ => None,
    }
}

/// Spark: `yy/MM/dd HH:mm:ss`.
fn spark(b: &[u8], s: usize) -> Option<i64> {
    if !byte_is(b, s + 5, b'/') || !byte_is(b, s + 8, b' ') {
        return None;
    }
    let date = Date {
        year: expand_two_digit_year(fixed(b, s, 2)?),
        month: fixed(b, s + 3, 2)?,
        day: fixed(b, s + 6, 2)?,
    };
    let (clock, _) = time_at(b, s + 9, b':', true)?;
    to_micros(date, clock, 0)
}

/// HDFS: `yyMMdd HHmmss` followed by whitespace or the end of the line.
fn hdfs(b: &[u8], s: usize) -> Option<i64> {
    if b.get(s + 13).is_some_and(|c| !c.is_ascii_whitespace()) {
        return None;
    }
    let date = Date {
        year: expand_two_digit_year(fixed(b, s, 2)?),
        month: fixed(b, s + 2, 2)?,
        day: fixed(b, s + 4, 2)?,
    };
    let clock = Clock {
        hour: fixed(b, s + 7, 2)?,
        minute: fixed(b, s + 9, 2)?,
        second: fixed(b, s + 11, 2)?,
        micros: 0,
    };
    if clock.hour > 23 || clock.minute > 59 || clock.second > 59 {
        return None;
    }
    to_micros(date, clock, 0)
}

/// Android logcat: `MM-dd HH:mm:ss.SSS` (no year).
fn android(b: &[u8], s: usize) -> Option<Yearless> {
    let month = fixed(b, s, 2)?;
    let day = fixed(b, s + 3, 2)?;
    if !byte_is(b, s + 5, b' ') || !valid_date(2000, month, day) {
        return None;
    }
    let (clock, _) = time_at(b, s + 6, b':', true)?;
    Some(Yearless { month, day, clock })
}

/// Proxifier, after its `[`: `MM.dd HH:mm:ss]` (no year).
fn proxifier(b: &[u8], s: usize) -> Option<Yearless> {
    let month = fixed(b, s, 2)?;
    let day = fixed(b, s + 3, 2)?;
    if !byte_is(b, s + 2, b'.') || !byte_is(b, s + 5, b' ') || !valid_date(2000, month, day) {
        return None;
    }
    let (clock, end) = time_at(b, s + 6, b':', true)?;
    byte_is(b, end, b']').then_some(Yearless { month, day, clock })
}

/// HealthApp: `yyyyMMdd-H:m:s:SSS`; the clock fields are not zero-padded in real logs
/// (`20171224-0:0:0:232`), and the last field is a count of milliseconds.
fn health_app(b: &[u8], s: usize) -> Option<i64> {
    if !byte_is(b, s + 8, b'-') {
        return None;
    }
    let date = Date {
        year: i64::from(fixed(b, s, 4)?),
        month: fixed(b, s + 4, 2)?,
        day: fixed(b, s + 6, 2)?,
    };
    let (hour, e) = variable(b, s + 9, 2)?;
    let (minute, e) = byte_is(b, e, b':').then(|| variable(b, e + 1, 2))??;
    let (second, e) = byte_is(b, e, b':').then(|| variable(b, e + 1, 2))??;
    let millis = match byte_is(b, e, b':') {
        true => variable(b, e + 1, 3)?.0,
        false if is_digit(b, e) => return None,
        false => 0,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let clock = Clock {
        hour,
        minute,
        second,
        micros: millis * 1_000,
    };
    to_micros(date, clock, 0)
}

/// A 10-digit epoch-seconds token (optionally with a fraction) among the first
/// [`EPOCH_TOKENS`] whitespace-separated tokens, between 2000-01-01 and 2100-01-01.
fn epoch_token(b: &[u8], start: usize) -> Option<i64> {
    let mut i = start;
    for _ in 0..EPOCH_TOKENS {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let token_start = i;
        while b.get(i).is_some_and(|c| !c.is_ascii_whitespace()) {
            i += 1;
        }
        let token = b.get(token_start..i)?;
        if token.is_empty() {
            return None;
        }
        let integer_digits = token.iter().take_while(|c| c.is_ascii_digit()).count();
        if integer_digits == 10 && token.get(10).is_none_or(|&c| c == b'.') {
            let us = Decimal::parse(token).and_then(|n| n.to_micros(EpochUnit::Seconds));
            if let Some(us) = us.filter(|us| (TEXT_EPOCH_MIN_US..EPOCH_GUESS_MAX_US).contains(us)) {
                return Some(us);
            }
        }
    }
    None
}
