//! `engine._native.Pipeline`: converters plus transform chain, one call per batch.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple, PyType};

use super::data::{failure_message, is_record_failure, push_value_text, DataConverter};
use crate::data::{Record, Value};
use crate::pipeline::{OutEntry, Pipeline, RecordBatch, RecordError, RecordIn, Slot, Span, Stage};
use crate::smt::{PredicateConfig, StageConfig};

type Props = BTreeMap<String, String>;
/// `(alias, type, props, predicate alias, predicate type, predicate props, negate)`.
type StageTuple = (String, String, Props, Option<String>, Option<String>, Option<Props>, bool);

/// The pipeline of one task. The mutexes only satisfy pyo3's `Sync` bound: a task calls it from
/// one thread, so they are never contended, and a second thread gets an error instead of a wait
/// (waiting on a lock while the first thread needs the interpreter back could deadlock).
#[pyclass(name = "Pipeline", module = "engine._native", frozen)]
pub struct PyPipeline {
    inner: Mutex<Pipeline>,
    data: Mutex<DataConverter>,
}

/// A record error from a Python exception raised while converting one record's data.
fn record_failure(py: Python<'_>, stage: Stage, err: &PyErr) -> PyResult<RecordError> {
    if is_record_failure(py, err) {
        Ok(RecordError::new(stage, failure_message(py, err)))
    } else {
        Err(err.clone_ref(py))
    }
}

/// Appends a failed record's `(position, stage, alias, message)`, the shape the errors lists hold.
fn append_failure(errors: &Bound<'_, PyList>, position: usize, failure: &RecordError) -> PyResult<()> {
    errors.append((
        position,
        failure.stage.connect_name(),
        failure.alias.as_deref(),
        failure.message.as_str(),
    ))
}

/// One `(topic, partition, offset, timestamp, key, value, headers)` input, unpacked with owned
/// references so its bytes stay valid while the interpreter is released.
struct SinkInput<'py> {
    topic: Bound<'py, PyString>,
    partition: Option<i32>,
    offset: Option<i64>,
    timestamp: Option<i64>,
    key: Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
    headers: Range<usize>,
}

/// The confluent-kafka `Message` methods `sink_messages` reads, each a getter without arguments.
#[derive(Clone, Copy)]
enum Field {
    Error,
    Topic,
    Partition,
    Offset,
    Timestamp,
    Headers,
    Key,
    Value,
}

impl Field {
    const NAMES: [&'static str; 8] =
        ["error", "topic", "partition", "offset", "timestamp", "headers", "key", "value"];
}

/// Reads the fields of a batch's consumed messages. confluent-kafka's `Message` is a C type whose
/// getters are `METH_NOARGS` C functions: for messages of the batch's first type they are looked up
/// once and called directly, as the interpreter would call them, instead of a method lookup by name
/// per field (8 per record, ~0.3–0.4 µs of a record's ~1 µs in `sink_messages`; bench:
/// `file-sink-smt`). Any other object (a Python fake, a subclass) is read by name.
struct MessageReader<'py> {
    names: [Bound<'py, PyString>; 8],
    /// The type whose getters `direct` holds, kept alive (and so its methods) for the batch.
    kind: Option<Bound<'py, PyType>>,
    direct: Option<[ffi::PyCFunction; 8]>,
}

impl<'py> MessageReader<'py> {
    fn new(messages: &Bound<'py, PyList>) -> PyResult<Self> {
        let py = messages.py();
        let names = Field::NAMES.map(|name| PyString::intern(py, name));
        let kind = if messages.is_empty() { None } else { Some(messages.get_item(0)?.get_type()) };
        let direct = kind.as_ref().and_then(|kind| c_getters(kind, &names));
        Ok(Self { names, kind, direct })
    }

