//! A task's record pipeline: key/value/header converters plus the transform chain, per batch.
//!
//! Connect compat: a sink task does what `WorkerSinkTask.convertAndTransformRecord` does for each
//! consumed record (key converter, value converter, header converter, then
//! `TransformationChain.apply`); a source task does what `WorkerSourceTask` does for each polled
//! record (the chain first, then the key, value and header converters). The dry run serializes a
//! sink-side result back with the same converters. Each failure is reported with Connect's stage
//! name (`KEY_CONVERTER`, `VALUE_CONVERTER`, `HEADER_CONVERTER`, `TRANSFORMATION`) and never
//! stops the rest of the batch.

use crate::convert::{build_converter, store, Converter, ConverterProps, HeaderConverter};
use crate::data::{Header, Record, Value};
use crate::errors::ConvertError;
use crate::smt::{ChainError, Leftovers, StageConfig, TransformChain};

/// A record in serialized form, borrowed from the caller (e.g. Python `bytes` objects).
#[derive(Debug, Clone, Copy)]
pub struct RecordIn<'a> {
    pub topic: &'a str,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    pub timestamp: Option<i64>,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [(&'a str, Option<&'a [u8]>)],
}

/// A record serialized again after the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOut {
    pub topic: String,
    pub partition: Option<i32>,
    pub timestamp: Option<i64>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Connect's `Stage` of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
}

impl Stage {
    /// Connect's name, as in the `__connect.errors.stage` dead-letter header.
    pub fn connect_name(self) -> &'static str {
        match self {
            Self::KeyConverter => "KEY_CONVERTER",
            Self::ValueConverter => "VALUE_CONVERTER",
            Self::HeaderConverter => "HEADER_CONVERTER",
            Self::Transformation => "TRANSFORMATION",
        }
    }
}

/// Why one record failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub stage: Stage,
    /// The transform or predicate alias for `Transformation` failures.
    pub alias: Option<String>,
    pub message: String,
}

impl RecordError {
    /// A failure of `stage` that has no alias, with `message` as Connect would word it.
    pub fn new(stage: Stage, message: impl Into<String>) -> Self {
        Self { stage, alias: None, message: message.into() }
    }

    fn convert(stage: Stage, err: &ConvertError) -> Self {
        Self { stage, alias: None, message: err.to_string() }
    }

    fn chain(err: ChainError) -> Self {
        // ChainError.stage reads "transformation <alias>" or "predicate <alias>".
        let alias = err.stage.split_once(' ').map(|(_, alias)| alias.to_owned());
        Self { stage: Stage::Transformation, alias, message: err.message }
    }
}

/// The configuration errors of building a pipeline, each as one readable line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineConfigError(pub String);

impl std::fmt::Display for PipelineConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PipelineConfigError {}

/// Converters and chain of one task, built once.
pub struct Pipeline {
    key: Box<dyn Converter>,
    value: Box<dyn Converter>,
    header: HeaderConverter,
    chain: TransformChain,
    /// The record [`Pipeline::sink_into`] reads each input into: its topic and header buffers
    /// are reused from record to record instead of allocated anew. Boxed, so that taking it out
    /// and putting it back moves a pointer, not the ~180-byte record (two `memcpy` calls per
    /// record, `perf::perf_chain` under callgrind).
    scratch: Option<Box<Record>>,
    /// What the chain dropped from the record being read, on its way back to the converters.
    leftovers: Leftovers,
}

impl Pipeline {
    /// Builds the converters (`class`, own props) and the chain; no header converter means
    /// Connect's default, `SimpleHeaderConverter`.
    ///
    /// # Errors
    /// The first configuration error, in Connect's words.
    pub fn new(
        key: (&str, &ConverterProps),
        value: (&str, &ConverterProps),
        header: Option<(&str, &ConverterProps)>,
        stages: Vec<StageConfig>,
    ) -> Result<Self, PipelineConfigError> {
        let config_error = |e: ConvertError| PipelineConfigError(e.to_string());
        let key = build_converter(key.0, key.1, true).map_err(config_error)?;
        let value = build_converter(value.0, value.1, false).map_err(config_error)?;
        let header = match header {
            Some((class, props)) => HeaderConverter::build(class, props).map_err(config_error)?,
            None => HeaderConverter::Simple,
        };
        let chain = TransformChain::new(stages).map_err(|e| PipelineConfigError(e.message))?;
        Ok(Self { key, value, header, chain, scratch: None, leftovers: Leftovers::default() })
    }

