"""Records as connectors see them: `SourceRecord`, `SinkRecord`, their batches, and headers.

They mirror Connect's `ConnectRecord`, `SourceRecord` and `SinkRecord`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, cast, overload

from engine.api.display import to_java_string
from engine.api.schema import Schema

__all__ = [
    "Header",
    "SinkRecord",
    "SinkRecordSource",
    "SinkRecords",
    "SourceRecord",
    "SourceRecords",
    "TimestampType",
]

# Connect compat: source partitions and offsets are maps of string keys to primitive values,
# stored as JSON in the offset store (`["connector", {partition}]` → `{offset}`).
SourcePartition = Mapping[str, Any]
SourceOffset = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Header:
    """A record header: a key and a Connect value with an optional schema."""

    key: str
    value: Any
    schema: Schema | None = None


class TimestampType:
    """Kafka's timestamp types, as `SinkRecord.timestamp_type` reports them."""

    NO_TIMESTAMP_TYPE = "NoTimestampType"
    CREATE_TIME = "CreateTime"
    LOG_APPEND_TIME = "LogAppendTime"


# Not frozen: a frozen dataclass pays one object.__setattr__ per field (~1.3 µs per record), and a
# source task builds one per line or row on the hot path. Treat records as immutable anyway: the
# runtime reads them after `poll()` returns; derive new ones with `with_topic`/`dataclasses.replace`.
@dataclass(slots=True)
class SourceRecord:
    """A record a source task returns from `poll()`.

    `source_partition`/`source_offset` say where in the source system the record came from; the
    worker commits the offset once Kafka has acknowledged the record (at least once), and gives it
    back through `SourceTaskContext.offset_reader` after a restart.
    """

    source_partition: SourcePartition | None
    source_offset: SourceOffset | None
    topic: str
    value: Any
    value_schema: Schema | None = None
    key: Any = None
    key_schema: Schema | None = None
    kafka_partition: int | None = None
    timestamp: int | None = None
    headers: tuple[Header, ...] = field(default=())

    def with_topic(self, topic: str) -> SourceRecord:
        return replace(self, topic=topic)


class SourceRecords(Sequence[SourceRecord]):
    """Records of one source partition and topic that differ only in their value and source
    offset: what `poll()` may return instead of a list when it reads many values at once (lines
    of a file, rows of a query).

    The runtime hands such a batch to the native pipeline as it is, one value list for the whole
    batch, instead of reading ten attributes of a `SourceRecord` per record; building those
    objects was most of a FileStreamSource's cost per line (bench: `file-source`). Indexing or
    iterating yields the equivalent `SourceRecord`s (key, key schema, Kafka partition and headers
    unset), so code that wants records gets them, built on demand.

    Args:
        source_partition: the source partition of every record.
        topic: the topic of every record.
        values: one Connect value per record, in order (a list: the runtime reads it natively).
        offsets: one source offset per record, the same length as `values`.
        value_schema: the schema of every value.
        timestamp: the timestamp of every record (milliseconds), None for none.

    Raises:
        ValueError: `values` and `offsets` differ in length.
    """

    __slots__ = ("offsets", "source_partition", "timestamp", "topic", "value_schema", "values")

    def __init__(
        self,
        source_partition: SourcePartition | None,
        topic: str,
        values: list[Any],
        offsets: Sequence[SourceOffset | None],
        *,
        value_schema: Schema | None = None,
        timestamp: int | None = None,
    ) -> None:
        if len(values) != len(offsets):
            raise ValueError(f"{len(values)} values but {len(offsets)} source offsets.")
        self.source_partition = source_partition
        self.topic = topic
        self.values = values
        self.offsets = offsets
        self.value_schema = value_schema
        self.timestamp = timestamp

    def __len__(self) -> int:
        return len(self.values)

    def _record(self, index: int) -> SourceRecord:
        return SourceRecord(
            self.source_partition,
            self.offsets[index],
            self.topic,
            self.values[index],
            self.value_schema,
            timestamp=self.timestamp,
        )

    @overload
    def __getitem__(self, index: int) -> SourceRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[SourceRecord]: ...

    def __getitem__(self, index: int | slice) -> SourceRecord | list[SourceRecord]:
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self.values)))]
        if index < 0:
            index += len(self.values)
        if not 0 <= index < len(self.values):
            raise IndexError("SourceRecords index out of range")
        return self._record(index)

    def __iter__(self) -> Iterator[SourceRecord]:
        return (self._record(i) for i in range(len(self.values)))

    def __repr__(self) -> str:
        partition = self.source_partition
        return f"SourceRecords(topic={self.topic!r}, source_partition={partition!r}, {len(self)} records)"


