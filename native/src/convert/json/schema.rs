//! Connect schemas ⇄ their JSON form: JsonConverter's `asConnectSchema` and `asJsonSchema`.
//!
//! Connect compat: the JSON type names are Connect's lower-case names except `float`/`double`
//! for FLOAT32/FLOAT64. Written schemas list `type`, then `items` | `keys`,`values` | `fields`,
//! then `optional` (always), `name`, `version`, `doc`, `parameters`, `default`; a struct field's
//! schema gets its `field` name last. Reading is lenient where Connect is (`optional` is true only
//! for a JSON `true`, a non-integral `version` is ignored) and fails with Connect's messages where
//! Connect fails, including `SchemaBuilder`'s (duplicate or empty field names, invalid defaults —
//! which makes every non-null struct default invalid, because Connect checks the default struct's
//! schema against the builder).

use std::sync::Arc;

use super::decode::{data_err, validate, Decoder, Location};
use super::encode::{write_json_string, Encoder};
use super::parse::Kind;
use crate::data::{Field, Schema, SchemaRef, Type, Value};
use crate::errors::ConvertError;

/// JsonConverter's name for a Connect type.
pub(crate) fn json_type_name(kind: Type) -> &'static str {
    match kind {
        Type::Float32 => "float",
        Type::Float64 => "double",
        other => other.lower_name(),
    }
}

fn type_from_json_name(name: &str) -> Option<Type> {
    Some(match name {
        "boolean" => Type::Boolean,
        "int8" => Type::Int8,
        "int16" => Type::Int16,
        "int32" => Type::Int32,
        "int64" => Type::Int64,
        "float" => Type::Float32,
        "double" => Type::Float64,
        "bytes" => Type::Bytes,
        "string" => Type::String,
        "array" => Type::Array,
        "map" => Type::Map,
        "struct" => Type::Struct,
        _ => return None,
    })
}

impl Decoder<'_, '_> {
    /// `asConnectSchema(node)`: `None` for a JSON null.
    pub(crate) fn as_connect_schema(&mut self, node: u32) -> Result<Option<SchemaRef>, ConvertError> {
        let doc = self.doc;
        if doc.node(node).kind == Kind::Null {
            return Ok(None);
        }
        let type_name = match doc.get(node, "type") {
            Some(t) if doc.node(t).kind == Kind::String => doc.text_of(t),
            _ => return Err(data_err("Schema must contain 'type' field")),
        };
        let kind = type_from_json_name(&type_name)
            .ok_or_else(|| data_err(format!("Unknown schema type: {type_name}")))?;
        let mut schema = Schema::new(kind);
        match kind {
            Type::Array => {
                let items = match doc.get(node, "items") {
                    Some(i) if doc.node(i).kind != Kind::Null => i,
                    _ => return Err(data_err("Array schema did not specify the element type")),
                };
                schema.value_schema = self.as_connect_schema(items)?;
            }
            Type::Map => {
                let keys = doc
                    .get(node, "keys")
                    .ok_or_else(|| data_err("Map schema did not specify the key type"))?;
                let values = doc
                    .get(node, "values")
                    .ok_or_else(|| data_err("Map schema did not specify the value type"))?;
                let key_schema = self.as_connect_schema(keys)?;
                let value_schema = self.as_connect_schema(values)?;
                schema.key_schema = Some(key_schema.ok_or_else(|| data_err("keySchema cannot be null."))?);
                schema.value_schema =
                    Some(value_schema.ok_or_else(|| data_err("valueSchema cannot be null."))?);
            }
            Type::Struct => {
                let fields = match doc.get(node, "fields") {
                    Some(f) if doc.node(f).kind == Kind::Array => f,
                    _ => return Err(data_err("Struct schema's \"fields\" argument is not an array.")),
                };
                for field in doc.elements(fields) {
                    let name = match doc.get(field, "field") {
                        Some(n) if doc.node(n).kind == Kind::String => doc.text_of(n).into_owned(),
                        _ => return Err(data_err("Struct schema's field name not specified properly")),
                    };
                    let field_schema = self.as_connect_schema(field)?;
                    if name.is_empty() {
                        return Err(data_err("fieldName cannot be null."));
                    }
                    let field_schema = field_schema
                        .ok_or_else(|| data_err(format!("fieldSchema for field {name} cannot be null.")))?;
                    if schema.field(&name).is_some() {
                        return Err(data_err(format!(
                            "Cannot create field because of field name duplication {name}"
                        )));
                    }
                    let index = schema.fields.len();
                    schema.fields.push(Field { name, index, schema: field_schema });
                }
            }
            _ => {}
        }
        schema.optional = doc.get(node, "optional").is_some_and(|o| doc.node(o).kind == Kind::True);
        if let Some(n) = doc.get(node, "name").filter(|&n| doc.node(n).kind == Kind::String) {
            schema.name = Some(doc.text_of(n).into_owned());
        }
        if let Some(v) = doc.get(node, "version") {
            if matches!(doc.node(v).kind, Kind::Int | Kind::Long | Kind::BigInt) {
                // intValue(): the low 32 bits.
                schema.version = Some(self.int_of(v));
            }
        }
        if let Some(d) = doc.get(node, "doc").filter(|&d| doc.node(d).kind == Kind::String) {
            schema.doc = Some(doc.text_of(d).into_owned());
        }
        schema.parameters = self.parameters(node)?;
        if let Some(d) = doc.get(node, "default") {
            schema.default = self.default_value(&schema, d)?;
        }
        Ok(Some(Arc::new(schema)))
    }

