//! Connect's `FlattenTest`, ported case by case, plus the MAP and duplicate-name errors.

use super::*;
use crate::smt::test_support::value_record as record;

fn flatten(target: Target, delimiter: Option<&str>) -> Flatten {
    let props: Props = delimiter.map(|d| (DELIMITER_CONFIG.to_owned(), d.to_owned())).into_iter().collect();
    Flatten::new(target, &props).unwrap()
}

fn structure(fields: Vec<(&str, Schema)>) -> Schema {
    Schema::structure(fields.into_iter().map(|(n, s)| (n.to_owned(), Arc::new(s))))
}

fn struct_value(schema: &Schema, values: Vec<Value>) -> Value {
    Value::Struct(Struct { schema: Arc::new(schema.clone()), values })
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (Value::String(k.into()), v)).collect())
}

fn get<'a>(value: &'a Value, name: &str) -> &'a Value {
    match value {
        Value::Struct(s) => s.get(name).unwrap(),
        other => other.map_get(name).unwrap(),
    }
}

fn supported_types() -> (Schema, Vec<Value>) {
    let schema = structure(vec![
        ("int8", Schema::new(Type::Int8)),
        ("int16", Schema::new(Type::Int16)),
        ("int32", Schema::new(Type::Int32)),
        ("int64", Schema::new(Type::Int64)),
        ("float32", Schema::new(Type::Float32)),
        ("float64", Schema::new(Type::Float64)),
        ("boolean", Schema::new(Type::Boolean)),
        ("string", Schema::new(Type::String)),
        ("bytes", Schema::new(Type::Bytes)),
    ]);
    let values = vec![
        Value::Int8(8),
        Value::Int16(16),
        Value::Int32(32),
        Value::Int64(64),
        Value::Float32(32.0),
        Value::Float64(64.0),
        Value::Boolean(true),
        Value::String("stringy".into()),
        Value::Bytes(b"bytes".to_vec()),
    ];
    (schema, values)
}

#[test]
fn top_level_struct_or_map_is_required() {
    let xform = flatten(Target::Value, None);
    let err = xform.apply(record(Some(Schema::new(Type::Int32)), Value::Int32(42))).unwrap_err();
    assert_eq!(err.to_string(), "Only Struct objects supported for [flattening], found: java.lang.Integer");
    let err = xform.apply(record(None, Value::Int32(42))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Only Map objects supported in absence of schema for [flattening], found: java.lang.Integer"
    );
}

#[test]
fn nested_struct() {
    let (supported, values) = supported_types();
    let one = structure(vec![("B", supported.clone())]);
    let two = structure(vec![("A", one.clone())]);
    let value = struct_value(&two, vec![struct_value(&one, vec![struct_value(&supported, values.clone())])]);
    let out = flatten(Target::Value, None).apply(record(Some(two), value)).unwrap().unwrap();
    let schema = out.value_schema.as_ref().unwrap();
    assert_eq!(schema.kind, Type::Struct);
    assert_eq!(schema.fields.len(), 9);
    for (field, expected) in supported.fields.iter().zip(&values) {
        let name = format!("A.B.{}", field.name);
        assert_eq!(get(&out.value, &name), expected, "{name}");
        assert_eq!(*schema.field(&name).unwrap().schema, *field.schema);
    }
}

#[test]
fn nested_map_with_delimiter() {
    let (supported, values) = supported_types();
    let inner = Value::Map(
        supported
            .fields
            .iter()
            .zip(values.clone())
            .map(|(f, v)| (Value::String(f.name.clone()), v))
            .collect(),
    );
    let value = map(vec![("A", map(vec![("B", inner)]))]);
    let out = flatten(Target::Value, Some("#")).apply(record(None, value)).unwrap().unwrap();
    assert_eq!(out.value_schema, None);
    let Value::Map(entries) = &out.value else { panic!("not a map") };
    assert_eq!(entries.len(), 9);
    for (field, expected) in supported.fields.iter().zip(&values) {
        assert_eq!(get(&out.value, &format!("A#B#{}", field.name)), expected);
    }
}

#[test]
fn optional_field_struct() {
    let supported = structure(vec![("opt_int32", Schema::new(Type::Int32).optional())]);
    let one = structure(vec![("B", supported.clone())]);
    let value = struct_value(&one, vec![struct_value(&supported, vec![Value::Null])]);
    let out = flatten(Target::Value, None).apply(record(Some(one), value)).unwrap().unwrap();
    assert_eq!(out.value_schema.as_ref().unwrap().kind, Type::Struct);
    assert_eq!(get(&out.value, "B.opt_int32"), &Value::Null);
}

