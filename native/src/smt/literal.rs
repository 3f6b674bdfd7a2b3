//! Literal text read the way Connect reads it: Java's `String.trim()` and `Values.parseString`
//! type inference (InsertHeader's `value.literal`). Numbers are read with `new BigDecimal(String)`'s
//! grammar, [`DecimalText`], shared with MaskField's `replacement`.
//!
//! Connect compat: `org.apache.kafka.connect.data.Values.parseString` tokenises on `: , { } [ ] "`
//! (a backslash escapes the next delimiter), then infers, in order: `null`, `true`/`false`, an
//! array or map of embedded values, an ISO-8601 date/time/timestamp, a number, else the whole text
//! as a string. Numbers become the smallest integer type that holds them, FLOAT32 whenever the
//! text has a fractional part or exponent and fits a float (even when the float is inexact),
//! FLOAT64 when only a double holds it, and a Decimal beyond that. Anything after the first token
//! of a scalar is ignored (`"1:2"` is INT8 1), and a collection that fails to parse is a string.
//!
//! Not covered, each a corner Connect reaches only through its JVM: digits outside ASCII (Java
//! accepts any Unicode digit), dates before the 1582 Gregorian cut-over (Java's calendar turns
//! Julian there; here the Gregorian calendar continues), a JVM default time zone other than UTC
//! (Connect parses ISO text in the JVM's zone; here always UTC), negative numbers inside date
//! fields, and collections that mix Date/Time/Timestamp elements, which Java keeps as raw
//! `java.util.Date`s under a schema of another logical type: [`parse_string`] reports those as
//! [`Parsed::Unsupported`] instead of guessing.

use std::sync::Arc;

use crate::data::calendar::{days_from_gregorian, MILLIS_PER_DAY};
use crate::data::decimal::DecimalText;
use crate::data::{logical, Schema, SchemaRef, Type, Value};

/// Java's `String.trim()`: strips every char up to and including U+0020 (Rust's `trim` strips
/// Unicode whitespace instead, which differs for control characters and no-break spaces).
pub(crate) fn java_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c <= ' ')
}

/// The outcome of [`parse_string`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    /// Connect returns a null `SchemaAndValue` (the text `null`).
    Null,
    /// The inferred schema and value.
    Value(SchemaRef, Value),
    /// A collection whose Java value cannot be represented faithfully (see the module docs).
    Unsupported,
}

/// Connect's `Values.parseString(text)` for a non-null string.
pub(crate) fn parse_string(text: &str) -> Parsed {
    if text.is_empty() {
        return Parsed::Value(Arc::new(Schema::new(Type::String)), Value::String(String::new()));
    }
    let mut parser = ValueParser { tokens: Tokenizer::new(text) };
    match parser.parse(false) {
        Ok(Some((schema, value))) => Parsed::Value(schema, value),
        Ok(None) => Parsed::Null,
        Err(Failure::Unsupported) => Parsed::Unsupported,
        // A top-level parse only fails inside a collection, which already fell back to a string.
        Err(Failure::Data) => {
            Parsed::Value(Arc::new(Schema::new(Type::String)), Value::String(text.to_owned()))
        }
    }
}

/// Why an embedded parse gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Java throws `DataException`; the enclosing top-level parse falls back to a string.
    Data,
    /// Java would succeed with a value this data model cannot hold.
    Unsupported,
}

type Item = Option<(SchemaRef, Value)>;

/// Connect's `Values.Parser`: a re-windable tokenizer over the original text.
struct Tokenizer<'a> {
    original: &'a str,
    /// Byte index of the next unread character. Delimiters are ASCII, so byte indices never split
    /// a character.
    pos: usize,
    next_token: Option<&'a str>,
    previous_token: Option<&'a str>,
}

impl<'a> Tokenizer<'a> {
    fn new(original: &'a str) -> Self {
        Self { original, pos: 0, next_token: None, previous_token: None }
    }

    fn mark(&self) -> usize {
        self.pos - self.next_token.map_or(0, str::len)
    }

    fn rewind_to(&mut self, position: usize) {
        self.pos = position;
        self.next_token = None;
        self.previous_token = None;
    }