    /// Deprecation warnings from building the chain.
    pub fn warnings(&self) -> &[String] {
        self.chain.warnings()
    }

    /// Converts and transforms one consumed record as a sink task would; `Ok(None)` when dropped.
    ///
    /// # Errors
    /// The stage and message of the first failure.
    pub fn to_connect(&mut self, input: &RecordIn<'_>) -> Result<Option<Record>, RecordError> {
        let mut record = Record::default();
        Ok(self.read_record(input, &mut record)?.then_some(record))
    }

    /// [`Pipeline::to_connect`] into `record`, every field of which it overwrites; `Ok(false)`
    /// when dropped. After an error the record is unspecified.
    fn read_record(&mut self, input: &RecordIn<'_>, record: &mut Record) -> Result<bool, RecordError> {
        let (key_schema, key) = self
            .key
            .to_connect(input.topic, input.key)
            .map_err(|e| RecordError::convert(Stage::KeyConverter, &e))?;
        let (value_schema, value) = self
            .value
            .to_connect(input.topic, input.value)
            .map_err(|e| RecordError::convert(Stage::ValueConverter, &e))?;
        // Clearing even an empty vector calls the headers' out-of-line drop.
        if !record.headers.is_empty() {
            record.headers.clear();
        }
        for (key, bytes) in input.headers {
            let (schema, value) = self
                .header
                .to_connect(input.topic, *bytes)
                .map_err(|e| RecordError::convert(Stage::HeaderConverter, &e))?;
            record.headers.push(Header { key: (*key).to_owned(), schema, value });
        }
        record.topic.clear();
        record.topic.push_str(input.topic);
        record.partition = input.partition;
        record.offset = input.offset;
        record.timestamp = input.timestamp;
        record.key_schema = key_schema;
        store(&mut record.key, key);
        record.value_schema = value_schema;
        store(&mut record.value, value);
        // In place: the record is not moved through the chain stage by stage.
        let kept = self.chain.apply_exclusive(record, &mut self.leftovers).map_err(RecordError::chain);
        // The dropped parts came from these converters' `to_connect`: they can take them back
        // now, in time for the next record.
        for value in self.leftovers.key.drain(..) {
            self.key.recycle(value);
        }
        for value in self.leftovers.value.drain(..) {
            self.value.recycle(value);
        }
        kept
    }

    /// Serializes a (transformed) record's key and value with the same converters into `key` and
    /// `value` (cleared first, so callers can reuse the buffers); `false` means a Kafka null.
    ///
    /// # Errors
    /// The converter stage and message when the data does not fit the format.
    pub fn serialize(
        &mut self,
        record: &Record,
        key: &mut Vec<u8>,
        value: &mut Vec<u8>,
    ) -> Result<(bool, bool), RecordError> {
        key.clear();
        value.clear();
        let has_key = self
            .key
            .from_connect(&record.topic, record.key_schema.as_ref(), &record.key, key)
            .map_err(|e| RecordError::convert(Stage::KeyConverter, &e))?;
        let has_value = self
            .value
            .from_connect(&record.topic, record.value_schema.as_ref(), &record.value, value)
            .map_err(|e| RecordError::convert(Stage::ValueConverter, &e))?;
        Ok((has_key, has_value))
    }

