"""The source task loop: `poll()` → native pipeline → producer → acked offsets to the supervisor.

Connect compat: `AbstractWorkerSourceTask`/`WorkerSourceTask` (at-least-once). Each batch from
`poll()` goes through the transform chain and the converters in one native call, then to Kafka
with one positional `produce()` per record, called from C through `itertools.starmap` over
arguments the native call prepared (confluent-kafka 2.16's `produce_batch` refuses timestamps,
which FileStreamSource sets on every record, and takes no headers). A source partition's offset
is reported (`SourceOffsets`) only up to the last record whose predecessors of the same partition
are all acknowledged (`SubmittedRecords`), every `offset.flush.interval.ms` and on
`Commit`/`Stop`, and `task.commit()` follows.

Two ways to track acknowledgements: when the task overrides `commit_record` or
`errors.tolerance=all` (a failed send is then reported with its record), each record has its own
delivery callback and `commit_record(record, metadata)` is called as Kafka acknowledges it;
otherwise a `poll()` batch shares one callback, which only counts the batch's acknowledgements
down, and its offsets become committable once all its records are acknowledged (no per-record
Python object; never commits more than the first way). A task may return `SourceRecords` from
`poll()`: its values reach the native pipeline as one list, without a `SourceRecord` per record.

Records the chain drops, and failed records skipped under `errors.tolerance=all`, count as done
at once (their offsets are committed, `commit_record(record, None)`); skipped records are
reported to the error log and counted in the metrics, never lost silently.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import starmap
from operator import itemgetter, length_hint
from typing import Any, NamedTuple

from confluent_kafka import KafkaException, Message, Producer

from engine.api.records import SourceOffset, SourcePartition, SourceRecord, SourceRecords
from engine.api.task import OffsetReader, SourceTask, SourceTaskContext
from engine.errors import ConnectError
from engine.pipeline import ProduceArgs, Produced, StageError
from engine.runtime.clients import producer_config
from engine.runtime.errors import (
    SEND_FAILURE_CLASS,
    ErrorCounters,
    ErrorHandler,
    ErrorHandlingConfig,
    LogReporter,
    Stage,
    stage_exception,
)
from engine.runtime.loops import (
    ControlChannel,
    ControlWatcher,
    LoopTimer,
    TargetState,
    build_pipeline,
    flush_interval_s,
    flush_timeout_s,
    tune_gc,
)
from engine.runtime.offsets import OffsetSnapshot, SubmittedBatch, SubmittedRecord, SubmittedRecords
from engine.runtime.process import load_object
from engine.runtime.protocol import (
    Commit,
    Metrics,
    SetTargetState,
    SourceOffsets,
    SourcePartitionOffset,
    StartTask,
    Stop,
    TopicsUsed,
)

__all__ = ["RecordMetadata", "SourceTaskRunner", "run_source_task"]

logger = logging.getLogger("engine.runtime.source")

PAUSED_WAIT_S = 0.5
# Keep librdkafka's queue (100 000 messages by default) from filling: wait for acks above this.
MAX_IN_FLIGHT = 50_000
# Offsets per SourceOffsets event, so a frame stays well below the ring's frame size.
OFFSETS_PER_EVENT = 500


class RecordMetadata(NamedTuple):
    """Where Kafka wrote a record (Connect's `RecordMetadata`), given to `commit_record`.

    Immutable; a named tuple rather than a frozen dataclass, whose `__init__` sets each field
    through `object.__setattr__`: one is built per acknowledged record of a task that overrides
    `commit_record` (bench: tasks-scaling)."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None


def _not_started(*_args: Any) -> None:
    raise ConnectError("The producer of the task is not started.")


class _SourceContext(SourceTaskContext):
    def __init__(self, reader: OffsetReader, config: Mapping[str, str]) -> None:
        self._reader = reader
        self._config = config

    @property
    def offset_reader(self) -> OffsetReader:
        return self._reader

    @property
    def config(self) -> Mapping[str, str]:
        return self._config


class SourceTaskRunner:
    """Runs one source task until `Stop` (returns) or a failure (raises)."""

    def __init__(self, start: StartTask, channel: ControlChannel) -> None:
        self._start = start
        self._channel = channel
        task_class = load_object(start.task_class)
        if not (isinstance(task_class, type) and issubclass(task_class, SourceTask)):
            raise ConnectError(f"`{start.task_class}` is not a SourceTask.")
        self._task: SourceTask = task_class()
        self._reader = OffsetSnapshot(start.offsets)
        self._submitted = SubmittedRecords()
        self._counters = ErrorCounters()
        config = ErrorHandlingConfig.from_connector_config(start.connector_config, sink=False)
        self._watcher = ControlWatcher(channel, self._stop_task)
        self._errors = ErrorHandler(
            config,
            [LogReporter(start.connector, start.task, config, self._counters)],
            self._counters,
            stopping=self._watcher.stopping,
        )
        self._pipeline, self._classes = build_pipeline(start)
        self._flush_timeout_s = flush_timeout_s(start.worker)
        self._timer = LoopTimer(flush_interval_s(start.worker))
        self._target = TargetState(start.target_state, channel)
        self._producer: Producer | None = None
        self._producer_produce: Callable[..., None] = _not_started
        # Connect compat: `commitRecord` per record and errors.tolerance=all send failures need
        # each record's identity; otherwise a batch is tracked as one unit (much cheaper).
        self._per_record = (
            self._errors.tolerance_all or type(self._task).commit_record is not SourceTask.commit_record
        )
        self._failure: BaseException | None = None
        self._topics: set[str] = set()
        self._new_topics: list[str] = []
        self._stopped = False
        self._closing = False
        self._polled = 0
        self._written = 0
        self._skipped = 0
        # Batches handed to the producer and not yet counted as written: (batch, records sent,
        # topics), in submission order.
        self._sent: list[tuple[SubmittedBatch, int, set[str]]] = []

    # --- lifecycle -------------------------------------------------------------------------

    def _stop_task(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._task.stop()

    def run(self) -> None:
        start = self._start
        settings: dict[str, str | int | float | bool] = dict(
            producer_config(
                start.worker, start.connector_config, connector_name=start.connector, task=start.task
            )
        )
        try:
            self._producer = Producer(settings)
            self._producer_produce = self._producer.produce
        except KafkaException as e:
            raise ConnectError(
                f"Failed to create the producer of task {start.connector}-{start.task}: {e}"
            ) from e
        self._task.initialize(_SourceContext(self._reader, start.connector_config))
        self._watcher.start()
        try:
            self._task.start(start.task_config)
            tune_gc()
            self._target.report()
            self._loop()
        except BaseException:
            self._finish(graceful=False)
            raise
        self._finish(graceful=True)

    def _loop(self) -> None:
        # One iteration per `poll()`: a task returning one record per poll pays all of this per
        # record (bench: tasks-scaling), so the common iteration is a poll, a send, a producer
        # poll and one clock read; controls and timers are looked at only when there are some.
        watcher, target, timer = self._watcher, self._target, self._timer
        stopping = watcher.stopping
        poll = self._task.poll
        while not stopping.is_set():
            if target.paused or watcher.pending():
                self._handle_controls(PAUSED_WAIT_S if target.paused else 0.0)
                if stopping.is_set():
                    break
            if not target.paused:
                records = poll()
                if records:
                    self._send(records)
            self._serve(0)
            if timer.due():
                if timer.commit_due():
                    self._commit(flush=False)
                elif timer.metrics_due():
                    self._emit_metrics()
        watcher.raise_failure()

    def _handle_controls(self, wait_s: float) -> None:
        control = self._watcher.next(wait_s)
        while control is not None:
            if isinstance(control, SetTargetState):
                self._target.apply(control)
                self._target.report()
            elif isinstance(control, Commit):
                self._commit(flush=True)
            elif isinstance(control, Stop):
                return
            control = self._watcher.next()

    def _finish(self, graceful: bool) -> None:
        """Flushes and reports the offsets of every acknowledged record, even after a failure
        (those records are in Kafka), then stops the task."""
        try:
            self._commit(flush=True)
        except Exception:
            if graceful:
                raise
            logger.exception("Failed to commit the offsets of the failed task.")
        finally:
            self._watcher.close()
            if not self._stopped:
                self._stop_task()
            self._close_producer()

    def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        # Records still unacknowledged were not reported as committed; drop them (their offsets
        # stay uncommitted, so they are sent again after a restart) rather than wait for them.
        self._closing = True
        producer.purge(in_queue=True, in_flight=True, blocking=False)
        producer.poll(0)
        producer.close()

    # --- producing -------------------------------------------------------------------------

    def _send(self, records: Sequence[SourceRecord]) -> None:
        """Converts and queues a polled batch; the loop serves the deliveries right after."""
        self._polled += len(records)
        while self._submitted.in_flight_above(MAX_IN_FLIGHT) and not self._watcher.stopping.is_set():
            self._serve(0.1)
        if self._per_record:
            outputs = self._pipeline.source_outputs(records)
            if outputs.failed:
                self._skip_failed(records, outputs.failed)
            self._send_each(records, outputs.records)
        else:
            self._send_batch(records)

    def _skip_failed(self, records: Sequence[SourceRecord], failed: Mapping[int, StageError]) -> None:
        for position, error in failed.items():
            stage, executing = self._classes.of(error)
            # Raises under errors.tolerance=none; under all, reported and skipped.
            self._errors.execute_failed(
                stage, executing, stage_exception(error), source_record=records[position]
            )
            self._skipped += 1
        if not self._errors.config.log_enable:
            # Never silently: one line per batch, the details behind errors.log.enable.
            logger.warning(
                "Skipped %d record(s) that failed in the converters or transforms "
                "(errors.tolerance=all); set `errors.log.enable=true` to log each failure.",
                len(failed),
            )

    def _send_batch(self, records: Sequence[SourceRecord]) -> None:
        """The batch as one unit: one delivery callback for all its records, its offsets
        committable once all of them are acknowledged."""
        batch_failed = self._batch_failed

        # A closure, not a partial of a method, doing one attribute write per acknowledged record:
        # this runs once per record (the rest waits for `_collect_sent`). `batch` is bound below,
        # before the producer can call this.
        def on_delivery(error: Any, _message: Message | None) -> None:
            if error is None:
                batch.pending -= 1
            else:
                batch_failed(error)

        converted = self._pipeline.source_sends(records, on_delivery)
        if converted.failed:
            self._skip_failed(records, converted.failed)
        sends = converted.sends
        batch = self._submitted.submit_batch(_source_offsets(records), len(sends))
        if not sends:
            return
        self._sent.append((batch, len(sends), set(map(itemgetter(0), sends))))
        # `produce` straight from C over the prepared arguments; a record the producer refuses
        # stops the run, is retried or reported on its own, and the run resumes after it.
        remaining = iter(sends)
        while True:
            try:
                deque(starmap(self._producer_produce, remaining), maxlen=0)
                return
            except (BufferError, KafkaException):
                # `remaining` has moved past the refused record.
                self._produce(sends[len(sends) - length_hint(remaining) - 1])

    def _send_each(self, records: Sequence[SourceRecord], outputs: list[Produced | None]) -> None:
        """Record by record, for tasks that want `commit_record` and for errors.tolerance=all
        (a failed send is reported with its record)."""
        submit, produce, delivered = self._submitted.submit, self._producer_produce, self._delivered
        for record, out in zip(records, outputs, strict=True):
            submitted = submit(record.source_partition, record.source_offset)
            if out is None:
                # Dropped by the chain, or failed and skipped: done at once.
                self._submitted.acked(submitted)
                self._commit_record(record, None)
                continue
            topic, partition, timestamp, key, value, headers = out
            args: ProduceArgs = (
                topic,
                value,
                key,
                -1 if partition is None else partition,
                partial(delivered, record, submitted),
                None,
                timestamp or 0,
                list(headers) if headers else None,
            )
            try:
                produce(*args)
            except BufferError:
                self._produce(args)
            except KafkaException as e:
                self._refused(args, e)

    def _produce(self, args: ProduceArgs) -> None:
        """Queues one record, serving deliveries while the producer's queue is full; a record
        the producer refuses is reported to its delivery callback."""
        while True:
            try:
                self._producer_produce(*args)
                return
            except BufferError:
                self._serve(0.1)
            except KafkaException as e:
                self._refused(args, e)
                return

    @staticmethod
    def _refused(args: ProduceArgs, error: KafkaException) -> None:
        """Reports a record the producer refused to its delivery callback, as a failed send."""
        args[4](error.args[0] if error.args else None, None)

    def _batch_failed(self, error: Any) -> None:
        if self._closing:
            return  # purged at close: neither acknowledged nor failed
        # Batch mode runs under errors.tolerance=none only: any send failure fails the task.
        if self._failure is None:
            failure = ConnectError("Unrecoverable exception from producer send callback")
            failure.__cause__ = KafkaException(error)
            self._failure = failure

    def _collect_sent(self) -> None:
        """Counts the batches the producer acknowledged in full as written, and their topics."""
        if not self._sent or self._sent[0][0].pending > 0:
            return
        open_batches = []
        for sent in self._sent:
            batch, written, topics = sent
            if batch.pending > 0:
                open_batches.append(sent)
                continue
            self._written += written
            for topic in topics - self._topics:
                self._topics.add(topic)
                self._new_topics.append(topic)
        self._sent = open_batches

    def _serve(self, timeout: float) -> None:
        """Runs delivery callbacks; raises the first unrecoverable send failure."""
        assert self._producer is not None
        self._producer.poll(timeout)
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _delivered(
        self, record: SourceRecord, submitted: SubmittedRecord, error: Any, message: Message | None
    ) -> None:
        if self._closing:
            return  # purged at close: neither acknowledged nor failed
        if error is not None:
            cause = KafkaException(error)
            if not self._errors.tolerance_all:
                if self._failure is None:
                    failure = ConnectError("Unrecoverable exception from producer send callback")
                    failure.__cause__ = cause
                    self._failure = failure
                return
            logger.error(
                "Failed to send a record to topic `%s`; skipping it (errors.tolerance=all): %s.",
                record.topic,
                error,
            )
            self._errors.execute_failed(Stage.KAFKA_PRODUCE, SEND_FAILURE_CLASS, cause, source_record=record)
            self._skipped += 1
            self._submitted.acked(submitted)
            self._commit_record(record, None)
            return
        self._submitted.acked(submitted)
        self._written += 1
        metadata = None
        if message is not None:
            topic = message.topic() or record.topic
            if topic not in self._topics:
                self._topics.add(topic)
                self._new_topics.append(topic)
            _, timestamp = message.timestamp()
            metadata = RecordMetadata(
                topic, message.partition() or 0, message.offset() or 0, timestamp or None
            )
        self._commit_record(record, metadata)

    def _commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        try:
            self._task.commit_record(record, metadata)
        except Exception:
            # Connect compat: `commitTaskRecord` logs and carries on.
            logger.exception("Exception thrown while calling task.commit_record().")

    # --- offsets and reports ---------------------------------------------------------------

    def _commit(self, flush: bool) -> None:
        producer = self._producer
        if producer is not None:
            if flush:
                remaining = producer.flush(self._flush_timeout_s)
                if remaining:
                    logger.warning(
                        "%d record(s) were not acknowledged within offset.flush.timeout.ms; "
                        "their offsets will be committed later.",
                        remaining,
                    )
            self._serve(0)
        self._collect_sent()
        offsets: list[SourcePartitionOffset] = [
            (dict(partition), dict(offset)) for partition, offset in self._submitted.committable()
        ]
        if offsets:
            self._reader.update(offsets)
            for i in range(0, len(offsets), OFFSETS_PER_EVENT):
                self._channel.emit(SourceOffsets(offsets[i : i + OFFSETS_PER_EVENT]))
        if self._new_topics:
            self._channel.emit(TopicsUsed(self._new_topics))
            self._new_topics = []
        self._emit_metrics()
        self._timer.committed()
        try:
            self._task.commit()
        except Exception:
            # Connect compat: `commitSourceTask` logs and carries on.
            logger.exception("Exception thrown while calling task.commit().")

    def _emit_metrics(self) -> None:
        self._collect_sent()
        counters = {
            "source_record_poll_total": float(self._polled),
            "source_record_write_total": float(self._written),
            "source_record_skip_total": float(self._skipped),
            "source_record_active_count": float(self._submitted.in_flight),
        }
        counters.update(self._counters.as_dict())
        self._channel.emit(Metrics(counters))


def _source_offsets(
    records: Sequence[SourceRecord],
) -> Sequence[tuple[SourcePartition | None, SourceOffset | None]]:
    """Each record's source partition and offset, as `SubmittedRecords.submit_batch` takes them;
    for `SourceRecords` only the last known offset, all a batch commits, without building records."""
    if not isinstance(records, SourceRecords):
        return [(record.source_partition, record.source_offset) for record in records]
    offsets = records.offsets
    for index in range(len(offsets) - 1, -1, -1):
        if offsets[index] is not None:
            return [(records.source_partition, offsets[index])]
    return []


def run_source_task(start: StartTask, channel: ControlChannel) -> None:
    """Runs the source task `start` describes until `Stop`; a failure propagates.

    Raises:
        ConnectError: the task or its records failed (tolerance exceeded, send failure...).
    """
    SourceTaskRunner(start, channel).run()
