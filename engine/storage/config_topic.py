"""The config topic of a distributed cluster: Connect's `KafkaConfigBackingStore`.

Holds every connector's config, target state and task configs, the session key of inter-worker
requests, restart requests and cluster-wide logger levels, all as records of one single-partition
compacted topic (reference §2.1). Keys are plain UTF-8 strings and values JSON exactly as Connect
4.x writes them (`engine.storage.records`), so a Java worker or tool reads our topic and we read
theirs. Task configs are buffered and applied only when their `commit-{c}` record is read; a commit
that does not find task ids 0..N-1 in the buffer marks the connector inconsistent.

The state is updated on the log thread; `snapshot()` copies it under a lock. Listener callbacks
run on the log thread too, only after `start()` caught up (as in Connect), and must not block.
Writes are synchronous: send, then read the topic to its end (30 s budget), so the writer sees its
own write in `snapshot()` when the call returns.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.errors import ConnectError
from engine.herder.entities import ConnectorTaskId
from engine.storage import records
from engine.storage.kafka_log import KafkaBasedLog, LogRecord
from engine.storage.topics import verify_single_partition

__all__ = [
    "ClusterConfigState",
    "ConfigTopicListener",
    "ConfigTopicStore",
    "RestartRequest",
    "SessionKey",
    "config_record",
    "parse_task_key",
]

logger = logging.getLogger("engine.storage")

TARGET_STATE_PREFIX = "target-state-"
CONNECTOR_PREFIX = "connector-"
TASK_PREFIX = "task-"
COMMIT_TASKS_PREFIX = "commit-"
TASK_COUNT_RECORD_PREFIX = "tasks-fencing-"
SESSION_KEY_KEY = "session-key"
RESTART_PREFIX = "restart-connector-"
LOGGER_CLUSTER_PREFIX = "logger-cluster-"

STARTED, PAUSED, STOPPED = "STARTED", "PAUSED", "STOPPED"
TARGET_STATES = (STARTED, PAUSED, STOPPED)

READ_WRITE_TOTAL_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SessionKey:
    """KIP-507 key signing inter-worker requests."""

    key: bytes
    algorithm: str
    creation_timestamp: int


@dataclass(frozen=True, slots=True)
class RestartRequest:
    """KIP-745 restart of a connector and maybe its tasks."""

    connector: str
    only_failed: bool
    include_tasks: bool


@dataclass(frozen=True)
class ClusterConfigState:
    """A consistent copy of the config topic's state (Connect's `ClusterConfigState`)."""

    offset: int
    """The offset of the next record to read (-1 before any was read)."""
    connector_configs: dict[str, dict[str, str]] = field(default_factory=dict)
    target_states: dict[str, str] = field(default_factory=dict)
    task_counts: dict[str, int] = field(default_factory=dict)
    task_configs: dict[ConnectorTaskId, dict[str, str]] = field(default_factory=dict)
    task_count_records: dict[str, int] = field(default_factory=dict)
    inconsistent: frozenset[str] = frozenset()
    session_key: SessionKey | None = None

    def connectors(self) -> list[str]:
        """Names of the configured connectors, sorted."""
        return sorted(self.connector_configs)

    def contains(self, connector: str) -> bool:
        return connector in self.connector_configs

    def target_state(self, connector: str) -> str | None:
        """STARTED, PAUSED or STOPPED; None for an unknown connector."""
        if connector not in self.connector_configs:
            return None
        return self.target_states.get(connector, STARTED)

    def task_count(self, connector: str) -> int:
        return self.task_counts.get(connector, 0)

    def tasks(self, connector: str) -> list[ConnectorTaskId]:
        """The connector's committed task ids; none while it is inconsistent."""
        if connector in self.inconsistent:
            return []
        return [ConnectorTaskId(connector, n) for n in range(self.task_counts.get(connector, 0))]

    def task_config(self, task: ConnectorTaskId) -> dict[str, str] | None:
        return self.task_configs.get(task)


