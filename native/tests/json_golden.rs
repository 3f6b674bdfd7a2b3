//! Replays the JsonConverter golden files (`tests/compat/golden/json_converter/*.json`).
//!
//! Every expectation in those files was produced by running Connect's own JsonConverter (see the
//! README there); this test runs kconnect's converter on the same inputs and requires the same
//! bytes, schemas, values and error messages. Messages that Connect ends with ": " carry the
//! cause in a separate exception; kconnect appends a detail instead, so those compare by prefix.
//! Map entries compare without order: Connect returns `HashMap`s.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use _native::convert::{Converter, JsonConverter, JsonConverterConfig};
use _native::data::{Decimal, Field, Schema, SchemaRef, Struct, Type, Value};
use serde_json::Value as Json;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/compat/golden/json_converter")
}

fn type_of(name: &str) -> Type {
    match name {
        "boolean" => Type::Boolean,
        "int8" => Type::Int8,
        "int16" => Type::Int16,
        "int32" => Type::Int32,
        "int64" => Type::Int64,
        "float" => Type::Float32,
        "double" => Type::Float64,
        "string" => Type::String,
        "bytes" => Type::Bytes,
        "array" => Type::Array,
        "map" => Type::Map,
        "struct" => Type::Struct,
        other => panic!("unknown type {other}"),
    }
}

/// Builds a schema from the fixture description (Connect's JSON schema format, with `default`
/// as a typed value).
fn build_schema(d: &Json) -> Option<SchemaRef> {
    if d.is_null() {
        return None;
    }
    let mut s = Schema::new(type_of(d["type"].as_str().unwrap()));
    match s.kind {
        Type::Array => s.value_schema = build_schema(&d["items"]),
        Type::Map => {
            s.key_schema = build_schema(&d["keys"]);
            s.value_schema = build_schema(&d["values"]);
        }
        Type::Struct => {
            for (index, f) in d["fields"].as_array().unwrap().iter().enumerate() {
                let name = f["field"].as_str().unwrap().to_owned();
                s.fields.push(Field { name, index, schema: build_schema(f).unwrap() });
            }
        }
        _ => {}
    }
    s.optional = d.get("optional").and_then(Json::as_bool).unwrap_or(false);
    s.name = d.get("name").and_then(Json::as_str).map(str::to_owned);
    s.version = d.get("version").and_then(Json::as_i64).map(|v| v as i32);
    s.doc = d.get("doc").and_then(Json::as_str).map(str::to_owned);
    s.parameters = d
        .get("parameters")
        .and_then(Json::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect());
    if let Some(default) = d.get("default") {
        let partial = Arc::new(s.clone());
        s.default = Some(build_value(Some(&partial), default));
    }
    Some(Arc::new(s))
}

fn float(v: &Json) -> f64 {
    match v {
        Json::String(s) => match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => panic!("float {other}"),
        },
        other => other.as_f64().unwrap(),
    }
}

