"""Three real `kconnect distributed` workers on one machine against the session broker.

Each worker is a subprocess (`python -m engine.distributed`) on its own REST port; the tests talk
to them over HTTP and stop them with SIGTERM (clean bounce) or SIGKILL (hard bounce).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_S = 60.0
# The topic is read until no record came for IDLE_S.
IDLE_S = 3.0
READ_TIMEOUT_S = 60.0


class DistributedWorker:
    def __init__(self, directory: Path, props: dict[str, str], port: int) -> None:
        self.dir = directory
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = directory / f"worker-{port}.log"
        self.props_file = directory / f"worker-{port}.properties"
        own = {**props, "listeners": self.url}
        self.props_file.write_text("".join(f"{k}={v}\n" for k, v in own.items()))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.distributed", str(self.props_file)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"The worker exited with {self.process.returncode}:\n{self.log.read_text()}"
                )
            try:
                if self.call("GET", "/kconnect/cluster")[1].get("generation", -1) >= 0:
                    return
            except (OSError, AttributeError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"The worker did not join within {START_TIMEOUT_S} s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise AssertionError(f"The worker did not stop:\n{self.log.read_text()}") from None
        return self.process.returncode

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=100) as reply:
                raw, status = reply.read(), reply.status
        except urllib.error.HTTPError as error:
            with error:
                raw, status = error.read(), error.code
        return status, json.loads(raw) if raw else None


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (task processes, the forkserver), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = SETTLE_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"Timed out waiting for {what}.")


@pytest.fixture(scope="module")
def cluster_props(kafka_bootstrap: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {
        "bootstrap.servers": kafka_bootstrap,
        "group.id": f"kc-{suffix}",
        "config.storage.topic": f"kc-{suffix}-configs",
        "offset.storage.topic": f"kc-{suffix}-offsets",
        "status.storage.topic": f"kc-{suffix}-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "offset.storage.partitions": "3",
        "status.storage.partitions": "2",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.flush.interval.ms": "500",
        "task.shutdown.graceful.timeout.ms": "5000",
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "1000",
        "scheduled.rebalance.max.delay.ms": "5000",
    }


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    with contextlib.ExitStack() as stack:
        for sock in sockets:
            stack.enter_context(sock)
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, cluster_props: dict[str, str]
) -> Iterator[list[DistributedWorker]]:
    """Three workers shared by the tests of this file; every test leaves all three running."""
    directory = tmp_path_factory.mktemp("cluster")
    workers = [DistributedWorker(directory, cluster_props, port) for port in _free_ports(3)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait_ready()
        yield workers
    finally:
        for worker in workers:
            if worker.process is not None and worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in workers:
            if worker.process is not None:
                try:
                    worker.process.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait(10)


def leader_of(workers: list[DistributedWorker]) -> DistributedWorker:
    for worker in workers:
        if worker.call("GET", "/kconnect/cluster")[1].get("leader"):
            return worker
    raise AssertionError("no leader")


def states(worker: DistributedWorker, name: str) -> tuple[str | None, list[str]]:
    status, body = worker.call("GET", f"/connectors/{name}/status")
    if status != 200:
        return None, []
    return body["connector"]["state"], [t["state"] for t in body["tasks"]]


def test_create_through_a_follower_and_every_worker_reports_the_same_status(
    cluster: list[DistributedWorker], tmp_path: Path, unique_topic: str
) -> None:
    leader = leader_of(cluster)
    follower = next(w for w in cluster if w is not leader)
    source = tmp_path / "input.txt"
    source.write_text("".join(f"line {i}\n" for i in range(10)))
    status, body = follower.call(
        "POST",
        "/connectors",
        {
            "name": "file-source",
            "config": {
                "connector.class": "FileStreamSource",
                "tasks.max": "1",
                "file": str(source),
                "topic": unique_topic,
            },
        },
    )
    assert status == 201, body
    assert body["name"] == "file-source"
    wait_for(
        "the connector and its task to run",
        lambda: states(follower, "file-source") == ("RUNNING", ["RUNNING"]),
    )
    # Each worker reads the status topic on its own: they agree once every one has read it.
    wait_for(
        "every worker to report the same status",
        lambda: len({json.dumps(w.call("GET", "/connectors/file-source/status")[1]) for w in cluster}) == 1,
        timeout_s=10,
    )
    status, body = leader.call(
        "POST", "/connectors", {"name": "file-source", "config": {"connector.class": "FileStreamSource"}}
    )
    assert status == 409


VERIFIABLE_SOURCE = "org.apache.kafka.connect.tools.VerifiableSourceConnector"


def all_running(worker: DistributedWorker, name: str, tasks: int) -> bool:
    connector, task_states = states(worker, name)
    return connector == "RUNNING" and task_states == ["RUNNING"] * tasks


def task_owners(worker: DistributedWorker, name: str) -> set[str]:
    body = worker.call("GET", f"/connectors/{name}/status")[1]
    return {t["worker_id"] for t in body["tasks"]}


def moved_from(worker: DistributedWorker, gone: str, name: str, tasks: int) -> Callable[[], bool]:
    """A check: every task runs, none on worker id `gone`."""
    return lambda: all_running(worker, name, tasks) and gone not in task_owners(worker, name)


def sequence_numbers(bootstrap: str, topic: str) -> dict[int, list[int]]:
    """The seqnos VerifiableSource wrote to `topic`, by task id, in topic order."""
    from confluent_kafka import Consumer  # noqa: PLC0415  # only these tests read the topic

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"check-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    seen: dict[int, list[int]] = {}
    idle_since = started = time.monotonic()
    try:
        while time.monotonic() - idle_since < IDLE_S:
            assert time.monotonic() - started < READ_TIMEOUT_S, f"{topic} is still being written"
            messages = consumer.consume(500, 0.5)
            if messages:
                idle_since = time.monotonic()
            for message in messages:
                assert message.error() is None, message.error()
                key, value = json.loads(message.key() or b"null"), json.loads(message.value() or b"null")
                task = key["payload"] if isinstance(key, dict) else key
                seqno = value["payload"] if isinstance(value, dict) else value
                seen.setdefault(task, []).append(seqno)
    finally:
        consumer.close()
    return seen


def start_verifiable(worker: DistributedWorker, name: str, topic: str, tasks: int) -> None:
    status, body = worker.call(
        "POST",
        "/connectors",
        {
            "name": name,
            "config": {
                "connector.class": VERIFIABLE_SOURCE,
                "tasks.max": str(tasks),
                "topic": topic,
                "throughput": "50",
            },
        },
    )
    assert status == 201, body
    wait_for("every task to run", lambda: all_running(worker, name, tasks))


VERIFIABLE_SINK = "org.apache.kafka.connect.tools.VerifiableSinkConnector"
# What VerifiableSinkTask prints (into its worker's log) for each record it flushed.
FLUSHED = re.compile(r'^\{.*"flushed":true\}$')


def sink_flushed(workers: list[DistributedWorker], name: str) -> dict[int, list[int]]:
    """The seqnos the VerifiableSink `name` flushed, by source task, from every worker's log."""
    seen: dict[int, list[int]] = {}
    for log in {w.log for w in workers}:
        for line in log.read_text(errors="replace").splitlines():
            data = json.loads(line) if FLUSHED.match(line) else {}
            if data.get("name") == name:
                seen.setdefault(data["task"], []).append(data["seqno"])
    return seen


