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

    pub(super) fn schema_and_value() -> impl Strategy<Value = (SchemaRef, Value)> {
        schema().prop_flat_map(|s| (Just(s.clone()), value_of(&s)))
    }

    pub(super) fn schemaless_value() -> impl Strategy<Value = Value> {
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
            // Twice: the first read parses the schema, the second one reads in one pass.
            for _ in 0..2 {
                let (back_schema, back) = c.to_connect("t", Some(text.as_bytes())).unwrap();
                prop_assert_eq!(back_schema.as_deref(), Some(&*schema));
                prop_assert_eq!(back, value.clone());
            }
        }

        #[test]
        fn planned_payloads_are_written_as_write_value_writes_them(
            pairs in prop::collection::vec(schema_and_value(), 1..6),
            picks in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4), 6),
            numeric in any::<bool>(),
            replace in any::<bool>(),
        ) {
            use crate::convert::json::encode::{Encoder, WritePlan};
            use crate::convert::json::DecimalFormat;
            // A struct of the pairs' schemas whose fields hold their own values, another
            // field's value (which the writer rejects or writes the general way) or a null.
            let schema = Arc::new(Schema::structure(
                pairs.iter().enumerate().map(|(i, (s, _))| (format!("f{i}\u{e9}\""), s.clone())),
            ));
            let values = pairs
                .iter()
                .zip(&picks)
                .map(|((_, own), (other, how))| match how {
                    0 => Value::Null,
                    1 => pairs[other.index(pairs.len())].1.clone(),
                    _ => own.clone(),
                })
                .collect();
            let value = Value::Struct(Struct { schema: schema.clone(), values });
            let decimal_format = if numeric { DecimalFormat::Numeric } else { DecimalFormat::Base64 };
            let encoder = Encoder { decimal_format, replace_null_with_default: replace };
            for (schema, value) in std::iter::once((&schema, &value)).chain(pairs.iter().map(|(s, v)| (s, v))) {
                let plan = WritePlan::of(schema);
                let (mut planned, mut general) = (Vec::new(), Vec::new());
                let a = encoder.write_payload(Some(schema), value, plan.as_ref(), &mut planned);
                let b = encoder.write_value(Some(schema), value, &mut general);
                let ok = b.is_ok();
                prop_assert_eq!(a.map_err(|e| e.to_string()), b.map_err(|e| e.to_string()));
                if ok {
                    prop_assert_eq!(String::from_utf8(planned).unwrap(), String::from_utf8(general).unwrap());
                }
            }
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

mod differential {
    //! The single-pass reader (`direct.rs`) against the general path: on every input the
    //! direct reader accepts, both must return the same schema and value. Inputs are Connect's
    //! golden cases, generated envelopes and plain documents, and mangled copies of them.

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::roundtrip::{schema_and_value, schemaless_value};
    use super::{converter, write};
    use crate::convert::json::parse::{detect_encoding, Encoding};
    use crate::convert::json::JsonConverter;
    use crate::convert::Converter;
    use crate::data::{Schema, Value};

    /// Value equality with floats compared by bits and struct schemas by value.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float32(x), Value::Float32(y)) => x.to_bits() == y.to_bits(),
            (Value::Float64(x), Value::Float64(y)) => x.to_bits() == y.to_bits(),
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            (Value::Map(x), Value::Map(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((k, v), (k2, v2))| same(k, k2) && same(v, v2))
            }
            (Value::Struct(x), Value::Struct(y)) => {
                *x.schema == *y.schema
                    && x.values.len() == y.values.len()
                    && x.values.iter().zip(&y.values).all(|(p, q)| same(p, q))
            }
            _ => a == b,
        }
    }

    /// Primes twin converters with `prime` (so that both cache its schema), then checks that
    /// whatever the direct reader makes of `data` is what the general path makes of it.
    /// Returns whether the direct reader accepted `data`.
    fn agree(direct: &mut JsonConverter, general: &mut JsonConverter, prime: &[u8], data: &[u8]) -> bool {
        let _ = direct.to_connect("t", Some(prime));
        let _ = general.to_connect("t", Some(prime));
        compare(direct, general, data)
    }

    /// [`agree`] without priming: whatever state `direct` is in.
    fn compare(direct: &mut JsonConverter, general: &mut JsonConverter, data: &[u8]) -> bool {
        let Ok(encoding @ Encoding::Utf8(0)) = detect_encoding(data) else {
            return false;
        };
        let Some((schema, value)) = direct.read_direct(data) else {
            return false;
        };
        let text = String::from_utf8_lossy(data);
        let (g_schema, g_value) = general.read_general(data, encoding).unwrap_or_else(|e| {
            panic!("direct read {value:?} where the general path fails with {e}: {text}")
        });
        assert_eq!(schema.as_deref(), g_schema.as_deref(), "{text}");
        assert!(same(&value, &g_value), "direct {value:?}, general {g_value:?}: {text}");
        true
    }

    fn twins(config: &[(&str, &str)]) -> (JsonConverter, JsonConverter) {
        (converter(config), converter(config))
    }

    #[test]
    fn golden_inputs_read_the_same_on_both_paths() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/compat/golden/json_converter");
        let (mut cases, mut direct_reads) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let root: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let config: BTreeMap<String, String> = root
                .get("config")
                .and_then(serde_json::Value::as_object)
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect())
                .unwrap_or_default();
            let pairs: Vec<(&str, &str)> = config.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            for case in root["cases"].as_array().unwrap() {
                let bytes = match case.get("to_connect") {
                    Some(serde_json::Value::String(s)) => s.as_bytes().to_vec(),
                    Some(serde_json::Value::Object(o)) => {
                        let hex: String = o["hex"].as_str().unwrap().split_whitespace().collect();
                        (0..hex.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                            .collect()
                    }
                    _ => continue,
                };
                let mut all = pairs.clone();
                if let Some(extra) = case.get("configure").and_then(serde_json::Value::as_object) {
                    all.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())));
                }
                let Ok(props) = crate::convert::json::JsonConverterConfig::from_props(
                    &all.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
                    false,
                ) else {
                    continue;
                };
                let (Ok(mut direct), Ok(mut general)) =
                    (JsonConverter::new(props.clone()), JsonConverter::new(props))
                else {
                    continue;
                };
                cases += 1;
                direct_reads += usize::from(agree(&mut direct, &mut general, &bytes, &bytes));
            }
        }
        assert!(cases > 100, "only {cases} golden reads");
        assert!(
            direct_reads * 3 > cases,
            "the direct reader took only {direct_reads} of {cases} golden reads"
        );
    }

    #[test]
    fn common_shapes_are_read_directly() {
        let envelope = |schema: &str, payload: &str| format!(r#"{{"schema":{schema},"payload":{payload}}}"#);
        let s = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"},{"type":"string","optional":true,"field":"b"},{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":false},"optional":true,"field":"m"},{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"bytes","optional":false},"optional":true,"field":"p"}],"optional":false}"#;
        let prime = envelope(s, r#"{"a":1}"#);
        for payload in [
            r#"{"a":1,"b":"x","m":{"k":1,"j":-2},"p":[[1,"AAE="],[2,""]]}"#,
            r#"{"b":"x","a":1}"#,
            r#"{"a":1,"zzz":[1,{"q":null}],"b":null}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,"p":[[1,"AA=="],[1,"AQ=="]]}"#,
            r#" { "a" : 1 , "b" : "\u00e9\n" } "#,
        ] {
            let (mut direct, mut general) = twins(&[]);
            let text = envelope(s, payload);
            assert!(agree(&mut direct, &mut general, prime.as_bytes(), text.as_bytes()), "{text}");
        }
        for doc in
            [r#"{"a":[1,2.5,-3e2,"x",true,null,{}],"b":{"c":12345678901234567890}}"#, "[]", "\"s\"", "-0.0 "]
        {
            let (mut direct, mut general) = twins(&[("schemas.enable", "false")]);
            assert!(agree(&mut direct, &mut general, b"1", doc.as_bytes()), "{doc}");
        }
        // Shapes left to the general path.
        for doc in [r#"{"a":1,"a":2}"#, "", "1x", "[1,]", "\u{feff}1"] {
            let (mut direct, _) = twins(&[("schemas.enable", "false")]);
            assert!(direct.read_direct(doc.as_bytes()).is_none(), "{doc}");
        }
    }

    #[test]
    fn members_numbers_and_decimals_read_directly_as_the_general_path_reads_them() {
        // Member keys matched by their pre-rendered text, integers read in one pass and short
        // decimals divided exactly: each against the general path, and each read directly.
        let envelope = |schema: &str, payload: &str| format!(r#"{{"schema":{schema},"payload":{payload}}}"#);
        let field = |t: &str, name: &str| format!(r#"{{"type":"{t}","optional":true,"field":"{name}"}}"#);
        let fields = [
            field("int64", "id"),
            field("int64", "identifier"),
            field("string", r#"q\"uote"#),
            field("string", "é"),
            field("double", "x"),
            field("int32", "i"),
        ];
        let s = format!(r#"{{"type":"struct","fields":[{}],"optional":false}}"#, fields.join(","));
        let prime = envelope(&s, "null");
        let mut payloads: Vec<String> = [
            r#"{"id":1,"identifier":2,"q\"uote":"a","é":"b","x":1.5,"i":3}"#,
            r#"{"identifier":2,"id":1}"#,
            r#"{"id" :1,"identifier": 2 ,"é" : "b"}"#,
            r#"{"\u0069d":1,"identifier":2}"#,
            r#"{"id":1,"id":5,"identifier":2}"#,
            r#"{"ide":1,"identifier":2,"idx":3}"#,
            r#"{"id":-0,"identifier":-999999999999999999,"i":-2147483648}"#,
            r#"{"id":999999999999999999,"identifier":9223372036854775807}"#,
            r#"{"id":-9223372036854775808,"i":007}"#,
        ]
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
        let decimals = "0.0 -0.0 0.000 1.5 -1234.56 0.1 0.3 4.35 100.0 1.00 0.1e1 1.5E-3 123456789012345.6 \
                        1.234567890123456 12345678901234.5 0.000000000000001 9007199254740993.0 \
                        2.2250738585072014 1.7976931348623157";
        for x in decimals.split_whitespace() {
            payloads.push(format!(r#"{{"x":{x}}}"#));
        }
        for payload in &payloads {
            let (mut direct, mut general) = twins(&[]);
            let text = envelope(&s, payload);
            assert!(agree(&mut direct, &mut general, prime.as_bytes(), text.as_bytes()), "{text}");
        }
    }

    proptest! {
        #[test]
        fn short_decimals_are_the_nearest_double(mantissa in 0u64..10_000_000_000_000_000, point in 1u32..18, negative in any::<bool>()) {
            use crate::convert::json::decode::Scalar;
            let scale = 10u64.pow(point);
            let sign = if negative { "-" } else { "" };
            let text = format!("{sign}{}.{:0width$}", mantissa / scale, mantissa % scale, width = point as usize);
            let expected: f64 = if mantissa == 0 { 0.0 } else { text.parse().unwrap() };
            prop_assert_eq!(Scalar::Decimal(&text).double_value().to_bits(), expected.to_bits(), "{}", text);
        }
    }

    /// JSON text of any shape: odd numbers, escapes, duplicate keys, white space.
    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "null",
            "true",
            "false",
            "0",
            "-0",
            "7",
            "-12",
            "007",
            "2147483648",
            "-2147483649",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "-0.0",
            "1e5",
            "1E-3",
            "0.000",
            "12345678901234567890123",
            "1.0e400",
            "2.5e-400",
            "86400001",
            "\"\"",
            "\"abc\"",
            "\"a\\\"b\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"é\"",
            "\"\\n\"",
            "\"\\ud800\"",
            "\"AAE=\"",
            "\"AwA=\"",
            "\"!!\"",
            "\"1.5\"",
            "tru",
            "nul",
            "1.",
            "-",
            "\"\u{1}\"",
            "[",
            "}",
        ])
        .prop_map(str::to_owned);
        let key =
            prop::sample::select(vec!["\"a\"", "\"b\"", "\"m\"", "\"p\"", "\"\\u0061\"", "\"é\"", "\"\""]);
        leaf.prop_recursive(4, 40, 5, move |inner| {
            prop_oneof![
                (prop::collection::vec(inner.clone(), 0..5), any::<bool>()).prop_map(
                    |(items, spaced)| format!("[{}]", items.join(if spaced { " , " } else { "," }))
                ),
                (prop::collection::vec((key.clone(), inner), 0..5), any::<bool>()).prop_map(
                    |(members, spaced)| {
                        let sep = if spaced { "\n, " } else { "," };
                        let body: Vec<String> = members.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                        format!("{{{}}}", body.join(sep))
                    }
                ),
            ]
        })
    }

    fn schema_json(schema: &Schema) -> String {
        let mut c = converter(&[]);
        let text = write(&mut c, Some(&Arc::new(schema.clone())), &Value::Null);
        text[r#"{"schema":"#.len()..text.len() - r#","payload":null}"#.len()].to_owned()
    }

    fn optional(schema: &Schema) -> Schema {
        Schema { optional: true, ..schema.clone() }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn generated_envelopes_read_the_same((schema, value) in schema_and_value(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let (mut direct, mut general) = twins(&[]);
            let text = write(&mut direct, Some(&schema), &value);
            prop_assert!(agree(&mut direct, &mut general, text.as_bytes(), text.as_bytes()), "{}", text);
            let mut mangled = text.clone().into_bytes();
            mangled[cut.index(text.len())] = byte;
            agree(&mut direct, &mut general, text.as_bytes(), &mangled);
            agree(&mut direct, &mut general, text.as_bytes(), &text.as_bytes()[..cut.index(text.len())]);
        }

        #[test]
        fn any_payload_reads_the_same_under_any_schema((schema, _) in schema_and_value(), payload in json_text()) {
            let s = schema_json(&optional(&schema));
            let prime = format!(r#"{{"schema":{s},"payload":null}}"#);
            let text = format!(r#"{{"schema":{s},"payload":{payload}}}"#);
            for replace in ["true", "false"] {
                let (mut direct, mut general) = twins(&[("replace.null.with.default", replace)]);
                agree(&mut direct, &mut general, prime.as_bytes(), text.as_bytes());
                let (mut direct, mut general) = twins(&[("schema.content", &s), ("replace.null.with.default", replace)]);
                agree(&mut direct, &mut general, b"null", payload.as_bytes());
            }
        }

        #[test]
        fn recycled_values_leave_nothing_in_the_next_record((a_schema, a) in schema_and_value(), (b_schema, b) in schema_and_value(), payload in json_text()) {
            let (mut direct, mut general) = twins(&[]);
            let earlier = write(&mut direct, Some(&a_schema), &a);
            let written = write(&mut direct, Some(&b_schema), &b);
            let s = schema_json(&optional(&b_schema));
            let prime = format!(r#"{{"schema":{s},"payload":null}}"#);
            let any = format!(r#"{{"schema":{s},"payload":{payload}}}"#);
            // Both of b's schemas in the read cache, so that `written` is read directly below.
            agree(&mut direct, &mut general, prime.as_bytes(), any.as_bytes());
            prop_assert!(agree(&mut direct, &mut general, written.as_bytes(), written.as_bytes()), "{}", written);
            for recycled in [&earlier, &written, &any] {
                // The next read fills the values of `recycled` in place.
                let read_and_recycle = |direct: &mut JsonConverter| {
                    if let Ok((_, value)) = direct.to_connect("t", Some(recycled.as_bytes())) {
                        // A string on its own too, as a transform's dropped field comes back.
                        direct.recycle(Value::String(recycled.clone()));
                        direct.recycle(value);
                    }
                };
                read_and_recycle(&mut direct);
                prop_assert!(compare(&mut direct, &mut general, written.as_bytes()), "{}", written);
                read_and_recycle(&mut direct);
                compare(&mut direct, &mut general, any.as_bytes());
            }
        }

        #[test]
        fn plain_documents_read_the_same(doc in json_text(), value in schemaless_value(), cut in any::<prop::sample::Index>()) {
            let (mut direct, mut general) = twins(&[("schemas.enable", "false")]);
            agree(&mut direct, &mut general, b"1", doc.as_bytes());
            let mut out = Vec::new();
            direct.from_connect("t", None, &value, &mut out).unwrap();
            // A null is a tombstone, written as nothing; anything else is read directly.
            prop_assert!(value.is_null() || agree(&mut direct, &mut general, b"1", &out), "{}", String::from_utf8_lossy(&out));
            agree(&mut direct, &mut general, b"1", &out[..cut.index(out.len() + 1)]);
        }
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

/// Nanoseconds per call of `f`: the best of 10 rounds of `n / 10` calls after a warm-up (the
/// best round is the one least disturbed by other work on the machine).
fn ns_per_call(n: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 20 {
        f();
    }
    let round = n / 10;
    (0..10)
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..round {
                f();
            }
            start.elapsed().as_secs_f64() * 1e9 / f64::from(round)
        })
        .fold(f64::INFINITY, f64::min)
}

/// Release-mode timing of the hot path: reading the sample envelope with a cached schema and
/// writing it back, then the same payload with `schemas.enable=false`:
/// `cargo test --release --lib bench_envelope_round_trip -- --ignored --nocapture`.
/// `KCONNECT_BENCH_ONLY=<envelope|plain>-<read|write>` loops over one of them for `perf record`.
#[test]
#[ignore = "timing, run in release mode"]
fn bench_envelope_round_trip() {
    let (schema, value) = sample_record();
    let mut envelope = converter(&[]);
    let text = write(&mut envelope, Some(&schema), &value);
    let payload = &text[text.find(",\"payload\":").unwrap() + 11..text.len() - 1];
    let mut plain = converter(&[("schemas.enable", "false")]);
    let (_, plain_value) = read(&mut plain, payload);
    assert_eq!(write(&mut plain, None, &plain_value), payload);
    let (_, read_value) = read(&mut envelope, &text);
    assert_eq!(read_value, value);

    let mut out = Vec::with_capacity(1024);
    let mut env_read = || {
        let r = envelope.to_connect("t", Some(std::hint::black_box(text.as_bytes()))).unwrap();
        std::hint::black_box(r);
    };
    if let Ok(only) = std::env::var("KCONNECT_BENCH_ONLY") {
        let mut plain_read = || {
            let r = plain.to_connect("t", Some(std::hint::black_box(payload.as_bytes()))).unwrap();
            std::hint::black_box(r);
        };
        let n = std::env::var("KCONNECT_BENCH_N").map_or(5_000_000, |v| v.parse().unwrap());
        match only.as_str() {
            "envelope-read" => ns_per_call(n, &mut env_read),
            "plain-read" => ns_per_call(n, &mut plain_read),
            "plain-write" => ns_per_call(n, || {
                out.clear();
                plain.from_connect("t", None, std::hint::black_box(&plain_value), &mut out).unwrap();
            }),
            _ => ns_per_call(n, || {
                out.clear();
                envelope.from_connect("t", Some(&schema), std::hint::black_box(&value), &mut out).unwrap();
            }),
        };
        return;
    }
    let n = 1_000_000;
    let read_ns = ns_per_call(n, &mut env_read);
    let write_ns = ns_per_call(n, || {
        out.clear();
        envelope.from_connect("t", Some(&schema), std::hint::black_box(&value), &mut out).unwrap();
    });
    let round_ns = ns_per_call(n, || {
        let (s, v) = envelope.to_connect("t", Some(std::hint::black_box(text.as_bytes()))).unwrap();
        out.clear();
        envelope.from_connect("t", s.as_ref(), &v, &mut out).unwrap();
    });
    assert_eq!(out, text.as_bytes());
    println!(
        "envelope {} bytes (payload {}): read+write {round_ns:.0} ns, read {read_ns:.0} ns, write {write_ns:.0} ns",
        text.len(),
        payload.len()
    );
    let read_ns = ns_per_call(n, || {
        let r = plain.to_connect("t", Some(std::hint::black_box(payload.as_bytes()))).unwrap();
        std::hint::black_box(r);
    });
    let write_ns = ns_per_call(n, || {
        out.clear();
        plain.from_connect("t", None, std::hint::black_box(&plain_value), &mut out).unwrap();
    });
    let round_ns = ns_per_call(n, || {
        let (s, v) = plain.to_connect("t", Some(std::hint::black_box(payload.as_bytes()))).unwrap();
        out.clear();
        plain.from_connect("t", s.as_ref(), &v, &mut out).unwrap();
    });
    assert_eq!(out, payload.as_bytes());
    println!(
        "schemaless {} bytes: read+write {round_ns:.0} ns, read {read_ns:.0} ns, write {write_ns:.0} ns",
        payload.len()
    );
}

#[test]
fn common_shapes_take_the_direct_path() {
    let (schema, value) = sample_record();
    let mut c = converter(&[]);
    let text = write(&mut c, Some(&schema), &value);
    assert!(c.read_direct(text.as_bytes()).is_none(), "an unknown schema is the general path's");
    read(&mut c, &text);
    let (s, v) = c.read_direct(text.as_bytes()).expect("cached schema");
    assert!(Arc::ptr_eq(s.as_ref().unwrap(), &c.last_read.as_ref().unwrap().1.schema));
    assert_eq!(v, value);
}

#[test]
fn strings_given_back_serve_string_values_that_find_none_in_their_slot() {
    // What a pipeline does after ReplaceField dropped a field: the struct's values and the
    // dropped string come back separately; the next record's string value that lands on a slot
    // holding no string takes the dropped string's buffer.
    let (schema, value) = sample_record();
    let mut c = converter(&[]);
    let text = write(&mut c, Some(&schema), &value);
    let (_, first) = read(&mut c, &text);
    let Value::Struct(Struct { values, .. }) = first else { panic!("{first:?}") };
    let note = 7;
    assert!(matches!(values[note], Value::String(_)), "{values:?}");
    // The struct comes back without its string field, as ReplaceField leaves it.
    let mut values = values;
    let Value::String(dropped) = values.remove(note) else { unreachable!() };
    let buffer = dropped.as_ptr();
    c.recycle(Value::Struct(Struct { schema: schema.clone(), values }));
    c.recycle(Value::String(dropped));
    assert_eq!(c.spare.strings.len(), 1);
    let (_, again) = read(&mut c, &text);
    assert_eq!(again, value, "nothing of the old values shows");
    let Value::Struct(s) = &again else { panic!() };
    let Value::String(reused) = &s.values[note] else { panic!() };
    assert_eq!(reused.as_ptr(), buffer, "the dropped string's buffer was reused");
    assert!(c.spare.strings.is_empty(), "taken by the read");

    // A record's worth of strings is kept, and no big buffer.
    for _ in 0..2 * MAX_SPARE_STRINGS {
        c.recycle(Value::String("x".repeat(10)));
    }
    c.recycle(Value::String(String::with_capacity(MAX_SPARE_STRING_BYTES + 1)));
    assert_eq!(c.spare.strings.len(), MAX_SPARE_STRINGS);
    assert!(c.spare.strings.iter().all(|s| s.is_empty() && s.capacity() <= MAX_SPARE_STRING_BYTES));
}

#[test]
#[ignore = "tmp"]
fn bench_tmp() {
    let ints = Arc::new(Schema::structure(
        (0..9).map(|i| (format!("field{i}"), Arc::new(Schema::new(Type::Int64)))),
    ));
    let v = Value::Struct(Struct {
        schema: ints.clone(),
        values: (0..9).map(|i| Value::Int64(i * 1_000_003)).collect(),
    });
    let strs = Arc::new(Schema::structure(
        (0..9).map(|i| (format!("field{i}"), Arc::new(Schema::new(Type::String)))),
    ));
    let vs = Value::Struct(Struct {
        schema: strs.clone(),
        values: (0..9).map(|i| Value::String(format!("value number {i}"))).collect(),
    });
    for (name, s, v) in [("ints", ints, v), ("strings", strs, vs)] {
        if std::env::var("ONLY").is_ok_and(|o| o != name) {
            continue;
        }
        let mut c = converter(&[]);
        let text = write(&mut c, Some(&s), &v);
        read(&mut c, &text);
        let ns = ns_per_call(if std::env::var("ONLY").is_ok() { 10_000_000 } else { 2_000_000 }, || {
            std::hint::black_box(c.to_connect("t", Some(std::hint::black_box(text.as_bytes()))).unwrap());
        });
        println!("{name}: {} bytes, read {ns:.0} ns", text.len());
        let ns = ns_per_call(1_000_000, || {
            std::hint::black_box(
                serde_json::from_slice::<serde_json::Value>(std::hint::black_box(text.as_bytes())).unwrap(),
            );
        });
        println!("{name}: serde_json Value {ns:.0} ns");
        let payload = &text[text.find(",\"payload\":").unwrap() + 11..text.len() - 1];
        let ns = ns_per_call(1_000_000, || {
            std::hint::black_box(
                serde_json::from_slice::<serde_json::Value>(std::hint::black_box(payload.as_bytes()))
                    .unwrap(),
            );
        });
        println!("{name}: serde_json Value payload only {ns:.0} ns");
    }
}
