//! JSON nodes → Connect values: JsonConverter's `convertToConnect`.
//!
//! Connect compat: `org.apache.kafka.connect.json.JsonConverter#convertToConnect` and its
//! `TO_CONNECT_CONVERTERS`/`LOGICAL_CONVERTERS`, including Jackson's lenient `JsonNode`
//! accessors: a numeric schema reading a non-number gets 0 (`intValue()` of a text node), a
//! boolean reading a non-boolean gets `false`, a string or bytes schema reading a non-string
//! gets null, integers narrow by keeping the low bits (`(byte) value.intValue()`), and an array
//! schema reading an object takes the member values. Logical types are chosen by schema name
//! alone, as Connect does. Struct fields are converted in schema order (so the first failing
//! field in schema order is reported) and checked as `Struct.put` checks them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::base64;
use super::cache::FastBuild;
use super::parse::{string_text, Doc, Kind};
use crate::convert::store;
use crate::data::decimal::{self, DecimalText};
use crate::data::{logical, Decimal, Schema, SchemaRef, Struct, Type, Value};
use crate::errors::ConvertError;

/// Marks a struct field with no member in the JSON object.
const MISSING: u32 = u32::MAX;

/// Converts nodes of one parsed document.
pub(crate) struct Decoder<'a, 's> {
    pub doc: Doc<'a>,
    pub replace_null_with_default: bool,
    /// Scratch space for struct field → member lookups, reused across records.
    pub slots: &'s mut Vec<u32>,
}

/// Connect's `DataException` text.
#[cold]
pub(crate) fn data_err(message: impl Into<String>) -> ConvertError {
    ConvertError::data(message)
}

/// A JSON scalar as Connect's leaf conversions see it: a node of the arena or a token of the
/// direct reader.
#[derive(Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    /// An `IntNode` (`int` true) or a `LongNode`.
    Integer {
        value: i64,
        int: bool,
    },
    /// A `BigIntegerNode`, as its text.
    BigInt(&'a str),
    /// A `DecimalNode`, as its text.
    Decimal(&'a str),
    /// A string: its raw content between the quotes and whether it needs decoding.
    Str {
        raw: &'a [u8],
        escaped: bool,
    },
    /// A string the scanner found to be ASCII without escapes: its content, which needs neither
    /// decoding nor another check.
    Ascii(&'a str),
    /// Any other node (array, object, missing), by Jackson's node type name.
    Other(&'static str),
}

impl Scalar<'_> {
    /// Jackson's `JsonNode.getNodeType()` name, used in Connect's error messages.
    fn node_type(&self) -> &'static str {
        match self {
            Self::Null => "NULL",
            Self::Bool(_) => "BOOLEAN",
            Self::Integer { .. } | Self::BigInt(_) | Self::Decimal(_) => "NUMBER",
            Self::Str { .. } | Self::Ascii(_) => "STRING",
            Self::Other(name) => name,
        }
    }

    /// The decoded text of a string.
    fn text(&self) -> Option<Cow<'_, str>> {
        match *self {
            Self::Str { raw, escaped } => Some(string_text(raw, escaped)),
            Self::Ascii(text) => Some(Cow::Borrowed(text)),
            _ => None,
        }
    }

    /// `JsonNode.longValue()`: integers keep their low 64 bits, decimals truncate, others are 0.
    pub(crate) fn long_value(&self) -> i64 {
        match *self {
            Self::Integer { value, .. } => value,
            Self::BigInt(text) | Self::Decimal(text) => {
                let mut scratch = Vec::new();
                DecimalText::parse(text, &mut scratch).map_or(0, |t| t.to_i64_wrapping())
            }
            _ => 0,
        }
    }

    /// `JsonNode.doubleValue()`: correctly rounded; a zero decimal is `+0.0` (BigDecimal has no -0).
    // Java's (double) long rounds to nearest, as `as` does.
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn double_value(&self) -> f64 {
        match *self {
            Self::Integer { value, .. } => value as f64,
            Self::Decimal(text) => short_decimal(text).unwrap_or_else(|| parse_double(text)),
            Self::BigInt(text) => parse_double(text),
            _ => 0.0,
        }
    }

    /// `JsonNode.floatValue()`, rounded once from the exact value.
    // Java's (float) long rounds to nearest, as `as` does.
    #[allow(clippy::cast_precision_loss)]
    fn float_value(&self) -> f32 {
        match *self {
            Self::Integer { value, .. } => value as f32,
            Self::BigInt(text) | Self::Decimal(text) => {
                let v: f32 = text.parse().unwrap_or(0.0);
                if v == 0.0 && is_zero_text(text) {
                    0.0
                } else {
                    v
                }
            }
            _ => 0.0,
        }
    }

    /// `JsonNode.decimalValue()` of a number.
    fn decimal_value(&self) -> Decimal {
        match *self {
            Self::Integer { value, .. } => Decimal::from_i64(value, 0),
            Self::BigInt(text) | Self::Decimal(text) => {
                let mut scratch = Vec::new();
                DecimalText::parse(text, &mut scratch)
                    .map_or_else(|_| Decimal::from_i64(0, 0), |t| t.to_decimal())
            }
            _ => Decimal::from_i64(0, 0),
        }
    }

    /// `JsonNode.binaryValue()`: `None` for non-strings, `Some(Err)` for broken Base64.
    fn binary_value(&self) -> Option<Result<Vec<u8>, ()>> {
        let text = self.text()?;
        let mut out = Vec::new();
        Some(base64::decode_into(text.as_bytes(), &mut out).map(|()| out).map_err(|_| ()))
    }
}

