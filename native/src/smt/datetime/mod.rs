//! Java `SimpleDateFormat` patterns in UTC, and the civil-date arithmetic under them.
//!
//! Connect's `TimestampRouter` (`timestamp.format`), `TimestampConverter` (`format`) and `Cast`
//! (through `Values.dateFormatFor`) format and parse timestamps with `java.text.SimpleDateFormat`.
//! [`DateFormat`] compiles such a pattern once and then formats or parses epoch milliseconds
//! without allocating per field. Supported letters: `G y M L d D F E u a H k K h m s S z Z X`,
//! quoted text (`'T'`) and `''`; the week-based letters `w W Y` are rejected. Every instant is
//! taken in UTC, which is what `TimestampRouter` and `TimestampConverter` configure; `Cast` in
//! Connect uses the JVM's default zone instead (see [`format_connect_date`]).

mod parse;
mod pattern;

use std::time::{SystemTime, UNIX_EPOCH};

pub use pattern::PatternError;

use crate::data::calendar::{days_from_gregorian, month_length, Fields, MILLIS_PER_DAY};
use pattern::Token;

/// A compiled `SimpleDateFormat` pattern that formats and parses in UTC.
#[derive(Debug, Clone)]
pub struct DateFormat {
    pattern: String,
    tokens: Vec<Token>,
    /// Start of the 100-year window for two-digit years: (epoch millis, year).
    century_start: (i64, i64),
}

impl DateFormat {
    /// Compiles `pattern`.
    ///
    /// Two-digit years (`yy`) parse into the century that starts 80 years before now, as
    /// `SimpleDateFormat` does at construction time.
    ///
    /// # Errors
    /// [`PatternError`] with Java's `IllegalArgumentException` text for an illegal letter or an
    /// unterminated quote, or for a week-based letter this implementation does not support.
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Ok(Self {
            pattern: pattern.to_owned(),
            tokens: pattern::compile(pattern)?,
            century_start: eighty_years_before(now),
        })
    }

    /// Sets the start of the two-digit-year window (`SimpleDateFormat.set2DigitYearStart`).
    #[must_use]
    pub fn with_two_digit_year_start(mut self, epoch_millis: i64) -> Self {
        let year = Fields::from_epoch_millis(epoch_millis).year_of_era();
        self.century_start = (epoch_millis, year);
        self
    }

    /// The pattern as given (`SimpleDateFormat.toPattern()`).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Formats the instant `epoch_millis` (milliseconds since 1970-01-01T00:00Z).
    pub fn format(&self, epoch_millis: i64) -> String {
        let mut out = String::with_capacity(self.pattern.len() + 8);
        self.format_into(epoch_millis, &mut out);
        out
    }

    /// Appends the formatted instant to `out`.
    pub fn format_into(&self, epoch_millis: i64, out: &mut String) {
        pattern::format_into(&self.tokens, epoch_millis, out);
    }

    /// Parses `text` leniently, as `DateFormat.parse(String)`: text after the pattern is ignored.
    ///
    /// Returns the instant in epoch milliseconds, or `None` when the text does not match (where
    /// Java throws `ParseException: Unparseable date`).
    pub fn parse(&self, text: &str) -> Option<i64> {
        parse::parse(&self.tokens, text, self.century_start)
    }
}

/// `Calendar.add(YEAR, -80)` on `now`, in UTC: the default two-digit-year window start.
fn eighty_years_before(now: i64) -> (i64, i64) {
    let f = Fields::from_epoch_millis(now);
    let year = f.year - 80;
    let day = i64::from(f.day).min(month_length(year, f.month));
    let days = days_from_gregorian(year, f.month, day);
    (days * MILLIS_PER_DAY + now.rem_euclid(MILLIS_PER_DAY), year)
}

/// Formats a `java.util.Date` the way Connect's `Values.dateFormatFor(date).format(date)` does,
/// which `Cast` uses for Date/Time/Timestamp values cast to string.
///
/// Connect compat: `dateFormatFor` picks `HH:mm:ss.SSS'Z'` for instants before 1970-01-02
/// (including every negative one), `yyyy-MM-dd` for exact multiples of a day, and
/// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` otherwise. Connect formats in the JVM's default time zone
/// despite the literal `Z`; we always use UTC, which is what Connect prints on a worker running
/// in UTC and what the `Z` claims.
pub fn format_connect_date(epoch_millis: i64) -> String {
    let f = Fields::from_epoch_millis(epoch_millis);
    let time = |out: &mut String| {
        use std::fmt::Write as _;
        let _ = write!(out, "{:02}:{:02}:{:02}.{:03}Z", f.hour, f.minute, f.second, f.millis);
    };
    let date = |out: &mut String| {
        use std::fmt::Write as _;
        // Pattern "yyyy": the year of the era, at least four digits.
        let _ = write!(out, "{:04}-{:02}-{:02}", f.year_of_era(), f.month, f.day);
    };
    let mut out = String::with_capacity(24);
    if epoch_millis < MILLIS_PER_DAY {
        time(&mut out);
    } else if epoch_millis % MILLIS_PER_DAY == 0 {
        date(&mut out);
    } else {
        date(&mut out);
        out.push('T');
        time(&mut out);
    }
    out
}

#[cfg(test)]
mod tests;
