"""Task base classes (Connect's `SourceTask`, `SinkTask`) and their contexts.

Each task runs in its own process. The runtime calls `start(props)` once, then `poll()` (source)
or `put(records)` (sink) in a loop from one thread, and `stop()` on shutdown; `stop()` may be
called from another thread to wake a blocked `poll()`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from engine.api.records import SinkRecord, SourceOffset, SourcePartition, SourceRecord

__all__ = [
    "OffsetReader",
    "SinkTask",
    "SinkTaskContext",
    "SourceTask",
    "SourceTaskContext",
    "Task",
    "TopicPartition",
]

TopicPartition = tuple[str, int]


class OffsetReader(Protocol):
    """Committed source offsets, as Connect's `OffsetStorageReader`."""

    def offset(self, partition: SourcePartition) -> SourceOffset | None: ...

    def offsets(
        self, partitions: Sequence[SourcePartition]
    ) -> list[tuple[SourcePartition, SourceOffset | None]]: ...


class SourceTaskContext(Protocol):
    """What the runtime offers a source task."""

    @property
    def offset_reader(self) -> OffsetReader: ...

    @property
    def config(self) -> Mapping[str, str]: ...


class SinkTaskContext(Protocol):
    """What the runtime offers a sink task."""

    def offset(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Rewinds (or advances) consumption of these partitions to these offsets."""

    def timeout(self, timeout_ms: int) -> None:
        """After a `RetriableError` from `put`, redeliver the batch after this long."""

    def assignment(self) -> set[TopicPartition]: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...

    def request_commit(self) -> None: ...

    def report_errant(self, record: SinkRecord, error: Exception) -> None:
        """Sends a bad record to the dead letter queue / error log per `errors.*` (Connect's
        `ErrantRecordReporter`)."""


class Task(ABC):
    """Base of every task."""

    def version(self) -> str:
        return "unknown"

    @abstractmethod
    def start(self, props: Mapping[str, str]) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...


class SourceTask(Task):
    """Produces records from an external system."""

    context: SourceTaskContext | None = None

    def initialize(self, context: SourceTaskContext) -> None:
        self.context = context

    @abstractmethod
    def poll(self) -> Sequence[SourceRecord] | None:
        """Returns the next records, or None/empty when there is nothing now (may block briefly).

        A list of `SourceRecord`s, or a `SourceRecords` batch when the records share their source
        partition, topic, schema and timestamp (the runtime then converts them without building a
        record object each).
        """

    def commit(self) -> None:
        """Called after the runtime committed offsets for the records returned so far."""

    def commit_record(self, record: SourceRecord, metadata: Any) -> None:
        """Called for each record Kafka acknowledged (`metadata` is None when the record was
        filtered out by a transform)."""


class SinkTask(Task):
    """Consumes records into an external system."""

    context: SinkTaskContext | None = None

    def initialize(self, context: SinkTaskContext) -> None:
        self.context = context

    @abstractmethod
    def put(self, records: Sequence[SinkRecord]) -> None:
        """Writes (or buffers) a batch. Raise `RetriableError` to have it redelivered.

        The runtime passes a `SinkRecords` batch: each record is built the first time it is
        touched, and `SinkRecords.value_texts()` gives every value's Java text without building
        any. The batch is the task's to keep; the runtime does not reuse it.
        """

    def flush(self, current_offsets: Mapping[TopicPartition, int]) -> None:
        """Makes everything `put` so far durable; the runtime commits these offsets afterwards."""

    def pre_commit(self, current_offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        """The offsets safe to commit; by default flushes and returns `current_offsets`."""
        self.flush(current_offsets)
        return current_offsets

    def open(self, partitions: Sequence[TopicPartition]) -> None:
        """Partitions newly assigned to this task."""

    def close(self, partitions: Sequence[TopicPartition]) -> None:
        """Partitions taken away from this task; flush what belongs to them."""
