//! Single-pass reading: JSON bytes straight into Connect values, without the node arena.
//!
//! The general path parses a whole document into nodes (`parse`) and then converts them
//! (`decode`): two passes and an arena walk per record. Records nearly always have one of a few
//! shapes (an envelope whose schema is the one cached, or plain JSON), so this reader walks the
//! bytes once, driven by the schema, and builds the values as it goes. It gives up ([`Bail`]) on
//! anything it does not handle or that is not right (a syntax error, a value that does not fit
//! the schema, a duplicate map key, a shape it leaves to the general path), and the converter then
//! reads the same bytes on the general path, which returns the value or Connect's exact error. So
//! this reader never reports an error itself: it only has to agree with the general path on the
//! documents it accepts. It does by construction: tokens are scanned by the general path's own
//! [`Parser`] methods and converted by the same leaf conversions (`decode::convert_leaf`), and
//! the struct, array and map rules below mirror `Decoder`'s. The differential tests in
//! `tests.rs` hold both paths to the same results.

// The token helpers and leaf conversions are forced inline, by measurement: with `#[inline]`
// alone LLVM keeps some of them out of the container loops, which costs about 5% more
// instructions per record (`tests::bench_envelope_round_trip` under callgrind).
#![allow(clippy::inline_always)]

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use super::cache::{FastBuild, Lru};
use super::decode::{
    convert_leaf, convert_leaf_into, is_leaf, java_equals, null_value, schemaless_scalar, validate, Location,
    Scalar,
};
use super::parse::{ascii_text, integer_value, string_text, Node, ParseError, Parser, StringToken};
use crate::data::{Schema, SchemaRef, Struct, Type, Value};
use crate::errors::ConvertError;

/// The direct reader gave up on a document; the general path must read it.
#[derive(Debug)]
pub(crate) struct Bail;

impl From<ParseError> for Bail {
    fn from(_: ParseError) -> Self {
        Bail
    }
}

impl From<ConvertError> for Bail {
    fn from(_: ConvertError) -> Self {
        Bail
    }
}

/// Deepest nesting read here (this reader recurses); deeper documents take the general path.
const MAX_DEPTH: u32 = 64;

/// Map sizes up to which duplicate keys are looked for pairwise; larger maps use a hash set.
const PAIRWISE_KEYS: usize = 16;

/// The last envelope schema read: its JSON bytes and the schema.
pub(crate) type LastSchema = Option<(Arc<[u8]>, ReadSchema)>;

/// A schema read from envelopes, as the caches keep it: with, for a struct, the text before
/// each member's value in compact JSON, so that the payload's members are matched with one
/// comparison each instead of being scanned as strings and then compared by name.
#[derive(Debug, Clone)]
pub(crate) struct ReadSchema {
    pub schema: SchemaRef,
    /// Per field of a struct schema (not a logical type), `"<name>":`; empty for a name that
    /// JSON has to escape (its members are matched the general way) and for other schemas.
    keys: Arc<[Box<[u8]>]>,
}

impl ReadSchema {
    pub(crate) fn new(schema: SchemaRef) -> Self {
        let keys = if schema.kind == Type::Struct && !is_leaf(&schema) {
            schema.fields.iter().map(|f| member_key(&f.name)).collect()
        } else {
            Arc::from([])
        };
        Self { schema, keys }
    }
}

/// `"<name>":` when `name` is the exact content of its JSON string (no quote, backslash or
/// control character to escape), else empty.
fn member_key(name: &str) -> Box<[u8]> {
    if name.bytes().any(|c| c < 0x20 || c == b'"' || c == b'\\') {
        return Box::default();
    }
    let mut key = Vec::with_capacity(name.len() + 3);
    key.push(b'"');
    key.extend_from_slice(name.as_bytes());
    key.extend_from_slice(b"\":");
    key.into_boxed_slice()
}

