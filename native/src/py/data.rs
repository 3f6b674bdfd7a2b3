//! Connect data across the boundary: engine.api `Schema`, `Struct`, `Header`, `SinkRecord` and
//! Python values ⇄ the Rust data model (`crate::data`).
//!
//! Python values map as engine.api documents them: `None`, `bool`, `int` (INT8..INT64 by the
//! schema, INT64 without one), `float` (FLOAT32/FLOAT64 by the schema), `str`, `bytes`, `list`,
//! `dict`, `Struct`, and for the logical types `decimal.Decimal`, `datetime.date`,
//! `datetime.time` and `datetime.datetime` (naive ones read as UTC; Rust gives back aware UTC).
//!
//! Schemas are converted once: connectors hand the same `Schema` object to every record, and a
//! converter hands out the same `Arc` for the same schema, so both directions are cached by
//! identity with the source kept alive (an id cannot be reused while its object lives).

use std::collections::HashMap;
use std::sync::Arc;

use pyo3::exceptions::{PyException, PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict, PyFloat,
    PyInt, PyList, PyString, PyTime, PyTimeAccess, PyTuple, PyType, PyTzInfo,
};
use pyo3::{intern, IntoPyObjectExt};

use crate::data::calendar::{days_from_gregorian, gregorian_from_days, MILLIS_PER_DAY};
use crate::data::display::{format_java_float, java_to_string, FloatBuf, JavaDisplay};
use crate::data::{logical, Decimal, Field, Header, Record, Schema, SchemaRef, Struct, Type, Value};

/// Entries per cache direction before it is cleared: connectors normally use a handful of schemas,
/// but one that builds a new schema object per record must not grow memory without bound.
const CACHE_LIMIT: usize = 4096;

/// Every `Type`, in the order of [`Api::types`].
const TYPES: [Type; 12] = [
    Type::Int8,
    Type::Int16,
    Type::Int32,
    Type::Int64,
    Type::Float32,
    Type::Float64,
    Type::Boolean,
    Type::String,
    Type::Bytes,
    Type::Array,
    Type::Map,
    Type::Struct,
];

/// The engine.api classes the conversion recognises and creates, imported once per interpreter.
struct Api {
    schema: Py<PyType>,
    field: Py<PyType>,
    /// `engine.api.schema.Type` members, in the order of [`TYPES`].
    types: Vec<Py<PyAny>>,
    struct_type: Py<PyType>,
    header: Py<PyType>,
    sink_record: Py<PyType>,
    decimal: Py<PyType>,
    /// `object.__new__`, to create instances without running a Python `__init__`.
    object_new: Py<PyAny>,
}

static API: PyOnceLock<Api> = PyOnceLock::new();

fn api(py: Python<'_>) -> PyResult<&Api> {
    API.get_or_try_init(py, || {
        let schema_module = py.import("engine.api.schema")?;
        let records = py.import("engine.api.records")?;
        let type_enum = schema_module.getattr("Type")?;
        let types = TYPES
            .iter()
            .map(|t| type_enum.call1((t.lower_name(),)).map(Bound::unbind))
            .collect::<PyResult<Vec<_>>>()?;
        let class = |module: &Bound<'_, PyModule>, name: &str| -> PyResult<Py<PyType>> {
            Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        Ok(Api {
            schema: class(&schema_module, "Schema")?,
            field: class(&schema_module, "Field")?,
            types,
            struct_type: class(&schema_module, "Struct")?,
            header: class(&records, "Header")?,
            sink_record: class(&records, "SinkRecord")?,
            decimal: class(&py.import("decimal")?, "Decimal")?,
            object_new: py.import("builtins")?.getattr("object")?.getattr("__new__")?.unbind(),
        })
    })
}

