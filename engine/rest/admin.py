"""`/admin/loggers/...`: Connect's `LoggingResource` over `engine.logger_levels.Loggers`.

`scope=cluster` answers 204 and, as Connect's standalone herder does ("this single worker is the
entire cluster"), sets the level on this worker; any other scope value is treated as `worker`.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from engine.errors import BadRequestError, NotFoundError
from engine.herder.entities import LoggerLevel
from engine.logger_levels import LOG4J_LEVELS, Loggers
from engine.rest.bodies import parse_config_map
from engine.rest.endpoints import EndpointGroup, Param, Reply, error_reply
from engine.rest.responses import empty_response, json_response

__all__ = ["group"]

log = logging.getLogger("engine.rest")

group = EndpointGroup("Admin")

LOGGER = Param("logger", "path", "The logger name (`root` for the root logger).")
WORKER_SCOPE = "worker"
CLUSTER_SCOPE = "cluster"


def loggers_of(request: Request) -> Loggers:
    loggers: Loggers = request.app.state.loggers
    return loggers


@group.route(
    "GET",
    "/admin/loggers",
    summary="List the current loggers that have their levels explicitly set and their log levels",
    replies=(Reply(200, "Logger name to level, including `root`.", dict[str, LoggerLevel]),),
)
async def list_loggers(request: Request) -> Response:
    return json_response(loggers_of(request).all_levels())


@group.route(
    "GET",
    "/admin/loggers/{logger}",
    summary="Get the log level for the specified logger",
    params=(LOGGER,),
    replies=(
        Reply(200, "The level (the effective level if not set explicitly).", LoggerLevel),
        error_reply(404, "No such logger."),
    ),
)
async def get_logger(request: Request) -> Response:
    name: str = request.path_params["logger"]
    level = loggers_of(request).level(name)
    if level is None:
        raise NotFoundError(f"Logger {name} not found.")
    return json_response(level)


@group.route(
    "PUT",
    "/admin/loggers/{logger}",
    summary="Set the log level for the specified logger",
    description="Applies to the logger and every existing logger whose name starts with it.",
    params=(
        LOGGER,
        Param(
            "scope",
            "query",
            "The scope for the logging modification (single-worker, cluster-wide, etc.)",
            {"type": "string", "enum": [WORKER_SCOPE, CLUSTER_SCOPE], "default": WORKER_SCOPE},
        ),
    ),
    body=dict[str, str],
    replies=(
        Reply(200, "Worker scope: the affected logger names, sorted.", list[str]),
        Reply(204, "Cluster scope: applied."),
        error_reply(400, "No `level` in the body."),
        error_reply(404, "Not a log4j level name (Connect answers 404 here)."),
    ),
)
async def set_level(request: Request) -> Response:
    namespace: str = request.path_params["logger"]
    level = parse_config_map(await request.body()).get("level")
    if level is None:
        raise BadRequestError("Desired 'level' parameter was not specified in request.")
    if level.upper() not in LOG4J_LEVELS:
        raise NotFoundError(f"invalid log level '{level}'.")
    scopes = request.query_params.getlist("scope")
    scope = scopes[0] if scopes else WORKER_SCOPE
    affected = loggers_of(request).set_level(namespace, level)
    if scope.lower() == CLUSTER_SCOPE:
        return empty_response(204)
    if scope.lower() != WORKER_SCOPE:
        log.warning(
            "Received invalid scope `%s` in request to adjust logging level; using `%s`.",
            scope,
            WORKER_SCOPE,
        )
    return json_response(affected)
