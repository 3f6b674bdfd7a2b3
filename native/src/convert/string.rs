//! `StringConverter`: record bytes ⇄ a Java string in a configurable charset.
//!
//! Connect compat: `org.apache.kafka.connect.storage.StringConverter` returns
//! `Schema.OPTIONAL_STRING_SCHEMA` with the decoded text (or null) on the way in, and on the way
//! out ignores the schema and writes `value.toString()` — Java's text of whatever value it is
//! given (see [`crate::data::display`]), or a Kafka null for a null value. The charset is
//! `converter.encoding` (default `UTF-8`).

use std::sync::{Arc, LazyLock};

use super::charset::Charset;
use super::config::{self, ConverterProps};
use super::Converter;
use crate::data::display::JavaDisplay;
use crate::data::{Schema, SchemaRef, Type, Value};
use crate::errors::ConvertError;

/// Config key of the charset, as in Connect's `StringConverterConfig`.
pub const ENCODING_CONFIG: &str = "converter.encoding";
/// Default charset name.
pub const ENCODING_DEFAULT: &str = "UTF-8";

/// Connect's `Schema.OPTIONAL_STRING_SCHEMA`, shared by every record.
static OPTIONAL_STRING: LazyLock<SchemaRef> =
    LazyLock::new(|| Arc::new(Schema::new(Type::String).optional()));

/// Connect's `StringConverter`.
#[derive(Debug, Clone)]
pub struct StringConverter {
    charset: Charset,
    /// Reused for values that are not already strings, so `toString()` text needs no allocation.
    text: String,
}

impl StringConverter {
    /// A converter for the Java charset `encoding` (`UTF-8`, `UTF-16`, `UTF-16BE`, `UTF-16LE`,
    /// `ISO-8859-1`, `US-ASCII` and their Java aliases, in any case).
    ///
    /// # Errors
    /// [`ConvertError::Config`] with Connect's `Unsupported encoding <name>` for other charsets.
    pub fn new(encoding: &str) -> Result<Self, ConvertError> {
        let charset = Charset::for_name(encoding).ok_or_else(|| {
            ConvertError::config(ENCODING_CONFIG, format!("Unsupported encoding {encoding}"))
        })?;
        Ok(Self { charset, text: String::new() })
    }

    /// Builds the converter from its properties (`converter.encoding`).
    ///
    /// # Errors
    /// As [`StringConverter::new`].
    pub fn from_props(props: &ConverterProps) -> Result<Self, ConvertError> {
        Self::new(config::string(props, ENCODING_CONFIG).unwrap_or(ENCODING_DEFAULT))
    }
}

impl Default for StringConverter {
    fn default() -> Self {
        Self { charset: Charset::Utf8, text: String::new() }
    }
}

impl Converter for StringConverter {
    fn to_connect(
        &mut self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), ConvertError> {
        let value = data.map_or(Value::Null, |b| Value::String(self.charset.decode(b)));
        Ok((Some(OPTIONAL_STRING.clone()), value))
    }

    fn from_connect(
        &mut self,
        _topic: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConvertError> {
        match value {
            Value::Null => return Ok(false),
            Value::String(s) => self.charset.encode(s, out),
            other => {
                use std::fmt::Write as _;
                self.text.clear();
                // Writing into a String cannot fail.
                let _ = write!(self.text, "{}", JavaDisplay(other));
                self.charset.encode(&self.text, out);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Decimal;

    fn text_of(c: &mut StringConverter, value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(c.from_connect("t", None, value, &mut out).unwrap());
        out
    }

    #[test]
    fn values_are_written_with_java_to_string() {
        // Java 25: StringConverter.fromConnectData for each value.
        let mut c = StringConverter::default();
        assert_eq!(text_of(&mut c, &Value::Int32(1)), b"1");
        assert_eq!(text_of(&mut c, &Value::Float32(1.5)), b"1.5");
        assert_eq!(text_of(&mut c, &Value::Float64(1e10)), b"1.0E10");
        assert_eq!(text_of(&mut c, &Value::Boolean(true)), b"true");
        assert_eq!(text_of(&mut c, &Value::Decimal(Decimal::parse("1E+3").unwrap())), b"1E+3");
        assert_eq!(text_of(&mut c, &Value::Timestamp(0)), b"Thu Jan 01 00:00:00 UTC 1970");
        let list =
            Value::Array(vec![Value::Int32(1), Value::String("a".into()), Value::Null, Value::Array(vec![])]);
        assert_eq!(text_of(&mut c, &list), b"[1, a, null, []]");
        let mut out = Vec::new();
        assert!(!c.from_connect("t", None, &Value::Null, &mut out).unwrap());
        assert!(out.is_empty());
    }

    #[test]
    fn to_connect_decodes_with_the_configured_charset() {
        let mut c = StringConverter::new("ISO-8859-1").unwrap();
        let (schema, value) = c.to_connect("t", Some(&[0xE9])).unwrap();
        assert_eq!(schema.as_deref(), Some(&Schema::new(Type::String).optional()));
        assert_eq!(value, Value::String("é".into()));
        // Kafka null: optional string schema with a null value.
        assert_eq!(c.to_connect("t", None).unwrap().1, Value::Null);
        assert_eq!(text_of(&mut c, &Value::String("é😀x".into())), [0xE9, b'?', b'x']);
    }

    #[test]
    fn unsupported_encoding_uses_connect_text() {
        let props: ConverterProps = [(ENCODING_CONFIG.to_owned(), " bogus ".to_owned())].into();
        assert_eq!(
            StringConverter::from_props(&props).unwrap_err().to_string(),
            "Unsupported encoding bogus"
        );
    }
}
