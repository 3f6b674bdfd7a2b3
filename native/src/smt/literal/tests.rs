//! Golden cases for `Values.parseString`, each checked against Connect 4.3.1 (`Values.parseString`
//! run in a UTC JVM) or taken from Connect's `ValuesTest`. The `BigDecimal` grammar it relies on is
//! tested with [`DecimalText`] in `data/decimal.rs`.

use super::*;
use crate::data::Decimal;

fn parsed(text: &str) -> (Type, Option<&'static str>, Value) {
    match parse_string(text) {
        Parsed::Value(schema, value) => {
            let name = match schema.name.as_deref() {
                Some(logical::DATE) => Some("Date"),
                Some(logical::TIME) => Some("Time"),
                Some(logical::TIMESTAMP) => Some("Timestamp"),
                Some(logical::DECIMAL) => Some("Decimal"),
                Some(other) => panic!("unexpected schema name {other}"),
                None => None,
            };
            (schema.kind, name, value)
        }
        other => panic!("{text:?} parsed as {other:?}"),
    }
}

fn string(text: &str) -> (Type, Option<&'static str>, Value) {
    (Type::String, None, Value::String(text.to_owned()))
}

#[test]
fn integers_take_the_smallest_type() {
    assert_eq!(parsed("1"), (Type::Int8, None, Value::Int8(1)));
    assert_eq!(parsed("42"), (Type::Int8, None, Value::Int8(42)));
    assert_eq!(parsed("300"), (Type::Int16, None, Value::Int16(300)));
    assert_eq!(parsed("70000"), (Type::Int32, None, Value::Int32(70000)));
    assert_eq!(parsed("3000000000"), (Type::Int64, None, Value::Int64(3_000_000_000)));
    assert_eq!(parsed("-5"), (Type::Int8, None, Value::Int8(-5)));
    assert_eq!(parsed("+7"), (Type::Int8, None, Value::Int8(7)));
    assert_eq!(parsed("00012"), (Type::Int8, None, Value::Int8(12)));
    // Whole numbers written with a fraction or exponent are integers too.
    assert_eq!(parsed("1.0"), (Type::Int8, None, Value::Int8(1)));
    assert_eq!(parsed("1."), (Type::Int8, None, Value::Int8(1)));
    assert_eq!(parsed("0.0"), (Type::Int8, None, Value::Int8(0)));
    assert_eq!(parsed("-0"), (Type::Int8, None, Value::Int8(0)));
    assert_eq!(parsed("1e3"), (Type::Int16, None, Value::Int16(1000)));
}

#[test]
fn fractions_are_float32_when_a_float_holds_them() {
    assert_eq!(parsed("0.5"), (Type::Float32, None, Value::Float32(0.5)));
    // Inexact in a float, still FLOAT32, as Connect does.
    assert_eq!(parsed("1.23456789012345"), (Type::Float32, None, Value::Float32(1.234_567_9)));
    assert_eq!(parsed("1e20"), (Type::Float32, None, Value::Float32(1e20)));
    assert_eq!(parsed("1e-400"), (Type::Float32, None, Value::Float32(0.0)));
    assert_eq!(parsed("1.5e39"), (Type::Float64, None, Value::Float64(1.5e39)));
}

