//! Unit tests of the JSON converter; Connect's golden cases are in `native/tests/json_golden.rs`.

use std::sync::Arc;

use super::*;
use crate::convert::Converter;
use crate::data::{Decimal, Schema, Struct, Type};

fn converter(pairs: &[(&str, &str)]) -> JsonConverter {
    let props = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    JsonConverter::new(JsonConverterConfig::from_props(&props, false).unwrap()).unwrap()
}

fn write(c: &mut JsonConverter, schema: Option<&SchemaRef>, value: &Value) -> String {
    let mut out = Vec::new();
    assert!(c.from_connect("t", schema, value, &mut out).unwrap());
    String::from_utf8(out).unwrap()
}

fn read(c: &mut JsonConverter, text: &str) -> (Option<SchemaRef>, Value) {
    c.to_connect("t", Some(text.as_bytes())).unwrap()
}

#[test]
fn envelope_round_trip_with_struct() {
    let schema: SchemaRef = Arc::new(
        Schema::structure([
            ("id".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ("name".to_owned(), Arc::new(Schema::new(Type::String).optional())),
            ("price".to_owned(), Arc::new(Schema::decimal(2).optional())),
        ])
        .named("com.example.Order"),
    );
    let value = Value::Struct(Struct {
        schema: schema.clone(),
        values: vec![Value::Int32(42), Value::Null, Value::Decimal(Decimal::from_i64(768, 2))],
    });
    let mut c = converter(&[]);
    let text = write(&mut c, Some(&schema), &value);
    assert_eq!(
        text,
        r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"price"}],"optional":false,"name":"com.example.Order"},"payload":{"id":42,"name":null,"price":"AwA="}}"#
    );
    let (read_schema, read_value) = read(&mut c, &text);
    assert_eq!(read_schema.as_deref(), Some(&*schema));
    assert_eq!(read_value, value);
    // The second read hits the cached schema and yields the same Arc.
    let (again, _) = read(&mut c, &text);
    assert!(Arc::ptr_eq(read_schema.as_ref().unwrap(), again.as_ref().unwrap()));
}

#[test]
fn write_leaves_out_untouched_on_error_and_tombstones() {
    let mut c = converter(&[]);
    let mut out = b"keep".to_vec();
    let required = Arc::new(Schema::new(Type::Int32));
    let err = c.from_connect("t", Some(&required), &Value::String("x".into()), &mut out).unwrap_err();
    assert_eq!(err.to_string(), "Invalid type for INT32: class java.lang.String");
    assert_eq!(out, b"keep");
    assert!(!c.from_connect("t", None, &Value::Null, &mut out).unwrap());
    assert_eq!(out, b"keep");
    assert_eq!(c.to_connect("t", None).unwrap(), (None, Value::Null));
}

