"""The standalone herder's lifecycle logic, against an in-memory launcher and plugin registry.

The real processes, broker and REST layer are exercised by tests/e2e; here the fakes let every
state transition be checked exactly and quickly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import pytest

from engine.config.providers import ConfigProviders
from engine.errors import AlreadyExistsError, BadRequestError, ConnectError, ForbiddenError, NotFoundError
from engine.herder.entities import (
    ConfigInfo,
    ConfigInfos,
    ConfigKeyInfo,
    ConfigValueInfo,
    ConnectorOffset,
    ConnectorTaskId,
    ConnectorType,
    PluginInfo,
)
from engine.herder.restart import RestartPolicy
from engine.herder.standalone import HerderSettings, StandaloneHerder
from engine.runtime.protocol import Event, ReconfigurationRequested, SourceOffsets, StatusChanged, TopicsUsed
from engine.storage.offsets_file import FileOffsetStore


class FakeHandle:
    """A process that reports RUNNING or PAUSED at once, unless `silent` (then the test does)."""

    def __init__(
        self, kind: str, name: str, config: dict[str, str], target: str, *, silent: bool = False
    ) -> None:
        self.kind, self.name, self.config, self.target = kind, name, config, target
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self.calls: list[str] = []
        self.task_configs: list[dict[str, str]] = []
        self.offsets: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        self.task_class: str | None = None
        self.stopped = False
        if not silent:
            self.emit(StatusChanged("PAUSED" if target == "PAUSED" else "RUNNING"))

    def emit(self, event: Event | None) -> None:
        self.queue.put_nowait(event)

    @property
    def events(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        while (event := await self.queue.get()) is not None:
            yield event

    async def request_task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        self.calls.append(f"task_configs({max_tasks})")
        return self.task_configs[:max_tasks]

    async def pause(self) -> None:
        self.calls.append("pause")
        self.emit(StatusChanged("PAUSED"))

    async def resume(self) -> None:
        self.calls.append("resume")
        self.emit(StatusChanged("RUNNING"))

    async def stop(self, timeout_s: float) -> None:
        self.calls.append("stop")
        self.stopped = True
        self.emit(None)

    def kill(self) -> None:
        self.calls.append("kill")
        self.emit(None)


class FakeLauncher:
    """Connectors produce `task_count` copies of their config, with a `task.id` (and `task.class`
    when `task_class` is set); processes are `silent` when asked."""

    def __init__(self) -> None:
        self.connectors: list[FakeHandle] = []
        self.tasks: list[FakeHandle] = []
        self.task_count = 2
        self.task_class: str | None = None
        self.silent = False

    async def start_connector(
        self,
        name: str,
        config: dict[str, str],
        target_state: str,
        *,
        connector_class: str | None = None,
        secrets: Collection[str] = (),
    ) -> FakeHandle:
        assert connector_class == f"fake:{config['connector.class']}"
        handle = FakeHandle("connector", name, config, target_state, silent=self.silent)
        handle.task_configs = [{**config, "task.id": str(i)} for i in range(self.task_count)]
        if self.task_class is not None:
            for task_config in handle.task_configs:
                task_config["task.class"] = self.task_class
        self.connectors.append(handle)
        return handle

    async def start_task(
        self,
        task_id: ConnectorTaskId,
        connector_config: dict[str, str],
        task_config: dict[str, str],
        target_state: str,
        source_offsets: list[tuple[dict[str, Any], dict[str, Any] | None]],
        *,
        task_class: str | None = None,
        secrets: Collection[str] = (),
    ) -> FakeHandle:
        name = f"{task_id.connector}-{task_id.task}"
        handle = FakeHandle("task", name, task_config, target_state, silent=self.silent)
        handle.offsets = source_offsets
        handle.task_class = task_class
        self.tasks.append(handle)
        return handle

    def live_tasks(self, name: str) -> list[FakeHandle]:
        return [h for h in self.tasks if h.name.startswith(f"{name}-") and not h.stopped]


def _key(name: str, kind: str = "STRING") -> ConfigKeyInfo:
    return ConfigKeyInfo(name, kind, True, None, "HIGH", "doc", "Common", 1, "MEDIUM", name, [])


class FakePlugins:
    """`connector.class` is `Source...` or `Sink...`; `topic` is required; `secret` is a PASSWORD."""

    def connector_type(self, connector_class: str) -> ConnectorType:
        if connector_class.startswith("Source"):
            return "source"
        if connector_class.startswith("Sink"):
            return "sink"
        raise ConnectError(
            f"Failed to find any class that implements Connector and which name matches {connector_class}"
        )

    def connector_class_path(self, connector_class: str) -> str:
        return f"fake:{connector_class}"

    def connector_version(self, connector_class: str) -> str | None:
        return "1.0"

    def check_validate_request_type(self, plugin_type: str, config: Mapping[str, str | None]) -> None:
        if not str(config.get("connector.class")).startswith(plugin_type):
            raise BadRequestError(f"Included connector type {config.get('connector.class')} does not match")

    def validate(self, config: Mapping[str, str | None], raw: Mapping[str, str | None]) -> ConfigInfos:
        self.connector_type(config.get("connector.class") or "")
        configs = []
        for name, kind in (("topic", "STRING"), ("secret", "PASSWORD")):
            value = config.get(name)
            errors = []
            if name == "topic" and value is None:
                errors.append('Missing required configuration "topic" which has no default value.')
            if name == "topic" and value == "bad":
                errors.append(f"Invalid value {value} for configuration topic: no")
            configs.append(ConfigInfo(_key(name, kind), ConfigValueInfo(name, value, [], errors)))
        count = sum(len(c.value.errors) for c in configs)
        return ConfigInfos(str(config.get("connector.class")), count, ["Common"], configs)

    def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]:
        return [PluginInfo("SourceX", "source")]

    def plugin_config(self, plugin: str) -> list[ConfigKeyInfo]:
        return [_key("topic")]


SOURCE = {"connector.class": "SourceX", "topic": "t", "tasks.max": "2"}


class World:
    def __init__(self, tmp_path: Path, providers: ConfigProviders | None = None, **settings: Any) -> None:
        self.launcher = FakeLauncher()
        self.store = FileOffsetStore(tmp_path / "connect.offsets")
        self.herder = StandaloneHerder(
            settings=HerderSettings(worker_id="w:8083", **settings),
            launcher=self.launcher,
            plugins=FakePlugins(),
            providers=providers or ConfigProviders({}),
            offsets=self.store,
            admin=self._no_admin,
            restart_policy=self._policy,
        )

    @staticmethod
    def _no_admin() -> Any:
        raise AssertionError("no admin client in these tests")

    @staticmethod
    def _policy(config: Mapping[str, str]) -> RestartPolicy:
        return RestartPolicy.of(config.get("policy", "on-failure"), 2, 20, 1000)


def run(tmp_path: Path, body: Callable[[World], Awaitable[None]], **settings: Any) -> None:
    async def main() -> None:
        world = World(tmp_path, **settings)
        await world.herder.start()
        try:
            await body(world)
        finally:
            await world.herder.stop()

    asyncio.run(main())


async def until(check: Callable[[], bool], timeout_s: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def states(world: World, name: str) -> tuple[str, list[str]]:
    await settle()
    status = await world.herder.connector_status(name)
    return status.connector.state, [t.state for t in status.tasks]


def test_create_starts_the_connector_and_its_tasks(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        info = await world.herder.create_connector("c", SOURCE, None)
        assert info.type == "source"
        assert info.config == {**SOURCE, "name": "c"}
        assert [t.task for t in info.tasks] == [0, 1]
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "RUNNING"])
        assert world.launcher.connectors[0].calls == ["task_configs(2)"]
        configs = await world.herder.tasks_config("c")
        assert configs["c-1"]["task.id"] == "1"
        assert await world.herder.connectors() == ["c"]
        assert (await world.herder.task_status("c", 1)).worker_id == "w:8083"
        with pytest.raises(AlreadyExistsError, match="Connector c already exists"):
            await world.herder.create_connector("c", SOURCE, None)

    run(tmp_path, body)


def test_invalid_configs_are_refused_with_connects_text(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        with pytest.raises(BadRequestError) as error:
            await world.herder.create_connector("c", {"connector.class": "SourceX"}, None)
        assert str(error.value) == (
            "Connector configuration is invalid and contains the following 1 error(s):\n"
            'Missing required configuration "topic" which has no default value.\n'
            "You can also find the above list of errors at the endpoint "
            "`/connector-plugins/{connectorType}/config/validate`"
        )
        with pytest.raises(ConnectError, match="Failed to find any class"):
            await world.herder.create_connector("c", {"connector.class": "Nope", "topic": "t"}, None)
        with pytest.raises(BadRequestError, match=r"Connector name configuration \(x\) doesn't match"):
            await world.herder.put_connector_config("c", {**SOURCE, "name": "x"})
        assert await world.herder.connectors() == []
        for call in (world.herder.connector_info, world.herder.connector_config, world.herder.task_infos):
            with pytest.raises(NotFoundError, match="Connector c not found"):
                await call("c")
        with pytest.raises(NotFoundError, match="No status found for connector c"):
            await world.herder.connector_status("c")
        with pytest.raises(NotFoundError, match="No status found for task c-0"):
            await world.herder.task_status("c", 0)

    run(tmp_path, body)


def test_a_config_change_restarts_connector_and_tasks(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        created, _ = await world.herder.put_connector_config("c", SOURCE)
        assert created
        created, info = await world.herder.put_connector_config("c", {**SOURCE, "batch": "5"})
        assert not created
        assert info.config["batch"] == "5"
        assert len(world.launcher.connectors) == 2 and world.launcher.connectors[0].stopped
        assert len(world.launcher.tasks) == 4 and all(h.stopped for h in world.launcher.tasks[:2])
        patched = await world.herder.patch_connector_config("c", {"batch": None, "tasks.max": "1"})
        assert "batch" not in patched.config
        assert [t.task for t in patched.tasks] == [0]
        assert len(world.launcher.live_tasks("c")) == 1
        with pytest.raises(NotFoundError, match="Connector d not found"):
            await world.herder.patch_connector_config("d", {})

    run(tmp_path, body)


def test_reconfiguration_restarts_tasks_only_when_their_configs_changed(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", SOURCE, None)
        connector = world.launcher.connectors[0]
        connector.emit(ReconfigurationRequested())
        await settle()
        await asyncio.sleep(0.01)
        assert len(world.launcher.tasks) == 2  # same configs: nothing restarted
        connector.task_configs = [{"task.id": "new"}]
        connector.emit(ReconfigurationRequested())
        await asyncio.sleep(0.05)
        assert all(h.stopped for h in world.launcher.tasks[:2])
        assert (await world.herder.tasks_config("c")) == {"c-0": {"task.id": "new"}}

    run(tmp_path, body)


def test_pause_resume_stop_and_resume_again(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", SOURCE, None)
        await world.herder.pause_connector("c")
        await world.herder.pause_connector("c")  # idempotent
        assert await states(world, "c") == ("PAUSED", ["PAUSED", "PAUSED"])
        await world.herder.resume_connector("c")
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "RUNNING"])
        await world.herder.stop_connector("c")
        assert await states(world, "c") == ("STOPPED", [])
        assert (await world.herder.connector_info("c")).tasks == []
        assert world.launcher.live_tasks("c") == []
        await world.herder.resume_connector("c")
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "RUNNING"])
        for call in (world.herder.pause_connector, world.herder.resume_connector):
            with pytest.raises(NotFoundError, match="Unknown connector x"):
                await call("x")
        # Connect compat: the standalone herder's stop of an unknown connector is a 500.
        with pytest.raises(ConnectError, match="No connector `x` configured") as error:
            await world.herder.stop_connector("x")
        assert error.value.error_code == 500

    run(tmp_path, body)


def test_initial_states(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("p", SOURCE, "PAUSED")
        await world.herder.create_connector("s", SOURCE, "STOPPED")
        await world.herder.create_connector("r", SOURCE, "RUNNING")
        # Connect compat: a connector that never ran has generated no task configs yet.
        assert await states(world, "p") == ("PAUSED", [])
        await world.herder.resume_connector("p")
        assert await states(world, "p") == ("RUNNING", ["RUNNING", "RUNNING"])
        assert await states(world, "s") == ("STOPPED", [])
        assert await states(world, "r") == ("RUNNING", ["RUNNING", "RUNNING"])

    run(tmp_path, body)


def test_restart_only_failed_tasks(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", {**SOURCE, "policy": "none"}, None)
        world.launcher.tasks[1].emit(StatusChanged("FAILED", "boom"))
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "FAILED"])
        assert (await world.herder.task_status("c", 1)).trace == "boom"  # policy none: no restart line
        plan = await world.herder.restart_connector("c", include_tasks=True, only_failed=True)
        assert plan is not None
        assert (plan.connector.state, [t.state for t in plan.tasks]) == ("RUNNING", ["RUNNING", "RESTARTING"])
        assert len(world.launcher.connectors) == 1 and len(world.launcher.tasks) == 3
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "RUNNING"])
        plan = await world.herder.restart_connector("c", include_tasks=True, only_failed=False)
        assert plan is not None
        assert (plan.connector.state, [t.state for t in plan.tasks]) == ("RESTARTING", ["RESTARTING"] * 2)
        assert await world.herder.restart_connector("c", include_tasks=False, only_failed=False) is None
        assert len(world.launcher.connectors) == 3
        await world.herder.restart_task("c", 0)
        with pytest.raises(NotFoundError, match="Task c-7 not found"):
            await world.herder.restart_task("c", 7)
        with pytest.raises(NotFoundError, match="Unknown connector: x"):
            await world.herder.restart_connector("x", include_tasks=True, only_failed=False)
        # Connect compat: StandaloneHerder answers these two with 500s.
        with pytest.raises(ConnectError, match="Connector x not found") as error:
            await world.herder.restart_connector("x", include_tasks=False, only_failed=False)
        assert error.value.error_code == 500
        with pytest.raises(
            ConnectError, match="Failed to start task x-0 since it is not a recognizable"
        ) as error:
            await world.herder.restart_task("x", 0)
        assert error.value.error_code == 500

    run(tmp_path, body)


def test_a_failed_task_restarts_automatically_and_says_so(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", {**SOURCE, "tasks.max": "1"}, None)
        first = world.launcher.tasks[0]
        first.emit(StatusChanged("FAILED", "Task process exited with signal SIGKILL (9)"))
        first.emit(None)
        await settle()
        status = await world.herder.task_status("c", 0)
        assert status.state == "FAILED"
        assert status.trace == (
            "Task process exited with signal SIGKILL (9)\nkconnect: automatic restart 1 of 2 in 20 ms"
        )
        await asyncio.sleep(0.1)
        assert len(world.launcher.tasks) == 2
        assert await states(world, "c") == ("RUNNING", ["RUNNING"])
        # A process that vanishes without a FAILED status is a failure too.
        world.launcher.tasks[1].emit(None)
        await settle()
        assert (await world.herder.task_status("c", 0)).trace == (
            "kconnect: the task process exited unexpectedly.\nkconnect: automatic restart 2 of 2 in 40 ms"
        )

    run(tmp_path, body)


def test_a_starting_instance_has_no_status_until_it_reports_and_a_restarting_one_keeps_its_last(
    tmp_path: Path,
) -> None:
    """Connect compat: WorkerConnector/WorkerTask write their first status themselves (onStartup);
    starting one writes none, so a new connector has no status yet and a failed task restarting
    by policy stays FAILED, never UNASSIGNED, until its new process reports."""

    async def body(world: World) -> None:
        world.launcher.silent = True
        await world.herder.create_connector("c", {**SOURCE, "tasks.max": "1"}, None)
        await settle()
        with pytest.raises(NotFoundError, match="No status found for connector c"):
            await world.herder.connector_status("c")
        world.launcher.connectors[0].emit(StatusChanged("RUNNING"))
        assert await states(world, "c") == ("RUNNING", [])
        with pytest.raises(NotFoundError, match="No status found for task c-0"):
            await world.herder.task_status("c", 0)
        first = world.launcher.tasks[0]
        first.emit(StatusChanged("RUNNING"))
        assert await states(world, "c") == ("RUNNING", ["RUNNING"])
        first.emit(StatusChanged("FAILED", "boom"))
        first.emit(None)
        await until(lambda: len(world.launcher.tasks) == 2)  # the restart by policy (20 ms)
        status = await world.herder.task_status("c", 0)
        assert (status.state, status.trace) == ("FAILED", "boom\nkconnect: automatic restart 1 of 2 in 20 ms")
        world.launcher.tasks[1].emit(StatusChanged("RUNNING"))
        assert await states(world, "c") == ("RUNNING", ["RUNNING"])

    run(tmp_path, body)


def test_tasks_named_by_java_class_start_their_python_class_and_unknown_names_fail(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        world.launcher.task_class = "org.apache.kafka.connect.file.FileStreamSourceTask"
        await world.herder.create_connector("c", SOURCE, None)
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "RUNNING"])
        assert [h.task_class for h in world.launcher.tasks] == ["connectors.file:FileStreamSourceTask"] * 2
        # The task configs keep Connect's name (GET /connectors/c/tasks).
        assert (await world.herder.task_infos("c"))[0].config["task.class"] == world.launcher.task_class
        world.launcher.task_class = "com.example.MissingTask"
        await world.herder.create_connector("d", SOURCE, None)
        assert await states(world, "d") == ("RUNNING", ["FAILED", "FAILED"])
        trace = (await world.herder.task_status("d", 0)).trace or ""
        assert trace.endswith(
            "Invalid value com.example.MissingTask for configuration task.class: "
            "Class com.example.MissingTask could not be found."
        )
        assert len(world.launcher.tasks) == 2

    run(tmp_path, body)


def test_source_offsets_are_stored_written_and_editable_when_stopped(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", {**SOURCE, "tasks.max": "1"}, None)
        world.launcher.tasks[0].emit(SourceOffsets([({"filename": "f"}, {"position": 3})]))
        world.launcher.tasks[0].emit(TopicsUsed(["t"]))
        await settle()
        assert await world.herder.connector_offsets("c") == [
            ConnectorOffset({"filename": "f"}, {"position": 3})
        ]
        assert await world.herder.connector_topics("c") == ["t"]
        await world.herder.reset_connector_topics("c")
        assert await world.herder.connector_topics("c") == []
        with pytest.raises(BadRequestError, match="Connectors must be in the STOPPED state"):
            await world.herder.reset_connector_offsets("c")
        await world.herder.stop_connector("c")
        with pytest.raises(BadRequestError, match="Partitions / offsets need to be provided"):
            await world.herder.alter_connector_offsets("c", [])
        message = await world.herder.alter_connector_offsets(
            "c", [ConnectorOffset({"filename": "f"}, {"position": 1})]
        )
        assert message == "The offsets for this connector have been altered successfully"
        assert FileOffsetStore(world.store.path).path.exists()
        await world.herder.resume_connector("c")
        assert world.launcher.tasks[-1].offsets == [({"filename": "f"}, {"position": 1})]
        await world.herder.stop_connector("c")
        assert await world.herder.reset_connector_offsets("c") == (
            "The offsets for this connector have been reset successfully"
        )
        assert await world.herder.connector_offsets("c") == []

    run(tmp_path, body, offset_flush_interval_ms=10)


def test_shutdown_stops_everything_and_writes_the_offsets(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", {**SOURCE, "tasks.max": "1"}, None)
        world.launcher.tasks[0].emit(SourceOffsets([({"filename": "f"}, {"position": 9})]))
        await settle()

    run(tmp_path, body)
    store = FileOffsetStore(tmp_path / "connect.offsets")
    store.load()
    assert store.offsets("c") == [({"filename": "f"}, {"position": 9})]


def test_topic_tracking_can_be_disabled(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        with pytest.raises(ForbiddenError, match=r"Topic tracking is disabled\."):
            await world.herder.connector_topics("c")

    run(tmp_path, body, topic_tracking_enable=False)

    async def no_reset(world: World) -> None:
        assert await world.herder.connector_topics("c") == []
        with pytest.raises(ForbiddenError, match=r"Topic tracking reset is disabled\."):
            await world.herder.reset_connector_topics("c")

    run(tmp_path, no_reset, topic_tracking_allow_reset=False)


def test_delete(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", SOURCE, None)
        await world.herder.delete_connector("c")
        assert await world.herder.connectors() == []
        assert all(h.stopped for h in world.launcher.tasks + world.launcher.connectors)
        with pytest.raises(NotFoundError, match="Connector c not found"):
            await world.herder.delete_connector("c")

    run(tmp_path, body)


def test_provider_values_stay_out_of_configs_and_traces(tmp_path: Path) -> None:
    secret_file = tmp_path / "secrets.properties"
    secret_file.write_text("password=hunter22\n")
    providers = ConfigProviders.from_worker(
        {"config.providers": "file", "config.providers.file.class": "FileConfigProvider"}
    )
    placeholder = f"${{file:{secret_file}:password}}"

    async def body(world: World) -> None:
        info = await world.herder.create_connector("c", {**SOURCE, "tasks.max": "1", "pw": placeholder}, None)
        assert info.config["pw"] == placeholder
        assert world.launcher.connectors[0].config["pw"] == "hunter22"  # resolved for the process only
        assert world.launcher.tasks[0].config["pw"] == "hunter22"
        assert (await world.herder.tasks_config("c"))["c-0"]["pw"] == placeholder
        world.launcher.tasks[0].emit(StatusChanged("FAILED", "login hunter22 refused"))
        await settle()
        trace = (await world.herder.task_status("c", 0)).trace or ""
        assert "hunter22" not in trace and "login [hidden] refused" in trace
        with pytest.raises(BadRequestError) as error:
            await world.herder.put_connector_config("d", {**SOURCE, "topic": "bad", "secret": "bad"})
        assert "bad" not in str(error.value).split("error(s):")[1].split("You can")[0]
        with pytest.raises(BadRequestError, match="Included connector type SourceX does not match"):
            await world.herder.validate_connector_config("Sink", SOURCE)

    async def main() -> None:
        world = World(tmp_path, providers=providers)
        await world.herder.start()
        try:
            await body(world)
        finally:
            await world.herder.stop()

    asyncio.run(main())


def test_a_failed_connector_restarts_automatically_and_says_so(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", SOURCE, None)
        first = world.launcher.connectors[0]
        first.emit(StatusChanged("FAILED", "MockConnector failure"))
        await settle()
        status = await world.herder.connector_status("c")
        assert status.connector.state == "FAILED"
        assert status.connector.trace == "MockConnector failure\nkconnect: automatic restart 1 of 2 in 20 ms"
        await asyncio.sleep(0.1)
        assert len(world.launcher.connectors) == 2 and first.stopped
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "RUNNING"])
        assert len(world.launcher.tasks) == 2  # same task configs: the tasks kept running
        # A connector process that vanishes is a failure too; the attempts count on.
        world.launcher.connectors[1].emit(None)
        await settle()
        assert (await world.herder.connector_status("c")).connector.trace == (
            "kconnect: the connector process exited unexpectedly.\n"
            "kconnect: automatic restart 2 of 2 in 40 ms"
        )
        await asyncio.sleep(0.15)
        world.launcher.connectors[2].emit(StatusChanged("FAILED", "again"))
        await settle()
        await asyncio.sleep(0.1)
        # The attempts are used up: FAILED stays, without a restart line, until a manual restart.
        status = await world.herder.connector_status("c")
        assert (status.connector.state, status.connector.trace) == ("FAILED", "again")
        assert len(world.launcher.connectors) == 3
        assert await world.herder.restart_connector("c", include_tasks=False, only_failed=False) is None
        assert await states(world, "c") == ("RUNNING", ["RUNNING", "RUNNING"])

    run(tmp_path, body)


def test_a_connector_with_restarts_off_stays_failed(tmp_path: Path) -> None:
    async def body(world: World) -> None:
        await world.herder.create_connector("c", {**SOURCE, "policy": "none"}, None)
        world.launcher.connectors[0].emit(StatusChanged("FAILED", "boom"))
        await asyncio.sleep(0.05)
        status = await world.herder.connector_status("c")
        assert (status.connector.state, status.connector.trace) == ("FAILED", "boom")
        assert len(world.launcher.connectors) == 1

    run(tmp_path, body)


def test_a_stopping_worker_shows_stopped_instances_unassigned_and_failed_ones_failed(tmp_path: Path) -> None:
    async def main() -> None:
        world = World(tmp_path)
        await world.herder.start()
        world.launcher.task_count = 3
        await world.herder.create_connector("c", {**SOURCE, "tasks.max": "3", "policy": "none"}, None)
        slow = world.launcher.tasks[2]
        release = asyncio.Event()
        fast_stop = slow.stop

        async def slow_stop(timeout_s: float) -> None:
            await release.wait()
            await fast_stop(timeout_s)

        slow.stop = slow_stop  # type: ignore[method-assign]  # a task that takes its time to stop
        world.launcher.tasks[1].emit(StatusChanged("FAILED", "boom"))
        await settle()
        stopping = asyncio.create_task(world.herder.stop())
        await settle()
        # Connect compat: WorkerTask.onShutdown writes UNASSIGNED as each task ends; onFailure's FAILED stays.
        assert await states(world, "c") == ("UNASSIGNED", ["UNASSIGNED", "FAILED", "RUNNING"])
        release.set()
        await stopping
        assert await states(world, "c") == ("UNASSIGNED", ["UNASSIGNED", "FAILED", "UNASSIGNED"])

    asyncio.run(main())
