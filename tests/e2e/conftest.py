"""A real `kconnect standalone` worker process on free ports, driven over HTTP with urllib."""

from __future__ import annotations

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
from confluent_kafka import Consumer, Message, Producer

KCONNECT = [sys.executable, "-m", "engine"]
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
# Connectors only the tests use (tests/e2e/plugins), and the file config provider, in every worker.
PLUGINS_DIR = Path(__file__).with_name("plugins")
TEST_WORKER_PROPS = {
    "plugin.path": str(PLUGINS_DIR),
    "config.providers": "file",
    "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
}


def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    """Writes (key, value) records to partition 0 of `topic` and waits for the broker's acks."""
    producer = Producer({"bootstrap.servers": bootstrap})
    for key, value in records:
        producer.produce(topic, value, key, partition=0)
    assert producer.flush(30) == 0


def consume(bootstrap: str, topic: str, expected: int, *, linger_s: float = 0.0) -> list[Message]:
    """Reads `topic` from the start until `expected` messages arrived (or 30 s passed), then polls
    `linger_s` more seconds so that duplicates would show."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"check-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    messages: list[Message] = []
    try:
        deadline = time.monotonic() + 30.0
        while len(messages) < expected and time.monotonic() < deadline:
            messages += [m for m in consumer.consume(500, timeout=0.5) if m.error() is None]
        if linger_s:
            messages += [m for m in consumer.consume(500, timeout=linger_s) if m.error() is None]
    finally:
        consumer.close()
    return messages


class Worker:
    """One standalone worker subprocess; `start`/`stop` may be called again (restart)."""

    def __init__(
        self, directory: Path, bootstrap: str, port: int, extra: dict[str, str] | None = None
    ) -> None:
        self.dir = directory
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.offsets_file = directory / "connect.offsets"
        self.log = directory / "worker.log"
        props = {
            "bootstrap.servers": bootstrap,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": str(self.offsets_file),
            "offset.flush.interval.ms": "500",
            "task.shutdown.graceful.timeout.ms": "5000",
            "listeners": f"http://127.0.0.1:{port}",
            **TEST_WORKER_PROPS,
            **(extra or {}),
        }
        self.props_file = directory / "worker.properties"
        self.props_file.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *connector_files: Path) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*KCONNECT, "standalone", str(self.props_file), *map(str, connector_files)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"The worker exited with {self.process.returncode}:\n{self.log.read_text()}"
                )
            try:
                if self.call("GET", "/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"The worker did not answer within {START_TIMEOUT_S} s:\n{self.log.read_text()}")

    def log_text(self) -> str:
        """Everything the worker and its task processes printed so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, then waits; returns the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"The worker did not stop on SIGTERM:\n{self.log.read_text()}") from None
        return self.process.returncode

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None

    def wait_for(self, what: str, check: Callable[[], bool], timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        raise AssertionError(
            f"Timed out waiting for {what}.\n--- worker log ---\n{self.log.read_text()[-6000:]}"
        )

    def state(self, name: str) -> tuple[str | None, list[str]]:
        code, body = self.call("GET", f"/connectors/{name}/status")
        if code != 200:
            return None, []
        return body["connector"]["state"], [t["state"] for t in body["tasks"]]

    def wait_state(self, name: str, connector: str, tasks: list[str], timeout_s: float = 30.0) -> None:
        self.wait_for(
            f"{name} to be {connector} {tasks}", lambda: self.state(name) == (connector, tasks), timeout_s
        )

    def task_pid(self, name: str, task: int) -> int:
        """The pid of the task's newest process, from the launcher's log line."""
        found = re.findall(
            rf"Started the process of the task `{name}-{task}` \(pid (\d+)\)", self.log.read_text()
        )
        assert found, f"no process of task {name}-{task} in the log"
        return int(found[-1])


@pytest.fixture
def worker_factory(
    tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str, free_ports: Callable[[int], list[int]]
) -> Iterator[Callable[..., Worker]]:
    """`worker_factory(**extra_props)` makes a (not yet started) worker; all are stopped at the end."""
    workers: list[Worker] = []

    def make(**extra: str) -> Worker:
        worker = Worker(tmp_path_factory.mktemp("worker"), kafka_bootstrap, free_ports(1)[0], extra)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        if worker.process is not None and worker.process.poll() is None:
            worker.stop()


@pytest.fixture(scope="session")
def shared_worker(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> Iterator[Worker]:
    """One running worker for every test whose connectors do not disturb each other's (each test
    uses its own connector names and deletes its connectors)."""
    with socket.socket() as sock:
        # The port is released before the worker binds it; nothing else here picks ports that way.
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    worker = Worker(tmp_path_factory.mktemp("shared-worker"), kafka_bootstrap, port)
    worker.start()
    yield worker
    worker.stop()
