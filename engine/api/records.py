"""Records as connectors see them: `SourceRecord`, `SinkRecord` and headers (Connect's `ConnectRecord`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine.api.schema import Schema

__all__ = ["Header", "SinkRecord", "SourceRecord", "TimestampType"]

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
