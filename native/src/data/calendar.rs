//! Civil-date arithmetic on `java.util.GregorianCalendar`'s hybrid calendar, in UTC.
//!
//! Connect formats and parses dates through `SimpleDateFormat`, and prints them with
//! `java.util.Date.toString()`; both use a calendar that is Julian before the Gregorian cutover
//! (1582-10-15) and Gregorian from then on. Days are counted from
//! 1970-01-01 (the epoch day of Connect's `Date` logical type); all arithmetic is in `i64` so
//! any epoch-millisecond value of a `java.util.Date` has a date.

/// Milliseconds in a day.
pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// The first Gregorian day, 1582-10-15, as days since the epoch (Java's default cutover).
pub const GREGORIAN_CUTOVER_DAY: i64 = -141_427;
/// The year of the cutover; Java decides which calendar a year/month/day means by comparing with it.
const GREGORIAN_CUTOVER_YEAR: i64 = 1582;

/// A calendar date: `year` is the proleptic year (1 BC is 0), `month` 1..=12, `day` 1..=31.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilDate {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

/// Days since 1970-01-01 of a proleptic-Gregorian date (`month` 1..=12; `day` may exceed the
/// month, which simply counts on).
pub fn days_from_gregorian(year: i64, month: u32, day: i64) -> i64 {
    // Howard Hinnant's days_from_civil: years start on March 1 so the leap day ends the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + day - 1
}

/// Days since 1970-01-01 of a proleptic-Julian date (same conventions as [`days_from_gregorian`]).
pub fn days_from_julian(year: i64, month: u32, day: i64) -> i64 {
    // The same March-based scheme over the Julian 4-year cycle of 1461 days.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(4);
    let yoe = y - era * 4;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5;
    era * 1461 + yoe * 365 + doy - 719_470 + day - 1
}

/// The proleptic-Gregorian date of an epoch day.
pub fn gregorian_from_days(days: i64) -> CivilDate {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    march_based(era * 400 + yoe, doy)
}

/// The proleptic-Julian date of an epoch day.
pub fn julian_from_days(days: i64) -> CivilDate {
    let z = days + 719_470;
    let era = z.div_euclid(1461);
    let doe = z - era * 1461;
    let yoe = (doe / 365).min(3);
    let doy = doe - 365 * yoe;
    march_based(era * 4 + yoe, doy)
}

/// Turns (March-based year, day of that year) into a civil date.
fn march_based(year: i64, doy: i64) -> CivilDate {
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    CivilDate { year: if month <= 2 { year + 1 } else { year }, month, day }
}

/// The date of an epoch day in Java's hybrid calendar.
pub fn civil_from_days(days: i64) -> CivilDate {
    if days >= GREGORIAN_CUTOVER_DAY {
        gregorian_from_days(days)
    } else {
        julian_from_days(days)
    }
}

/// The epoch day of the first day of (`year`, `month` 1..=12) in the hybrid calendar.
///
/// Connect compat: `GregorianCalendar.computeTime` picks the calendar from the year (Julian
/// before 1582, Gregorian after) and, inside 1582, by whether the Gregorian reading falls on or
/// after the cutover; `decided_by_year` is the year Java compares (before month overflow moved it).
pub fn first_of_month(decided_by_year: i64, year: i64, month: u32) -> i64 {
    let gregorian = days_from_gregorian(year, month, 1);
    if decided_by_year > GREGORIAN_CUTOVER_YEAR
        || (decided_by_year == GREGORIAN_CUTOVER_YEAR && gregorian >= GREGORIAN_CUTOVER_DAY)
    {
        gregorian
    } else {
        days_from_julian(year, month, 1)
    }
}

/// Day of week as `java.util.Calendar` numbers it: Sunday = 1 … Saturday = 7.
pub fn day_of_week(days: i64) -> u32 {
    // 1970-01-01 was a Thursday (5).
    ((days + 4).rem_euclid(7) + 1) as u32
}

/// Whether `year` is a leap year in the calendar Java uses for it.
pub fn is_leap_year(year: i64) -> bool {
    if year > GREGORIAN_CUTOVER_YEAR {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    } else {
        year % 4 == 0
    }
}

