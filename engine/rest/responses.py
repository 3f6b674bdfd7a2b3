"""JSON responses of the REST API, including Connect's error body.

Every body is encoded with msgspec (entities are `msgspec.Struct`s); every error, whatever raised
it, answers `{"error_code": N, "message": "..."}` as Connect's `ConnectExceptionMapper` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.responses import Response

__all__ = ["ErrorMessage", "empty_response", "error_response", "json_response"]

JSON_MEDIA_TYPE = "application/json"


class ErrorMessage(msgspec.Struct, frozen=True):
    """Connect's `ErrorMessage`: the body of every error answer."""

    error_code: int
    message: str | None


def json_response(content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        msgspec.json.encode(content),
        status_code=status_code,
        headers=headers,
        media_type=JSON_MEDIA_TYPE,
    )


def empty_response(status_code: int) -> Response:
    """A bodiless answer (202 on pause/resume, 204 on delete/stop/restart)."""
    return Response(status_code=status_code)


def error_response(
    status_code: int, message: str | None, headers: Mapping[str, str] | None = None
) -> Response:
    return json_response(ErrorMessage(status_code, message), status_code, headers)
