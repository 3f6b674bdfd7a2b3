"""Fixtures for the REST tests: a fake herder and the app served by uvicorn on a free port.

httpx (needed by starlette's TestClient) is not a dependency, so the app runs on a real uvicorn
server (through `engine.rest.serve`) in a thread, and tests talk to it with urllib. The server is
shared by the module; each test gets a fresh `FakeHerder` and `Loggers` swapped into the app.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette

from engine.errors import (
    AlreadyExistsError,
    BadRequestError,
    ConnectError,
    ForbiddenError,
    NotFoundError,
)
from engine.herder.entities import (
    ConfigInfos,
    ConfigKeyInfo,
    ConnectorInfo,
    ConnectorOffset,
    ConnectorState,
    ConnectorStateInfo,
    ConnectorTaskId,
    PluginInfo,
    ServerInfo,
    TaskInfo,
    TaskState,
)
from engine.logger_levels import Loggers
from engine.rest import create_app, serve

WORKER = "127.0.0.1:8083"


@dataclass
class FakeConnector:
    config: dict[str, str]
    target: str = "STARTED"
    tasks: list[dict[str, str]] = field(default_factory=list)
    offsets: list[ConnectorOffset] = field(default_factory=list)


class FakeHerder:
    """An in-memory herder: logic only, with Connect's error texts from the protocol."""

    def __init__(self) -> None:
        self.connectors_: dict[str, FakeConnector] = {}
        self.is_ready = True
        self.is_healthy = True
        self.health_delay_s = 0.0
        self.fail: BaseException | None = None
        self.topic_tracking = True
        self.calls: list[tuple[Any, ...]] = []

    def _check(self) -> None:
        if self.fail is not None:
            raise self.fail

    def _get(self, name: str, message: str | None = None) -> FakeConnector:
        self._check()
        if name not in self.connectors_:
            raise NotFoundError(message or f"Connector {name} not found")
        return self.connectors_[name]

    def _info(self, name: str) -> ConnectorInfo:
        conn = self.connectors_[name]
        ids = [ConnectorTaskId(name, index) for index in range(len(conn.tasks))]
        return ConnectorInfo(name, conn.config, ids, "source")

    def _store(self, name: str, config: Mapping[str, str | None]) -> dict[str, str]:
        nulls = [key for key, value in config.items() if value is None]
        if nulls:
            raise BadRequestError(
                "Connector configuration is invalid and contains the following 1 error(s):\n"
                "Null value can not be supplied as the configuration value."
            )
        if not name:
            raise BadRequestError("Invalid value  for configuration name: String may not be empty")
        return {key: value for key, value in config.items() if value is not None}

    @property
    def worker_id(self) -> str:
        return WORKER

    def ready(self) -> bool:
        return self.is_ready

    async def healthy(self) -> bool:
        await asyncio.sleep(self.health_delay_s)
        return self.is_healthy

    async def server_info(self) -> ServerInfo:
        self._check()
        return ServerInfo("4.3.1", "abc123", "cluster-1")

    async def connectors(self) -> list[str]:
        self._check()
        return sorted(self.connectors_)

    async def connector_info(self, name: str) -> ConnectorInfo:
        self._get(name)
        return self._info(name)

    async def connector_config(self, name: str) -> dict[str, str]:
        return self._get(name).config

    async def create_connector(
        self, name: str, config: Mapping[str, str | None], initial_state: str | None
    ) -> ConnectorInfo:
        self._check()
        self.calls.append(("create", name, dict(config), initial_state))
        if name in self.connectors_:
            raise AlreadyExistsError(f"Connector {name} already exists")
        self.connectors_[name] = FakeConnector(self._store(name, config), initial_state or "STARTED")
        return self._info(name)

    async def put_connector_config(
        self, name: str, config: Mapping[str, str | None]
    ) -> tuple[bool, ConnectorInfo]:
        self._check()
        self.calls.append(("put", name, dict(config)))
        stored = self._store(name, config)
        created = name not in self.connectors_
        if created:
            self.connectors_[name] = FakeConnector(stored)
        else:
            self.connectors_[name].config = stored
        return created, self._info(name)

    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        conn = self._get(name)
        self.calls.append(("patch", name, dict(patch)))
        merged = {**conn.config, **patch}
        conn.config = {key: value for key, value in merged.items() if value is not None}
        return self._info(name)

    def _status(self, name: str) -> ConnectorStateInfo:
        conn = self.connectors_[name]
        state = {"STARTED": "RUNNING", "PAUSED": "PAUSED", "STOPPED": "STOPPED"}[conn.target]
        tasks = [
            TaskState(index, "FAILED" if index == 1 else "RUNNING", WORKER, "boom" if index == 1 else None)
            for index in range(len(conn.tasks))
        ]
        return ConnectorStateInfo(name, ConnectorState(state, WORKER), tasks, "source")  # type: ignore[arg-type]  # state is one of the literals

    async def connector_status(self, name: str) -> ConnectorStateInfo:
        self._get(name, f"No status found for connector {name}")
        return self._status(name)

    async def task_status(self, name: str, task: int) -> TaskState:
        conn = self._get(name, f"No status found for task {name}-{task}")
        if task >= len(conn.tasks):
            raise NotFoundError(f"No status found for task {name}-{task}")
        return self._status(name).tasks[task]

    async def task_infos(self, name: str) -> list[TaskInfo]:
        conn = self._get(name)
        return [TaskInfo(ConnectorTaskId(name, i), cfg) for i, cfg in enumerate(conn.tasks)]

    async def tasks_config(self, name: str) -> dict[str, dict[str, str]]:
        conn = self._get(name)
        return {f"{name}-{i}": cfg for i, cfg in enumerate(conn.tasks)}

    async def restart_connector(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> ConnectorStateInfo | None:
        self._get(name, f"Unknown connector: {name}")
        self.calls.append(("restart", name, include_tasks, only_failed))
        if not include_tasks and not only_failed:
            return None
        status = self._status(name)
        tasks = [
            TaskState(t.id, "RESTARTING", t.worker_id)
            if include_tasks and (not only_failed or t.state == "FAILED")
            else t
            for t in status.tasks
        ]
        connector = status.connector if only_failed else ConnectorState("RESTARTING", WORKER)
        return ConnectorStateInfo(name, connector, tasks, status.type)

    async def restart_task(self, name: str, task: int) -> None:
        conn = self._get(name, f"Unknown connector: {name}")
        if task >= len(conn.tasks):
            raise NotFoundError(f"Unknown task: {name}-{task}")
        self.calls.append(("restart_task", name, task))

    async def pause_connector(self, name: str) -> None:
        self._get(name, f"Unknown connector {name}").target = "PAUSED"

    async def resume_connector(self, name: str) -> None:
        self._get(name, f"Unknown connector {name}").target = "STARTED"

    async def stop_connector(self, name: str) -> None:
        conn = self._get(name, f"Unknown connector {name}")
        conn.target = "STOPPED"
        conn.tasks = []

    async def delete_connector(self, name: str) -> None:
        self._get(name)
        del self.connectors_[name]

    async def connector_topics(self, name: str) -> list[str]:
        self._check()
        if not self.topic_tracking:
            raise ForbiddenError("Topic tracking is disabled.")
        return ["t1", "t2"] if name in self.connectors_ else []

    async def reset_connector_topics(self, name: str) -> None:
        self._check()
        if not self.topic_tracking:
            raise ForbiddenError("Topic tracking is disabled.")
        self.calls.append(("reset_topics", name))

    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        return self._get(name).offsets

    def _stopped(self, name: str) -> FakeConnector:
        conn = self._get(name)
        if conn.target != "STOPPED":
            raise BadRequestError(
                "Connectors must be in the STOPPED state before their offsets can be modified. "
                "This can be done for the specified connector by issuing a 'PUT' request to the "
                f"'/connectors/{name}/stop' endpoint"
            )
        return conn

    async def alter_connector_offsets(self, name: str, offsets: list[ConnectorOffset]) -> str:
        self._stopped(name).offsets = offsets
        return "The offsets for this connector have been altered successfully"

    async def reset_connector_offsets(self, name: str) -> str:
        self._stopped(name).offsets = []
        return "The offsets for this connector have been reset successfully"

    async def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]:
        self._check()
        plugins = [PluginInfo("org.apache.kafka.connect.file.FileStreamSinkConnector", "sink", "4.3.1")]
        if not connectors_only:
            plugins.append(PluginInfo("org.apache.kafka.connect.transforms.Filter", "transformation"))
        return plugins

    async def plugin_config(self, plugin: str) -> list[ConfigKeyInfo]:
        self._check()
        if plugin != "FileStreamSink":
            raise NotFoundError(f"Unknown plugin {plugin}.")
        return [ConfigKeyInfo("file", "STRING", False, "", "HIGH", "The file.", None, -1, "NONE", "file", [])]

    async def validate_connector_config(
        self, plugin_type: str, config: Mapping[str, str | None]
    ) -> ConfigInfos:
        self._check()
        self.calls.append(("validate", plugin_type, dict(config)))
        included = config.get("connector.class")
        if included is None:
            raise ConnectError(
                "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: "
                "Connector config {} contains no connector type"
            )
        if not included.endswith(plugin_type):
            raise BadRequestError(
                f"Included connector type {included} does not match request type {plugin_type}"
            )
        return ConfigInfos(included, 0, ["Common"], [])


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any
    raw: bytes


class Client:
    """Tiny urllib client; bodies are JSON-encoded unless given as bytes."""

    def __init__(self, base: str) -> None:
        self.base = base

    def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw, hdrs = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, hdrs = error.code, error.read(), error.headers
        parsed = json.loads(raw) if raw else None
        return Reply(status, dict(hdrs.items()), parsed, raw)


@pytest.fixture(scope="module")
def served_app() -> Iterator[tuple[Starlette, str]]:
    app = create_app(FakeHerder(), request_timeout_s=2.0, health_timeout_s=0.2)
    server = serve(app, ["http://127.0.0.1:0"])
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "REST server did not start"
        time.sleep(0.01)
    try:
        yield app, f"http://127.0.0.1:{server.ports[0]}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def herder(served_app: tuple[Starlette, str]) -> FakeHerder:
    fake = FakeHerder()
    served_app[0].state.herder = fake
    served_app[0].state.loggers = Loggers(clock_ms=lambda: 1_700_000_000_000)
    return fake


@pytest.fixture
def call(served_app: tuple[Starlette, str], herder: FakeHerder) -> Client:
    return Client(served_app[1])
