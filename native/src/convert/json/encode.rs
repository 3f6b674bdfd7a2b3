//! Connect values → JSON bytes: JsonConverter's `convertToJson`, written as Jackson prints it.
//!
//! Connect compat: `org.apache.kafka.connect.json.JsonConverter#convertToJson` builds a Jackson
//! tree that `ObjectMapper.writeValueAsBytes` prints compactly; this writes the same bytes
//! straight into the caller's buffer. Jackson's printing rules reproduced here: strings escape
//! `"`, `\` and control characters (`\b \t \n \f \r`, else `\u00XX` in upper-case hex) and write
//! other characters as UTF-8, except characters outside the BMP, which become two escaped
//! surrogates (`\uD83D\uDE00`); floats print as Java's `Float`/`Double.toString`, and NaN and
//! infinities as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (`WRITE_NAN_AS_STRINGS`);
//! decimals as `BigDecimal.toString()` (`1E+3`) with `decimal.format=NUMERIC`, else Base64.

use std::sync::Arc;

use super::base64;
use super::config::DecimalFormat;
use super::decode::{data_err, date_millis};
use crate::data::display::{format_java_double, format_java_float, FloatBuf, MILLIS_PER_DAY};
use crate::data::{logical, Schema, Struct, Type, Value};
use crate::errors::ConvertError;

/// The serialization options of one converter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Encoder {
    pub decimal_format: DecimalFormat,
    pub replace_null_with_default: bool,
}

/// 1 for bytes Jackson escapes inside strings, 2 for the lead byte of a 4-byte UTF-8 sequence.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 1;
        i += 1;
    }
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 1;
    let mut i = 0xF0;
    while i < 0x100 {
        t[i] = 2;
        i += 1;
    }
    t
};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_unicode_escape(unit: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[usize::from(unit >> 12)],
        HEX[usize::from((unit >> 8) & 0xF)],
        HEX[usize::from((unit >> 4) & 0xF)],
        HEX[usize::from(unit & 0xF)],
    ]);
}

/// Whether `b` is printable ASCII other than `"` and `\`: a JSON string body that Jackson
/// writes as is. Eight bytes at a time (SWAR), the last word overlapping or padded.
#[inline]
fn is_plain_ascii(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let special = |w: u64| {
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | w.wrapping_sub(ONES * 0x20)
            | w
    };
    let mut acc = 0;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        acc |= special(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let last = if b.len() >= 8 {
            b[b.len() - 8..].try_into().unwrap_or([0; 8])
        } else {
            // Padded with spaces, which need no escaping.
            let mut w = [b' '; 8];
            for (dst, &src) in w.iter_mut().zip(rest) {
                *dst = src;
            }
            w
        };
        acc |= special(u64::from_le_bytes(last));
    }
    acc & HIGHS == 0
}

/// Writes `s` as a JSON string the way Jackson's `UTF8JsonGenerator` does.
#[inline]
pub(crate) fn write_json_string(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    if is_plain_ascii(bytes) {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    write_json_string_escaped(s, out);
}

/// [`write_json_string`] for strings with something to escape or non-ASCII text.
#[inline(never)]
fn write_json_string_escaped(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match ESCAPE[b as usize] {
            0 => {
                i = if b < 0x80 { super::parse::plain_run(bytes, i + 1, true) } else { i + 1 };
                continue;
            }
            1 => {
                out.extend_from_slice(&bytes[run..i]);
                match b {
                    b'"' => out.extend_from_slice(b"\\\""),
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    0x08 => out.extend_from_slice(b"\\b"),
                    0x0C => out.extend_from_slice(b"\\f"),
                    c => push_unicode_escape(u16::from(c), out),
                }
                i += 1;
            }
            _ => {
                out.extend_from_slice(&bytes[run..i]);
                // A 4-byte sequence is one char outside the BMP: Jackson escapes its surrogates.
                let c = s[i..].chars().next().unwrap_or('\u{FFFD}');
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_unicode_escape(*unit, out);
                }
                i += c.len_utf8();
            }
        }
        run = i;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// "00" to "99", for printing integers two digits at a time.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The text before member `i` of a struct: the opening brace or a comma, the name and a colon.
fn push_member_key(i: usize, name: &str, out: &mut Vec<u8>) {
    out.push(if i == 0 { b'{' } else { b',' });
    write_json_string(name, out);
    out.push(b':');
}

/// How [`Encoder::write_planned`] writes the non-null value of one field: the branch of
/// [`Encoder::write_value`] that the field's schema (its logical name, then its type) leads to,
/// taken once per schema instead of once per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldWriter {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    /// A `Timestamp`: its milliseconds, which `write_date` writes unchecked.
    Timestamp,
    /// Everything else (Decimal, Date, Time, arrays, maps, structs): `write_value`.
    General,
}

