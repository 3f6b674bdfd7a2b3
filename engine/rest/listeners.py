"""REST listeners: parsing `listeners` and computing the advertised URL and worker id.

Mirrors Connect's `RestServer.createConnector` (the listener format and its error texts) and
`RestServer.advertisedUrl` (which listener, host and port a worker advertises). This is the only
implementation of both: `engine.worker.config.WorkerConfig` reads its listeners and advertises its
URL through it. Only `http` is served; an `https` listener is accepted in the worker config (and
advertised, as Connect would) but refused by `parse_listener` when the server binds it, with a
`ConfigError` rather than silently served in clear.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import ConfigError

__all__ = [
    "Listener",
    "advertised_url",
    "parse_listener",
    "parse_listeners",
    "read_listener",
    "read_listeners",
    "worker_id",
]

log = logging.getLogger("engine.rest")

# Connect compat: RestServer.LISTENER_PATTERN (bracketed IPv6 hosts allowed, port may be negative
# so that the int parse, not the pattern, decides).
_LISTENER_PATTERN = re.compile(r"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$")

PROTOCOL_HTTP = "http"
PROTOCOL_HTTPS = "https"


@dataclass(frozen=True)
class Listener:
    """One parsed `listeners` entry; `host` is empty when the listener binds every interface."""

    protocol: str
    host: str
    port: int

    @property
    def bind_host(self) -> str:
        """The address uvicorn binds: every interface when the listener names no host."""
        return self.host or "0.0.0.0"


def read_listener(listener: str) -> Listener:
    """Reads `protocol://host:port` (`http://:8083` binds every interface), http or https.

    Raises:
        ConfigError: the format is wrong or the protocol is neither http nor https (Connect's texts).
    """
    match = _LISTENER_PATTERN.match(listener.strip())
    if match is None:
        raise ConfigError("Listener doesn't have the right format (protocol://hostname:port).")
    protocol = match.group(1).lower()
    if protocol not in (PROTOCOL_HTTP, PROTOCOL_HTTPS):
        raise ConfigError(f'Listener protocol must be either "{PROTOCOL_HTTP}" or "{PROTOCOL_HTTPS}".')
    port = int(match.group(3))
    if not 0 <= port <= 65535:
        raise ConfigError(f"Listener {listener} has an invalid port {port}.")
    return Listener(protocol, match.group(2), port)


def read_listeners(listeners: Sequence[str]) -> list[Listener]:
    """Reads every entry; an empty list is refused as Connect's `ListenersValidator` does."""
    if not listeners:
        raise ConfigError(
            "Invalid value for listeners, at least one URL is expected, "
            "ex: http://localhost:8080,https://localhost:8443."
        )
    parsed = []
    for listener in listeners:
        if not listener.strip():
            raise ConfigError("Empty URL found when parsing listeners list.")
        parsed.append(read_listener(listener))
    return parsed


def _servable(text: str, listener: Listener) -> Listener:
    if listener.protocol == PROTOCOL_HTTPS:
        raise ConfigError(
            f"Listener {text} uses https, which this worker does not serve; "
            "use an http listener (behind a TLS-terminating proxy if needed)."
        )
    return listener


def parse_listener(listener: str) -> Listener:
    """`read_listener` for a listener this worker binds.

    Raises:
        ConfigError: as `read_listener`, or the protocol is https, which this worker does not serve.
    """
    return _servable(listener, read_listener(listener))


def parse_listeners(listeners: Sequence[str]) -> list[Listener]:
    """`read_listeners` for listeners this worker binds (https refused)."""
    return [_servable(text, item) for text, item in zip(listeners, read_listeners(listeners), strict=True)]


def _local_host_address() -> str:
    # Connect compat: Jetty's Server.getURI uses InetAddress.getLocalHost().getHostAddress() for a
    # connector without a host, so `http://:8083` advertises the machine's address.
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError as exc:
        log.warning(
            "Cannot resolve the local host name; advertising `127.0.0.1`.",
            extra={"error": str(exc)},
        )
        return "127.0.0.1"


def advertised_url(
    listeners: Sequence[str],
    *,
    advertised_host_name: str | None = None,
    advertised_port: int | None = None,
    advertised_listener: str | None = None,
    bound_port: int | None = None,
) -> str:
    """The URL other workers and clients reach this worker at (Connect's `advertisedUrl`).

    Args:
        listeners: the `listeners` worker setting.
        advertised_host_name: `rest.advertised.host.name`; wins over the listener's host.
        advertised_port: `rest.advertised.port`; wins over the listener's port.
        advertised_listener: `rest.advertised.listener` (protocol to advertise).
        bound_port: the port actually bound, used when the listener asks for port 0.
    """
    parsed = read_listeners(listeners)
    if advertised_listener:
        protocol = advertised_listener.lower()
    else:
        # Connect compat: RestServer.determineAdvertisedProtocol prefers http when any listener is.
        raw = ",".join(listeners).lower()
        protocol = PROTOCOL_HTTPS if "https://" in raw and "http://" not in raw else PROTOCOL_HTTP
    chosen = next((item for item in parsed if item.protocol == protocol), None)
    first = parsed[0]

    if advertised_host_name:
        host = advertised_host_name
    elif chosen is not None and chosen.host:
        host = chosen.host
    elif first.host:
        host = first.host
    else:
        host = _local_host_address()

    if advertised_port is not None:
        port = advertised_port
    elif chosen is not None and chosen.port > 0:
        port = chosen.port
    elif bound_port:
        port = bound_port
    else:
        port = first.port

    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{protocol}://{host}:{port}/"


def worker_id(url: str) -> str:
    """`host:port` of an advertised URL, as Connect's worker id."""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0]
