//! Java's text forms and narrowing rules for the values `Cast` converts.
//!
//! Connect compat: `Cast.castTo*` relies on `Number.byteValue()`/`intValue()`/…, the
//! `Byte/Short/Integer/Long.parseX` and `Float/Double.parseX` parsers, `Float/Double.toString`,
//! `BigDecimal.toString()` and `Base64.getEncoder()`. These functions reproduce them on our
//! values so the results (and what is rejected) match a Connect worker.

use std::fmt::Write as _;

use crate::data::{Decimal, Record, Schema, Value};
use crate::smt::datetime::{calendar::MILLIS_PER_DAY, DateFormat};

/// `Double.toString(v)`: shortest round-trip digits, plain notation in [1e-3, 1e7), else
/// computerized scientific notation (`1.0E10`), with `NaN`/`Infinity` spelled as Java does.
///
/// Connect compat: JDK 19+ prints the shortest digits (JDK 17 occasionally printed more, e.g.
/// `2.0000000000000002E23` for `2e23`); we follow JDK 19+.
pub fn double_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    layout(&format!("{v:e}"), v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e7))
}

/// `Float.toString(v)`, the `float` counterpart of [`double_to_string`].
pub fn float_to_string(v: f32) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    layout(&format!("{v:e}"), v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e7))
}

/// Lays out Rust's shortest `{:e}` form (`-1.2345e6`) the way Java's `toString` does.
fn layout(sci: &str, scientific: bool) -> String {
    let (negative, sci) = sci.strip_prefix('-').map_or((false, sci), |rest| (true, rest));
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if scientific {
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        out.push('E');
        out.push_str(&exponent.to_string());
    } else if exponent >= 0 {
        let int_len = exponent as usize + 1;
        if digits.len() > int_len {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        } else {
            out.push_str(&digits);
            out.push_str(&"0".repeat(int_len - digits.len()));
            out.push_str(".0");
        }
    } else {
        out.push_str("0.");
        out.push_str(&"0".repeat((-exponent - 1) as usize));
        out.push_str(&digits);
    }
    out
}

/// `Long.parseLong`-style decimal parsing, then a range check as `Byte/Short/Integer.parseX` do.
/// `None` is Java's `NumberFormatException`.
pub fn parse_integer(text: &str, min: i64, max: i64) -> Option<i64> {
    // Rust's integer parser has Java's grammar for ASCII digits: optional +/-, then digits only.
    text.parse::<i64>().ok().filter(|v| (min..=max).contains(v))
}

/// The part of `FloatingDecimal.readJavaFormatString` that Rust's float parser does not share:
/// Java trims ASCII control characters and spaces, accepts `NaN`/`Infinity` only in that
/// spelling, and allows a trailing `f`/`F`/`d`/`D`. Returns the text Rust should parse.
fn java_float_text(text: &str) -> Option<String> {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let (sign, body) = match trimmed.as_bytes().first()? {
        b'+' | b'-' => trimmed.split_at(1),
        _ => ("", trimmed),
    };
    if body == "NaN" || body == "Infinity" {
        return Some(format!("{sign}{body}"));
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.len() + frac_part.len() == 0 || !digits_ok(int_part) || !digits_ok(frac_part) {
        return None;
    }
    if let Some(exponent) = exponent {
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if digits.is_empty() || !digits_ok(digits) {
            return None;
        }
    }
    Some(format!("{sign}{body}"))
}

/// `Double.parseDouble` (hexadecimal floating literals are not supported).
pub fn parse_double(text: &str) -> Option<f64> {
    java_float_text(text)?.parse().ok()
}

/// `Float.parseFloat` (hexadecimal floating literals are not supported).
pub fn parse_float(text: &str) -> Option<f32> {
    java_float_text(text)?.parse().ok()
}

/// `Base64.getEncoder().encodeToString(bytes)`: standard alphabet, padded.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An unsigned big integer, little-endian base 2³² limbs: just enough arithmetic for `BigDecimal`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Magnitude(Vec<u32>);

impl Magnitude {
    /// Sign and magnitude of big-endian two's-complement bytes (`new BigInteger(bytes)`).
    fn from_twos_complement(bytes: &[u8]) -> (bool, Self) {
        let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
        let mut limbs: Vec<u32> = bytes
            .rchunks(4)
            .map(|chunk| {
                let fill = if negative { 0xff } else { 0 };
                let mut word = [fill; 4];
                word[4 - chunk.len()..].copy_from_slice(chunk);
                u32::from_be_bytes(word)
            })
            .collect();
        if negative {
            // Two's complement negation: invert and add one.
            let mut carry = true;
            for limb in &mut limbs {
                *limb = !*limb;
                if carry {
                    (*limb, carry) = limb.overflowing_add(1);
                }
            }
        }
        let mut magnitude = Self(limbs);
        magnitude.trim();
        (negative, magnitude)
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// Divides in place by `divisor`, returning the remainder.
    fn div_small(&mut self, divisor: u32) -> u32 {
        let mut remainder = 0u64;
        for limb in self.0.iter_mut().rev() {
            let current = remainder << 32 | u64::from(*limb);
            *limb = (current / u64::from(divisor)) as u32;
            remainder = current % u64::from(divisor);
        }
        self.trim();
        remainder as u32
    }

    /// The low 64 bits.
    fn low_u64(&self) -> u64 {
        u64::from(*self.0.first().unwrap_or(&0)) | u64::from(*self.0.get(1).unwrap_or(&0)) << 32
    }

    /// Decimal digits, most significant first ("0" for zero).
    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".to_owned();
        }
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_small(1_000_000_000));
        }
        let mut out = chunks.last().map(ToString::to_string).unwrap_or_default();
        for chunk in chunks.iter().rev().skip(1) {
            // Writing to a String cannot fail.
            let _ = write!(out, "{chunk:09}");
        }
        out
    }
}

