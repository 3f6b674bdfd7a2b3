"""The status topic of a distributed cluster: Connect's `KafkaStatusBackingStore`.

Every worker writes the runtime state of the connectors and tasks it runs (`status-connector-{c}`,
`status-task-{c}-{n}`) and the topics they use (`status-topic-{topic}:connector-{c}`), and reads
everyone's records into a cache that GET status answers from (reference §2.3). Values are JSON as
Connect writes them (`engine.storage.records`); DESTROYED is never stored, a tombstone is.

Generation fencing: `put_safe()` (UNASSIGNED on revocation, FAILED) writes only when the cached
status is absent, was written by this worker, or has a generation not newer than the write's, so a
zombie worker of an old generation cannot overwrite the state its successor wrote. Writes do not
wait; a retriable failure is retried unless a newer write or a deletion made it stale; `flush()`
waits for every write so far (before a worker gives instances up). The cache is updated when the
record is read back, on the log thread, where listener callbacks also run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from typing import Any, Protocol

from engine.errors import ConnectError
from engine.herder.entities import ConnectorTaskId
from engine.storage import records
from engine.storage.kafka_log import KafkaBasedLog, LogRecord, LogWriteError

__all__ = [
    "Status",
    "StatusTopicListener",
    "StatusTopicStore",
    "TopicStatus",
    "status_key",
    "status_value",
    "topic_status_key",
    "topic_status_value",
]

logger = logging.getLogger("engine.storage")

TASK_STATUS_PREFIX = "status-task-"
CONNECTOR_STATUS_PREFIX = "status-connector-"
TOPIC_STATUS_PREFIX = "status-topic-"
TOPIC_STATUS_SEPARATOR = ":connector-"
DESTROYED = "DESTROYED"
STATES = frozenset({"UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING", DESTROYED})


@dataclass(frozen=True, slots=True)
class Status:
    """The runtime state of a connector (`id` is its name) or a task (`id` is its task id)."""

    id: str | ConnectorTaskId
    state: str
    worker_id: str
    generation: int
    trace: str | None = None
    version: str | None = None
    """The connector's or task's plugin version (KIP-891); None when not running."""


@dataclass(frozen=True, slots=True)
class TopicStatus:
    """A topic a connector's task used (KIP-558 active topics)."""

    topic: str
    connector: str
    task: int
    discover_timestamp: int


class StatusTopicListener(Protocol):
    """Hears every status record read (None = tombstone); called on the log thread."""

    def on_status(self, id: str | ConnectorTaskId, status: Status | None) -> None: ...


def status_key(id: str | ConnectorTaskId) -> str:
    if isinstance(id, ConnectorTaskId):
        return f"{TASK_STATUS_PREFIX}{id.connector}-{id.task}"
    return CONNECTOR_STATUS_PREFIX + id


def status_value(status: Status) -> bytes | None:
    """The record value; None (a tombstone) for DESTROYED."""
    if status.state == DESTROYED:
        return None
    value = {
        "state": status.state,
        "trace": status.trace,
        "worker_id": status.worker_id,
        "generation": status.generation,
        "version": status.version,
    }
    return records.dumps(value)


def topic_status_key(connector: str, topic: str) -> str:
    return TOPIC_STATUS_PREFIX + topic + TOPIC_STATUS_SEPARATOR + connector


def topic_status_value(status: TopicStatus) -> bytes:
    inner = {
        "name": status.topic,
        "connector": status.connector,
        "task": status.task,
        "discoverTimestamp": status.discover_timestamp,
    }
    return records.dumps({"topic": inner})


def parse_status(id: str | ConnectorTaskId, value: Any) -> Status | None:
    """A status record's JSON → Status; None (logged) when malformed."""
    if not isinstance(value, dict):
        logger.error("Invalid status record value for `%s`.", id)
        return None
    fields = ("state", "trace", "worker_id", "generation", "version")
    state, trace, worker, generation, version = (value.get(k) for k in fields)
    if (
        state not in STATES
        or not isinstance(worker, str)
        or not (trace is None or isinstance(trace, str))
        or not (version is None or isinstance(version, str))
        or isinstance(generation, bool)
        or not isinstance(generation, int)
    ):
        logger.error("Failed to deserialize the status of `%s`.", id)
        return None
    return Status(id, state, worker, generation, trace, version)


def parse_topic_status(value: Any) -> TopicStatus | None:
    """A topic status record's JSON → TopicStatus; None when malformed."""
    inner = value.get("topic") if isinstance(value, dict) else None
    if not isinstance(inner, dict):
        return None
    name, connector = inner.get("name"), inner.get("connector")
    task, discovered = inner.get("task"), inner.get("discoverTimestamp")
    if not isinstance(name, str) or not isinstance(connector, str):
        return None
    if not isinstance(task, int) or not isinstance(discovered, int) or isinstance(task, bool):
        return None
    return TopicStatus(name, connector, task, discovered)


