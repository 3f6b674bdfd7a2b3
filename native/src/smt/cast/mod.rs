//! `Cast`: change the type of top-level fields, or of the whole key or value.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.Cast` (`$Key`/`$Value`). `spec` is a list
//! of `field:type` pairs, or a single bare `type` for the whole key/value; targets are the
//! primitive types except bytes. Numbers narrow and widen with Java's primitive conversions
//! (`Number.byteValue()` … `doubleValue()`, so `2147483648` cast to int32 is `-2147483648`),
//! numbers cast to boolean test `longValue() != 0`, strings parse with Java's parsers, bytes
//! become Base64, `Decimal` values behave as `BigDecimal` (`toString()`, `intValue()`, …), and
//! Date/Time/Timestamp values cast to numbers give their encoding (days, ms of day, epoch ms)
//! and to strings the form `Values.dateFormatFor` picks, in UTC
//! ([`format_connect_date`]). With a schema the
//! rewritten schema keeps name, version, doc, parameters, optionality and (cast) defaults;
//! schemaless, every field named in `spec` is written, as null when absent.

pub mod java;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::data::calendar::MILLIS_PER_DAY;
use crate::data::display::{java_double_to_string, java_float_to_string};
use crate::data::{Record, Schema, SchemaRef, Struct, Type, Value};
use crate::errors::TransformError;
use crate::smt::config::{self, Props};
use crate::smt::datetime::format_connect_date;
use crate::smt::fields::{self, SchemaCache};
use crate::smt::{Target, Transform};

/// Config key of the cast specification.
pub const SPEC_CONFIG: &str = "spec";
/// Config key: use a field's schema default when its value is null (default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "cast types";

/// Types a value may be cast from (`Cast.SUPPORTED_CAST_INPUT_TYPES`).
const INPUT_TYPES: &str = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";
/// Types a value may be cast to (`Cast.SUPPORTED_CAST_OUTPUT_TYPES`).
const OUTPUT_TYPES: &str = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";

/// A configured `Cast$Key` or `Cast$Value`.
#[derive(Debug)]
pub struct Cast {
    target: Target,
    /// Field casts in spec order, each field once (a repeated field keeps its last type).
    fields: Vec<(String, Type)>,
    /// The type of a whole-value cast (a spec with one bare type).
    whole: Option<Type>,
    replace_null_with_default: bool,
    cache: SchemaCache<SchemaRef>,
}

