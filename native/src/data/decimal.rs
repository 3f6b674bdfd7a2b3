//! Arbitrary-precision helpers for Connect's `Decimal` logical value (Java `BigDecimal`).
//!
//! A [`Decimal`] stores its unscaled value as big-endian two's-complement bytes, exactly as
//! `BigInteger.toByteArray()` produces them and as Connect puts them on the wire. The functions
//! here convert between that form and decimal text with Java's semantics: `new BigDecimal(String)`
//! for parsing, `BigDecimal.toString()` (scientific notation when the exponent is small) and
//! `toPlainString()` for printing, and `setScale` for rescaling. The arithmetic is a small
//! base-10^9 / base-2^32 magnitude type; values on this path are a few dozen digits long, so a
//! general bigint crate would buy nothing.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use super::value::Decimal;

/// Why a decimal string could not be parsed (Java's `NumberFormatException` cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalParseError {
    /// Not `[sign] digits [. digits] [(e|E) [sign] digits]` with at least one digit.
    Syntax,
    /// The scale (fraction digits minus exponent) does not fit in an `i32`.
    ExponentOverflow,
}

impl fmt::Display for DecimalParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax => f.write_str("Not a decimal number."),
            Self::ExponentOverflow => f.write_str("Exponent overflow."),
        }
    }
}

impl std::error::Error for DecimalParseError {}

/// Java's `RoundingMode` values that Connect code paths use when rescaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundingMode {
    /// Rounding is not allowed; rescaling that would lose digits fails.
    Unnecessary,
    /// Round towards zero (truncate).
    Down,
    /// Round half away from zero.
    HalfUp,
    /// Round half to the even neighbour (banker's rounding).
    HalfEven,
}

/// The shortest two's-complement form of `bytes`: leading sign-extension bytes removed, as
/// `BigInteger.toByteArray()` would write it. An empty input stays empty.
pub fn minimal_twos_complement(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (b, next) = (bytes[start], bytes[start + 1]);
        // A 0x00 (0xFF) byte is redundant when the next byte already carries the same sign bit.
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    &bytes[start..]
}

/// An unsigned magnitude, little-endian base-2^32 limbs, no trailing zero limbs (zero is empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Magnitude(Vec<u32>);

impl Magnitude {
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// `self = self * mul + add`.
    fn mul_add(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(mul) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    /// Divides in place by `div`, returning the remainder.
    fn div_rem_small(&mut self, div: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / u64::from(div)) as u32;
            rem = cur % u64::from(div);
        }
        self.trim();
        rem as u32
    }

    /// Parses ASCII decimal digits (no sign); the caller guarantees they are digits.
    fn from_digits(digits: &[u8]) -> Self {
        let mut m = Self::default();
        // Consume 9 digits at a time: 10^9 fits in a u32 limb multiplier.
        let head = digits.len() % 9;
        let mut chunks = Vec::with_capacity(digits.len() / 9 + 1);
        if head > 0 {
            chunks.push(&digits[..head]);
        }
        chunks.extend(digits[head..].chunks(9));
        for chunk in chunks {
            let mut v = 0u32;
            for d in chunk {
                v = v * 10 + u32::from(d - b'0');
            }
            m.mul_add(10u32.pow(chunk.len() as u32), v);
        }
        m.trim();
        m
    }

    /// The decimal digits (no sign); `"0"` for zero.
    fn to_digits(&self) -> String {
        if self.is_zero() {
            return "0".to_owned();
        }
        let mut m = self.clone();
        let mut parts = Vec::new();
        while !m.is_zero() {
            parts.push(m.div_rem_small(1_000_000_000));
        }
        let mut out = parts.pop().map(|p| p.to_string()).unwrap_or_default();
        for p in parts.iter().rev() {
            // Writing into a String cannot fail.
            let _ = write!(out, "{p:09}");
        }
        out
    }

    /// Reads the magnitude and sign of big-endian two's-complement bytes.
    fn from_twos_complement(bytes: &[u8]) -> (bool, Self) {
        let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
        let mut mag: Vec<u8> = bytes.to_vec();
        if negative {
            // Negate: invert and add one, walking from the least significant byte.
            let mut carry = true;
            for b in mag.iter_mut().rev() {
                let (v, c) = (!*b).overflowing_add(u8::from(carry));
                *b = v;
                carry = c;
            }
        }
        let mut limbs = Vec::with_capacity(mag.len() / 4 + 1);
        for chunk in mag.rchunks(4) {
            let mut v = 0u32;
            for b in chunk {
                v = (v << 8) | u32::from(*b);
            }
            limbs.push(v);
        }
        let mut m = Self(limbs);
        m.trim();
        (negative && !m.is_zero(), m)
    }

    /// Minimal big-endian two's-complement bytes of `±self` (`[0]` for zero), as
    /// `BigInteger.toByteArray()`.
    fn to_twos_complement(&self, negative: bool) -> Vec<u8> {
        let mut bytes: Vec<u8> = Vec::with_capacity(self.0.len() * 4 + 1);
        bytes.push(0); // room for a sign byte
        for limb in self.0.iter().rev() {
            bytes.extend_from_slice(&limb.to_be_bytes());
        }
        if negative {
            let mut carry = true;
            for b in bytes.iter_mut().rev() {
                let (v, c) = (!*b).overflowing_add(u8::from(carry));
                *b = v;
                carry = c;
            }
        }
        let len = minimal_twos_complement(&bytes).len();
        bytes.drain(..bytes.len() - len);
        bytes
    }
}