    fn can_consume_next_token(&self) -> bool {
        self.pos < self.original.len()
    }

    fn has_next(&self) -> bool {
        self.next_token.is_some() || self.can_consume_next_token()
    }

    fn next(&mut self) -> &'a str {
        let token = match self.next_token.take() {
            Some(token) => token,
            None => self.consume_next_token(),
        };
        self.previous_token = Some(token);
        token
    }

    fn next_n(&mut self, n: usize) -> Option<&'a str> {
        let start = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind_to(start);
                return None;
            }
            self.next();
        }
        Some(&self.original[start..self.pos])
    }

    fn consume_next_token(&mut self) -> &'a str {
        let bytes = self.original.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b'\\' => escaped = !escaped,
                b':' | b',' | b'{' | b'}' | b'[' | b']' | b'"' => {
                    if !escaped {
                        if start < self.pos {
                            return &self.original[start..self.pos];
                        }
                        self.pos += 1;
                        return &self.original[start..=start];
                    }
                    escaped = false;
                }
                _ => escaped = false,
            }
            self.pos += 1;
        }
        &self.original[start..self.pos]
    }

    fn can_consume(&mut self, expected: &str) -> bool {
        if self.is_next(expected) {
            self.next_token = None;
            return true;
        }
        false
    }

    /// `isNext(expected, true)`: skips blank tokens and compares trimmed.
    fn is_next(&mut self, expected: &str) -> bool {
        let mut token = if let Some(token) = self.next_token {
            token
        } else {
            if !self.has_next() {
                return false;
            }
            self.consume_next_token()
        };
        while is_blank(token) && self.can_consume_next_token() {
            token = self.consume_next_token();
        }
        self.next_token = Some(token);
        java_trim(token) == expected
    }
}

fn is_blank(token: &str) -> bool {
    java_trim(token).is_empty()
}

fn schema(kind: Type) -> SchemaRef {
    Arc::new(Schema::new(kind))
}

/// Connect's `Values.ValueParser`.
struct ValueParser<'a> {
    tokens: Tokenizer<'a>,
}

