"""Three real `kconnect distributed` workers on one machine against the session broker.

Each worker is a subprocess (`python -m engine.distributed`) on its own REST port; the tests talk
to them over HTTP and stop them with SIGTERM (clean bounce) or SIGKILL (hard bounce).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
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

pytestmark = pytest.mark.integration

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


@pytest.fixture
def cluster(
    tmp_path: Path, kafka_bootstrap: str, free_ports: Callable[[int], list[int]]
) -> Iterator[list[DistributedWorker]]:
    suffix = uuid.uuid4().hex[:8]
    props = {
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
    workers = [DistributedWorker(tmp_path, props, port) for port in free_ports(3)]
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
    bodies = [w.call("GET", "/connectors/file-source/status")[1] for w in cluster]
    assert bodies[0] == bodies[1] == bodies[2]
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


def test_clean_bounces_lose_and_duplicate_nothing(
    cluster: list[DistributedWorker], kafka_bootstrap: str, unique_topic: str
) -> None:
    start_verifiable(cluster[0], "seq", unique_topic, 3)
    for index, worker in enumerate(cluster):
        time.sleep(1.0)
        assert worker.stop(signal.SIGTERM) == 0, worker.log.read_text()
        other, gone = cluster[(index + 1) % len(cluster)], f"127.0.0.1:{worker.port}"
        wait_for("the stopped worker's tasks to run elsewhere", moved_from(other, gone, "seq", 3))
        worker.start()
        worker.wait_ready()
    time.sleep(1.0)
    assert cluster[0].call("PUT", "/connectors/seq/stop")[0] == 204
    wait_for("the connector to stop", lambda: states(cluster[0], "seq")[0] == "STOPPED")
    seen = sequence_numbers(kafka_bootstrap, unique_topic)
    assert sorted(seen) == [0, 1, 2]
    for task, seqnos in seen.items():
        assert seqnos == list(range(len(seqnos))), f"task {task}: gaps or duplicates"


def test_a_killed_workers_tasks_run_elsewhere_without_gaps(
    cluster: list[DistributedWorker], kafka_bootstrap: str, unique_topic: str
) -> None:
    start_verifiable(cluster[0], "seq", unique_topic, 3)
    time.sleep(2.0)
    victim = next(w for w in cluster if f"127.0.0.1:{w.port}" in task_owners(cluster[0], "seq"))
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
        lambda: (
            all_running(survivor, "seq", 3) and f"127.0.0.1:{victim.port}" not in task_owners(survivor, "seq")
        ),
    )
    recovery_s = time.monotonic() - killed_at
    print(f"SIGKILL to tasks RUNNING elsewhere: {recovery_s:.1f} s")
    time.sleep(1.0)
    assert survivor.call("PUT", "/connectors/seq/stop")[0] == 204
    wait_for("the connector to stop", lambda: states(survivor, "seq")[0] == "STOPPED")
    for task, seqnos in sequence_numbers(kafka_bootstrap, unique_topic).items():
        assert sorted(set(seqnos)) == list(range(max(seqnos) + 1)), f"task {task}: gaps"


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