    /// The `parameters` object: string values only, a repeated key keeping its first position
    /// (`LinkedHashMap.put`); `None` when absent or empty.
    fn parameters(&self, node: u32) -> Result<Option<Vec<(String, String)>>, ConvertError> {
        let doc = self.doc;
        let Some(p) = doc.get(node, "parameters").filter(|&p| doc.node(p).kind == Kind::Object) else {
            return Ok(None);
        };
        let mut params: Vec<(String, String)> = Vec::new();
        for (k, v) in doc.members(p) {
            if doc.node(v).kind != Kind::String {
                return Err(data_err("Schema parameters must have string values."));
            }
            let key = doc.text_of(k).into_owned();
            let value = doc.text_of(v).into_owned();
            match params.iter_mut().find(|(pk, _)| *pk == key) {
                Some(slot) => slot.1 = value,
                None => params.push((key, value)),
            }
        }
        Ok((!params.is_empty()).then_some(params))
    }

    /// The `default` member, converted against the schema built so far (which has no default
    /// yet) and then checked as `SchemaBuilder.defaultValue` checks it.
    fn default_value(&mut self, schema: &Schema, d: u32) -> Result<Option<Value>, ConvertError> {
        let building = Arc::new(schema.clone());
        let value = self.convert(Some(&building), Some(d))?;
        let invalid = || data_err("Invalid default value");
        if value.is_null() {
            return if schema.optional { Ok(None) } else { Err(invalid()) };
        }
        if matches!(value, Value::Struct(_)) {
            return Err(invalid());
        }
        validate(schema, &value, &Location::Value).map_err(|_| invalid())?;
        Ok(Some(value))
    }

    fn int_of(&self, node: u32) -> i32 {
        let n = self.doc.node(node);
        match n.kind {
            Kind::Int | Kind::Long => n.int as i32,
            _ => {
                let mut scratch = Vec::new();
                crate::data::decimal::DecimalText::parse(self.doc.number_text(node), &mut scratch)
                    .map_or(0, |t| t.to_i64_wrapping() as i32)
            }
        }
    }
}

impl Encoder {
    /// `asJsonSchema(schema)` appended to `out`; `field` adds the struct field name last.
    pub(crate) fn write_schema(
        self,
        schema: &Schema,
        field: Option<&str>,
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        out.extend_from_slice(b"{\"type\":\"");
        out.extend_from_slice(json_type_name(schema.kind).as_bytes());
        out.push(b'"');
        match schema.kind {
            Type::Array => {
                out.extend_from_slice(b",\"items\":");
                self.write_optional_schema(schema.value_schema.as_deref(), out)?;
            }
            Type::Map => {
                out.extend_from_slice(b",\"keys\":");
                self.write_optional_schema(schema.key_schema.as_deref(), out)?;
                out.extend_from_slice(b",\"values\":");
                self.write_optional_schema(schema.value_schema.as_deref(), out)?;
            }
            Type::Struct => {
                out.extend_from_slice(b",\"fields\":[");
                for (i, f) in schema.fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write_schema(&f.schema, Some(&f.name), out)?;
                }
                out.push(b']');
            }
            _ => {}
        }
        out.extend_from_slice(if schema.optional { b",\"optional\":true" } else { b",\"optional\":false" });
        if let Some(name) = &schema.name {
            out.extend_from_slice(b",\"name\":");
            write_json_string(name, out);
        }
        if let Some(version) = schema.version {
            out.extend_from_slice(b",\"version\":");
            out.extend_from_slice(version.to_string().as_bytes());
        }
        if let Some(doc) = &schema.doc {
            out.extend_from_slice(b",\"doc\":");
            write_json_string(doc, out);
        }
        if let Some(params) = &schema.parameters {
            out.extend_from_slice(b",\"parameters\":{");
            for (i, (k, v)) in params.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_string(k, out);
                out.push(b':');
                write_json_string(v, out);
            }
            out.push(b'}');
        }
        if let Some(default) = &schema.default {
            if !default.is_null() {
                out.extend_from_slice(b",\"default\":");
                self.write_value(Some(schema), default, out)?;
            }
        }
        if let Some(name) = field {
            out.extend_from_slice(b",\"field\":");
            write_json_string(name, out);
        }
        out.push(b'}');
        Ok(())
    }

    /// A nested schema, or `null` where a malformed schema lacks one (`asJsonSchema(null)`).
    fn write_optional_schema(self, schema: Option<&Schema>, out: &mut Vec<u8>) -> Result<(), ConvertError> {
        if let Some(s) = schema {
            return self.write_schema(s, None, out);
        }
        out.extend_from_slice(b"null");
        Ok(())
    }
}
