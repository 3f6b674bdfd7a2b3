//! Plumbing shared by the field-level SMTs: the key-or-value operand and the `apply` built on it,
//! Connect's `Requirements` checks, struct-schema building (`SchemaUtil.copySchemaBasics`),
//! `Struct.get`/`put` and `Map.get`/`put` semantics, config readers and the per-transform schema
//! cache. Every SMT takes these from here, so each rule and message exists once.
//!
//! Connect compat: the messages are those of `org.apache.kafka.connect.transforms.util.Requirements`,
//! `SchemaBuilder.field`, `Struct.put`/`lookupField` (`ConnectSchema.validateValue`),
//! `ConnectSchema.fields()` and `ConfigDef.ValidList`, so
//! a user searching for an error finds Connect's documentation of it. Schemaless maps keep their
//! entries in insertion order, new keys last; Connect's `HashMap`s have no defined order, so this
//! is one of the orders Connect could produce, not necessarily the one a given JVM does.

use std::sync::{Arc, Mutex, PoisonError};

use crate::data::{Field, Record, Schema, SchemaRef, Struct, Type, Value};
use crate::errors::TransformError;

use super::config::{self, Props};
use super::literal::java_trim;
use super::Target;

/// The schema slot and value slot a `$Key`/`$Value` transform works on.
pub(crate) fn operand(record: &mut Record, target: Target) -> (&mut Option<SchemaRef>, &mut Value) {
    match target {
        Target::Key => (&mut record.key_schema, &mut record.key),
        Target::Value => (&mut record.value_schema, &mut record.value),
    }
}

/// The `apply` shared by the `$Key`/`$Value` SMTs that pass a null operand through unchanged
/// (Connect's `if (operatingValue(record) == null) return record;`); see
/// [`rewrite_operand_even_if_null`] for the rest.
///
/// # Errors
/// Whatever the chosen function returns.
pub(crate) fn rewrite_operand(
    mut record: Record,
    target: Target,
    schemaless: impl FnOnce(Value) -> Result<Value, TransformError>,
    with_schema: impl FnOnce(&SchemaRef, Value) -> Result<(SchemaRef, Value), TransformError>,
) -> Result<Option<Record>, TransformError> {
    rewrite_operand_in_place(&mut record, target, schemaless, with_schema)?;
    Ok(Some(record))
}

/// [`rewrite_operand`] on a borrowed record, for [`super::Transform::apply_in_place`].
///
/// # Errors
/// Whatever the chosen function returns.
pub(crate) fn rewrite_operand_in_place(
    record: &mut Record,
    target: Target,
    schemaless: impl FnOnce(Value) -> Result<Value, TransformError>,
    with_schema: impl FnOnce(&SchemaRef, Value) -> Result<(SchemaRef, Value), TransformError>,
) -> Result<(), TransformError> {
    let (schema_slot, value_slot) = operand(record, target);
    if value_slot.is_null() {
        return Ok(());
    }
    let value = std::mem::take(value_slot);
    match schema_slot {
        None => *value_slot = schemaless(value)?,
        Some(schema) => (*schema, *value_slot) = with_schema(schema, value)?,
    }
    Ok(())
}

/// The `apply` shared by the `$Key`/`$Value` SMTs: the operand is taken out of the record and
/// rewritten by `schemaless` when it has no schema, or by `with_schema` (which also gives the new
/// schema) when it has one; the results go back into the record.
///
/// # Errors
/// Whatever the chosen function returns.
pub(crate) fn rewrite_operand_even_if_null(
    mut record: Record,
    target: Target,
    schemaless: impl FnOnce(Value) -> Result<Value, TransformError>,
    with_schema: impl FnOnce(&SchemaRef, Value) -> Result<(SchemaRef, Value), TransformError>,
) -> Result<Option<Record>, TransformError> {
    let (schema_slot, value_slot) = operand(&mut record, target);
    let value = std::mem::take(value_slot);
    match schema_slot {
        None => *value_slot = schemaless(value)?,
        Some(schema) => (*schema, *value_slot) = with_schema(schema, value)?,
    }
    Ok(Some(record))
}

/// Connect's `Requirements.requireMap`: the value must be a schemaless map.
///
/// # Errors
/// `Only Map objects supported in absence of schema for [<purpose>], found: <class>`.
pub(crate) fn require_map(value: Value, purpose: &str) -> Result<Vec<(Value, Value)>, TransformError> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(not_a_map(&other, purpose)),
    }
}