impl ValueParser<'_> {
    fn can_parse_single_token_literal(&mut self, embedded: bool, literal: &str) -> bool {
        let start = self.tokens.mark();
        // Top level, a literal counts only when it is the whole text ("true}" is a string).
        if self.tokens.can_consume(literal) && (embedded || !self.tokens.has_next()) {
            return true;
        }
        self.tokens.rewind_to(start);
        false
    }

    fn parse(&mut self, embedded: bool) -> Result<Item, Failure> {
        if !self.tokens.has_next() {
            return Ok(None);
        }
        if embedded && self.tokens.can_consume("\"") {
            return Ok(Some(self.parse_quoted_string()));
        }
        if self.can_parse_single_token_literal(embedded, "null") {
            return Ok(None);
        }
        if self.can_parse_single_token_literal(embedded, "true") {
            return Ok(Some((schema(Type::Boolean), Value::Boolean(true))));
        }
        if self.can_parse_single_token_literal(embedded, "false") {
            return Ok(Some((schema(Type::Boolean), Value::Boolean(false))));
        }
        let start = self.tokens.mark();
        let collection = if self.tokens.can_consume("[") {
            Some(self.parse_array())
        } else if self.tokens.can_consume("{") {
            Some(self.parse_map())
        } else {
            None
        };
        match collection {
            Some(Ok(parsed)) => return Ok(Some(parsed)),
            Some(Err(Failure::Unsupported)) => return Err(Failure::Unsupported),
            // Connect logs at TRACE and retries the same text as a scalar.
            Some(Err(Failure::Data)) => self.tokens.rewind_to(start),
            None => {}
        }
        let token = self.tokens.next();
        if is_blank(token) {
            return Ok(Some((schema(Type::String), Value::String(token.to_owned()))));
        }
        self.parse_next_token(embedded, java_trim(token)).map(Some)
    }

    fn parse_next_token(&mut self, embedded: bool, token: &str) -> Result<(SchemaRef, Value), Failure> {
        let first = token.as_bytes()[0];
        if first.is_ascii_digit() {
            if let Some(temporal) = self.parse_multiple_tokens_as_temporal(token) {
                return Ok(temporal);
            }
        }
        if first.is_ascii_digit() || first == b'+' || first == b'-' {
            let mut scratch = Vec::new();
            if let Ok(number) = DecimalText::parse(token, &mut scratch) {
                return Ok(parse_as_number(&number));
            }
        }
        if embedded {
            return Err(Failure::Data);
        }
        Ok((schema(Type::String), Value::String(self.tokens.original.to_owned())))
    }

    fn parse_quoted_string(&mut self) -> (SchemaRef, Value) {
        let mut content = String::new();
        while self.tokens.has_next() {
            if self.tokens.can_consume("\"") {
                break;
            }
            content.push_str(self.tokens.next());
        }
        parse_as_temporal(&content).unwrap_or_else(|| (schema(Type::String), Value::String(content)))
    }

    fn parse_array(&mut self) -> Result<(SchemaRef, Value), Failure> {
        let mut elements = Vec::new();
        let mut merger = SchemaMerger::default();
        while self.tokens.has_next() {
            if self.tokens.can_consume("]") {
                let array_schema = match merger.common {
                    Some(element_schema) => {
                        let elements = elements
                            .into_iter()
                            .map(|e| convert_to(&element_schema, e))
                            .collect::<Result<Vec<_>, _>>()?;
                        return Ok((Arc::new(Schema::array(element_schema)), Value::Array(elements)));
                    }
                    // Every element null, or no common type: Connect's `arrayOfNull()`.
                    None => Schema::new(Type::Array),
                };
                return Ok((Arc::new(array_schema), Value::Array(elements)));
            }
            if self.tokens.can_consume(",") {
                return Err(Failure::Data);
            }
            let element = self.parse(true)?;
            merger.merge(element.as_ref());
            elements.push(element.map_or(Value::Null, |(_, v)| v));
            let position = self.tokens.mark();
            if self.tokens.can_consume("]") {
                self.tokens.rewind_to(position);
            } else if !self.tokens.can_consume(",") {
                return Err(Failure::Data);
            }
        }
        Err(Failure::Data)
    }

    fn parse_map(&mut self) -> Result<(SchemaRef, Value), Failure> {
        let mut entries: Vec<(Value, Value)> = Vec::new();
        let mut keys = SchemaMerger::default();
        let mut values = SchemaMerger::default();
        while self.tokens.has_next() {
            if self.tokens.can_consume("}") {
                return build_map(entries, keys.common, values.common);
            }
            if self.tokens.can_consume(",") {
                return Err(Failure::Data);
            }
            let key = self.parse(true)?;
            let Some(key) = key.filter(|(_, k)| !k.is_null()) else {
                return Err(Failure::Data);
            };
            if !self.tokens.can_consume(":") {
                return Err(Failure::Data);
            }
            let value = self.parse(true)?;
            put_entry(&mut entries, key.1.clone(), value.as_ref().map_or(Value::Null, |(_, v)| v.clone()));
            self.tokens.can_consume(",");
            keys.merge(Some(&key));
            values.merge(value.as_ref());
        }
        Err(Failure::Data)
    }

    fn parse_multiple_tokens_as_temporal(&mut self, token: &str) -> Option<(SchemaRef, Value)> {
        // A time or timestamp is split into five tokens by its unescaped colons.
        let position = self.tokens.mark();
        if let Some(remainder) = self.tokens.next_n(4) {
            if let Some(temporal) = parse_as_temporal(&format!("{token}{remainder}")) {
                return Some(temporal);
            }
        }
        self.tokens.rewind_to(position);
        parse_as_temporal(token)
    }
}

/// `LinkedHashMap.put`: an equal key keeps its place and takes the new value.
fn put_entry(entries: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
}