/// Decimal digits of a two's-complement big-endian integer, with a leading `-` when negative
/// (`BigInteger.toString()`). Empty input reads as zero.
pub fn twos_complement_to_string(bytes: &[u8]) -> String {
    let (negative, mag) = Magnitude::from_twos_complement(bytes);
    let digits = mag.to_digits();
    if negative {
        format!("-{digits}")
    } else {
        digits
    }
}

/// Minimal two's-complement big-endian bytes of the integer written as ASCII `digits` (no sign,
/// at least one digit), negated when `negative`.
///
/// # Panics
/// Never for valid input; non-digit bytes are a caller bug and produce garbage, not a panic.
pub fn twos_complement_from_digits(digits: &[u8], negative: bool) -> Vec<u8> {
    Magnitude::from_digits(digits).to_twos_complement(negative)
}

/// Minimal two's-complement big-endian bytes of `v`.
pub fn twos_complement_from_i64(v: i64) -> Vec<u8> {
    minimal_twos_complement(&v.to_be_bytes()).to_vec()
}

/// The parts of a decimal number's text: sign, significant digits and scale, as Java's
/// `new BigDecimal(String)` reads them. `digits` keeps the leading zeros of the text removed
/// (at least one digit remains).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalText<'a> {
    /// Whether a `-` sign was present (the value may still be zero).
    pub negative: bool,
    /// The unscaled magnitude's ASCII digits, integer and fraction parts concatenated.
    pub digits: &'a [u8],
    /// The scale: digits after the point minus the exponent.
    pub scale: i32,
}

