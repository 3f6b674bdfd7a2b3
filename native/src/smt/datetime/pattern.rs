//! Compiling `java.text.SimpleDateFormat` patterns and formatting instants with them, in UTC.
//!
//! Connect compat: `TimestampConverter` and `TimestampRouter` build `new SimpleDateFormat(pattern)`
//! and set the UTC zone; `Values.dateFormatFor` (used by `Cast`) builds one without a zone. The
//! compiler follows `SimpleDateFormat.compile`: ASCII letters are fields (a run of one letter is one
//! field whose length matters), `'…'` quotes literal text, `''` is a quote inside or outside
//! quotes, and anything else is literal. Text (month and day names, AM/PM, eras, zone names) is
//! the English of the `en-US` locale, the usual default of a Connect worker.

use std::fmt;

use crate::data::calendar::Fields;

/// Why a pattern was rejected; `Display` is Java's `IllegalArgumentException` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// An unquoted ASCII letter that is not a pattern letter.
    IllegalCharacter(char),
    /// A `'` without its closing quote.
    UnterminatedQuote,
    /// `X` repeated four or more times.
    InvalidIsoLength(usize),
    /// A valid Java pattern letter this implementation does not support (week-based fields).
    Unsupported(char),
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IllegalCharacter(c) => write!(f, "Illegal pattern character '{c}'"),
            Self::UnterminatedQuote => f.write_str("Unterminated quote"),
            Self::InvalidIsoLength(n) => write!(f, "invalid ISO 8601 format: length={n}"),
            Self::Unsupported(c) => write!(
                f,
                "Pattern character '{c}' (week-based field) is not supported by the native SimpleDateFormat"
            ),
        }
    }
}

impl std::error::Error for PatternError {}

/// A date or time field of a pattern, named after `SimpleDateFormat`'s pattern letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// `G`
    Era,
    /// `y`
    Year,
    /// `M`
    Month,
    /// `L`
    MonthStandalone,
    /// `d`
    DayOfMonth,
    /// `D`
    DayOfYear,
    /// `F`
    DayOfWeekInMonth,
    /// `E`
    DayName,
    /// `u` (Monday = 1 … Sunday = 7)
    IsoDayOfWeek,
    /// `a`
    AmPm,
    /// `H` (0-23)
    HourOfDay0,
    /// `k` (1-24)
    HourOfDay1,
    /// `K` (0-11)
    Hour0,
    /// `h` (1-12)
    Hour1,
    /// `m`
    Minute,
    /// `s`
    Second,
    /// `S` (milliseconds, as a number)
    Millisecond,
    /// `z`
    ZoneName,
    /// `Z` (RFC 822, `+0000`)
    ZoneRfc822,
    /// `X` (ISO 8601, `Z` for UTC)
    ZoneIso,
}

impl Field {
    fn from_letter(c: char) -> Result<Self, PatternError> {
        Ok(match c {
            'G' => Self::Era,
            'y' => Self::Year,
            'M' => Self::Month,
            'L' => Self::MonthStandalone,
            'd' => Self::DayOfMonth,
            'D' => Self::DayOfYear,
            'F' => Self::DayOfWeekInMonth,
            'E' => Self::DayName,
            'u' => Self::IsoDayOfWeek,
            'a' => Self::AmPm,
            'H' => Self::HourOfDay0,
            'k' => Self::HourOfDay1,
            'K' => Self::Hour0,
            'h' => Self::Hour1,
            'm' => Self::Minute,
            's' => Self::Second,
            'S' => Self::Millisecond,
            'z' => Self::ZoneName,
            'Z' => Self::ZoneRfc822,
            'X' => Self::ZoneIso,
            'w' | 'W' | 'Y' => return Err(PatternError::Unsupported(c)),
            _ => return Err(PatternError::IllegalCharacter(c)),
        })
    }
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Literal(String),
    Field { field: Field, count: usize },
}

/// English month names (`MMMM`), January first.
pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// English abbreviated month names (`MMM`).
pub(super) const SHORT_MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/// English day names (`EEEE`), Sunday first as `Calendar.DAY_OF_WEEK` counts.
pub(super) const WEEKDAYS: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
/// English abbreviated day names (`E`).
pub(super) const SHORT_WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
/// Eras, BC (0) first as `Calendar.ERA` counts; en-US formats the abbreviations for every width.
pub(super) const ERAS: [&str; 2] = ["BC", "AD"];
/// The long era names, which parsing accepts too (`getDisplayNamesMap` includes the LONG style).
pub(super) const LONG_ERAS: [&str; 2] = ["Before Christ", "Anno Domini"];
/// AM (0) and PM (1).
pub(super) const AM_PM: [&str; 2] = ["AM", "PM"];
/// The zone names of UTC in en-US: long, then short.
pub(super) const UTC_NAMES: [&str; 2] = ["Coordinated Universal Time", "UTC"];

