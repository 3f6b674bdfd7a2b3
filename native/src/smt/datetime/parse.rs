//! Parsing text with a compiled pattern the way a lenient `SimpleDateFormat` in UTC does.
//!
//! Connect compat: a port of `SimpleDateFormat.parse(String, ParsePosition)` / `subParse` and of
//! the field resolution of `GregorianCalendar.computeTime`, for the supported letters:
//! * spaces and tabs before a field are skipped; a literal space matches any Unicode space separator;
//! * numbers are `DecimalFormat` integers (optional `-`, digits; `12.5` reads `12`); a numeric field
//!   directly followed by another numeric field reads exactly its letter count (`yyyyMMdd`);
//! * out-of-range values roll over (month 13 is January of the next year), as a lenient calendar does;
//! * `y`/`yy` followed by exactly two digits is placed in the century starting 80 years ago;
//! * trailing text after the pattern is ignored (`DateFormat.parse(String)` only fails when
//!   nothing could be parsed).
//!
//! Zone names other than UTC's (`UTC`, `Coordinated Universal Time`, `GMT`, `GMT±hh:mm`) are not
//! recognised; numeric offsets (`+hhmm`, ISO `Z`/`±hh[[:]mm]`) are.

use super::pattern::{
    Field, Token, AM_PM, ERAS, LONG_ERAS, MONTHS, SHORT_MONTHS, SHORT_WEEKDAYS, UTC_NAMES, WEEKDAYS,
};
use crate::data::calendar::{
    days_from_gregorian, days_from_julian, month_length, GREGORIAN_CUTOVER_DAY, MILLIS_PER_DAY,
};

/// The calendar fields a parse can set, mirroring `java.util.Calendar`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CalField {
    Era,
    Year,
    Month,
    DayOfMonth,
    DayOfYear,
    DayOfWeek,
    DayOfWeekInMonth,
    AmPm,
    Hour,
    HourOfDay,
    Minute,
    Second,
    Millisecond,
    ZoneOffset,
}

const FIELD_COUNT: usize = 14;

/// Parsed field values with the order they were set in (`CalendarBuilder`): when fields
/// conflict, the calendar resolves with the most recently set ones.
#[derive(Debug, Clone, Default)]
struct Builder {
    values: [i64; FIELD_COUNT],
    /// 0 = unset; otherwise larger means set later.
    stamps: [u32; FIELD_COUNT],
    next_stamp: u32,
}

impl Builder {
    fn set(&mut self, field: CalField, value: i64) {
        self.next_stamp += 1;
        self.values[field as usize] = value;
        self.stamps[field as usize] = self.next_stamp;
    }

    fn stamp(&self, field: CalField) -> u32 {
        self.stamps[field as usize]
    }

    fn get(&self, field: CalField) -> Option<i64> {
        (self.stamp(field) != 0).then_some(self.values[field as usize])
    }
}

/// `Calendar.aggregateStamp`: a group of fields counts only when all are set.
fn aggregate(a: u32, b: u32) -> u32 {
    if a == 0 || b == 0 {
        0
    } else {
        a.max(b)
    }
}

