//! `engine._native.Pipeline`: converters plus transform chain, one call per batch.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use super::data::{failure_message, is_record_failure, DataConverter};
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
    /// offsets, consumer_errors)`: one engine.api `SinkRecord` or None per message, `(position,
    /// stage, alias, message)` per failed record, `(topic, partition, next offset)` per partition
    /// in first-seen order (every converted record moves it, delivered or not), and the
    /// positions of messages that carry a consumer error instead of a record (left out). With
    /// `value_text`, each record carries the Java text of its value (see `DataConverter::sink_record`).
    #[allow(clippy::type_complexity)]
    #[pyo3(signature = (messages, /, *, value_text=false))]
    fn sink_messages<'py>(
        &self,
        py: Python<'py>,
        messages: &Bound<'py, PyList>,
        value_text: bool,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>, Vec<(Bound<'py, PyString>, i32, i64)>, Vec<usize>)>
    {
        let mut inputs = Vec::with_capacity(messages.len());
        let mut header_items = Vec::new();
        let mut consumer_errors = Vec::new();
        let mut offsets: Vec<(Bound<'py, PyString>, i32, i64)> = Vec::new();
        for (position, message) in messages.iter().enumerate() {
            if !message.call_method0(intern!(py, "error"))?.is_none() {
                consumer_errors.push(position);
                continue;
            }
            let topic = message.call_method0(intern!(py, "topic"))?.cast_into::<PyString>()?;
            let partition: i32 = message.call_method0(intern!(py, "partition"))?.extract()?;
            let offset: i64 = message.call_method0(intern!(py, "offset"))?.extract()?;
            // (type, timestamp): type 0 is TIMESTAMP_NOT_AVAILABLE.
            let (kind, timestamp): (i32, i64) = message.call_method0(intern!(py, "timestamp"))?.extract()?;
            let start = header_items.len();
            let headers = message.call_method0(intern!(py, "headers"))?;
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
                key: message.call_method0(intern!(py, "key"))?,
                value: message.call_method0(intern!(py, "value"))?,
                headers: start..header_items.len(),
            });
        }
        let (records, errors) = self.run_sink(py, &inputs, &header_items, value_text)?;
        if consumer_errors.is_empty() {
            return Ok((records, errors, offsets, consumer_errors));
        }
        // Put the left-out messages back in place as None so positions match the input.
        let aligned = PyList::empty(py);
        let mut converted = records.iter();
        let mut failed_at = Vec::with_capacity(inputs.len());
        let mut skipped = consumer_errors.iter().peekable();
        for position in 0..messages.len() {
            if skipped.peek() == Some(&&position) {
                skipped.next();
                aligned.append(py.None())?;
            } else {
                failed_at.push(position);
                aligned.append(converted.next().unwrap_or_else(|| py.None().into_bound(py)))?;
            }
        }
        let renumbered = PyList::empty(py);
        for error in errors.iter() {
            let error = error.cast_into::<PyTuple>()?;
            let index: usize = error.get_item(0)?.extract()?;
            renumbered.append((
                failed_at[index],
                error.get_item(1)?,
                error.get_item(2)?,
                error.get_item(3)?,
            ))?;
        }
        Ok((aligned, renumbered, offsets, consumer_errors))
    }

    /// Deprecation warnings from building the chain.
    #[getter]
    fn warnings(&self) -> PyResult<Vec<String>> {
        Ok(self.lock()?.warnings().to_vec())
    }

    /// Runs a batch of `(topic, partition, offset, timestamp, key, value, headers)` tuples as a sink
    /// task would and serializes the results again, into one native `RecordBatch`: no Python
    /// object is created per record until the caller asks for one.
    fn sink_batch(&self, records: &Bound<'_, PyList>) -> PyResult<PyRecordBatch> {
        let mut pipeline = self.lock()?;
        let mut batch = RecordBatch::with_capacity(records.len(), 256);
        let mut header_items = Vec::new();
        for item in records.iter() {
            let fields = item.cast::<PyTuple>()?;
            if fields.len() != 7 {
                return Err(PyValueError::new_err(
                    "each record is (topic, partition, offset, timestamp, key, value, headers)",
                ));
            }
            let topic_obj = fields.get_item(0)?;
            let key_obj = fields.get_item(4)?;
            let value_obj = fields.get_item(5)?;
            header_items.clear();
            for header in fields.get_item(6)?.try_iter()? {
                let pair = header?.cast_into::<PyTuple>()?;
                header_items.push((pair.get_item(0)?, pair.get_item(1)?));
            }
            let mut headers = Vec::with_capacity(header_items.len());
            for (k, v) in &header_items {
                headers.push((k.cast::<PyString>()?.to_str()?, optional_bytes(v)?));
            }
            let input = RecordIn {
                topic: topic_obj.cast::<PyString>()?.to_str()?,
                partition: fields.get_item(1)?.extract()?,
                offset: fields.get_item(2)?.extract()?,
                timestamp: fields.get_item(3)?.extract()?,
                key: optional_bytes(&key_obj)?,
                value: optional_bytes(&value_obj)?,
                headers: &headers,
            };
            pipeline.sink_into(&input, &mut batch);
        }
        Ok(PyRecordBatch { batch })
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
    /// Converters and chain over unpacked inputs (interpreter released), then one `SinkRecord`
    /// (or None) per input and `(position, stage, alias, message)` per failure.
    fn run_sink<'py>(
        &self,
        py: Python<'py>,
        inputs: &[SinkInput<'py>],
        header_items: &[(Bound<'py, PyString>, Bound<'py, PyAny>)],
        value_text: bool,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
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
        let results =
            py.detach(move || views.iter().map(|input| pipeline.to_connect(input)).collect::<Vec<_>>());
        drop(guard);

        let mut data = lock(&self.data)?;
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
            errors.append((
                position,
                failure.stage.connect_name(),
                failure.alias.as_deref(),
                failure.message.as_str(),
            ))?;
        }
        Ok((out, errors))
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
