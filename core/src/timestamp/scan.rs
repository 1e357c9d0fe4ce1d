//! Byte-level matchers shared by the value and text parsers.
//!
//! Each matcher looks at `b[i..]`, never slices a `str` (so multi-byte characters are never
//! split), never panics on short input (every access goes through [`slice::get`]), and returns
//! the parsed time together with the index just past what it consumed.

use super::civil::{Clock, Date, Yearless, to_micros, valid_date};

/// The decimal value of the byte at `i`, if it is an ASCII digit.
#[inline]
pub(crate) fn digit(b: &[u8], i: usize) -> Option<u32> {
    match b.get(i) {
        Some(c @ b'0'..=b'9') => Some(u32::from(c - b'0')),
        _ => None,
    }
}

/// Whether the byte at `i` is an ASCII digit.
#[inline]
pub(crate) fn is_digit(b: &[u8], i: usize) -> bool {
    matches!(b.get(i), Some(b'0'..=b'9'))
}

/// Whether the byte at `i` is `c`.
#[inline]
pub(crate) fn byte_is(b: &[u8], i: usize, c: u8) -> bool {
    b.get(i) == Some(&c)
}

/// Exactly `n` digits at `i` as a number (`n` ≤ 9).
#[inline]
pub(crate) fn fixed(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let mut v = 0;
    for k in 0..n {
        v = v * 10 + digit(b, i + k)?;
    }
    Some(v)
}

/// One to `max` digits at `i` (not followed by a further digit): the value and the end index.
#[inline]
pub(crate) fn variable(b: &[u8], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut v = 0;
    let mut j = i;
    while let Some(d) = digit(b, j) {
        if j - i == max {
            return None;
        }
        v = v * 10 + d;
        j += 1;
    }
    (j > i).then_some((v, j))
}

/// A run of one or more fraction digits at `i` as microseconds (digits past the sixth are
/// consumed and truncated).
pub(crate) fn fraction(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let mut micros = 0;
    let mut j = i;
    while let Some(d) = digit(b, j) {
        if j - i < 6 {
            micros = micros * 10 + d;
        }
        j += 1;
    }
    let n = j - i;
    if n == 0 {
        return None;
    }
    for _ in n..6 {
        micros *= 10;
    }
    Some((micros, j))
}

/// `HH<sep>MM[<sep>SS[(.|,)fraction]]` at `i`; seconds are mandatory when `need_seconds`.
/// The time must not be followed by another digit.
pub(crate) fn time_at(b: &[u8], i: usize, sep: u8, need_seconds: bool) -> Option<(Clock, usize)> {
    let hour = fixed(b, i, 2)?;
    let minute = fixed(b, i + 3, 2)?;
    if !byte_is(b, i + 2, sep) || hour > 23 || minute > 59 {
        return None;
    }
    let mut clock = Clock {
        hour,
        minute,
        second: 0,
        micros: 0,
    };
    let mut end = i + 5;
    if byte_is(b, end, sep)
        && let Some(second) = fixed(b, end + 1, 2)
    {
        if second > 60 {
            return None;
        }
        clock.second = second;
        end += 3;
        if matches!(b.get(end), Some(b'.' | b',')) && is_digit(b, end + 1) {
            let (micros, e) = fraction(b, end + 1)?;
            clock.micros = micros;
            end = e;
        }
    } else if need_seconds {
        return None;
    }
    (!is_digit(b, end)).then_some((clock, end))
}

/// `HH[:]MM` or `HH` of a numeric zone offset at `i` (after the sign), as seconds.
fn offset_digits(b: &[u8], i: usize, need_minutes: bool) -> Option<(i32, usize)> {
    let hours = fixed(b, i, 2)?;
    let (minutes, end) = if byte_is(b, i + 2, b':') {
        (fixed(b, i + 3, 2)?, i + 5)
    } else if let Some(m) = fixed(b, i + 2, 2) {
        (m, i + 4)
    } else if need_minutes {
        return None;
    } else {
        (0, i + 2)
    };
    if hours > 23 || minutes > 59 || is_digit(b, end) {
        return None;
    }
    Some((i32::try_from(hours * 3600 + minutes * 60).ok()?, end))
}

/// An optional zone designator at `i`: `Z`, `±HH:MM`, `±HHMM`, `±HH`, ` ±HHMM`, ` ±HH:MM`,
/// `UTC`/`GMT` (with or without a leading space). Returns the offset east of UTC in seconds
/// and the end index; `(0, i)` when there is no zone.
pub(crate) fn zone_at(b: &[u8], i: usize) -> (i32, usize) {
    let signed = |at: usize, need_minutes: bool| {
        let sign = match b.get(at) {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return None,
        };
        offset_digits(b, at + 1, need_minutes).map(|(secs, end)| (sign * secs, end))
    };
    let utc_name = |at: usize| {
        matches!(b.get(at..at + 3), Some(b"UTC" | b"GMT"))
            && !b.get(at + 3).is_some_and(u8::is_ascii_alphanumeric)
    };
    match b.get(i) {
        Some(b'Z' | b'z') => (0, i + 1),
        Some(b'+' | b'-') => signed(i, false).unwrap_or((0, i)),
        Some(b' ') => {
            if let Some(found) = signed(i + 1, true) {
                found
            } else if utc_name(i + 1) {
                (0, i + 4)
            } else {
                (0, i)
            }
        }
        Some(b'U' | b'G') if utc_name(i) => (0, i + 3),
        _ => (0, i),
    }
}

