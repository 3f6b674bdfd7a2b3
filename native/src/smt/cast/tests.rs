//! Connect's `CastTest`, ported case by case, plus Java-semantics edge cases.

use std::sync::Arc;

use super::*;
use crate::data::{Decimal, Field};
use crate::smt::test_support::value_record;

const MILLIS_PER_DAY: i64 = 86_400_000;
const MILLIS_PER_HOUR: i64 = 3_600_000;

fn cast(target: Target, spec: &str) -> Result<Cast, TransformError> {
    let props: Props = [(SPEC_CONFIG.to_owned(), spec.to_owned())].into_iter().collect();
    Cast::new(target, &props)
}

fn apply(xform: &Cast, record: Record) -> Record {
    xform.apply(record).unwrap().unwrap()
}

fn apply_err(xform: &Cast, record: Record) -> String {
    xform.apply(record).unwrap_err().to_string()
}

fn int32() -> Schema {
    Schema::new(Type::Int32)
}

fn with_default(mut schema: Schema, default: Value) -> Schema {
    schema.default = Some(default);
    schema
}

/// `BigDecimal(unscaled)` at scale 0 / the given scale, in minimal two's complement.
fn decimal(unscaled: i64, scale: i32) -> Value {
    let bytes = unscaled.to_be_bytes();
    let mut start = 0;
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    Value::Decimal(Decimal { unscaled: bytes[start..].to_vec(), scale })
}

fn structure(fields: Vec<(&str, Schema)>) -> Schema {
    Schema::structure(fields.into_iter().map(|(n, s)| (n.to_owned(), Arc::new(s))))
}

fn field<'a>(record: &'a Record, name: &str) -> &'a Value {
    match &record.value {
        Value::Struct(s) => s.get(name).unwrap(),
        Value::Map(_) => record.value.map_get(name).unwrap(),
        other => panic!("not a struct or map: {other:?}"),
    }
}

fn field_schema<'a>(record: &'a Record, name: &str) -> &'a Field {
    record.value_schema.as_ref().unwrap().field(name).unwrap()
}

#[test]
fn config_errors_use_connect_messages() {
    let supported_to = "supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";
    for (spec, message) in [
        ("", "Must specify at least one field to cast.".to_owned()),
        ("foo:faketype", "Invalid type found in casting spec: faketype".to_owned()),
        ("foo:array", format!("Cast transformation does not support casting to ARRAY; {supported_to}")),
        ("array", format!("Cast transformation does not support casting to ARRAY; {supported_to}")),
        ("foo:bytes", format!("Cast transformation does not support casting to BYTES; {supported_to}")),
        (
            "foo:int8:extra",
            "Invalid value [foo:int8:extra] for configuration renames: Invalid rename mapping: foo:int8:extra".to_owned(),
        ),
        (
            "foo:int8,int32",
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"
                .to_owned(),
        ),
    ] {
        assert_eq!(cast(Target::Key, spec).unwrap_err().to_string(), message, "{spec}");
    }
    assert_eq!(
        Cast::new(Target::Value, &Props::new()).unwrap_err().to_string(),
        "Missing required configuration \"spec\" which has no default value."
    );
    // Type names are case-insensitive and trimmed, as Schema.Type.valueOf(trim().toUpperCase()).
    assert!(cast(Target::Value, " foo : INT8 , bar:Float64").is_ok());
}

#[test]
fn null_keys_and_values_pass_through() {
    let xform = cast(Target::Value, "foo:int64").unwrap();
    for schema in [Some(Schema::new(Type::String)), None] {
        let original = Record { key: Value::String("key".into()), ..value_record(schema, Value::Null) };
        assert_eq!(apply(&xform, original.clone()), original);
    }
    let xform = cast(Target::Key, "foo:int64").unwrap();
    for schema in [Some(Arc::new(Schema::new(Type::String))), None] {
        let original = Record {
            key_schema: schema,
            ..value_record(Some(Schema::new(Type::String)), Value::String("value".into()))
        };
        assert_eq!(apply(&xform, original.clone()), original);
    }
}

