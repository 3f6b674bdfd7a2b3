//! `SetSchemaMetadata$Key` / `SetSchemaMetadata$Value`: set the schema's name and/or version.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.SetSchemaMetadata`. Everything else of the
//! schema is kept (type, optionality, default, doc, parameters, fields). A null value with no
//! schema passes through; a value without a schema is `Schema required for [updating schema
//! metadata]`. Connect builds the new schema with `schema.fields()`, which throws for anything but
//! a struct, so in Connect 4.x only struct schemas can be renamed: other schemas fail with that
//! same `Cannot list fields on non-struct type` here. A struct value is re-created against the new
//! schema (reading nulls through defaults when `replace.null.with.default`); other values are kept.

use std::sync::Arc;

use crate::data::{Record, Schema, SchemaRef, Struct, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::fields::{self, SchemaCache};
use super::{Target, Transform};

/// The schema name to set (STRING, optional).
pub const SCHEMA_NAME_CONFIG: &str = "schema.name";
/// The schema version to set (INT, optional).
pub const SCHEMA_VERSION_CONFIG: &str = "schema.version";
/// Whether a null struct field reads as its schema default (BOOLEAN, default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "updating schema metadata";

/// A configured `SetSchemaMetadata`.
#[derive(Debug)]
pub struct SetSchemaMetadata {
    target: Target,
    name: Option<String>,
    version: Option<i32>,
    replace_null_with_default: bool,
    schemas: SchemaCache<SchemaRef>,
}

impl SetSchemaMetadata {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// `Neither schema name nor version configured`, a non-integer `schema.version` or a
    /// non-boolean `replace.null.with.default`.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let name = fields::string(props, SCHEMA_NAME_CONFIG).map(str::to_owned);
        let version = config::int(props, SCHEMA_VERSION_CONFIG)?;
        let replace_null_with_default = config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        if name.is_none() && version.is_none() {
            return Err(TransformError::config(
                SCHEMA_NAME_CONFIG,
                "Neither schema name nor version configured",
            ));
        }
        Ok(Self { target, name, version, replace_null_with_default, schemas: SchemaCache::default() })
    }

    fn updated_schema(&self, schema: &Schema) -> Result<SchemaRef, TransformError> {
        fields::struct_fields(schema)?;
        let mut updated = schema.clone();
        if let Some(name) = &self.name {
            updated.name = Some(name.clone());
        }
        if let Some(version) = self.version {
            updated.version = Some(version);
        }
        Ok(Arc::new(updated))
    }
}

impl Transform for SetSchemaMetadata {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        let (schema_slot, value_slot) = fields::operand(&mut record, self.target);
        if value_slot.is_null() && schema_slot.is_none() {
            return Ok(Some(record));
        }
        let schema = fields::require_schema(schema_slot.as_ref(), PURPOSE)?;
        let updated = self.schemas.get_or_try_insert(schema, || self.updated_schema(schema))?;
        if let Value::Struct(original) = value_slot {
            // `updateSchemaIn`: same fields, read by index, put against the new schema.
            let mut values = std::mem::take(&mut original.values);
            values.resize(updated.fields.len(), Value::Null);
            fields::put_fields(&mut values, &updated.fields, self.replace_null_with_default, |_, v| Ok(v))?;
            *value_slot = Value::Struct(Struct { schema: Arc::clone(&updated), values });
        }
        *schema_slot = Some(updated);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Type;
    use crate::smt::test_support::props;

    fn record(schema: Option<SchemaRef>, value: Value) -> Record {
        Record { partition: Some(0), offset: Some(0), value_schema: schema, value, ..Record::default() }
    }

    fn empty_struct() -> SchemaRef {
        Arc::new(Schema::new(Type::Struct))
    }

