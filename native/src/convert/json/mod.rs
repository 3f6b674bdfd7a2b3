//! `JsonConverter`: Connect data ⇄ JSON, with or without a schema envelope.
//!
//! Connect compat: `org.apache.kafka.connect.json.JsonConverter` (Kafka 4.x) with
//! `JsonConverterConfig`, `JsonSchema`, `JsonSerializer` and `JsonDeserializer`. With
//! `schemas.enable=true` (the default) a message is `{"schema":…,"payload":…}`; otherwise it is
//! the bare payload and reading infers types. Reading parses as Jackson does (`parse`), converts
//! nodes (`decode`) and schemas (`schema`); writing prints straight into the caller's buffer as
//! Jackson would (`encode`).
//!
//! Both directions cache schemas in an LRU of `schemas.cache.size` entries, as Connect does.
//! Reading keys the cache by the schema's raw JSON bytes and also remembers the last schema, so
//! a record repeating it is neither re-parsed nor even tokenized (the bytes are compared and
//! skipped); writing remembers the last schema by pointer and caches its JSON by schema equality.

pub(crate) mod base64;
mod cache;
pub mod config;
mod decode;
mod direct;
mod encode;
mod parse;
mod schema;
#[cfg(test)]
mod tests;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use self::cache::Lru;
use self::decode::Decoder;
use self::direct::ReadSchema;
use self::encode::Encoder;
use self::parse::{Doc, Encoding, Kind, Node};
use super::Converter;
use crate::data::{Schema, SchemaRef, Struct, Value};
use crate::errors::ConvertError;

pub use self::config::{DecimalFormat, JsonConverterConfig};

/// Connect's message for a malformed envelope.
pub const ENVELOPE_ERROR: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may \
                                  not contain additional fields. If you are trying to deserialize plain JSON data, set \
                                  schemas.enable=false in your converter configuration.";

/// Connect's message for bytes that are not JSON; the parser's detail follows it.
pub const DESERIALIZE_ERROR: &str =
    "Converting byte[] to Kafka Connect data failed due to serialization error: ";

/// Connect's message for a `schema.content` that is not JSON; the parser's detail follows it.
pub const SCHEMA_CONTENT_ERROR: &str =
    "Failed to parse schema in converter config due to serialization error: ";

/// Most struct values [`Converter::recycle`] keeps for the next record.
const MAX_SPARE_VALUES: usize = 1024;

/// Most strings given back on their own that [`Converter::recycle`] keeps: a record's dropped
/// fields, not a pool for a whole batch.
const MAX_SPARE_STRINGS: usize = 64;

/// Largest string buffer [`Converter::recycle`] keeps on its own (bytes of capacity): a big one
/// would be held for small values.
const MAX_SPARE_STRING_BYTES: usize = 4096;

/// A schema compared by value (Connect caches by `Schema.equals`), pointer-equal fast.
#[derive(Clone)]
struct SchemaKey(SchemaRef);

impl PartialEq for SchemaKey {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for SchemaKey {}

impl Hash for SchemaKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_schema(&self.0, state);
    }
}

/// Hashes what identifies a schema; defaults are left out (equal schemas still hash equal).
fn hash_schema<H: Hasher>(s: &Schema, state: &mut H) {
    s.kind.hash(state);
    s.optional.hash(state);
    s.name.hash(state);
    s.version.hash(state);
    s.doc.hash(state);
    s.parameters.hash(state);
    s.default.is_some().hash(state);
    for f in &s.fields {
        f.name.hash(state);
        hash_schema(&f.schema, state);
    }
    if let Some(k) = &s.key_schema {
        hash_schema(k, state);
    }
    if let Some(v) = &s.value_schema {
        hash_schema(v, state);
    }
}

/// Connect's `JsonConverter`. Build one per task side; it is not shared between threads.
pub struct JsonConverter {
    config: JsonConverterConfig,
    encoder: Encoder,
    /// `schema.content`, parsed once.
    fixed_schema: Option<SchemaRef>,
    /// Parse arena, reused for every record.
    nodes: Vec<Node>,
    /// Container sizes of the last record, to allocate the next one's at once.
    size_hints: direct::SizeHints,
    /// UTF-16/UTF-32 input re-encoded as UTF-8.
    transcoded: Vec<u8>,
    /// Struct field lookup scratch.
    slots: Vec<u32>,
    /// What [`Converter::recycle`] was given back, for the next record's read to reuse.
    spare: direct::Spare,
    /// The last schema read: its JSON bytes and the parsed schema.
    last_read: direct::LastSchema,
    read_cache: Lru<Arc<[u8]>, ReadSchema>,
    /// The last schema written and its JSON.
    last_written: Option<(SchemaRef, Written)>,
    write_cache: Lru<SchemaKey, Written>,
}

