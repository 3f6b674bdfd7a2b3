//! Reading JSON as Connect's `JsonDeserializer` (Jackson 2.x `ObjectMapper.readTree`) reads it.
//!
//! The document is parsed in one pass into a flat arena of [`Node`]s (reused between records, so
//! parsing allocates nothing once warm); strings and numbers stay as spans of the input and are
//! decoded only when a converter asks. Connect compat, each a Jackson default or a feature
//! `JsonDeserializer` turns on:
//! * leading zeros in numbers are allowed (`ALLOW_LEADING_ZEROS_FOR_NUMBERS`); a leading `+`,
//!   `NaN`, comments and trailing commas are not;
//! * integers are `int`, `long` or `BigInteger` nodes by magnitude; numbers with a fraction or
//!   exponent keep their exact decimal text (`USE_BIG_DECIMAL_FOR_FLOATS`);
//! * only the first root value is read: what follows it is ignored, except that a root number
//!   must be followed by white space or the end (`Expected space separating root-level values`);
//! * empty or blank input is a "missing" node, not an error;
//! * duplicate object keys are kept; lookups take the last one, as `ObjectNode` does;
//! * a BOM or UTF-16/UTF-32 input is detected as `ByteSourceJsonBootstrapper` does;
//! * UTF-8 is checked as Jackson checks it: overlong forms are accepted, encoded surrogates are
//!   not; `\u` escapes may produce unpaired surrogates, which become U+FFFD here (Rust strings
//!   cannot hold them);
//! * nesting deeper than 1000 and numbers longer than 1000 digits are rejected
//!   (`StreamReadConstraints` defaults).

use std::borrow::Cow;
use std::fmt;

/// Jackson's default `StreamReadConstraints.maxNestingDepth`.
const MAX_DEPTH: u32 = 1000;
/// Jackson's default `StreamReadConstraints.maxNumberLength`.
const MAX_NUMBER_LEN: usize = 1000;

/// What a node holds, with Jackson's node classes in mind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    True,
    False,
    /// An integer that fits in `int` (`IntNode`).
    Int,
    /// An integer that fits in `long` (`LongNode`).
    Long,
    /// A larger integer (`BigIntegerNode`); the value is the span's text.
    BigInt,
    /// A number with a fraction or exponent (`DecimalNode`); the value is the span's text.
    Decimal,
    String,
    Array,
    Object,
    /// A value that was not parsed because it is byte-identical to the cached schema.
    Raw,
    /// The root of a blank document (Jackson's `MissingNode`): not null, not anything else.
    Missing,
}

/// One JSON value in the arena. Containers are followed by their children, in order; object
/// members are a key node (a [`Kind::String`]) followed by the value's nodes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub kind: Kind,
    /// For strings: the content needs decoding (escapes, or UTF-8 that Jackson accepts but Rust
    /// does not, such as overlong forms).
    pub escaped: bool,
    /// Start of the span: a string's content (after the quote), a number's text, a container's
    /// opening bracket.
    pub start: u32,
    /// End of the span (exclusive).
    pub end: u32,
    /// Element count of an array, member count of an object.
    pub len: u32,
    /// Index of the first node after this node's subtree.
    pub next: u32,
    /// The value of [`Kind::Int`] and [`Kind::Long`] nodes.
    pub int: i64,
}

/// A JSON syntax error; the converter prefixes Connect's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The text encoding of the input, detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// UTF-8 starting at this offset (3 after a BOM).
    Utf8(usize),
    Utf16 {
        big_endian: bool,
        skip: usize,
    },
    Utf32 {
        big_endian: bool,
        skip: usize,
    },
}

/// `ByteSourceJsonBootstrapper.detectEncoding`.
#[inline]
pub(crate) fn detect_encoding(b: &[u8]) -> Result<Encoding, ParseError> {
    // Every other outcome needs a zero first or second byte, or a first byte of 0x80 or more
    // (a byte-order mark): JSON text in UTF-8 is decided on its first two bytes.
    if let [1..=0x7F, second, ..] = b {
        if *second != 0 {
            return Ok(Encoding::Utf8(0));
        }
    }
    detect_encoding_in_full(b)
}

/// [`detect_encoding`] without the shortcut for plain UTF-8.
fn detect_encoding_in_full(b: &[u8]) -> Result<Encoding, ParseError> {
    let utf16 = |i16: u16, skip| {
        if i16 & 0xFF00 == 0 {
            Some(Encoding::Utf16 { big_endian: true, skip })
        } else if i16.trailing_zeros() >= 8 {
            Some(Encoding::Utf16 { big_endian: false, skip })
        } else {
            None
        }
    };
    if b.len() >= 4 {
        let quad = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        match quad {
            0x0000_FEFF => return Ok(Encoding::Utf32 { big_endian: true, skip: 4 }),
            0xFFFE_0000 => return Ok(Encoding::Utf32 { big_endian: false, skip: 4 }),
            0x0000_FFFE | 0xFEFF_0000 => {
                return Err(ParseError("Unsupported UCS-4 endianness detected".to_owned()))
            }
            _ => {}
        }
        match quad >> 16 {
            0xFEFF => return Ok(Encoding::Utf16 { big_endian: true, skip: 2 }),
            0xFFFE => return Ok(Encoding::Utf16 { big_endian: false, skip: 2 }),
            _ => {}
        }
        if quad >> 8 == 0x00EF_BBBF {
            return Ok(Encoding::Utf8(3));
        }
        if quad >> 8 == 0 {
            return Ok(Encoding::Utf32 { big_endian: true, skip: 0 });
        }
        if quad.trailing_zeros() >= 24 {
            return Ok(Encoding::Utf32 { big_endian: false, skip: 0 });
        }
        if quad & !0x00FF_0000 == 0 || quad & !0x0000_FF00 == 0 {
            return Err(ParseError("Unsupported UCS-4 endianness detected".to_owned()));
        }
        if let Some(enc) = utf16((quad >> 16) as u16, 0) {
            return Ok(enc);
        }
    } else if b.len() >= 2 {
        if let Some(enc) = utf16(u16::from_be_bytes([b[0], b[1]]), 0) {
            return Ok(enc);
        }
    }
    Ok(Encoding::Utf8(0))
}

