"""A local cluster of distributed workers on one machine: `kconnect cluster up|down|status`.

`up` starts N `kconnect distributed` processes from one worker file, each with its own
`listeners` on consecutive ports (from the file's listener port, 8083 by default) and its own log,
waits until each answers `GET /`, and records them in a state file so that `down` can stop them
(SIGTERM, then SIGKILL after the graceful timeout) and `status` can ask them what they run. The
state lives in a directory per cluster (`--dir`, default `~/.cache/kconnect/clusters/<group.id>`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from engine.config import properties
from engine.errors import ConfigError, ConnectError
from engine.worker.config import LISTENERS_CONFIG, LISTENERS_DEFAULT, load_worker_props
from engine.worker.distributed import GROUP_ID_CONFIG

__all__ = ["ClusterState", "LocalCluster", "WorkerProcess", "worker_props"]

STATE_FILE = "cluster.json"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 5.0
DEFAULT_PORT = 8083


@dataclass(frozen=True)
class WorkerProcess:
    """One worker of a local cluster."""

    index: int
    pid: int
    url: str
    props_path: str
    log_path: str


@dataclass(frozen=True)
class ClusterState:
    group_id: str
    workers: list[WorkerProcess]

    def to_json(self) -> str:
        return json.dumps(
            {"group_id": self.group_id, "workers": [w.__dict__ for w in self.workers]}, indent=2
        )

    @classmethod
    def from_json(cls, text: str) -> ClusterState:
        data = json.loads(text)
        return cls(data["group_id"], [WorkerProcess(**w) for w in data["workers"]])


def default_dir(group_id: str) -> Path:
    return Path.home() / ".cache" / "kconnect" / "clusters" / group_id


def worker_props(props: Mapping[str, str], index: int) -> dict[str, str]:
    """Worker `index`'s properties: the listener's port moved up by `index` (host kept)."""
    listener = props.get(LISTENERS_CONFIG, LISTENERS_DEFAULT).split(",")[0].strip()
    parts = urlsplit(listener)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"Could not parse listener URL {listener}")
    host = parts.hostname or "127.0.0.1"
    return {**props, LISTENERS_CONFIG: f"{parts.scheme}://{host}:{(port or DEFAULT_PORT) + index}"}


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalCluster:
    """The local cluster whose state is kept in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.state_path = directory / STATE_FILE

    @classmethod
    def for_props(cls, props_path: str, directory: str | None) -> tuple[LocalCluster, dict[str, str]]:
        """The cluster a worker file describes (its `group.id` names the default directory)."""
        props = load_worker_props(props_path, os.environ)
        group_id = props.get(GROUP_ID_CONFIG)
        if not group_id:
            raise ConfigError(
                f'Missing required configuration "{GROUP_ID_CONFIG}" which has no default value.'
            )
        return cls(Path(directory) if directory else default_dir(group_id)), props

    def state(self) -> ClusterState | None:
        try:
            return ClusterState.from_json(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def up(self, props: Mapping[str, str], workers: int) -> ClusterState:
        """Starts `workers` workers and waits until each answers; returns the cluster.

        Raises:
            ConnectError: a cluster is already running from this directory, or a worker exited or
                did not answer in time (the ones started are stopped again).
        """
        running = self.state()
        if running is not None and any(_alive(w.pid) for w in running.workers):
            raise ConnectError(
                f"A cluster is already running from {self.directory}; run `kconnect cluster down`."
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        started: list[WorkerProcess] = []
        processes: list[subprocess.Popen[bytes]] = []
        try:
            for index in range(workers):
                own = worker_props(props, index)
                props_path = self.directory / f"worker-{index}.properties"
                props_path.write_text(properties.dumps(own), encoding="utf-8")
                log_path = self.directory / f"worker-{index}.log"
                with open(log_path, "ab") as log:
                    process = subprocess.Popen(
                        [sys.executable, "-m", "engine.distributed", str(props_path)],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                        env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    )
                processes.append(process)
                listener = urlsplit(own[LISTENERS_CONFIG])
                url = f"{listener.scheme}://{listener.hostname}:{listener.port}"
                started.append(WorkerProcess(index, process.pid, url, str(props_path), str(log_path)))
            state = ClusterState(props.get(GROUP_ID_CONFIG, ""), started)
            self.state_path.write_text(state.to_json(), encoding="utf-8")
            for worker, process in zip(started, processes, strict=True):
                self._wait_ready(worker, process)
        except BaseException:
            for process in processes:
                _terminate(process.pid, STOP_TIMEOUT_S)
            self.state_path.unlink(missing_ok=True)
            raise
        return state

    @staticmethod
    def _wait_ready(worker: WorkerProcess, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ConnectError(
                    f"Worker {worker.index} exited with status {process.returncode}; see {worker.log_path}."
                )
            try:
                if _get(worker.url + "/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise ConnectError(
            f"Worker {worker.index} did not answer within {START_TIMEOUT_S:.0f} s; see {worker.log_path}."
        )

    def down(self, timeout_s: float = STOP_TIMEOUT_S) -> list[WorkerProcess]:
        """Stops every worker of the cluster (SIGTERM, SIGKILL after `timeout_s`); returns them."""
        state = self.state()
        if state is None:
            return []
        for worker in state.workers:
            if _alive(worker.pid):
                os.kill(worker.pid, signal.SIGTERM)
        for worker in state.workers:
            _terminate(worker.pid, timeout_s)
        self.state_path.unlink(missing_ok=True)
        return state.workers

    def status(self) -> list[dict[str, Any]]:
        """What each worker says of itself: reachable, leader, and what runs on it."""
        state = self.state()
        if state is None:
            return []
        views = []
        for worker in state.workers:
            view: dict[str, Any] = {"index": worker.index, "url": worker.url, "pid": worker.pid}
            try:
                code, body = _get(worker.url + "/kconnect/cluster")
                view.update(body if code == 200 and isinstance(body, dict) else {"error": body})
            except OSError as exc:
                view["error"] = f"unreachable: {exc}"
            views.append(view)
        return views


def _terminate(pid: int, timeout_s: float) -> None:
    """Waits for `pid` to end after a SIGTERM; kills it after `timeout_s`."""
    if not _alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            finished = 0 if _alive(pid) else pid
        if finished == pid or not _alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