class ConfigTopicListener(Protocol):
    """What the herder hears of the config topic; called on the log thread, after start-up."""

    def on_connector_config_update(self, connector: str) -> None: ...
    def on_connector_config_remove(self, connector: str) -> None: ...
    def on_task_config_update(self, tasks: list[ConnectorTaskId]) -> None: ...
    def on_target_state_change(self, connector: str) -> None: ...
    def on_restart_request(self, request: RestartRequest) -> None: ...
    def on_session_key_update(self, key: SessionKey) -> None: ...
    def on_logger_level(self, namespace: str, level: str) -> None: ...


def _target_state_value(state: str) -> dict[str, Any]:
    if state not in TARGET_STATES:
        raise ValueError(f"Unknown target state {state!r}")
    # Connect compat: KafkaConfigBackingStore.serializeTargetState; older workers know no STOPPED.
    return {"state": PAUSED if state == STOPPED else state, "state.v2": state}


def config_record(kind: str, name: str = "", value: Any = None) -> tuple[bytes, bytes | None]:
    """The key and value bytes of one config record (`kind` is the key prefix, e.g. `connector-`).

    `value` is the record's JSON value as a dict in Connect's field order, or None for a tombstone.
    """
    key = SESSION_KEY_KEY if kind == SESSION_KEY_KEY else kind + name
    return key.encode(), None if value is None else records.dumps(value)


def parse_task_key(key: str) -> ConnectorTaskId | None:
    """`task-{connector}-{n}` → its id (Connect's `parseTaskId`); None when it does not parse."""
    parts = key.split("-")
    if len(parts) < 3:
        return None
    try:
        number = _java_int(parts[-1])
    except ValueError:
        return None
    return ConnectorTaskId("-".join(parts[1:-1]), number)


