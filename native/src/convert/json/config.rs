//! `JsonConverterConfig`: the JSON converter's options, parsed as Connect parses them.
//!
//! Connect compat: `org.apache.kafka.connect.json.JsonConverterConfig` (Kafka 4.x), including
//! `schema.content`, added in 4.0 (KIP-1054) for sink connectors reading schemaless JSON with a
//! known schema.

use crate::convert::config::{self, ConverterProps};
use crate::errors::ConvertError;

/// Include a schema envelope with every message.
pub const SCHEMAS_ENABLE_CONFIG: &str = "schemas.enable";
/// Default of [`SCHEMAS_ENABLE_CONFIG`].
pub const SCHEMAS_ENABLE_DEFAULT: bool = true;
/// Maximum number of cached schemas, per direction.
pub const SCHEMAS_CACHE_SIZE_CONFIG: &str = "schemas.cache.size";
/// Default of [`SCHEMAS_CACHE_SIZE_CONFIG`].
pub const SCHEMAS_CACHE_SIZE_DEFAULT: i32 = 1000;
/// A fixed schema (Connect JSON schema text) used for every message read when schemas are enabled.
pub const SCHEMA_CONTENT_CONFIG: &str = "schema.content";
/// How decimals are written: `BASE64` or `NUMERIC` (case-insensitive).
pub const DECIMAL_FORMAT_CONFIG: &str = "decimal.format";
/// Whether a null field with a schema default is replaced by the default.
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
/// Default of [`REPLACE_NULL_WITH_DEFAULT_CONFIG`].
pub const REPLACE_NULL_WITH_DEFAULT_DEFAULT: bool = true;

/// Connect's `DecimalFormat`: how `Decimal` values are serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// Base64 of the unscaled value's two's-complement bytes, in a JSON string.
    #[default]
    Base64,
    /// A JSON number in `BigDecimal.toString()` form.
    Numeric,
}

/// The JSON converter's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonConverterConfig {
    /// `schemas.enable`.
    pub schemas_enable: bool,
    /// `schemas.cache.size`; zero or negative disables the caches, as in Connect.
    pub schemas_cache_size: i32,
    /// `schema.content` (trimmed; `None` when unset or blank).
    pub schema_content: Option<String>,
    /// `decimal.format`.
    pub decimal_format: DecimalFormat,
    /// `replace.null.with.default`.
    pub replace_null_with_default: bool,
    /// Whether this converter handles record keys (Connect's `converter.type=key`).
    pub is_key: bool,
}

impl Default for JsonConverterConfig {
    fn default() -> Self {
        Self {
            schemas_enable: SCHEMAS_ENABLE_DEFAULT,
            schemas_cache_size: SCHEMAS_CACHE_SIZE_DEFAULT,
            schema_content: None,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: REPLACE_NULL_WITH_DEFAULT_DEFAULT,
            is_key: false,
        }
    }
}

impl JsonConverterConfig {
    /// Parses the converter's properties; unknown keys are ignored.
    ///
    /// # Errors
    /// [`ConvertError::Config`] with Connect's `ConfigException` text for a malformed value.
    pub fn from_props(props: &ConverterProps, is_key: bool) -> Result<Self, ConvertError> {
        let decimal_format = match config::string(props, DECIMAL_FORMAT_CONFIG) {
            None => DecimalFormat::Base64,
            Some(v) if v.eq_ignore_ascii_case("BASE64") => DecimalFormat::Base64,
            Some(v) if v.eq_ignore_ascii_case("NUMERIC") => DecimalFormat::Numeric,
            // Connect compat: the validator lists its HashSet, which iterates NUMERIC first.
            Some(v) => {
                return Err(config::invalid(
                    DECIMAL_FORMAT_CONFIG,
                    v,
                    "String must be one of (case insensitive): NUMERIC, BASE64",
                ))
            }
        };
        Ok(Self {
            schemas_enable: config::boolean(props, SCHEMAS_ENABLE_CONFIG, SCHEMAS_ENABLE_DEFAULT)?,
            schemas_cache_size: config::int(props, SCHEMAS_CACHE_SIZE_CONFIG, SCHEMAS_CACHE_SIZE_DEFAULT)?,
            schema_content: config::string(props, SCHEMA_CONTENT_CONFIG)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            decimal_format,
            replace_null_with_default: config::boolean(
                props,
                REPLACE_NULL_WITH_DEFAULT_CONFIG,
                REPLACE_NULL_WITH_DEFAULT_DEFAULT,
            )?,
            is_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConverterProps {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_match_connect() {
        assert_eq!(
            JsonConverterConfig::from_props(&props(&[]), false).unwrap(),
            JsonConverterConfig::default()
        );
    }

    #[test]
    fn values_are_parsed_and_errors_use_connect_text() {
        // Messages printed by Connect 4.3.1's JsonConverter.configure.
        let c = JsonConverterConfig::from_props(
            &props(&[("decimal.format", " numeric "), ("schemas.enable", "FALSE"), ("schema.content", "  ")]),
            true,
        )
        .unwrap();
        assert_eq!(c.decimal_format, DecimalFormat::Numeric);
        assert!(!c.schemas_enable);
        assert_eq!(c.schema_content, None);
        for (key, value, message) in [
            ("decimal.format", "foo", "Invalid value foo for configuration decimal.format: String must be one of (case insensitive): NUMERIC, BASE64"),
            ("schemas.cache.size", "x", "Invalid value x for configuration schemas.cache.size: Not a number of type INT"),
            ("schemas.enable", " yes ", "Invalid value  yes  for configuration schemas.enable: Expected value to be either true or false"),
        ] {
            let err = JsonConverterConfig::from_props(&props(&[(key, value)]), false).unwrap_err();
            assert_eq!(err.to_string(), message);
        }
    }
}