#[test]
fn null_field_with_default_is_replaced_unless_disabled() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::String("10".into()))] {
        let props: Props = [("spec", "magic:string"), ("replace.null.with.default", replace)]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let xform = Cast::new(Target::Value, &props).unwrap();
        let schema = Arc::new(structure(vec![("magic", with_default(int32().optional(), Value::Int32(10)))]));
        let value = Value::Struct(Struct::new(Arc::clone(&schema)));
        let out = apply(&xform, value_record(Some((*schema).clone()), value));
        assert_eq!(field_schema(&out, "magic").schema.kind, Type::String);
        assert_eq!(field_schema(&out, "magic").schema.default, Some(Value::String("10".into())));
        assert_eq!(field(&out, "magic"), &expected);
    }
}

#[test]
fn whole_key_with_schema() {
    let xform = cast(Target::Key, "int8").unwrap();
    let record = Record {
        key_schema: Some(Arc::new(int32())),
        key: Value::Int32(42),
        ..value_record(Some(Schema::new(Type::String)), Value::String("bogus".into()))
    };
    let out = apply(&xform, record);
    assert_eq!(out.key_schema.as_ref().unwrap().kind, Type::Int8);
    assert_eq!(out.key, Value::Int8(42));
    assert_eq!(out.value, Value::String("bogus".into()));
}

#[test]
fn whole_value_with_and_without_schema() {
    for (spec, kind, expected_42, expected_0) in [
        ("int8", Type::Int8, Value::Int8(42), Value::Int8(0)),
        ("int16", Type::Int16, Value::Int16(42), Value::Int16(0)),
        ("int32", Type::Int32, Value::Int32(42), Value::Int32(0)),
        ("int64", Type::Int64, Value::Int64(42), Value::Int64(0)),
        ("float32", Type::Float32, Value::Float32(42.0), Value::Float32(0.0)),
        ("float64", Type::Float64, Value::Float64(42.0), Value::Float64(0.0)),
        ("boolean", Type::Boolean, Value::Boolean(true), Value::Boolean(false)),
        ("string", Type::String, Value::String("42".into()), Value::String("0".into())),
    ] {
        let xform = cast(Target::Value, spec).unwrap();
        let out = apply(&xform, value_record(Some(int32()), Value::Int32(42)));
        assert_eq!(out.value_schema.as_ref().unwrap().kind, kind, "{spec}");
        assert_eq!(out.value, expected_42, "{spec}");
        let out = apply(&xform, value_record(None, Value::Int32(42)));
        assert_eq!(out.value_schema, None);
        assert_eq!(out.value, expected_42, "{spec} schemaless");
        let out = apply(&xform, value_record(None, Value::Int32(0)));
        assert_eq!(out.value, expected_0, "{spec} schemaless 0");
    }
    let xform = cast(Target::Key, "int8").unwrap();
    let out = apply(&xform, Record { key: Value::Int32(42), ..value_record(None, Value::Null) });
    assert_eq!((out.key_schema, out.key), (None, Value::Int8(42)));
}

#[test]
fn whole_decimal_and_timestamp_to_string_keep_the_schema_basics() {
    let xform = cast(Target::Value, "string").unwrap();
    let out = apply(&xform, value_record(Some(Schema::decimal(0)), decimal(42, 0)));
    let schema = out.value_schema.as_ref().unwrap();
    assert_eq!(schema.kind, Type::String);
    assert_eq!(out.value, Value::String("42".into()));
    // Connect compat: copySchemaBasics keeps the logical name and parameters on the new type.
    assert_eq!(schema.name.as_deref(), Some(crate::data::logical::DECIMAL));
    assert_eq!(schema.parameter("scale"), Some("0"));

    // A day plus 1 ms gets Values.dateFormatFor's timestamp form.
    let out = apply(&xform, value_record(Some(Schema::timestamp()), Value::Timestamp(MILLIS_PER_DAY + 1)));
    assert_eq!(out.value_schema.as_ref().unwrap().kind, Type::String);
    assert_eq!(out.value, Value::String("1970-01-02T00:00:00.001Z".into()));
}

#[test]
fn whole_value_default_is_cast_too() {
    let xform = cast(Target::Value, "int32").unwrap();
    let schema = with_default(Schema::new(Type::Float32), Value::Float32(-42.125));
    let out = apply(&xform, value_record(Some(schema), Value::Float32(42.125)));
    assert_eq!(out.value_schema.as_ref().unwrap().kind, Type::Int32);
    assert_eq!(out.value, Value::Int32(42));
    assert_eq!(out.value_schema.as_ref().unwrap().default, Some(Value::Int32(-42)));
}