/// The error of [`require_map`], for callers that only borrow the value.
pub(crate) fn not_a_map(value: &Value, purpose: &str) -> TransformError {
    TransformError::data(format!(
        "Only Map objects supported in absence of schema for [{purpose}], found: {}",
        value.java_class()
    ))
}

/// Connect's `Requirements.requireStruct`: the value must be a struct.
///
/// # Errors
/// `Only Struct objects supported for [<purpose>], found: <class>`.
pub(crate) fn require_struct(value: Value, purpose: &str) -> Result<Struct, TransformError> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(not_a_struct(&other, purpose)),
    }
}

/// The error of [`require_struct`], for callers that only borrow the value.
pub(crate) fn not_a_struct(value: &Value, purpose: &str) -> TransformError {
    TransformError::data(format!(
        "Only Struct objects supported for [{purpose}], found: {}",
        value.java_class()
    ))
}

/// Connect's `Requirements.requireSchema`.
///
/// # Errors
/// `Schema required for [<purpose>]`.
pub(crate) fn require_schema<'a>(
    schema: Option<&'a SchemaRef>,
    purpose: &str,
) -> Result<&'a SchemaRef, TransformError> {
    schema.ok_or_else(|| TransformError::data(format!("Schema required for [{purpose}]")))
}

/// Connect's `ConnectSchema.field(name)`, which refuses to look into anything but a struct schema.
///
/// # Errors
/// `Cannot look up fields on non-struct type`.
pub(crate) fn schema_field<'a>(schema: &'a Schema, name: &str) -> Result<Option<&'a Field>, TransformError> {
    if schema.kind != Type::Struct {
        return Err(TransformError::data("Cannot look up fields on non-struct type"));
    }
    Ok(schema.field(name))
}

/// The value at `index` of a struct's values; a struct built with too few values (only possible
/// through the public fields) reads as null there instead of panicking.
pub(crate) fn value_at(values: &[Value], index: usize) -> &Value {
    const NULL: &Value = &Value::Null;
    values.get(index).unwrap_or(NULL)
}

/// `Struct.get(field)` (`with_default`) or `Struct.getWithoutDefault(name)` on a struct's values:
/// a null value reads as the field schema's default only when asked to, which is what
/// `replace.null.with.default` selects.
pub(crate) fn field_value(values: &[Value], field: &Field, with_default: bool) -> Value {
    let value = value_at(values, field.index);
    if value.is_null() {
        or_default(Value::Null, field, with_default)
    } else {
        value.clone()
    }
}

/// Like [`field_value`] but moves the value out of the struct instead of cloning it.
pub(crate) fn take_field_value(values: &mut [Value], field: &Field, with_default: bool) -> Value {
    or_default(values.get_mut(field.index).map(std::mem::take).unwrap_or_default(), field, with_default)
}

/// The rule of [`field_value`] for a value already read from `field`: a null becomes the field
/// schema's default when `with_default` (and there is one).
pub(crate) fn or_default(value: Value, field: &Field, with_default: bool) -> Value {
    match (&value, &field.schema.default) {
        (Value::Null, Some(default)) if with_default => default.clone(),
        _ => value,
    }
}

/// The check `Struct.put` makes (through `ConnectSchema.validateValue`) that a null only goes
/// into an optional field.
///
/// Only nullability is checked: values are trusted to match their schema's type, since they were
/// read from a struct with that same field schema (Connect re-checks the Java class as well).
///
/// # Errors
/// `Invalid value: null used for required field: "<name>", schema type: <TYPE>`.
pub(crate) fn check_put(name: &str, schema: &Schema, value: &Value) -> Result<(), TransformError> {
    if value.is_null() && !schema.optional {
        return Err(TransformError::data(format!(
            "Invalid value: null used for required field: \"{name}\", schema type: {}",
            schema.kind
        )));
    }
    Ok(())
}

/// Connect's `Struct.lookupField` error for a name the struct's schema does not have.
pub(crate) fn unknown_field(name: &str) -> TransformError {
    TransformError::data(format!("{name} is not a valid field name"))
}