fn build_map(
    entries: Vec<(Value, Value)>,
    key_schema: Option<SchemaRef>,
    value_schema: Option<SchemaRef>,
) -> Result<(SchemaRef, Value), Failure> {
    let mut schema = Schema::new(Type::Map);
    let Some(key_schema) = key_schema else {
        // `mapOfNull()`: values are kept as parsed.
        return Ok((Arc::new(schema), Value::Map(entries)));
    };
    let mut aligned = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let key = convert_to(&key_schema, key)?;
        let value = match &value_schema {
            Some(value_schema) => convert_to(value_schema, value)?,
            None => value,
        };
        put_entry(&mut aligned, key, value);
    }
    schema.key_schema = Some(key_schema);
    schema.value_schema = value_schema;
    Ok((Arc::new(schema), Value::Map(aligned)))
}

/// Connect's `Values.SchemaMerger`: the common schema of the non-null items seen so far.
#[derive(Default)]
struct SchemaMerger {
    common: Option<SchemaRef>,
    incompatible: bool,
}

impl SchemaMerger {
    fn merge(&mut self, latest: Option<&(SchemaRef, Value)>) {
        let Some((latest, _)) = latest else { return };
        if self.incompatible {
            return;
        }
        self.common = match self.common.take() {
            None => Some(Arc::clone(latest)),
            Some(previous) => {
                let merged = merge_schemas(&previous, latest);
                self.incompatible = merged.is_none();
                merged
            }
        };
    }
}

/// Connect's `Values.mergeSchemas` for the required schemas the parser produces: the same type
/// keeps the newer schema, numeric types widen, anything else has no common schema.
fn merge_schemas(previous: &SchemaRef, latest: &SchemaRef) -> Option<SchemaRef> {
    use Type::{Float32, Float64, Int16, Int32, Int64, Int8};
    let (p, n) = (previous.kind, latest.kind);
    if p == n {
        return Some(Arc::clone(latest));
    }
    let rank = |t: Type| match t {
        Int8 => Some(0),
        Int16 => Some(1),
        Int32 => Some(2),
        Int64 => Some(3),
        Float32 => Some(4),
        Float64 => Some(5),
        _ => None,
    };
    let (pr, nr) = (rank(p)?, rank(n)?);
    Some(Arc::clone(if nr > pr { latest } else { previous }))
}

/// A numeric value as Java's `Number.longValue()` sees it.
fn as_long(value: &Value) -> Option<i64> {
    Some(match *value {
        Value::Int8(v) => i64::from(v),
        Value::Int16(v) => i64::from(v),
        Value::Int32(v) => i64::from(v),
        Value::Int64(v) => v,
        // Java's float-to-long cast saturates and maps NaN to 0, as Rust's `as` does.
        Value::Float32(v) => v as i64,
        Value::Float64(v) => v as i64,
        _ => return None,
    })
}

/// A numeric value as Java's `Number.doubleValue()` sees it.
// Java's long-to-double conversion rounds exactly like Rust's `as`.
#[allow(clippy::cast_precision_loss)]
fn as_double(value: &Value) -> Option<f64> {
    Some(match *value {
        Value::Float32(v) => f64::from(v),
        Value::Float64(v) => v,
        ref other => as_long(other)? as f64,
    })
}

