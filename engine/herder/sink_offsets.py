"""Offsets of sink connectors: the committed offsets of their consumer group (KIP-875).

Connect compat: `SinkUtils.parseSinkConnectorOffsets` (request checks and their texts) and
`Worker.alterSinkConnectorOffsets` / `resetSinkConnectorOffsets` (group offset alteration, group
deletion). Every AdminClient call returns concurrent futures, awaited here without blocking the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # re-exported without __all__
    AdminClient,
    OffsetSpec,
)

from engine.errors import BadRequestError, ConnectError
from engine.herder.entities import ConnectorOffset

__all__ = [
    "KAFKA_OFFSET_KEY",
    "KAFKA_PARTITION_KEY",
    "KAFKA_TOPIC_KEY",
    "alter_sink_offsets",
    "parse_sink_offsets",
    "reset_sink_offsets",
    "sink_offsets",
]

KAFKA_TOPIC_KEY = "kafka_topic"
KAFKA_PARTITION_KEY = "kafka_partition"
KAFKA_OFFSET_KEY = "kafka_offset"
ADMIN_TIMEOUT_S = 30.0


def _integer(value: Any, what: str) -> int:
    # Both 10 and "10" are accepted, as Java's Integer.parseInt(String.valueOf(value)).
    text = str(value).lower() if isinstance(value, bool) else str(value)
    try:
        if isinstance(value, float) or not text.lstrip("+-").isdigit():
            raise ValueError(text)
        return int(text)
    except ValueError:
        kind = "partition" if what == "Partition" else "offset"
        raise BadRequestError(
            f"Failed to parse the following Kafka {kind} value in the provided offsets: '{text}'. "
            f"{what} values for sink connectors need to be integers."
        ) from None


def parse_sink_offsets(offsets: Sequence[ConnectorOffset]) -> dict[tuple[str, int], int | None]:
    """(topic, partition) → offset, None meaning "reset this partition".

    Raises:
        BadRequestError: with Connect's text for the first malformed entry.
    """
    parsed: dict[tuple[str, int], int | None] = {}
    for entry in offsets:
        partition: Mapping[str, Any] | None = entry.partition
        if partition is None:
            raise BadRequestError("The partition for a sink connector offset cannot be null or missing")
        if KAFKA_TOPIC_KEY not in partition or KAFKA_PARTITION_KEY not in partition:
            raise BadRequestError(
                f"The partition for a sink connector offset must contain the keys "
                f"'{KAFKA_TOPIC_KEY}' and '{KAFKA_PARTITION_KEY}'"
            )
        if partition[KAFKA_TOPIC_KEY] is None:
            raise BadRequestError("Kafka topic names must be valid strings and may not be null")
        if partition[KAFKA_PARTITION_KEY] is None:
            raise BadRequestError("Kafka partitions must be valid numbers and may not be null")
        key = (str(partition[KAFKA_TOPIC_KEY]), _integer(partition[KAFKA_PARTITION_KEY], "Partition"))
        if entry.offset is None:
            parsed[key] = None
            continue
        if KAFKA_OFFSET_KEY not in entry.offset:
            raise BadRequestError(
                "The offset for a sink connector should either be null or contain the key "
                f"'{KAFKA_OFFSET_KEY}'"
            )
        parsed[key] = _integer(entry.offset[KAFKA_OFFSET_KEY], "Offset")
    return parsed


async def _result(future: Any) -> Any:
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), ADMIN_TIMEOUT_S)
    except TimeoutError:
        raise ConnectError("Timed out while waiting for the Kafka admin client.") from None


async def sink_offsets(admin: AdminClient, group: str) -> list[ConnectorOffset]:
    """The group's committed offsets in Connect's sink shape (an unknown group has none)."""
    futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])
    try:
        result = await _result(futures[group])
    except KafkaException as exc:
        if exc.args[0].code() == KafkaError.GROUP_ID_NOT_FOUND:
            return []
        raise ConnectError(f"Failed to retrieve consumer group offsets for sink connector: {exc}") from exc
    offsets = []
    for tp in sorted(result.topic_partitions or [], key=lambda tp: (tp.topic, tp.partition)):
        if tp.offset >= 0:
            offsets.append(
                ConnectorOffset(
                    # Connect compat: Java's HashMap order of these two keys puts the partition first.
                    partition={KAFKA_PARTITION_KEY: tp.partition, KAFKA_TOPIC_KEY: tp.topic},
                    offset={KAFKA_OFFSET_KEY: tp.offset},
                )
            )
    return offsets


def _zombie_text(action: str, connector: str) -> str:
    return (
        f"Failed to {action} consumer group offsets for connector {connector} either because its tasks "
        f"haven't stopped completely yet or the connector was resumed before the request to {action} its "
        "offsets could be successfully completed. If the connector is in a stopped state, this operation "
        "can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be "
        "restarted to get rid of the zombie sink tasks."
    )


async def alter_sink_offsets(
    admin: AdminClient, connector: str, group: str, offsets: Mapping[tuple[str, int], int | None]
) -> None:
    """Commits the given offsets for the (empty) group.

    A None offset asks for the partition's committed offset to be deleted; confluent-kafka has no
    DeleteConsumerGroupOffsets, so the partition is set to its earliest offset instead, which is where
    a consumer with Connect's default `auto.offset.reset=earliest` would start without one (GET then
    shows that offset where Connect shows none).

    Raises:
        ConnectError: in Connect's words (`Worker.alterSinkConnectorOffsets`).
    """
    try:
        resets = [TopicPartition(t, p) for (t, p), o in offsets.items() if o is None]
        earliest: dict[tuple[str, int], int] = {}
        if resets:
            earliest_spec = OffsetSpec.earliest()  # type: ignore[no-untyped-call]  # untyped in confluent-kafka
            listed = admin.list_offsets(dict.fromkeys(resets, earliest_spec))
            for tp, future in listed.items():
                earliest[(tp.topic, tp.partition)] = (await _result(future)).offset
        partitions = [
            TopicPartition(t, p, earliest[(t, p)] if o is None else o) for (t, p), o in offsets.items()
        ]
        futures = admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, partitions)])
    except (KafkaException, ValueError) as exc:
        # Connect compat: Worker.modifySinkConnectorOffsets wraps what fails before the admin call.
        raise ConnectError(f"Failed to modify offsets for sink connector {connector}") from exc
    try:
        await _result(futures[group])
    except KafkaException as exc:
        if exc.args[0].code() in (KafkaError.UNKNOWN_MEMBER_ID, KafkaError.GROUP_SUBSCRIBED_TO_TOPIC):
            raise ConnectError(_zombie_text("alter", connector)) from exc
        raise ConnectError(f"Failed to alter consumer group offsets for connector {connector}") from exc


async def reset_sink_offsets(admin: AdminClient, connector: str, group: str) -> None:
    """Deletes the consumer group; a group that does not exist is already reset.

    Raises:
        ConnectError: in Connect's words (`Worker.resetSinkConnectorOffsets`).
    """
    futures = admin.delete_consumer_groups([group])
    try:
        await _result(futures[group])
    except KafkaException as exc:
        code = exc.args[0].code()
        if code == KafkaError.GROUP_ID_NOT_FOUND:
            return
        if code == KafkaError.NON_EMPTY_GROUP:
            raise ConnectError(_zombie_text("reset", connector)) from exc
        raise ConnectError(f"Failed to reset consumer group offsets for sink connector {connector}") from exc