/// Builds a value from its typed description (`{"int32": 5}`, `{"struct": {...}}`, ...).
fn build_value(schema: Option<&SchemaRef>, tv: &Json) -> Value {
    let Some(obj) = tv.as_object() else {
        assert!(tv.is_null(), "typed value {tv}");
        return Value::Null;
    };
    let (tag, v) = obj.iter().next().unwrap();
    match tag.as_str() {
        "boolean" => Value::Boolean(v.as_bool().unwrap()),
        "int8" => Value::Int8(v.as_i64().unwrap() as i8),
        "int16" => Value::Int16(v.as_i64().unwrap() as i16),
        "int32" => Value::Int32(v.as_i64().unwrap() as i32),
        "int64" => Value::Int64(v.as_i64().unwrap()),
        "float32" => Value::Float32(float(v) as f32),
        "float64" => Value::Float64(float(v)),
        "string" => Value::String(v.as_str().unwrap().to_owned()),
        "bytes" => Value::Bytes(base64_decode(v.as_str().unwrap())),
        "decimal" => Value::Decimal(Decimal::parse(v.as_str().unwrap()).unwrap()),
        "date" => Value::Date(v.as_i64().unwrap() as i32),
        "time" => Value::Time(v.as_i64().unwrap() as i32),
        "timestamp" => Value::Timestamp(v.as_i64().unwrap()),
        "array" => {
            let items = schema.and_then(|s| s.value_schema.as_ref());
            Value::Array(v.as_array().unwrap().iter().map(|e| build_value(items, e)).collect())
        }
        "map" => {
            let (ks, vs) =
                (schema.and_then(|s| s.key_schema.as_ref()), schema.and_then(|s| s.value_schema.as_ref()));
            Value::Map(
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|pair| (build_value(ks, &pair[0]), build_value(vs, &pair[1])))
                    .collect(),
            )
        }
        "struct" => {
            let own = obj.get("struct_schema").and_then(build_schema);
            let schema = own.as_ref().or(schema).expect("struct needs a schema").clone();
            let mut s = Struct::new(schema.clone());
            for (name, fv) in v.as_object().unwrap() {
                let field = schema.field(name).unwrap();
                s.values[field.index] = build_value(Some(&field.schema), fv);
            }
            Value::Struct(s)
        }
        other => panic!("unknown tag {other}"),
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|&c| c != b'=') {
        acc = (acc << 6) | ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Value equality as the fixtures mean it: maps without order, floats by bits.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float32(x), Value::Float32(y)) => x.to_bits() == y.to_bits(),
        (Value::Float64(x), Value::Float64(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| same(k, k2) && same(v, v2)))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            same_schema(&x.schema, &y.schema)
                && x.values.len() == y.values.len()
                && x.values.iter().zip(&y.values).all(|(p, q)| same(p, q))
        }
        _ => a == b,
    }
}

fn same_schema(a: &Schema, b: &Schema) -> bool {
    let default_same = match (&a.default, &b.default) {
        (Some(x), Some(y)) => same(x, y),
        (None, None) => true,
        _ => false,
    };
    a.kind == b.kind
        && a.optional == b.optional
        && a.name == b.name
        && a.version == b.version
        && a.doc == b.doc
        && a.parameters == b.parameters
        && default_same
        && a.fields.len() == b.fields.len()
        && a.fields
            .iter()
            .zip(&b.fields)
            .all(|(f, g)| f.name == g.name && f.index == g.index && same_schema(&f.schema, &g.schema))
        && same_opt_schema(a.key_schema.as_deref(), b.key_schema.as_deref())
        && same_opt_schema(a.value_schema.as_deref(), b.value_schema.as_deref())
}

fn same_opt_schema(a: Option<&Schema>, b: Option<&Schema>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => same_schema(x, y),
        (None, None) => true,
        _ => false,
    }
}

fn error_matches(got: &str, expected: &str) -> bool {
    if expected.ends_with(": ") {
        got.starts_with(expected)
    } else {
        got == expected
    }
}

fn props_of(config: Option<&Json>) -> BTreeMap<String, String> {
    config
        .and_then(Json::as_object)
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect())
        .unwrap_or_default()
}

