"""End to end: `GET/PATCH/DELETE /connectors/{name}/offsets` of a sink connector (KIP-875).

The offsets are the committed offsets of the connector's consumer group on the real broker; the
preconditions and messages are Connect 4.3.1's, recorded from a real worker given the same requests.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import produce

pytestmark = pytest.mark.integration

ALTERED = (200, {"message": "The offsets for this connector have been altered successfully"})
RESET = (200, {"message": "The offsets for this connector have been reset successfully"})


def _error(code: int, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"error_code": code, "message": message}


def _offsets(topic: str, offset: int) -> dict[str, Any]:
    return {
        "offsets": [
            {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": offset}}
        ]
    }


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_sink_connector_offsets_read_alter_and_reset(
    shared_worker: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    worker, name = shared_worker, f"snk-{uuid.uuid4().hex[:8]}"
    topic, outfile = f"snk-in-{uuid.uuid4().hex[:8]}", tmp_path / "out.txt"
    produce(kafka_bootstrap, topic, [(None, f"v{i}".encode()) for i in range(3)])
    config = {
        "connector.class": "FileStreamSink",
        "file": str(outfile),
        "topics": topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }
    path = f"/connectors/{name}/offsets"
    assert worker.call("PUT", f"/connectors/{name}/config", config)[0] == 201
    worker.wait_for("three lines", lambda: _lines(outfile) == ["v0", "v1", "v2"])
    committed = {
        "offsets": [
            {"partition": {"kafka_partition": 0, "kafka_topic": topic}, "offset": {"kafka_offset": 3}}
        ]
    }
    worker.wait_for("the committed offsets", lambda: worker.call("GET", path) == (200, committed))

    not_stopped = _error(
        400,
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
        f"for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint",
    )
    assert worker.call("PATCH", path, _offsets(topic, 0)) == not_stopped
    assert worker.call("DELETE", path) == not_stopped
    assert worker.call("PUT", f"/connectors/{name}/stop") == (204, None)
    worker.wait_state(name, "STOPPED", [])

    bad = {
        "empty": ({"offsets": []}, "Partitions / offsets need to be provided for an alter offsets request"),
        "no partition key": (
            {"offsets": [{"partition": {"kafka_topic": topic}, "offset": {"kafka_offset": 0}}]},
            "The partition for a sink connector offset must contain the keys 'kafka_topic' and "
            "'kafka_partition'",
        ),
        "partition not a number": (
            {
                "offsets": [
                    {
                        "partition": {"kafka_topic": topic, "kafka_partition": "x"},
                        "offset": {"kafka_offset": 0},
                    }
                ]
            },
            "Failed to parse the following Kafka partition value in the provided offsets: 'x'. "
            "Partition values for sink connectors need to be integers.",
        ),
        "no offset key": (
            {
                "offsets": [
                    {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"other": 1}}
                ]
            },
            "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
        ),
    }
    answers = {what: worker.call("PATCH", path, body) for what, (body, _) in bad.items()}
    assert answers == {what: _error(400, message) for what, (_, message) in bad.items()}
    assert worker.call("PATCH", path, _offsets(topic, -1)) == _error(
        500, f"Failed to modify offsets for sink connector {name}"
    )

    assert worker.call("PATCH", path, _offsets(topic, 1)) == ALTERED
    assert worker.call("GET", path)[1]["offsets"][0]["offset"] == {"kafka_offset": 1}
    # Resumed, the sink reads again from the altered offset.
    assert worker.call("PUT", f"/connectors/{name}/resume") == (202, None)
    worker.wait_for("the re-read records", lambda: _lines(outfile) == ["v0", "v1", "v2", "v1", "v2"])
    assert worker.call("PUT", f"/connectors/{name}/stop") == (204, None)
    worker.wait_state(name, "STOPPED", [])
    assert worker.call("DELETE", path) == RESET
    assert worker.call("GET", path) == (200, {"offsets": []})
    assert worker.call("DELETE", path) == RESET  # idempotent: the group is already gone
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)
