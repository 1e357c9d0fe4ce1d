//! Parsers for command-line style arguments (`--size 1GB --span 24h --start 2024-01-01`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::GenerateError;

fn err(what: &'static str, input: &str, reason: impl Into<String>) -> GenerateError {
    GenerateError::Parse {
        what,
        input: input.to_string(),
        reason: reason.into(),
    }
}

/// Splits `"1.5GB"` into `(1.5, "GB")`.
fn number_and_unit<'a>(what: &'static str, s: &'a str) -> Result<(f64, &'a str), GenerateError> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: String = num.chars().filter(|&c| c != '_').collect();
    let n: f64 = num
        .parse()
        .map_err(|_| err(what, s, "expected a number followed by an optional unit"))?;
    Ok((n, unit.trim()))
}

/// Parses a byte size: a number with an optional unit, case-insensitive.
///
/// `B`; decimal `K`/`KB`, `M`/`MB`, `G`/`GB`, `T`/`TB` (powers of 1000); binary `KiB`, `MiB`,
/// `GiB`, `TiB` (powers of 1024). Fractions are allowed (`1.5GB`). The result must be > 0.
pub fn parse_size(s: &str) -> Result<u64, GenerateError> {
    let (n, unit) = number_and_unit("size", s)?;
    let mult: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0f64.powi(4),
        _ => {
            return Err(err(
                "size",
                s,
                format!("unknown unit {unit:?} (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"),
            ));
        }
    };
    let bytes = (n * mult).round();
    if !(1.0..1.8e19).contains(&bytes) {
        return Err(err("size", s, "must be at least 1 byte"));
    }
    Ok(bytes as u64)
}

/// Parses a duration such as `24h`, `90m`, `7d`, `1h30m`, `1w` or `3600` (seconds).
///
/// Units: `s`, `m`/`min`, `h`, `d`, `w`. Components add up; fractions are allowed (`1.5h`).
pub fn parse_span(s: &str) -> Result<chrono::Duration, GenerateError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(err("span", s, "empty"));
    }
    let mut rest = t;
    let mut total_ms = 0f64;
    while !rest.is_empty() {
        let (n, unit_and_more) = number_and_unit("span", rest)
            .map_err(|_| err("span", s, "expected e.g. 24h, 90m, 7d, 1h30m"))?;
        let unit_len = unit_and_more
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(unit_and_more.len());
        let unit = &unit_and_more[..unit_len];
        let secs = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" | "day" | "days" => 86_400.0,
            "w" | "week" | "weeks" => 604_800.0,
            u => {
                return Err(err(
                    "span",
                    s,
                    format!("unknown unit {u:?} (use s, m, h, d, w)"),
                ));
            }
        };
        total_ms += n * secs * 1000.0;
        rest = &unit_and_more[unit_len..];
    }
    if !(total_ms.is_finite() && total_ms < 1e15) {
        return Err(err("span", s, "too long"));
    }
    Ok(chrono::Duration::milliseconds(total_ms.round() as i64))
}

/// Parses a start time: RFC 3339 (`2024-01-01T00:00:00Z`, offsets allowed), a naive
/// `2024-01-01T00:00:00` / `2024-01-01 00:00:00` taken as UTC, or a date `2024-01-01`
/// (midnight UTC).
pub fn parse_start(s: &str) -> Result<DateTime<Utc>, GenerateError> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(n.and_utc());
        }
    }
    if let Some(n) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(n.and_utc());
    }
    Err(err(
        "start",
        s,
        "expected RFC 3339 (2024-01-01T00:00:00Z) or a date (2024-01-01)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GB").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("300mb").unwrap(), 300_000_000);
        assert_eq!(parse_size("1.5 GiB").unwrap(), 1_610_612_736);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("10K").unwrap(), 10_000);
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("GB").is_err());
    }

    #[test]
    fn spans() {
        assert_eq!(parse_span("24h").unwrap(), chrono::Duration::hours(24));
        assert_eq!(parse_span("1h30m").unwrap(), chrono::Duration::minutes(90));
        assert_eq!(parse_span("7d").unwrap(), chrono::Duration::days(7));
        assert_eq!(parse_span("90").unwrap(), chrono::Duration::seconds(90));
        assert_eq!(parse_span("1.5h").unwrap(), chrono::Duration::minutes(90));
        assert!(parse_span("").is_err());
        assert!(parse_span("3 fortnights").is_err());
    }

    #[test]
    fn starts() {
        let want = parse_start("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(parse_start("2024-01-01").unwrap(), want);
        assert_eq!(parse_start("2024-01-01 00:00:00").unwrap(), want);
        assert_eq!(parse_start("2024-01-01T09:00:00+09:00").unwrap(), want);
        assert!(parse_start("yesterday").is_err());
    }
}