def start_sink(worker: DistributedWorker, name: str, topic: str) -> None:
    config = {"connector.class": VERIFIABLE_SINK, "tasks.max": "2", "topics": topic}
    status, body = worker.call("POST", "/connectors", {"name": name, "config": config})
    assert status == 201, body
    wait_for("every sink task to run", lambda: all_running(worker, name, 2))


def test_clean_bounces_lose_and_duplicate_nothing(
    cluster: list[DistributedWorker], kafka_bootstrap: str, unique_topic: str
) -> None:
    start_verifiable(cluster[0], "seq-clean", unique_topic, 3)
    start_sink(cluster[1], "seq-clean-sink", unique_topic)
    for index, worker in enumerate(cluster):
        time.sleep(1.0)
        assert worker.stop(signal.SIGTERM) == 0, worker.log.read_text()
        other, gone = cluster[(index + 1) % len(cluster)], f"127.0.0.1:{worker.port}"
        wait_for("the stopped worker's tasks to run elsewhere", moved_from(other, gone, "seq-clean", 3))
        worker.start()
        worker.wait_ready()
    time.sleep(1.0)
    assert cluster[0].call("PUT", "/connectors/seq-clean/stop")[0] == 204
    wait_for("the connector to stop", lambda: states(cluster[0], "seq-clean")[0] == "STOPPED")
    seen = sequence_numbers(kafka_bootstrap, unique_topic)
    assert sorted(seen) == [0, 1, 2]
    for task, seqnos in seen.items():
        assert seqnos == list(range(len(seqnos))), f"task {task}: gaps or duplicates"
    # The sink flushed every record the source wrote, each once.
    wait_for(
        "the sink to flush every record",
        lambda: (
            {t: sorted(set(s)) for t, s in sink_flushed(cluster, "seq-clean-sink").items()}
            == {t: sorted(s) for t, s in seen.items()}
        ),
    )
    for task, seqnos in sink_flushed(cluster, "seq-clean-sink").items():
        assert sorted(seqnos) == list(range(len(seen[task]))), f"sink, task {task}: duplicates"
    assert cluster[0].call("DELETE", "/connectors/seq-clean-sink")[0] == 204


