"""The standalone herder: one worker's connectors, tasks, statuses and source offsets in memory.

Connect compat: `StandaloneHerder` and the parts of `AbstractHerder`/`Worker` it uses: configs are
validated (placeholders resolved) before they are stored; a connector instance runs in its own
process and generates the task configs, each task runs in its own process; a config change restarts
the connector and its tasks; `request_task_reconfiguration` restarts the tasks only when their
configs changed; PAUSED keeps the processes, STOPPED removes the tasks and allows offset edits;
restarts follow KIP-745. Beyond Connect, failed tasks are restarted by policy
(`engine.herder.restart`).

Every method runs on the supervisor's event loop. Changes to the set of processes are serialized by
one lock (Connect's standalone herder is `synchronized` the same way); reading status never waits.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import engine
from engine.config.providers import ConfigProviders
from engine.errors import (
    AlreadyExistsError,
    BadRequestError,
    ConnectError,
    ForbiddenError,
    NotFoundError,
)
from engine.herder.configs import (
    CONNECTOR_CLASS_CONFIG,
    restore_placeholders,
    validated_config,
)
from engine.herder.entities import (
    ConfigInfos,
    ConfigKeyInfo,
    ConnectorInfo,
    ConnectorOffset,
    ConnectorStateInfo,
    ConnectorTaskId,
    PluginInfo,
    ServerInfo,
    TaskInfo,
    TaskState,
)
from engine.herder.instances import (
    ConnectorPlugins,
    ConnectorRecord,
    InstanceHandle,
    Launcher,
    TaskRecord,
    mask_secrets,
)
from engine.herder.restart import RestartPolicy, RestartTracker, restart_trace_line
from engine.herder.sink_offsets import (
    alter_sink_offsets,
    parse_sink_offsets,
    reset_sink_offsets,
    sink_offsets,
)
from engine.runtime.protocol import (
    ReconfigurationRequested,
    SourceOffsets,
    StatusChanged,
    TopicsUsed,
)
from engine.storage.offsets_file import FileOffsetStore

__all__ = ["HerderSettings", "StandaloneHerder"]

logger = logging.getLogger("engine.herder")

STARTED, PAUSED, STOPPED = "STARTED", "PAUSED", "STOPPED"
TASKS_MAX_CONFIG = "tasks.max"
GROUP_ID_OVERRIDE_CONFIG = "consumer.override.group.id"
# How long the herder waits for a stopped process's last events after `stop` returned.
DRAIN_TIMEOUT_S = 5.0
STOPPED_FOR_OFFSETS = (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
    "for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
)


@dataclass(frozen=True)
class HerderSettings:
    """The worker settings the herder needs (from `engine.worker.config.WorkerConfig`)."""

    worker_id: str
    offset_flush_interval_ms: int = 60000
    task_shutdown_graceful_timeout_ms: int = 5000
    topic_tracking_enable: bool = True
    topic_tracking_allow_reset: bool = True
    kafka_cluster_id: str | None = None


def _trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()


def _target_of(initial_state: str | None) -> str:
    # REST's initial_state says RUNNING where the stored target state says STARTED.
    if initial_state is None:
        return STARTED
    state = initial_state.upper()
    return STARTED if state == "RUNNING" else state


class StandaloneHerder:
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
        self._launcher = launcher
        self._plugins = plugins
        self._providers = providers
        self._offsets = offsets
        self._admin = admin
        self._restart_policy = restart_policy
        self._connectors: dict[str, ConnectorRecord] = {}
        self._lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._ready = False
        self._stopping = False

    # --- lifecycle of the herder ------------------------------------------------------------

    async def start(self) -> None:
        """Starts the periodic offset flush; the herder is ready afterwards."""
        self._flusher = asyncio.create_task(self._flush_periodically(), name="offset-flush")
        self._ready = True

    async def stop(self) -> None:
        """Stops every task and connector within `task.shutdown.graceful.timeout.ms` in total, then
        writes the offsets file."""
        self._stopping = True
        async with self._lock:
            for record in self._connectors.values():
                for task_record in record.tasks.values():
                    task_record.cancel_restart()
            # One budget for everything: all processes stop at the same time.
            timeout_s = self._graceful_s()
            await asyncio.gather(
                *(self._stop_tasks(r, timeout_s, state="UNASSIGNED") for r in self._connectors.values()),
                *(self._stop_connector_instance(r, timeout_s) for r in self._connectors.values()),
            )
            for record in self._connectors.values():
                record.state, record.trace = "UNASSIGNED", None
        if self._flusher is not None:
            self._flusher.cancel()
        for background in list(self._background):
            background.cancel()
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

    def _spawn(self, work: Awaitable[None], name: str) -> None:
        async def run() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Background herder work `%s` failed.", name)

        task = asyncio.create_task(run(), name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- server ------------------------------------------------------------------------------

    @property
    def worker_id(self) -> str:
        return self.settings.worker_id

    def ready(self) -> bool:
        return self._ready

    async def healthy(self) -> bool:
        return True

    async def server_info(self) -> ServerInfo:
        return ServerInfo(
            engine.__version__, getattr(engine, "__commit__", "unknown"), self.settings.kafka_cluster_id
        )

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
            return await self._apply(name, config, _target_of(initial_state))

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
            await self._stop_connector_instance(record, self._graceful_s())
            record.config, record.type, record.target, record.secrets = raw, kind, target, secrets
            logger.info("Reconfigured connector `%s`.", name)
        await self._start_connector(record)
        return self._info(record)

    def _graceful_s(self) -> float:
        return self.settings.task_shutdown_graceful_timeout_ms / 1000.0

    def _resolved(self, record: ConnectorRecord, config: Mapping[str, str]) -> dict[str, str]:
        resolved = self._providers.resolve(config)
        return {k: v for k, v in resolved.items() if v is not None}

    # --- connector and task instances ----------------------------------------------------------

    async def _start_connector(self, record: ConnectorRecord) -> None:
        """Starts the connector instance per its target state, then its tasks."""
        if record.target == STOPPED:
            await self._stop_tasks(record, self._graceful_s(), state=None)
            record.tasks.clear()
            record.applied_config = None
            record.state, record.trace = STOPPED, None
            return
        record.state, record.trace = "UNASSIGNED", None
        try:
            handle = await self._launcher.start_connector(
                record.name,
                self._resolved(record, record.config),
                record.target,
                connector_class=self._plugins.connector_class_path(record.config[CONNECTOR_CLASS_CONFIG]),
                secrets=record.secrets,
            )
        except (ConnectError, OSError) as exc:
            record.state, record.trace = "FAILED", mask_secrets(_trace(exc), record.secrets)
            logger.error("Could not start connector `%s`.", record.name)
            return
        record.handle = handle
        record.pump = asyncio.create_task(self._pump_connector(record, handle), name=f"events-{record.name}")
        await self._reconfigure_tasks(record)

    async def _reconfigure_tasks(self, record: ConnectorRecord) -> None:
        """Regenerates task configs; restarts the tasks when they or the connector config changed."""
        handle = record.handle
        # Connect compat: task configs are generated only for a STARTED connector (a paused one is
        # not running); resuming regenerates them.
        if handle is None or record.target != STARTED:
            return
        resolved = self._resolved(record, record.config)
        try:
            generated = await handle.request_task_configs(int(resolved.get(TASKS_MAX_CONFIG, "1")))
        except (ConnectError, OSError) as exc:
            if record.handle is handle and record.state != "FAILED":
                record.state, record.trace = "FAILED", mask_secrets(_trace(exc), record.secrets)
            logger.error("Connector `%s` could not generate task configs.", record.name)
            return
        configs = [restore_placeholders(record.config, resolved, c) for c in generated]
        current = [record.tasks[t].config for t in sorted(record.tasks)]
        if configs == current and record.applied_config == record.config:
            return
        await self._stop_tasks(record, self._graceful_s(), state=None)
        record.tasks = {
            i: TaskRecord(i, config, RestartTracker(self._restart_policy(resolved)))
            for i, config in enumerate(configs)
        }
        record.applied_config = dict(record.config)
        await asyncio.gather(*(self._start_task(record, t) for t in record.tasks.values()))

    async def _start_task(self, record: ConnectorRecord, task: TaskRecord) -> None:
        task.state, task.trace = "UNASSIGNED", None
        offsets: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        if record.type == "source":
            offsets = [(p, o) for p, o in self._offsets.offsets(record.name)]
        try:
            handle = await self._launcher.start_task(
                ConnectorTaskId(record.name, task.id),
                self._resolved(record, record.config),
                self._resolved(record, task.config),
                record.target,
                offsets,
                secrets=record.secrets,
            )
        except (ConnectError, OSError) as exc:
            task.state, task.trace = "FAILED", mask_secrets(_trace(exc), record.secrets)
            logger.error("Could not start task `%s-%d`.", record.name, task.id)
            return
        task.handle = handle
        task.tracker.started()
        task.pump = asyncio.create_task(
            self._pump_task(record, task, handle), name=f"events-{record.name}-{task.id}"
        )

    async def _stop_tasks(self, record: ConnectorRecord, timeout_s: float, state: str | None) -> None:
        """Stops every task process of the connector (concurrently); `state` is their new status."""
        await asyncio.gather(*(self._stop_task(t, timeout_s) for t in record.tasks.values()))
        if state is not None:
            for task in record.tasks.values():
                task.state, task.trace = state, None

    @staticmethod
    async def _stop_instance(
        handle: InstanceHandle, pump: asyncio.Task[None] | None, timeout_s: float
    ) -> None:
        await handle.stop(timeout_s)
        if pump is not None:
            # The pump ends with the process's last events (the final source offsets among them).
            try:
                await asyncio.wait_for(asyncio.shield(pump), DRAIN_TIMEOUT_S)
            except TimeoutError:
                pump.cancel()
                logger.warning("A stopped process did not close its event stream; stopped reading it.")

    async def _stop_task(self, task: TaskRecord, timeout_s: float) -> None:
        task.cancel_restart()
        handle, pump = task.handle, task.pump
        task.handle, task.pump = None, None
        if handle is not None:
            await self._stop_instance(handle, pump, timeout_s)

    async def _stop_connector_instance(self, record: ConnectorRecord, timeout_s: float) -> None:
        handle, pump = record.handle, record.pump
        record.handle, record.pump = None, None
        if handle is not None:
            await self._stop_instance(handle, pump, timeout_s)

    # --- events ----------------------------------------------------------------------------------

    async def _pump_connector(self, record: ConnectorRecord, handle: InstanceHandle) -> None:
        async for event in handle.events:
            if isinstance(event, StatusChanged):
                if record.handle is handle:
                    record.state, record.trace = event.state, mask_secrets(event.trace, record.secrets)
                    if event.state == "FAILED":
                        logger.error("Connector `%s` failed.", record.name)
            elif isinstance(event, ReconfigurationRequested) and record.handle is handle:
                self._spawn(self._locked_reconfigure(record, handle), f"reconfigure-{record.name}")
        if record.handle is handle and record.state != "FAILED":
            record.state, record.trace = "FAILED", "kconnect: the connector process exited unexpectedly."

    async def _locked_reconfigure(self, record: ConnectorRecord, handle: InstanceHandle) -> None:
        async with self._lock:
            if self._connectors.get(record.name) is record and record.handle is handle:
                await self._reconfigure_tasks(record)

    async def _pump_task(self, record: ConnectorRecord, task: TaskRecord, handle: InstanceHandle) -> None:
        async for event in handle.events:
            if isinstance(event, SourceOffsets):
                # Offsets the broker acknowledged stay valid even from a process being replaced.
                if self._connectors.get(record.name) is record:
                    self._offsets.put(record.name, event.offsets)
            elif isinstance(event, TopicsUsed):
                record.topics.update(event.topics)
            elif isinstance(event, StatusChanged) and task.handle is handle:
                task.state, task.trace = event.state, mask_secrets(event.trace, record.secrets)
                if event.state == "FAILED":
                    self._task_failed(record, task, handle)
        if task.handle is handle and task.state != "FAILED":
            task.state, task.trace = "FAILED", "kconnect: the task process exited unexpectedly."
            self._task_failed(record, task, handle)

    def _task_failed(self, record: ConnectorRecord, task: TaskRecord, handle: InstanceHandle) -> None:
        logger.error("Task `%s-%d` failed.", record.name, task.id)
        if self._stopping or task.restart_timer is not None:
            return
        planned = task.tracker.failed()
        if planned is None:
            return
        attempt, delay_ms = planned
        line = restart_trace_line(attempt, task.tracker.policy.max_attempts, delay_ms)
        task.trace = f"{task.trace}\n{line}" if task.trace else line
        logger.info("Task `%s-%d` restarts automatically in %d ms.", record.name, task.id, delay_ms)

        def fire() -> None:
            task.restart_timer = None
            self._spawn(self._auto_restart(record, task, handle), f"restart-{record.name}-{task.id}")

        task.restart_timer = asyncio.get_running_loop().call_later(delay_ms / 1000.0, fire)

    async def _auto_restart(self, record: ConnectorRecord, task: TaskRecord, handle: InstanceHandle) -> None:
        async with self._lock:
            current = self._connectors.get(record.name)
            if current is not record or record.tasks.get(task.id) is not task or task.handle is not handle:
                return  # deleted, reconfigured or restarted by hand meanwhile
            await self._stop_task(task, self._graceful_s())
            await self._start_task(record, task)

    # --- target states and restarts -----------------------------------------------------------

    async def pause_connector(self, name: str) -> None:
        await self._set_target(name, PAUSED)

    async def resume_connector(self, name: str) -> None:
        await self._set_target(name, STARTED)

    async def stop_connector(self, name: str) -> None:
        await self._set_target(name, STOPPED)

    async def _set_target(self, name: str, target: str) -> None:
        async with self._lock:
            record = self._record(name, f"Unknown connector {name}")
            previous, record.target = record.target, target
            if previous == target:
                return
            logger.info("Connector `%s` target state is now %s.", name, target)
            if target == STOPPED:
                timeout_s = self._graceful_s()
                await self._stop_tasks(record, timeout_s, state=None)
                await self._stop_connector_instance(record, timeout_s)
                record.tasks.clear()
                record.applied_config = None
                record.state, record.trace = STOPPED, None
            elif previous == STOPPED:
                await self._start_connector(record)
            else:
                handles = [record.handle, *(t.handle for t in record.tasks.values())]
                await asyncio.gather(*(self._transition(h, target) for h in handles if h is not None))
                if target == STARTED:
                    await self._reconfigure_tasks(record)

    @staticmethod
    async def _transition(handle: InstanceHandle, target: str) -> None:
        try:
            await (handle.pause() if target == PAUSED else handle.resume())
        except ConnectError as exc:
            # A process that already ended (FAILED) keeps its status; Connect does not move a
            # FAILED instance by target-state changes either.
            logger.info("Could not change the target state of a process: %s", exc)

    async def restart_connector(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> ConnectorStateInfo | None:
        async with self._lock:
            record = self._record(name, f"Unknown connector: {name}")
            if not include_tasks and not only_failed:
                await self._restart_connector_instance(record)
                return None
            # Connect compat (KIP-745): the connector restarts if not onlyFailed or FAILED; each task
            # if includeTasks and (not onlyFailed or FAILED).
            restart_connector = not only_failed or record.state == "FAILED"
            tasks = [
                t for t in record.tasks.values() if include_tasks and (not only_failed or t.state == "FAILED")
            ]
            if restart_connector:
                record.state, record.trace = "RESTARTING", None
            for task in tasks:
                task.state, task.trace = "RESTARTING", None
            plan = record.status(self.worker_id)
            if record.target == STOPPED:
                record.state = STOPPED
                return plan
            timeout_s = self._graceful_s()
            await asyncio.gather(*(self._stop_task(t, timeout_s) for t in tasks))
            if restart_connector:
                await self._stop_connector_instance(record, timeout_s)
                await self._start_connector(record)
            for task in tasks:
                task.tracker.reset()
            await asyncio.gather(*(self._start_task(record, t) for t in tasks if t.handle is None))
            return plan

    async def _restart_connector_instance(self, record: ConnectorRecord) -> None:
        if record.target == STOPPED:
            return
        await self._stop_connector_instance(record, self._graceful_s())
        await self._start_connector(record)

    async def restart_task(self, name: str, task: int) -> None:
        async with self._lock:
            record = self._record(name, f"Unknown connector: {name}")
            found = record.tasks.get(task)
            if found is None:
                raise NotFoundError(f"Unknown task: {name}-{task}")
            await self._stop_task(found, self._graceful_s())
            found.tracker.reset()
            await self._start_task(record, found)

    async def delete_connector(self, name: str) -> None:
        async with self._lock:
            record = self._record(name, f"Connector {name} not found")
            timeout_s = self._graceful_s()
            await self._stop_tasks(record, timeout_s, state=None)
            await self._stop_connector_instance(record, timeout_s)
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

    def _sink_group(self, record: ConnectorRecord) -> str:
        return self._resolved(record, record.config).get(GROUP_ID_OVERRIDE_CONFIG) or f"connect-{record.name}"

    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        record = self._record(name, f"Connector {name} not found")
        if record.type == "sink":
            return await sink_offsets(self._admin(), self._sink_group(record))
        return [ConnectorOffset(partition=p, offset=o) for p, o in self._offsets.offsets(name)]

    def _stopped_for_offsets(self, name: str) -> ConnectorRecord:
        record = self._record(name, f"Connector {name} not found")
        if record.target != STOPPED or record.tasks:
            raise BadRequestError(STOPPED_FOR_OFFSETS.format(name=name))
        return record

    async def alter_connector_offsets(self, name: str, offsets: list[ConnectorOffset]) -> str:
        async with self._lock:
            record = self._stopped_for_offsets(name)
            if not offsets:
                raise BadRequestError("Partitions / offsets need to be provided for an alter offsets request")
            if record.type == "sink":
                await alter_sink_offsets(self._admin(), self._sink_group(record), parse_sink_offsets(offsets))
            else:
                for entry in offsets:
                    if entry.partition is None:
                        raise BadRequestError("Source partitions may not be null")
                self._offsets.put(name, [(o.partition, o.offset) for o in offsets])
                await self._flush_offsets()
            return "The offsets for this connector have been altered successfully"

    async def reset_connector_offsets(self, name: str) -> str:
        async with self._lock:
            record = self._stopped_for_offsets(name)
            if record.type == "sink":
                await reset_sink_offsets(self._admin(), self._sink_group(record))
            else:
                self._offsets.put(name, [(p, None) for p, _ in self._offsets.offsets(name)])
                await self._flush_offsets()
            return "The offsets for this connector have been reset successfully"

    # --- plugins ---------------------------------------------------------------------------------

    async def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]:
        return self._plugins.connector_plugins(connectors_only)

    async def plugin_config(self, plugin: str) -> list[ConfigKeyInfo]:
        return self._plugins.plugin_config(plugin)

    async def validate_connector_config(
        self, plugin_type: str, config: Mapping[str, str | None]
    ) -> ConfigInfos:
        self._plugins.check_validate_request_type(plugin_type, config)
        return self._plugins.validate(self._providers.resolve(config), config)