    fn read(&self, message: &Bound<'py, PyAny>, field: Field) -> PyResult<Bound<'py, PyAny>> {
        if let (Some(kind), Some(getters)) = (&self.kind, &self.direct) {
            if message.get_type_ptr() == kind.as_type_ptr() {
                let getter = getters[field as usize];
                // SAFETY: `c_getters` checked that `getter` is the `METH_NOARGS` C function of a
                // method descriptor of the immutable type `kind` (which this reader keeps alive) or
                // of a base of it, and `message` is exactly of that type: the call CPython's
                // `method_vectorcall_NOARGS` makes, `self` borrowed and NULL for the arguments. It
                // returns a new reference, or NULL with an exception set.
                let result = unsafe { getter(message.as_ptr(), std::ptr::null_mut()) };
                // SAFETY: `result` is an owned reference or NULL, as above.
                return unsafe { Bound::from_owned_ptr_or_err(message.py(), result) };
            }
        }
        message.call_method0(&self.names[field as usize])
    }
}

/// The C functions of `kind`'s methods `names` when every one is a `METH_NOARGS` method descriptor
/// of an immutable type no instance attribute can shadow (no instance `__dict__`); None otherwise.
fn c_getters(kind: &Bound<'_, PyType>, names: &[Bound<'_, PyString>; 8]) -> Option<[ffi::PyCFunction; 8]> {
    let type_ptr = kind.as_type_ptr();
    // SAFETY: `type_ptr` is a live type object (`kind` holds a reference); the fields are read only.
    let (flags, dict_offset) = unsafe { ((*type_ptr).tp_flags, (*type_ptr).tp_dictoffset) };
    // An immutable type's methods cannot be replaced or deleted while a batch is read.
    if flags & ffi::Py_TPFLAGS_IMMUTABLETYPE == 0 || dict_offset != 0 {
        return None;
    }
    let mut getters = Vec::with_capacity(names.len());
    for name in names {
        // A method descriptor read from its type is the descriptor itself.
        let attr = kind.getattr(name).ok()?;
        if attr.get_type_ptr() != (&raw mut ffi::PyMethodDescr_Type) {
            return None;
        }
        let descr = attr.as_ptr().cast::<ffi::PyMethodDescrObject>();
        // SAFETY: `attr` is exactly a method descriptor, laid out as `PyMethodDescrObject`, and
        // alive; its `PyMethodDef` lives as long as the type that defines it.
        let (def, owner) = unsafe { ((*descr).d_method, (*descr).d_common.d_type) };
        // SAFETY: both are live type objects.
        if def.is_null() || unsafe { ffi::PyType_IsSubtype(type_ptr, owner) } == 0 {
            return None;
        }
        // SAFETY: `def` is the descriptor's non-null method definition.
        let (meth_flags, meth) = unsafe { ((*def).ml_flags, (*def).ml_meth) };
        if meth_flags != ffi::METH_NOARGS {
            return None;
        }
        // SAFETY: a `METH_NOARGS` method's `ml_meth` is a `PyCFunction`.
        getters.push(unsafe { meth.PyCFunction });
    }
    getters.try_into().ok()
}

fn stage_config(stage: StageTuple) -> PyResult<StageConfig> {
    let (alias, type_name, props, predicate_alias, predicate_type, predicate_props, negate) = stage;
    let predicate = match (predicate_alias, predicate_type) {
        (Some(alias), Some(type_name)) => {
            Some(PredicateConfig { alias, type_name, props: predicate_props.unwrap_or_default() })
        }
        (None, None) => None,
        _ => return Err(PyValueError::new_err("a predicate needs both an alias and a type")),
    };
    Ok(StageConfig { alias, type_name, props, predicate, negate })
}

fn optional_bytes<'a>(item: &'a Bound<'_, PyAny>) -> PyResult<Option<&'a [u8]>> {
    if item.is_none() {
        Ok(None)
    } else {
        Ok(Some(item.cast::<PyBytes>()?.as_bytes()))
    }
}

#[pymethods]
impl PyPipeline {
    #[new]
    #[pyo3(signature = (*, key_converter, value_converter, stages, header_converter=None))]
    // pyo3 extracts arguments as owned values.
    #[allow(clippy::needless_pass_by_value)]
    fn py_new(
        key_converter: (String, Props),
        value_converter: (String, Props),
        stages: Vec<StageTuple>,
        header_converter: Option<(String, Props)>,
    ) -> PyResult<Self> {
        let stages = stages.into_iter().map(stage_config).collect::<PyResult<Vec<_>>>()?;
        let pipeline = Pipeline::new(
            (&key_converter.0, &key_converter.1),
            (&value_converter.0, &value_converter.1),
            header_converter.as_ref().map(|(class, props)| (class.as_str(), props)),
            stages,
        )
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self { inner: Mutex::new(pipeline), data: Mutex::new(DataConverter::default()) })
    }