/// Connect's `Values.convertTo(schema, null, value)` as used to align collection items with their
/// common schema. Only the cases the parser can produce are reachable.
fn convert_to(schema: &Schema, value: Value) -> Result<Value, Failure> {
    use Failure::{Data, Unsupported};
    if value.is_null() {
        // Parsed schemas are never optional: "Unable to convert a null value to a schema that
        // requires a value".
        return Err(Data);
    }
    let name = schema.name.as_deref();
    Ok(match (schema.kind, value) {
        (Type::Bytes, v @ Value::Decimal(_)) if name == Some(logical::DECIMAL) => v,
        (Type::String, v @ Value::String(_))
        | (Type::Boolean, v @ Value::Boolean(_))
        | (Type::Array, v @ Value::Array(_))
        | (Type::Map, v @ Value::Map(_)) => v,
        (Type::Int32, v @ Value::Date(_)) if name == Some(logical::DATE) => v,
        (Type::Int32, v @ Value::Time(_)) if name == Some(logical::TIME) => v,
        (Type::Int64, v @ Value::Timestamp(_)) if name == Some(logical::TIMESTAMP) => v,
        // Java keeps a `java.util.Date` of another logical type as it is; there is no such value here.
        (Type::Int32 | Type::Int64, Value::Date(_) | Value::Time(_) | Value::Timestamp(_))
            if name.is_some() =>
        {
            return Err(Unsupported)
        }
        (Type::Int32, v) if name == Some(logical::DATE) => Value::Date(as_long(&v).ok_or(Data)? as i32),
        (Type::Int32, v) if name == Some(logical::TIME) => {
            let millis = as_long(&v).ok_or(Data)? as i32;
            // `Time.toLogical` rejects values outside one day.
            if !(0..=86_400_000).contains(&millis) {
                return Err(Data);
            }
            Value::Time(millis)
        }
        (Type::Int64, v) if name == Some(logical::TIMESTAMP) => Value::Timestamp(as_long(&v).ok_or(Data)?),
        // Java's narrowing casts from long wrap, as Rust's `as` does.
        (Type::Int8, v) => Value::Int8(as_long(&v).ok_or(Data)? as i8),
        (Type::Int16, v) => Value::Int16(as_long(&v).ok_or(Data)? as i16),
        (Type::Int32, v) => Value::Int32(as_long(&v).ok_or(Data)? as i32),
        (Type::Int64, v) => Value::Int64(as_long(&v).ok_or(Data)?),
        (Type::Float32, Value::Float32(f)) => Value::Float32(f),
        (Type::Float32, v) => Value::Float32(as_double(&v).ok_or(Data)? as f32),
        (Type::Float64, v) => Value::Float64(as_double(&v).ok_or(Data)?),
        _ => return Err(Data),
    })
}