/// Re-encodes UTF-16/UTF-32 input as UTF-8 into `out`, as Jackson's readers decode it.
pub(crate) fn transcode(b: &[u8], enc: Encoding, out: &mut Vec<u8>) -> Result<(), ParseError> {
    out.clear();
    match enc {
        Encoding::Utf8(skip) => out.extend_from_slice(&b[skip..]),
        Encoding::Utf16 { big_endian, skip } => {
            let text = crate::convert::charset::decode_utf16(&b[skip..], Some(big_endian));
            out.extend_from_slice(text.as_bytes());
        }
        Encoding::Utf32 { big_endian, skip } => {
            for chunk in b[skip..].chunks(4) {
                let arr: [u8; 4] = chunk.try_into().map_err(|_| {
                    ParseError("Unexpected EOF in the middle of a 4-byte UTF-32 char".to_owned())
                })?;
                let cp = if big_endian { u32::from_be_bytes(arr) } else { u32::from_le_bytes(arr) };
                let c = char::from_u32(cp)
                    .ok_or_else(|| ParseError(format!("Invalid UTF-32 character 0x{cp:x}")))?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Ok(())
}

/// A string token as [`Parser::string_token`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StringToken<'a> {
    /// ASCII without escapes or control characters: the content is the text.
    Ascii(&'a str),
    /// Anything else: the content's span and whether it has escapes, as [`Parser::string`]
    /// returns them.
    Other { start: usize, end: usize, escaped: bool },
}

/// The index of the first byte at or after `from` that is `"`, `\\`, a control character or, when
/// `stop_high`, >= 0x80; `b.len()` if none. Eight bytes at a time (SWAR): JSON strings are mostly
/// plain ASCII runs.
#[inline]
pub(crate) fn plain_run(b: &[u8], from: usize, stop_high: bool) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let high_mask = if stop_high { HIGHS } else { 0 };
    let mut i = from;
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // The classic zero-byte test; it may flag bytes after a real hit, never before one.
        let special = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let hits = (special & HIGHS) | (w & high_mask);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let stop = if stop_high { 1 } else { 2 };
    while i < b.len() && STRING_STOP[b[i] as usize] < stop {
        i += 1;
    }
    i
}

/// Bytes that end a plain run inside a string: 2 for `"`, `\` and control characters, 1 for
/// bytes >= 0x80 (which need checking only when the input is not valid UTF-8).
const STRING_STOP: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 2;
        i += 1;
    }
    let mut i = 0x80;
    while i < 0x100 {
        t[i] = 1;
        i += 1;
    }
    t[b'"' as usize] = 2;
    t[b'\\' as usize] = 2;
    t
};

fn char_desc(c: u8) -> String {
    if (0x20..0x7F).contains(&c) {
        format!("'{}' (code {c})", char::from(c))
    } else {
        format!("(CTRL-CHAR, code {c})")
    }
}

/// Whether `c` continues a literal such as `true`, making it an unrecognized token: Jackson
/// rejects the literal when the next char is a Java identifier part.
fn continues_token(c: u8) -> bool {
    c >= b'0' && (c.is_ascii_alphanumeric() || c == b'_' || c == 0x7F || c >= 0x80)
}

/// Parses `input` into `nodes` (cleared first); `doc_text` is `input` as text when it is valid
/// UTF-8 (the caller checks once and [`Doc`] reuses it). The root is node 0, a [`Kind::Missing`] node
/// for a blank document. When `skip_hint` is given and the root object's `"schema"` value is exactly
/// those bytes, it becomes one [`Kind::Raw`] node instead of being parsed again.
pub(crate) fn parse(
    doc_text: Option<&str>,
    input: &[u8],
    nodes: &mut Vec<Node>,
    skip_hint: Option<&[u8]>,
) -> Result<(), ParseError> {
    nodes.clear();
    let mut p = Parser { b: input, utf8_ok: doc_text.is_some(), i: 0, nodes, depth: 0, skip_hint };
    p.skip_ws()?;
    if p.i >= p.b.len() {
        p.push(Kind::Missing, p.i, p.i);
        return Ok(());
    }
    p.value()
}

/// The scanner: one position in the input. [`parse`] drives it to build a node arena; the
/// direct reader (`direct.rs`) calls its token methods and shares every syntax check with it.
pub(crate) struct Parser<'a, 'n> {
    pub b: &'a [u8],
    /// The whole input is valid UTF-8, so string bytes need no per-sequence checks.
    utf8_ok: bool,
    pub i: usize,
    /// Arena for [`Parser::value`].
    nodes: &'n mut Vec<Node>,
    /// Open containers around `i`; at 0 a number is a root value.
    pub depth: u32,
    skip_hint: Option<&'a [u8]>,
}

/// A number token's span, as [`Parser::scan_number`] found it.
#[derive(Clone, Copy)]
pub(crate) struct NumberToken {
    pub start: usize,
    /// Start of the integer digits (after a minus sign).
    pub int_start: usize,
    pub end: usize,
    /// It has a fraction or an exponent (a `DecimalNode`).
    pub float: bool,
}