#[test]
fn optional_struct_tombstone_keeps_its_schema() {
    let schema = structure(vec![("opt_int32", Schema::new(Type::Int32).optional())]).optional();
    let original = record(Some(schema.clone()), Value::Null);
    let out = flatten(Target::Value, None).apply(original.clone()).unwrap().unwrap();
    assert_eq!(out, original);
    // Also with name/version/doc, and schemaless.
    let mut named = structure(vec![("magic", Schema::new(Type::Int64).optional())]).named("name");
    named.version = Some(1);
    named.doc = Some("doc".into());
    let original = record(Some(named), Value::Null);
    assert_eq!(flatten(Target::Value, None).apply(original.clone()).unwrap().unwrap(), original);
    let original = record(None, Value::Null);
    assert_eq!(flatten(Target::Value, None).apply(original.clone()).unwrap().unwrap(), original);
}

#[test]
fn optional_nested_struct() {
    let supported = structure(vec![("opt_int32", Schema::new(Type::Int32).optional())]).optional();
    let one = structure(vec![("B", supported)]);
    let value = struct_value(&one, vec![Value::Null]);
    let out = flatten(Target::Value, None).apply(record(Some(one), value)).unwrap().unwrap();
    assert_eq!(out.value_schema.as_ref().unwrap().kind, Type::Struct);
    assert_eq!(get(&out.value, "B.opt_int32"), &Value::Null);
}

#[test]
fn optional_field_map() {
    let value = map(vec![("B", map(vec![("opt_int32", Value::Null)]))]);
    let out = flatten(Target::Value, None).apply(record(None, value)).unwrap().unwrap();
    assert_eq!(out.value, map(vec![("B.opt_int32", Value::Null)]));
}

#[test]
fn key() {
    let key = map(vec![("A", map(vec![("B", Value::Int32(12))]))]);
    let original = Record { topic: "topic".into(), key, ..Record::default() };
    let out = flatten(Target::Key, None).apply(original).unwrap().unwrap();
    assert_eq!(out.key_schema, None);
    assert_eq!(out.key, map(vec![("A.B", Value::Int32(12))]));
}

#[test]
fn schemaless_array_is_copied() {
    let value = map(vec![(
        "foo",
        Value::Array(vec![
            Value::String("bar".into()),
            map(vec![("baz", map(vec![("lfg", Value::String("lfg".into()))]))]),
        ]),
    )]);
    let out = flatten(Target::Value, None).apply(record(None, value.clone())).unwrap().unwrap();
    assert_eq!(out.value, value);
}

#[test]
fn array_with_schema_is_copied() {
    let nested = structure(vec![("lfg", Schema::new(Type::String))]);
    let inner = structure(vec![("baz", nested.clone())]);
    let mut array = Schema::array(Arc::new(inner.clone()));
    array.doc = Some("durk".into());
    let schema = structure(vec![("foo", array)]);
    let element = struct_value(&inner, vec![struct_value(&nested, vec![Value::String("lfg".into())])]);
    let value = struct_value(&schema, vec![Value::Array(vec![element])]);
    let out =
        flatten(Target::Value, None).apply(record(Some(schema.clone()), value.clone())).unwrap().unwrap();
    assert_eq!(out.value, value);
    assert_eq!(**out.value_schema.as_ref().unwrap(), schema);
}

#[test]
fn optional_and_default_values_nested() {
    let child_fields = vec![
        ("req_field", Schema::new(Type::String)),
        ("opt_field", {
            let mut s = Schema::new(Type::String).optional();
            s.default = Some(Value::String("child_default".into()));
            s
        }),
    ];
    let builder = structure(child_fields).optional();
    let child_default = struct_value(&builder, vec![Value::String("req_default".into()), Value::Null]);
    let mut schema = builder;
    schema.default = Some(child_default);
    // Intentionally leave the whole value empty since it is optional.
    let value = Value::Struct(Struct::new(Arc::new(schema.clone())));
    let out = flatten(Target::Value, None).apply(record(Some(schema), value)).unwrap().unwrap();
    let transformed = out.value_schema.as_ref().unwrap();
    assert_eq!(transformed.kind, Type::Struct);
    assert_eq!(transformed.fields.len(), 2);
    let mut req = Schema::new(Type::String).optional();
    req.default = Some(Value::String("req_default".into()));
    assert_eq!(*transformed.field("req_field").unwrap().schema, req);
    let mut opt = Schema::new(Type::String).optional();
    opt.default = Some(Value::String("child_default".into()));
    assert_eq!(*transformed.field("opt_field").unwrap().schema, opt);
    // Connect compat: the flattened top level is neither optional nor defaulted.
    assert!(!transformed.optional);
    assert_eq!(transformed.default, None);
}