/// What one numeric read returned: the value (`Number.intValue()`) and where it stopped.
fn parse_number(text: &[char], pos: usize, limit: usize) -> Option<(i64, usize)> {
    let text = &text[..limit.min(text.len())];
    // DecimalFormat reads "NaN" as a number; NaN.intValue() is 0.
    if text.get(pos..pos + 3) == Some(&['N', 'a', 'N']) {
        return Some((0, pos + 3));
    }
    let mut i = pos;
    let negative = text.get(i) == Some(&'-');
    if negative {
        i += 1;
    }
    let digits_start = i;
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    while let Some(d) = text.get(i).and_then(|c| c.to_digit(10).filter(|_| c.is_ascii_digit())) {
        match magnitude.checked_mul(10).and_then(|m| m.checked_add(u64::from(d))) {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    // An integer-only DecimalFormat consumes ".123" after the digits but reports the position of
    // the '.', so the fraction is left for the next pattern element.
    let signed = i128::from(magnitude) * if negative { -1 } else { 1 };
    let value = if overflow || signed > i128::from(i64::MAX) || signed < i128::from(i64::MIN) {
        // Too big for a long: DecimalFormat returns a double, whose intValue() saturates.
        if negative {
            i64::from(i32::MIN)
        } else {
            i64::from(i32::MAX)
        }
    } else {
        // A long's intValue() keeps the low 32 bits.
        i64::from(signed as i64 as i32)
    };
    Some((value, i))
}

/// `String.regionMatches(true, …)` for ASCII names.
fn matches_at(text: &[char], pos: usize, name: &str) -> bool {
    let mut i = pos;
    for expected in name.chars() {
        match text.get(i) {
            Some(c) if c.eq_ignore_ascii_case(&expected) => i += 1,
            _ => return false,
        }
    }
    true
}

/// The longest of `names` found at `pos` (index, end).
fn match_longest<'a>(
    text: &[char],
    pos: usize,
    names: impl IntoIterator<Item = (usize, &'a str)>,
) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (index, name) in names {
        let len = name.chars().count();
        if best.is_none_or(|(_, best_len)| len > best_len) && matches_at(text, pos, name) {
            best = Some((index, len));
        }
    }
    best.map(|(index, len)| (index, pos + len))
}

/// `SimpleDateFormat.subParseNumericZone`: `hh[[:]mm]` after a sign; returns the offset in ms.
fn parse_numeric_zone(
    text: &[char],
    start: usize,
    sign: i64,
    count: usize,
    colon: bool,
) -> Option<(i64, usize)> {
    let digit = |i: usize| text.get(i).filter(|c| c.is_ascii_digit()).map(|c| i64::from(*c as u8 - b'0'));
    let mut i = start;
    let mut hours = digit(i)?;
    i += 1;
    match digit(i) {
        Some(d) => {
            hours = hours * 10 + d;
            i += 1;
        }
        // One-digit hours only in the "GMT+h:mm" form.
        None if count > 0 || !colon => return None,
        None => {
            text.get(i)?;
        }
    }
    if hours > 23 {
        return None;
    }
    let mut minutes = 0;
    if count != 1 {
        if colon {
            if text.get(i) != Some(&':') {
                return None;
            }
            i += 1;
        }
        minutes = digit(i)? * 10 + digit(i + 1)?;
        i += 2;
        if minutes > 59 {
            return None;
        }
    }
    Some(((hours * 60 + minutes) * 60_000 * sign, i))
}

/// `Character.getType(c) == SPACE_SEPARATOR`.
fn is_space_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
}

/// Whether a field directly after a numeric field makes that one read a fixed width.
fn is_numeric_field(token: Option<&Token>) -> bool {
    match token {
        Some(Token::Field { field, count }) => match field {
            Field::Month | Field::MonthStandalone => *count <= 2,
            Field::Year
            | Field::DayOfMonth
            | Field::HourOfDay1
            | Field::HourOfDay0
            | Field::Minute
            | Field::Second
            | Field::Millisecond
            | Field::DayOfYear
            | Field::DayOfWeekInMonth
            | Field::Hour1
            | Field::Hour0
            | Field::IsoDayOfWeek => true,
            _ => false,
        },
        _ => false,
    }
}

/// Parses `text` with `tokens`; `century_start` is (epoch millis, year) of the two-digit-year window.
pub(super) fn parse(tokens: &[Token], text: &str, century_start: (i64, i64)) -> Option<i64> {
    let text: Vec<char> = text.chars().collect();
    let mut builder = Builder::default();
    let mut ambiguous_year = false;
    let mut pos = 0;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Literal(literal) => {
                for expected in literal.chars() {
                    let c = *text.get(pos)?;
                    if c != expected && !(is_space_separator(c) && is_space_separator(expected)) {
                        return None;
                    }
                    pos += 1;
                }
            }
            Token::Field { field, count } => {
                let obey_count = is_numeric_field(tokens.get(i + 1));
                pos = sub_parse(
                    &text,
                    pos,
                    *field,
                    *count,
                    obey_count,
                    century_start.1,
                    &mut ambiguous_year,
                    &mut builder,
                )?;
            }
        }
    }
    let millis = establish(&builder);
    if ambiguous_year && millis < century_start.0 {
        // The two-digit year is the start year of the window but the date falls before its start.
        let year = builder.get(CalField::Year).unwrap_or(0);
        builder.values[CalField::Year as usize] = year + 100;
        return Some(establish(&builder));
    }
    Some(millis)
}