impl<'a, 'n> Parser<'a, 'n> {
    /// A scanner at the start of `input` (not known to be valid UTF-8), using `nodes` as the
    /// arena of [`Parser::value`].
    pub(crate) fn new(input: &'a [u8], nodes: &'n mut Vec<Node>) -> Self {
        Self { b: input, utf8_ok: false, i: 0, nodes, depth: 0, skip_hint: None }
    }

    /// [`Parser::string`] for readers that want a plain string's content as text: a string of
    /// ASCII without escapes or control characters (the common case) comes back as text with
    /// no further check, anything else as `string` returns it. Plain runs stop at non-ASCII bytes here
    /// whether or not the input is known to be UTF-8.
    #[inline]
    pub(crate) fn string_token(&mut self) -> Result<StringToken<'a>, ParseError> {
        let start = self.i + 1;
        let end = plain_run(self.b, start, true);
        if self.b.get(end) == Some(&b'"') {
            self.i = end + 1;
            let raw = &self.b[start..end];
            // SAFETY: `plain_run` with `stop_high` stops at every byte of 0x80 or more, so `raw`
            // is ASCII, which is valid UTF-8.
            return Ok(StringToken::Ascii(unsafe { std::str::from_utf8_unchecked(raw) }));
        }
        self.i = end;
        let (start, end, escaped) = self.string_rest(start)?;
        Ok(StringToken::Other { start, end, escaped })
    }
}

impl Parser<'_, '_> {
    #[cold]
    fn err(&self, msg: impl Into<String>) -> ParseError {
        ParseError(format!("{} (at byte {})", msg.into(), self.i))
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize) -> usize {
        let idx = self.nodes.len();
        self.nodes.push(Node {
            kind,
            escaped: false,
            start: start as u32,
            end: end as u32,
            len: 0,
            next: idx as u32 + 1,
            int: 0,
        });
        idx
    }

    /// Skips white space; inlined so compact JSON pays one comparison.
    #[inline]
    pub(crate) fn skip_ws(&mut self) -> Result<(), ParseError> {
        match self.b.get(self.i) {
            Some(&c) if c > b' ' && c != b'/' && c != b'#' => Ok(()),
            None => Ok(()),
            _ => self.skip_ws_slow(),
        }
    }

    fn skip_ws_slow(&mut self) -> Result<(), ParseError> {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                b'/' | b'#' => {
                    return Err(self.err(format!(
                        "Unexpected character ({}): maybe a (non-standard) comment? (not recognized as one since \
                         Feature 'ALLOW_COMMENTS' not enabled for parser)",
                        char_desc(c)
                    )))
                }
                c if c < 0x20 => {
                    return Err(self.err(format!(
                        "Illegal character ({}): only regular white space (\\r, \\n, \\t) is allowed between tokens",
                        char_desc(c)
                    )))
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// Parses one complete value at `self.i` (not white space, not the end) into the arena.
    /// Iterative, so deep nesting cannot overflow the stack: an open container's `next` field
    /// holds its parent's index until it closes.
    pub(crate) fn value(&mut self) -> Result<(), ParseError> {
        const NONE: u32 = u32::MAX;
        let mut cur = NONE;
        'value: loop {
            match self.b[self.i] {
                c @ (b'{' | b'[') => {
                    let object = c == b'{';
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(self.err(format!(
                            "Document nesting depth ({}) exceeds the maximum allowed ({MAX_DEPTH}, from \
                             `StreamReadConstraints.getMaxNestingDepth()`)",
                            self.depth
                        )));
                    }
                    let idx = self.push(if object { Kind::Object } else { Kind::Array }, self.i, self.i);
                    self.nodes[idx].next = cur;
                    cur = idx as u32;
                    self.i += 1;
                    self.skip_ws()?;
                    let close = if object { b'}' } else { b']' };
                    if self.b.get(self.i) == Some(&close) {
                        self.i += 1;
                        cur = self.close(cur);
                        // The empty container is a complete value of its parent.
                    } else if object {
                        if !self.member_key()? {
                            continue 'value;
                        }
                        // The member's value was a skipped schema: it is complete.
                    } else {
                        self.expect_more("Array")?;
                        continue 'value;
                    }
                }
                b'"' => {
                    let (start, end, escaped) = self.string()?;
                    let idx = self.push(Kind::String, start, end);
                    self.nodes[idx].escaped = escaped;
                }
                b't' => self.literal(b"true", Kind::True)?,
                b'f' => self.literal(b"false", Kind::False)?,
                b'n' => self.literal(b"null", Kind::Null)?,
                b'-' | b'0'..=b'9' => self.number(cur == NONE && self.depth == 0)?,
                c => {
                    return Err(self.err(format!(
                        "Unexpected character ({}): expected a valid value (JSON String, Number, Array, Object or \
                         token 'null', 'true' or 'false')",
                        char_desc(c)
                    )))
                }
            }
            // A value just completed inside `cur`: read a separator or close containers.
            loop {
                if cur == NONE {
                    return Ok(());
                }
                let node = &mut self.nodes[cur as usize];
                node.len += 1;
                let object = node.kind == Kind::Object;
                let (close, what) = if object { (b'}', "Object") } else { (b']', "Array") };
                self.skip_ws()?;
                match self.b.get(self.i) {
                    Some(b',') => {
                        self.i += 1;
                        self.skip_ws()?;
                        if object {
                            if self.member_key()? {
                                continue;
                            }
                        } else {
                            self.expect_more(what)?;
                        }
                        continue 'value;
                    }
                    Some(&c) if c == close => {
                        self.i += 1;
                        cur = self.close(cur);
                    }
                    Some(&c) => {
                        return Err(self.err(format!(
                            "Unexpected character ({}): was expecting comma to separate {what} entries",
                            char_desc(c)
                        )))
                    }
                    None => {
                        return Err(
                            self.err(format!("Unexpected end-of-input: expected close marker for {what}"))
                        )
                    }
                }
            }
        }
    }