/// `Struct.put(fieldName, value)`: the field is looked up by name in the struct's own schema,
/// then the value is checked as [`check_put`] does and stored.
///
/// # Errors
/// [`unknown_field`] for a name the schema lacks, or [`check_put`]'s error.
pub(crate) fn put(target: &mut Struct, name: &str, value: Value) -> Result<(), TransformError> {
    let field = target.schema.field(name).ok_or_else(|| unknown_field(name))?;
    check_put(&field.name, &field.schema, &value)?;
    target.values[field.index] = value;
    Ok(())
}

/// Re-puts the listed fields of a struct being rebuilt in place, as Connect's
/// `for (Field field : schema.fields()) updated.put(field.name(), value.get(field))`: each value
/// is read at its field's index (through the default when `with_default`), passed through `map`,
/// checked as [`check_put`] does, and stored back at that index. `values` must have a slot for
/// every field.
///
/// # Errors
/// What `map` returns, or [`check_put`]'s error.
pub(crate) fn put_fields(
    values: &mut [Value],
    fields: &[Field],
    with_default: bool,
    mut map: impl FnMut(&Field, Value) -> Result<Value, TransformError>,
) -> Result<(), TransformError> {
    for field in fields {
        let value = map(field, take_field_value(values, field, with_default))?;
        check_put(&field.name, &field.schema, &value)?;
        values[field.index] = value;
    }
    Ok(())
}

/// `SchemaUtil.copySchemaBasics(from, into)`: name, version, doc and parameters of `from` onto
/// `into` (not its optionality or default).
pub(crate) fn copy_basics(from: &Schema, mut into: Schema) -> Schema {
    into.name.clone_from(&from.name);
    into.version = from.version;
    into.doc.clone_from(&from.doc);
    into.parameters.clone_from(&from.parameters);
    into
}

/// Connect's `ConnectSchema.fields()`, which refuses anything but a struct schema.
///
/// # Errors
/// `Cannot list fields on non-struct type`.
pub(crate) fn struct_fields(schema: &Schema) -> Result<&[Field], TransformError> {
    if schema.kind != Type::Struct {
        return Err(TransformError::data("Cannot list fields on non-struct type"));
    }
    Ok(&schema.fields)
}

/// Builds a struct schema as `SchemaUtil.copySchemaBasics(source, SchemaBuilder.struct())` followed
/// by one `builder.field(name, schema)` per entry: name, version, doc and parameters come from
/// `basics`; optionality and the default do not (the result is a required struct).
///
/// # Errors
/// `SchemaBuilder.field`'s `fieldName cannot be null.` for an empty name and
/// `Cannot create field because of field name duplication <name>` for a repeated one.
pub(crate) fn struct_schema(
    basics: Option<&Schema>,
    fields: impl IntoIterator<Item = (String, SchemaRef)>,
) -> Result<Schema, TransformError> {
    let mut built: Vec<Field> = Vec::new();
    for (name, schema) in fields {
        if name.is_empty() {
            return Err(TransformError::data("fieldName cannot be null."));
        }
        if built.iter().any(|f| f.name == name) {
            return Err(TransformError::data(format!(
                "Cannot create field because of field name duplication {name}"
            )));
        }
        let index = built.len();
        built.push(Field { name, index, schema });
    }
    let mut schema = Schema::new(Type::Struct);
    schema.fields = built;
    Ok(match basics {
        Some(source) => copy_basics(source, schema),
        None => schema,
    })
}

/// Sets `key` to `value` in a schemaless map the way `HashMap.put` does: an existing string key
/// keeps its position and gets the new value, a new key is appended.
pub(crate) fn map_put(entries: &mut Vec<(Value, Value)>, key: &str, value: Value) {
    match entries.iter_mut().find(|(k, _)| is_key(k, key)) {
        Some(entry) => entry.1 = value,
        None => entries.push((Value::String(key.to_owned()), value)),
    }
}

/// `HashMap.get(key)` on a schemaless map: the value, or null when absent.
pub(crate) fn map_get(entries: &[(Value, Value)], key: &str) -> Value {
    entries.iter().find(|(k, _)| is_key(k, key)).map_or(Value::Null, |(_, v)| v.clone())
}