    /// Runs a batch of engine.api `SourceRecord`s as a source task would: the chain, then the
    /// key, value and header converters, into one native `RecordBatch`. Data Python cannot hand to
    /// Connect fails that record at its converter stage; the chain and converters run with the
    /// interpreter released.
    fn source_batch(&self, py: Python<'_>, records: &Bound<'_, PyList>) -> PyResult<PyRecordBatch> {
        let mut inputs = Vec::with_capacity(records.len());
        {
            let mut data = lock(&self.data)?;
            for item in records.iter() {
                inputs.push(match data.source_record(&item)? {
                    Ok(record) => Ok(record),
                    Err((stage, err)) => Err(record_failure(py, stage, &err)?),
                });
            }
        }
        self.run_source(py, inputs)
    }

    /// Runs a batch of values that share a topic, value schema and timestamp (engine.api
    /// `SourceRecords`) as `source_batch` runs the equivalent records: no key, no headers, no
    /// Kafka partition. The values list is read once, with no attribute read per record.
    fn source_values(
        &self,
        py: Python<'_>,
        topic: &Bound<'_, PyString>,
        values: &Bound<'_, PyList>,
        value_schema: &Bound<'_, PyAny>,
        timestamp: Option<i64>,
    ) -> PyResult<PyRecordBatch> {
        let topic = topic.to_str()?;
        let mut inputs = Vec::with_capacity(values.len());
        {
            let mut data = lock(&self.data)?;
            // As `source_record` does, a schema Connect cannot use fails the value converter stage,
            // here of every record.
            let schema = if value_schema.is_none() {
                Ok(None)
            } else {
                match data.schema_from_py(value_schema) {
                    Ok(schema) => Ok(Some(schema)),
                    Err(err) => Err(record_failure(py, Stage::ValueConverter, &err)?),
                }
            };
            for item in values.iter() {
                let value_schema = match &schema {
                    Ok(value_schema) => value_schema,
                    Err(err) => {
                        inputs.push(Err(err.clone()));
                        continue;
                    }
                };
                inputs.push(match data.value_from_py(&item, value_schema.as_deref()) {
                    Ok(value) => Ok(Record {
                        topic: topic.to_owned(),
                        partition: None,
                        offset: None,
                        timestamp,
                        key_schema: None,
                        key: Value::Null,
                        value_schema: value_schema.clone(),
                        value,
                        headers: Vec::new(),
                    }),
                    Err(err) => Err(record_failure(py, Stage::ValueConverter, &err)?),
                });
            }
        }
        self.run_source(py, inputs)
    }

