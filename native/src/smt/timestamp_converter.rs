//! `TimestampConverter`: convert a timestamp between strings, Unix epochs and Connect's
//! Date/Time/Timestamp types.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.TimestampConverter` (`$Key`/`$Value`).
//! Every conversion goes through an instant in epoch milliseconds: the source type comes from the
//! schema (the Timestamp/Date/Time logical names, else STRING means a formatted string and INT64 a
//! Unix time) or, schemaless, from the value (Date/Time/Timestamp values are timestamps, int64 is
//! Unix, strings are formatted). `string` parses and formats with the `format` pattern in UTC,
//! `unix` reads and writes `unix.precision` units (truncating toward zero, saturating like
//! `TimeUnit`), `Date` keeps the UTC day and `Time` the time of day. `field` empty converts the whole
//! key/value; otherwise the named top-level field (its schema becomes the target's, keeping
//! optionality). Null values stay null, but the schema is still rewritten.

use std::sync::Arc;

use crate::data::calendar::MILLIS_PER_DAY;
use crate::data::display::java_schema_to_string;
use crate::data::{logical, Record, Schema, SchemaRef, Struct, Type, Value};
use crate::errors::TransformError;
use crate::smt::config::{self, Props};
use crate::smt::datetime::DateFormat;
use crate::smt::fields::{self, SchemaCache};
use crate::smt::{Target, Transform};

/// Config key of the field holding the timestamp ("" = the whole key/value).
pub const FIELD_CONFIG: &str = "field";
/// Config key of the desired representation.
pub const TARGET_TYPE_CONFIG: &str = "target.type";
/// Config key of the `SimpleDateFormat` pattern for string timestamps.
pub const FORMAT_CONFIG: &str = "format";
/// Config key of the Unix time unit.
pub const UNIX_PRECISION_CONFIG: &str = "unix.precision";
/// Config key: use a field's schema default when its value is null (default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "converting timestamp formats";

/// A timestamp representation, named as `target.type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    /// `string`: text in the `format` pattern.
    String,
    /// `unix`: an int64 count of `unix.precision` units since the epoch.
    Unix,
    /// `Date`: Connect's Date logical type.
    Date,
    /// `Time`: Connect's Time logical type.
    Time,
    /// `Timestamp`: Connect's Timestamp logical type.
    Timestamp,
}

impl TimestampType {
    /// The schema of this representation (`TimestampTranslator.typeSchema`).
    pub fn schema(self, optional: bool) -> Schema {
        let schema = match self {
            Self::String => Schema::new(Type::String),
            Self::Unix => Schema::new(Type::Int64),
            Self::Date => Schema::date(),
            Self::Time => Schema::time(),
            Self::Timestamp => Schema::timestamp(),
        };
        if optional {
            schema.optional()
        } else {
            schema
        }
    }

    /// `timestampTypeFromSchema`: logical names first, then STRING and INT64.
    fn from_schema(schema: &Schema) -> Result<Self, TransformError> {
        Ok(match (schema.name.as_deref(), schema.kind) {
            (Some(logical::TIMESTAMP), _) => Self::Timestamp,
            (Some(logical::DATE), _) => Self::Date,
            (Some(logical::TIME), _) => Self::Time,
            (_, Type::String) => Self::String,
            (_, Type::Int64) => Self::Unix,
            _ => {
                return Err(TransformError::data(format!(
                    "Schema {} does not correspond to a known timestamp type format",
                    java_schema_to_string(Some(schema))
                )))
            }
        })
    }

    /// `inferTimestampType`: what a schemaless value holds.
    fn infer(value: &Value) -> Result<Self, TransformError> {
        match value {
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => Ok(Self::Timestamp),
            Value::Int64(_) => Ok(Self::Unix),
            Value::String(_) => Ok(Self::String),
            other => Err(TransformError::data(format!(
                "TimestampConverter does not support class {} objects as timestamps",
                other.java_class()
            ))),
        }
    }
}

/// The unit of Unix timestamps (`unix.precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnixPrecision {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

/// A configured `TimestampConverter$Key` or `TimestampConverter$Value`.
#[derive(Debug)]
pub struct TimestampConverter {
    target: Target,
    field: String,
    to: TimestampType,
    format: Option<DateFormat>,
    unix_precision: UnixPrecision,
    replace_null_with_default: bool,
    cache: SchemaCache<SchemaRef>,
}