/// Connect's logical types, which `convertToConnect` picks by schema name alone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Logical {
    Decimal,
    Date,
    Time,
    Timestamp,
}

fn logical_of(schema: &Schema) -> Option<Logical> {
    match schema.name.as_deref()? {
        logical::DECIMAL => Some(Logical::Decimal),
        logical::DATE => Some(Logical::Date),
        logical::TIME => Some(Logical::Time),
        logical::TIMESTAMP => Some(Logical::Timestamp),
        _ => None,
    }
}

/// The nearest double to a number's text; a zero decimal is `+0.0` (BigDecimal has no -0).
fn parse_double(text: &str) -> f64 {
    let v: f64 = text.parse().unwrap_or(0.0);
    if v == 0.0 && is_zero_text(text) {
        0.0
    } else {
        v
    }
}

/// Powers of ten that a double holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// [`parse_double`] of a plain decimal (`-`, digits and one point, no exponent) of at most 15
/// digits, without the general parser: its digits as an integer are below 2^53 and its power of
/// ten is at most 10^22, so both are exact doubles and one division rounds their quotient
/// correctly (Clinger's fast path), as the general parser and `BigDecimal.doubleValue()` do.
/// `None` for any other text.
#[inline]
fn short_decimal(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if body.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut point = None;
    for (i, &c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(c - b'0'),
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    // At most 16 bytes with one point: at most 15 digits, and at most 15 after the point.
    let point = point?;
    if mantissa == 0 {
        return Some(0.0);
    }
    #[allow(clippy::cast_precision_loss)] // below 10^15 < 2^53: exact
    let v = mantissa as f64 / EXACT_POWERS_OF_TEN[body.len() - point - 1];
    Some(if negative { -v } else { v })
}

/// Whether `schema` converts a scalar by itself ([`convert_leaf`]): a logical type or a
/// primitive type. Arrays, maps and structs read containers.
#[inline]
pub(crate) fn is_leaf(schema: &Schema) -> bool {
    schema.kind.is_primitive() || logical_of(schema).is_some()
}

/// The null (or missing) case: the default when replacing is on, null when optional.
pub(crate) fn null_value(schema: &Schema, replace_null_with_default: bool) -> Result<Value, ConvertError> {
    if let (Some(default), true) = (&schema.default, replace_null_with_default) {
        if !default.is_null() {
            return Ok(default.clone());
        }
    }
    if schema.optional {
        return Ok(Value::Null);
    }
    Err(data_err(format!("Invalid null value for required {} field", schema.kind)))
}

/// `convertToConnect(schema, node)` for a leaf schema ([`is_leaf`]), stored into `slot` in place of
/// its old value. A string stored over a string reuses its buffer: the direct reader fills
/// recycled struct values ([`super::JsonConverter`]'s `spare`), whose strings then need no
/// allocation. A string stored anywhere else takes one of `strings` (cleared buffers given back
/// on their own) when there is one.
// Inlined, with the common conversions first, each storing its value straight into `slot`: a
// value returned through memory is read back with wider loads than it was written with, which
// stalls store forwarding (see `direct::Reader::element_into`).
#[allow(clippy::inline_always)]
#[inline(always)]
pub(crate) fn convert_leaf_into(
    schema: &Schema,
    s: Scalar<'_>,
    replace_null_with_default: bool,
    slot: &mut Value,
    strings: &mut Vec<String>,
) -> Result<(), ConvertError> {
    match (&schema.name, schema.kind, s) {
        (None, Type::Int64, Scalar::Integer { value, .. }) => store(slot, Value::Int64(value)),
        (None, Type::Int32, Scalar::Integer { value, .. }) => store(slot, Value::Int32(value as i32)),
        (None, Type::Boolean, Scalar::Bool(b)) => store(slot, Value::Boolean(b)),
        (None, Type::Float64, Scalar::Integer { .. } | Scalar::Decimal(_)) => {
            store(slot, Value::Float64(s.double_value()));
        }
        (Some(name), Type::Int64, Scalar::Integer { value, .. }) if name == logical::TIMESTAMP => {
            store(slot, Value::Timestamp(value));
        }
        (None, Type::String, Scalar::Ascii(text)) => match slot {
            Value::String(buffer) => {
                buffer.clear();
                buffer.push_str(text);
            }
            _ => {
                *slot = Value::String(match strings.pop() {
                    Some(mut buffer) => {
                        buffer.push_str(text);
                        buffer
                    }
                    None => text.to_owned(),
                });
            }
        },
        _ => *slot = convert_leaf(schema, s, replace_null_with_default)?,
    }
    Ok(())
}

/// `convertToConnect(schema, node)` for a leaf schema ([`is_leaf`]).
#[inline(never)]
pub(crate) fn convert_leaf(
    schema: &Schema,
    s: Scalar<'_>,
    replace_null_with_default: bool,
) -> Result<Value, ConvertError> {
    if let Scalar::Null = s {
        return null_value(schema, replace_null_with_default);
    }
    if let Some(logical) = logical_of(schema) {
        return match logical {
            Logical::Decimal => decimal(schema, s),
            Logical::Date => logical_int(s, "Date").map(Value::Date),
            Logical::Time => {
                let ms = logical_int(s, "Time")?;
                if !(0..=86_400_000).contains(&ms) {
                    return Err(data_err(
                        "Time values must use number of milliseconds greater than 0 and less than 86400000",
                    ));
                }
                Ok(Value::Time(ms))
            }
            Logical::Timestamp => {
                if !matches!(s, Scalar::Integer { .. } | Scalar::BigInt(_)) {
                    return Err(data_err(format!(
                        "Invalid type for Timestamp, underlying representation should be integral but was {}",
                        s.node_type()
                    )));
                }
                Ok(Value::Timestamp(s.long_value()))
            }
        };
    }
    Ok(match schema.kind {
        Type::Boolean => Value::Boolean(matches!(s, Scalar::Bool(true))),
        Type::Int8 => Value::Int8(s.long_value() as i8),
        Type::Int16 => Value::Int16(s.long_value() as i16),
        Type::Int32 => Value::Int32(s.long_value() as i32),
        Type::Int64 => Value::Int64(s.long_value()),
        Type::Float32 => Value::Float32(s.float_value()),
        Type::Float64 => Value::Float64(s.double_value()),
        Type::String => s.text().map_or(Value::Null, |t| Value::String(t.into_owned())),
        Type::Bytes => match s.binary_value() {
            Some(Ok(bytes)) => Value::Bytes(bytes),
            Some(Err(())) => return Err(data_err("Invalid bytes field")),
            None => Value::Null,
        },
        Type::Array | Type::Map | Type::Struct => unreachable!("convert_leaf takes leaf schemas"),
    })
}

fn decimal(schema: &Schema, s: Scalar<'_>) -> Result<Value, ConvertError> {
    match s {
        Scalar::Integer { .. } | Scalar::BigInt(_) | Scalar::Decimal(_) => {
            Ok(Value::Decimal(s.decimal_value()))
        }
        Scalar::Str { .. } | Scalar::Ascii(_) => {
            let bytes = match s.binary_value() {
                Some(Ok(b)) if !b.is_empty() => b,
                _ => return Err(data_err("Invalid bytes for Decimal field")),
            };
            let scale = schema.decimal_scale().ok_or_else(|| data_err("Invalid bytes for Decimal field"))?;
            Ok(Value::Decimal(Decimal { unscaled: decimal::minimal_twos_complement(&bytes).to_vec(), scale }))
        }
        _ => Err(data_err(format!(
            "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
            s.node_type()
        ))),
    }
}

/// Date and Time payloads must be `int` nodes (`JsonNode.isInt()`).
fn logical_int(s: Scalar<'_>, what: &str) -> Result<i32, ConvertError> {
    match s {
        Scalar::Integer { value, int: true } => Ok(value as i32),
        _ => Err(data_err(format!(
            "Invalid type for {what}, underlying representation should be integer but was {}",
            s.node_type()
        ))),
    }
}

/// Schemaless inference for a scalar: integral → INT64, other numbers → FLOAT64.
pub(crate) fn schemaless_scalar(s: Scalar<'_>) -> Value {
    match s {
        Scalar::Null | Scalar::Other(_) => Value::Null,
        Scalar::Bool(b) => Value::Boolean(b),
        Scalar::Integer { value, .. } => Value::Int64(value),
        Scalar::BigInt(_) => Value::Int64(s.long_value()),
        Scalar::Decimal(_) => Value::Float64(s.double_value()),
        Scalar::Str { raw, escaped } => Value::String(string_text(raw, escaped).into_owned()),
        Scalar::Ascii(text) => Value::String(text.to_owned()),
    }
}

impl Decoder<'_, '_> {
    /// The scalar view of a node.
    fn scalar(&self, node: u32) -> Scalar<'_> {
        let n = self.doc.node(node);
        match n.kind {
            Kind::Null => Scalar::Null,
            Kind::True => Scalar::Bool(true),
            Kind::False => Scalar::Bool(false),
            Kind::Int => Scalar::Integer { value: n.int, int: true },
            Kind::Long => Scalar::Integer { value: n.int, int: false },
            Kind::BigInt => Scalar::BigInt(self.doc.number_text(node)),
            Kind::Decimal => Scalar::Decimal(self.doc.number_text(node)),
            Kind::String => Scalar::Str { raw: self.doc.span(node), escaped: n.escaped },
            Kind::Array | Kind::Object | Kind::Raw | Kind::Missing => Scalar::Other(self.doc.node_type(node)),
        }
    }

    /// `convertToConnect(schema, node)`; `node` is `None` for a missing member.
    pub(crate) fn convert(
        &mut self,
        schema: Option<&SchemaRef>,
        node: Option<u32>,
    ) -> Result<Value, ConvertError> {
        let Some(schema) = schema else {
            return Ok(self.schemaless(node));
        };
        let node = match node {
            Some(n) if self.doc.node(n).kind != Kind::Null => n,
            _ => return null_value(schema, self.replace_null_with_default),
        };
        if is_leaf(schema) {
            let mut value = Value::Null;
            // Nothing is recycled into this path (it is the rare one): no strings to take.
            let no_strings = &mut Vec::new();
            convert_leaf_into(
                schema,
                self.scalar(node),
                self.replace_null_with_default,
                &mut value,
                no_strings,
            )?;
            return Ok(value);
        }
        Ok(match schema.kind {
            Type::Array => {
                let items = schema.value_schema.as_ref();
                let mut out = Vec::with_capacity(self.doc.node(node).len as usize);
                for elem in self.doc.elements(node) {
                    out.push(self.convert(items, Some(elem))?);
                }
                Value::Array(out)
            }
            Type::Map => self.map(schema, node)?,
            _ => self.structure(schema, node)?,
        })
    }

    /// Schemaless inference: integral → INT64, other numbers → FLOAT64, objects → maps.
    fn schemaless(&mut self, node: Option<u32>) -> Value {
        let Some(node) = node else { return Value::Null };
        match self.doc.node(node).kind {
            Kind::Array => Value::Array(self.doc.elements(node).map(|e| self.schemaless(Some(e))).collect()),
            Kind::Object => {
                let mut entries = Vec::with_capacity(self.doc.node(node).len as usize);
                for (k, v) in self.distinct_members(node) {
                    let key = Value::String(self.doc.text_of(k).into_owned());
                    entries.push((key, self.schemaless(Some(v))));
                }
                Value::Map(entries)
            }
            Kind::Raw | Kind::Missing => Value::Null,
            _ => schemaless_scalar(self.scalar(node)),
        }
    }

    /// Object members with duplicate keys collapsed as Jackson's `ObjectNode` collapses them:
    /// first position, last value.
    fn distinct_members(&self, obj: u32) -> Vec<(u32, u32)> {
        let doc = self.doc;
        let members: Vec<(u32, u32)> = doc.members(obj).collect();
        let key = |k: u32| -> Cow<'_, str> { doc.text_of(k) };
        if members.len() <= 8 {
            let mut out: Vec<(u32, u32)> = Vec::with_capacity(members.len());
            for &(k, v) in &members {
                let name = key(k);
                match out.iter_mut().find(|(ok, _)| key(*ok) == name) {
                    Some(slot) => slot.1 = v,
                    None => out.push((k, v)),
                }
            }
            return out;
        }
        let mut seen: HashMap<Cow<'_, str>, usize, FastBuild> = HashMap::default();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(members.len());
        for &(k, v) in &members {
            if let Some(&i) = seen.get(&key(k)) {
                out[i].1 = v;
            } else {
                seen.insert(key(k), out.len());
                out.push((k, v));
            }
        }
        out
    }

    fn map(&mut self, schema: &Schema, node: u32) -> Result<Value, ConvertError> {
        let values = schema.value_schema.as_ref();
        let string_keys = schema.key_schema.as_ref().is_none_or(|k| k.kind == Type::String);
        if string_keys {
            if self.doc.node(node).kind != Kind::Object {
                return Err(data_err(format!(
                    "Maps with string fields should be encoded as JSON objects, but found {}",
                    self.doc.node_type(node)
                )));
            }
            let mut entries = Vec::with_capacity(self.doc.node(node).len as usize);
            for (k, v) in self.distinct_members(node) {
                let key = Value::String(self.doc.text_of(k).into_owned());
                entries.push((key, self.convert(values, Some(v))?));
            }
            return Ok(Value::Map(entries));
        }
        if self.doc.node(node).kind != Kind::Array {
            return Err(data_err(format!(
                "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                self.doc.node_type(node)
            )));
        }
        let keys = schema.key_schema.as_ref();
        let mut entries: Vec<(Value, Value)> = Vec::with_capacity(self.doc.node(node).len as usize);
        for entry in self.doc.elements(node) {
            let n = self.doc.node(entry);
            if n.kind != Kind::Array {
                return Err(data_err(format!(
                    "Found invalid map entry instead of array tuple: {}",
                    self.doc.node_type(entry)
                )));
            }
            if n.len != 2 {
                return Err(data_err(format!(
                    "Found invalid map entry, expected length 2 but found :{}",
                    n.len
                )));
            }
            let mut pair = self.doc.elements(entry);
            let (kn, vn) = (pair.next(), pair.next());
            let key = self.convert(keys, kn)?;
            let value = self.convert(values, vn)?;
            // HashMap.put: a repeated key replaces the value.
            match entries.iter_mut().find(|(k, _)| java_equals(k, &key)) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Value::Map(entries))
    }

    fn structure(&mut self, schema: &SchemaRef, node: u32) -> Result<Value, ConvertError> {
        if self.doc.node(node).kind != Kind::Object {
            return Err(data_err(format!(
                "Structs should be encoded as JSON objects, but found {}",
                self.doc.node_type(node)
            )));
        }
        let fields = &schema.fields;
        let base = self.slots.len();
        self.slots.resize(base + fields.len(), MISSING);
        for (pos, (k, v)) in self.doc.members(node).enumerate() {
            // Members usually come in schema order; fall back to a search, last duplicate wins.
            let idx = if fields.get(pos).is_some_and(|f| self.doc.key_is(k, &f.name)) {
                Some(pos)
            } else {
                fields.iter().position(|f| self.doc.key_is(k, &f.name))
            };
            if let Some(idx) = idx {
                self.slots[base + idx] = v;
            }
        }
        let mut values = Vec::with_capacity(fields.len());
        for (i, field) in fields.iter().enumerate() {
            let member = self.slots[base + i];
            let value = self.convert(Some(&field.schema), (member != MISSING).then_some(member))?;
            // Struct.put's check. `convert` already returns the right class for the schema and
            // nested structs were checked field by field, so only nulls and the elements of
            // arrays and maps can still fail.
            if value.is_null() || matches!(value, Value::Array(_) | Value::Map(_)) {
                validate(&field.schema, &value, &Location::Field(&field.name))?;
            }
            values.push(value);
        }
        self.slots.truncate(base);
        Ok(Value::Struct(Struct { schema: schema.clone(), values }))
    }
}

