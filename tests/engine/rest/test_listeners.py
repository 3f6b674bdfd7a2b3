"""Listener parsing and the advertised URL / worker id."""

from __future__ import annotations

import pytest

from engine.errors import ConfigError
from engine.rest.listeners import Listener, advertised_url, parse_listener, parse_listeners, worker_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://:8083", Listener("http", "", 8083)),
        ("http://0.0.0.0:8083", Listener("http", "0.0.0.0", 8083)),
        ("HTTP://localhost:8083", Listener("http", "localhost", 8083)),
        ("http://[::1]:0", Listener("http", "::1", 0)),
    ],
)
def test_parse_listener(text: str, expected: Listener) -> None:
    assert parse_listener(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("localhost:8083", "Listener doesn't have the right format (protocol://hostname:port)."),
        ("http://localhost", "Listener doesn't have the right format (protocol://hostname:port)."),
        ("ftp://:21", 'Listener protocol must be either "http" or "https".'),
        ("https://:8443", "uses https, which this worker does not serve"),
        ("http://:70000", "invalid port 70000"),
    ],
)
def test_parse_listener_errors(text: str, message: str) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        parse_listener(text)


def test_parse_listeners_needs_one() -> None:
    with pytest.raises(ConfigError, match="at least one URL is expected"):
        parse_listeners([])
    with pytest.raises(ConfigError, match="Empty URL found"):
        parse_listeners(["http://:1", " "])


def test_advertised_url_rules() -> None:
    assert advertised_url(["http://localhost:8083"]) == "http://localhost:8083/"
    assert advertised_url(["http://0.0.0.0:8083"]) == "http://0.0.0.0:8083/"
    assert advertised_url(["http://localhost:8083"], advertised_host_name="w1") == "http://w1:8083/"
    assert advertised_url(["http://localhost:8083"], advertised_port=9000) == "http://localhost:9000/"
    assert advertised_url(["http://localhost:0"], bound_port=4321) == "http://localhost:4321/"
    assert advertised_url(["http://[::1]:8083"]) == "http://[::1]:8083/"
    # No host in the listener: the machine's address, as Jetty's Server.getURI.
    url = advertised_url(["http://:8083"])
    assert url.startswith("http://") and url.endswith(":8083/") and "http://:" not in url


def test_worker_id() -> None:
    assert worker_id("http://w1:8083/") == "w1:8083"
    assert worker_id(advertised_url(["http://localhost:8083"])) == "localhost:8083"
