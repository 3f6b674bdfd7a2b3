"""ConfigTopicStore's reading rules (Connect's KafkaConfigBackingStore), on a fake log."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import ConfigError
from engine.herder.entities import ConnectorTaskId
from engine.storage.config_topic import (
    ConfigTopicStore,
    RestartRequest,
    SessionKey,
    parse_task_key,
)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def on_connector_config_update(self, connector: str) -> None:
        self.calls.append(("update", connector))

    def on_connector_config_remove(self, connector: str) -> None:
        self.calls.append(("remove", connector))

    def on_task_config_update(self, tasks: list[ConnectorTaskId]) -> None:
        self.calls.append(("tasks", tasks))

    def on_target_state_change(self, connector: str) -> None:
        self.calls.append(("state", connector))

    def on_restart_request(self, request: RestartRequest) -> None:
        self.calls.append(("restart", request))

    def on_session_key_update(self, key: SessionKey) -> None:
        self.calls.append(("session", key))

    def on_logger_level(self, namespace: str, level: str) -> None:
        self.calls.append(("logger", (namespace, level)))


def test_task_configs_apply_only_with_their_commit(config_store: Any) -> None:
    store, log = config_store
    store.put_connector_config("c", {"k": "v"})
    log.feed(b"task-c-0", b'{"properties":{"t":"0"}}')
    log.feed(b"task-c-1", b'{"properties":{"t":"1"}}')
    assert store.snapshot().tasks("c") == []
    log.feed(b"commit-c", b'{"tasks":2}')
    state = store.snapshot()
    assert state.tasks("c") == [ConnectorTaskId("c", 0), ConnectorTaskId("c", 1)]
    assert state.task_config(ConnectorTaskId("c", 1)) == {"t": "1"}


def test_a_commit_without_all_its_tasks_marks_the_connector_inconsistent(config_store: Any) -> None:
    store, log = config_store
    store.put_connector_config("c", {})
    log.feed(b"task-c-1", b'{"properties":{}}')
    log.feed(b"commit-c", b'{"tasks":2}')
    state = store.snapshot()
    assert state.inconsistent == {"c"}
    assert state.tasks("c") == []
    store.put_task_configs("c", [{"a": "0"}, {"a": "1"}])
    assert store.snapshot().inconsistent == frozenset()
    assert store.snapshot().tasks("c") == [ConnectorTaskId("c", 0), ConnectorTaskId("c", 1)]


def test_a_commit_for_an_unknown_connector_is_ignored(config_store: Any) -> None:
    store, log = config_store
    log.feed(b"task-gone-0", b'{"properties":{}}')
    log.feed(b"commit-gone", b'{"tasks":1}')
    assert store.snapshot().task_configs == {}
    assert store.snapshot().task_counts == {}


def test_target_state_prefers_state_v2_and_falls_back_on_state(config_store: Any) -> None:
    store, log = config_store
    store.put_connector_config("c", {})
    assert store.snapshot().target_state("c") == "STARTED"
    log.feed(b"target-state-c", b'{"state":"PAUSED","state.v2":"STOPPED"}')
    assert store.snapshot().target_state("c") == "STOPPED"
    log.feed(b"target-state-c", b'{"state":"PAUSED"}')
    assert store.snapshot().target_state("c") == "PAUSED"
    log.feed(b"target-state-c", b'{"state":"BOGUS"}')
    assert store.snapshot().target_state("c") == "PAUSED"


def test_listener_hears_changes_after_start(config_store: Any) -> None:
    store, _ = config_store
    recorder = Recorder()
    store.set_listener(recorder)
    store.put_connector_config("c", {"x": "1"}, target_state="PAUSED")
    store.put_target_state("c", "PAUSED")  # unchanged: no callback
    store.put_target_state("c", "STARTED")
    store.put_task_configs("c", [{"t": "0"}])
    store.put_restart_request("c", only_failed=True, include_tasks=False)
    store.put_session_key(SessionKey(b"k", "HmacSHA256", 5))
    store.put_logger_level("org.x", "DEBUG")
    store.remove_connector_config("c")
    assert recorder.calls == [
        ("update", "c"),
        ("state", "c"),
        ("tasks", [ConnectorTaskId("c", 0)]),
        ("restart", RestartRequest("c", only_failed=True, include_tasks=False)),
        ("session", SessionKey(b"k", "HmacSHA256", 5)),
        ("logger", ("org.x", "DEBUG")),
        ("remove", "c"),
    ]
    assert store.snapshot().session_key == SessionKey(b"k", "HmacSHA256", 5)


def test_restart_request_fields_default_to_false(config_store: Any) -> None:
    store, log = config_store
    recorder = Recorder()
    store.set_listener(recorder)
    log.feed(b"restart-connector-c", b'{"include-tasks":"yes"}')
    assert recorder.calls == [("restart", RestartRequest("c", only_failed=False, include_tasks=False))]


def test_nothing_is_heard_before_start() -> None:
    logs: list[Any] = []

    class Log:
        topic, partitions = "t", [0]

        def __init__(self, on_record: Any) -> None:
            self.on_record = on_record
            logs.append(self)

        def start(self, timeout: float) -> None:
            from engine.storage.kafka_log import LogRecord  # noqa: PLC0415

            self.on_record(LogRecord(b"connector-c", b'{"properties":{}}', 0, 0, 0))
            self.on_record(LogRecord(b"logger-cluster-x", b'{"level":"DEBUG"}', 0, 1, 0))

    store = ConfigTopicStore(Log)  # type: ignore[arg-type]  # a duck-typed log
    recorder = Recorder()
    store.set_listener(recorder)
    store.start()
    assert recorder.calls == []
    assert store.snapshot().connectors() == ["c"]
    assert store.snapshot().offset == 2


def test_start_refuses_a_config_topic_with_several_partitions(config_store: Any) -> None:
    _, log = config_store
    log.partitions = [0, 1]
    log.topic = "cfg"
    store = ConfigTopicStore(lambda on_record: log)
    with pytest.raises(
        ConfigError,
        match=r"^Topic 'cfg' supplied via the 'config\.storage\.topic' property is required to have a single",
    ):
        store.start()


@pytest.mark.parametrize(
    ("key", "task"),
    [
        ("task-c-0", ConnectorTaskId("c", 0)),
        ("task-my-conn-12", ConnectorTaskId("my-conn", 12)),
        ("task-c-x", None),
        ("task-0", None),
    ],
)
def test_parse_task_key(key: str, task: ConnectorTaskId | None) -> None:
    assert parse_task_key(key) == task


def test_unknown_keys_and_bad_json_are_discarded(config_store: Any) -> None:
    store, log = config_store
    log.feed(b"nonsense", b"{}")
    log.feed(b"connector-c", b"not json")
    log.feed(b"connector-d", b'{"properties":"not a map"}')
    assert store.snapshot().connectors() == []
