//! Chain behaviour: predicates, negation, dropping, batch outcomes and configuration errors.

use std::sync::Arc;

use super::*;
use crate::data::{Header, Schema, SchemaRef, Struct, Type, Value};

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn stage(alias: &str, type_name: &str, pairs: &[(&str, &str)]) -> StageConfig {
    StageConfig::unguarded(alias, type_name, pairs)
}

fn guarded(
    mut config: StageConfig,
    alias: &str,
    type_name: &str,
    pairs: &[(&str, &str)],
    negate: bool,
) -> StageConfig {
    config.predicate =
        Some(PredicateConfig { alias: alias.into(), type_name: type_name.into(), props: props(pairs) });
    config.negate = negate;
    config
}

fn record(topic: &str, value: Value) -> Record {
    Record { topic: topic.into(), partition: Some(0), value, ..Record::default() }
}

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn map(pairs: &[(&str, i32)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (s(k), Value::Int32(*v))).collect())
}

#[test]
fn stages_run_in_order() {
    let chain = TransformChain::new([
        stage("hoist", "HoistField$Value", &[("field", "inner")]),
        stage("insert", "org.apache.kafka.connect.transforms.InsertField$Value", &[("topic.field", "t")]),
        stage("route", "RegexRouter", &[("regex", "(.*)"), ("replacement", "$1-out")]),
    ])
    .unwrap();
    assert_eq!(chain.len(), 3);
    let out = chain.apply(record("orders", Value::Int32(7))).unwrap().unwrap();
    assert_eq!(out.topic, "orders-out");
    assert_eq!(out.value, Value::Map(vec![(s("inner"), Value::Int32(7)), (s("t"), s("orders"))]));
}

#[test]
fn empty_chain_passes_records_through() {
    let chain = TransformChain::new([]).unwrap();
    assert!(chain.is_empty());
    let r = record("t", Value::Int8(1));
    assert_eq!(chain.apply(r.clone()).unwrap(), Some(r));
}

#[test]
fn filter_with_predicate_drops_only_matching_records() {
    let chain = TransformChain::new([guarded(
        stage("drop", "Filter", &[]),
        "isTest",
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        &[("pattern", "test-.*")],
        false,
    )])
    .unwrap();
    assert_eq!(chain.apply(record("test-a", Value::Null)).unwrap(), None);
    assert!(chain.apply(record("prod-a", Value::Null)).unwrap().is_some());
}

#[test]
fn negate_runs_the_transform_when_the_predicate_is_false() {
    let chain = TransformChain::new([guarded(
        stage("drop", "Filter", &[]),
        "hasFoo",
        "HasHeaderKey",
        &[("name", "foo")],
        true,
    )])
    .unwrap();
    let with_foo = Record {
        headers: vec![Header { key: "foo".into(), schema: None, value: Value::Null }],
        ..record("t", Value::Null)
    };
    assert!(chain.apply(with_foo).unwrap().is_some(), "predicate true, negated: skipped");
    assert_eq!(chain.apply(record("t", Value::Null)).unwrap(), None, "predicate false, negated: dropped");
}

#[test]
fn skipped_stages_leave_the_record_untouched_and_later_stages_still_run() {
    // Connect's classic use: drop tombstones before a transform that cannot take them.
    let chain = TransformChain::new([
        guarded(stage("dropTombstones", "Filter", &[]), "tomb", "RecordIsTombstone", &[], false),
        stage("mask", "MaskField$Value", &[("fields", "a")]),
    ])
    .unwrap();
    assert_eq!(chain.apply(record("t", Value::Null)).unwrap(), None);
    let out = chain.apply(record("t", map(&[("a", 5), ("b", 6)]))).unwrap().unwrap();
    assert_eq!(out.value, map(&[("a", 0), ("b", 6)]));
}

