"""The connectors and tasks assigned to one worker of a cluster, reconciled with the config topic.

`AssignedWork.reconcile(snapshot)` makes the instances this worker runs match its assignment and the
latest config snapshot, whatever happened in between (level-triggered): instances no longer
assigned, or whose config is gone, stop; new ones start; changed configs and target states are
applied. `publish_statuses(generation)` writes the statuses that changed since the last call, with
the worker's generation (the status store fences writes from older generations).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from engine.config.providers import ConfigProviders, resolved_keys
from engine.errors import ConnectError
from engine.herder.cluster_ports import ConfigSnapshot, StatusStore
from engine.herder.configs import CONNECTOR_CLASS_CONFIG
from engine.herder.distributed_instances import DistributedLifecycle
from engine.herder.entities import ConnectorTaskId
from engine.herder.instances import ConnectorPlugins, ConnectorRecord
from engine.herder.lifecycle import STARTED, STOPPED
from engine.storage.status_topic import Status, TopicStatus

__all__ = ["AssignedWork"]

RESTARTING, FAILED, UNASSIGNED = "RESTARTING", "FAILED", "UNASSIGNED"
StatusKey = tuple[str, int | None]


class AssignedWork:
    """What runs on this worker. Every method runs on the herder's event loop.

    Args:
        lifecycle: runs the instances.
        plugins: connector types.
        providers: the worker's config providers (secrets of a config).
        statuses: the status topic store.
        worker_id: this worker's id, written in its statuses.
    """

    def __init__(
        self,
        lifecycle: DistributedLifecycle,
        plugins: ConnectorPlugins,
        providers: ConfigProviders,
        statuses: StatusStore,
        worker_id: str,
    ) -> None:
        self.lifecycle = lifecycle
        self._plugins = plugins
        self._providers = providers
        self._statuses = statuses
        self._worker_id = worker_id
        self.records: dict[str, ConnectorRecord] = {}
        self.connectors: set[str] = set()
        """Connectors assigned to this worker."""
        self.tasks: set[ConnectorTaskId] = set()
        """Tasks assigned to this worker."""
        self._published: dict[StatusKey, tuple[str, str | None]] = {}
        self._published_topics: set[tuple[str, str]] = set()
        """(connector, topic) pairs written, or found in the status topic, while the connector runs here."""

    def _tombstone(self, name: str, generation: int) -> None:
        for status in self._statuses.tasks(name):
            self._statuses.delete(status.id, self._worker_id, generation)
        self._statuses.delete(name, self._worker_id, generation)
        # Connect compat: DistributedHerder.resetActiveTopics on the revocation of a deleted
        # connector, so a connector created again under the name starts with no active topics.
        for topic in self._statuses.topics(name):
            self._statuses.delete_topic(name, topic.topic)

    async def reconcile(self, snapshot: ConfigSnapshot, generation: int) -> None:
        async with self.lifecycle.lock:
            for name, record in list(self.records.items()):
                config = snapshot.connector_configs.get(name)
                if name in self.owned and (name not in self.connectors or config is None):
                    await self.lifecycle.stop_connector_instance(record, self.lifecycle.graceful_s)
                    self.owned.discard(name)
                for number, task in list(record.tasks.items()):
                    wanted = ConnectorTaskId(name, number)
                    if wanted not in self.tasks or not _has_task(snapshot, wanted):
                        await self.lifecycle.stop_task(task, self.lifecycle.graceful_s)
                        del record.tasks[number]
                if name not in self.owned and not record.tasks:
                    del self.records[name]
                    if config is None:
                        # Connect compat: a deleted connector's statuses are tombstoned (DESTROYED).
                        await asyncio.to_thread(self._tombstone, name, generation)
                        self._published = {k: v for k, v in self._published.items() if k[0] != name}
            for name in sorted(self.connectors):
                config = snapshot.connector_configs.get(name)
                if config is not None:
                    await self._run_connector(name, dict(config), snapshot.target_states.get(name, STARTED))
            for task_id in sorted(self.tasks):
                task_config = snapshot.task_configs.get(task_id) if _has_task(snapshot, task_id) else None
                config = snapshot.connector_configs.get(task_id.connector)
                if task_config is not None and config is not None:
                    target = snapshot.target_states.get(task_id.connector, STARTED)
                    await self._run_task(task_id, dict(config), dict(task_config), target)

    @property
    def owned(self) -> set[str]:
        return self.lifecycle.owned

    def _record_for(self, name: str, config: dict[str, str], target: str) -> ConnectorRecord:
        record = self.records.get(name)
        if record is None:
            kind = self._plugins.connector_type(config[CONNECTOR_CLASS_CONFIG])
            record = ConnectorRecord(name=name, config=config, type=kind, target=target)
            record.secrets = self._secrets(config)
            self.records[name] = record
        return record

    def _secrets(self, config: Mapping[str, str]) -> set[str]:
        resolved = self._providers.resolve(config)
        return {v for k in resolved_keys(config, resolved) if (v := resolved.get(k))}

    async def _run_connector(self, name: str, config: dict[str, str], target: str) -> None:
        record = self._record_for(name, config, target)
        if name not in self.owned:
            self.owned.add(name)
            # The record may outlive an earlier instance here (its tasks stayed): that instance's
            # UNASSIGNED is not this one's status, which it reports once started.
            record.config, record.target = config, target
            record.state, record.trace = None, None
            await self.lifecycle.start_connector(record)
        elif record.config != config:
            await self.lifecycle.apply(record, config, self._secrets(config))
        elif record.target != target:
            await self.lifecycle.set_target(record, target)

    async def _run_task(
        self, task_id: ConnectorTaskId, config: dict[str, str], task_config: dict[str, str], target: str
    ) -> None:
        record = self._record_for(task_id.connector, config, target)
        if task_id.connector not in self.owned:
            # Only tasks of this connector run here: follow its config and target state directly.
            record.config = config
            if record.target != target:
                record.target = target
                await self.lifecycle.transition_tasks(record, target)
        task = record.tasks.get(task_id.task)
        if task is not None and task.config == task_config:
            return
        if task is not None:
            await self.lifecycle.stop_task(task, self.lifecycle.graceful_s)
        await self.lifecycle.start_new_task(record, task_id.task, task_config)

    async def publish_statuses(self, generation: int) -> None:
        """Writes the statuses that changed since the last call: each local instance's, and
        UNASSIGNED for an instance written here that no longer runs here."""
        wanted: dict[tuple[str, int | None], tuple[str, str | None]] = {}
        local = self._local_keys()
        for name, record in self.records.items():
            if name in self.owned and record.state is not None:
                wanted[(name, None)] = (record.state, record.trace)
            for task in record.tasks.values():
                if task.state is not None:
                    wanted[(name, task.id)] = (task.state, task.trace)
        # Connect compat: a local instance with no status yet is starting and writes nothing (its
        # last status stays in the topic until it reports, WorkerTask.onStartup); only instances
        # no longer here are written UNASSIGNED.
        for key, (state, _) in list(self._published.items()):
            if key not in local and state != "UNASSIGNED":
                wanted[key] = ("UNASSIGNED", None)
        for key, value in wanted.items():
            if self._published.get(key) == value:
                continue
            instance = key[0] if key[1] is None else ConnectorTaskId(key[0], key[1])
            status = Status(
                instance, value[0], self._worker_id, generation, value[1], self._version(key[0], value[0])
            )
            # Connect compat: AbstractHerder writes startup, pause, resume and restart statuses with
            # `put` and shutdown and failure ones with `putSafe` (a zombie's last words are fenced).
            write = self._statuses.put_safe if value[0] in (UNASSIGNED, FAILED) else self._statuses.put
            await asyncio.to_thread(write, status)
            self._published[key] = value
        await self._publish_topics()
        for key, value in list(self._published.items()):
            if value[0] == "UNASSIGNED" and key not in self._local_keys():
                del self._published[key]

    async def _publish_topics(self) -> None:
        # Connect compat (KIP-558, WorkerTask.recordActiveTopic): `status-topic-{topic}:connector-{c}`
        # for a topic a task of the connector used, unless the status topic has it already, so
        # every worker's GET …/topics answers the cluster's active topics. A topic is written once
        # while the connector runs here, so after a reset (tombstones) only new topics are written
        # until the connector has run elsewhere (Connect writes a reset topic again at the task's
        # next record for it).
        for name, record in list(self.records.items()):
            for topic in sorted(record.topics):
                if (name, topic) in self._published_topics:
                    continue
                self._published_topics.add((name, topic))
                if self._statuses.get_topic(name, topic) is not None:  # a cache read
                    continue
                task = min(record.tasks) if record.tasks else 0
                status = TopicStatus(topic, name, task, int(time.time() * 1000))
                await asyncio.to_thread(self._statuses.put_topic, status)
        # A connector that comes back (or is created again) writes its topics again if needed.
        self._published_topics = {p for p in self._published_topics if p[0] in self.records}

    def _version(self, connector: str, state: str) -> str | None:
        # Connect compat (KIP-891): a status names the plugin version of a live instance; the
        # UNASSIGNED and RESTARTING ones written around a stop carry none.
        record = self.records.get(connector)
        if state in (UNASSIGNED, RESTARTING) or record is None:
            return None
        try:
            return self._plugins.connector_version(record.config[CONNECTOR_CLASS_CONFIG])
        except ConnectError:
            return None  # an unknown class fails the connector; its status names no version

    def _local_keys(self) -> set[tuple[str, int | None]]:
        keys: set[tuple[str, int | None]] = set()
        for name, record in self.records.items():
            if name in self.owned:
                keys.add((name, None))
            keys.update((name, t) for t in record.tasks)
        return keys

    async def revoke(
        self, connectors: set[str], tasks: set[ConnectorTaskId], snapshot: ConfigSnapshot, generation: int
    ) -> None:
        """Stops the revoked instances and writes their statuses."""
        self.connectors -= connectors
        self.tasks -= tasks
        await self.reconcile(snapshot, generation)
        await self.publish_statuses(generation)

    async def restart_local(self, name: str, only_failed: bool, include_tasks: bool) -> None:
        """This worker's share of a KIP-745 restart request."""
        async with self.lifecycle.lock:
            record = self.records.get(name)
            if record is None or record.target == STOPPED:
                return
            if name in self.owned and (not only_failed or record.state == FAILED):
                record.state, record.trace = RESTARTING, None
                await self.lifecycle.restart_connector_instance(record)
            if include_tasks:
                for task in list(record.tasks.values()):
                    if not only_failed or task.state == FAILED:
                        await self.lifecycle.restart_task(record, task)

    # --- topics and offsets ------------------------------------------------------------------

    async def restart_here(self, name: str, task: int | None) -> bool:
        """Restarts the connector instance (`task` None) or task if it runs here; returns whether it did."""
        async with self.lifecycle.lock:
            record = self.records.get(name)
            if task is None and record is not None and name in self.owned:
                await self.lifecycle.restart_connector_instance(record)
                return True
            if task is not None and record is not None and task in record.tasks:
                await self.lifecycle.restart_task(record, record.tasks[task])
                return True
        return False


def _has_task(snapshot: ConfigSnapshot, task: ConnectorTaskId) -> bool:
    """Whether the task is committed: its connector exists and its id is below the task count."""
    return (
        task.connector in snapshot.connector_configs
        and task.task < snapshot.task_counts.get(task.connector, 0)
        and task in snapshot.task_configs
    )
