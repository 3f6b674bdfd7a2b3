//! The standard predicates: `TopicNameMatches`, `HasHeaderKey` and `RecordIsTombstone`.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.predicates.*`. `TopicNameMatches` is true
//! when its `pattern` matches the whole topic (`Matcher.matches()`); the pattern is compiled by the
//! `regex` crate, whose dialect is Java's for common patterns but lacks look-around and
//! backreferences (such patterns are refused at configuration). `HasHeaderKey` is true when any
//! header has exactly the key `name`. `RecordIsTombstone` is true when the value is null, whatever
//! the key. Negation belongs to the transform stage (`negate`), not to the predicate.

use regex::Regex;

use crate::data::Record;
use crate::errors::TransformError;

use super::config::Props;
use super::fields;
use super::Predicate;

/// TopicNameMatches: the regular expression the whole topic must match (STRING, required, non-empty).
pub const PATTERN_CONFIG: &str = "pattern";
/// HasHeaderKey: the header key to look for (STRING, required, non-empty).
pub const NAME_CONFIG: &str = "name";

/// A required STRING key with Connect's `NonEmptyString` validator.
fn non_empty_string<'a>(props: &'a Props, key: &str) -> Result<&'a str, TransformError> {
    let value = fields::required_string(props, key)?;
    if value.is_empty() {
        return Err(TransformError::invalid(key, value, "String must be non-empty"));
    }
    Ok(value)
}

/// A configured `TopicNameMatches`.
#[derive(Debug, Clone)]
pub struct TopicNameMatches {
    regex: Regex,
}

impl TopicNameMatches {
    /// Builds the predicate from its configuration.
    ///
    /// # Errors
    /// A missing or empty `pattern`, or one that does not compile (`Invalid regex: ...`).
    pub fn new(props: &Props) -> Result<Self, TransformError> {
        let pattern = non_empty_string(props, PATTERN_CONFIG)?;
        let invalid =
            |e: regex::Error| TransformError::invalid(PATTERN_CONFIG, pattern, format!("Invalid regex: {e}"));
        // Compile the user's pattern alone first so an error message shows their text, not ours.
        Regex::new(pattern).map_err(invalid)?;
        let regex = Regex::new(&format!(r"\A(?:{pattern})\z")).map_err(invalid)?;
        Ok(Self { regex })
    }
}

impl Predicate for TopicNameMatches {
    fn test(&self, record: &Record) -> bool {
        self.regex.is_match(&record.topic)
    }
}

/// A configured `HasHeaderKey`.
#[derive(Debug, Clone)]
pub struct HasHeaderKey {
    name: String,
}

impl HasHeaderKey {
    /// Builds the predicate from its configuration.
    ///
    /// # Errors
    /// A missing or empty `name`.
    pub fn new(props: &Props) -> Result<Self, TransformError> {
        Ok(Self { name: non_empty_string(props, NAME_CONFIG)?.to_owned() })
    }
}

impl Predicate for HasHeaderKey {
    fn test(&self, record: &Record) -> bool {
        record.headers.iter().any(|h| h.key == self.name)
    }
}

/// The `RecordIsTombstone` predicate (no configuration).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn test(&self, record: &Record) -> bool {
        record.is_tombstone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Header, Value};
    use crate::smt::test_support::props;

    fn topic(name: &str) -> Record {
        Record { topic: name.to_owned(), ..Record::default() }
    }

    fn with_headers(keys: &[&str]) -> Record {
        let headers =
            keys.iter().map(|k| Header { key: (*k).to_owned(), schema: None, value: Value::Null }).collect();
        Record { headers, ..Record::default() }
    }

    /// TopicNameMatchesTest.testPatternRequiredInConfig / MayNotBeEmpty / IsValidRegex
    #[test]
    fn topic_name_matches_config() {
        let err = TopicNameMatches::new(&props(&[])).unwrap_err();
        assert_eq!(err.to_string(), "Missing required configuration \"pattern\" which has no default value.");
        let err = TopicNameMatches::new(&props(&[("pattern", "")])).unwrap_err();
        assert_eq!(err.to_string(), "Invalid value  for configuration pattern: String must be non-empty");
        for bad in ["[", "*"] {
            let err = TopicNameMatches::new(&props(&[("pattern", bad)])).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("Invalid value {bad} for configuration pattern: Invalid regex: ")),
                "{err}"
            );
        }
    }

    /// TopicNameMatchesTest.testTest
    #[test]
    fn topic_name_matches_the_whole_topic() {
        let predicate = TopicNameMatches::new(&props(&[("pattern", "my-prefix-.*")])).unwrap();
        assert!(predicate.test(&topic("my-prefix-")));
        assert!(predicate.test(&topic("my-prefix-foo")));
        for other in ["x-my-prefix-", "x-my-prefix-foo", "your-prefix-", "your-prefix-foo", ""] {
            assert!(!predicate.test(&topic(other)), "{other}");
        }
        // Alternation is anchored as a whole, as Matcher.matches() does.
        let alternation = TopicNameMatches::new(&props(&[("pattern", "a|ab")])).unwrap();
        assert!(alternation.test(&topic("ab")));
    }

    /// HasHeaderKeyTest.testNameRequiredInConfig / testNameMayNotBeEmptyInConfig
    #[test]
    fn has_header_key_config() {
        let err = HasHeaderKey::new(&props(&[])).unwrap_err();
        assert_eq!(err.to_string(), "Missing required configuration \"name\" which has no default value.");
        let err = HasHeaderKey::new(&props(&[("name", "")])).unwrap_err();
        assert_eq!(err.to_string(), "Invalid value  for configuration name: String must be non-empty");
    }

    /// HasHeaderKeyTest.testTest
    #[test]
    fn has_header_key() {
        let predicate = HasHeaderKey::new(&props(&[("name", "foo")])).unwrap();
        assert!(predicate.test(&with_headers(&["foo"])));
        assert!(predicate.test(&with_headers(&["foo", "bar"])));
        assert!(predicate.test(&with_headers(&["bar", "foo", "bar", "foo"])));
        assert!(!predicate.test(&with_headers(&["bar"])));
        assert!(!predicate.test(&with_headers(&["bar", "bar"])));
        assert!(!predicate.test(&with_headers(&[])));
    }

    #[test]
    fn record_is_tombstone_looks_at_the_value_only() {
        assert!(RecordIsTombstone.test(&Record { key: Value::Int8(1), ..Record::default() }));
        assert!(!RecordIsTombstone.test(&Record { value: Value::Int8(1), ..Record::default() }));
    }
}
