//! A date written in an object's key or path (`AWSLogs/…/2024/01/31/…`, `dt=2024-01-31-05`,
//! `app-20240131.log`): the best clue to the year of records that carry none (syslog's
//! `Jan 31 12:00:00`) when the object's own time is not when it was written (a copy, an
//! archive restored, generated test data).

use chrono::NaiveDate;

/// The last date in `key` (the one closest to the file name), as the microsecond at the end
/// of that day, UTC. Dates are `YYYY/MM/DD`, `YYYY-MM-DD`, `YYYY_MM_DD`, `YYYY.MM.DD` or
/// `YYYYMMDD`, years 1970–2099, not inside a longer run of digits.
pub fn date_in_key(key: &str) -> Option<i64> {
    let bytes = key.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        if (i == 0 || !bytes[i - 1].is_ascii_digit())
            && let Some((date, len)) = date_at(&bytes[i..])
            && bytes.get(i + len).is_none_or(|b| !b.is_ascii_digit())
        {
            found = Some(date);
        }
        i += 1;
    }
    let end_of_day = found?.and_hms_micro_opt(23, 59, 59, 999_999)?;
    Some(end_of_day.and_utc().timestamp_micros())
}

/// A date starting at the first byte of `s`, and its length.
fn date_at(s: &[u8]) -> Option<(NaiveDate, usize)> {
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = s.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let year = number(0..4)?;
    if !(1970..=2099).contains(&year) {
        return None;
    }
    let (month, day, len) = match s.get(4) {
        Some(&sep @ (b'/' | b'-' | b'_' | b'.')) if s.get(7) == Some(&sep) => {
            (number(5..7)?, number(8..10)?, 10)
        }
        _ => (number(4..6)?, number(6..8)?, 8),
    };
    let year = i32::try_from(year).ok()?;
    NaiveDate::from_ymd_opt(year, month, day).map(|date| (date, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(key: &str) -> Option<String> {
        date_in_key(key).map(|us| {
            chrono::DateTime::from_timestamp_micros(us)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
    }

    #[test]
    fn dates_in_keys_are_found() {
        let cases = [
            (
                "AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/31/x.json.gz",
                Some("2024-01-31 23:59:59"),
            ),
            (
                "logs/dt=2023-12-30-05/part.log",
                Some("2023-12-30 23:59:59"),
            ),
            ("app-20240229.log", Some("2024-02-29 23:59:59")),
            ("2022/01/01/app-2024_03_04.log", Some("2024-03-04 23:59:59")),
            ("host/2024.05.06/syslog", Some("2024-05-06 23:59:59")),
            // not dates
            ("app-20230229.log", None),
            ("id-1234567890123.log", None),
            ("2024/13/01/x.log", None),
            ("sshd-0000.log", None),
            ("v1/12345678/x", None),
            ("", None),
            ("ü2024-01-01ü", Some("2024-01-01 23:59:59")),
        ];
        for (key, want) in cases {
            assert_eq!(day(key).as_deref(), want, "{key}");
        }
    }
}
