//! Cases ported from Connect's `DropHeadersTest`, `InsertHeaderTest` and `HeaderFromTest`.

use super::*;
use crate::data::Type;
use crate::smt::test_support::{props, s};

fn string_schema() -> SchemaRef {
    Arc::new(Schema::new(Type::String))
}

fn header(key: &str, schema: Option<SchemaRef>, value: Value) -> Header {
    Header { key: key.to_owned(), schema, value }
}

/// `ConnectHeaders.addString`.
fn string_header(key: &str, value: &str) -> Header {
    header(key, Some(string_schema()), s(value))
}

/// The source record of DropHeadersTest / InsertHeaderTest.
fn source_record(headers: Vec<Header>) -> Record {
    Record {
        topic: "topic".into(),
        partition: Some(0),
        timestamp: Some(0),
        key: s("key"),
        value: s("value"),
        headers,
        ..Record::default()
    }
}

#[test]
fn drop_existing_header() {
    let xform = DropHeaders::new(&props(&[("headers", "to-drop")])).unwrap();
    let original = source_record(vec![
        string_header("existing", "existing-value"),
        string_header("to-drop", "existing-value"),
    ]);
    let out = xform.apply(original.clone()).unwrap().unwrap();
    assert_eq!(out, Record { headers: vec![string_header("existing", "existing-value")], ..original });
}

#[test]
fn drop_existing_header_with_multiple_values() {
    let xform = DropHeaders::new(&props(&[("headers", "to-drop")])).unwrap();
    let original = source_record(vec![
        string_header("existing", "existing-value"),
        string_header("to-drop", "existing-value"),
        string_header("to-drop", "existing-other-value"),
    ]);
    let out = xform.apply(original.clone()).unwrap().unwrap();
    assert_eq!(out, Record { headers: vec![string_header("existing", "existing-value")], ..original });
}

#[test]
fn drop_non_existing_header() {
    let xform = DropHeaders::new(&props(&[("headers", "to-drop")])).unwrap();
    let original = source_record(vec![string_header("existing", "existing-value")]);
    assert_eq!(xform.apply(original.clone()).unwrap(), Some(original));
}

