"""Connector and task instances of one worker: starting, stopping, following and restarting them.

Connect compat: the parts of `Worker` and `AbstractHerder` that run instances. A connector instance
runs in its own process and generates the task configs; each task runs in its own process; a config
change restarts the connector and its tasks; a reconfiguration restarts the tasks only when their
configs changed; PAUSED keeps the processes, STOPPED removes the tasks; restarts follow KIP-745. A
stopped instance is UNASSIGNED, a failed one stays FAILED (`WorkerTask.onShutdown`/`onFailure`).
Beyond Connect, failed connectors and tasks restart by policy (`engine.herder.restart`).

Nothing here knows where configs, statuses or offsets are stored: the herder owns the records and
passes a lookup of the current ones and a source offset store, so the standalone herder (memory and
offsets file) and the distributed one (Kafka topics) drive the same code. Every method runs on the
herder's event loop; changes to the set of processes hold `lock`.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from engine.config.providers import ConfigProviders
from engine.errors import ConnectError
from engine.herder.configs import CONNECTOR_CLASS_CONFIG, restore_placeholders
from engine.herder.entities import ConnectorStateInfo, ConnectorTaskId
from engine.herder.instances import (
    ConnectorPlugins,
    ConnectorRecord,
    InstanceHandle,
    Launcher,
    TaskRecord,
    mask_secrets,
)
from engine.herder.restart import RestartPolicy, RestartTracker, restart_trace_line
from engine.plugins.tasks import TASK_CLASS_CONFIG, task_class_path
from engine.runtime.protocol import (
    ReconfigurationRequested,
    SourceOffsets,
    StatusChanged,
    TopicsUsed,
)

__all__ = ["PAUSED", "STARTED", "STOPPED", "Lifecycle", "SourceOffsetStore", "target_of"]

logger = logging.getLogger("engine.herder")

STARTED, PAUSED, STOPPED = "STARTED", "PAUSED", "STOPPED"
UNASSIGNED, FAILED, RESTARTING = "UNASSIGNED", "FAILED", "RESTARTING"
TASKS_MAX_CONFIG = "tasks.max"
# How long the herder waits for a stopped process's last events after `stop` returned.
DRAIN_TIMEOUT_S = 5.0
CONNECTOR_EXITED = "kconnect: the connector process exited unexpectedly."
TASK_EXITED = "kconnect: the task process exited unexpectedly."

Offsets = list[tuple[dict[str, Any], dict[str, Any] | None]]


class SourceOffsetStore(Protocol):
    """Where acknowledged source offsets go and where a starting source task reads them from."""

    def offsets(self, connector: str) -> Sequence[tuple[dict[str, Any], dict[str, Any] | None]]: ...

    def put(
        self, connector: str, offsets: Iterable[tuple[dict[str, Any], dict[str, Any] | None]]
    ) -> None: ...


def target_of(initial_state: str | None) -> str:
    """The target state of REST's `initial_state` (which says RUNNING where the store says STARTED)."""
    if initial_state is None:
        return STARTED
    state = initial_state.upper()
    return STARTED if state == "RUNNING" else state


def _task_class_path(task_config: Mapping[str, str]) -> str | None:
    """`module:QualName` of the task a task config names (a Java name of a bundled task, too);
    None when it names none, which the launcher reports."""
    name = task_config.get(TASK_CLASS_CONFIG)
    return task_class_path(name) if name is not None else None


def _trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()


def _with_restart_line(trace: str | None, tracker: RestartTracker, planned: tuple[int, int]) -> str:
    attempt, delay_ms = planned
    line = restart_trace_line(attempt, tracker.policy.max_attempts, delay_ms)
    return f"{trace}\n{line}" if trace else line