impl FieldWriter {
    fn of(schema: &Schema) -> Self {
        match schema.name.as_deref() {
            Some(logical::TIMESTAMP) => return Self::Timestamp,
            Some(logical::DECIMAL | logical::DATE | logical::TIME) => return Self::General,
            _ => {}
        }
        match schema.kind {
            Type::Int8 => Self::Int8,
            Type::Int16 => Self::Int16,
            Type::Int32 => Self::Int32,
            Type::Int64 => Self::Int64,
            Type::Float32 => Self::Float32,
            Type::Float64 => Self::Float64,
            Type::Boolean => Self::Boolean,
            Type::String => Self::String,
            Type::Bytes => Self::Bytes,
            Type::Array | Type::Map | Type::Struct => Self::General,
        }
    }
}

/// What writing an envelope's struct payload needs per field of its schema, made once per
/// schema and cached with the schema's JSON: the text before the value (`{"name":` or
/// `,"name":`, escaped once) and the [`FieldWriter`] of its value. The loop over a record's
/// values then does no dispatch on the field schemas' names and types (`perf::perf_chain`).
#[derive(Debug)]
pub(crate) struct WritePlan {
    /// Every field's key text, one after the other.
    keys: Box<[u8]>,
    /// Per field of the schema, in order: where its key text ends in `keys`, and its writer.
    fields: Box<[(u32, FieldWriter)]>,
}

impl WritePlan {
    /// The plan of a payload written with `schema`: `None` unless it is a struct schema that
    /// `write_value` writes as a struct (not a logical type by name).
    pub(crate) fn of(schema: &Schema) -> Option<Self> {
        let logical = matches!(
            schema.name.as_deref(),
            Some(logical::DECIMAL | logical::DATE | logical::TIME | logical::TIMESTAMP)
        );
        if schema.kind != Type::Struct || logical {
            return None;
        }
        let mut keys = Vec::new();
        let fields = schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| {
                push_member_key(i, &field.name, &mut keys);
                Some((u32::try_from(keys.len()).ok()?, FieldWriter::of(&field.schema)))
            })
            .collect::<Option<_>>()?;
        Some(Self { keys: keys.into_boxed_slice(), fields })
    }
}

/// Writes an integer in decimal.
pub(crate) fn write_i64(v: i64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut wide = v.unsigned_abs();
    // Four digits per 64-bit division, then two per 32-bit one: a timestamp's 13 digits took
    // six 64-bit divisions two digits at a time (`perf::perf_chain`).
    while wide >= 10_000 {
        let four = (wide % 10_000) as u32;
        wide /= 10_000;
        let (high, low) = ((four / 100) as usize * 2, (four % 100) as usize * 2);
        pos -= 4;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[high..high + 2]);
        buf[pos + 2..pos + 4].copy_from_slice(&DIGIT_PAIRS[low..low + 2]);
    }
    // Below 10,000 now.
    let mut n = wide as u32;
    if n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        pos -= 1;
        buf[pos] = b'0' + n as u8;
    }
    if v < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    out.extend_from_slice(&buf[pos..]);
}