/// `BigDecimal.toString()`: plain notation when the scale is non-negative and the adjusted
/// exponent is at least -6, otherwise scientific (`4.2E+3`, `1E-7`).
pub fn decimal_to_string(d: &Decimal) -> String {
    let (negative, magnitude) = Magnitude::from_twos_complement(&d.unscaled);
    let coefficient = magnitude.to_decimal();
    let scale = i64::from(d.scale);
    let adjusted = -scale + (coefficient.len() as i64 - 1);
    let mut out = String::with_capacity(coefficient.len() + 8);
    if negative {
        out.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        if scale == 0 {
            out.push_str(&coefficient);
        } else if coefficient.len() > scale {
            let (int_part, frac) = coefficient.split_at(coefficient.len() - scale);
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat(scale - coefficient.len()));
            out.push_str(&coefficient);
        }
    } else {
        out.push_str(&coefficient[..1]);
        if coefficient.len() > 1 {
            out.push('.');
            out.push_str(&coefficient[1..]);
        }
        if adjusted != 0 {
            out.push('E');
            if adjusted > 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
    }
    out
}

/// `BigDecimal.longValue()`: the fraction discarded, then the low 64 bits of the integer.
/// `intValue()`, `shortValue()` and `byteValue()` narrow this further.
pub fn decimal_long_value(d: &Decimal) -> i64 {
    let (negative, mut magnitude) = Magnitude::from_twos_complement(&d.unscaled);
    let low = if d.scale <= 0 {
        // Only the low 64 bits survive, so multiplying them modulo 2^64 is exact enough.
        (0..d.scale.unsigned_abs()).fold(magnitude.low_u64(), |acc, _| acc.wrapping_mul(10))
    } else {
        let mut remaining = d.scale.unsigned_abs();
        while remaining > 0 && !magnitude.is_zero() {
            let step = remaining.min(9);
            magnitude.div_small(10u32.pow(step));
            remaining -= step;
        }
        magnitude.low_u64()
    };
    let low = low as i64;
    if negative {
        low.wrapping_neg()
    } else {
        low
    }
}

/// `BigDecimal.doubleValue()`: the nearest double (Java rounds exactly, as Rust's parser does).
pub fn decimal_to_f64(d: &Decimal) -> f64 {
    decimal_scientific(d).parse().unwrap_or(f64::NAN)
}

/// `BigDecimal.floatValue()`: the nearest float.
pub fn decimal_to_f32(d: &Decimal) -> f32 {
    decimal_scientific(d).parse().unwrap_or(f32::NAN)
}

/// `-123e-2` for unscaled -123 at scale 2: a form Rust's float parsers read exactly.
fn decimal_scientific(d: &Decimal) -> String {
    let (negative, magnitude) = Magnitude::from_twos_complement(&d.unscaled);
    format!("{}{}e{}", if negative { "-" } else { "" }, magnitude.to_decimal(), -i64::from(d.scale))
}

