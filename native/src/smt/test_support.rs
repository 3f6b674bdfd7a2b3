//! Helpers shared by the SMT unit tests: configuration maps, string values and the record shapes
//! Connect's own transform tests build.

use std::sync::Arc;

use crate::data::{Record, Schema, SchemaRef, Type, Value};

use super::config::Props;

/// A configuration from `(key, value)` pairs.
pub(crate) fn props(pairs: &[(&str, &str)]) -> Props {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// A STRING value.
pub(crate) fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// A required INT32 schema.
pub(crate) fn int32() -> SchemaRef {
    Arc::new(Schema::new(Type::Int32))
}

/// The record the Cast, Flatten and TimestampConverter tests build: topic `topic`, partition 0,
/// and `value` with `schema`.
pub(crate) fn value_record(schema: Option<Schema>, value: Value) -> Record {
    Record {
        topic: "topic".into(),
        partition: Some(0),
        value_schema: schema.map(Arc::new),
        value,
        ..Record::default()
    }
}

/// The sink record Connect's `$Key` tests build: topic `test`, partition 0, offset 0.
pub(crate) fn key_record(schema: Option<SchemaRef>, key: Value) -> Record {
    Record {
        topic: "test".into(),
        partition: Some(0),
        offset: Some(0),
        key_schema: schema,
        key,
        ..Record::default()
    }
}
