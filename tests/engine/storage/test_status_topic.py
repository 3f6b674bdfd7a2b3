"""StatusTopicStore: cache, tombstones and generation fencing of safe writes, on a fake log."""

from __future__ import annotations

from typing import Any

from engine.herder.entities import ConnectorTaskId
from engine.storage.status_topic import Status, TopicStatus

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