impl<'a> DecimalText<'a> {
    /// Splits `text` with the grammar of `new BigDecimal(String)` restricted to what JSON and
    /// Connect produce: `[+|-] digits [. digits] [(e|E) [+|-] digits]`, or a leading or trailing
    /// point (`.5`, `5.`) as Java also accepts. The digits are returned without the point, which
    /// needs a scratch buffer when there is one.
    ///
    /// # Errors
    /// [`DecimalParseError`] for malformed text or a scale outside `i32`.
    pub fn parse(text: &'a str, scratch: &'a mut Vec<u8>) -> Result<Self, DecimalParseError> {
        let b = text.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&s) = b.first() {
            if s == b'-' || s == b'+' {
                negative = s == b'-';
                i = 1;
            }
        }
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &b[int_start..i];
        let mut frac_part: &[u8] = &[];
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &b[frac_start..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(DecimalParseError::Syntax);
        }
        let mut exponent: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let mut exp_negative = false;
            if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                exp_negative = b[i] == b'-';
                i += 1;
            }
            let exp_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                // Saturate: anything beyond i64 overflows the i32 scale anyway.
                exponent = exponent.saturating_mul(10).saturating_add(i64::from(b[i] - b'0'));
                i += 1;
            }
            if i == exp_start {
                return Err(DecimalParseError::Syntax);
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if i != b.len() {
            return Err(DecimalParseError::Syntax);
        }
        let scale = frac_part.len() as i64 - exponent;
        let scale = i32::try_from(scale).map_err(|_| DecimalParseError::ExponentOverflow)?;
        let digits: &'a [u8] = if frac_part.is_empty() {
            int_part
        } else {
            scratch.clear();
            scratch.extend_from_slice(int_part);
            scratch.extend_from_slice(frac_part);
            let joined: &'a Vec<u8> = scratch;
            joined
        };
        let first_significant = digits.iter().position(|&d| d != b'0').unwrap_or(digits.len() - 1);
        Ok(Self { negative, digits: &digits[first_significant..], scale })
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.iter().all(|&d| d == b'0')
    }

    /// The value as a [`Decimal`] (`new BigDecimal(text)`).
    pub fn to_decimal(&self) -> Decimal {
        Decimal { unscaled: twos_complement_from_digits(self.digits, self.negative), scale: self.scale }
    }

    /// `BigDecimal.longValue()`: the integer part (truncated towards zero), keeping only its low
    /// 64 bits as Java's narrowing does.
    pub fn to_i64_wrapping(&self) -> i64 {
        let digits = self.digits;
        let mut v: u64 = 0;
        if self.scale >= 0 {
            let keep = digits.len().saturating_sub(self.scale as usize);
            for &d in &digits[..keep] {
                v = v.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            }
        } else {
            for &d in digits {
                v = v.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            }
            // 10^64 is a multiple of 2^64, so more than 64 trailing zeros leave nothing.
            let zeros = (-i64::from(self.scale)).min(64);
            for _ in 0..zeros {
                v = v.wrapping_mul(10);
            }
        }
        let v = v as i64;
        if self.negative {
            v.wrapping_neg()
        } else {
            v
        }
    }

    /// `BigDecimal.doubleValue()`: the nearest `f64` (exact zero is `+0.0`, as `BigDecimal` has no
    /// negative zero).
    pub fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let text = self.scientific_text();
        text.parse::<f64>().unwrap_or(0.0)
    }

    /// `BigDecimal.floatValue()`: the nearest `f32`, rounded once from the exact value.
    pub fn to_f32(&self) -> f32 {
        if self.is_zero() {
            return 0.0;
        }
        let text = self.scientific_text();
        text.parse::<f32>().unwrap_or(0.0)
    }

    /// `[-]digitsE-scale`, which Rust's float parser reads with a single correct rounding.
    fn scientific_text(&self) -> String {
        let mut s = String::with_capacity(self.digits.len() + 16);
        if self.negative {
            s.push('-');
        }
        // The digits are ASCII by construction.
        s.push_str(std::str::from_utf8(self.digits).unwrap_or("0"));
        s.push('e');
        s.push_str(&(-i64::from(self.scale)).to_string());
        s
    }
}

impl Decimal {
    /// A decimal from an unscaled integer and a scale.
    pub fn from_i64(unscaled: i64, scale: i32) -> Self {
        Self { unscaled: twos_complement_from_i64(unscaled), scale }
    }

    /// Parses Java `BigDecimal` text (`"1.50"`, `"-1E+3"`, `"12e-2"`), keeping its scale.
    ///
    /// # Errors
    /// [`DecimalParseError`] when the text is not a number or its scale overflows `i32`.
    pub fn parse(text: &str) -> Result<Self, DecimalParseError> {
        let mut scratch = Vec::new();
        Ok(DecimalText::parse(text, &mut scratch)?.to_decimal())
    }

    /// The sign: -1, 0 or 1 (`BigDecimal.signum()`).
    pub fn signum(&self) -> i32 {
        let bytes = minimal_twos_complement(&self.unscaled);
        match bytes.first() {
            None => 0,
            Some(b) if b & 0x80 != 0 => -1,
            Some(_) if bytes.iter().all(|&b| b == 0) => 0,
            Some(_) => 1,
        }
    }

