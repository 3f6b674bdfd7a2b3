//! Converters: Kafka record bytes ⇄ Connect schema and value, in plain Rust.
//!
//! Connect compat: mirrors `org.apache.kafka.connect.storage.Converter`. A converter is built
//! once per task from its `key.converter.*`/`value.converter.*` properties and then called for
//! every record; [`build_converter`] resolves the class names and short aliases users put in
//! their configs. The implementations are `JsonConverter` (`json/`), `StringConverter` and
//! `ByteArrayConverter`.

pub mod bytearray;
mod charset;
pub mod config;
pub mod header;
pub mod json;
pub mod string;

use crate::data::{SchemaRef, Value};
use crate::errors::ConvertError;

pub use bytearray::ByteArrayConverter;
pub use config::ConverterProps;
pub use header::HeaderConverter;
pub use json::{DecimalFormat, JsonConverter, JsonConverterConfig};
pub use string::StringConverter;

/// Fully qualified class name of Connect's JSON converter.
pub const JSON_CONVERTER_CLASS: &str = "org.apache.kafka.connect.json.JsonConverter";
/// Fully qualified class name of Connect's byte-array converter.
pub const BYTE_ARRAY_CONVERTER_CLASS: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";
/// Fully qualified class name of Connect's string converter.
pub const STRING_CONVERTER_CLASS: &str = "org.apache.kafka.connect.storage.StringConverter";

/// Every record converter class [`build_converter`] builds, by Connect's class name, sorted.
pub const CONVERTER_CLASSES: &[&str] =
    &[BYTE_ARRAY_CONVERTER_CLASS, JSON_CONVERTER_CLASS, STRING_CONVERTER_CLASS];

/// Every header converter class [`HeaderConverter::build`] builds, sorted: the record converters
/// serve as header converters too, as in Connect.
pub const HEADER_CONVERTER_CLASSES: &[&str] = &[
    BYTE_ARRAY_CONVERTER_CLASS,
    JSON_CONVERTER_CLASS,
    header::SIMPLE_HEADER_CONVERTER_CLASS,
    STRING_CONVERTER_CLASS,
];

/// `*slot = value`, with the old value dropped in line when it holds no allocation (a null, a
/// number, a logical date): `*slot = value` calls the out-of-line drop of `Value` whatever the
/// old value is, ~20 instructions a field on the record paths (`perf::perf_chain`).
// Always inlined: called once a field, it is a tag test where inlined and a call where not.
#[allow(clippy::inline_always)]
#[inline(always)]
pub(crate) fn store(slot: &mut Value, value: Value) {
    match std::mem::replace(slot, value) {
        plain @ (Value::Null
        | Value::Boolean(_)
        | Value::Int8(_)
        | Value::Int16(_)
        | Value::Int32(_)
        | Value::Int64(_)
        | Value::Float32(_)
        | Value::Float64(_)
        | Value::Date(_)
        | Value::Time(_)
        | Value::Timestamp(_)) => std::mem::forget(plain),
        owner => drop(owner),
    }
}

/// Converts between Kafka's serialized bytes and Connect data (Connect's `Converter`).
///
/// # Contract
/// One instance serves one task (key or value side), so methods take `&mut self` and may keep
/// caches without locks. Neither method keeps references to its arguments. On error, `out` is
/// left as it was.
pub trait Converter: Send {
    /// Connect's `toConnectData`: bytes (`None` = Kafka null) → (schema, value).
    ///
    /// # Errors
    /// [`ConvertError::Data`] with Connect's message when the bytes cannot be converted.
    fn to_connect(
        &mut self,
        topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), ConvertError>;

    /// Takes back a value `to_connect` returned, or a part of one (a field a transform
    /// dropped), once the caller is done with it, so that its allocations can serve a later
    /// record; the default drops it.
    fn recycle(&mut self, value: Value) {
        drop(value);
    }