    fn two_fields() -> SchemaRef {
        Arc::new(
            Schema::structure([
                ("f1".to_owned(), Arc::new(Schema::new(Type::String))),
                ("f2".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ])
            .named("my.orig.SchemaDefn"),
        )
    }

    fn apply(pairs: &[(&str, &str)], record: Record) -> Result<Record, TransformError> {
        SetSchemaMetadata::new(Target::Value, &props(pairs)).unwrap().apply(record).map(Option::unwrap)
    }

    #[test]
    fn name_and_version_updates() {
        let out = apply(&[("schema.name", "foo")], record(Some(empty_struct()), Value::Null)).unwrap();
        assert_eq!(out.value_schema.unwrap().name.as_deref(), Some("foo"));
        let out = apply(&[("schema.version", "42")], record(Some(empty_struct()), Value::Null)).unwrap();
        assert_eq!(out.value_schema.unwrap().version, Some(42));
        let out = apply(
            &[("schema.name", "foo"), ("schema.version", "42")],
            record(Some(empty_struct()), Value::Null),
        )
        .unwrap();
        let schema = out.value_schema.unwrap();
        assert_eq!((schema.name.as_deref(), schema.version), (Some("foo"), Some(42)));
    }

    #[test]
    fn struct_values_point_at_the_new_schema() {
        let schema = two_fields();
        let value = Value::Struct(Struct {
            schema: schema.clone(),
            values: vec![Value::String("value1".into()), Value::Int32(1)],
        });
        let out =
            apply(&[("schema.name", "foo"), ("schema.version", "42")], record(Some(schema.clone()), value))
                .unwrap();
        let updated = out.value_schema.unwrap();
        assert_eq!((updated.name.as_deref(), updated.version), (Some("foo"), Some(42)));
        let Value::Struct(s) = out.value else { panic!() };
        assert!(Arc::ptr_eq(&s.schema, &updated));
        assert_eq!(s.values, [Value::String("value1".into()), Value::Int32(1)]);
        for (new, old) in updated.fields.iter().zip(&schema.fields) {
            assert_eq!((&new.name, new.index), (&old.name, old.index));
            assert!(Arc::ptr_eq(&new.schema, &old.schema));
        }
    }

    #[test]
    fn struct_with_null_field_follows_replace_null_with_default() {
        let mut with_default = Schema::new(Type::String).optional();
        with_default.default = Some(Value::String("default".into()));
        let schema = Arc::new(
            Schema::structure([
                ("f1".to_owned(), Arc::new(with_default)),
                ("f2".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ])
            .named("my.orig.SchemaDefn"),
        );
        for (flag, expected) in [("false", Value::Null), ("true", Value::String("default".into()))] {
            let value =
                Value::Struct(Struct { schema: schema.clone(), values: vec![Value::Null, Value::Int32(1)] });
            let p = [("schema.name", "foo"), ("schema.version", "42"), ("replace.null.with.default", flag)];
            let out = apply(&p, record(Some(schema.clone()), value)).unwrap();
            let Value::Struct(s) = out.value else { panic!() };
            assert_eq!(s.values[0], expected);
        }
    }

    #[test]
    fn required_fields_still_reject_null() {
        // Verified against Connect 4.3.1: the re-created struct is checked field by field.
        let schema = Arc::new(Schema::structure([("a".to_owned(), Arc::new(Schema::new(Type::Int32)))]));
        let err =
            apply(&[("schema.name", "n")], record(Some(schema.clone()), Value::Struct(Struct::new(schema))))
                .unwrap_err();
        assert_eq!(err.to_string(), "Invalid value: null used for required field: \"a\", schema type: INT32");
    }

    #[test]
    fn schema_required_and_null_ignored() {
        let err = apply(&[("schema.name", "foo")], record(None, Value::Int32(42))).unwrap_err();
        assert_eq!(err.to_string(), "Schema required for [updating schema metadata]");
        let out = apply(&[("schema.name", "foo")], record(None, Value::Null)).unwrap();
        assert_eq!(
            (out.value_schema, out.value, out.key_schema, out.key),
            (None, Value::Null, None, Value::Null)
        );
    }

    #[test]
    fn non_struct_schemas_fail_as_in_connect() {
        // Verified against Connect 4.3.1: SetSchemaMetadata$Value on an INT32 schema throws this.
        let err = apply(
            &[("schema.name", "foo")],
            record(Some(Arc::new(Schema::new(Type::Int32))), Value::Int32(42)),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "Cannot list fields on non-struct type");
    }

    #[test]
    fn config_errors() {
        let err = SetSchemaMetadata::new(Target::Value, &props(&[])).unwrap_err();
        assert_eq!(err.to_string(), "Neither schema name nor version configured");
        let err = SetSchemaMetadata::new(Target::Value, &props(&[("schema.version", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value x for configuration schema.version: Not a number of type INT"
        );
    }

    #[test]
    fn cached_schema_is_reused() {
        let xform = SetSchemaMetadata::new(Target::Key, &props(&[("schema.name", "k")])).unwrap();
        let schema = two_fields();
        let value = Value::Struct(Struct {
            schema: schema.clone(),
            values: vec![Value::String("a".into()), Value::Int32(1)],
        });
        let key_record =
            || Record { key_schema: Some(schema.clone()), key: value.clone(), ..Record::default() };
        let first = xform.apply(key_record()).unwrap().unwrap();
        let second = xform.apply(key_record()).unwrap().unwrap();
        assert!(Arc::ptr_eq(first.key_schema.as_ref().unwrap(), second.key_schema.as_ref().unwrap()));
        assert_eq!(first.key_schema.unwrap().name.as_deref(), Some("k"));
    }
}