    /// The unscaled value in decimal (`unscaledValue().toString()`).
    pub fn unscaled_string(&self) -> String {
        twos_complement_to_string(&self.unscaled)
    }

    /// `BigDecimal.longValue()`: the fraction discarded, then the low 64 bits of the integer
    /// (`intValue()`, `shortValue()` and `byteValue()` narrow this further, as Java's casts do).
    pub fn to_i64_wrapping(&self) -> i64 {
        self.as_text(&mut String::new()).to_i64_wrapping()
    }

    /// `BigDecimal.doubleValue()`: the nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.as_text(&mut String::new()).to_f64()
    }

    /// `BigDecimal.floatValue()`: the nearest `f32`, rounded once from the exact value.
    pub fn to_f32(&self) -> f32 {
        self.as_text(&mut String::new()).to_f32()
    }

    /// The value in [`DecimalText`] form, its digits written into `scratch`, so the narrowing
    /// rules exist only there.
    fn as_text<'a>(&self, scratch: &'a mut String) -> DecimalText<'a> {
        let (negative, mag) = Magnitude::from_twos_complement(&self.unscaled);
        *scratch = mag.to_digits();
        DecimalText { negative, digits: scratch.as_bytes(), scale: self.scale }
    }

    /// The unscaled bytes in `BigInteger.toByteArray()` form (no redundant sign bytes).
    pub fn minimal_unscaled(&self) -> &[u8] {
        let m = minimal_twos_complement(&self.unscaled);
        if m.is_empty() {
            &[0]
        } else {
            m
        }
    }

    /// Java's `BigDecimal.toString()`: plain notation when the scale is non-negative and the
    /// adjusted exponent is at least -6, scientific notation (`1.23E-9`, `1E+3`) otherwise.
    pub fn to_java_string(&self) -> String {
        let mut out = String::new();
        self.write_java_string(&mut out);
        out
    }

    /// Appends [`Decimal::to_java_string`] to `out`.
    pub fn write_java_string(&self, out: &mut String) {
        let (negative, mag) = Magnitude::from_twos_complement(&self.unscaled);
        let coeff = mag.to_digits();
        if negative {
            out.push('-');
        }
        let scale = i64::from(self.scale);
        if scale == 0 {
            out.push_str(&coeff);
            return;
        }
        let adjusted = -scale + (coeff.len() as i64 - 1);
        if scale > 0 && adjusted >= -6 {
            push_plain(out, &coeff, scale);
            return;
        }
        out.push_str(&coeff[..1]);
        if coeff.len() > 1 {
            out.push('.');
            out.push_str(&coeff[1..]);
        }
        if adjusted != 0 {
            out.push('E');
            if adjusted > 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
    }

    /// Java's `BigDecimal.toPlainString()`: never scientific notation.
    pub fn to_plain_string(&self) -> String {
        let (negative, mag) = Magnitude::from_twos_complement(&self.unscaled);
        let coeff = mag.to_digits();
        let mut out = String::new();
        if negative {
            out.push('-');
        }
        let scale = i64::from(self.scale);
        if scale > 0 {
            push_plain(&mut out, &coeff, scale);
        } else {
            out.push_str(&coeff);
            // A zero stays "0" whatever its negative scale, as in Java 8 and later.
            if coeff != "0" {
                out.extend(std::iter::repeat_n('0', (-scale) as usize));
            }
        }
        out
    }

    /// Java's `setScale(new_scale, mode)`: the same value with `new_scale` digits after the
    /// point, rounding as `mode` says when digits are dropped. Returns `None` when `mode` is
    /// [`RoundingMode::Unnecessary`] and rounding would be needed.
    pub fn with_scale(&self, new_scale: i32, mode: RoundingMode) -> Option<Self> {
        let (negative, mut mag) = Magnitude::from_twos_complement(&self.unscaled);
        match new_scale.cmp(&self.scale) {
            Ordering::Equal => return Some(self.clone()),
            Ordering::Greater => {
                for _ in 0..(i64::from(new_scale) - i64::from(self.scale)) {
                    mag.mul_add(10, 0);
                }
            }
            Ordering::Less => {
                let drop = i64::from(self.scale) - i64::from(new_scale);
                // Track the first dropped digit and whether anything after it was non-zero.
                let mut first_dropped = 0;
                let mut rest_nonzero = false;
                for step in 0..drop {
                    let digit = mag.div_rem_small(10);
                    if step + 1 == drop {
                        first_dropped = digit;
                    } else if digit != 0 {
                        rest_nonzero = true;
                    }
                }
                let inexact = first_dropped != 0 || rest_nonzero;
                let round_up = match mode {
                    RoundingMode::Unnecessary if inexact => return None,
                    RoundingMode::Unnecessary | RoundingMode::Down => false,
                    RoundingMode::HalfUp => first_dropped >= 5,
                    RoundingMode::HalfEven => {
                        first_dropped > 5
                            || (first_dropped == 5
                                && (rest_nonzero || mag.0.first().is_some_and(|l| l & 1 == 1)))
                    }
                };
                if round_up {
                    mag.mul_add(1, 1);
                }
            }
        }
        Some(Self { unscaled: mag.to_twos_complement(negative), scale: new_scale })
    }
}

