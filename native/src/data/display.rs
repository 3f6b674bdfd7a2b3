//! Java's `toString()` for Connect values, as `StringConverter` and log messages print them, and
//! for the schemas and records Connect's error messages quote.
//!
//! Connect compat: `org.apache.kafka.connect.storage.StringConverter#fromConnectData` writes
//! `value.toString()`, so the text of every value type is Java's: `Struct.toString()`
//! (`Struct{a=1,b=x}`, null fields left out), `AbstractCollection`/`AbstractMap.toString()`
//! (`[a, b]`, `{k=v, k2=v2}`), `BigDecimal.toString()`, `java.util.Date.toString()` and
//! `Float`/`Double.toString()`. Jackson writes JSON floats with the same `Double.toString`, so
//! the JSON converter uses the number formatting here too.
//!
//! Two things cannot be reproduced exactly and are chosen here:
//! * `java.util.Date.toString()` uses the JVM's default time zone; this prints UTC, as a Connect
//!   worker started with `-Duser.timezone=UTC` (or in a UTC container) does.
//! * `byte[].toString()` is `[B@` plus an identity hash that changes every run; this prints
//!   `[B@` plus the hex of `Arrays.hashCode(bytes)`, which has the same shape and is stable.
//!
//! Floats follow the JDK 19+ `Double.toString` specification (shortest decimal that rounds back,
//! JDK-4511638). JDK 17's older algorithm printed a longer, non-shortest form for a few values
//! (e.g. `2.0E23` as `1.9999999999999998E23`); both parse back to the same double.

use std::fmt::{self, Write as _};

/// Milliseconds per day, as Connect's `Date` logical type uses (re-exported for the converters).
pub use super::calendar::MILLIS_PER_DAY;

use super::calendar::Fields;
use super::record::Record;
use super::schema::Schema;
use super::value::{Struct, Value};

/// A stack buffer holding one formatted float; Java's longest double text is 24 bytes.
#[derive(Clone, Copy)]
pub struct FloatBuf {
    bytes: [u8; 40],
    len: usize,
}

impl Default for FloatBuf {
    fn default() -> Self {
        Self { bytes: [0; 40], len: 0 }
    }
}

impl FloatBuf {
    /// The formatted text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever written into the buffer.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn push_str(&mut self, s: &str) {
        self.push_bytes(s.as_bytes());
    }

    fn push_bytes(&mut self, b: &[u8]) {
        self.bytes[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }
}

impl fmt::Write for FloatBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > self.bytes.len() {
            return Err(fmt::Error);
        }
        self.push_str(s);
        Ok(())
    }
}

/// Shortest-digit decomposition of a finite non-zero float: `digits` × 10^(`exp` - len + 1).
struct Decomposed {
    digits: [u8; 20],
    len: usize,
    /// Exponent of the first digit (scientific notation exponent).
    exp: i32,
}

