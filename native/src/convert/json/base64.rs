//! Base64 as Jackson's default variant (`MIME-NO-LINEFEEDS`) writes and reads it.
//!
//! Connect compat: JsonConverter writes bytes with `JsonNodeFactory.binaryNode` and reads them
//! with `TextNode.binaryValue()`: standard alphabet, `=` padding written and required, no line
//! feeds. Reading trims the text (Java `String.trim()`), allows white space (any char <= 0x20)
//! between four-character units only, accepts more units after a padded one, and ignores
//! non-zero trailing bits. Hand-rolled because these leniencies are Jackson's, not RFC 4648's.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Decoding table: 0..=63 for alphabet chars, -2 for `=`, -1 for anything else.
const DECODE: [i8; 256] = {
    let mut table = [-1i8; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as i8;
        i += 1;
    }
    table[b'=' as usize] = -2;
    table
};

/// Appends the padded Base64 of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            ALPHABET[(n >> 18) as usize & 63],
            ALPHABET[(n >> 12) as usize & 63],
            ALPHABET[(n >> 6) as usize & 63],
            ALPHABET[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[
                ALPHABET[(n >> 18) as usize & 63],
                ALPHABET[(n >> 12) as usize & 63],
                b'=',
                b'=',
            ]);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[
                ALPHABET[(n >> 18) as usize & 63],
                ALPHABET[(n >> 12) as usize & 63],
                ALPHABET[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
}

/// The Base64 decoding error; Connect replaces Jackson's text with its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidBase64;

/// Decodes text as `TextNode.binaryValue()` does, appending to `out`.
pub(crate) fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), InvalidBase64> {
    // Java's trim(): strip chars <= ' ' at both ends.
    let start = text.iter().position(|&b| b > b' ').unwrap_or(text.len());
    let end = text.iter().rposition(|&b| b > b' ').map_or(start, |p| p + 1);
    let s = &text[start..end];
    out.reserve(s.len() / 4 * 3);
    let mut i = 0;
    let next = |i: &mut usize| -> Result<i32, InvalidBase64> {
        let b = *s.get(*i).ok_or(InvalidBase64)?;
        *i += 1;
        Ok(i32::from(DECODE[b as usize]))
    };
    loop {
        // White space is allowed only before a unit.
        while i < s.len() && s[i] <= b' ' {
            i += 1;
        }
        if i >= s.len() {
            return Ok(());
        }
        let b0 = next(&mut i)?;
        let b1 = next(&mut i)?;
        if b0 < 0 || b1 < 0 {
            return Err(InvalidBase64);
        }
        let mut data = (b0 << 6) | b1;
        let b2 = next(&mut i)?;
        if b2 < 0 {
            // Only padding may follow two chars, and then exactly one more '='.
            if b2 != -2 || next(&mut i)? != -2 {
                return Err(InvalidBase64);
            }
            out.push((data >> 4) as u8);
            continue;
        }
        data = (data << 6) | b2;
        let b3 = next(&mut i)?;
        if b3 < 0 {
            if b3 != -2 {
                return Err(InvalidBase64);
            }
            data >>= 2;
            out.extend_from_slice(&[(data >> 8) as u8, data as u8]);
            continue;
        }
        data = (data << 6) | b3;
        out.extend_from_slice(&[(data >> 16) as u8, (data >> 8) as u8, data as u8]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<Vec<u8>, InvalidBase64> {
        let mut out = Vec::new();
        decode_into(text.as_bytes(), &mut out).map(|()| out)
    }

    #[test]
    fn encodes_with_padding() {
        for (bytes, text) in [
            (&[][..], ""),
            (&[1, 2, 3, 255][..], "AQID/w=="),
            (&[0, 0x96][..], "AJY="),
            (&[1][..], "AQ=="),
            (&[1, 2, 3][..], "AQID"),
        ] {
            let mut out = Vec::new();
            encode_into(bytes, &mut out);
            assert_eq!(out, text.as_bytes());
            assert_eq!(decode(text).unwrap(), bytes);
        }
    }

    #[test]
    fn decoding_has_jacksons_leniency() {
        // Outcomes observed from Connect's JsonConverter (bytes schema) with Jackson 2.21.
        assert_eq!(decode(" AQID "), Ok(vec![1, 2, 3]));
        assert_eq!(decode("AQ==AQID"), Ok(vec![1, 1, 2, 3]));
        assert_eq!(decode("AQID AQID"), Ok(vec![1, 2, 3, 1, 2, 3]));
        assert_eq!(decode("AR=="), Ok(vec![1])); // trailing bits ignored
        assert_eq!(decode("AQI"), Err(InvalidBase64)); // padding required
        assert_eq!(decode("abc"), Err(InvalidBase64));
        assert_eq!(decode(" AQ ID"), Err(InvalidBase64)); // space inside a unit
        assert_eq!(decode("AQ=A"), Err(InvalidBase64));
        assert_eq!(decode("A==="), Err(InvalidBase64));
        assert_eq!(decode("AQ-_"), Err(InvalidBase64)); // URL alphabet is not accepted
    }
}
