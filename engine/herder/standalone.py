"""The standalone herder: one worker's connectors, tasks, statuses and source offsets in memory.

Connect compat: `StandaloneHerder`: configs are validated (placeholders resolved) before they are
stored; the instances run as `engine.herder.lifecycle` says; source offsets live in the offsets file
(`engine.storage.offsets_file`), flushed every `offset.flush.interval.ms` and at shutdown.

Every method runs on the supervisor's event loop. Changes to the set of processes are serialized by
the lifecycle's lock (Connect's standalone herder is `synchronized` the same way); reading status
never waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.config.providers import ConfigProviders
from engine.errors import AlreadyExistsError, ConnectError, ForbiddenError, NotFoundError
from engine.herder.configs import CONNECTOR_CLASS_CONFIG, validated_config
from engine.herder.entities import (
    ConnectorInfo,
    ConnectorOffset,
    ConnectorStateInfo,
    ConnectorTaskId,
    TaskInfo,
    TaskState,
)
from engine.herder.instances import ConnectorPlugins, ConnectorRecord, Launcher
from engine.herder.lifecycle import PAUSED, STARTED, STOPPED, Lifecycle, target_of
from engine.herder.offsets import ConnectorOffsetsEndpoints
from engine.herder.restart import RestartPolicy
from engine.herder.worker_endpoints import WorkerEndpoints
from engine.storage.offsets_file import FileOffsetStore

__all__ = ["HerderSettings", "StandaloneHerder"]

logger = logging.getLogger("engine.herder")


@dataclass(frozen=True)
class HerderSettings:
    """The worker settings the herder needs (from `engine.worker.config.WorkerConfig`)."""

    worker_id: str
    offset_flush_interval_ms: int = 60000
    task_shutdown_graceful_timeout_ms: int = 5000
    topic_tracking_enable: bool = True
    topic_tracking_allow_reset: bool = True
    kafka_cluster_id: str | None = None


class StandaloneHerder(WorkerEndpoints):
    """`engine.herder.base.Herder` for one worker.

    Args:
        settings: worker settings.
        launcher: starts connector and task processes.
        plugins: plugin lookup and config validation.
        providers: the worker's config providers (resolved configs go only to processes).
        offsets: the source offset store, already loaded.
        admin: a confluent-kafka AdminClient factory, for sink connector offsets.
        restart_policy: the restart policy of a connector's resolved config.
    """

    settings: HerderSettings

    def __init__(
        self,
        *,
        settings: HerderSettings,
        launcher: Launcher,
        plugins: ConnectorPlugins,
        providers: ConfigProviders,
        offsets: FileOffsetStore,
        admin: Callable[[], Any],
        restart_policy: Callable[[Mapping[str, str]], RestartPolicy],
    ) -> None:
        self.settings = settings
        self._plugins = plugins
        self._providers = providers
        self._offsets = offsets
        self._connectors: dict[str, ConnectorRecord] = {}
        self._lifecycle = Lifecycle(
            launcher=launcher,
            plugins=plugins,
            providers=providers,
            offsets=offsets,
            restart_policy=restart_policy,
            current=self._connectors.get,
            graceful_timeout_ms=settings.task_shutdown_graceful_timeout_ms,
        )
        self._lock = self._lifecycle.lock
        self._offset_endpoints = ConnectorOffsetsEndpoints(
            offsets,
            admin,
            lambda record: self._lifecycle.resolved(record, record.config),
            self._flush_offsets,
        )
        self._flusher: asyncio.Task[None] | None = None
        self._ready = False

    # --- lifecycle of the herder ------------------------------------------------------------

    async def start(self) -> None:
        """Starts the periodic offset flush; the herder is ready afterwards."""
        self._flusher = asyncio.create_task(self._flush_periodically(), name="offset-flush")
        self._ready = True

    async def stop(self) -> None:
        """Stops every task and connector within `task.shutdown.graceful.timeout.ms` in total, then
        writes the offsets file. Each instance is UNASSIGNED once stopped (a failed task stays
        FAILED), as Connect writes while a worker stops."""
        await self._lifecycle.shutdown(self._connectors.values())
        for record in self._connectors.values():
            record.state, record.trace = "UNASSIGNED", None
        if self._flusher is not None:
            self._flusher.cancel()
        await self._flush_offsets()

    async def _flush_periodically(self) -> None:
        interval_s = self.settings.offset_flush_interval_ms / 1000.0
        while True:
            await asyncio.sleep(interval_s)
            await self._flush_offsets()

    async def _flush_offsets(self) -> None:
        if not self._offsets.dirty:
            return
        data = self._offsets.encode()
        try:
            await asyncio.to_thread(self._offsets.write, data)
        except OSError:
            self._offsets.mark_dirty()
            logger.exception("Could not write the offsets file `%s`.", self._offsets.path)

    # --- server ------------------------------------------------------------------------------

    async def healthy(self) -> bool:
        return True

    # --- reading ---------------------------------------------------------------------------------

    def _record(self, name: str, message: str) -> ConnectorRecord:
        record = self._connectors.get(name)
        if record is None:
            raise NotFoundError(message)
        return record

    def _info(self, record: ConnectorRecord) -> ConnectorInfo:
        tasks = [ConnectorTaskId(record.name, t) for t in sorted(record.tasks)]
        return ConnectorInfo(record.name, dict(record.config), tasks, record.type)

    async def connectors(self) -> list[str]:
        return sorted(self._connectors)

    async def connector_info(self, name: str) -> ConnectorInfo:
        return self._info(self._record(name, f"Connector {name} not found"))

    async def connector_config(self, name: str) -> dict[str, str]:
        return dict(self._record(name, f"Connector {name} not found").config)

    async def connector_status(self, name: str) -> ConnectorStateInfo:
        return self._record(name, f"No status found for connector {name}").status(self.worker_id)

    async def task_status(self, name: str, task: int) -> TaskState:
        record = self._connectors.get(name)
        if record is None or task not in record.tasks:
            raise NotFoundError(f"No status found for task {name}-{task}")
        return record.task_status(record.tasks[task], self.worker_id)

    async def task_infos(self, name: str) -> list[TaskInfo]:
        record = self._record(name, f"Connector {name} not found")
        return [
            TaskInfo(ConnectorTaskId(name, t.id), dict(t.config))
            for t in sorted(record.tasks.values(), key=lambda t: t.id)
        ]

    async def tasks_config(self, name: str) -> dict[str, dict[str, str]]:
        record = self._record(name, f"Connector {name} not found")
        return {f"{name}-{t.id}": dict(t.config) for t in sorted(record.tasks.values(), key=lambda t: t.id)}

    # --- configs ---------------------------------------------------------------------------------

    async def create_connector(
        self, name: str, config: Mapping[str, str | None], initial_state: str | None
    ) -> ConnectorInfo:
        async with self._lock:
            if name in self._connectors:
                raise AlreadyExistsError(f"Connector {name} already exists")
            return await self._apply(name, config, target_of(initial_state))

    async def put_connector_config(
        self, name: str, config: Mapping[str, str | None]
    ) -> tuple[bool, ConnectorInfo]:
        async with self._lock:
            existing = self._connectors.get(name)
            target = existing.target if existing is not None else STARTED
            return existing is None, await self._apply(name, config, target)

    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        async with self._lock:
            record = self._record(name, f"Connector {name} not found")
            merged: dict[str, str | None] = dict(record.config)
            for key, value in patch.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            return await self._apply(name, merged, record.target)

    async def _apply(self, name: str, config: Mapping[str, str | None], target: str) -> ConnectorInfo:
        """Validates and stores a config, then (re)starts the connector; the lock is held."""
        raw, secrets = validated_config(self._plugins, self._providers, name, config)
        kind = self._plugins.connector_type(raw[CONNECTOR_CLASS_CONFIG])
        record = self._connectors.get(name)
        if record is None:
            record = ConnectorRecord(name=name, config=raw, type=kind, target=target, secrets=secrets)
            self._connectors[name] = record
            logger.info("Created connector `%s`.", name)
        else:
            record.type, record.target = kind, target
            logger.info("Reconfigured connector `%s`.", name)
        await self._lifecycle.apply(record, raw, secrets)
        return self._info(record)

    # --- target states and restarts -----------------------------------------------------------

    async def pause_connector(self, name: str) -> None:
        await self._set_target(name, PAUSED)

    async def resume_connector(self, name: str) -> None:
        await self._set_target(name, STARTED)

    async def stop_connector(self, name: str) -> None:
        await self._set_target(name, STOPPED)

    async def _set_target(self, name: str, target: str) -> None:
        async with self._lock:
            record = self._connectors.get(name)
            if record is None:
                # Connect compat: StandaloneHerder.stopConnector fails in MemoryConfigBackingStore
                # (500); pause and resume answer 404.
                if target == STOPPED:
                    raise ConnectError(f"No connector `{name}` configured")
                raise NotFoundError(f"Unknown connector {name}")
            await self._lifecycle.set_target(record, target)

    async def restart_connector(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> ConnectorStateInfo | None:
        async with self._lock:
            if not include_tasks and not only_failed:
                record = self._connectors.get(name)
                if record is None:
                    # Connect compat: StandaloneHerder.restartConnector goes on after its NotFound and
                    # fails with a NullPointerException (500); the text here says what happened.
                    raise ConnectError(f"Connector {name} not found")
                await self._lifecycle.restart_connector_instance(record)
                return None
            record = self._record(name, f"Unknown connector: {name}")
            return await self._lifecycle.restart(record, include_tasks, only_failed, self.worker_id)

    async def restart_task(self, name: str, task: int) -> None:
        async with self._lock:
            record = self._connectors.get(name)
            if record is None:
                # Connect compat: StandaloneHerder.restartTask goes on to start an unknown task (500).
                raise ConnectError(
                    f"Failed to start task {name}-{task} since it is not a recognizable type (source or sink)"
                )
            found = record.tasks.get(task)
            if found is None:
                raise NotFoundError(f"Task {name}-{task} not found")
            await self._lifecycle.restart_task(record, found)

    async def delete_connector(self, name: str) -> None:
        async with self._lock:
            record = self._record(name, f"Connector {name} not found")
            await self._lifecycle.stop(record)
            del self._connectors[name]
            logger.info("Deleted connector `%s`.", name)

    # --- topics ----------------------------------------------------------------------------------

    async def connector_topics(self, name: str) -> list[str]:
        if not self.settings.topic_tracking_enable:
            raise ForbiddenError("Topic tracking is disabled.")
        record = self._connectors.get(name)
        return sorted(record.topics) if record is not None else []

    async def reset_connector_topics(self, name: str) -> None:
        if not self.settings.topic_tracking_enable:
            raise ForbiddenError("Topic tracking is disabled.")
        if not self.settings.topic_tracking_allow_reset:
            raise ForbiddenError("Topic tracking reset is disabled.")
        record = self._connectors.get(name)
        if record is not None:
            record.topics.clear()

    # --- offsets ---------------------------------------------------------------------------------

    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        return await self._offset_endpoints.read(self._record(name, f"Connector {name} not found"))

    async def alter_connector_offsets(self, name: str, offsets: list[ConnectorOffset]) -> str:
        async with self._lock:
            record = self._record(name, f"Connector {name} not found")
            return await self._offset_endpoints.alter(record, offsets)

    async def reset_connector_offsets(self, name: str) -> str:
        async with self._lock:
            return await self._offset_endpoints.reset(self._record(name, f"Connector {name} not found"))
