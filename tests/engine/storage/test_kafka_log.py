"""KafkaBasedLog against the real broker: read to end, acks, murmur2 partitioning, two readers."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from engine.errors import ConnectError
from engine.storage.kafka_log import KafkaBasedLog, LogRecord
from engine.storage.topics import InternalTopic, ensure_topics

pytestmark = pytest.mark.integration


def create(bootstrap: str, name: str, partitions: int) -> None:
    topic = InternalTopic(name, "offset.storage.topic", "tests", partitions, 1, {"cleanup.policy": "compact"})
    assert ensure_topics({"bootstrap.servers": bootstrap}, [topic]) == {name}


class Reader:
    def __init__(self) -> None:
        self.records: list[LogRecord] = []
        self.lock = threading.Lock()

    def __call__(self, record: LogRecord) -> None:
        with self.lock:
            self.records.append(record)


@pytest.fixture
def logs() -> Iterator[list[KafkaBasedLog]]:
    started: list[KafkaBasedLog] = []
    yield started
    for log in started:
        log.stop()


def test_a_second_log_reads_what_the_first_wrote(
    kafka_bootstrap: str, unique_topic: str, logs: list[KafkaBasedLog]
) -> None:
    create(kafka_bootstrap, unique_topic, 3)
    first, second = Reader(), Reader()
    writer = KafkaBasedLog(kafka_bootstrap, unique_topic, {}, first)
    logs.append(writer)
    writer.start(30)
    assert first.records == []
    futures = [writer.send(f"k{i}".encode(), f"v{i}".encode()) for i in range(20)]
    futures.append(writer.send(b"k0", None))
    for future in futures:
        future.result(10)
    writer.read_to_end(10)
    assert len(first.records) == 21
    reader = KafkaBasedLog(kafka_bootstrap, unique_topic, {}, second)
    logs.append(reader)
    reader.start(30)  # start() returns only once the existing records were read
    assert sorted((r.partition, r.offset, r.key) for r in second.records) == sorted(
        (r.partition, r.offset, r.key) for r in first.records
    )
    by_key: dict[bytes | None, list[bytes | None]] = {}
    for record in second.records:
        by_key.setdefault(record.key, []).append(record.value)
    assert by_key[b"k0"] == [b"v0", None]  # one key, one partition, in order


def test_keys_land_where_a_java_worker_puts_them(
    kafka_bootstrap: str, unique_topic: str, logs: list[KafkaBasedLog]
) -> None:
    # Connect 4.3.1 wrote this key to partition 12 of its 25-partition offsets topic (golden records).
    key = b'["golden-source",{"filename":"/tmp/golden-tsz569hs/in.txt"}]'
    create(kafka_bootstrap, unique_topic, 25)
    reader = Reader()
    log = KafkaBasedLog(kafka_bootstrap, unique_topic, {}, reader)
    logs.append(log)
    log.start(30)
    log.send(key, b'{"position":14}').result(10)
    log.read_to_end(10)
    assert [(r.partition, r.key) for r in reader.records] == [(12, key)]


def test_start_fails_for_a_missing_topic(kafka_bootstrap: str, unique_topic: str) -> None:
    log = KafkaBasedLog(kafka_bootstrap, unique_topic, {"allow.auto.create.topics": False}, Reader())
    with pytest.raises(ConnectError, match="Could not look up partition metadata"):
        log.start(2)
    log.stop()


def test_send_after_stop_is_refused(kafka_bootstrap: str, unique_topic: str) -> None:
    create(kafka_bootstrap, unique_topic, 1)
    log = KafkaBasedLog(kafka_bootstrap, unique_topic, {}, Reader())
    log.start(30)
    log.stop()
    with pytest.raises(ConnectError, match="is not running"):
        log.send(b"k", b"v")
