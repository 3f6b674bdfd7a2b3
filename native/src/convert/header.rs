//! Header converters: a header's value bytes ⇄ a Connect schema and value.
//!
//! Connect compat: `org.apache.kafka.connect.storage.HeaderConverter`. The worker default,
//! `SimpleHeaderConverter`, reads the bytes as UTF-8 text and infers a schema with
//! `Values.parseString` (`42` is an INT8, `true` a BOOLEAN, `[1,2]` an array, an ISO date a Date,
//! anything else a STRING), and writes any value back with `Values.convertToString`. The record
//! converters (`JsonConverter`, `StringConverter`, `ByteArrayConverter`) are header converters too:
//! Connect calls their `toConnectData`/`fromConnectData` for each header.
//!
//! Not covered: text that Connect's parser accepts as a collection of mixed temporal values (see
//! `smt::literal`) is kept as a STRING here, where Java would hold raw `java.util.Date`s.

use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use super::{
    build_converter, Converter, ConverterProps, BYTE_ARRAY_CONVERTER_CLASS, JSON_CONVERTER_CLASS,
    STRING_CONVERTER_CLASS,
};
use crate::convert::json::base64;
use crate::data::calendar::{Fields, MILLIS_PER_DAY};
use crate::data::display::{format_java_double, format_java_float, FloatBuf};
use crate::data::{Schema, SchemaRef, Type, Value};
use crate::errors::ConvertError;
use crate::smt::literal::{parse_string, Parsed};

/// Fully qualified class name of Connect's default header converter.
pub const SIMPLE_HEADER_CONVERTER_CLASS: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// The worker key naming the header converter class.
const HEADER_CONVERTER_CONFIG: &str = "header.converter";

/// Connect's `Schema.STRING_SCHEMA` (what an empty or unparsable header value gets).
static STRING_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| Arc::new(Schema::new(Type::String)));

/// The header converter of one task.
#[derive(Default)]
pub enum HeaderConverter {
    /// `SimpleHeaderConverter`, the worker default.
    #[default]
    Simple,
    /// A record converter used for headers, as Connect allows for converters that implement both.
    Record(Box<dyn Converter>),
}

impl HeaderConverter {
    /// Builds the header converter named by `class_name` (a Connect class name, its simple name or
    /// alias) from its own properties (prefix `header.converter.` removed).
    ///
    /// # Errors
    /// [`ConvertError::Config`] for an unknown class or an invalid property.
    pub fn build(class_name: &str, props: &ConverterProps) -> Result<Self, ConvertError> {
        match class_name.trim() {
            SIMPLE_HEADER_CONVERTER_CLASS | "SimpleHeaderConverter" | "Simple" => Ok(Self::Simple),
            name @ (JSON_CONVERTER_CLASS
            | "JsonConverter"
            | "Json"
            | STRING_CONVERTER_CLASS
            | "StringConverter"
            | "String"
            | BYTE_ARRAY_CONVERTER_CLASS
            | "ByteArrayConverter"
            | "ByteArray") => Ok(Self::Record(build_converter(name, props, false)?)),
            other => Err(ConvertError::config(
                HEADER_CONVERTER_CONFIG,
                format!(
                    "Invalid value {other} for configuration {HEADER_CONVERTER_CONFIG}: \
                     Class {other} could not be found."
                ),
            )),
        }
    }

    /// Connect's `toConnectHeader`: a header's bytes (`None` = null) → (schema, value).
    ///
    /// # Errors
    /// The record converter's [`ConvertError::Data`]; `Simple` never fails.
    pub fn to_connect(
        &mut self,
        topic: &str,
        value: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), ConvertError> {
        match self {
            Self::Simple => Ok(simple_to_connect(value)),
            Self::Record(converter) => converter.to_connect(topic, value),
        }
    }