/// `Object.toString()` of a Connect value as Java prints it in messages (`ConnectRecord.toString`).
///
/// `java.util.Date` prints in UTC (`Thu Jan 01 00:00:00 UTC 1970`; Java uses the JVM's zone) and
/// a `byte[]` prints as `[B@` and a content hash, where Java prints its identity hash.
pub(crate) fn value_to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => out.push_str(&v.to_string()),
        Value::Int16(v) => out.push_str(&v.to_string()),
        Value::Int32(v) => out.push_str(&v.to_string()),
        Value::Int64(v) => out.push_str(&v.to_string()),
        Value::Float32(v) => out.push_str(&float_to_string(*v)),
        Value::Float64(v) => out.push_str(&double_to_string(*v)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => {
            let hash = b.iter().fold(1u32, |h, byte| h.wrapping_mul(31).wrapping_add(u32::from(*byte)));
            let _ = write!(out, "[B@{hash:x}");
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(k, out);
                out.push('=');
                write_value(v, out);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            // Struct.toString skips null fields and separates with a bare comma.
            out.push_str("Struct{");
            let mut first = true;
            for (field, v) in s.schema.fields.iter().zip(&s.values) {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&field.name);
                out.push('=');
                write_value(v, out);
            }
            out.push('}');
        }
        Value::Decimal(d) => out.push_str(&decimal_to_string(d)),
        Value::Date(days) => write_date(i64::from(*days) * MILLIS_PER_DAY, out),
        Value::Time(millis) => write_date(i64::from(*millis), out),
        Value::Timestamp(millis) => write_date(*millis, out),
    }
}

/// `java.util.Date.toString()` in UTC.
fn write_date(epoch_millis: i64, out: &mut String) {
    static FORMAT: std::sync::OnceLock<Option<DateFormat>> = std::sync::OnceLock::new();
    if let Some(format) = FORMAT.get_or_init(|| DateFormat::new("EEE MMM dd HH:mm:ss zzz yyyy").ok()) {
        format.format_into(epoch_millis, out);
    }
}

/// `ConnectSchema.toString()`: `Schema{name:TYPE}` or `Schema{TYPE}`; `null` for no schema.
pub(crate) fn schema_to_string(schema: Option<&Schema>) -> String {
    match schema {
        None => "null".to_owned(),
        Some(Schema { name: Some(name), kind, .. }) => format!("Schema{{{name}:{kind}}}"),
        Some(schema) => format!("Schema{{{}}}", schema.kind),
    }
}