    /// Consumes one complete value at `self.i` with every syntax check, keeping nothing.
    pub(crate) fn skip_value(&mut self) -> Result<(), ParseError> {
        if self.i >= self.b.len() {
            return Err(self.err("Unexpected end-of-input: expected a value"));
        }
        let mark = self.nodes.len();
        let result = self.value();
        self.nodes.truncate(mark);
        result
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<(), ParseError> {
        let start = self.i;
        self.scan_literal(word)?;
        self.push(kind, start, self.i);
        Ok(())
    }

    /// Consumes `true`, `false` or `null` (`word`) at `self.i`, as Jackson delimits literals.
    #[inline]
    pub(crate) fn scan_literal(&mut self, word: &[u8]) -> Result<(), ParseError> {
        // Small enough to be inlined where `word` is a constant, so the comparison is one or
        // two loads instead of a `memcmp` call (`perf::perf_chain`: ~60 instructions a literal).
        let start = self.i;
        let end = start + word.len();
        let matches = self.b.get(start..end) == Some(word);
        if !matches || self.b.get(end).is_some_and(|&c| continues_token(c)) {
            return Err(self.unrecognized_token(start));
        }
        self.i = end;
        Ok(())
    }

    /// The error of [`Parser::scan_literal`] for the token at `start`.
    #[cold]
    #[inline(never)]
    fn unrecognized_token(&self, start: usize) -> ParseError {
        let mut stop = start;
        while stop < self.b.len() && continues_token(self.b[stop]) {
            stop += 1;
        }
        let token = String::from_utf8_lossy(&self.b[start..stop.max(start + 1)]).into_owned();
        self.err(format!(
            "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', \
             'true' or 'false')"
        ))
    }

    /// Finishes the container `idx` (its closing bracket was consumed); returns its parent.
    fn close(&mut self, idx: u32) -> u32 {
        let next = self.nodes.len() as u32;
        let node = &mut self.nodes[idx as usize];
        let parent = node.next;
        node.end = self.i as u32;
        node.next = next;
        self.depth -= 1;
        parent
    }

    /// Fails at the end of input where a value must follow.
    fn expect_more(&self, what: &str) -> Result<(), ParseError> {
        if self.i >= self.b.len() {
            return Err(self.err(format!("Unexpected end-of-input: expected close marker for {what}")));
        }
        Ok(())
    }

    /// Reads `"key" :` up to the member's value. Returns `true` when the value was the cached
    /// schema and has been consumed as a raw node.
    fn member_key(&mut self) -> Result<bool, ParseError> {
        match self.b.get(self.i) {
            Some(b'"') => {}
            Some(&c) => {
                return Err(self.err(format!(
                    "Unexpected character ({}): was expecting double-quote to start field name",
                    char_desc(c)
                )))
            }
            None => return Err(self.err("Unexpected end-of-input: expected close marker for Object")),
        }
        let (ks, ke, escaped) = self.string()?;
        let key = self.push(Kind::String, ks, ke);
        self.nodes[key].escaped = escaped;
        self.skip_ws()?;
        match self.b.get(self.i) {
            Some(b':') => self.i += 1,
            Some(&c) => {
                return Err(self.err(format!(
                    "Unexpected character ({}): was expecting a colon to separate field name and value",
                    char_desc(c)
                )))
            }
            None => return Err(self.err("Unexpected end-of-input: expected close marker for Object")),
        }
        self.skip_ws()?;
        self.expect_more("Object")?;
        Ok(self.try_skip_schema(ks, ke, escaped))
    }

    /// The fast path for a cached schema: the root object's `"schema"` member whose bytes equal
    /// the hint (a complete JSON object that parsed before) is kept as a raw span.
    fn try_skip_schema(&mut self, key_start: usize, key_end: usize, key_escaped: bool) -> bool {
        let Some(hint) = self.skip_hint else { return false };
        if self.depth != 1 || key_escaped || &self.b[key_start..key_end] != b"schema" {
            return false;
        }
        if !self.b[self.i..].starts_with(hint) {
            return false;
        }
        let start = self.i;
        self.i += hint.len();
        self.push(Kind::Raw, start, self.i);
        true
    }

    /// Scans a string starting at the opening quote; returns its content span and whether it
    /// needs decoding.
    // Inlined: most strings are one plain run, and the span then comes back in registers.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<(usize, usize, bool), ParseError> {
        let start = self.i + 1;
        let end = plain_run(self.b, start, !self.utf8_ok);
        if self.b.get(end) == Some(&b'"') {
            self.i = end + 1;
            return Ok((start, end, false));
        }
        self.i = end;
        self.string_rest(start)
    }

