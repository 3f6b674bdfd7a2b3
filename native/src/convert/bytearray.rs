//! `ByteArrayConverter`: passes record bytes through unchanged.
//!
//! Connect compat: `org.apache.kafka.connect.converters.ByteArrayConverter` returns
//! `Schema.OPTIONAL_BYTES_SCHEMA` with the raw bytes (or null) on the way in, and on the way out
//! accepts only a BYTES schema (or none) and a `byte[]` value (or null, which becomes a Kafka
//! null). It has no configuration.

use std::sync::{Arc, LazyLock};

use super::Converter;
use crate::data::{Schema, SchemaRef, Type, Value};
use crate::errors::ConvertError;

/// Connect's `Schema.OPTIONAL_BYTES_SCHEMA`, shared by every record.
static OPTIONAL_BYTES: LazyLock<SchemaRef> = LazyLock::new(|| Arc::new(Schema::new(Type::Bytes).optional()));

/// Connect's `ByteArrayConverter`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByteArrayConverter;

impl Converter for ByteArrayConverter {
    fn to_connect(
        &mut self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), ConvertError> {
        let value = data.map_or(Value::Null, |b| Value::Bytes(b.to_vec()));
        Ok((Some(OPTIONAL_BYTES.clone()), value))
    }

    fn from_connect(
        &mut self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConvertError> {
        if let Some(schema) = schema {
            if schema.kind != Type::Bytes {
                return Err(ConvertError::data(format!(
                    "Invalid schema type for ByteArrayConverter: {}",
                    schema.kind
                )));
            }
        }
        match value {
            Value::Null => Ok(false),
            Value::Bytes(bytes) => {
                out.extend_from_slice(bytes);
                Ok(true)
            }
            other => Err(ConvertError::data(format!(
                "ByteArrayConverter is not compatible with objects of type class {}",
                other.java_class()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_pass_through_with_optional_bytes_schema() {
        let mut c = ByteArrayConverter;
        let (schema, value) = c.to_connect("t", Some(&[1, 2])).unwrap();
        assert_eq!(schema.as_deref(), Some(&Schema::new(Type::Bytes).optional()));
        assert_eq!(value, Value::Bytes(vec![1, 2]));
        // A Kafka null keeps the schema, as SchemaAndValue(OPTIONAL_BYTES_SCHEMA, null).
        let (schema, value) = c.to_connect("t", None).unwrap();
        assert!(schema.is_some());
        assert_eq!(value, Value::Null);
    }

    #[test]
    fn from_connect_checks_schema_then_value() {
        let mut c = ByteArrayConverter;
        let mut out = vec![9];
        assert!(c.from_connect("t", None, &Value::Bytes(vec![1]), &mut out).unwrap());
        assert_eq!(out, [9, 1]);
        assert!(!c.from_connect("t", None, &Value::Null, &mut out).unwrap());
        assert_eq!(out, [9, 1]);
        let string = Arc::new(Schema::new(Type::String));
        assert_eq!(
            c.from_connect("t", Some(&string), &Value::Bytes(vec![]), &mut out).unwrap_err().to_string(),
            "Invalid schema type for ByteArrayConverter: STRING"
        );
        assert_eq!(
            c.from_connect("t", None, &Value::String("x".into()), &mut out).unwrap_err().to_string(),
            "ByteArrayConverter is not compatible with objects of type class java.lang.String"
        );
    }
}
