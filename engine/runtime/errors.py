"""Connect's `errors.*` handling inside a task: retries, tolerance, the error log and reporters.

Connect compat: `RetryWithToleranceOperator`, `ProcessingContext`, `LogReporter`. A failing
operation is retried while it raises `RetriableError`, with exponential backoff from 300 ms capped
by `errors.retry.delay.max.ms`, until `errors.retry.timeout` (0 = no retry, -1 = forever) runs out.
A failure in a converter or transformation stage is *tolerated* under `errors.tolerance=all` — the
record is skipped and handed to the reporters (the error log, and for sinks the dead letter queue
in `engine.runtime.dlq`) — and fails the task under `none` with Connect's `Tolerance exceeded in
error handler`, the failure chained as the cause. Failures of other stages are never tolerated
unless they are retriable.

Records that the native pipeline rejects arrive here already failed (`execute_failed`): the
converters and the chain run in Rust and report per record which stage failed and why.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from engine.api.config import ConfigSpec
from engine.api.records import SourceRecord
from engine.config.connector import (
    DLQ_CONTEXT_HEADERS_ENABLE_CONFIG,
    DLQ_TOPIC_NAME_CONFIG,
    DLQ_TOPIC_REPLICATION_FACTOR_CONFIG,
    ERRORS_LOG_ENABLE_CONFIG,
    ERRORS_LOG_INCLUDE_MESSAGES_CONFIG,
    ERRORS_RETRY_MAX_DELAY_CONFIG,
    ERRORS_RETRY_TIMEOUT_CONFIG,
    ERRORS_TOLERANCE_CONFIG,
    SINK_SPEC,
)
from engine.errors import ConnectError, DataError, RetriableError
from engine.pipeline import RawRecord, StageError

__all__ = [
    "DLQ_SPEC",
    "ERRANT_RECORD_CLASS",
    "ERROR_HANDLING_SPEC",
    "SEND_FAILURE_CLASS",
    "ErrorContext",
    "ErrorCounters",
    "ErrorHandler",
    "ErrorHandlingConfig",
    "ErrorReporter",
    "LogReporter",
    "RetryAborted",
    "Stage",
    "class_name",
    "error_details",
    "stacktrace",
    "stage_exception",
]

logger = logging.getLogger("engine.runtime.errors")

T = TypeVar("T")

TOLERANCE_ALL = "all"

# Connect compat: `RetryWithToleranceOperator.RETRIES_DELAY_MIN_MS`.
RETRIES_DELAY_MIN_MS = 300

_ERROR_KEYS = (
    ERRORS_RETRY_TIMEOUT_CONFIG,
    ERRORS_RETRY_MAX_DELAY_CONFIG,
    ERRORS_TOLERANCE_CONFIG,
    ERRORS_LOG_ENABLE_CONFIG,
    ERRORS_LOG_INCLUDE_MESSAGES_CONFIG,
)
_DLQ_KEYS = (DLQ_TOPIC_NAME_CONFIG, DLQ_TOPIC_REPLICATION_FACTOR_CONFIG, DLQ_CONTEXT_HEADERS_ENABLE_CONFIG)
# The keys as the connector specs declare them (engine.config.connector), parsed on their own.
ERROR_HANDLING_SPEC = ConfigSpec.of([SINK_SPEC.keys[name] for name in _ERROR_KEYS])
DLQ_SPEC = ConfigSpec.of([SINK_SPEC.keys[name] for name in _DLQ_KEYS])


class Stage(enum.Enum):
    """Connect's `Stage`: where in the pipeline an operation runs; the value is Connect's name."""

    TASK_POLL = "TASK_POLL"
    TASK_PUT = "TASK_PUT"
    TRANSFORMATION = "TRANSFORMATION"
    KEY_CONVERTER = "KEY_CONVERTER"
    VALUE_CONVERTER = "VALUE_CONVERTER"
    HEADER_CONVERTER = "HEADER_CONVERTER"
    KAFKA_PRODUCE = "KAFKA_PRODUCE"
    KAFKA_CONSUME = "KAFKA_CONSUME"


# Connect compat: `RetryWithToleranceOperator.TOLERABLE_EXCEPTIONS` — any exception is tolerable
# in these stages; elsewhere only retriable ones are.
_TOLERATES_ANY = frozenset(
    {Stage.TRANSFORMATION, Stage.HEADER_CONVERTER, Stage.KEY_CONVERTER, Stage.VALUE_CONVERTER}
)


# Connect compat: the `executingClass` of the two failures no plugin executes is a fixed runtime
# class, whichever connector runs. `WorkerErrantRecordReporter.report` passes `SinkTask.class` for
# every record a sink task reports as errant (the reporter does not know the task's class), and
# `WorkerSourceTask.producerSendFailed` passes its own class for a record Kafka refused. DLQ
# consumers and log searches match on these names, so they are Connect's, not ours.
ERRANT_RECORD_CLASS = "org.apache.kafka.connect.sink.SinkTask"
SEND_FAILURE_CLASS = "org.apache.kafka.connect.runtime.WorkerSourceTask"


def class_name(cls: type) -> str:
    """A class's dotted name, as Connect reports `Class.getName()`."""
    return f"{cls.__module__}.{cls.__qualname__}"


