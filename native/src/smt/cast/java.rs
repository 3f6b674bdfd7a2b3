//! Java's parsers and `Base64` encoder for the values `Cast` converts.
//!
//! Connect compat: `Cast.castTo*` parses strings with `Byte/Short/Integer/Long.parseX` and
//! `Float/Double.parseX`, and encodes bytes with `Base64.getEncoder()`. These functions reproduce
//! them so the results (and what is rejected) match a Connect worker. Java's `toString` of
//! numbers, `BigDecimal` and dates lives in [`crate::data::display`] and [`crate::data::decimal`].
//!
//! The JSON converter has its own Base64 (`convert/json/base64.rs`, Jackson's variant with a
//! lenient decoder) in a private module; the encoders agree.

use crate::smt::literal::java_trim;

/// `Long.parseLong`-style decimal parsing, then a range check as `Byte/Short/Integer.parseX` do.
/// `None` is Java's `NumberFormatException`.
pub fn parse_integer(text: &str, min: i64, max: i64) -> Option<i64> {
    // Rust's integer parser has Java's grammar for ASCII digits: optional +/-, then digits only.
    text.parse::<i64>().ok().filter(|v| (min..=max).contains(v))
}

/// The part of `FloatingDecimal.readJavaFormatString` that Rust's float parser does not share:
/// Java trims ASCII control characters and spaces, accepts `NaN`/`Infinity` only in that
/// spelling, and allows a trailing `f`/`F`/`d`/`D`. Returns the text Rust should parse.
fn java_float_text(text: &str) -> Option<String> {
    let trimmed = java_trim(text);
    let (sign, body) = match trimmed.as_bytes().first()? {
        b'+' | b'-' => trimmed.split_at(1),
        _ => ("", trimmed),
    };
    if body == "NaN" || body == "Infinity" {
        return Some(format!("{sign}{body}"));
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.len() + frac_part.len() == 0 || !digits_ok(int_part) || !digits_ok(frac_part) {
        return None;
    }
    if let Some(exponent) = exponent {
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if digits.is_empty() || !digits_ok(digits) {
            return None;
        }
    }
    Some(format!("{sign}{body}"))
}

/// `Double.parseDouble` (hexadecimal floating literals are not supported).
pub fn parse_double(text: &str) -> Option<f64> {
    java_float_text(text)?.parse().ok()
}

/// `Float.parseFloat` (hexadecimal floating literals are not supported).
pub fn parse_float(text: &str) -> Option<f32> {
    java_float_text(text)?.parse().ok()
}

/// `Base64.getEncoder().encodeToString(bytes)`: standard alphabet, padded.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_follow_java_grammar() {
        assert_eq!(parse_integer("42", -128, 127), Some(42));
        assert_eq!(parse_integer("+42", -128, 127), Some(42));
        assert_eq!(parse_integer("200", -128, 127), None);
        assert_eq!(parse_integer(" 42", -128, 127), None);
        assert_eq!(parse_integer("-", i64::MIN, i64::MAX), None);
        assert_eq!(parse_double(" 1.5e3 "), Some(1500.0));
        assert_eq!(parse_double("1.5d"), Some(1.5));
        assert_eq!(parse_double(".5"), Some(0.5));
        assert_eq!(parse_double("5."), Some(5.0));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_double("NaN").unwrap().is_nan());
        for bad in ["", ".", "inf", "nan", "1e", "1.5x", "1,5", "e5", "0x1p3"] {
            assert_eq!(parse_double(bad), None, "{bad}");
        }
        assert_eq!(parse_float("3.4028236e38"), Some(f32::INFINITY));
    }

    #[test]
    fn base64_is_standard_and_padded() {
        assert_eq!(base64(&[0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]), "/ty6mHZUMhA=");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }
}
