"""`/connectors/...`: Connect's `ConnectorsResource` for one worker.

Status codes follow Connect: 201 + `Location` on create, 202 for pause/resume/topic reset and the
KIP-745 restart, 204 for delete, stop, task restart and the legacy connector restart. The internal
endpoints (`POST …/tasks`, `PUT …/fence`) are not served: they only exist between distributed
workers. `GET …/tasks-config` was removed in Connect 4.0 (KIP-970) and is not served either.
The `forward` query parameter is accepted and ignored: a standalone worker never forwards.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from engine.errors import BadRequestError, NotFoundError
from engine.herder.entities import (
    ConnectorInfo,
    ConnectorOffsets,
    ConnectorStateInfo,
    Message,
    TaskInfo,
    TaskState,
)
from engine.rest.bodies import (
    CreateConnectorRequest,
    parse_config_map,
    parse_connector_offsets,
    parse_create_request,
)
from engine.rest.endpoints import EndpointGroup, Param, Reply, error_reply
from engine.rest.responses import empty_response, json_response
from engine.rest.root import herder_of

__all__ = ["group"]

log = logging.getLogger("engine.rest")

group = EndpointGroup("Connectors")

NAME_CONFIG = "name"

CONNECTOR = Param("connector", "path", "The connector name.")
TASK = Param("task", "path", "The task id.", {"type": "integer", "minimum": 0})
FORWARD = Param(
    "forward",
    "query",
    "Ignored by a standalone worker (distributed request forwarding).",
    {"type": "boolean"},
)
NOT_FOUND = error_reply(404, "No connector (or task) of that name.")
INVALID = error_reply(400, "Invalid configuration, or `name` differs from the URL.")
SERVER_ERROR = error_reply(500, "Malformed body, unknown connector class, or a herder failure.")
StringMap = dict[str, str | None]


class ConnectorExpansions(msgspec.Struct, frozen=True, omit_defaults=True):
    """One entry of `GET /connectors?expand=...` (documentation only)."""

    status: ConnectorStateInfo | None = None
    info: ConnectorInfo | None = None


def query_flag(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter as JAX-RS reads it: `true` in any case, anything else false."""
    values = request.query_params.getlist(name)
    if not values:
        return default
    return values[0].lower() == "true"


def _location(request: Request, name: str) -> str:
    # Connect compat: Response.created(UriBuilder.fromUri("/connectors").path(name)); Jersey
    # resolves the relative URI against the request's base URI.
    return f"{str(request.base_url).rstrip('/')}/connectors/{quote(name, safe='/')}"


def _connector(request: Request) -> str:
    name: str = request.path_params["connector"]
    return name


def _task(request: Request) -> int:
    task: int = request.path_params["task"]
    return task


def check_and_put_name(name: str, config: StringMap) -> None:
    """Connect compat: ConnectorsResource.checkAndPutConnectorConfigName."""
    included = config.get(NAME_CONFIG)
    if included is not None:
        if included != name:
            raise BadRequestError(
                f"Connector name configuration ({included}) doesn't match connector name in the URL ({name})"
            )
    else:
        config[NAME_CONFIG] = name


@group.route(
    "GET",
    "/connectors",
    summary="List all active connectors",
    params=(
        Param(
            "expand",
            "query",
            "Add `status` and/or `info` of each connector; unknown values are ignored.",
            {"type": "string", "enum": ["status", "info"]},
            repeatable=True,
        ),
    ),
    replies=(
        Reply(
            200,
            "Connector names, or with `expand` a map of name to the requested expansions.",
            list[str] | dict[str, ConnectorExpansions],
        ),
    ),
)
async def list_connectors(request: Request) -> Response:
    herder = herder_of(request)
    names = await herder.connectors()
    expansions = request.query_params.getlist("expand")
    if "expand" not in request.query_params:
        return json_response(names)
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        try:
            expanded: dict[str, Any] = {}
            for expansion in expansions:
                if expansion == "status":
                    expanded["status"] = await herder.connector_status(name)
                elif expansion == "info":
                    expanded["info"] = await herder.connector_info(name)
                else:
                    log.info("Ignoring unknown expansion type `%s`.", expansion)
            out[name] = expanded
        except NotFoundError:
            # Deleted while the list was being built: Connect leaves it out.
            log.debug("Unable to get connector info for `%s` on this worker.", name)
    return json_response(out)