/// One field of `SimpleDateFormat.subParse`; returns the position after it.
// Kept as one function so it reads side by side with Java's `subParse` switch.
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
fn sub_parse(
    text: &[char],
    start: usize,
    field: Field,
    count: usize,
    obey_count: bool,
    century_start_year: i64,
    ambiguous_year: &mut bool,
    builder: &mut Builder,
) -> Option<usize> {
    let mut pos = start;
    while matches!(text.get(pos), Some(' ' | '\t')) {
        pos += 1;
    }
    // Running out of text before a field is a failure.
    text.get(pos)?;
    let actual_start = pos;
    let limit = if obey_count {
        if start + count > text.len() {
            return None;
        }
        start + count
    } else {
        text.len()
    };
    let mut value = 0;
    let numeric_first = matches!(field, Field::HourOfDay1 | Field::Hour1 | Field::Year)
        || (matches!(field, Field::Month | Field::MonthStandalone) && count <= 2);
    if numeric_first {
        let (v, end) = parse_number(text, pos, limit)?;
        value = v;
        pos = end;
    }
    match field {
        Field::Era => {
            let names = ERAS.iter().chain(LONG_ERAS.iter()).enumerate().map(|(i, n)| (i % 2, *n));
            let (index, end) = match_longest(text, start, names)?;
            builder.set(CalField::Era, index as i64);
            Some(end)
        }
        Field::Year => {
            if count <= 2
                && pos - actual_start == 2
                && text[actual_start].is_ascii_digit()
                && text[actual_start + 1].is_ascii_digit()
            {
                let ambiguous_two_digit = century_start_year % 100;
                *ambiguous_year = value == ambiguous_two_digit;
                value += century_start_year / 100 * 100 + if value < ambiguous_two_digit { 100 } else { 0 };
            }
            builder.set(CalField::Year, value);
            Some(pos)
        }
        Field::Month | Field::MonthStandalone if count <= 2 => {
            builder.set(CalField::Month, value - 1);
            Some(pos)
        }
        Field::Month | Field::MonthStandalone => {
            let names = MONTHS.iter().chain(SHORT_MONTHS.iter()).enumerate().map(|(i, n)| (i % 12, *n));
            let (index, end) = match_longest(text, start, names)?;
            builder.set(CalField::Month, index as i64);
            Some(end)
        }
        Field::HourOfDay1 => {
            builder.set(CalField::HourOfDay, if value == 24 { 0 } else { value });
            Some(pos)
        }
        Field::Hour1 => {
            builder.set(CalField::Hour, if value == 12 { 0 } else { value });
            Some(pos)
        }
        Field::DayName => {
            // Long names first, then short, each taking the longest match.
            let (index, end) = match_longest(text, start, WEEKDAYS.iter().copied().enumerate())
                .or_else(|| match_longest(text, start, SHORT_WEEKDAYS.iter().copied().enumerate()))?;
            builder.set(CalField::DayOfWeek, index as i64 + 1);
            Some(end)
        }
        Field::AmPm => {
            let (index, end) = match_longest(text, start, AM_PM.iter().copied().enumerate())?;
            builder.set(CalField::AmPm, index as i64);
            Some(end)
        }
        Field::ZoneName | Field::ZoneRfc822 => {
            let (offset, end) = parse_zone(text, start, pos)?;
            builder.set(CalField::ZoneOffset, offset);
            Some(end)
        }
        Field::ZoneIso => {
            let sign = match text.get(pos)? {
                'Z' => {
                    builder.set(CalField::ZoneOffset, 0);
                    return Some(pos + 1);
                }
                '+' => 1,
                '-' => -1,
                _ => return None,
            };
            let (offset, end) = parse_numeric_zone(text, pos + 1, sign, count, count == 3)?;
            builder.set(CalField::ZoneOffset, offset);
            Some(end)
        }
        _ => {
            let (v, end) = parse_number(text, pos, limit)?;
            let (target, v) = match field {
                Field::DayOfMonth => (CalField::DayOfMonth, v),
                Field::DayOfYear => (CalField::DayOfYear, v),
                Field::DayOfWeekInMonth => (CalField::DayOfWeekInMonth, v),
                // CalendarBuilder maps ISO 1..=7 (Monday first) to Calendar's Sunday-first numbers.
                Field::IsoDayOfWeek => {
                    (CalField::DayOfWeek, if (1..=7).contains(&v) { v % 7 + 1 } else { v })
                }
                Field::HourOfDay0 => (CalField::HourOfDay, v),
                Field::Hour0 => (CalField::Hour, v),
                Field::Minute => (CalField::Minute, v),
                Field::Second => (CalField::Second, v),
                _ => (CalField::Millisecond, v),
            };
            builder.set(target, v);
            Some(end)
        }
    }
}

/// The `z`/`Z` branch of `subParse`: `GMT[±h:mm]`, a UTC zone name, or RFC 822 `±hhmm`.
fn parse_zone(text: &[char], start: usize, pos: usize) -> Option<(i64, usize)> {
    match text.get(pos)? {
        '+' => parse_numeric_zone(text, pos + 1, 1, 0, false),
        '-' => parse_numeric_zone(text, pos + 1, -1, 0, false),
        'G' | 'g' if matches_at(text, start, "GMT") => {
            let after = start + 3;
            let sign = match text.get(after) {
                Some('+') => 1,
                Some('-') => -1,
                _ => return Some((0, after)),
            };
            parse_numeric_zone(text, after + 1, sign, 0, true)
        }
        _ => match_longest(text, pos, UTC_NAMES.iter().copied().enumerate()).map(|(_, end)| (0, end)),
    }
}