/// `map.put(key, f(map.get(key)))` on a schemaless map: the value under the string `key` (null
/// when absent) is replaced, in place, by what `f` makes of it; an absent key is appended.
///
/// # Errors
/// Whatever `f` returns.
pub(crate) fn map_update<E>(
    entries: &mut Vec<(Value, Value)>,
    key: &str,
    f: impl FnOnce(Value) -> Result<Value, E>,
) -> Result<(), E> {
    match entries.iter_mut().find(|(k, _)| is_key(k, key)) {
        Some(entry) => entry.1 = f(std::mem::take(&mut entry.1))?,
        None => entries.push((Value::String(key.to_owned()), f(Value::Null)?)),
    }
    Ok(())
}

/// Whether a schemaless map key is the string `key` (Java's `"key".equals(k)`).
pub(crate) fn is_key(k: &Value, key: &str) -> bool {
    matches!(k, Value::String(s) if s == key)
}

/// A STRING config value as `ConfigDef` parses it: trimmed with Java's `String.trim` (`None`
/// when absent).
pub(crate) fn string<'a>(props: &'a Props, key: &str) -> Option<&'a str> {
    config::optional(props, key).map(java_trim)
}

/// A required STRING config value, trimmed as `ConfigDef` does.
///
/// # Errors
/// Connect's "Missing required configuration" text.
pub(crate) fn required_string<'a>(props: &'a Props, key: &str) -> Result<&'a str, TransformError> {
    config::required(props, key).map(java_trim)
}

/// A LIST key checked by Connect 4.x's `ConfigDef.ValidList.anyNonDuplicateValues(allow_empty, false)`:
/// duplicates are dropped (Connect logs [`duplicate_warning`] and keeps the first of each), then the
/// list must have an item unless `allow_empty`, and no item may be blank. A `required` key that is
/// absent is Connect's "Missing required configuration" error; an optional one is empty.
///
/// # Errors
/// Connect's `ValidList` texts: `Configuration '<key>' must not be empty. Valid values include:
/// any non-empty value` and `Configuration '<key>' values must not be empty.`
pub(crate) fn unique_list(
    props: &Props,
    key: &str,
    required: bool,
    allow_empty: bool,
) -> Result<Vec<String>, TransformError> {
    let mut items =
        if required { config::parse_list(config::required(props, key)?) } else { config::list(props, key) };
    let mut seen = 0;
    while seen < items.len() {
        if items[..seen].contains(&items[seen]) {
            items.remove(seen);
        } else {
            seen += 1;
        }
    }
    if !allow_empty && items.is_empty() {
        return Err(TransformError::config(
            key,
            format!("Configuration '{key}' must not be empty. Valid values include: any non-empty value"),
        ));
    }
    if items.iter().any(String::is_empty) {
        return Err(TransformError::config(key, format!("Configuration '{key}' values must not be empty.")));
    }
    Ok(items)
}

/// The warning Connect 4.x's `ConfigDef.parseValue` logs when a `ValidList` key repeats an item
/// (`None` when it does not).
pub(crate) fn duplicate_warning(props: &Props, key: &str) -> Option<String> {
    let items = config::list(props, key);
    let mut distinct: Vec<&String> = Vec::with_capacity(items.len());
    for item in &items {
        if !distinct.contains(&item) {
            distinct.push(item);
        }
    }
    (distinct.len() != items.len()).then(|| {
        let join = |list: &[&String]| list.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        let original: Vec<&String> = items.iter().collect();
        format!(
            "Configuration key \"{key}\" contains duplicate values. Duplicates will be removed. The original value \
             is: [{}], the updated value is: [{}]",
            join(&original),
            join(&distinct)
        )
    })
}

/// The error for a `$Key`/`$Value` SMT named without its variant: Connect's
/// `Utils.ensureConcreteSubclass` text for an abstract class.
pub(crate) fn abstract_transform(base: &str) -> TransformError {
    let class = format!("org.apache.kafka.connect.transforms.{base}");
    TransformError::config(
        "type",
        format!("This class is abstract and cannot be created. Did you mean {class}$Key, {class}$Value?"),
    )
}

/// How many rewritten schemas a transform remembers, as Connect's `LRUCache<>(16)`.
const SCHEMA_CACHE_CAPACITY: usize = 16;

