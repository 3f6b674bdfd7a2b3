//! The Java character sets `StringConverter` supports, with Java's replacement behaviour.
//!
//! Connect compat: `StringSerializer`/`StringDeserializer` call `String.getBytes(charset)` and
//! `new String(bytes, charset)`, which never fail: unmappable characters encode as `?` and
//! malformed input decodes as U+FFFD. How many U+FFFD a malformed sequence becomes is Java's
//! own rule (`java.lang.String#decodeUTF8_UTF16`, `sun.nio.cs.UnicodeDecoder`), reproduced here
//! so the same bytes give the same string as in a Java worker.

/// A supported Java charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    Utf8,
    /// `UTF-16`: decoding honours a byte-order mark (default big-endian); encoding writes FE FF.
    Utf16,
    Utf16Be,
    Utf16Le,
    Latin1,
    Ascii,
}

const REPL: char = '\u{FFFD}';

impl Charset {
    /// Java's `Charset.forName` for the supported charsets and their aliases (case-insensitive).
    pub(crate) fn for_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => Self::Utf8,
            "utf-16" | "utf_16" | "utf16" | "unicode" | "unicodebig" => Self::Utf16,
            "utf-16be" | "utf_16be" | "x-utf-16be" | "iso-10646-ucs-2" | "unicodebigunmarked" => {
                Self::Utf16Be
            }
            "utf-16le" | "utf_16le" | "x-utf-16le" | "unicodelittleunmarked" => Self::Utf16Le,
            "iso-8859-1" | "iso8859-1" | "latin1" | "ibm819" | "csisolatin1" | "iso_8859_1" | "cp819"
            | "ibm-819" | "8859_1" | "iso_8859-1" | "l1" | "819" | "iso8859_1" | "iso_8859-1:1987"
            | "iso-ir-100" => Self::Latin1,
            "us-ascii" | "646" | "us" | "ansi_x3.4-1986" | "cp367" | "iso-ir-6" | "ascii"
            | "iso_646.irv:1983" | "ansi_x3.4-1968" | "ascii7" | "ibm367" | "csascii"
            | "iso_646.irv:1991" | "iso646-us" => Self::Ascii,
            _ => return None,
        })
    }

    /// `String.getBytes(charset)`, appended to `out`.
    pub(crate) fn encode(self, text: &str, out: &mut Vec<u8>) {
        match self {
            Self::Utf8 => out.extend_from_slice(text.as_bytes()),
            Self::Utf16 => {
                out.extend_from_slice(&[0xFE, 0xFF]);
                text.encode_utf16().for_each(|u| out.extend_from_slice(&u.to_be_bytes()));
            }
            Self::Utf16Be => text.encode_utf16().for_each(|u| out.extend_from_slice(&u.to_be_bytes())),
            Self::Utf16Le => text.encode_utf16().for_each(|u| out.extend_from_slice(&u.to_le_bytes())),
            // One '?' per unmappable code point: Java treats a surrogate pair as one character.
            Self::Latin1 => out.extend(text.chars().map(|c| u8::try_from(c).unwrap_or(b'?'))),
            Self::Ascii => out.extend(text.chars().map(|c| if c.is_ascii() { c as u8 } else { b'?' })),
        }
    }

    /// `new String(bytes, charset)`.
    pub(crate) fn decode(self, bytes: &[u8]) -> String {
        match self {
            Self::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => s.to_owned(),
                Err(_) => decode_utf8_java(bytes),
            },
            Self::Utf16 => decode_utf16(bytes, None),
            Self::Utf16Be => decode_utf16(bytes, Some(true)),
            Self::Utf16Le => decode_utf16(bytes, Some(false)),
            Self::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            Self::Ascii => bytes.iter().map(|&b| if b.is_ascii() { char::from(b) } else { REPL }).collect(),
        }
    }
}

