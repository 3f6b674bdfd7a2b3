//! The header SMTs: `DropHeaders`, `InsertHeader` and `HeaderFrom$Key` / `HeaderFrom$Value`.
//!
//! Connect compat:
//! * `org.apache.kafka.connect.transforms.DropHeaders` removes every header whose key is listed and
//!   keeps the others in order.
//! * `org.apache.kafka.connect.transforms.InsertHeader` appends one header whose schema and value
//!   are `Values.parseString(value.literal)`, computed once at configuration (see `literal.rs` for
//!   the inference and what it does not cover); the literal `null` appends a header with neither.
//! * `org.apache.kafka.connect.transforms.HeaderFrom` appends, for the i-th pair, header
//!   `headers[i]` with the value of field `fields[i]` (schemaless: no header schema; struct: the
//!   field's schema, and a null value needs it to be optional), after the existing headers. `move`
//!   also removes the fields (a new struct schema without them, name/version/doc/parameters
//!   copied); `copy` leaves the key/value as it is. There is no tombstone check.

use std::sync::Arc;

use crate::data::{Header, Record, Schema, SchemaRef, Struct, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::fields::{self, SchemaCache};
use super::literal::{self, Parsed};
use super::{Target, Transform};

/// DropHeaders: names of the headers to remove (LIST, required, non-empty).
pub const HEADERS_CONFIG: &str = "headers";
/// InsertHeader: name of the header to add (STRING, required).
pub const HEADER_CONFIG: &str = "header";
/// InsertHeader: the header value, parsed as Connect's `Values.parseString` (STRING, required).
pub const VALUE_LITERAL_CONFIG: &str = "value.literal";
/// HeaderFrom: fields to copy or move into headers (LIST, required, non-empty).
pub const FIELDS_CONFIG: &str = "fields";
/// HeaderFrom: `move` or `copy` (STRING, required).
pub const OPERATION_CONFIG: &str = "operation";
/// HeaderFrom: whether a null struct field reads as its schema default (BOOLEAN, default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

/// A configured `DropHeaders`.
#[derive(Debug)]
pub struct DropHeaders {
    headers: Vec<String>,
}

impl DropHeaders {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// A missing or empty `headers` list, or a blank item in it.
    pub fn new(props: &Props) -> Result<Self, TransformError> {
        Ok(Self { headers: fields::unique_list(props, HEADERS_CONFIG, true, false)? })
    }
}

impl Transform for DropHeaders {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        record.headers.retain(|h| !self.headers.contains(&h.key));
        Ok(Some(record))
    }
}

/// A configured `InsertHeader`.
#[derive(Debug)]
pub struct InsertHeader {
    header: Header,
}

impl InsertHeader {
    /// Builds the transform from its configuration, parsing `value.literal` once.
    ///
    /// # Errors
    /// A missing `header` or `value.literal`, or a literal whose Java value this data model cannot
    /// hold (a collection mixing Date, Time and Timestamp values).
    pub fn new(props: &Props) -> Result<Self, TransformError> {
        let key = fields::required_string(props, HEADER_CONFIG)?.to_owned();
        let literal = fields::required_string(props, VALUE_LITERAL_CONFIG)?;
        let (schema, value) = match literal::parse_string(literal) {
            Parsed::Null => (None, Value::Null),
            Parsed::Value(schema, value) => (Some(schema), value),
            Parsed::Unsupported => return Err(TransformError::invalid(
                VALUE_LITERAL_CONFIG,
                literal,
                "kconnect cannot represent this literal natively: it mixes Date, Time and Timestamp values",
            )),
        };
        Ok(Self { header: Header { key, schema, value } })
    }
}

impl Transform for InsertHeader {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        record.headers.push(self.header.clone());
        Ok(Some(record))
    }
}

/// HeaderFrom's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Move,
    Copy,
}

impl Operation {
    /// The purpose in Connect's messages: `header move` / `header copy`.
    fn purpose(self) -> &'static str {
        match self {
            Self::Move => "header move",
            Self::Copy => "header copy",
        }
    }
}

/// A configured `HeaderFrom`.
#[derive(Debug)]
pub struct HeaderFrom {
    target: Target,
    fields: Vec<String>,
    headers: Vec<String>,
    operation: Operation,
    replace_null_with_default: bool,
    move_schemas: SchemaCache<SchemaRef>,
}

