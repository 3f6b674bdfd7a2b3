"""VerifiableSource/VerifiableSink: sequence numbers through Kafka, every step printed as JSON.

Connect compat: `org.apache.kafka.connect.tools.VerifiableSourceTask`/`VerifiableSinkTask`. The
source task `id` produces records with key = task id (INT32) and value = seqno (INT64) to `topic`
at most `throughput` records per second (negative = unlimited, 0 = none), source partition
`{"id": id}` and offset `{"seqno": n}`, resuming after the committed seqno. Each produced and each
acknowledged record is printed; the sink prints each record it receives and again when flushed.
The JSON field order is the order Kafka's (HashMap-backed) output has, so existing parsers of the
system-test output keep working.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from engine.api import (
    ENGINE_VERSION,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    ConfigSpec,
    ConnectError,
    SchemaBuilder,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceRecord,
    SourceTask,
    Struct,
    TopicPartition,
)

__all__ = [
    "VerifiableSinkConnector",
    "VerifiableSinkTask",
    "VerifiableSourceConnector",
    "VerifiableSourceTask",
]

NAME_CONFIG = "name"
ID_CONFIG = "id"
TOPIC_CONFIG = "topic"
THROUGHPUT_CONFIG = "throughput"
COMPLETE_RECORD_DATA_CONFIG = "complete.record.data"
ID_FIELD = "id"
SEQNO_FIELD = "seqno"

COMPLETE_VALUE_SCHEMA = (
    SchemaBuilder.struct()
    .field("name", STRING_SCHEMA)
    .field("task", INT32_SCHEMA)
    .field("topic", STRING_SCHEMA)
    .field("time_ms", INT64_SCHEMA)
    .field("seqno", INT64_SCHEMA)
    .build()
)

# Connect compat: the key order Java's HashMap gives these keys in Kafka's printed JSON; the
# source task's keys come in this order: committed, task, seqno, time_ms, name, topic.
_SINK_ORDER = ("task", "seqno", "offset", "time_ms", "name", "topic", "sinkTask", "flushed")


# One encoder for every printed line: `json.dumps` with options builds a new one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _print(data: Mapping[str, Any], order: Sequence[str]) -> None:
    ordered = {key: data[key] for key in order if key in data}
    _print_line(_ENCODER.encode(ordered))


def _print_line(line: str) -> None:
    # Connect compat: Java's `System.out.println` flushes every line (autoflush), so whoever
    # reads the worker's output sees each record as it happens, and a killed worker loses none.
    stdout = sys.stdout
    stdout.write(line + "\n")
    stdout.flush()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class _Throttle:
    """Kafka's `ThroughputThrottler`: at most `per_second` records per second since start."""

    def __init__(self, per_second: float, wake: threading.Event) -> None:
        self._per_second = per_second
        self._start = time.monotonic()
        self._wake = wake

    def wait(self, sent: int) -> None:
        if self._per_second < 0:
            return
        if self._per_second == 0:
            self._wake.wait()
            return
        due = self._start + sent / self._per_second
        delay = due - time.monotonic()
        if delay > 0:
            self._wake.wait(delay)


