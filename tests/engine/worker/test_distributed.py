"""The distributed worker keys: required ones, defaults, Connect's validation texts."""

from __future__ import annotations

import re

import pytest

from engine.errors import ConfigError
from engine.worker.config import WORKER_SPEC, WorkerConfig
from engine.worker.distributed import DISTRIBUTED_KEYS, DISTRIBUTED_SPEC, DistributedConfig

CONVERTERS = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
}
REQUIRED = {
    "group.id": "connect-cluster",
    "config.storage.topic": "connect-configs",
    "offset.storage.topic": "connect-offsets",
    "status.storage.topic": "connect-status",
}


def config(**extra: str) -> DistributedConfig:
    props = {**CONVERTERS, **REQUIRED, **extra}
    return DistributedConfig.of(WorkerConfig.from_props(props, standalone=False, environ={}))


def test_defaults_are_connects_except_the_rebalance_delay() -> None:
    cluster = config()
    assert cluster.group_id == "connect-cluster"
    assert (cluster.config_replication_factor, cluster.offset_partitions, cluster.status_partitions) == (
        3,
        25,
        5,
    )
    assert (cluster.session_timeout_ms, cluster.heartbeat_interval_ms, cluster.rebalance_timeout_ms) == (
        10000,
        3000,
        60000,
    )
    assert cluster.connect_protocol == "sessioned"
    assert cluster.scheduled_rebalance_max_delay_ms == 15000


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_required_keys(missing: str) -> None:
    props = {**CONVERTERS, **{k: v for k, v in REQUIRED.items() if k != missing}}
    with pytest.raises(
        ConfigError,
        match=re.escape(f'Missing required configuration "{missing}" which has no default value.'),
    ):
        DistributedConfig.of(WorkerConfig.from_props(props, standalone=False, environ={}))


def test_protocol_is_case_insensitive_and_checked() -> None:
    assert config(**{"connect.protocol": "EAGER"}).connect_protocol == "eager"
    with pytest.raises(ConfigError, match="String must be one of: eager, compatible, sessioned"):
        config(**{"connect.protocol": "cooperative"})


def test_partitions_and_replication_accept_minus_one_but_not_zero() -> None:
    assert config(**{"offset.storage.partitions": "-1"}).offset_partitions == -1
    assert config(**{"status.storage.replication.factor": "-1"}).status_replication_factor == -1
    with pytest.raises(ConfigError, match="Number of partitions must be positive, or -1"):
        config(**{"offset.storage.partitions": "0"})
    with pytest.raises(ConfigError, match="Replication factor must be positive, or -1"):
        config(**{"config.storage.replication.factor": "0"})


def test_every_key_is_declared_once_in_the_full_spec() -> None:
    assert set(DISTRIBUTED_SPEC.keys) == set(WORKER_SPEC.keys) | set(DISTRIBUTED_KEYS.keys)
    assert not set(WORKER_SPEC.keys) & set(DISTRIBUTED_KEYS.keys)
