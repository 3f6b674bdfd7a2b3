"""The distributed herder's `/connectors/{name}/offsets` methods: read by any worker, altered and
reset by the leader, over the connector's config in the config topic snapshot."""

from __future__ import annotations

from engine.herder.cluster_reads import ClusterReads
from engine.herder.configs import CONNECTOR_CLASS_CONFIG
from engine.herder.entities import ConnectorOffset
from engine.herder.instances import ConnectorRecord, TaskRecord
from engine.herder.lifecycle import STARTED
from engine.herder.offsets import ConnectorOffsetsEndpoints
from engine.herder.restart import RestartPolicy, RestartTracker

__all__ = ["ClusterOffsets"]


class ClusterOffsets(ClusterReads):
    """A mixin of `DistributedHerder`; the herder sets the attributes and methods below."""

    _offsets: ConnectorOffsetsEndpoints

    async def _leader(self, action: str) -> None:
        raise NotImplementedError

    def _resolved(self, record: ConnectorRecord) -> dict[str, str]:
        return {k: v for k, v in self._providers.resolve(record.config).items() if v is not None}

    @staticmethod
    async def _no_persist() -> None:
        return None

    def _offsets_record(self, name: str) -> ConnectorRecord:
        config = self._config_of(name, f"Connector {name} not found")
        target = self._snapshot.target_states.get(name, STARTED)
        kind = self._plugins.connector_type(config.get(CONNECTOR_CLASS_CONFIG, ""))
        record = ConnectorRecord(name=name, config=config, type=kind, target=target)
        # Connect compat: offsets change only while STOPPED with zero task configs written.
        for i in range(self._snapshot.task_counts.get(name, 0)):
            record.tasks[i] = TaskRecord(i, {}, RestartTracker(RestartPolicy()))
        return record

    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        return await self._offsets.read(self._offsets_record(name))

    async def alter_connector_offsets(self, name: str, offsets: list[ConnectorOffset]) -> str:
        await self._leader("alter connector offsets")
        return await self._offsets.alter(self._offsets_record(name), offsets)

    async def reset_connector_offsets(self, name: str) -> str:
        await self._leader("reset connector offsets")
        return await self._offsets.reset(self._offsets_record(name))