/// An instance of `cls`, a `__slots__` class, made without running its `__init__` (a Python frame
/// per record, ~1 µs for the frozen dataclass `SinkRecord`), with `attrs` set through
/// `object.__setattr__`, which a frozen dataclass's own guard does not intercept. Only for classes
/// whose `__init__` does nothing but store these attributes.
fn new_slotted<'py>(
    py: Python<'py>,
    api: &Api,
    cls: &Bound<'py, PyType>,
    attrs: &[(&Bound<'py, PyString>, Bound<'py, PyAny>)],
) -> PyResult<Bound<'py, PyAny>> {
    let obj = api.object_new.bind(py).call1((cls,))?;
    for (name, value) in attrs {
        // SAFETY: `obj`, `name` and `value` are live references owned for the whole call;
        // PyObject_GenericSetAttr only borrows them, and returns -1 with an exception set on error.
        let status =
            unsafe { pyo3::ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr()) };
        if status != 0 {
            return Err(PyErr::fetch(py));
        }
    }
    Ok(obj)
}

fn type_index(kind: Type) -> usize {
    TYPES.iter().position(|t| *t == kind).unwrap_or(0)
}

fn data_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// Whether a conversion failure belongs to one record (an `Exception`) rather than to the whole
/// call (`KeyboardInterrupt`, `SystemExit`, which must propagate).
pub fn is_record_failure(py: Python<'_>, err: &PyErr) -> bool {
    err.is_instance_of::<PyException>(py)
}

/// The message of a record-level failure: the exception's text, or its type when it has none.
pub fn failure_message(py: Python<'_>, err: &PyErr) -> String {
    let text = err.value(py).to_string();
    if text.is_empty() {
        err.get_type(py).name().map_or_else(|_| "error".to_owned(), |n| n.to_string())
    } else {
        text
    }
}

/// Both directions of schema conversion, cached by identity.
#[derive(Default)]
pub struct DataConverter {
    to_rust: HashMap<usize, (Py<PyAny>, SchemaRef)>,
    to_python: HashMap<usize, (SchemaRef, Py<PyAny>)>,
    /// The key and value schemas [`Self::check_sink_record`] last converted. A batch's records
    /// share them, and a schema that converted once converts again, so the next record with the
    /// same ones skips two cache lookups (held here, so their identity cannot be reused).
    checked: Option<(Option<SchemaRef>, Option<SchemaRef>)>,
}

impl DataConverter {
    // ---- Python → Rust ----