/// Splits a decimal float text (`1234.56`, `0.001`, `1.5e-7`, `1e300`; Ryu's and Rust's `{:e}`
/// forms) into significant digits and the exponent of the first one.
fn split_decimal(text: &str) -> Decomposed {
    let mut d = Decomposed { digits: [0; 20], len: 0, exp: 0 };
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(p) => (&text[..p], text[p + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let mantissa = mantissa.trim_start_matches('-');
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut point = int_part.len() as i32;
    let mut leading = true;
    for b in int_part.bytes().chain(frac_part.bytes()) {
        if leading && b == b'0' {
            point -= 1;
            continue;
        }
        leading = false;
        if d.len < d.digits.len() {
            d.digits[d.len] = b;
            d.len += 1;
        }
    }
    if d.len == 0 {
        d.digits[0] = b'0';
        d.len = 1;
    }
    while d.len > 1 && d.digits[d.len - 1] == b'0' {
        d.len -= 1;
    }
    d.exp = point - 1 + exp;
    d
}

/// Java's digit selection for a finite, non-zero, positive value (`Double.toString` javadoc,
/// JDK 19+): the shortest decimal that rounds to `v` (Ryu computes it), except that when one
/// digit suffices the closest decimal of one *or two* digits is taken (so `4.9E-324`, not
/// `5.0E-324`). That exception needs a rounding interval wider than a tenth of the digit's
/// step, which only subnormals have: for a `normal` value the closest two-digit decimal is the
/// one-digit one, so the check (a formatting and a parse, most of the cost of `0.5`) is skipped.
fn java_digits<F>(v: F, normal: bool) -> Decomposed
where
    F: ryu::Float + fmt::LowerExp + Copy + PartialEq + std::str::FromStr,
{
    let mut ryu_buf = ryu::Buffer::new();
    let shortest = split_decimal(ryu_buf.format_finite(v));
    if shortest.len != 1 || normal {
        return shortest;
    }
    let mut scratch = FloatBuf::default();
    let _ = write!(scratch, "{v:.1e}");
    let two = scratch.as_str();
    if two.parse::<F>().is_ok_and(|back| back == v) {
        return split_decimal(two);
    }
    shortest
}

/// Formats the decomposition as Java does: plain for 10^-3 <= |v| < 10^7, else `d.dddE±n`.
fn layout(buf: &mut FloatBuf, negative: bool, d: &Decomposed) {
    if negative {
        buf.push(b'-');
    }
    let digits = &d.digits[..d.len];
    let e = d.exp;
    if (-3..0).contains(&e) {
        buf.push_str("0.");
        for _ in 0..(-e - 1) {
            buf.push(b'0');
        }
        buf.push_bytes(digits);
    } else if (0..7).contains(&e) {
        let int_len = e as usize + 1;
        if digits.len() <= int_len {
            buf.push_bytes(digits);
            for _ in digits.len()..int_len {
                buf.push(b'0');
            }
            buf.push_str(".0");
        } else {
            buf.push_bytes(&digits[..int_len]);
            buf.push(b'.');
            buf.push_bytes(&digits[int_len..]);
        }
    } else {
        buf.push(digits[0]);
        buf.push(b'.');
        if digits.len() == 1 {
            buf.push(b'0');
        } else {
            buf.push_bytes(&digits[1..]);
        }
        buf.push(b'E');
        let _ = write!(buf, "{e}");
    }
}

/// Java's `Double.toString(v)` into `buf`, returning the text.
pub fn format_java_double(v: f64, buf: &mut FloatBuf) -> &str {
    format_java(v, v.abs(), v.is_normal(), buf)
}

/// Java's `Float.toString(v)` into `buf`, returning the text.
pub fn format_java_float(v: f32, buf: &mut FloatBuf) -> &str {
    // Widening keeps NaN, the infinities, the zeros and the sign, which is all `format_java` reads
    // from its first argument; the digits come from the float itself.
    format_java(f64::from(v), v.abs(), v.is_normal(), buf)
}

/// `Double`/`Float.toString`: `v` classifies the value, `magnitude` (its absolute value in its own
/// width) gives the digits; `normal` says it is not subnormal in that width.
fn format_java<F>(v: f64, magnitude: F, normal: bool, buf: &mut FloatBuf) -> &str
where
    F: ryu::Float + fmt::LowerExp + Copy + PartialEq + std::str::FromStr,
{
    buf.clear();
    if v.is_nan() {
        buf.push_str("NaN");
    } else if v.is_infinite() {
        buf.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else if v == 0.0 {
        buf.push_str(if v.is_sign_negative() { "-0.0" } else { "0.0" });
    } else {
        layout(buf, v < 0.0, &java_digits(magnitude, normal));
    }
    buf.as_str()
}

/// Java's `Double.toString(v)`.
pub fn java_double_to_string(v: f64) -> String {
    format_java_double(v, &mut FloatBuf::default()).to_owned()
}

/// Java's `Float.toString(v)`.
pub fn java_float_to_string(v: f32) -> String {
    format_java_float(v, &mut FloatBuf::default()).to_owned()
}

/// Java's `java.util.Date.toString()` (`EEE MMM dd HH:mm:ss zzz yyyy`) in UTC, e.g.
/// `Thu Jan 01 00:00:00 UTC 1970`. Years before 1 AD print their BC era year without a sign, as
/// Java does; instants before 1582-10-15 use the Julian calendar.
pub fn java_date_to_string(millis: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let f = Fields::from_epoch_millis(millis);
    // Java appends the year as a plain int: no zero padding, unlike `SimpleDateFormat`'s `yyyy`.
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[f.day_of_week as usize - 1],
        MONTHS[f.month as usize - 1],
        f.day,
        f.hour,
        f.minute,
        f.second,
        f.year_of_era()
    )
}

/// Java's `Arrays.hashCode(byte[])`.
fn arrays_hash_code(bytes: &[u8]) -> i32 {
    bytes.iter().fold(1i32, |h, &b| h.wrapping_mul(31).wrapping_add(i32::from(b as i8)))
}

/// Displays a [`Value`] exactly as Java's `String.valueOf(value)` would print the Connect object.
pub struct JavaDisplay<'a>(pub &'a Value);

impl fmt::Display for JavaDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value(f, self.0)
    }
}

