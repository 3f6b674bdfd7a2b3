//! `MaskField$Key` / `MaskField$Value`: replace listed fields with a null-equivalent or a
//! configured replacement.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.MaskField`. The mask depends on the runtime
//! value, not the schema: false, zero of the same numeric type, a zero `BigDecimal` (scale 0, even
//! under a Decimal schema of another scale, as in Connect), `new Date(0)` for Date/Time/Timestamp,
//! `""`, an empty list or map; bytes and structs cannot be masked. With `replacement`, numeric
//! fields get the text converted as `Values.convertToX` does (`new BigDecimal(text)` truncated and
//! narrowed for integers), strings get it as is, Decimals get `new BigDecimal(text)`, and anything
//! else fails. Null fields stay null. There is no tombstone check: a null key/value is an error.
//! Schemaless maps gain a null entry for each listed field they lack. The schema never changes.

use crate::data::decimal::DecimalText;
use crate::data::{Decimal, Record, Struct, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::fields;
use super::{Target, Transform};

/// Names of the fields to mask (LIST, required, non-empty, no duplicates).
pub const FIELDS_CONFIG: &str = "fields";
/// Replacement text for numeric and string fields (STRING, optional, non-empty).
pub const REPLACEMENT_CONFIG: &str = "replacement";
/// Whether a null struct field reads as its schema default (BOOLEAN, default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "mask fields";

/// A configured `MaskField`.
#[derive(Debug)]
pub struct MaskField {
    target: Target,
    fields: Vec<String>,
    replacement: Option<String>,
    replace_null_with_default: bool,
}

impl MaskField {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// Connect's `ConfigException` texts for a missing or empty `fields` list, an empty
    /// `replacement`, or a non-boolean `replace.null.with.default`.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let fields = fields::unique_list(props, FIELDS_CONFIG, true, false)?;
        let replacement = fields::string(props, REPLACEMENT_CONFIG);
        if replacement == Some("") {
            return Err(TransformError::invalid(REPLACEMENT_CONFIG, "", "String must be non-empty"));
        }
        let replace_null_with_default = config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        Ok(Self { target, fields, replacement: replacement.map(str::to_owned), replace_null_with_default })
    }

    fn is_masked(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f == name)
    }

    fn masked(&self, value: Value) -> Result<Value, TransformError> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        match &self.replacement {
            None => mask_with_null_value(value),
            Some(replacement) => mask_with_replacement(&value, replacement),
        }
    }
}