/// Whether a JSON number's digits are all zero.
fn is_zero_text(text: &str) -> bool {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa.bytes().all(|b| matches!(b, b'0' | b'-' | b'.'))
}

/// Java `equals` between two Connect values used as map keys: floats compare by bits
/// (`Double.equals`), `byte[]` keys are never equal (identity), maps ignore entry order.
pub(crate) fn java_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float32(x), Value::Float32(y)) => x.to_bits() == y.to_bits(),
        (Value::Float64(x), Value::Float64(y)) => x.to_bits() == y.to_bits(),
        (Value::Bytes(_), Value::Bytes(_)) => false,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| java_equals(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| java_equals(k, k2) && java_equals(v, v2)))
        }
        (Value::Decimal(x), Value::Decimal(y)) => {
            x.scale == y.scale && x.minimal_unscaled() == y.minimal_unscaled()
        }
        (
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_),
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_),
        ) => date_millis(a) == date_millis(b),
        _ => a == b,
    }
}

/// The `java.util.Date` millis of a logical date, time or timestamp value.
pub(crate) fn date_millis(v: &Value) -> Option<i64> {
    match v {
        Value::Date(d) => Some(i64::from(*d) * crate::data::display::MILLIS_PER_DAY),
        Value::Time(t) => Some(i64::from(*t)),
        Value::Timestamp(t) => Some(*t),
        _ => None,
    }
}

