//! Per-source timestamp format overrides read from configuration.

use std::fmt;
use std::str::FromStr;

use chrono::format::{Item, Parsed, StrftimeItems};

use super::MICROS_PER_DAY;
use super::MICROS_PER_SECOND;
use super::civil::{Clock, to_micros, year_of};
use super::scan::{Iso, iso_at};
use super::text::{parse_text_timestamp, skip_leading};
use super::value::{Decimal, EpochUnit, iso_whole, parse_timestamp_value};

/// How a source's timestamps are written, as configured per source.
///
/// Parsed with [`FromStr`] from `auto`, `rfc3339` (alias `iso8601`), `epoch_s`, `epoch_ms`,
/// `epoch_us`, `epoch_ns` (keywords in any letter case) or any chrono strftime pattern
/// containing `%` (such as `%d/%b/%Y:%H:%M:%S %z`); [`fmt::Display`] gives the same text
/// back. Also (de)serialises as that string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TimestampFormat {
    /// Detect the format: [`parse_timestamp_value`] for values, [`parse_text_timestamp`] for
    /// lines.
    #[default]
    Auto,
    /// RFC 3339 / ISO 8601 (leniently: space or `T`, any fraction, zone optional = UTC).
    Rfc3339,
    /// Seconds since the epoch, integer or decimal.
    EpochSeconds,
    /// Milliseconds since the epoch.
    EpochMillis,
    /// Microseconds since the epoch.
    EpochMicros,
    /// Nanoseconds since the epoch.
    EpochNanos,
    /// A chrono strftime pattern.
    Strftime(StrftimePattern),
}

/// A validated chrono strftime pattern, kept pre-parsed so that each use costs no parsing of
/// the pattern itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrftimePattern {
    pattern: String,
    items: Vec<Item<'static>>,
}

/// Why a string is not a [`TimestampFormat`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampFormatError {
    /// The string is empty or only whitespace.
    #[error("empty timestamp format")]
    Empty,
    /// Neither a keyword nor a pattern (a pattern must contain `%`).
    #[error(
        "unknown timestamp format {0:?}: expected auto, rfc3339, epoch_s, epoch_ms, epoch_us, \
         epoch_ns or a strftime pattern containing '%'"
    )]
    Unknown(String),
    /// A pattern with a specifier chrono does not know.
    #[error("invalid strftime pattern {0:?}")]
    InvalidPattern(String),
}