/// What writing a schema leaves in the caches: the envelope up to the payload
/// (`{"schema":<its JSON>,"payload":`) and, for a struct, the [`encode::WritePlan`] of the
/// payload, so that neither is made again per record.
#[derive(Clone)]
struct Written {
    head: Arc<[u8]>,
    plan: Option<Arc<encode::WritePlan>>,
}

impl std::fmt::Debug for JsonConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonConverter").field("config", &self.config).finish_non_exhaustive()
    }
}

#[cold]
fn deserialize_error(detail: &parse::ParseError) -> ConvertError {
    ConvertError::data(format!("{DESERIALIZE_ERROR}{detail}"))
}

impl JsonConverter {
    /// A converter with `config`; parses `schema.content` when it is set.
    ///
    /// # Errors
    /// [`ConvertError::Config`] for a `schema.content` that is not valid JSON or not a valid
    /// schema, with Connect's messages.
    pub fn new(config: JsonConverterConfig) -> Result<Self, ConvertError> {
        let encoder = Encoder {
            decimal_format: config.decimal_format,
            replace_null_with_default: config.replace_null_with_default,
        };
        let mut converter = Self {
            read_cache: Lru::new(config.schemas_cache_size),
            write_cache: Lru::new(config.schemas_cache_size),
            config,
            encoder,
            fixed_schema: None,
            nodes: Vec::new(),
            size_hints: direct::SizeHints::default(),
            transcoded: Vec::new(),
            slots: Vec::new(),
            spare: direct::Spare::default(),
            last_read: None,
            last_written: None,
        };
        if let Some(content) = converter.config.schema_content.clone() {
            let key = config::SCHEMA_CONTENT_CONFIG;
            let to_config = |e: ConvertError| ConvertError::config(key, e.to_string());
            let mut nodes = Vec::new();
            parse::parse(Some(&content), content.as_bytes(), &mut nodes, None)
                .map_err(|e| ConvertError::config(key, format!("{SCHEMA_CONTENT_ERROR}{e}")))?;
            if nodes[0].kind != Kind::Missing {
                let mut decoder = Decoder {
                    doc: Doc::new(content.as_bytes(), Some(&content), &nodes),
                    replace_null_with_default: converter.config.replace_null_with_default,
                    slots: &mut converter.slots,
                };
                converter.fixed_schema = decoder.as_connect_schema(0).map_err(to_config)?;
            }
        }
        Ok(converter)
    }

    /// The configuration this converter was built with.
    pub fn config(&self) -> &JsonConverterConfig {
        &self.config
    }

    /// Connect's `asConnectSchema` for the envelope's schema node, through the caches.
    fn read_schema(
        decoder: &mut Decoder<'_, '_>,
        node: u32,
        last_read: &mut direct::LastSchema,
        cache: &mut Lru<Arc<[u8]>, ReadSchema>,
    ) -> Result<Option<SchemaRef>, ConvertError> {
        let doc = decoder.doc;
        match doc.node(node).kind {
            Kind::Null => return Ok(None),
            Kind::Raw => return Ok(last_read.as_ref().map(|(_, r)| r.schema.clone())),
            Kind::Object => {}
            _ => return decoder.as_connect_schema(node),
        }
        let bytes = doc.span(node);
        if let Some((raw, read)) = last_read {
            if **raw == *bytes {
                return Ok(Some(read.schema.clone()));
            }
        }
        if let Some((raw, read)) = cache.get_entry(bytes) {
            *last_read = Some((raw.clone(), read.clone()));
            return Ok(Some(read.schema.clone()));
        }
        let Some(schema) = decoder.as_connect_schema(node)? else {
            return Ok(None);
        };
        let raw: Arc<[u8]> = Arc::from(bytes);
        let read = ReadSchema::new(schema.clone());
        cache.put(raw.clone(), read.clone());
        *last_read = Some((raw, read));
        Ok(Some(schema))
    }

    /// What writing with `schema` needs, from the caches when possible; it becomes the last
    /// schema written.
    ///
    /// # Errors
    /// Connect's messages for a schema that cannot be written.
    fn written(&mut self, schema: &SchemaRef) -> Result<&Written, ConvertError> {
        let last = match self.last_written.take() {
            Some(last) if Arc::ptr_eq(&last.0, schema) => last,
            _ => {
                let key = SchemaKey(schema.clone());
                let written = if let Some(written) = self.write_cache.get(&key) {
                    written.clone()
                } else {
                    let mut head = b"{\"schema\":".to_vec();
                    self.encoder.write_schema(schema, None, &mut head)?;
                    head.extend_from_slice(b",\"payload\":");
                    let plan = encode::WritePlan::of(schema).map(Arc::new);
                    let written = Written { head: head.into(), plan };
                    self.write_cache.put(key, written.clone());
                    written
                };
                (schema.clone(), written)
            }
        };
        Ok(&self.last_written.insert(last).1)
    }

