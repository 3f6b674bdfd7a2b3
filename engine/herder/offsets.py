"""The offsets endpoints of a connector (KIP-875): read, alter and reset, with Connect's checks.

Connect compat: `AbstractHerder.connectorOffsets`, `StandaloneHerder.alterConnectorOffsets` /
`resetConnectorOffsets` and `Worker.modifyConnectorOffsets`: offsets change only while the connector
is STOPPED and has no tasks; a sink connector's offsets are its consumer group's committed offsets
(`engine.herder.sink_offsets`), a source connector's are the herder's source offset store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from engine.errors import BadRequestError
from engine.herder.entities import ConnectorOffset
from engine.herder.instances import ConnectorRecord
from engine.herder.lifecycle import STOPPED, SourceOffsetStore
from engine.herder.sink_offsets import (
    alter_sink_offsets,
    parse_sink_offsets,
    reset_sink_offsets,
    sink_offsets,
)

__all__ = ["ConnectorOffsetsEndpoints", "sink_group"]

GROUP_ID_OVERRIDE_CONFIG = "consumer.override.group.id"
STOPPED_FOR_OFFSETS = (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
    "for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
)
ALTERED = "The offsets for this connector have been altered successfully"
RESET = "The offsets for this connector have been reset successfully"


def sink_group(name: str, resolved: dict[str, str]) -> str:
    """The consumer group of a sink connector (Connect's `SinkUtils.consumerGroupId` + override)."""
    return resolved.get(GROUP_ID_OVERRIDE_CONFIG) or f"connect-{name}"


class ConnectorOffsetsEndpoints:
    """`GET/PATCH/DELETE /connectors/{name}/offsets` over a source offset store and a Kafka admin.

    Args:
        store: the source offset store.
        admin: a confluent-kafka AdminClient factory (sink connectors' consumer groups).
        resolved: the resolved config of a connector record (the group id may be overridden).
        persist: writes the source offset store out after an edit.
    """

    def __init__(
        self,
        store: SourceOffsetStore,
        admin: Callable[[], Any],
        resolved: Callable[[ConnectorRecord], dict[str, str]],
        persist: Callable[[], Awaitable[None]],
    ) -> None:
        self._store = store
        self._admin = admin
        self._resolved = resolved
        self._persist = persist

    def _group(self, record: ConnectorRecord) -> str:
        return sink_group(record.name, self._resolved(record))

    async def read(self, record: ConnectorRecord) -> list[ConnectorOffset]:
        if record.type == "sink":
            return await sink_offsets(self._admin(), self._group(record))
        return [ConnectorOffset(partition=p, offset=o) for p, o in self._store.offsets(record.name)]

    @staticmethod
    def _require_stopped(record: ConnectorRecord) -> None:
        if record.target != STOPPED or record.tasks:
            raise BadRequestError(STOPPED_FOR_OFFSETS.format(name=record.name))

    async def alter(self, record: ConnectorRecord, offsets: list[ConnectorOffset]) -> str:
        """Raises BadRequestError (Connect's texts) when not STOPPED or the offsets are malformed."""
        self._require_stopped(record)
        if not offsets:
            raise BadRequestError("Partitions / offsets need to be provided for an alter offsets request")
        if record.type == "sink":
            await alter_sink_offsets(
                self._admin(), record.name, self._group(record), parse_sink_offsets(offsets)
            )
            return ALTERED
        for entry in offsets:
            if entry.partition is None:
                raise BadRequestError("Source partitions may not be null")
        self._store.put(record.name, [(o.partition, o.offset) for o in offsets if o.partition is not None])
        await self._persist()
        return ALTERED

    async def reset(self, record: ConnectorRecord) -> str:
        """Raises BadRequestError when the connector is not STOPPED."""
        self._require_stopped(record)
        if record.type == "sink":
            await reset_sink_offsets(self._admin(), record.name, self._group(record))
            return RESET
        self._store.put(record.name, [(p, None) for p, _ in self._store.offsets(record.name)])
        await self._persist()
        return RESET
