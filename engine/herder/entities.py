"""The REST API's JSON entities, exactly as Connect's Jackson classes serialize them.

Every body the REST layer returns is one of these `msgspec.Struct`s, encoded with
`msgspec.json.encode`. Field names and `omit_defaults` reproduce Connect's shapes (`trace` is left
out when empty, as Jackson's NON_EMPTY does; a PluginInfo without a version has no `version`).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "ConfigInfo",
    "ConfigInfos",
    "ConfigKeyInfo",
    "ConfigValueInfo",
    "ConnectorInfo",
    "ConnectorOffset",
    "ConnectorOffsets",
    "ConnectorState",
    "ConnectorStateInfo",
    "ConnectorTaskId",
    "ConnectorType",
    "LoggerLevel",
    "Message",
    "PluginInfo",
    "ServerInfo",
    "TaskInfo",
    "TaskState",
    "WorkerStatus",
]

ConnectorType = Literal["source", "sink", "unknown"]
"""Lower-case, as Connect's `ConnectorType.toString()`."""

State = Literal["UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING"]


class ServerInfo(msgspec.Struct, frozen=True):
    version: str
    commit: str
    kafka_cluster_id: str | None


class WorkerStatus(msgspec.Struct, frozen=True):
    """`GET /health` body: status is `healthy`, `starting` or `unhealthy`."""

    status: str
    message: str


class ConnectorTaskId(msgspec.Struct, frozen=True, order=True):
    connector: str
    task: int


class ConnectorInfo(msgspec.Struct, frozen=True):
    name: str
    config: dict[str, str]
    tasks: list[ConnectorTaskId]
    type: ConnectorType


class TaskInfo(msgspec.Struct, frozen=True):
    id: ConnectorTaskId
    config: dict[str, str]


class ConnectorState(msgspec.Struct, frozen=True, omit_defaults=True):
    state: State
    worker_id: str
    trace: str | None = None


class TaskState(msgspec.Struct, frozen=True, omit_defaults=True):
    id: int
    state: State
    worker_id: str
    trace: str | None = None


class ConnectorStateInfo(msgspec.Struct, frozen=True):
    name: str
    connector: ConnectorState
    tasks: list[TaskState]
    type: ConnectorType


class PluginInfo(msgspec.Struct, frozen=True, omit_defaults=True, rename={"class_name": "class"}):
    """`type` is one of source, sink, converter, header_converter, transformation, predicate."""

    class_name: str
    type: str
    version: str | None = None


class ConfigKeyInfo(msgspec.Struct, frozen=True):
    name: str
    type: str
    required: bool
    default_value: str | None
    importance: str | None
    documentation: str | None
    group: str | None
    order: int
    width: str | None
    display_name: str | None
    dependents: list[str]


class ConfigValueInfo(msgspec.Struct, frozen=True):
    name: str
    value: str | None
    recommended_values: list[str]
    errors: list[str]
    visible: bool = True


class ConfigInfo(msgspec.Struct, frozen=True):
    definition: ConfigKeyInfo | None
    value: ConfigValueInfo


class ConfigInfos(msgspec.Struct, frozen=True):
    name: str
    error_count: int
    groups: list[str]
    configs: list[ConfigInfo]


class ConnectorOffset(msgspec.Struct, frozen=True):
    """Sink connectors use `{"kafka_topic", "kafka_partition"}` → `{"kafka_offset"}`. A None
    partition is a request's null or missing one, refused by the herder in Connect's words."""

    partition: dict[str, Any] | None
    offset: dict[str, Any] | None


class ConnectorOffsets(msgspec.Struct, frozen=True):
    offsets: list[ConnectorOffset]


class Message(msgspec.Struct, frozen=True):
    """`{"message": ...}`, the body of offset alter/reset answers."""

    message: str


class LoggerLevel(msgspec.Struct, frozen=True):
    level: str
    last_modified: int | None
