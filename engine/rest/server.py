"""Serving the REST application with uvicorn inside the supervisor's event loop.

`serve(app, listeners)` binds every listener at once (so a taken port fails start-up with a clear
error, and port 0 reports the port it got) and returns a `RestServer` whose `serve()` coroutine
runs until `should_exit` is set. The supervisor owns the process's signals and logging, so
uvicorn's signal capture and logging configuration are turned off; access logs are off unless
asked for.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Generator, Sequence

import uvicorn
from starlette.types import ASGIApp

from engine.errors import ConnectError
from engine.rest.listeners import Listener, parse_listeners

__all__ = ["RestServer", "serve"]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The supervisor handles SIGTERM/SIGINT itself (graceful shutdown of tasks first) and
        # stops the REST server by setting `should_exit`.
        yield


def _bind(listener: Listener) -> socket.socket:
    host = listener.bind_host
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, listener.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConnectError(f"Unable to bind REST listener {host}:{listener.port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.set_inheritable(False)
    except OSError as exc:
        sock.close()
        raise ConnectError(f"Unable to bind REST listener {host}:{listener.port}: {exc}") from exc
    return sock


class RestServer:
    """A bound, not yet serving, REST server."""

    def __init__(self, app: ASGIApp, sockets: list[socket.socket], *, access_log: bool) -> None:
        self.sockets = sockets
        config = uvicorn.Config(
            app,
            loop="uvloop",
            http="h11",
            ws="none",
            lifespan="on",
            access_log=access_log,
            log_config=None,
            server_header=False,
        )
        self._server = _Server(config)

    @property
    def ports(self) -> list[int]:
        """The bound ports, in listener order (the real port when a listener asked for 0)."""
        return [sock.getsockname()[1] for sock in self.sockets]

    @property
    def started(self) -> bool:
        return bool(self._server.started)

    @property
    def should_exit(self) -> bool:
        return bool(self._server.should_exit)

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._server.should_exit = value

    async def serve(self) -> None:
        """Serves until `should_exit` is set; closes the sockets on the way out."""
        try:
            await self._server.serve(sockets=self.sockets)
        finally:
            self.close()

    def close(self) -> None:
        """Releases the sockets of a server that will not (or no longer) serve."""
        for sock in self.sockets:
            sock.close()


def serve(app: ASGIApp, listeners: Sequence[str], *, access_log: bool = False) -> RestServer:
    """Binds `listeners` (`http://:8083`, `http://0.0.0.0:8083`, `http://localhost:8083`).

    Raises:
        ConfigError: a listener is malformed or uses https.
        ConnectError: a listener cannot be bound (port taken, unknown host).
    """
    sockets: list[socket.socket] = []
    try:
        for listener in parse_listeners(listeners):
            sockets.append(_bind(listener))
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return RestServer(app, sockets, access_log=access_log)