    /// [`Parser::string`] from the first byte that ends a plain run (`self.i`) on.
    #[inline(never)]
    fn string_rest(&mut self, start: usize) -> Result<(usize, usize, bool), ParseError> {
        let mut escaped = false;
        loop {
            // Fast scan over plain characters; high bytes need a look only in invalid UTF-8 input.
            self.i = plain_run(self.b, self.i, !self.utf8_ok);
            let Some(&c) = self.b.get(self.i) else {
                return Err(self.err("Unexpected end-of-input in VALUE_STRING"));
            };
            match c {
                b'"' => {
                    let end = self.i;
                    self.i += 1;
                    return Ok((start, end, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.b.get(self.i) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            for k in 1..=4 {
                                match self.b.get(self.i + k) {
                                    Some(h) if h.is_ascii_hexdigit() => {}
                                    Some(&h) => {
                                        self.i += k;
                                        return Err(self.err(format!(
                                            "Unexpected character ({}) in VALUE_STRING: expected a hex-digit for \
                                             character escape sequence",
                                            char_desc(h)
                                        )));
                                    }
                                    None => {
                                        return Err(
                                            self.err("Unexpected end-of-input in character escape sequence")
                                        )
                                    }
                                }
                            }
                            self.i += 5;
                        }
                        Some(&e) => {
                            return Err(self.err(format!("Unrecognized character escape {}", char_desc(e))));
                        }
                        None => return Err(self.err("Unexpected end-of-input in character escape sequence")),
                    }
                }
                c if c < 0x20 => {
                    return Err(self.err(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in string \
                         value",
                        char_desc(c)
                    )));
                }
                _ => {
                    // Only reached when the input is not valid UTF-8 somewhere.
                    if self.lenient_utf8()? {
                        escaped = true;
                    }
                }
            }
        }
    }

    /// Checks one multi-byte UTF-8 sequence as Jackson's string decoder does; returns whether it
    /// is one Jackson accepts but Rust does not (overlong or beyond U+10FFFF).
    fn lenient_utf8(&mut self) -> Result<bool, ParseError> {
        let b1 = self.b[self.i];
        let len = match b1 {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return Err(self.err(format!("Invalid UTF-8 start byte 0x{b1:x}"))),
        };
        let mut cp = u32::from(b1) & (0x7F >> len);
        for k in 1..len {
            match self.b.get(self.i + k) {
                Some(&c) if c & 0xC0 == 0x80 => cp = (cp << 6) | u32::from(c & 0x3F),
                Some(&c) => {
                    self.i += k;
                    return Err(self.err(format!("Invalid UTF-8 middle byte 0x{c:x}")));
                }
                None => return Err(self.err("Unexpected end-of-input in VALUE_STRING")),
            }
        }
        if len == 3 && (0xD800..=0xDFFF).contains(&cp) {
            return Err(self.err(format!("Invalid UTF-8: Illegal surrogate character 0x{cp:x}")));
        }
        self.i += len;
        let shortest = match len {
            2 => cp >= 0x80,
            3 => cp >= 0x800,
            _ => (0x1_0000..=0x10_FFFF).contains(&cp),
        };
        Ok(!shortest)
    }

    fn number(&mut self, root: bool) -> Result<(), ParseError> {
        let t = self.scan_number(root)?;
        if t.float {
            self.push(Kind::Decimal, t.start, t.end);
        } else if let Some(v) = integer_value(self.b, t) {
            let kind = if i32::try_from(v).is_ok() { Kind::Int } else { Kind::Long };
            let idx = self.push(kind, t.start, t.end);
            self.nodes[idx].int = v;
        } else {
            self.push(Kind::BigInt, t.start, t.end);
        }
        Ok(())
    }

    /// Consumes a number at `self.i` with every check Jackson makes while reading it; `root`
    /// adds the check that a root-level number is followed by white space or the end.
    // Inlined for the common plain integer inside a container, which needs no other check.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn scan_number(&mut self, root: bool) -> Result<NumberToken, ParseError> {
        let (b, start) = (self.b, self.i);
        let int_start = start + usize::from(b[start] == b'-');
        let mut i = int_start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if !root
            && i > int_start
            && i - int_start <= MAX_NUMBER_LEN
            && !matches!(b.get(i), Some(b'.' | b'e' | b'E'))
        {
            self.i = i;
            return Ok(NumberToken { start, int_start, end: i, float: false });
        }
        self.scan_number_rest(root)
    }

    /// [`Parser::scan_number`] for every other number, with its errors.
    #[inline(never)]
    fn scan_number_rest(&mut self, root: bool) -> Result<NumberToken, ParseError> {
        let start = self.i;
        let b = self.b;
        let mut i = self.i;
        if b[i] == b'-' {
            i += 1;
            match b.get(i) {
                Some(c) if c.is_ascii_digit() => {}
                Some(&c) => {
                    self.i = i;
                    return Err(self.err(format!(
                        "Unexpected character ({}) in numeric value: expected digit (0-9) to follow minus sign, for \
                         valid numeric value",
                        char_desc(c)
                    )));
                }
                None => {
                    self.i = i;
                    return Err(self.err("Unexpected end-of-input in a Number value"));
                }
            }
        }
        let int_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let int_end = i;
        let mut float = false;
        let mut digits = int_end - int_start;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let frac_start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == frac_start {
                self.i = i;
                return Err(self.err(match b.get(i) {
                    Some(&c) => format!(
                        "Unexpected character ({}) in numeric value: Decimal point not followed by a digit",
                        char_desc(c)
                    ),
                    None => "Unexpected end-of-input in a Number value".to_owned(),
                }));
            }
            digits += i - frac_start;
            float = true;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let exp_start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == exp_start {
                self.i = i;
                return Err(self.err(match b.get(i) {
                    Some(&c) => format!(
                        "Unexpected character ({}) in numeric value: Exponent indicator not followed by a digit",
                        char_desc(c)
                    ),
                    None => "Unexpected end-of-input in a Number value".to_owned(),
                }));
            }
            float = true;
        }
        self.i = i;
        if digits > MAX_NUMBER_LEN {
            return Err(self.err(format!(
                "Number value length ({digits}) exceeds the maximum allowed ({MAX_NUMBER_LEN}, from \
                 `StreamReadConstraints.getMaxNumberLength()`)"
            )));
        }
        if root {
            if let Some(&c) = b.get(i) {
                if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                    return Err(self.err(format!(
                        "Unexpected character ({}): Expected space separating root-level values",
                        char_desc(c)
                    )));
                }
            }
        }
        if float && scale_overflows(&b[start..i]) {
            // Jackson reads the BigDecimal eagerly, so an out-of-range scale is a parse error.
            let text = String::from_utf8_lossy(&b[start..i]);
            return Err(self.err(format!(
                "Value \"{text}\" can not be deserialized as `java.math.BigDecimal`, reason:  Exponent overflow."
            )));
        }
        Ok(NumberToken { start, int_start, end: i, float })
    }
}