/// Java's `Double.toString` of `v`. For 10^-3 <= |v| < 10^7 (plain notation in Java) Ryu's
/// text is already Java's: the same shortest digits, laid out the same way; the general
/// formatter also handles the rest (exponents, the one-digit rule for subnormals). The
/// `java_float_text_matches_display` test holds both to the same output.
fn write_f64(v: f64, out: &mut Vec<u8>) {
    if (1e-3..1e7).contains(&v.abs()) {
        if !write_short_f64(v, out) {
            out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
        }
        return;
    }
    write_float_text(format_java_double(v, &mut FloatBuf::default()), out);
}

/// Powers of ten up to the largest [`write_short_f64`] scales by; each is an exact double.
const POWERS_OF_TEN: [u64; 18] = {
    let mut t = [1u64; 18];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// [`POWERS_OF_TEN`] as doubles (each exact), so that the loop of [`write_short_f64`] converts
/// no `u64`: without AVX-512 that conversion is a branchy sequence, not one instruction.
const SCALES: [f64; 18] = {
    let mut t = [1.0; 18];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10.0;
        i += 1;
    }
    t
};

/// [`write_f64`] in the plain range without Ryu, for a value that some decimal `m / 10^k` of
/// at most 15 digits reads back as (prices, amounts: most doubles that came from decimal text),
/// about a fifth of Ryu's instructions (`perf::perf_chain` under callgrind). Each `k` from 0 up
/// is tried: `m` (below 2^53) and `10^k` are exact doubles, so `m / 10^k == |v|` holds exactly
/// when the decimal reads back as `v`, and the first `k` that has such an `m` has the fewest
/// digits. At most one `m` per `k` can (15 digits cannot straddle a double), so this is the
/// shortest decimal that Ryu and Java's `Double.toString` print, in the same layout. `false`
/// (nothing written) when no decimal of at most 15 digits is `v`.
fn write_short_f64(v: f64, out: &mut Vec<u8>) -> bool {
    /// Largest `m` tried: 15 digits.
    const LIMIT: f64 = 1e15;
    let a = v.abs();
    for (k, (&power, &scale)) in POWERS_OF_TEN.iter().zip(&SCALES).enumerate() {
        let scaled = a * scale;
        if scaled >= LIMIT {
            return false;
        }
        // The product is rounded, so the decimal that reads back as `v` (if any) is within a
        // fraction of one of its integer neighbours. Signed: below 10^15, and one instruction
        // each way.
        let low = scaled as i64;
        for m in [low, low + 1] {
            #[allow(clippy::cast_precision_loss, clippy::float_cmp)] // m < 2^53: exact; exact test
            if m as f64 / scale == a {
                let m = m as u64;
                if v < 0.0 {
                    out.push(b'-');
                }
                write_i64((m / power) as i64, out);
                let mut digits = [b'0'; 18];
                let mut fraction = m % power;
                for d in digits[..k].iter_mut().rev() {
                    *d = b'0' + (fraction % 10) as u8;
                    fraction /= 10;
                }
                out.push(b'.');
                // Java prints at least one fraction digit: `100.0`.
                out.extend_from_slice(&digits[..k.max(1)]);
                return true;
            }
        }
    }
    false
}

/// Java's `Float.toString` of `v`, as [`write_f64`] writes doubles.
fn write_f32(v: f32, out: &mut Vec<u8>) {
    if (1e-3..1e7).contains(&v.abs()) {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
        return;
    }
    write_float_text(format_java_float(v, &mut FloatBuf::default()), out);
}

