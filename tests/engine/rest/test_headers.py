"""`response.http.headers.config` parsing and application."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.errors import ConfigError
from engine.rest.headers import HeaderRule, ResponseHeaders, parse_header_rules


def test_parse_rules() -> None:
    rules = parse_header_rules(
        'set X-Frame-Options:DENY, add Cache-Control:"no-cache, no-store", SetDate Expires:1000'
    )
    assert rules == [
        HeaderRule("set", "X-Frame-Options", "DENY"),
        HeaderRule("add", "Cache-Control", "no-cache, no-store"),
        HeaderRule("setDate", "Expires", "1000"),
    ]
    assert parse_header_rules("  ") == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("set", "Invalid format of header config 'set'. Expected: '[action] [header name]:[header value]'"),
        ("put X:1", "Invalid header config action: 'put'. Expected one of [set, add, setDate, addDate]"),
        ("set X", "Invalid format of header name and header value pair 'X'."),
        ("set X Y:1", "Invalid header name 'X Y'. The '[header name]' cannot contain whitespace"),
        ("setDate X:soon", "setDate takes milliseconds"),
    ],
)
def test_parse_errors(config: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_header_rules(config)
    assert message in str(info.value)


def test_middleware_sets_and_adds() -> None:
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"SAMEORIGIN")]}
        )

    async def send(message: Any) -> None:
        sent.append(message)

    middleware = ResponseHeaders(
        app, parse_header_rules("set X-Frame-Options:DENY,add X-A:1,add X-A:2,setDate D:0")
    )
    asyncio.run(middleware({"type": "http"}, None, send))  # type: ignore[arg-type]  # a minimal ASGI call
    headers = sent[0]["headers"]
    assert (b"x-frame-options", b"DENY") in headers
    assert (b"x-frame-options", b"SAMEORIGIN") not in headers
    assert [v for k, v in headers if k == b"x-a"] == [b"1", b"2"]
    assert next(v for k, v in headers if k == b"d").endswith(b"GMT")