    /// The positional arguments of confluent-kafka's `Producer.produce` for each record of a
    /// source `batch` (dropped and failed records have none), in order: `(topic, value, key,
    /// partition, on_delivery, None, timestamp, headers)`, with -1 for the partitioner's choice,
    /// 0 for no timestamp and None for no headers. A task loop hands them to `produce` through
    /// `itertools.starmap`: no Python bytecode runs per record.
    #[staticmethod]
    fn produce_args<'py>(
        py: Python<'py>,
        batch: &Bound<'py, PyRecordBatch>,
        on_delivery: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let batch = &batch.get().batch;
        let topics: Vec<_> = batch.topics.iter().map(|t| PyString::new(py, t)).collect();
        let bytes = |span: Option<Span>| span.map(|s| PyBytes::new(py, batch.bytes(s)));
        let out = PyList::empty(py);
        for slot in &batch.slots {
            let Slot::Record(entry) = slot else { continue };
            let headers = if entry.headers.from == entry.headers.to {
                None
            } else {
                let pairs = batch.headers[entry.headers.from as usize..entry.headers.to as usize]
                    .iter()
                    .map(|(key, value)| (key.as_str(), bytes(*value)));
                Some(PyList::new(py, pairs)?)
            };
            out.append((
                &topics[entry.topic as usize],
                bytes(entry.value),
                bytes(entry.key),
                entry.partition.unwrap_or(-1),
                on_delivery,
                py.None(),
                entry.timestamp.unwrap_or(0),
                headers,
            ))?;
        }
        Ok(out)
    }

    /// Runs a batch of `(topic, partition, offset, timestamp, key, value, headers)` tuples as a
    /// sink task would (converters, then the chain) and returns `(records, errors)`: one
    /// engine.api `SinkRecord` or None (dropped or failed) per input, and `(position, stage,
    /// alias, message)` per failure. The converters and chain run with the interpreter released;
    /// the Python objects are built at the end.
    fn sink_records<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyList>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let mut inputs = Vec::with_capacity(records.len());
        let mut header_items = Vec::new();
        for item in records.iter() {
            let fields = item.cast_into::<PyTuple>()?;
            if fields.len() != 7 {
                return Err(PyValueError::new_err(
                    "each record is (topic, partition, offset, timestamp, key, value, headers)",
                ));
            }
            let start = header_items.len();
            for header in fields.get_item(6)?.try_iter()? {
                let pair = header?.cast_into::<PyTuple>()?;
                let (key, value) = (pair.get_item(0)?.cast_into::<PyString>()?, pair.get_item(1)?);
                header_items.push((key, value));
            }
            inputs.push(SinkInput {
                topic: fields.get_item(0)?.cast_into::<PyString>()?,
                partition: fields.get_item(1)?.extract()?,
                offset: fields.get_item(2)?.extract()?,
                timestamp: fields.get_item(3)?.extract()?,
                key: fields.get_item(4)?,
                value: fields.get_item(5)?,
                headers: start..header_items.len(),
            });
        }
        self.run_sink(py, &inputs, &header_items, false)
    }

    /// Runs a batch of consumed confluent-kafka `Message`s as a sink task would, reading their
    /// fields natively (no per-record Python object on the way in). Returns `(records, errors,
    /// offsets, consumer_errors)`: a `SinkRecordBatch` of the records to deliver (dropped and
    /// failed ones left out) whose `SinkRecord`s are built only when asked for, `(position,
    /// stage, alias, message)` per failed record, `(topic, partition, next offset)` per partition
    /// in first-seen order (every converted record moves it, delivered or not), and the
    /// positions of messages that carry a consumer error instead of a record (left out). With
    /// `value_text`, each record built carries the Java text of its value (see
    /// `DataConverter::sink_record`).
    #[allow(clippy::type_complexity)]
    #[pyo3(signature = (messages, /, *, value_text=false))]
    fn sink_messages<'py>(
        slf: &Bound<'py, Self>,
        messages: &Bound<'py, PyList>,
        value_text: bool,
    ) -> PyResult<(PySinkRecordBatch, Bound<'py, PyList>, Vec<(Bound<'py, PyString>, i32, i64)>, Vec<usize>)>
    {
        let py = slf.py();
        let this = slf.get();
        let mut inputs = Vec::with_capacity(messages.len());
        let mut positions = Vec::with_capacity(messages.len());
        let mut header_items = Vec::new();
        let mut consumer_errors = Vec::new();
        let mut offsets: Vec<(Bound<'py, PyString>, i32, i64)> = Vec::new();
        let reader = MessageReader::new(messages)?;
        for (position, message) in messages.iter().enumerate() {
            if !reader.read(&message, Field::Error)?.is_none() {
                consumer_errors.push(position);
                continue;
            }
            let topic = reader.read(&message, Field::Topic)?.cast_into::<PyString>()?;
            let partition: i32 = reader.read(&message, Field::Partition)?.extract()?;
            let offset: i64 = reader.read(&message, Field::Offset)?.extract()?;
            // (type, timestamp): type 0 is TIMESTAMP_NOT_AVAILABLE.
            let (kind, timestamp): (i32, i64) = reader.read(&message, Field::Timestamp)?.extract()?;
            let start = header_items.len();
            let headers = reader.read(&message, Field::Headers)?;
            if !headers.is_none() {
                for header in headers.try_iter()? {
                    let pair = header?.cast_into::<PyTuple>()?;
                    header_items.push((pair.get_item(0)?.cast_into::<PyString>()?, pair.get_item(1)?));
                }
            }
            // Batches hold a handful of partitions, usually the previous record's.
            let name = topic.to_str()?;
            let mut seen = false;
            for entry in offsets.iter_mut().rev() {
                if entry.1 == partition && entry.0.to_str()? == name {
                    entry.2 = offset + 1;
                    seen = true;
                    break;
                }
            }
            if !seen {
                offsets.push((topic.clone(), partition, offset + 1));
            }
            inputs.push(SinkInput {
                topic,
                partition: Some(partition),
                offset: Some(offset),
                timestamp: (kind != 0).then_some(timestamp),
                key: reader.read(&message, Field::Key)?,
                value: reader.read(&message, Field::Value)?,
                headers: start..header_items.len(),
            });
            positions.push(position);
        }
        let results = this.convert_sink(py, &inputs, &header_items)?;
        let errors = PyList::empty(py);
        let mut records = Vec::with_capacity(results.len());
        let mut origins = Vec::with_capacity(results.len());
        {
            let mut data = lock_data(py, &this.data)?;
            for ((result, input), position) in results.into_iter().zip(&inputs).zip(positions) {
                let failure = match result {
                    Ok(Some(record)) => match data.check_sink_record(py, &record) {
                        Ok(()) => {
                            origins.push(Origin {
                                position,
                                partition: input.partition.unwrap_or(0),
                                offset: input.offset.unwrap_or(-1),
                            });
                            records.push(record);
                            continue;
                        }
                        Err((stage, err)) => record_failure(py, stage, &err)?,
                    },
                    Ok(None) => continue,
                    Err(err) => err,
                };
                append_failure(&errors, position, &failure)?;
            }
        }
        let batch = PySinkRecordBatch { pipeline: slf.clone().unbind(), records, origins, value_text };
        Ok((batch, errors, offsets, consumer_errors))
    }

    /// Deprecation warnings from building the chain.
    #[getter]
    fn warnings(&self) -> PyResult<Vec<String>> {
        Ok(self.lock()?.warnings().to_vec())
    }

    /// Runs a batch of `(topic, partition, offset, timestamp, key, value, headers)` tuples as a sink
    /// task would and serializes the results again, into one native `RecordBatch`: no Python
    /// object is created per record until the caller asks for one. The converters and chain run
    /// with the interpreter released.
    fn sink_batch(&self, py: Python<'_>, records: &Bound<'_, PyList>) -> PyResult<PyRecordBatch> {
        // The snapshot owns every record tuple, and tuples, `str` and `bytes` are immutable, so the
        // views read from it stay valid while the interpreter is released, whatever other threads
        // do to the list meanwhile.
        let snapshot = records.to_tuple();
        let mut inputs = Vec::with_capacity(snapshot.len());
        let mut header_items = Vec::new();
        let mut data_bytes = 0;
        for item in snapshot.as_slice() {
            let input = BatchInput::read(item, &mut header_items)?;
            data_bytes += input.key.map_or(0, <[u8]>::len) + input.value.map_or(0, <[u8]>::len);
            inputs.push(input);
        }
        let mut headers = Vec::with_capacity(header_items.len());
        for (key, value) in &header_items {
            headers.push((key.to_str()?, optional_bytes(value)?));
        }
        let mut guard = self.lock()?;
        let pipeline: &mut Pipeline = &mut guard;
        let (inputs, headers) = (&inputs, &headers);
        let batch = py.detach(move || {
            let mut batch = RecordBatch::with_data_capacity(inputs.len(), data_bytes + headers.len() * 16);
            pipeline.sink_all(inputs.iter().map(|input| input.view(headers)), &mut batch);
            batch
        });
        Ok(PyRecordBatch { batch })
    }
}