def _java_int(text: str) -> int:
    """`Integer.parseInt`: optional sign and ASCII digits only, in int32 range."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(text)
    number = int(text)
    if not -(2**31) <= number < 2**31:
        raise ValueError(text)
    return number


def _int_value(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConnectError(
            f"Expected integer value to be either Integer or Long, but was {type(value).__name__}"
        )
    return value


class ConfigTopicStore:
    """The cluster's connector, task and target-state configuration in the config topic.

    Args:
        log_factory: builds the store's log given its record callback, e.g.
            `lambda on_record: KafkaBasedLog(bootstrap, topic, props, on_record)`.
    """

    def __init__(self, log_factory: Callable[[Callable[[LogRecord], None]], KafkaBasedLog]) -> None:
        self._log = log_factory(self._on_record)
        self._lock = threading.Lock()
        self._listener: ConfigTopicListener | None = None
        self._started = False
        self._offset = -1
        self._connector_configs: dict[str, dict[str, str]] = {}
        self._target_states: dict[str, str] = {}
        self._task_counts: dict[str, int] = {}
        self._task_configs: dict[ConnectorTaskId, dict[str, str]] = {}
        self._deferred: dict[str, dict[ConnectorTaskId, dict[str, str]]] = {}
        self._task_count_records: dict[str, int] = {}
        self._inconsistent: set[str] = set()
        self._session_key: SessionKey | None = None
        # Connect compat: the prefixes are tested in this order (`task-` before `tasks-fencing-`).
        self._handlers: list[tuple[str, Callable[[str, Any], None]]] = [
            (TARGET_STATE_PREFIX, self._target_state_record),
            (CONNECTOR_PREFIX, self._connector_record),
            (TASK_PREFIX, self._task_config_record),
            (COMMIT_TASKS_PREFIX, self._commit_record),
            (RESTART_PREFIX, self._restart_record),
            (TASK_COUNT_RECORD_PREFIX, self._task_count_record),
            (LOGGER_CLUSTER_PREFIX, self._logger_level_record),
        ]

    def set_listener(self, listener: ConfigTopicListener) -> None:
        self._listener = listener

    def start(self, timeout: float = 60.0) -> None:
        """Reads the whole topic; listener callbacks start only after this.

        Raises:
            ConfigError: the topic has more than one partition (Connect's message).
        """
        self._log.start(timeout)
        verify_single_partition(self._log.topic, len(self._log.partitions))
        self._started = True

    def stop(self) -> None:
        self._log.stop()

    def refresh(self, timeout: float) -> None:
        """Reads to the end of the topic (Raises TimeoutError when not reached in time)."""
        self._log.read_to_end(timeout)

    def snapshot(self) -> ClusterConfigState:
        with self._lock:
            return ClusterConfigState(
                offset=self._offset,
                connector_configs={name: dict(config) for name, config in self._connector_configs.items()},
                target_states=dict(self._target_states),
                task_counts=dict(self._task_counts),
                task_configs={task: dict(config) for task, config in self._task_configs.items()},
                task_count_records=dict(self._task_count_records),
                inconsistent=frozenset(self._inconsistent),
                session_key=self._session_key,
            )

    def contains(self, connector: str) -> bool:
        with self._lock:
            return connector in self._connector_configs

    # Writes --------------------------------------------------------------------------------

    def put_connector_config(
        self, name: str, config: Mapping[str, str | None], target_state: str | None = None
    ) -> None:
        """Writes the config (preceded by its target state when given) and reads it back."""
        batch = []
        if target_state is not None:
            batch.append(config_record(TARGET_STATE_PREFIX, name, _target_state_value(target_state)))
        batch.append(config_record(CONNECTOR_PREFIX, name, {"properties": dict(config)}))
        self._write(batch, "Error writing connector configuration to Kafka")

    def remove_connector_config(self, name: str) -> None:
        """Tombstones the connector's config and target state."""
        batch = [config_record(CONNECTOR_PREFIX, name), config_record(TARGET_STATE_PREFIX, name)]
        self._write(batch, "Error removing connector configuration from Kafka")

    def put_task_configs(self, name: str, configs: Sequence[Mapping[str, str]]) -> None:
        """Writes `task-{name}-{n}` records, reads them back, then the `commit-{name}` record."""
        deadline = time.monotonic() + READ_WRITE_TOTAL_TIMEOUT_SECONDS
        self._read_to_end(deadline, "Error writing root configuration to Kafka")
        tasks = [
            config_record(TASK_PREFIX, f"{name}-{index}", {"properties": dict(config)})
            for index, config in enumerate(configs)
        ]
        self._send(tasks, deadline, "Error writing task configurations to Kafka")
        if tasks:
            self._read_to_end(deadline, "Error writing root configuration to Kafka")
        commit = config_record(COMMIT_TASKS_PREFIX, name, {"tasks": len(configs)})
        self._send([commit], deadline, "Error writing root configuration to Kafka")
        self._read_to_end(deadline, "Error writing root configuration to Kafka")

    def put_target_state(self, name: str, state: str) -> None:
        """Writes `target-state-{name}` and waits for the ack (not for the read-back, as Connect)."""
        deadline = time.monotonic() + READ_WRITE_TOTAL_TIMEOUT_SECONDS
        record = config_record(TARGET_STATE_PREFIX, name, _target_state_value(state))
        self._send([record], deadline, "Error writing target state to Kafka")

    def put_restart_request(self, name: str, only_failed: bool, include_tasks: bool) -> None:
        value = {"include-tasks": include_tasks, "only-failed": only_failed}
        request = RestartRequest(name, only_failed, include_tasks)
        self._write([config_record(RESTART_PREFIX, name, value)], f"Error writing {request} to Kafka")

    def put_session_key(self, key: SessionKey) -> None:
        value = {
            "key": base64.b64encode(key.key).decode(),
            "algorithm": key.algorithm,
            "creation-timestamp": key.creation_timestamp,
        }
        self._write([config_record(SESSION_KEY_KEY, value=value)], "Error writing session key to Kafka")

    def put_task_count_record(self, name: str, task_count: int) -> None:
        record = config_record(TASK_COUNT_RECORD_PREFIX, name, {"task-count": task_count})
        self._write([record], "Error writing task count record to Kafka")

    def put_logger_level(self, namespace: str, level: str) -> None:
        """Writes `logger-cluster-{namespace}`; waits for the ack only (as Connect)."""
        deadline = time.monotonic() + READ_WRITE_TOTAL_TIMEOUT_SECONDS
        record = config_record(LOGGER_CLUSTER_PREFIX, namespace, {"level": level})
        self._send([record], deadline, "Error writing logger level to Kafka")

    def _write(self, batch: list[tuple[bytes, bytes | None]], failure: str) -> None:
        deadline = time.monotonic() + READ_WRITE_TOTAL_TIMEOUT_SECONDS
        self._send(batch, deadline, failure)
        self._read_to_end(deadline, failure)

    def _send(self, batch: list[tuple[bytes, bytes | None]], deadline: float, failure: str) -> None:
        futures = [self._log.send(key, value) for key, value in batch]
        try:
            for future in futures:
                future.result(timeout=max(deadline - time.monotonic(), 0.0))
        except (ConnectError, TimeoutError) as exc:
            raise ConnectError(f"{failure}: {exc}") from exc

    def _read_to_end(self, deadline: float, failure: str) -> None:
        try:
            self._log.read_to_end(max(deadline - time.monotonic(), 0.0))
        except (ConnectError, TimeoutError) as exc:
            raise ConnectError(f"{failure}: {exc}") from exc

    # Reads (log thread) --------------------------------------------------------------------

    def _on_record(self, record: LogRecord) -> None:
        if record.key is None:
            logger.error("Discarding a config record without a key.", extra={"offset": record.offset})
            return
        key = record.key.decode()
        try:
            value = None if record.value is None else records.loads(record.value)
        except ValueError:
            logger.exception("Failed to convert config data to Kafka Connect format.", extra={"key": key})
            return
        with self._lock:
            self._offset = record.offset + 1
        if key == SESSION_KEY_KEY:
            self._session_key_record(value)
            return
        for prefix, handle in self._handlers:
            if key.startswith(prefix):
                handle(key[len(prefix) :], value)
                return
        logger.error("Discarding config update record with invalid key `%s`.", key)

    def _task_config_record(self, rest: str, value: Any) -> None:
        task = parse_task_key(TASK_PREFIX + rest)
        if task is None:
            logger.error(
                "Ignoring task configuration because `%s%s` couldn't be parsed as a task config key.",
                TASK_PREFIX,
                rest,
            )
            return
        self._task_record(task, value)

    def _restart_record(self, connector: str, value: Any) -> None:
        request = self._restart_request(connector, value)
        if request is not None and self._started and self._listener is not None:
            self._listener.on_restart_request(request)

    def _target_state_record(self, connector: str, value: Any) -> None:
        removed = False
        changed = True
        with self._lock:
            if value is None:
                self._target_states.pop(connector, None)
                removed = True
                if connector in self._connector_configs:
                    self._target_states[connector] = STARTED
            else:
                if not isinstance(value, dict):
                    logger.error(
                        "Ignoring target state for connector `%s` because it is in the wrong format.",
                        connector,
                    )
                    return
                state = value.get("state.v2")
                if state is not None and not isinstance(state, str):
                    logger.error(
                        "Invalid `state.v2` in the target state of connector `%s`; it should be a String.",
                        connector,
                    )
                    state = None
                if state is None:
                    # Written by an older worker: fall back on the older field.
                    state = value.get("state")
                    if not isinstance(state, str):
                        logger.error(
                            "Invalid `state` in the target state of connector `%s`; it should be a String.",
                            connector,
                        )
                        return
                if state not in TARGET_STATES:
                    logger.error("Invalid target state for connector `%s`: `%s`.", connector, state)
                    return
                previous = self._target_states.get(connector)
                self._target_states[connector] = state
                changed = state != previous
            exists = connector in self._connector_configs
        # Connect compat: no callback for a removal (the config removal says it) or for a state
        # written ahead of the connector's config (create with an initial state).
        if self._started and not removed and changed and exists and self._listener is not None:
            self._listener.on_target_state_change(connector)

    def _connector_record(self, connector: str, value: Any) -> None:
        with self._lock:
            if value is None:
                self._remove_connector(connector)
                logger.info("Successfully processed removal of connector `%s`.", connector)
                removed = True
            else:
                properties = value.get("properties") if isinstance(value, dict) else None
                if not isinstance(properties, dict):
                    logger.error(
                        "Ignoring configuration for connector `%s` because it is in the wrong format.",
                        connector,
                    )
                    return
                self._connector_configs[connector] = properties
                self._target_states.setdefault(connector, STARTED)
                removed = False
        if self._started and self._listener is not None:
            if removed:
                self._listener.on_connector_config_remove(connector)
            else:
                self._listener.on_connector_config_update(connector)

    def _task_record(self, task: ConnectorTaskId, value: Any) -> None:
        properties = value.get("properties") if isinstance(value, dict) else None
        if not isinstance(properties, dict):
            logger.error(
                "Ignoring task configuration for task `%s-%d` because it is in the wrong format.",
                task.connector,
                task.task,
            )
            return
        with self._lock:
            self._deferred.setdefault(task.connector, {})[task] = properties

    def _commit_record(self, connector: str, value: Any) -> None:
        with self._lock:
            if connector not in self._connector_configs:
                # The connector was deleted and compaction removed its config and tombstone.
                self._remove_connector(connector)
                logger.debug("Ignoring task configs for deleted connector `%s`.", connector)
                return
            if not isinstance(value, dict):
                logger.error(
                    "Ignoring the tasks commit of connector `%s` because it is in the wrong format.",
                    connector,
                )
                return
            try:
                count = _int_value(value.get("tasks"))
            except ConnectError:
                logger.exception("Ignoring the task commit of connector `%s`.", connector)
                return
            deferred = self._deferred.pop(connector, {})
            numbers = {task.task for task in deferred}
            updated: list[ConnectorTaskId] = []
            if len(numbers) < count or any(n not in numbers for n in range(count)):
                self._inconsistent.add(connector)
            else:
                self._task_configs.update(deferred)
                updated = sorted(deferred)
                self._inconsistent.discard(connector)
            self._task_counts[connector] = count
        if self._started and self._listener is not None:
            self._listener.on_task_config_update(updated)

    def _remove_connector(self, connector: str) -> None:
        self._connector_configs.pop(connector, None)
        self._task_counts.pop(connector, None)
        for task in [task for task in self._task_configs if task.connector == connector]:
            del self._task_configs[task]
        self._deferred.pop(connector, None)

    @staticmethod
    def _restart_request(connector: str, value: Any) -> RestartRequest | None:
        if not isinstance(value, dict):
            logger.error("Ignoring restart request because the value is not a Map.")
            return None
        only_failed = value.get("only-failed")
        include_tasks = value.get("include-tasks")
        # Connect compat: non-boolean fields default to false, with a warning.
        if not isinstance(only_failed, bool):
            logger.warning("Invalid data for restart request `only-failed` field, defaulting to false.")
            only_failed = False
        if not isinstance(include_tasks, bool):
            logger.warning("Invalid data for restart request `include-tasks` field, defaulting to false.")
            include_tasks = False
        return RestartRequest(connector, only_failed, include_tasks)

    def _task_count_record(self, connector: str, value: Any) -> None:
        if not isinstance(value, dict):
            logger.error(
                "Ignoring task count record for connector `%s` because it is in the wrong format.", connector
            )
            return
        try:
            count = _int_value(value.get("task-count"))
        except ConnectError:
            logger.exception("Ignoring the task count record of connector `%s`.", connector)
            return
        with self._lock:
            self._task_count_records[connector] = count

    def _session_key_record(self, value: Any) -> None:
        if not isinstance(value, dict):
            logger.error("Ignoring session key because the value is not a Map.")
            return
        key, algorithm, created = value.get("key"), value.get("algorithm"), value.get("creation-timestamp")
        if not isinstance(key, str) or not isinstance(algorithm, str):
            logger.error("Invalid data for session key: `key` and `algorithm` should be Strings.")
            return
        if isinstance(created, bool) or not isinstance(created, int):
            logger.error("Invalid data for session key `creation-timestamp` field should be a long.")
            return
        session_key = SessionKey(base64.b64decode(key), algorithm, created)
        with self._lock:
            self._session_key = session_key
        if self._started and self._listener is not None:
            self._listener.on_session_key_update(session_key)

    def _logger_level_record(self, namespace: str, value: Any) -> None:
        level = value.get("level") if isinstance(value, dict) else None
        if not isinstance(level, str):
            logger.error(
                "Ignoring logging level for namespace `%s` because it is in the wrong format.", namespace
            )
            return
        # Connect compat: levels written before this worker finished starting are not applied.
        if self._started and self._listener is not None:
            self._listener.on_logger_level(namespace, level)
