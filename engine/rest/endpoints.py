"""Endpoint declarations: each route is declared once, with what the OpenAPI document says of it.

A resource module (`root`, `connectors`, `plugins`, `loggers`) builds an `EndpointGroup` and
decorates its handlers with `group.route(...)`: method, path, summary, parameters, body and
responses. `app.create_app` turns the declarations into starlette routes and `openapi.document`
into the API description, so the two cannot drift apart.

Every handler runs under `run_handler`, which maps errors to Connect's error body: an
`engine.errors` class answers its `error_code`, a timeout answers 500 `Request timed out`, and any
other exception answers 500 with its message and a logged traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from engine.errors import ConnectError
from engine.rest.responses import ErrorMessage, error_response

__all__ = ["Endpoint", "EndpointGroup", "Handler", "Param", "Reply", "run_handler"]

log = logging.getLogger("engine.rest")

Handler = Callable[[Request], Awaitable[Response]]

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Param:
    """A path or query parameter; `schema` is its JSON schema."""

    name: str
    location: Literal["path", "query"]
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    repeatable: bool = False


@dataclass(frozen=True)
class Reply:
    """One documented answer: `body` is a type msgspec can describe, or None for no body."""

    status: int
    description: str
    body: Any = None


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    handler: Handler
    params: tuple[Param, ...] = ()
    body: Any = None
    replies: tuple[Reply, ...] = ()
    description: str = ""

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


class EndpointGroup:
    """The endpoints of one resource, in declaration order."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        replies: tuple[Reply, ...],
        params: tuple[Param, ...] = (),
        body: Any = None,
        description: str = "",
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(method, path, summary, handler, params, body, replies, description)
            )
            return handler

        return register


def error_reply(status: int, description: str) -> Reply:
    return Reply(status, description, ErrorMessage)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON_CONTENT_TYPE or (media.startswith("application/") and media.endswith("+json"))


async def run_handler(endpoint: Endpoint, request: Request, timeout_s: float) -> Response:
    """Runs a handler with Connect's request timeout and error mapping."""
    content_type = request.headers.get("content-type")
    if endpoint.body is not None and content_type is not None and not _is_json(content_type):
        # Connect compat: resources @Consumes(APPLICATION_JSON); Jersey answers 415.
        return error_response(415, "HTTP 415 Unsupported Media Type")
    try:
        return await asyncio.wait_for(endpoint.handler(request), timeout_s)
    except ConnectError as exc:
        # Expected failures carry their own message; their text may quote a submitted config,
        # so it is only logged at debug level.
        log.debug(
            "REST call to `%s %s` failed.",
            request.method,
            request.url.path,
            extra={"error_code": exc.error_code, "error": str(exc)},
        )
        return error_response(exc.error_code, str(exc))
    except TimeoutError:
        # Connect compat: ConnectorsResource/HerderRequestHandler on a 90 s herder timeout.
        return error_response(500, "Request timed out")
    except Exception as exc:
        log.error(
            "Uncaught exception in REST call to `%s %s`.",
            request.method,
            request.url.path,
            exc_info=exc,
        )
        return error_response(500, str(exc) or type(exc).__name__)