/// One record of `sink_batch`, read from its tuple: views into objects the batch's snapshot keeps
/// alive, and the range of its headers in the batch's header list.
struct BatchInput<'a> {
    topic: &'a str,
    partition: Option<i32>,
    offset: Option<i64>,
    timestamp: Option<i64>,
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    headers: Range<usize>,
}

impl<'a> BatchInput<'a> {
    /// Reads one `(topic, partition, offset, timestamp, key, value, headers)` tuple, appending its
    /// headers to `header_items`. The tuple's items are borrowed, not copied out one by one (a
    /// new reference per item showed as ~11 % of `bench/test_pipeline.py::test_native_chain`).
    fn read<'py>(
        item: &'a Bound<'py, PyAny>,
        header_items: &mut Vec<(Bound<'py, PyString>, Bound<'py, PyAny>)>,
    ) -> PyResult<Self> {
        let [topic, partition, offset, timestamp, key, value, headers] = item.cast::<PyTuple>()?.as_slice()
        else {
            return Err(PyValueError::new_err(
                "each record is (topic, partition, offset, timestamp, key, value, headers)",
            ));
        };
        let start = header_items.len();
        // Most records have no headers: an empty list or tuple needs no iterator.
        let empty = match headers.cast::<PyList>() {
            Ok(list) => list.is_empty(),
            Err(_) => headers.cast::<PyTuple>().is_ok_and(PyTupleMethods::is_empty),
        };
        if !empty {
            for header in headers.try_iter()? {
                let pair = header?.cast_into::<PyTuple>()?;
                header_items.push((pair.get_item(0)?.cast_into::<PyString>()?, pair.get_item(1)?));
            }
        }
        Ok(Self {
            topic: topic.cast::<PyString>()?.to_str()?,
            partition: partition.extract()?,
            offset: offset.extract()?,
            timestamp: timestamp.extract()?,
            key: optional_bytes(key)?,
            value: optional_bytes(value)?,
            headers: start..header_items.len(),
        })
    }

    /// The record as the pipeline reads it, its headers taken from the batch's `headers`.
    fn view<'h>(&self, headers: &'h [(&'h str, Option<&'h [u8]>)]) -> RecordIn<'h>
    where
        'a: 'h,
    {
        RecordIn {
            topic: self.topic,
            partition: self.partition,
            offset: self.offset,
            timestamp: self.timestamp,
            key: self.key,
            value: self.value,
            headers: &headers[self.headers.clone()],
        }
    }
}