/// The value of an integer token when it fits in `long` (an `int` or `long` node); `None` for
/// a `BigInteger` node.
#[inline]
pub(crate) fn integer_value(b: &[u8], t: NumberToken) -> Option<i64> {
    let negative = b[t.start] == b'-';
    let digits = &b[t.int_start..t.end];
    let magnitude = if digits.len() <= 19 {
        // 19 digits cannot overflow a u64.
        digits.iter().fold(0u64, |m, &d| m * 10 + u64::from(d - b'0'))
    } else {
        let mut m: u64 = 0;
        for &d in digits {
            m = m.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        m
    };
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Whether a decimal number's scale (fraction digits minus exponent) leaves `i32`, which
/// `new BigDecimal(text)` rejects with "Exponent overflow.".
fn scale_overflows(text: &[u8]) -> bool {
    let (mantissa, exp) = match text.iter().position(|&c| c == b'e' || c == b'E') {
        Some(p) => (&text[..p], &text[p + 1..]),
        None => (text, &b""[..]),
    };
    let frac_len = mantissa.iter().position(|&c| c == b'.').map_or(0, |p| mantissa.len() - p - 1) as i64;
    let (negative, digits) = match exp.first() {
        Some(b'-') => (true, &exp[1..]),
        Some(b'+') => (false, &exp[1..]),
        _ => (false, exp),
    };
    let mut e: i64 = 0;
    for &d in digits {
        e = e.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if negative {
        e = -e;
    }
    i32::try_from(frac_len.saturating_sub(e)).is_err()
}

/// A parsed document: the input, whether it is valid UTF-8 as a whole, and the node arena.
#[derive(Clone, Copy)]
pub(crate) struct Doc<'a> {
    pub input: &'a [u8],
    /// The input as text when all of it is valid UTF-8 (then string spans need no checks).
    pub text: Option<&'a str>,
    pub nodes: &'a [Node],
}

impl<'a> Doc<'a> {
    /// A document over `input`, with `text` from the caller's single UTF-8 check.
    pub(crate) fn new(input: &'a [u8], text: Option<&'a str>, nodes: &'a [Node]) -> Self {
        Self { input, text, nodes }
    }

    pub(crate) fn node(&self, i: u32) -> &'a Node {
        &self.nodes[i as usize]
    }

    /// The bytes of a node's span.
    pub(crate) fn span(&self, i: u32) -> &'a [u8] {
        let n = self.node(i);
        &self.input[n.start as usize..n.end as usize]
    }

    /// Object members as (key index, value index), in document order.
    pub(crate) fn members(&self, obj: u32) -> Members<'a> {
        let n = self.node(obj);
        Members { nodes: self.nodes, next: obj + 1, left: n.len }
    }

    /// Array elements (or, as Jackson's iterator does for objects, member values).
    pub(crate) fn elements(&self, container: u32) -> Elements<'a> {
        let n = self.node(container);
        Elements { nodes: self.nodes, next: container + 1, left: n.len, object: n.kind == Kind::Object }
    }

    /// Whether a key node spells `name`.
    pub(crate) fn key_is(&self, key: u32, name: &str) -> bool {
        let n = self.node(key);
        if n.escaped {
            self.text_of(key) == name
        } else {
            self.span(key) == name.as_bytes()
        }
    }

    /// `ObjectNode.get(name)`: the value of the last member called `name`. `None` for
    /// non-objects, as `JsonNode.get` returns null for them.
    pub(crate) fn get(&self, obj: u32, name: &str) -> Option<u32> {
        if self.node(obj).kind != Kind::Object {
            return None;
        }
        let mut found = None;
        for (k, v) in self.members(obj) {
            if self.key_is(k, name) {
                found = Some(v);
            }
        }
        found
    }

    /// The decoded text of a string node.
    pub(crate) fn text_of(&self, i: u32) -> Cow<'a, str> {
        let n = self.node(i);
        let (s, e) = (n.start as usize, n.end as usize);
        if let (false, Some(text)) = (n.escaped, self.text) {
            return Cow::Borrowed(&text[s..e]);
        }
        string_text(&self.input[s..e], n.escaped)
    }

    /// A number node's text (ASCII).
    pub(crate) fn number_text(&self, i: u32) -> &'a str {
        std::str::from_utf8(self.span(i)).unwrap_or("0")
    }

    /// Jackson's `JsonNode.getNodeType()` name, used in Connect's error messages.
    pub(crate) fn node_type(&self, i: u32) -> &'static str {
        match self.node(i).kind {
            Kind::Null => "NULL",
            Kind::True | Kind::False => "BOOLEAN",
            Kind::Int | Kind::Long | Kind::BigInt | Kind::Decimal => "NUMBER",
            Kind::String => "STRING",
            Kind::Array => "ARRAY",
            Kind::Object | Kind::Raw => "OBJECT",
            Kind::Missing => "MISSING",
        }
    }
}

/// Iterator over object members.
pub(crate) struct Members<'a> {
    nodes: &'a [Node],
    next: u32,
    left: u32,
}

