//! `engine._native.Pipeline`: converters plus transform chain, one call per batch.

use std::collections::BTreeMap;
use std::sync::Mutex;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::pipeline::{OutEntry, Pipeline, RecordBatch, RecordIn, Slot, Span};
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
    fn lock(&self) -> PyResult<std::sync::MutexGuard<'_, Pipeline>> {
        // A poisoned lock means a Rust panic mid-batch: report it instead of running on bad state.
        self.inner.lock().map_err(|_| PyRuntimeError::new_err("the pipeline failed earlier (a Rust panic)"))
    }
}