/// `maskWithNullValue`: the type's null-equivalent.
fn mask_with_null_value(value: Value) -> Result<Value, TransformError> {
    Ok(match value {
        Value::Boolean(_) => Value::Boolean(false),
        Value::Int8(_) => Value::Int8(0),
        Value::Int16(_) => Value::Int16(0),
        Value::Int32(_) => Value::Int32(0),
        Value::Int64(_) => Value::Int64(0),
        Value::Float32(_) => Value::Float32(0.0),
        Value::Float64(_) => Value::Float64(0.0),
        // BigDecimal.ZERO: unscaled 0 at scale 0, whatever the original scale.
        Value::Decimal(_) => Value::Decimal(Decimal { unscaled: vec![0], scale: 0 }),
        // Connect's `new Date(0)`: all three logical types hold a java.util.Date.
        Value::Date(_) => Value::Date(0),
        Value::Time(_) => Value::Time(0),
        Value::Timestamp(_) => Value::Timestamp(0),
        Value::String(_) => Value::String(String::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Map(_) => Value::Map(Vec::new()),
        other => {
            return Err(TransformError::data(format!(
                "Cannot mask value of type: class {}",
                other.java_class()
            )))
        }
    })
}

/// `maskWithCustomReplacement`: the replacement converted to the value's type.
fn mask_with_replacement(value: &Value, replacement: &str) -> Result<Value, TransformError> {
    // `Values.asLong`/`asDouble` on a string that is not a number.
    let not_a_number = || {
        TransformError::data(format!("Unable to convert {replacement} (class java.lang.String) to a number"))
    };
    // `new BigDecimal(replacement)`, which `Values.asLong`/`asDouble` parse strings with.
    let mut scratch = Vec::new();
    let parsed = DecimalText::parse(replacement, &mut scratch);
    let number = || parsed.map_err(|_| not_a_number());
    Ok(match value {
        // `(byte) asLong(...)` and friends: truncate, keep the low 64 bits, then narrow (wrapping).
        Value::Int8(_) => Value::Int8(number()?.to_i64_wrapping() as i8),
        Value::Int16(_) => Value::Int16(number()?.to_i64_wrapping() as i16),
        Value::Int32(_) => Value::Int32(number()?.to_i64_wrapping() as i32),
        Value::Int64(_) => Value::Int64(number()?.to_i64_wrapping()),
        // `(float) asDouble(...)`: rounded to a double first, then to a float.
        Value::Float32(_) => Value::Float32(number()?.to_f64() as f32),
        Value::Float64(_) => Value::Float64(number()?.to_f64()),
        Value::String(_) => Value::String(replacement.to_owned()),
        Value::Decimal(_) => Value::Decimal(
            parsed
                .map_err(|_| {
                    // MaskField's own catch of BigDecimal's NumberFormatException.
                    TransformError::data(format!(
                        "Unable to convert {replacement} (class java.lang.String) to number"
                    ))
                })?
                .to_decimal(),
        ),
        other => {
            return Err(TransformError::data(format!(
                "Cannot mask value of type class {} with custom replacement.",
                other.java_class()
            )))
        }
    })
}

impl Transform for MaskField {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        let (schema_slot, value_slot) = fields::operand(&mut record, self.target);
        let value = std::mem::take(value_slot);
        if schema_slot.is_none() {
            let mut entries = fields::require_map(value, PURPOSE)?;
            for name in &self.fields {
                fields::map_update(&mut entries, name, |value| self.masked(value))?;
            }
            *value_slot = Value::Map(entries);
        } else {
            let Struct { schema, mut values } = fields::require_struct(value, PURPOSE)?;
            values.resize(schema.fields.len(), Value::Null);
            fields::put_fields(
                &mut values,
                &schema.fields,
                self.replace_null_with_default,
                |field, value| {
                    if self.is_masked(&field.name) {
                        self.masked(value)
                    } else {
                        Ok(value)
                    }
                },
            )?;
            *value_slot = Value::Struct(Struct { schema, values });
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{Schema, SchemaRef, Type};
    use crate::smt::test_support::{props, s};

    /// MaskFieldTest.transform: `replace.null.with.default=false`.
    fn transform(fields: &[&str], replacement: Option<&str>) -> MaskField {
        let mut p = props(&[("fields", &fields.join(",")), ("replace.null.with.default", "false")]);
        if let Some(r) = replacement {
            p.insert("replacement".into(), r.into());
        }
        MaskField::new(Target::Value, &p).unwrap()
    }

    fn record(schema: Option<SchemaRef>, value: Value) -> Record {
        Record {
            topic: String::new(),
            partition: Some(0),
            offset: Some(0),
            value_schema: schema,
            value,
            ..Record::default()
        }
    }

    /// MaskFieldTest.VALUES (BigInteger has no counterpart in this data model).
    fn values() -> Value {
        Value::Map(vec![
            (s("magic"), Value::Int32(42)),
            (s("bool"), Value::Boolean(true)),
            (s("byte"), Value::Int8(42)),
            (s("short"), Value::Int16(42)),
            (s("int"), Value::Int32(42)),
            (s("long"), Value::Int64(42)),
            (s("float"), Value::Float32(42.0)),
            (s("double"), Value::Float64(42.0)),
            (s("string"), s("55.121.20.20")),
            (s("date"), Value::Date(19_000)),
            (s("bigdec"), Value::Decimal(Decimal::parse("42.0").unwrap())),
            (s("list"), Value::Array(vec![Value::Int32(42)])),
            (s("map"), Value::Map(vec![(s("key"), s("value"))])),
        ])
    }

    /// MaskFieldTest.SCHEMA and VALUES_WITH_SCHEMA.
    fn struct_value() -> (SchemaRef, Value) {
        let plain = |kind| Arc::new(Schema::new(kind));
        let mut with_default = Schema::new(Type::String).optional();
        with_default.default = Some(s("default"));
        let schema = Arc::new(Schema::structure([
            ("magic".to_owned(), plain(Type::Int32)),
            ("bool".to_owned(), plain(Type::Boolean)),
            ("byte".to_owned(), plain(Type::Int8)),
            ("short".to_owned(), plain(Type::Int16)),
            ("int".to_owned(), plain(Type::Int32)),
            ("long".to_owned(), plain(Type::Int64)),
            ("float".to_owned(), plain(Type::Float32)),
            ("double".to_owned(), plain(Type::Float64)),
            ("string".to_owned(), plain(Type::String)),
            ("date".to_owned(), Arc::new(Schema::date())),
            ("time".to_owned(), Arc::new(Schema::time())),
            ("timestamp".to_owned(), Arc::new(Schema::timestamp())),
            ("decimal".to_owned(), Arc::new(Schema::decimal(0))),
            ("array".to_owned(), Arc::new(Schema::array(plain(Type::Int32)))),
            ("map".to_owned(), Arc::new(Schema::map(plain(Type::String), plain(Type::String)))),
            ("withDefault".to_owned(), Arc::new(with_default)),
        ]));
        let values = vec![
            Value::Int32(42),
            Value::Boolean(true),
            Value::Int8(42),
            Value::Int16(42),
            Value::Int32(42),
            Value::Int64(42),
            Value::Float32(42.0),
            Value::Float64(42.0),
            s("hmm"),
            Value::Date(19_000),
            Value::Time(1_000),
            Value::Timestamp(1_700_000_000_000),
            Value::Decimal(Decimal { unscaled: vec![42], scale: 0 }),
            Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)]),
            Value::Map(vec![(s("what"), s("what"))]),
            Value::Null,
        ];
        (schema.clone(), Value::Struct(Struct { schema, values }))
    }

    fn get(value: &Value, name: &str) -> Value {
        match value {
            Value::Map(entries) => fields::map_get(entries, name),
            Value::Struct(s) => s.get(name).cloned().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    /// `BigDecimal.ZERO`.
    fn zero_decimal() -> Value {
        Value::Decimal(Decimal { unscaled: vec![0], scale: 0 })
    }

    #[test]
    fn schemaless() {
        let names = [
            "bool", "byte", "short", "int", "long", "float", "double", "string", "date", "bigdec", "list",
            "map",
        ];
        let out = transform(&names, None).apply(record(None, values())).unwrap().unwrap().value;
        for (name, expected) in [
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(false)),
            ("byte", Value::Int8(0)),
            ("short", Value::Int16(0)),
            ("int", Value::Int32(0)),
            ("long", Value::Int64(0)),
            ("float", Value::Float32(0.0)),
            ("double", Value::Float64(0.0)),
            ("string", s("")),
            ("date", Value::Date(0)),
            ("bigdec", zero_decimal()),
            ("list", Value::Array(vec![])),
            ("map", Value::Map(vec![])),
        ] {
            assert_eq!(get(&out, name), expected, "{name}");
        }
    }

    #[test]
    fn with_schema() {
        let (schema, value) = struct_value();
        let names: Vec<&str> =
            schema.fields.iter().map(|f| f.name.as_str()).filter(|n| *n != "magic").collect();
        let out = transform(&names, None).apply(record(Some(schema.clone()), value)).unwrap().unwrap();
        assert!(Arc::ptr_eq(out.value_schema.as_ref().unwrap(), &schema), "schema unchanged");
        let out = out.value;
        for (name, expected) in [
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(false)),
            ("byte", Value::Int8(0)),
            ("short", Value::Int16(0)),
            ("int", Value::Int32(0)),
            ("long", Value::Int64(0)),
            ("float", Value::Float32(0.0)),
            ("double", Value::Float64(0.0)),
            ("string", s("")),
            ("date", Value::Date(0)),
            ("time", Value::Time(0)),
            ("timestamp", Value::Timestamp(0)),
            ("decimal", zero_decimal()),
            ("array", Value::Array(vec![])),
            ("map", Value::Map(vec![])),
        ] {
            assert_eq!(get(&out, name), expected, "{name}");
        }
        let Value::Struct(updated) = &out else { panic!() };
        assert_eq!(updated.values[15], Value::Null, "withDefault stays null without its default");
    }

    #[test]
    fn schemaless_with_replacement() {
        for (name, expected) in [
            ("short", Value::Int16(123)),
            ("byte", Value::Int8(123)),
            ("int", Value::Int32(123)),
            ("long", Value::Int64(123)),
            ("float", Value::Float32(123.0)),
            ("double", Value::Float64(123.0)),
            ("string", s("123")),
        ] {
            let out = transform(&[name], Some("123")).apply(record(None, values())).unwrap().unwrap();
            assert_eq!(get(&out.value, name), expected, "{name}");
        }
        // String.valueOf(BigDecimal.valueOf(123.0)) is "123.0": scale 1.
        let out = transform(&["bigdec"], Some("123.0")).apply(record(None, values())).unwrap().unwrap();
        assert_eq!(
            get(&out.value, "bigdec"),
            Value::Decimal(Decimal { unscaled: vec![0x04, 0xce], scale: 1 })
        );
    }

    #[test]
    fn replacement_zero_has_no_sign() {
        // Connect 4.3.1 prints f=0.0 d=0.0 for replacement "-0": BigDecimal has no negative zero.
        let out = transform(&["float", "double"], Some("-0")).apply(record(None, values())).unwrap().unwrap();
        assert_eq!(get(&out.value, "float"), Value::Float32(0.0));
        assert!(matches!(get(&out.value, "float"), Value::Float32(f) if f.is_sign_positive()));
        assert!(matches!(get(&out.value, "double"), Value::Float64(d) if d.is_sign_positive()));
    }

    #[test]
    fn with_schema_and_replacement() {
        for (name, replacement, expected) in [
            ("short", "123", Value::Int16(123)),
            ("byte", "123", Value::Int8(123)),
            ("int", "123", Value::Int32(123)),
            ("long", "123", Value::Int64(123)),
            ("float", "123.0", Value::Float32(123.0)),
            ("double", "123.0", Value::Float64(123.0)),
            ("string", "123", s("123")),
            ("decimal", "123.0", Value::Decimal(Decimal { unscaled: vec![0x04, 0xce], scale: 1 })),
        ] {
            let (schema, value) = struct_value();
            let out =
                transform(&[name], Some(replacement)).apply(record(Some(schema), value)).unwrap().unwrap();
            assert_eq!(get(&out.value, name), expected, "{name}");
        }
    }

    #[test]
    fn unsupported_replacement_types() {
        for (name, class) in [
            ("date", "java.util.Date"),
            ("bool", "java.lang.Boolean"),
            ("list", "java.util.ArrayList"),
            ("map", "java.util.HashMap"),
        ] {
            let err = transform(&[name], Some("x")).apply(record(None, values())).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("Cannot mask value of type class {class} with custom replacement.")
            );
        }
        for name in ["time", "timestamp", "array"] {
            let (schema, value) = struct_value();
            let err = transform(&[name], Some("x")).apply(record(Some(schema), value)).unwrap_err();
            assert!(err.to_string().starts_with("Cannot mask value of type class"), "{err}");
        }
    }

    #[test]
    fn replacement_type_mismatch() {
        for name in ["byte", "short", "int", "long", "float", "double"] {
            let err = transform(&[name], Some("foo")).apply(record(None, values())).unwrap_err();
            assert_eq!(
                err.to_string(),
                "Unable to convert foo (class java.lang.String) to a number",
                "{name}"
            );
        }
        let err = transform(&["bigdec"], Some("foo")).apply(record(None, values())).unwrap_err();
        assert_eq!(err.to_string(), "Unable to convert foo (class java.lang.String) to number");
        let err = transform(&["string", "int"], Some("foo")).apply(record(None, values())).unwrap_err();
        assert_eq!(err.to_string(), "Unable to convert foo (class java.lang.String) to a number");
    }

    #[test]
    fn numeric_replacements_truncate_and_wrap_like_java() {
        let out = transform(&["byte", "int", "float"], Some("300.9"))
            .apply(record(None, values()))
            .unwrap()
            .unwrap();
        assert_eq!(get(&out.value, "byte"), Value::Int8(44));
        assert_eq!(get(&out.value, "int"), Value::Int32(300));
        assert_eq!(get(&out.value, "float"), Value::Float32(300.9));
    }

    #[test]
    fn config_errors() {
        let err =
            MaskField::new(Target::Value, &props(&[("fields", "short"), ("replacement", "")])).unwrap_err();
        assert_eq!(err.to_string(), "Invalid value  for configuration replacement: String must be non-empty");
        let err = MaskField::new(Target::Value, &props(&[("fields", "")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Configuration 'fields' must not be empty. Valid values include: any non-empty value"
        );
        let err = MaskField::new(Target::Value, &props(&[])).unwrap_err();
        assert_eq!(err.to_string(), "Missing required configuration \"fields\" which has no default value.");
    }

    #[test]
    fn absent_schemaless_fields_become_null_and_null_values_fail() {
        let xform = transform(&["missing"], None);
        let out = xform.apply(record(None, Value::Map(vec![(s("a"), Value::Int8(1))]))).unwrap().unwrap();
        assert_eq!(out.value, Value::Map(vec![(s("a"), Value::Int8(1)), (s("missing"), Value::Null)]));
        let err = xform.apply(record(None, Value::Null)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Map objects supported in absence of schema for [mask fields], found: null"
        );
        let err = transform(&["b"], None)
            .apply(record(None, Value::Map(vec![(s("b"), Value::Bytes(vec![1]))])))
            .unwrap_err();
        assert_eq!(err.to_string(), "Cannot mask value of type: class [B");
    }

    #[test]
    fn defaults_are_masked_when_replacing_nulls() {
        let (schema, value) = struct_value();
        let p = props(&[("fields", "withDefault")]);
        let out =
            MaskField::new(Target::Value, &p).unwrap().apply(record(Some(schema), value)).unwrap().unwrap();
        assert_eq!(get(&out.value, "withDefault"), s(""));
    }
}