fn write_float_text(text: &str, out: &mut Vec<u8>) {
    // Jackson quotes the non-numeric values (JsonWriteFeature.WRITE_NAN_AS_STRINGS).
    if text.as_bytes()[text.len() - 1].is_ascii_digit() {
        out.extend_from_slice(text.as_bytes());
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

/// Bytes as Jackson writes a `byte[]`: a Base64 string.
fn write_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    base64::encode_into(bytes, out);
    out.push(b'"');
}

/// `convertToJson`'s check that a struct value's schema is the one it is written with.
fn check_struct_schema(schema: &Schema, s: &Struct) -> Result<(), ConvertError> {
    if std::ptr::eq(Arc::as_ptr(&s.schema), schema) || *s.schema == *schema {
        Ok(())
    } else {
        Err(data_err("Mismatching schema."))
    }
}

/// `ClassCastException` in `convertToJson` becomes this message.
#[cold]
fn invalid_type(schema: &Schema, value: &Value) -> ConvertError {
    data_err(format!("Invalid type for {}: class {}", schema.kind, value.java_class()))
}

/// The schema type Connect infers from a schemaless value's Java class.
fn schemaless_type(value: &Value) -> Result<Type, ConvertError> {
    Ok(match value {
        Value::Boolean(_) => Type::Boolean,
        Value::Int8(_) => Type::Int8,
        Value::Int16(_) => Type::Int16,
        Value::Int32(_) => Type::Int32,
        Value::Int64(_) => Type::Int64,
        Value::Float32(_) => Type::Float32,
        Value::Float64(_) => Type::Float64,
        Value::String(_) => Type::String,
        Value::Bytes(_) => Type::Bytes,
        Value::Array(_) => Type::Array,
        Value::Map(_) => Type::Map,
        Value::Struct(_) => Type::Struct,
        Value::Null | Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
            return Err(data_err(format!(
                "Java class class {} does not have corresponding schema type.",
                value.java_class()
            )))
        }
    })
}