class Lifecycle:
    """Runs the instances of the connectors a herder holds.

    Args:
        launcher: starts connector and task processes.
        plugins: plugin lookup (the connector class path).
        providers: the worker's config providers (resolved configs go only to processes).
        offsets: the source offset store.
        restart_policy: the restart policy of a connector's resolved config.
        current: the herder's record of a connector name, if any (a record no longer current is
            deleted or replaced, and its events are ignored).
        graceful_timeout_ms: `task.shutdown.graceful.timeout.ms`.
    """

    def __init__(
        self,
        *,
        launcher: Launcher,
        plugins: ConnectorPlugins,
        providers: ConfigProviders,
        offsets: SourceOffsetStore,
        restart_policy: Callable[[Mapping[str, str]], RestartPolicy],
        current: Callable[[str], ConnectorRecord | None],
        graceful_timeout_ms: int,
    ) -> None:
        self.lock = asyncio.Lock()
        self._launcher = launcher
        self._plugins = plugins
        self._providers = providers
        self._offsets = offsets
        self._restart_policy = restart_policy
        self._current = current
        self._graceful_s = graceful_timeout_ms / 1000.0
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def graceful_s(self) -> float:
        return self._graceful_s

    def resolved(self, record: ConnectorRecord, config: Mapping[str, str]) -> dict[str, str]:
        resolved = self._providers.resolve(config)
        return {k: v for k, v in resolved.items() if v is not None}

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

    # --- configs ---------------------------------------------------------------------------------

    async def apply(self, record: ConnectorRecord, config: dict[str, str], secrets: set[str]) -> None:
        """Stops the connector instance, takes the new config and its restart policy, then starts
        the connector per its target state; the lock is held."""
        await self.stop_connector_instance(record, self._graceful_s)
        record.config, record.secrets = config, secrets
        record.tracker = RestartTracker(self._restart_policy(self.resolved(record, config)))
        await self.start_connector(record)

    # --- starting --------------------------------------------------------------------------------

    async def start_connector(self, record: ConnectorRecord) -> None:
        """Starts the connector instance per its target state, then its tasks."""
        if record.target == STOPPED:
            await self.stop_tasks(record, self._graceful_s)
            record.tasks.clear()
            record.applied_config = None
            record.state, record.trace = STOPPED, None
            return
        # Connect compat: starting writes no status; the instance reports RUNNING or PAUSED itself
        # (WorkerConnector/WorkerTask `onStartup`/`onPause`). Until then the last status stands: a
        # stopped one's UNASSIGNED, a failed one's FAILED, none for a new instance. An UNASSIGNED
        # written now would tell the assignor that a starting instance was released.
        try:
            handle = await self._launcher.start_connector(
                record.name,
                self.resolved(record, record.config),
                record.target,
                connector_class=self._plugins.connector_class_path(record.config[CONNECTOR_CLASS_CONFIG]),
                secrets=record.secrets,
            )
        except (ConnectError, OSError) as exc:
            record.state, record.trace = FAILED, mask_secrets(_trace(exc), record.secrets)
            logger.error("Could not start connector `%s`.", record.name)
            self._connector_failed(record, None)
            return
        record.handle = handle
        record.tracker.started()
        record.pump = asyncio.create_task(self._pump_connector(record, handle), name=f"events-{record.name}")
        await self.reconfigure_tasks(record)

    async def reconfigure_tasks(self, record: ConnectorRecord) -> None:
        """Regenerates task configs and applies them (`apply_task_configs`)."""
        configs = await self.generate_task_configs(record)
        if configs is not None:
            await self.apply_task_configs(record, configs)

    async def generate_task_configs(self, record: ConnectorRecord) -> list[dict[str, str]] | None:
        """The running connector's task configs with its placeholders restored; None when it is
        not STARTED or failed to generate them (then it is FAILED and may restart by policy)."""
        handle = record.handle
        # Connect compat: task configs are generated only for a STARTED connector (a paused one is
        # not running); resuming regenerates them.
        if handle is None or record.target != STARTED:
            return None
        resolved = self.resolved(record, record.config)
        try:
            generated = await handle.request_task_configs(int(resolved.get(TASKS_MAX_CONFIG, "1")))
        except (ConnectError, OSError) as exc:
            if record.handle is handle and record.state != FAILED:
                record.state, record.trace = FAILED, mask_secrets(_trace(exc), record.secrets)
                self._connector_failed(record, handle)
            logger.error("Connector `%s` could not generate task configs.", record.name)
            return None
        return [restore_placeholders(record.config, resolved, c) for c in generated]

    async def apply_task_configs(self, record: ConnectorRecord, configs: list[dict[str, str]]) -> None:
        """Restarts the tasks when their configs or the connector config changed (standalone: the
        tasks run here; the distributed lifecycle publishes the configs instead)."""
        current = [record.tasks[t].config for t in sorted(record.tasks)]
        if configs == current and record.applied_config == record.config:
            return
        await self.stop_tasks(record, self._graceful_s)
        policy = self._restart_policy(self.resolved(record, record.config))
        record.tasks = {i: TaskRecord(i, config, RestartTracker(policy)) for i, config in enumerate(configs)}
        record.applied_config = dict(record.config)
        await asyncio.gather(*(self.start_task(record, t) for t in record.tasks.values()))

    async def start_task(self, record: ConnectorRecord, task: TaskRecord) -> None:
        """Starts the task's process; its status is left as it is, as `start_connector` says."""
        offsets: Offsets = []
        if record.type == "source":
            offsets = list(self._offsets.offsets(record.name))
        task_config = self.resolved(record, task.config)
        try:
            handle = await self._launcher.start_task(
                ConnectorTaskId(record.name, task.id),
                self.resolved(record, record.config),
                task_config,
                record.target,
                offsets,
                task_class=_task_class_path(task_config),
                secrets=record.secrets,
            )
        except (ConnectError, OSError) as exc:
            task.state, task.trace = FAILED, mask_secrets(_trace(exc), record.secrets)
            logger.error("Could not start task `%s-%d`.", record.name, task.id)
            return
        task.handle = handle
        task.tracker.started()
        task.pump = asyncio.create_task(
            self._pump_task(record, task, handle), name=f"events-{record.name}-{task.id}"
        )

    # --- stopping --------------------------------------------------------------------------------

    async def stop_tasks(self, record: ConnectorRecord, timeout_s: float) -> None:
        """Stops every task process of the connector concurrently."""
        await asyncio.gather(*(self.stop_task(t, timeout_s) for t in record.tasks.values()))

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

    async def _stop_process_of(self, holder: TaskRecord | ConnectorRecord, timeout_s: float) -> bool:
        """Stops the process of a task or connector instance; False when it had none."""
        holder.cancel_restart()
        handle, pump = holder.handle, holder.pump
        holder.handle, holder.pump = None, None
        if handle is None:
            return False
        await self._stop_instance(handle, pump, timeout_s)
        return True

    async def stop_task(self, task: TaskRecord, timeout_s: float) -> None:
        """Stops the task's process; a task that stopped rather than failed is UNASSIGNED."""
        # Connect compat: WorkerTask.onShutdown writes UNASSIGNED; a failed task stays FAILED.
        if await self._stop_process_of(task, timeout_s) and task.state != FAILED:
            task.state, task.trace = UNASSIGNED, None

    async def stop_connector_instance(self, record: ConnectorRecord, timeout_s: float) -> None:
        """Stops the connector's process; the connector is UNASSIGNED (WorkerConnector.doShutdown)."""
        if await self._stop_process_of(record, timeout_s):
            record.state, record.trace = UNASSIGNED, None

    async def stop(self, record: ConnectorRecord) -> None:
        """Stops the tasks, then the connector instance (a delete or a STOPPED target)."""
        await self.stop_tasks(record, self._graceful_s)
        await self.stop_connector_instance(record, self._graceful_s)

    async def shutdown(self, records: Iterable[ConnectorRecord]) -> None:
        """Stops every instance within `task.shutdown.graceful.timeout.ms` in total; no automatic
        restart happens afterwards. Statuses turn UNASSIGNED as each process ends."""
        self._stopping = True
        records = list(records)
        async with self.lock:
            for record in records:
                record.cancel_restart()
                for task in record.tasks.values():
                    task.cancel_restart()
            # One budget for everything: all processes stop at the same time.
            await asyncio.gather(
                *(self.stop_tasks(r, self._graceful_s) for r in records),
                *(self.stop_connector_instance(r, self._graceful_s) for r in records),
            )
        for background in list(self._background):
            background.cancel()

    # --- events ----------------------------------------------------------------------------------

    async def _pump_connector(self, record: ConnectorRecord, handle: InstanceHandle) -> None:
        async for event in handle.events:
            if isinstance(event, StatusChanged):
                if record.handle is handle:
                    record.state, record.trace = event.state, mask_secrets(event.trace, record.secrets)
                    if event.state == FAILED:
                        self._connector_failed(record, handle)
            elif isinstance(event, ReconfigurationRequested) and record.handle is handle:
                self._spawn(self._locked_reconfigure(record, handle), f"reconfigure-{record.name}")
        if record.handle is handle and record.state != FAILED:
            record.state, record.trace = FAILED, CONNECTOR_EXITED
            self._connector_failed(record, handle)

    async def _locked_reconfigure(self, record: ConnectorRecord, handle: InstanceHandle) -> None:
        async with self.lock:
            if self._current(record.name) is record and record.handle is handle:
                await self.reconfigure_tasks(record)

    async def _pump_task(self, record: ConnectorRecord, task: TaskRecord, handle: InstanceHandle) -> None:
        async for event in handle.events:
            if isinstance(event, SourceOffsets):
                # Offsets the broker acknowledged stay valid even from a process being replaced.
                if self._current(record.name) is record:
                    self._offsets.put(record.name, event.offsets)
            elif isinstance(event, TopicsUsed):
                record.topics.update(event.topics)
            elif isinstance(event, StatusChanged) and task.handle is handle:
                task.state, task.trace = event.state, mask_secrets(event.trace, record.secrets)
                if event.state == FAILED:
                    self._task_failed(record, task, handle)
        if task.handle is handle and task.state != FAILED:
            task.state, task.trace = FAILED, TASK_EXITED
            self._task_failed(record, task, handle)

    # --- automatic restarts ----------------------------------------------------------------------

    def _schedule_restart(
        self, holder: TaskRecord | ConnectorRecord, what: str, restart: Callable[[], Awaitable[None]]
    ) -> None:
        """Plans the automatic restart of a failed instance by its policy, and says so in its trace."""
        logger.error("%s failed.", what)
        if self._stopping or holder.restart_timer is not None:
            return
        planned = holder.tracker.failed()
        if planned is None:
            return
        holder.trace = _with_restart_line(holder.trace, holder.tracker, planned)
        logger.info("%s restarts automatically in %d ms.", what, planned[1])

        def fire() -> None:
            holder.restart_timer = None
            self._spawn(restart(), f"restart of {what}")

        holder.restart_timer = asyncio.get_running_loop().call_later(planned[1] / 1000.0, fire)

    def _connector_failed(self, record: ConnectorRecord, handle: InstanceHandle | None) -> None:
        self._schedule_restart(
            record, f"Connector `{record.name}`", lambda: self._auto_restart_connector(record, handle)
        )

    async def _auto_restart_connector(self, record: ConnectorRecord, handle: InstanceHandle | None) -> None:
        async with self.lock:
            if self._current(record.name) is not record or record.handle is not handle:
                return  # deleted, reconfigured or restarted by hand meanwhile
            if record.target == STOPPED or record.state != FAILED:
                return
            await self.stop_connector_instance(record, self._graceful_s)
            await self.start_connector(record)

    def _task_failed(self, record: ConnectorRecord, task: TaskRecord, handle: InstanceHandle) -> None:
        self._schedule_restart(
            task, f"Task `{record.name}-{task.id}`", lambda: self._auto_restart_task(record, task, handle)
        )

    async def _auto_restart_task(
        self, record: ConnectorRecord, task: TaskRecord, handle: InstanceHandle
    ) -> None:
        async with self.lock:
            current = self._current(record.name)
            if current is not record or record.tasks.get(task.id) is not task or task.handle is not handle:
                return  # deleted, reconfigured or restarted by hand meanwhile
            await self.stop_task(task, self._graceful_s)
            await self.start_task(record, task)

    # --- target states and manual restarts ---------------------------------------------------

    async def set_target(self, record: ConnectorRecord, target: str) -> None:
        """Moves the connector's instances to a new target state; the lock is held."""
        previous, record.target = record.target, target
        if previous == target:
            return
        logger.info("Connector `%s` target state is now %s.", record.name, target)
        if target == STOPPED:
            await self.stop(record)
            record.tasks.clear()
            record.applied_config = None
            record.state, record.trace = STOPPED, None
        elif previous == STOPPED:
            await self.start_connector(record)
        else:
            handles = [record.handle, *(t.handle for t in record.tasks.values())]
            await asyncio.gather(*(self.transition(h, target) for h in handles if h is not None))
            if target == STARTED:
                await self.reconfigure_tasks(record)

    @staticmethod
    async def transition(handle: InstanceHandle, target: str) -> None:
        """Pauses or resumes one process (`target` PAUSED or STARTED)."""
        try:
            await (handle.pause() if target == PAUSED else handle.resume())
        except ConnectError as exc:
            # A process that already ended (FAILED) keeps its status; Connect does not move a
            # FAILED instance by target-state changes either.
            logger.info("Could not change the target state of a process: %s", exc)

    async def restart(
        self, record: ConnectorRecord, include_tasks: bool, only_failed: bool, worker_id: str
    ) -> ConnectorStateInfo:
        """KIP-745: restarts the connector if not `only_failed` or FAILED, each task if
        `include_tasks` and (not `only_failed` or FAILED); returns the plan (REST 202's body)."""
        restart_connector = not only_failed or record.state == FAILED
        tasks = [t for t in record.tasks.values() if include_tasks and (not only_failed or t.state == FAILED)]
        if restart_connector:
            record.state, record.trace = RESTARTING, None
        for task in tasks:
            task.state, task.trace = RESTARTING, None
        plan = record.status(worker_id)
        if record.target == STOPPED:
            record.state = STOPPED
            return plan
        await asyncio.gather(*(self.stop_task(t, self._graceful_s) for t in tasks))
        if restart_connector:
            await self.restart_connector_instance(record)
        for task in tasks:
            task.tracker.reset()
        await asyncio.gather(*(self.start_task(record, t) for t in tasks if t.handle is None))
        return plan

    async def restart_connector_instance(self, record: ConnectorRecord) -> None:
        if record.target == STOPPED:
            return
        await self.stop_connector_instance(record, self._graceful_s)
        record.tracker.reset()
        await self.start_connector(record)

    async def restart_task(self, record: ConnectorRecord, task: TaskRecord) -> None:
        await self.stop_task(task, self._graceful_s)
        task.tracker.reset()
        await self.start_task(record, task)