/// `ConnectRecord.toString()` (without the `SourceRecord{…}`/`SinkRecord{…}` prefix, whose fields
/// our records do not carry).
pub(crate) fn record_to_string(record: &Record) -> String {
    let partition = record.partition.map_or_else(|| "null".to_owned(), |p| p.to_string());
    let timestamp = record.timestamp.map_or_else(|| "null".to_owned(), |t| t.to_string());
    let headers = if record.headers.is_empty() {
        String::new()
    } else {
        let items: Vec<String> = record
            .headers
            .iter()
            .map(|h| {
                format!(
                    "ConnectHeader(key={}, value={}, schema={})",
                    h.key,
                    value_to_string(&h.value),
                    schema_to_string(h.schema.as_deref())
                )
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    format!(
        "ConnectRecord{{topic='{}', kafkaPartition={partition}, key={}, keySchema={}, value={}, valueSchema={}, timestamp={timestamp}, headers=ConnectHeaders(headers={headers})}}",
        record.topic,
        value_to_string(&record.key),
        schema_to_string(record.key_schema.as_deref()),
        value_to_string(&record.value),
        schema_to_string(record.value_schema.as_deref()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(unscaled: i128, scale: i32) -> Decimal {
        let bytes = unscaled.to_be_bytes();
        // Minimal two's complement, as BigInteger.toByteArray() produces.
        let mut start = 0;
        while start < 15
            && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
                || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
        {
            start += 1;
        }
        Decimal { unscaled: bytes[start..].to_vec(), scale }
    }

    #[test]
    fn doubles_print_like_java() {
        for (v, s) in [
            (42.0, "42.0"),
            (-64.0, "-64.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (1.5e300, "1.5E300"),
            (9.223_372_036_854_776E18, "9.223372036854776E18"),
            (123.456, "123.456"),
            (2e23, "2.0E23"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(double_to_string(v), s);
        }
        assert_eq!(float_to_string(32.0), "32.0");
        assert_eq!(float_to_string(0.1), "0.1");
        assert_eq!(float_to_string(1.0e10), "1.0E10");
        assert_eq!(float_to_string(-42.125), "-42.125");
    }

    #[test]
    fn parsers_follow_java_grammar() {
        assert_eq!(parse_integer("42", -128, 127), Some(42));
        assert_eq!(parse_integer("+42", -128, 127), Some(42));
        assert_eq!(parse_integer("200", -128, 127), None);
        assert_eq!(parse_integer(" 42", -128, 127), None);
        assert_eq!(parse_integer("-", i64::MIN, i64::MAX), None);
        assert_eq!(parse_double(" 1.5e3 "), Some(1500.0));
        assert_eq!(parse_double("1.5d"), Some(1.5));
        assert_eq!(parse_double(".5"), Some(0.5));
        assert_eq!(parse_double("5."), Some(5.0));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_double("NaN").unwrap().is_nan());
        for bad in ["", ".", "inf", "nan", "1e", "1.5x", "1,5", "e5", "0x1p3"] {
            assert_eq!(parse_double(bad), None, "{bad}");
        }
        assert_eq!(parse_float("3.4028236e38"), Some(f32::INFINITY));
    }

    #[test]
    fn base64_is_standard_and_padded() {
        assert_eq!(base64(&[0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]), "/ty6mHZUMhA=");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }

    #[test]
    fn big_decimals_print_and_narrow_like_java() {
        assert_eq!(decimal_to_string(&dec(42, 0)), "42");
        assert_eq!(decimal_to_string(&dec(-768, 2)), "-7.68");
        assert_eq!(decimal_to_string(&dec(5, 3)), "0.005");
        assert_eq!(decimal_to_string(&dec(5, 7)), "5E-7");
        assert_eq!(decimal_to_string(&dec(-123, 8)), "-0.00000123");
        assert_eq!(decimal_to_string(&dec(-123, 9)), "-1.23E-7");
        assert_eq!(decimal_to_string(&dec(1, 7)), "1E-7");
        assert_eq!(decimal_to_string(&dec(42, -2)), "4.2E+3");
        assert_eq!(decimal_to_string(&dec(0, 2)), "0.00");
        assert_eq!(decimal_to_string(&dec(0, -2)), "0E+2");
        assert_eq!(decimal_to_string(&dec(i128::MAX, 0)), i128::MAX.to_string());
        // (long) Integer.MAX_VALUE + 1 → intValue() wraps to Integer.MIN_VALUE (CastTest).
        assert_eq!(decimal_long_value(&dec(2_147_483_648, 0)) as i32, i32::MIN);
        assert_eq!(decimal_long_value(&dec(-1999, 3)), -1);
        assert_eq!(decimal_long_value(&dec(12, -2)), 1200);
        assert_eq!(decimal_long_value(&dec(1 << 64, 0)), 0);
        assert_eq!(decimal_long_value(&dec(-(1 << 64) - 5, 0)), -5);
        assert_eq!(decimal_to_f64(&dec(-768, 2)).to_bits(), (-7.68f64).to_bits());
        assert_eq!(decimal_to_f32(&dec(1, 1)).to_bits(), 0.1f32.to_bits());
    }

    #[test]
    fn values_and_records_print_like_java() {
        use std::sync::Arc;
        let schema = Arc::new(Schema::structure([
            ("a".to_owned(), Arc::new(Schema::new(crate::data::Type::Int32))),
            ("b".to_owned(), Arc::new(Schema::new(crate::data::Type::String).optional())),
            ("c".to_owned(), Arc::new(Schema::new(crate::data::Type::Float64))),
        ]));
        let value = Value::Struct(crate::data::Struct {
            schema: Arc::clone(&schema),
            values: vec![Value::Int32(1), Value::Null, Value::Float64(2.0)],
        });
        assert_eq!(value_to_string(&value), "Struct{a=1,c=2.0}");
        assert_eq!(
            value_to_string(&Value::Map(vec![(
                Value::String("k".into()),
                Value::Array(vec![Value::Int8(1), Value::Null])
            )])),
            "{k=[1, null]}"
        );
        assert_eq!(value_to_string(&Value::Timestamp(0)), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(
            schema_to_string(Some(&Schema::timestamp())),
            "Schema{org.apache.kafka.connect.data.Timestamp:INT64}"
        );
        assert_eq!(schema_to_string(Some(&schema)), "Schema{STRUCT}");
        let record = Record { topic: "test".into(), partition: Some(0), ..Record::default() };
        assert_eq!(
            record_to_string(&record),
            "ConnectRecord{topic='test', kafkaPartition=0, key=null, keySchema=null, value=null, valueSchema=null, \
             timestamp=null, headers=ConnectHeaders(headers=)}"
        );
        let record = Record {
            headers: vec![crate::data::Header {
                key: "h".into(),
                schema: Some(Arc::new(Schema::new(crate::data::Type::String))),
                value: Value::String("v".into()),
            }],
            ..record
        };
        assert!(record_to_string(&record).ends_with(
            "headers=ConnectHeaders(headers=[ConnectHeader(key=h, value=v, schema=Schema{STRING})])}"
        ));
    }
}