/// Which fields fix the date (`Calendar.selectFields`).
#[derive(Clone, Copy)]
enum Mode {
    /// Year, month and day of month.
    MonthDay,
    /// Year, month, day of week and its ordinal in the month.
    WeekdayInMonth,
    /// Year and day of year.
    YearDay,
}

/// `GregorianCalendar.computeTime` for the parsed fields, in UTC (wrapping like Java's `long`).
fn establish(b: &Builder) -> i64 {
    use CalField as F;
    let mut year = b.get(F::Year).unwrap_or(1970);
    if b.get(F::Era) == Some(0) {
        year = 1 - year;
    }

    // Calendar.selectFields for the date: the most recently set group wins.
    let weekday = b.stamp(F::DayOfWeek);
    let mut month_day = b.stamp(F::DayOfMonth);
    let mut weekday_in_month = aggregate(b.stamp(F::DayOfWeekInMonth), weekday);
    let year_day = b.stamp(F::DayOfYear);
    let mut best = month_day.max(weekday_in_month).max(year_day);
    if best == 0 {
        weekday_in_month = b.stamp(F::DayOfWeekInMonth).max(weekday);
        best = weekday_in_month;
        if best == 0 {
            month_day = b.stamp(F::Month);
            best = month_day;
        }
    }
    let mode = if best == month_day {
        Mode::MonthDay
    } else if best == weekday_in_month {
        Mode::WeekdayInMonth
    } else {
        Mode::YearDay
    };

    // The date in one calendar system (GregorianCalendar.getFixedDate).
    let date_in = |days_from: fn(i64, u32, i64) -> i64| -> i64 {
        match mode {
            Mode::YearDay => days_from(year, 1, 1) + b.get(F::DayOfYear).unwrap_or(1) - 1,
            Mode::MonthDay | Mode::WeekdayInMonth => {
                let month = b.get(F::Month).unwrap_or(0);
                let y = year + month.div_euclid(12);
                let m = month.rem_euclid(12) as u32 + 1;
                let first = days_from(y, m, 1);
                if let Mode::MonthDay = mode {
                    first + b.get(F::DayOfMonth).map_or(0, |d| d - 1)
                } else {
                    let dow = b.get(F::DayOfWeek).unwrap_or(1);
                    let dowim = b.get(F::DayOfWeekInMonth).unwrap_or(1);
                    let last = if dowim >= 0 { 7 * dowim } else { month_length(y, m) + 7 * (dowim + 1) };
                    on_or_before(first + last - 1, dow)
                }
            }
        }
    };
    let days = match year.cmp(&1582) {
        std::cmp::Ordering::Greater => date_in(days_from_gregorian),
        std::cmp::Ordering::Less => date_in(days_from_julian),
        std::cmp::Ordering::Equal => {
            let gregorian = date_in(days_from_gregorian);
            if gregorian >= GREGORIAN_CUTOVER_DAY {
                gregorian
            } else {
                date_in(days_from_julian)
            }
        }
    };

    // Calendar.selectFields for the hour: HOUR_OF_DAY, or HOUR with AM_PM, whichever is newer.
    let hour_of_day_stamp = b.stamp(F::HourOfDay);
    let mut best_hour = aggregate(b.stamp(F::Hour), b.stamp(F::AmPm)).max(hour_of_day_stamp);
    if best_hour == 0 {
        best_hour = b.stamp(F::Hour).max(b.stamp(F::AmPm));
    }
    let hours = if best_hour != 0 && best_hour == hour_of_day_stamp {
        b.get(F::HourOfDay).unwrap_or(0)
    } else {
        b.get(F::Hour).unwrap_or(0) + 12 * b.get(F::AmPm).unwrap_or(0)
    };
    let time = ((hours * 60 + b.get(F::Minute).unwrap_or(0)) * 60 + b.get(F::Second).unwrap_or(0)) * 1000
        + b.get(F::Millisecond).unwrap_or(0);
    let days = days + time.div_euclid(MILLIS_PER_DAY);
    let time = time.rem_euclid(MILLIS_PER_DAY);
    days.wrapping_mul(MILLIS_PER_DAY).wrapping_add(time).wrapping_sub(b.get(F::ZoneOffset).unwrap_or(0))
}

/// `BaseCalendar.getDayOfWeekDateOnOrBefore` on epoch days (`dow` Sunday = 1).
fn on_or_before(days: i64, dow: i64) -> i64 {
    days - (days + 5 - dow).rem_euclid(7)
}
