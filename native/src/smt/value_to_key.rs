//! `ValueToKey`: replace the key with a struct or map of fields copied from the value.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.ValueToKey`. Schemaless values give a map
//! of the listed fields (null for absent ones) and no key schema; struct values give a struct whose
//! schema lists the fields in configuration order with the value's field schemas, and a listed field
//! the value schema lacks is `Field does not exist: <name>`. There is no tombstone check: a null
//! value is an error. The value and its schema are kept.

use std::sync::Arc;

use crate::data::{Record, SchemaRef, Struct, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::fields::{self, SchemaCache};
use super::Transform;

/// Value fields to copy into the key (LIST, required, non-empty, no duplicates).
pub const FIELDS_CONFIG: &str = "fields";
/// Whether a null struct field reads as its schema default (BOOLEAN, default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "copying fields from value to key";

/// A configured `ValueToKey`.
#[derive(Debug)]
pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
    /// Per value schema: the key schema and, per key field, the value field index.
    plans: SchemaCache<(SchemaRef, Arc<[usize]>)>,
}

impl ValueToKey {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// Connect's `ConfigException` texts for a missing or empty `fields` list, or a
    /// non-boolean `replace.null.with.default`.
    pub fn new(props: &Props) -> Result<Self, TransformError> {
        Ok(Self {
            fields: fields::unique_list(props, FIELDS_CONFIG, true, false)?,
            replace_null_with_default: config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?,
            plans: SchemaCache::default(),
        })
    }

    fn plan(&self, value_schema: &SchemaRef) -> Result<(SchemaRef, Arc<[usize]>), TransformError> {
        let mut sources = Vec::with_capacity(self.fields.len());
        let mut key_fields = Vec::with_capacity(self.fields.len());
        for name in &self.fields {
            let field = fields::schema_field(value_schema, name)?
                .ok_or_else(|| TransformError::data(format!("Field does not exist: {name}")))?;
            sources.push(field.index);
            key_fields.push((name.clone(), Arc::clone(&field.schema)));
        }
        let key_schema = fields::struct_schema(None, key_fields)?;
        Ok((Arc::new(key_schema), sources.into()))
    }
}