impl Cast {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// [`TransformError::Config`] with Connect's text when `spec` is missing or empty, names an
    /// unknown or unsupported type, has a `a:b:c` entry, or mixes a whole-value cast with others.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let spec = config::parse_list(config::required(props, SPEC_CONFIG)?);
        if spec.is_empty() {
            return Err(TransformError::config(SPEC_CONFIG, "Must specify at least one field to cast."));
        }
        let mut fields: Vec<(String, Type)> = Vec::new();
        let mut whole = None;
        for mapping in &spec {
            // Java's String.split(":") drops trailing empty parts: "foo:" is the bare type "foo".
            let mut parts: Vec<&str> = mapping.split(':').collect();
            while parts.last() == Some(&"") {
                parts.pop();
            }
            match parts.as_slice() {
                [type_name] => whole = Some(output_type(type_name.trim())?),
                [field, type_name] => {
                    let cast_to = output_type(type_name.trim())?;
                    let field = field.trim();
                    match fields.iter_mut().find(|(name, _)| name == field) {
                        Some(existing) => existing.1 = cast_to,
                        None => fields.push((field.to_owned(), cast_to)),
                    }
                }
                [] => {
                    return Err(TransformError::config(SPEC_CONFIG, "Index 1 out of bounds for length 0"));
                }
                _ => {
                    // Connect compat: Cast reports this with ReplaceField's key and its whole list.
                    return Err(TransformError::invalid(
                        "renames",
                        &format!("[{}]", spec.join(", ")),
                        format!("Invalid rename mapping: {mapping}"),
                    ));
                }
            }
        }
        if whole.is_some() && spec.len() > 1 {
            return Err(TransformError::config(
                SPEC_CONFIG,
                "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
            ));
        }
        Ok(Self {
            target,
            fields,
            whole,
            replace_null_with_default: config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?,
            cache: SchemaCache::new(),
        })
    }

    fn field_cast(&self, name: &str) -> Option<Type> {
        self.fields.iter().find(|(field, _)| field == name).map(|(_, t)| *t)
    }

    fn apply_schemaless(&self, value: Value) -> Result<Value, TransformError> {
        if let Some(whole) = self.whole {
            return cast_value(None, &value, whole);
        }
        let mut entries = fields::require_map(value, PURPOSE)?;
        for (field, cast_to) in &self.fields {
            fields::map_update(&mut entries, field, |v| cast_value(None, &v, *cast_to))?;
        }
        Ok(Value::Map(entries))
    }

    fn apply_with_schema(
        &self,
        schema: &SchemaRef,
        value: Value,
    ) -> Result<(SchemaRef, Value), TransformError> {
        let updated = self.cache.get_or_build(schema, || self.build_schema(schema))?;
        if let Some(whole) = self.whole {
            let value = cast_value(Some(schema), &value, whole)?;
            return Ok((updated, value));
        }
        let Struct { schema: value_schema, values } = fields::require_struct(value, PURPOSE)?;
        let mut out = Struct::new(Arc::clone(&updated));
        for (field, original) in value_schema.fields.iter().zip(values) {
            let original = fields::or_default(original, field, self.replace_null_with_default);
            let cast = match self.field_cast(&field.name) {
                Some(cast_to) => cast_value(Some(&field.schema), &original, cast_to)?,
                None => original,
            };
            fields::put(&mut out, &field.name, cast)?;
        }
        Ok((updated, Value::Struct(out)))
    }

    /// `Cast.getOrBuildSchema` without the cache.
    fn build_schema(&self, schema: &Schema) -> Result<SchemaRef, TransformError> {
        let mut built = if let Some(whole) = self.whole {
            fields::copy_basics(schema, Schema::new(whole))
        } else {
            let input_fields = fields::struct_fields(schema)?;
            let mut cast_fields = Vec::with_capacity(input_fields.len());
            for field in input_fields {
                let field_schema = match self.field_cast(&field.name) {
                    Some(cast_to) => {
                        let mut cast = Schema::new(cast_to);
                        cast.optional = field.schema.optional;
                        if let Some(default) = &field.schema.default {
                            cast.default = Some(cast_value(Some(&field.schema), default, cast_to)?);
                        }
                        Arc::new(cast)
                    }
                    None => Arc::clone(&field.schema),
                };
                cast_fields.push((field.name.clone(), field_schema));
            }
            fields::copy_basics(schema, Schema::structure(cast_fields))
        };
        built.optional = schema.optional;
        if let Some(default) = &schema.default {
            built.default = Some(cast_value(Some(schema), default, built.kind)?);
        }
        Ok(Arc::new(built))
    }
}

impl Transform for Cast {
    fn apply(&self, record: Record) -> Result<Option<Record>, TransformError> {
        fields::rewrite_operand(
            record,
            self.target,
            |value| self.apply_schemaless(value),
            |schema, value| self.apply_with_schema(schema, value),
        )
    }
}

/// Parses a spec type name (`Schema.Type.valueOf`, case-insensitive) and checks it is a valid target.
fn output_type(name: &str) -> Result<Type, TransformError> {
    let parsed = match name.to_ascii_uppercase().as_str() {
        "INT8" => Type::Int8,
        "INT16" => Type::Int16,
        "INT32" => Type::Int32,
        "INT64" => Type::Int64,
        "FLOAT32" => Type::Float32,
        "FLOAT64" => Type::Float64,
        "BOOLEAN" => Type::Boolean,
        "STRING" => Type::String,
        "BYTES" => Type::Bytes,
        "ARRAY" => Type::Array,
        "MAP" => Type::Map,
        "STRUCT" => Type::Struct,
        _ => {
            return Err(TransformError::config(
                SPEC_CONFIG,
                format!("Invalid type found in casting spec: {name}"),
            ))
        }
    };
    if matches!(parsed, Type::Bytes | Type::Array | Type::Map | Type::Struct) {
        return Err(TransformError::config(
            SPEC_CONFIG,
            format!("Cast transformation does not support casting to {parsed}; supported types are {OUTPUT_TYPES}"),
        ));
    }
    Ok(parsed)
}

