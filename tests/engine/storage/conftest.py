"""A Kafka-less stand-in for `KafkaBasedLog`: sends are acknowledged and read back at once, in order."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

import pytest

from engine.storage.config_topic import ConfigTopicStore
from engine.storage.kafka_log import KafkaBasedLog, LogRecord
from engine.storage.offset_topic import OffsetTopicStore
from engine.storage.status_topic import StatusTopicStore


class FakeLog:
    """Records every send; `deliver` (default on) feeds each one back to `on_record` like a real read."""

    def __init__(self, on_record: Callable[[LogRecord], None], partitions: int = 1) -> None:
        self.topic = "fake"
        self.partitions = list(range(partitions))
        self.on_record = on_record
        self.sent: list[tuple[bytes | None, bytes | None]] = []
        self.deliver = True
        self.offset = 0
        self.started = False
        self.read_to_end_calls = 0

    def start(self, timeout: float = 60.0) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def read_to_end(self, timeout: float = 30.0) -> None:
        self.read_to_end_calls += 1

    def send(self, key: bytes | None, value: bytes | None) -> Future[None]:
        self.sent.append((key, value))
        if self.deliver:
            self.feed(key, value)
        future: Future[None] = Future()
        future.set_result(None)
        return future

    def feed(self, key: bytes | None, value: bytes | None, partition: int = 0) -> None:
        """Hands a record to the store as if read from the topic."""
        self.on_record(LogRecord(key, value, partition, self.offset, 0))
        self.offset += 1


@pytest.fixture
def config_store() -> tuple[ConfigTopicStore, FakeLog]:
    """A started ConfigTopicStore on a FakeLog."""
    logs: list[FakeLog] = []
    store = ConfigTopicStore(lambda on_record: _fake(on_record, logs))
    store.start()
    return store, logs[0]


@pytest.fixture
def status_store() -> tuple[StatusTopicStore, FakeLog]:
    logs: list[FakeLog] = []
    store = StatusTopicStore(lambda on_record: _fake(on_record, logs))
    store.start()
    return store, logs[0]


@pytest.fixture
def offset_store() -> tuple[OffsetTopicStore, FakeLog]:
    logs: list[FakeLog] = []
    store = OffsetTopicStore(lambda on_record: _fake(on_record, logs))
    store.start()
    return store, logs[0]


def _fake(on_record: Callable[[LogRecord], None], logs: list[FakeLog]) -> KafkaBasedLog:
    log = FakeLog(on_record)
    logs.append(log)
    return log  # type: ignore[return-value]  # a duck-typed stand-in