impl Iterator for Members<'_> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = self.next;
        let value = key + 1;
        self.next = self.nodes[value as usize].next;
        Some((key, value))
    }
}

/// Iterator over array elements or object member values.
pub(crate) struct Elements<'a> {
    nodes: &'a [Node],
    next: u32,
    left: u32,
    object: bool,
}

impl Iterator for Elements<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let value = if self.object { self.next + 1 } else { self.next };
        self.next = self.nodes[value as usize].next;
        Some(value)
    }
}

/// `raw` as text when it is all ASCII, as most names and values are. `is_ascii` checks a word
/// at a time, where `str::from_utf8` walks short strings byte by byte: that walk was a tenth of
/// the instructions of reading the sample envelope (`tests::bench_envelope_round_trip`).
#[inline]
pub(crate) fn ascii_text(raw: &[u8]) -> Option<&str> {
    if raw.is_ascii() {
        // SAFETY: every byte is below 0x80, and ASCII text is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(raw) })
    } else {
        None
    }
}

/// The text of a string token's content (`raw`, between the quotes); `escaped` as the scanner
/// reported it.
#[inline]
pub(crate) fn string_text(raw: &[u8], escaped: bool) -> Cow<'_, str> {
    if !escaped {
        if let Some(text) = ascii_text(raw) {
            return Cow::Borrowed(text);
        }
        // The scanner accepted only well-formed UTF-8 in an unescaped string, so this succeeds.
        if let Ok(text) = std::str::from_utf8(raw) {
            return Cow::Borrowed(text);
        }
    }
    Cow::Owned(decode_string(raw))
}