    /// The Rust schema of an engine.api `Schema`.
    ///
    /// # Errors
    /// A `ValueError`/`TypeError` when the object is not a usable schema.
    pub fn schema_from_py(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<SchemaRef> {
        let id = obj.as_ptr() as usize;
        if let Some((_, schema)) = self.to_rust.get(&id) {
            return Ok(schema.clone());
        }
        let schema = Arc::new(self.build_schema(obj)?);
        if self.to_rust.len() >= CACHE_LIMIT {
            self.to_rust.clear();
        }
        self.to_rust.insert(id, (obj.clone().unbind(), schema.clone()));
        Ok(schema)
    }

    fn optional_schema(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Option<SchemaRef>> {
        if obj.is_none() {
            Ok(None)
        } else {
            self.schema_from_py(obj).map(Some)
        }
    }

    fn build_schema(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Schema> {
        let py = obj.py();
        let type_name: String = obj.getattr(intern!(py, "type"))?.getattr(intern!(py, "value"))?.extract()?;
        let kind = TYPES
            .into_iter()
            .find(|t| t.lower_name() == type_name)
            .ok_or_else(|| data_error(format!("Unknown schema type {type_name}")))?;
        let mut schema = Schema::new(kind);
        schema.optional = obj.getattr(intern!(py, "optional"))?.is_truthy()?;
        schema.name = obj.getattr(intern!(py, "name"))?.extract()?;
        schema.version = obj.getattr(intern!(py, "version"))?.extract()?;
        schema.doc = obj.getattr(intern!(py, "doc"))?.extract()?;
        let parameters = obj.getattr(intern!(py, "parameters"))?;
        if !parameters.is_none() {
            let mut pairs = Vec::new();
            for item in parameters.call_method0(intern!(py, "items"))?.try_iter()? {
                pairs.push(item?.extract::<(String, String)>()?);
            }
            schema.parameters = Some(pairs);
        }
        for (index, field) in obj.getattr(intern!(py, "fields"))?.try_iter()?.enumerate() {
            let field = field?;
            let name: String = field.getattr(intern!(py, "name"))?.extract()?;
            let field_schema = self.schema_from_py(&field.getattr(intern!(py, "schema"))?)?;
            schema.fields.push(Field { name, index, schema: field_schema });
        }
        schema.key_schema = self.optional_schema(&obj.getattr(intern!(py, "key_schema"))?)?;
        schema.value_schema = self.optional_schema(&obj.getattr(intern!(py, "value_schema"))?)?;
        let default = obj.getattr(intern!(py, "default"))?;
        if !default.is_none() {
            let value = self.value_from_py(&default, Some(&schema))?;
            schema.default = Some(value);
        }
        Ok(schema)
    }

    /// The Rust value of a Python value; `schema` picks integer widths and logical types.
    ///
    /// # Errors
    /// A `ValueError`/`TypeError`/`OverflowError` for a value with no Connect equivalent.
    pub fn value_from_py(&mut self, obj: &Bound<'_, PyAny>, schema: Option<&Schema>) -> PyResult<Value> {
        if obj.is_none() {
            return Ok(Value::Null);
        }
        // The common types first, by exact checks; everything else in a cold path.
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Value::String(s.to_str()?.to_owned()));
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return Ok(Value::Boolean(b.is_true()));
        }
        if obj.is_instance_of::<PyInt>() {
            return int_value(obj, schema);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            let v = f.value();
            return Ok(match schema.map(|s| s.kind) {
                Some(Type::Float32) => Value::Float32(v as f32),
                _ => Value::Float64(v),
            });
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Value::Bytes(b.as_bytes().to_vec()));
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            let items = schema.and_then(|s| s.value_schema.clone());
            let mut out = Vec::with_capacity(obj.len()?);
            for item in obj.try_iter()? {
                out.push(self.value_from_py(&item?, items.as_deref())?);
            }
            return Ok(Value::Array(out));
        }
        if let Ok(dict) = obj.cast::<PyDict>() {
            let keys = schema.and_then(|s| s.key_schema.clone());
            let values = schema.and_then(|s| s.value_schema.clone());
            let mut out = Vec::with_capacity(dict.len());
            for (k, v) in dict.iter() {
                out.push((
                    self.value_from_py(&k, keys.as_deref())?,
                    self.value_from_py(&v, values.as_deref())?,
                ));
            }
            return Ok(Value::Map(out));
        }
        self.rare_value_from_py(obj, schema)
    }

