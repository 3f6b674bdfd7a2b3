"""What the distributed herder asks of the internal-topic stores and of the group member.

The slices of the `stores` (engine.storage.config_topic / status_topic / offset_topic) and `group`
(engine.cluster.membership) contracts the herder uses, as Protocols, so that its logic can be
tested against small fakes and wired to the Kafka-backed modules in `engine.distributed`. Store
methods block (they talk to Kafka): the herder calls them through `asyncio.to_thread`.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from typing import Protocol

from engine.herder.entities import ConnectorTaskId
from engine.herder.lifecycle import SourceOffsetStore
from engine.storage.status_topic import Status, TopicStatus

__all__ = ["ConfigSnapshot", "ConfigStore", "GroupMember", "OffsetStore", "StatusStore"]


class ConfigSnapshot(Protocol):
    """The config topic as read up to `offset` (Connect's `ClusterConfigState`)."""

    @property
    def offset(self) -> int: ...

    @property
    def connector_configs(self) -> Mapping[str, Mapping[str, str]]: ...

    @property
    def task_configs(self) -> Mapping[ConnectorTaskId, Mapping[str, str]]: ...

    @property
    def target_states(self) -> Mapping[str, str]: ...

    @property
    def task_counts(self) -> Mapping[str, int]: ...

    @property
    def inconsistent(self) -> frozenset[str]: ...


class ConfigStore(Protocol):
    """The config topic (Connect's `KafkaConfigBackingStore`); writes block until read back."""

    def snapshot(self) -> ConfigSnapshot: ...

    def put_connector_config(
        self, name: str, config: Mapping[str, str], target_state: str | None = None
    ) -> None: ...

    def remove_connector_config(self, name: str) -> None: ...

    def put_task_configs(self, name: str, configs: list[dict[str, str]]) -> None: ...

    def put_target_state(self, name: str, state: str) -> None: ...

    def put_restart_request(self, name: str, only_failed: bool, include_tasks: bool) -> None: ...

    def refresh(self, timeout: float) -> None: ...


class StatusStore(Protocol):
    """The status topic (Connect's `KafkaStatusBackingStore`, engine.storage.status_topic); writes
    do not wait for the broker."""

    def put(self, status: Status) -> Future[None] | None: ...

    def put_safe(self, status: Status) -> Future[None] | None:
        """Writes unless the stored status is another worker's of a newer generation (fencing)."""

    def get(self, connector: str) -> Status | None: ...

    def tasks(self, connector: str) -> list[Status]: ...

    def all(self) -> list[Status]: ...

    def delete(self, id: str | ConnectorTaskId, worker_id: str, generation: int) -> Future[None] | None:
        """Tombstones a status (Connect's DESTROYED)."""

    def put_topic(self, status: TopicStatus) -> Future[None] | None:
        """Records that a connector's task used a topic (KIP-558 active topics)."""

    def get_topic(self, connector: str, topic: str) -> TopicStatus | None: ...

    def topics(self, connector: str) -> list[TopicStatus]:
        """The connector's active topics every worker recorded, by topic name."""

    def delete_topic(self, connector: str, topic: str) -> Future[None] | None:
        """Tombstones a connector's active topic (a reset)."""

    def flush(self, timeout: float) -> None:
        """Waits for every write so far (before revoked instances are given up)."""


class OffsetStore(SourceOffsetStore, Protocol):
    """The offsets topic (engine.storage.offset_topic): `put` sends without waiting."""

    def refresh(self, timeout: float) -> None:
        """Reads every acknowledged write (before a task moved here starts from its offsets)."""

    def flush(self, timeout: float) -> None:
        """Waits for the acks of every `put` (before revoked tasks are given up)."""


class GroupMember(Protocol):
    """This worker's membership of the Connect group (engine.cluster.membership.WorkerGroupMember)."""

    @property
    def member_id(self) -> str: ...

    def poll(self, timeout_s: float) -> None:
        """Joins or rejoins as needed and runs the rebalance callbacks; the herder's member thread
        calls it in a loop. Raises whatever the heartbeat loop or a callback raised."""

    def wakeup(self) -> None: ...

    def rejoin_needed(self) -> bool: ...

    def request_rejoin(self) -> None:
        """Asks for a rebalance (a connector was created/deleted, a task count changed)."""

    def leave(self, reason: str = ...) -> None:
        """LeaveGroup: the work of this worker is reassigned at once."""

    def close(self, timeout_s: float = ...) -> None: ...
