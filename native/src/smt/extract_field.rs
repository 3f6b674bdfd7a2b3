//! `ExtractField$Key` / `ExtractField$Value`: replace the key/value with one of its fields.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.ExtractField` and its KIP-821 field paths
//! (`field.SingleFieldPath`, `field.FieldSyntaxVersion`). With `field.syntax.version=V1` (the
//! default) `field` is one top-level name, dots included; with `V2` it is a dotted path where a
//! backtick-quoted step may contain dots and `` \` `` escapes a backtick followed by a dot. A
//! schemaless map yields the entry (null when absent at any step); a struct yields the field's
//! value and schema, and a path the schema lacks is `Unknown field: <field>`. Null values pass
//! through (with a schema, the output schema is still the field's).
//!
//! Not like Connect: a `V2` path that is empty after trimming is rejected at configuration time;
//! Connect accepts it and then fails every record with an `IndexOutOfBoundsException`.

use crate::data::{Field, Record, Schema, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::fields;
use super::{Target, Transform};

/// The field (V1) or field path (V2) to extract (STRING, required).
pub const FIELD_CONFIG: &str = "field";
/// Whether a null struct field reads as its schema default (BOOLEAN, default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
/// `V1` or `V2`, case-insensitive (STRING, default `V1`).
pub const FIELD_SYNTAX_VERSION_CONFIG: &str = "field.syntax.version";

const PURPOSE: &str = "field extraction";
const NESTED_PURPOSE: &str = "nested field access";

/// Connect's `SingleFieldPath`: one or more steps into nested structs or maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    steps: Vec<String>,
}

impl FieldPath {
    /// A V1 path: the whole text is one field name.
    pub fn v1(path: &str) -> Self {
        Self { steps: vec![path.to_owned()] }
    }

    /// A V2 path, parsed as Connect's `buildFieldPathV2`.
    ///
    /// # Errors
    /// Connect's `Incomplete backtick pair in path: [<path>], consider adding a backslash before
    /// backtick at position <n> to escape it`.
    pub fn v2(path: &str) -> Result<Self, TransformError> {
        let bytes = path.as_bytes();
        let len = bytes.len();
        let incomplete = |backtick_at: usize| {
            // Java reports a UTF-16 index.
            let position = path[..backtick_at].encode_utf16().count();
            TransformError::config(
                FIELD_CONFIG,
                format!(
                    "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at \
                     position {position} to escape it"
                ),
            )
        };
        let find = |byte: u8, from: usize| bytes[from..].iter().position(|&b| b == byte).map(|i| i + from);
        let mut steps = Vec::new();
        let mut idx = 0;
        while idx < len {
            if bytes[idx] != b'`' {
                let start = idx;
                if let Some(dot) = find(b'.', idx) {
                    steps.push(path[start..dot].to_owned());
                    idx = dot + 1;
                } else {
                    steps.push(path[start..].to_owned());
                    break;
                }
                continue;
            }
            let backtick_at = idx;
            idx += 1;
            let mut field = String::new();
            let mut start = idx;
            loop {
                idx = find(b'`', idx).ok_or_else(|| incomplete(backtick_at))?;
                let escaped = bytes[idx - 1] == b'\\';
                if idx >= len - 1 {
                    // The closing backtick ends the path, unless it is escaped.
                    if escaped {
                        return Err(incomplete(backtick_at));
                    }
                    field.push_str(&path[start..idx]);
                    steps.push(field);
                    idx += 1;
                    break;
                }
                if bytes[idx + 1] != b'.' {
                    // A backtick inside the name: keep looking for one followed by a dot.
                    idx += 1;
                    continue;
                }
                if escaped {
                    field.push_str(&path[start..idx - 1]);
                    field.push('`');
                    idx += 1;
                    start = idx;
                    continue;
                }
                field.push_str(&path[start..idx]);
                steps.push(field);
                idx += 2;
                break;
            }
        }
        if path.ends_with('.') {
            steps.push(String::new());
        }
        Ok(Self { steps })
    }

    /// The steps, for tests and diagnostics.
    pub fn steps(&self) -> &[String] {
        &self.steps
    }