def stage_exception(error: StageError) -> DataError:
    """The exception a record failed with in the native pipeline (Rust reports a message)."""
    return DataError(error.message)


@dataclass(frozen=True, slots=True)
class ErrorHandlingConfig:
    """The `errors.*` settings of a connector."""

    retry_timeout_ms: int = 0
    retry_delay_max_ms: int = 60000
    tolerance_all: bool = False
    log_enable: bool = False
    log_include_messages: bool = False
    dlq_topic: str = ""
    dlq_replication_factor: int = 3
    dlq_context_headers: bool = False

    @classmethod
    def from_connector_config(cls, config: Mapping[str, str], *, sink: bool) -> ErrorHandlingConfig:
        """Parses the keys; the dead letter queue keys only count for sinks, as in Connect.

        Raises:
            ConfigError: an invalid value, in Connect's words.
        """
        values = ERROR_HANDLING_SPEC.parse(config)
        dlq = DLQ_SPEC.parse(config if sink else {})
        return cls(
            retry_timeout_ms=values[ERRORS_RETRY_TIMEOUT_CONFIG],
            retry_delay_max_ms=values[ERRORS_RETRY_MAX_DELAY_CONFIG],
            tolerance_all=values[ERRORS_TOLERANCE_CONFIG] == TOLERANCE_ALL,
            log_enable=values[ERRORS_LOG_ENABLE_CONFIG],
            log_include_messages=values[ERRORS_LOG_INCLUDE_MESSAGES_CONFIG],
            dlq_topic=dlq[DLQ_TOPIC_NAME_CONFIG],
            dlq_replication_factor=dlq[DLQ_TOPIC_REPLICATION_FACTOR_CONFIG],
            dlq_context_headers=dlq[DLQ_CONTEXT_HEADERS_ENABLE_CONFIG],
        )


@dataclass(slots=True)
class ErrorContext:
    """One failed operation (Connect's `ProcessingContext` at report time)."""

    stage: Stage
    executing_class: str
    error: BaseException
    attempt: int = 1
    source_record: SourceRecord | None = None
    consumed: RawRecord | None = None

    def describe(self, include_messages: bool) -> str:
        """Connect compat: `ProcessingContext.toString(includeMessage)`."""
        text = f"Executing stage '{self.stage.value}' with class '{self.executing_class}'"
        if include_messages and self.source_record is not None:
            text += f", where source record is = {self.source_record}"
        elif include_messages and self.consumed is not None:
            msg = self.consumed
            text += f", where consumed record is {{topic='{msg.topic}', partition={msg.partition}"
            text += f", offset={msg.offset}"
            if msg.timestamp is not None:
                text += f", timestamp={msg.timestamp}, timestampType=CreateTime"
            text += "}"
        return text + "."


