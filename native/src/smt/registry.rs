//! Transform and predicate names → builders.
//!
//! Users write Connect's class names (`org.apache.kafka.connect.transforms.ReplaceField$Value`) or
//! the short form (`ReplaceField$Value`); both resolve to the same native implementation.

use crate::errors::TransformError;

use super::config::{self, Props};
use super::{Predicate, RegexRouter, Target, Transform};

const TRANSFORMS_PACKAGE: &str = "org.apache.kafka.connect.transforms.";
const PREDICATES_PACKAGE: &str = "org.apache.kafka.connect.transforms.predicates.";

/// Every transformation class this registry builds, by Connect's class name, sorted (for
/// `GET /connector-plugins`).
pub const TRANSFORM_CLASSES: &[&str] = &[
    "org.apache.kafka.connect.transforms.Cast$Key",
    "org.apache.kafka.connect.transforms.Cast$Value",
    "org.apache.kafka.connect.transforms.DropHeaders",
    "org.apache.kafka.connect.transforms.ExtractField$Key",
    "org.apache.kafka.connect.transforms.ExtractField$Value",
    "org.apache.kafka.connect.transforms.Filter",
    "org.apache.kafka.connect.transforms.Flatten$Key",
    "org.apache.kafka.connect.transforms.Flatten$Value",
    "org.apache.kafka.connect.transforms.HeaderFrom$Key",
    "org.apache.kafka.connect.transforms.HeaderFrom$Value",
    "org.apache.kafka.connect.transforms.HoistField$Key",
    "org.apache.kafka.connect.transforms.HoistField$Value",
    "org.apache.kafka.connect.transforms.InsertField$Key",
    "org.apache.kafka.connect.transforms.InsertField$Value",
    "org.apache.kafka.connect.transforms.InsertHeader",
    "org.apache.kafka.connect.transforms.MaskField$Key",
    "org.apache.kafka.connect.transforms.MaskField$Value",
    "org.apache.kafka.connect.transforms.RegexRouter",
    "org.apache.kafka.connect.transforms.ReplaceField$Key",
    "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
    "org.apache.kafka.connect.transforms.TimestampConverter$Key",
    "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    "org.apache.kafka.connect.transforms.TimestampRouter",
    "org.apache.kafka.connect.transforms.ValueToKey",
];

/// Every predicate class this registry builds, by Connect's class name, sorted.
pub const PREDICATE_CLASSES: &[&str] = &[
    "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
];

/// Splits `ReplaceField$Value` into (`ReplaceField`, `Some(Target::Value)`), after removing Connect's package.
fn split_name(type_name: &str) -> (&str, Option<Target>) {
    let short = type_name.strip_prefix(TRANSFORMS_PACKAGE).unwrap_or(type_name);
    match short.rsplit_once('$') {
        Some((base, "Key")) => (base, Some(Target::Key)),
        Some((base, "Value")) => (base, Some(Target::Value)),
        _ => (short, None),
    }
}

fn unknown(kind: &str, type_name: &str) -> TransformError {
    TransformError::config("type", format!("Invalid value {type_name} for configuration type: Class {type_name} could not be found (no native {kind} has this name)."))
}