impl HeaderFrom {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// Missing or empty `fields`/`headers` lists, lists of different lengths, an `operation` other
    /// than `move`/`copy`, or a non-boolean `replace.null.with.default`.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let fields = config::required_non_empty_list(props, FIELDS_CONFIG)?;
        let headers = config::required_non_empty_list(props, HEADERS_CONFIG)?;
        let operation = match fields::required_string(props, OPERATION_CONFIG)? {
            "move" => Operation::Move,
            "copy" => Operation::Copy,
            other => {
                return Err(TransformError::invalid(
                    OPERATION_CONFIG,
                    other,
                    "String must be one of: move, copy",
                ))
            }
        };
        let replace_null_with_default = config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        if fields.len() != headers.len() {
            return Err(TransformError::config(
                HEADERS_CONFIG,
                "'fields' config must have the same number of elements as 'headers' config.",
            ));
        }
        Ok(Self {
            target,
            fields,
            headers,
            operation,
            replace_null_with_default,
            move_schemas: SchemaCache::default(),
        })
    }

    fn move_schema(&self, schema: &Schema) -> Result<SchemaRef, TransformError> {
        let kept = schema.fields.iter().filter(|f| !self.fields.contains(&f.name));
        let built =
            fields::struct_schema(Some(schema), kept.map(|f| (f.name.clone(), Arc::clone(&f.schema))))?;
        Ok(Arc::new(built))
    }

    fn apply_schemaless(&self, value: Value, headers: &mut Vec<Header>) -> Result<Value, TransformError> {
        let mut entries = fields::require_map(value, self.operation.purpose())?;
        let mut added = Vec::with_capacity(self.fields.len());
        for (field, header) in self.fields.iter().zip(&self.headers) {
            added.push(Header { key: header.clone(), schema: None, value: fields::map_get(&entries, field) });
        }
        if self.operation == Operation::Move {
            entries.retain(|(k, _)| !self.fields.iter().any(|f| fields::is_key(k, f)));
        }
        headers.extend(added);
        Ok(Value::Map(entries))
    }

    fn apply_with_schema(
        &self,
        schema: &SchemaRef,
        value: Value,
        headers: &mut Vec<Header>,
    ) -> Result<(SchemaRef, Value), TransformError> {
        let value = fields::require_struct(value, self.operation.purpose())?;
        // Connect builds the moved struct before it adds the headers; keep its error order.
        let moved = match self.operation {
            Operation::Copy => None,
            Operation::Move => {
                let updated = self.move_schemas.get_or_try_insert(schema, || self.move_schema(schema))?;
                let mut values = Vec::with_capacity(updated.fields.len());
                for field in &updated.fields {
                    // `value.get(field.name())`: looked up by name in the original struct.
                    let original =
                        value.schema.field(&field.name).ok_or_else(|| fields::unknown_field(&field.name))?;
                    let v = fields::field_value(&value.values, original, self.replace_null_with_default);
                    fields::check_put(&field.name, &field.schema, &v)?;
                    values.push(v);
                }
                Some(Struct { schema: updated, values })
            }
        };
        for (name, header) in self.fields.iter().zip(&self.headers) {
            let field_value = value.schema.field(name).map_or(Value::Null, |f| {
                fields::field_value(&value.values, f, self.replace_null_with_default)
            });
            // Connect dereferences `operatingSchema.field(name)` without a check (a
            // NullPointerException); name the missing field instead, in ValueToKey's words.
            let field_schema = schema
                .field(name)
                .map(|f| Arc::clone(&f.schema))
                .ok_or_else(|| TransformError::data(format!("Field does not exist: {name}")))?;
            if field_value.is_null() && !field_schema.optional {
                return Err(TransformError::data(format!(
                    "A null value requires an optional schema but was {}",
                    schema_text(&field_schema)
                )));
            }
            headers.push(Header { key: header.clone(), schema: Some(field_schema), value: field_value });
        }
        Ok(match moved {
            None => (Arc::clone(schema), Value::Struct(value)),
            Some(moved) => (Arc::clone(&moved.schema), Value::Struct(moved)),
        })
    }
}

/// `ConnectSchema.toString()`: `Schema{NAME:TYPE}` or `Schema{TYPE}`.
fn schema_text(schema: &Schema) -> String {
    match &schema.name {
        Some(name) => format!("Schema{{{name}:{}}}", schema.kind),
        None => format!("Schema{{{}}}", schema.kind),
    }
}

impl Transform for HeaderFrom {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        let mut headers = std::mem::take(&mut record.headers);
        let (schema_slot, value_slot) = fields::operand(&mut record, self.target);
        let value = std::mem::take(value_slot);
        match schema_slot.clone() {
            None => *value_slot = self.apply_schemaless(value, &mut headers)?,
            Some(schema) => {
                let (schema, value) = self.apply_with_schema(&schema, value, &mut headers)?;
                *schema_slot = Some(schema);
                *value_slot = value;
            }
        }
        record.headers = headers;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests;