/// The output of `Pipeline.sink_batch`, held in Rust; records become Python objects on request.
#[pyclass(name = "RecordBatch", module = "engine._native", frozen)]
pub struct PyRecordBatch {
    batch: RecordBatch,
}

impl PyRecordBatch {
    fn record<'py>(
        &self,
        py: Python<'py>,
        entry: &OutEntry,
        topics: &[Bound<'py, PyString>],
    ) -> PyResult<Bound<'py, PyTuple>> {
        let bytes = |span: Option<Span>| span.map(|s| PyBytes::new(py, self.batch.bytes(s)));
        let headers = if entry.headers.from == entry.headers.to {
            PyTuple::empty(py)
        } else {
            let pairs = self.batch.headers[entry.headers.from as usize..entry.headers.to as usize]
                .iter()
                .map(|(key, value)| (key.as_str(), bytes(*value)))
                .collect::<Vec<_>>();
            PyTuple::new(py, pairs)?
        };
        (
            topics[entry.topic as usize].clone(),
            entry.partition,
            entry.timestamp,
            bytes(entry.key),
            bytes(entry.value),
            headers,
        )
            .into_pyobject(py)
    }
}

#[pymethods]
impl PyRecordBatch {
    fn __len__(&self) -> usize {
        self.batch.slots.len()
    }

