"""`GET /`, `GET /health` and `GET /openapi.json` (Connect's `RootResource`, plus the API doc)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine.herder.base import Herder
from engine.herder.entities import ServerInfo, WorkerStatus
from engine.rest.endpoints import EndpointGroup, Reply
from engine.rest.responses import json_response

__all__ = ["HEALTHY", "group"]

group = EndpointGroup("Worker")

# Connect compat: WorkerStatus.healthy/starting/unhealthy.
HEALTHY = WorkerStatus("healthy", "Worker has completed startup and is ready to handle requests.")
STARTING = WorkerStatus("starting", "Worker is still starting up.")
UNHEALTHY = WorkerStatus(
    "unhealthy",
    "Worker was unable to handle this request and may be unable to handle other requests.",
)


def herder_of(request: Request) -> Herder:
    herder: Herder = request.app.state.herder
    return herder


@group.route(
    "GET",
    "/",
    summary="Get details about this Connect worker and the ID of the Kafka cluster it is connected to",
    replies=(Reply(200, "Worker version, commit and Kafka cluster id.", ServerInfo),),
)
async def server_info(request: Request) -> Response:
    return json_response(await herder_of(request).server_info())


@group.route(
    "GET",
    "/health",
    summary="Health check endpoint to verify worker readiness and liveness",
    replies=(
        Reply(200, "The worker has started and its herder answers.", WorkerStatus),
        Reply(500, "The herder did not answer within the health-check timeout.", WorkerStatus),
        Reply(503, "The worker is still starting up.", WorkerStatus),
    ),
)
async def health(request: Request) -> Response:
    herder = herder_of(request)
    if not herder.ready():
        return json_response(STARTING, 503)
    try:
        healthy = await asyncio.wait_for(herder.healthy(), request.app.state.health_timeout_s)
    except TimeoutError:
        healthy = False
    if not healthy:
        return json_response(UNHEALTHY, 500)
    return json_response(HEALTHY)


@group.route(
    "GET",
    "/openapi.json",
    summary="Get the OpenAPI 3.1 description of this REST API",
    replies=(Reply(200, "The OpenAPI document.", dict[str, Any]),),
)
async def openapi(request: Request) -> Response:
    return Response(request.app.state.openapi, media_type="application/json")