/// `parseAsExactDecimal`: the integer when the value is whole, at most 10^19 in magnitude and
/// within `long`.
fn exact_long(number: &DecimalText<'_>) -> Option<i64> {
    if number.is_zero() {
        return Some(0);
    }
    // Digits before the decimal point when written without exponent (may be ≤ 0).
    let integer_digits = number.digits.len() as i64 - i64::from(number.scale);
    // |x| < 1 (and not zero), or |x| ≥ 10^20: never an exact long.
    if integer_digits <= 0 || integer_digits > 20 {
        return None;
    }
    // Whole when every digit after the point is zero.
    let kept = (integer_digits as usize).min(number.digits.len());
    if number.digits[kept..].iter().any(|&d| d != b'0') {
        return None;
    }
    let mut magnitude: i128 = 0;
    for &d in &number.digits[..kept] {
        magnitude = magnitude * 10 + i128::from(d - b'0');
    }
    for _ in kept..integer_digits as usize {
        magnitude *= 10;
    }
    let value = if number.negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// Connect's `ValueParser.parseAsNumber`.
fn parse_as_number(number: &DecimalText<'_>) -> (SchemaRef, Value) {
    if let Some(integral) = exact_long(number) {
        return if let Ok(v) = i8::try_from(integral) {
            (schema(Type::Int8), Value::Int8(v))
        } else if let Ok(v) = i16::try_from(integral) {
            (schema(Type::Int16), Value::Int16(v))
        } else if let Ok(v) = i32::try_from(integral) {
            (schema(Type::Int32), Value::Int32(v))
        } else {
            (schema(Type::Int64), Value::Int64(integral))
        };
    }
    let float = number.to_f32();
    if float.is_finite() && number.scale != 0 {
        return (schema(Type::Float32), Value::Float32(float));
    }
    let double = number.to_f64();
    if double.is_finite() && number.scale != 0 {
        return (schema(Type::Float64), Value::Float64(double));
    }
    (Arc::new(Schema::decimal(number.scale)), Value::Decimal(number.to_decimal()))
}

/// One element of the three ISO patterns Connect parses with `SimpleDateFormat`.
#[derive(Clone, Copy)]
enum Part {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millis,
    Literal(u8),
}

const DATE_PATTERN: &[Part] = &[Part::Year, Part::Literal(b'-'), Part::Month, Part::Literal(b'-'), Part::Day];
const TIME_PATTERN: &[Part] = &[
    Part::Hour,
    Part::Literal(b':'),
    Part::Minute,
    Part::Literal(b':'),
    Part::Second,
    Part::Literal(b'.'),
    Part::Millis,
    Part::Literal(b'Z'),
];
const TIMESTAMP_PATTERN: &[Part] = &[
    Part::Year,
    Part::Literal(b'-'),
    Part::Month,
    Part::Literal(b'-'),
    Part::Day,
    Part::Literal(b'T'),
    Part::Hour,
    Part::Literal(b':'),
    Part::Minute,
    Part::Literal(b':'),
    Part::Second,
    Part::Literal(b'.'),
    Part::Millis,
    Part::Literal(b'Z'),
];

/// Connect's `parseAsTemporal`: the pattern is chosen by length alone (`yyyy-MM-dd` = 10,
/// `HH:mm:ss.SSS'Z'` = 13, `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` = 24 UTF-16 units).
fn parse_as_temporal(token: &str) -> Option<(SchemaRef, Value)> {
    let token = token.replace("\\:", ":");
    match token.encode_utf16().count() {
        13 => {
            let millis = lenient_parse(&token, TIME_PATTERN)?;
            let millis = i32::try_from(millis).ok()?;
            Some((Arc::new(Schema::time()), Value::Time(millis)))
        }
        24 => {
            let millis = lenient_parse(&token, TIMESTAMP_PATTERN)?;
            Some((Arc::new(Schema::timestamp()), Value::Timestamp(millis)))
        }
        10 => {
            let millis = lenient_parse(&token, DATE_PATTERN)?;
            let days = i32::try_from(millis.div_euclid(MILLIS_PER_DAY)).ok()?;
            Some((Arc::new(Schema::date()), Value::Date(days)))
        }
        _ => None,
    }
}

/// `new SimpleDateFormat(pattern).parse(text, pos)` in a UTC JVM: numeric fields take every
/// following digit (after skipping spaces and tabs), literals must match, out-of-range fields roll
/// over (lenient calendar), and text after the complete pattern is ignored. `None` when a field or
/// literal fails, or the instant is outside `long` milliseconds.
fn lenient_parse(text: &str, pattern: &[Part]) -> Option<i64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let (mut year, mut month, mut day) = (1970_i128, 1_i128, 1_i128);
    let (mut hour, mut minute, mut second, mut millis) = (0_i128, 0_i128, 0_i128, 0_i128);
    for part in pattern {
        let slot = match *part {
            Part::Literal(expected) => {
                if bytes.get(i) != Some(&expected) {
                    return None;
                }
                i += 1;
                continue;
            }
            Part::Year => &mut year,
            Part::Month => &mut month,
            Part::Day => &mut day,
            Part::Hour => &mut hour,
            Part::Minute => &mut minute,
            Part::Second => &mut second,
            Part::Millis => &mut millis,
        };
        while let Some(b' ' | b'\t') = bytes.get(i) {
            i += 1;
        }
        let start = i;
        let mut number: i128 = 0;
        while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            number = number.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
            i += 1;
        }
        if i == start {
            return None;
        }
        *slot = number;
    }
    let months = year.checked_mul(12)?.checked_add(month - 1)?;
    // From a billion years on the instant overflows `long` whatever the other fields (none is
    // negative), and below that the calendar's `i64` arithmetic cannot overflow.
    let year = i64::try_from(months.div_euclid(12)).ok().filter(|year| *year < 1_000_000_000)?;
    let month = (months.rem_euclid(12) + 1) as u32;
    let days = i128::from(days_from_gregorian(year, month, 1)).checked_add(day - 1)?;
    let total = days
        .checked_mul(i128::from(MILLIS_PER_DAY))?
        .checked_add(hour.checked_mul(3_600_000)?)?
        .checked_add(minute.checked_mul(60_000)?)?
        .checked_add(second.checked_mul(1_000)?)?
        .checked_add(millis)?;
    i64::try_from(total).ok()
}

#[cfg(test)]
mod tests;