/// Whether `hay` starts with `needle`, compared a word at a time in line: the needles here are
/// member keys of a few bytes, for which a call to `memcmp` costs more than the comparison.
#[inline(always)]
fn has_prefix(hay: &[u8], needle: &[u8]) -> bool {
    let n = needle.len();
    if hay.len() < n {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if word(hay, at) != word(needle, at) {
                return false;
            }
            at += 8;
        }
        // The last word overlaps the previous one when `n` is not a multiple of 8.
        word(hay, n - 8) == word(needle, n - 8)
    } else if n >= 4 {
        half(hay, 0) == half(needle, 0) && half(hay, n - 4) == half(needle, n - 4)
    } else {
        hay[..n] == *needle
    }
}

/// A one-pass reader over one document.
pub(crate) struct Reader<'a, 'n> {
    p: Parser<'a, 'n>,
    replace_null_with_default: bool,
    hints: &'n mut SizeHints,
    /// What earlier records left, for this one to fill in place.
    spare: &'n mut Spare,
}

/// What the converter keeps of earlier records for the reader to reuse ([`Converter::recycle`]).
///
/// [`Converter::recycle`]: crate::convert::Converter::recycle
#[derive(Debug, Default)]
pub(crate) struct Spare {
    /// The values of the last struct given back, for the first struct read to fill in place.
    pub values: Vec<Value>,
    /// Strings given back on their own (the fields a transform dropped), cleared, for string
    /// values that find no string in their slot.
    pub strings: Vec<String>,
}

/// Deepest level whose container sizes are remembered.
const HINT_DEPTHS: usize = 8;

/// Largest remembered container size: one huge record must not make later small ones
/// allocate as much.
const MAX_HINT: usize = 1024;

/// The sizes of the last array and the last object read at each nesting depth. Records of a
/// stream mostly have one shape, so the next record's containers are allocated at their final
/// size instead of growing (a 9-member map grew through 4 and 8 entries: two reallocations).
#[derive(Debug, Default, Clone)]
pub(crate) struct SizeHints {
    arrays: [u32; HINT_DEPTHS],
    objects: [u32; HINT_DEPTHS],
}

impl<'a, 'n> Reader<'a, 'n> {
    /// A reader at the start of `input` (UTF-8 without a BOM); `nodes` is scratch space for
    /// skipping values no field asks for, and `spare` the values of a struct read earlier (see
    /// [`Reader::structure`]).
    pub(crate) fn new(
        input: &'a [u8],
        nodes: &'n mut Vec<Node>,
        hints: &'n mut SizeHints,
        spare: &'n mut Spare,
        replace_null_with_default: bool,
    ) -> Self {
        Self { p: Parser::new(input, nodes), replace_null_with_default, hints, spare }
    }

    /// The hint slot for a container just opened (`depth` counts it).
    fn hint_slot(&self) -> usize {
        (self.p.depth as usize - 1).min(HINT_DEPTHS - 1)
    }

    /// The root value of a bare document (`schemas.enable=false`, or `schema.content`).
    pub(crate) fn document(&mut self, schema: Option<&SchemaRef>) -> Result<Value, Bail> {
        self.p.skip_ws()?;
        // A blank document is Jackson's missing node; the general path converts that.
        self.value(schema)
    }

    /// `{"schema":…,"payload":…}` in that order, the schema being the last one read or one in
    /// `cache` (which then becomes the last one), or `null`.
    pub(crate) fn envelope(
        &mut self,
        last: &mut LastSchema,
        cache: &mut Lru<Arc<[u8]>, ReadSchema>,
    ) -> Result<(Option<SchemaRef>, Value), Bail> {
        self.p.skip_ws()?;
        self.expect(b'{')?;
        self.p.depth = 1;
        self.p.skip_ws()?;
        self.expect_key(b"\"schema\"")?;
        let b = self.p.b;
        let read = match last {
            // One memcmp: the bytes of the cached schema are neither scanned nor hashed.
            Some((raw, read)) if b[self.p.i..].starts_with(raw) => {
                self.p.i += raw.len();
                Some(&*read)
            }
            _ => match self.peek() {
                Some(b'n') => {
                    self.p.scan_literal(b"null")?;
                    None
                }
                Some(b'{') => {
                    let start = self.p.i;
                    self.p.skip_value()?;
                    let (raw, read) = cache.get_entry(&b[start..self.p.i]).ok_or(Bail)?;
                    let (_, read) = last.insert((raw.clone(), read.clone()));
                    Some(&*read)
                }
                _ => return Err(Bail),
            },
        };
        self.p.skip_ws()?;
        self.expect(b',')?;
        self.p.skip_ws()?;
        self.expect_key(b"\"payload\"")?;
        let value = match read {
            // `value` for a struct, with the member keys.
            Some(read) if !read.keys.is_empty() && self.peek() == Some(b'{') => {
                self.structure(&read.schema, &read.keys)?
            }
            _ => self.value(read.map(|r| &r.schema))?,
        };
        self.p.skip_ws()?;
        // What follows the root object is ignored, as Jackson's `readTree` ignores it.
        self.expect(b'}')?;
        Ok((read.map(|r| r.schema.clone()), value))
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.p.b.get(self.p.i).copied()
    }