#[test]
fn schema_cache_sizes_bound_both_directions() {
    let mut c = converter(&[("schemas.cache.size", "1")]);
    for t in ["int32", "int64", "int32"] {
        let text = format!(r#"{{"schema":{{"type":"{t}"}},"payload":1}}"#);
        read(&mut c, &text);
    }
    assert_eq!(c.read_cache.len(), 1);
    let a = Arc::new(Schema::new(Type::Int32));
    let b = Arc::new(Schema::new(Type::Int64));
    write(&mut c, Some(&a), &Value::Int32(1));
    write(&mut c, Some(&b), &Value::Int64(1));
    assert_eq!(c.write_cache.len(), 1);
    // An equal schema in a different Arc is found by value.
    let a2 = Arc::new(Schema::new(Type::Int32));
    assert_eq!(
        write(&mut c, Some(&a2), &Value::Int32(3)),
        r#"{"schema":{"type":"int32","optional":false},"payload":3}"#
    );
}

#[test]
fn schema_content_fixes_the_schema_for_reading() {
    let mut c = converter(&[("schema.content", r#"{"type":"int64","optional":true}"#)]);
    let (schema, value) = read(&mut c, "5");
    assert_eq!(schema.as_deref(), Some(&Schema::new(Type::Int64).optional()));
    assert_eq!(value, Value::Int64(5));
    let props = [("schema.content".to_owned(), "{bad".to_owned())].into_iter().collect();
    let err = JsonConverter::new(JsonConverterConfig::from_props(&props, false).unwrap()).unwrap_err();
    assert!(err.to_string().starts_with(SCHEMA_CONTENT_ERROR), "{err}");
}

mod roundtrip {
    //! Property tests: any schema and a value of it survive writing and reading back.
    //!
    //! Values that Connect itself does not round-trip are left out of the strategies: NaN and
    //! infinities (written as strings, read back as 0.0), -0.0 (read back as a BigDecimal zero,
    //! i.e. +0.0), schema defaults (a null field is written as its default) and logical type
    //! names on plain schemas.

    use std::sync::Arc;

    use proptest::prelude::*;

    use super::{converter, write};
    use crate::convert::Converter;
    use crate::data::{Decimal, Schema, SchemaRef, Struct, Type, Value};

    fn finite_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>()
                .prop_filter("finite, not -0.0", |v| v.is_finite() && !(*v == 0.0 && v.is_sign_negative())),
            Just(0.0),
            Just(1e7),
            Just(0.001),
        ]
    }

    fn finite_f32() -> impl Strategy<Value = f32> {
        any::<f32>()
            .prop_filter("finite, not -0.0", |v| v.is_finite() && !(*v == 0.0 && v.is_sign_negative()))
    }

    fn leaf_schema() -> impl Strategy<Value = Schema> {
        prop_oneof![
            Just(Schema::new(Type::Int8)),
            Just(Schema::new(Type::Int16)),
            Just(Schema::new(Type::Int32)),
            Just(Schema::new(Type::Int64)),
            Just(Schema::new(Type::Float32)),
            Just(Schema::new(Type::Float64)),
            Just(Schema::new(Type::Boolean)),
            Just(Schema::new(Type::String)),
            Just(Schema::new(Type::Bytes)),
            (-3i32..8).prop_map(Schema::decimal),
            Just(Schema::date()),
            Just(Schema::time()),
            Just(Schema::timestamp()),
            ("[a-z]{1,8}", 0i32..5, "\\PC{0,6}").prop_map(|(name, version, doc)| {
                let mut s = Schema::new(Type::String).named(format!("com.example.{name}"));
                s.version = Some(version);
                s.doc = Some(doc);
                s.parameters = Some(vec![("k".to_owned(), name)]);
                s
            }),
        ]
    }

    fn schema() -> impl Strategy<Value = SchemaRef> {
        let leaf = (leaf_schema(), any::<bool>()).prop_map(|(mut s, optional)| {
            s.optional = optional;
            Arc::new(s)
        });
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                (inner.clone(), any::<bool>()).prop_map(|(items, optional)| {
                    let mut s = Schema::array(items);
                    s.optional = optional;
                    Arc::new(s)
                }),
                (prop_oneof![Just(Type::String), Just(Type::Int32), Just(Type::Int64)], inner.clone())
                    .prop_map(|(key, values)| Arc::new(Schema::map(Arc::new(Schema::new(key)), values))),
                (prop::collection::btree_map("[a-z_\"é]{1,6}", inner, 1..5), any::<bool>()).prop_map(
                    |(fields, optional)| {
                        let mut s = Schema::structure(fields).named("com.example.S");
                        s.optional = optional;
                        Arc::new(s)
                    }
                ),
            ]
        })
    }

    fn value_of(schema: &SchemaRef) -> BoxedStrategy<Value> {
        let non_null: BoxedStrategy<Value> = match schema.logical_name() {
            Some(crate::data::logical::DECIMAL) => {
                let scale = schema.decimal_scale().unwrap_or(0);
                (any::<i64>(), 0usize..3)
                    .prop_map(move |(v, extra)| {
                        let digits = format!("{}{}", v.unsigned_abs(), "7".repeat(extra * 9));
                        let mut d = Decimal::parse(&digits).unwrap();
                        if v < 0 {
                            d = Decimal::parse(&format!("-{digits}")).unwrap();
                        }
                        d.scale = scale;
                        Value::Decimal(d)
                    })
                    .boxed()
            }
            Some(crate::data::logical::DATE) => any::<i32>().prop_map(Value::Date).boxed(),
            Some(crate::data::logical::TIME) => (0i32..=86_400_000).prop_map(Value::Time).boxed(),
            Some(_) => any::<i64>().prop_map(Value::Timestamp).boxed(),
            None => match schema.kind {
                Type::Int8 => any::<i8>().prop_map(Value::Int8).boxed(),
                Type::Int16 => any::<i16>().prop_map(Value::Int16).boxed(),
                Type::Int32 => any::<i32>().prop_map(Value::Int32).boxed(),
                Type::Int64 => any::<i64>().prop_map(Value::Int64).boxed(),
                Type::Float32 => finite_f32().prop_map(Value::Float32).boxed(),
                Type::Float64 => finite_f64().prop_map(Value::Float64).boxed(),
                Type::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
                Type::String => "\\PC{0,12}|[\\x00-\\x1f\"\\\\]{0,4}".prop_map(Value::String).boxed(),
                Type::Bytes => prop::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes).boxed(),
                Type::Array => {
                    let items = schema.value_schema.clone().unwrap();
                    prop::collection::vec(value_of(&items), 0..4).prop_map(Value::Array).boxed()
                }
                Type::Map => {
                    let values = value_of(schema.value_schema.as_ref().unwrap());
                    match schema.key_schema.as_ref().unwrap().kind {
                        Type::String => prop::collection::btree_map("\\PC{0,5}", values, 0..4)
                            .prop_map(|m| {
                                Value::Map(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect())
                            })
                            .boxed(),
                        Type::Int32 => prop::collection::btree_map(any::<i32>(), values, 0..4)
                            .prop_map(|m| {
                                Value::Map(m.into_iter().map(|(k, v)| (Value::Int32(k), v)).collect())
                            })
                            .boxed(),
                        _ => prop::collection::btree_map(any::<i64>(), values, 0..4)
                            .prop_map(|m| {
                                Value::Map(m.into_iter().map(|(k, v)| (Value::Int64(k), v)).collect())
                            })
                            .boxed(),
                    }
                }
                Type::Struct => {
                    let fields: Vec<BoxedStrategy<Value>> =
                        schema.fields.iter().map(|f| value_of(&f.schema)).collect();
                    let schema = schema.clone();
                    fields
                        .prop_map(move |values| Value::Struct(Struct { schema: schema.clone(), values }))
                        .boxed()
                }
            },
        };
        if schema.optional {
            prop_oneof![1 => Just(Value::Null), 4 => non_null].boxed()
        } else {
            non_null
        }
    }

    fn schema_and_value() -> impl Strategy<Value = (SchemaRef, Value)> {
        schema().prop_flat_map(|s| (Just(s.clone()), value_of(&s)))
    }

    fn schemaless_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Value::Int64),
            finite_f64().prop_map(Value::Float64),
            any::<bool>().prop_map(Value::Boolean),
            "\\PC{0,8}".prop_map(Value::String),
            Just(Value::Null),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,5}", inner, 0..4)
                    .prop_map(|m| Value::Map(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn values_round_trip_through_the_envelope((schema, value) in schema_and_value(), numeric in any::<bool>()) {
            let format = if numeric { "NUMERIC" } else { "BASE64" };
            let mut c = converter(&[("decimal.format", format)]);
            let text = write(&mut c, Some(&schema), &value);
            let (back_schema, back) = c.to_connect("t", Some(text.as_bytes())).unwrap();
            prop_assert_eq!(back_schema.as_deref(), Some(&*schema));
            prop_assert_eq!(back, value);
        }

        #[test]
        fn schemaless_values_round_trip(value in schemaless_value()) {
            let mut c = converter(&[("schemas.enable", "false")]);
            let mut out = Vec::new();
            c.from_connect("t", None, &value, &mut out).unwrap();
            let (schema, back) = c.to_connect("t", Some(&out)).unwrap();
            prop_assert!(schema.is_none());
            prop_assert_eq!(back, value);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), schemas in any::<bool>()) {
            let mut c = converter(&[("schemas.enable", if schemas { "true" } else { "false" })]);
            let _ = c.to_connect("t", Some(&bytes));
        }

        #[test]
        fn mangled_envelopes_never_panic(cut in 0usize..200, byte in any::<u8>()) {
            let text = br#"{"schema":{"type":"struct","fields":[{"type":"map","keys":{"type":"int32"},"values":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"field":"m"}]},"payload":{"m":[[1,"AJY="]]}}"#;
            let mut bytes = text.to_vec();
            let at = cut % bytes.len();
            bytes[at] = byte;
            let mut c = converter(&[]);
            let _ = c.to_connect("t", Some(&bytes));
            let _ = c.to_connect("t", Some(&text[..at]));
        }
    }

    #[test]
    fn decimal_strings_match_i128_formatting() {
        proptest!(|(v in any::<i64>(), scale in 0i32..5)| {
            let d = Decimal::from_i64(v, scale);
            let plain = d.to_plain_string();
            let abs = i128::from(v).unsigned_abs().to_string();
            let s = scale as usize;
            let expected = if s == 0 {
                abs
            } else if abs.len() > s {
                format!("{}.{}", &abs[..abs.len() - s], &abs[abs.len() - s..])
            } else {
                format!("0.{}{}", "0".repeat(s - abs.len()), abs)
            };
            let expected = if v < 0 { format!("-{expected}") } else { expected };
            prop_assert_eq!(plain, expected);
            prop_assert_eq!(Decimal::parse(&d.to_java_string()).unwrap(), d);
        });
    }
}

