"""A compacted Kafka topic read from the beginning and written to: Connect's `KafkaBasedLog`.

The three internal-topic stores of a distributed worker (config, offsets, status) each own one
log: a producer for their writes and a consumer assigned to every partition of the topic from the
beginning, read by a background thread that hands each record, in partition order, to the store's
`on_record` callback. `read_to_end()` is how a store makes its own and other workers' writes
visible: it returns once every record up to the end offsets taken at the call has been handed over.

Threads: `KafkaBasedLog-{topic}` consumes and runs `on_record`; `KafkaBasedLog-{topic}-acks` serves
the producer's delivery reports, resolving the futures `send()` returned. `on_record` must not call
`read_to_end()` (it runs on the thread that would have to make progress).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]  # re-exported without __all__

from engine.errors import ConnectError

__all__ = ["KafkaBasedLog", "LogRecord", "LogWriteError", "wait_for_partitions"]

logger = logging.getLogger("engine.storage")

_POLL_SECONDS = 0.1
_METADATA_TIMEOUT_SECONDS = 30.0
_RETRY_BACKOFF_SECONDS = 0.1
# Errors of a topic whose metadata has not reached every broker yet (just created).
_METADATA_LAG = frozenset(
    {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.UNKNOWN_TOPIC_OR_PART}
)
_LATEST: OffsetSpec = OffsetSpec.latest()  # type: ignore[no-untyped-call]  # untyped in confluent-kafka
_EARLIEST: OffsetSpec = OffsetSpec.earliest()  # type: ignore[no-untyped-call]  # untyped in confluent-kafka


def wait_for_partitions(client: Consumer | AdminClient, topic: str, timeout: float) -> list[int]:
    """The topic's partitions once the metadata shows each with a leader (a new topic takes a moment).

    Raises:
        ConnectError: not so within `timeout` seconds (Connect's message).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            metadata = client.list_topics(topic, timeout=max(deadline - time.monotonic(), 0.001))
            described = metadata.topics.get(topic)
        except KafkaException:
            described = None
        if (
            described is not None
            and described.error is None
            and described.partitions
            and all(p.leader >= 0 for p in described.partitions.values())
        ):
            return sorted(described.partitions)
        if time.monotonic() >= deadline:
            raise ConnectError(
                f"Could not look up partition metadata for topic '{topic}' in the allotted period. This"
                " could indicate a connectivity issue, unavailable topic partitions, or if this is your first"
                " use of the topic it may have taken too long to create."
            )
        time.sleep(_RETRY_BACKOFF_SECONDS)


class LogWriteError(ConnectError):
    """A write the broker refused or that did not complete; `retriable` as Kafka classifies it."""

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One record of the log as the consumer read it."""

    key: bytes | None
    value: bytes | None
    partition: int
    offset: int
    timestamp: int


class KafkaBasedLog:
    """A producer and a from-the-beginning consumer of every partition of one topic.

    Args:
        bootstrap: `bootstrap.servers`.
        topic: the topic; it must exist (see `engine.storage.topics`).
        client_props: librdkafka settings for both clients (security, client id...).
        on_record: called on the log thread for each record, in offset order per partition.
        producer_props: settings for the producer only, applied last.
        consumer_props: settings for the consumer only, applied last.
    """

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        client_props: Mapping[str, Any],
        on_record: Callable[[LogRecord], None],
        *,
        producer_props: Mapping[str, Any] | None = None,
        consumer_props: Mapping[str, Any] | None = None,
    ) -> None:
        self.topic = topic
        self._on_record = on_record
        base = {**client_props, "bootstrap.servers": bootstrap}
        self._producer_config: dict[str, Any] = {
            **base,
            "acks": "all",
            "enable.idempotence": True,
            # Connect compat: Java's default partitioner hashes keys with murmur2, so a key lands
            # on the partition a Java worker would pick (librdkafka's default is CRC32).
            "partitioner": "murmur2_random",
            **(producer_props or {}),
        }
        self._consumer_config: dict[str, Any] = {
            # librdkafka insists on a group id; only assign() is used, so the group is never joined.
            "group.id": f"kconnect-log-{topic}-{uuid.uuid4().hex[:12]}",
            **base,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            **(consumer_props or {}),
        }
        self._admin_config: dict[str, Any] = dict(base)
        self._admin: AdminClient | None = None
        self._producer: Producer | None = None
        self._consumer: Consumer | None = None
        self._partitions: list[int] = []
        # partition → the offset after the last record handed to on_record (guarded by _progress).
        self._positions: dict[int, int] = {}
        self._progress = threading.Condition()
        self._stopping = threading.Event()
        self._failure: BaseException | None = None
        self._threads: list[threading.Thread] = []
        self._pending: set[Future[None]] = set()
        self._pending_lock = threading.Lock()

    @property
    def partitions(self) -> list[int]:
        """The topic's partitions, known after `start()`."""
        return list(self._partitions)

    def start(self, timeout: float = 60.0) -> None:
        """Creates the clients, assigns every partition from the beginning and reads to the end.

        Raises:
            ConnectError: the topic does not exist, or the broker cannot be reached in time.
            TimeoutError: the log could not be read to its end within `timeout`.
        """
        self._producer = Producer(self._producer_config)
        self._admin = AdminClient(self._admin_config)
        self._consumer = Consumer(self._consumer_config)
        self._partitions = wait_for_partitions(
            self._consumer, self.topic, min(timeout, _METADATA_TIMEOUT_SECONDS)
        )
        self._positions = dict.fromkeys(self._partitions, 0)
        self._consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in self._partitions])
        self._threads = [
            threading.Thread(target=self._consume_loop, name=f"KafkaBasedLog-{self.topic}", daemon=True),
            threading.Thread(target=self._ack_loop, name=f"KafkaBasedLog-{self.topic}-acks", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self.read_to_end(timeout)

    def send(self, key: bytes | None, value: bytes | None) -> Future[None]:
        """Produces one record; the future resolves when the broker acknowledged it.

        The future fails with `ConnectError` when the write fails or the log stops first.
        """
        if self._producer is None or self._stopping.is_set():
            raise ConnectError(f"The log of topic '{self.topic}' is not running.")
        future: Future[None] = Future()
        future.set_running_or_notify_cancel()
        with self._pending_lock:
            self._pending.add(future)

        def delivered(error: KafkaError | None, _message: Message) -> None:
            with self._pending_lock:
                self._pending.discard(future)
            if future.done():
                return
            if error is None:
                future.set_result(None)
            else:
                message = f"Failed to write to topic '{self.topic}': {error.str()}"
                future.set_exception(LogWriteError(message, retriable=error.retriable()))

        while True:
            try:
                self._producer.produce(self.topic, value=value, key=key, on_delivery=delivered)
                return future
            except BufferError:
                # The local queue is full; the ack thread drains it.
                time.sleep(0.01)

    def read_to_end(self, timeout: float = 30.0) -> None:
        """Blocks until every record before the end offsets taken now was handed to `on_record`.

        Raises:
            TimeoutError: not reached within `timeout` seconds.
            ConnectError: the log is not running, or its thread failed.
        """
        admin = self._admin
        if admin is None:
            raise ConnectError(f"The log of topic '{self.topic}' is not running.")
        deadline = time.monotonic() + timeout
        starts, ends = self._offset_range(admin, deadline)
        with self._progress:
            for partition, low in starts.items():
                # Nothing below the log start offset can be read any more (retention, compaction).
                self._positions[partition] = max(self._positions[partition], low)
        with self._progress:
            while True:
                if self._failure is not None:
                    raise ConnectError(
                        f"The log of topic '{self.topic}' failed: {self._failure}"
                    ) from self._failure
                behind = [p for p, end in ends.items() if self._positions[p] < end]
                if not behind:
                    return
                if self._stopping.is_set():
                    raise ConnectError(f"The log of topic '{self.topic}' stopped.")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    lag = {p: ends[p] - self._positions[p] for p in behind}
                    raise TimeoutError(
                        f"Timed out reading topic '{self.topic}' to its end (lag by partition: {lag})"
                    )
                self._progress.wait(min(remaining, _POLL_SECONDS))

    def _offset_range(self, admin: AdminClient, deadline: float) -> tuple[dict[int, int], dict[int, int]]:
        """The log start and end offsets by partition, retrying retriable errors until `deadline`.

        The consumer belongs to the log thread, so the offsets come from the admin client.
        """
        partitions = [TopicPartition(self.topic, p) for p in self._partitions]
        while True:
            remaining = max(deadline - time.monotonic(), 0.001)
            try:
                latest = admin.list_offsets({tp: _LATEST for tp in partitions}, request_timeout=remaining)
                earliest = admin.list_offsets({tp: _EARLIEST for tp in partitions}, request_timeout=remaining)
                ends = {tp.partition: f.result(remaining).offset for tp, f in latest.items()}
                starts = {tp.partition: f.result(remaining).offset for tp, f in earliest.items()}
                return starts, ends
            except KafkaException as exc:
                error = exc.args[0] if exc.args else None
                retriable = isinstance(error, KafkaError) and (
                    error.retriable() or error.code() in _METADATA_LAG
                )
                if not retriable or time.monotonic() + _RETRY_BACKOFF_SECONDS >= deadline:
                    raise ConnectError(
                        f"Could not read the end offsets of topic '{self.topic}': {exc}"
                    ) from exc
                time.sleep(_RETRY_BACKOFF_SECONDS)
            except FutureTimeoutError as exc:
                raise TimeoutError(f"Timed out reading the end offsets of topic '{self.topic}'.") from exc

    def stop(self, timeout: float = 30.0) -> None:
        """Flushes the producer, stops the threads and closes the clients; pending sends fail."""
        if self._stopping.is_set():
            return
        if self._producer is not None:
            left = self._producer.flush(timeout)
            if left:
                logger.warning(
                    "Stopping the log of `%s` with unacknowledged records.",
                    self.topic,
                    extra={"records": left},
                )
        self._stopping.set()
        with self._progress:
            self._progress.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        with self._pending_lock:
            pending, self._pending = self._pending, set()
        for future in pending:
            if not future.done():
                future.set_exception(
                    LogWriteError(
                        f"The log of topic '{self.topic}' stopped before the write was acknowledged."
                    )
                )
        if self._consumer is not None:
            self._consumer.close()
        self._consumer = None
        self._producer = None
        self._admin = None

    def _consume_loop(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        try:
            while not self._stopping.is_set():
                messages = consumer.consume(num_messages=500, timeout=_POLL_SECONDS)
                advanced: dict[int, int] = {}
                for message in messages:
                    error = message.error()
                    if error is not None:
                        if error.fatal():
                            raise KafkaException(error)
                        logger.warning(
                            "The consumer of `%s` reported an error.",
                            self.topic,
                            extra={"error": error.str()},
                        )
                        continue
                    partition, offset = message.partition(), message.offset()
                    if partition is None or offset is None:
                        continue
                    record = LogRecord(
                        message.key(), message.value(), partition, offset, message.timestamp()[1]
                    )
                    try:
                        self._on_record(record)
                    except Exception:
                        logger.exception(
                            "The handler of a record of `%s` failed; the record is skipped.",
                            self.topic,
                            extra={"partition": partition, "offset": offset},
                        )
                    advanced[partition] = offset + 1
                if not messages:
                    # Gaps (control records, compacted offsets) at the end move only the position.
                    for tp in consumer.position([TopicPartition(self.topic, p) for p in self._partitions]):
                        if tp.offset >= 0:
                            advanced[tp.partition] = max(advanced.get(tp.partition, 0), tp.offset)
                with self._progress:
                    for partition, position in advanced.items():
                        self._positions[partition] = max(self._positions[partition], position)
                    self._progress.notify_all()
        except BaseException as exc:
            logger.exception("The log of `%s` stopped reading.", self.topic)
            with self._progress:
                self._failure = exc
                self._progress.notify_all()

    def _ack_loop(self) -> None:
        producer = self._producer
        assert producer is not None
        while not self._stopping.is_set():
            producer.poll(_POLL_SECONDS)
