//! `HoistField$Key` / `HoistField$Value`: wrap the whole key/value in a single-field struct or map.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.HoistField`. Schemaless data becomes the
//! map `{field: value}`, nulls included. With a schema, the result is a required struct with one
//! field of the original schema; putting a null into it fails unless that schema is optional (as
//! `Struct.put` does), and an empty `field` fails as `SchemaBuilder.field` does.

use std::sync::Arc;

use crate::data::{Record, SchemaRef, Struct, Value};
use crate::errors::TransformError;

use super::config::Props;
use super::fields::{self, SchemaCache};
use super::{Target, Transform};

/// Name of the single field of the new struct or map (STRING, required).
pub const FIELD_CONFIG: &str = "field";

/// A configured `HoistField`.
#[derive(Debug)]
pub struct HoistField {
    target: Target,
    field: String,
    schemas: SchemaCache<SchemaRef>,
}

impl HoistField {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// A missing `field`.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let field = fields::required_string(props, FIELD_CONFIG)?.to_owned();
        Ok(Self { target, field, schemas: SchemaCache::default() })
    }
}

impl Transform for HoistField {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        let (schema_slot, value_slot) = fields::operand(&mut record, self.target);
        let value = std::mem::take(value_slot);
        match schema_slot {
            None => *value_slot = Value::Map(vec![(Value::String(self.field.clone()), value)]),
            Some(schema) => {
                let updated = self.schemas.get_or_try_insert(schema, || {
                    fields::struct_schema(None, [(self.field.clone(), Arc::clone(schema))]).map(Arc::new)
                })?;
                fields::check_put(&self.field, schema, &value)?;
                *schema_slot = Some(Arc::clone(&updated));
                *value_slot = Value::Struct(Struct { schema: updated, values: vec![value] });
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, Type};
    use crate::smt::test_support::key_record;

    fn xform(target: Target) -> HoistField {
        let props: Props = [("field".to_owned(), "magic".to_owned())].into_iter().collect();
        HoistField::new(target, &props).unwrap()
    }

    #[test]
    fn schemaless() {
        let out = xform(Target::Key).apply(key_record(None, Value::Int32(42))).unwrap().unwrap();
        assert_eq!(out.key_schema, None);
        assert_eq!(out.key, Value::Map(vec![(Value::String("magic".into()), Value::Int32(42))]));
    }

    #[test]
    fn with_schema() {
        let int32 = Arc::new(Schema::new(Type::Int32));
        let out =
            xform(Target::Key).apply(key_record(Some(int32.clone()), Value::Int32(42))).unwrap().unwrap();
        let schema = out.key_schema.unwrap();
        assert_eq!(schema.kind, Type::Struct);
        assert!(Arc::ptr_eq(&schema.field("magic").unwrap().schema, &int32));
        assert_eq!(out.key, Value::Struct(Struct { schema, values: vec![Value::Int32(42)] }));
    }

    #[test]
    fn nulls_are_wrapped_when_the_schema_allows_them() {
        let out = xform(Target::Value).apply(Record::default()).unwrap().unwrap();
        assert_eq!(out.value, Value::Map(vec![(Value::String("magic".into()), Value::Null)]));
        let optional = Arc::new(Schema::new(Type::String).optional());
        let record = Record { value_schema: Some(optional), ..Record::default() };
        let out = xform(Target::Value).apply(record).unwrap().unwrap();
        let Value::Struct(wrapped) = out.value else { panic!() };
        assert_eq!(wrapped.values, [Value::Null]);
        let required = Arc::new(Schema::new(Type::String));
        let record = Record { value_schema: Some(required), ..Record::default() };
        let err = xform(Target::Value).apply(record).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value: null used for required field: \"magic\", schema type: STRING"
        );
    }

    #[test]
    fn missing_field_config() {
        let err = HoistField::new(Target::Key, &Props::new()).unwrap_err();
        assert_eq!(err.to_string(), "Missing required configuration \"field\" which has no default value.");
    }
}