#[test]
fn failures_name_the_stage() {
    let chain = TransformChain::new([stage("mask", "MaskField$Value", &[("fields", "a")])]).unwrap();
    let err = chain.apply(record("t", Value::Null)).unwrap_err();
    assert_eq!(
        err,
        ChainError {
            stage: "transformation mask".into(),
            key: None,
            message: "Only Map objects supported in absence of schema for [mask fields], found: null".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "transformation mask: Only Map objects supported in absence of schema for [mask fields], found: null"
    );
}

#[test]
fn batches_report_one_outcome_per_record_in_order() {
    let chain = TransformChain::new([
        guarded(stage("drop", "Filter", &[]), "isSkip", "TopicNameMatches", &[("pattern", "skip")], false),
        stage("extract", "ExtractField$Value", &[("field", "a")]),
    ])
    .unwrap();
    let records = vec![
        record("keep", map(&[("a", 1)])),
        record("skip", map(&[("a", 2)])),
        record("keep", Value::Int32(3)),
    ];
    let mut out = vec![Outcome::Dropped];
    chain.apply_batch(records, &mut out);
    assert_eq!(out.len(), 4, "appends after what the caller had");
    assert_eq!(out[1], Outcome::Record(record("keep", Value::Int32(1))));
    assert_eq!(out[2], Outcome::Dropped);
    let Outcome::Failed(err) = &out[3] else { panic!("{:?}", out[3]) };
    assert_eq!(err.stage, "transformation extract");
    assert_eq!(
        err.message,
        "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Integer"
    );
}

#[test]
fn config_errors_name_the_prefixed_key() {
    let err = TransformChain::new([stage("mask", "MaskField$Value", &[])]).unwrap_err();
    assert_eq!(err.stage, "transformation mask");
    assert_eq!(err.key.as_deref(), Some("transforms.mask.fields"));
    assert_eq!(
        err.message,
        "Missing required configuration \"transforms.mask.fields\" which has no default value."
    );

    let err = TransformChain::new([stage("mask", "MaskField$Value", &[("fields", "")])]).unwrap_err();
    assert_eq!(
        err.message,
        "Configuration 'transforms.mask.fields' must not be empty. Valid values include: any non-empty value"
    );

    let err =
        TransformChain::new([stage("ins", "InsertField$Value", &[("replace.null.with.default", "maybe")])])
            .unwrap_err();
    assert_eq!(err.key.as_deref(), Some("transforms.ins.replace.null.with.default"));
    assert_eq!(
        err.message,
        "Invalid value maybe for configuration transforms.ins.replace.null.with.default: Expected value to be either true or false"
    );

    let err = TransformChain::new([guarded(
        stage("f", "Filter", &[]),
        "p",
        "TopicNameMatches",
        &[("pattern", "")],
        false,
    )])
    .unwrap_err();
    assert_eq!(err.stage, "predicate p");
    assert_eq!(err.key.as_deref(), Some("predicates.p.pattern"));
    assert_eq!(
        err.message,
        "Invalid value  for configuration predicates.p.pattern: String must be non-empty"
    );
}

#[test]
fn class_name_errors() {
    let err = TransformChain::new([stage("r", "org.apache.kafka.connect.transforms.ReplaceField", &[])])
        .unwrap_err();
    assert_eq!(err.key.as_deref(), Some("transforms.r.type"));
    assert_eq!(
        err.message,
        "This class is abstract and cannot be created. Did you mean org.apache.kafka.connect.transforms.ReplaceField$Key, \
         org.apache.kafka.connect.transforms.ReplaceField$Value?"
    );
    let err = TransformChain::new([stage("v", "ValueToKey$Value", &[("fields", "a")])]).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("transforms.v.type"));
    assert!(
        err.message.starts_with(
            "Invalid value ValueToKey$Value for configuration transforms.v.type: Class ValueToKey$Value"
        ),
        "{err}"
    );
    let err = TransformChain::new([guarded(stage("f", "Filter", &[]), "p", "Nope", &[], false)]).unwrap_err();
    assert_eq!(err.stage, "predicate p");
    assert!(err.message.contains("Nope"), "{err}");
}

#[test]
fn negate_without_predicate_and_duplicate_aliases_are_rejected() {
    let mut negated = stage("f", "Filter", &[]);
    negated.negate = true;
    let err = TransformChain::new([negated]).unwrap_err();
    assert_eq!(
        err.message,
        "Config 'transforms.f.negate' was provided but there is no config 'transforms.f.predicate' defining a predicate \
         to be negated."
    );
    let err = TransformChain::new([stage("a", "Filter", &[]), stage("a", "Filter", &[])]).unwrap_err();
    assert_eq!(err.message, "Invalid value [a, a] for configuration transforms: Duplicate alias provided.");
}