/// Decodes string content with escapes and Jackson-lenient UTF-8. The content was validated by
/// the parser, so malformed pieces cannot occur; unpaired surrogates become U+FFFD.
fn decode_string(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let mut pending_high: Option<u16> = None;
    let flush = |out: &mut String, pending: &mut Option<u16>| {
        if pending.take().is_some() {
            out.push('\u{FFFD}');
        }
    };
    while i < raw.len() {
        let c = raw[i];
        if c == b'\\' {
            let e = raw[i + 1];
            if e == b'u' {
                let hex = std::str::from_utf8(&raw[i + 2..i + 6]).unwrap_or("FFFD");
                let unit = u16::from_str_radix(hex, 16).unwrap_or(0xFFFD);
                i += 6;
                match unit {
                    0xD800..=0xDBFF => {
                        flush(&mut out, &mut pending_high);
                        pending_high = Some(unit);
                    }
                    0xDC00..=0xDFFF => {
                        if let Some(high) = pending_high.take() {
                            let cp =
                                0x1_0000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        } else {
                            out.push('\u{FFFD}');
                        }
                    }
                    _ => {
                        flush(&mut out, &mut pending_high);
                        out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
                    }
                }
                continue;
            }
            flush(&mut out, &mut pending_high);
            out.push(match e {
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                other => char::from(other),
            });
            i += 2;
            continue;
        }
        flush(&mut out, &mut pending_high);
        if c < 0x80 {
            out.push(char::from(c));
            i += 1;
            continue;
        }
        let len = match c {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        let end = (i + len).min(raw.len());
        let mut cp = u32::from(c) & (0x7F >> len);
        for &b in &raw[i + 1..end] {
            cp = (cp << 6) | u32::from(b & 0x3F);
        }
        if len == 4 && !(0x1_0000..=0x10_FFFF).contains(&cp) {
            // Jackson splits such a value into two (invalid) UTF-16 units.
            out.push_str("\u{FFFD}\u{FFFD}");
        } else {
            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
        }
        i = end;
    }
    flush(&mut out, &mut pending_high);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &[u8]) -> Vec<Node> {
        let mut nodes = Vec::new();
        parse(std::str::from_utf8(text).ok(), text, &mut nodes, None).unwrap();
        assert_ne!(nodes[0].kind, Kind::Missing);
        nodes
    }

    fn parse_err(text: &[u8]) -> String {
        let mut nodes = Vec::new();
        parse(std::str::from_utf8(text).ok(), text, &mut nodes, None).unwrap_err().0
    }

    #[test]
    fn numbers_are_classified_like_jackson_nodes() {
        for (text, kind) in [
            (&b"7"[..], Kind::Int),
            (b"007", Kind::Int),
            (b"-0", Kind::Int),
            (b"2147483648", Kind::Long),
            (b"-2147483649", Kind::Long),
            (b"9223372036854775807", Kind::Long),
            (b"-9223372036854775808", Kind::Long),
            (b"9223372036854775808", Kind::BigInt),
            (b"1.0", Kind::Decimal),
            (b"1e5", Kind::Decimal),
            (b"00.5", Kind::Decimal),
        ] {
            assert_eq!(parse_ok(text)[0].kind, kind, "{}", String::from_utf8_lossy(text));
        }
        assert_eq!(parse_ok(b"-007")[0].int, -7);
        assert_eq!(parse_ok(b"-9223372036854775808")[0].int, i64::MIN);
    }

    #[test]
    fn only_the_first_root_value_is_read() {
        assert_eq!(parse_ok(b"1 2")[0].int, 1);
        assert_eq!(parse_ok(b"{\"a\":1} xx").len(), 3);
        assert_eq!(parse_ok(b"true]")[0].kind, Kind::True);
        assert!(parse_err(b"1x").contains("Expected space separating root-level values"));
        assert!(parse_err(b"1]").contains("Expected space separating root-level values"));
        assert!(parse_err(b"truex").contains("Unrecognized token 'truex'"));
        let mut nodes = Vec::new();
        for blank in [&b"  \n"[..], b""] {
            parse(std::str::from_utf8(blank).ok(), blank, &mut nodes, None).unwrap();
            assert_eq!(nodes[0].kind, Kind::Missing);
        }
    }

    #[test]
    fn rejects_what_jackson_rejects() {
        for (text, fragment) in [
            (&b"+1"[..], "expected a valid value"),
            (b".5", "expected a valid value"),
            (b"1.", "end-of-input"),
            (b"1.e5", "Decimal point not followed by a digit"),
            (b"1e", "end-of-input"),
            (b"NaN", "expected a valid value"),
            (b"[1,", "end-of-input"),
            (b"[1,]", "expected a valid value"),
            (b"{\"a\":1,}", "double-quote to start field name"),
            (b"\"a\nb\"", "Illegal unquoted character"),
            (b"\"\\x\"", "Unrecognized character escape"),
            (b"/*c*/1", "comment"),
            (b"\"\x80\"", "Invalid UTF-8 start byte 0x80"),
            (b"\"\xC3\x28\"", "Invalid UTF-8 middle byte 0x28"),
            (b"\"\xED\xA0\x80\"", "Illegal surrogate character 0xd800"),
            (b"1e-2147483648", "Exponent overflow"),
            (b"\x01", "Illegal character"),
        ] {
            let err = parse_err(text);
            assert!(err.contains(fragment), "{}: {err}", String::from_utf8_lossy(text));
        }
        let deep = "[".repeat(1001);
        assert!(parse_err(deep.as_bytes()).contains("nesting depth (1001)"));
        let long = "1".repeat(1001);
        assert!(parse_err(long.as_bytes()).contains("Number value length (1001)"));
    }

    #[test]
    fn strings_decode_escapes_and_lenient_utf8() {
        let text = br#"["a\"b\\c\/\b\f\n\r\t\u00e9", "\ud83d\ude00", "\ud800x", "plain"]"#;
        let nodes = parse_ok(text);
        let doc = Doc::new(text, std::str::from_utf8(text).ok(), &nodes);
        let items: Vec<String> = doc.elements(0).map(|i| doc.text_of(i).into_owned()).collect();
        assert_eq!(items, ["a\"b\\c/\u{8}\u{c}\n\r\té", "😀", "\u{FFFD}x", "plain"]);
        assert!(matches!(doc.text_of(nodes.len() as u32 - 1), Cow::Borrowed("plain")));
        // Overlong encodings are accepted by Jackson and decoded.
        let text = b"\"\xC0\x80\xE0\x80\x80\"";
        let nodes = parse_ok(text);
        assert_eq!(Doc::new(text, None, &nodes).text_of(0), "\0\0");
    }

    #[test]
    fn object_lookup_takes_the_last_duplicate() {
        let text = br#"{"a":1,"b":[true,null],"a":2}"#;
        let nodes = parse_ok(text);
        let doc = Doc::new(text, std::str::from_utf8(text).ok(), &nodes);
        assert_eq!(doc.node(doc.get(0, "a").unwrap()).int, 2);
        assert_eq!(doc.members(0).count(), 3);
        let b = doc.get(0, "b").unwrap();
        assert_eq!(doc.elements(b).map(|i| doc.node(i).kind).collect::<Vec<_>>(), [Kind::True, Kind::Null]);
        assert_eq!(doc.get(b, "a"), None);
    }

    #[test]
    fn encodings_are_detected_from_the_first_bytes() {
        assert_eq!(detect_encoding(b"\xEF\xBB\xBF1").unwrap(), Encoding::Utf8(3));
        assert_eq!(detect_encoding(b"\xFE\xFF\x001").unwrap(), Encoding::Utf16 { big_endian: true, skip: 2 });
        assert_eq!(detect_encoding(b"\x001").unwrap(), Encoding::Utf16 { big_endian: true, skip: 0 });
        assert_eq!(detect_encoding(b"1\x00").unwrap(), Encoding::Utf16 { big_endian: false, skip: 0 });
        assert_eq!(detect_encoding(b"\x00\x00\x001").unwrap(), Encoding::Utf32 { big_endian: true, skip: 0 });
        assert_eq!(detect_encoding(b"{\"a\"").unwrap(), Encoding::Utf8(0));
        // The shortcut for plain UTF-8 decides as the full detection does, for every first two
        // bytes and with the bytes after them that the full detection also looks at.
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                for tail in [&b""[..], b"\x00", b"\x00\x00", b"\xBF1", b"\xFF\x00", b"a"] {
                    let input = [&[first, second][..], tail].concat();
                    for bytes in [&input[..], &input[..1]] {
                        assert_eq!(
                            detect_encoding(bytes).map_err(|e| e.0),
                            detect_encoding_in_full(bytes).map_err(|e| e.0),
                            "{bytes:?}"
                        );
                    }
                }
            }
        }
        let mut out = Vec::new();
        transcode(b"\xFF\xFE1\x00", Encoding::Utf16 { big_endian: false, skip: 2 }, &mut out).unwrap();
        assert_eq!(out, b"1");
    }

    #[test]
    fn cached_schema_is_skipped_as_one_raw_node() {
        let schema = br#"{"type":"int32","optional":false}"#;
        let text = br#"{"schema":{"type":"int32","optional":false},"payload":5}"#;
        let mut nodes = Vec::new();
        parse(std::str::from_utf8(text).ok(), text, &mut nodes, Some(schema)).unwrap();
        let doc = Doc::new(text, std::str::from_utf8(text).ok(), &nodes);
        let s = doc.get(0, "schema").unwrap();
        assert_eq!(doc.node(s).kind, Kind::Raw);
        assert_eq!(doc.span(s), schema);
        assert_eq!(doc.node(doc.get(0, "payload").unwrap()).int, 5);
    }
}
