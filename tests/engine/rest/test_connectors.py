"""`/connectors/...`: success and error shapes against a fake herder."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.herder.entities import ConnectorOffset

SOURCE = {"connector.class": "FileStreamSource", "tasks.max": "1", "topic": "t"}


def create(call: Any, name: str = "c1", **extra: Any) -> Any:
    return call("POST", "/connectors", {"name": name, "config": dict(SOURCE), **extra})


def test_create_answers_201_with_location_and_info(call: Any, herder: Any) -> None:
    reply = create(call, "  c1 ")
    assert reply.status == 201
    assert reply.headers["location"].endswith("/connectors/c1")
    assert reply.headers["location"].startswith("http://127.0.0.1:")
    assert reply.body == {
        "name": "c1",
        "config": {**SOURCE, "name": "c1"},
        "tasks": [],
        "type": "source",
    }
    assert herder.calls[0] == ("create", "c1", {**SOURCE, "name": "c1"}, None)


@pytest.mark.parametrize(
    ("given", "target"), [("running", "STARTED"), ("Paused", "PAUSED"), ("STOPPED", "STOPPED")]
)
def test_create_maps_initial_state_case_insensitively(
    call: Any, herder: Any, given: str, target: str
) -> None:
    assert create(call, initial_state=given).status == 201
    assert herder.calls[0][3] == target


def test_create_with_unknown_initial_state_answers_500_like_jackson(call: Any) -> None:
    reply = create(call, initial_state="sleeping")
    assert reply.status == 500
    assert reply.body["error_code"] == 500
    assert reply.body["message"].startswith(
        "Cannot construct instance of "
        "`org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest$InitialState`"
    )
    assert "No enum constant" in reply.body["message"]
    assert "SLEEPING" in reply.body["message"]


def test_create_with_name_mismatch_answers_400(call: Any) -> None:
    reply = call("POST", "/connectors", {"name": "a", "config": {**SOURCE, "name": "b"}})
    assert reply.status == 400
    assert reply.body == {
        "error_code": 400,
        "message": "Connector name configuration (b) doesn't match connector name in the URL (a)",
    }


def test_create_existing_answers_409(call: Any) -> None:
    create(call)
    reply = create(call)
    assert reply.status == 409
    assert reply.body == {"error_code": 409, "message": "Connector c1 already exists"}


def test_create_without_name_passes_empty_name_to_validation(call: Any, herder: Any) -> None:
    reply = call("POST", "/connectors", {"config": dict(SOURCE)})
    assert reply.status == 400
    assert herder.calls[0][1] == ""


def test_create_with_unknown_field_answers_500_unrecognized(call: Any) -> None:
    reply = create(call, tasks=[])
    assert reply.status == 500
    message = reply.body["message"]
    assert message.startswith('Unrecognized field "tasks" (class org.apache.kafka.connect.')
    assert '(3 known properties: "config", "name", "initial_state")\n at [Source: REDACTED' in message


def test_create_with_malformed_json_answers_500(call: Any) -> None:
    reply = call("POST", "/connectors", b'{"name": "c1", "config": {')
    assert reply.status == 500
    assert reply.body["message"].startswith("Unexpected end-of-input")
    reply = call("POST", "/connectors", b'{"name": x}')
    assert reply.status == 500
    assert reply.body["message"].startswith("Unexpected character ('x' (code 120))")
    assert "line: 1, column: 10]" in reply.body["message"]


def test_create_with_empty_body_answers_500(call: Any) -> None:
    reply = call("POST", "/connectors", b"")
    assert reply.status == 500
    assert reply.body["message"] == "No content to map due to end-of-input"


def test_create_with_wrong_types_answers_500_cannot_deserialize(call: Any) -> None:
    reply = call("POST", "/connectors", [1])
    assert reply.status == 500
    assert reply.body["message"].startswith(
        "Cannot deserialize value of type "
        "`org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest` from Array value"
    )
    reply = call("POST", "/connectors", {"name": "c", "config": {"k": {"a": 1}}})
    assert reply.status == 500
    assert "`java.lang.String` from Object value" in reply.body["message"]


def test_config_scalars_are_coerced_to_their_json_text(call: Any, herder: Any) -> None:
    body = b'{"name": "c1", "config": {"tasks.max": 1.50e1, "flag": true, "topic": "t"}} trailing'
    assert call("POST", "/connectors", body).status == 201
    assert herder.calls[0][2] == {"tasks.max": "1.50e1", "flag": "true", "topic": "t", "name": "c1"}


def test_null_config_value_reaches_the_herder(call: Any, herder: Any) -> None:
    reply = call("POST", "/connectors", {"name": "c1", "config": {"file": None}})
    assert reply.status == 400
    assert "Null value can not be supplied" in reply.body["message"]
    assert herder.calls[0][2] == {"file": None, "name": "c1"}


def test_unsupported_media_type_answers_415(call: Any) -> None:
    reply = call("POST", "/connectors", b"x", {"Content-Type": "text/plain"})
    assert reply.status == 415
    assert reply.body == {"error_code": 415, "message": "HTTP 415 Unsupported Media Type"}


def test_list_connectors_and_expand(call: Any, herder: Any) -> None:
    assert call("GET", "/connectors").body == []
    create(call, "b")
    create(call, "a")
    assert call("GET", "/connectors").body == ["a", "b"]
    assert call("GET", "/connectors/").body == ["a", "b"]
    expanded = call("GET", "/connectors?expand=status&expand=info&expand=bogus").body
    assert set(expanded) == {"a", "b"}
    assert expanded["a"]["status"]["connector"] == {"state": "RUNNING", "worker_id": "127.0.0.1:8083"}
    assert expanded["a"]["info"]["name"] == "a"
    assert call("GET", "/connectors?expand=bogus").body == {"a": {}, "b": {}}


def test_get_connector_config_status_tasks(call: Any, herder: Any) -> None:
    create(call)
    herder.connectors_["c1"].tasks = [{"task.class": "T"}, {"task.class": "T"}]
    assert call("GET", "/connectors/c1").body["tasks"] == [
        {"connector": "c1", "task": 0},
        {"connector": "c1", "task": 1},
    ]
    assert call("GET", "/connectors/c1/config").body == {**SOURCE, "name": "c1"}
    status = call("GET", "/connectors/c1/status").body
    assert status["tasks"][0] == {"id": 0, "state": "RUNNING", "worker_id": "127.0.0.1:8083"}
    assert status["tasks"][1]["trace"] == "boom"
    assert call("GET", "/connectors/c1/tasks").body[1] == {
        "id": {"connector": "c1", "task": 1},
        "config": {"task.class": "T"},
    }
    assert call("GET", "/connectors/c1/tasks/1/status").body["state"] == "FAILED"


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", "/connectors/nope", "Connector nope not found"),
        ("GET", "/connectors/nope/config", "Connector nope not found"),
        ("GET", "/connectors/nope/status", "No status found for connector nope"),
        ("GET", "/connectors/nope/tasks", "Connector nope not found"),
        ("GET", "/connectors/nope/tasks/0/status", "No status found for task nope-0"),
        ("POST", "/connectors/nope/tasks/0/restart", "Unknown connector: nope"),
        ("POST", "/connectors/nope/restart", "Unknown connector: nope"),
        ("PUT", "/connectors/nope/pause", "Unknown connector nope"),
        ("PUT", "/connectors/nope/resume", "Unknown connector nope"),
        ("PUT", "/connectors/nope/stop", "Unknown connector nope"),
        ("DELETE", "/connectors/nope", "Connector nope not found"),
        ("GET", "/connectors/nope/offsets", "Connector nope not found"),
        ("DELETE", "/connectors/nope/offsets", "Connector nope not found"),
    ],
)
def test_unknown_connector_answers_404(call: Any, method: str, path: str, message: str) -> None:
    reply = call(method, path)
    assert reply.status == 404
    assert reply.body == {"error_code": 404, "message": message}


def test_put_config_creates_then_updates(call: Any, herder: Any) -> None:
    reply = call("PUT", "/connectors/c1/config", dict(SOURCE))
    assert reply.status == 201
    assert reply.headers["location"].endswith("/connectors/c1")
    assert reply.body["config"]["name"] == "c1"
    reply = call("PUT", "/connectors/c1/config", {**SOURCE, "tasks.max": "2"})
    assert reply.status == 200
    assert "location" not in reply.headers
    assert reply.body["config"]["tasks.max"] == "2"
    reply = call("PUT", "/connectors/c1/config", {**SOURCE, "name": "other"})
    assert reply.status == 400
    assert reply.body["message"] == (
        "Connector name configuration (other) doesn't match connector name in the URL (c1)"
    )


def test_patch_config_merges_and_removes_nulls(call: Any, herder: Any) -> None:
    create(call)
    reply = call("PATCH", "/connectors/c1/config", {"tasks.max": "3", "topic": None})
    assert reply.status == 200
    assert reply.body["config"] == {"connector.class": "FileStreamSource", "tasks.max": "3", "name": "c1"}
    assert call("PATCH", "/connectors/nope/config", {"a": "b"}).status == 404


def test_restart_forms(call: Any, herder: Any) -> None:
    create(call)
    herder.connectors_["c1"].tasks = [{}, {}]
    legacy = call("POST", "/connectors/c1/restart")
    assert (legacy.status, legacy.raw) == (204, b"")
    reply = call("POST", "/connectors/c1/restart?includeTasks=TRUE&onlyFailed=true")
    assert reply.status == 202
    assert [task["state"] for task in reply.body["tasks"]] == ["RUNNING", "RESTARTING"]
    assert herder.calls[-1] == ("restart", "c1", True, True)
    assert call("POST", "/connectors/c1/restart?includeTasks=yes").status == 204
    assert call("POST", "/connectors/c1/tasks/1/restart").status == 204
    reply = call("POST", "/connectors/c1/tasks/7/restart")
    assert reply.body == {"error_code": 404, "message": "Unknown task: c1-7"}


def test_pause_resume_stop_delete(call: Any, herder: Any) -> None:
    create(call)
    for path, status, target in [
        ("pause", 202, "PAUSED"),
        ("resume", 202, "STARTED"),
        ("stop", 204, "STOPPED"),
    ]:
        reply = call("PUT", f"/connectors/c1/{path}")
        assert (reply.status, reply.raw) == (status, b"")
        assert herder.connectors_["c1"].target == target
    reply = call("DELETE", "/connectors/c1")
    assert (reply.status, reply.raw) == (204, b"")
    assert herder.connectors_ == {}


def test_topics_and_reset(call: Any, herder: Any) -> None:
    create(call)
    assert call("GET", "/connectors/c1/topics").body == {"c1": {"topics": ["t1", "t2"]}}
    assert call("GET", "/connectors/zz/topics").body == {"zz": {"topics": []}}
    assert call("PUT", "/connectors/c1/topics/reset").status == 202
    herder.topic_tracking = False
    reply = call("GET", "/connectors/c1/topics")
    assert reply.body == {"error_code": 403, "message": "Topic tracking is disabled."}


def test_offsets_get_alter_reset(call: Any, herder: Any) -> None:
    create(call)
    herder.connectors_["c1"].offsets = [ConnectorOffset({"filename": "f"}, {"position": 30})]
    assert call("GET", "/connectors/c1/offsets").body == {
        "offsets": [{"partition": {"filename": "f"}, "offset": {"position": 30}}]
    }
    body = {"offsets": [{"partition": {"filename": "f"}, "offset": None}]}
    reply = call("PATCH", "/connectors/c1/offsets", body)
    assert reply.status == 400
    assert reply.body["message"].startswith("Connectors must be in the STOPPED state")
    call("PUT", "/connectors/c1/stop")
    reply = call("PATCH", "/connectors/c1/offsets", body)
    assert reply.body == {"message": "The offsets for this connector have been altered successfully"}
    assert herder.connectors_["c1"].offsets == [ConnectorOffset({"filename": "f"}, None)]
    reply = call("DELETE", "/connectors/c1/offsets")
    assert reply.body == {"message": "The offsets for this connector have been reset successfully"}


@pytest.mark.parametrize(
    ("body", "status", "start"),
    [
        (b"[]", 500, "Cannot deserialize value"),
        (b"{}", 400, "Partitions / offsets need to be provided for an alter offsets request"),
        (b'{"key": []}', 500, "Unrecognized field"),
        (b'{"offsets": []}', 400, "Partitions / offsets need to be provided"),
        (b'{"offsets": {}}', 500, "Cannot deserialize value"),
        (b'{"offsets": [123]}', 500, "Cannot deserialize value"),
        (b'{"offsets": [{"key": "val"}]}', 500, "Unrecognized field"),
        (b'{"offsets": [{"partition": []}]}', 500, "Cannot deserialize value"),
    ],
)
def test_malformed_offsets_answer_as_connect(
    call: Any, herder: Any, body: bytes, status: int, start: str
) -> None:
    # The cases of Connect's OffsetsApiIntegrationTest.testAlterOffsetsMalformedRequestBody.
    create(call)
    reply = call("PATCH", "/connectors/c1/offsets", body)
    assert reply.status == status
    assert reply.body["message"].startswith(start)


def test_unknown_path_and_wrong_method(call: Any) -> None:
    reply = call("GET", "/nothing/here")
    assert reply.body == {"error_code": 404, "message": "HTTP 404 Not Found"}
    reply = call("GET", "/connectors/c1/tasks/x/status")
    assert reply.status == 404
    reply = call("DELETE", "/connectors")
    assert reply.status == 405
    assert reply.body == {"error_code": 405, "message": "HTTP 405 Method Not Allowed"}
    assert "POST" in reply.headers["allow"]


def test_tasks_config_is_gone_as_in_connect_4(call: Any, herder: Any) -> None:
    create(call)
    assert call("GET", "/connectors/c1/tasks-config").status == 404


def test_unexpected_exception_answers_500_with_message_and_logs(
    call: Any, herder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    herder.fail = RuntimeError("kaput")
    with caplog.at_level("ERROR", logger="engine.rest"):
        reply = call("GET", "/connectors")
    assert reply.body == {"error_code": 500, "message": "kaput"}
    assert any(record.exc_info for record in caplog.records)


def test_slow_herder_answers_request_timed_out(call: Any, herder: Any) -> None:
    async def never() -> list[str]:
        await asyncio.sleep(30)
        return []

    herder.connectors = never
    reply = call("GET", "/connectors")
    assert reply.body == {"error_code": 500, "message": "Request timed out"}
