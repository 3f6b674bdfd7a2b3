//! `ReplaceField$Key` / `ReplaceField$Value`: keep, drop and rename top-level fields.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.ReplaceField`. A field is kept when it is
//! not in `exclude` and `include` is empty or lists it; kept fields are then renamed by `renames`
//! (`old:new` pairs split with Java's `String.split(":")`, so `a:b:` is valid and `a:` is not).
//! A null key/value passes through untouched. Schemaless maps get a new map of the kept entries; a
//! struct gets a new schema (name, version, doc and parameters copied, not optionality) whose
//! values are read back through the reverse rename map, exactly as Connect does: with `renames=a:b`
//! and `include=b`, the kept field `b` receives `a`'s value.
//!
//! Connect 4.0 removed the 3.x spellings `blacklist`/`whitelist` (KAFKA-17530). kconnect still
//! accepts them so 3.x connector configs keep working, with 3.x's rules (the canonical key wins
//! when both are set) and 3.x's log lines, returned by [`config_warnings`] for the caller to log.

use std::sync::Arc;

use crate::data::{Record, SchemaRef, Struct, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::fields::{self, SchemaCache};
use super::{Leftovers, Target, Transform};

/// Fields to drop (LIST); takes precedence over `include`.
pub const EXCLUDE_CONFIG: &str = "exclude";
/// Fields to keep (LIST); empty keeps all.
pub const INCLUDE_CONFIG: &str = "include";
/// `old:new` rename pairs (LIST).
pub const RENAMES_CONFIG: &str = "renames";
/// Whether a null struct field reads as its schema default (BOOLEAN, default true).
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
/// Connect 3.x's deprecated spelling of `exclude`.
pub const BLACKLIST_CONFIG: &str = "blacklist";
/// Connect 3.x's deprecated spelling of `include`.
pub const WHITELIST_CONFIG: &str = "whitelist";

const PURPOSE: &str = "field replacement";

/// The canonical keys and their 3.x aliases, in definition order.
const ALIASES: [(&str, &str); 2] = [(EXCLUDE_CONFIG, BLACKLIST_CONFIG), (INCLUDE_CONFIG, WHITELIST_CONFIG)];

/// A configured `ReplaceField`.
#[derive(Debug)]
pub struct ReplaceField {
    target: Target,
    selection: Selection,
    plans: SchemaCache<Arc<Plan>>,
}

/// Which fields are kept and what they are called: what a [`Plan`] is made from.
#[derive(Debug)]
struct Selection {
    exclude: Vec<String>,
    include: Vec<String>,
    /// `(old, new)`; a later pair for the same name wins, as in Connect's `HashMap`.
    renames: Vec<(String, String)>,
    replace_null_with_default: bool,
}

/// What a struct schema turns into: the new schema and, per new field, the input field it reads.
#[derive(Debug)]
struct Plan {
    schema: SchemaRef,
    sources: Vec<usize>,
    /// Whether no input field feeds two output fields, so values can be moved instead of cloned.
    distinct: bool,
    /// Whether `sources` is strictly increasing (the usual exclude/rename case), so the input's
    /// value vector can be compacted in place into the output's.
    in_order: bool,
    /// How many leading output fields read the input field at their own position (the fields
    /// before the first one dropped): compacting in place leaves them where they are.
    unmoved: usize,
}

/// The warnings Connect logs while configuring ReplaceField, for the caller to log when it builds
/// the transform: 3.x's for the deprecated `blacklist`/`whitelist` keys and 4.x's for duplicate
/// `exclude`/`include` items (empty when there is nothing to say).
pub fn config_warnings(props: &Props) -> Vec<String> {
    let mut warnings: Vec<String> = ALIASES
        .iter()
        .filter(|(_, alias)| props.contains_key(*alias))
        .map(|(target, alias)| {
            if props.contains_key(*target) {
                format!("{target} was configured, as well as the deprecated alias(es) {alias}.  Using the value of {target}")
            } else {
                format!(
                    "Configuration key {alias} is deprecated and may be removed in the future.  Please update your \
                     configuration to use {target} instead."
                )
            }
        })
        .collect();
    let translated = translate_aliases(props);
    warnings.extend(
        [EXCLUDE_CONFIG, INCLUDE_CONFIG].iter().filter_map(|key| fields::duplicate_warning(&translated, key)),
    );
    warnings
}

/// Connect 3.x's `ConfigUtils.translateDeprecatedConfigs`: an alias fills its canonical key unless
/// that key is set.
fn translate_aliases(props: &Props) -> Props {
    let mut translated = props.clone();
    for (canonical, alias) in ALIASES {
        if let Some(value) = translated.remove(alias) {
            translated.entry(canonical.to_owned()).or_insert(value);
        }
    }
    translated
}

impl ReplaceField {
    /// Builds the transform from its configuration.
    ///
    /// # Errors
    /// Connect's `ConfigException` texts: blank `exclude`/`include` items, an
    /// invalid rename mapping, or a non-boolean `replace.null.with.default`.
    pub fn new(target: Target, props: &Props) -> Result<Self, TransformError> {
        let translated = translate_aliases(props);
        let exclude = fields::unique_list(&translated, EXCLUDE_CONFIG, false, true)?;
        let include = fields::unique_list(&translated, INCLUDE_CONFIG, false, true)?;
        let renames = parse_renames(&config::list(&translated, RENAMES_CONFIG))?;
        let replace_null_with_default = config::boolean(&translated, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        Ok(Self {
            target,
            selection: Selection { exclude, include, renames, replace_null_with_default },
            plans: SchemaCache::default(),
        })
    }
}

impl Selection {
    fn keeps(&self, name: &str) -> bool {
        !self.exclude.iter().any(|f| f == name)
            && (self.include.is_empty() || self.include.iter().any(|f| f == name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames.iter().rev().find(|(old, _)| old == name).map_or(name, |(_, new)| new)
    }

    fn reverse_renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames.iter().rev().find(|(_, new)| new == name).map_or(name, |(old, _)| old)
    }

    fn plan(&self, input: &SchemaRef) -> Result<Arc<Plan>, TransformError> {
        let kept = input.fields.iter().filter(|f| self.keeps(&f.name));
        let schema = fields::struct_schema(
            Some(input),
            kept.map(|f| (self.renamed(&f.name).to_owned(), Arc::clone(&f.schema))),
        )?;
        let sources = schema
            .fields
            .iter()
            .map(|f| {
                let source = self.reverse_renamed(&f.name);
                // Connect's `Struct.get(name)` for a name the input does not have.
                input.field(source).map(|s| s.index).ok_or_else(|| fields::unknown_field(source))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let distinct = sources.iter().enumerate().all(|(i, s)| !sources[..i].contains(s));
        let in_order = sources.windows(2).all(|w| w[0] < w[1]);
        let unmoved = sources.iter().enumerate().take_while(|&(i, &s)| i == s).count();
        Ok(Arc::new(Plan { schema: Arc::new(schema), sources, distinct, in_order, unmoved }))
    }

    fn apply_schemaless(&self, value: Value) -> Result<Value, TransformError> {
        let entries = fields::require_map(value, PURPOSE)?;
        let mut updated = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let Value::String(name) = &key else {
                return Err(class_cast(&key));
            };
            if self.keeps(name) {
                fields::map_put(&mut updated, self.renamed(name), value);
            }
        }
        Ok(Value::Map(updated))
    }

    /// Rewrites `s` (whose schema `plan` was made from) into the plan's struct where it is.
    /// The values of dropped fields go to `dropped` when given, else they are freed. After an
    /// error `s` is unspecified.
    fn rewrite(
        &self,
        plan: &Plan,
        s: &mut Struct,
        dropped: Option<&mut Vec<Value>>,
    ) -> Result<(), TransformError> {
        let Struct { schema: input, values } = s;
        if plan.in_order && values.len() == input.fields.len() {
            // Output field i reads input field sources[i] >= i, which no earlier swap has touched
            // (earlier swaps hit positions < i and sources < sources[i]). Compacting in place
            // saves a vector and moves each value once, with no copy through the stack.
            for (i, &source) in plan.sources.iter().enumerate().skip(plan.unmoved) {
                values.swap(i, source);
            }
            match dropped {
                // One `pop` per dropped value; their order means nothing to the converter, and a
                // null holds nothing to reuse.
                Some(dropped) => {
                    while values.len() > plan.sources.len() {
                        dropped.extend(values.pop().filter(|v| !v.is_null()));
                    }
                }
                None => values.truncate(plan.sources.len()),
            }
        } else {
            let mut updated = Vec::with_capacity(plan.sources.len());
            for &source in &plan.sources {
                let source_field = &input.fields[source];
                updated.push(if plan.distinct {
                    fields::take_field_value(values, source_field, false)
                } else {
                    fields::field_value(values, source_field, false)
                });
            }
            let old = std::mem::replace(values, updated);
            if let Some(dropped) = dropped {
                dropped.extend(old.into_iter().filter(|v| !v.is_null()));
            }
        }
        // Only a null can fail `Struct.put`'s check, and only a null takes a default: the fields
        // are walked only when there is one.
        if values.iter().any(Value::is_null) {
            for ((field, &source), value) in
                plan.schema.fields.iter().zip(&plan.sources).zip(values.iter_mut())
            {
                if value.is_null() {
                    if self.replace_null_with_default {
                        *value = fields::or_default(Value::Null, &input.fields[source], true);
                    }
                    fields::check_put(&field.name, &field.schema, value)?;
                }
            }
        }
        *input = Arc::clone(&plan.schema);
        Ok(())
    }
}

/// The `ClassCastException` Connect throws when it casts a schemaless map key to `String`. The
/// JDK's text ends with the classes' modules and loaders; that suffix is reproduced for JDK classes
/// and left out for Connect's `Struct`, whose loader depends on the worker's plugin isolation.
#[cold]
fn class_cast(key: &Value) -> TransformError {
    let class = key.java_class();
    let message = if class.starts_with("java.") || class.starts_with('[') {
        format!(
            "class {class} cannot be cast to class java.lang.String ({class} and java.lang.String are in module \
             java.base of loader 'bootstrap')"
        )
    } else {
        format!("class {class} cannot be cast to class java.lang.String")
    };
    TransformError::data(message)
}

/// Connect's `parseRenameMappings`: each item must split on `:` into exactly two parts, with Java's
/// `String.split` dropping trailing empty parts.
fn parse_renames(mappings: &[String]) -> Result<Vec<(String, String)>, TransformError> {
    mappings
        .iter()
        .map(|mapping| {
            let mut parts: Vec<&str> = mapping.split(':').collect();
            // Java drops trailing empty parts (only the lone part of an empty string survives, and
            // one part is invalid anyway).
            while parts.len() > 1 && parts.last() == Some(&"") {
                parts.pop();
            }
            match parts.as_slice() {
                [old, new] => Ok(((*old).to_owned(), (*new).to_owned())),
                _ => Err(TransformError::invalid(
                    RENAMES_CONFIG,
                    &format!("[{}]", mappings.join(", ")),
                    format!("Invalid rename mapping: {mapping}"),
                )),
            }
        })
        .collect()
}

impl Transform for ReplaceField {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        self.apply_in_place(&mut record)?;
        Ok(Some(record))
    }

    fn apply_in_place(&self, record: &mut Record) -> Result<bool, TransformError> {
        fields::rewrite_operand_in_place(
            record,
            self.target,
            |value| self.selection.apply_schemaless(value),
            |_, value| {
                let mut s = fields::require_struct(value, PURPOSE)?;
                let plan = self.plans.get_or_try_insert(&s.schema, || self.selection.plan(&s.schema))?;
                self.selection.rewrite(&plan, &mut s, None)?;
                Ok((Arc::clone(&s.schema), Value::Struct(s)))
            },
        )?;
        Ok(true)
    }

    /// [`Transform::apply_in_place`] with the plan lent by the cache without a lock, and the
    /// dropped fields' values handed to `leftovers`.
    fn apply_exclusive(
        &mut self,
        record: &mut Record,
        leftovers: &mut Leftovers,
    ) -> Result<bool, TransformError> {
        let (schema_slot, value_slot) = fields::operand(record, self.target);
        let Some(schema) = schema_slot else {
            if !value_slot.is_null() {
                *value_slot = self.selection.apply_schemaless(std::mem::take(value_slot))?;
            }
            return Ok(true);
        };
        match value_slot {
            Value::Null => {}
            Value::Struct(s) => {
                let plan =
                    self.plans.get_or_try_insert_exclusive(&s.schema, || self.selection.plan(&s.schema))?;
                self.selection.rewrite(plan, s, Some(leftovers.of(self.target)))?;
                *schema = Arc::clone(&s.schema);
            }
            other => return Err(fields::not_a_struct(other, PURPOSE)),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, Type};
    use crate::smt::test_support::{props, s};

    fn schema(kind: Type) -> SchemaRef {
        Arc::new(Schema::new(kind))
    }

    fn value_record(schema: Option<SchemaRef>, value: Value) -> Record {
        Record {
            topic: "test".into(),
            partition: Some(0),
            offset: Some(0),
            value_schema: schema,
            value,
            ..Record::default()
        }
    }

    fn four_fields() -> SchemaRef {
        Arc::new(Schema::structure([
            ("dont".to_owned(), schema(Type::String)),
            ("abc".to_owned(), schema(Type::Int32)),
            ("foo".to_owned(), schema(Type::Boolean)),
            ("etc".to_owned(), schema(Type::String)),
        ]))
    }

    #[test]
    fn tombstones_pass_through() {
        // ReplaceFieldTest.tombstoneSchemaless / tombstoneWithSchema
        let xform = ReplaceField::new(
            Target::Value,
            &props(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]),
        )
        .unwrap();
        let out = xform.apply(value_record(None, Value::Null)).unwrap().unwrap();
        assert_eq!((out.value_schema, out.value), (None, Value::Null));
        let with_schema = four_fields();
        let out = xform.apply(value_record(Some(with_schema.clone()), Value::Null)).unwrap().unwrap();
        assert!(Arc::ptr_eq(out.value_schema.as_ref().unwrap(), &with_schema));
        assert_eq!(out.value, Value::Null);
    }

    #[test]
    fn schemaless_excludes_and_renames() {
        // ReplaceFieldTest.schemaless
        let xform =
            ReplaceField::new(Target::Value, &props(&[("exclude", "dont"), ("renames", "abc:xyz,foo:bar")]))
                .unwrap();
        let value = Value::Map(vec![
            (s("dont"), s("whatever")),
            (s("abc"), Value::Int32(42)),
            (s("foo"), Value::Boolean(true)),
            (s("etc"), s("etc")),
        ]);
        let out = xform.apply(value_record(None, value)).unwrap().unwrap();
        assert_eq!(
            out.value,
            Value::Map(vec![
                (s("xyz"), Value::Int32(42)),
                (s("bar"), Value::Boolean(true)),
                (s("etc"), s("etc"))
            ])
        );
    }

    #[test]
    fn with_schema_includes_and_renames() {
        // ReplaceFieldTest.withSchema
        let xform = ReplaceField::new(
            Target::Value,
            &props(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]),
        )
        .unwrap();
        let input = four_fields();
        let value = Value::Struct(Struct {
            schema: input.clone(),
            values: vec![s("whatever"), Value::Int32(42), Value::Boolean(true), s("etc")],
        });
        let out = xform.apply(value_record(Some(input.clone()), value.clone())).unwrap().unwrap();
        let expected_schema = Schema::structure([
            ("xyz".to_owned(), schema(Type::Int32)),
            ("bar".to_owned(), schema(Type::Boolean)),
        ]);
        assert_eq!(out.value_schema.as_deref(), Some(&expected_schema));
        let Value::Struct(updated) = &out.value else { panic!("{:?}", out.value) };
        assert_eq!(updated.values, [Value::Int32(42), Value::Boolean(true)]);
        assert!(Arc::ptr_eq(&updated.schema, out.value_schema.as_ref().unwrap()));
        // Same input schema, same output schema object (Connect's schemaUpdateCache).
        let again = xform.apply(value_record(Some(input), value)).unwrap().unwrap();
        assert!(Arc::ptr_eq(again.value_schema.as_ref().unwrap(), out.value_schema.as_ref().unwrap()));
    }

    #[test]
    fn replace_null_with_default_on_value_and_key() {
        // ReplaceFieldTest.testReplaceNullWithDefaultConfigOnValue / OnKey
        let mut with_default = Schema::new(Type::Int32).optional();
        with_default.default = Some(Value::Int32(42));
        let input = Arc::new(Schema::structure([("abc".to_owned(), Arc::new(with_default))]));
        for (flag, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
            let p = props(&[
                ("include", "abc"),
                ("renames", "abc:optional_with_default"),
                ("replace.null.with.default", flag),
            ]);
            let value = Value::Struct(Struct::new(input.clone()));
            let out = ReplaceField::new(Target::Value, &p)
                .unwrap()
                .apply(value_record(Some(input.clone()), value.clone()))
                .unwrap()
                .unwrap();
            let Value::Struct(updated) = out.value else { panic!() };
            assert_eq!(updated.schema.fields.len(), 1);
            assert_eq!(updated.get("optional_with_default"), Some(&expected));
            let key_record = Record { key_schema: Some(input.clone()), key: value, ..Record::default() };
            let out = ReplaceField::new(Target::Key, &p).unwrap().apply(key_record).unwrap().unwrap();
            let Value::Struct(updated) = out.key else { panic!() };
            assert_eq!(updated.get("optional_with_default"), Some(&expected));
            assert_eq!(out.value, Value::Null);
        }
    }

    #[test]
    fn output_schema_keeps_basics_but_is_required() {
        let mut input = Schema::structure([("a".to_owned(), schema(Type::Int32))]).optional().named("n");
        input.version = Some(2);
        input.doc = Some("d".into());
        let input = Arc::new(input);
        let xform = ReplaceField::new(Target::Value, &props(&[])).unwrap();
        let value = Value::Struct(Struct { schema: input.clone(), values: vec![Value::Int32(1)] });
        let out = xform.apply(value_record(Some(input), value)).unwrap().unwrap();
        let out_schema = out.value_schema.unwrap();
        assert_eq!(
            (out_schema.name.as_deref(), out_schema.version, out_schema.doc.as_deref()),
            (Some("n"), Some(2), Some("d"))
        );
        assert!(!out_schema.optional);
    }

    #[test]
    fn reverse_renames_read_the_old_name_like_connect() {
        // renames=a:b with include=b keeps the original field b but fills it from a.
        let input = Arc::new(Schema::structure([
            ("a".to_owned(), schema(Type::Int32)),
            ("b".to_owned(), schema(Type::Int32)),
        ]));
        let xform =
            ReplaceField::new(Target::Value, &props(&[("include", "b"), ("renames", "a:b")])).unwrap();
        let value =
            Value::Struct(Struct { schema: input.clone(), values: vec![Value::Int32(1), Value::Int32(2)] });
        let out = xform.apply(value_record(Some(input.clone()), value.clone())).unwrap().unwrap();
        let Value::Struct(updated) = out.value else { panic!() };
        assert_eq!(updated.values, [Value::Int32(1)]);
        // Keeping both makes two fields called b.
        let both = ReplaceField::new(Target::Value, &props(&[("renames", "a:b")])).unwrap();
        let err = both.apply(value_record(Some(input), value)).unwrap_err();
        assert_eq!(err, TransformError::data("Cannot create field because of field name duplication b"));
    }

    #[test]
    fn compaction_in_place_and_out_of_order_agree() {
        // exclude=dont,foo keeps abc and etc (sources 1 and 3, compacted in place); swapped
        // renames read each field's value through the old name (foo gets abc's value).
        let input = four_fields();
        let values = vec![s("whatever"), Value::Int32(42), Value::Boolean(true), s("etc")];
        let run = |pairs: &[(&str, &str)], values: Vec<Value>| {
            let xform = ReplaceField::new(Target::Value, &props(pairs)).unwrap();
            let mut record =
                value_record(Some(input.clone()), Value::Struct(Struct { schema: input.clone(), values }));
            assert!(xform.apply_in_place(&mut record).unwrap());
            let Value::Struct(updated) = record.value else { panic!("{:?}", record.value) };
            let names: Vec<_> = updated.schema.fields.iter().map(|f| f.name.clone()).collect();
            (names, updated.values)
        };
        let (names, out) = run(&[("exclude", "dont,foo")], values.clone());
        assert_eq!(
            (names, out),
            (vec!["abc".to_owned(), "etc".to_owned()], vec![Value::Int32(42), s("etc")])
        );
        let (names, out) = run(&[("include", "abc,foo"), ("renames", "abc:foo,foo:abc")], values.clone());
        assert_eq!(names, ["foo", "abc"]);
        assert_eq!(out, [Value::Int32(42), Value::Boolean(true)]);
        // A struct built with too few values takes the general path and reads the missing ones
        // as null (here: rejected).
        let err = ReplaceField::new(Target::Value, &props(&[("exclude", "dont")]))
            .unwrap()
            .apply(value_record(
                Some(input.clone()),
                Value::Struct(Struct { schema: input.clone(), values: vec![] }),
            ))
            .unwrap_err();
        assert!(matches!(err, TransformError::Data(m) if m.contains("null used for required field")));
    }

    #[test]
    fn exclusive_application_agrees_with_the_shared_one() {
        // Every kind of plan (compacted in place from the first field or a later one, out of
        // order, one input field read twice, a struct too short for its schema), nulls with and
        // without defaults, both targets, maps, tombstones and wrong shapes: `apply_exclusive`
        // gives what `apply_in_place` gives, and hands back exactly the values it drops.
        let mut with_default = Schema::new(Type::Int32).optional();
        with_default.default = Some(Value::Int32(42));
        let input = Arc::new(Schema::structure([
            ("dont".to_owned(), schema(Type::String)),
            ("abc".to_owned(), Arc::new(with_default)),
            ("foo".to_owned(), schema(Type::Boolean)),
            ("etc".to_owned(), Arc::new(Schema::new(Type::String).optional())),
        ]));
        let full = vec![s("whatever"), Value::Int32(7), Value::Boolean(true), s("etc")];
        let nulls = vec![s("whatever"), Value::Null, Value::Boolean(true), Value::Null];
        let required_null = vec![s("whatever"), Value::Int32(7), Value::Null, s("etc")];
        let values = [
            Value::Struct(Struct { schema: input.clone(), values: full.clone() }),
            Value::Struct(Struct { schema: input.clone(), values: nulls }),
            Value::Struct(Struct { schema: input.clone(), values: required_null }),
            Value::Struct(Struct { schema: input.clone(), values: full[..2].to_vec() }),
            Value::Null,
            Value::Int32(1),
        ];
        let configs: [&[(&str, &str)]; 8] = [
            &[],
            &[("exclude", "dont")],
            &[("exclude", "foo")],
            &[("exclude", "dont,etc"), ("renames", "abc:xyz")],
            &[("include", "abc,foo"), ("renames", "abc:foo,foo:abc")],
            &[("include", "etc,abc"), ("replace.null.with.default", "false")],
            // n and m both read etc, which is itself dropped.
            &[("exclude", "etc"), ("renames", "abc:n,etc:n,foo:m,etc:m")],
            &[("include", "nothing,here")],
        ];
        let mut dropped_seen = 0;
        for config in configs {
            for target in [Target::Key, Target::Value] {
                let mut xform = ReplaceField::new(target, &props(config)).unwrap();
                for value in &values {
                    let mut shared = Record::default();
                    *fields::operand(&mut shared, target).0 = Some(input.clone());
                    *fields::operand(&mut shared, target).1 = value.clone();
                    let mut exclusive = shared.clone();
                    let mut leftovers = Leftovers::default();
                    let expected = xform.apply_in_place(&mut shared);
                    let got = xform.apply_exclusive(&mut exclusive, &mut leftovers);
                    assert_eq!(got, expected, "{config:?} {value:?}");
                    let side = match target {
                        Target::Key => (&leftovers.key, &leftovers.value),
                        Target::Value => (&leftovers.value, &leftovers.key),
                    };
                    assert!(side.1.is_empty(), "{config:?}: the other side's list is left alone");
                    if expected.is_err() {
                        continue;
                    }
                    assert_eq!(exclusive, shared, "{config:?} {value:?}");
                    let (Value::Struct(before), Value::Struct(after)) =
                        (value, fields::operand(&mut exclusive, target).1)
                    else {
                        assert!(side.0.is_empty());
                        continue;
                    };
                    // What went out is what came in but for what stayed (values are distinct here).
                    let kept = |v: &&Value| after.values.contains(v);
                    let gone: Vec<&Value> =
                        before.values.iter().filter(|v| !v.is_null() && !kept(v)).collect();
                    let mut handed: Vec<&Value> = side.0.iter().collect();
                    handed.retain(|v| !kept(v));
                    assert_eq!(handed.len(), gone.len(), "{config:?} {value:?}: {:?}", side.0);
                    assert!(gone.iter().all(|v| side.0.contains(v)), "{config:?} {value:?}: {:?}", side.0);
                    dropped_seen += side.0.len();
                }
                // The exclusive path kept its plan: the same output schema object every time.
                let mut records = [0, 1].map(|_| {
                    let mut r = Record::default();
                    *fields::operand(&mut r, target).0 = Some(input.clone());
                    *fields::operand(&mut r, target).1 = values[0].clone();
                    r
                });
                let mut leftovers = Leftovers::default();
                for r in &mut records {
                    xform.apply_exclusive(r, &mut leftovers).unwrap();
                }
                let [a, b] = records.map(|mut r| fields::operand(&mut r, target).0.clone().unwrap());
                assert!(Arc::ptr_eq(&a, &b), "{config:?}");
            }
        }
        assert!(dropped_seen > 10, "only {dropped_seen} values handed back");
    }

    #[test]
    fn required_fields_reject_null_without_defaults() {
        let mut required = Schema::new(Type::Int32);
        required.default = Some(Value::Int32(5));
        let input = Arc::new(Schema::structure([("a".to_owned(), Arc::new(required))]));
        let xform =
            ReplaceField::new(Target::Value, &props(&[("replace.null.with.default", "false")])).unwrap();
        let err =
            xform.apply(value_record(Some(input.clone()), Value::Struct(Struct::new(input)))).unwrap_err();
        assert_eq!(err.to_string(), "Invalid value: null used for required field: \"a\", schema type: INT32");
    }

    #[test]
    fn wrong_shapes_are_data_errors() {
        let xform = ReplaceField::new(Target::Value, &props(&[])).unwrap();
        let err = xform.apply(value_record(None, Value::Int32(1))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Map objects supported in absence of schema for [field replacement], found: java.lang.Integer"
        );
        let err = xform.apply(value_record(Some(schema(Type::Int32)), Value::Int32(1))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Struct objects supported for [field replacement], found: java.lang.Integer"
        );
        let err =
            xform.apply(value_record(None, Value::Map(vec![(Value::Int8(1), Value::Null)]))).unwrap_err();
        // Verified against Connect 4.3.1 (with an Integer key).
        assert_eq!(
            err.to_string(),
            "class java.lang.Byte cannot be cast to class java.lang.String (java.lang.Byte and java.lang.String are \
             in module java.base of loader 'bootstrap')"
        );
    }

    #[test]
    fn rename_mappings_follow_java_split() {
        assert_eq!(parse_renames(&["a:b:".into()]).unwrap(), [("a".to_owned(), "b".to_owned())]);
        assert_eq!(parse_renames(&[":b".into()]).unwrap(), [(String::new(), "b".to_owned())]);
        for bad in ["a:", "a", ":", "a::b", "a:b:c", ""] {
            let err = parse_renames(&["x:y".into(), bad.into()]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "Invalid value [x:y, {bad}] for configuration renames: Invalid rename mapping: {bad}"
                ),
                "{bad:?}"
            );
        }
        let err = ReplaceField::new(Target::Value, &props(&[("renames", "abc")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value [abc] for configuration renames: Invalid rename mapping: abc"
        );
    }

    #[test]
    fn include_and_exclude_drop_duplicates_and_reject_blanks() {
        // Verified against Connect 4.3.1: duplicates are dropped with a warning, blanks fail.
        let xform = ReplaceField::new(Target::Value, &props(&[("exclude", "a,a")])).unwrap();
        assert_eq!(xform.selection.exclude, ["a"]);
        let err = ReplaceField::new(Target::Value, &props(&[("include", "a,")])).unwrap_err();
        assert_eq!(err.to_string(), "Configuration 'include' values must not be empty.");
    }

    #[test]
    fn deprecated_aliases_still_work_and_warn() {
        let map =
            Value::Map(vec![(s("a"), Value::Int8(1)), (s("b"), Value::Int8(2)), (s("c"), Value::Int8(3))]);
        let old = props(&[("blacklist", "a"), ("whitelist", "a,b")]);
        let out = ReplaceField::new(Target::Value, &old)
            .unwrap()
            .apply(value_record(None, map.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(out.value, Value::Map(vec![(s("b"), Value::Int8(2))]));
        assert_eq!(
            config_warnings(&old),
            [
                "Configuration key blacklist is deprecated and may be removed in the future.  Please update your \
                 configuration to use exclude instead.",
                "Configuration key whitelist is deprecated and may be removed in the future.  Please update your \
                 configuration to use include instead."
            ]
        );
        // The canonical key wins when both are present.
        let both = props(&[("blacklist", "a"), ("exclude", "c")]);
        let out =
            ReplaceField::new(Target::Value, &both).unwrap().apply(value_record(None, map)).unwrap().unwrap();
        assert_eq!(out.value, Value::Map(vec![(s("a"), Value::Int8(1)), (s("b"), Value::Int8(2))]));
        assert_eq!(
            config_warnings(&both),
            ["exclude was configured, as well as the deprecated alias(es) blacklist.  Using the value of exclude"]
        );
        assert!(config_warnings(&props(&[("exclude", "a")])).is_empty());
    }
}
