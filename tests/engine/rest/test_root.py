"""`GET /`, `GET /health` and `GET /openapi.json`."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from engine.rest.app import create_app, endpoint_groups
from engine.rest.openapi import openapi_path


def test_server_info(call: Any) -> None:
    reply = call("GET", "/")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.body == {"version": "4.3.1", "commit": "abc123", "kafka_cluster_id": "cluster-1"}


def test_health_healthy(call: Any) -> None:
    reply = call("GET", "/health")
    assert (reply.status, reply.body) == (
        200,
        {"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."},
    )


def test_health_starting_answers_503(call: Any, herder: Any) -> None:
    herder.is_ready = False
    reply = call("GET", "/health")
    assert (reply.status, reply.body) == (
        503,
        {"status": "starting", "message": "Worker is still starting up."},
    )


def test_health_unhealthy_answers_500_on_false_or_timeout(call: Any, herder: Any) -> None:
    unhealthy = {
        "status": "unhealthy",
        "message": "Worker was unable to handle this request and may be unable to handle other requests.",
    }
    herder.is_healthy = False
    assert (call("GET", "/health").status, call("GET", "/health").body) == (500, unhealthy)
    herder.is_healthy = True
    herder.health_delay_s = 1.0  # the fixture's health timeout is 0.2 s
    reply = call("GET", "/health")
    assert (reply.status, reply.body) == (500, unhealthy)


def test_openapi_documents_every_route(call: Any, served_app: Any) -> None:
    doc = call("GET", "/openapi.json").body
    assert doc["openapi"] == "3.1.0"
    app = served_app[0]
    served = {
        (openapi_path(route.path), method.lower())
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert served == documented
    assert len(documented) == 29  # 3 worker + 20 connector + 3 plugin + 3 admin
    assert ("/connectors/{connector}/tasks/{task}/status", "get") in documented
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert op["summary"] and op["responses"], path
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == set(path.replace("}", "{").split("{")[1::2]), path
    schemas = doc["components"]["schemas"]
    assert {"ConnectorInfo", "ConnectorStateInfo", "ConfigInfos", "ErrorMessage", "LoggerLevel"} <= set(
        schemas
    )
    create = doc["paths"]["/connectors"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateConnectorRequest"
    }
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ConnectorInfo"
    }
    # Every $ref points at a component.
    text = call("GET", "/openapi.json").raw.decode()
    for name in set(__import__("re").findall(r"#/components/schemas/(\w+)", text)):
        assert name in schemas


def test_admin_disabled_removes_loggers_from_routes_and_doc(herder: Any) -> None:
    app = create_app(herder, admin_enabled=False)
    paths = {route.path for route in app.routes if isinstance(route, Route)}
    assert not any(path.startswith("/admin") for path in paths)
    assert all(group.tag != "Admin" for group in endpoint_groups(admin_enabled=False))
    assert b"/admin/loggers" not in app.state.openapi