#[test]
fn drop_headers_config_rejects_empty_list() {
    let err = DropHeaders::new(&props(&[("headers", "")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Configuration 'headers' must not be empty. Valid values include: any non-empty value"
    );
    let err = DropHeaders::new(&props(&[("headers", "a,,b")])).unwrap_err();
    assert_eq!(err.to_string(), "Configuration 'headers' values must not be empty.");
}

#[test]
fn insertion_with_existing_other_header() {
    let xform =
        InsertHeader::new(&props(&[("header", "inserted"), ("value.literal", "inserted-value")])).unwrap();
    let original = source_record(vec![string_header("existing", "existing-value")]);
    let out = xform.apply(original.clone()).unwrap().unwrap();
    let expected =
        vec![string_header("existing", "existing-value"), string_header("inserted", "inserted-value")];
    assert_eq!(out, Record { headers: expected, ..original });
}

#[test]
fn insertion_with_existing_same_header() {
    let xform =
        InsertHeader::new(&props(&[("header", "existing"), ("value.literal", "inserted-value")])).unwrap();
    let original = source_record(vec![string_header("existing", "preexisting-value")]);
    let out = xform.apply(original).unwrap().unwrap();
    assert_eq!(
        out.headers,
        [string_header("existing", "preexisting-value"), string_header("existing", "inserted-value")]
    );
}

#[test]
fn insertion_with_byte_header() {
    let xform = InsertHeader::new(&props(&[("header", "inserted"), ("value.literal", "1")])).unwrap();
    let out = xform.apply(source_record(vec![])).unwrap().unwrap();
    assert_eq!(out.headers, [header("inserted", Some(Arc::new(Schema::new(Type::Int8))), Value::Int8(1))]);
}

#[test]
fn insert_header_trims_like_config_def_and_parses_null() {
    // Verified against Connect 4.3.1: header " h " with literal "  42 " gives h = 42 (INT8).
    let xform = InsertHeader::new(&props(&[("header", " h "), ("value.literal", "  42 ")])).unwrap();
    let out = xform.apply(source_record(vec![])).unwrap().unwrap();
    assert_eq!(out.headers, [header("h", Some(Arc::new(Schema::new(Type::Int8))), Value::Int8(42))]);
    let xform = InsertHeader::new(&props(&[("header", "h"), ("value.literal", "null")])).unwrap();
    assert_eq!(
        xform.apply(source_record(vec![])).unwrap().unwrap().headers,
        [header("h", None, Value::Null)]
    );
}

#[test]
fn insert_header_config_requires_both_keys() {
    let err = InsertHeader::new(&props(&[("value.literal", "1")])).unwrap_err();
    assert_eq!(err.to_string(), "Missing required configuration \"header\" which has no default value.");
    let err = InsertHeader::new(&props(&[("header", "inserted")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Missing required configuration \"value.literal\" which has no default value."
    );
}

/// HeaderFromTest.RecordBuilder: fields with schemas and values, plus headers.
#[derive(Clone)]
struct Builder {
    fields: Vec<(&'static str, SchemaRef, Value)>,
    headers: Vec<Header>,
}

impl Builder {
    fn new() -> Self {
        Self { fields: Vec::new(), headers: Vec::new() }
    }

    fn field(mut self, name: &'static str, schema: SchemaRef, value: Value) -> Self {
        self.fields.push((name, schema, value));
        self
    }

    fn header(mut self, key: &str, schema: SchemaRef, value: Value) -> Self {
        self.headers.push(header(key, Some(schema), value));
        self
    }

    fn record(key_transform: bool, schema: Option<SchemaRef>, value: Value, headers: Vec<Header>) -> Record {
        let mut record = Record {
            topic: "topic".into(),
            partition: Some(0),
            timestamp: Some(0),
            headers,
            ..Record::default()
        };
        if key_transform {
            (record.key_schema, record.key, record.value) = (schema, value, s("value"));
        } else {
            (record.value_schema, record.value, record.key) = (schema, value, s("key"));
        }
        record
    }

    /// Schemaless: a map, and headers without schemas.
    fn schemaless(&self, key_transform: bool) -> Record {
        let map = self.fields.iter().map(|(n, _, v)| (s(n), v.clone())).collect();
        let headers = self.headers.iter().map(|h| header(&h.key, None, h.value.clone())).collect();
        Self::record(key_transform, None, Value::Map(map), headers)
    }

    fn with_schema(&self, key_transform: bool) -> Record {
        let schema =
            Arc::new(Schema::structure(self.fields.iter().map(|(n, sc, _)| ((*n).to_owned(), sc.clone()))));
        let values = self.fields.iter().map(|(_, _, v)| v.clone()).collect();
        Self::record(
            key_transform,
            Some(schema.clone()),
            Value::Struct(Struct { schema, values }),
            self.headers.clone(),
        )
    }
}

struct Case {
    description: &'static str,
    original: Builder,
    fields: &'static str,
    headers: &'static str,
    operation: &'static str,
    replace_null_with_default: bool,
    expected: Builder,
}

fn optional_string_with_default() -> SchemaRef {
    let mut schema = Schema::new(Type::String).optional();
    schema.default = Some(s("default"));
    Arc::new(schema)
}

// One table of Connect's HeaderFromTest cases reads better whole than split.
#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    let st = string_schema;
    let base =
        || Builder::new().field("field1", st(), s("field1-value")).field("field2", st(), s("field2-value"));
    let inner_schema = Arc::new(Schema::structure([("foo".to_owned(), st())]));
    let inner = Value::Struct(Struct { schema: inner_schema.clone(), values: vec![s("foo-value")] });
    let with_struct = || {
        Builder::new().field("field1", inner_schema.clone(), inner.clone()).field(
            "field2",
            st(),
            s("field2-value"),
        )
    };
    let defaults = || {
        Builder::new()
            .field("field1", optional_string_with_default(), s("field1-value"))
            .field("field2", optional_string_with_default(), Value::Null)
            .header("header1", st(), s("existing-value"))
    };
    vec![
        Case {
            description: "basic copy",
            original: base().header("header1", st(), s("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "copy",
            replace_null_with_default: true,
            expected: base().header("header1", st(), s("existing-value")).header(
                "inserted1",
                st(),
                s("field1-value"),
            ),
        },
        Case {
            description: "basic move",
            original: base().header("header1", st(), s("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::new()
                .field("field2", st(), s("field2-value"))
                .header("header1", st(), s("existing-value"))
                .header("inserted1", st(), s("field1-value")),
        },
        Case {
            description: "copy with preexisting header",
            original: base().header("inserted1", st(), s("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "copy",
            replace_null_with_default: true,
            expected: base().header("inserted1", st(), s("existing-value")).header(
                "inserted1",
                st(),
                s("field1-value"),
            ),
        },
        Case {
            description: "move with preexisting header",
            original: base().header("inserted1", st(), s("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::new()
                .field("field2", st(), s("field2-value"))
                .header("inserted1", st(), s("existing-value"))
                .header("inserted1", st(), s("field1-value")),
        },
        Case {
            description: "copy with struct value",
            original: with_struct().header("header1", st(), s("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "copy",
            replace_null_with_default: true,
            expected: with_struct().header("header1", st(), s("existing-value")).header(
                "inserted1",
                inner_schema.clone(),
                inner.clone(),
            ),
        },
        Case {
            description: "move with struct value",
            original: with_struct().header("header1", st(), s("existing-value")),
            fields: "field1",
            headers: "inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::new()
                .field("field2", st(), s("field2-value"))
                .header("header1", st(), s("existing-value"))
                .header("inserted1", inner_schema.clone(), inner.clone()),
        },
        Case {
            description: "two headers from same field",
            original: base().header("header1", st(), s("existing-value")),
            fields: "field1,field1",
            headers: "inserted1,inserted2",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::new()
                .field("field2", st(), s("field2-value"))
                .header("header1", st(), s("existing-value"))
                .header("inserted1", st(), s("field1-value"))
                .header("inserted2", st(), s("field1-value")),
        },
        Case {
            description: "two fields to same header",
            original: base().header("header1", st(), s("existing-value")),
            fields: "field1,field2",
            headers: "inserted1,inserted1",
            operation: "move",
            replace_null_with_default: true,
            expected: Builder::new()
                .header("header1", st(), s("existing-value"))
                .header("inserted1", st(), s("field1-value"))
                .header("inserted1", st(), s("field2-value")),
        },
        Case {
            description: "Copy null field without default",
            original: defaults(),
            fields: "field1,field2",
            headers: "inserted1,inserted2",
            operation: "copy",
            replace_null_with_default: false,
            expected: defaults()
                .header("inserted1", optional_string_with_default(), s("field1-value"))
                .header("inserted2", optional_string_with_default(), Value::Null),
        },
        Case {
            description: "Move null field without default",
            original: defaults(),
            fields: "field1,field2",
            headers: "inserted1,inserted2",
            operation: "move",
            replace_null_with_default: false,
            expected: Builder::new()
                .header("header1", st(), s("existing-value"))
                .header("inserted1", optional_string_with_default(), s("field1-value"))
                .header("inserted2", optional_string_with_default(), Value::Null),
        },
    ]
}

fn header_from(key_transform: bool, case: &Case) -> HeaderFrom {
    let flag = if case.replace_null_with_default { "true" } else { "false" };
    let p = props(&[
        ("fields", case.fields),
        ("headers", case.headers),
        ("operation", case.operation),
        ("replace.null.with.default", flag),
    ]);
    HeaderFrom::new(if key_transform { Target::Key } else { Target::Value }, &p).unwrap()
}

#[test]
fn header_from_schemaless() {
    for key_transform in [true, false] {
        for case in cases() {
            let out = header_from(key_transform, &case)
                .apply(case.original.schemaless(key_transform))
                .unwrap()
                .unwrap();
            assert_eq!(
                out,
                case.expected.schemaless(key_transform),
                "{} (key: {key_transform})",
                case.description
            );
        }
    }
}

#[test]
fn header_from_with_schema() {
    for key_transform in [true, false] {
        for case in cases() {
            let out = header_from(key_transform, &case)
                .apply(case.original.with_schema(key_transform))
                .unwrap()
                .unwrap();
            assert_eq!(
                out,
                case.expected.with_schema(key_transform),
                "{} (key: {key_transform})",
                case.description
            );
        }
    }
}

#[test]
fn header_from_config_errors() {
    for (fields, headers) in [("foo,bar", "foo"), ("foo", "foo,bar")] {
        let err = HeaderFrom::new(
            Target::Value,
            &props(&[("fields", fields), ("headers", headers), ("operation", "copy")]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "'fields' config must have the same number of elements as 'headers' config."
        );
    }
    let err =
        HeaderFrom::new(Target::Value, &props(&[("fields", ""), ("headers", ""), ("operation", "copy")]))
            .unwrap_err();
    assert_eq!(err.to_string(), "Invalid value [] for configuration fields: Empty list");
    // Verified against Connect 4.3.1: the operation is case-sensitive.
    let err =
        HeaderFrom::new(Target::Value, &props(&[("fields", "a"), ("headers", "h"), ("operation", "Move")]))
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid value Move for configuration operation: String must be one of: move, copy"
    );
}

#[test]
fn header_from_data_errors() {
    let xform =
        HeaderFrom::new(Target::Value, &props(&[("fields", "a"), ("headers", "h"), ("operation", "move")]))
            .unwrap();
    let err = xform.apply(Record::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Only Map objects supported in absence of schema for [header move], found: null"
    );
    // Verified against Connect 4.3.1: a null in a required field cannot become a header.
    let required = Arc::new(Schema::structure([("a".to_owned(), string_schema())]));
    let record = Record {
        value_schema: Some(required.clone()),
        value: Value::Struct(Struct::new(required.clone())),
        ..Record::default()
    };
    let copy =
        HeaderFrom::new(Target::Value, &props(&[("fields", "a"), ("headers", "h"), ("operation", "copy")]))
            .unwrap();
    assert_eq!(
        copy.apply(record).unwrap_err().to_string(),
        "A null value requires an optional schema but was Schema{STRING}"
    );
    let missing =
        HeaderFrom::new(Target::Value, &props(&[("fields", "zz"), ("headers", "h"), ("operation", "copy")]))
            .unwrap();
    let record = Record {
        value_schema: Some(required.clone()),
        value: Value::Struct(Struct { schema: required, values: vec![s("x")] }),
        ..Record::default()
    };
    assert_eq!(missing.apply(record).unwrap_err().to_string(), "Field does not exist: zz");
}