    /// One entry per input record: a `(topic, partition, timestamp, key, value, headers)` tuple, or
    /// None when the record was dropped or failed.
    fn records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let topics: Vec<_> = self.batch.topics.iter().map(|t| PyString::new(py, t)).collect();
        let out = PyList::empty(py);
        for slot in &self.batch.slots {
            match slot {
                Slot::Record(entry) => out.append(self.record(py, entry, &topics)?)?,
                Slot::Dropped | Slot::Failed(_) => out.append(py.None())?,
            }
        }
        Ok(out)
    }

    /// `(position, stage, alias, message)` for each failed record, in order.
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for (position, slot) in self.batch.slots.iter().enumerate() {
            if let Slot::Failed(err) = slot {
                out.append((position, err.stage.connect_name(), err.alias.as_deref(), err.message.as_str()))?;
            }
        }
        Ok(out)
    }

    /// How many input records were dropped by the chain.
    #[getter]
    fn dropped(&self) -> usize {
        self.batch.slots.iter().filter(|s| matches!(s, Slot::Dropped)).count()
    }

    /// Total bytes of keys, values and header values in the batch.
    #[getter]
    fn nbytes(&self) -> usize {
        self.batch.data.len()
    }
}

impl PyPipeline {
    /// The chain, then the converters, over a source batch's records (interpreter released);
    /// inputs that already failed keep their slot.
    fn run_source(
        &self,
        py: Python<'_>,
        inputs: Vec<Result<Record, RecordError>>,
    ) -> PyResult<PyRecordBatch> {
        let mut guard = lock(&self.inner)?;
        let pipeline: &mut Pipeline = &mut guard;
        let batch = py.detach(move || {
            let mut batch = RecordBatch::with_capacity(inputs.len(), 256);
            for input in inputs {
                match input {
                    Ok(record) => pipeline.source_into(record, &mut batch),
                    Err(err) => batch.slots.push(Slot::Failed(err)),
                }
            }
            batch
        });
        Ok(PyRecordBatch { batch })
    }

    /// Converters and chain over unpacked inputs (interpreter released), then one `SinkRecord`
    /// (or None) per input and `(position, stage, alias, message)` per failure.
    fn run_sink<'py>(
        &self,
        py: Python<'py>,
        inputs: &[SinkInput<'py>],
        header_items: &[(Bound<'py, PyString>, Bound<'py, PyAny>)],
        value_text: bool,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let results = self.convert_sink(py, inputs, header_items)?;
        let mut data = lock_data(py, &self.data)?;
        let out = PyList::empty(py);
        let errors = PyList::empty(py);
        for (position, (result, input)) in results.into_iter().zip(inputs).enumerate() {
            let failure = match result {
                Ok(Some(record)) => {
                    let partition = input.partition.unwrap_or(0);
                    match data.sink_record(py, &record, partition, input.offset.unwrap_or(-1), value_text) {
                        Ok(obj) => {
                            out.append(obj)?;
                            continue;
                        }
                        Err((stage, err)) => record_failure(py, stage, &err)?,
                    }
                }
                Ok(None) => {
                    out.append(py.None())?;
                    continue;
                }
                Err(err) => err,
            };
            out.append(py.None())?;
            append_failure(&errors, position, &failure)?;
        }
        Ok((out, errors))
    }

    /// The converters and the chain over unpacked sink inputs, with the interpreter released:
    /// one result per input, `Ok(None)` for a record the chain dropped.
    fn convert_sink<'py>(
        &self,
        py: Python<'py>,
        inputs: &[SinkInput<'py>],
        header_items: &[(Bound<'py, PyString>, Bound<'py, PyAny>)],
    ) -> PyResult<Vec<Result<Option<Record>, RecordError>>> {
        let mut headers = Vec::with_capacity(header_items.len());
        for (key, value) in header_items {
            headers.push((key.to_str()?, optional_bytes(value)?));
        }
        let mut views = Vec::with_capacity(inputs.len());
        for input in inputs {
            views.push(RecordIn {
                topic: input.topic.to_str()?,
                partition: input.partition,
                offset: input.offset,
                timestamp: input.timestamp,
                key: optional_bytes(&input.key)?,
                value: optional_bytes(&input.value)?,
                headers: &headers[input.headers.clone()],
            });
        }
        let mut guard = lock(&self.inner)?;
        let pipeline: &mut Pipeline = &mut guard;
        let views = &views;
        Ok(py.detach(move || views.iter().map(|input| pipeline.to_connect(input)).collect()))
    }

