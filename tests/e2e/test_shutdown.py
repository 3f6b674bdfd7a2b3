"""End to end: SIGTERM stops the worker gracefully, a second signal forces it, and a stopping
worker reports its stopped instances UNASSIGNED as Connect writes them."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.storage.offsets_file import FileOffsetStore
from tests.e2e.conftest import consume

pytestmark = pytest.mark.integration

FORCED_EXIT_STATUS = 130


def _process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def test_sigterm_flushes_the_offsets_within_the_graceful_timeout(
    worker_factory: Callable[..., Any], kafka_bootstrap: str, tmp_path: Path
) -> None:
    # Offsets are flushed only at shutdown here: the periodic flush is far away.
    worker = worker_factory(
        **{"offset.flush.interval.ms": "600000", "task.shutdown.graceful.timeout.ms": "5000"}
    )
    infile = tmp_path / "lines.txt"
    infile.write_text("".join(f"line {i}\n" for i in range(50)))
    connector = tmp_path / "source.properties"
    topic = f"graceful-{uuid.uuid4().hex[:8]}"
    connector.write_text(f"name=graceful\nconnector.class=FileStreamSource\nfile={infile}\ntopic={topic}\n")
    worker.start(connector)
    received = len(consume(kafka_bootstrap, topic, 50))
    assert received == 50
    # Nothing committed yet: the task's offsets reach the worker at its next commit, on stop here.
    assert worker.call("GET", "/connectors/graceful/offsets") == (200, {"offsets": []})
    assert not worker.offsets_file.exists()
    started = time.monotonic()
    assert worker.stop() == 0
    assert time.monotonic() - started < 5.0 + 3.0  # the graceful budget plus process exit
    store = FileOffsetStore(worker.offsets_file)
    store.load()
    assert store.offsets("graceful") == [({"filename": str(infile)}, {"position": infile.stat().st_size})]
    assert "Stopping the worker." in worker.log_text()


def test_a_stopping_worker_shows_unassigned_tasks_and_a_second_signal_forces_exit(
    worker_factory: Callable[..., Any], tmp_path: Path
) -> None:
    worker = worker_factory(**{"task.shutdown.graceful.timeout.ms": "60000"})
    worker.start()
    infile = tmp_path / "in.txt"
    infile.write_text("a\n")
    source = {
        "connector.class": "FileStreamSource",
        "file": str(infile),
        "topic": f"stopping-{uuid.uuid4().hex[:8]}",
    }
    assert worker.call("PUT", "/connectors/quick/config", source)[0] == 201
    assert (
        worker.call(
            "PUT", "/connectors/stuck/config", {"connector.class": "com.example.StuckSourceConnector"}
        )[0]
        == 201
    )
    worker.wait_state("quick", "RUNNING", ["RUNNING"])
    worker.wait_state("stuck", "RUNNING", ["RUNNING"])
    stuck_pid = worker.task_pid("stuck", 0)
    worker.process.send_signal(signal.SIGTERM)
    # The stuck task holds the shutdown for up to a minute; the REST API still answers meanwhile.
    # Connect compat: WorkerTask.onShutdown / WorkerConnector.doShutdown write UNASSIGNED.
    worker.wait_state("quick", "UNASSIGNED", ["UNASSIGNED"], timeout_s=15)
    # Both connectors stop together; under load `stuck`'s may report a moment after `quick`'s.
    worker.wait_state("stuck", "UNASSIGNED", ["RUNNING"], timeout_s=15)  # its connector stopped, its task not
    assert worker.process.poll() is None
    started = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    try:
        status = worker.process.wait(10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"The second signal did not force the exit:\n{worker.log_text()[-4000:]}")
    assert status == FORCED_EXIT_STATUS
    assert time.monotonic() - started < 10
    assert "Second signal: killing every task process and exiting now." in worker.log_text()
    deadline = time.monotonic() + 10
    while not _process_gone(stuck_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _process_gone(stuck_pid), "the stuck task process outlived the forced exit"