    /// Serializes a (transformed) record with the same converters, headers included.
    ///
    /// # Errors
    /// The converter stage and message when the data does not fit the format.
    pub fn from_connect(&mut self, record: &Record) -> Result<RecordOut, RecordError> {
        let (mut key, mut value) = (Vec::new(), Vec::new());
        let (has_key, has_value) = self.serialize(record, &mut key, &mut value)?;
        let mut headers = Vec::with_capacity(record.headers.len());
        for header in &record.headers {
            let mut bytes = Vec::new();
            let present = self
                .header
                .from_connect(&record.topic, header.schema.as_ref(), &header.value, &mut bytes)
                .map_err(|e| RecordError::convert(Stage::HeaderConverter, &e))?;
            headers.push((header.key.clone(), present.then_some(bytes)));
        }
        Ok(RecordOut {
            topic: record.topic.clone(),
            partition: record.partition,
            timestamp: record.timestamp,
            key: has_key.then_some(key),
            value: has_value.then_some(value),
            headers,
        })
    }

    /// Bytes → Connect data → chain → bytes for one record, as the dry run and benchmarks use it.
    ///
    /// # Errors
    /// The stage and message of the first failure.
    pub fn round_trip(&mut self, input: &RecordIn<'_>) -> Result<Option<RecordOut>, RecordError> {
        match self.to_connect(input)? {
            Some(record) => self.from_connect(&record).map(Some),
            None => Ok(None),
        }
    }

    /// [`Pipeline::sink_into`] for every record of a batch, in order. While one record runs,
    /// the next one's key and value are already on their way into the cache: they usually come
    /// from memory (a batch's input is several MiB), and reading them cold cost about a fifth
    /// of the time per record (`perf::perf_chain`).
    pub fn sink_all<'a>(&mut self, inputs: impl IntoIterator<Item = RecordIn<'a>>, batch: &mut RecordBatch) {
        let mut inputs = inputs.into_iter().peekable();
        while let Some(input) = inputs.next() {
            if let Some(next) = inputs.peek() {
                prefetch(next.key.unwrap_or_default());
                prefetch(next.value.unwrap_or_default());
            }
            self.sink_into(&input, batch);
        }
    }

    /// Runs one record through converters, chain and converters again, appending the outcome to
    /// `batch` (serialized bytes go straight into the batch's shared buffer).
    pub fn sink_into(&mut self, input: &RecordIn<'_>, batch: &mut RecordBatch) {
        let mut record = self.scratch.take().unwrap_or_default();
        let slot = match self.read_record(input, &mut record) {
            Ok(true) => match self.append(&record, batch) {
                Ok(entry) => Slot::Record(entry),
                Err(err) => Slot::Failed(err),
            },
            Ok(false) => Slot::Dropped,
            Err(err) => Slot::Failed(err),
        };
        batch.slots.push(slot);
        // The converters keep what the next record can reuse; no schema or header outlives its
        // batch here.
        record.key_schema = None;
        record.value_schema = None;
        // A null (a record without a key, usually) holds nothing to reuse: no call for it.
        match std::mem::take(&mut record.key) {
            null @ Value::Null => std::mem::forget(null),
            key => self.key.recycle(key),
        }
        match std::mem::take(&mut record.value) {
            null @ Value::Null => std::mem::forget(null),
            value => self.value.recycle(value),
        }
        if !record.headers.is_empty() {
            record.headers.clear();
        }
        self.scratch = Some(record);
    }

    /// Runs one record a source task produced through the chain and then the converters (Connect's
    /// order for sources), appending the outcome to `batch`.
    pub fn source_into(&mut self, mut record: Record, batch: &mut RecordBatch) {
        let kept = self.chain.apply_exclusive(&mut record, &mut self.leftovers);
        // The task built these values, not a converter: there is nothing to give them back to.
        self.leftovers.clear();
        let slot = match kept {
            Ok(true) => match self.append(&record, batch) {
                Ok(entry) => Slot::Record(entry),
                Err(err) => Slot::Failed(err),
            },
            Ok(false) => Slot::Dropped,
            Err(err) => Slot::Failed(RecordError::chain(err)),
        };
        batch.slots.push(slot);
    }

    fn append(&mut self, record: &Record, batch: &mut RecordBatch) -> Result<OutEntry, RecordError> {
        let (start, headers_start) = (batch.data.len(), batch.headers.len());
        let result = self.append_bytes(record, batch);
        if result.is_err() {
            // A part that fails after others were written must leave nothing behind.
            batch.data.truncate(start);
            batch.headers.truncate(headers_start);
        }
        result
    }

    fn append_bytes(&mut self, record: &Record, batch: &mut RecordBatch) -> Result<OutEntry, RecordError> {
        let key = append_with(&mut batch.data, |out| {
            self.key.from_connect(&record.topic, record.key_schema.as_ref(), &record.key, out)
        })
        .map_err(|e| RecordError::convert(Stage::KeyConverter, &e))?;
        let value = append_with(&mut batch.data, |out| {
            self.value.from_connect(&record.topic, record.value_schema.as_ref(), &record.value, out)
        })
        .map_err(|e| RecordError::convert(Stage::ValueConverter, &e))?;
        let headers_start = batch.headers.len();
        for header in &record.headers {
            let span = append_with(&mut batch.data, |out| {
                self.header.from_connect(&record.topic, header.schema.as_ref(), &header.value, out)
            })
            .map_err(|e| RecordError::convert(Stage::HeaderConverter, &e))?;
            batch.headers.push((header.key.clone(), span));
        }
        Ok(OutEntry {
            topic: batch.topic_index(&record.topic),
            partition: record.partition,
            timestamp: record.timestamp,
            key,
            value,
            headers: span(headers_start, batch.headers.len()),
        })
    }
}

