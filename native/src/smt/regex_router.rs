//! `RegexRouter`: rename a record's topic when the whole topic matches a regular expression.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.RegexRouter#apply` calls
//! `Matcher.matches()` (the whole topic must match) and then `replaceFirst(replacement)`, whose
//! replacement syntax is Java's: `$n` takes the longest run of digits that still names an
//! existing group, `${name}` names a group, `\x` is a literal `x`, and an unmatched group expands
//! to nothing. The replacement is parsed once here, so a malformed one fails at configuration
//! time instead of on the first matching record.

use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

use regex::{Captures, Regex};

use crate::errors::TransformError;

/// Config key of the pattern, as in Connect.
pub const REGEX_CONFIG: &str = "regex";
/// Config key of the replacement, as in Connect.
pub const REPLACEMENT_CONFIG: &str = "replacement";

/// One piece of a parsed replacement string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Group(usize),
}

/// A compiled `RegexRouter`.
#[derive(Debug)]
pub struct RegexRouter {
    regex: Regex,
    pieces: Vec<Piece>,
    /// The last topic routed and its new name (`None`: unchanged). The records of a batch nearly
    /// always share a topic, and matching it costs more than comparing it (`perf::perf_chain`).
    last: Mutex<Option<(String, Option<String>)>>,
}

impl Clone for RegexRouter {
    fn clone(&self) -> Self {
        Self { regex: self.regex.clone(), pieces: self.pieces.clone(), last: Mutex::new(None) }
    }
}

impl RegexRouter {
    /// Compiles the pattern (anchored to the whole topic) and parses the replacement.
    ///
    /// # Errors
    /// [`TransformError::Config`] when the pattern does not compile or the replacement refers to
    /// a group the pattern does not have.
    pub fn new(regex: &str, replacement: &str) -> Result<Self, TransformError> {
        // Compile the user's pattern alone first so an error message shows their text, not ours.
        Regex::new(regex).map_err(|e| {
            TransformError::invalid(REGEX_CONFIG, regex, format!("not a supported regular expression: {e}"))
        })?;
        let compiled = Regex::new(&format!(r"\A(?:{regex})\z"))
            .map_err(|e| TransformError::invalid(REGEX_CONFIG, regex, e))?;
        let pieces = parse_replacement(replacement, &compiled)?;
        Ok(Self { regex: compiled, pieces, last: Mutex::new(None) })
    }

    /// Renames `topic` in place as [`RegexRouter::route`] would, remembering the last topic.
    pub fn route_in_place(&self, topic: &mut String) {
        // A panic cannot leave the entry half-written (it is replaced whole), so a poisoned lock
        // is still usable.
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        Self::route_with(&self.regex, &self.pieces, topic, &mut last);
    }

    /// [`RegexRouter::route_in_place`] for the router's only user: the last topic is read
    /// without taking the lock.
    pub fn route_in_place_exclusive(&mut self, topic: &mut String) {
        // As in `route_in_place`, a poisoned lock is still usable.
        let last = self.last.get_mut().unwrap_or_else(PoisonError::into_inner);
        Self::route_with(&self.regex, &self.pieces, topic, last);
    }

    /// The body of the `route_in_place` methods, on the router's parts so that the exclusive one
    /// can hold its `last` mutably at the same time.
    fn route_with(
        regex: &Regex,
        pieces: &[Piece],
        topic: &mut String,
        last: &mut Option<(String, Option<String>)>,
    ) {
        if let Some((input, output)) = &*last {
            if input == topic {
                if let Some(output) = output {
                    // Reuses the topic's buffer: no allocation per record.
                    topic.clone_from(output);
                }
                return;
            }
        }
        let routed = regex.captures(topic).map(|caps| expand(pieces, &caps));
        *last = Some((topic.clone(), routed.clone()));
        if let Some(routed) = routed {
            *topic = routed;
        }
    }

    /// Returns the new topic, or the input unchanged (borrowed) when the pattern does not match.
    pub fn route<'a>(&self, topic: &'a str) -> Cow<'a, str> {
        match self.regex.captures(topic) {
            Some(caps) => Cow::Owned(expand(&self.pieces, &caps)),
            None => Cow::Borrowed(topic),
        }
    }
}

/// The replacement `pieces` filled in from a match.
fn expand(pieces: &[Piece], caps: &Captures<'_>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Group(n) => {
                if let Some(m) = caps.get(*n) {
                    out.push_str(m.as_str());
                }
            }
        }
    }
    out
}

fn replacement_error(replacement: &str, message: impl std::fmt::Display) -> TransformError {
    TransformError::invalid(REPLACEMENT_CONFIG, replacement, message)
}