/// Writes `coeff × 10^-scale` (scale > 0) in plain notation.
fn push_plain(out: &mut String, coeff: &str, scale: i64) {
    let scale = scale as usize;
    if coeff.len() > scale {
        let point = coeff.len() - scale;
        out.push_str(&coeff[..point]);
        out.push('.');
        out.push_str(&coeff[point..]);
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - coeff.len()));
        out.push_str(coeff);
    }
}

impl fmt::Display for Decimal {
    /// Formats as Java's `BigDecimal.toString()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_java_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn to_string_matches_java_big_decimal() {
        // Expected strings printed by Java 25's BigDecimal for `new BigDecimal(input)`.
        for (input, expected, plain) in [
            ("0", "0", "0"),
            ("0.00", "0.00", "0.00"),
            ("1E+3", "1E+3", "1000"),
            ("-1.5", "-1.5", "-1.5"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1E-7", "1E-7", "0.0000001"),
            ("0.000001", "0.000001", "0.000001"),
            ("0.0000001", "1E-7", "0.0000001"),
            ("-0.0000001", "-1E-7", "-0.0000001"),
            ("1.23E-9", "1.23E-9", "0.00000000123"),
            ("12E+10", "1.2E+11", "120000000000"),
            ("1.2E-6", "0.0000012", "0.0000012"),
            ("-12345E-10", "-0.0000012345", "-0.0000012345"),
            ("007.50", "7.50", "7.50"),
            ("-0.0", "0.0", "0.0"),
            ("0e5", "0E+5", "0"),
        ] {
            let d = dec(input);
            assert_eq!(d.to_java_string(), expected, "{input}");
            assert_eq!(d.to_plain_string(), plain, "{input}");
        }
    }

    #[test]
    fn unscaled_bytes_are_big_integer_to_byte_array() {
        // BigInteger.toByteArray() as printed by Java (signed bytes shown here as u8).
        assert_eq!(dec("0").unscaled, [0]);
        assert_eq!(dec("-1.5").unscaled, [0xF1]);
        assert_eq!(dec("1.50").unscaled, [0x00, 0x96]);
        assert_eq!(dec("-12345E-10").unscaled, [0xCF, 0xC7]);
        assert_eq!(
            dec("123456789012345678901234567890").unscaled,
            [1, 0x8E, 0xE9, 0x0F, 0xF6, 0xC3, 0x73, 0xE0, 0xEE, 0x4E, 0x3F, 0x0A, 0xD2]
        );
        assert_eq!(dec("-128").unscaled, [0x80]);
        assert_eq!(dec("128").unscaled, [0x00, 0x80]);
        assert_eq!(dec("-129").unscaled, [0xFF, 0x7F]);
    }

    #[test]
    fn round_trips_through_twos_complement() {
        for text in ["0", "1", "-1", "255", "-256", "18446744073709551616", "-99999999999999999999999"] {
            let bytes =
                twos_complement_from_digits(text.trim_start_matches('-').as_bytes(), text.starts_with('-'));
            assert_eq!(twos_complement_to_string(&bytes), text);
        }
        assert_eq!(twos_complement_to_string(&[0xFF, 0xFF, 0x85]), "-123");
        assert_eq!(twos_complement_from_i64(-123), [0x85]);
        assert_eq!(twos_complement_from_i64(i64::MIN), i64::MIN.to_be_bytes());
    }