    /// The steps before the last one, and the last one; `None` for an empty path, which finds
    /// nothing.
    fn split(&self) -> Option<(&[String], &str)> {
        self.steps.split_last().map(|(last, init)| (init, last.as_str()))
    }

    /// `fieldFrom(schema)`: the field at this path, `None` when a step is missing.
    ///
    /// # Errors
    /// `Cannot look up fields on non-struct type` when a step reaches a non-struct schema.
    pub fn field_from<'a>(&self, schema: &'a Schema) -> Result<Option<&'a Field>, TransformError> {
        let Some((init, last)) = self.split() else { return Ok(None) };
        let mut current = schema;
        for step in init {
            match fields::schema_field(current, step)? {
                Some(field) => current = &field.schema,
                None => return Ok(None),
            }
        }
        fields::schema_field(current, last)
    }

    /// `valueFrom(struct, withDefault)`: null when a step is missing or null.
    ///
    /// # Errors
    /// `Only Struct objects supported for [nested field access], found: <class>` when an
    /// intermediate value is not a struct.
    pub fn value_from_struct(&self, value: &Value, with_default: bool) -> Result<Value, TransformError> {
        let Some((init, last)) = self.split() else { return Ok(Value::Null) };
        let mut current = value;
        for step in init {
            let Value::Struct(s) = current else { break };
            let Some(field) = s.schema.field(step) else { return Ok(Value::Null) };
            // Intermediate steps always read through defaults (`Struct.get`).
            let sub = fields::value_at(&s.values, field.index);
            current = if sub.is_null() {
                match &field.schema.default {
                    Some(default) => default,
                    None => return Ok(Value::Null),
                }
            } else {
                sub
            };
            if !matches!(current, Value::Struct(_)) {
                return Err(fields::not_a_struct(current, NESTED_PURPOSE));
            }
        }
        let Value::Struct(s) = current else { return Ok(Value::Null) };
        Ok(match s.schema.field(last) {
            Some(field) => fields::field_value(&s.values, field, with_default),
            None => Value::Null,
        })
    }

    /// `valueFrom(map)`: null when a step is missing or null.
    ///
    /// # Errors
    /// `Only Map objects supported in absence of schema for [nested field access], found: <class>`
    /// when an intermediate value is not a map.
    pub fn value_from_map(&self, entries: &[(Value, Value)]) -> Result<Value, TransformError> {
        let Some((init, last)) = self.split() else { return Ok(Value::Null) };
        let mut current = entries;
        for step in init {
            let next = current.iter().find(|(k, _)| fields::is_key(k, step)).map(|(_, v)| v);
            match next {
                None | Some(Value::Null) => return Ok(Value::Null),
                Some(Value::Map(inner)) => current = inner,
                Some(other) => return Err(fields::not_a_map(other, NESTED_PURPOSE)),
            }
        }
        Ok(fields::map_get(current, last))
    }
}

/// A configured `ExtractField`.
#[derive(Debug)]
pub struct ExtractField {
    target: Target,
    path: FieldPath,
    original: String,
    replace_null_with_default: bool,
}

impl ExtractField {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// A missing `field`, an unknown `field.syntax.version`, an incomplete backtick pair or empty
    /// path in V2, or a non-boolean `replace.null.with.default`.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let original = fields::required_string(props, FIELD_CONFIG)?;
        let replace_null_with_default = config::boolean(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        let version = fields::string(props, FIELD_SYNTAX_VERSION_CONFIG).unwrap_or("V1");
        let path = if version.eq_ignore_ascii_case("V1") {
            FieldPath::v1(original)
        } else if version.eq_ignore_ascii_case("V2") {
            let path = FieldPath::v2(original)?;
            if path.steps.is_empty() {
                return Err(TransformError::invalid(
                    FIELD_CONFIG,
                    original,
                    "An empty field path has no field to extract",
                ));
            }
            path
        } else {
            return Err(TransformError::invalid(
                FIELD_SYNTAX_VERSION_CONFIG,
                version,
                "String must be one of (case insensitive): V1, V2",
            ));
        };
        Ok(Self { target, path, original: original.to_owned(), replace_null_with_default })
    }
}