    /// Connect's `fromConnectHeader`: appends the header's bytes to `out` and returns `Ok(true)`,
    /// or `Ok(false)` for a null header value.
    ///
    /// # Errors
    /// The record converter's [`ConvertError::Data`] when the value does not fit its schema.
    // Connect's method name; it converts from Connect data, not from `self`.
    #[allow(clippy::wrong_self_convention)]
    pub fn from_connect(
        &mut self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConvertError> {
        match self {
            Self::Simple => {
                if value.is_null() {
                    return Ok(false);
                }
                let mut text = String::new();
                append_value(&mut text, value, false);
                out.extend_from_slice(text.as_bytes());
                Ok(true)
            }
            Self::Record(converter) => converter.from_connect(topic, schema, value, out),
        }
    }
}

/// `SimpleHeaderConverter.toConnectHeader`.
fn simple_to_connect(value: Option<&[u8]>) -> (Option<SchemaRef>, Value) {
    let Some(bytes) = value else {
        return (None, Value::Null);
    };
    // Java decodes with `new String(bytes, UTF_8)`, which replaces malformed input as this does.
    let text = String::from_utf8_lossy(bytes);
    if text.is_empty() {
        return (Some(STRING_SCHEMA.clone()), Value::String(String::new()));
    }
    match parse_string(&text) {
        Parsed::Null => (None, Value::Null),
        Parsed::Value(schema, value) => (Some(schema), value),
        Parsed::Unsupported => (Some(STRING_SCHEMA.clone()), Value::String(text.into_owned())),
    }
}

/// Connect's `Values.convertToString` of a non-null value: the text `SimpleHeaderConverter` writes.
pub fn values_to_string(value: &Value) -> String {
    let mut out = String::new();
    append_value(&mut out, value, false);
    out
}

/// Connect compat: `Values.append`. Top-level strings and bytes are bare; inside a collection
/// they are quoted (strings with `\` and `"` escaped); elements are separated by a bare comma;
/// dates use ISO-8601 patterns chosen by the instant (see [`append_date`]).
fn append_value(out: &mut String, value: &Value, embedded: bool) {
    let mut buf = FloatBuf::default();
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => push_display(out, v),
        Value::Int16(v) => push_display(out, v),
        Value::Int32(v) => push_display(out, v),
        Value::Int64(v) => push_display(out, v),
        Value::Float32(v) => out.push_str(format_java_float(*v, &mut buf)),
        Value::Float64(v) => out.push_str(format_java_double(*v, &mut buf)),
        Value::Decimal(d) => d.write_java_string(out),
        Value::String(s) if embedded => {
            out.push('"');
            for c in s.chars() {
                if c == '\\' || c == '"' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => {
            let mut encoded = Vec::new();
            base64::encode_into(b, &mut encoded);
            // The Base64 alphabet is ASCII.
            let encoded = String::from_utf8_lossy(&encoded);
            if embedded {
                out.push('"');
                out.push_str(&encoded);
                out.push('"');
            } else {
                out.push_str(&encoded);
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append_value(out, item, true);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append_value(out, k, true);
                out.push(':');
                append_value(out, v, true);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, (field, v)) in s.schema.fields.iter().zip(&s.values).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append_value(out, &Value::String(field.name.clone()), true);
                out.push(':');
                // `Struct.get(field)` falls back to the field's default.
                let v = match (&field.schema.default, v) {
                    (Some(default), Value::Null) => default,
                    _ => v,
                };
                append_value(out, v, true);
            }
            out.push('}');
        }
        Value::Date(days) => append_date(out, i64::from(*days) * MILLIS_PER_DAY),
        Value::Time(millis) => append_date(out, i64::from(*millis)),
        Value::Timestamp(millis) => append_date(out, *millis),
    }
}

fn push_display(out: &mut String, v: impl std::fmt::Display) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{v}");
}