    #[test]
    fn minimal_form_drops_sign_extension_only() {
        assert_eq!(minimal_twos_complement(&[0, 0, 0x7F]), [0x7F]);
        assert_eq!(minimal_twos_complement(&[0, 0x80]), [0, 0x80]);
        assert_eq!(minimal_twos_complement(&[0xFF, 0xFF, 0x80]), [0x80]);
        assert_eq!(minimal_twos_complement(&[0xFF, 0x7F]), [0xFF, 0x7F]);
        assert_eq!(Decimal { unscaled: vec![0, 0, 5], scale: 0 }.minimal_unscaled(), [5]);
    }

    #[test]
    fn parse_rejects_what_java_rejects() {
        for bad in ["", "-", ".", "1e", "1e+", "1x", "e5", "1.2.3", "--1"] {
            assert_eq!(Decimal::parse(bad), Err(DecimalParseError::Syntax), "{bad:?}");
        }
        // Java 25: the scale must fit an int ("1e2147483648" has scale Integer.MIN_VALUE).
        assert_eq!(Decimal::parse("1e-2147483648"), Err(DecimalParseError::ExponentOverflow));
        assert_eq!(Decimal::parse("1.5e-2147483647"), Err(DecimalParseError::ExponentOverflow));
        assert_eq!(dec("1e2147483648").scale, i32::MIN);
        assert_eq!(dec(".5").to_java_string(), "0.5");
        assert_eq!(dec("5.").to_java_string(), "5");
        assert_eq!(dec("+5").to_java_string(), "5");
    }

    #[test]
    fn narrowing_conversions_follow_java() {
        let mut scratch = Vec::new();
        let mut long = |text: &str| DecimalText::parse(text, &mut scratch).unwrap().to_i64_wrapping();
        // Values printed by Java for new BigDecimal(text).longValue().
        assert_eq!(long("1.9"), 1);
        assert_eq!(long("-1.9"), -1);
        assert_eq!(long("1e20"), 7_766_279_631_452_241_920);
        assert_eq!(long("12345678901234567890123"), 4_807_115_922_877_859_019);
        assert_eq!(long("1e1000"), 0);
        assert_eq!(long("0.001"), 0);
        let mut scratch = Vec::new();
        let t = DecimalText::parse("-0.0", &mut scratch).unwrap();
        assert!(t.to_f64().is_sign_positive());
        let mut scratch = Vec::new();
        assert!(DecimalText::parse("1e400", &mut scratch).unwrap().to_f64().is_infinite());
    }

    #[test]
    fn rescaling_rounds_like_set_scale() {
        assert_eq!(dec("1.5").with_scale(2, RoundingMode::Unnecessary), Some(dec("1.50")));
        assert_eq!(dec("1.55").with_scale(1, RoundingMode::Unnecessary), None);
        assert_eq!(dec("1.55").with_scale(1, RoundingMode::HalfUp), Some(dec("1.6")));
        assert_eq!(dec("-1.55").with_scale(1, RoundingMode::HalfUp), Some(dec("-1.6")));
        assert_eq!(dec("1.25").with_scale(1, RoundingMode::HalfEven), Some(dec("1.2")));
        assert_eq!(dec("1.251").with_scale(1, RoundingMode::HalfEven), Some(dec("1.3")));
        assert_eq!(dec("1.99").with_scale(0, RoundingMode::Down), Some(dec("1")));
        assert_eq!(dec("1.50").with_scale(1, RoundingMode::Unnecessary), Some(dec("1.5")));
    }

    /// A decimal from an `i128` unscaled value, its bytes made independently of this module.
    fn from_i128(unscaled: i128, scale: i32) -> Decimal {
        let bytes = unscaled.to_be_bytes();
        // Minimal two's complement, as BigInteger.toByteArray() produces.
        let mut start = 0;
        while start < 15
            && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
                || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
        {
            start += 1;
        }
        Decimal { unscaled: bytes[start..].to_vec(), scale }
    }

