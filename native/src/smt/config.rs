//! Reading transform and predicate configuration the way Connect's `ConfigDef` parses it.
//!
//! Configuration arrives as strings (from `.properties` or JSON connector configs); these helpers
//! apply Connect's parsing rules (LIST splits on commas and trims, BOOLEAN is case-insensitive) and
//! produce Connect's `ConfigException` texts.

use std::collections::BTreeMap;

use crate::errors::TransformError;

/// The configuration of one transform or predicate, with the `transforms.<alias>.` prefix removed.
pub type Props = BTreeMap<String, String>;

/// A required STRING key.
///
/// # Errors
/// Connect's "Missing required configuration" error when absent.
pub fn required<'a>(props: &'a Props, key: &str) -> Result<&'a str, TransformError> {
    props.get(key).map(String::as_str).ok_or_else(|| TransformError::missing(key))
}

/// An optional STRING key (`None` when absent).
pub fn optional<'a>(props: &'a Props, key: &str) -> Option<&'a str> {
    props.get(key).map(String::as_str)
}

/// A LIST key: comma-separated, each item trimmed; an empty or blank string is the empty list.
pub fn list(props: &Props, key: &str) -> Vec<String> {
    props.get(key).map(|raw| parse_list(raw)).unwrap_or_default()
}

/// A required LIST key that must have at least one item.
///
/// # Errors
/// Missing key, or an empty list (Connect's `NonEmptyListValidator` text).
pub fn required_non_empty_list(props: &Props, key: &str) -> Result<Vec<String>, TransformError> {
    let raw = required(props, key)?;
    let items = parse_list(raw);
    if items.is_empty() {
        return Err(TransformError::invalid(key, "[]", "Empty list"));
    }
    Ok(items)
}

/// Connect's LIST parsing: split on commas, trim, and treat a blank value as the empty list.
pub fn parse_list(raw: &str) -> Vec<String> {
    if raw.trim().is_empty() {
        return Vec::new();
    }
    raw.split(',').map(|item| item.trim().to_owned()).collect()
}

/// A BOOLEAN key with a default; accepts `true`/`false` in any case, as Connect does.
///
/// # Errors
/// Connect's "Expected value to be either true or false" text for anything else.
pub fn boolean(props: &Props, key: &str, default: bool) -> Result<bool, TransformError> {
    match props.get(key) {
        None => Ok(default),
        Some(raw) if raw.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(raw) if raw.trim().eq_ignore_ascii_case("false") => Ok(false),
        Some(raw) => Err(TransformError::invalid(key, raw, "Expected value to be either true or false")),
    }
}

/// An INT key (`None` when absent).
///
/// # Errors
/// Connect's "Not a number of type INT" text when the value does not parse.
pub fn int(props: &Props, key: &str) -> Result<Option<i32>, TransformError> {
    props
        .get(key)
        .map(|raw| {
            raw.trim().parse().map_err(|_| TransformError::invalid(key, raw, "Not a number of type INT"))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::test_support::props;

    #[test]
    fn lists_split_and_trim() {
        assert_eq!(parse_list(" a, b ,c"), ["a", "b", "c"]);
        assert!(parse_list("  ").is_empty());
        assert!(list(&props(&[]), "x").is_empty());
    }

    #[test]
    fn required_keys_and_connect_messages() {
        let err = required(&props(&[]), "field").unwrap_err();
        assert_eq!(err.to_string(), "Missing required configuration \"field\" which has no default value.");
        let err = required_non_empty_list(&props(&[("fields", "")]), "fields").unwrap_err();
        assert_eq!(err.to_string(), "Invalid value [] for configuration fields: Empty list");
    }

    #[test]
    fn booleans_are_case_insensitive_and_strict() {
        assert!(boolean(&props(&[("b", "TRUE")]), "b", false).unwrap());
        assert!(!boolean(&props(&[]), "b", false).unwrap());
        assert!(boolean(&props(&[("b", "yes")]), "b", false).is_err());
    }

    #[test]
    fn ints_parse_or_fail_with_connect_text() {
        assert_eq!(int(&props(&[("v", "3")]), "v").unwrap(), Some(3));
        assert_eq!(
            int(&props(&[("v", "x")]), "v").unwrap_err().to_string(),
            "Invalid value x for configuration v: Not a number of type INT"
        );
    }
}