def test_a_killed_workers_tasks_run_elsewhere_without_gaps(
    cluster: list[DistributedWorker], kafka_bootstrap: str, unique_topic: str
) -> None:
    start_verifiable(cluster[0], "seq-hard", unique_topic, 3)
    time.sleep(2.0)
    victim = next(w for w in cluster if f"127.0.0.1:{w.port}" in task_owners(cluster[0], "seq-hard"))
    survivor = next(w for w in cluster if w is not victim)
    assert victim.process is not None
    # A host crash: the worker and every process it started die at once.
    tree = [victim.process.pid, *descendants(victim.process.pid)]
    killed_at = time.monotonic()
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    victim.process.wait(10)
    wait_for(
        "the killed worker's tasks to run elsewhere",
        moved_from(survivor, f"127.0.0.1:{victim.port}", "seq-hard", 3),
    )
    recovery_s = time.monotonic() - killed_at
    print(f"SIGKILL to tasks RUNNING elsewhere: {recovery_s:.1f} s")
    time.sleep(1.0)
    assert survivor.call("PUT", "/connectors/seq-hard/stop")[0] == 204
    wait_for("the connector to stop", lambda: states(survivor, "seq-hard")[0] == "STOPPED")
    for task, seqnos in sequence_numbers(kafka_bootstrap, unique_topic).items():
        assert sorted(set(seqnos)) == list(range(max(seqnos) + 1)), f"task {task}: gaps"
    victim.start()
    victim.wait_ready()


def test_restart_only_failed_restarts_exactly_the_failed_instances(
    cluster: list[DistributedWorker],
) -> None:
    config = {
        "connector.class": "org.apache.kafka.connect.tools.MockSourceConnector",
        "mock_mode": "task-failure",
        "delay_ms": "200",
        "task.restart.policy": "none",
    }
    assert cluster[1].call("PUT", "/connectors/failing/config", config)[0] == 201
    wait_for("the task to fail", lambda: states(cluster[2], "failing") == ("RUNNING", ["FAILED"]))
    status, body = cluster[2].call("POST", "/connectors/failing/restart?onlyFailed=true&includeTasks=true")
    assert status == 202, body
    assert body["connector"]["state"] == "RUNNING"
    assert [t["state"] for t in body["tasks"]] == ["RESTARTING"]
    # The restarted task runs again, then fails after its delay; the connector was never restarted.
    wait_for("the task to fail again", lambda: states(cluster[0], "failing") == ("RUNNING", ["FAILED"]))
    assert cluster[0].call("DELETE", "/connectors/failing")[0] == 204


