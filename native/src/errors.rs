//! Error types of the pure-Rust core.
//!
//! They carry no Python types; `py/` translates them into Python exceptions at the boundary.

use std::fmt;

/// A transformation could not be built from its configuration, or failed on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformError {
    /// The configuration is invalid: `key` names the offending config key.
    Config { key: &'static str, message: String },
}

impl fmt::Display for TransformError {
    #[cold]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config { key, message } => {
                write!(f, "Invalid value for configuration {key}: {message}")
            }
        }
    }
}

impl std::error::Error for TransformError {}
