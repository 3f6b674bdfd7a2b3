"""Connect's errors.* semantics: retries with backoff, tolerance none/all, the error log."""

import logging
import threading

import pytest

from engine.api import SourceRecord
from engine.errors import ConfigError, ConnectError, DataError, RetriableError
from engine.pipeline import RawRecord, StageError
from engine.runtime.errors import (
    ErrorContext,
    ErrorCounters,
    ErrorHandler,
    ErrorHandlingConfig,
    LogReporter,
    RetryAborted,
    Stage,
    class_name,
    stage_exception,
)


class FakeClock:
    """Milliseconds that advance only when the handler sleeps (through `stopping.wait`)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now


class SleepingEvent(threading.Event):
    def __init__(self, clock: FakeClock, stop_after: int | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.stop_after = stop_after

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.clock.sleeps.append(timeout * 1000)
        self.clock.now += timeout * 1000
        return self.stop_after is not None and len(self.clock.sleeps) >= self.stop_after


class Recorder:
    def __init__(self) -> None:
        self.contexts: list[ErrorContext] = []
        self.closed = False

    def report(self, context: ErrorContext) -> None:
        self.contexts.append(context)

    def close(self) -> None:
        self.closed = True


def flaky(failures: int, result: str = "ok") -> object:
    calls = {"n": 0}

    def operation() -> str:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise RetriableError(f"attempt {calls['n']}")
        return result

    operation.calls = calls  # type: ignore[attr-defined]  # test probe
    return operation


def handler(
    config: ErrorHandlingConfig, stop_after: int | None = None
) -> tuple[ErrorHandler, FakeClock, Recorder]:
    clock = FakeClock()
    recorder = Recorder()
    return (
        ErrorHandler(config, [recorder], stopping=SleepingEvent(clock, stop_after), clock=clock),
        clock,
        recorder,
    )


def test_config_parses_connect_keys_and_dlq_only_for_sinks() -> None:
    raw = {
        "errors.retry.timeout": "-1",
        "errors.retry.delay.max.ms": "1000",
        "errors.tolerance": "all",
        "errors.log.enable": "true",
        "errors.log.include.messages": "true",
        "errors.deadletterqueue.topic.name": " dlq ",
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    }
    sink = ErrorHandlingConfig.from_connector_config(raw, sink=True)
    assert sink == ErrorHandlingConfig(-1, 1000, True, True, True, "dlq", 1, True)
    assert ErrorHandlingConfig.from_connector_config(raw, sink=False).dlq_topic == ""
    assert ErrorHandlingConfig.from_connector_config({}, sink=True) == ErrorHandlingConfig()
    with pytest.raises(ConfigError, match=r"Invalid value ALL for configuration errors\.tolerance"):
        ErrorHandlingConfig.from_connector_config({"errors.tolerance": "ALL"}, sink=True)


def test_retriable_errors_are_retried_with_exponential_backoff_until_success() -> None:
    errors, clock, recorder = handler(ErrorHandlingConfig(retry_timeout_ms=60000, retry_delay_max_ms=60000))
    operation = flaky(3)
    assert errors.execute(operation, Stage.TASK_PUT, "t.Task") == "ok"  # type: ignore[arg-type]
    assert clock.sleeps == [300, 600, 1200]
    assert errors.counters.total_retries == 3
    assert recorder.contexts == []


def test_backoff_is_capped_by_the_max_delay_and_the_deadline() -> None:
    errors, clock, _ = handler(
        ErrorHandlingConfig(retry_timeout_ms=2000, retry_delay_max_ms=500, tolerance_all=True)
    )
    assert errors.execute(flaky(100), Stage.TASK_PUT, "t.Task") is None  # type: ignore[arg-type]
    assert clock.sleeps[0] == 300
    assert all(delay <= 500 for delay in clock.sleeps[1:])
    assert sum(clock.sleeps) == pytest.approx(2000)
    assert errors.counters.total_records_skipped == 1


def test_no_retry_by_default_and_tolerance_none_fails_with_connects_message() -> None:
    errors, clock, recorder = handler(ErrorHandlingConfig())
    with pytest.raises(ConnectError, match=r"^Tolerance exceeded in error handler$") as failure:
        errors.execute(flaky(1), Stage.KEY_CONVERTER, "c.Conv")  # type: ignore[arg-type]
    assert isinstance(failure.value.__cause__, RetriableError)
    assert clock.sleeps == []
    assert [c.stage for c in recorder.contexts] == [Stage.KEY_CONVERTER]  # reported before failing


def test_infinite_retries_stop_only_when_the_task_stops() -> None:
    errors, clock, _ = handler(
        ErrorHandlingConfig(retry_timeout_ms=-1, retry_delay_max_ms=1000), stop_after=20
    )
    with pytest.raises(RetryAborted):
        errors.execute(flaky(10**6), Stage.TASK_PUT, "t.Task")  # type: ignore[arg-type]
    assert len(clock.sleeps) == 20


def test_converter_failure_is_skipped_under_tolerance_all() -> None:
    errors, _, recorder = handler(ErrorHandlingConfig(tolerance_all=True))

    def bad() -> str:
        raise DataError("not JSON")

    assert errors.execute(bad, Stage.VALUE_CONVERTER, "JsonConverter") is None
    assert errors.execute(lambda: "next", Stage.VALUE_CONVERTER, "JsonConverter") == "next"
    assert errors.counters.total_records_skipped == 1
    assert isinstance(recorder.contexts[0].error, DataError)


def test_non_retriable_failure_outside_converters_is_unhandled_even_under_all() -> None:
    errors, _, _ = handler(ErrorHandlingConfig(tolerance_all=True))

    def bad() -> str:
        raise ValueError("boom")

    with pytest.raises(ConnectError, match=r"^Unhandled exception in error handler$"):
        errors.execute(bad, Stage.KAFKA_PRODUCE, "Producer")


def test_execute_failed_reports_and_tolerates_or_fails() -> None:
    record = RawRecord("t", 0, 7, 1000, b"k", b"v", [])
    tolerant, _, recorder = handler(ErrorHandlingConfig(tolerance_all=True))
    tolerant.execute_failed(Stage.VALUE_CONVERTER, "JsonConverter", DataError("bad"), consumed=record)
    assert recorder.contexts[0].consumed is record
    assert tolerant.counters.total_record_errors == 1

    strict, _, recorder = handler(ErrorHandlingConfig())
    with pytest.raises(ConnectError, match=r"^Tolerance exceeded in Source Worker error handler$"):
        strict.execute_failed(Stage.KAFKA_PRODUCE, "Producer", DataError("bad"), source_worker=True)
    assert len(recorder.contexts) == 1


def test_stage_exception_carries_the_native_message() -> None:
    error = stage_exception(StageError("VALUE_CONVERTER", "Converting byte[] to Kafka Connect data failed"))
    assert isinstance(error, DataError)
    assert str(error) == "Converting byte[] to Kafka Connect data failed"
    assert class_name(DataError) == "engine.errors.DataError"


def test_log_reporter_uses_connects_message(caplog: pytest.LogCaptureFixture) -> None:
    counters = ErrorCounters()
    consumed = RawRecord("orders", 2, 41, 1700, b"secret-key", b"secret-value", [])
    context = ErrorContext(Stage.VALUE_CONVERTER, "JsonConverter", DataError("bad"), consumed=consumed)
    quiet = LogReporter("c", 0, ErrorHandlingConfig(log_enable=False), counters)
    quiet.report(context)
    assert caplog.records == []

    caplog.set_level(logging.ERROR, logger="engine.runtime.errors")
    LogReporter("c", 0, ErrorHandlingConfig(log_enable=True), counters).report(context)
    LogReporter("c", 0, ErrorHandlingConfig(log_enable=True, log_include_messages=True), counters).report(
        context
    )
    first, second = (r.getMessage() for r in caplog.records)
    assert (
        first
        == "Error encountered in task c-0. Executing stage 'VALUE_CONVERTER' with class 'JsonConverter'."
    )
    assert second == (
        "Error encountered in task c-0. Executing stage 'VALUE_CONVERTER' with class 'JsonConverter', "
        "where consumed record is {topic='orders', partition=2, offset=41, "
        "timestamp=1700, timestampType=CreateTime}."
    )
    assert "secret" not in caplog.text
    assert counters.total_errors_logged == 2


def test_log_includes_the_source_record_when_asked() -> None:
    record = SourceRecord({"f": "a"}, {"p": 1}, "t", "line")
    context = ErrorContext(Stage.TRANSFORMATION, "RegexRouter", DataError("x"), source_record=record)
    assert context.describe(True).startswith(
        "Executing stage 'TRANSFORMATION' with class 'RegexRouter', where source record is = SourceRecord("
    )


def test_close_closes_every_reporter() -> None:
    errors, _, recorder = handler(ErrorHandlingConfig())
    errors.close()
    assert recorder.closed