impl StrftimePattern {
    /// Validates `pattern` (which must contain `%` and only specifiers chrono knows).
    ///
    /// # Errors
    ///
    /// [`TimestampFormatError::Unknown`] without a `%`, [`TimestampFormatError::InvalidPattern`]
    /// for a specifier chrono does not know.
    pub fn new(pattern: &str) -> Result<StrftimePattern, TimestampFormatError> {
        if !pattern.contains('%') {
            return Err(TimestampFormatError::Unknown(pattern.to_owned()));
        }
        let items = StrftimeItems::new(pattern)
            .parse_to_owned()
            .map_err(|_| TimestampFormatError::InvalidPattern(pattern.to_owned()))?;
        Ok(StrftimePattern {
            pattern: pattern.to_owned(),
            items,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Parses all of `text` (`whole`) or a prefix of it with this pattern.
    fn parse(&self, text: &str, object_time_us: i64, whole: bool) -> Option<i64> {
        let mut parsed = Parsed::new();
        if whole {
            chrono::format::parse(&mut parsed, text, self.items.iter()).ok()?;
        } else {
            chrono::format::parse_and_remainder(&mut parsed, text, self.items.iter()).ok()?;
        }
        resolve_parsed(parsed, object_time_us)
    }
}

/// Turns chrono's parsed fields into a time: a missing time of day is midnight, a missing zone
/// is UTC, and a missing year comes from the object time (previous year if the result would
/// be more than a day after the object, or if the date does not exist that year).
fn resolve_parsed(mut parsed: Parsed, object_time_us: i64) -> Option<i64> {
    if parsed.timestamp().is_some() {
        return parsed_micros(&parsed);
    }
    if parsed.hour_div_12().is_none() && parsed.hour_mod_12().is_none() {
        parsed.set_hour(0).ok()?;
    }
    if parsed.minute().is_none() {
        parsed.set_minute(0).ok()?;
    }
    let has_year = parsed.year().is_some()
        || parsed.year_div_100().is_some()
        || parsed.year_mod_100().is_some()
        || parsed.isoyear().is_some()
        || parsed.isoyear_div_100().is_some()
        || parsed.isoyear_mod_100().is_some();
    if has_year {
        return parsed_micros(&parsed);
    }
    let in_year = |year: i64| {
        let mut with_year = parsed.clone();
        with_year.set_year(year).ok()?;
        parsed_micros(&with_year)
    };
    let year = year_of(object_time_us);
    match in_year(year) {
        Some(us) if us <= object_time_us.saturating_add(MICROS_PER_DAY) => Some(us),
        _ => in_year(year - 1),
    }
}

/// The UTC time of fully resolvable parsed fields.
fn parsed_micros(parsed: &Parsed) -> Option<i64> {
    let offset = parsed.offset().unwrap_or(0);
    let local = parsed.to_naive_datetime_with_offset(offset).ok()?;
    local
        .and_utc()
        .timestamp_micros()
        .checked_sub(i64::from(offset) * MICROS_PER_SECOND)
}

impl TimestampFormat {
    /// The epoch unit of the `epoch_*` variants.
    fn epoch_unit(&self) -> Option<EpochUnit> {
        match self {
            TimestampFormat::EpochSeconds => Some(EpochUnit::Seconds),
            TimestampFormat::EpochMillis => Some(EpochUnit::Millis),
            TimestampFormat::EpochMicros => Some(EpochUnit::Micros),
            TimestampFormat::EpochNanos => Some(EpochUnit::Nanos),
            _ => None,
        }
    }

    /// Reads a whole field value (surrounding whitespace ignored) in this format.
    ///
    /// `object_time_us` supplies the year for patterns without one. Explicit epoch units
    /// accept any representable value (no plausibility range, unlike `auto`).
    #[must_use]
    pub fn parse_value(&self, text: &str, object_time_us: i64) -> Option<i64> {
        let text = text.trim();
        match self {
            TimestampFormat::Auto => parse_timestamp_value(text),
            TimestampFormat::Rfc3339 => iso_whole(text.as_bytes()),
            TimestampFormat::Strftime(pattern) => pattern.parse(text, object_time_us, true),
            epoch => Decimal::parse(text.as_bytes())?.to_micros(epoch.epoch_unit()?),
        }
    }

    /// Reads the time at the start of a text line, ignoring leading whitespace and `[`.
    ///
    /// For [`TimestampFormat::Auto`] this is [`parse_text_timestamp`], which searches further.
    #[must_use]
    pub fn parse_text_prefix(&self, line: &str, object_time_us: i64) -> Option<i64> {
        if matches!(self, TimestampFormat::Auto) {
            return parse_text_timestamp(line, object_time_us);
        }
        let b = line.as_bytes();
        let start = skip_leading(b, true);
        match self {
            TimestampFormat::Rfc3339 => match iso_at(b, start)? {
                Iso::DateTime { us, .. } => Some(us),
                Iso::DateOnly { date, .. } => to_micros(date, Clock::MIDNIGHT, 0),
            },
            TimestampFormat::Strftime(pattern) => {
                // `start` follows ASCII bytes only, so it is a character boundary.
                pattern.parse(line.get(start..)?, object_time_us, false)
            }
            epoch => {
                let rest = b.get(start..)?;
                let len = rest
                    .iter()
                    .enumerate()
                    .take_while(|&(k, &c)| c.is_ascii_digit() || c == b'.' || (k == 0 && c == b'-'))
                    .count();
                if rest.get(len).is_some_and(u8::is_ascii_alphanumeric) {
                    return None;
                }
                Decimal::parse(rest.get(..len)?)?.to_micros(epoch.epoch_unit()?)
            }
        }
    }
}

/// The keywords accepted by [`TimestampFormat::from_str`], in any letter case.
const KEYWORDS: [(&str, TimestampFormat); 7] = [
    ("auto", TimestampFormat::Auto),
    ("rfc3339", TimestampFormat::Rfc3339),
    ("iso8601", TimestampFormat::Rfc3339),
    ("epoch_s", TimestampFormat::EpochSeconds),
    ("epoch_ms", TimestampFormat::EpochMillis),
    ("epoch_us", TimestampFormat::EpochMicros),
    ("epoch_ns", TimestampFormat::EpochNanos),
];

impl FromStr for TimestampFormat {
    type Err = TimestampFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(TimestampFormatError::Empty);
        }
        if s.contains('%') {
            return StrftimePattern::new(s).map(TimestampFormat::Strftime);
        }
        KEYWORDS
            .into_iter()
            .find(|(keyword, _)| keyword.eq_ignore_ascii_case(s))
            .map(|(_, format)| format)
            .ok_or_else(|| TimestampFormatError::Unknown(s.to_owned()))
    }
}

impl fmt::Display for TimestampFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimestampFormat::Auto => "auto",
            TimestampFormat::Rfc3339 => "rfc3339",
            TimestampFormat::EpochSeconds => "epoch_s",
            TimestampFormat::EpochMillis => "epoch_ms",
            TimestampFormat::EpochMicros => "epoch_us",
            TimestampFormat::EpochNanos => "epoch_ns",
            TimestampFormat::Strftime(pattern) => pattern.as_str(),
        })
    }
}

impl serde::Serialize for TimestampFormat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TimestampFormat {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