/// What [`iso_at`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Iso {
    /// A full date and time. `weak` when date and time are joined by `_` (as in file names such
    /// as `nova-api.log.1.2017-05-16_13:53:08`), which the text scanner ranks lower.
    DateTime { us: i64, end: usize, weak: bool },
    /// A date with no time after it.
    DateOnly { date: Date, end: usize },
}

/// An ISO 8601-like date at `i`: `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD`, optionally followed
/// by `T`, space or `_` and `HH:MM[:SS[.f]]` and a zone; or BGL's `YYYY-MM-DD-HH.MM.SS.ffffff`
/// (taken as UTC). Invalid dates and times give `None`.
pub(crate) fn iso_at(b: &[u8], i: usize) -> Option<Iso> {
    let sep = *b.get(i + 4)?;
    if !matches!(sep, b'-' | b'/' | b'.') || !byte_is(b, i + 7, sep) {
        return None;
    }
    let date = Date {
        year: i64::from(fixed(b, i, 4)?),
        month: fixed(b, i + 5, 2)?,
        day: fixed(b, i + 8, 2)?,
    };
    let j = i + 10;
    if !valid_date(date.year, date.month, date.day) || is_digit(b, j) {
        return None;
    }
    let (clock, end, weak, zoned) = match b.get(j) {
        Some(b'T' | b't' | b' ') => match time_at(b, j + 1, b':', false) {
            Some((clock, end)) => (clock, end, false, true),
            None => return Some(Iso::DateOnly { date, end: j }),
        },
        Some(b'_') => match time_at(b, j + 1, b':', false) {
            Some((clock, end)) => (clock, end, true, true),
            None => return Some(Iso::DateOnly { date, end: j }),
        },
        Some(b'-') if sep == b'-' => match time_at(b, j + 1, b'.', true) {
            Some((clock, end)) => (clock, end, false, false),
            None => return Some(Iso::DateOnly { date, end: j }),
        },
        _ => return Some(Iso::DateOnly { date, end: j }),
    };
    let (offset, end) = if zoned { zone_at(b, end) } else { (0, end) };
    let us = to_micros(date, clock, offset)?;
    Some(Iso::DateTime { us, end, weak })
}

/// The month (1–12) named by the three ASCII letters at `i`, in any letter case.
pub(crate) fn month_name(b: &[u8], i: usize) -> Option<u32> {
    let name = b.get(i..i + 3)?;
    let key = [name[0] | 0x20, name[1] | 0x20, name[2] | 0x20];
    let month = match &key {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    };
    Some(month)
}

/// Common Log Format at `i`: `dd/Mon/yyyy:HH:MM:SS` with an optional ` ±hhmm` offset.
pub(crate) fn clf_at(b: &[u8], i: usize) -> Option<(i64, usize)> {
    if !byte_is(b, i + 2, b'/') || !byte_is(b, i + 6, b'/') || !byte_is(b, i + 11, b':') {
        return None;
    }
    let date = Date {
        day: fixed(b, i, 2)?,
        month: month_name(b, i + 3)?,
        year: i64::from(fixed(b, i + 7, 4)?),
    };
    let (clock, end) = time_at(b, i + 12, b':', true)?;
    let (offset, end) = zone_at(b, end);
    Some((to_micros(date, clock, offset)?, end))
}

/// What [`month_at`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MonthTime {
    /// The line also gave the year (ctime `Dec 04 04:47:44 2005`, `Mar 12 2019 10:00:00`).
    Full { us: i64, end: usize },
    /// Classic syslog `Jun 14 15:16:01` with no year.
    Yearless { ts: Yearless, end: usize },
}

/// A four-digit year in 1970–2099 at `i`, not followed by a letter or digit.
fn plausible_year(b: &[u8], i: usize) -> Option<i64> {
    let year = fixed(b, i, 4)?;
    let ok = (1970..=2099).contains(&year) && !b.get(i + 4).is_some_and(u8::is_ascii_alphanumeric);
    ok.then_some(i64::from(year))
}

/// A month-name time at `i`: `Mon dd HH:MM:SS[.f]` (day may be space-padded, `Jul  1`),
/// optionally followed by ` YYYY` (ctime), or `Mon dd YYYY HH:MM:SS[.f]`.
pub(crate) fn month_at(b: &[u8], i: usize) -> Option<MonthTime> {
    // Most words are not three letters long: test the space before the name.
    if !byte_is(b, i + 3, b' ') {
        return None;
    }
    let month = month_name(b, i)?;
    let mut j = i + 4;
    if byte_is(b, j, b' ') {
        j += 1;
    }
    let (day, e) = variable(b, j, 2)?;
    if !(1..=31).contains(&day) || !byte_is(b, e, b' ') {
        return None;
    }
    let j = e + 1;
    if let Some((clock, end)) = time_at(b, j, b':', true) {
        if byte_is(b, end, b' ')
            && let Some(year) = plausible_year(b, end + 1)
        {
            let us = to_micros(Date { year, month, day }, clock, 0)?;
            return Some(MonthTime::Full { us, end: end + 5 });
        }
        let ts = Yearless { month, day, clock };
        return Some(MonthTime::Yearless { ts, end });
    }
    let year = plausible_year(b, j)?;
    if !byte_is(b, j + 4, b' ') {
        return None;
    }
    let (clock, end) = time_at(b, j + 5, b':', true)?;
    let us = to_micros(Date { year, month, day }, clock, 0)?;
    Some(MonthTime::Full { us, end })
}