/// Parses a Java `Matcher` replacement string against the groups of `regex`.
fn parse_replacement(replacement: &str, regex: &Regex) -> Result<Vec<Piece>, TransformError> {
    // captures_len counts group 0 (the whole match), as Java's groupCount() does not.
    let group_count = regex.captures_len() - 1;
    let chars: Vec<char> = replacement.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let escaped = chars
                    .get(i + 1)
                    .ok_or_else(|| replacement_error(replacement, "character to be escaped is missing"))?;
                literal.push(*escaped);
                i += 2;
            }
            '$' => {
                i += 1;
                let group = match chars.get(i) {
                    None => {
                        return Err(replacement_error(
                            replacement,
                            "Illegal group reference: group index is missing",
                        ))
                    }
                    Some('{') => {
                        let start = i + 1;
                        let mut end = start;
                        while end < chars.len() && chars[end].is_ascii_alphanumeric() {
                            end += 1;
                        }
                        let name: String = chars[start..end].iter().collect();
                        if name.is_empty() {
                            return Err(replacement_error(
                                replacement,
                                "named capturing group has 0 length name",
                            ));
                        }
                        if chars.get(end) != Some(&'}') {
                            return Err(replacement_error(
                                replacement,
                                "named capturing group is missing trailing '}'",
                            ));
                        }
                        if name.starts_with(|c: char| c.is_ascii_digit()) {
                            return Err(replacement_error(
                                replacement,
                                format!("capturing group name {{{name}}} starts with digit character"),
                            ));
                        }
                        i = end + 1;
                        regex.capture_names().position(|n| n == Some(name.as_str())).ok_or_else(|| {
                            replacement_error(replacement, format!("No group with name {{{name}}}"))
                        })?
                    }
                    Some(c) if c.is_ascii_digit() => {
                        // Java takes the first digit unconditionally, then more digits only while
                        // the number still names an existing group ("$10" is group 1 then "0"
                        // when there are fewer than ten groups).
                        let mut n = c.to_digit(10).unwrap_or(0) as usize;
                        i += 1;
                        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                            let longer = n * 10 + d as usize;
                            if longer > group_count {
                                break;
                            }
                            n = longer;
                            i += 1;
                        }
                        if n > group_count {
                            return Err(replacement_error(replacement, format!("No group {n}")));
                        }
                        n
                    }
                    Some(_) => return Err(replacement_error(replacement, "Illegal group reference")),
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Group(group));
            }
            c => {
                literal.push(c);
                i += 1;
            }
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(regex: &str, replacement: &str, topic: &str) -> String {
        RegexRouter::new(regex, replacement).unwrap().route(topic).into_owned()
    }

    #[test]
    fn renames_when_the_whole_topic_matches() {
        // The example from Connect's documentation of RegexRouter.
        assert_eq!(route("(.*)-(.*)-(.*)", "$3", "my-kafka-topic"), "topic");
        assert_eq!(
            route("(.*)customers_(.*)", "$1customers_$2_v2", "app.customers_eu"),
            "app.customers_eu_v2"
        );
    }

    #[test]
    fn routing_in_place_remembers_the_last_topic_only_as_a_shortcut() {
        let router = RegexRouter::new("orders-(.*)", "shop.$1").unwrap();
        let mut exclusive = router.clone();
        for (input, expected) in [
            ("orders-eu", "shop.eu"),
            ("orders-eu", "shop.eu"),
            ("other", "other"),
            ("other", "other"),
            ("orders-us", "shop.us"),
            ("orders-eu", "shop.eu"),
        ] {
            let mut topic = input.to_owned();
            router.route_in_place(&mut topic);
            assert_eq!(topic, expected);
            // The same shortcut without the lock.
            let mut topic = input.to_owned();
            exclusive.route_in_place_exclusive(&mut topic);
            assert_eq!(topic, expected);
        }
        let mut topic = "orders-x".to_owned();
        router.clone().route_in_place(&mut topic);
        assert_eq!(topic, "shop.x");
    }

    #[test]
    fn leaves_topic_unchanged_on_partial_match() {
        // matches() is anchored at both ends: a prefix or substring match is not a match.
        assert_eq!(route("orders", "x", "orders-eu"), "orders-eu");
        assert_eq!(route("eu", "x", "orders-eu"), "orders-eu");
        assert!(matches!(RegexRouter::new("orders", "x").unwrap().route("orders-eu"), Cow::Borrowed(_)));
    }

    #[test]
    fn alternation_is_anchored_as_a_whole() {
        assert_eq!(route("a|ab", "X", "ab"), "X");
    }

    #[test]
    fn group_digits_are_taken_greedily_only_while_the_group_exists() {
        assert_eq!(route("(a)(b)", "$10", "ab"), "a0");
        let ten = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)";
        assert_eq!(route(ten, "$10", "abcdefghij"), "j");
    }

    #[test]
    fn named_groups_escapes_and_unmatched_groups() {
        assert_eq!(route("(?<env>prod|dev)\\.(.*)", "${env}-$2", "prod.orders"), "prod-orders");
        assert_eq!(route("(.*)", "\\$1-$1", "t"), "$1-t");
        assert_eq!(route("(a)?(b)", "[$1]$2", "b"), "[]b");
    }

    #[test]
    fn malformed_replacements_fail_at_configuration() {
        for (replacement, message) in [
            ("$", "group index is missing"),
            ("$x", "Illegal group reference"),
            ("$2", "No group 2"),
            ("${}", "0 length name"),
            ("${a", "missing trailing '}'"),
            ("${1a}", "starts with digit"),
            ("${nope}", "No group with name {nope}"),
            ("tail\\", "character to be escaped is missing"),
        ] {
            let err = RegexRouter::new("(x)", replacement).unwrap_err();
            assert!(err.to_string().contains(message), "{replacement}: {err}");
            assert!(err
                .to_string()
                .starts_with(&format!("Invalid value {replacement} for configuration replacement: ")));
        }
    }

    #[test]
    fn bad_pattern_names_the_regex_key() {
        let err = RegexRouter::new("(unclosed", "$1").unwrap_err();
        assert!(err.to_string().starts_with("Invalid value (unclosed for configuration regex: "), "{err}");
    }
}
