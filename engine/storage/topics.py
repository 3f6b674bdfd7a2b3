"""Creation and verification of the three internal topics of a distributed cluster, as Connect does.

Connect compat: `KafkaTopicBasedBackingStore.topicInitializer` and `TopicAdmin` (reference §2.4).
A missing topic is created compacted with the configured partitions and replication factor (-1 =
the broker's default; the config topic always has one partition) plus the worker's prefixed topic
settings (`config.storage.*`, `offset.storage.*`, `status.storage.*`, except `topic`, `partitions`,
`replication.factor`, and `cleanup.policy`, which is always `compact`). An existing topic must have
`cleanup.policy=compact` exactly, and the config topic a single partition, or the worker refuses to
start with Connect's words.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # re-exported without __all__
    AdminClient,
    ConfigResource,
    NewTopic,
)

from engine.errors import ConfigError, ConnectError
from engine.storage.kafka_log import wait_for_partitions
from engine.worker.distributed import (
    CONFIG_TOPIC_CONFIG,
    OFFSET_STORAGE_TOPIC_CONFIG,
    STATUS_STORAGE_TOPIC_CONFIG,
)

__all__ = [
    "InternalTopic",
    "config_topic",
    "ensure_topics",
    "offset_topic",
    "status_topic",
    "topic_settings",
    "verify_single_partition",
]

logger = logging.getLogger("engine.storage")

CONFIG_STORAGE_PREFIX = "config.storage."
OFFSET_STORAGE_PREFIX = "offset.storage."
STATUS_STORAGE_PREFIX = "status.storage."
CLEANUP_POLICY = "cleanup.policy"
COMPACT = "compact"
_NOT_TOPIC_SETTINGS = ("topic", "partitions", "replication.factor")


@dataclass(frozen=True)
class InternalTopic:
    """One internal topic: its name, the worker key that named it and how to create it."""

    name: str
    config_key: str
    purpose: str
    partitions: int
    replication_factor: int
    settings: dict[str, str] = field(default_factory=dict)


def topic_settings(worker: Mapping[str, str], prefix: str) -> dict[str, str]:
    """The topic configs of a `prefix` (e.g. `config.storage.`) in the worker properties."""
    settings = {}
    for key, value in worker.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        if name in _NOT_TOPIC_SETTINGS:
            continue
        if name == CLEANUP_POLICY:
            logger.warning(
                "Ignoring `%s%s`: Connect's internal topics are always compacted.", prefix, CLEANUP_POLICY
            )
            continue
        settings[name] = value
    settings[CLEANUP_POLICY] = COMPACT
    return settings


def config_topic(name: str, replication_factor: int, worker: Mapping[str, str]) -> InternalTopic:
    """The config topic: one partition whatever `config.storage.partitions` says."""
    if CONFIG_STORAGE_PREFIX + "partitions" in worker:
        logger.warning(
            "Ignoring `%spartitions`: the config topic always has one partition.", CONFIG_STORAGE_PREFIX
        )
    return InternalTopic(
        name,
        CONFIG_TOPIC_CONFIG,
        "connector configurations",
        1,
        replication_factor,
        topic_settings(worker, CONFIG_STORAGE_PREFIX),
    )


def offset_topic(
    name: str, partitions: int, replication_factor: int, worker: Mapping[str, str]
) -> InternalTopic:
    return InternalTopic(
        name,
        OFFSET_STORAGE_TOPIC_CONFIG,
        "source connector offsets",
        partitions,
        replication_factor,
        topic_settings(worker, OFFSET_STORAGE_PREFIX),
    )


def status_topic(
    name: str, partitions: int, replication_factor: int, worker: Mapping[str, str]
) -> InternalTopic:
    return InternalTopic(
        name,
        STATUS_STORAGE_TOPIC_CONFIG,
        "connector and task statuses",
        partitions,
        replication_factor,
        topic_settings(worker, STATUS_STORAGE_PREFIX),
    )


def ensure_topics(
    admin_props: Mapping[str, Any], topics: list[InternalTopic], timeout: float = 30.0
) -> set[str]:
    """Creates the missing topics and verifies the existing ones; returns the names created.

    Args:
        admin_props: librdkafka settings of the admin client, `bootstrap.servers` included.

    Raises:
        ConfigError: an existing topic is not compact-only, or the config topic has more than one
            partition (Connect's messages).
        ConnectError: the broker refused or did not answer.
    """
    admin = AdminClient(dict(admin_props))
    requests = [
        NewTopic(
            t.name, num_partitions=t.partitions, replication_factor=t.replication_factor, config=t.settings
        )
        for t in topics
    ]
    created: set[str] = set()
    existing: list[InternalTopic] = []
    futures = admin.create_topics(requests, request_timeout=timeout, operation_timeout=timeout)
    for topic in topics:
        try:
            futures[topic.name].result(timeout)
            created.add(topic.name)
            logger.info("Created the internal topic `%s`.", topic.name, extra={"purpose": topic.purpose})
        except KafkaException as exc:
            error = exc.args[0]
            if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                existing.append(topic)
                continue
            raise ConnectError(f"Unable to create topic '{topic.name}' for {topic.purpose}: {exc}") from exc
    for name in created:
        wait_for_partitions(admin, name, timeout)
    if existing:
        _verify(admin, existing, timeout)
    return created


def _verify(admin: AdminClient, topics: list[InternalTopic], timeout: float) -> None:
    for topic in topics:
        partitions = wait_for_partitions(admin, topic.name, timeout)
        if topic.config_key == CONFIG_TOPIC_CONFIG:
            verify_single_partition(topic.name, len(partitions))
    resources = [ConfigResource(ConfigResource.Type.TOPIC, t.name) for t in topics]
    futures = admin.describe_configs(resources, request_timeout=timeout)
    for resource, topic in zip(resources, topics, strict=True):
        try:
            configs = futures[resource].result(timeout)
        except KafkaException:
            logger.info(
                "Unable to use admin client to verify the cleanup policy of `%s` topic is `compact`, either"
                " because the broker is an older version or because the Kafka principal used for Connect"
                " internal topics does not have the required permission to describe topic configurations.",
                topic.name,
            )
            continue
        entry = configs.get(CLEANUP_POLICY)
        policies = (
            {p.strip() for p in (entry.value or "").split(",") if p.strip()} if entry is not None else set()
        )
        if policies and policies != {COMPACT}:
            found = ",".join(sorted(policies))
            raise ConfigError(
                f"Topic '{topic.name}' supplied via the '{topic.config_key}' property is required to have"
                f" '{CLEANUP_POLICY}={COMPACT}' to guarantee consistency and durability of {topic.purpose},"
                f" but found the topic currently has '{CLEANUP_POLICY}={found}'. Continuing would"
                f" likely result in eventually losing {topic.purpose} and problems restarting this Connect"
                f" cluster in the future. Change the '{topic.config_key}' property in the Connect worker"
                f" configurations to use a topic with '{CLEANUP_POLICY}={COMPACT}'."
            )


def verify_single_partition(name: str, partitions: int) -> None:
    """Raises ConfigError (Connect's message) when the config topic has more than one partition."""
    if partitions > 1:
        raise ConfigError(
            f"Topic '{name}' supplied via the '{CONFIG_TOPIC_CONFIG}' property is required to have a single"
            " partition in order to guarantee consistency of connector configurations, but found"
            f" {partitions} partitions."
        )