    fn lock(&self) -> PyResult<MutexGuard<'_, Pipeline>> {
        lock(&self.inner)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> PyResult<MutexGuard<'_, T>> {
    mutex.try_lock().map_err(|err| match err {
        // A poisoned lock means a Rust panic mid-batch: report it instead of running on bad state.
        TryLockError::Poisoned(_) => PyRuntimeError::new_err("the pipeline failed earlier (a Rust panic)"),
        TryLockError::WouldBlock => PyRuntimeError::new_err(
            "the pipeline is in use by another thread; a task calls it from one thread",
        ),
    })
}

/// The schema conversion state, waited for with the interpreter released: besides the task loop,
/// a task's own threads may build the records of a `SinkRecordBatch` they were handed.
fn lock_data<'a>(py: Python<'_>, data: &'a Mutex<DataConverter>) -> PyResult<MutexGuard<'a, DataConverter>> {
    data.lock_py_attached(py)
        .map_err(|_| PyRuntimeError::new_err("the pipeline failed earlier (a Rust panic)"))
}

/// Where a record of a `SinkRecordBatch` came from: its message's position in the consumed
/// batch, and the partition and offset its `SinkRecord` reports when the chain left them unset.
struct Origin {
    position: usize,
    partition: i32,
    offset: i64,
}

/// The records `Pipeline.sink_messages` hands to `put()`, converted and transformed, kept in
/// Rust: a `SinkRecord` (with its `Struct`s) is built only when asked for. Building them was
/// most of a sink's cost per record (bench: `file-sink-smt`), and a sink that only writes each
/// value's Java text (FileStreamSink) needs none: `value_texts` gives it the texts directly.
#[pyclass(name = "SinkRecordBatch", module = "engine._native", frozen)]
pub struct PySinkRecordBatch {
    /// The pipeline whose schema conversions (cached by identity) the records share.
    pipeline: Py<PyPipeline>,
    records: Vec<Record>,
    origins: Vec<Origin>,
    value_text: bool,
}

impl PySinkRecordBatch {
    fn at(&self, index: usize) -> PyResult<(&Record, &Origin)> {
        match (self.records.get(index), self.origins.get(index)) {
            (Some(record), Some(origin)) => Ok((record, origin)),
            _ => Err(PyIndexError::new_err("SinkRecordBatch index out of range")),
        }
    }
}

#[pymethods]
impl PySinkRecordBatch {
    fn __len__(&self) -> usize {
        self.records.len()
    }

    /// A new engine.api `SinkRecord` for record `index` (the caller keeps it if it wants one
    /// object per record). Records that Python cannot hold failed in the batch call already.
    fn record<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyAny>> {
        let (record, origin) = self.at(index)?;
        let mut data = lock_data(py, &self.pipeline.get().data)?;
        data.sink_record(py, record, origin.partition, origin.offset, self.value_text).map_err(|(_, err)| err)
    }

    /// Java's `String.valueOf` of each record's value, in order; None where Java's text is not
    /// the one Python prints (bytes, dates and times: see `engine.api.display.to_java_string`).
    fn value_texts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let mut text = String::new();
        for record in &self.records {
            text.clear();
            if push_value_text(&record.value, &mut text) {
                out.append(PyString::new(py, &text))?;
            } else {
                out.append(py.None())?;
            }
        }
        Ok(out)
    }

    /// Each record's `value_texts` entry followed by `separator`, as one `str` (the lines a
    /// FileStreamSink writes for the batch, with no Python string per record), or None when a
    /// record's text must come from Python (where `value_texts` has None).
    fn value_text_block<'py>(&self, py: Python<'py>, separator: &str) -> Option<Bound<'py, PyString>> {
        let mut block = String::new();
        for (index, record) in self.records.iter().enumerate() {
            if !push_value_text(&record.value, &mut block) {
                return None;
            }
            block.push_str(separator);
            if index == 0 {
                // Records of a batch are alike: size the block once from the first one.
                block.reserve(block.len() * self.records.len() * 9 / 8);
            }
        }
        Some(PyString::new(py, &block))
    }

    /// The position in the consumed batch of the message record `index` came from.
    fn position(&self, index: usize) -> PyResult<usize> {
        Ok(self.at(index)?.1.position)
    }
}