/// A small cache from an input schema to what a transform derives from it (usually the rewritten
/// schema), standing in for Connect's `SynchronizedCache<>(new LRUCache<>(16))`: the least
/// recently used entry is evicted first.
///
/// Keys are compared by pointer first: converters share one `Arc` per distinct schema, so the
/// pointer is the cheap identity, and holding the key `Arc` keeps its address from being reused.
/// [`get_or_build`](Self::get_or_build) then falls back to schema equality, as Connect keys its
/// caches on `Schema.equals`; [`get_or_try_insert`](Self::get_or_try_insert) does not, so a schema
/// that arrives in a fresh `Arc` every time costs a rebuild there, never a wrong answer (Rust's
/// `Schema` equality, unlike Java's, cannot tell a `0.0` default from `-0.0`). Returning the cached
/// value also gives equal inputs the same output schema, as Connect's tests assert with
/// `assertSame`, which lets the next transform's cache hit too.
#[derive(Debug)]
pub(crate) struct SchemaCache<V> {
    /// Least recently used first.
    slots: Mutex<Vec<(SchemaRef, V)>>,
}

impl<V> Default for SchemaCache<V> {
    fn default() -> Self {
        Self { slots: Mutex::new(Vec::with_capacity(SCHEMA_CACHE_CAPACITY)) }
    }
}

impl<V: Clone> SchemaCache<V> {
    /// An empty cache.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The entry cached for this very `key` (the same `Arc`), or the result of `make` (cached
    /// when it succeeds).
    ///
    /// # Errors
    /// Whatever `make` returns; failures are not cached, as Connect does not cache them.
    pub(crate) fn get_or_try_insert<E>(
        &self,
        key: &SchemaRef,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        self.get_or_insert_with(key, false, make)
    }

    /// The entry cached for `key` or for a schema equal to it, or the result of `build` (cached
    /// when it succeeds).
    ///
    /// # Errors
    /// Whatever `build` returns; failures are not cached.
    pub(crate) fn get_or_build(
        &self,
        key: &SchemaRef,
        build: impl FnOnce() -> Result<V, TransformError>,
    ) -> Result<V, TransformError> {
        self.get_or_insert_with(key, true, build)
    }