/// Bytes from the start of a key or value that [`prefetch`] asks for; the hardware prefetcher
/// follows a longer sequential read by itself.
const PREFETCH_BYTES: usize = 2048;

/// Cache line size of the CPUs this runs on (x86-64, and most arm64).
const CACHE_LINE: usize = 64;

/// Hints the CPU to load the start of `bytes` into its caches.
#[inline]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let head = &bytes[..bytes.len().min(PREFETCH_BYTES)];
        // One address per cache line the head touches: every 64th byte, and the last one.
        let last = head.len().checked_sub(1);
        for i in (0..head.len()).step_by(CACHE_LINE).chain(last) {
            // SAFETY: a prefetch is only a hint: it cannot fault and changes neither memory nor
            // registers, and the address is inside `bytes` anyway. SSE is part of x86-64's baseline.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(head[i..].as_ptr().cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// Runs a converter writing into `out`, returning the span it wrote or `None` for a Kafka null.
fn append_with(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> Result<bool, ConvertError>,
) -> Result<Option<Span>, ConvertError> {
    let from = out.len();
    Ok(write(out)?.then(|| span(from, out.len())))
}

fn span(from: usize, to: usize) -> Span {
    // Batches are bounded far below 4 GiB (a task's consume batch), so offsets fit in u32.
    Span { from: from as u32, to: to as u32 }
}

/// A byte range in a batch's shared buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: u32,
    pub to: u32,
}

/// One output record of a batch: everything but the bytes, which live in the batch's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutEntry {
    /// Index into the batch's distinct topics.
    pub topic: u32,
    pub partition: Option<i32>,
    pub timestamp: Option<i64>,
    pub key: Option<Span>,
    pub value: Option<Span>,
    /// Range into the batch's header list.
    pub headers: Span,
}

/// What became of one input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    Record(OutEntry),
    Dropped,
    Failed(RecordError),
}

/// The output of a batch in a few allocations: one byte buffer for every key, value and header
/// value, the distinct topics, and one slot per input record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecordBatch {
    pub data: Vec<u8>,
    pub topics: Vec<String>,
    pub headers: Vec<(String, Option<Span>)>,
    pub slots: Vec<Slot>,
}

impl RecordBatch {
    /// An empty batch with room for `records` records of about `bytes_per_record` bytes.
    pub fn with_capacity(records: usize, bytes_per_record: usize) -> Self {
        Self::with_data_capacity(records, records * bytes_per_record)
    }