/// Ends the current run of one pattern letter, if any.
fn flush_run(run: &mut Option<(char, usize)>, tokens: &mut Vec<Token>) -> Result<(), PatternError> {
    if let Some((letter, count)) = run.take() {
        let field = Field::from_letter(letter)?;
        if field == Field::ZoneIso && count >= 4 {
            return Err(PatternError::InvalidIsoLength(count));
        }
        tokens.push(Token::Field { field, count });
    }
    Ok(())
}

/// Ends the current literal text, if any.
fn flush_literal(literal: &mut String, tokens: &mut Vec<Token>) {
    if !literal.is_empty() {
        tokens.push(Token::Literal(std::mem::take(literal)));
    }
}

/// Compiles `pattern` as `SimpleDateFormat.compile` does.
pub(super) fn compile(pattern: &str) -> Result<Vec<Token>, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut run: Option<(char, usize)> = None;
    let mut in_quote = false;
    let mut i = 0;

    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a literal quote whether or not we are inside a quoted section.
            if chars.get(i + 1) == Some(&'\'') {
                flush_run(&mut run, &mut tokens)?;
                literal.push('\'');
                i += 2;
                continue;
            }
            flush_run(&mut run, &mut tokens)?;
            in_quote = !in_quote;
            i += 1;
            continue;
        }
        if in_quote || !c.is_ascii_alphabetic() {
            flush_run(&mut run, &mut tokens)?;
            literal.push(c);
            i += 1;
            continue;
        }
        match run {
            Some((letter, ref mut count)) if letter == c => *count += 1,
            _ => {
                flush_run(&mut run, &mut tokens)?;
                flush_literal(&mut literal, &mut tokens);
                // Validate the letter now so the first bad letter is the one reported, as in Java.
                Field::from_letter(c)?;
                run = Some((c, 1));
            }
        }
        i += 1;
    }
    if in_quote {
        return Err(PatternError::UnterminatedQuote);
    }
    flush_run(&mut run, &mut tokens)?;
    flush_literal(&mut literal, &mut tokens);
    Ok(tokens)
}

/// Appends `value` with at least `min_digits` digits (Java's `zeroPaddingNumber`, no grouping).
fn pad(out: &mut String, value: i64, min_digits: usize) {
    use std::fmt::Write as _;
    if value < 0 {
        out.push('-');
    }
    // Writing to a String cannot fail.
    let _ = write!(out, "{:0min_digits$}", value.unsigned_abs());
}

/// Formats the instant `epoch_millis` (UTC) with compiled `tokens`.
pub(super) fn format_into(tokens: &[Token], epoch_millis: i64, out: &mut String) {
    let f = Fields::from_epoch_millis(epoch_millis);
    for token in tokens {
        let (field, count) = match token {
            Token::Literal(text) => {
                out.push_str(text);
                continue;
            }
            Token::Field { field, count } => (*field, *count),
        };
        match field {
            Field::Era => out.push_str(ERAS[f.era()]),
            // Two letters clip the year to its last two digits ("1996" → "96").
            Field::Year if count == 2 => pad(out, f.year_of_era() % 100, 2),
            Field::Year => pad(out, f.year_of_era(), count),
            Field::Month | Field::MonthStandalone => {
                let index = f.month as usize - 1;
                match count {
                    4.. => out.push_str(MONTHS[index]),
                    3 => out.push_str(SHORT_MONTHS[index]),
                    _ => pad(out, i64::from(f.month), count),
                }
            }
            Field::DayOfMonth => pad(out, i64::from(f.day), count),
            Field::DayOfYear => pad(out, f.day_of_year, count),
            Field::DayOfWeekInMonth => pad(out, i64::from((f.day_of_month_count() - 1) / 7 + 1), count),
            Field::DayName => {
                let names = if count >= 4 { &WEEKDAYS } else { &SHORT_WEEKDAYS };
                out.push_str(names[f.day_of_week as usize - 1]);
            }
            Field::IsoDayOfWeek => pad(out, i64::from((f.day_of_week + 5) % 7 + 1), count),
            Field::AmPm => out.push_str(AM_PM[usize::from(f.hour >= 12)]),
            Field::HourOfDay0 => pad(out, i64::from(f.hour), count),
            Field::HourOfDay1 => pad(out, i64::from(if f.hour == 0 { 24 } else { f.hour }), count),
            Field::Hour0 => pad(out, i64::from(f.hour % 12), count),
            Field::Hour1 => pad(out, i64::from(if f.hour % 12 == 0 { 12 } else { f.hour % 12 }), count),
            Field::Minute => pad(out, i64::from(f.minute), count),
            Field::Second => pad(out, i64::from(f.second), count),
            Field::Millisecond => pad(out, i64::from(f.millis), count),
            Field::ZoneName => out.push_str(UTC_NAMES[usize::from(count < 4)]),
            Field::ZoneRfc822 => out.push_str("+0000"),
            Field::ZoneIso => out.push('Z'),
        }
    }
}