impl TimestampConverter {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// [`TransformError::Config`] with Connect's text: `target.type` missing or not one of
    /// `string, unix, Date, Time, Timestamp`; `unix.precision` not one of its four units; `format`
    /// blank for a `string` target, or not a (supported) `SimpleDateFormat` pattern.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let field = config::optional(props, FIELD_CONFIG).unwrap_or("").to_owned();
        let to = match config::required(props, TARGET_TYPE_CONFIG)? {
            "string" => TimestampType::String,
            "unix" => TimestampType::Unix,
            "Date" => TimestampType::Date,
            "Time" => TimestampType::Time,
            "Timestamp" => TimestampType::Timestamp,
            other => {
                return Err(TransformError::invalid(
                    TARGET_TYPE_CONFIG,
                    other,
                    "String must be one of: string, unix, Date, Time, Timestamp",
                ))
            }
        };
        let pattern = config::optional(props, FORMAT_CONFIG).unwrap_or("");
        let unix_precision = match config::optional(props, UNIX_PRECISION_CONFIG).unwrap_or("milliseconds") {
            "seconds" => UnixPrecision::Seconds,
            "milliseconds" => UnixPrecision::Milliseconds,
            "microseconds" => UnixPrecision::Microseconds,
            "nanoseconds" => UnixPrecision::Nanoseconds,
            other => {
                return Err(TransformError::invalid(
                    UNIX_PRECISION_CONFIG,
                    other,
                    "String must be one of: nanoseconds, microseconds, milliseconds, seconds",
                ))
            }
        };
        let replace_null_with_default = config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        // Utils.isBlank: empty after trimming.
        let blank = pattern.trim().is_empty();
        if to == TimestampType::String && blank {
            return Err(TransformError::config(
                FORMAT_CONFIG,
                "TimestampConverter requires format option to be specified when using string timestamps",
            ));
        }
        let format = if blank {
            None
        } else {
            Some(DateFormat::new(pattern).map_err(|_| {
                TransformError::config(
                    FORMAT_CONFIG,
                    format!("TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {pattern}"),
                )
            })?)
        };
        Ok(Self {
            target,
            field,
            to,
            format,
            unix_precision,
            replace_null_with_default,
            cache: SchemaCache::new(),
        })
    }

    /// `convertTimestamp`: `from` is the source representation, or `None` to infer it.
    fn convert(&self, value: &Value, from: Option<TimestampType>) -> Result<Value, TransformError> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        let from = match from {
            Some(from) => from,
            None => TimestampType::infer(value)?,
        };
        let millis = self.to_raw(value, from)?;
        Ok(self.to_type(millis))
    }

    /// `TimestampTranslator.toRaw`: the instant in epoch milliseconds.
    fn to_raw(&self, value: &Value, from: TimestampType) -> Result<i64, TransformError> {
        let found = || format!("class {}", value.java_class());
        match from {
            TimestampType::String => {
                let Value::String(text) = value else {
                    return Err(TransformError::data(format!(
                        "Expected string timestamp to be a String, but found {}",
                        found()
                    )));
                };
                // Connect would throw a NullPointerException here; say what is missing instead.
                let format = self.format.as_ref().ok_or_else(|| {
                    TransformError::data(
                        "TimestampConverter requires format option to be specified when using string timestamps",
                    )
                })?;
                format.parse(text).ok_or_else(|| {
                    TransformError::data(format!(
                        "Could not parse timestamp: value ({text}) does not match pattern ({})",
                        format.pattern()
                    ))
                })
            }
            TimestampType::Unix => {
                let Value::Int64(unix) = value else {
                    return Err(TransformError::data(format!(
                        "Expected Unix timestamp to be a Long, but found {}",
                        found()
                    )));
                };
                Ok(match self.unix_precision {
                    UnixPrecision::Seconds => unix.saturating_mul(1000),
                    UnixPrecision::Milliseconds => *unix,
                    UnixPrecision::Microseconds => unix / 1000,
                    UnixPrecision::Nanoseconds => unix / 1_000_000,
                })
            }
            TimestampType::Date | TimestampType::Time | TimestampType::Timestamp => match value {
                Value::Date(days) => Ok(i64::from(*days) * MILLIS_PER_DAY),
                Value::Time(millis) => Ok(i64::from(*millis)),
                Value::Timestamp(millis) => Ok(*millis),
                _ => {
                    let name = match from {
                        TimestampType::Date => "Date",
                        TimestampType::Time => "Time",
                        _ => "Timestamp",
                    };
                    Err(TransformError::data(format!(
                        "Expected {name} to be a java.util.Date, but found {}",
                        found()
                    )))
                }
            },
        }
    }

    /// `TimestampTranslator.toType`.
    fn to_type(&self, millis: i64) -> Value {
        match self.to {
            TimestampType::String => {
                Value::String(self.format.as_ref().map(|f| f.format(millis)).unwrap_or_default())
            }
            TimestampType::Unix => Value::Int64(match self.unix_precision {
                UnixPrecision::Seconds => millis / 1000,
                UnixPrecision::Milliseconds => millis,
                UnixPrecision::Microseconds => millis.saturating_mul(1000),
                UnixPrecision::Nanoseconds => millis.saturating_mul(1_000_000),
            }),
            // Date and Time keep the UTC day / time of day; i32 holds every day up to year 5.8 million.
            TimestampType::Date => Value::Date(millis.div_euclid(MILLIS_PER_DAY) as i32),
            TimestampType::Time => Value::Time(millis.rem_euclid(MILLIS_PER_DAY) as i32),
            TimestampType::Timestamp => Value::Timestamp(millis),
        }
    }

    fn apply_schemaless(&self, value: Value) -> Result<Value, TransformError> {
        if value.is_null() || self.field.is_empty() {
            return self.convert(&value, None);
        }
        let mut entries = fields::require_map(value, PURPOSE)?;
        fields::map_update(&mut entries, &self.field, |v| self.convert(&v, None))?;
        Ok(Value::Map(entries))
    }

    fn apply_with_schema(
        &self,
        schema: &SchemaRef,
        value: Value,
    ) -> Result<(SchemaRef, Value), TransformError> {
        if self.field.is_empty() {
            let from = TimestampType::from_schema(schema)?;
            let updated = Arc::new(self.to.schema(schema.optional));
            return Ok((updated, self.convert(&value, Some(from))?));
        }
        let value = match value {
            Value::Null => None,
            Value::Struct(s) => Some(s),
            other => return Err(fields::not_a_struct(&other, PURPOSE)),
        };
        let updated = self.cache.get_or_build(schema, || self.build_schema(schema))?;
        let value = match value {
            None => Value::Null,
            Some(s) => Value::Struct(self.convert_struct(s, &updated)?),
        };
        Ok((updated, value))
    }

    fn build_schema(&self, schema: &Schema) -> Result<SchemaRef, TransformError> {
        let updated_fields = fields::struct_fields(schema)?.iter().map(|f| {
            let field_schema = if f.name == self.field {
                Arc::new(self.to.schema(f.schema.optional))
            } else {
                Arc::clone(&f.schema)
            };
            (f.name.clone(), field_schema)
        });
        let mut built = fields::copy_basics(schema, Schema::structure(updated_fields.collect::<Vec<_>>()));
        built.optional = schema.optional;
        if let Some(Value::Struct(default)) = &schema.default {
            let converted = self.convert_struct(default.clone(), &Arc::new(built.clone()))?;
            built.default = Some(Value::Struct(converted));
        }
        Ok(Arc::new(built))
    }

    /// `applyValueWithSchema`: converts the configured field of `value` into a struct of `updated`.
    fn convert_struct(&self, value: Struct, updated: &SchemaRef) -> Result<Struct, TransformError> {
        let Struct { schema, values } = value;
        let mut out = Struct::new(Arc::clone(updated));
        for (field, field_value) in schema.fields.iter().zip(values) {
            let mut field_value = fields::or_default(field_value, field, self.replace_null_with_default);
            if field.name == self.field {
                field_value = self.convert(&field_value, Some(TimestampType::from_schema(&field.schema)?))?;
            }
            fields::put(&mut out, &field.name, field_value)?;
        }
        Ok(out)
    }
}

impl Transform for TimestampConverter {
    fn apply(&self, record: Record) -> Result<Option<Record>, TransformError> {
        // Connect converts null too: the schema is still rewritten.
        fields::rewrite_operand_even_if_null(
            record,
            self.target,
            |value| self.apply_schemaless(value),
            |schema, value| self.apply_with_schema(schema, value),
        )
    }
}

#[cfg(test)]
mod tests;