    #[test]
    fn big_decimals_print_and_narrow_like_java() {
        let dec = from_i128;
        assert_eq!(dec(42, 0).to_java_string(), "42");
        assert_eq!(dec(-768, 2).to_java_string(), "-7.68");
        assert_eq!(dec(5, 3).to_java_string(), "0.005");
        assert_eq!(dec(5, 7).to_java_string(), "5E-7");
        assert_eq!(dec(-123, 8).to_java_string(), "-0.00000123");
        assert_eq!(dec(-123, 9).to_java_string(), "-1.23E-7");
        assert_eq!(dec(1, 7).to_java_string(), "1E-7");
        assert_eq!(dec(42, -2).to_java_string(), "4.2E+3");
        assert_eq!(dec(0, 2).to_java_string(), "0.00");
        assert_eq!(dec(0, -2).to_java_string(), "0E+2");
        assert_eq!(dec(i128::MAX, 0).to_java_string(), i128::MAX.to_string());
        // (long) Integer.MAX_VALUE + 1 → intValue() wraps to Integer.MIN_VALUE (CastTest).
        assert_eq!(dec(2_147_483_648, 0).to_i64_wrapping() as i32, i32::MIN);
        assert_eq!(dec(-1999, 3).to_i64_wrapping(), -1);
        assert_eq!(dec(12, -2).to_i64_wrapping(), 1200);
        assert_eq!(dec(1 << 64, 0).to_i64_wrapping(), 0);
        assert_eq!(dec(-(1 << 64) - 5, 0).to_i64_wrapping(), -5);
        assert_eq!(dec(-768, 2).to_f64().to_bits(), (-7.68f64).to_bits());
        assert_eq!(dec(1, 1).to_f32().to_bits(), 0.1f32.to_bits());
    }

    #[test]
    fn big_decimal_grammar() {
        let mut scratch = Vec::new();
        let mut parse = |text: &str| DecimalText::parse(text, &mut scratch).map(|t| t.to_decimal()).ok();
        for bad in
            ["", "+", "-", ".", "1e", "1e+", " 1", "1 ", "1_000", "0x10", "NaN", "Infinity", "1.2.3", "1e2.5"]
        {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
        let n = Decimal::parse("-123.4500").unwrap();
        assert_eq!(n, Decimal { unscaled: (-1_234_500_i32).to_be_bytes()[1..].to_vec(), scale: 4 });
        assert_eq!(n.to_i64_wrapping(), -123);
        assert!((n.to_f64() + 123.45).abs() < 1e-12);
        assert_eq!(dec(".5").to_f64().to_bits(), 0.5_f64.to_bits());
        assert_eq!(dec("1E+2").to_i64_wrapping(), 100);
        // longValue keeps the low 64 bits.
        assert_eq!(dec("18446744073709551617").to_i64_wrapping(), 1);
        assert_eq!(dec("1e400").to_i64_wrapping(), 0);
        assert!(parse("1e3000000000").is_none(), "scale overflows int");
    }

    #[test]
    fn twos_complement_matches_big_integer_to_byte_array() {
        let bytes = |text: &str| dec(text).unscaled;
        assert_eq!(bytes("0"), [0x00]);
        assert_eq!(bytes("127"), [0x7f]);
        assert_eq!(bytes("128"), [0x00, 0x80]);
        assert_eq!(bytes("-128"), [0x80]);
        assert_eq!(bytes("-129"), [0xff, 0x7f]);
        assert_eq!(bytes("-1"), [0xff]);
        assert_eq!(bytes("-256"), [0xff, 0x00]);
        assert_eq!(bytes("768"), [0x03, 0x00]);
    }

    #[test]
    fn signum_reads_the_sign_bit() {
        assert_eq!(dec("-0.5").signum(), -1);
        assert_eq!(dec("0.00").signum(), 0);
        assert_eq!(dec("7").signum(), 1);
        assert_eq!(Decimal { unscaled: vec![], scale: 0 }.signum(), 0);
    }
}