    #[inline(never)]
    fn rare_value_from_py(&mut self, obj: &Bound<'_, PyAny>, schema: Option<&Schema>) -> PyResult<Value> {
        let py = obj.py();
        let api = api(py)?;
        if obj.is_instance(api.struct_type.bind(py))? {
            return self.struct_from_py(obj);
        }
        if obj.is_instance(api.decimal.bind(py))? {
            let text = obj.str()?.to_string();
            return Decimal::parse(&text)
                .map(Value::Decimal)
                .map_err(|_| data_error(format!("Decimal value {text} is not a finite number")));
        }
        // datetime is a subclass of date: test it first.
        if let Ok(dt) = obj.cast::<PyDateTime>() {
            return Ok(Value::Timestamp(datetime_millis(dt)?));
        }
        if let Ok(date) = obj.cast::<PyDate>() {
            let days = days_from_gregorian(
                i64::from(date.get_year()),
                u32::from(date.get_month()),
                i64::from(date.get_day()),
            );
            return Ok(Value::Date(days as i32));
        }
        if let Ok(time) = obj.cast::<PyTime>() {
            return Ok(Value::Time(time_millis(time) as i32));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Value::Bytes(b.to_vec()));
        }
        if obj.hasattr(intern!(py, "__buffer__"))? {
            // memoryview and other buffers: their bytes, as `bytes(obj)` gives them.
            let bytes = py.get_type::<PyBytes>().call1((obj,))?;
            return self.value_from_py(&bytes, schema);
        }
        Err(PyTypeError::new_err(format!(
            "Python type {} has no corresponding Connect schema type",
            obj.get_type().name()?
        )))
    }

    fn struct_from_py(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
        let py = obj.py();
        let schema = self.schema_from_py(&obj.getattr(intern!(py, "schema"))?)?;
        // engine.api.Struct keeps its values in field order in `_values`; reading the list skips
        // a Python call per field.
        let raw = obj.getattr(intern!(py, "_values"))?;
        let raw = raw.cast::<PyList>()?;
        let mut values = Vec::with_capacity(schema.fields.len());
        for (field, item) in schema.fields.iter().zip(raw.iter()) {
            values.push(self.value_from_py(&item, Some(&field.schema))?);
        }
        values.resize(schema.fields.len(), Value::Null);
        Ok(Value::Struct(Struct { schema, values }))
    }

    /// A schema attribute and the value guided by it, as one converter stage reads them.
    fn schema_and_value(
        &mut self,
        schema: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<(Option<SchemaRef>, Value)> {
        let schema = self.optional_schema(schema)?;
        let value = self.value_from_py(value, schema.as_deref())?;
        Ok((schema, value))
    }

    /// The Rust record of an engine.api `SourceRecord`. The outer error is a malformed record
    /// object (raised to the caller); the inner one names the converter stage whose data failed.
    ///
    /// # Errors
    /// A `TypeError` when topic, partition or timestamp have the wrong type.
    pub fn source_record(
        &mut self,
        obj: &Bound<'_, PyAny>,
    ) -> PyResult<Result<Record, (crate::pipeline::Stage, PyErr)>> {
        use crate::pipeline::Stage;
        let py = obj.py();
        let topic: String = obj.getattr(intern!(py, "topic"))?.extract()?;
        let partition: Option<i32> = obj.getattr(intern!(py, "kafka_partition"))?.extract()?;
        let timestamp: Option<i64> = obj.getattr(intern!(py, "timestamp"))?.extract()?;
        let key = self
            .schema_and_value(&obj.getattr(intern!(py, "key_schema"))?, &obj.getattr(intern!(py, "key"))?);
        let (key_schema, key) = match key {
            Ok(kv) => kv,
            Err(err) => return Ok(Err((Stage::KeyConverter, err))),
        };
        let value = self.schema_and_value(
            &obj.getattr(intern!(py, "value_schema"))?,
            &obj.getattr(intern!(py, "value"))?,
        );
        let (value_schema, value) = match value {
            Ok(kv) => kv,
            Err(err) => return Ok(Err((Stage::ValueConverter, err))),
        };
        let mut headers = Vec::new();
        for header in obj.getattr(intern!(py, "headers"))?.try_iter()? {
            let header = header?;
            let key: String = header.getattr(intern!(py, "key"))?.extract()?;
            match self.schema_and_value(
                &header.getattr(intern!(py, "schema"))?,
                &header.getattr(intern!(py, "value"))?,
            ) {
                Ok((schema, value)) => headers.push(Header { key, schema, value }),
                Err(err) => return Ok(Err((Stage::HeaderConverter, err))),
            }
        }
        Ok(Ok(Record {
            topic,
            partition,
            offset: None,
            timestamp,
            key_schema,
            key,
            value_schema,
            value,
            headers,
        }))
    }

    // ---- Rust → Python ----

    /// The engine.api `Schema` of a Rust schema.
    ///
    /// # Errors
    /// A Python error from building the objects (e.g. a default out of Python's date range).
    pub fn schema_to_py<'py>(&mut self, py: Python<'py>, schema: &SchemaRef) -> PyResult<Bound<'py, PyAny>> {
        let id = Arc::as_ptr(schema) as usize;
        if let Some((_, obj)) = self.to_python.get(&id) {
            return Ok(obj.bind(py).clone());
        }
        let obj = self.build_py_schema(py, schema)?;
        if self.to_python.len() >= CACHE_LIMIT {
            self.to_python.clear();
        }
        self.to_python.insert(id, (schema.clone(), obj.clone().unbind()));
        Ok(obj)
    }

    fn optional_schema_to_py<'py>(
        &mut self,
        py: Python<'py>,
        schema: Option<&SchemaRef>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match schema {
            Some(schema) => self.schema_to_py(py, schema),
            None => Ok(py.None().into_bound(py)),
        }
    }

    fn build_py_schema<'py>(&mut self, py: Python<'py>, schema: &SchemaRef) -> PyResult<Bound<'py, PyAny>> {
        let api = api(py)?;
        let default = match &schema.default {
            Some(value) => self.value_to_py(py, value)?,
            None => py.None().into_bound(py),
        };
        let parameters = match &schema.parameters {
            Some(pairs) => {
                let dict = PyDict::new(py);
                for (k, v) in pairs {
                    dict.set_item(k, v)?;
                }
                dict.into_any()
            }
            None => py.None().into_bound(py),
        };
        let mut fields = Vec::with_capacity(schema.fields.len());
        for field in &schema.fields {
            let field_schema = self.schema_to_py(py, &field.schema)?;
            fields.push(api.field.bind(py).call1((field.name.as_str(), field.index, field_schema))?);
        }
        let key_schema = self.optional_schema_to_py(py, schema.key_schema.as_ref())?;
        let value_schema = self.optional_schema_to_py(py, schema.value_schema.as_ref())?;
        let args = (
            api.types[type_index(schema.kind)].bind(py),
            schema.optional,
            default,
            schema.name.as_deref(),
            schema.version,
            schema.doc.as_deref(),
            parameters,
            PyTuple::new(py, fields)?,
            key_schema,
            value_schema,
        );
        api.schema.bind(py).call1(args)
    }

    /// The Python value of a Rust value.
    ///
    /// # Errors
    /// A Python error for a value Python cannot hold (a date outside years 1..=9999, an
    /// unhashable map key).
    pub fn value_to_py<'py>(&mut self, py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
        match value {
            Value::Null => Ok(py.None().into_bound(py)),
            Value::Boolean(b) => b.into_bound_py_any(py),
            Value::Int8(v) => v.into_bound_py_any(py),
            Value::Int16(v) => v.into_bound_py_any(py),
            Value::Int32(v) => v.into_bound_py_any(py),
            Value::Int64(v) => v.into_bound_py_any(py),
            Value::Float32(v) => {
                // The float Java prints (Float.toString's shortest digits), not the binary
                // expansion: 1.1f becomes 1.1, as a Java sink would write it.
                let mut buf = FloatBuf::default();
                let v = format_java_float(*v, &mut buf).parse::<f64>().unwrap_or(f64::from(*v));
                v.into_bound_py_any(py)
            }
            Value::Float64(v) => v.into_bound_py_any(py),
            Value::String(s) => Ok(PyString::new(py, s).into_any()),
            Value::Bytes(b) => Ok(PyBytes::new(py, b).into_any()),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.value_to_py(py, item)?)?;
                }
                Ok(list.into_any())
            }
            Value::Map(entries) => {
                let dict = PyDict::new(py);
                for (k, v) in entries {
                    dict.set_item(self.value_to_py(py, k)?, self.value_to_py(py, v)?)?;
                }
                Ok(dict.into_any())
            }
            Value::Struct(s) => {
                let api = api(py)?;
                let schema = self.schema_to_py(py, &s.schema)?;
                let values = PyList::empty(py);
                for v in &s.values {
                    values.append(self.value_to_py(py, v)?)?;
                }
                // engine.api.Struct's __init__ checks the schema is a struct's (it is) and
                // stores it with a list of Nones: set both slots directly instead.
                new_slotted(
                    py,
                    api,
                    api.struct_type.bind(py),
                    &[
                        (intern!(py, "schema"), schema.into_any()),
                        (intern!(py, "_values"), values.into_any()),
                    ],
                )
            }
            Value::Decimal(d) => api(py)?.decimal.bind(py).call1((d.to_java_string(),)),
            Value::Date(days) => {
                let date = gregorian_from_days(i64::from(*days));
                let year = python_year(date.year)?;
                Ok(PyDate::new(py, year, date.month as u8, date.day as u8)?.into_any())
            }
            Value::Time(millis) => {
                let (h, m, s, us) = time_of_day(i64::from(*millis));
                Ok(PyTime::new(py, h, m, s, us, None)?.into_any())
            }
            Value::Timestamp(millis) => {
                let date = gregorian_from_days(millis.div_euclid(MILLIS_PER_DAY));
                let (h, m, s, us) = time_of_day(*millis);
                let utc = PyTzInfo::utc(py)?.to_owned();
                let year = python_year(date.year)?;
                Ok(PyDateTime::new(py, year, date.month as u8, date.day as u8, h, m, s, us, Some(&utc))?
                    .into_any())
            }
        }
    }

    /// An engine.api `Header`.
    fn header_to_py<'py>(&mut self, py: Python<'py>, header: &Header) -> PyResult<Bound<'py, PyAny>> {
        let schema = self.optional_schema_to_py(py, header.schema.as_ref())?;
        let value = self.value_to_py(py, &header.value)?;
        api(py)?.header.bind(py).call1((header.key.as_str(), value, schema))
    }

    /// The engine.api `SinkRecord` of a converted and transformed record. The error names the
    /// converter stage whose data Python cannot hold. With `value_text`, the record also carries
    /// Java's `String.valueOf` of its value (`SinkRecord._value_text`, for `value_text()`),
    /// computed here from the Rust value, which costs a fraction of doing it from Python objects.
    ///
    /// # Errors
    /// The stage and the Python error.
    pub fn sink_record<'py>(
        &mut self,
        py: Python<'py>,
        record: &Record,
        default_partition: i32,
        default_offset: i64,
        value_text: bool,
    ) -> Result<Bound<'py, PyAny>, (crate::pipeline::Stage, PyErr)> {
        use crate::pipeline::Stage;
        let part = |stage: Stage| move |err: PyErr| (stage, err);
        let key_schema =
            self.optional_schema_to_py(py, record.key_schema.as_ref()).map_err(part(Stage::KeyConverter))?;
        let key = self.value_to_py(py, &record.key).map_err(part(Stage::KeyConverter))?;
        let value_schema = self
            .optional_schema_to_py(py, record.value_schema.as_ref())
            .map_err(part(Stage::ValueConverter))?;
        let value = self.value_to_py(py, &record.value).map_err(part(Stage::ValueConverter))?;
        let mut headers = Vec::with_capacity(record.headers.len());
        for header in &record.headers {
            headers.push(self.header_to_py(py, header).map_err(part(Stage::HeaderConverter))?);
        }
        let headers = PyTuple::new(py, headers).map_err(part(Stage::HeaderConverter))?;
        let timestamp_type = if record.timestamp.is_some() {
            intern!(py, "CreateTime")
        } else {
            intern!(py, "NoTimestampType")
        };
        let build = || -> PyResult<Bound<'py, PyAny>> {
            let api = api(py)?;
            // engine.api.records.SinkRecord is a frozen, slotted dataclass without __post_init__.
            new_slotted(
                py,
                api,
                api.sink_record.bind(py),
                &[
                    (intern!(py, "topic"), record.topic.as_str().into_bound_py_any(py)?),
                    (
                        intern!(py, "kafka_partition"),
                        record.partition.unwrap_or(default_partition).into_bound_py_any(py)?,
                    ),
                    (intern!(py, "key_schema"), key_schema.into_bound_py_any(py)?),
                    (intern!(py, "key"), key),
                    (intern!(py, "value_schema"), value_schema.into_bound_py_any(py)?),
                    (intern!(py, "value"), value),
                    (
                        intern!(py, "kafka_offset"),
                        record.offset.unwrap_or(default_offset).into_bound_py_any(py)?,
                    ),
                    (intern!(py, "timestamp"), record.timestamp.into_bound_py_any(py)?),
                    (intern!(py, "timestamp_type"), timestamp_type.clone().into_any()),
                    (intern!(py, "headers"), headers.into_any()),
                    (
                        intern!(py, "_value_text"),
                        if value_text && same_text_as_python(&record.value) {
                            PyString::new(py, &java_to_string(&record.value)).into_any()
                        } else {
                            py.None().into_bound(py)
                        },
                    ),
                ],
            )
        };
        build().map_err(part(Stage::Transformation))
    }

    /// Prepares `record` for a later [`Self::sink_record`], failing now where that call would:
    /// its schemas become Python objects (cached by identity, so the later call finds them), and
    /// a key, value or header value Python cannot hold ([`python_can_hold`]) is converted at once
    /// for its error. A sink batch then builds its `SinkRecord`s only when a task touches them,
    /// yet a record Python cannot represent still fails in its converter stage before `put()`.
    ///
    /// # Errors
    /// The stage and the Python error, as `sink_record` reports them.
    pub fn check_sink_record(
        &mut self,
        py: Python<'_>,
        record: &Record,
    ) -> Result<(), (crate::pipeline::Stage, PyErr)> {
        use crate::pipeline::Stage;
        let part = |stage: Stage| move |err: PyErr| (stage, err);
        let known = self.checked.as_ref().is_some_and(|(key, value)| {
            same_schema(key.as_ref(), record.key_schema.as_ref())
                && same_schema(value.as_ref(), record.value_schema.as_ref())
        });
        if !known {
            self.optional_schema_to_py(py, record.key_schema.as_ref()).map_err(part(Stage::KeyConverter))?;
            self.optional_schema_to_py(py, record.value_schema.as_ref())
                .map_err(part(Stage::ValueConverter))?;
            self.checked = Some((record.key_schema.clone(), record.value_schema.clone()));
        }
        for header in &record.headers {
            self.optional_schema_to_py(py, header.schema.as_ref()).map_err(part(Stage::HeaderConverter))?;
        }
        let holds = python_can_hold(&record.key)
            && python_can_hold(&record.value)
            && record.headers.iter().all(|header| python_can_hold(&header.value));
        if holds {
            Ok(())
        } else {
            // The conversion itself says which part fails and why, in the words it always used.
            self.sink_record(py, record, 0, 0, false).map(drop)
        }
    }
}