#[test]
fn schemaless_unsupported_types_are_rejected() {
    let xform = cast(Target::Value, "int8").unwrap();
    assert_eq!(
        apply_err(&xform, value_record(None, Value::Array(vec![Value::String("foo".into())]))),
        "Cast transformation does not support casting from ARRAY; supported types are \
         [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
    );
    // Logical values have no schemaless type in Connect (ConnectSchema.schemaType is null).
    assert_eq!(
        apply_err(&xform, value_record(None, Value::Timestamp(0))),
        "Cast transformation was passed a value of type class java.util.Date which is not supported by Connect's data API"
    );
    assert_eq!(
        apply_err(&xform, value_record(None, decimal(1, 0))),
        "Cast transformation was passed a value of type class java.math.BigDecimal which is not supported by Connect's data API"
    );
}

#[test]
fn logical_values_cast_to_their_encoding() {
    let spec = "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,\
                timestamp_to_float64:float64,null_timestamp_to_int32:int32";
    let xform = cast(Target::Value, spec).unwrap();
    let schema = Arc::new(structure(vec![
        ("date_to_int32", Schema::date()),
        ("timestamp_to_int64", Schema::timestamp()),
        ("time_to_int64", Schema::time()),
        ("decimal_to_int32", Schema::decimal(0)),
        ("timestamp_to_float64", Schema::timestamp()),
        ("null_timestamp_to_int32", Schema::timestamp().optional()),
    ]));
    let mut value = Struct::new(Arc::clone(&schema));
    value.values = vec![
        Value::Date(1),
        Value::Timestamp(0),
        Value::Time(1),
        decimal(i64::from(i32::MAX) + 1, 0),
        Value::Timestamp(i64::MAX),
        Value::Null,
    ];
    let out = apply(&xform, value_record(Some((*schema).clone()), Value::Struct(value)));
    assert_eq!(field(&out, "date_to_int32"), &Value::Int32(1));
    assert_eq!(field(&out, "timestamp_to_int64"), &Value::Int64(0));
    assert_eq!(field(&out, "time_to_int64"), &Value::Int64(1));
    assert_eq!(field(&out, "decimal_to_int32"), &Value::Int32(i32::MIN));
    assert_eq!(field(&out, "timestamp_to_float64"), &Value::Float64(9.223_372_036_854_776E18));
    assert_eq!(field(&out, "null_timestamp_to_int32"), &Value::Null);
    for (name, kind) in [
        ("date_to_int32", Type::Int32),
        ("timestamp_to_int64", Type::Int64),
        ("time_to_int64", Type::Int64),
        ("decimal_to_int32", Type::Int32),
        ("timestamp_to_float64", Type::Float64),
        ("null_timestamp_to_int32", Type::Int32),
    ] {
        assert_eq!(field_schema(&out, name).schema.kind, kind, "{name}");
        assert_eq!(field_schema(&out, name).schema.name, None, "{name}");
    }
    assert!(field_schema(&out, "null_timestamp_to_int32").schema.optional);
}

#[test]
fn logical_values_cast_to_string() {
    let xform = cast(Target::Value, "date:string,decimal:string,time:string,timestamp:string").unwrap();
    let schema = Arc::new(structure(vec![
        ("date", Schema::date()),
        ("decimal", Schema::decimal(0)),
        ("time", Schema::time()),
        ("timestamp", Schema::timestamp()),
    ]));
    let mut value = Struct::new(Arc::clone(&schema));
    value.values = vec![
        Value::Date(1),
        decimal(1982, 0),
        Value::Time(MILLIS_PER_HOUR as i32),
        Value::Timestamp(1_483_425_001_864),
    ];
    let out = apply(&xform, value_record(Some((*schema).clone()), Value::Struct(value)));
    assert_eq!(field(&out, "date"), &Value::String("1970-01-02".into()));
    assert_eq!(field(&out, "decimal"), &Value::String("1982".into()));
    assert_eq!(field(&out, "time"), &Value::String("01:00:00.000Z".into()));
    assert_eq!(field(&out, "timestamp"), &Value::String("2017-01-03T06:30:01.864Z".into()));
    for name in ["date", "decimal", "time", "timestamp"] {
        assert_eq!(field_schema(&out, name).schema.kind, Type::String);
    }
}