    fn write_envelope(
        &mut self,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<(), ConvertError> {
        let encoder = self.encoder;
        if !self.config.schemas_enable {
            return encoder.write_value(schema.map(|s| &**s), value, out);
        }
        let Some(schema) = schema else {
            out.extend_from_slice(b"{\"schema\":null,\"payload\":");
            encoder.write_value(None, value, out)?;
            out.push(b'}');
            return Ok(());
        };
        let written = self.written(schema)?;
        out.extend_from_slice(&written.head);
        encoder.write_payload(Some(schema), value, written.plan.as_deref(), out)?;
        out.push(b'}');
        Ok(())
    }
}

impl JsonConverter {
    /// The single-pass reader ([`direct`]) for UTF-8 input; `None` when it gives up, and then
    /// [`JsonConverter::read_general`] must read `data`.
    fn read_direct(&mut self, data: &[u8]) -> Option<(Option<SchemaRef>, Value)> {
        let Self { config, fixed_schema, nodes, size_hints, spare, last_read, read_cache, .. } = self;
        let mut reader =
            direct::Reader::new(data, nodes, size_hints, spare, config.replace_null_with_default);
        let read = if !config.schemas_enable {
            reader.document(None).map(|v| (None, v))
        } else if let Some(schema) = fixed_schema {
            reader.document(Some(schema)).map(|v| (Some(schema.clone()), v))
        } else {
            reader.envelope(last_read, read_cache)
        };
        read.ok()
    }

    /// The general path: any input, Connect's exact result or error.
    fn read_general(
        &mut self,
        data: &[u8],
        encoding: Encoding,
    ) -> Result<(Option<SchemaRef>, Value), ConvertError> {
        let Self { config, fixed_schema, nodes, transcoded, slots, last_read, read_cache, .. } = self;
        let input: &[u8] = match encoding {
            Encoding::Utf8(0) => data,
            enc => {
                parse::transcode(data, enc, transcoded).map_err(|e| deserialize_error(&e))?;
                transcoded
            }
        };
        let envelope = config.schemas_enable && fixed_schema.is_none();
        let hint = if envelope { last_read.as_ref().map(|(raw, _)| &**raw) } else { None };
        // No whole-document UTF-8 pass: strings are checked as they are scanned (Jackson's
        // rules) and each one again only when it is turned into a Rust string.
        let text = None;
        parse::parse(text, input, nodes, hint).map_err(|e| deserialize_error(&e))?;
        slots.clear();
        let mut decoder = Decoder {
            doc: Doc::new(input, text, nodes),
            replace_null_with_default: config.replace_null_with_default,
            slots,
        };
        let root = Some(0);
        if !config.schemas_enable {
            return Ok((None, decoder.convert(None, root)?));
        }
        if let Some(schema) = fixed_schema {
            let value = decoder.convert(Some(schema), root)?;
            return Ok((Some(schema.clone()), value));
        }
        let doc = decoder.doc;
        let (mut schema_node, mut payload_node) = (None, None);
        let mut envelope_ok = root.is_some_and(|r| doc.node(r).kind == Kind::Object);
        if envelope_ok {
            for (k, v) in doc.members(0) {
                if doc.key_is(k, "schema") {
                    schema_node = Some(v);
                } else if doc.key_is(k, "payload") {
                    payload_node = Some(v);
                } else {
                    envelope_ok = false;
                    break;
                }
            }
        }
        let (Some(schema_node), Some(payload_node), true) = (schema_node, payload_node, envelope_ok) else {
            return Err(ConvertError::data(ENVELOPE_ERROR));
        };
        let schema = Self::read_schema(&mut decoder, schema_node, last_read, read_cache)?;
        let value = decoder.convert(schema.as_ref(), Some(payload_node))?;
        Ok((schema, value))
    }
}

impl Converter for JsonConverter {
    fn to_connect(
        &mut self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), ConvertError> {
        let Some(data) = data else {
            return Ok((None, Value::Null));
        };
        let encoding = parse::detect_encoding(data).map_err(|e| deserialize_error(&e))?;
        if encoding == Encoding::Utf8(0) {
            // One pass for the common shapes; anything else, and every error, takes the general path.
            if let Some(read) = self.read_direct(data) {
                return Ok(read);
            }
        }
        self.read_general(data, encoding)
    }

    fn recycle(&mut self, value: Value) {
        // One struct's values are enough: records are read one at a time. A huge struct is not
        // worth keeping around.
        match value {
            Value::Struct(Struct { values, .. }) if values.capacity() <= MAX_SPARE_VALUES => {
                self.spare.values = values;
            }
            Value::String(mut text)
                if text.capacity() <= MAX_SPARE_STRING_BYTES
                    && self.spare.strings.len() < MAX_SPARE_STRINGS =>
            {
                text.clear();
                self.spare.strings.push(text);
            }
            _ => {}
        }
    }

    fn from_connect(
        &mut self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConvertError> {
        if schema.is_none() && value.is_null() {
            return Ok(false);
        }
        let start = out.len();
        match self.write_envelope(schema, value, out) {
            Ok(()) => Ok(true),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }
}
