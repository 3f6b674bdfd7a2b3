"""Distributed worker configuration: the keys of Connect's `DistributedConfig`, declared once.

A distributed worker reads every key of `engine.worker.config.WORKER_SPEC` plus the ones below:
the group it joins, its three internal topics, the group timings and the rebalance protocol.
`DistributedConfig.of(worker)` types them next to the common `WorkerConfig`.

kconnect differs from Connect in one default: `scheduled.rebalance.max.delay.ms` is 15 s rather
than 5 min. It only delays the reassignment of a *crashed* worker's connectors and tasks (a worker
that leaves gracefully hands its work over at once), so it only needs to cover a quick restart of
the same worker; Connect's 5 minutes of lost work after a crash hurts more than it helps.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.api.config import ConfigKey, ConfigSpec, ConfigType, Importance, at_least, between, one_of
from engine.errors import ConfigError
from engine.worker.config import WORKER_SPEC, WorkerConfig

__all__ = [
    "CONFIG_TOPIC_CONFIG",
    "CONNECT_PROTOCOL_CONFIG",
    "DISTRIBUTED_KEYS",
    "DISTRIBUTED_SPEC",
    "GROUP_ID_CONFIG",
    "OFFSET_STORAGE_TOPIC_CONFIG",
    "STATUS_STORAGE_TOPIC_CONFIG",
    "DistributedConfig",
]

GROUP_ID_CONFIG = "group.id"
CONFIG_TOPIC_CONFIG = "config.storage.topic"
CONFIG_STORAGE_REPLICATION_FACTOR_CONFIG = "config.storage.replication.factor"
OFFSET_STORAGE_TOPIC_CONFIG = "offset.storage.topic"
OFFSET_STORAGE_PARTITIONS_CONFIG = "offset.storage.partitions"
OFFSET_STORAGE_REPLICATION_FACTOR_CONFIG = "offset.storage.replication.factor"
STATUS_STORAGE_TOPIC_CONFIG = "status.storage.topic"
STATUS_STORAGE_PARTITIONS_CONFIG = "status.storage.partitions"
STATUS_STORAGE_REPLICATION_FACTOR_CONFIG = "status.storage.replication.factor"
SESSION_TIMEOUT_MS_CONFIG = "session.timeout.ms"
HEARTBEAT_INTERVAL_MS_CONFIG = "heartbeat.interval.ms"
REBALANCE_TIMEOUT_MS_CONFIG = "rebalance.timeout.ms"
WORKER_SYNC_TIMEOUT_MS_CONFIG = "worker.sync.timeout.ms"
WORKER_UNSYNC_BACKOFF_MS_CONFIG = "worker.unsync.backoff.ms"
CONNECT_PROTOCOL_CONFIG = "connect.protocol"
SCHEDULED_REBALANCE_MAX_DELAY_MS_CONFIG = "scheduled.rebalance.max.delay.ms"
SCHEDULED_REBALANCE_MAX_DELAY_MS_DEFAULT = 15000
INTER_WORKER_KEY_GENERATION_ALGORITHM_CONFIG = "inter.worker.key.generation.algorithm"
INTER_WORKER_KEY_SIZE_CONFIG = "inter.worker.key.size"
INTER_WORKER_KEY_TTL_MS_CONFIG = "inter.worker.key.ttl.ms"
INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG = "inter.worker.signature.algorithm"
INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG = "inter.worker.verification.algorithms"
EXACTLY_ONCE_SOURCE_SUPPORT_CONFIG = "exactly.once.source.support"
REQUEST_TIMEOUT_MS_CONFIG = "request.timeout.ms"

HMAC_SHA256 = "HmacSHA256"
INT_MAX = 2**31 - 1
# Connect compat: DistributedConfig's `-1 = broker default` or at least 1.
_REPLICATION_DOC = (
    "Replication factor used when creating the {what} storage topic. Can be -1 to use the broker's default."
)


def _partitions_or_default(name: str, value: object) -> None:
    # Connect compat: DistributedConfig.PARTITIONS_VALIDATOR (-1 or at least 1).
    if isinstance(value, int) and value != -1 and value < 1:
        raise ConfigError(
            f"Invalid value {value} for configuration {name}: Number of partitions must be positive, or -1"
        )


def _replication_or_default(name: str, value: object) -> None:
    # Connect compat: DistributedConfig.REPLICATION_FACTOR_VALIDATOR (-1 or at least 1).
    if isinstance(value, int) and value != -1 and value < 1:
        raise ConfigError(
            f"Invalid value {value} for configuration {name}: Replication factor must be positive, or -1"
        )


DISTRIBUTED_KEYS = ConfigSpec.of(
    [
        ConfigKey(
            GROUP_ID_CONFIG,
            ConfigType.STRING,
            "A unique string that identifies the Connect cluster group this worker belongs to.",
            importance=Importance.HIGH,
        ),
        ConfigKey(
            CONFIG_TOPIC_CONFIG,
            ConfigType.STRING,
            "The name of the Kafka topic where connector configurations are stored",
            importance=Importance.HIGH,
        ),
        ConfigKey(
            CONFIG_STORAGE_REPLICATION_FACTOR_CONFIG,
            ConfigType.SHORT,
            _REPLICATION_DOC.format(what="configuration"),
            default=3,
            importance=Importance.LOW,
            validator=_replication_or_default,
        ),
        ConfigKey(
            OFFSET_STORAGE_TOPIC_CONFIG,
            ConfigType.STRING,
            "The name of the Kafka topic where source connector offsets are stored",
            importance=Importance.HIGH,
        ),
        ConfigKey(
            OFFSET_STORAGE_PARTITIONS_CONFIG,
            ConfigType.INT,
            "The number of partitions used when creating the offset storage topic. Can be -1 to use the "
            "broker's default.",
            default=25,
            importance=Importance.LOW,
            validator=_partitions_or_default,
        ),
        ConfigKey(
            OFFSET_STORAGE_REPLICATION_FACTOR_CONFIG,
            ConfigType.SHORT,
            _REPLICATION_DOC.format(what="offset"),
            default=3,
            importance=Importance.LOW,
            validator=_replication_or_default,
        ),
        ConfigKey(
            STATUS_STORAGE_TOPIC_CONFIG,
            ConfigType.STRING,
            "The name of the Kafka topic where connector and task status are stored",
            importance=Importance.HIGH,
        ),
        ConfigKey(
            STATUS_STORAGE_PARTITIONS_CONFIG,
            ConfigType.INT,
            "The number of partitions used when creating the status storage topic. Can be -1 to use the "
            "broker's default.",
            default=5,
            importance=Importance.LOW,
            validator=_partitions_or_default,
        ),
        ConfigKey(
            STATUS_STORAGE_REPLICATION_FACTOR_CONFIG,
            ConfigType.SHORT,
            _REPLICATION_DOC.format(what="status"),
            default=3,
            importance=Importance.LOW,
            validator=_replication_or_default,
        ),
        ConfigKey(
            SESSION_TIMEOUT_MS_CONFIG,
            ConfigType.INT,
            "The timeout used to detect worker failures. The worker sends periodic heartbeats to indicate "
            "its liveness to the broker. If no heartbeats are received by the broker before the expiration "
            "of this session timeout, then the broker will remove the worker from the group and initiate a "
            "rebalance. Note that the value must be in the allowable range as configured in the broker "
            "configuration by <code>group.min.session.timeout.ms</code> and "
            "<code>group.max.session.timeout.ms</code>.",
            default=10000,
            importance=Importance.HIGH,
        ),
        ConfigKey(
            HEARTBEAT_INTERVAL_MS_CONFIG,
            ConfigType.INT,
            "The expected time between heartbeats to the group coordinator when using Kafka's group "
            "management facilities. Heartbeats are used to ensure that the worker's session stays active "
            "and to facilitate rebalancing when new members join or leave the group. The value must be set "
            "lower than <code>session.timeout.ms</code>, but typically should be set no higher than 1/3 of "
            "that value. It can be adjusted even lower to control the expected time for normal rebalances.",
            default=3000,
            importance=Importance.HIGH,
        ),
        ConfigKey(
            REBALANCE_TIMEOUT_MS_CONFIG,
            ConfigType.INT,
            "The maximum allowed time for each worker to join the group once a rebalance has begun. This is "
            "basically a limit on the amount of time needed for all tasks to flush any pending data and "
            "commit offsets. If the timeout is exceeded, then the worker will be removed from the group, "
            "which will cause offset commit failures.",
            default=60000,
            importance=Importance.HIGH,
        ),
        ConfigKey(
            WORKER_SYNC_TIMEOUT_MS_CONFIG,
            ConfigType.INT,
            "When the worker is out of sync with other workers and needs to resynchronize configurations, "
            "wait up to this amount of time before giving up, leaving the group, and waiting a backoff "
            "period before rejoining.",
            default=3000,
            importance=Importance.MEDIUM,
        ),
        ConfigKey(
            WORKER_UNSYNC_BACKOFF_MS_CONFIG,
            ConfigType.INT,
            "When the worker is out of sync with other workers and fails to catch up within "
            "<code>worker.sync.timeout.ms</code>, leave the Connect cluster for this long before rejoining.",
            default=300000,
            importance=Importance.MEDIUM,
        ),
        ConfigKey(
            CONNECT_PROTOCOL_CONFIG,
            ConfigType.STRING,
            "Compatibility mode for Kafka Connect Protocol",
            default="sessioned",
            importance=Importance.LOW,
            validator=one_of("eager", "compatible", "sessioned", case_sensitive=False),
        ),
        ConfigKey(
            SCHEDULED_REBALANCE_MAX_DELAY_MS_CONFIG,
            ConfigType.INT,
            "The maximum delay that is scheduled in order to wait for the return of one or more departed "
            "workers before rebalancing and reassigning their connectors and tasks to the group. During "
            "this period the connectors and tasks of the departed workers remain unassigned. kconnect "
            "applies it only to workers that crashed (left without a LeaveGroup); a worker that stops "
            "gracefully hands its work over at once. Default 15000 ms (Connect: 300000 ms).",
            default=SCHEDULED_REBALANCE_MAX_DELAY_MS_DEFAULT,
            importance=Importance.LOW,
            validator=between(0, INT_MAX),
        ),
        ConfigKey(
            INTER_WORKER_KEY_GENERATION_ALGORITHM_CONFIG,
            ConfigType.STRING,
            "The algorithm to use for generating internal request keys. The algorithm 'HmacSHA256' will be "
            "used as a default on JVMs that support it; on other JVMs, no default is used and a value for "
            "this property must be manually specified in the worker config.",
            default=HMAC_SHA256,
            importance=Importance.LOW,
        ),
        ConfigKey(
            INTER_WORKER_KEY_SIZE_CONFIG,
            ConfigType.INT,
            "The size of the key to use for signing internal requests, in bits. If null, the default key "
            "size for the key generation algorithm will be used.",
            default=None,
            importance=Importance.LOW,
        ),
        ConfigKey(
            INTER_WORKER_KEY_TTL_MS_CONFIG,
            ConfigType.INT,
            "The TTL of generated session keys used for internal request validation (in milliseconds)",
            default=3600000,
            importance=Importance.LOW,
            validator=between(0, INT_MAX),
        ),
        ConfigKey(
            INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG,
            ConfigType.STRING,
            "The algorithm used to sign internal requests. The algorithm 'HmacSHA256' will be used as a "
            "default on JVMs that support it; on other JVMs, no default is used and a value for this "
            "property must be manually specified in the worker config.",
            default=HMAC_SHA256,
            importance=Importance.LOW,
        ),
        ConfigKey(
            INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG,
            ConfigType.LIST,
            "A list of permitted algorithms for verifying internal requests, which must include the "
            "algorithm used for the inter.worker.signature.algorithm property. The algorithm(s) "
            "'[HmacSHA256]' will be used as a default on JVMs that provide them; on other JVMs, no default "
            "is used and a value for this property must be manually specified in the worker config.",
            default=HMAC_SHA256,
            importance=Importance.LOW,
        ),
        ConfigKey(
            EXACTLY_ONCE_SOURCE_SUPPORT_CONFIG,
            ConfigType.STRING,
            "Whether to enable exactly-once support for source connectors in the cluster by using "
            "transactions to write source records and their source offsets, and by proactively fencing "
            "out old task generations before bringing up new ones.",
            default="disabled",
            importance=Importance.HIGH,
            validator=one_of("disabled", "preparing", "enabled", case_sensitive=False),
        ),
        ConfigKey(
            REQUEST_TIMEOUT_MS_CONFIG,
            ConfigType.INT,
            "The configuration controls the maximum amount of time the client will wait for the response "
            "of a request. If the response is not received before the timeout elapses the client will "
            "resend the request if necessary or fail the request if retries are exhausted.",
            default=40000,
            importance=Importance.MEDIUM,
            validator=at_least(0),
        ),
    ]
)
"""The keys only a distributed worker reads (Connect's `DistributedConfig` additions)."""

DISTRIBUTED_SPEC = WORKER_SPEC.merged(DISTRIBUTED_KEYS)
"""Every key of a distributed worker."""


@dataclass(frozen=True)
class DistributedConfig:
    """The distributed keys of a worker, typed; `worker` holds the common ones."""

    worker: WorkerConfig
    group_id: str
    config_topic: str
    config_replication_factor: int
    offset_topic: str
    offset_partitions: int
    offset_replication_factor: int
    status_topic: str
    status_partitions: int
    status_replication_factor: int
    session_timeout_ms: int
    heartbeat_interval_ms: int
    rebalance_timeout_ms: int
    worker_sync_timeout_ms: int
    worker_unsync_backoff_ms: int
    connect_protocol: str
    scheduled_rebalance_max_delay_ms: int
    inter_worker_key_ttl_ms: int
    exactly_once_source_support: str
    request_timeout_ms: int

    @classmethod
    def of(cls, worker: WorkerConfig) -> DistributedConfig:
        """Types the distributed keys of `worker`'s (resolved) properties.

        Raises:
            ConfigError: a required key is missing or a value is invalid, in Connect's words.
        """
        values = DISTRIBUTED_KEYS.parse(worker.props)
        return cls(
            worker=worker,
            group_id=values[GROUP_ID_CONFIG],
            config_topic=values[CONFIG_TOPIC_CONFIG],
            config_replication_factor=values[CONFIG_STORAGE_REPLICATION_FACTOR_CONFIG],
            offset_topic=values[OFFSET_STORAGE_TOPIC_CONFIG],
            offset_partitions=values[OFFSET_STORAGE_PARTITIONS_CONFIG],
            offset_replication_factor=values[OFFSET_STORAGE_REPLICATION_FACTOR_CONFIG],
            status_topic=values[STATUS_STORAGE_TOPIC_CONFIG],
            status_partitions=values[STATUS_STORAGE_PARTITIONS_CONFIG],
            status_replication_factor=values[STATUS_STORAGE_REPLICATION_FACTOR_CONFIG],
            session_timeout_ms=values[SESSION_TIMEOUT_MS_CONFIG],
            heartbeat_interval_ms=values[HEARTBEAT_INTERVAL_MS_CONFIG],
            rebalance_timeout_ms=values[REBALANCE_TIMEOUT_MS_CONFIG],
            worker_sync_timeout_ms=values[WORKER_SYNC_TIMEOUT_MS_CONFIG],
            worker_unsync_backoff_ms=values[WORKER_UNSYNC_BACKOFF_MS_CONFIG],
            connect_protocol=values[CONNECT_PROTOCOL_CONFIG].lower(),
            scheduled_rebalance_max_delay_ms=values[SCHEDULED_REBALANCE_MAX_DELAY_MS_CONFIG],
            inter_worker_key_ttl_ms=values[INTER_WORKER_KEY_TTL_MS_CONFIG],
            exactly_once_source_support=values[EXACTLY_ONCE_SOURCE_SUPPORT_CONFIG].lower(),
            request_timeout_ms=values[REQUEST_TIMEOUT_MS_CONFIG],
        )