fn is_not_continuation(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// A port of `java.lang.String#decodeUTF8_UTF16` with `doReplace = true`.
pub(crate) fn decode_utf8_java(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len());
    let sl = src.len();
    let mut sp = 0;
    while sp < sl {
        let b1 = src[sp];
        sp += 1;
        if b1 < 0x80 {
            out.push(char::from(b1));
        } else if (0xC2..=0xDF).contains(&b1) {
            if sp < sl {
                let b2 = src[sp];
                sp += 1;
                if is_not_continuation(b2) {
                    out.push(REPL);
                    sp -= 1;
                } else {
                    let c = (u32::from(b1 & 0x1F) << 6) | u32::from(b2 & 0x3F);
                    out.push(char::from_u32(c).unwrap_or(REPL));
                }
                continue;
            }
            out.push(REPL);
            break;
        } else if (0xE0..=0xEF).contains(&b1) {
            let malformed3_2 = |b2: u8| (b1 == 0xE0 && b2 & 0xE0 == 0x80) || is_not_continuation(b2);
            if sp + 1 < sl {
                let (b2, b3) = (src[sp], src[sp + 1]);
                sp += 2;
                if malformed3_2(b2) || is_not_continuation(b3) {
                    out.push(REPL);
                    // Java's malformed3: skip one byte, or two when b2 was a good continuation.
                    sp -= 3;
                    sp += if malformed3_2(src[sp + 1]) { 1 } else { 2 };
                } else {
                    let c = (u32::from(b1 & 0x0F) << 12) | (u32::from(b2 & 0x3F) << 6) | u32::from(b3 & 0x3F);
                    // Surrogate code points are malformed (one replacement for all three bytes).
                    out.push(char::from_u32(c).unwrap_or(REPL));
                }
                continue;
            }
            if sp < sl && malformed3_2(src[sp]) {
                out.push(REPL);
                continue;
            }
            out.push(REPL);
            break;
        } else if (0xF0..=0xF7).contains(&b1) {
            if sp + 2 < sl {
                let (b2, b3, b4) = (src[sp], src[sp + 1], src[sp + 2]);
                sp += 3;
                let uc = (u32::from(b1 & 0x07) << 18)
                    | (u32::from(b2 & 0x3F) << 12)
                    | (u32::from(b3 & 0x3F) << 6)
                    | u32::from(b4 & 0x3F);
                let malformed = is_not_continuation(b2) || is_not_continuation(b3) || is_not_continuation(b4);
                if malformed || !(0x1_0000..=0x10_FFFF).contains(&uc) {
                    out.push(REPL);
                    sp -= 4;
                    sp += malformed4(src, sp);
                } else {
                    out.push(char::from_u32(uc).unwrap_or(REPL));
                }
                continue;
            }
            if b1 > 0xF4 || (sp < sl && malformed4_2(b1, src[sp])) {
                out.push(REPL);
                continue;
            }
            sp += 1;
            out.push(REPL);
            if sp < sl && is_not_continuation(src[sp]) {
                continue;
            }
            break;
        } else {
            out.push(REPL);
        }
    }
    out
}

fn malformed4_2(b1: u8, b2: u8) -> bool {
    (b1 == 0xF0 && !(0x90..=0xBF).contains(&b2))
        || (b1 == 0xF4 && b2 & 0xF0 != 0x80)
        || is_not_continuation(b2)
}

/// Java's `malformed4`: how many bytes of a bad four-byte sequence one replacement covers.
fn malformed4(src: &[u8], sp: usize) -> usize {
    let (b1, b2) = (src[sp], src[sp + 1]);
    if b1 > 0xF4 || malformed4_2(b1, b2) {
        1
    } else if is_not_continuation(src[sp + 2]) {
        2
    } else {
        3
    }
}

