//! `InsertField$Key` / `InsertField$Value`: add fields from record metadata or a static value.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.InsertField`. A field name ending in `!`
//! makes a required field, `?` or no suffix an optional one. A null key/value passes through
//! untouched. The partition and timestamp are inserted only when the record has them; the offset
//! exists only on sink records (`Record::offset` is `Some`), and asking for it on a source record
//! fails as Connect's `requireSinkRecord` does. Schemaless maps get the timestamp as epoch
//! milliseconds (INT64); structs get a `Timestamp` logical value. The new struct schema copies the
//! input's name, version, doc and parameters but, as in Connect, not its optionality.

use std::sync::Arc;

use crate::data::{Record, Schema, SchemaRef, Struct, Type, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::fields::{self, SchemaCache};
use super::{Target, Transform};

/// Field for the topic name (STRING).
pub const TOPIC_FIELD_CONFIG: &str = "topic.field";
/// Field for the Kafka partition (STRING).
pub const PARTITION_FIELD_CONFIG: &str = "partition.field";
/// Field for the Kafka offset, sink records only (STRING).
pub const OFFSET_FIELD_CONFIG: &str = "offset.field";
/// Field for the record timestamp (STRING).
pub const TIMESTAMP_FIELD_CONFIG: &str = "timestamp.field";
/// Field for the static value (STRING).
pub const STATIC_FIELD_CONFIG: &str = "static.field";
/// The static value (STRING).
pub const STATIC_VALUE_CONFIG: &str = "static.value";
/// Whether a null struct field reads as its schema default (BOOLEAN, default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "field insertion";

/// A field to insert: its name and whether the new schema makes it optional.
#[derive(Debug, Clone, PartialEq, Eq)]
struct InsertionSpec {
    name: String,
    optional: bool,
}

impl InsertionSpec {
    fn parse(spec: Option<&str>) -> Option<Self> {
        let spec = spec?;
        Some(if let Some(name) = spec.strip_suffix('?') {
            Self { name: name.to_owned(), optional: true }
        } else if let Some(name) = spec.strip_suffix('!') {
            Self { name: name.to_owned(), optional: false }
        } else {
            Self { name: spec.to_owned(), optional: true }
        })
    }

    fn schema(&self, required: &SchemaRef, optional: &SchemaRef) -> (String, SchemaRef) {
        (self.name.clone(), Arc::clone(if self.optional { optional } else { required }))
    }
}

/// The schemas of inserted fields, built once.
#[derive(Debug)]
struct FieldSchemas {
    string: SchemaRef,
    optional_string: SchemaRef,
    int32: SchemaRef,
    optional_int32: SchemaRef,
    int64: SchemaRef,
    optional_int64: SchemaRef,
    timestamp: SchemaRef,
    optional_timestamp: SchemaRef,
}

impl FieldSchemas {
    fn new() -> Self {
        let plain = |kind| Arc::new(Schema::new(kind));
        let optional = |kind| Arc::new(Schema::new(kind).optional());
        Self {
            string: plain(Type::String),
            optional_string: optional(Type::String),
            int32: plain(Type::Int32),
            optional_int32: optional(Type::Int32),
            int64: plain(Type::Int64),
            optional_int64: optional(Type::Int64),
            timestamp: Arc::new(Schema::timestamp()),
            optional_timestamp: Arc::new(Schema::timestamp().optional()),
        }
    }
}

/// A configured `InsertField`.
#[derive(Debug)]
pub struct InsertField {
    target: Target,
    topic: Option<InsertionSpec>,
    partition: Option<InsertionSpec>,
    offset: Option<InsertionSpec>,
    timestamp: Option<InsertionSpec>,
    /// The static field and its value (Connect refuses a static field without a value).
    static_field: Option<(InsertionSpec, String)>,
    replace_null_with_default: bool,
    field_schemas: FieldSchemas,
    schemas: SchemaCache<SchemaRef>,
}

impl InsertField {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// `No field insertion configured` when no field option is set, `No value specified for static
    /// field` when `static.field` lacks `static.value`, or a non-boolean `replace.null.with.default`.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let spec = |key| InsertionSpec::parse(fields::string(props, key));
        let topic = spec(TOPIC_FIELD_CONFIG);
        let partition = spec(PARTITION_FIELD_CONFIG);
        let offset = spec(OFFSET_FIELD_CONFIG);
        let timestamp = spec(TIMESTAMP_FIELD_CONFIG);
        let static_spec = spec(STATIC_FIELD_CONFIG);
        let static_value = fields::string(props, STATIC_VALUE_CONFIG);
        let replace_null_with_default = config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        if topic.is_none()
            && partition.is_none()
            && offset.is_none()
            && timestamp.is_none()
            && static_spec.is_none()
        {
            return Err(TransformError::config(TOPIC_FIELD_CONFIG, "No field insertion configured"));
        }
        let static_field = match (static_spec, static_value) {
            (Some(spec), Some(value)) => Some((spec, value.to_owned())),
            (Some(spec), None) => {
                // Connect prints its InsertionSpec object here (a class name and hash); the field
                // name says the same thing usefully.
                return Err(TransformError::invalid(
                    STATIC_VALUE_CONFIG,
                    "null",
                    format!("No value specified for static field: {}", spec.name),
                ));
            }
            (None, _) => None,
        };
        Ok(Self {
            target,
            topic,
            partition,
            offset,
            timestamp,
            static_field,
            replace_null_with_default,
            field_schemas: FieldSchemas::new(),
            schemas: SchemaCache::default(),
        })
    }

    /// The offset to insert: Connect's `requireSinkRecord(record, "field insertion").kafkaOffset()`.
    fn sink_offset(record: &Record) -> Result<i64, TransformError> {
        record.offset.ok_or_else(|| {
            TransformError::data(format!(
                "Only SinkRecord supported for [{PURPOSE}], found: org.apache.kafka.connect.source.SourceRecord"
            ))
        })
    }

    /// The metadata values to insert, in Connect's order, as (field, value) pairs; absent ones are
    /// `None`. An array, not a `Vec`: this runs once per record and should not allocate.
    fn insertions(
        &self,
        record: &Record,
        timestamp: impl Fn(i64) -> Value,
    ) -> Result<[Option<(&InsertionSpec, Value)>; 5], TransformError> {
        let offset = match &self.offset {
            Some(spec) => Some((spec, Value::Int64(Self::sink_offset(record)?))),
            None => None,
        };
        Ok([
            self.topic.as_ref().map(|spec| (spec, Value::String(record.topic.clone()))),
            self.partition.as_ref().zip(record.partition).map(|(spec, p)| (spec, Value::Int32(p))),
            offset,
            self.timestamp.as_ref().zip(record.timestamp).map(|(spec, ts)| (spec, timestamp(ts))),
            self.static_field.as_ref().map(|(spec, value)| (spec, Value::String(value.clone()))),
        ])
    }

    fn updated_schema(&self, input: &Schema) -> Result<SchemaRef, TransformError> {
        let s = &self.field_schemas;
        let mut all: Vec<(String, SchemaRef)> =
            input.fields.iter().map(|f| (f.name.clone(), Arc::clone(&f.schema))).collect();
        if let Some(spec) = &self.topic {
            all.push(spec.schema(&s.string, &s.optional_string));
        }
        if let Some(spec) = &self.partition {
            all.push(spec.schema(&s.int32, &s.optional_int32));
        }
        if let Some(spec) = &self.offset {
            all.push(spec.schema(&s.int64, &s.optional_int64));
        }
        if let Some(spec) = &self.timestamp {
            all.push(spec.schema(&s.timestamp, &s.optional_timestamp));
        }
        if let Some((spec, _)) = &self.static_field {
            all.push(spec.schema(&s.string, &s.optional_string));
        }
        Ok(Arc::new(fields::struct_schema(Some(input), all)?))
    }
}