/// Connect compat: `Values.dateFormatFor` picks the pattern from the instant alone: before one day
/// after the epoch (so also every negative instant) `HH:mm:ss.SSS'Z'`, on a day boundary
/// `yyyy-MM-dd`, else `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`. Java formats in the JVM's zone; here UTC.
fn append_date(out: &mut String, millis: i64) {
    let f = Fields::from_epoch_millis(millis);
    let time = |out: &mut String| {
        let _ = write!(out, "{:02}:{:02}:{:02}.{:03}Z", f.hour, f.minute, f.second, f.millis);
    };
    let date = |out: &mut String| {
        let _ = write!(out, "{:04}-{:02}-{:02}", f.year_of_era(), f.month, f.day);
    };
    if millis < MILLIS_PER_DAY {
        time(out);
    } else if millis % MILLIS_PER_DAY == 0 {
        date(out);
    } else {
        date(out);
        out.push('T');
        time(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Decimal;
    use crate::data::Struct;

    fn round(value: Option<&[u8]>) -> (Option<Type>, Value) {
        let (schema, value) = HeaderConverter::Simple.to_connect("t", value).unwrap();
        (schema.map(|s| s.kind), value)
    }

    #[test]
    fn simple_infers_types_like_values_parse_string() {
        assert_eq!(round(Some(b"42")), (Some(Type::Int8), Value::Int8(42)));
        assert_eq!(round(Some(b"40000")), (Some(Type::Int32), Value::Int32(40000)));
        assert_eq!(round(Some(b"true")), (Some(Type::Boolean), Value::Boolean(true)));
        assert_eq!(round(Some(b"hello world")), (Some(Type::String), Value::String("hello world".into())));
        assert_eq!(round(Some(b"")), (Some(Type::String), Value::String(String::new())));
        assert_eq!(round(Some(b"null")), (None, Value::Null));
        assert_eq!(round(None), (None, Value::Null));
        let (kind, value) = round(Some(b"[1,2]"));
        assert_eq!(kind, Some(Type::Array));
        assert_eq!(value, Value::Array(vec![Value::Int8(1), Value::Int8(2)]));
        let (schema, _) = HeaderConverter::Simple.to_connect("t", Some(b"2024-01-02")).unwrap();
        assert_eq!(schema.unwrap().name.as_deref(), Some(crate::data::logical::DATE));
    }

    #[test]
    fn simple_writes_values_convert_to_string() {
        // Expected texts from Java 25: Values.convertToString(schema, value).
        assert_eq!(values_to_string(&Value::Int8(42)), "42");
        assert_eq!(values_to_string(&Value::Float64(1.0)), "1.0");
        assert_eq!(values_to_string(&Value::Float32(3.5)), "3.5");
        assert_eq!(values_to_string(&Value::String("a\"b".into())), "a\"b");
        assert_eq!(values_to_string(&Value::Bytes(b"hi".to_vec())), "aGk=");
        assert_eq!(values_to_string(&Value::Decimal(Decimal::parse("1E+3").unwrap())), "1E+3");
        let list = Value::Array(vec![
            Value::Int32(1),
            Value::String("x\\\"y".into()),
            Value::Null,
            Value::Bytes(b"hi".to_vec()),
        ]);
        assert_eq!(values_to_string(&list), r#"[1,"x\\\"y",null,"aGk="]"#);
        let map = Value::Map(vec![(Value::String("k".into()), Value::Boolean(false))]);
        assert_eq!(values_to_string(&map), r#"{"k":false}"#);
        let schema = Arc::new(Schema::structure([
            ("id".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ("name".to_owned(), Arc::new(Schema::new(Type::String).optional())),
        ]));
        let s = Struct { schema, values: vec![Value::Int32(1), Value::Null] };
        assert_eq!(values_to_string(&Value::Struct(s)), r#"{"id":1,"name":null}"#);
    }

    #[test]
    fn dates_pick_their_pattern_from_the_instant() {
        assert_eq!(values_to_string(&Value::Date(19_723)), "2024-01-01");
        assert_eq!(values_to_string(&Value::Date(0)), "00:00:00.000Z");
        assert_eq!(values_to_string(&Value::Time(45_296_789)), "12:34:56.789Z");
        assert_eq!(values_to_string(&Value::Timestamp(1_704_112_496_789)), "2024-01-01T12:34:56.789Z");
        // The text parses back to the same logical value.
        let (schema, value) =
            HeaderConverter::Simple.to_connect("t", Some(b"2024-01-01T12:34:56.789Z")).unwrap();
        assert_eq!(schema.unwrap().name.as_deref(), Some(crate::data::logical::TIMESTAMP));
        assert_eq!(value, Value::Timestamp(1_704_112_496_789));
    }

    #[test]
    fn builds_by_name_and_record_converters_serve_headers() {
        let props = ConverterProps::new();
        assert!(matches!(HeaderConverter::build("Simple", &props), Ok(HeaderConverter::Simple)));
        assert!(matches!(HeaderConverter::build("Json", &props), Ok(HeaderConverter::Record(_))));
        let mut json = HeaderConverter::build(JSON_CONVERTER_CLASS, &props).unwrap();
        let mut out = Vec::new();
        assert!(json.from_connect("t", None, &Value::Int64(5), &mut out).unwrap());
        assert_eq!(out, br#"{"schema":null,"payload":5}"#);
        let Err(err) = HeaderConverter::build("com.example.Nope", &props) else { panic!("built") };
        assert_eq!(
            err.to_string(),
            "Invalid value com.example.Nope for configuration header.converter: \
             Class com.example.Nope could not be found."
        );
        let mut out = Vec::new();
        assert!(!HeaderConverter::Simple.from_connect("t", None, &Value::Null, &mut out).unwrap());
    }
}