    /// Connect's `fromConnectData`: appends the serialized form to `out` and returns `Ok(true)`,
    /// or returns `Ok(false)` for a Kafka null (tombstone) leaving `out` untouched.
    ///
    /// # Errors
    /// [`ConvertError::Data`] with Connect's message when the value does not fit the schema or
    /// the format.
    // Connect's method name; it converts from Connect data, not from `self`.
    #[allow(clippy::wrong_self_convention)]
    fn from_connect(
        &mut self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConvertError>;
}

/// Builds the converter named by `class_name` (a Connect class name or its simple name) from its
/// own properties (prefix `key.converter.`/`value.converter.` already removed).
///
/// # Errors
/// [`ConvertError::Config`] naming the class when it is not one of the supported converters, or
/// naming the key when a property is invalid.
pub fn build_converter(
    class_name: &str,
    props: &ConverterProps,
    is_key: bool,
) -> Result<Box<dyn Converter>, ConvertError> {
    match class_name.trim() {
        // Connect's aliases: the simple class name, and that name without its `Converter` suffix.
        JSON_CONVERTER_CLASS | "JsonConverter" | "Json" => {
            Ok(Box::new(JsonConverter::new(JsonConverterConfig::from_props(props, is_key)?)?))
        }
        STRING_CONVERTER_CLASS | "StringConverter" | "String" => {
            Ok(Box::new(StringConverter::from_props(props)?))
        }
        BYTE_ARRAY_CONVERTER_CLASS | "ByteArrayConverter" | "ByteArray" => Ok(Box::new(ByteArrayConverter)),
        other => Err(ConvertError::config(
            if is_key { "key.converter" } else { "value.converter" },
            format!(
                "Invalid value {other} for configuration {}: Class {other} could not be found.",
                if is_key { "key.converter" } else { "value.converter" }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConverterProps {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn resolves_class_names_and_aliases() {
        for name in
            [JSON_CONVERTER_CLASS, "JsonConverter", "Json", STRING_CONVERTER_CLASS, "String", "ByteArray"]
        {
            assert!(build_converter(name, &props(&[]), false).is_ok(), "{name}");
        }
        let mut c = build_converter(BYTE_ARRAY_CONVERTER_CLASS, &props(&[]), true).unwrap();
        let mut out = Vec::new();
        assert!(c.from_connect("t", None, &Value::Bytes(vec![1]), &mut out).unwrap());
        assert_eq!(out, [1]);
        let mut c = build_converter("JsonConverter", &props(&[("schemas.enable", "false")]), false).unwrap();
        let mut out = Vec::new();
        c.from_connect("t", None, &Value::Int64(5), &mut out).unwrap();
        assert_eq!(out, b"5");
    }

    #[test]
    fn every_listed_class_builds() {
        for name in CONVERTER_CLASSES {
            assert!(build_converter(name, &props(&[]), false).is_ok(), "{name}");
        }
        for name in HEADER_CONVERTER_CLASSES {
            assert!(HeaderConverter::build(name, &props(&[])).is_ok(), "{name}");
        }
    }

    #[test]
    fn store_replaces_every_kind_of_value_and_drops_the_old_one() {
        use std::sync::Arc;

        use crate::data::{Schema, Struct};

        let schema = Arc::new(Schema::structure([]));
        let owner = || Value::Struct(Struct { schema: schema.clone(), values: vec![] });
        let values = [
            Value::Null,
            Value::Int64(7),
            Value::Timestamp(1),
            Value::Float64(0.5),
            Value::String("text".into()),
            owner(),
            Value::Array(vec![owner()]),
        ];
        for old in &values {
            for new in &values {
                let mut slot = old.clone();
                store(&mut slot, new.clone());
                assert_eq!(&slot, new);
            }
        }
        // Only `values` holds the schema now: every struct `store` replaced was dropped.
        assert_eq!(Arc::strong_count(&schema), 3);
    }

    #[test]
    fn unknown_class_is_named_in_the_error() {
        let Err(err) = build_converter("com.example.AvroConverter", &props(&[]), false) else {
            panic!("expected an error");
        };
        assert_eq!(
            err.to_string(),
            "Invalid value com.example.AvroConverter for configuration value.converter: \
             Class com.example.AvroConverter could not be found."
        );
        assert!(matches!(err, ConvertError::Config { key, .. } if key == "value.converter"));
    }

    #[test]
    fn invalid_properties_fail_at_build_time() {
        let Err(err) = build_converter("JsonConverter", &props(&[("schemas.enable", "yes")]), false) else {
            panic!("expected an error");
        };
        assert_eq!(
            err.to_string(),
            "Invalid value yes for configuration schemas.enable: Expected value to be either true or false"
        );
    }
}
