"""`/connector-plugins/...`."""

from __future__ import annotations

from typing import Any

SINK = {"class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "type": "sink", "version": "4.3.1"}


def test_list_plugins_connectors_only_by_default(call: Any) -> None:
    assert call("GET", "/connector-plugins").body == [SINK]
    assert call("GET", "/connector-plugins?connectorsOnly=true").body == [SINK]
    everything = call("GET", "/connector-plugins?connectorsOnly=false").body
    assert everything == [
        SINK,
        {"class": "org.apache.kafka.connect.transforms.Filter", "type": "transformation"},
    ]


def test_plugin_config(call: Any) -> None:
    reply = call("GET", "/connector-plugins/FileStreamSink/config")
    assert reply.status == 200
    assert reply.body[0]["name"] == "file"
    assert reply.body[0]["order"] == -1
    reply = call("GET", "/connector-plugins/Nope/config")
    assert reply.body == {"error_code": 404, "message": "Unknown plugin Nope."}


def test_validate(call: Any, herder: Any) -> None:
    config = {"connector.class": "FileStreamSink", "tasks.max": 2}
    reply = call("PUT", "/connector-plugins/FileStreamSink/config/validate", config)
    assert reply.status == 200
    assert reply.body == {"name": "FileStreamSink", "error_count": 0, "groups": ["Common"], "configs": []}
    assert herder.calls[-1] == (
        "validate",
        "FileStreamSink",
        {"connector.class": "FileStreamSink", "tasks.max": "2"},
    )
    reply = call("PUT", "/connector-plugins/Other/config/validate", config)
    assert reply.status == 400
    assert reply.body["message"] == "Included connector type FileStreamSink does not match request type Other"
    reply = call("PUT", "/connector-plugins/Other/config/validate", {})
    assert reply.status == 500
    assert "contains no connector type" in reply.body["message"]
    assert call("PUT", "/connector-plugins/Other/config/validate", b"[1]").status == 500
