"""Creating and verifying the internal topics as Connect does, against the real broker."""

from __future__ import annotations

import pytest
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # re-exported without __all__
    AdminClient,
    ConfigResource,
    NewTopic,
)

from engine.errors import ConfigError
from engine.storage.topics import config_topic, ensure_topics, offset_topic, status_topic, topic_settings


def test_topic_settings_take_the_prefixed_keys_and_force_compaction() -> None:
    worker = {
        "config.storage.topic": "c",
        "config.storage.replication.factor": "1",
        "config.storage.min.insync.replicas": "1",
        "config.storage.cleanup.policy": "delete",
        "offset.storage.segment.bytes": "1000",
    }
    assert topic_settings(worker, "config.storage.") == {
        "min.insync.replicas": "1",
        "cleanup.policy": "compact",
    }
    assert config_topic("c", 3, worker).partitions == 1


@pytest.mark.integration
def test_missing_topics_are_created_compacted_and_existing_ones_verified(
    kafka_bootstrap: str, unique_topic: str
) -> None:
    admin_props: dict[str, str | int | float | bool] = {"bootstrap.servers": kafka_bootstrap}
    topics = [
        config_topic(f"{unique_topic}-c", 1, {}),
        offset_topic(f"{unique_topic}-o", 5, 1, {"offset.storage.segment.ms": "600000"}),
        status_topic(f"{unique_topic}-s", -1, -1, {}),
    ]
    assert ensure_topics(admin_props, topics) == {t.name for t in topics}
    assert ensure_topics(admin_props, topics) == set()  # now verified instead
    admin = AdminClient(admin_props)
    metadata = admin.list_topics(timeout=10)
    assert [len(metadata.topics[t.name].partitions) for t in topics[:2]] == [1, 5]
    resource = ConfigResource(ConfigResource.Type.TOPIC, topics[1].name)
    configs = admin.describe_configs([resource])[resource].result(10)
    assert configs["cleanup.policy"].value == "compact"
    assert configs["segment.ms"].value == "600000"


@pytest.mark.integration
def test_a_non_compacted_topic_is_refused_in_connects_words(kafka_bootstrap: str, unique_topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(unique_topic, 1, 1, config={"cleanup.policy": "delete"})])[
        unique_topic
    ].result(10)
    with pytest.raises(ConfigError) as caught:
        ensure_topics({"bootstrap.servers": kafka_bootstrap}, [config_topic(unique_topic, 1, {})])
    assert str(caught.value) == (
        f"Topic '{unique_topic}' supplied via the 'config.storage.topic' property is required to have "
        "'cleanup.policy=compact' to guarantee consistency and durability of connector configurations, but "
        "found the topic currently has 'cleanup.policy=delete'. Continuing would likely result in eventually "
        "losing "
        "connector configurations and problems restarting this Connect cluster in the future. Change the "
        "'config.storage.topic' property in the Connect worker configurations to use a topic with "
        "'cleanup.policy=compact'."
    )


@pytest.mark.integration
def test_a_config_topic_with_two_partitions_is_refused(kafka_bootstrap: str, unique_topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(unique_topic, 2, 1, config={"cleanup.policy": "compact"})])[
        unique_topic
    ].result(10)
    with pytest.raises(
        ConfigError, match=r"required to have a single partition .* but found 2 partitions\.$"
    ):
        ensure_topics({"bootstrap.servers": kafka_bootstrap}, [config_topic(unique_topic, 1, {})])