/// Where a value sits, for `ConnectSchema.validateValue` messages.
pub(crate) enum Location<'a> {
    /// The whole value (`value`).
    Value,
    /// A struct field (`field: "name"`).
    Field(&'a str),
    Element(&'a Location<'a>),
    Key(&'a Location<'a>),
    MapValue(&'a Location<'a>),
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value => f.write_str("value"),
            Self::Field(name) => write!(f, "field: \"{name}\""),
            Self::Element(l) => write!(f, "element of array {l}"),
            Self::Key(l) => write!(f, "key of map {l}"),
            Self::MapValue(l) => write!(f, "value of map {l}"),
        }
    }
}

/// Connect's `ConnectSchema.validateValue(schema, value, location)`.
pub(crate) fn validate(schema: &Schema, value: &Value, loc: &Location<'_>) -> Result<(), ConvertError> {
    if value.is_null() {
        if !schema.optional {
            return Err(data_err(format!(
                "Invalid value: null used for required {loc}, schema type: {}",
                schema.kind
            )));
        }
        return Ok(());
    }
    let class_ok = match schema.name.as_deref() {
        Some(logical::DECIMAL) => matches!(value, Value::Decimal(_)),
        Some(logical::DATE | logical::TIME | logical::TIMESTAMP) => date_millis(value).is_some(),
        _ => matches!(
            (schema.kind, value),
            (Type::Int8, Value::Int8(_))
                | (Type::Int16, Value::Int16(_))
                | (Type::Int32, Value::Int32(_))
                | (Type::Int64, Value::Int64(_))
                | (Type::Float32, Value::Float32(_))
                | (Type::Float64, Value::Float64(_))
                | (Type::Boolean, Value::Boolean(_))
                | (Type::String, Value::String(_))
                | (Type::Bytes, Value::Bytes(_))
                | (Type::Array, Value::Array(_))
                | (Type::Map, Value::Map(_))
                | (Type::Struct, Value::Struct(_))
        ),
    };
    if !class_ok {
        let name = schema.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default();
        return Err(data_err(format!(
            "Invalid Java object for schema{name} with type {}: class {} for {loc}",
            schema.kind,
            value.java_class()
        )));
    }
    match value {
        Value::Struct(s) if schema.kind == Type::Struct => {
            if !(std::ptr::eq(Arc::as_ptr(&s.schema), schema) || *s.schema == *schema) {
                return Err(data_err("Struct schemas do not match."));
            }
            // Struct.validate(): null fields pass when optional or defaulted.
            for (field, v) in schema.fields.iter().zip(&s.values) {
                if v.is_null() && (field.schema.optional || field.schema.default.is_some()) {
                    continue;
                }
                validate(&field.schema, v, &Location::Field(&field.name))?;
            }
        }
        Value::Array(items) if schema.kind == Type::Array => {
            let loc = Location::Element(loc);
            let items_schema = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| data_err(format!("No schema defined for {loc}")))?;
            for item in items {
                validate(items_schema, item, &loc)?;
            }
        }
        Value::Map(entries) if schema.kind == Type::Map => {
            let (kloc, vloc) = (Location::Key(loc), Location::MapValue(loc));
            let ks = schema
                .key_schema
                .as_ref()
                .ok_or_else(|| data_err(format!("No schema defined for {kloc}")))?;
            let vs = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| data_err(format!("No schema defined for {vloc}")))?;
            for (k, v) in entries {
                validate(ks, k, &kloc)?;
                validate(vs, v, &vloc)?;
            }
        }
        _ => {}
    }
    Ok(())
}