/// Whether two optional schemas are the same object.
fn same_schema(a: Option<&SchemaRef>, b: Option<&SchemaRef>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Whether `java_to_string` of `value` is the text `engine.api.display.to_java_string` gives for
/// its Python value. Not for bytes (Java's `[B@hash`, where Python prints the bytes) nor dates and
/// times (Java's `Date.toString`, where Python prints ISO 8601): for those the record carries no
/// text and Python computes it, so a value's text never depends on the path it took.
fn same_text_as_python(value: &Value) -> bool {
    match value {
        Value::Bytes(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => false,
        Value::Array(items) => items.iter().all(same_text_as_python),
        Value::Map(entries) => entries.iter().all(|(k, v)| same_text_as_python(k) && same_text_as_python(v)),
        Value::Struct(s) => s.values.iter().all(same_text_as_python),
        _ => true,
    }
}

/// Appends Java's `String.valueOf(value)` to `out` when it is the text Python would give
/// ([`same_text_as_python`]); false (and `out` unchanged) otherwise.
pub fn push_value_text(value: &Value, out: &mut String) -> bool {
    use std::fmt::Write as _;
    same_text_as_python(value) && write!(out, "{}", JavaDisplay(value)).is_ok()
}

/// Whether [`DataConverter::value_to_py`] can build `value`: every date and timestamp falls in
/// Python's years, and no map has a list or a map (unhashable in Python) as a key.
fn python_can_hold(value: &Value) -> bool {
    match value {
        Value::Date(days) => python_year_ok(gregorian_from_days(i64::from(*days)).year),
        Value::Timestamp(millis) => {
            python_year_ok(gregorian_from_days(millis.div_euclid(MILLIS_PER_DAY)).year)
        }
        Value::Array(items) => items.iter().all(python_can_hold),
        Value::Map(entries) => entries.iter().all(|(k, v)| {
            !matches!(k, Value::Array(_) | Value::Map(_)) && python_can_hold(k) && python_can_hold(v)
        }),
        Value::Struct(s) => s.values.iter().all(python_can_hold),
        _ => true,
    }
}

// An int where a float is declared becomes the nearest float, as Python arithmetic would.
#[allow(clippy::cast_precision_loss)]
fn int_value(obj: &Bound<'_, PyAny>, schema: Option<&Schema>) -> PyResult<Value> {
    let v: i64 = obj
        .extract()
        .map_err(|_| PyOverflowError::new_err(format!("Integer {obj} does not fit in a Connect INT64")))?;
    let Some(schema) = schema else {
        return Ok(Value::Int64(v));
    };
    let out_of_range = || {
        data_error(format!(
            "Invalid Java object for schema with type {}: class java.lang.Long (value {v} is out of range)",
            schema.kind
        ))
    };
    Ok(match (schema.kind, schema.logical_name()) {
        (Type::Int32, Some(logical::DATE)) => Value::Date(i32::try_from(v).map_err(|_| out_of_range())?),
        (Type::Int32, Some(logical::TIME)) => Value::Time(i32::try_from(v).map_err(|_| out_of_range())?),
        (Type::Int64, Some(logical::TIMESTAMP)) => Value::Timestamp(v),
        (Type::Int8, _) => Value::Int8(i8::try_from(v).map_err(|_| out_of_range())?),
        (Type::Int16, _) => Value::Int16(i16::try_from(v).map_err(|_| out_of_range())?),
        (Type::Int32, _) => Value::Int32(i32::try_from(v).map_err(|_| out_of_range())?),
        (Type::Float32, _) => Value::Float32(v as f32),
        (Type::Float64, _) => Value::Float64(v as f64),
        _ => Value::Int64(v),
    })
}

/// Epoch milliseconds of a `datetime` (naive = UTC), truncating microseconds as Java's `Date`.
fn datetime_millis(dt: &Bound<'_, PyDateTime>) -> PyResult<i64> {
    let days =
        days_from_gregorian(i64::from(dt.get_year()), u32::from(dt.get_month()), i64::from(dt.get_day()));
    let mut micros = days * MILLIS_PER_DAY * 1000
        + time_micros(dt.get_hour(), dt.get_minute(), dt.get_second(), dt.get_microsecond());
    let offset = dt.call_method0(intern!(dt.py(), "utcoffset"))?;
    if let Ok(delta) = offset.cast::<PyDelta>() {
        micros -= (i64::from(delta.get_days()) * 86_400 + i64::from(delta.get_seconds())) * 1_000_000
            + i64::from(delta.get_microseconds());
    }
    Ok(micros.div_euclid(1000))
}

fn time_millis(time: &Bound<'_, PyTime>) -> i64 {
    time_micros(time.get_hour(), time.get_minute(), time.get_second(), time.get_microsecond()) / 1000
}

fn time_micros(hour: u8, minute: u8, second: u8, micro: u32) -> i64 {
    ((i64::from(hour) * 60 + i64::from(minute)) * 60 + i64::from(second)) * 1_000_000 + i64::from(micro)
}

/// (hour, minute, second, microsecond) of the time of day of epoch milliseconds.
fn time_of_day(millis: i64) -> (u8, u8, u8, u32) {
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    ((ms / 3_600_000) as u8, (ms / 60_000 % 60) as u8, (ms / 1000 % 60) as u8, (ms % 1000 * 1000) as u32)
}

fn python_year_ok(year: i64) -> bool {
    (1..=9999).contains(&year)
}

fn python_year(year: i64) -> PyResult<i32> {
    if python_year_ok(year) {
        Ok(year as i32)
    } else {
        Err(data_error(format!("Year {year} is outside the range Python's datetime supports (1..9999)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day_wraps_negative_instants() {
        assert_eq!(time_of_day(-1), (23, 59, 59, 999_000));
        assert_eq!(time_of_day(45_296_789), (12, 34, 56, 789_000));
    }
}