/// A ~200-byte payload record in the envelope, as the converter benchmark uses.
fn sample_record() -> (SchemaRef, Value) {
    let field = |name: &str, s: Schema| (name.to_owned(), Arc::new(s));
    let schema: SchemaRef = Arc::new(
        Schema::structure([
            field("id", Schema::new(Type::Int64)),
            field("customer", Schema::new(Type::String)),
            field("email", Schema::new(Type::String).optional()),
            field("amount", Schema::new(Type::Float64)),
            field("quantity", Schema::new(Type::Int32)),
            field("active", Schema::new(Type::Boolean)),
            field("created_at", Schema::timestamp()),
            field("note", Schema::new(Type::String).optional()),
            field("tags", Schema::array(Arc::new(Schema::new(Type::String))).optional()),
        ])
        .named("com.example.Order"),
    );
    let value = Value::Struct(Struct {
        schema: schema.clone(),
        values: vec![
            Value::Int64(1_234_567_890),
            Value::String("Jane Q. Customer".into()),
            Value::String("jane.customer@example.com".into()),
            Value::Float64(1234.56),
            Value::Int32(3),
            Value::Boolean(true),
            Value::Timestamp(1_700_000_000_123),
            Value::String("leave at the door, ring twice".into()),
            Value::Array(vec![Value::String("priority".into()), Value::String("gift".into())]),
        ],
    });
    (schema, value)
}

