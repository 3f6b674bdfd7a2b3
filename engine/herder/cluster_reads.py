"""What any worker of a cluster answers from its own copy of the internal topics (no leader).

Connect compat: the `DistributedHerder` reads that are not forwarded: connector configs and task
configs from the config topic snapshot, statuses from the status topic (every worker reports the
same) and the topics the connector's tasks used (every task's `status-topic-*` records), plugins
and validation locally.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from engine.config.providers import ConfigProviders
from engine.errors import ForbiddenError, NotFoundError
from engine.herder.assigned import AssignedWork
from engine.herder.cluster_ports import ConfigSnapshot, StatusStore
from engine.herder.configs import CONNECTOR_CLASS_CONFIG
from engine.herder.entities import (
    ConnectorInfo,
    ConnectorState,
    ConnectorStateInfo,
    ConnectorTaskId,
    TaskInfo,
    TaskState,
)
from engine.herder.instances import ConnectorPlugins
from engine.herder.worker_endpoints import WorkerEndpoints
from engine.storage.status_topic import Status

__all__ = ["ClusterReads", "DistributedSettings"]


@dataclass(frozen=True)
class DistributedSettings:
    """The worker settings the distributed herder needs."""

    worker_id: str
    url: str
    request_timeout_s: float = 40.0
    """`request.timeout.ms`: a REST write waits out a rebalance this long, less 5 s."""
    rebalance_timeout_s: float = 60.0
    """`rebalance.timeout.ms`: a revocation must end within it or the member leaves the group."""
    store_timeout_s: float = 30.0
    task_shutdown_graceful_timeout_ms: int = 5000
    topic_tracking_enable: bool = True
    topic_tracking_allow_reset: bool = True
    kafka_cluster_id: str | None = None


class ClusterReads(WorkerEndpoints):
    """The herder's read-only REST methods; the herder sets the attributes below."""

    settings: DistributedSettings
    _snapshot: ConfigSnapshot
    _statuses: StatusStore
    _plugins: ConnectorPlugins
    _providers: ConfigProviders
    _work: AssignedWork

    # --- reading -----------------------------------------------------------------------------

    def _config_of(self, name: str, message: str) -> dict[str, str]:
        config = self._snapshot.connector_configs.get(name)
        if config is None:
            raise NotFoundError(message)
        return dict(config)

    def _task_ids(self, name: str) -> list[ConnectorTaskId]:
        count = self._snapshot.task_counts.get(name, 0)
        return [
            t for t in (ConnectorTaskId(name, i) for i in range(count)) if t in self._snapshot.task_configs
        ]

    async def connectors(self) -> list[str]:
        return sorted(self._snapshot.connector_configs)

    async def connector_info(self, name: str) -> ConnectorInfo:
        config = self._config_of(name, f"Connector {name} not found")
        kind = self._plugins.connector_type(config.get(CONNECTOR_CLASS_CONFIG, ""))
        return ConnectorInfo(name, config, self._task_ids(name), kind)

    async def connector_config(self, name: str) -> dict[str, str]:
        return self._config_of(name, f"Connector {name} not found")

    async def connector_status(self, name: str) -> ConnectorStateInfo:
        status = await asyncio.to_thread(self._statuses.get, name)
        if status is None:
            raise NotFoundError(f"No status found for connector {name}")
        tasks = await asyncio.to_thread(self._statuses.tasks, name)
        config = self._snapshot.connector_configs.get(name, {})
        kind = self._plugins.connector_type(config.get(CONNECTOR_CLASS_CONFIG, "")) if config else "unknown"
        return ConnectorStateInfo(
            name,
            ConnectorState(status.state, status.worker_id, status.trace),  # type: ignore[arg-type]  # states are the Literal's values
            sorted((_task_state(t) for t in tasks), key=lambda t: t.id),
            kind,
        )

    async def task_status(self, name: str, task: int) -> TaskState:
        for status in await asyncio.to_thread(self._statuses.tasks, name):
            if status.id == ConnectorTaskId(name, task):
                return _task_state(status)
        raise NotFoundError(f"No status found for task {name}-{task}")

    async def task_infos(self, name: str) -> list[TaskInfo]:
        self._config_of(name, f"Connector {name} not found")
        return [TaskInfo(t, dict(self._snapshot.task_configs[t])) for t in self._task_ids(name)]

    # --- topics and offsets ------------------------------------------------------------------

    async def connector_topics(self, name: str) -> list[str]:
        """Connect compat: `AbstractHerder.connectorActiveTopics` answers from the status topic's
        `status-topic-*` records of every task, wherever it runs, so every worker answers the same."""
        if not self.settings.topic_tracking_enable:
            raise ForbiddenError("Topic tracking is disabled.")
        return [status.topic for status in await asyncio.to_thread(self._statuses.topics, name)]

    async def reset_connector_topics(self, name: str) -> None:
        """Connect compat: `AbstractHerder.resetConnectorActiveTopics` tombstones the connector's
        topic records (without waiting: every worker forgets them as it reads the tombstones)."""
        if not self.settings.topic_tracking_enable:
            raise ForbiddenError("Topic tracking is disabled.")
        if not self.settings.topic_tracking_allow_reset:
            raise ForbiddenError("Topic tracking reset is disabled.")
        await asyncio.to_thread(_delete_topics, self._statuses, name)


def _delete_topics(statuses: StatusStore, name: str) -> None:
    for status in statuses.topics(name):
        statuses.delete_topic(status.connector, status.topic)


def _task_state(status: Status) -> TaskState:
    number = status.id.task if isinstance(status.id, ConnectorTaskId) else 0
    return TaskState(number, status.state, status.worker_id, status.trace)  # type: ignore[arg-type]  # states are the Literal's values