    /// [`get_or_try_insert`](Self::get_or_try_insert) for the cache's only user
    /// ([`super::Transform::apply_exclusive`]): no lock is taken and the entry is lent, not
    /// cloned, so a stream of records with one schema costs a pointer comparison each.
    ///
    /// # Errors
    /// Whatever `make` returns; failures are not cached.
    pub(crate) fn get_or_try_insert_exclusive<E>(
        &mut self,
        key: &SchemaRef,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<&V, E> {
        // See `get_or_insert_with` on poisoning.
        let slots = self.slots.get_mut().unwrap_or_else(PoisonError::into_inner);
        let i = match Self::hit(slots, key, false) {
            Some(i) => i,
            None => Self::insert(slots, key, make()?),
        };
        Ok(&slots[i].1)
    }

    fn get_or_insert_with<E>(
        &self,
        key: &SchemaRef,
        by_value: bool,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        {
            // A panic while holding the lock cannot leave the Vec half-updated, so a poisoned
            // lock is still safe to use.
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(i) = Self::hit(&mut slots, key, by_value) {
                return Ok(slots[i].1.clone());
            }
        }
        // Build outside the lock so a slow rebuild does not serialise other threads' hits; two
        // threads may then build the same entry once each, which is harmless.
        let built = make()?;
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if !slots.iter().any(|(k, _)| Arc::ptr_eq(k, key)) {
            Self::insert(&mut slots, key, built.clone());
        }
        Ok(built)
    }

    /// The index of the entry for `key` (by pointer, then by value when `by_value`), made the
    /// newest; `None` on a miss.
    fn hit(slots: &mut Vec<(SchemaRef, V)>, key: &SchemaRef, by_value: bool) -> Option<usize> {
        // Newest first: a task usually sees one schema at a time.
        let i = slots
            .iter()
            .rposition(|(k, _)| Arc::ptr_eq(k, key))
            .or_else(|| by_value.then(|| slots.iter().rposition(|(k, _)| **k == **key)).flatten())?;
        let newest = slots.len() - 1;
        // The common hit is already the newest entry and costs no move.
        if i != newest {
            let entry = slots.remove(i);
            slots.push(entry);
        }
        Some(newest)
    }

    /// Adds `value` for `key` as the newest entry, evicting the oldest when full; returns its
    /// index.
    fn insert(slots: &mut Vec<(SchemaRef, V)>, key: &SchemaRef, value: V) -> usize {
        if slots.len() == SCHEMA_CACHE_CAPACITY {
            slots.remove(0);
        }
        slots.push((Arc::clone(key), value));
        slots.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::test_support::props;

    #[test]
    fn requirement_messages_name_the_java_class() {
        let err = require_map(Value::Int32(1), "field insertion").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Map objects supported in absence of schema for [field insertion], found: java.lang.Integer"
        );
        let err = require_struct(Value::Null, "mask fields").unwrap_err();
        assert_eq!(err.to_string(), "Only Struct objects supported for [mask fields], found: null");
        assert_eq!(
            require_schema(None, "updating schema metadata").unwrap_err().to_string(),
            "Schema required for [updating schema metadata]"
        );
    }

    #[test]
    fn short_structs_read_as_null_instead_of_panicking() {
        let int = Arc::new(Schema::new(Type::Int32));
        let field = Field { name: "a".into(), index: 3, schema: int };
        assert_eq!(field_value(&[Value::Int8(1)], &field, true), Value::Null);
        assert_eq!(take_field_value(&mut [Value::Int8(1)], &field, true), Value::Null);
        assert_eq!(value_at(&[], 0), &Value::Null);
    }

    #[test]
    fn struct_schema_copies_basics_but_not_optionality() {
        let mut source = Schema::new(Type::Struct).optional().named("n");
        source.version = Some(3);
        source.doc = Some("d".into());
        source.default = Some(Value::Null);
        let int = Arc::new(Schema::new(Type::Int32));
        let built = struct_schema(Some(&source), [("a".to_owned(), int.clone())]).unwrap();
        assert_eq!(built.name.as_deref(), Some("n"));
        assert_eq!(built.version, Some(3));
        assert_eq!(built.doc.as_deref(), Some("d"));
        assert!(!built.optional);
        assert_eq!(built.default, None);
        let dup = struct_schema(None, [("a".to_owned(), int.clone()), ("a".to_owned(), int.clone())]);
        assert_eq!(dup.unwrap_err().to_string(), "Cannot create field because of field name duplication a");
        let empty = struct_schema(None, [(String::new(), int)]);
        assert_eq!(empty.unwrap_err().to_string(), "fieldName cannot be null.");
    }

    #[test]
    fn unique_lists_follow_valid_list() {
        assert_eq!(unique_list(&props(&[("f", "a, b")]), "f", true, false).unwrap(), ["a", "b"]);
        assert_eq!(
            unique_list(&props(&[]), "f", true, false).unwrap_err().to_string(),
            "Missing required configuration \"f\" which has no default value."
        );
        assert_eq!(
            unique_list(&props(&[("f", "")]), "f", true, false).unwrap_err().to_string(),
            "Configuration 'f' must not be empty. Valid values include: any non-empty value"
        );
        assert!(unique_list(&props(&[("f", "")]), "f", false, true).unwrap().is_empty());
        assert_eq!(unique_list(&props(&[("f", "a,b,a")]), "f", true, false).unwrap(), ["a", "b"]);
        assert_eq!(
            duplicate_warning(&props(&[("f", "a,b,a")]), "f").as_deref(),
            Some(
                "Configuration key \"f\" contains duplicate values. Duplicates will be removed. The original value \
                 is: [a, b, a], the updated value is: [a, b]"
            )
        );
        assert_eq!(duplicate_warning(&props(&[("f", "a,b")]), "f"), None);
        assert_eq!(
            unique_list(&props(&[("f", "a,,b")]), "f", true, false).unwrap_err().to_string(),
            "Configuration 'f' values must not be empty."
        );
    }

    #[test]
    fn cache_hits_by_pointer_and_evicts_oldest() {
        let cache: SchemaCache<u32> = SchemaCache::default();
        let first = Arc::new(Schema::new(Type::Int32));
        let mut builds = 0;
        for _ in 0..3 {
            let got = cache.get_or_try_insert::<()>(&first, || {
                builds += 1;
                Ok(7)
            });
            assert_eq!(got, Ok(7));
        }
        assert_eq!(builds, 1);
        // An equal schema in another Arc is a miss (rebuilt), never a wrong hit.
        let twin = Arc::new(Schema::new(Type::Int32));
        assert_eq!(cache.get_or_try_insert::<()>(&twin, || Ok(8)), Ok(8));
        let others: Vec<SchemaRef> =
            (0..SCHEMA_CACHE_CAPACITY).map(|_| Arc::new(Schema::new(Type::Int8))).collect();
        for s in &others {
            cache.get_or_try_insert::<()>(s, || Ok(0)).unwrap();
        }
        assert_eq!(cache.get_or_try_insert::<()>(&first, || Ok(9)), Ok(9), "evicted, rebuilt");
        assert_eq!(
            cache.get_or_try_insert::<&str>(&Arc::new(Schema::new(Type::Int8)), || Err("no")),
            Err("no")
        );
    }

    #[test]
    fn hits_by_pointer_or_value_and_evicts_the_oldest() {
        let cache = SchemaCache::new();
        let mut builds = 0;
        let key = Arc::new(Schema::new(Type::Int32));
        for _ in 0..3 {
            cache
                .get_or_build(&key, || {
                    builds += 1;
                    Ok(Arc::new(Schema::new(Type::Int64)))
                })
                .unwrap();
        }
        let equal = Arc::new(Schema::new(Type::Int32));
        cache.get_or_build(&equal, || unreachable!("equal schemas hit")).unwrap();
        assert_eq!(builds, 1);
        for i in 0..SCHEMA_CACHE_CAPACITY {
            let other = Arc::new(Schema::new(Type::String).named(i.to_string()));
            cache.get_or_build(&other, || Ok(Arc::clone(&other))).unwrap();
        }
        let rebuilt = cache.get_or_build(&key, || Ok(Arc::new(Schema::new(Type::Boolean)))).unwrap();
        assert_eq!(rebuilt.kind, Type::Boolean);
    }

    #[test]
    fn recently_used_entries_outlive_older_ones() {
        let cache: SchemaCache<u32> = SchemaCache::default();
        let first = Arc::new(Schema::new(Type::Int32));
        cache.get_or_try_insert::<()>(&first, || Ok(1)).unwrap();
        for i in 0..SCHEMA_CACHE_CAPACITY - 1 {
            let other = Arc::new(Schema::new(Type::Int8));
            cache.get_or_try_insert::<()>(&other, || Ok(i as u32)).unwrap();
            // Touching `first` keeps it from being the least recently used entry.
            assert_eq!(cache.get_or_try_insert::<()>(&first, || Ok(99)), Ok(1));
        }
        let newest = Arc::new(Schema::new(Type::Int16));
        cache.get_or_try_insert::<()>(&newest, || Ok(7)).unwrap();
        assert_eq!(cache.get_or_try_insert::<()>(&first, || Ok(99)), Ok(1), "kept over older entries");
    }

    #[test]
    fn map_update_replaces_in_place_or_appends() {
        let mut entries = vec![(Value::String("a".into()), Value::Int32(1)), (Value::Int32(0), Value::Null)];
        map_update::<()>(&mut entries, "a", |v| Ok(Value::Array(vec![v]))).unwrap();
        map_update::<()>(&mut entries, "b", |v| Ok(Value::Array(vec![v]))).unwrap();
        assert_eq!(
            entries,
            [
                (Value::String("a".into()), Value::Array(vec![Value::Int32(1)])),
                (Value::Int32(0), Value::Null),
                (Value::String("b".into()), Value::Array(vec![Value::Null])),
            ]
        );
        assert_eq!(map_update(&mut entries, "a", |_| Err("no")), Err("no"));
    }

    #[test]
    fn put_looks_fields_up_by_name_and_checks_nulls() {
        let schema = Arc::new(Schema::structure([
            ("a".to_owned(), Arc::new(Schema::new(Type::Int32))),
            ("b".to_owned(), Arc::new(Schema::new(Type::Int32).optional())),
        ]));
        let mut target = Struct::new(schema);
        put(&mut target, "b", Value::Int32(2)).unwrap();
        assert_eq!(target.values, [Value::Null, Value::Int32(2)]);
        assert_eq!(
            put(&mut target, "c", Value::Null).unwrap_err().to_string(),
            "c is not a valid field name"
        );
        assert_eq!(
            put(&mut target, "a", Value::Null).unwrap_err().to_string(),
            "Invalid value: null used for required field: \"a\", schema type: INT32"
        );
    }

    #[test]
    fn abstract_names_suggest_the_variants() {
        assert_eq!(
            abstract_transform("MaskField").to_string(),
            "This class is abstract and cannot be created. Did you mean \
             org.apache.kafka.connect.transforms.MaskField$Key, org.apache.kafka.connect.transforms.MaskField$Value?"
        );
    }
}
