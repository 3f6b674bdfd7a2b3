"""Connect's group protocol against the bytes Connect 4.3.1 itself writes (golden/GoldenProtocol.java)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cluster.protocol import (
    CONFIG_MISMATCH,
    Assignment,
    Compatibility,
    ConnectProtocolError,
    WorkerState,
    decode_assignment,
    decode_metadata,
    encode_assignment,
    encode_metadata,
    join_protocols,
)
from engine.herder.entities import ConnectorTaskId as T

GOLDEN = dict(
    line.split(" ", 1)
    for line in (Path(__file__).parent / "golden" / "protocol.txt").read_text().splitlines()
)

MANY = ("orders", "connector1", "connector2", "b", "a", "zeta-sink", "connector10")
TASKS = (T("connector1", 0), T("orders", 2), T("connector1", 1), T("x", 0))
CURRENT = Assignment(1, 0, "leader-1", "http://l:8083/", 7, ("orders", "a"), (T("orders", 0), T("orders", 1)))


def full(version: int) -> Assignment:
    return Assignment(
        version,
        0,
        "member-1",
        "http://leader:8083/",
        99,
        MANY,
        TASKS,
        ("old", "b", "old"),
        (T("old", 3), T("b", 0)),
        12345,
    )


def golden(name: str) -> bytes:
    return bytes.fromhex(GOLDEN[name])


def test_metadata_v0_matches_connect() -> None:
    state = WorkerState("http://10.0.0.5:8083/", 42)
    assert encode_metadata(state, 0) == golden("metadata_v0")
    assert decode_metadata(golden("metadata_v0")) == state


@pytest.mark.parametrize(("name", "version"), [("metadata_v1", 1), ("metadata_v2", 2)])
def test_metadata_with_allocation_matches_connect(name: str, version: int) -> None:
    state = WorkerState("http://w1:8083/", 12, CURRENT)
    assert encode_metadata(state, version) == golden(name)
    decoded = decode_metadata(golden(name))
    assert decoded.url == "http://w1:8083/" and decoded.offset == 12
    assert decoded.allocation is not None
    assert decoded.allocation.version == version
    assert set(decoded.allocation.connectors) == {"orders", "a"}
    assert decoded.allocation.tasks == CURRENT.tasks


def test_metadata_without_allocation_is_null() -> None:
    state = WorkerState("http://w1:8083/", -1)
    assert encode_metadata(state, 1) == golden("metadata_v1_null")
    assert decode_metadata(golden("metadata_v1_null")) == state


def test_assignment_v0_matches_connect_including_connector_order() -> None:
    assignment = Assignment(0, 0, "member-1", "http://leader:8083/", 99, MANY, TASKS)
    assert encode_assignment(assignment) == golden("assignment_v0")
    decoded = decode_assignment(golden("assignment_v0"))
    assert set(decoded.connectors) == set(MANY)
    assert sorted(decoded.tasks) == sorted(TASKS)
    assert decoded.revoked_connectors == () and decoded.delay == 0


def test_assignment_v0_config_mismatch() -> None:
    assignment = Assignment(0, CONFIG_MISMATCH, "member-1", "http://leader:8083/", 99)
    assert encode_assignment(assignment) == golden("assignment_v0_mismatch")
    assert decode_assignment(golden("assignment_v0_mismatch")).failed


@pytest.mark.parametrize(("name", "version"), [("assignment_v1", 1), ("assignment_v2", 2)])
def test_incremental_assignment_matches_connect(name: str, version: int) -> None:
    assert encode_assignment(full(version)) == golden(name)
    decoded = decode_assignment(golden(name))
    assert decoded.version == version
    assert decoded.revoked_connectors == ("old", "b")
    assert decoded.revoked_tasks == (T("old", 3), T("b", 0))
    assert decoded.delay == 12345
    assert set(decoded.connectors) == set(MANY)


def test_empty_assignment_v2() -> None:
    assert encode_assignment(Assignment(2, 0, "m", "u", 0)) == golden("assignment_v2_empty")
    assert decode_assignment(golden("assignment_v2_empty")) == Assignment(2, 0, "m", "u", 0)


def test_join_protocols_in_preference_order() -> None:
    state = WorkerState("http://w1:8083/", 12, CURRENT)
    offered = join_protocols(state, Compatibility.SESSIONED)
    assert [name for name, _ in offered] == ["sessioned", "compatible", "default"]
    assert offered[0][1] == golden("metadata_v2")
    assert offered[1][1] == golden("metadata_v1")
    assert decode_metadata(offered[2][1]) == WorkerState("http://w1:8083/", 12)
    assert [name for name, _ in join_protocols(state, Compatibility.EAGER)] == ["default"]


def test_compatibility_names() -> None:
    assert Compatibility.from_config("Sessioned") is Compatibility.SESSIONED
    assert Compatibility.from_protocol("default") is Compatibility.EAGER
    with pytest.raises(ValueError, match="Unknown Connect protocol compatibility mode: cooperative"):
        Compatibility.from_config("cooperative")


def test_truncated_and_negative_versions_are_refused() -> None:
    with pytest.raises(ConnectProtocolError, match="Unsupported subscription version: -1"):
        decode_metadata(b"\xff\xff")
    with pytest.raises(ConnectProtocolError):
        decode_assignment(golden("assignment_v1")[:20])