/// What `Cast.castValueToType` sees once the value is classified the way Java's `instanceof`
/// checks do.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// `Byte`, `Short`, `Integer`, `Long` (and logical values encoded to them).
    Long(i64),
    Float(f32),
    Double(f64),
    Decimal(&'a crate::data::Decimal),
    Bool(bool),
    Str(&'a str),
    Bytes(&'a [u8]),
    /// A `java.util.Date` headed for `castToString`, as epoch millis.
    Date(i64),
    Other(&'static str),
}

/// `ConnectSchema.schemaType(value.getClass())`: the type a schemaless value has, if any.
fn schemaless_type(value: &Value) -> Option<Type> {
    Some(match value {
        Value::Boolean(_) => Type::Boolean,
        Value::Int8(_) => Type::Int8,
        Value::Int16(_) => Type::Int16,
        Value::Int32(_) => Type::Int32,
        Value::Int64(_) => Type::Int64,
        Value::Float32(_) => Type::Float32,
        Value::Float64(_) => Type::Float64,
        Value::String(_) => Type::String,
        Value::Bytes(_) => Type::Bytes,
        Value::Array(_) => Type::Array,
        Value::Map(_) => Type::Map,
        Value::Struct(_) => Type::Struct,
        Value::Null | Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
            return None
        }
    })
}

/// `Cast.castValueToType`.
fn cast_value(schema: Option<&Schema>, value: &Value, cast_to: Type) -> Result<Value, TransformError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let inferred = match schema {
        Some(schema) => schema.kind,
        None => schemaless_type(value).ok_or_else(|| {
            TransformError::data(format!(
                "Cast transformation was passed a value of type class {} which is not supported by Connect's data API",
                value.java_class()
            ))
        })?,
    };
    if !matches!(
        inferred,
        Type::Int8
            | Type::Int16
            | Type::Int32
            | Type::Int64
            | Type::Float32
            | Type::Float64
            | Type::Boolean
            | Type::String
            | Type::Bytes
    ) {
        return Err(TransformError::data(format!(
            "Cast transformation does not support casting from {inferred}; supported types are {INPUT_TYPES}"
        )));
    }
    let source = classify(value, cast_to == Type::String);
    convert(source, value, cast_to)
}

/// Classifies `value` for the `castTo*` methods; logical values are encoded
/// (`Date.fromLogical` …) unless they are cast to string.
// The integer arms look alike but bind different widths.
#[allow(clippy::match_same_arms)]
fn classify(value: &Value, to_string: bool) -> Source<'_> {
    match value {
        Value::Int8(v) => Source::Long(i64::from(*v)),
        Value::Int16(v) => Source::Long(i64::from(*v)),
        Value::Int32(v) => Source::Long(i64::from(*v)),
        Value::Int64(v) => Source::Long(*v),
        Value::Float32(v) => Source::Float(*v),
        Value::Float64(v) => Source::Double(*v),
        Value::Boolean(v) => Source::Bool(*v),
        Value::String(s) => Source::Str(s),
        Value::Bytes(b) => Source::Bytes(b),
        Value::Decimal(d) => Source::Decimal(d),
        Value::Date(days) if to_string => Source::Date(i64::from(*days).wrapping_mul(MILLIS_PER_DAY)),
        Value::Time(millis) if to_string => Source::Date(i64::from(*millis)),
        Value::Timestamp(millis) if to_string => Source::Date(*millis),
        Value::Date(v) | Value::Time(v) => Source::Long(i64::from(*v)),
        Value::Timestamp(v) => Source::Long(*v),
        other => Source::Other(other.java_class()),
    }
}

