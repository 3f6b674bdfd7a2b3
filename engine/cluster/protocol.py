"""Connect's group protocol: worker metadata and assignments on the wire (reference §9.2).

Workers join a Kafka group with protocol type ``connect``; JoinGroup carries each worker's
metadata (REST URL, config topic offset and, from V1, its current allocation) and SyncGroup
carries the leader's assignment to each member. Mirrors Connect's ``ConnectProtocol``
(V0, sub-protocol ``default``) and ``IncrementalCooperativeConnectProtocol`` (V1 ``compatible``,
V2 ``sessioned``), byte for byte, including the order in which connectors are grouped.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from engine.herder.entities import ConnectorTaskId

__all__ = [
    "CONFIG_MISMATCH",
    "CONNECTOR_TASK",
    "CONNECT_PROTOCOL_TYPE",
    "CONNECT_PROTOCOL_V0",
    "CONNECT_PROTOCOL_V1",
    "CONNECT_PROTOCOL_V2",
    "NO_ERROR",
    "Assignment",
    "Compatibility",
    "ConnectProtocolError",
    "WorkerState",
    "decode_assignment",
    "decode_metadata",
    "encode_assignment",
    "encode_metadata",
    "join_protocols",
]

CONNECT_PROTOCOL_TYPE = "connect"
CONNECT_PROTOCOL_V0 = 0
CONNECT_PROTOCOL_V1 = 1
CONNECT_PROTOCOL_V2 = 2
# The task id that stands for the Connector instance itself in an assignment.
CONNECTOR_TASK = -1
NO_ERROR = 0
# The leader could not read the config topic up to the highest offset a member reported.
CONFIG_MISMATCH = 1

_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")


class ConnectProtocolError(ValueError):
    """Bytes that are not valid Connect protocol metadata or assignment (Connect's ``SchemaException``)."""


class Compatibility(enum.Enum):
    """``connect.protocol``: the sub-protocols a worker offers (``ConnectProtocolCompatibility``)."""

    EAGER = ("default", CONNECT_PROTOCOL_V0)
    COMPATIBLE = ("compatible", CONNECT_PROTOCOL_V1)
    SESSIONED = ("sessioned", CONNECT_PROTOCOL_V2)

    @property
    def protocol(self) -> str:
        """The JoinGroup protocol name."""
        return self.value[0]

    @property
    def version(self) -> int:
        """The header version of metadata and assignments under this protocol."""
        return self.value[1]

    @classmethod
    def from_config(cls, name: str) -> Compatibility:
        """The mode named by a ``connect.protocol`` value, case-insensitively."""
        for mode in cls:
            if mode.name.lower() == name.lower():
                return mode
        raise ValueError(f"Unknown Connect protocol compatibility mode: {name}")

    @classmethod
    def from_protocol(cls, protocol: str) -> Compatibility:
        """The mode whose JoinGroup protocol name is ``protocol`` (the one the coordinator chose)."""
        for mode in cls:
            if mode.protocol == protocol.lower():
                return mode
        raise ValueError(f"Not found Connect protocol compatibility mode for protocol: {protocol}")

    def offered(self) -> tuple[Compatibility, ...]:
        """The modes offered in JoinGroup, most preferred first."""
        order = (Compatibility.SESSIONED, Compatibility.COMPATIBLE, Compatibility.EAGER)
        return order[order.index(self) :]


@dataclass(frozen=True)
class Assignment:
    """What the leader tells one member (Connect's ``ExtendedAssignment``; V0 ignores the last three fields).

    In V1/V2 ``connectors``/``tasks`` are what is newly assigned and ``revoked_*`` what to stop; a
    member keeps everything else it runs. ``delay`` (ms) asks the member to rejoin after it.
    """

    version: int
    error: int
    leader: str
    leader_url: str
    offset: int
    connectors: tuple[str, ...] = ()
    tasks: tuple[ConnectorTaskId, ...] = ()
    revoked_connectors: tuple[str, ...] = ()
    revoked_tasks: tuple[ConnectorTaskId, ...] = ()
    delay: int = 0

    @property
    def failed(self) -> bool:
        return self.error != NO_ERROR


@dataclass(frozen=True)
class WorkerState:
    """A member's JoinGroup metadata: advertised REST URL, next config topic offset, current allocation."""

    url: str
    offset: int
    allocation: Assignment | None = field(default=None)


def _java_string_hash(value: str) -> int:
    h = 0
    data = value.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h


def _java_hash_set_order(values: Sequence[str]) -> list[str]:
    """The iteration order of ``new HashSet<>(values)`` on a JDK 17 (Connect's ``Assignment.asMap``).

    Connect compat: ConnectProtocol.Assignment#asMap groups connectors through a HashSet, so the
    order of connector entries on the wire is the HashMap bucket order.
    """
    wanted = max(int(len(values) / 0.75) + 1, 16)
    capacity = 1
    while capacity < wanted:
        capacity <<= 1
    buckets: dict[int, list[str]] = {}
    seen: set[str] = set()
    for value in values:
        if value in seen:
            continue
        seen.add(value)
        h = _java_string_hash(value)
        h ^= h >> 16
        buckets.setdefault(h & (capacity - 1), []).append(value)
    return [value for index in sorted(buckets) for value in buckets[index]]


def _group(connectors: Iterable[str], tasks: Iterable[ConnectorTaskId]) -> list[tuple[str, list[int]]]:
    grouped: dict[str, list[int]] = {}
    for connector in connectors:
        grouped.setdefault(connector, []).append(CONNECTOR_TASK)
    for task in tasks:
        grouped.setdefault(task.connector, []).append(task.task)
    return list(grouped.items())


class _Writer:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def int16(self, value: int) -> None:
        self.parts.append(_INT16.pack(value))

    def int32(self, value: int) -> None:
        self.parts.append(_INT32.pack(value))

    def int64(self, value: int) -> None:
        self.parts.append(_INT64.pack(value))

    def string(self, value: str) -> None:
        data = value.encode()
        self.int16(len(data))
        self.parts.append(data)

    def nullable_bytes(self, value: bytes | None) -> None:
        if value is None:
            self.int32(-1)
        else:
            self.int32(len(value))
            self.parts.append(value)

    def connector_assignments(self, entries: list[tuple[str, list[int]]]) -> None:
        self.int32(len(entries))
        for connector, task_ids in entries:
            self.string(connector)
            self.int32(len(task_ids))
            for task_id in task_ids:
                self.int32(task_id)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def _take(self, size: int) -> memoryview:
        if size < 0 or self.pos + size > len(self.data):
            raise ConnectProtocolError(
                f"Error reading field: {size} bytes needed at {self.pos}, {self.remaining()} left"
            )
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def int16(self) -> int:
        return int(_INT16.unpack(self._take(2))[0])

    def int32(self) -> int:
        return int(_INT32.unpack(self._take(4))[0])

    def int64(self) -> int:
        return int(_INT64.unpack(self._take(8))[0])

    def string(self) -> str:
        size = self.int16()
        if size < 0:
            raise ConnectProtocolError("Error reading field: non-nullable string is null")
        return bytes(self._take(size)).decode()

    def nullable_bytes(self) -> bytes | None:
        size = self.int32()
        return None if size < 0 else bytes(self._take(size))

    def connector_assignments(self) -> tuple[list[str], list[ConnectorTaskId]] | None:
        count = self.int32()
        if count < 0:
            return None
        connectors: list[str] = []
        tasks: list[ConnectorTaskId] = []
        for _ in range(count):
            connector = self.string()
            size = self.int32()
            if size < 0:
                raise ConnectProtocolError("Error reading field 'tasks': null array")
            for _ in range(size):
                task_id = self.int32()
                if task_id == CONNECTOR_TASK:
                    connectors.append(connector)
                else:
                    tasks.append(ConnectorTaskId(connector, task_id))
        return connectors, tasks

    def version(self) -> int:
        version = self.int16()
        if version < CONNECT_PROTOCOL_V0:
            raise ConnectProtocolError(f"Unsupported subscription version: {version}")
        return version


def encode_assignment(assignment: Assignment) -> bytes:
    """Serialize an assignment in the format of ``assignment.version`` (V0 drops revocations and delay)."""
    out = _Writer()
    out.int16(assignment.version)
    out.int16(assignment.error)
    out.string(assignment.leader)
    out.string(assignment.leader_url)
    out.int64(assignment.offset)
    connectors = _java_hash_set_order(assignment.connectors)
    out.connector_assignments(_group(connectors, assignment.tasks))
    if assignment.version >= CONNECT_PROTOCOL_V1:
        revoked = list(dict.fromkeys(assignment.revoked_connectors))
        out.connector_assignments(_group(revoked, assignment.revoked_tasks))
        out.int32(assignment.delay)
    return out.getvalue()


def decode_assignment(data: bytes) -> Assignment:
    """Parse an assignment of any version; fields a V0 assignment lacks take their defaults.

    Raises:
        ConnectProtocolError: the bytes are truncated or carry a negative version.
    """
    reader = _Reader(data)
    version = reader.version()
    error = reader.int16()
    leader = reader.string()
    leader_url = reader.string()
    offset = reader.int64()
    assigned = reader.connector_assignments() if reader.remaining() else None
    revoked = reader.connector_assignments() if reader.remaining() else None
    delay = reader.int32() if reader.remaining() else 0
    connectors, tasks = assigned or ([], [])
    revoked_connectors, revoked_tasks = revoked or ([], [])
    return Assignment(
        version,
        error,
        leader,
        leader_url,
        offset,
        tuple(connectors),
        tuple(tasks),
        tuple(revoked_connectors),
        tuple(revoked_tasks),
        delay,
    )


def encode_metadata(state: WorkerState, version: int) -> bytes:
    """Serialize JoinGroup metadata; from V1 the allocation is embedded with its own header (null if none)."""
    out = _Writer()
    out.int16(version)
    out.string(state.url)
    out.int64(state.offset)
    if version >= CONNECT_PROTOCOL_V1:
        allocation = None
        if state.allocation is not None:
            # Connect compat: IncrementalCooperativeConnectProtocol#serializeMetadata writes the
            # allocation with the header version of the protocol being offered.
            allocation = encode_assignment(_with_version(state.allocation, version))
        out.nullable_bytes(allocation)
    return out.getvalue()


def _with_version(assignment: Assignment, version: int) -> Assignment:
    if assignment.version == version:
        return assignment
    return Assignment(
        version,
        assignment.error,
        assignment.leader,
        assignment.leader_url,
        assignment.offset,
        assignment.connectors,
        assignment.tasks,
        assignment.revoked_connectors,
        assignment.revoked_tasks,
        assignment.delay,
    )


def decode_metadata(data: bytes) -> WorkerState:
    """Parse JoinGroup metadata of any version (a V0 member has no allocation).

    Raises:
        ConnectProtocolError: the bytes are truncated or carry a negative version.
    """
    reader = _Reader(data)
    reader.version()
    url = reader.string()
    offset = reader.int64()
    raw = reader.nullable_bytes() if reader.remaining() else None
    return WorkerState(url, offset, None if raw is None else decode_assignment(raw))


def join_protocols(state: WorkerState, mode: Compatibility) -> list[tuple[str, bytes]]:
    """The ``(protocol name, metadata)`` pairs a worker in ``mode`` offers in JoinGroup, preferred first."""
    return [(offered.protocol, encode_metadata(state, offered.version)) for offered in mode.offered()]
