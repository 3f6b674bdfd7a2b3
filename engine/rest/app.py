"""The starlette application of the Connect REST API.

Routes come from the endpoint groups (`root`, `connectors`, `plugins`, and `admin` unless the
admin endpoints are disabled); unknown paths answer 404 and wrong methods 405 with Connect's error
body; a trailing slash is ignored as Jersey does.
"""

from __future__ import annotations

from collections import defaultdict
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as metadata_version

import msgspec
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.herder.base import Herder
from engine.logger_levels import Loggers
from engine.rest import admin, connectors, plugins, root
from engine.rest.endpoints import Endpoint, EndpointGroup, run_handler
from engine.rest.headers import ResponseHeaders, parse_header_rules
from engine.rest.openapi import document
from engine.rest.responses import error_response

__all__ = ["API_TITLE", "create_app", "endpoint_groups"]

API_TITLE = "Kafka Connect REST API (kconnect)"

# Connect compat: ConnectorsResource.REQUEST_TIMEOUT_MS and RestServer's health-check timeout.
REQUEST_TIMEOUT_S = 90.0
HEALTH_CHECK_TIMEOUT_S = 10.0

# Jetty CrossOriginFilter defaults, used when only the allowed origins are configured.
CORS_DEFAULT_METHODS = ["GET", "POST", "HEAD"]
CORS_DEFAULT_HEADERS = ["X-Requested-With", "Content-Type", "Accept", "Origin"]


def endpoint_groups(*, admin_enabled: bool = True) -> list[EndpointGroup]:
    groups = [root.group, connectors.group, plugins.group]
    if admin_enabled:
        groups.append(admin.group)
    return groups


class _StripTrailingSlash:
    """`/connectors/` routes as `/connectors`, as Jersey matches it (no redirect)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # registered for HTTPException only
    # Connect compat: Jersey's WebApplicationException messages (`HTTP 404 Not Found`).
    phrase = HTTPStatus(exc.status_code).phrase
    return error_response(exc.status_code, f"HTTP {exc.status_code} {phrase}", exc.headers)


def _route(path: str, endpoints: list[Endpoint], timeout_s: float) -> Route:
    by_method = {endpoint.method: endpoint for endpoint in endpoints}

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await run_handler(by_method[method], request, timeout_s)

    dispatch.__name__ = endpoints[0].handler.__name__
    return Route(path, dispatch, methods=list(by_method))


def create_app(
    herder: Herder,
    *,
    admin_enabled: bool = True,
    loggers: Loggers | None = None,
    request_timeout_s: float = REQUEST_TIMEOUT_S,
    health_timeout_s: float = HEALTH_CHECK_TIMEOUT_S,
    allowed_origins: str = "",
    allowed_methods: str = "",
    response_headers: str = "",
    version: str = "",
) -> Starlette:
    """Builds the REST application over `herder`.

    Args:
        herder: what the endpoints ask.
        admin_enabled: serve `/admin/loggers` (Connect disables them with `admin.listeners=`).
        loggers: the logger-level model (a fresh one by default).
        request_timeout_s: how long a request may wait for the herder (500 `Request timed out`).
        health_timeout_s: how long `GET /health` waits for the herder.
        allowed_origins: `access.control.allow.origin` (CORS; empty disables it).
        allowed_methods: `access.control.allow.methods`.
        response_headers: `response.http.headers.config`.
        version: the API version shown in the OpenAPI document.

    Raises:
        ConfigError: `response_headers` is malformed (Connect's texts).
    """
    groups = endpoint_groups(admin_enabled=admin_enabled)
    by_path: dict[str, list[Endpoint]] = defaultdict(list)
    for group in groups:
        for endpoint in group.endpoints:
            by_path[endpoint.path].append(endpoint)
    routes = [_route(path, endpoints, request_timeout_s) for path, endpoints in by_path.items()]

    middleware = [Middleware(_StripTrailingSlash)]
    rules = parse_header_rules(response_headers)
    if rules:
        middleware.append(Middleware(ResponseHeaders, rules=rules))
    if allowed_origins.strip():
        methods = [m.strip() for m in allowed_methods.split(",") if m.strip()]
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=[o.strip() for o in allowed_origins.split(",") if o.strip()],
                allow_methods=methods or CORS_DEFAULT_METHODS,
                allow_headers=CORS_DEFAULT_HEADERS,
            )
        )

    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.herder = herder
    app.state.loggers = loggers or Loggers()
    app.state.health_timeout_s = health_timeout_s
    app.state.openapi = msgspec.json.encode(
        document(groups, title=API_TITLE, version=version or _package_version())
    )
    return app


def _package_version() -> str:
    try:
        return metadata_version("kconnect")
    except PackageNotFoundError:
        return "0.0.0"
