"""The sink task loop: consumer → native pipeline → `put()` → `pre_commit` → consumer commit.

Connect compat: `WorkerSinkTask`. The consumer joins group `connect-{connector}` (or
`consumer.override.group.id`) and subscribes to `topics` or `topics.regex`; assigned partitions
are opened, revoked ones committed and closed. Each `consume(max.poll.records)` batch (500 unless
`consumer.max.poll.records`/`consumer.override.max.poll.records` say otherwise) goes through the
converters and the chain in one native call, which reads the consumed messages itself, and then
to `put()` as a `SinkRecords` batch whose records are built only when the task touches them. A
`RetriableError` from `put()` pauses every partition (the consumer keeps polling, so the task
stays in the group) and the same batch is delivered again after `context.timeout(ms)`, or a
second. Every `offset.flush.interval.ms`, on `Commit` and on `Stop`, `pre_commit(current
offsets)` decides what is committed, synchronously; a committed offset is the next one to read,
as in Connect.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

from confluent_kafka import Consumer, KafkaError, KafkaException, Message
from confluent_kafka import TopicPartition as KafkaPartition

from engine.api.records import SinkRecord
from engine.api.task import SinkTask, SinkTaskContext, TopicPartition
from engine.errors import ConfigError, ConnectError, RetriableError
from engine.pipeline import RawRecord, SinkBatch
from engine.runtime.clients import consumer_config, max_poll_records
from engine.runtime.dlq import DeadLetterQueueReporter
from engine.runtime.errors import (
    ERRANT_RECORD_CLASS,
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
    tune_gc,
)
from engine.runtime.process import load_object
from engine.runtime.protocol import Commit, Metrics, SetTargetState, StartTask, Stop, TopicsUsed

__all__ = ["SinkTaskRunner", "run_sink_task", "subscription"]

logger = logging.getLogger("engine.runtime.sink")

TOPICS_CONFIG = "topics"
TOPICS_REGEX_CONFIG = "topics.regex"
CONSUME_WAIT_S = 0.5
CONSUME_MAX = 1_000_000  # confluent-kafka's `Consumer.consume` refuses more messages at a time
REDELIVERY_BACKOFF_S = 1.0
COOPERATIVE = "cooperative-sticky"


def subscription(config: Mapping[str, str]) -> list[str]:
    """What the consumer subscribes to: the `topics` list, or `topics.regex` as a librdkafka
    pattern (a leading `^`), anchored at both ends because Java matches the whole name.

    Raises:
        ConfigError: neither or both are set (Connect's messages).
    """
    topics = [t.strip() for t in config.get(TOPICS_CONFIG, "").split(",") if t.strip()]
    regex = config.get(TOPICS_REGEX_CONFIG, "").strip()
    if topics and regex:
        raise ConfigError("topics and topics.regex are mutually exclusive options, but both are set.")
    if regex:
        return [f"^({regex})$"]
    if not topics:
        raise ConfigError("Must configure one of topics or topics.regex")
    return topics


class _SinkContext(SinkTaskContext):
    def __init__(self, runner: SinkTaskRunner) -> None:
        self._runner = runner

    def offset(self, offsets: Mapping[TopicPartition, int]) -> None:
        self._runner.rewinds.update(offsets)

    def timeout(self, timeout_ms: int) -> None:
        self._runner.retry_timeout_s = timeout_ms / 1000

    def assignment(self) -> set[TopicPartition]:
        return set(self._runner.assigned)

    def pause(self, *partitions: TopicPartition) -> None:
        self._runner.task_pause(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._runner.task_resume(partitions)

    def request_commit(self) -> None:
        self._runner.commit_requested = True

    def report_errant(self, record: SinkRecord, error: Exception) -> None:
        self._runner.report_errant(record, error)


def _raw(message: Message) -> RawRecord:
    kind, timestamp = message.timestamp()
    headers = message.headers() or []
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    return RawRecord(
        message.topic() or "",
        message.partition(),
        message.offset(),
        timestamp if kind != 0 else None,  # 0 = TIMESTAMP_NOT_AVAILABLE
        message.key(),
        message.value(),
        [(k, v if v is None or isinstance(v, bytes) else str(v).encode()) for k, v in pairs],
    )


def _consumer_error(error: KafkaError) -> None:
    """Raises a fatal consumer error; logs the others (end-of-partition events are not errors)."""
    if error.fatal():
        raise ConnectError(f"The consumer failed: {error}") from KafkaException(error)
    if error.code() != KafkaError._PARTITION_EOF:
        logger.warning("The consumer reported an error: %s.", error)


class SinkTaskRunner:
    """Runs one sink task until `Stop` (returns) or a failure (raises)."""

    def __init__(self, start: StartTask, channel: ControlChannel) -> None:
        self._start = start
        self._channel = channel
        task_class = load_object(start.task_class)
        if not (isinstance(task_class, type) and issubclass(task_class, SinkTask)):
            raise ConnectError(f"`{start.task_class}` is not a SinkTask.")
        self._task: SinkTask = task_class()
        # A task that writes values as Java text (FileStreamSink) gets it computed natively.
        self._value_text = bool(getattr(task_class, "uses_value_text", False))
        self._subscription = subscription(start.connector_config)
        self._counters = ErrorCounters()
        self._config = ErrorHandlingConfig.from_connector_config(start.connector_config, sink=True)
        self._watcher = ControlWatcher(channel, lambda: None)
        self._errors = ErrorHandler(
            self._config,
            [LogReporter(start.connector, start.task, self._config, self._counters)],
            self._counters,
            stopping=self._watcher.stopping,
        )
        self._dlq: DeadLetterQueueReporter | None = None
        self._pipeline, self._classes = build_pipeline(start)
        self._timer = LoopTimer(flush_interval_s(start.worker))
        self._target = TargetState(start.target_state, channel)
        settings = consumer_config(
            start.worker, start.connector_config, connector_name=start.connector, task=start.task
        )
        # Connect compat: `max.poll.records` (500) is each batch's size, as the Java consumer's poll.
        # It is an upper bound, so capping it at what confluent-kafka's `consume` takes is safe.
        self._batch_size = min(max_poll_records(start.worker, start.connector_config), CONSUME_MAX)
        self._cooperative = COOPERATIVE in settings.get("partition.assignment.strategy", "")
        self._settings: dict[str, str | int | float | bool] = dict(settings)
        self._consumer: Consumer | None = None
        # State the context and the rebalance callbacks share with the loop.
        self.assigned: set[TopicPartition] = set()
        self.rewinds: dict[TopicPartition, int] = {}
        self.retry_timeout_s: float | None = None
        self.commit_requested = False
        self._task_paused: set[TopicPartition] = set()
        self._paused_for_redelivery = False
        self._redeliver_at = 0.0
        # What the next put() delivers: a batch's records as converted (built when the task
        # touches them), or a list after a revocation dropped some during a redelivery.
        self._batch: Sequence[SinkRecord] = []
        self._batch_offsets: dict[TopicPartition, int] = {}
        # The consumed messages behind `_batch` with the batch they became, for error reports.
        self._sources: list[tuple[list[Message], SinkBatch]] = []
        self._current: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._topics: set[str] = set()
        self._callback_failure: BaseException | None = None
        self._closing = False
        self._read = 0
        self._sent = 0
        self._skipped = 0

    # --- lifecycle -------------------------------------------------------------------------

    def run(self) -> None:
        start = self._start
        if self._config.dlq_topic:
            self._dlq = DeadLetterQueueReporter.create(
                start.worker,
                start.connector_config,
                self._config,
                connector=start.connector,
                task=start.task,
                counters=self._counters,
            )
            self._errors.add_reporter(self._dlq)
        try:
            self._consumer = Consumer(self._settings)
        except KafkaException as e:
            raise ConnectError(
                f"Failed to create the consumer of task {start.connector}-{start.task}: {e}"
            ) from e
        self._task.initialize(_SinkContext(self))
        self._watcher.start()
        try:
            self._task.start(start.task_config)
            tune_gc()
            self._consumer.subscribe(
                self._subscription,
                on_assign=self._on_assign,
                on_revoke=self._on_revoke,
                on_lost=self._on_lost,
            )
            self._target.report()
            self._loop()
        except BaseException:
            self._finish(graceful=False)
            raise
        self._finish(graceful=True)

    def _loop(self) -> None:
        while not self._watcher.stopping.is_set():
            self._handle_controls()
            if self._watcher.stopping.is_set():
                break
            self._apply_rewinds()
            self._poll_once()
            if self._timer.commit_due() or self.commit_requested:
                self.commit_requested = False
                self._commit()
            elif self._timer.metrics_due():
                self._emit_metrics()
        self._watcher.raise_failure()

    def _handle_controls(self) -> None:
        control = self._watcher.next()
        while control is not None:
            if isinstance(control, SetTargetState):
                if self._target.apply(control):
                    self._update_pauses()
                self._target.report()
            elif isinstance(control, Commit):
                self._commit()
            elif isinstance(control, Stop):
                return
            control = self._watcher.next()

    def _finish(self, graceful: bool) -> None:
        """Commits what was put and closes the partitions (Connect does so after a failure too:
        those records reached the task), then stops the task and closes the clients."""
        self._closing = True
        self._watcher.close()
        failure: BaseException | None = None
        try:
            if self._consumer is not None:
                self._commit(partitions=set(self.assigned))
                self._close_partitions(set(self.assigned))
        except Exception as e:
            failure = e
            logger.exception("Failed to commit offsets and close the partitions of the task.")
        try:
            self._task.stop()
        except Exception as e:
            failure = failure or e
            logger.exception("The task failed to stop.")
        try:
            if self._consumer is not None:
                self._consumer.close()
            self._errors.close()
        except Exception as e:
            failure = failure or e
            logger.exception("Failed to close the clients of the task.")
        if graceful and failure is not None:
            raise failure

    # --- consuming and delivering ----------------------------------------------------------

    def _poll_once(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        if self._paused_for_redelivery:
            wait = max(0.0, self._redeliver_at - time.monotonic())
        else:
            wait = CONSUME_WAIT_S
        wait = min(wait, CONSUME_WAIT_S, self._timer.until_commit())
        messages = consumer.consume(self._batch_size, wait)
        self._raise_callback_failure()
        if self._target.paused or self._paused_for_redelivery:
            # Records fetched before the pause took effect are read again after it.
            self._seek_back(self._usable(messages))
            if self._paused_for_redelivery and time.monotonic() >= self._redeliver_at:
                self._deliver()
            return
        if messages:
            self._convert(messages)
        self._deliver()

    def _usable(self, messages: list[Message]) -> list[RawRecord]:
        records = []
        for message in messages:
            error = message.error()
            if error is None:
                records.append(_raw(message))
            else:
                _consumer_error(error)
        return records

    def _seek_back(self, records: list[RawRecord]) -> None:
        first: dict[TopicPartition, int] = {}
        for record in records:
            assert record.partition is not None and record.offset is not None
            first.setdefault((record.topic, record.partition), record.offset)
        self.rewinds.update({tp: offset for tp, offset in first.items() if tp not in self.rewinds})
        self._apply_rewinds()

    def _convert(self, messages: list[Message]) -> None:
        batch = self._pipeline.sink_messages(messages, value_text=self._value_text)
        for position in batch.consumer_errors:
            consumer_error = messages[position].error()
            assert consumer_error is not None  # the native side left it out for carrying one
            _consumer_error(consumer_error)
        self._read += len(messages) - len(batch.consumer_errors)
        new_topics = sorted({topic for topic, _, _ in batch.offsets} - self._topics)
        if new_topics:
            self._topics.update(new_topics)
            self._channel.emit(TopicsUsed(new_topics))
        # Connect compat: every consumed record moves the offset, delivered or not.
        for topic, partition, offset in batch.offsets:
            self._batch_offsets[(topic, partition)] = offset
        if batch.failed:
            for position, error in batch.failed.items():
                stage, executing = self._classes.of(error)
                self._errors.execute_failed(
                    stage, executing, stage_exception(error), consumed=_raw(messages[position])
                )
                self._skipped += 1
            if not (self._config.log_enable or self._dlq is not None):
                # Never silently: one line per batch, the details behind errors.log.enable.
                logger.warning(
                    "Skipped %d record(s) that failed in the converters or transforms "
                    "(errors.tolerance=all); set `errors.log.enable=true` or a dead letter queue to "
                    "keep them.",
                    len(batch.failed),
                )
        # The previous batch was normally delivered (a redelivery pauses conversion); leftovers
        # would go first.
        self._batch = batch.records if not self._batch else [*self._batch, *batch.records]
        self._sources.append((messages, batch))

    def _deliver(self) -> None:
        batch = self._batch
        try:
            self._task.put(batch)
        except RetriableError as e:
            logger.error("RetriableError from SinkTask %s-%d: %s", self._start.connector, self._start.task, e)
            self._paused_for_redelivery = True
            timeout = self.retry_timeout_s
            self.retry_timeout_s = None
            self._redeliver_at = time.monotonic() + (timeout if timeout is not None else REDELIVERY_BACKOFF_S)
            self._update_pauses()
            return
        except Exception as e:
            raise ConnectError("Exiting WorkerSinkTask due to unrecoverable exception.") from e
        self._sent += len(batch)
        self._current.update(self._batch_offsets)
        self._batch = []
        self._batch_offsets = {}
        self._sources = []
        if self._paused_for_redelivery:
            self._paused_for_redelivery = False
            self._update_pauses()

    def report_errant(self, record: SinkRecord, error: Exception) -> None:
        self._errors.execute_failed(
            Stage.TASK_PUT, ERRANT_RECORD_CLASS, error, consumed=self._source_of(record)
        )

    def _source_of(self, record: SinkRecord) -> RawRecord | None:
        """The consumed record `record` came from: the batch record it is (or equals), else (a
        record the task built itself) by its coordinates."""
        for messages, batch in self._sources:
            try:
                index = batch.records.index(record)
            except ValueError:
                continue
            return _raw(messages[batch.position(index)])
        coordinates = (record.topic, record.kafka_partition, record.kafka_offset)
        for messages, _ in self._sources:
            for message in messages:
                if (
                    message.error() is None
                    and (message.topic(), message.partition(), message.offset()) == coordinates
                ):
                    return _raw(message)
        return None

    # --- partitions ------------------------------------------------------------------------

    def _kafka_partitions(self, partitions: Sequence[TopicPartition]) -> list[KafkaPartition]:
        return [KafkaPartition(topic, partition) for topic, partition in partitions]

    def _update_pauses(self) -> None:
        consumer = self._consumer
        if consumer is None or not self.assigned:
            return
        if self._target.paused or self._paused_for_redelivery:
            consumer.pause(self._kafka_partitions(sorted(self.assigned)))
        else:
            consumer.resume(self._kafka_partitions(sorted(self.assigned - self._task_paused)))
            if self._task_paused & self.assigned:
                consumer.pause(self._kafka_partitions(sorted(self._task_paused & self.assigned)))

    def task_pause(self, partitions: Sequence[TopicPartition]) -> None:
        self._task_paused.update(partitions)
        if self._consumer is not None:
            self._consumer.pause(self._kafka_partitions([p for p in partitions if p in self.assigned]))

    def task_resume(self, partitions: Sequence[TopicPartition]) -> None:
        self._task_paused.difference_update(partitions)
        if self._consumer is not None and not (self._target.paused or self._paused_for_redelivery):
            self._consumer.resume(self._kafka_partitions([p for p in partitions if p in self.assigned]))

    def _apply_rewinds(self) -> None:
        consumer = self._consumer
        if consumer is None or not self.rewinds:
            return
        for tp, offset in list(self.rewinds.items()):
            if tp not in self.assigned:
                continue
            try:
                consumer.seek(KafkaPartition(tp[0], tp[1], offset))
            except KafkaException as e:
                # A partition whose fetcher has not started yet; the next loop retries.
                logger.debug("Seeking %s to %d failed for now: %s.", tp, offset, e)
                continue
            del self.rewinds[tp]
            self._current[tp] = offset

    def _on_assign(self, consumer: Consumer, partitions: list[KafkaPartition]) -> None:
        try:
            tps = [(p.topic, p.partition) for p in partitions]
            self.assigned.update(tps)
            self._task.open(tps)
            rewound = False
            for p in partitions:
                offset = self.rewinds.pop((p.topic, p.partition), None)
                if offset is not None:
                    p.offset = offset
                    self._current[(p.topic, p.partition)] = offset
                    rewound = True
            if rewound:
                # Assigning here, with offsets, is how a seek takes effect before any fetch.
                if self._cooperative:
                    consumer.incremental_assign(partitions)
                else:
                    consumer.assign(partitions)
            if self._target.paused or self._paused_for_redelivery or self._task_paused:
                if not rewound:
                    if self._cooperative:
                        consumer.incremental_assign(partitions)
                    else:
                        consumer.assign(partitions)
                self._update_pauses()
        except BaseException as e:  # noqa: BLE001  # re-raised by the loop after consume() returns
            self._callback_failure = self._callback_failure or e

    def _on_revoke(self, _consumer: Consumer, partitions: list[KafkaPartition]) -> None:
        if self._closing:
            return
        try:
            tps = {(p.topic, p.partition) for p in partitions}
            self._commit(partitions=tps)
            self._close_partitions(tps)
        except BaseException as e:  # noqa: BLE001  # re-raised by the loop after consume() returns
            self._callback_failure = self._callback_failure or e

    def _on_lost(self, _consumer: Consumer, partitions: list[KafkaPartition]) -> None:
        try:
            self._close_partitions({(p.topic, p.partition) for p in partitions})
        except BaseException as e:  # noqa: BLE001  # re-raised by the loop after consume() returns
            self._callback_failure = self._callback_failure or e

    def _close_partitions(self, tps: set[TopicPartition]) -> None:
        if not tps:
            return
        # Connect compat: records of revoked partitions waiting for redelivery are dropped; the
        # new owner reads them again from the committed offset.
        self._batch = [r for r in self._batch if (r.topic, r.kafka_partition) not in tps]
        for tp in tps:
            self._batch_offsets.pop(tp, None)
            self._current.pop(tp, None)
            self._committed.pop(tp, None)
            self.rewinds.pop(tp, None)
        self.assigned.difference_update(tps)
        self._task.close(sorted(tps))

    def _raise_callback_failure(self) -> None:
        if self._callback_failure is not None:
            failure, self._callback_failure = self._callback_failure, None
            raise failure

    # --- commits and reports ---------------------------------------------------------------

    def _commit(self, partitions: set[TopicPartition] | None = None) -> None:
        consumer = self._consumer
        assert consumer is not None
        self._timer.committed()
        if self._dlq is not None:
            self._dlq.flush()  # errant records are durable before their offsets are committed
        scope = self.assigned if partitions is None else partitions & self.assigned
        current = {tp: offset for tp, offset in self._current.items() if tp in scope}
        try:
            committable = dict(self._task.pre_commit(current))
        except Exception:
            # Connect compat: `onCommitCompleted` after a failed preCommit rewinds to the last
            # committed offsets, so nothing put since is lost.
            logger.exception(
                "Commit of offsets threw an unexpected exception; rewinding to the last committed offsets."
            )
            for tp in current:
                if tp in self._committed:
                    self.rewinds[tp] = self._committed[tp]
                    self._current[tp] = self._committed[tp]
            self._emit_metrics()
            return
        to_commit = {}
        for tp, offset in committable.items():
            if tp not in scope:
                logger.warning(
                    "Ignoring the offset the task returned for %s: the partition is not assigned.", tp
                )
            elif self._committed.get(tp) != offset:
                to_commit[tp] = offset
        if to_commit:
            try:
                consumer.commit(
                    offsets=[KafkaPartition(t, p, o) for (t, p), o in sorted(to_commit.items())],
                    asynchronous=False,
                )
                self._committed.update(to_commit)
            except KafkaException as e:
                logger.error("Commit of offsets failed: %s.", e)
        self._emit_metrics()

    def _emit_metrics(self) -> None:
        counters: dict[str, float] = {
            "sink_record_read_total": float(self._read),
            "sink_record_send_total": float(self._sent),
            "sink_record_skip_total": float(self._skipped),
            "sink_record_active_count": float(len(self._batch)),
        }
        counters.update(self._counters.as_dict())
        self._channel.emit(Metrics(counters))


def run_sink_task(start: StartTask, channel: ControlChannel) -> None:
    """Runs the sink task `start` describes until `Stop`; a failure propagates.

    Raises:
        ConnectError: the task failed (unrecoverable `put`, tolerance exceeded, consumer failure).
    """
    SinkTaskRunner(start, channel).run()
