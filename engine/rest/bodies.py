"""Request bodies, read as Connect's Jackson reads them.

Connect binds bodies with Jackson and lets its parse errors reach the generic exception mapper, so
a malformed body, an unknown field or a wrong JSON type answers **500** with Jackson's text
(reference §1.1; `OffsetsApiIntegrationTest` checks `Unrecognized field` and `Cannot deserialize
value`). The messages here follow Jackson's wording and name the same Java types, so clients that
match on them keep working. Jackson also coerces JSON scalars into `String` fields (`1` → "1",
`true` → "true", keeping the number's text as written) and ignores anything after the first value;
both are reproduced.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from engine.errors import BadRequestError, ConnectError
from engine.herder.entities import ConnectorOffset

__all__ = [
    "CreateConnectorRequest",
    "RequestBodyError",
    "parse_config_map",
    "parse_connector_offsets",
    "parse_create_request",
    "parse_initial_state",
]

_ENTITIES = "org.apache.kafka.connect.runtime.rest.entities"
CREATE_REQUEST_CLASS = f"{_ENTITIES}.CreateConnectorRequest"
INITIAL_STATE_CLASS = f"{_ENTITIES}.CreateConnectorRequest$InitialState"
OFFSETS_CLASS = f"{_ENTITIES}.ConnectorOffsets"
OFFSET_CLASS = f"{_ENTITIES}.ConnectorOffset"
STRING_MAP_TYPE = "java.util.LinkedHashMap<java.lang.String,java.lang.String>"
OBJECT_MAP_TYPE = "java.util.LinkedHashMap<java.lang.String,java.lang.Object>"
OFFSET_LIST_TYPE = f"java.util.ArrayList<{OFFSET_CLASS}>"

_LOCATION = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
_BYTE_POSITION = re.compile(r"\(byte (\d+)\)")

# Connect compat: CreateConnectorRequest.InitialState.toTargetState.
_INITIAL_STATES = {"RUNNING": "STARTED", "PAUSED": "PAUSED", "STOPPED": "STOPPED"}


class RequestBodyError(ConnectError):
    """A body Jackson would refuse; REST answers 500 as Connect does."""


class CreateConnectorRequest(msgspec.Struct, frozen=True):
    """`POST /connectors` body (documentation only: parsing is done by `parse_create_request`)."""

    name: str
    config: dict[str, str | None]
    initial_state: str | None = None


def _location(text: str, position: int) -> str:
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return f"{_LOCATION}line: {line}, column: {column}]"


def _document(body: bytes) -> bytes:
    """The bytes of the body's first JSON value; raises Jackson's syntax errors."""
    if not body.strip():
        raise RequestBodyError("No content to map due to end-of-input")
    try:
        msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        message = str(exc)
        match = _BYTE_POSITION.search(message)
        if match is None:
            # msgspec says "Input data was truncated": Jackson hits the end of input.
            text = body.decode("utf-8", "replace")
            raise RequestBodyError(
                "Unexpected end-of-input: expected close marker or value" + _location(text, len(text))
            ) from None
        position = int(match.group(1))
        if "trailing characters" in message:
            # Connect compat: Jackson's FAIL_ON_TRAILING_TOKENS is off; the rest is ignored.
            # (msgspec reports the byte after the first trailing one.)
            return _document(body[: max(position - 1, 0)])
        text = body[:position].decode("utf-8", "replace")
        char = body[position : position + 1].decode("utf-8", "replace") or " "
        raise RequestBodyError(
            f"Unexpected character ('{char}' (code {ord(char)})): expected a valid value "
            "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            + _location(text, len(text))
        ) from None
    return body


def _token(value: Any) -> str:
    if isinstance(value, dict):
        return "Object value (token `JsonToken.START_OBJECT`)"
    if isinstance(value, list):
        return "Array value (token `JsonToken.START_ARRAY`)"
    if isinstance(value, str):
        return "String value (token `JsonToken.VALUE_STRING`)"
    if isinstance(value, bool):
        return f"Boolean value (token `JsonToken.VALUE_{str(value).upper()}`)"
    if isinstance(value, int):
        return "Integer value (token `JsonToken.VALUE_NUMBER_INT`)"
    return "Floating-point value (token `JsonToken.VALUE_NUMBER_FLOAT`)"


def _chain(path: list[str]) -> str:
    return f" (through reference chain: {'->'.join(path)})" if path else ""


def _mismatch(java_type: str, value: Any, path: list[str]) -> RequestBodyError:
    return RequestBodyError(
        f"Cannot deserialize value of type `{java_type}` from {_token(value)}{_chain(path)}"
    )


def _unrecognized(field: str, java_class: str, known: list[str], path: list[str]) -> RequestBodyError:
    names = ", ".join(f'"{name}"' for name in known)
    return RequestBodyError(
        f'Unrecognized field "{field}" (class {java_class}), not marked as ignorable '
        f"({len(known)} known properties: {names}])" + _chain([*path, f'{java_class}["{field}"]'])
    )


def _string(raw: bytes, path: list[str]) -> str | None:
    """A JSON value bound to a Java `String`: scalars are coerced with their text kept."""
    first = raw[:1]
    if first == b'"':
        return msgspec.json.decode(raw, type=str)
    if first == b"n":
        return None
    if first in (b"{", b"["):
        raise _mismatch("java.lang.String", msgspec.json.decode(raw), path)
    return raw.decode()


def _raw_object(document: bytes) -> dict[str, bytes]:
    return {
        key: bytes(raw) for key, raw in msgspec.json.decode(document, type=dict[str, msgspec.Raw]).items()
    }


def _string_map(document: bytes, path: list[str]) -> dict[str, str | None]:
    value = msgspec.json.decode(document)
    if not isinstance(value, dict):
        raise _mismatch(STRING_MAP_TYPE, value, path)
    return {
        key: _string(raw, [*path, f'java.util.LinkedHashMap["{key}"]'])
        for key, raw in _raw_object(document).items()
    }


def parse_config_map(body: bytes) -> dict[str, str | None]:
    """A flat `Map<String, String>` body (PUT/PATCH config, validate, logger level).

    A JSON `null` value is kept as None: the herder reports it as Connect does.
    """
    document = _document(body)
    if document.strip() == b"null":
        raise RequestBodyError("Request body must be a JSON object, not null")
    return _string_map(document, [])


def parse_initial_state(value: str | None) -> str | None:
    """`initial_state` (case-insensitive) → the target state, None when absent."""
    if value is None:
        return None
    state = _INITIAL_STATES.get(value.upper())
    if state is None:
        # Connect compat: InitialState.forValue → Enum.valueOf's IllegalArgumentException,
        # wrapped by Jackson as a ValueInstantiationException (500).
        raise RequestBodyError(
            f"Cannot construct instance of `{INITIAL_STATE_CLASS}`, problem: No enum constant "
            f"{INITIAL_STATE_CLASS.replace('$', '.')}.{value.upper()}"
            + _chain([f'{CREATE_REQUEST_CLASS}["initial_state"]'])
        )
    return state


def parse_create_request(body: bytes) -> tuple[str, dict[str, str | None], str | None]:
    """`POST /connectors` body → (trimmed name, config, target state or None)."""
    document = _document(body)
    value = msgspec.json.decode(document)
    if value is None:
        raise RequestBodyError("Request body must be a JSON object, not null")
    if not isinstance(value, dict):
        raise _mismatch(CREATE_REQUEST_CLASS, value, [])
    known = ["name", "config", "initial_state"]
    fields = _raw_object(document)
    for field in fields:
        if field not in known:
            raise _unrecognized(field, CREATE_REQUEST_CLASS, known, [])
    name = None
    if "name" in fields:
        name = _string(fields["name"], [f'{CREATE_REQUEST_CLASS}["name"]'])
    config_raw = fields.get("config", b"null")
    if config_raw == b"null":
        # Connect answers 500 (a NullPointerException) when `config` is missing or null.
        raise RequestBodyError("Connector config is missing from the request body (`config`)")
    config = _string_map(config_raw, [f'{CREATE_REQUEST_CLASS}["config"]'])
    state_value = None
    if "initial_state" in fields:
        raw_state = fields["initial_state"]
        if raw_state[:1] in (b"{", b"["):
            raise _mismatch(
                INITIAL_STATE_CLASS,
                msgspec.json.decode(raw_state),
                [f'{CREATE_REQUEST_CLASS}["initial_state"]'],
            )
        state_value = _string(raw_state, [])
    # Connect compat: ConnectorsResource.createConnector trims the name; absent means "".
    return ("" if name is None else name.strip()), config, parse_initial_state(state_value)


def parse_connector_offsets(body: bytes) -> list[ConnectorOffset]:
    """`PATCH /connectors/{c}/offsets` body (`ConnectorOffsets`).

    Raises:
        RequestBodyError: Jackson would refuse the body (500).
        BadRequestError: `offsets` is missing or empty (Connect's 400 text).
    """
    document = _document(body)
    value = msgspec.json.decode(document)
    if not isinstance(value, dict):
        if value is None:
            raise RequestBodyError("Request body must be a JSON object, not null")
        raise _mismatch(OFFSETS_CLASS, value, [])
    for field in value:
        if field != "offsets":
            raise _unrecognized(field, OFFSETS_CLASS, ["offsets"], [])
    items = value.get("offsets")
    if items is not None and not isinstance(items, list):
        raise _mismatch(OFFSET_LIST_TYPE, items, [f'{OFFSETS_CLASS}["offsets"]'])
    if not items:
        raise BadRequestError("Partitions / offsets need to be provided for an alter offsets request")
    return [_connector_offset(index, item) for index, item in enumerate(items)]


def _connector_offset(index: int, item: Any) -> ConnectorOffset:
    path = [f'{OFFSETS_CLASS}["offsets"]', f"java.util.ArrayList[{index}]"]
    if not isinstance(item, dict):
        raise _mismatch(OFFSET_CLASS, item, path)
    for field in item:
        if field not in ("partition", "offset"):
            raise _unrecognized(field, OFFSET_CLASS, ["partition", "offset"], path)
    partition = item.get("partition")
    offset = item.get("offset")
    for name, part in (("partition", partition), ("offset", offset)):
        if part is not None and not isinstance(part, dict):
            raise _mismatch(OBJECT_MAP_TYPE, part, [*path, f'{OFFSET_CLASS}["{name}"]'])
    if partition is None:
        raise BadRequestError("The partition of a connector offset may not be null")
    return ConnectorOffset(partition=partition, offset=offset)