impl Transform for ExtractField {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        let (schema_slot, value_slot) = fields::operand(&mut record, self.target);
        match schema_slot {
            None => {
                let extracted = match &*value_slot {
                    Value::Null => Value::Null,
                    Value::Map(entries) => self.path.value_from_map(entries)?,
                    other => return Err(fields::not_a_map(other, PURPOSE)),
                };
                *value_slot = extracted;
            }
            Some(schema) => {
                if !matches!(value_slot, Value::Null | Value::Struct(_)) {
                    return Err(fields::not_a_struct(value_slot, PURPOSE));
                }
                let field = self
                    .path
                    .field_from(schema)?
                    .ok_or_else(|| TransformError::data(format!("Unknown field: {}", self.original)))?;
                let field_schema = std::sync::Arc::clone(&field.schema);
                let extracted = self.path.value_from_struct(value_slot, self.replace_null_with_default)?;
                *schema_slot = Some(field_schema);
                *value_slot = extracted;
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{SchemaRef, Struct, Type};
    use crate::smt::test_support::{int32, key_record, props, s};

    fn key_xform(pairs: &[(&str, &str)]) -> ExtractField {
        ExtractField::new(Target::Key, &props(pairs)).unwrap()
    }

    fn nested() -> (SchemaRef, Value) {
        let foo = Arc::new(Schema::structure([("foo".to_owned(), int32())]));
        let schema = Arc::new(Schema::structure([("magic".to_owned(), foo.clone())]));
        let inner = Value::Struct(Struct { schema: foo, values: vec![Value::Int32(42)] });
        (schema.clone(), Value::Struct(Struct { schema, values: vec![inner] }))
    }

    #[test]
    fn schemaless() {
        let out = key_xform(&[("field", "magic")])
            .apply(key_record(None, Value::Map(vec![(s("magic"), Value::Int32(42))])))
            .unwrap()
            .unwrap();
        assert_eq!((out.key_schema, out.key), (None, Value::Int32(42)));
    }

    #[test]
    fn schemaless_and_nested_path() {
        let xform = key_xform(&[("field.syntax.version", "V2"), ("field", "magic.foo")]);
        let key = Value::Map(vec![(s("magic"), Value::Map(vec![(s("foo"), Value::Int32(42))]))]);
        let out = xform.apply(key_record(None, key.clone())).unwrap().unwrap();
        assert_eq!((out.key_schema, out.key), (None, Value::Int32(42)));
        let missing = key_xform(&[("field.syntax.version", "V2"), ("field", "magic.nonexistent")]);
        assert_eq!(missing.apply(key_record(None, key)).unwrap().unwrap().key, Value::Null);
    }

    #[test]
    fn null_schemaless() {
        let out = key_xform(&[("field", "magic")]).apply(key_record(None, Value::Null)).unwrap().unwrap();
        assert_eq!((out.key_schema, out.key), (None, Value::Null));
    }

    #[test]
    fn with_schema() {
        let schema = Arc::new(Schema::structure([("magic".to_owned(), int32())]));
        let key = Value::Struct(Struct { schema: schema.clone(), values: vec![Value::Int32(42)] });
        let out = key_xform(&[("field", "magic")]).apply(key_record(Some(schema), key)).unwrap().unwrap();
        assert_eq!(out.key_schema.as_deref(), Some(&Schema::new(Type::Int32)));
        assert_eq!(out.key, Value::Int32(42));
    }

    #[test]
    fn with_schema_and_nested_path() {
        let (schema, key) = nested();
        let xform = key_xform(&[("field.syntax.version", "V2"), ("field", "magic.foo")]);
        let out = xform.apply(key_record(Some(schema), key)).unwrap().unwrap();
        assert_eq!(out.key_schema.as_deref(), Some(&Schema::new(Type::Int32)));
        assert_eq!(out.key, Value::Int32(42));
    }

    #[test]
    fn null_with_schema() {
        let schema = Arc::new(Schema::structure([("magic".to_owned(), int32())]).optional());
        let out =
            key_xform(&[("field", "magic")]).apply(key_record(Some(schema), Value::Null)).unwrap().unwrap();
        assert_eq!(out.key_schema.as_deref(), Some(&Schema::new(Type::Int32)));
        assert_eq!(out.key, Value::Null);
    }

    #[test]
    fn non_existent_fields() {
        let out = key_xform(&[("field", "nonexistent")])
            .apply(key_record(None, Value::Map(vec![(s("magic"), Value::Int32(42))])))
            .unwrap()
            .unwrap();
        assert_eq!((out.key_schema, out.key), (None, Value::Null));
        let schema = Arc::new(Schema::structure([("magic".to_owned(), int32())]));
        let key = Value::Struct(Struct { schema: schema.clone(), values: vec![Value::Int32(42)] });
        let err = key_xform(&[("field", "nonexistent")]).apply(key_record(Some(schema), key)).unwrap_err();
        assert_eq!(err.to_string(), "Unknown field: nonexistent");
        let (schema, key) = nested();
        let xform = key_xform(&[("field.syntax.version", "V2"), ("field", "magic.nonexistent")]);
        let err = xform.apply(key_record(Some(schema), key)).unwrap_err();
        assert_eq!(err.to_string(), "Unknown field: magic.nonexistent");
    }

    #[test]
    fn unset_optional_field_follows_replace_null_with_default() {
        let mut with_default = Schema::new(Type::Int32).optional();
        with_default.default = Some(Value::Int32(42));
        let schema =
            Arc::new(Schema::structure([("optional_with_default".to_owned(), Arc::new(with_default))]));
        for (flag, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
            let p = [("field", "optional_with_default"), ("replace.null.with.default", flag)];
            let key = Value::Struct(Struct::new(schema.clone()));
            let out = key_xform(&p).apply(key_record(Some(schema.clone()), key.clone())).unwrap().unwrap();
            assert_eq!(out.key, expected);
            let value_record = Record { value_schema: Some(schema.clone()), value: key, ..Record::default() };
            let out =
                ExtractField::new(Target::Value, &props(&p)).unwrap().apply(value_record).unwrap().unwrap();
            assert_eq!(out.value, expected);
        }
    }

    #[test]
    fn wrong_shapes() {
        let err = key_xform(&[("field", "a")]).apply(key_record(None, Value::Int32(1))).unwrap_err();
        assert_eq!(err.to_string(), "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Integer");
        let err = key_xform(&[("field", "a")]).apply(key_record(Some(int32()), Value::Int32(1))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Struct objects supported for [field extraction], found: java.lang.Integer"
        );
        let err = key_xform(&[("field", "a")]).apply(key_record(Some(int32()), Value::Null)).unwrap_err();
        assert_eq!(err.to_string(), "Cannot look up fields on non-struct type");
        let nested_int = Value::Map(vec![(s("a"), Value::Int32(1))]);
        let err = key_xform(&[("field.syntax.version", "v2"), ("field", "a.b")])
            .apply(key_record(None, nested_int))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Map objects supported in absence of schema for [nested field access], found: java.lang.Integer"
        );
    }

    /// SingleFieldPathTest.shouldFindValueInStruct / shouldReturnNullValueWhenFieldNotFoundInStruct
    #[test]
    fn struct_paths() {
        let baz = Arc::new(
            Schema::structure([("inner".to_owned(), Arc::new(Schema::new(Type::String)))]).optional(),
        );
        let bar = Arc::new(Schema::structure([("bar".to_owned(), int32()), ("baz".to_owned(), baz)]));
        let schema = Arc::new(Schema::structure([("foo".to_owned(), bar.clone())]));
        let foo = Value::Struct(Struct { schema: bar.clone(), values: vec![Value::Int32(42), Value::Null] });
        let value = Value::Struct(Struct { schema: schema.clone(), values: vec![foo] });
        let v2 = |p: &str| FieldPath::v2(p).unwrap();
        assert_eq!(v2("foo.bar").value_from_struct(&value, true).unwrap(), Value::Int32(42));
        for missing in ["foo.baz", "un.known", "foo.unknown", "unknown", "foo.baz.inner"] {
            assert_eq!(v2(missing).value_from_struct(&value, true).unwrap(), Value::Null, "{missing}");
        }
        assert_eq!(v2("foo.bar").field_from(&schema).unwrap(), bar.field("bar"));
        assert_eq!(v2("foo").field_from(&schema).unwrap(), schema.field("foo"));
        for missing in ["un.known", "foo.unknown", "unknown"] {
            assert_eq!(v2(missing).field_from(&schema).unwrap(), None, "{missing}");
        }
    }

    /// SingleFieldPathTest.shouldFindValueInMap / shouldReturnNullValueWhenFieldNotFoundInMap
    #[test]
    fn map_paths() {
        let foo = Value::Map(vec![(s("bar"), Value::Int32(42)), (s("baz"), Value::Null)]);
        let Value::Map(map) = Value::Map(vec![(s("foo"), foo)]) else { unreachable!() };
        let v2 = |p: &str| FieldPath::v2(p).unwrap();
        assert_eq!(v2("foo.bar").value_from_map(&map).unwrap(), Value::Int32(42));
        for missing in ["foo.baz", "un.known", "foo.unknown", "unknown", "foo.baz.inner"] {
            assert_eq!(v2(missing).value_from_map(&map).unwrap(), Value::Null, "{missing}");
        }
    }

    /// FieldPathNotationTest
    #[test]
    fn path_notation() {
        let steps = |p: &str| FieldPath::v2(p).unwrap().steps;
        for v1 in ["foo.bar.baz", "foo`bar`", "foo.`bar.baz`"] {
            assert_eq!(FieldPath::v1(v1).steps, [v1]);
        }
        let cases: &[(&str, &[&str])] = &[
            ("..", &["", "", ""]),
            ("foo..", &["foo", "", ""]),
            (".bar.", &["", "bar", ""]),
            ("..baz", &["", "", "baz"]),
            ("", &[]),
            ("foobarbaz", &["foobarbaz"]),
            ("foo.bar.baz", &["foo", "bar", "baz"]),
            ("foo`bar`baz", &["foo`bar`baz"]),
            ("`foo.bar.baz`", &["foo.bar.baz"]),
            ("foo.`bar.baz`", &["foo", "bar.baz"]),
            ("`foo.bar`.baz", &["foo.bar", "baz"]),
            ("foo.`bar`.baz", &["foo", "bar", "baz"]),
            ("foo.``bar.baz`", &["foo", "`bar.baz"]),
            ("foo.`bar.baz``", &["foo", "bar.baz`"]),
            ("foo.`ba`r.baz`", &["foo", "ba`r.baz"]),
            ("foo.ba`r.baz", &["foo", "ba`r", "baz"]),
            ("foo.``bar``.baz", &["foo", "`bar`", "baz"]),
            ("``foo.bar.baz``", &["`foo.bar.baz`"]),
            ("foo.`bar\\`.baz`", &["foo", "bar`.baz"]),
            ("foo.`bar.`baz`", &["foo", "bar.`baz"]),
            ("foo.`bar\\`.`baz`", &["foo", "bar`.`baz"]),
            ("foo.`bar\\\\`.\\`baz`", &["foo", "bar\\`.\\`baz"]),
        ];
        for (path, expected) in cases {
            assert_eq!(steps(path), *expected, "{path:?}");
        }
        for (path, position) in
            [("`foo.bar.baz", 0), ("foo.`bar.baz", 4), ("foo.bar.`baz", 8), ("foo.bar.`baz\\`", 8)]
        {
            assert_eq!(
                FieldPath::v2(path).unwrap_err().to_string(),
                format!(
                    "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at \
                     position {position} to escape it"
                )
            );
        }
    }

    /// FieldSyntaxVersionTest
    #[test]
    fn syntax_versions() {
        for ok in ["v1", "v2", "V1", "V2"] {
            assert!(ExtractField::new(Target::Key, &props(&[("field", "a"), ("field.syntax.version", ok)]))
                .is_ok());
        }
        for bad in ["v3", "V 1", "v", "V 2", "2", "1"] {
            let err =
                ExtractField::new(Target::Key, &props(&[("field", "a"), ("field.syntax.version", bad)]))
                    .unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("Invalid value {bad} for configuration field.syntax.version: String must be one of (case insensitive): V1, V2")
            );
        }
        let err = ExtractField::new(Target::Key, &props(&[("field", " "), ("field.syntax.version", "V2")]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value  for configuration field: An empty field path has no field to extract"
        );
        let err = ExtractField::new(Target::Key, &props(&[])).unwrap_err();
        assert_eq!(err.to_string(), "Missing required configuration \"field\" which has no default value.");
    }
}