def topic_records(bootstrap: str, topic: str) -> list[tuple[str, str | None]]:
    """Every (key, value) of `topic`, as text, read from the start until IDLE_S without a record."""
    from confluent_kafka import Consumer  # noqa: PLC0415  # only these tests read the topic

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"check-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    records: list[tuple[str, str | None]] = []
    idle_since = time.monotonic()
    try:
        while time.monotonic() - idle_since < IDLE_S:
            messages = consumer.consume(500, 0.5)
            if messages:
                idle_since = time.monotonic()
            for message in messages:
                assert message.error() is None, message.error()
                value = message.value()
                records.append(
                    (bytes(message.key() or b"").decode(), None if value is None else value.decode())
                )
    finally:
        consumer.close()
    return records


GOLDEN = Path(__file__).parents[1] / "compat" / "golden" / "internal_topics" / "records.jsonl"
# What Connect 4.3.1 wrote for the golden connector (tests/compat/golden/internal_topics).
GOLDEN_FILE, GOLDEN_NAME, GOLDEN_TOPIC = "/tmp/golden-tsz569hs/in.txt", "golden-source", "golden-data"


def golden(key: str, *, value_like: str | None = None) -> list[str | None]:
    """Connect's values of `key` (those whose text matches the regex `value_like`, if given)."""
    values = []
    for line in GOLDEN.read_text().splitlines():
        record = json.loads(line)
        if record["key"] == key and (value_like is None or re.search(value_like, record["value"] or "")):
            values.append(record["value"])
    return values


def shape(text: str | None) -> str | None:
    """`text` with every number and every string value replaced: the JSON's keys, order and types."""
    if text is None:
        return None
    return re.sub(r"-?\d+", "0", re.sub(r':"[^"]*"', ':""', text))


def test_internal_topic_records_have_connects_bytes(
    cluster: list[DistributedWorker],
    cluster_props: dict[str, str],
    kafka_bootstrap: str,
    tmp_path: Path,
    unique_topic: str,
) -> None:
    name, source = f"golden-{uuid.uuid4().hex[:6]}", tmp_path / "in.txt"
    source.write_text("line 0\nline 1\n")

    def ours(text: str | None) -> str | None:
        if text is None:
            return None
        text = text.replace(GOLDEN_FILE, str(source)).replace(GOLDEN_NAME, name)
        return text.replace(GOLDEN_TOPIC, unique_topic)

    config = {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max": "1",
        "file": str(source),
        "topic": unique_topic,
    }
    assert cluster[1].call("POST", "/connectors", {"name": name, "config": config})[0] == 201
    wait_for("the connector to run", lambda: all_running(cluster[0], name, 1))
    wait_for(
        "the offsets commit",
        lambda: cluster[0].call("GET", f"/connectors/{name}/offsets")[1]["offsets"] != [],
    )
    assert cluster[2].call("PUT", f"/connectors/{name}/pause")[0] == 202
    wait_for("the pause", lambda: states(cluster[0], name) == ("PAUSED", ["PAUSED"]))

    configs = dict(topic_records(kafka_bootstrap, cluster_props["config.storage.topic"]))
    key = f"connector-{name}"
    assert configs[key] == ours(golden(f"connector-{GOLDEN_NAME}")[0])
    assert configs[f"commit-{name}"] == ours(golden(f"commit-{GOLDEN_NAME}")[0])
    assert configs[f"target-state-{name}"] == golden(f"target-state-{GOLDEN_NAME}", value_like="PAUSED")[0]
    # The properties as a map: Connect writes them in its HashMap's order.
    task = json.loads(configs[f"task-{name}-0"] or "null")["properties"]
    expected_task = json.loads(ours(golden(f"task-{GOLDEN_NAME}-0")[0]) or "null")["properties"]
    assert task == expected_task

    offsets = topic_records(kafka_bootstrap, cluster_props["offset.storage.topic"])
    golden_offset_key = ours(json.loads(GOLDEN.read_text().splitlines()[22])["key"])
    assert (golden_offset_key, '{"position":14}') in offsets

    topic_key = f"status-topic-{unique_topic}:connector-{name}"
    # The topic status is written when the task first produces, which may trail the offset commit
    # on a loaded machine: wait for it rather than read the topic once.
    deadline = time.monotonic() + 30
    while True:
        statuses = dict(topic_records(kafka_bootstrap, cluster_props["status.storage.topic"]))
        if topic_key in statuses or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for kind in ("connector", "task"):
        suffix = name if kind == "connector" else f"{name}-0"
        expected = golden(
            f"status-{kind}-{GOLDEN_NAME}" + ("-0" if kind == "task" else ""), value_like="PAUSED"
        )
        assert shape(statuses[f"status-{kind}-{suffix}"]) == shape(expected[0])
        assert '"state":"PAUSED"' in (statuses[f"status-{kind}-{suffix}"] or "")
    assert shape(statuses[topic_key]) == shape(
        golden(f"status-topic-{GOLDEN_TOPIC}:connector-{GOLDEN_NAME}")[0]
    )
    assert cluster[0].call("DELETE", f"/connectors/{name}")[0] == 204


