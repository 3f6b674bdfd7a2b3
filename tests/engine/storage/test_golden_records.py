"""Our internal-topic records against those Apache Kafka Connect 4.3.1 wrote (byte for byte).

The golden records come from a real distributed worker driven through create, pause, resume, stop,
offset alteration and reset, restart, a cluster logger level and deletion
(tests/compat/golden/internal_topics/generate.py). Each record is re-encoded by our writers from the
fields it holds and must give the same bytes; the whole topics are replayed into our stores.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from engine.herder.entities import ConnectorTaskId
from engine.storage.config_topic import SessionKey
from engine.storage.offset_topic import offset_key, offset_value
from engine.storage.status_topic import (
    Status,
    TopicStatus,
    status_key,
    status_value,
    topic_status_key,
    topic_status_value,
)

GOLDEN = Path(__file__).parents[2] / "compat" / "golden" / "internal_topics" / "records.jsonl"
RECORDS = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
SOURCE, SINK = "golden-source", "golden-sink"


def of(topic: str) -> list[dict[str, Any]]:
    return [r for r in RECORDS if r["topic"] == topic]


def encoded(value: str | None) -> bytes | None:
    return None if value is None else value.encode()


def test_the_golden_file_covers_every_kind_of_record() -> None:
    prefixes = {r["key"].split("-golden")[0] for r in RECORDS}
    assert {
        "session-key",
        "connector",
        "task",
        "commit",
        "target-state",
        "restart-connector",
        "logger-cluster-org.apache.kafka.connect.file",
        "status-connector",
        "status-task",
        "status-topic",
    } <= prefixes | {r["key"] for r in of("config")}
    assert any(r["value"] is None for r in of("offset"))


# Target-state tombstones are written by remove_connector_config, checked with the connector's.
WRITTEN_ALONE = [r for r in of("config") if not (r["key"].startswith("target-state-") and r["value"] is None)]


@pytest.mark.parametrize("record", WRITTEN_ALONE, ids=lambda r: f"{r['offset']}-{r['key']}")
def test_config_writers_give_connects_bytes(record: dict[str, Any], config_store: Any) -> None:
    store, log = config_store
    log.deliver = False
    key, value = record["key"], record["value"]
    fields: Any = None if value is None else json.loads(value)
    if key == "session-key":
        assert fields is not None
        store.put_session_key(
            SessionKey(base64.b64decode(fields["key"]), fields["algorithm"], fields["creation-timestamp"])
        )
    elif key.startswith("connector-") and fields is not None:
        store.put_connector_config(key.removeprefix("connector-"), fields["properties"])
    elif key.startswith("connector-"):
        store.remove_connector_config(key.removeprefix("connector-"))
        assert log.sent[1] == (b"target-state-" + key.removeprefix("connector-").encode(), None)
    elif key.startswith("target-state-"):
        store.put_target_state(key.removeprefix("target-state-"), fields["state.v2"])
    elif key.startswith("task-"):
        name, number = key.removeprefix("task-").rsplit("-", 1)
        configs: list[dict[str, str]] = [{}] * int(number) + [fields["properties"]]
        store.put_task_configs(name, configs)
        log.sent = [log.sent[int(number)]]
    elif key.startswith("commit-"):
        store.put_task_configs(key.removeprefix("commit-"), [{}] * fields["tasks"])
        log.sent = log.sent[-1:]
    elif key.startswith("restart-connector-"):
        store.put_restart_request(
            key.removeprefix("restart-connector-"), fields["only-failed"], fields["include-tasks"]
        )
    elif key.startswith("logger-cluster-"):
        store.put_logger_level(key.removeprefix("logger-cluster-"), fields["level"])
    else:
        pytest.fail(f"unexpected golden key {key}")
    assert log.sent[0] == (key.encode(), encoded(value))


def test_a_create_with_an_initial_state_writes_the_state_first(config_store: Any) -> None:
    store, log = config_store
    connector = next(r for r in of("config") if r["key"] == f"connector-{SINK}")
    state = next(r for r in of("config") if r["key"] == f"target-state-{SINK}")
    store.put_connector_config(SINK, json.loads(connector["value"])["properties"], target_state="PAUSED")
    assert log.sent == [
        (state["key"].encode(), state["value"].encode()),
        (connector["key"].encode(), connector["value"].encode()),
    ]


def test_replaying_the_config_topic(config_store: Any) -> None:
    store, log = config_store
    seen = []
    for record in of("config"):
        log.feed(record["key"].encode(), encoded(record["value"]))
        seen.append(store.snapshot())
        if record["key"] == "restart-connector-golden-source":
            break
    state = seen[-1]
    assert state.offset == 14
    assert state.connectors() == [SINK, SOURCE]
    assert state.target_state(SINK) == "PAUSED"
    assert state.target_state(SOURCE) == "STARTED"
    assert state.tasks(SOURCE) == [ConnectorTaskId(SOURCE, 0)]
    assert state.task_config(ConnectorTaskId(SOURCE, 0))["task.class"] == (
        "org.apache.kafka.connect.file.FileStreamSourceTask"
    )
    assert state.session_key is not None and state.session_key.algorithm == "HmacSHA256"
    assert seen[8].task_count(SOURCE) == 0  # the stop: zero task configs committed
    assert seen[9].target_state(SOURCE) == "STOPPED"  # read from state.v2, not the legacy PAUSED
    for record in of("config")[14:]:
        log.feed(record["key"].encode(), encoded(record["value"]))
    final = store.snapshot()
    assert final.connectors() == []
    assert final.task_configs == {}
    assert final.target_states == {}


@pytest.mark.parametrize(
    "record", [r for r in of("status") if r["key"].startswith("status-") and r["value"] is not None]
)
def test_status_writers_give_connects_bytes(record: dict[str, Any]) -> None:
    key, fields = record["key"], json.loads(record["value"])
    if key.startswith("status-topic-"):
        topic = fields["topic"]
        found = TopicStatus(topic["name"], topic["connector"], topic["task"], topic["discoverTimestamp"])
        assert topic_status_key(found.connector, found.topic) == key
        assert topic_status_value(found) == record["value"].encode()
        return
    if key.startswith("status-task-"):
        name, number = key.removeprefix("status-task-").rsplit("-", 1)
        id: str | ConnectorTaskId = ConnectorTaskId(name, int(number))
    else:
        id = key.removeprefix("status-connector-")
    status = Status(
        id, fields["state"], fields["worker_id"], fields["generation"], fields["trace"], fields["version"]
    )
    assert status_key(id) == key
    assert status_value(status) == record["value"].encode()


def test_replaying_the_status_topic(status_store: Any) -> None:
    store, log = status_store
    by_partition = sorted(of("status"), key=lambda r: (r["partition"], r["offset"]))
    for record in by_partition:
        if record["partition"] == 1 and record["offset"] == 11:
            running = store.get_task(ConnectorTaskId(SOURCE, 0))
            assert running == Status(
                ConnectorTaskId(SOURCE, 0), "RUNNING", running.worker_id, 7, None, "4.3.1"
            )
        log.feed(record["key"].encode(), encoded(record["value"]), record["partition"])
    assert store.all() == []
    assert store.topics(SOURCE) == []


def test_replaying_topic_statuses(status_store: Any) -> None:
    store, log = status_store
    first = next(
        r for r in of("status") if r["key"].startswith("status-topic-golden-data:connector-golden-sink")
    )
    log.feed(first["key"].encode(), first["value"].encode())
    assert [s.topic for s in store.topics(SINK)] == ["golden-data"]
    assert store.get_topic(SINK, "golden-data").task == 0


@pytest.mark.parametrize("record", of("offset"), ids=lambda r: str(r["offset"]))
def test_offset_writers_give_connects_bytes(record: dict[str, Any]) -> None:
    connector, partition = json.loads(record["key"])
    assert offset_key(connector, partition) == record["key"].encode()
    value = None if record["value"] is None else json.loads(record["value"])
    assert offset_value(value) == encoded(record["value"])


def test_replaying_the_offsets_topic(offset_store: Any) -> None:
    store, log = offset_store
    records = of("offset")
    partition = json.loads(records[0]["key"])[1]
    log.feed(records[0]["key"].encode(), records[0]["value"].encode(), 12)
    assert store.get(SOURCE, partition) == {"position": 14}
    log.feed(records[2]["key"].encode(), None, 12)
    assert store.connector_partitions(SOURCE) == []
    log.feed(records[3]["key"].encode(), records[3]["value"].encode(), 12)
    assert store.offsets(SOURCE) == [(partition, {"position": 14})]


def test_offset_store_put_writes_connects_bytes(offset_store: Any) -> None:
    store, log = offset_store
    record = of("offset")[1]
    connector, partition = json.loads(record["key"])
    store.put(connector, [(partition, json.loads(record["value"]))])
    assert log.sent == [(record["key"].encode(), record["value"].encode())]