impl Transform for ValueToKey {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        if record.value_schema.is_none() {
            let Value::Map(entries) = &record.value else {
                return Err(fields::not_a_map(&record.value, PURPOSE));
            };
            let key =
                self.fields.iter().map(|f| (Value::String(f.clone()), fields::map_get(entries, f))).collect();
            record.key_schema = None;
            record.key = Value::Map(key);
            return Ok(Some(record));
        }
        let Value::Struct(value) = &record.value else {
            return Err(fields::not_a_struct(&record.value, PURPOSE));
        };
        let (key_schema, sources) =
            self.plans.get_or_try_insert(&value.schema, || self.plan(&value.schema))?;
        let mut key = Vec::with_capacity(sources.len());
        for (key_field, &source) in key_schema.fields.iter().zip(sources.iter()) {
            let v = fields::field_value(
                &value.values,
                &value.schema.fields[source],
                self.replace_null_with_default,
            );
            fields::check_put(&key_field.name, &key_field.schema, &v)?;
            key.push(v);
        }
        // Connect rebuilds the record with the struct's own schema as the value schema.
        let value_schema = Arc::clone(&value.schema);
        record.value_schema = Some(value_schema);
        record.key_schema = Some(Arc::clone(&key_schema));
        record.key = Value::Struct(Struct { schema: key_schema, values: key });
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, Type};
    use crate::smt::test_support::{int32, props, s};

    fn record(schema: Option<SchemaRef>, value: Value) -> Record {
        Record { partition: Some(0), offset: Some(0), value_schema: schema, value, ..Record::default() }
    }

    #[test]
    fn schemaless() {
        let xform = ValueToKey::new(&props(&[("fields", "a,b")])).unwrap();
        let value =
            Value::Map(vec![(s("a"), Value::Int32(1)), (s("b"), Value::Int32(2)), (s("c"), Value::Int32(3))]);
        let out = xform.apply(record(None, value.clone())).unwrap().unwrap();
        assert_eq!(out.key_schema, None);
        assert_eq!(out.key, Value::Map(vec![(s("a"), Value::Int32(1)), (s("b"), Value::Int32(2))]));
        assert_eq!(out.value, value);
    }

    #[test]
    fn schemaless_absent_fields_are_null() {
        // Verified against Connect 4.3.1: fields=a,zz over {a=1} gives {a=1, zz=null}.
        let xform = ValueToKey::new(&props(&[("fields", "a,zz")])).unwrap();
        let out = xform.apply(record(None, Value::Map(vec![(s("a"), Value::Int32(1))]))).unwrap().unwrap();
        assert_eq!(out.key, Value::Map(vec![(s("a"), Value::Int32(1)), (s("zz"), Value::Null)]));
    }

    #[test]
    fn with_schema() {
        let xform = ValueToKey::new(&props(&[("fields", "a,b")])).unwrap();
        let value_schema = Arc::new(Schema::structure(["a", "b", "c"].map(|n| (n.to_owned(), int32()))));
        let value = Value::Struct(Struct {
            schema: value_schema.clone(),
            values: vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)],
        });
        let out = xform.apply(record(Some(value_schema), value)).unwrap().unwrap();
        let expected_key_schema = Schema::structure(["a", "b"].map(|n| (n.to_owned(), int32())));
        assert_eq!(out.key_schema.as_deref(), Some(&expected_key_schema));
        assert_eq!(
            out.key,
            Value::Struct(Struct {
                schema: Arc::new(expected_key_schema),
                values: vec![Value::Int32(1), Value::Int32(2)]
            })
        );
    }

    #[test]
    fn non_existing_field() {
        let xform = ValueToKey::new(&props(&[("fields", "not_exist")])).unwrap();
        let value_schema = Arc::new(Schema::structure([("a".to_owned(), int32())]));
        let value = Value::Struct(Struct { schema: value_schema.clone(), values: vec![Value::Int32(1)] });
        let err = xform.apply(record(Some(value_schema), value)).unwrap_err();
        assert_eq!(err.to_string(), "Field does not exist: not_exist");
    }

    #[test]
    fn replace_null_with_default() {
        let mut with_default = Schema::new(Type::Int32).optional();
        with_default.default = Some(Value::Int32(42));
        let value_schema =
            Arc::new(Schema::structure([("optional_with_default".to_owned(), Arc::new(with_default))]));
        for (flag, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
            let xform = ValueToKey::new(&props(&[
                ("fields", "optional_with_default"),
                ("replace.null.with.default", flag),
            ]))
            .unwrap();
            let out = xform
                .apply(record(Some(value_schema.clone()), Value::Struct(Struct::new(value_schema.clone()))))
                .unwrap()
                .unwrap();
            let Value::Struct(key) = out.key else { panic!() };
            assert_eq!(key.get("optional_with_default"), Some(&expected));
        }
    }

    #[test]
    fn tombstones_are_errors() {
        let xform = ValueToKey::new(&props(&[("fields", "a")])).unwrap();
        let err = xform.apply(record(None, Value::Null)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"
        );
        let value_schema = Arc::new(Schema::structure([("a".to_owned(), int32())]).optional());
        let err = xform.apply(record(Some(value_schema), Value::Null)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Struct objects supported for [copying fields from value to key], found: null"
        );
    }

    #[test]
    fn config_errors() {
        // Connect 4.x drops duplicates (with a warning) instead of failing.
        let xform = ValueToKey::new(&props(&[("fields", "a,a")])).unwrap();
        assert_eq!(xform.fields, ["a"]);
        let err = ValueToKey::new(&props(&[])).unwrap_err();
        assert_eq!(err.to_string(), "Missing required configuration \"fields\" which has no default value.");
    }
}