/// Java's `toString()` of a Connect value (`"null"` for [`Value::Null`]).
pub fn java_to_string(value: &Value) -> String {
    JavaDisplay(value).to_string()
}

fn write_value(f: &mut dyn fmt::Write, value: &Value) -> fmt::Result {
    let mut buf = FloatBuf::default();
    match value {
        Value::Null => f.write_str("null"),
        Value::Boolean(b) => f.write_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => write!(f, "{v}"),
        Value::Int16(v) => write!(f, "{v}"),
        Value::Int32(v) => write!(f, "{v}"),
        Value::Int64(v) => write!(f, "{v}"),
        Value::Float32(v) => f.write_str(format_java_float(*v, &mut buf)),
        Value::Float64(v) => f.write_str(format_java_double(*v, &mut buf)),
        Value::String(s) => f.write_str(s),
        Value::Bytes(b) => write!(f, "[B@{:x}", arrays_hash_code(b)),
        Value::Array(items) => {
            f.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_value(f, item)?;
            }
            f.write_char(']')
        }
        Value::Map(entries) => {
            f.write_char('{')?;
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_value(f, k)?;
                f.write_char('=')?;
                write_value(f, v)?;
            }
            f.write_char('}')
        }
        Value::Struct(s) => write_struct(f, s),
        Value::Decimal(d) => f.write_str(&d.to_java_string()),
        Value::Date(days) => f.write_str(&java_date_to_string(i64::from(*days) * MILLIS_PER_DAY)),
        Value::Time(ms) => f.write_str(&java_date_to_string(i64::from(*ms))),
        Value::Timestamp(ms) => f.write_str(&java_date_to_string(*ms)),
    }
}

/// Connect compat: `Struct.toString()` skips null fields and separates with a bare comma.
fn write_struct(f: &mut dyn fmt::Write, s: &Struct) -> fmt::Result {
    f.write_str("Struct{")?;
    let mut first = true;
    for (field, value) in s.schema.fields.iter().zip(&s.values) {
        if value.is_null() {
            continue;
        }
        if !first {
            f.write_char(',')?;
        }
        first = false;
        f.write_str(&field.name)?;
        f.write_char('=')?;
        write_value(f, value)?;
    }
    f.write_char('}')
}

/// Java's `ConnectSchema.toString()`: `Schema{name:TYPE}` or `Schema{TYPE}`, and `null` for no
/// schema (`String.valueOf(null)`).
pub fn java_schema_to_string(schema: Option<&Schema>) -> String {
    match schema {
        None => "null".to_owned(),
        Some(Schema { name: Some(name), kind, .. }) => format!("Schema{{{name}:{kind}}}"),
        Some(schema) => format!("Schema{{{}}}", schema.kind),
    }
}

