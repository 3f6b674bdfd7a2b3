//! Connect schemas (`org.apache.kafka.connect.data.ConnectSchema`) and the logical type names.

use std::fmt;
use std::sync::Arc;

use super::value::Value;

/// Schemas are immutable and shared between records, as Connect shares schema objects.
pub type SchemaRef = Arc<Schema>;

/// Connect's `Schema.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}

impl Type {
    /// Connect's upper-case name (`Schema.Type.name()`), used in error messages.
    pub fn connect_name(self) -> &'static str {
        match self {
            Self::Int8 => "INT8",
            Self::Int16 => "INT16",
            Self::Int32 => "INT32",
            Self::Int64 => "INT64",
            Self::Float32 => "FLOAT32",
            Self::Float64 => "FLOAT64",
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Bytes => "BYTES",
            Self::Array => "ARRAY",
            Self::Map => "MAP",
            Self::Struct => "STRUCT",
        }
    }

    /// The lower-case name (`Schema.Type.getName()`); Cast's `spec` uses these.
    pub fn lower_name(self) -> &'static str {
        match self {
            Self::Int8 => "int8",
            Self::Int16 => "int16",
            Self::Int32 => "int32",
            Self::Int64 => "int64",
            Self::Float32 => "float32",
            Self::Float64 => "float64",
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Bytes => "bytes",
            Self::Array => "array",
            Self::Map => "map",
            Self::Struct => "struct",
        }
    }

    /// Whether values of this type are primitives (not array, map or struct).
    pub fn is_primitive(self) -> bool {
        !matches!(self, Self::Array | Self::Map | Self::Struct)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.connect_name())
    }
}

/// Names and parameters of Connect's logical types.
pub mod logical {
    /// `org.apache.kafka.connect.data.Decimal`: bytes holding a big-endian two's-complement unscaled value.
    pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
    /// The Decimal schema parameter holding the scale.
    pub const DECIMAL_SCALE: &str = "scale";
    /// `org.apache.kafka.connect.data.Date`: int32 days since the epoch.
    pub const DATE: &str = "org.apache.kafka.connect.data.Date";
    /// `org.apache.kafka.connect.data.Time`: int32 milliseconds since midnight.
    pub const TIME: &str = "org.apache.kafka.connect.data.Time";
    /// `org.apache.kafka.connect.data.Timestamp`: int64 milliseconds since the epoch.
    pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";
}

/// A field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub index: usize,
    pub schema: SchemaRef,
}

/// A Connect schema. Fields that do not apply to `kind` stay empty/`None`.
///
/// `parameters` keeps insertion order, as Connect's `SchemaBuilder` uses a `LinkedHashMap` and
/// the JSON converter writes them in that order.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub kind: Type,
    pub optional: bool,
    pub default: Option<Value>,
    pub name: Option<String>,
    pub version: Option<i32>,
    pub doc: Option<String>,
    pub parameters: Option<Vec<(String, String)>>,
    /// Struct fields, in order.
    pub fields: Vec<Field>,
    /// Map key schema.
    pub key_schema: Option<SchemaRef>,
    /// Map value schema, or array element schema.
    pub value_schema: Option<SchemaRef>,
}

impl Schema {
    /// A bare schema of `kind`: required, no name, no default.
    pub fn new(kind: Type) -> Self {
        Self {
            kind,
            optional: false,
            default: None,
            name: None,
            version: None,
            doc: None,
            parameters: None,
            fields: Vec::new(),
            key_schema: None,
            value_schema: None,
        }
    }

    /// An array schema of `items`.
    pub fn array(items: SchemaRef) -> Self {
        Self { value_schema: Some(items), ..Self::new(Type::Array) }
    }

    /// A map schema from `keys` to `values`.
    pub fn map(keys: SchemaRef, values: SchemaRef) -> Self {
        Self { key_schema: Some(keys), value_schema: Some(values), ..Self::new(Type::Map) }
    }

    /// A struct schema with `fields` given as (name, schema) pairs, indexed in order.
    pub fn structure(fields: impl IntoIterator<Item = (String, SchemaRef)>) -> Self {
        let fields = fields
            .into_iter()
            .enumerate()
            .map(|(index, (name, schema))| Field { name, index, schema })
            .collect();
        Self { fields, ..Self::new(Type::Struct) }
    }

    /// Builder-style: mark optional.
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Builder-style: set the name.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Connect's `Decimal.schema(scale)` (version 1, parameter `scale`).
    pub fn decimal(scale: i32) -> Self {
        Self {
            name: Some(logical::DECIMAL.to_owned()),
            version: Some(1),
            parameters: Some(vec![(logical::DECIMAL_SCALE.to_owned(), scale.to_string())]),
            ..Self::new(Type::Bytes)
        }
    }

    /// Connect's `Date.SCHEMA`.
    pub fn date() -> Self {
        Self { name: Some(logical::DATE.to_owned()), version: Some(1), ..Self::new(Type::Int32) }
    }

    /// Connect's `Time.SCHEMA`.
    pub fn time() -> Self {
        Self { name: Some(logical::TIME.to_owned()), version: Some(1), ..Self::new(Type::Int32) }
    }

    /// Connect's `Timestamp.SCHEMA`.
    pub fn timestamp() -> Self {
        Self { name: Some(logical::TIMESTAMP.to_owned()), version: Some(1), ..Self::new(Type::Int64) }
    }

    /// The field called `name`, if this is a struct schema that has one.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A schema parameter by key.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters.as_ref()?.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The logical type name when `name` is one of Connect's four logical types.
    pub fn logical_name(&self) -> Option<&'static str> {
        match self.name.as_deref()? {
            logical::DECIMAL if self.kind == Type::Bytes => Some(logical::DECIMAL),
            logical::DATE if self.kind == Type::Int32 => Some(logical::DATE),
            logical::TIME if self.kind == Type::Int32 => Some(logical::TIME),
            logical::TIMESTAMP if self.kind == Type::Int64 => Some(logical::TIMESTAMP),
            _ => None,
        }
    }

    /// The scale of a Decimal schema (`None` when absent or not an integer).
    pub fn decimal_scale(&self) -> Option<i32> {
        self.parameter(logical::DECIMAL_SCALE)?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_names_need_the_right_physical_type() {
        assert_eq!(Schema::decimal(2).logical_name(), Some(logical::DECIMAL));
        assert_eq!(Schema::decimal(2).decimal_scale(), Some(2));
        assert_eq!(Schema::timestamp().logical_name(), Some(logical::TIMESTAMP));
        let wrong = Schema::new(Type::String).named(logical::DATE);
        assert_eq!(wrong.logical_name(), None);
    }

    #[test]
    fn struct_fields_are_indexed_in_order() {
        let s = Schema::structure([
            ("id".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ("name".to_owned(), Arc::new(Schema::new(Type::String).optional())),
        ]);
        assert_eq!(s.field("name").map(|f| f.index), Some(1));
        assert!(s.field("missing").is_none());
    }
}