#[test]
fn fields_with_schema() {
    let spec =
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,\
                string:int32,bigdecimal:string,date:string,optional:int32,bytes:string,byteArray:string";
    let xform = cast(Target::Value, spec).unwrap();
    let schema = Arc::new(structure(vec![
        ("int8", Schema::new(Type::Int8)),
        ("int16", Schema::new(Type::Int16).optional()),
        ("int32", with_default(int32(), Value::Int32(2))),
        ("int64", Schema::new(Type::Int64)),
        ("float32", Schema::new(Type::Float32)),
        ("float64", with_default(Schema::new(Type::Float64), Value::Float64(-1.125))),
        ("boolean", Schema::new(Type::Boolean)),
        ("string", Schema::new(Type::String)),
        ("bigdecimal", Schema::decimal(0)),
        ("date", Schema::date()),
        ("optional", Schema::new(Type::Float32).optional()),
        ("timestamp", Schema::timestamp()),
        ("bytes", Schema::new(Type::Bytes)),
        ("byteArray", Schema::new(Type::Bytes)),
    ]));
    let bytes = vec![0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10];
    let mut value = Struct::new(Arc::clone(&schema));
    value.values = vec![
        Value::Int8(8),
        Value::Int16(16),
        Value::Int32(32),
        Value::Int64(64),
        Value::Float32(32.0),
        Value::Float64(-64.0),
        Value::Boolean(true),
        Value::String("42".into()),
        decimal(42, 0),
        Value::Date(1),
        Value::Null,
        Value::Timestamp(0),
        Value::Bytes(bytes.clone()),
        Value::Bytes(bytes),
    ];
    let out = apply(&xform, value_record(Some((*schema).clone()), Value::Struct(value)));
    assert_eq!(field(&out, "int8"), &Value::Int16(8));
    assert!(field_schema(&out, "int16").schema.optional);
    assert_eq!(field(&out, "int16"), &Value::Int32(16));
    assert_eq!(field(&out, "int32"), &Value::Int64(32));
    assert_eq!(field_schema(&out, "int32").schema.default, Some(Value::Int64(2)));
    assert_eq!(field(&out, "int64"), &Value::Boolean(true));
    assert_eq!(field(&out, "float32"), &Value::Float64(32.0));
    assert_eq!(field(&out, "float64"), &Value::Boolean(true));
    assert_eq!(field_schema(&out, "float64").schema.default, Some(Value::Boolean(true)));
    assert_eq!(field(&out, "boolean"), &Value::Int8(1));
    assert_eq!(field(&out, "string"), &Value::Int32(42));
    assert_eq!(field(&out, "bigdecimal"), &Value::String("42".into()));
    assert_eq!(field(&out, "date"), &Value::String("1970-01-02".into()));
    assert_eq!(field(&out, "timestamp"), &Value::Timestamp(0));
    assert_eq!(field(&out, "bytes"), &Value::String("/ty6mHZUMhA=".into()));
    assert_eq!(field(&out, "byteArray"), &Value::String("/ty6mHZUMhA=".into()));
    assert_eq!(field(&out, "optional"), &Value::Null);
    for (name, kind) in [
        ("int8", Type::Int16),
        ("int16", Type::Int32),
        ("int32", Type::Int64),
        ("int64", Type::Boolean),
        ("float32", Type::Float64),
        ("float64", Type::Boolean),
        ("boolean", Type::Int8),
        ("string", Type::Int32),
        ("bigdecimal", Type::String),
        ("date", Type::String),
        ("optional", Type::Int32),
        ("bytes", Type::String),
        ("byteArray", Type::String),
    ] {
        assert_eq!(field_schema(&out, name).schema.kind, kind, "{name}");
    }
    // Fields not in the spec keep their schema object.
    assert_eq!(*field_schema(&out, "timestamp").schema, Schema::timestamp());
}

