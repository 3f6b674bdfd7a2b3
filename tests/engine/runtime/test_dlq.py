"""Dead letter queue records and their `__connect.errors.*` headers (no broker needed)."""

from typing import Any

import pytest

from engine.errors import ConfigError, ConnectError, DataError, NotFoundError, RetriableError
from engine.pipeline import RawRecord
from engine.runtime.dlq import DeadLetterQueueReporter, context_headers, exception_class_name
from engine.runtime.errors import ErrorContext, ErrorCounters, ErrorHandlingConfig, Stage


class FakeProducer:
    def __init__(self) -> None:
        self.produced: list[tuple[str, dict[str, Any]]] = []

    def produce(self, topic: str, on_delivery: Any = None, **kwargs: Any) -> None:
        self.produced.append((topic, kwargs))

    def poll(self, timeout: float = 0) -> int:
        return 0


def failed(consumed: RawRecord | None) -> ErrorContext:
    try:
        raise DataError("Converting byte[] to Kafka Connect data failed")
    except DataError as e:
        return ErrorContext(
            Stage.VALUE_CONVERTER, "org.apache.kafka.connect.json.JsonConverter", e, consumed=consumed
        )


def test_context_headers_in_connects_order() -> None:
    headers = context_headers(failed(RawRecord("orders", 3, 17, 5, b"k", b"v", [])), "conn", 2)
    assert [k for k, _ in headers] == [
        "__connect.errors.topic",
        "__connect.errors.partition",
        "__connect.errors.offset",
        "__connect.errors.connector.name",
        "__connect.errors.task.id",
        "__connect.errors.stage",
        "__connect.errors.class.name",
        "__connect.errors.exception.class.name",
        "__connect.errors.exception.message",
        "__connect.errors.exception.stacktrace",
    ]
    values = dict(headers)
    assert values["__connect.errors.partition"] == b"3"
    assert values["__connect.errors.offset"] == b"17"
    assert values["__connect.errors.task.id"] == b"2"
    assert values["__connect.errors.exception.class.name"] == b"org.apache.kafka.connect.errors.DataException"
    assert values["__connect.errors.exception.message"] == b"Converting byte[] to Kafka Connect data failed"
    stacktrace = values["__connect.errors.exception.stacktrace"]
    assert stacktrace is not None and stacktrace.startswith(b"Traceback")


class CustomDataError(DataError):
    pass


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (DataError("x"), "org.apache.kafka.connect.errors.DataException"),
        (ConnectError("x"), "org.apache.kafka.connect.errors.ConnectException"),
        (RetriableError("x"), "org.apache.kafka.connect.errors.RetriableException"),
        (ConfigError("x"), "org.apache.kafka.common.config.ConfigException"),
        (NotFoundError("x"), "engine.errors.NotFoundError"),
        (CustomDataError("x"), f"{__name__}.CustomDataError"),
        (ValueError("x"), "ValueError"),
    ],
)
def test_exception_class_name_is_connects_java_name_for_its_mirrors(error: BaseException, name: str) -> None:
    assert exception_class_name(error) == name


def test_reporter_produces_the_original_bytes_with_or_without_context_headers() -> None:
    consumed = RawRecord("orders", 0, 1, 1234, b"key", b"\xffraw", [("h", b"1"), ("n", None)])
    for enabled in (False, True):
        producer = FakeProducer()
        config = ErrorHandlingConfig(dlq_topic="dlq", dlq_context_headers=enabled)
        counters = ErrorCounters()
        reporter = DeadLetterQueueReporter(producer, config, "conn", 0, counters)  # type: ignore[arg-type]
        reporter.report(failed(consumed))
        [(topic, sent)] = producer.produced
        assert topic == "dlq"
        assert (sent["key"], sent["value"], sent["timestamp"]) == (b"key", b"\xffraw", 1234)
        assert sent["headers"][:2] == [("h", b"1"), ("n", None)]
        assert (len(sent["headers"]) > 2) is enabled
        assert counters.deadletterqueue_produce_requests == 1


def test_reporter_counts_a_failure_without_a_consumed_record() -> None:
    producer = FakeProducer()
    counters = ErrorCounters()
    reporter = DeadLetterQueueReporter(producer, ErrorHandlingConfig(dlq_topic="dlq"), "c", 0, counters)  # type: ignore[arg-type]
    reporter.report(failed(None))
    assert producer.produced == []
    assert counters.deadletterqueue_produce_failures == 1