#[test]
fn map_and_struct_with_null_fields_keep_order() {
    let entries = vec![
        ("firstNull", Value::Null),
        ("firstNonNull", Value::String("nonNull".into())),
        ("secondNull", Value::Null),
        ("secondNonNull", Value::String("alsoNonNull".into())),
        ("thirdNonNull", Value::Null),
    ];
    let value = map(entries.clone());
    let out = flatten(Target::Value, None).apply(record(None, value.clone())).unwrap().unwrap();
    assert_eq!(out.value, value);

    let schema = structure(entries.iter().map(|(n, _)| (*n, Schema::new(Type::String).optional())).collect());
    let value = struct_value(&schema, entries.into_iter().map(|(_, v)| v).collect());
    let out = flatten(Target::Value, None).apply(record(Some(schema), value.clone())).unwrap().unwrap();
    assert_eq!(out.value, value);
}

#[test]
fn map_fields_with_schema_are_rejected() {
    let schema = structure(vec![(
        "nested",
        structure(vec![(
            "m",
            Schema::map(Arc::new(Schema::new(Type::String)), Arc::new(Schema::new(Type::String))),
        )]),
    )]);
    let value = Value::Struct(Struct::new(Arc::new(schema.clone())));
    let err = flatten(Target::Value, None).apply(record(Some(schema), value)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Flatten transformation does not support MAP for record with schemas (for field nested.m)."
    );
}

#[test]
fn duplicate_names_and_unsupported_schemaless_values() {
    let schema = structure(vec![
        ("a.b", Schema::new(Type::Int32)),
        ("a", structure(vec![("b", Schema::new(Type::Int32))])),
    ]);
    let value = Value::Struct(Struct::new(Arc::new(schema.clone())));
    let err = flatten(Target::Value, None).apply(record(Some(schema), value)).unwrap_err();
    assert_eq!(err.to_string(), "Cannot create field because of field name duplication a.b");

    // Schemaless: a later duplicate overwrites the earlier entry in place (LinkedHashMap.put).
    let value =
        map(vec![("a.b", Value::Int32(1)), ("c", Value::Int32(3)), ("a", map(vec![("b", Value::Int32(2))]))]);
    let out = flatten(Target::Value, None).apply(record(None, value)).unwrap().unwrap();
    assert_eq!(out.value, map(vec![("a.b", Value::Int32(2)), ("c", Value::Int32(3))]));

    let err =
        flatten(Target::Value, None).apply(record(None, map(vec![("t", Value::Timestamp(0))]))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Flatten transformation was passed a value of type class java.util.Date which is not supported by Connect's data API"
    );
    let (supported, values) = supported_types();
    let err = flatten(Target::Value, None)
        .apply(record(None, map(vec![("s", struct_value(&supported, values))])))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record without schemas (for field s)."
    );
}

#[test]
fn null_in_required_leaf_is_rejected_like_struct_put() {
    let schema = structure(vec![("a", structure(vec![("b", Schema::new(Type::Int32))]))]);
    let inner = Schema::structure([("b".to_owned(), Arc::new(Schema::new(Type::Int32)))]);
    let value = struct_value(&schema, vec![Value::Struct(Struct::new(Arc::new(inner)))]);
    let err = flatten(Target::Value, None).apply(record(Some(schema), value)).unwrap_err();
    assert_eq!(err.to_string(), "Invalid value: null used for required field: \"a.b\", schema type: INT32");
}

#[test]
fn an_empty_field_name_is_rejected_like_schema_builder() {
    // Connect 4.3.1: Flatten over a ConnectSchema with a field named "" throws
    // SchemaBuilderException "fieldName cannot be null." from SchemaBuilder.field.
    let schema = structure(vec![
        ("", Schema::new(Type::Int32)),
        ("n", structure(vec![("x", Schema::new(Type::Int32))])),
    ]);
    let value = struct_value(&schema, vec![Value::Int32(1), Value::Null]);
    let err = flatten(Target::Value, None).apply(record(Some(schema), value)).unwrap_err();
    assert_eq!(err.to_string(), "fieldName cannot be null.");
}