    #[inline(always)]
    fn expect(&mut self, c: u8) -> Result<(), Bail> {
        if self.peek() != Some(c) {
            return Err(Bail);
        }
        self.p.i += 1;
        Ok(())
    }

    /// `"<key>"` (quotes included, no escapes), then the colon, up to the member's value.
    fn expect_key(&mut self, quoted: &[u8]) -> Result<(), Bail> {
        if !has_prefix(&self.p.b[self.p.i..], quoted) {
            return Err(Bail);
        }
        self.p.i += quoted.len();
        self.colon()
    }

    /// `:` and white space around it, up to a value.
    #[inline(always)]
    fn colon(&mut self) -> Result<(), Bail> {
        self.p.skip_ws()?;
        self.expect(b':')?;
        self.p.skip_ws().map_err(Bail::from)
    }

    /// Enters the container whose bracket is at `i`.
    #[inline(always)]
    fn open(&mut self) -> Result<(), Bail> {
        self.p.i += 1;
        self.p.depth += 1;
        if self.p.depth > MAX_DEPTH {
            return Err(Bail);
        }
        self.p.skip_ws()?;
        Ok(())
    }

    /// After a container's element: `true` after a comma (another element follows), `false`
    /// after the closing bracket `close`.
    #[inline(always)]
    fn next_element(&mut self, close: u8) -> Result<bool, Bail> {
        self.p.skip_ws()?;
        match self.peek() {
            Some(b',') => {
                self.p.i += 1;
                self.p.skip_ws()?;
                Ok(true)
            }
            Some(c) if c == close => {
                self.p.i += 1;
                self.p.depth -= 1;
                Ok(false)
            }
            _ => Err(Bail),
        }
    }

    /// Whether the container just opened is empty (and then consumes its closing bracket).
    #[inline(always)]
    fn empty(&mut self, close: u8) -> bool {
        if self.peek() == Some(close) {
            self.p.i += 1;
            self.p.depth -= 1;
            return true;
        }
        false
    }

    /// An object member's key up to its value: the raw content and whether it needs decoding.
    #[inline(always)]
    fn key(&mut self) -> Result<(&'a [u8], bool), Bail> {
        if self.peek() != Some(b'"') {
            return Err(Bail);
        }
        let (start, end, escaped) = self.p.string()?;
        let raw = &self.p.b[start..end];
        self.colon()?;
        Ok((raw, escaped))
    }