/// Builds the transform named `type_name` from its configuration.
///
/// # Errors
/// An unknown name, a `$Key`/`$Value` variant missing or present where it should not be, or an
/// invalid configuration.
pub fn build_transform(type_name: &str, props: &Props) -> Result<Box<dyn Transform>, TransformError> {
    let (base, target) = split_name(type_name.trim());
    let built: Box<dyn Transform> = match (base, target) {
        ("RegexRouter", None) => Box::new(RegexRouter::new(
            config::required(props, super::regex_router::REGEX_CONFIG)?,
            config::required(props, super::regex_router::REPLACEMENT_CONFIG)?,
        )?),
        ("Cast", Some(target)) => Box::new(super::cast::Cast::new(target, props)?),
        ("DropHeaders", None) => Box::new(super::DropHeaders::new(props)?),
        ("ExtractField", Some(target)) => Box::new(super::ExtractField::new(target, props)?),
        ("Filter", None) => Box::new(super::Filter),
        ("Flatten", Some(target)) => Box::new(super::flatten::Flatten::new(target, props)?),
        ("HeaderFrom", Some(target)) => Box::new(super::HeaderFrom::new(target, props)?),
        ("HoistField", Some(target)) => Box::new(super::HoistField::new(target, props)?),
        ("InsertField", Some(target)) => Box::new(super::InsertField::new(target, props)?),
        ("InsertHeader", None) => Box::new(super::InsertHeader::new(props)?),
        ("MaskField", Some(target)) => Box::new(super::MaskField::new(target, props)?),
        ("ReplaceField", Some(target)) => Box::new(super::ReplaceField::new(target, props)?),
        ("SetSchemaMetadata", Some(target)) => Box::new(super::SetSchemaMetadata::new(target, props)?),
        ("TimestampConverter", Some(target)) => {
            Box::new(super::timestamp_converter::TimestampConverter::new(target, props)?)
        }
        ("TimestampRouter", None) => Box::new(super::timestamp_router::TimestampRouter::new(props)?),
        ("ValueToKey", None) => Box::new(super::ValueToKey::new(props)?),
        // Connect's abstract bases, named without `$Key`/`$Value`.
        (
            "Cast" | "ExtractField" | "Flatten" | "HeaderFrom" | "HoistField" | "InsertField" | "MaskField"
            | "ReplaceField" | "SetSchemaMetadata" | "TimestampConverter",
            None,
        ) => return Err(super::fields::abstract_transform(base)),
        // Transform arms: one per SMT, keep them alphabetical. (anchor for new arms)
        _ => return Err(unknown("transformation", type_name)),
    };
    Ok(built)
}

/// Builds the predicate named `type_name` from its configuration.
///
/// # Errors
/// An unknown name or an invalid configuration.
pub fn build_predicate(type_name: &str, props: &Props) -> Result<Box<dyn Predicate>, TransformError> {
    let trimmed = type_name.trim();
    let short = trimmed.strip_prefix(PREDICATES_PACKAGE).unwrap_or(trimmed);
    let built: Box<dyn Predicate> = match short {
        "HasHeaderKey" => Box::new(super::HasHeaderKey::new(props)?),
        "RecordIsTombstone" => Box::new(super::RecordIsTombstone),
        "TopicNameMatches" => Box::new(super::TopicNameMatches::new(props)?),
        // Predicate arms: one per predicate, keep them alphabetical. (anchor for new arms)
        _ => return Err(unknown("predicate", type_name)),
    };
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_and_short_names_resolve_alike() {
        assert_eq!(
            split_name("org.apache.kafka.connect.transforms.ReplaceField$Value"),
            ("ReplaceField", Some(Target::Value))
        );
        assert_eq!(split_name("ReplaceField$Key"), ("ReplaceField", Some(Target::Key)));
        assert_eq!(split_name("RegexRouter"), ("RegexRouter", None));
    }

    #[test]
    fn regex_router_builds_from_props() {
        let props: Props = [("regex", "a(.*)"), ("replacement", "b$1")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert!(build_transform("org.apache.kafka.connect.transforms.RegexRouter", &props).is_ok());
        let missing = build_transform("RegexRouter", &Props::new()).err().unwrap();
        assert_eq!(
            missing.to_string(),
            "Missing required configuration \"regex\" which has no default value."
        );
    }

    #[test]
    fn every_listed_class_is_known() {
        // Unknown names say "could not be found"; a known one builds or names a missing setting.
        for name in TRANSFORM_CLASSES {
            if let Err(err) = build_transform(name, &Props::new()) {
                assert!(!err.to_string().contains("could not be found"), "{name}: {err}");
            }
        }
        for name in PREDICATE_CLASSES {
            if let Err(err) = build_predicate(name, &Props::new()) {
                assert!(!err.to_string().contains("could not be found"), "{name}: {err}");
            }
        }
        assert!(TRANSFORM_CLASSES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn unknown_names_are_config_errors_naming_the_class() {
        let err = build_transform("com.example.Nope", &Props::new()).err().unwrap();
        assert!(err.to_string().contains("com.example.Nope"), "{err}");
        assert!(build_predicate("Nope", &Props::new()).is_err());
    }
}
