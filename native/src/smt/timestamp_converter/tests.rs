//! Connect's `TimestampConverterTest`, ported case by case, plus error messages.

use super::*;
use crate::smt::test_support::value_record as record;

const DATE_PLUS_TIME_UNIX: i64 = 86_401_234;
const DATE_PLUS_TIME_UNIX_MICROS: i64 = DATE_PLUS_TIME_UNIX * 1000 + 123;
const DATE_PLUS_TIME_UNIX_NANOS: i64 = DATE_PLUS_TIME_UNIX_MICROS * 1000 + 456;
const DATE_PLUS_TIME_UNIX_SECONDS: i64 = 86_401;
const STRING_DATE_FMT: &str = "yyyy MM dd HH mm ss SSS z";
const DATE_PLUS_TIME_STRING: &str = "1970 01 02 00 00 01 234 UTC";

/// `DATE_PLUS_TIME` as each representation holds it.
fn date_plus_time() -> Value {
    Value::Timestamp(DATE_PLUS_TIME_UNIX)
}
fn date() -> Value {
    Value::Date(1)
}
fn time() -> Value {
    Value::Time(1234)
}

fn converter(target: Target, pairs: &[(&str, &str)]) -> Result<TimestampConverter, TransformError> {
    TimestampConverter::new(target, &pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

fn value_converter(pairs: &[(&str, &str)]) -> TimestampConverter {
    converter(Target::Value, pairs).unwrap()
}

fn apply(xform: &TimestampConverter, schema: Option<Schema>, value: Value) -> (Option<Schema>, Value) {
    let out = xform.apply(record(schema, value)).unwrap().unwrap();
    (out.value_schema.map(|s| (*s).clone()), out.value)
}

fn structure(fields: Vec<(&str, Schema)>) -> Schema {
    Schema::structure(fields.into_iter().map(|(n, s)| (n.to_owned(), Arc::new(s))))
}

#[test]
fn config_errors() {
    let err = |pairs: &[(&str, &str)]| converter(Target::Value, pairs).unwrap_err().to_string();
    assert_eq!(err(&[]), "Missing required configuration \"target.type\" which has no default value.");
    assert_eq!(
        err(&[("target.type", "invalid")]),
        "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp"
    );
    assert_eq!(
        err(&[("target.type", "unix"), ("unix.precision", "invalid")]),
        "Invalid value invalid for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"
    );
    assert!(converter(Target::Value, &[("target.type", "unix"), ("unix.precision", "seconds")]).is_ok());
    assert_eq!(
        err(&[("target.type", "string")]),
        "TimestampConverter requires format option to be specified when using string timestamps"
    );
    assert_eq!(
        err(&[("target.type", "string"), ("format", "bad-format")]),
        "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format"
    );
}

#[test]
fn schemaless_timestamp_to_every_type() {
    for (target, expected) in [
        ("Timestamp", date_plus_time()),
        ("Date", date()),
        ("Time", time()),
        ("unix", Value::Int64(DATE_PLUS_TIME_UNIX)),
        ("string", Value::String(DATE_PLUS_TIME_STRING.into())),
    ] {
        let xform = value_converter(&[("target.type", target), ("format", STRING_DATE_FMT)]);
        assert_eq!(apply(&xform, None, date_plus_time()), (None, expected), "{target}");
    }
}

#[test]
fn schemaless_core_types_to_timestamp() {
    let xform = value_converter(&[("target.type", "Timestamp"), ("format", STRING_DATE_FMT)]);
    // No change expected since the source types are coarser-grained.
    assert_eq!(apply(&xform, None, date()), (None, Value::Timestamp(86_400_000)));
    assert_eq!(apply(&xform, None, time()), (None, Value::Timestamp(1234)));
    assert_eq!(apply(&xform, None, Value::Int64(DATE_PLUS_TIME_UNIX)), (None, date_plus_time()));
    assert_eq!(apply(&xform, None, Value::String(DATE_PLUS_TIME_STRING.into())), (None, date_plus_time()));
}

#[test]
fn with_schema_timestamp_to_every_type() {
    for (target, expected_schema, expected) in [
        ("Timestamp", Schema::timestamp(), date_plus_time()),
        ("Date", Schema::date(), date()),
        ("Time", Schema::time(), time()),
        ("unix", Schema::new(Type::Int64), Value::Int64(DATE_PLUS_TIME_UNIX)),
        ("string", Schema::new(Type::String), Value::String(DATE_PLUS_TIME_STRING.into())),
    ] {
        let xform = value_converter(&[("target.type", target), ("format", STRING_DATE_FMT)]);
        assert_eq!(
            apply(&xform, Some(Schema::timestamp()), date_plus_time()),
            (Some(expected_schema), expected),
            "{target}"
        );
    }
}

#[test]
fn with_schema_core_types_to_timestamp() {
    let xform = value_converter(&[("target.type", "Timestamp"), ("format", STRING_DATE_FMT)]);
    let timestamp = Some(Schema::timestamp());
    assert_eq!(
        apply(&xform, Some(Schema::date()), date()),
        (timestamp.clone(), Value::Timestamp(86_400_000))
    );
    assert_eq!(apply(&xform, Some(Schema::time()), time()), (timestamp.clone(), Value::Timestamp(1234)));
    assert_eq!(
        apply(&xform, Some(Schema::new(Type::Int64)), Value::Int64(DATE_PLUS_TIME_UNIX)),
        (timestamp.clone(), date_plus_time())
    );
    assert_eq!(
        apply(&xform, Some(Schema::new(Type::String)), Value::String(DATE_PLUS_TIME_STRING.into())),
        (timestamp, date_plus_time())
    );
}

#[test]
fn schemaless_null_value_and_null_field() {
    for target in ["string", "Date", "Timestamp", "unix", "Time"] {
        for field in ["", "ts"] {
            let xform =
                value_converter(&[("target.type", target), ("format", STRING_DATE_FMT), ("field", field)]);
            assert_eq!(apply(&xform, None, Value::Null), (None, Value::Null), "{target} {field:?}");
        }
    }
}

fn optional_sources() -> Vec<Schema> {
    vec![
        Schema::new(Type::Int64).optional(),
        Schema::time().optional(),
        Schema::date().optional(),
        Schema::new(Type::String).optional(),
        Schema::timestamp().optional(),
    ]
}

#[test]
fn with_schema_null_value_and_null_field() {
    for (target, expected) in [
        ("Timestamp", Schema::timestamp().optional()),
        ("unix", Schema::new(Type::Int64).optional()),
        ("Time", Schema::time().optional()),
        ("Date", Schema::date().optional()),
        ("string", Schema::new(Type::String).optional()),
    ] {
        for original in optional_sources() {
            // Whole value is null.
            let xform = value_converter(&[("target.type", target), ("format", STRING_DATE_FMT)]);
            assert_eq!(
                apply(&xform, Some(original.clone()), Value::Null),
                (Some(expected.clone()), Value::Null)
            );

            // Struct field is null.
            let xform =
                value_converter(&[("target.type", target), ("format", STRING_DATE_FMT), ("field", "ts")]);
            let schema = structure(vec![("ts", original.clone()), ("other", Schema::new(Type::String))]);
            let expected_schema =
                structure(vec![("ts", expected.clone()), ("other", Schema::new(Type::String))]);
            let value = Value::Struct(Struct {
                schema: Arc::new(schema.clone()),
                values: vec![Value::Null, Value::String("test".into())],
            });
            let (out_schema, out) = apply(&xform, Some(schema.clone()), value);
            assert_eq!(out_schema, Some(expected_schema.clone()));
            let Value::Struct(out) = out else { panic!("not a struct") };
            assert_eq!(out.get("ts"), Some(&Value::Null));

            // Entire struct is null.
            let (out_schema, out) = apply(&xform, Some(schema.optional()), Value::Null);
            assert_eq!(out_schema, Some(expected_schema.optional()));
            assert_eq!(out, Value::Null);
        }
    }
}

#[test]
fn schemaless_field_conversion() {
    let xform = value_converter(&[("target.type", "Date"), ("field", "ts")]);
    let value = Value::Map(vec![(Value::String("ts".into()), date_plus_time())]);
    assert_eq!(apply(&xform, None, value), (None, Value::Map(vec![(Value::String("ts".into()), date())])));
}

#[test]
fn with_schema_field_conversion() {
    let xform = value_converter(&[("target.type", "Timestamp"), ("field", "ts")]);
    let schema = structure(vec![("ts", Schema::new(Type::Int64)), ("other", Schema::new(Type::String))]);
    let value = Value::Struct(Struct {
        schema: Arc::new(schema.clone()),
        values: vec![Value::Int64(DATE_PLUS_TIME_UNIX), Value::String("test".into())],
    });
    let (out_schema, out) = apply(&xform, Some(schema), value);
    assert_eq!(
        out_schema,
        Some(structure(vec![("ts", Schema::timestamp()), ("other", Schema::new(Type::String))]))
    );
    let Value::Struct(out) = out else { panic!("not a struct") };
    assert_eq!(out.get("ts"), Some(&date_plus_time()));
    assert_eq!(out.get("other"), Some(&Value::String("test".into())));
}

#[test]
fn with_schema_null_field_with_default() {
    // The Java test configures replace.null.with.default=false for both of its parameter rows.
    for (replace, expected) in [("false", Value::Null), ("true", Value::Timestamp(0))] {
        let xform = value_converter(&[
            ("target.type", "Timestamp"),
            ("field", "ts"),
            ("replace.null.with.default", replace),
        ]);
        let mut ts = Schema::new(Type::Int64).optional();
        ts.default = Some(Value::Int64(0));
        let schema = structure(vec![("ts", ts), ("other", Schema::new(Type::String))]);
        let value = Value::Struct(Struct {
            schema: Arc::new(schema.clone()),
            values: vec![Value::Null, Value::String("test".into())],
        });
        let (out_schema, out) = apply(&xform, Some(schema), value);
        assert_eq!(
            out_schema,
            Some(structure(vec![
                ("ts", Schema::timestamp().optional()),
                ("other", Schema::new(Type::String))
            ]))
        );
        let Value::Struct(out) = out else { panic!("not a struct") };
        assert_eq!(out.get("ts"), Some(&expected), "replace={replace}");
        assert_eq!(out.get("other"), Some(&Value::String("test".into())));
    }
}

#[test]
fn with_schema_unix_precisions() {
    let second_later = 86_400_000 + 1000;
    for (precision, input, expected) in [
        ("microseconds", DATE_PLUS_TIME_UNIX_MICROS, DATE_PLUS_TIME_UNIX),
        ("nanoseconds", DATE_PLUS_TIME_UNIX_NANOS, DATE_PLUS_TIME_UNIX),
        ("seconds", DATE_PLUS_TIME_UNIX_SECONDS, second_later),
    ] {
        let xform =
            value_converter(&[("target.type", "Timestamp"), ("field", "ts"), ("unix.precision", precision)]);
        let schema = structure(vec![("ts", Schema::new(Type::Int64))]);
        let value =
            Value::Struct(Struct { schema: Arc::new(schema.clone()), values: vec![Value::Int64(input)] });
        let (out_schema, out) = apply(&xform, Some(schema), value);
        assert_eq!(out_schema, Some(structure(vec![("ts", Schema::timestamp())])));
        let Value::Struct(out) = out else { panic!("not a struct") };
        assert_eq!(out.get("ts"), Some(&Value::Timestamp(expected)), "{precision}");
    }
}

#[test]
fn schemaless_string_to_unix_precisions() {
    for (precision, expected) in [
        // Sub-millisecond precision is lost through the java.util.Date pivot.
        ("microseconds", 86_401_234_000),
        ("nanoseconds", 86_401_234_000_000),
        ("seconds", DATE_PLUS_TIME_UNIX_SECONDS),
    ] {
        let xform = value_converter(&[
            ("target.type", "unix"),
            ("unix.precision", precision),
            ("format", STRING_DATE_FMT),
        ]);
        assert_eq!(
            apply(&xform, None, Value::String(DATE_PLUS_TIME_STRING.into())),
            (None, Value::Int64(expected))
        );
    }
}

#[test]
fn key() {
    let xform = converter(Target::Key, &[("target.type", "Timestamp")]).unwrap();
    let out = xform
        .apply(Record { topic: "topic".into(), key: date_plus_time(), ..Record::default() })
        .unwrap()
        .unwrap();
    assert_eq!((out.key_schema, out.key), (None, date_plus_time()));
}

#[test]
fn data_errors_use_connect_messages() {
    let xform = value_converter(&[("target.type", "Timestamp"), ("format", "yyyy-MM-dd")]);
    let err =
        |schema: Option<Schema>, value: Value| xform.apply(record(schema, value)).unwrap_err().to_string();
    assert_eq!(
        err(None, Value::String("2017/01/03".into())),
        "Could not parse timestamp: value (2017/01/03) does not match pattern (yyyy-MM-dd)"
    );
    assert_eq!(
        err(None, Value::Int32(5)),
        "TimestampConverter does not support class java.lang.Integer objects as timestamps"
    );
    assert_eq!(
        err(Some(Schema::new(Type::Int32)), Value::Int32(5)),
        "Schema Schema{INT32} does not correspond to a known timestamp type format"
    );
    assert_eq!(
        err(Some(Schema::new(Type::Int64)), Value::String("x".into())),
        "Expected Unix timestamp to be a Long, but found class java.lang.String"
    );
    assert_eq!(
        err(Some(Schema::new(Type::String)), Value::Int64(1)),
        "Expected string timestamp to be a String, but found class java.lang.Long"
    );
    assert_eq!(
        err(Some(Schema::date()), Value::Int32(1)),
        "Expected Date to be a java.util.Date, but found class java.lang.Integer"
    );
    let field = value_converter(&[("target.type", "unix"), ("field", "ts")]);
    assert_eq!(
        field.apply(record(None, Value::Int64(1))).unwrap_err().to_string(),
        "Only Map objects supported in absence of schema for [converting timestamp formats], found: java.lang.Long"
    );
    // Pre-epoch instants keep the UTC day and time of day.
    let to_date = value_converter(&[("target.type", "Date")]);
    assert_eq!(apply(&to_date, None, Value::Timestamp(-1)), (None, Value::Date(-1)));
    let to_time = value_converter(&[("target.type", "Time")]);
    assert_eq!(apply(&to_time, None, Value::Timestamp(-1)), (None, Value::Time(86_399_999)));
    let to_seconds = value_converter(&[("target.type", "unix"), ("unix.precision", "seconds")]);
    assert_eq!(apply(&to_seconds, None, Value::Timestamp(-1500)), (None, Value::Int64(-1)));
}

#[test]
fn struct_default_is_converted_with_the_schema() {
    let xform = value_converter(&[("target.type", "Date"), ("field", "ts")]);
    let fields = vec![("ts", Schema::timestamp())];
    let inner = Arc::new(structure(fields.clone()));
    let mut schema = structure(fields).optional();
    schema.default = Some(Value::Struct(Struct { schema: inner, values: vec![date_plus_time()] }));
    let (out_schema, _) = apply(&xform, Some(schema), Value::Null);
    let out_schema = out_schema.unwrap();
    assert!(out_schema.optional);
    let Some(Value::Struct(default)) = &out_schema.default else { panic!("no default") };
    assert_eq!(default.get("ts"), Some(&date()));
    assert_eq!(*out_schema.field("ts").unwrap().schema, Schema::date());
}
