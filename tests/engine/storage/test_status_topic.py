"""StatusTopicStore: cache, tombstones, generation fencing of safe writes and flushes, on fake logs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from engine.errors import ConnectError
from engine.herder.entities import ConnectorTaskId
from engine.storage.kafka_log import KafkaBasedLog, LogRecord
from engine.storage.status_topic import Status, StatusTopicStore, TopicStatus

TASK = ConnectorTaskId("c", 0)


def test_put_is_cached_when_read_back(status_store: Any) -> None:
    store, log = status_store
    store.put(Status("c", "RUNNING", "w1:8083", 3, None, "1.0"))
    store.put(Status(TASK, "FAILED", "w1:8083", 3, "Traceback"))
    assert store.get("c") == Status("c", "RUNNING", "w1:8083", 3, None, "1.0")
    assert store.get_task(TASK).trace == "Traceback"
    assert store.tasks("c") == [store.get_task(TASK)]
    assert log.sent[0] == (
        b"status-connector-c",
        b'{"state":"RUNNING","trace":null,"worker_id":"w1:8083","generation":3,"version":"1.0"}',
    )


def test_put_safe_is_fenced_by_a_newer_generation_of_another_worker(status_store: Any) -> None:
    store, log = status_store
    store.put(Status(TASK, "RUNNING", "w2:8083", 5))
    assert store.put_safe(Status(TASK, "UNASSIGNED", "w1:8083", 4)) is None
    assert store.get_task(TASK).worker_id == "w2:8083"
    assert store.put_safe(Status(TASK, "UNASSIGNED", "w1:8083", 5)) is not None
    assert store.get_task(TASK).state == "UNASSIGNED"
    store.put(Status(TASK, "RUNNING", "w2:8083", 9))
    assert store.put_safe(Status(TASK, "FAILED", "w2:8083", 1)) is not None  # same worker
    assert len(log.sent) == 4


def test_destroyed_is_a_tombstone_and_drops_the_tasks_of_a_connector(status_store: Any) -> None:
    store, log = status_store
    store.put(Status("c", "RUNNING", "w", 1))
    store.put(Status(TASK, "RUNNING", "w", 1))
    store.delete("c", "w", 2)
    assert log.sent[-1] == (b"status-connector-c", None)
    assert store.get("c") is None
    assert store.get_task(TASK) is None
    assert store.all() == []


def test_topic_statuses(status_store: Any) -> None:
    store, log = status_store
    store.put_topic(TopicStatus("t1", "c", 0, 17))
    assert log.sent[-1][0] == b"status-topic-t1:connector-c"
    assert store.topics("c") == [TopicStatus("t1", "c", 0, 17)]
    store.delete_topic("c", "t1")
    assert store.get_topic("c", "t1") is None


def test_listener_hears_reads(status_store: Any) -> None:
    store, log = status_store
    heard: list[tuple[object, object]] = []

    class Listener:
        def on_status(self, id: object, status: object) -> None:
            heard.append((id, status))

    store.set_listener(Listener())
    store.put(Status(TASK, "RUNNING", "w", 1))
    log.feed(b"status-task-c-0", None)
    log.feed(b"status-task-bogus", b"{}")
    assert heard == [(TASK, Status(TASK, "RUNNING", "w", 1)), (TASK, None)]


class _SlowLog:
    """A log whose sends stay unacknowledged until `ack()`."""

    def __init__(self, on_record: Callable[[LogRecord], None]) -> None:
        self.pending: list[Future[None]] = []

    def send(self, key: bytes | None, value: bytes | None) -> Future[None]:
        future: Future[None] = Future()
        future.set_running_or_notify_cancel()
        self.pending.append(future)
        return future

    def ack(self) -> None:
        for future in self.pending:
            future.set_result(None)


def test_flush_waits_for_every_status_and_topic_write_so_far() -> None:
    logs: list[_SlowLog] = []

    def factory(on_record: Callable[[LogRecord], None]) -> KafkaBasedLog:
        logs.append(_SlowLog(on_record))
        return logs[-1]  # type: ignore[return-value]  # a duck-typed stand-in

    store = StatusTopicStore(factory)
    store.put_safe(Status(TASK, "UNASSIGNED", "w1:8083", 4))
    store.put_topic(TopicStatus("t", "c", 0, 1))
    with pytest.raises(ConnectError):
        store.flush(0.05)
    flushed = threading.Thread(target=store.flush, args=(10.0,))
    flushed.start()
    logs[0].ack()
    flushed.join(10.0)
    assert not flushed.is_alive()
    store.flush(0.0)  # nothing is pending any more