    /// An empty batch with room for `records` records and `bytes` bytes of keys, values and
    /// header values in all.
    pub fn with_data_capacity(records: usize, bytes: usize) -> Self {
        Self {
            data: Vec::with_capacity(bytes),
            topics: Vec::new(),
            headers: Vec::new(),
            slots: Vec::with_capacity(records),
        }
    }

    /// The bytes of a span.
    pub fn bytes(&self, span: Span) -> &[u8] {
        &self.data[span.from as usize..span.to as usize]
    }

    fn topic_index(&mut self, topic: &str) -> u32 {
        // Batches map to a handful of topics, and usually the same one as the previous record.
        if let Some(i) = self.topics.iter().rposition(|t| t == topic) {
            return i as u32;
        }
        self.topics.push(topic.to_owned());
        (self.topics.len() - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::Props;

    fn json(schemas: bool) -> ConverterProps {
        [("schemas.enable".to_owned(), schemas.to_string())].into()
    }

    fn input<'a>(topic: &'a str, value: Option<&'a [u8]>) -> RecordIn<'a> {
        RecordIn {
            topic,
            partition: Some(0),
            offset: Some(3),
            timestamp: None,
            key: None,
            value,
            headers: &[],
        }
    }

    #[test]
    fn chain_runs_between_the_converters() {
        let stages = vec![
            StageConfig::unguarded(
                "route",
                "RegexRouter",
                &[("regex", "orders-(.*)"), ("replacement", "shop.$1")],
            ),
            StageConfig::unguarded(
                "fields",
                "ReplaceField$Value",
                &[("exclude", "note"), ("renames", "id:order_id")],
            ),
        ];
        let conv = ("JsonConverter", &json(true));
        let mut p = Pipeline::new(conv, conv, None, stages).unwrap();
        let value = br#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"note"}],"optional":false},"payload":{"id":7,"note":"x"}}"#;
        let out = p.round_trip(&input("orders-eu", Some(value))).unwrap().unwrap();
        assert_eq!(out.topic, "shop.eu");
        // Connect compat: a null key without schema serializes to a Kafka null, not an envelope.
        assert_eq!(out.key, None);
        assert_eq!(
            String::from_utf8(out.value.unwrap()).unwrap(),
            r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"order_id"}],"optional":false},"payload":{"order_id":7}}"#
        );
    }

    #[test]
    fn a_batch_reads_each_record_as_a_fresh_pipeline_would() {
        // sink_all reuses one record and the converters' spare values from record to record:
        // nothing of a record may show in the next one.
        let conv = ("JsonConverter", &json(true));
        let stages = || {
            vec![StageConfig::unguarded(
                "fields",
                "ReplaceField$Value",
                &[("exclude", "note"), ("renames", "id:order_id")],
            )]
        };
        let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"note"},{"type":"string","optional":true,"field":"name"}],"optional":false}"#;
        let first =
            format!(r#"{{"schema":{schema},"payload":{{"id":7,"note":"x","name":"a name long enough"}}}}"#);
        let missing = format!(r#"{{"schema":{schema},"payload":{{"id":8,"name":null}}}}"#);
        let reordered = format!(r#"{{"schema":{schema},"payload":{{"name":"b","id":9,"note":"y"}}}}"#);
        let other = br#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false},"payload":{"id":"text"}}"#;
        let headers: [(&str, Option<&[u8]>); 2] = [("n", Some(b"42")), ("z", None)];
        let inputs = [
            RecordIn { headers: &headers, ..input("orders", Some(first.as_bytes())) },
            input("orders", Some(missing.as_bytes())),
            input("orders", Some(b"{not json")),
            input("other", Some(other)),
            input("orders", Some(reordered.as_bytes())),
            input("orders", None),
            RecordIn { key: Some(b"{bad key"), ..input("orders", Some(first.as_bytes())) },
            input("orders", Some(first.as_bytes())),
        ];
        let mut p = Pipeline::new(conv, conv, None, stages()).unwrap();
        let mut batch = RecordBatch::default();
        p.sink_all(inputs.iter().copied(), &mut batch);
        assert_eq!(batch.slots.len(), inputs.len());
        // Every dropped note went back to the value converter at once.
        assert!(p.leftovers.key.is_empty() && p.leftovers.value.is_empty());
        for (slot, input) in batch.slots.iter().zip(&inputs) {
            let expected = Pipeline::new(conv, conv, None, stages()).unwrap().round_trip(input);
            match (slot, expected) {
                (Slot::Record(entry), Ok(Some(out))) => {
                    assert_eq!(batch.topics[entry.topic as usize], out.topic);
                    assert_eq!(entry.value.map(|s| batch.bytes(s).to_vec()), out.value);
                    assert_eq!(entry.key.map(|s| batch.bytes(s).to_vec()), out.key);
                    let headers = &batch.headers[entry.headers.from as usize..entry.headers.to as usize];
                    let headers: Vec<_> = headers
                        .iter()
                        .map(|(k, s)| (k.clone(), s.map(|s| batch.bytes(s).to_vec())))
                        .collect();
                    assert_eq!(headers, out.headers);
                }
                (Slot::Failed(err), Err(expected)) => assert_eq!(*err, expected),
                (slot, expected) => panic!("{slot:?} where a fresh pipeline gives {expected:?}"),
            }
        }
        assert!(matches!(&batch.slots[6], Slot::Failed(e) if e.stage == Stage::KeyConverter));
    }

    #[test]
    fn failures_carry_the_stage() {
        let conv = ("JsonConverter", &json(true));
        let mut p = Pipeline::new(
            conv,
            conv,
            None,
            vec![StageConfig::unguarded("mask", "MaskField$Value", &[("fields", "a")])],
        )
        .unwrap();
        let err = p.round_trip(&input("t", Some(b"{not json"))).unwrap_err();
        assert_eq!(err.stage, Stage::ValueConverter);
        let err = p.round_trip(&input("t", Some(br#"{"schema":null,"payload":null}"#))).unwrap_err();
        assert_eq!((err.stage, err.alias.as_deref()), (Stage::Transformation, Some("mask")));
    }

    #[test]
    fn batches_share_one_buffer_and_keep_failures_in_place() {
        let conv = ("JsonConverter", &json(false));
        let mut p = Pipeline::new(conv, conv, None, vec![]).unwrap();
        let mut batch = RecordBatch::default();
        for value in [&b"1"[..], b"{bad", b"[2]"] {
            p.sink_into(&input("t", Some(value)), &mut batch);
        }
        assert_eq!(batch.topics, ["t"]);
        assert_eq!(batch.slots.len(), 3);
        assert!(matches!(&batch.slots[1], Slot::Failed(e) if e.stage == Stage::ValueConverter));
        let Slot::Record(last) = &batch.slots[2] else { panic!("{:?}", batch.slots[2]) };
        assert_eq!(batch.bytes(last.value.unwrap()), b"[2]");
        assert_eq!(last.key, None);
        assert_eq!(batch.data, b"1[2]");
    }

    #[test]
    fn dropped_records_and_config_errors() {
        let conv = ("JsonConverter", &json(false));
        let mut p =
            Pipeline::new(conv, conv, None, vec![StageConfig::unguarded("drop", "Filter", &[])]).unwrap();
        assert_eq!(p.round_trip(&input("t", Some(b"1"))).unwrap(), None);
        let err = Pipeline::new(conv, conv, None, vec![StageConfig::unguarded("r", "RegexRouter", &[])])
            .err()
            .unwrap();
        assert!(err.0.contains("transforms.r.regex"), "{err}");
        let err = Pipeline::new(("Nope", &json(false)), conv, None, vec![]).err().unwrap();
        assert!(err.0.contains("Nope"), "{err}");
    }

    #[test]
    fn source_records_run_the_chain_before_the_converters() {
        use std::sync::Arc;

        use crate::data::{Schema, Struct, Type, Value};

        let conv = ("JsonConverter", &json(true));
        let stages = vec![
            StageConfig::unguarded("route", "RegexRouter", &[("regex", "raw-(.*)"), ("replacement", "$1")]),
            StageConfig::unguarded("drop", "Filter", &[]),
        ];
        let mut stages_with_predicate = stages;
        stages_with_predicate[1].predicate = Some(crate::smt::PredicateConfig {
            alias: "tomb".to_owned(),
            type_name: "RecordIsTombstone".to_owned(),
            props: Props::new(),
        });
        let mut p = Pipeline::new(conv, conv, None, stages_with_predicate).unwrap();
        let schema = Arc::new(Schema::structure([("id".to_owned(), Arc::new(Schema::new(Type::Int32)))]));
        let value = Value::Struct(Struct { schema: schema.clone(), values: vec![Value::Int32(7)] });
        let header = |value| Header { key: "h".to_owned(), schema: None, value };
        let record = Record {
            topic: "raw-orders".to_owned(),
            value_schema: Some(schema),
            value,
            headers: vec![header(Value::Int64(42)), header(Value::Null)],
            ..Record::default()
        };
        let mut batch = RecordBatch::default();
        p.source_into(record.clone(), &mut batch);
        p.source_into(Record { value: Value::Null, value_schema: None, ..record.clone() }, &mut batch);
        let broken = Record { value: Value::String("not a struct".into()), ..record };
        p.source_into(broken, &mut batch);
        assert_eq!(batch.topics, ["orders"]);
        let Slot::Record(entry) = &batch.slots[0] else { panic!("{:?}", batch.slots[0]) };
        assert_eq!(entry.key, None);
        assert_eq!(
            batch.bytes(entry.value.unwrap()),
            br#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false},"payload":{"id":7}}"#
        );
        let headers = &batch.headers[entry.headers.from as usize..entry.headers.to as usize];
        assert_eq!(headers.len(), 2);
        assert_eq!(batch.bytes(headers[0].1.unwrap()), b"42");
        assert_eq!(headers[1].1, None);
        assert_eq!(batch.slots[1], Slot::Dropped);
        assert!(matches!(&batch.slots[2], Slot::Failed(e) if e.stage == Stage::ValueConverter));
        // The failed record left no bytes and no headers behind.
        assert_eq!(batch.headers.len(), 2);
    }

    #[test]
    fn header_converter_failures_and_inference() {
        let conv = ("JsonConverter", &json(false));
        let header_conv = ("JsonConverter", &json(true));
        let mut p = Pipeline::new(conv, conv, Some(header_conv), vec![]).unwrap();
        let headers: [(&str, Option<&[u8]>); 1] = [("h", Some(b"{bad"))];
        let err = p.round_trip(&RecordIn { headers: &headers, ..input("t", Some(b"1")) }).unwrap_err();
        assert_eq!(err.stage, Stage::HeaderConverter);
        assert_eq!(err.stage.connect_name(), "HEADER_CONVERTER");

        let mut p = Pipeline::new(conv, conv, None, vec![]).unwrap();
        let headers: [(&str, Option<&[u8]>); 3] = [("n", Some(b"42")), ("s", Some(b"x y")), ("z", None)];
        let record =
            p.to_connect(&RecordIn { headers: &headers, ..input("t", Some(b"1")) }).unwrap().unwrap();
        let kinds: Vec<_> = record.headers.iter().map(|h| h.schema.as_ref().map(|s| s.kind)).collect();
        assert_eq!(kinds, [Some(crate::data::Type::Int8), Some(crate::data::Type::String), None]);
        let out = p.from_connect(&record).unwrap();
        assert_eq!(
            out.headers,
            [
                ("n".to_owned(), Some(b"42".to_vec())),
                ("s".to_owned(), Some(b"x y".to_vec())),
                ("z".to_owned(), None)
            ]
        );
        let err = Pipeline::new(conv, conv, Some(("Avro", &json(false))), vec![]).err().unwrap();
        assert!(err.0.contains("header.converter"), "{err}");
    }
}