impl Transform for InsertField {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        let (schema_slot, value_slot) = fields::operand(&mut record, self.target);
        if value_slot.is_null() {
            return Ok(Some(record));
        }
        let schemaless = schema_slot.is_none();
        let value = std::mem::take(value_slot);
        // Connect checks the value's shape before it reads the record's metadata (the offset
        // check can fail too), so the shape error wins when both would.
        let updated = if schemaless {
            let mut entries = fields::require_map(value, PURPOSE)?;
            for (spec, value) in self.insertions(&record, Value::Int64)?.into_iter().flatten() {
                fields::map_put(&mut entries, &spec.name, value);
            }
            (None, Value::Map(entries))
        } else {
            let Struct { schema: input, mut values } = fields::require_struct(value, PURPOSE)?;
            let schema = self.schemas.get_or_try_insert(&input, || self.updated_schema(&input))?;
            // The new schema starts with the input's fields, at the same indexes.
            values.truncate(input.fields.len());
            values.resize(schema.fields.len(), Value::Null);
            fields::put_fields(&mut values, &input.fields, self.replace_null_with_default, |_, v| Ok(v))?;
            for (spec, value) in self.insertions(&record, Value::Timestamp)?.into_iter().flatten() {
                // The schema has every configured field, so the lookup cannot miss.
                if let Some(field) = schema.field(&spec.name) {
                    values[field.index] = value;
                }
            }
            (Some(Arc::clone(&schema)), Value::Struct(Struct { schema, values }))
        };
        let (schema_slot, value_slot) = fields::operand(&mut record, self.target);
        (*schema_slot, *value_slot) = updated;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::test_support::{props, s};