@dataclass(slots=True)
class ErrorCounters:
    """Connect's `ErrorHandlingMetrics`, as cumulative counters (names in snake case)."""

    total_record_failures: int = 0
    total_record_errors: int = 0
    total_records_skipped: int = 0
    total_retries: int = 0
    total_errors_logged: int = 0
    deadletterqueue_produce_requests: int = 0
    deadletterqueue_produce_failures: int = 0
    last_error_timestamp: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int = 1) -> None:
        # Delivery callbacks of the DLQ producer may count from librdkafka's poll on another thread.
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def as_dict(self) -> dict[str, float]:
        with self._lock:
            return {
                name: float(getattr(self, name))
                for name in self.__dataclass_fields__
                if not name.startswith("_")
            }


class ErrorReporter(Protocol):
    """Receives every failed operation (Connect's `ErrorReporter`)."""

    def report(self, context: ErrorContext) -> None: ...

    def close(self) -> None: ...


class LogReporter:
    """Connect compat: `LogReporter` — one ERROR log per failure when `errors.log.enable`."""

    def __init__(
        self, connector: str, task: int, config: ErrorHandlingConfig, counters: ErrorCounters
    ) -> None:
        self._task_id = f"{connector}-{task}"
        self._config = config
        self._counters = counters

    def message(self, context: ErrorContext) -> str:
        details = context.describe(self._config.log_include_messages)
        return f"Error encountered in task {self._task_id}. {details}"

    def report(self, context: ErrorContext) -> None:
        if not self._config.log_enable:
            return
        error = context.error
        logger.error(self.message(context), exc_info=(type(error), error, error.__traceback__))
        self._counters.add("total_errors_logged")

    def close(self) -> None:
        """Nothing to release."""


class RetryAborted(ConnectError):
    """The task is stopping while an operation waits to be retried: the batch is abandoned
    (not skipped, not committed) so it is processed again after a restart."""


