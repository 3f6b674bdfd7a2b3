"""What a herder keeps per connector and per task, and the interfaces it drives.

The herder never runs connector code: it asks a `Launcher` (engine.runtime) for one process per
connector and per task and follows each process through its `InstanceHandle`. The Protocols below
are the slice of the runtime and plugin contracts (design B and C) the herder uses, so its logic can
be tested against small fakes and wired to the real modules in `engine.standalone`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.errors import NotFoundError
from engine.herder.entities import (
    ConfigInfos,
    ConfigKeyInfo,
    ConnectorState,
    ConnectorStateInfo,
    ConnectorTaskId,
    ConnectorType,
    PluginInfo,
    TaskState,
)
from engine.herder.restart import RestartPolicy, RestartTracker
from engine.secrets import mask_secrets

__all__ = [
    "ConnectorPlugins",
    "ConnectorRecord",
    "InstanceHandle",
    "Launcher",
    "TaskRecord",
    "mask_secrets",
]


class InstanceHandle(Protocol):
    """One connector or task process, as the runtime's launcher hands it out."""

    @property
    def events(self) -> AsyncIterator[object]:
        """`engine.runtime.protocol` events until the process is gone; a crash's end is preceded by
        a FAILED `StatusChanged`; items of other types are ignored."""

    async def request_task_configs(self, max_tasks: int) -> list[dict[str, str]]: ...

    async def pause(self) -> None: ...

    async def resume(self) -> None: ...

    async def stop(self, timeout_s: float) -> None:
        """Graceful stop; the process is killed when it does not stop within `timeout_s`."""

    def kill(self) -> None: ...


class Launcher(Protocol):
    async def start_connector(
        self,
        name: str,
        config: dict[str, str],
        target_state: str,
        *,
        connector_class: str | None = None,
        secrets: Collection[str] = (),
    ) -> InstanceHandle: ...

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
    ) -> InstanceHandle: ...


class ConnectorPlugins(Protocol):
    """Plugin lookup and connector config validation (engine.plugins, engine.config.validation)."""

    def connector_type(self, connector_class: str) -> ConnectorType:
        """Raises ConnectError (500) in Connect's words when no connector matches."""

    def connector_class_path(self, connector_class: str) -> str:
        """`module:QualName` of the connector `connector.class` names (aliases resolved)."""

    def connector_version(self, connector_class: str) -> str | None:
        """The plugin's version, which status records carry (KIP-891); None if it has none."""

    def validate(self, config: Mapping[str, str | None], raw: Mapping[str, str | None]) -> ConfigInfos:
        """Connect's validate body for a resolved connector config; values a provider resolved are
        shown as in `raw`.

        Raises:
            BadRequestError: no `connector.class`; ConnectError: no connector matches it.
        """

    def check_validate_request_type(self, plugin_type: str, config: Mapping[str, str | None]) -> None:
        """Raises BadRequestError when the validate path does not match `connector.class`."""

    def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]: ...

    def plugin_config(self, plugin: str) -> list[ConfigKeyInfo]: ...


@dataclass(eq=False)
class TaskRecord:
    """One task: its config (placeholders restored) and the process that runs it, if any."""

    id: int
    config: dict[str, str]
    tracker: RestartTracker
    # The last status; None until the task's first process reports one (Connect writes none
    # when a task starts), which REST shows as no status at all.
    state: str | None = None
    trace: str | None = None
    handle: InstanceHandle | None = None
    pump: asyncio.Task[None] | None = None
    restart_timer: asyncio.TimerHandle | None = None

    def cancel_restart(self) -> None:
        if self.restart_timer is not None:
            self.restart_timer.cancel()
            self.restart_timer = None


def _no_restarts() -> RestartTracker:
    return RestartTracker(RestartPolicy(enabled=False))


@dataclass(eq=False)
class ConnectorRecord:
    """One connector: the config as submitted, its target state and its instances."""

    name: str
    config: dict[str, str]
    type: ConnectorType
    target: str
    # The connector instance's last status; None until one is reported, as for tasks.
    state: str | None = None
    trace: str | None = None
    handle: InstanceHandle | None = None
    pump: asyncio.Task[None] | None = None
    tasks: dict[int, TaskRecord] = field(default_factory=dict)
    # The submitted config the current task configs were generated from: a config change restarts
    # the tasks even when the connector generates equal task configs (Connect 3.9+).
    applied_config: dict[str, str] | None = None
    topics: set[str] = field(default_factory=set)
    # Values that must never be shown: provider-resolved values and PASSWORD-typed keys' values.
    secrets: set[str] = field(default_factory=set)
    # Automatic restarts of the connector instance (the herder sets the config's policy).
    tracker: RestartTracker = field(default_factory=_no_restarts)
    restart_timer: asyncio.TimerHandle | None = None

    def cancel_restart(self) -> None:
        if self.restart_timer is not None:
            self.restart_timer.cancel()
            self.restart_timer = None

    def status(self, worker_id: str) -> ConnectorStateInfo:
        """Connect compat: `AbstractHerder.connectorStatus`, which lists only the tasks with a status.

        Raises:
            NotFoundError: the connector instance has reported no status yet.
        """
        if self.state is None:
            raise NotFoundError(f"No status found for connector {self.name}")
        tasks = sorted((t for t in self.tasks.values() if t.state is not None), key=lambda t: t.id)
        return ConnectorStateInfo(
            name=self.name,
            connector=ConnectorState(self.state, worker_id, self.trace),  # type: ignore[arg-type]  # states are the Literal's values
            tasks=[self.task_status(t, worker_id) for t in tasks],
            type=self.type,
        )

    def task_status(self, task: TaskRecord, worker_id: str) -> TaskState:
        """Raises NotFoundError when the task has reported no status yet."""
        if task.state is None:
            raise NotFoundError(f"No status found for task {self.name}-{task.id}")
        return TaskState(task.id, task.state, worker_id, task.trace)  # type: ignore[arg-type]  # as above