def _parse_task_status_key(key: str) -> ConnectorTaskId | None:
    parts = key.split("-")
    if len(parts) < 4 or not parts[-1].lstrip("-").isdigit():
        return None
    return ConnectorTaskId("-".join(parts[2:-1]), int(parts[-1]))


@dataclass
class _Entry:
    value: Status | None = None
    sequence: int = 0
    deleted: bool = False

    def can_write_safely(self, status: Status, sequence: int | None = None) -> bool:
        safe = (
            self.value is None
            or self.value.worker_id == status.worker_id
            or self.value.generation <= status.generation
        )
        return safe and (sequence is None or sequence == self.sequence)


class StatusTopicStore:
    """Cached statuses of every connector and task of the cluster, backed by the status topic.

    Args:
        log_factory: builds the store's log given its record callback; the status log's producer
            should have `retries=0` and no idempotence (the store retries itself, as Connect).
    """

    def __init__(self, log_factory: Callable[[Callable[[LogRecord], None]], KafkaBasedLog]) -> None:
        self._log = log_factory(self._on_record)
        self._lock = threading.Lock()
        self._connectors: dict[str, _Entry] = {}
        self._tasks: dict[str, dict[int, _Entry]] = {}
        self._topics: dict[str, dict[str, TopicStatus]] = {}
        self._generation = 0
        self._listener: StatusTopicListener | None = None
        self._pending: set[Future[None]] = set()

    def set_listener(self, listener: StatusTopicListener) -> None:
        self._listener = listener

    def start(self, timeout: float = 60.0) -> None:
        self._log.start(timeout)

    def stop(self) -> None:
        self._log.stop()

    def refresh(self, timeout: float) -> None:
        self._log.read_to_end(timeout)

    def flush(self, timeout: float) -> None:
        """Waits until every write so far is acknowledged (or, retried, given up as stale).

        Connect compat: `KafkaStatusBackingStore.flush`, called before a revocation completes, so
        that a stopped instance's UNASSIGNED cannot land after its next owner's first status.

        Raises:
            ConnectError: a write failed, or is not done within `timeout` seconds.
        """
        with self._lock:
            pending = list(self._pending)
        deadline = time.monotonic() + timeout
        try:
            for future in pending:
                future.result(max(0.0, deadline - time.monotonic()))
        except (FutureTimeoutError, TimeoutError) as exc:
            raise ConnectError("Timed out waiting for the status topic to acknowledge statuses.") from exc

    # Writes --------------------------------------------------------------------------------

    def put(self, status: Status) -> Future[None] | None:
        """Writes the status (a tombstone for DESTROYED); the future resolves on the ack."""
        return self._send(status, safe=False)

    def put_safe(self, status: Status) -> Future[None] | None:
        """Writes unless a newer generation of another worker wrote the cached status; None if skipped."""
        return self._send(status, safe=True)

    def delete(self, id: str | ConnectorTaskId, worker_id: str, generation: int) -> Future[None] | None:
        """Tombstones a connector's or task's status (Connect's DESTROYED)."""
        return self._send(Status(id, DESTROYED, worker_id, generation), safe=False)

    def put_topic(self, status: TopicStatus) -> Future[None]:
        return self._send_topic(topic_status_key(status.connector, status.topic), topic_status_value(status))

    def delete_topic(self, connector: str, topic: str) -> Future[None]:
        return self._send_topic(topic_status_key(connector, topic), None)

    def _send(self, status: Status, *, safe: bool) -> Future[None] | None:
        with self._lock:
            entry = self._entry(status.id)
            self._generation = status.generation
            if safe and not entry.can_write_safely(status):
                logger.debug("Skipping a stale status write.", extra={"id": str(status.id)})
                return None
            entry.sequence += 1
            sequence = entry.sequence
        key, value = status_key(status.id).encode(), status_value(status)
        result = self._new_result()

        def attempt() -> None:
            self._log.send(key, value).add_done_callback(done)

        def done(sent: Future[None]) -> None:
            error = sent.exception()
            if error is None:
                result.set_result(None)
                return
            if isinstance(error, LogWriteError) and error.retriable:
                with self._lock:
                    stale = (
                        entry.deleted
                        or status.generation != self._generation
                        or (safe and not entry.can_write_safely(status, sequence))
                    )
                if not stale:
                    attempt()
                    return
                result.set_result(None)
                return
            logger.error("Failed to write status update.", exc_info=error)
            result.set_exception(error)

        attempt()
        return result

    def _send_topic(self, key: str, value: bytes | None) -> Future[None]:
        result = self._new_result()

        def done(sent: Future[None]) -> None:
            error = sent.exception()
            if error is None:
                result.set_result(None)
            elif isinstance(error, LogWriteError) and error.retriable:
                self._log.send(key.encode(), value).add_done_callback(done)
            else:
                logger.error("Failed to write status update.", exc_info=error)
                result.set_exception(error)

        self._log.send(key.encode(), value).add_done_callback(done)
        return result

    def _new_result(self) -> Future[None]:
        """A write's future, pending for `flush()` until it resolves."""
        result: Future[None] = Future()
        result.set_running_or_notify_cancel()
        with self._lock:
            self._pending.add(result)
        result.add_done_callback(self._settled)
        return result

    def _settled(self, result: Future[None]) -> None:
        with self._lock:
            self._pending.discard(result)

    def _entry(self, id: str | ConnectorTaskId) -> _Entry:
        if isinstance(id, ConnectorTaskId):
            return self._tasks.setdefault(id.connector, {}).setdefault(id.task, _Entry())
        return self._connectors.setdefault(id, _Entry())

    # Reads ---------------------------------------------------------------------------------

    def get(self, connector: str) -> Status | None:
        with self._lock:
            entry = self._connectors.get(connector)
            return None if entry is None else entry.value

    def get_task(self, task: ConnectorTaskId) -> Status | None:
        with self._lock:
            entry = self._tasks.get(task.connector, {}).get(task.task)
            return None if entry is None else entry.value

    def tasks(self, connector: str) -> list[Status]:
        """The connector's task statuses, by task number."""
        with self._lock:
            entries = self._tasks.get(connector, {})
            return [e.value for _, e in sorted(entries.items()) if e.value is not None]

    def connectors(self) -> list[str]:
        """Connectors with a cached status entry, sorted."""
        with self._lock:
            return sorted(self._connectors)

    def all(self) -> list[Status]:
        """Every cached connector and task status."""
        with self._lock:
            statuses = [e.value for e in self._connectors.values() if e.value is not None]
            for entries in self._tasks.values():
                statuses.extend(e.value for e in entries.values() if e.value is not None)
            return statuses

    def get_topic(self, connector: str, topic: str) -> TopicStatus | None:
        with self._lock:
            return self._topics.get(connector, {}).get(topic)

    def topics(self, connector: str) -> list[TopicStatus]:
        with self._lock:
            return sorted(self._topics.get(connector, {}).values(), key=lambda s: s.topic)

    def _on_record(self, record: LogRecord) -> None:
        key = record.key.decode() if record.key is not None else ""
        try:
            value = None if record.value is None else records.loads(record.value)
        except ValueError:
            logger.exception("Failed to deserialize the status record `%s`.", key)
            return
        if key.startswith(CONNECTOR_STATUS_PREFIX):
            connector = key[len(CONNECTOR_STATUS_PREFIX) :]
            if not connector:
                logger.warning("Discarding record with invalid connector status key `%s`.", key)
                return
            self._read_status(connector, value)
        elif key.startswith(TASK_STATUS_PREFIX):
            task = _parse_task_status_key(key)
            if task is None:
                logger.warning("Discarding record with invalid task status key `%s`.", key)
                return
            self._read_status(task, value)
        elif key.startswith(TOPIC_STATUS_PREFIX):
            self._read_topic_status(key, value)
        else:
            logger.warning("Discarding record with invalid key `%s`.", key)

    def _read_status(self, id: str | ConnectorTaskId, value: Any) -> None:
        status = None if value is None else parse_status(id, value)
        if value is not None and status is None:
            return
        with self._lock:
            if status is None:
                self._remove(id)
            else:
                self._entry(id).value = status
        if self._listener is not None:
            self._listener.on_status(id, status)

    def _remove(self, id: str | ConnectorTaskId) -> None:
        if isinstance(id, ConnectorTaskId):
            entry = self._tasks.get(id.connector, {}).pop(id.task, None)
            if entry is not None:
                entry.deleted = True
            return
        removed = self._connectors.pop(id, None)
        if removed is not None:
            removed.deleted = True
        # Connect compat: a connector's tombstone drops its tasks' cached statuses too.
        for entry in self._tasks.pop(id, {}).values():
            entry.deleted = True

    def _read_topic_status(self, key: str, value: Any) -> None:
        separator = key.find(TOPIC_STATUS_SEPARATOR, len(TOPIC_STATUS_PREFIX))
        topic = key[len(TOPIC_STATUS_PREFIX) : separator] if separator >= 0 else ""
        connector = key[separator + len(TOPIC_STATUS_SEPARATOR) :] if separator >= 0 else ""
        if not topic or not connector:
            logger.warning("Discarding record with invalid topic status key `%s`.", key)
            return
        if value is None:
            with self._lock:
                self._topics.get(connector, {}).pop(topic, None)
            return
        status = parse_topic_status(value)
        if status is None:
            logger.warning("Failed to parse topic status with key `%s`.", key)
            return
        with self._lock:
            self._topics.setdefault(connector, {})[topic] = status