    /// One scalar token.
    #[inline(always)]
    fn scalar(&mut self) -> Result<Scalar<'a>, Bail> {
        let b = self.p.b;
        Ok(match self.peek().ok_or(Bail)? {
            b'"' => match self.p.string_token()? {
                StringToken::Ascii(text) => Scalar::Ascii(text),
                StringToken::Other { start, end, escaped } => Scalar::Str { raw: &b[start..end], escaped },
            },
            b'-' | b'0'..=b'9' => {
                if let Some(value) = self.short_integer() {
                    return Ok(Scalar::Integer { value, int: i32::try_from(value).is_ok() });
                }
                let t = self.p.scan_number(self.p.depth == 0)?;
                // A number token is ASCII.
                let text = || ascii_text(&b[t.start..t.end]).unwrap_or("0");
                if t.float {
                    Scalar::Decimal(text())
                } else if let Some(value) = integer_value(b, t) {
                    Scalar::Integer { value, int: i32::try_from(value).is_ok() }
                } else {
                    Scalar::BigInt(text())
                }
            }
            b't' => {
                self.p.scan_literal(b"true")?;
                Scalar::Bool(true)
            }
            b'f' => {
                self.p.scan_literal(b"false")?;
                Scalar::Bool(false)
            }
            b'n' => {
                self.p.scan_literal(b"null")?;
                Scalar::Null
            }
            _ => return Err(Bail),
        })
    }

    /// An integer of at most 18 digits inside a container, read in one pass: what
    /// `scan_number` followed by `integer_value` return for it, without walking its digits
    /// twice. `None` for any other number, which those two then read.
    #[inline(always)]
    fn short_integer(&mut self) -> Option<i64> {
        /// Digits that always fit in an `i64`, either sign.
        const MAX_DIGITS: usize = 18;
        let (b, start) = (self.p.b, self.p.i);
        if self.p.depth == 0 {
            // A root number also needs the check of what follows it.
            return None;
        }
        let negative = b[start] == b'-';
        let digits = start + usize::from(negative);
        let mut i = digits;
        let mut magnitude: u64 = 0;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            // Wraps only past MAX_DIGITS digits, and such a number is given up below.
            magnitude = magnitude.wrapping_mul(10).wrapping_add(u64::from(d));
            i += 1;
        }
        if i == digits || i - digits > MAX_DIGITS || matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.p.i = i;
        let value = magnitude as i64;
        Some(if negative { -value } else { value })
    }

    /// `convertToConnect(schema, <the value at i>)`, stored into `slot` (a null). Inlined into
    /// the container loops, so that a leaf value is stored once, straight into its container.
    // Moved through the stack, a value is read back with wider loads than it was written with,
    // which stalls store forwarding: inlining the leaf path and storing leaves in place took
    // the sample envelope read from ~800 to ~530 ns on the bench machine (an AMD EPYC VM;
    // `tests::bench_envelope_round_trip`).
    #[inline(always)]
    fn element_into(&mut self, schema: Option<&SchemaRef>, slot: &mut Value) -> Result<(), Bail> {
        match schema {
            Some(schema) if is_leaf(schema) => {
                let s = self.scalar()?;
                convert_leaf_into(schema, s, self.replace_null_with_default, slot, &mut self.spare.strings)?;
            }
            _ => *slot = self.value(schema)?,
        }
        Ok(())
    }

    /// `convertToConnect(schema, <the value at i>)`.
    fn value(&mut self, schema: Option<&SchemaRef>) -> Result<Value, Bail> {
        let Some(schema) = schema else {
            return self.schemaless();
        };
        if is_leaf(schema) {
            let s = self.scalar()?;
            return Ok(convert_leaf(schema, s, self.replace_null_with_default)?);
        }
        match (schema.kind, self.peek()) {
            (_, Some(b'n')) => {
                self.p.scan_literal(b"null")?;
                Ok(null_value(schema, self.replace_null_with_default)?)
            }
            (Type::Struct, Some(b'{')) => self.structure(schema, &[]),
            (Type::Array, Some(b'[')) => self.array(schema.value_schema.as_ref()),
            (Type::Map, Some(c)) => {
                let string_keys = schema.key_schema.as_ref().is_none_or(|k| k.kind == Type::String);
                match (string_keys, c) {
                    (true, b'{') => self.object(schema.value_schema.as_ref()),
                    (false, b'[') => self.pairs(schema),
                    _ => Err(Bail),
                }
            }
            // Arrays read from objects or scalars, and every error, are the general path's.
            _ => Err(Bail),
        }
    }

    fn schemaless(&mut self) -> Result<Value, Bail> {
        match self.peek() {
            Some(b'{') => self.object(None),
            Some(b'[') => self.array(None),
            _ => Ok(schemaless_scalar(self.scalar()?)),
        }
    }

    fn array(&mut self, items: Option<&SchemaRef>) -> Result<Value, Bail> {
        self.open()?;
        let slot = self.hint_slot();
        let mut out: Vec<Value> = Vec::with_capacity(self.hints.arrays[slot] as usize);
        if !self.empty(b']') {
            loop {
                self.element_into(items, new_slot(&mut out))?;
                if !self.next_element(b']')? {
                    break;
                }
            }
        }
        self.hints.arrays[slot] = out.len().min(MAX_HINT) as u32;
        Ok(Value::Array(out))
    }

    /// A JSON object as a map with string keys (`values` None: schemaless). Duplicate keys are
    /// left to the general path, which collapses them as `ObjectNode` does.
    fn object(&mut self, values: Option<&SchemaRef>) -> Result<Value, Bail> {
        self.open()?;
        let slot = self.hint_slot();
        let mut entries: Vec<(Value, Value)> = Vec::with_capacity(self.hints.objects[slot] as usize);
        if !self.empty(b'}') {
            loop {
                let (raw, escaped) = self.key()?;
                let len = entries.len();
                entries.resize_with(len + 1, || (Value::Null, Value::Null));
                let (key, value) = &mut entries[len];
                *key = Value::String(string_text(raw, escaped).into_owned());
                self.element_into(values, value)?;
                if !self.next_element(b'}')? {
                    break;
                }
            }
        }
        if has_duplicate_keys(&entries) {
            return Err(Bail);
        }
        self.hints.objects[slot] = entries.len().min(MAX_HINT) as u32;
        Ok(Value::Map(entries))
    }

    /// A map with non-string keys: a JSON array of `[key, value]` arrays; a repeated key
    /// replaces the value (`HashMap.put`).
    fn pairs(&mut self, schema: &Schema) -> Result<Value, Bail> {
        let (keys, values) = (schema.key_schema.as_ref(), schema.value_schema.as_ref());
        self.open()?;
        let mut entries: Vec<(Value, Value)> = Vec::new();
        if !self.empty(b']') {
            loop {
                if self.peek() != Some(b'[') {
                    return Err(Bail);
                }
                self.open()?;
                let key = self.value(keys)?;
                if !self.next_element(b']')? {
                    return Err(Bail);
                }
                let value = self.value(values)?;
                if self.next_element(b']')? {
                    return Err(Bail);
                }
                match entries.iter_mut().find(|(k, _)| java_equals(k, &key)) {
                    Some(slot) => slot.1 = value,
                    None => entries.push((key, value)),
                }
                if !self.next_element(b']')? {
                    break;
                }
            }
        }
        Ok(Value::Map(entries))
    }

    /// A struct, as `Decoder::structure` reads it: members are matched to fields by name (the
    /// field at the member's position first), the last duplicate wins, unknown members are
    /// skipped, missing fields are null, and fields are checked as `Struct.put` checks them.
    /// `keys` are the schema's [`ReadSchema`] member keys, or empty.
    fn structure(&mut self, schema: &SchemaRef, keys: &[Box<[u8]>]) -> Result<Value, Bail> {
        let fields = &schema.fields;
        self.open()?;
        // The spare values are overwritten one by one below (every field gets a member's value or
        // its null value), a string over a string in its old buffer: no allocation for the vector
        // and most strings of a stream's records (`perf::perf_chain`).
        let mut values = std::mem::take(&mut self.spare.values);
        if values.capacity() == 0 {
            values.reserve_exact(fields.len());
        }
        values.truncate(fields.len());
        values.resize_with(fields.len(), || Value::Null);
        // Members usually come in field order, each filling the next field: then fields
        // `..filled_prefix` have a member. Otherwise `filled` says which fields have one.
        let mut filled_prefix = 0;
        let mut in_order = true;
        let mut filled: u64 = 0;
        if !self.empty(b'}') {
            let mut pos = 0;
            loop {
                // The member at `pos` is usually field `pos`, written compactly: its key, quotes
                // and colon then match that field's `"<name>":` exactly (an unescaped string
                // whose content is the name), which is what the lookup below would find first.
                let expected = keys.get(pos).filter(|k| !k.is_empty());
                let idx = if let Some(k) = expected.filter(|k| has_prefix(&self.p.b[self.p.i..], k)) {
                    self.p.i += k.len();
                    self.p.skip_ws()?;
                    Some(pos)
                } else {
                    let (raw, escaped) = self.key()?;
                    let key: Cow<'_, [u8]> = if escaped {
                        Cow::Owned(string_text(raw, true).into_owned().into_bytes())
                    } else {
                        Cow::Borrowed(raw)
                    };
                    if fields.get(pos).is_some_and(|f| f.name.as_bytes() == &*key) {
                        Some(pos)
                    } else {
                        fields.iter().position(|f| f.name.as_bytes() == &*key)
                    }
                };
                if let Some(idx) = idx {
                    if in_order && idx == filled_prefix {
                        filled_prefix += 1;
                    } else {
                        if in_order {
                            if fields.len() > 64 {
                                return Err(Bail);
                            }
                            in_order = false;
                            filled = (1u64 << filled_prefix) - 1;
                        }
                        filled |= 1 << idx;
                        // A repeated member replaces the earlier value (the last one wins).
                        values[idx] = Value::Null;
                    }
                    self.element_into(Some(&fields[idx].schema), &mut values[idx])?;
                } else {
                    self.p.skip_value()?;
                }
                pos += 1;
                if !self.next_element(b'}')? {
                    break;
                }
            }
        }
        let replace = self.replace_null_with_default;
        for (idx, (field, value)) in fields.iter().zip(&mut values).enumerate() {
            let has_member = if in_order { idx < filled_prefix } else { filled & (1 << idx) != 0 };
            if !has_member {
                *value = null_value(&field.schema, replace)?;
            }
            // Struct.put's check; see `Decoder::structure` for why only these can fail.
            if value.is_null() || matches!(value, Value::Array(_) | Value::Map(_)) {
                validate(&field.schema, value, &Location::Field(&field.name))?;
            }
        }
        Ok(Value::Struct(Struct { schema: schema.clone(), values }))
    }
}