def test_cluster_scope_logger_levels_reach_every_worker(
    cluster: list[DistributedWorker], cluster_props: dict[str, str], kafka_bootstrap: str
) -> None:
    namespace = f"kc.test.{uuid.uuid4().hex[:6]}"
    status, body = cluster[0].call("PUT", f"/admin/loggers/{namespace}?scope=cluster", {"level": "DEBUG"})
    assert (status, body) == (204, None)
    for worker in cluster:
        wait_for(
            f"the level on {worker.url}",
            lambda w=worker: (
                w.call(  # type: ignore[misc]  # the loop variable, bound
                    "GET", f"/admin/loggers/{namespace}"
                )[1].get("level")
                == "DEBUG"
            ),
        )
    records = topic_records(kafka_bootstrap, cluster_props["config.storage.topic"])
    assert (f"logger-cluster-{namespace}", '{"level":"DEBUG"}') in records
    # An invalid level is refused as at worker scope, and nothing is written.
    assert cluster[1].call("PUT", f"/admin/loggers/{namespace}?scope=cluster", {"level": "LOUD"})[0] == 404


def test_active_topics_are_the_same_on_a_worker_that_runs_none_of_the_tasks(
    cluster: list[DistributedWorker], cluster_props: dict[str, str], kafka_bootstrap: str, unique_topic: str
) -> None:
    name = f"topics-{uuid.uuid4().hex[:6]}"
    start_verifiable(cluster[0], name, unique_topic, 1)
    body = cluster[0].call("GET", f"/connectors/{name}/status")[1]
    busy = {body["connector"]["worker_id"], body["tasks"][0]["worker_id"]}
    assert busy <= {w.url.removeprefix("http://") for w in cluster}  # worker ids are host:port
    # Three workers, two instances: one worker runs neither, and knows the topics only from the
    # status topic.
    idle = next(w for w in cluster if w.url.removeprefix("http://") not in busy)
    wait_for(
        "the active topics on a worker without the task",
        lambda: idle.call("GET", f"/connectors/{name}/topics") == (200, {name: {"topics": [unique_topic]}}),
    )
    assert idle.call("PUT", f"/connectors/{name}/topics/reset") == (202, None)
    for worker in cluster:
        wait_for(
            f"the reset on {worker.url}",
            lambda w=worker: (  # type: ignore[misc]  # the loop variable, bound
                w.call("GET", f"/connectors/{name}/topics") == (200, {name: {"topics": []}})
            ),
        )
    key = f"status-topic-{unique_topic}:connector-{name}"
    records = [
        value
        for k, value in topic_records(kafka_bootstrap, cluster_props["status.storage.topic"])
        if k == key
    ]
    assert records[0] is not None and records[-1] is None  # recorded, then the reset's tombstone
    assert cluster[1].call("DELETE", f"/connectors/{name}")[0] == 204


def test_pause_survives_a_full_cluster_restart(cluster: list[DistributedWorker], unique_topic: str) -> None:
    start_verifiable(cluster[1], "paused", unique_topic, 2)
    assert cluster[2].call("PUT", "/connectors/paused/pause")[0] == 202
    wait_for("the pause", lambda: states(cluster[0], "paused") == ("PAUSED", ["PAUSED", "PAUSED"]))
    for worker in cluster:
        assert worker.stop(signal.SIGTERM) == 0
    for worker in cluster:
        worker.start()
    for worker in cluster:
        worker.wait_ready()
    wait_for(
        "the pause after the restart",
        lambda: states(cluster[0], "paused") == ("PAUSED", ["PAUSED", "PAUSED"]),
    )