/// A port of `sun.nio.cs.UnicodeDecoder` under `CodingErrorAction.REPLACE`; `big_endian` is
/// `None` for `UTF-16`, which reads an optional byte-order mark and defaults to big-endian.
pub(crate) fn decode_utf16(src: &[u8], big_endian: Option<bool>) -> String {
    let mut out = String::with_capacity(src.len() / 2);
    let mut order = big_endian;
    let unit = |order: Option<bool>, b1: u8, b2: u8| {
        if order == Some(false) {
            u16::from_le_bytes([b1, b2])
        } else {
            u16::from_be_bytes([b1, b2])
        }
    };
    let mut i = 0;
    while src.len() - i > 1 {
        let (b1, b2) = (src[i], src[i + 1]);
        if order.is_none() {
            match u16::from_be_bytes([b1, b2]) {
                0xFEFF => {
                    order = Some(true);
                    i += 2;
                    continue;
                }
                0xFFFE => {
                    order = Some(false);
                    i += 2;
                    continue;
                }
                _ => order = Some(true),
            }
        }
        let c = unit(order, b1, b2);
        if (0xD800..=0xDBFF).contains(&c) {
            if src.len() - i < 4 {
                break; // underflow: the tail below becomes one replacement
            }
            let c2 = unit(order, src[i + 2], src[i + 3]);
            i += 4;
            if (0xDC00..=0xDFFF).contains(&c2) {
                let cp = 0x1_0000 + ((u32::from(c) - 0xD800) << 10) + (u32::from(c2) - 0xDC00);
                out.push(char::from_u32(cp).unwrap_or(REPL));
            } else {
                out.push(REPL); // malformedForLength(4)
            }
            continue;
        }
        i += 2;
        // An unpaired low surrogate is malformed (length 2); everything else is a BMP char.
        out.push(char::from_u32(u32::from(c)).unwrap_or(REPL));
    }
    if i < src.len() {
        // End of input inside a unit or a surrogate pair: one replacement for the remainder.
        out.push(REPL);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    #[test]
    fn aliases_resolve_case_insensitively() {
        assert_eq!(Charset::for_name("UTF8"), Some(Charset::Utf8));
        assert_eq!(Charset::for_name("Latin1"), Some(Charset::Latin1));
        assert_eq!(Charset::for_name("UnicodeBig"), Some(Charset::Utf16));
        assert_eq!(Charset::for_name("ascii"), Some(Charset::Ascii));
        assert_eq!(Charset::for_name("bogus"), None);
    }

    #[test]
    fn encodings_match_java_get_bytes() {
        // Java: "é😀x".getBytes(cs) for each charset.
        let text = "é😀x";
        for (cs, expected) in [
            (Charset::Utf16, &[0xFE, 0xFF, 0, 0xE9, 0xD8, 0x3D, 0xDE, 0, 0, 0x78][..]),
            (Charset::Utf16Be, &[0, 0xE9, 0xD8, 0x3D, 0xDE, 0, 0, 0x78][..]),
            (Charset::Utf16Le, &[0xE9, 0, 0x3D, 0xD8, 0, 0xDE, 0x78, 0][..]),
            (Charset::Latin1, &[0xE9, b'?', b'x'][..]),
            (Charset::Ascii, &[b'?', b'?', b'x'][..]),
            (Charset::Utf8, &[0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0x78][..]),
        ] {
            let mut out = Vec::new();
            cs.encode(text, &mut out);
            assert_eq!(out, expected, "{cs:?}");
            if !matches!(cs, Charset::Latin1 | Charset::Ascii) {
                assert_eq!(cs.decode(&out), text, "{cs:?}");
            }
        }
    }

    #[test]
    fn malformed_utf8_replaces_as_java_does() {
        // Code points Java 25 printed for new String(bytes, UTF_8).
        for (bytes, expected) in [
            (&[0x80][..], vec![0xFFFD]),
            (&[0xC3, 0x28], vec![0xFFFD, 0x28]),
            (&[0xE2, 0x82], vec![0xFFFD]),
            (&[0xF0, 0x9F, 0x98], vec![0xFFFD]),
            (&[0xED, 0xA0, 0x80], vec![0xFFFD]),
            (&[0xC0, 0x80], vec![0xFFFD, 0xFFFD]),
            (&[0xF4, 0x90, 0x80, 0x80], vec![0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD]),
        ] {
            assert_eq!(cps(&Charset::Utf8.decode(bytes)), expected, "{bytes:x?}");
        }
    }

    #[test]
    fn utf16_decoding_follows_unicode_decoder() {
        // Java: new String(bytes, "UTF-16").
        assert_eq!(cps(&Charset::Utf16.decode(&[0xFF, 0xFE, 0x41, 0])), [0x41]);
        assert_eq!(cps(&Charset::Utf16.decode(&[0, 0x41, 0])), [0x41, 0xFFFD]);
        assert_eq!(cps(&Charset::Utf16.decode(&[0xD8, 0, 0, 0x41])), [0xFFFD]);
        // UTF-16BE keeps a leading FEFF as a character.
        assert_eq!(cps(&Charset::Utf16Be.decode(&[0xFE, 0xFF, 0, 0x41])), [0xFEFF, 0x41]);
        assert_eq!(cps(&Charset::Ascii.decode(&[0x41, 0x80])), [0x41, 0xFFFD]);
    }
}
