//! Reading converter properties the way Connect's `ConfigDef` parses them.
//!
//! Connect compat: `org.apache.kafka.common.config.ConfigDef#parseType` trims every string value,
//! accepts `true`/`false` in any case for BOOLEAN and `Integer.parseInt` text for INT, and reports
//! failures as `ConfigException(name, value, message)`:
//! `Invalid value <value> for configuration <key>: <message>`. Unknown keys are ignored (Connect
//! only logs them).

use std::collections::BTreeMap;

use crate::errors::ConvertError;

/// A converter's own properties, with the `key.converter.`/`value.converter.` prefix removed.
pub type ConverterProps = BTreeMap<String, String>;

/// Connect's `ConfigException(name, value, message)` text.
pub fn invalid(key: &str, value: &str, message: &str) -> ConvertError {
    ConvertError::config(key, format!("Invalid value {value} for configuration {key}: {message}"))
}

/// A BOOLEAN property with a default.
///
/// # Errors
/// Connect's "Expected value to be either true or false" (quoting the untrimmed value, as
/// Connect does).
pub fn boolean(props: &ConverterProps, key: &str, default: bool) -> Result<bool, ConvertError> {
    match props.get(key) {
        None => Ok(default),
        Some(raw) if raw.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(raw) if raw.trim().eq_ignore_ascii_case("false") => Ok(false),
        Some(raw) => Err(invalid(key, raw, "Expected value to be either true or false")),
    }
}

/// An INT property with a default.
///
/// # Errors
/// Connect's "Not a number of type INT" when the trimmed value is not a Java `int`.
pub fn int(props: &ConverterProps, key: &str, default: i32) -> Result<i32, ConvertError> {
    match props.get(key) {
        None => Ok(default),
        Some(raw) => parse_java_int(raw.trim()).ok_or_else(|| invalid(key, raw, "Not a number of type INT")),
    }
}

/// A STRING property (trimmed), or `None` when absent.
pub fn string<'a>(props: &'a ConverterProps, key: &str) -> Option<&'a str> {
    props.get(key).map(|raw| raw.trim())
}

/// `Integer.parseInt`: optional sign, ASCII digits, within `i32`.
fn parse_java_int(text: &str) -> Option<i32> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConverterProps {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn booleans_trim_and_ignore_case() {
        assert!(boolean(&props(&[("b", " TRUE ")]), "b", false).unwrap());
        assert!(!boolean(&props(&[]), "b", false).unwrap());
        assert_eq!(
            boolean(&props(&[("b", "1")]), "b", true).unwrap_err().to_string(),
            "Invalid value 1 for configuration b: Expected value to be either true or false"
        );
    }

    #[test]
    fn ints_follow_integer_parse_int() {
        assert_eq!(int(&props(&[("n", " +12 ")]), "n", 0).unwrap(), 12);
        assert_eq!(int(&props(&[("n", "-3")]), "n", 0).unwrap(), -3);
        assert_eq!(int(&props(&[]), "n", 1000).unwrap(), 1000);
        for bad in ["1.5", "2147483648", "", "0x10"] {
            assert_eq!(
                int(&props(&[("n", bad)]), "n", 0).unwrap_err().to_string(),
                format!("Invalid value {bad} for configuration n: Not a number of type INT")
            );
        }
    }

    #[test]
    fn strings_are_trimmed() {
        assert_eq!(string(&props(&[("s", " numeric ")]), "s"), Some("numeric"));
        assert_eq!(string(&props(&[]), "s"), None);
    }
}
