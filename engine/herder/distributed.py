"""The distributed herder: one worker of a Connect cluster coordinated through Kafka.

Connect compat: `DistributedHerder`. Configs, target states and restart requests live in the config
topic, statuses in the status topic, source offsets in the offsets topic; the group member tells
this worker which connectors and tasks it runs. Writes that need the leader (create, reconfigure,
delete, stop, restarts, offsets) are done by the leader and forwarded to it by any other worker
(`engine.rest.forward`); pause and resume are written by whichever worker gets them.

The herder's tick loop runs on the event loop: every event (an assignment, a revocation, a config
record, a restart request) wakes it, and it reconciles the instances this worker runs with the
latest config snapshot and its assignment (level-triggered: whatever happened in between, the
result is the same), then writes the statuses that changed with its generation. The member's own
thread calls `on_assigned`/`on_revoked`; a revocation returns only when the revoked instances
stopped (their last source offsets written), so cooperative hand-over never runs an instance twice.

Beyond Connect: a REST write that meets a rebalance waits for it (up to the request timeout) instead
of answering 409 at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from engine.config.providers import ConfigProviders
from engine.errors import AlreadyExistsError, ConnectError, NotFoundError
from engine.herder.assigned import AssignedWork
from engine.herder.cluster_offsets import ClusterOffsets
from engine.herder.cluster_ports import ConfigSnapshot, ConfigStore, GroupMember, OffsetStore, StatusStore
from engine.herder.cluster_reads import DistributedSettings
from engine.herder.configs import CONNECTOR_CLASS_CONFIG, validated_config
from engine.herder.distributed_instances import DistributedLifecycle, TaskConfigPublisher
from engine.herder.entities import (
    ConnectorInfo,
    ConnectorState,
    ConnectorStateInfo,
    ConnectorTaskId,
    TaskState,
)
from engine.herder.instances import ConnectorPlugins, ConnectorRecord, Launcher
from engine.herder.lifecycle import PAUSED, STARTED, STOPPED, target_of
from engine.herder.offsets import ConnectorOffsetsEndpoints
from engine.herder.restart import RestartPolicy
from engine.rest.forward import RequestTargetError, request_target

__all__ = ["DistributedHerder", "DistributedSettings"]

logger = logging.getLogger("engine.herder")

RESTARTING, FAILED = "RESTARTING", "FAILED"
# How often local statuses are compared with the ones written.
STATUS_INTERVAL_S = 0.2
# How long one member poll waits; a failed one is retried after MEMBER_RETRY_S.
MEMBER_POLL_S = 0.5
MEMBER_RETRY_S = 1.0
MEMBER_JOIN_TIMEOUT_S = 10.0
# How often a write waiting for a rebalance checks whether it ended.
REBALANCE_CHECK_S = 0.05
RECONFIGURE_BACKOFF_S = 0.25
STALE_CONFIG = (
    "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent "
    "config change)"
)


@dataclass
class _Membership:
    generation: int = -1
    leader_id: str | None = None
    leader_url: str | None = None
    rebalancing: bool = True


class DistributedHerder(ClusterOffsets):
    """`engine.herder.base.Herder` for one worker of a cluster.

    Args:
        settings: worker settings.
        launcher: starts connector and task processes.
        plugins: plugin lookup and config validation.
        providers: the worker's config providers.
        config: the config topic store.
        statuses: the status topic store.
        offsets: the source offset store over the offsets topic.
        admin: a confluent-kafka AdminClient factory (sink connector offsets).
        restart_policy: the restart policy of a connector's resolved config.
        send_task_configs: sends regenerated task configs to the leader's URL (a follower's path).
    """

    def __init__(
        self,
        *,
        settings: DistributedSettings,
        launcher: Launcher,
        plugins: ConnectorPlugins,
        providers: ConfigProviders,
        config: ConfigStore,
        statuses: StatusStore,
        offsets: OffsetStore,
        admin: Callable[[], Any],
        restart_policy: Callable[[Mapping[str, str]], RestartPolicy],
        send_task_configs: Callable[[str, str, list[dict[str, str]]], Any],
    ) -> None:
        self.settings = settings
        self._plugins = plugins
        self._providers = providers
        self._config = config
        self._statuses = statuses
        self._restart_policy = restart_policy
        self._offset_store = offsets
        self._send_task_configs = send_task_configs
        self._member: GroupMember | None = None
        self._membership = _Membership()
        self._wake = asyncio.Event()
        self._restarts: list[tuple[str, bool, bool]] = []
        self._reconfigure: set[str] = set()
        self._task_counts: dict[str, int] = {}
        self._snapshot: ConfigSnapshot = config.snapshot()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = threading.Event()
        self._closing = False
        self._member_thread: threading.Thread | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._ready = False
        self._lifecycle = DistributedLifecycle(
            launcher=launcher,
            plugins=plugins,
            providers=providers,
            offsets=offsets,
            restart_policy=restart_policy,
            current=self._current_record,
            graceful_timeout_ms=settings.task_shutdown_graceful_timeout_ms,
            publisher=TaskConfigPublisher(self._current_task_configs, self._publish_task_configs),
        )
        self._work = AssignedWork(self._lifecycle, plugins, providers, statuses, settings.worker_id)
        self._offsets = ConnectorOffsetsEndpoints(offsets, admin, self._resolved, self._no_persist)

    # --- lifecycle of the herder ------------------------------------------------------------

    def attach(self, member: GroupMember) -> None:
        """The group member whose callbacks are this herder's `on_*` methods."""
        self._member = member

    async def start(self) -> None:
        """Starts the tick loop, then the member (which joins the group)."""
        self._loop = asyncio.get_running_loop()
        self._snapshot = await asyncio.to_thread(self._config.snapshot)
        self._task_counts = dict(self._snapshot.task_counts)
        self._ticker = asyncio.create_task(self._tick_loop(), name="herder-tick")
        if self._member is not None:
            self._member_thread = threading.Thread(
                target=self._poll_member, args=(self._member,), name="herder-member", daemon=True
            )
            self._member_thread.start()
        self._ready = True

    def _poll_member(self, member: GroupMember) -> None:
        """The member's thread: joins, rejoins when asked, and runs the rebalance callbacks."""
        while not self._stopping.is_set():
            try:
                member.poll(MEMBER_POLL_S)
            except Exception:
                if self._stopping.is_set():
                    return
                logger.exception("Group membership failed; retrying.")
                self._stopping.wait(MEMBER_RETRY_S)

    async def stop(self) -> None:
        """Stops every local instance (statuses UNASSIGNED), leaves the group, stops the loop."""
        # No tick starts anything any more; the shutdown waits for a running one (the lock).
        self._closing = True
        await self._lifecycle.shutdown(list(self._work.records.values()))
        await self._work.publish_statuses(self._membership.generation)
        await asyncio.to_thread(self._offset_store.flush, self.settings.store_timeout_s)
        # The UNASSIGNED statuses reach the topic before LeaveGroup hands the instances over.
        try:
            await asyncio.to_thread(self._statuses.flush, self.settings.store_timeout_s)
        except ConnectError:
            logger.exception("The last statuses were not acknowledged; leaving the group anyway.")
        self._stopping.set()
        if self._member is not None:
            self._member.wakeup()
            if self._member_thread is not None:
                await asyncio.to_thread(self._member_thread.join, MEMBER_JOIN_TIMEOUT_S)
            # LeaveGroup: the others rebalance at once and take this worker's work without delay.
            await asyncio.to_thread(self._member.leave)
            await asyncio.to_thread(self._member.close)
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)

    # --- callbacks (member thread, config log thread) ----------------------------------------

    def _call_soon(self, callback: Callable[[], None]) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(callback)

    def on_config_changed(self) -> None:
        """Any record of the config topic was read (the log thread calls it)."""
        self._call_soon(self._wake.set)

    def on_restart_request(self, name: str, only_failed: bool, include_tasks: bool) -> None:
        """A `restart-connector-{name}` record was read (the log thread calls it)."""

        def queue() -> None:
            self._restarts.append((name, only_failed, include_tasks))
            self._wake.set()

        self._call_soon(queue)

    def on_assigned(self, assignment: Any, generation: int) -> None:
        """A rebalance completed (`engine.cluster.protocol.Assignment`, whose connectors and tasks
        are all this worker runs; the member thread calls it)."""

        def apply() -> None:
            # The member merges incremental assignments: these are everything to run here.
            work = self._work
            work.connectors, work.tasks = set(assignment.connectors), set(assignment.tasks)
            self._membership = _Membership(
                generation, assignment.leader, assignment.leader_url or None, False
            )
            logger.info(
                "Joined the group at generation %d.",
                generation,
                extra={"leader": assignment.leader, "connectors": len(work.connectors)},
            )
            self._wake.set()

        self._call_soon(apply)

    def on_revoked(
        self, leader: str, connectors: Collection[str], tasks: Collection[ConnectorTaskId]
    ) -> None:
        """Stops the revoked instances before returning (the member thread calls it and waits)."""
        if self._loop is None:
            return
        generation = self._membership.generation
        future = asyncio.run_coroutine_threadsafe(
            self._revoke(set(connectors), set(tasks), generation), self._loop
        )
        # Bounded: the lifecycle kills processes that do not stop within the graceful timeout; and
        # within `rebalance.timeout.ms`, past which the member would leave the group (a timeout
        # here fails the round, which the member delivers again: revoking twice is harmless).
        stop_bound_s = self.settings.task_shutdown_graceful_timeout_ms / 1000.0 * 2 + 30.0
        future.result(timeout=min(stop_bound_s, max(self.settings.rebalance_timeout_s - 5.0, 1.0)))

    def assignor_view(self) -> tuple[int, dict[str, int], frozenset[str | ConnectorTaskId]]:
        """What the group member needs at each join (any thread): the config offset read, every
        connector's task count (0 while inconsistent), and the instances whose last status is
        UNASSIGNED (stopped cleanly: the leader reassigns them without delay)."""
        snapshot = self._config.snapshot()
        counts = {
            name: 0 if name in snapshot.inconsistent else snapshot.task_counts.get(name, 0)
            for name in snapshot.connector_configs
        }
        released = frozenset(s.id for s in self._statuses.all() if s.state == "UNASSIGNED")
        return snapshot.offset, counts, released

    # --- the tick loop -----------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), STATUS_INTERVAL_S)
            self._wake.clear()
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("The herder tick failed; it runs again on the next event.")

    async def _tick(self) -> None:
        if self._closing:
            return
        snapshot = await asyncio.to_thread(self._config.snapshot)
        self._snapshot = snapshot
        counts = {name: snapshot.task_counts.get(name, 0) for name in snapshot.connector_configs}
        if counts != self._task_counts and self._member is not None:
            # New or removed connectors, or a new task count: the assignment must change.
            self._task_counts = counts
            await asyncio.to_thread(self._member.request_rejoin)
        if not self._membership.rebalancing:
            running = {ConnectorTaskId(n, t) for n, r in self._work.records.items() for t in r.tasks}
            if self._work.tasks - running:
                # Tasks moved here start from the offsets their previous owner flushed.
                await asyncio.to_thread(self._offset_store.refresh, self.settings.store_timeout_s)
            await self._work.reconcile(snapshot, self._membership.generation)
        if self._reconfigure and not self._membership.rebalancing:
            await self._reconfigure_pending()
        restarts, self._restarts = self._restarts, []
        for name, only_failed, include_tasks in restarts:
            await self._work.restart_local(name, only_failed, include_tasks)
        await self._work.publish_statuses(self._membership.generation)

    async def _revoke(self, connectors: set[str], tasks: set[ConnectorTaskId], generation: int) -> None:
        await self._work.revoke(connectors, tasks, self._snapshot, generation)
        await asyncio.to_thread(self._offset_store.flush, self.settings.store_timeout_s)
        # Connect compat: DistributedHerder's onRevoked flushes the status store, so the revoked
        # instances' UNASSIGNED cannot overwrite their next owner's first status.
        await asyncio.to_thread(self._statuses.flush, self.settings.store_timeout_s)

    def _current_record(self, name: str) -> ConnectorRecord | None:
        return self._work.records.get(name)

    def _current_task_configs(self, name: str) -> list[dict[str, str]]:
        count = self._snapshot.task_counts.get(name, 0)
        configs = self._snapshot.task_configs
        return [
            dict(configs[ConnectorTaskId(name, i)])
            for i in range(count)
            if ConnectorTaskId(name, i) in configs
        ]

    async def _publish_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        try:
            if self.is_leader:
                await asyncio.to_thread(self._config.put_task_configs, name, configs)
                return
            if self._membership.leader_url:
                await self._send_task_configs(self._membership.leader_url, name, configs)
                return
            logger.warning("No leader is known; the task configs of `%s` are sent later.", name)
        except (ConnectError, OSError):
            logger.exception("Could not hand the task configs of `%s` to the leader; retrying.", name)
        # Connect compat: DistributedHerder retries a failed reconfiguration after a backoff.
        if self._loop is not None:
            self._loop.call_later(RECONFIGURE_BACKOFF_S, self._retry_reconfigure, name)

    def _retry_reconfigure(self, name: str) -> None:
        self._reconfigure.add(name)
        self._wake.set()

    async def _reconfigure_pending(self) -> None:
        names, self._reconfigure = self._reconfigure, set()
        async with self._lifecycle.lock:
            for name in sorted(names):
                record = self._work.records.get(name)
                if record is not None and name in self._work.owned:
                    record.applied_config = None
                    await self._lifecycle.reconfigure_tasks(record)

    async def put_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        """`POST /connectors/{name}/tasks` (internal): the leader writes a follower's task configs."""
        await self._leader("write task configurations")
        if name not in self._snapshot.connector_configs:
            raise NotFoundError(f"Connector {name} not found")
        await asyncio.to_thread(self._config.put_task_configs, name, configs)

    # --- leadership --------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        member = self._member
        return member is not None and self._membership.leader_id == member.member_id

    def cluster_view(self) -> dict[str, Any]:
        """What `kconnect cluster status` shows of this worker."""
        return {
            "worker_id": self.worker_id,
            "member_id": self._member.member_id if self._member is not None else None,
            "generation": self._membership.generation,
            "leader": self.is_leader,
            "leader_url": self._membership.leader_url,
            "rebalancing": self._membership.rebalancing,
            "connectors": sorted(self._work.owned),
            "tasks": [f"{t.connector}-{t.task}" for t in sorted(self._work.tasks)],
        }

    def _rebalancing(self) -> bool:
        member = self._member
        if self._membership.rebalancing or self._membership.leader_id is None:
            return True
        return member is not None and member.rejoin_needed()

    async def _leader(self, action: str) -> None:
        """Returns when this worker is the leader; raises the leader as the request's target.

        A rebalance in progress is waited out up to the request timeout (kconnect: Connect answers
        409 at once)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(self.settings.request_timeout_s - 5.0, 1.0)
        while self._rebalancing():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise request_target(RequestTargetError(STALE_CONFIG, None))
            await asyncio.sleep(min(REBALANCE_CHECK_S, remaining))
        if not self.is_leader:
            raise request_target(
                RequestTargetError(f"Only the leader can {action}.", self._membership.leader_url)
            )
        await asyncio.to_thread(self._config.refresh, self.settings.store_timeout_s)
        self._snapshot = await asyncio.to_thread(self._config.snapshot)

    # --- server ------------------------------------------------------------------------------

    async def healthy(self) -> bool:
        return self._ticker is not None and not self._ticker.done()

    # --- writing -----------------------------------------------------------------------------

    async def create_connector(
        self, name: str, config: Mapping[str, str | None], initial_state: str | None
    ) -> ConnectorInfo:
        await self._leader("create connectors")
        if name in self._snapshot.connector_configs:
            raise AlreadyExistsError(f"Connector {name} already exists")
        raw, _ = await asyncio.to_thread(validated_config, self._plugins, self._providers, name, config)
        target = None if initial_state is None else target_of(initial_state)
        await asyncio.to_thread(self._config.put_connector_config, name, raw, target)
        kind = self._plugins.connector_type(raw[CONNECTOR_CLASS_CONFIG])
        return ConnectorInfo(name, raw, [], kind)

    async def put_connector_config(
        self, name: str, config: Mapping[str, str | None]
    ) -> tuple[bool, ConnectorInfo]:
        await self._leader("update connector configurations")
        created = name not in self._snapshot.connector_configs
        raw, _ = await asyncio.to_thread(validated_config, self._plugins, self._providers, name, config)
        await asyncio.to_thread(self._config.put_connector_config, name, raw, None)
        kind = self._plugins.connector_type(raw[CONNECTOR_CLASS_CONFIG])
        return created, ConnectorInfo(name, raw, [] if created else self._task_ids(name), kind)

    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        await self._leader("update connector configurations")
        current: dict[str, str | None] = dict(self._config_of(name, f"Connector {name} not found"))
        for key, value in patch.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        _, info = await self.put_connector_config(name, current)
        return info

    async def delete_connector(self, name: str) -> None:
        await self._leader("delete connectors")
        self._config_of(name, f"Connector {name} not found")
        await asyncio.to_thread(self._config.remove_connector_config, name)

    async def pause_connector(self, name: str) -> None:
        await self._any_worker_target(name, PAUSED)

    async def resume_connector(self, name: str) -> None:
        await self._any_worker_target(name, STARTED)

    async def _any_worker_target(self, name: str, target: str) -> None:
        # Connect compat: any worker writes PAUSED/STARTED (no forwarding).
        await asyncio.to_thread(self._config.refresh, self.settings.store_timeout_s)
        self._snapshot = await asyncio.to_thread(self._config.snapshot)
        self._config_of(name, f"Unknown connector {name}")
        await asyncio.to_thread(self._config.put_target_state, name, target)

    async def stop_connector(self, name: str) -> None:
        await self._leader("stop connectors")
        self._config_of(name, f"Unknown connector {name}")
        # Connect compat: zero task configs first, then the STOPPED target state.
        await asyncio.to_thread(self._config.put_task_configs, name, [])
        await asyncio.to_thread(self._config.put_target_state, name, STOPPED)

    async def restart_connector(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> ConnectorStateInfo | None:
        if not include_tasks and not only_failed:
            await self._restart_owned(name, None)
            return None
        await self._leader("restart connectors")
        self._config_of(name, f"Unknown connector: {name}")
        try:
            status = await self.connector_status(name)
        except NotFoundError:
            raise NotFoundError(f"Status for connector {name} not found") from None
        restart_connector = not only_failed or status.connector.state == FAILED
        connector = status.connector
        if restart_connector:
            connector = ConnectorState("RESTARTING", connector.worker_id)
        tasks = [
            TaskState(t.id, "RESTARTING", t.worker_id)
            if include_tasks and (not only_failed or t.state == FAILED)
            else t
            for t in status.tasks
        ]
        await asyncio.to_thread(self._config.put_restart_request, name, only_failed, include_tasks)
        return ConnectorStateInfo(name, connector, tasks, status.type)

    async def restart_task(self, name: str, task: int) -> None:
        self._config_of(name, f"Unknown connector: {name}")
        if ConnectorTaskId(name, task) not in self._snapshot.task_configs:
            raise NotFoundError(f"Unknown task: {name}-{task}")
        await self._restart_owned(name, task)

    async def _restart_owned(self, name: str, task: int | None) -> None:
        """The owner restarts the instance; any other worker names the owner as the target."""
        self._config_of(name, f"Unknown connector: {name}")
        if await self._work.restart_here(name, task):
            return
        if task is None:
            statuses = [await asyncio.to_thread(self._statuses.get, name)]
        else:
            statuses = [
                s
                for s in await asyncio.to_thread(self._statuses.tasks, name)
                if s.id == ConnectorTaskId(name, task)
            ]
        owner = next((s.worker_id for s in statuses if s is not None and s.state != "UNASSIGNED"), None)
        what = f"task {name}-{task}" if task is not None else f"connector {name}"
        raise request_target(
            RequestTargetError(
                f"Cannot restart {what} since it is not assigned to this member",
                f"http://{owner}/" if owner else self._membership.leader_url,
            )
        )
