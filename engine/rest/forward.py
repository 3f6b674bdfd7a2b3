"""Forwarding REST requests to the worker that can complete them (distributed mode).

Connect compat: `HerderRequestHandler.completeOrForwardRequest`. A distributed herder that cannot
complete a request (it is not the leader, or does not own the instance to restart) raises
`RequestTargetError` carrying the URL of the worker that can; the endpoints themselves stay unaware
of distribution. `LeaderForwarding` wraps the whole REST application: it gives every request a slot
in a context variable, runs the application with its answer held back, and when the herder put a
target URL in the slot it sends the request there instead and passes the target's status, headers
and body back verbatim. The `forward` query parameter bounds the hops as in Connect: absent (a user's
request) → forwarded with `forward=true`; `true` → forwarded once more with `forward=false`;
`false` → 409. The caller's `Authorization` header goes along.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import ConnectError
from engine.rest.responses import error_response

__all__ = [
    "CONFLICT_MESSAGE",
    "NO_LEADER_MESSAGE",
    "LeaderForwarding",
    "RequestTargetError",
    "request_target",
]

log = logging.getLogger("engine.rest")

FORWARD_PARAM = "forward"
# Connect compat: HerderRequestHandler's messages.
CONFLICT_MESSAGE = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
NO_LEADER_MESSAGE = (
    "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
)
# Hop-by-hop headers and the ones httpx sets itself are not copied to the forwarded answer.
_DROPPED_RESPONSE_HEADERS = {
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "date",
    "server",
}
_COPIED_REQUEST_HEADERS = ("authorization", "content-type", "accept")


class RequestTargetError(ConnectError):
    """The request must be completed by the worker at `url` (None: no leader known right now).

    Raised by the distributed herder (Connect's `NotLeaderException`/`NotAssignedException`). Outside
    `LeaderForwarding` it answers 409 as Connect does when it cannot forward.
    """

    error_code = 409

    def __init__(self, message: str, url: str | None) -> None:
        super().__init__(message)
        self.url = url


@dataclass
class _Slot:
    target: RequestTargetError | None = None


_slot: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("engine.rest.forward", default=None)


def request_target(error: RequestTargetError) -> RequestTargetError:
    """Records `error` as the current REST request's target and returns it (to be raised).

    Outside a request (no `LeaderForwarding` around it) it only returns `error`.
    """
    slot = _slot.get()
    if slot is not None:
        slot.target = error
    return error


def _forward_value(query: Sequence[tuple[str, str]]) -> bool | None:
    values = [v for k, v in query if k == FORWARD_PARAM]
    if not values:
        return None
    # Connect compat: a JAX-RS Boolean query parameter; anything but `true` is false.
    return values[0].lower() == "true"


class LeaderForwarding:
    """ASGI middleware: completes requests locally or forwards them as the herder says.

    Args:
        app: the REST application.
        timeout_s: how long a forwarded request may take (Connect's request timeout).
    """

    def __init__(self, app: ASGIApp, *, timeout_s: float = 90.0) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        slot = _Slot()
        token = _slot.set(slot)
        held: list[Message] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def hold(message: Message) -> None:
            held.append(message)

        try:
            await self.app(scope, replay, hold)
        finally:
            _slot.reset(token)
        if slot.target is None:
            for message in held:
                await send(message)
            return
        response = await self._forward(scope, body, slot.target)
        await response(scope, replay, send)

    async def _forward(self, scope: Scope, body: bytes, target: RequestTargetError) -> Response:
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        forward = _forward_value(query)
        if forward is False:
            log.error(
                "Request `%s %s` failed because it could not find the target worker within two hops.",
                scope["method"],
                scope["path"],
            )
            return error_response(409, CONFLICT_MESSAGE)
        if target.url is None:
            return error_response(409, NO_LEADER_MESSAGE)
        # Connect compat: only a user's request (no flag) may be forwarded twice.
        params = [(FORWARD_PARAM, "true" if forward is None else "false")]
        params += [(k, v) for k, v in query if k != FORWARD_PARAM]
        url = f"{target.url.rstrip('/')}{scope['path']}?{urlencode(params)}"
        headers = {}
        for name, value in scope["headers"]:
            lowered = name.decode("latin-1").lower()
            if lowered in _COPIED_REQUEST_HEADERS:
                headers[lowered] = value.decode("latin-1")
        log.debug("Forwarding request `%s %s`.", scope["method"], url)
        try:
            status, reply_headers, content = await asyncio.to_thread(
                _http_request, scope["method"], url, body, headers, self.timeout_s
            )
        except OSError as exc:
            # Connect compat: RestClient's message for a transport failure.
            return error_response(500, f"IO Error trying to forward REST request: {exc}")
        passed = {k: v for k, v in reply_headers if k.lower() not in _DROPPED_RESPONSE_HEADERS}
        for key, value in passed.items():
            if key.lower() == "location" and value.startswith(target.url.rstrip("/")):
                # Connect compat: the follower builds the 201's Location itself, against its own URI.
                passed[key] = _base_url(scope) + value[len(target.url.rstrip("/")) :]
        return Response(content, status_code=status, headers=passed)


def _http_request(
    method: str, url: str, body: bytes, headers: dict[str, str], timeout_s: float
) -> tuple[int, list[tuple[str, str]], bytes]:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            return reply.status, list(reply.headers.items()), reply.read()
    except urllib.error.HTTPError as error:
        # An error status is an answer to pass back, not a transport failure.
        with error:
            return error.code, list(error.headers.items()), error.read()


def _base_url(scope: Scope) -> str:
    host = dict(scope["headers"]).get(b"host")
    if host is None:
        server = scope.get("server") or ("localhost", 80)
        return f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host.decode('latin-1')}"


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
