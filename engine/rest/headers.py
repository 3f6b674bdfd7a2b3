"""`response.http.headers.config`: headers added to every REST response (Jetty's `HeaderFilter`).

Rules are comma-separated `<action> <Name>:<Value>`, action one of `set`, `add`, `setDate`,
`addDate` (the date actions take milliseconds from now and send an HTTP date). Validation texts
are Connect's (`RestServerConfig.validateHttpResponseHeaderConfig`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.utils import formatdate

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import ConfigError

__all__ = ["HeaderRule", "ResponseHeaders", "parse_header_rules"]

HEADER_ACTIONS = ["set", "add", "setDate", "addDate"]
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class HeaderRule:
    action: str
    name: str
    value: str


def _split_rules(config: str) -> list[str]:
    # Commas inside double quotes belong to the value (Jetty's QuotedCSV).
    return [rule.strip() for rule in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', config) if rule.strip()]


def _parse_rule(config: str) -> HeaderRule:
    tokens = config.strip().split(None, 1)
    if len(tokens) != 2:
        raise ConfigError(
            f"Invalid format of header config '{config}'. Expected: '[action] [header name]:[header value]'"
        )
    action = next((known for known in HEADER_ACTIONS if known.lower() == tokens[0].lower()), None)
    if action is None:
        raise ConfigError(
            f"Invalid header config action: '{tokens[0]}'. Expected one of [{', '.join(HEADER_ACTIONS)}]"
        )
    pair = tokens[1].strip().split(":")
    if len(pair) != 2:
        raise ConfigError(
            f"Invalid format of header name and header value pair '{tokens[1]}'. "
            "Expected: '[header name]:[header value]'"
        )
    name = pair[0].strip()
    if not name or _WHITESPACE.search(name):
        raise ConfigError(f"Invalid header name '{name}'. The '[header name]' cannot contain whitespace")
    value = pair[1].strip().strip('"')
    if action.endswith("Date") and not re.fullmatch(r"-?\d+", value):
        raise ConfigError(f"Invalid header config '{config}': {action} takes milliseconds.")
    return HeaderRule(action, name, value)


def parse_header_rules(config: str) -> list[HeaderRule]:
    """Parses the worker setting; an empty setting gives no rules."""
    return [_parse_rule(rule) for rule in _split_rules(config)]


class ResponseHeaders:
    """ASGI middleware applying the rules to every response."""

    def __init__(self, app: ASGIApp, rules: list[HeaderRule]) -> None:
        self.app = app
        self.rules = rules

    def _apply(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        for rule in self.rules:
            name = rule.name.lower().encode("latin-1")
            value = rule.value
            if rule.action.endswith("Date"):
                value = formatdate(time.time() + int(value) / 1000, usegmt=True)
            if rule.action.startswith("set"):
                headers = [header for header in headers if header[0].lower() != name]
            headers.append((name, value.encode("latin-1")))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": self._apply(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, send_with_headers)
