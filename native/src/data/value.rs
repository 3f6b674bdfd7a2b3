//! Connect values: what `Struct.get`, a schemaless `Map` or a converter's `toConnectData` hold.
//!
//! Logical types have their own variants because that is what Connect's runtime values are
//! (`BigDecimal`, `java.util.Date`), and transforms and converters treat them differently from
//! the underlying bytes/int32/int64. A schemaless value carrying one behaves as in Java: it has no
//! schema type of its own.

use super::schema::SchemaRef;

/// An arbitrary-precision decimal: Connect's `Decimal` logical value (Java `BigDecimal`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The unscaled value as big-endian two's-complement bytes, exactly Connect's wire form.
    pub unscaled: Vec<u8>,
    /// Digits after the decimal point (`value = unscaled × 10^-scale`).
    pub scale: i32,
}

/// A struct value: a schema and one value per field, in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub schema: SchemaRef,
    pub values: Vec<Value>,
}

impl Struct {
    /// A struct whose fields are all null (as `new Struct(schema)`).
    pub fn new(schema: SchemaRef) -> Self {
        let values = vec![Value::Null; schema.fields.len()];
        Self { schema, values }
    }

    /// The value of field `name`, or `None` when the schema has no such field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.schema.field(name).map(|f| &self.values[f.index])
    }
}

/// A Connect value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Boolean(bool),
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    String(String),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// Entries in insertion order; keys may be any value, as in Connect.
    Map(Vec<(Value, Value)>),
    Struct(Struct),
    /// `Decimal` logical value.
    Decimal(Decimal),
    /// `Date` logical value: days since 1970-01-01.
    Date(i32),
    /// `Time` logical value: milliseconds since midnight.
    Time(i32),
    /// `Timestamp` logical value: milliseconds since the epoch.
    Timestamp(i64),
}

impl Value {
    /// Whether this is `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The Java class Connect would report for this value in error messages.
    pub fn java_class(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Boolean(_) => "java.lang.Boolean",
            Self::Int8(_) => "java.lang.Byte",
            Self::Int16(_) => "java.lang.Short",
            Self::Int32(_) => "java.lang.Integer",
            Self::Int64(_) => "java.lang.Long",
            Self::Float32(_) => "java.lang.Float",
            Self::Float64(_) => "java.lang.Double",
            Self::String(_) => "java.lang.String",
            Self::Bytes(_) => "[B",
            Self::Array(_) => "java.util.ArrayList",
            Self::Map(_) => "java.util.HashMap",
            Self::Struct(_) => "org.apache.kafka.connect.data.Struct",
            Self::Decimal(_) => "java.math.BigDecimal",
            Self::Date(_) | Self::Time(_) | Self::Timestamp(_) => "java.util.Date",
        }
    }

    /// Looks up a schemaless map entry by string key.
    pub fn map_get(&self, key: &str) -> Option<&Value> {
        match self {
            Self::Map(entries) => {
                entries.iter().find(|(k, _)| matches!(k, Self::String(s) if s == key)).map(|(_, v)| v)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::schema::{Schema, Type};

    #[test]
    fn struct_get_by_name() {
        let schema = Arc::new(Schema::structure([("a".to_owned(), Arc::new(Schema::new(Type::Int32)))]));
        let mut s = Struct::new(schema);
        assert_eq!(s.get("a"), Some(&Value::Null));
        s.values[0] = Value::Int32(7);
        assert_eq!(s.get("a"), Some(&Value::Int32(7)));
        assert_eq!(s.get("b"), None);
    }

    #[test]
    fn schemaless_map_lookup() {
        let m = Value::Map(vec![(Value::String("k".into()), Value::Int64(1))]);
        assert_eq!(m.map_get("k"), Some(&Value::Int64(1)));
        assert_eq!(m.map_get("x"), None);
        assert_eq!(Value::Null.map_get("k"), None);
    }
}
