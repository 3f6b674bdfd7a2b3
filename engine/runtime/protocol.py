"""Messages between the supervisor and a connector or task process, one msgpack frame each.

The supervisor pushes `Control` frames on the process's control ring and pops `Event` frames from
its event ring (both `engine._native.RingBuffer`, single producer, single consumer). Messages are
tagged `msgspec.Struct`s, so adding a field with a default stays compatible within a release.
Configs travel already resolved (config providers applied): rings live in `/dev/shm`, readable only
by the worker's user, and nothing here is ever logged whole.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "Commit",
    "Control",
    "Event",
    "Heartbeat",
    "Metrics",
    "ReconfigurationRequested",
    "RequestTaskConfigs",
    "SetLoggerLevel",
    "SetTargetState",
    "SourceOffsets",
    "StartConnector",
    "StartTask",
    "StatusChanged",
    "Stop",
    "Stopped",
    "TaskConfigs",
    "TopicsUsed",
    "decode_control",
    "decode_event",
    "encode",
]

SourcePartitionOffset = tuple[dict[str, Any], dict[str, Any] | None]
"""A source partition and its offset (None = reset), as Connect's offset store holds them."""


# --- control: supervisor → process ---------------------------------------------------------


class StartConnector(msgspec.Struct, tag=True, frozen=True):
    """First frame to a connector process. `connector_class` is `module:QualName`."""

    name: str
    connector_class: str
    config: dict[str, str]
    target_state: str
    worker: dict[str, str]
    logger_levels: list[tuple[str, str]] = []


class StartTask(msgspec.Struct, tag=True, frozen=True):
    """First frame to a task process. `task_class` is `module:QualName`; `offsets` is the
    snapshot of the connector's committed source offsets (empty for sinks)."""

    connector: str
    task: int
    task_class: str
    connector_config: dict[str, str]
    task_config: dict[str, str]
    target_state: str
    worker: dict[str, str]
    offsets: list[SourcePartitionOffset] = []
    logger_levels: list[tuple[str, str]] = []


class SetTargetState(msgspec.Struct, tag=True, frozen=True):
    """`STARTED` or `PAUSED`; stopping is `Stop`."""

    state: str


class RequestTaskConfigs(msgspec.Struct, tag=True, frozen=True):
    """Asks a connector process for `task_configs(max_tasks)`; answered by `TaskConfigs`."""

    request_id: int
    max_tasks: int


class Commit(msgspec.Struct, tag=True, frozen=True):
    """Commit offsets now (source: report acked offsets; sink: pre_commit + consumer commit)."""


class Stop(msgspec.Struct, tag=True, frozen=True):
    """Stop gracefully: finish the batch in hand, flush and commit, then `Stopped` and exit."""


class SetLoggerLevel(msgspec.Struct, tag=True, frozen=True):
    """`PUT /admin/loggers/{namespace}` reached the worker: apply it in this process too. Handled
    by the process runtime (`Channel`), never seen by the connector main or the task loops."""

    namespace: str
    level: str


Control = StartConnector | StartTask | SetTargetState | RequestTaskConfigs | Commit | Stop | SetLoggerLevel


# --- events: process → supervisor ----------------------------------------------------------


class Heartbeat(msgspec.Struct, tag=True, frozen=True):
    """Sent every second by a thread of the process; silence means the process is stuck."""

    monotonic_ms: int


class StatusChanged(msgspec.Struct, tag=True, frozen=True):
    """A runtime state (`RUNNING`, `PAUSED`, `FAILED`, ...) with the failure's trace, if any.
    Traces never contain config values."""

    state: str
    trace: str | None = None


class TaskConfigs(msgspec.Struct, tag=True, frozen=True):
    """The answer to `RequestTaskConfigs`; `error` is a trace when `task_configs` raised."""

    request_id: int
    configs: list[dict[str, str]]
    error: str | None = None


class ReconfigurationRequested(msgspec.Struct, tag=True, frozen=True):
    """The connector called `context.request_task_reconfiguration()`."""


class SourceOffsets(msgspec.Struct, tag=True, frozen=True):
    """Offsets of source records the broker acknowledged, to be committed by the supervisor."""

    offsets: list[SourcePartitionOffset]


class TopicsUsed(msgspec.Struct, tag=True, frozen=True):
    """Topics this task produced to or consumed from for the first time (topic tracking)."""

    topics: list[str]


class Metrics(msgspec.Struct, tag=True, frozen=True):
    """Cumulative counters of the task since it started (records polled/written/failed...)."""

    counters: dict[str, float]


class Stopped(msgspec.Struct, tag=True, frozen=True):
    """The last frame of a process that stopped cleanly."""


Event = (
    Heartbeat
    | StatusChanged
    | TaskConfigs
    | ReconfigurationRequested
    | SourceOffsets
    | TopicsUsed
    | Metrics
    | Stopped
)

_encoder = msgspec.msgpack.Encoder()
_control_decoder: msgspec.msgpack.Decoder[Control] = msgspec.msgpack.Decoder(Control)
_event_decoder: msgspec.msgpack.Decoder[Event] = msgspec.msgpack.Decoder(Event)


def encode(message: Control | Event) -> bytes:
    return _encoder.encode(message)


def decode_control(frame: bytes) -> Control:
    """Raises msgspec.DecodeError on a frame that is not a control message."""
    return _control_decoder.decode(frame)


def decode_event(frame: bytes) -> Event:
    """Raises msgspec.DecodeError on a frame that is not an event."""
    return _event_decoder.decode(frame)