fn input_bytes(input: &Json) -> Option<Vec<u8>> {
    match input {
        Json::Null => None,
        Json::String(s) => Some(s.as_bytes().to_vec()),
        other => {
            let hex: String = other["hex"].as_str().unwrap().split_whitespace().collect();
            Some((0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect())
        }
    }
}

/// Compares a read result with an expectation holding `schema`+`value` or `error`.
fn check_read(
    got: Result<(Option<SchemaRef>, Value), _native::errors::ConvertError>,
    schema_key: &str,
    value_key: &str,
    error_key: &str,
    expect: &Json,
) -> Result<(), String> {
    if let Some(err) = expect.get(error_key).and_then(Json::as_str) {
        return match got {
            Err(e) if error_matches(&e.to_string(), err) => Ok(()),
            Err(e) => Err(format!("error {e:?}, expected {err:?}")),
            Ok(v) => Err(format!("got {v:?}, expected error {err:?}")),
        };
    }
    let (exp_schema_json, exp_value_json) = match expect.get("read_back") {
        Some(rb) if schema_key == "read_back" => (&rb["schema"], &rb["value"]),
        _ => (&expect[schema_key], &expect[value_key]),
    };
    let (schema, value) = got.map_err(|e| format!("unexpected error {e}"))?;
    let exp_schema = build_schema(exp_schema_json);
    let exp_value = build_value(exp_schema.as_ref(), exp_value_json);
    let schema_ok = match (&schema, &exp_schema) {
        (Some(a), Some(b)) => same_schema(a, b),
        (None, None) => true,
        _ => false,
    };
    if !schema_ok {
        return Err(format!("schema {schema:?}, expected {exp_schema:?}"));
    }
    if !same(&value, &exp_value) {
        return Err(format!("value {value:?}, expected {exp_value:?}"));
    }
    Ok(())
}

fn converter(
    props: &BTreeMap<String, String>,
    is_key: bool,
) -> Result<JsonConverter, _native::errors::ConvertError> {
    JsonConverter::new(JsonConverterConfig::from_props(props, is_key)?)
}

fn run_case(case: &Json, props: &BTreeMap<String, String>, is_key: bool) -> Result<(), String> {
    let expect = &case["expect"];
    if let Some(extra) = case.get("configure") {
        let mut all = props.clone();
        all.extend(props_of(Some(extra)));
        return match (converter(&all, is_key), expect.get("error").and_then(Json::as_str)) {
            (Ok(_), None) => Ok(()),
            (Err(e), Some(err)) if error_matches(&e.to_string(), err) => Ok(()),
            (got, _) => Err(format!("configure gave {got:?}, expected {expect}")),
        };
    }
    let mut conv = converter(props, is_key).map_err(|e| format!("configure failed: {e}"))?;
    if let Some(input) = case.get("to_connect") {
        let bytes = input_bytes(input);
        // Twice on one converter: the second read goes through the schema caches.
        for _ in 0..2 {
            check_read(conv.to_connect("topic", bytes.as_deref()), "schema", "value", "error", expect)?;
        }
        return Ok(());
    }
    let input = &case["from_connect"];
    let schema = build_schema(&input["schema"]);
    let value = build_value(schema.as_ref(), &input["value"]);
    for _ in 0..2 {
        let mut out = b"prefix".to_vec();
        let got = conv.from_connect("topic", schema.as_ref(), &value, &mut out);
        if let Some(err) = expect.get("error").and_then(Json::as_str) {
            match got {
                Err(e) if error_matches(&e.to_string(), err) && out == b"prefix" => continue,
                other => {
                    return Err(format!(
                        "got {other:?} ({:?}), expected error {err:?}",
                        String::from_utf8_lossy(&out)
                    ))
                }
            }
        }
        let written = got.map_err(|e| format!("unexpected error {e}"))?;
        match &expect["bytes"] {
            Json::Null => {
                if written || out != b"prefix" {
                    return Err("expected a tombstone".to_owned());
                }
                continue;
            }
            Json::String(text) => {
                let got_text = String::from_utf8_lossy(&out[6..]).into_owned();
                if !written || got_text != *text {
                    return Err(format!("wrote {got_text}\n       expected {text}"));
                }
            }
            other => return Err(format!("bad expectation {other}")),
        }
        let mut reader = converter(props, is_key).map_err(|e| e.to_string())?;
        let back = reader.to_connect("topic", Some(&out[6..]));
        check_read(back, "read_back", "read_back", "read_back_error", expect)
            .map_err(|e| format!("read back: {e}"))?;
    }
    Ok(())
}

#[test]
fn json_converter_matches_connect_golden_files() {
    let mut files: Vec<PathBuf> = fs::read_dir(golden_dir())
        .expect("golden directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "golden files missing: {files:?}");
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        let root: Json = serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
        let props = props_of(root.get("config"));
        let is_key = root.get("is_key").and_then(Json::as_bool).unwrap_or(false);
        for case in root["cases"].as_array().unwrap() {
            count += 1;
            if let Err(msg) = run_case(case, &props, is_key) {
                let name = file.file_name().unwrap().to_string_lossy();
                failures.push(format!("{name} / {}: {msg}", case["name"].as_str().unwrap()));
            }
        }
    }
    assert!(count > 300, "only {count} golden cases");
    assert!(
        failures.is_empty(),
        "{} of {count} golden cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