/// `Cast.castTo*`: Java's primitive conversions, parsers and `toString`s.
// Number → float conversions round like Java's `(float) long` / `(double) long`.
#[allow(clippy::cast_precision_loss)]
fn convert(source: Source<'_>, value: &Value, cast_to: Type) -> Result<Value, TransformError> {
    let out_of_range =
        |text: &str| TransformError::data(format!("Value ({text}) was out of range for requested data type"));
    let unexpected =
        |class: &str| TransformError::data(format!("Unexpected type in Cast transformation: class {class}"));
    // Number.longValue() for the integral targets; i32/i16/i8 narrow further like intValue()/….
    let long_value = |source: &Source<'_>, min: i64, max: i64| -> Result<i64, TransformError> {
        Ok(match source {
            Source::Long(v) => *v,
            // float → int (saturating, NaN → 0) for the int-or-narrower targets, float → long otherwise.
            Source::Float(f) if max <= i64::from(i32::MAX) => i64::from(*f as i32),
            Source::Double(d) if max <= i64::from(i32::MAX) => i64::from(*d as i32),
            Source::Float(f) => *f as i64,
            Source::Double(d) => *d as i64,
            Source::Decimal(d) => d.to_i64_wrapping(),
            Source::Bool(b) => i64::from(*b),
            Source::Str(s) => java::parse_integer(s, min, max).ok_or_else(|| out_of_range(s))?,
            Source::Bytes(_) => return Err(unexpected("[B")),
            Source::Date(_) => return Err(unexpected("java.util.Date")),
            Source::Other(class) => return Err(unexpected(class)),
        })
    };
    Ok(match cast_to {
        Type::Int8 => Value::Int8(long_value(&source, i64::from(i8::MIN), i64::from(i8::MAX))? as i8),
        Type::Int16 => Value::Int16(long_value(&source, i64::from(i16::MIN), i64::from(i16::MAX))? as i16),
        Type::Int32 => Value::Int32(long_value(&source, i64::from(i32::MIN), i64::from(i32::MAX))? as i32),
        Type::Int64 => Value::Int64(long_value(&source, i64::MIN, i64::MAX)?),
        Type::Float32 => Value::Float32(match source {
            Source::Long(v) => v as f32,
            Source::Float(f) => f,
            Source::Double(d) => d as f32,
            Source::Decimal(d) => d.to_f32(),
            Source::Bool(b) => f32::from(u8::from(b)),
            Source::Str(s) => java::parse_float(s).ok_or_else(|| out_of_range(s))?,
            _ => return Err(unexpected(value.java_class())),
        }),
        Type::Float64 => Value::Float64(match source {
            Source::Long(v) => v as f64,
            Source::Float(f) => f64::from(f),
            Source::Double(d) => d,
            Source::Decimal(d) => d.to_f64(),
            Source::Bool(b) => f64::from(u8::from(b)),
            Source::Str(s) => java::parse_double(s).ok_or_else(|| out_of_range(s))?,
            _ => return Err(unexpected(value.java_class())),
        }),
        Type::Boolean => Value::Boolean(match source {
            Source::Bool(b) => b,
            // Boolean.parseBoolean: "true" in any case, anything else is false.
            Source::Str(s) => s.eq_ignore_ascii_case("true"),
            ref numeric => long_value(numeric, i64::MIN, i64::MAX)? != 0,
        }),
        Type::String => Value::String(match source {
            Source::Long(v) => v.to_string(),
            Source::Float(f) => java_float_to_string(f),
            Source::Double(d) => java_double_to_string(d),
            Source::Decimal(d) => d.to_java_string(),
            Source::Bool(b) => b.to_string(),
            Source::Str(s) => s.to_owned(),
            Source::Bytes(b) => java::base64(b),
            Source::Date(millis) => format_connect_date(millis),
            Source::Other(class) => return Err(unexpected(class)),
        }),
        other => {
            return Err(TransformError::data(format!("{other} is not supported in the Cast transformation.")))
        }
    })
}