@group.route(
    "POST",
    "/connectors",
    summary="Create a new connector",
    params=(FORWARD,),
    body=CreateConnectorRequest,
    replies=(
        Reply(201, "Created; `Location` names the new connector.", ConnectorInfo),
        INVALID,
        error_reply(409, "A connector of that name already exists."),
        SERVER_ERROR,
    ),
)
async def create_connector(request: Request) -> Response:
    name, config, initial_state = parse_create_request(await request.body())
    check_and_put_name(name, config)
    info = await herder_of(request).create_connector(name, config, initial_state)
    return json_response(info, 201, {"Location": _location(request, name)})


@group.route(
    "GET",
    "/connectors/{connector}",
    summary="Get the details for the specified connector",
    params=(CONNECTOR,),
    replies=(Reply(200, "The connector.", ConnectorInfo), NOT_FOUND),
)
async def get_connector(request: Request) -> Response:
    return json_response(await herder_of(request).connector_info(_connector(request)))


@group.route(
    "GET",
    "/connectors/{connector}/config",
    summary="Get the configuration for the specified connector",
    description="Config provider placeholders are returned unresolved.",
    params=(CONNECTOR,),
    replies=(Reply(200, "The configuration as submitted.", dict[str, str]), NOT_FOUND),
)
async def get_connector_config(request: Request) -> Response:
    return json_response(await herder_of(request).connector_config(_connector(request)))


@group.route(
    "PUT",
    "/connectors/{connector}/config",
    summary="Create or reconfigure the specified connector",
    params=(CONNECTOR, FORWARD),
    body=StringMap,
    replies=(
        Reply(200, "Reconfigured.", ConnectorInfo),
        Reply(201, "Created; `Location` names the new connector.", ConnectorInfo),
        INVALID,
        SERVER_ERROR,
    ),
)
async def put_connector_config(request: Request) -> Response:
    name = _connector(request)
    config = parse_config_map(await request.body())
    check_and_put_name(name, config)
    created, info = await herder_of(request).put_connector_config(name, config)
    if created:
        return json_response(info, 201, {"Location": _location(request, name)})
    return json_response(info)


@group.route(
    "PATCH",
    "/connectors/{connector}/config",
    summary="Patch the configuration for the specified connector",
    description="A JSON null value removes the key. Never creates a connector.",
    params=(CONNECTOR, FORWARD),
    body=StringMap,
    replies=(Reply(200, "Reconfigured.", ConnectorInfo), INVALID, NOT_FOUND, SERVER_ERROR),
)
async def patch_connector_config(request: Request) -> Response:
    patch = parse_config_map(await request.body())
    info = await herder_of(request).patch_connector_config(_connector(request), patch)
    return json_response(info)


@group.route(
    "GET",
    "/connectors/{connector}/status",
    summary="Get the status for the specified connector",
    params=(CONNECTOR,),
    replies=(Reply(200, "Connector and task states.", ConnectorStateInfo), NOT_FOUND),
)
async def get_connector_status(request: Request) -> Response:
    return json_response(await herder_of(request).connector_status(_connector(request)))


@group.route(
    "GET",
    "/connectors/{connector}/tasks",
    summary="List all tasks and their configurations for the specified connector",
    params=(CONNECTOR, FORWARD),
    replies=(Reply(200, "The tasks.", list[TaskInfo]), NOT_FOUND),
)
async def get_task_configs(request: Request) -> Response:
    return json_response(await herder_of(request).task_infos(_connector(request)))


@group.route(
    "GET",
    "/connectors/{connector}/tasks/{task:int}/status",
    summary="Get the state of the specified task for the specified connector",
    params=(CONNECTOR, TASK),
    replies=(Reply(200, "The task state.", TaskState), NOT_FOUND),
)
async def get_task_status(request: Request) -> Response:
    herder = herder_of(request)
    return json_response(await herder.task_status(_connector(request), _task(request)))


@group.route(
    "POST",
    "/connectors/{connector}/tasks/{task:int}/restart",
    summary="Restart the specified task for the specified connector",
    params=(CONNECTOR, TASK, FORWARD),
    replies=(Reply(204, "Restarted."), NOT_FOUND, SERVER_ERROR),
)
async def restart_task(request: Request) -> Response:
    await herder_of(request).restart_task(_connector(request), _task(request))
    return empty_response(204)


@group.route(
    "POST",
    "/connectors/{connector}/restart",
    summary="Restart the specified connector, and optionally its tasks",
    params=(
        CONNECTOR,
        Param("includeTasks", "query", "Whether to also restart tasks.", {"type": "boolean"}),
        Param(
            "onlyFailed",
            "query",
            "Whether to only restart failed tasks/connectors.",
            {"type": "boolean"},
        ),
        FORWARD,
    ),
    replies=(
        Reply(202, "Restart requested; instances to restart are shown RESTARTING.", ConnectorStateInfo),
        Reply(204, "Both flags false: the connector instance was restarted."),
        NOT_FOUND,
    ),
)
async def restart_connector(request: Request) -> Response:
    status = await herder_of(request).restart_connector(
        _connector(request),
        include_tasks=query_flag(request, "includeTasks", False),
        only_failed=query_flag(request, "onlyFailed", False),
    )
    if status is None:
        return empty_response(204)
    return json_response(status, 202)


