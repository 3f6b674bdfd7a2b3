"""`serve`: binding, serving in a loop, stopping, and the cross-cutting options of `create_app`."""

from __future__ import annotations

import asyncio
import socket
import urllib.request

import pytest

from engine.errors import ConfigError, ConnectError
from engine.rest import create_app, serve


def test_serve_binds_serves_and_stops(herder: object) -> None:
    app = create_app(
        herder,  # type: ignore[arg-type]  # FakeHerder matches the protocol structurally
        allowed_origins="http://ui.example",
        response_headers="set X-Frame-Options:DENY",
    )
    server = serve(app, ["http://127.0.0.1:0", "http://localhost:0"])
    port = server.ports[0]
    assert port > 0 and len(server.ports) == 2

    def get() -> tuple[int, dict[str, str]]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Origin": "http://ui.example"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items())

    async def main() -> tuple[int, dict[str, str]]:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        result = await asyncio.to_thread(get)
        server.should_exit = True
        await asyncio.wait_for(task, 5)
        return result

    status, headers = asyncio.run(main())
    assert status == 200
    assert headers["x-frame-options"] == "DENY"
    assert headers["access-control-allow-origin"] == "http://ui.example"
    assert "server" not in {key.lower() for key in headers}
    # The listening sockets are released after serving. SO_REUSEADDR: the served connection may
    # leave the port in TIME_WAIT, which is not a listener; Linux still refuses the bind while
    # anything listens on the port.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_serve_reports_taken_port_and_https(herder: object) -> None:
    app = create_app(herder)  # type: ignore[arg-type]  # FakeHerder matches the protocol structurally
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConnectError, match=f"Unable to bind REST listener 127.0.0.1:{port}"):
            serve(app, [f"http://127.0.0.1:{port}"])
    with pytest.raises(ConfigError, match="https"):
        serve(app, ["https://:8443"])


def test_bad_response_headers_config_is_a_config_error(herder: object) -> None:
    with pytest.raises(ConfigError, match="Invalid header config action"):
        create_app(herder, response_headers="put X:1")  # type: ignore[arg-type]  # FakeHerder matches the protocol structurally
