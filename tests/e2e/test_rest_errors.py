"""End to end: malformed bodies, invalid configs and unknown names give exactly Connect's answers.

Every expected status and body below was recorded from a real Kafka Connect 4.3.1 standalone worker
(`ConnectStandalone` with the FileStream connectors) sent the same requests.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration

LOCATION = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
CREATE_REQUEST = "org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest"
STRING_MAP = "java.util.LinkedHashMap<java.lang.String,java.lang.String>"
INVALID = "Connector configuration is invalid and contains the following 1 error(s):\n"
SEE_VALIDATE = (
    "\nYou can also find the above list of errors at the endpoint "
    "`/connector-plugins/{connectorType}/config/validate`"
)


def _source(tmp: str) -> dict[str, str]:
    return {"connector.class": "FileStreamSource", "file": f"{tmp}/in.txt", "topic": "rest-errors"}


def _error(code: int, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"error_code": code, "message": message}


# (method, path, body as sent to Connect, expected message of the 500)
MALFORMED = [
    pytest.param(
        "POST",
        "/connectors",
        b"{not json",
        "Unexpected character ('n' (code 110)): was expecting double-quote to start field name"
        + LOCATION
        + "line: 1, column: 2]",
        id="not-json",
    ),
    pytest.param(
        "POST",
        "/connectors",
        b'{"name": "x", "config": {"connector.class": "FileStreamSource", "file": "/tmp/p4/in.txt", '
        b'"topic": "probe-t"}, "bogus": 1}',
        f'Unrecognized field "bogus" (class {CREATE_REQUEST}), not marked as ignorable (3 known '
        f'properties: "config", "name", "initial_state"){LOCATION}line: 1, column: 123] (through '
        f'reference chain: {CREATE_REQUEST}["bogus"])',
        id="unknown-field",
    ),
    pytest.param(
        "POST",
        "/connectors",
        b'{"name": "x", "config": ["a"]}',
        f"Cannot deserialize value of type `{STRING_MAP}` from Array value (token `JsonToken.START_ARRAY`)"
        f'{LOCATION}line: 1, column: 25] (through reference chain: {CREATE_REQUEST}["config"])',
        id="config-not-a-map",
    ),
    pytest.param(
        "PUT",
        "/connectors/x/config",
        b"[1,2]",
        f"Cannot deserialize value of type `{STRING_MAP}` from Array value (token `JsonToken.START_ARRAY`)"
        f"{LOCATION}line: 1, column: 1]",
        id="put-config-not-a-map",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "message"), MALFORMED)
def test_malformed_bodies_answer_500_with_jacksons_text(
    shared_worker: Any, method: str, path: str, body: bytes, message: str
) -> None:
    assert shared_worker.call(method, path, raw=body) == _error(500, message)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/connectors", b"{not json"),
        ("POST", "/connectors", b'{"name": "x", "config": {"a": "b"'),
        ("POST", "/connectors", b'{"name": "x", "config": {}, "bogus": 1}'),
        ("POST", "/connectors", b'{"name": "x", "config": ["a"]}'),
        ("POST", "/connectors", b'{"name": "x"}'),
        ("POST", "/connectors", b'{"name": "x", "config": {}, "initial_state": "NOPE"}'),
        ("PUT", "/connectors/x/config", b"[1,2]"),
        ("PATCH", "/connectors/x/config", b"{oops"),
        ("PATCH", "/connectors/x/offsets", b"{bad"),
        ("PATCH", "/connectors/x/offsets", b'{"offsets": [], "x": 1}'),
    ],
)
def test_malformed_bodies_and_unknown_fields_answer_500(
    shared_worker: Any, method: str, path: str, body: bytes
) -> None:
    code, reply = shared_worker.call(method, path, raw=body)
    assert (code, reply["error_code"]) == (500, 500), reply
    assert set(reply) == {"error_code", "message"} and reply["message"]


def test_invalid_configs_answer_400_with_connects_full_message(shared_worker: Any, tmp_path: Any) -> None:
    worker, name = shared_worker, f"bad-{uuid.uuid4().hex[:8]}"
    source = _source(str(tmp_path))
    missing = {"connector.class": "FileStreamSource"}
    assert worker.call("POST", "/connectors", {"name": name, "config": missing}) == _error(
        400, INVALID + 'Missing required configuration "topic" which has no default value.' + SEE_VALIDATE
    )
    assert worker.call("POST", "/connectors", {"name": name, "config": {**source, "batch.size": "abc"}}) == (
        _error(
            400,
            INVALID
            + "Invalid value abc for configuration batch.size: Not a number of type INT"
            + SEE_VALIDATE,
        )
    )
    assert worker.call("PUT", f"/connectors/{name}/config", {**source, "topic": ""}) == _error(
        400, INVALID + "Invalid value  for configuration topic: String must be non-empty" + SEE_VALIDATE
    )
    assert worker.call("PUT", f"/connectors/{name}/config", {**source, "name": "other"}) == _error(
        400, f"Connector name configuration (other) doesn't match connector name in the URL ({name})"
    )
    # Connect 4.3 answers an unknown class with 400 on create/update and 500 on validate.
    code, body = worker.call(
        "POST", "/connectors", {"name": name, "config": {**source, "connector.class": "NoSuch"}}
    )
    assert (code, body["error_code"]) == (400, 400)
    assert body["message"].startswith(
        "Failed to find any class that implements Connector and which name matches NoSuch, available "
        "connectors are: PluginDesc{klass=class "
    )
    assert "PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector, " in body["message"]
    code, body = worker.call(
        "PUT", "/connector-plugins/NoSuch/config/validate", {"connector.class": "NoSuch"}
    )
    assert (code, body["error_code"]) == (500, 500)
    assert body["message"].startswith(
        "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: "
        "org.apache.kafka.connect.errors.ConnectException: Failed to find any class that implements "
        "Connector and which name matches NoSuch, available connectors are: "
    )
    code, body = worker.call(
        "PUT", "/connector-plugins/FileStreamSource/config/validate", {"connector.class": "FileStreamSource"}
    )
    assert code == 200 and body["error_count"] == 2  # `name` and `topic` are missing
    assert worker.call(
        "PUT", "/connector-plugins/FileStreamSink/config/validate", {"connector.class": "FileStreamSource"}
    ) == _error(400, "Included connector type FileStreamSource does not match request type FileStreamSink")
    assert name not in worker.call("GET", "/connectors")[1]


def test_unknown_names_duplicates_and_the_root(shared_worker: Any, tmp_path: Any) -> None:
    worker, name = shared_worker, f"dup-{uuid.uuid4().hex[:8]}"
    code, info = worker.call("GET", "/")
    assert code == 200 and set(info) == {"version", "commit", "kafka_cluster_id"} and info["kafka_cluster_id"]
    nope = f"nope-{uuid.uuid4().hex[:8]}"
    expected = {
        ("GET", f"/connectors/{nope}"): _error(404, f"Connector {nope} not found"),
        ("GET", f"/connectors/{nope}/config"): _error(404, f"Connector {nope} not found"),
        ("PATCH", f"/connectors/{nope}/config"): _error(404, f"Connector {nope} not found"),
        ("GET", f"/connectors/{nope}/status"): _error(404, f"No status found for connector {nope}"),
        ("GET", f"/connectors/{nope}/tasks"): _error(404, f"Connector {nope} not found"),
        ("GET", f"/connectors/{nope}/tasks/0/status"): _error(404, f"No status found for task {nope}-0"),
        ("GET", f"/connectors/{nope}/offsets"): _error(404, f"Connector {nope} not found"),
        ("DELETE", f"/connectors/{nope}"): _error(404, f"Connector {nope} not found"),
        ("PUT", f"/connectors/{nope}/pause"): _error(404, f"Unknown connector {nope}"),
        ("PUT", f"/connectors/{nope}/resume"): _error(404, f"Unknown connector {nope}"),
        ("POST", f"/connectors/{nope}/restart?includeTasks=true"): _error(404, f"Unknown connector: {nope}"),
        # Connect compat: StandaloneHerder answers these with 500s (see engine/herder/standalone.py).
        ("PUT", f"/connectors/{nope}/stop"): _error(500, f"No connector `{nope}` configured"),
        ("POST", f"/connectors/{nope}/tasks/0/restart"): _error(
            500, f"Failed to start task {nope}-0 since it is not a recognizable type (source or sink)"
        ),
        ("GET", "/connector-plugins/Nope/config"): _error(404, "Unknown plugin Nope."),
    }
    answers = {
        (method, path): worker.call(method, path, {"a": "b"} if method == "PATCH" else None)
        for method, path in expected
    }
    assert answers == expected
    # Connect fails with a NullPointerException here; the status is Connect's, the text says why.
    assert worker.call("POST", f"/connectors/{nope}/restart") == _error(500, f"Connector {nope} not found")

    config = _source(str(tmp_path))
    code, created = worker.call("POST", "/connectors", {"name": name, "config": config})
    assert code == 201 and created["tasks"] == [{"connector": name, "task": 0}], created
    assert worker.call("POST", "/connectors", {"name": name, "config": config}) == _error(
        409, f"Connector {name} already exists"
    )
    assert worker.call("GET", f"/connectors/{name}/tasks/7/status") == _error(
        404, f"No status found for task {name}-7"
    )
    assert worker.call("POST", f"/connectors/{name}/tasks/7/restart") == _error(
        404, f"Task {name}-7 not found"
    )
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)