    /// The configuration every InsertFieldTest case uses.
    fn standard() -> Props {
        props(&[
            ("topic.field", "topic_field!"),
            ("partition.field", "partition_field"),
            ("timestamp.field", "timestamp_field?"),
            ("static.field", "instance_id"),
            ("static.value", "my-instance-id"),
        ])
    }

    /// A source record (no offset) as InsertFieldTest builds them.
    fn source(value_schema: Option<SchemaRef>, value: Value, timestamp: Option<i64>) -> Record {
        Record {
            topic: "test".into(),
            partition: Some(0),
            timestamp,
            value_schema,
            value,
            ..Record::default()
        }
    }

    fn named_struct(field: Schema) -> SchemaRef {
        let mut schema = Schema::structure([("magic".to_owned(), Arc::new(field))]).named("name");
        schema.version = Some(1);
        schema.doc = Some("doc".into());
        Arc::new(schema)
    }

    #[test]
    fn top_level_struct_required() {
        let xform = InsertField::new(Target::Value, &props(&[("topic.field", "topic_field")])).unwrap();
        let err = xform
            .apply(source(Some(Arc::new(Schema::new(Type::Int32))), Value::Int32(42), None))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Struct objects supported for [field insertion], found: java.lang.Integer"
        );
    }

    #[test]
    fn copy_schema_and_insert_configured_fields() {
        let xform = InsertField::new(Target::Value, &standard()).unwrap();
        let input = named_struct(Schema::new(Type::Int64).optional());
        let value = Value::Struct(Struct { schema: input.clone(), values: vec![Value::Int64(42)] });
        let out = xform.apply(source(Some(input.clone()), value, Some(789))).unwrap().unwrap();
        let schema = out.value_schema.clone().unwrap();
        assert_eq!(
            (schema.name.as_deref(), schema.version, schema.doc.as_deref()),
            (Some("name"), Some(1), Some("doc"))
        );
        let field = |name: &str| schema.field(name).unwrap().schema.as_ref().clone();
        assert_eq!(field("magic"), Schema::new(Type::Int64).optional());
        assert_eq!(field("topic_field"), Schema::new(Type::String));
        assert_eq!(field("partition_field"), Schema::new(Type::Int32).optional());
        assert_eq!(field("timestamp_field"), Schema::timestamp().optional());
        assert_eq!(field("instance_id"), Schema::new(Type::String).optional());
        let Value::Struct(updated) = &out.value else { panic!() };
        assert_eq!(
            updated.values,
            [Value::Int64(42), s("test"), Value::Int32(0), Value::Timestamp(789), s("my-instance-id")]
        );
        // Exercise caching: the same input schema yields the same output schema object.
        let again = xform
            .apply(source(Some(input.clone()), Value::Struct(Struct::new(input)), None))
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(again.value_schema.as_ref().unwrap(), &schema));
        let Value::Struct(updated) = &again.value else { panic!() };
        // No timestamp on the record: the field stays null.
        assert_eq!(updated.get("timestamp_field"), Some(&Value::Null));
    }

    #[test]
    fn schemaless_insert_configured_fields() {
        let xform = InsertField::new(Target::Value, &standard()).unwrap();
        let out = xform
            .apply(source(None, Value::Map(vec![(s("magic"), Value::Int64(42))]), Some(123)))
            .unwrap()
            .unwrap();
        assert_eq!(
            out.value,
            Value::Map(vec![
                (s("magic"), Value::Int64(42)),
                (s("topic_field"), s("test")),
                (s("partition_field"), Value::Int32(0)),
                (s("timestamp_field"), Value::Int64(123)),
                (s("instance_id"), s("my-instance-id")),
            ])
        );
        assert_eq!(out.value_schema, None);
    }

    #[test]
    fn tombstones_leave_the_value_unchanged() {
        let xform = InsertField::new(Target::Value, &standard()).unwrap();
        let out = xform.apply(source(None, Value::Null, None)).unwrap().unwrap();
        assert_eq!((out.value_schema, out.value), (None, Value::Null));
        let input = named_struct(Schema::new(Type::Int64).optional());
        let out = xform.apply(source(Some(input.clone()), Value::Null, None)).unwrap().unwrap();
        assert!(Arc::ptr_eq(out.value_schema.as_ref().unwrap(), &input));
        assert_eq!(out.value, Value::Null);
    }

    #[test]
    fn insert_key_fields_into_tombstone_event() {
        let xform = InsertField::new(Target::Key, &standard()).unwrap();
        let record = Record {
            key: Value::Map(vec![(s("magic"), Value::Int64(42))]),
            ..source(None, Value::Null, None)
        };
        let out = xform.apply(record).unwrap().unwrap();
        assert_eq!(
            out.key,
            Value::Map(vec![
                (s("magic"), Value::Int64(42)),
                (s("topic_field"), s("test")),
                (s("partition_field"), Value::Int32(0)),
                (s("instance_id"), s("my-instance-id")),
            ])
        );
        assert_eq!(out.value, Value::Null);
    }

    #[test]
    fn insert_into_null_key_leaves_record_unchanged() {
        let xform = InsertField::new(Target::Key, &standard()).unwrap();
        let record = source(None, Value::Map(vec![(s("magic"), Value::Int64(42))]), None);
        assert_eq!(xform.apply(record.clone()).unwrap(), Some(record));
    }

    #[test]
    fn unset_optional_field_follows_replace_null_with_default() {
        let mut with_default = Schema::new(Type::Int64).optional();
        with_default.default = Some(Value::Int64(42));
        let field_schema = with_default.clone();
        let mut input =
            Schema::structure([("magic_with_default".to_owned(), Arc::new(with_default))]).named("name");
        input.version = Some(1);
        let input = Arc::new(input);
        for (flag, expected) in [("false", Value::Null), ("true", Value::Int64(42))] {
            let mut p = standard();
            p.insert("replace.null.with.default".into(), flag.into());
            let xform = InsertField::new(Target::Value, &p).unwrap();
            let out = xform
                .apply(source(Some(input.clone()), Value::Struct(Struct::new(input.clone())), Some(789)))
                .unwrap()
                .unwrap();
            let schema = out.value_schema.unwrap();
            assert_eq!(schema.field("magic_with_default").unwrap().schema.as_ref(), &field_schema);
            let Value::Struct(updated) = out.value else { panic!() };
            assert_eq!(updated.get("magic_with_default"), Some(&expected));
        }
    }

    #[test]
    fn offsets_only_on_sink_records() {
        let xform = InsertField::new(Target::Value, &props(&[("offset.field", "off")])).unwrap();
        let err = xform.apply(source(None, Value::Map(vec![]), None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord"
        );
        let sink = Record { offset: Some(77), ..source(None, Value::Map(vec![]), None) };
        let out = xform.apply(sink).unwrap().unwrap();
        assert_eq!(out.value, Value::Map(vec![(s("off"), Value::Int64(77))]));
    }

    #[test]
    fn shape_errors_come_before_the_offset_check() {
        let xform = InsertField::new(Target::Value, &props(&[("offset.field", "off")])).unwrap();
        let err = xform.apply(source(None, Value::Int32(1), None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Map objects supported in absence of schema for [field insertion], found: java.lang.Integer"
        );
    }

    #[test]
    fn config_errors() {
        let err = InsertField::new(Target::Value, &props(&[])).unwrap_err();
        assert_eq!(err.to_string(), "No field insertion configured");
        let err = InsertField::new(Target::Value, &props(&[("static.field", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value null for configuration static.value: No value specified for static field: x"
        );
    }

    #[test]
    fn optional_input_structs_become_required() {
        // Verified against Connect 4.3.1: copySchemaBasics does not copy optionality.
        let xform = InsertField::new(Target::Value, &props(&[("topic.field", "tf")])).unwrap();
        let input = Arc::new(
            Schema::structure([("a".to_owned(), Arc::new(Schema::new(Type::Int32)))]).optional().named("n"),
        );
        let value = Value::Struct(Struct { schema: input.clone(), values: vec![Value::Int32(1)] });
        let out = xform.apply(source(Some(input), value, None)).unwrap().unwrap();
        let schema = out.value_schema.unwrap();
        assert!(!schema.optional);
        assert_eq!(schema.name.as_deref(), Some("n"));
    }

    #[test]
    fn inserting_an_existing_field_name_fails_like_schema_builder() {
        let xform = InsertField::new(Target::Value, &props(&[("topic.field", "magic")])).unwrap();
        let input = named_struct(Schema::new(Type::Int64));
        let err = xform.apply(source(
            Some(input.clone()),
            Value::Struct(Struct { schema: input, values: vec![Value::Int64(1)] }),
            None,
        ));
        assert_eq!(
            err.unwrap_err().to_string(),
            "Cannot create field because of field name duplication magic"
        );
    }
}