#[test]
fn every_native_smt_and_predicate_builds_by_both_names() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("DropHeaders", &[("headers", "h")]),
        ("ExtractField$Key", &[("field", "f")]),
        ("Filter", &[]),
        ("HeaderFrom$Value", &[("fields", "f"), ("headers", "h"), ("operation", "copy")]),
        ("HoistField$Key", &[("field", "f")]),
        ("InsertField$Value", &[("topic.field", "t")]),
        ("InsertHeader", &[("header", "h"), ("value.literal", "v")]),
        ("MaskField$Key", &[("fields", "f")]),
        ("ReplaceField$Value", &[]),
        ("SetSchemaMetadata$Key", &[("schema.name", "n")]),
        ("ValueToKey", &[("fields", "f")]),
    ];
    for (name, pairs) in cases {
        for type_name in [(*name).to_owned(), format!("org.apache.kafka.connect.transforms.{name}")] {
            TransformChain::new([stage("x", &type_name, pairs)])
                .unwrap_or_else(|e| panic!("{type_name}: {e}"));
        }
    }
    for (name, pairs) in [
        ("HasHeaderKey", &[("name", "h")][..]),
        ("RecordIsTombstone", &[]),
        ("TopicNameMatches", &[("pattern", "t")]),
    ] {
        for type_name in [name.to_owned(), format!("org.apache.kafka.connect.transforms.predicates.{name}")] {
            TransformChain::new([guarded(stage("x", "Filter", &[]), "p", &type_name, pairs, false)])
                .unwrap_or_else(|e| panic!("{type_name}: {e}"));
        }
    }
}

#[test]
fn warnings_are_collected_per_stage() {
    let chain = TransformChain::new([
        stage("rf", "ReplaceField$Value", &[("blacklist", "a")]),
        stage("mask", "MaskField$Value", &[("fields", "a,a")]),
        stage("plain", "Filter", &[]),
    ])
    .unwrap();
    assert_eq!(
        chain.warnings(),
        [
            "transformation rf: Configuration key blacklist is deprecated and may be removed in the future.  Please \
             update your configuration to use exclude instead.",
            "transformation mask: Configuration key \"fields\" contains duplicate values. Duplicates will be removed. \
             The original value is: [a, a], the updated value is: [a]",
        ]
    );
}

#[test]
fn schema_rewrites_flow_between_stages() {
    // ReplaceField then ValueToKey then SetSchemaMetadata$Key over a struct value.
    let int32 = Arc::new(Schema::new(Type::Int32));
    let value_schema =
        Arc::new(Schema::structure([("id".to_owned(), int32.clone()), ("secret".to_owned(), int32.clone())]));
    let chain = TransformChain::new([
        stage("drop", "ReplaceField$Value", &[("exclude", "secret"), ("renames", "id:key_id")]),
        stage("key", "ValueToKey", &[("fields", "key_id")]),
        stage("name", "SetSchemaMetadata$Key", &[("schema.name", "com.example.Key")]),
    ])
    .unwrap();
    let value = Value::Struct(Struct {
        schema: value_schema.clone(),
        values: vec![Value::Int32(7), Value::Int32(99)],
    });
    let out = chain
        .apply(Record { value_schema: Some(value_schema), value, ..Record::default() })
        .unwrap()
        .unwrap();
    let key_schema = out.key_schema.clone().unwrap();
    assert_eq!(key_schema.name.as_deref(), Some("com.example.Key"));
    assert_eq!(out.key, Value::Struct(Struct { schema: key_schema, values: vec![Value::Int32(7)] }));
    let Value::Struct(v) = &out.value else { panic!() };
    assert_eq!(v.values, [Value::Int32(7)]);
    assert_eq!(v.schema.fields[0].name, "key_id");
}

