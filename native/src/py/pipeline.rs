//! `engine._native.Pipeline`: converters plus transform chain, one call per batch.

use std::collections::BTreeMap;
use std::sync::Mutex;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::data::Record;
use crate::pipeline::{header_text, Pipeline, RecordIn};
use crate::smt::{PredicateConfig, StageConfig};

type Props = BTreeMap<String, String>;
/// `(alias, type, props, predicate alias, predicate type, predicate props, negate)`.
type StageTuple = (String, String, Props, Option<String>, Option<String>, Option<Props>, bool);

/// The pipeline of one task. The mutex only satisfies pyo3's `Sync` bound: a task calls it from
/// one thread, so it is never contended.
#[pyclass(name = "Pipeline", module = "engine._native", frozen)]
pub struct PyPipeline {
    inner: Mutex<Pipeline>,
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

/// Output buffers and the last routed topic, reused across the records of a batch so that the
/// common case allocates only the Python objects it returns.
struct Scratch<'py> {
    key: Vec<u8>,
    value: Vec<u8>,
    topic: Option<Bound<'py, PyString>>,
}

impl<'py> Scratch<'py> {
    fn topic(&mut self, py: Python<'py>, topic: &str) -> PyResult<Bound<'py, PyString>> {
        // Transforms such as RegexRouter map a batch's records to a handful of topics: reuse the
        // previous record's string when it is the same topic.
        if let Some(last) = &self.topic {
            if last.to_str()? == topic {
                return Ok(last.clone());
            }
        }
        let fresh = PyString::new(py, topic);
        self.topic = Some(fresh.clone());
        Ok(fresh)
    }
}

fn record_tuple<'py>(
    py: Python<'py>,
    record: &Record,
    has_key: bool,
    has_value: bool,
    scratch: &mut Scratch<'py>,
) -> PyResult<Bound<'py, PyTuple>> {
    let headers = if record.headers.is_empty() {
        PyTuple::empty(py)
    } else {
        let pairs = record
            .headers
            .iter()
            .map(|h| (h.key.as_str(), header_text(&h.value).map(|v| PyBytes::new(py, &v))))
            .collect::<Vec<_>>();
        PyTuple::new(py, pairs)?
    };
    (
        scratch.topic(py, &record.topic)?,
        record.partition,
        record.timestamp,
        has_key.then(|| PyBytes::new(py, &scratch.key)),
        has_value.then(|| PyBytes::new(py, &scratch.value)),
        headers,
    )
        .into_pyobject(py)
}

#[pymethods]
impl PyPipeline {
    #[new]
    #[pyo3(signature = (*, key_converter, value_converter, stages))]
    // pyo3 extracts arguments as owned values.
    #[allow(clippy::needless_pass_by_value)]
    fn py_new(
        key_converter: (String, Props),
        value_converter: (String, Props),
        stages: Vec<StageTuple>,
    ) -> PyResult<Self> {
        let stages = stages.into_iter().map(stage_config).collect::<PyResult<Vec<_>>>()?;
        let pipeline = Pipeline::new(
            (&key_converter.0, &key_converter.1),
            (&value_converter.0, &value_converter.1),
            stages,
        )
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self { inner: Mutex::new(pipeline) })
    }

    /// Deprecation warnings from building the chain.
    #[getter]
    fn warnings(&self) -> PyResult<Vec<String>> {
        Ok(self.lock()?.warnings().to_vec())
    }

    /// Runs a batch of `(topic, partition, offset, timestamp, key, value, headers)` tuples as a sink
    /// task would and serializes the results again. Returns `(results, errors)`: one entry per input,
    /// a `(topic, partition, timestamp, key, value, headers)` tuple or None (dropped or failed), and
    /// `(position, stage, alias, message)` for each failed record.
    fn sink_batch<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyList>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let mut pipeline = self.lock()?;
        let results = PyList::empty(py);
        let errors = PyList::empty(py);
        let mut header_items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = Vec::new();
        let mut scratch = Scratch { key: Vec::new(), value: Vec::new(), topic: None };
        for (position, item) in records.iter().enumerate() {
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
                let header = header?;
                let pair = header.cast::<PyTuple>()?;
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
            let outcome = pipeline.to_connect(&input).and_then(|record| match record {
                Some(record) => pipeline
                    .serialize(&record, &mut scratch.key, &mut scratch.value)
                    .map(|(has_key, has_value)| Some((record, has_key, has_value))),
                None => Ok(None),
            });
            match outcome {
                Ok(Some((record, has_key, has_value))) => {
                    results.append(record_tuple(py, &record, has_key, has_value, &mut scratch)?)?;
                }
                Ok(None) => results.append(py.None())?,
                Err(err) => {
                    results.append(py.None())?;
                    errors.append((position, err.stage.connect_name(), err.alias, err.message))?;
                }
            }
        }
        Ok((results, errors))
    }
}

impl PyPipeline {
    fn lock(&self) -> PyResult<std::sync::MutexGuard<'_, Pipeline>> {
        // A poisoned lock means a Rust panic mid-batch: report it instead of running on bad state.
        self.inner.lock().map_err(|_| PyRuntimeError::new_err("the pipeline failed earlier (a Rust panic)"))
    }
}