/// Release-mode timing of the hot path (read an envelope with a cached schema, write it back):
/// `cargo test --release --lib bench_envelope_round_trip -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run in release mode"]
fn bench_envelope_round_trip() {
    let (schema, value) = sample_record();
    let mut c = converter(&[]);
    let text = write(&mut c, Some(&schema), &value);
    let payload_len = text.len() - text.find(",\"payload\":").unwrap();
    let mut out = Vec::with_capacity(1024);
    let n = 500_000u32;
    for _ in 0..10_000 {
        let (s, v) = c.to_connect("t", Some(text.as_bytes())).unwrap();
        out.clear();
        c.from_connect("t", s.as_ref(), &v, &mut out).unwrap();
    }
    assert_eq!(out, text.as_bytes());
    let start = std::time::Instant::now();
    for _ in 0..n {
        let (s, v) = c.to_connect("t", Some(std::hint::black_box(text.as_bytes()))).unwrap();
        std::hint::black_box(&v);
        out.clear();
        c.from_connect("t", s.as_ref(), &v, &mut out).unwrap();
    }
    let round = start.elapsed();
    let start = std::time::Instant::now();
    for _ in 0..n {
        let r = c.to_connect("t", Some(std::hint::black_box(text.as_bytes()))).unwrap();
        std::hint::black_box(r);
    }
    let read = start.elapsed();
    let start = std::time::Instant::now();
    for _ in 0..n {
        out.clear();
        c.from_connect("t", Some(&schema), std::hint::black_box(&value), &mut out).unwrap();
    }
    let written = start.elapsed();
    let ns = |d: std::time::Duration| d.as_secs_f64() * 1e9 / f64::from(n);
    println!(
        "envelope {} bytes (payload {payload_len}): read+write {:.0} ns, read {:.0} ns, write {:.0} ns per record",
        text.len(),
        ns(round),
        ns(read),
        ns(written)
    );
}
