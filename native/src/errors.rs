//! Error types of the pure-Rust core.
//!
//! They carry no Python types; `py/` translates them into Python exceptions at the boundary.
//! Messages follow Connect's wording where Connect has one, so users can search for them.

use std::fmt;

/// A transformation or predicate could not be built from its configuration, or failed on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformError {
    /// The configuration is invalid (Connect's `ConfigException`): `key` names the config key and
    /// `message` is the whole user-facing text, phrased as Connect phrases it.
    Config { key: String, message: String },
    /// A record could not be transformed (Connect's `DataException`).
    Data(String),
}

impl TransformError {
    /// A configuration error for `key` with a complete message.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config { key: key.into(), message: message.into() }
    }

    /// Connect's `ConfigException(name, value, message)` text:
    /// `Invalid value <value> for configuration <key>: <reason>`.
    pub fn invalid(key: &str, value: &str, reason: impl fmt::Display) -> Self {
        Self::config(key, format!("Invalid value {value} for configuration {key}: {reason}"))
    }

    /// Connect's text for a required key that is absent.
    pub fn missing(key: &str) -> Self {
        Self::config(key, format!("Missing required configuration \"{key}\" which has no default value."))
    }

    /// A data error with Connect's message.
    pub fn data(message: impl Into<String>) -> Self {
        Self::Data(message.into())
    }
}

impl fmt::Display for TransformError {
    #[cold]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config { message, .. } | Self::Data(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for TransformError {}

/// A converter could not be configured, or could not convert a record (Connect's `DataException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvertError {
    /// Invalid converter configuration; `message` is the whole user-facing text.
    Config { key: String, message: String },
    /// The data could not be converted.
    Data(String),
}

impl ConvertError {
    /// A configuration error for `key` with a complete message.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config { key: key.into(), message: message.into() }
    }

    /// A data error with Connect's message.
    pub fn data(message: impl Into<String>) -> Self {
        Self::Data(message.into())
    }
}

impl fmt::Display for ConvertError {
    #[cold]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config { message, .. } | Self::Data(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ConvertError {}