class _NumberedTasks:
    """What both Verifiable connectors do: `tasks.max` copies of their config, each with its own `id`."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return ENGINE_VERSION

    def config(self) -> ConfigSpec:
        return ConfigSpec()

    def start(self, props: Mapping[str, str]) -> None:
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{**self._props, ID_CONFIG: str(i)} for i in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""


class VerifiableSourceConnector(_NumberedTasks, SourceConnector):
    """`tasks.max` tasks, each with its own `id`."""

    def task_class(self) -> type[SourceTask]:
        return VerifiableSourceTask


class VerifiableSourceTask(SourceTask):
    """One record per poll, throttled to `throughput` records per second."""

    def __init__(self) -> None:
        self._name = ""
        self._id = 0
        self._topic = ""
        self._seqno = 0
        self._starting_seqno = 0
        self._complete = False
        self._partition: dict[str, Any] = {}
        # The printed lines' parts that never change, encoded once: a line per record is
        # printed on every poll and every acknowledgement (see `_source_line`).
        self._sent_head = ""
        self._committed_head = ""
        self._tail = ""
        self._stopping = threading.Event()
        self._throttle = _Throttle(-1, self._stopping)

    def version(self) -> str:
        return ENGINE_VERSION

    def start(self, props: Mapping[str, str]) -> None:
        try:
            self._name = props.get(NAME_CONFIG, "")
            self._id = int(props.get(ID_CONFIG, ""))
            self._topic = props.get(TOPIC_CONFIG, "")
            throughput = int(props.get(THROUGHPUT_CONFIG, ""))
        except ValueError as exc:
            raise ConnectError("Invalid VerifiableSourceTask configuration") from exc
        previous = self.context.offset_reader.offset({ID_FIELD: self._id}) if self.context else None
        self._seqno = int(previous[SEQNO_FIELD]) + 1 if previous else 0
        self._starting_seqno = self._seqno
        self._complete = props.get(COMPLETE_RECORD_DATA_CONFIG, "").lower() == "true"
        # Connect compat: one partition map for every record, as Kafka's task keeps one.
        self._partition = {ID_FIELD: self._id}
        self._sent_head = f'{{"task":{self._id},"seqno":'
        self._committed_head = f'{{"committed":true,"task":{self._id},"seqno":'
        self._tail = f',"name":{_ENCODER.encode(self._name)},"topic":{_ENCODER.encode(self._topic)}}}'
        self._stopping.clear()
        self._throttle = _Throttle(throughput, self._stopping)

    def poll(self) -> list[SourceRecord] | None:
        self._throttle.wait(self._seqno - self._starting_seqno)
        if self._stopping.is_set():
            return None
        seqno = self._seqno
        now = _now_ms()
        _print_line(self._source_line(self._sent_head, seqno, now))
        if self._complete:
            value: Any = Struct(COMPLETE_VALUE_SCHEMA)
            value.put("name", self._name)
            value.put("task", self._id)
            value.put("topic", self._topic)
            value.put("time_ms", now)
            value.put("seqno", seqno)
            schema = COMPLETE_VALUE_SCHEMA
        else:
            value, schema = seqno, INT64_SCHEMA
        record = SourceRecord(
            source_partition=self._partition,
            source_offset={SEQNO_FIELD: seqno},
            topic=self._topic,
            key=self._id,
            key_schema=INT32_SCHEMA,
            value=value,
            value_schema=schema,
        )
        self._seqno = seqno + 1
        return [record]

    def commit_record(self, record: SourceRecord, metadata: Any) -> None:
        seqno = record.value.get("seqno") if isinstance(record.value, Struct) else record.value
        _print_line(self._source_line(self._committed_head, seqno, _now_ms()))

    def _source_line(self, head: str, seqno: Any, now_ms: int) -> str:
        """The compact JSON line of one record in Kafka's key order, from the parts encoded at
        start: `json` would walk and escape the whole map on every line."""
        seqno_json = str(seqno) if type(seqno) is int else _ENCODER.encode(seqno)
        return f'{head}{seqno_json},"time_ms":{now_ms}{self._tail}'

    def stop(self) -> None:
        self._stopping.set()


class VerifiableSinkConnector(_NumberedTasks, SinkConnector):
    """`tasks.max` tasks, each with its own `id`."""

    def task_class(self) -> type[SinkTask]:
        return VerifiableSinkTask


class VerifiableSinkTask(SinkTask):
    """Prints each record as received, and again once its partition is flushed."""

    def __init__(self) -> None:
        self._name = ""
        self._id = 0
        self._unflushed: dict[TopicPartition, list[dict[str, Any]]] = {}

    def version(self) -> str:
        return ENGINE_VERSION

    def start(self, props: Mapping[str, str]) -> None:
        try:
            self._name = props.get(NAME_CONFIG, "")
            self._id = int(props.get(ID_CONFIG, ""))
        except ValueError as exc:
            # Connect compat: Kafka's sink task reports the source task's name here.
            raise ConnectError("Invalid VerifiableSourceTask configuration") from exc

    def put(self, records: Sequence[SinkRecord]) -> None:
        now = _now_ms()
        for record in records:
            data = {
                "name": self._name,
                "task": record.key,  # the VerifiableSourceTask that produced it
                "sinkTask": self._id,
                "topic": record.topic,
                "time_ms": now,
                "seqno": record.value,
                "offset": record.kafka_offset,
            }
            _print(data, _SINK_ORDER)
            self._unflushed.setdefault((record.topic, record.kafka_partition), []).append(data)

    def flush(self, current_offsets: Mapping[TopicPartition, int]) -> None:
        now = _now_ms()
        for partition in current_offsets:
            for data in self._unflushed.pop(partition, []):
                data.update(time_ms=now, flushed=True)
                _print(data, _SINK_ORDER)

    def stop(self) -> None:
        """Nothing to release."""