#[test]
fn fields_schemaless() {
    let spec = "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,absent:string";
    let xform = cast(Target::Value, spec).unwrap();
    let entries = [
        ("int8", Value::Int8(8)),
        ("int16", Value::Int16(16)),
        ("int32", Value::Int32(32)),
        ("int64", Value::Int64(64)),
        ("float32", Value::Float32(32.0)),
        ("float64", Value::Float64(-64.0)),
        ("boolean", Value::Boolean(true)),
        ("string", Value::String("42".into())),
        ("untouched", Value::Array(vec![])),
    ];
    let map = Value::Map(entries.into_iter().map(|(k, v)| (Value::String(k.into()), v)).collect());
    let out = apply(&xform, value_record(None, map));
    assert_eq!(out.value_schema, None);
    assert_eq!(field(&out, "int8"), &Value::Int16(8));
    assert_eq!(field(&out, "int16"), &Value::Int32(16));
    assert_eq!(field(&out, "int32"), &Value::Int64(32));
    assert_eq!(field(&out, "int64"), &Value::Boolean(true));
    assert_eq!(field(&out, "float32"), &Value::Float64(32.0));
    assert_eq!(field(&out, "float64"), &Value::Boolean(true));
    assert_eq!(field(&out, "boolean"), &Value::Int8(1));
    assert_eq!(field(&out, "string"), &Value::Int32(42));
    assert_eq!(field(&out, "untouched"), &Value::Array(vec![]));
    // Connect compat: every spec field is put into the map, null when it was absent.
    assert_eq!(field(&out, "absent"), &Value::Null);
}

#[test]
fn java_conversion_edge_cases() {
    let whole = |spec: &str, value: Value| {
        apply(&cast(Target::Value, spec).unwrap(), value_record(None, value)).value
    };
    assert_eq!(whole("int8", Value::Int32(300)), Value::Int8(44));
    assert_eq!(whole("int8", Value::Float64(300.7)), Value::Int8(44));
    assert_eq!(whole("int32", Value::Float64(1e20)), Value::Int32(i32::MAX));
    assert_eq!(whole("int64", Value::Float32(f32::NAN)), Value::Int64(0));
    assert_eq!(whole("boolean", Value::Float64(0.5)), Value::Boolean(false));
    assert_eq!(whole("boolean", Value::String("TRUE".into())), Value::Boolean(true));
    assert_eq!(whole("boolean", Value::String("yes".into())), Value::Boolean(false));
    assert_eq!(whole("string", Value::Float64(1e7)), Value::String("1.0E7".into()));
    assert_eq!(whole("string", Value::Float32(0.1)), Value::String("0.1".into()));
    assert_eq!(whole("string", Value::Boolean(false)), Value::String("false".into()));
    assert_eq!(whole("float32", Value::Int64(16_777_217)), Value::Float32(16_777_216.0));
    assert_eq!(whole("float64", Value::String(" 2.5e1 ".into())), Value::Float64(25.0));
    assert_eq!(whole("int16", Value::String("-32768".into())), Value::Int16(i16::MIN));

    let xform = cast(Target::Value, "int8").unwrap();
    for text in ["200", "abc", " 1", ""] {
        assert_eq!(
            apply_err(&xform, value_record(None, Value::String(text.into()))),
            format!("Value ({text}) was out of range for requested data type")
        );
    }
    assert_eq!(
        apply_err(&xform, value_record(None, Value::Bytes(vec![1]))),
        "Unexpected type in Cast transformation: class [B"
    );
}

#[test]
fn schema_errors_follow_connect() {
    // Field casts on a non-struct schema fail while listing its fields.
    let xform = cast(Target::Value, "foo:int8").unwrap();
    assert_eq!(
        apply_err(&xform, value_record(Some(int32()), Value::Int32(1))),
        "Cannot list fields on non-struct type"
    );
    // A struct value is required with a struct schema.
    let schema = structure(vec![("foo", int32())]);
    assert_eq!(
        apply_err(&xform, value_record(Some(schema.clone()), Value::Int32(1))),
        "Only Struct objects supported for [cast types], found: java.lang.Integer"
    );
    assert_eq!(
        apply_err(&xform, value_record(None, Value::Int32(1))),
        "Only Map objects supported in absence of schema for [cast types], found: java.lang.Integer"
    );
    // Struct.put rejects null in a required field.
    let value = Value::Struct(Struct::new(Arc::new(schema.clone())));
    assert_eq!(
        apply_err(&xform, value_record(Some(schema), value)),
        "Invalid value: null used for required field: \"foo\", schema type: INT8"
    );
}