class ErrorHandler:
    """Connect's `RetryWithToleranceOperator` for one task. Thread-safe.

    Args:
        config: the connector's `errors.*` settings.
        reporters: where failures go (log, dead letter queue), in order.
        counters: the task's error counters.
        stopping: set when the task stops; cuts a retry backoff short.
        clock: milliseconds, monotonic (tests inject one).
    """

    def __init__(
        self,
        config: ErrorHandlingConfig,
        reporters: Sequence[ErrorReporter] = (),
        counters: ErrorCounters | None = None,
        *,
        stopping: threading.Event | None = None,
        clock: Callable[[], float] = lambda: time.monotonic() * 1000,
    ) -> None:
        self.config = config
        self.counters = counters if counters is not None else ErrorCounters()
        self._reporters = list(reporters)
        self._stopping = stopping if stopping is not None else threading.Event()
        self._clock = clock
        self._total_failures = 0
        self._lock = threading.RLock()

    @property
    def tolerance_all(self) -> bool:
        return self.config.tolerance_all

    def add_reporter(self, reporter: ErrorReporter) -> None:
        self._reporters.append(reporter)

    def within_tolerance_limits(self) -> bool:
        with self._lock:
            return self.config.tolerance_all or self._total_failures == 0

    def _mark_failed(self) -> None:
        self.counters.last_error_timestamp = int(time.time() * 1000)
        self._total_failures += 1

    def _report(self, context: ErrorContext) -> None:
        self.counters.add("total_record_errors")
        for reporter in self._reporters:
            reporter.report(context)

    def execute(
        self,
        operation: Callable[[], T],
        stage: Stage,
        executing_class: str,
        *,
        source_record: SourceRecord | None = None,
        consumed: RawRecord | None = None,
    ) -> T | None:
        """Runs `operation`, retrying it while it raises `RetriableError`.

        Returns:
            Its result, or None when it failed and the failure is tolerated (the record is to be
            skipped; the failure was reported).

        Raises:
            ConnectError: `Tolerance exceeded in error handler` (or `Unhandled exception in error
                handler` for a non-retriable failure of a stage that tolerates only retriable
                ones), with the failure as `__cause__`.
            RetryAborted: the task started stopping during a retry backoff.
        """
        with self._lock:
            context = ErrorContext(
                stage, executing_class, ConnectError(), source_record=source_record, consumed=consumed
            )
            try:
                return self._retry(operation, context)
            except RetryAborted:
                raise
            except Exception as e:
                self.counters.add("total_record_failures")
                self._mark_failed()
                context.error = e
                self._report(context)
                tolerable = stage in _TOLERATES_ANY or isinstance(e, RetriableError)
                if not tolerable:
                    raise ConnectError("Unhandled exception in error handler") from e
                if not self.within_tolerance_limits():
                    raise ConnectError("Tolerance exceeded in error handler") from e
                self.counters.add("total_records_skipped")
                return None

    def _retry(self, operation: Callable[[], T], context: ErrorContext) -> T:
        start = self._clock()
        timeout = self.config.retry_timeout_ms
        deadline = float("inf") if timeout < 0 else start + timeout
        attempt = 0
        while True:
            attempt += 1
            context.attempt = attempt
            try:
                return operation()
            except RetriableError:
                logger.debug(
                    "Caught a retriable exception while executing `%s` operation with `%s`.",
                    context.stage.value,
                    context.executing_class,
                )
                if self._clock() >= deadline:
                    raise  # retries exhausted: handled as a failure by the caller
                self.counters.add("total_record_failures")
                self._backoff(attempt, deadline)
                self.counters.add("total_retries")

    def _backoff(self, attempt: int, deadline: float) -> None:
        delay: float = RETRIES_DELAY_MIN_MS << min(attempt - 1, 40)
        if delay > self.config.retry_delay_max_ms:
            # Connect compat: past the cap the delay is random below it (jitter).
            delay = random.uniform(0, max(self.config.retry_delay_max_ms, 0))
        delay = max(0.0, min(delay, deadline - self._clock()))
        logger.debug("Sleeping for %d ms before retrying.", delay)
        if self._stopping.wait(delay / 1000):
            raise RetryAborted("The task is stopping; the operation will not be retried.")

    def execute_failed(
        self,
        stage: Stage,
        executing_class: str,
        error: BaseException,
        *,
        source_record: SourceRecord | None = None,
        consumed: RawRecord | None = None,
        source_worker: bool = False,
    ) -> None:
        """Handles an operation that already failed (a record the native pipeline rejected, a
        record a sink task reports as errant, a record the producer could not write).

        The failure is reported (log, dead letter queue); under `errors.tolerance=all` the caller
        then skips the record.

        Raises:
            ConnectError: under `errors.tolerance=none`, `Tolerance exceeded in error handler`
                (`... in Source Worker error handler` with `source_worker`), chained to `error`.
        """
        with self._lock:
            self._mark_failed()
            self.counters.add("total_record_failures")
            self._report(
                ErrorContext(stage, executing_class, error, source_record=source_record, consumed=consumed)
            )
            if not self.within_tolerance_limits():
                where = "Source Worker error handler" if source_worker else "error handler"
                raise ConnectError(f"Tolerance exceeded in {where}") from error
            self.counters.add("total_records_skipped")

    def close(self) -> None:
        """Closes every reporter (flushing the dead letter queue); the first failure is raised
        after all were tried."""
        first: Exception | None = None
        for reporter in self._reporters:
            try:
                reporter.close()
            except Exception as e:  # every reporter must get its chance to close
                logger.error("Failed to close an error reporter.", exc_info=True)
                first = first or e
        if first is not None:
            raise ConnectError("Failed to close all reporters") from first


def stacktrace(error: BaseException) -> str:
    """The error's full trace, as Java's `printStackTrace` would give it."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def error_details(error: BaseException) -> dict[str, Any]:
    """Class name, message and trace of an error, for the dead letter queue headers."""
    return {
        "class": class_name(type(error)),
        "message": str(error) if str(error) else None,
        "stacktrace": stacktrace(error),
    }