#[test]
fn the_exclusive_path_runs_the_same_stages() {
    // Predicates (negated or not), a drop, a failure, routing and a dropped field: the same
    // outcomes as `apply_in_place`, with ReplaceField's dropped values in the leftovers.
    let string = Arc::new(Schema::new(Type::String));
    let value_schema =
        Arc::new(Schema::structure([("id".to_owned(), string.clone()), ("secret".to_owned(), string)]));
    let mut chain = TransformChain::new([
        guarded(stage("drop", "Filter", &[]), "isSkip", "TopicNameMatches", &[("pattern", "skip-.*")], false),
        guarded(
            stage("fail", "ExtractField$Value", &[("field", "a")]),
            "isBad",
            "TopicNameMatches",
            &[("pattern", "bad")],
            false,
        ),
        stage("route", "RegexRouter", &[("regex", "(.*)-in"), ("replacement", "$1-out")]),
        guarded(
            stage("fields", "ReplaceField$Value", &[("exclude", "secret")]),
            "isRaw",
            "TopicNameMatches",
            &[("pattern", "raw.*")],
            true,
        ),
    ])
    .unwrap();
    let struct_value = |id: &str| {
        Value::Struct(Struct {
            schema: value_schema.clone(),
            values: vec![s(id), s(&format!("{id}'s secret"))],
        })
    };
    let with_schema = |topic: &str, id: &str| Record {
        value_schema: Some(value_schema.clone()),
        ..record(topic, struct_value(id))
    };
    let records = [
        with_schema("a-in", "1"),
        with_schema("skip-me", "2"),
        record("bad", Value::Int32(3)),
        with_schema("raw-in", "4"),
        with_schema("a-in", "5"),
    ];
    let mut leftovers = Leftovers::default();
    let mut handed_back = Vec::new();
    for original in records {
        let mut shared = original.clone();
        let mut exclusive = original;
        let expected = chain.apply_in_place(&mut shared);
        assert_eq!(chain.apply_exclusive(&mut exclusive, &mut leftovers), expected);
        if matches!(expected, Ok(true)) {
            assert_eq!(exclusive, shared);
        }
        assert!(leftovers.key.is_empty());
        handed_back.append(&mut leftovers.value);
    }
    // Records 1 and 5 ran ReplaceField; "raw-in" matched the negated predicate and kept its field.
    assert_eq!(handed_back, [s("1's secret"), s("5's secret")]);
}

/// Throughput of a typical struct chain, and the share of it the schema caches cost. Not a
/// benchmark suite (see `native/benches/`), just a number to check the caches stay cheap:
/// `cargo test --release --lib smt::chain -- --ignored --nocapture`.
#[test]
#[ignore = "timing only; run explicitly in release mode"]
fn timing_of_a_struct_chain() {
    use std::time::Instant;
    let int32 = Arc::new(Schema::new(Type::Int32));
    let string = Arc::new(Schema::new(Type::String));
    let value_schema = Arc::new(Schema::structure([
        ("id".to_owned(), int32.clone()),
        ("name".to_owned(), string.clone()),
        ("secret".to_owned(), string),
        ("n".to_owned(), int32),
    ]));
    let chain = TransformChain::new([
        stage("drop", "ReplaceField$Value", &[("exclude", "secret"), ("renames", "id:key_id")]),
        stage("insert", "InsertField$Value", &[("topic.field", "topic"), ("timestamp.field", "ts")]),
        stage("mask", "MaskField$Value", &[("fields", "n")]),
        stage("key", "ValueToKey", &[("fields", "key_id")]),
    ])
    .unwrap();
    let make = |i: i32| Record {
        topic: "orders".into(),
        partition: Some(0),
        timestamp: Some(1_700_000_000_000),
        value_schema: Some(value_schema.clone()),
        value: Value::Struct(Struct {
            schema: value_schema.clone(),
            values: vec![Value::Int32(i), s("name"), s("secret"), Value::Int32(i)],
        }),
        ..Record::default()
    };
    let n = 200_000;
    let time = |label: &str, chain: &TransformChain| {
        let records: Vec<Record> = (0..n).map(make).collect();
        let start = Instant::now();
        let mut out = Vec::with_capacity(records.len());
        chain.apply_batch(records, &mut out);
        let elapsed = start.elapsed();
        assert!(out.iter().all(|o| matches!(o, Outcome::Record(_))));
        println!("{label}: {:.0} ns/record", elapsed.as_secs_f64() * 1e9 / f64::from(n));
    };
    time("4-stage struct chain", &chain);
    time("empty chain", &TransformChain::new([]).unwrap());
    for (label, config) in [
        (
            "ReplaceField",
            stage("drop", "ReplaceField$Value", &[("exclude", "secret"), ("renames", "id:key_id")]),
        ),
        (
            "InsertField",
            stage("insert", "InsertField$Value", &[("topic.field", "topic"), ("timestamp.field", "ts")]),
        ),
        ("MaskField", stage("mask", "MaskField$Value", &[("fields", "n")])),
        ("ValueToKey", stage("key", "ValueToKey", &[("fields", "id")])),
    ] {
        time(label, &TransformChain::new([config]).unwrap());
    }

    // The cache hit alone: one lock, one pointer comparison, one Arc clone.
    let cache: fields::SchemaCache<SchemaRef> = fields::SchemaCache::default();
    let start = Instant::now();
    for _ in 0..n {
        let hit = cache.get_or_try_insert::<()>(&value_schema, || Ok(value_schema.clone())).unwrap();
        std::hint::black_box(hit);
    }
    println!("schema cache hit: {:.1} ns", start.elapsed().as_secs_f64() * 1e9 / f64::from(n));
}