@dataclass(frozen=True, slots=True)
class SinkRecord:
    """A record a sink task receives in `put()`, after converters and transforms."""

    topic: str
    kafka_partition: int
    key_schema: Schema | None
    key: Any
    value_schema: Schema | None
    value: Any
    kafka_offset: int
    timestamp: int | None = None
    timestamp_type: str = TimestampType.CREATE_TIME
    headers: tuple[Header, ...] = field(default=())
    _value_text: str | None = field(default=None, init=False, repr=False, compare=False)
    """Java's `String.valueOf(value)` when the engine computed it natively while converting the
    record (see `engine.api.display.value_text`); None otherwise, and in every copy."""


class SinkRecordSource(Protocol):
    """Where a `SinkRecords` batch gets its records (the runtime's is native)."""

    def __len__(self) -> int: ...

    def record(self, index: int) -> SinkRecord:
        """A new `SinkRecord` for record `index`."""
        ...

    def value_texts(self) -> list[str | None]:
        """Java's `String.valueOf` of each value, or None where the caller must compute it."""
        ...

    def value_text_block(self, separator: str) -> str | None:
        """Each `value_texts()` entry followed by `separator`, as one string; None when an entry
        is None."""
        ...


class SinkRecords(Sequence[SinkRecord]):
    """The records of one `put()` as the runtime delivers them: converted and transformed
    natively, each `SinkRecord` (and its `Struct`s) built the first time it is touched, then the
    same object on every access.

    Building every record was most of a sink's cost per record (bench: `file-sink-smt`); a task
    that reads every record pays it as before, one that needs less pays less: a FileStreamSink
    asks `value_texts()` and builds no record at all. Indexing, slicing and iterating yield
    `SinkRecord`s; `index()` finds a record this batch built by identity first.

    Args:
        source: the records (`engine._native.SinkRecordBatch` in the runtime).
    """

    __slots__ = ("_built", "_source")

    def __init__(self, source: SinkRecordSource) -> None:
        self._source = source
        self._built: list[SinkRecord | None] = [None] * len(source)

    def __len__(self) -> int:
        return len(self._built)

    def _record(self, index: int) -> SinkRecord:
        record = self._built[index]
        if record is None:
            record = self._built[index] = self._source.record(index)
        return record

    @overload
    def __getitem__(self, index: int) -> SinkRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[SinkRecord]: ...

    def __getitem__(self, index: int | slice) -> SinkRecord | list[SinkRecord]:
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self._built)))]
        if index < 0:
            index += len(self._built)
        if not 0 <= index < len(self._built):
            raise IndexError("SinkRecords index out of range")
        return self._record(index)

    def __iter__(self) -> Iterator[SinkRecord]:
        return (self._record(i) for i in range(len(self._built)))

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """The position of `value`: the record object itself if this batch built it, else the
        first equal record (`Sequence.index`, which builds the records it compares).

        Raises:
            ValueError: no such record.
        """
        stop = len(self._built) if stop is None else stop
        for position in range(*slice(start, stop).indices(len(self._built))):
            if self._built[position] is value:
                return position
        return super().index(value, start, stop)

    def value_texts(self) -> list[str]:
        """Java's `String.valueOf` of each record's value, in order, as
        `engine.api.display.value_text` gives it for the delivered record, without building the
        records where the runtime computed the text natively (a `Struct`'s `Struct{id=1,...}`,
        numbers, strings, lists and maps of them)."""
        texts = self._source.value_texts()
        if None not in texts:
            return cast("list[str]", texts)
        return [to_java_string(self._record(i).value) if t is None else t for i, t in enumerate(texts)]

    def value_text_block(self, separator: str) -> str:
        """Each `value_texts()` entry followed by `separator`, as one string: what a sink writing
        one line per value (FileStreamSink) writes for the batch. Where the runtime computed every
        text natively, the block is built there in one piece, with no Python string per record
        (bench: `file-sink-smt`)."""
        block = self._source.value_text_block(separator)
        if block is not None:
            return block
        return "".join(text + separator for text in self.value_texts())

    def __repr__(self) -> str:
        return f"SinkRecords({len(self)} records)"
