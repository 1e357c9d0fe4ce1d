//! Proleptic Gregorian calendar arithmetic on plain integers (no chrono on the hot path), and
//! the year-inference rule for timestamps that carry no year.

use super::{MICROS_PER_DAY, MICROS_PER_SECOND};

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub(crate) fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days in `month` (1–12) of `year`; 0 for an invalid month.
pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `year-month-day` is a real calendar date.
pub(crate) fn valid_date(year: i64, month: u32, day: u32) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

/// Days since 1970-01-01 of a valid date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar year containing `us` (microseconds since the epoch).
pub(crate) fn year_of(us: i64) -> i64 {
    let z = us.div_euclid(MICROS_PER_DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let y = yoe + era * 400;
    // Months are counted from March, so January and February belong to the next year.
    if mp >= 10 { y + 1 } else { y }
}

/// A wall-clock time of day, already range-checked by the scanners (second may be 60 for a
/// leap second, which simply rolls into the next minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
}

impl Clock {
    /// Microseconds since midnight.
    pub(crate) fn micros_of_day(self) -> i64 {
        (i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second))
            * MICROS_PER_SECOND
            + i64::from(self.micros)
    }
}

/// A calendar date, not yet validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

/// Microseconds since the epoch of `date` at `clock` in a zone `offset_secs` east of UTC;
/// `None` if the date does not exist or the result overflows.
pub(crate) fn to_micros(date: Date, clock: Clock, offset_secs: i32) -> Option<i64> {
    if !valid_date(date.year, date.month, date.day) {
        return None;
    }
    days_from_civil(date.year, date.month, date.day)
        .checked_mul(MICROS_PER_DAY)?
        .checked_add(clock.micros_of_day())?
        .checked_sub(i64::from(offset_secs) * MICROS_PER_SECOND)
}

/// A date and time that lacks its year (syslog `Jun 14 15:16:01`, Android `03-17 16:13:38.811`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Yearless {
    pub month: u32,
    pub day: u32,
    pub clock: Clock,
}

impl Yearless {
    fn in_year(self, year: i64) -> Option<i64> {
        let date = Date {
            year,
            month: self.month,
            day: self.day,
        };
        to_micros(date, self.clock, 0)
    }

    /// Resolves the year from the object's time: the object's year, or the previous year if
    /// that would put the record more than one day after the object was written (a December
    /// log read in January) or if the date does not exist that year (February 29).
    pub(crate) fn resolve(self, object_time_us: i64) -> Option<i64> {
        let year = year_of(object_time_us);
        match self.in_year(year) {
            Some(us) if us <= object_time_us.saturating_add(MICROS_PER_DAY) => Some(us),
            _ => self.in_year(year - 1),
        }
    }

    /// Resolves the year from a full date written elsewhere on the same line (Thunderbird's
    /// `2005.11.09 ... Nov 9 12:01:01`): the year of `hint` or an adjacent one, whichever
    /// puts the record closest to that date, if within two days of it; otherwise falls back
    /// to [`Yearless::resolve`].
    pub(crate) fn resolve_with_hint(self, hint: Option<Date>, object_time_us: i64) -> Option<i64> {
        if let Some(hint) = hint
            && let Some(hint_us) = to_micros(hint, Clock::MIDNIGHT, 0)
        {
            let best = [hint.year - 1, hint.year, hint.year + 1]
                .into_iter()
                .filter_map(|y| self.in_year(y))
                .min_by_key(|us| us.abs_diff(hint_us));
            if let Some(us) = best
                && us.abs_diff(hint_us) <= 2 * MICROS_PER_DAY.unsigned_abs()
            {
                return Some(us);
            }
        }
        self.resolve(object_time_us)
    }
}

impl Clock {
    /// 00:00:00.000000.
    pub(crate) const MIDNIGHT: Clock = Clock {
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
    };
}

/// Expands a two-digit year with the POSIX pivot: 69–99 → 1969–1999, 00–68 → 2000–2068.
pub(crate) fn expand_two_digit_year(yy: u32) -> i64 {
    if yy >= 69 {
        1900 + i64::from(yy)
    } else {
        2000 + i64::from(yy)
    }
}
