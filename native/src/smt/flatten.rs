//! `Flatten`: lift the fields of nested structs (or nested maps) to the top level.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.Flatten` (`$Key`/`$Value`). A nested
//! field `b` of `a` becomes `a<delimiter>b`. With a schema, a field becomes optional when any
//! ancestor struct is optional and takes its default from its own schema or else from the
//! ancestors' default struct; the new top-level schema keeps the name, version, doc and
//! parameters but not the optionality or default; MAP fields are rejected; arrays and
//! primitives are copied as they are. Schemaless, nested maps are flattened into a map that
//! keeps first-insertion order (a `LinkedHashMap` in Java), and a later duplicate name
//! overwrites the earlier value in place. Null keys/values pass through.

use std::collections::HashMap;
use std::sync::Arc;

use crate::data::{Field, Record, Schema, SchemaRef, Struct, Type, Value};
use crate::errors::TransformError;
use crate::smt::config::{self, Props};
use crate::smt::fields::{self, SchemaCache};
use crate::smt::{Target, Transform};

/// Config key of the separator between parent and child field names.
pub const DELIMITER_CONFIG: &str = "delimiter";
/// Default delimiter.
pub const DELIMITER_DEFAULT: &str = ".";

const PURPOSE: &str = "flattening";

/// A configured `Flatten$Key` or `Flatten$Value`.
#[derive(Debug)]
pub struct Flatten {
    target: Target,
    delimiter: String,
    cache: SchemaCache<SchemaRef>,
}

impl Flatten {
    /// Builds the transform from its configuration (`delimiter`, default `.`).
    ///
    /// # Errors
    /// None today; the signature matches the other transforms.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        Ok(Self {
            target,
            delimiter: config::optional(props, DELIMITER_CONFIG).unwrap_or(DELIMITER_DEFAULT).to_owned(),
            cache: SchemaCache::new(),
        })
    }

    fn field_name(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}{}{name}", self.delimiter)
        }
    }

    fn apply_schemaless(&self, value: Value) -> Result<Value, TransformError> {
        let entries = fields::require_map(value, PURPOSE)?;
        let mut out = FlatMap::default();
        self.flatten_map(entries, "", &mut out)?;
        Ok(Value::Map(out.entries))
    }

    fn flatten_map(
        &self,
        entries: Vec<(Value, Value)>,
        prefix: &str,
        out: &mut FlatMap,
    ) -> Result<(), TransformError> {
        for (key, value) in entries {
            let Value::String(key) = key else {
                // Java would fail casting the key to String (ClassCastException).
                return Err(TransformError::data(format!(
                    "Flatten transformation requires string map keys, found: {}",
                    key.java_class()
                )));
            };
            let name = self.field_name(prefix, &key);
            match value {
                Value::Map(nested) => self.flatten_map(nested, &name, out)?,
                Value::Null
                | Value::Boolean(_)
                | Value::Int8(_)
                | Value::Int16(_)
                | Value::Int32(_)
                | Value::Int64(_)
                | Value::Float32(_)
                | Value::Float64(_)
                | Value::String(_)
                | Value::Bytes(_)
                | Value::Array(_) => out.put(name, value),
                Value::Struct(_) => {
                    return Err(TransformError::data(format!(
                        "Flatten transformation does not support class {} for record without schemas (for field {name}).",
                        value.java_class()
                    )))
                }
                Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
                    return Err(TransformError::data(format!(
                        "Flatten transformation was passed a value of type class {} which is not supported by Connect's data API",
                        value.java_class()
                    )))
                }
            }
        }
        Ok(())
    }

    /// `Flatten.applyWithSchema`'s schema part.
    fn build_schema(&self, schema: &Schema) -> Result<SchemaRef, TransformError> {
        let default = match &schema.default {
            Some(Value::Struct(s)) => Some(s),
            _ => None,
        };
        let mut flattened = Vec::new();
        self.flatten_schema(schema, "", schema.optional, default, &mut flattened)?;
        Ok(Arc::new(fields::struct_schema(Some(schema), flattened)?))
    }

    fn flatten_schema(
        &self,
        schema: &Schema,
        prefix: &str,
        optional: bool,
        default_from_parent: Option<&Struct>,
        out: &mut Vec<(String, SchemaRef)>,
    ) -> Result<(), TransformError> {
        for field in &schema.fields {
            let name = self.field_name(prefix, &field.name);
            let field_optional = optional || field.schema.optional;
            let default = field
                .schema
                .default
                .as_ref()
                .or_else(|| default_from_parent.map(|parent| struct_get(parent, field)))
                .filter(|v| !v.is_null());
            match field.schema.kind {
                Type::Struct => {
                    let nested_default = match default {
                        Some(Value::Struct(s)) => Some(s),
                        _ => None,
                    };
                    self.flatten_schema(&field.schema, &name, field_optional, nested_default, out)?;
                }
                Type::Map => return Err(unsupported_with_schema(Type::Map, &name)),
                _ => {
                    let unchanged =
                        field.schema.optional == field_optional && field.schema.default.as_ref() == default;
                    let converted = if unchanged {
                        Arc::clone(&field.schema)
                    } else {
                        // SchemaUtil.copySchemaBasics(orig): type, element schema for arrays,
                        // name, version, doc, parameters; then optional/default as computed.
                        let mut copy = fields::copy_basics(&field.schema, Schema::new(field.schema.kind));
                        copy.key_schema.clone_from(&field.schema.key_schema);
                        copy.value_schema.clone_from(&field.schema.value_schema);
                        copy.optional = field_optional;
                        copy.default = default.cloned();
                        Arc::new(copy)
                    };
                    out.push((name, converted));
                }
            }
        }
        Ok(())
    }

    fn apply_with_schema(
        &self,
        schema: &SchemaRef,
        value: Value,
    ) -> Result<(SchemaRef, Value), TransformError> {
        let value = fields::require_struct(value, PURPOSE)?;
        let updated = self.cache.get_or_build(schema, || self.build_schema(schema))?;
        let mut out = Struct::new(Arc::clone(&updated));
        let mut next = 0;
        Self::flatten_values(value, &updated, &mut next, &mut out)?;
        Ok((updated, Value::Struct(out)))
    }

    /// Copies leaf values in schema order; `next` walks the flattened fields alongside.
    fn flatten_values(
        value: Struct,
        updated: &Schema,
        next: &mut usize,
        out: &mut Struct,
    ) -> Result<(), TransformError> {
        let Struct { schema, values } = value;
        for (field, field_value) in schema.fields.iter().zip(values) {
            // Struct.get: a null field reads as its schema default.
            let field_value = fields::or_default(field_value, field, true);
            match field.schema.kind {
                Type::Struct => match field_value {
                    Value::Struct(nested) => Self::flatten_values(nested, updated, next, out)?,
                    // A null nested struct leaves its flattened fields null (they are optional).
                    _ => *next += count_leaves(&field.schema),
                },
                Type::Map => return Err(unsupported_with_schema(Type::Map, &field.name)),
                _ => {
                    let target =
                        updated.fields.get(*next).ok_or_else(|| fields::unknown_field(&field.name))?;
                    fields::check_put(&target.name, &target.schema, &field_value)?;
                    out.values[*next] = field_value;
                    *next += 1;
                }
            }
        }
        Ok(())
    }
}