impl Encoder {
    /// `convertToJson(schema, value)` appended to `out`.
    pub(crate) fn write_value(
        self,
        schema: Option<&Schema>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        if value.is_null() {
            let Some(schema) = schema else {
                out.extend_from_slice(b"null");
                return Ok(());
            };
            if let (Some(default), true) = (&schema.default, self.replace_null_with_default) {
                if !default.is_null() {
                    return self.write_value(Some(schema), default, out);
                }
            }
            if schema.optional {
                out.extend_from_slice(b"null");
                return Ok(());
            }
            return Err(data_err(
                "Conversion error: null value for field that is required and has no default value",
            ));
        }
        if let Some(schema) = schema {
            if let Some(name) = schema.name.as_deref() {
                match name {
                    logical::DECIMAL => return self.write_decimal(schema, value, out),
                    logical::DATE | logical::TIME | logical::TIMESTAMP => {
                        return write_date(name, value, out);
                    }
                    _ => {}
                }
            }
        }
        let kind = match schema {
            Some(s) => s.kind,
            None => schemaless_type(value)?,
        };
        match (kind, value) {
            (Type::Int8, Value::Int8(v)) => write_i64(i64::from(*v), out),
            (Type::Int16, Value::Int16(v)) => write_i64(i64::from(*v), out),
            (Type::Int32, Value::Int32(v)) => write_i64(i64::from(*v), out),
            (Type::Int64, Value::Int64(v)) => write_i64(*v, out),
            (Type::Float32, Value::Float32(v)) => write_f32(*v, out),
            (Type::Float64, Value::Float64(v)) => write_f64(*v, out),
            (Type::Boolean, Value::Boolean(b)) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            (Type::String, Value::String(s)) => write_json_string(s, out),
            (Type::Bytes, Value::Bytes(b)) => write_bytes(b, out),
            (Type::Bytes, other) => {
                return Err(data_err(format!("Invalid type for bytes type: class {}", other.java_class())))
            }
            (Type::Array, Value::Array(items)) => {
                let items_schema = schema.and_then(|s| s.value_schema.as_deref());
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write_value(items_schema, item, out)?;
                }
                out.push(b']');
            }
            (Type::Map, Value::Map(entries)) => self.write_map(schema, entries, out)?,
            (Type::Struct, Value::Struct(s)) => self.write_struct(schema, s, out)?,
            (_, other) => {
                // Only reachable with a schema: schemaless types are inferred from the value.
                let schema = schema.ok_or_else(|| data_err("Mismatching schema."))?;
                return Err(invalid_type(schema, other));
            }
        }
        Ok(())
    }

    /// `convertToJson` of an envelope's payload: [`Encoder::write_value`], through `plan`
    /// ([`WritePlan::of`] the same schema) when given and the value is a struct.
    pub(crate) fn write_payload(
        self,
        schema: Option<&Schema>,
        value: &Value,
        plan: Option<&WritePlan>,
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        if let (Some(schema), Value::Struct(s), Some(plan)) = (schema, value, plan) {
            if plan.fields.len() == schema.fields.len() {
                return self.write_planned(schema, s, plan, out);
            }
        }
        self.write_value(schema, value, out)
    }

    /// [`Encoder::write_struct`] through `plan`: each key is copied from the plan and each
    /// non-null value written as its [`FieldWriter`] says; what the plan does not cover (nulls,
    /// the general kinds, a value of the wrong type, and so every error) is `write_value`'s.
    fn write_planned(
        self,
        schema: &Schema,
        s: &Struct,
        plan: &WritePlan,
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        check_struct_schema(schema, s)?;
        let mut key_start = 0;
        for (field, &(key_end, writer)) in schema.fields.iter().zip(&*plan.fields) {
            out.extend_from_slice(&plan.keys[key_start..key_end as usize]);
            key_start = key_end as usize;
            let v = s.values.get(field.index).unwrap_or(&Value::Null);
            match (writer, v) {
                (FieldWriter::Int64, Value::Int64(v)) | (FieldWriter::Timestamp, Value::Timestamp(v)) => {
                    write_i64(*v, out);
                }
                (FieldWriter::String, Value::String(text)) => write_json_string(text, out),
                (FieldWriter::Float64, Value::Float64(v)) => write_f64(*v, out),
                (FieldWriter::Boolean, Value::Boolean(b)) => {
                    out.extend_from_slice(if *b { b"true" } else { b"false" });
                }
                (FieldWriter::Int32, Value::Int32(v)) => write_i64(i64::from(*v), out),
                (FieldWriter::Int16, Value::Int16(v)) => write_i64(i64::from(*v), out),
                (FieldWriter::Int8, Value::Int8(v)) => write_i64(i64::from(*v), out),
                (FieldWriter::Float32, Value::Float32(v)) => write_f32(*v, out),
                (FieldWriter::Bytes, Value::Bytes(b)) => write_bytes(b, out),
                _ => self.write_value(Some(&field.schema), v, out)?,
            }
        }
        if schema.fields.is_empty() {
            out.push(b'{');
        }
        out.push(b'}');
        Ok(())
    }

    /// A struct: its schema must be the declared one, and each field of the declared schema is
    /// written in order.
    fn write_struct(
        self,
        schema: Option<&Schema>,
        s: &Struct,
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        let schema = schema.ok_or_else(|| data_err("Mismatching schema."))?;
        check_struct_schema(schema, s)?;
        for (i, field) in schema.fields.iter().enumerate() {
            push_member_key(i, &field.name, out);
            let v = s.values.get(field.index).unwrap_or(&Value::Null);
            self.write_value(Some(&field.schema), v, out)?;
        }
        if schema.fields.is_empty() {
            out.push(b'{');
        }
        out.push(b'}');
        Ok(())
    }

    fn write_map(
        self,
        schema: Option<&Schema>,
        entries: &[(Value, Value)],
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        let key_schema = schema.and_then(|s| s.key_schema.as_deref());
        let value_schema = schema.and_then(|s| s.value_schema.as_deref());
        let object_mode = match schema {
            None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
            Some(_) => key_schema.is_none_or(|k| k.kind == Type::String),
        };
        if !object_mode {
            out.push(b'[');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'[');
                self.write_value(key_schema, k, out)?;
                out.push(b',');
                self.write_value(value_schema, v, out)?;
                out.push(b']');
            }
            out.push(b']');
            return Ok(());
        }
        if entries.iter().any(|(k, _)| !matches!(k, Value::String(_))) {
            return self.write_map_slow(key_schema, value_schema, entries, out);
        }
        out.push(b'{');
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if let Value::String(k) = k {
                write_json_string(k, out);
            }
            out.push(b':');
            self.write_value(value_schema, v, out)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// Object-mode maps whose keys are not all strings (nulls with an optional or defaulted
    /// string key schema): each key is converted, then used through `JsonNode.asText()` (a null
    /// key becomes `"null"`), and a repeated key text replaces the earlier value in place, as
    /// `ObjectNode.set` does.
    #[cold]
    fn write_map_slow(
        self,
        key_schema: Option<&Schema>,
        value_schema: Option<&Schema>,
        entries: &[(Value, Value)],
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        let mut members: Vec<(String, Vec<u8>)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let key_text = self.key_text(key_schema, k)?;
            let mut value = Vec::new();
            self.write_value(value_schema, v, &mut value)?;
            match members.iter_mut().find(|(name, _)| *name == key_text) {
                Some(slot) => slot.1 = value,
                None => members.push((key_text, value)),
            }
        }
        out.push(b'{');
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_string(k, out);
            out.push(b':');
            out.extend_from_slice(v);
        }
        out.push(b'}');
        Ok(())
    }

    fn key_text(self, key_schema: Option<&Schema>, key: &Value) -> Result<String, ConvertError> {
        match key {
            Value::String(s) => Ok(s.clone()),
            Value::Null => {
                if let Some(ks) = key_schema {
                    if let (Some(default), true) = (&ks.default, self.replace_null_with_default) {
                        if !default.is_null() {
                            return self.key_text(Some(ks), default);
                        }
                    }
                    if !ks.optional {
                        return Err(data_err(
                            "Conversion error: null value for field that is required and has no default value",
                        ));
                    }
                }
                Ok("null".to_owned())
            }
            other => match key_schema {
                Some(ks) => Err(invalid_type(ks, other)),
                None => Ok(crate::data::display::java_to_string(other)),
            },
        }
    }

    fn write_decimal(self, schema: &Schema, value: &Value, out: &mut Vec<u8>) -> Result<(), ConvertError> {
        let Value::Decimal(d) = value else {
            return Err(data_err(format!(
                "Invalid type for Decimal, expected BigDecimal but was class {}",
                value.java_class()
            )));
        };
        match self.decimal_format {
            DecimalFormat::Numeric => {
                let mut text = String::new();
                d.write_java_string(&mut text);
                out.extend_from_slice(text.as_bytes());
            }
            DecimalFormat::Base64 => {
                let scale_text = schema
                    .parameter(logical::DECIMAL_SCALE)
                    .ok_or_else(|| data_err("Invalid Decimal schema: scale parameter not found."))?;
                let scale: i32 = scale_text
                    .parse()
                    .map_err(|_| data_err("Invalid scale parameter found in Decimal schema: "))?;
                if d.scale != scale {
                    return Err(data_err(format!(
                        "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, \
                         value has scale {}.",
                        d.scale
                    )));
                }
                out.push(b'"');
                base64::encode_into(d.minimal_unscaled(), out);
                out.push(b'"');
            }
        }
        Ok(())
    }
}