@group.route(
    "PUT",
    "/connectors/{connector}/pause",
    summary="Pause the specified connector",
    description="Idempotent; the connector and its tasks stay instantiated but stop processing.",
    params=(CONNECTOR,),
    replies=(Reply(202, "Pause requested."), NOT_FOUND),
)
async def pause_connector(request: Request) -> Response:
    await herder_of(request).pause_connector(_connector(request))
    return empty_response(202)


@group.route(
    "PUT",
    "/connectors/{connector}/resume",
    summary="Resume the specified connector",
    description="Idempotent; also resumes a STOPPED connector.",
    params=(CONNECTOR,),
    replies=(Reply(202, "Resume requested."), NOT_FOUND),
)
async def resume_connector(request: Request) -> Response:
    await herder_of(request).resume_connector(_connector(request))
    return empty_response(202)


@group.route(
    "PUT",
    "/connectors/{connector}/stop",
    summary="Stop the specified connector",
    description="Idempotent; a stopped connector has no tasks and its offsets can be modified.",
    params=(CONNECTOR, FORWARD),
    replies=(Reply(204, "Stopped."), NOT_FOUND),
)
async def stop_connector(request: Request) -> Response:
    await herder_of(request).stop_connector(_connector(request))
    return empty_response(204)


@group.route(
    "DELETE",
    "/connectors/{connector}",
    summary="Delete the specified connector",
    params=(CONNECTOR, FORWARD),
    replies=(Reply(204, "Deleted."), NOT_FOUND),
)
async def destroy_connector(request: Request) -> Response:
    await herder_of(request).delete_connector(_connector(request))
    return empty_response(204)


@group.route(
    "GET",
    "/connectors/{connector}/topics",
    summary="Get the list of topics actively used by the specified connector",
    params=(CONNECTOR,),
    replies=(
        Reply(200, '`{connector: {"topics": [...]}}`.', dict[str, dict[str, list[str]]]),
        error_reply(403, "Topic tracking is disabled."),
    ),
)
async def get_connector_active_topics(request: Request) -> Response:
    name = _connector(request)
    topics = await herder_of(request).connector_topics(name)
    return json_response({name: {"topics": topics}})


@group.route(
    "PUT",
    "/connectors/{connector}/topics/reset",
    summary="Reset the list of topics actively used by the specified connector",
    params=(CONNECTOR,),
    replies=(
        Reply(202, "Reset."),
        error_reply(403, "Topic tracking (or its reset) is disabled."),
    ),
)
async def reset_connector_active_topics(request: Request) -> Response:
    await herder_of(request).reset_connector_topics(_connector(request))
    return empty_response(202)


@group.route(
    "GET",
    "/connectors/{connector}/offsets",
    summary="Get the current offsets for the specified connector",
    params=(CONNECTOR,),
    replies=(Reply(200, "The offsets.", ConnectorOffsets), NOT_FOUND),
)
async def get_offsets(request: Request) -> Response:
    offsets = await herder_of(request).connector_offsets(_connector(request))
    return json_response(ConnectorOffsets(offsets))


@group.route(
    "PATCH",
    "/connectors/{connector}/offsets",
    summary="Alter the offsets for the specified connector",
    description="The connector must be STOPPED. A null `offset` resets that partition.",
    params=(CONNECTOR, FORWARD),
    body=ConnectorOffsets,
    replies=(
        Reply(200, "Altered.", Message),
        error_reply(400, "Empty offsets, malformed sink offsets, or the connector is not STOPPED."),
        NOT_FOUND,
        SERVER_ERROR,
    ),
)
async def alter_connector_offsets(request: Request) -> Response:
    offsets = parse_connector_offsets(await request.body())
    message = await herder_of(request).alter_connector_offsets(_connector(request), offsets)
    return json_response(Message(message))


@group.route(
    "DELETE",
    "/connectors/{connector}/offsets",
    summary="Reset the offsets for the specified connector",
    description="The connector must be STOPPED.",
    params=(CONNECTOR, FORWARD),
    replies=(
        Reply(200, "Reset.", Message),
        error_reply(400, "The connector is not STOPPED."),
        NOT_FOUND,
    ),
)
async def reset_connector_offsets(request: Request) -> Response:
    message = await herder_of(request).reset_connector_offsets(_connector(request))
    return json_response(Message(message))