/// Days in (`year`, `month` 1..=12), as `GregorianCalendar.monthLength` counts them (from the
/// leap-year rule alone, so the cutover month still counts 31).
pub fn month_length(year: i64, month: u32) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Every calendar field of an instant, as `GregorianCalendar` in UTC computes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    /// Proleptic year (1 BC is 0); [`Fields::year_of_era`] gives Java's `YEAR`.
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// 1-based day of the year.
    pub day_of_year: i64,
    /// Sunday = 1 … Saturday = 7.
    pub day_of_week: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

impl Fields {
    /// The fields of `epoch_millis` in UTC.
    pub fn from_epoch_millis(epoch_millis: i64) -> Self {
        let days = epoch_millis.div_euclid(MILLIS_PER_DAY);
        let time = epoch_millis.rem_euclid(MILLIS_PER_DAY) as u32;
        let date = civil_from_days(days);
        let jan1 = first_of_month(date.year, date.year, 1);
        Self {
            year: date.year,
            month: date.month,
            day: date.day,
            day_of_year: days - jan1 + 1,
            day_of_week: day_of_week(days),
            hour: time / 3_600_000,
            minute: time / 60_000 % 60,
            second: time / 1000 % 60,
            millis: time % 1000,
        }
    }

    /// The ordinal of the day within its month: the day of month, except in October 1582 where
    /// the ten days skipped by the cutover do not count (Java's `DAY_OF_WEEK_IN_MONTH` uses it).
    pub fn day_of_month_count(&self) -> u32 {
        if self.year == GREGORIAN_CUTOVER_YEAR && self.month == 10 && self.day >= 15 {
            self.day - 10
        } else {
            self.day
        }
    }

    /// Java's `ERA`: 0 = BC, 1 = AD.
    pub fn era(&self) -> usize {
        usize::from(self.year > 0)
    }

    /// Java's `YEAR`: the year within the era (1 BC is 1).
    pub fn year_of_era(&self) -> i64 {
        if self.year > 0 {
            self.year
        } else {
            1 - self.year
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gregorian_round_trips_and_known_days() {
        assert_eq!(days_from_gregorian(1970, 1, 1), 0);
        assert_eq!(days_from_gregorian(2017, 1, 3), 17_169);
        assert_eq!(days_from_gregorian(1582, 10, 15), GREGORIAN_CUTOVER_DAY);
        for days in [-800_000, -141_428, -1, 0, 59, 60, 17_169, 2_932_896] {
            let d = gregorian_from_days(days);
            assert_eq!(days_from_gregorian(d.year, d.month, i64::from(d.day)), days);
        }
    }

    #[test]
    fn julian_meets_gregorian_at_the_cutover() {
        // The day before 1582-10-15 (Gregorian) is 1582-10-04 (Julian).
        assert_eq!(days_from_julian(1582, 10, 4), GREGORIAN_CUTOVER_DAY - 1);
        assert_eq!(civil_from_days(GREGORIAN_CUTOVER_DAY - 1), CivilDate { year: 1582, month: 10, day: 4 });
        for days in [-800_000, -719_164, -141_428, -1000] {
            let d = julian_from_days(days);
            assert_eq!(days_from_julian(d.year, d.month, i64::from(d.day)), days);
        }
        // 0001-01-01 in Java's calendar (Julian) is two days before the proleptic Gregorian one.
        assert_eq!(days_from_julian(1, 1, 1), -719_164);
        assert_eq!(days_from_gregorian(1, 1, 1), -719_162);
    }

    #[test]
    fn fields_of_instants() {
        let f = Fields::from_epoch_millis(1_483_425_001_864);
        assert_eq!((f.year, f.month, f.day), (2017, 1, 3));
        assert_eq!((f.hour, f.minute, f.second, f.millis), (6, 30, 1, 864));
        assert_eq!(f.day_of_week, 3); // Tuesday
        let before = Fields::from_epoch_millis(-1);
        assert_eq!(
            (before.year, before.month, before.day, before.hour, before.millis),
            (1969, 12, 31, 23, 999)
        );
        assert_eq!(before.day_of_year, 365);
        let cutover_year_end = Fields::from_epoch_millis(days_from_gregorian(1582, 12, 31) * MILLIS_PER_DAY);
        assert_eq!(cutover_year_end.day_of_year, 355);
        assert_eq!(month_length(1582, 10), 31);
        assert_eq!(month_length(1500, 2), 29);
        assert!(is_leap_year(1500) && !is_leap_year(1900) && is_leap_year(2000));
    }
}