/// Date, Time and Timestamp: any of the three values (all `java.util.Date` in Connect), checked
/// as `Date/Time/Timestamp.fromLogical` check them.
fn write_date(name: &str, value: &Value, out: &mut Vec<u8>) -> Result<(), ConvertError> {
    let what = match name {
        logical::DATE => "Date",
        logical::TIME => "Time",
        _ => "Timestamp",
    };
    let Some(millis) = date_millis(value) else {
        return Err(data_err(format!(
            "Invalid type for {what}, expected Date but was class {}",
            value.java_class()
        )));
    };
    match what {
        "Date" => {
            if millis.rem_euclid(MILLIS_PER_DAY) != 0 {
                return Err(data_err(
                    "Kafka Connect Date type should not have any time fields set to non-zero values.",
                ));
            }
            write_i64(i64::from((millis / MILLIS_PER_DAY) as i32), out);
        }
        "Time" => {
            if !(0..=MILLIS_PER_DAY).contains(&millis) {
                return Err(data_err(
                    "Kafka Connect Time type should not have any date fields set to non-zero values.",
                ));
            }
            write_i64(millis, out);
        }
        _ => write_i64(millis, out),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_string(s: &str) -> String {
        let mut out = Vec::new();
        write_json_string(s, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_as_jackson() {
        // Connect 4.3.1 output for the same Java string (see golden strings.json).
        assert_eq!(
            json_string("a\"b\\c/d\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}\u{80}é\u{2028}😀"),
            "\"a\\\"b\\\\c/d\\n\\t\\r\\b\\f\\u0001\\u001F\u{7f}\u{80}é\u{2028}\\uD83D\\uDE00\""
        );
        assert_eq!(json_string(""), "\"\"");
    }

    #[test]
    fn plain_ascii_is_told_apart_from_what_needs_escaping() {
        for plain in [
            "",
            "a",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "Jane Q. Customer",
            "~ !#$%&'()*+,-./09:;<=>?@[]^_`{|}",
        ] {
            assert!(is_plain_ascii(plain.as_bytes()), "{plain:?}");
        }
        for special in [
            "\"",
            "a\\b",
            "\u{1f}",
            "abcdefgh\n",
            "\tabcdefgh",
            "abcdefghijklmno\"",
            "é",
            "abcdefgh\u{7f}\u{80}",
        ] {
            let plain = is_plain_ascii(special.as_bytes());
            // DEL is printable for Jackson; only the non-ASCII byte disqualifies the last case.
            assert!(!plain, "{special:?}");
        }
        assert!(is_plain_ascii(b"\x7f"));
    }

    proptest::proptest! {
        #[test]
        fn java_float_text_matches_display(bits in proptest::prelude::any::<u64>(), small in 1e-4f64..2e7, fbits in proptest::prelude::any::<u32>()) {
            let decimal = |k: u32| (small * 10f64.powi(k as i32)).round() / 10f64.powi(k as i32);
            for v in [f64::from_bits(bits), small, small.round(), decimal(2), decimal(5), decimal(9), -decimal(12)] {
                let (mut fast, mut general) = (Vec::new(), Vec::new());
                write_f64(v, &mut fast);
                write_float_text(format_java_double(v, &mut FloatBuf::default()), &mut general);
                proptest::prop_assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(general).unwrap());
            }
            #[allow(clippy::cast_possible_truncation)]
            for v in [f32::from_bits(fbits), small as f32, small.round() as f32] {
                let (mut fast, mut general) = (Vec::new(), Vec::new());
                write_f32(v, &mut fast);
                write_float_text(format_java_float(v, &mut FloatBuf::default()), &mut general);
                proptest::prop_assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(general).unwrap());
            }
        }

        #[test]
        fn integers_print_as_to_string(v in proptest::prelude::any::<i64>()) {
            let mut out = Vec::new();
            write_i64(v, &mut out);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    #[test]
    fn floats_at_the_plain_range_bounds_print_as_java() {
        // Double.toString / Float.toString in Java 21.
        for (v, java) in [
            (1e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (1e-3, "0.001"),
            (9.99e-4, "9.99E-4"),
            (1234.56, "1234.56"),
            (100.0, "100.0"),
            (-0.5, "-0.5"),
        ] {
            let mut out = Vec::new();
            write_f64(v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), java);
        }
        let mut out = Vec::new();
        write_f32(0.1, &mut out);
        assert_eq!(out, b"0.1");
    }

    #[test]
    fn short_doubles_print_as_ryu_and_java_do() {
        // Decimals of up to 17 digits at every scale, their neighbours, and doubles that no short
        // decimal reads back as: the short path (or its fallback) against both formatters.
        let mut state: u64 = 1;
        let mut values = vec![0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 1234.56, 0.001, 9_999_999.999_999_998];
        for k in 0..=17 {
            for _ in 0..400 {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let m = (state >> 11) % 10u64.pow(1 + (state % 17) as u32);
                #[allow(clippy::cast_precision_loss)]
                let v = m as f64 / 10f64.powi(k);
                values.extend([
                    v,
                    -v,
                    f64::from_bits(v.to_bits() + 1),
                    f64::from_bits(v.to_bits().max(1) - 1),
                ]);
            }
        }
        let mut short = 0;
        for v in values.into_iter().filter(|v| (1e-3..1e7).contains(&v.abs())) {
            let mut out = Vec::new();
            write_f64(v, &mut out);
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text, ryu::Buffer::new().format_finite(v), "{v:e}");
            assert_eq!(text, format_java_double(v, &mut FloatBuf::default()), "{v:e}");
            short += usize::from(write_short_f64(v, &mut Vec::new()));
        }
        assert!(short > 1000, "only {short} values took the short path");
    }

    #[test]
    fn plans_take_each_field_schema_once() {
        use FieldWriter::{Boolean, General, Int32, Int64, String, Timestamp};
        let field = |name: &str, s: Schema| (name.to_owned(), Arc::new(s));
        let schema = Schema::structure([
            field("id", Schema::new(Type::Int64)),
            field("na\"me", Schema::new(Type::String).optional()),
            field("at", Schema::timestamp()),
            field("on", Schema::date()),
            field("price", Schema::decimal(2)),
            field("flag", Schema::new(Type::Boolean)),
            field("named", Schema::new(Type::Int32).named("com.example.Count")),
            field("tags", Schema::array(Arc::new(Schema::new(Type::String)))),
        ]);
        let plan = WritePlan::of(&schema).expect("a struct schema has a plan");
        let writers: Vec<FieldWriter> = plan.fields.iter().map(|&(_, w)| w).collect();
        assert_eq!(writers, [Int64, String, Timestamp, General, General, Boolean, Int32, General]);
        let ends: Vec<usize> = plan.fields.iter().map(|&(end, _)| end as usize).collect();
        let mut start = 0;
        let keys: Vec<&[u8]> =
            ends.iter().map(|&end| &plan.keys[std::mem::replace(&mut start, end)..end]).collect();
        assert_eq!(keys[..3], [&b"{\"id\":"[..], b",\"na\\\"me\":", b",\"at\":"]);
        assert!(WritePlan::of(&Schema::new(Type::Int64)).is_none());
        assert!(
            WritePlan::of(&Schema::structure([]).named(logical::DATE)).is_none(),
            "a logical type by name"
        );
        let empty = WritePlan::of(&Schema::structure([])).unwrap();
        let mut out = Vec::new();
        let encoder = Encoder { decimal_format: DecimalFormat::Base64, replace_null_with_default: true };
        let empty_schema = Arc::new(Schema::structure([]));
        let value = Value::Struct(Struct { schema: empty_schema.clone(), values: vec![] });
        encoder.write_payload(Some(&empty_schema), &value, Some(&empty), &mut out).unwrap();
        assert_eq!(out, b"{}");
    }

    #[test]
    fn integers_print_in_decimal() {
        for v in [0, -1, 9, 10, 99, 100, -100, 42, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_i64(v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }
}