/// Java's `ConnectRecord.toString()`, as Connect's messages quote a record.
///
/// The `SourceRecord{…}`/`SinkRecord{…}` prefix Java puts first is left out: it prints fields
/// (source partition and offset, original topic …) that [`Record`] does not carry.
pub fn java_record_to_string(record: &Record) -> String {
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
                    java_to_string(&h.value),
                    java_schema_to_string(h.schema.as_deref())
                )
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    format!(
        "ConnectRecord{{topic='{}', kafkaPartition={partition}, key={}, keySchema={}, value={}, valueSchema={}, timestamp={timestamp}, headers=ConnectHeaders(headers={headers})}}",
        record.topic,
        java_to_string(&record.key),
        java_schema_to_string(record.key_schema.as_deref()),
        java_to_string(&record.value),
        java_schema_to_string(record.value_schema.as_deref()),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{Decimal, Schema, Type};

    #[test]
    fn normal_values_skip_the_two_digit_check_without_changing_the_digits() {
        let same = |a: &Decomposed, b: &Decomposed| a.digits[..a.len] == b.digits[..b.len] && a.exp == b.exp;
        for d in 1..=9 {
            for e in -307..=308 {
                let v: f64 = format!("{d}e{e}").parse().unwrap();
                if v.is_normal() {
                    assert!(same(&java_digits(v, true), &java_digits(v, false)), "{v:e}");
                }
            }
            for e in -37..=38 {
                let v: f32 = format!("{d}e{e}").parse().unwrap();
                if v.is_normal() {
                    assert!(same(&java_digits(v, true), &java_digits(v, false)), "{v:e}");
                }
            }
        }
    }

    #[test]
    fn doubles_print_as_java() {
        // Expected strings printed by Java 25 (Double.toString) for each value.
        for (v, expected) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (100.0, "100.0"),
            (1e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (0.001, "0.001"),
            (9.99e-4, "9.99E-4"),
            (1e10, "1.0E10"),
            (1.0e-5, "1.0E-5"),
            (123_456_789.123, "1.23456789123E8"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::MIN_POSITIVE * f64::EPSILON, "4.9E-324"),
            (f64::MAX, "1.7976931348623157E308"),
            (2e23, "2.0E23"),
            (1e23, "1.0E23"),
            (1.0e22, "1.0E22"),
            (4.35, "4.35"),
            (-1.5, "-1.5"),
            (0.3, "0.3"),
            (12_300.0, "12300.0"),
            (0.0123, "0.0123"),
            (1.23e-19, "1.23E-19"),
            (9e-324, "9.9E-324"),
            (1e-322, "9.9E-323"),
            (1.5e-323, "1.5E-323"),
            (8.41e21, "8.41E21"),
            (2.828_793_848_061_59e17, "2.82879384806159E17"),
            (9_999_999.5, "9999999.5"),
        ] {
            assert_eq!(java_double_to_string(v), expected, "{v:e}");
        }
    }

    #[test]
    fn floats_print_as_java() {
        // Expected strings printed by Java 25 (Float.toString).
        for (v, expected) in [
            (1.0f32, "1.0"),
            (0.1, "0.1"),
            (3.25, "3.25"),
            (1e7, "1.0E7"),
            (1e10, "1.0E10"),
            (1.0e-5, "1.0E-5"),
            (f32::NAN, "NaN"),
            (f32::from_bits(1), "1.4E-45"),
            (f32::MAX, "3.4028235E38"),
            (-0.0, "-0.0"),
            (16_777_216.0, "1.6777216E7"),
            (1.175_494_4e-38, "1.1754944E-38"),
            (1.0e-3, "0.001"),
            (9.999e-4, "9.999E-4"),
            (f32::from_bits(3), "4.2E-45"),
            (1e-44, "9.8E-45"),
            (3.0e-45, "2.8E-45"),
        ] {
            assert_eq!(java_float_to_string(v), expected, "{v:e}");
        }
    }

    #[test]
    fn dates_print_as_java_util_date_in_utc() {
        // Expected strings printed by Java (TZ=UTC) for new java.util.Date(millis).toString().
        for (ms, expected) in [
            (0, "Thu Jan 01 00:00:00 UTC 1970"),
            (-1, "Wed Dec 31 23:59:59 UTC 1969"),
            (1_700_000_000_123, "Tue Nov 14 22:13:20 UTC 2023"),
            (-62_135_596_800_000, "Mon Jan 03 00:00:00 UTC 1"),
            (-62_135_596_800_001, "Sun Jan 02 23:59:59 UTC 1"),
            (-12_219_292_800_000, "Fri Oct 15 00:00:00 UTC 1582"),
            (-12_219_292_800_001, "Thu Oct 04 23:59:59 UTC 1582"),
            (253_402_300_799_999, "Fri Dec 31 23:59:59 UTC 9999"),
            (253_402_300_800_000, "Sat Jan 01 00:00:00 UTC 10000"),
            (i64::MAX, "Sun Aug 17 07:12:55 UTC 292278994"),
            (i64::MIN, "Sun Dec 02 16:47:04 UTC 292269055"),
            (-62_167_219_200_000, "Sat Jan 03 00:00:00 UTC 1"),
            (-62_198_755_200_000, "Fri Jan 03 00:00:00 UTC 2"),
            (-100_000_000_000_000, "Thu Feb 26 14:13:20 UTC 1200"),
        ] {
            assert_eq!(java_date_to_string(ms), expected, "{ms}");
        }
    }

    #[test]
    fn containers_print_as_java_collections() {
        // Java: [1, a, null, []] for Arrays.asList(1, "a", null, List.of()).
        let list =
            Value::Array(vec![Value::Int32(1), Value::String("a".into()), Value::Null, Value::Array(vec![])]);
        assert_eq!(java_to_string(&list), "[1, a, null, []]");
        let map = Value::Map(vec![
            (Value::String("k".into()), Value::Int32(1)),
            (Value::String("k2".into()), Value::Map(vec![])),
        ]);
        assert_eq!(java_to_string(&map), "{k=1, k2={}}");
        assert_eq!(java_to_string(&Value::Decimal(Decimal::parse("1E+3").unwrap())), "1E+3");
        assert_eq!(java_to_string(&Value::Date(3)), "Sun Jan 04 00:00:00 UTC 1970");
        assert_eq!(java_to_string(&Value::Time(1234)), "Thu Jan 01 00:00:01 UTC 1970");
        assert_eq!(java_to_string(&Value::Float64(1e10)), "1.0E10");
        assert_eq!(java_to_string(&Value::Int8(-1)), "-1");
    }

    #[test]
    fn structs_skip_null_fields() {
        // Java: Struct{b=x,c=[p, q]} and Struct{} for the same schema.
        let schema = Arc::new(Schema::structure([
            ("a".to_owned(), Arc::new(Schema::new(Type::Int32).optional())),
            ("b".to_owned(), Arc::new(Schema::new(Type::String).optional())),
            ("c".to_owned(), Arc::new(Schema::array(Arc::new(Schema::new(Type::String))).optional())),
        ]));
        let mut s = Struct::new(schema.clone());
        assert_eq!(java_to_string(&Value::Struct(s.clone())), "Struct{}");
        s.values[1] = Value::String("x".into());
        s.values[2] = Value::Array(vec![Value::String("p".into()), Value::String("q".into())]);
        assert_eq!(java_to_string(&Value::Struct(s)), "Struct{b=x,c=[p, q]}");
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
            assert_eq!(java_double_to_string(v), s);
        }
        assert_eq!(java_float_to_string(32.0), "32.0");
        assert_eq!(java_float_to_string(0.1), "0.1");
        assert_eq!(java_float_to_string(1.0e10), "1.0E10");
        assert_eq!(java_float_to_string(-42.125), "-42.125");
    }

    #[test]
    fn values_and_records_print_like_java() {
        use crate::data::{Header, Record};
        let schema = Arc::new(Schema::structure([
            ("a".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ("b".to_owned(), Arc::new(Schema::new(Type::String).optional())),
            ("c".to_owned(), Arc::new(Schema::new(Type::Float64))),
        ]));
        let value = Value::Struct(Struct {
            schema: Arc::clone(&schema),
            values: vec![Value::Int32(1), Value::Null, Value::Float64(2.0)],
        });
        assert_eq!(java_to_string(&value), "Struct{a=1,c=2.0}");
        assert_eq!(
            java_to_string(&Value::Map(vec![(
                Value::String("k".into()),
                Value::Array(vec![Value::Int8(1), Value::Null])
            )])),
            "{k=[1, null]}"
        );
        assert_eq!(java_to_string(&Value::Timestamp(0)), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(
            java_schema_to_string(Some(&Schema::timestamp())),
            "Schema{org.apache.kafka.connect.data.Timestamp:INT64}"
        );
        assert_eq!(java_schema_to_string(Some(&schema)), "Schema{STRUCT}");
        let record = Record { topic: "test".into(), partition: Some(0), ..Record::default() };
        assert_eq!(
            java_record_to_string(&record),
            "ConnectRecord{topic='test', kafkaPartition=0, key=null, keySchema=null, value=null, valueSchema=null, \
             timestamp=null, headers=ConnectHeaders(headers=)}"
        );
        let record = Record {
            headers: vec![Header {
                key: "h".into(),
                schema: Some(Arc::new(Schema::new(Type::String))),
                value: Value::String("v".into()),
            }],
            ..record
        };
        assert!(java_record_to_string(&record).ends_with(
            "headers=ConnectHeaders(headers=[ConnectHeader(key=h, value=v, schema=Schema{STRING})])}"
        ));
    }

    #[test]
    fn ties_and_early_years_print_as_java() {
        // Java 17 and 25: the even digit wins a tie between two shortest candidates, and
        // Date.toString() appends the year without zero padding.
        // 312985.125 exactly, halfway between the candidates 312985.12 and 312985.13.
        assert_eq!(java_float_to_string(2_503_881.0 / 8.0), "312985.12");
        assert_eq!(java_double_to_string(2_973_865_467_747.656_3), "2.9738654677476562E12");
        assert_eq!(java_date_to_string(-43_207_087_967_043), "Mon Oct 24 23:07:12 UTC 600");
    }

    #[test]
    fn bytes_print_with_a_stable_array_hash() {
        // Arrays.hashCode(new byte[]{1, 2}) == 994 == 0x3e2 in Java.
        assert_eq!(java_to_string(&Value::Bytes(vec![1, 2])), "[B@3e2");
        assert_eq!(arrays_hash_code(&[0xFF]), 30);
    }
}