/// A new null last element of `out`. `resize_with` stores the null in place, where `push`
/// copies a value built on the stack (see `Reader::element_into`).
#[inline(always)]
fn new_slot(out: &mut Vec<Value>) -> &mut Value {
    let len = out.len();
    out.resize_with(len + 1, || Value::Null);
    &mut out[len]
}

/// Whether two entries of a map read from a JSON object have the same key.
fn has_duplicate_keys(entries: &[(Value, Value)]) -> bool {
    fn key(e: &(Value, Value)) -> &str {
        match &e.0 {
            Value::String(s) => s,
            _ => "",
        }
    }
    if entries.len() <= PAIRWISE_KEYS {
        return entries.iter().enumerate().any(|(i, a)| entries[..i].iter().any(|b| key(a) == key(b)));
    }
    let mut seen: HashSet<&str, FastBuild> =
        HashSet::with_capacity_and_hasher(entries.len(), FastBuild::default());
    !entries.iter().all(|e| seen.insert(key(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_prefix_agrees_with_starts_with_at_every_length_and_position() {
        let hay: Vec<u8> = (0..48u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=40 {
            let needle = &hay[..n];
            assert!(has_prefix(&hay, needle), "length {n}");
            assert!(!has_prefix(&hay[..n.saturating_sub(1)], needle) || n == 0, "short hay, length {n}");
            for at in 0..n {
                let mut other = needle.to_vec();
                other[at] ^= 0x20;
                assert!(!has_prefix(&hay, &other), "length {n}, differing at {at}");
            }
        }
    }

    #[test]
    fn member_keys_exist_only_for_names_written_as_they_are() {
        assert_eq!(&*member_key("customer"), b"\"customer\":");
        assert_eq!(&*member_key(""), b"\"\":");
        assert_eq!(&*member_key("é"), "\"é\":".as_bytes());
        for escaped in ["a\"b", "a\\b", "tab\t", "\u{1}"] {
            assert!(member_key(escaped).is_empty(), "{escaped:?}");
        }
        let s = Arc::new(Schema::structure([
            ("a".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ("b\"".to_owned(), Arc::new(Schema::new(Type::Int32))),
        ]));
        let read = ReadSchema::new(s);
        let keys: Vec<&[u8]> = read.keys.iter().map(|k| &**k).collect();
        assert_eq!(keys, [&b"\"a\":"[..], b""]);
        assert!(ReadSchema::new(Arc::new(Schema::new(Type::Int32))).keys.is_empty());
    }
}