#[test]
fn numbers_beyond_long_and_float_are_decimals() {
    let (kind, name, value) = parsed("12345678901234567890");
    assert_eq!((kind, name), (Type::Bytes, Some("Decimal")));
    // 12345678901234567890 = 0x00AB54A98CEB1F0AD2 (a leading zero byte keeps it positive).
    assert_eq!(
        value,
        Value::Decimal(Decimal {
            unscaled: vec![0x00, 0xab, 0x54, 0xa9, 0x8c, 0xeb, 0x1f, 0x0a, 0xd2],
            scale: 0
        })
    );
    let (_, _, value) = parsed("9999999999999999999");
    assert_eq!(
        value,
        Value::Decimal(Decimal {
            unscaled: vec![0x00, 0x8a, 0xc7, 0x23, 0x04, 0x89, 0xe7, 0xff, 0xff],
            scale: 0
        })
    );
    let (kind, name, value) = parsed("1e400");
    assert_eq!((kind, name), (Type::Bytes, Some("Decimal")));
    assert_eq!(value, Value::Decimal(Decimal { unscaled: vec![1], scale: -400 }));
    match parse_string("1e400") {
        Parsed::Value(schema, _) => assert_eq!(schema.decimal_scale(), Some(-400)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_the_first_token_of_a_scalar_counts() {
    assert_eq!(parsed("1:2"), (Type::Int8, None, Value::Int8(1)));
    assert_eq!(parsed("42,43"), (Type::Int8, None, Value::Int8(42)));
    assert_eq!(parsed("12:34:56.7891"), (Type::Int8, None, Value::Int8(12)));
}

#[test]
fn booleans_and_null_must_be_the_whole_text() {
    assert_eq!(parsed("true"), (Type::Boolean, None, Value::Boolean(true)));
    assert_eq!(parsed(" \t false \n"), (Type::Boolean, None, Value::Boolean(false)));
    assert_eq!(parsed("TRUE"), string("TRUE"));
    assert_eq!(parsed("true}"), string("true}"));
    assert_eq!(parsed("false]"), string("false]"));
    assert_eq!(parsed("null="), string("null="));
    assert_eq!(parse_string("null"), Parsed::Null);
    assert_eq!(parse_string("  null  "), Parsed::Null);
}

#[test]
fn everything_else_is_the_original_string() {
    for text in ["abc", "", "  ", "0x10", "1 2", "\"quoted\"", "  :x", "x\\,y", "\\[1\\]", "2024-01-15 more"]
    {
        assert_eq!(parsed(text), string(text), "{text:?}");
    }
    // KAFKA-10574: U+FFFF must not end the scan early.
    assert_eq!(parsed("\u{ffff}"), string("\u{ffff}"));
}

#[test]
fn iso_dates_times_and_timestamps() {
    assert_eq!(parsed("2024-01-15"), (Type::Int32, Some("Date"), Value::Date(19737)));
    assert_eq!(parsed("1970-01-01"), (Type::Int32, Some("Date"), Value::Date(0)));
    assert_eq!(parsed("12:34:56.789Z"), (Type::Int32, Some("Time"), Value::Time(45_296_789)));
    assert_eq!(
        parsed("2024-01-15T12:34:56.789Z"),
        (Type::Int64, Some("Timestamp"), Value::Timestamp(1_705_322_096_789))
    );
    assert_eq!(parsed("2024-01-15T12:34:56.789Zjunk"), string("2024-01-15T12:34:56.789Zjunk"));
}

#[test]
fn the_calendar_is_lenient_like_simple_date_format() {
    // Out-of-range fields roll over, and text after a complete pattern is ignored.
    assert_eq!(parsed("2024-13-45"), (Type::Int32, Some("Date"), Value::Date(20133)));
    assert_eq!(parsed("2024-01-1x"), (Type::Int32, Some("Date"), Value::Date(19723)));
    assert_eq!(parsed("25:00:00.000Z"), (Type::Int32, Some("Time"), Value::Time(90_000_000)));
    assert_eq!(parsed("99:99:99.999Z"), (Type::Int32, Some("Time"), Value::Time(362_439_999)));
    assert_eq!(
        parsed("2024-02-30T25:61:00.000Z"),
        (Type::Int64, Some("Timestamp"), Value::Timestamp(1_709_344_860_000))
    );
    // Documented difference: Java switches to the Julian calendar before 1582 (-719164 days).
    assert_eq!(parsed("0001-01-01"), (Type::Int32, Some("Date"), Value::Date(-719_162)));
}

fn array_of(kind: Type, text: &str) -> Vec<Value> {
    match parse_string(text) {
        Parsed::Value(schema, Value::Array(items)) => {
            assert_eq!(schema.kind, Type::Array);
            assert_eq!(schema.value_schema.as_ref().map(|s| s.kind), Some(kind), "{text}");
            items
        }
        other => panic!("{text:?} parsed as {other:?}"),
    }
}

#[test]
fn arrays_align_elements_to_their_common_type() {
    assert_eq!(array_of(Type::Int8, "[1,2]"), [Value::Int8(1), Value::Int8(2)]);
    assert_eq!(array_of(Type::Int16, "[1, 300]"), [Value::Int16(1), Value::Int16(300)]);
    assert_eq!(array_of(Type::Float32, "[1, 2.5]"), [Value::Float32(1.0), Value::Float32(2.5)]);
    assert_eq!(array_of(Type::Float32, "[0.5, 1]"), [Value::Float32(0.5), Value::Float32(1.0)]);
    assert_eq!(array_of(Type::Float64, "[1.5e39, 1]"), [Value::Float64(1.5e39), Value::Float64(1.0)]);
    assert_eq!(
        array_of(Type::Int64, "[1, 70000, 3000000000]"),
        [Value::Int64(1), Value::Int64(70000), Value::Int64(3_000_000_000)]
    );
    assert_eq!(array_of(Type::Boolean, "[true, false]"), [Value::Boolean(true), Value::Boolean(false)]);
    assert_eq!(
        array_of(Type::String, r#"["a", "b"]"#),
        [Value::String("a".into()), Value::String("b".into())]
    );
    assert_eq!(array_of(Type::Int32, r#"["2024-01-01"]"#), [Value::Date(19723)]);
    assert_eq!(
        array_of(Type::Array, "[[1],[2]]"),
        [Value::Array(vec![Value::Int8(1)]), Value::Array(vec![Value::Int8(2)])]
    );
}

#[test]
fn arrays_without_a_common_type_keep_their_elements() {
    for (text, items) in [
        ("[]", vec![]),
        ("[null]", vec![Value::Null]),
        (r#"[1, "a"]"#, vec![Value::Int8(1), Value::String("a".into())]),
    ] {
        match parse_string(text) {
            Parsed::Value(schema, value) => {
                assert_eq!(schema.kind, Type::Array);
                assert!(schema.value_schema.is_none(), "{text}");
                assert_eq!(value, Value::Array(items));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn malformed_collections_are_strings() {
    for text in [
        "[1, null]",
        "[a, b]",
        "[foo]",
        "[1,2",
        "[1,,2]",
        "[INFO] x",
        "[0 1 2]",
        "{a: 1}",
        "{foo: 3}",
        "{3: foo}",
        "{\"a\":1",
        "{6:9 4:20}",
        "{null: 3}",
        "{null:1}",
    ] {
        assert_eq!(parsed(text), string(text), "{text:?}");
    }
}

#[test]
fn maps_align_keys_and_values() {
    let Parsed::Value(schema, value) = parse_string(r#"{"a": 1, "b": 2}"#) else { panic!() };
    assert_eq!(schema.key_schema.as_ref().map(|s| s.kind), Some(Type::String));
    assert_eq!(schema.value_schema.as_ref().map(|s| s.kind), Some(Type::Int8));
    assert_eq!(
        value,
        Value::Map(vec![
            (Value::String("a".into()), Value::Int8(1)),
            (Value::String("b".into()), Value::Int8(2))
        ])
    );
    let Parsed::Value(schema, value) = parse_string("{true: false, false: true}") else { panic!() };
    assert_eq!(schema.key_schema.as_ref().map(|s| s.kind), Some(Type::Boolean));
    assert_eq!(
        value,
        Value::Map(vec![
            (Value::Boolean(true), Value::Boolean(false)),
            (Value::Boolean(false), Value::Boolean(true))
        ])
    );
    // Mixed or null values leave the value schema unset (`mapWithNullValues`).
    let Parsed::Value(schema, value) = parse_string(r#"{"a":1,"b":"x"}"#) else { panic!() };
    assert_eq!(schema.key_schema.as_ref().map(|s| s.kind), Some(Type::String));
    assert!(schema.value_schema.is_none());
    assert_eq!(
        value,
        Value::Map(vec![
            (Value::String("a".into()), Value::Int8(1)),
            (Value::String("b".into()), Value::String("x".into()))
        ])
    );
    let Parsed::Value(schema, value) = parse_string("{3: null}") else { panic!() };
    assert_eq!(schema.key_schema.as_ref().map(|s| s.kind), Some(Type::Int8));
    assert_eq!(value, Value::Map(vec![(Value::Int8(3), Value::Null)]));
    let Parsed::Value(schema, value) = parse_string("{}") else { panic!() };
    assert!(schema.key_schema.is_none() && schema.value_schema.is_none());
    assert_eq!(value, Value::Map(vec![]));
}

#[test]
fn mixed_logical_collections_are_reported_not_guessed() {
    assert_eq!(parse_string(r#"["12:00:00.000Z", "2024-01-01"]"#), Parsed::Unsupported);
}

#[test]
fn java_trim_strips_control_characters_only() {
    assert_eq!(java_trim("\u{1} a \t"), "a");
    assert_eq!(java_trim("\u{a0}a"), "\u{a0}a");
}

/// More goldens from Connect 4.3.1, around whitespace, trailing text and nesting.
#[test]
fn collection_edge_cases_match_connect() {
    let i8s = |items: &[i8]| items.iter().map(|&i| Value::Int8(i)).collect::<Vec<_>>();
    for (text, items) in [
        ("[1,2] x", i8s(&[1, 2])),
        ("  [1]", i8s(&[1])),
        ("[ 1 , 2 ]", i8s(&[1, 2])),
        ("[1, ]", i8s(&[1])),
        ("[1,2]]", i8s(&[1, 2])),
        ("[-1, +2]", i8s(&[-1, 2])),
    ] {
        assert_eq!(array_of(Type::Int8, text), items, "{text:?}");
    }
    assert_eq!(array_of(Type::String, r#"["a,b"]"#), [Value::String("a,b".into())]);
    // Backslashes stay in the text; only the quote they escape stops being a delimiter.
    assert_eq!(array_of(Type::String, r#"["a\"b"]"#), [Value::String(r#"a\"b"#.into())]);
    assert_eq!(array_of(Type::Int32, r#"["12:00:00.000Z"]"#), [Value::Time(43_200_000)]);
    assert_eq!(array_of(Type::Int32, "[12:00:00.000Z]"), [Value::Time(43_200_000)]);
    let Parsed::Value(schema, value) = parse_string("[true, 1]") else { panic!() };
    assert!(schema.value_schema.is_none());
    assert_eq!(value, Value::Array(vec![Value::Boolean(true), Value::Int8(1)]));
    let Parsed::Value(schema, value) = parse_string("[1e400, 2]") else { panic!() };
    assert!(schema.value_schema.is_none());
    assert_eq!(
        value,
        Value::Array(vec![Value::Decimal(Decimal { unscaled: vec![1], scale: -400 }), Value::Int8(2)])
    );
    let Parsed::Value(_, value) = parse_string("[ ]") else { panic!() };
    assert_eq!(value, Value::Array(vec![]));

    let Parsed::Value(schema, value) = parse_string(r#"{"a":1} junk"#) else { panic!() };
    assert_eq!(schema.value_schema.as_ref().map(|s| s.kind), Some(Type::Int8));
    assert_eq!(value, Value::Map(vec![(Value::String("a".into()), Value::Int8(1))]));
    // A repeated key keeps its place and takes the later value (LinkedHashMap.put).
    let Parsed::Value(_, value) = parse_string("{1:2, 1:3}") else { panic!() };
    assert_eq!(value, Value::Map(vec![(Value::Int8(1), Value::Int8(3))]));
    let Parsed::Value(schema, value) = parse_string(r#"{"k": [1, 2], "j": [3]}"#) else { panic!() };
    let values = schema.value_schema.as_ref().unwrap();
    assert_eq!((values.kind, values.value_schema.as_ref().map(|s| s.kind)), (Type::Array, Some(Type::Int8)));
    assert_eq!(
        value,
        Value::Map(vec![
            (Value::String("k".into()), Value::Array(i8s(&[1, 2]))),
            (Value::String("j".into()), Value::Array(i8s(&[3]))),
        ])
    );

    assert_eq!(parsed("  2024-01-15"), (Type::Int32, Some("Date"), Value::Date(19737)));
    assert_eq!(parsed("12:34:56.789Z extra"), (Type::Int8, None, Value::Int8(12)));
    assert_eq!(parsed("1.5e39,"), (Type::Float64, None, Value::Float64(1.5e39)));
}