impl Transform for Flatten {
    fn apply(&self, record: Record) -> Result<Option<Record>, TransformError> {
        fields::rewrite_operand(
            record,
            self.target,
            |value| self.apply_schemaless(value),
            |schema, value| self.apply_with_schema(schema, value),
        )
    }
}

/// `Struct.get(field)`: the value, or the field's default when the value is null.
fn struct_get<'a>(s: &'a Struct, field: &'a Field) -> &'a Value {
    match s.get(&field.name) {
        Some(Value::Null) | None => field.schema.default.as_ref().unwrap_or(&Value::Null),
        Some(v) => v,
    }
}

/// How many flattened fields a struct schema produces.
fn count_leaves(schema: &Schema) -> usize {
    schema
        .fields
        .iter()
        .map(|f| if f.schema.kind == Type::Struct { count_leaves(&f.schema) } else { 1 })
        .sum()
}

fn unsupported_with_schema(kind: Type, name: &str) -> TransformError {
    TransformError::data(format!(
        "Flatten transformation does not support {kind} for record with schemas (for field {name})."
    ))
}

/// A map that keeps first-insertion order and overwrites duplicates in place (`LinkedHashMap.put`).
#[derive(Default)]
struct FlatMap {
    entries: Vec<(Value, Value)>,
    index: HashMap<String, usize>,
}

impl FlatMap {
    fn put(&mut self, key: String, value: Value) {
        if let Some(&i) = self.index.get(&key) {
            self.entries[i].1 = value;
        } else {
            self.index.insert(key.clone(), self.entries.len());
            self.entries.push((Value::String(key), value));
        }
    }
}

#[cfg(test)]
mod tests;
