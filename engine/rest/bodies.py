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


def _location(document: bytes, position: int) -> str:
    """Jackson's ` at [Source: ...; line, column]` for a byte offset (its UTF-8 parser counts bytes)."""
    line = document.count(b"\n", 0, position) + 1
    column = position - (document.rfind(b"\n", 0, position) + 1) + 1
    return f"{_LOCATION}line: {line}, column: {column}]"


class _Node:
    """A JSON value of a (valid) document by its byte span, walked without decoding it all."""

    __slots__ = ("doc", "end", "start")

    def __init__(self, doc: bytes, start: int) -> None:
        self.doc, self.start = doc, _skip_ws(doc, start)
        self.end = _value_end(doc, self.start)

    @property
    def raw(self) -> bytes:
        return self.doc[self.start : self.end]

    def value(self) -> Any:
        return msgspec.json.decode(self.raw)

    def members(self) -> list[tuple[str, _Node]]:
        """An object's fields in document order (the last of duplicate keys wins when decoded)."""
        out: list[tuple[str, _Node]] = []
        i = _skip_ws(self.doc, self.start + 1)
        while self.doc[i : i + 1] == b'"':
            key_end = _value_end(self.doc, i)
            key = msgspec.json.decode(self.doc[i:key_end], type=str)
            node = _Node(self.doc, _skip_ws(self.doc, key_end) + 1)
            out.append((key, node))
            i = _skip_ws(self.doc, node.end)
            if self.doc[i : i + 1] == b",":
                i = _skip_ws(self.doc, i + 1)
        return out

    def elements(self) -> list[_Node]:
        out: list[_Node] = []
        i = _skip_ws(self.doc, self.start + 1)
        while i < self.end - 1 and self.doc[i : i + 1] != b"]":
            node = _Node(self.doc, i)
            out.append(node)
            i = _skip_ws(self.doc, node.end)
            if self.doc[i : i + 1] == b",":
                i += 1
        return out


_WHITESPACE = b" \t\r\n"


def _skip_ws(doc: bytes, i: int) -> int:
    while i < len(doc) and doc[i] in _WHITESPACE:
        i += 1
    return i


def _value_end(doc: bytes, i: int) -> int:
    """The offset just past the value starting at `i` (strings, containers, scalars)."""
    first = doc[i : i + 1]
    if first == b'"':
        i += 1
        while i < len(doc) and doc[i : i + 1] != b'"':
            i += 2 if doc[i : i + 1] == b"\\" else 1
        return i + 1
    if first in (b"{", b"["):
        depth = 0
        while i < len(doc):
            c = doc[i : i + 1]
            if c == b'"':
                i = _value_end(doc, i)
                continue
            if c in (b"{", b"["):
                depth += 1
            elif c in (b"}", b"]"):
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return i
    while i < len(doc) and doc[i : i + 1] not in (b",", b"]", b"}") and doc[i] not in _WHITESPACE:
        i += 1
    return i


def _open_containers(doc: bytes) -> list[tuple[bytes, int, str | None]]:
    """For a truncated document: the containers still open at its end, outermost first, each as
    (`{` or `[`, its offset, the key it is the value of), and whether a string is still open."""
    stack: list[tuple[bytes, int, str | None]] = []
    last_key: str | None = None
    i = 0
    while i < len(doc):
        c = doc[i : i + 1]
        if c == b'"':
            end = _value_end(doc, i)
            if end > len(doc):
                break
            after = _skip_ws(doc, end)
            if doc[after : after + 1] == b":":
                last_key = msgspec.json.decode(doc[i:end], type=str)
            i = end
            continue
        if c in (b"{", b"["):
            stack.append((c, i, last_key))
            last_key = None
        elif c in (b"}", b"]") and stack:
            stack.pop()
        i += 1
    return stack


def _expects_field_name(doc: bytes, position: int) -> bool:
    """Whether the parser wanted a field name at `position`: right after `{` or an object's `,`."""
    before = doc[:position].rstrip(_WHITESPACE)
    if before.endswith(b"{"):
        return True
    stack = _open_containers(doc[:position])
    return before.endswith(b",") and bool(stack) and stack[-1][0] == b"{"


def _document(body: bytes, root_class: str | None = None) -> bytes:
    """The bytes of the body's first JSON value; raises Jackson's syntax errors.

    `root_class` names the bean bound to the top-level object: an input that ends inside one of
    its fields gets the field in the reference chain, as Jackson's bean deserializer adds it.
    """
    if not body.strip():
        raise RequestBodyError("No content to map due to end-of-input")
    try:
        msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        message = str(exc)
        match = _BYTE_POSITION.search(message)
        if match is None:
            # msgspec says "Input data was truncated": Jackson hits the end of input.
            raise _end_of_input(body, root_class) from None
        position = int(match.group(1))
        if "trailing characters" in message:
            # Connect compat: Jackson's FAIL_ON_TRAILING_TOKENS is off; the rest is ignored.
            # (msgspec reports the byte after the first trailing one.)
            return _document(body[: max(position - 1, 0)], root_class)
        char = body[position : position + 1].decode("utf-8", "replace") or " "
        expecting = (
            "was expecting double-quote to start field name"
            if _expects_field_name(body, position)
            else "expected a valid value (JSON String, Number, Array, Object or token 'null', "
            "'true' or 'false')"
        )
        raise RequestBodyError(
            f"Unexpected character ('{char}' (code {ord(char)})): {expecting}" + _location(body, position)
        ) from None
    return body


def _end_of_input(body: bytes, root_class: str | None) -> RequestBodyError:
    stack = _open_containers(body)
    if not stack:
        return RequestBodyError(
            "Unexpected end-of-input: expected close marker or value" + _location(body, len(body))
        )
    kind, start, _ = stack[-1]
    chain = (
        _chain([f'{root_class}["{stack[1][2]}"]']) if root_class and len(stack) > 1 and stack[1][2] else ""
    )
    marker = _location(body, start).removeprefix("\n at ")
    return RequestBodyError(
        f"Unexpected end-of-input: expected close marker for {'Object' if kind == b'{' else 'Array'} "
        f"(start marker at {marker}){_location(body, len(body))}{chain}"
    )


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


def _mismatch(java_type: str, node: _Node, path: list[str]) -> RequestBodyError:
    """Jackson's mismatch, located at the start of the offending token."""
    return RequestBodyError(
        f"Cannot deserialize value of type `{java_type}` from {_token(node.value())}"
        + _location(node.doc, node.start)
        + _chain(path)
    )


def _unrecognized(
    field: str, java_class: str, known: list[str], obj: _Node, path: list[str]
) -> RequestBodyError:
    """Jackson's unknown property. `known` is in Jackson's order (its property hash table's);
    the location is just past the object: creator-bound beans buffer unknown fields to its end."""
    if len(known) == 1:
        names = f'(one known property: "{known[0]}")'
    else:
        names = f"({len(known)} known properties: " + ", ".join(f'"{name}"' for name in known) + ")"
    return RequestBodyError(
        f'Unrecognized field "{field}" (class {java_class}), not marked as ignorable {names}'
        + _location(obj.doc, obj.end)
        + _chain([*path, f'{java_class}["{field}"]'])
    )


def _string(node: _Node, path: list[str]) -> str | None:
    """A JSON value bound to a Java `String`: scalars are coerced with their text kept."""
    raw = node.raw
    first = raw[:1]
    if first == b'"':
        return msgspec.json.decode(raw, type=str)
    if first == b"n":
        return None
    if first in (b"{", b"["):
        raise _mismatch("java.lang.String", node, path)
    return raw.decode()


def _string_map(node: _Node, path: list[str]) -> dict[str, str | None]:
    if node.raw[:1] != b"{":
        raise _mismatch(STRING_MAP_TYPE, node, path)
    return {
        key: _string(value, [*path, f'java.util.LinkedHashMap["{key}"]']) for key, value in node.members()
    }


def parse_config_map(body: bytes) -> dict[str, str | None]:
    """A flat `Map<String, String>` body (PUT/PATCH config, validate, logger level).

    A JSON `null` value is kept as None: the herder reports it as Connect does.
    """
    document = _document(body)
    if document.strip() == b"null":
        raise RequestBodyError("Request body must be a JSON object, not null")
    return _string_map(_Node(document, 0), [])


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


# Connect compat: the order Jackson lists known properties in (its property hash table's).
_CREATE_FIELDS = ["config", "name", "initial_state"]
_OFFSET_FIELDS = ["partition", "offset"]


def parse_create_request(body: bytes) -> tuple[str, dict[str, str | None], str | None]:
    """`POST /connectors` body → (trimmed name, config, target state or None)."""
    document = _document(body, CREATE_REQUEST_CLASS)
    root = _Node(document, 0)
    if root.raw == b"null":
        raise RequestBodyError("Request body must be a JSON object, not null")
    if root.raw[:1] != b"{":
        raise _mismatch(CREATE_REQUEST_CLASS, root, [])
    fields = dict(root.members())
    for field in fields:
        if field not in _CREATE_FIELDS:
            raise _unrecognized(field, CREATE_REQUEST_CLASS, _CREATE_FIELDS, root, [])
    name = None
    if "name" in fields:
        name = _string(fields["name"], [f'{CREATE_REQUEST_CLASS}["name"]'])
    config_node = fields.get("config")
    if config_node is None or config_node.raw == b"null":
        # Connect answers 500 (a NullPointerException) when `config` is missing or null.
        raise RequestBodyError("Connector config is missing from the request body (`config`)")
    config = _string_map(config_node, [f'{CREATE_REQUEST_CLASS}["config"]'])
    state_value = None
    if "initial_state" in fields:
        state_node = fields["initial_state"]
        if state_node.raw[:1] in (b"{", b"["):
            raise _mismatch(INITIAL_STATE_CLASS, state_node, [f'{CREATE_REQUEST_CLASS}["initial_state"]'])
        state_value = _string(state_node, [])
    # Connect compat: ConnectorsResource.createConnector trims the name; absent means "".
    return ("" if name is None else name.strip()), config, parse_initial_state(state_value)


def parse_connector_offsets(body: bytes) -> list[ConnectorOffset]:
    """`PATCH /connectors/{c}/offsets` body (`ConnectorOffsets`).

    A null or missing `partition` is passed on: the herder answers it in Connect's words, which
    differ for source and sink connectors.

    Raises:
        RequestBodyError: Jackson would refuse the body (500).
        BadRequestError: `offsets` is missing or empty (Connect's 400 text).
    """
    document = _document(body, OFFSETS_CLASS)
    root = _Node(document, 0)
    if root.raw[:1] != b"{":
        if root.raw == b"null":
            raise RequestBodyError("Request body must be a JSON object, not null")
        raise _mismatch(OFFSETS_CLASS, root, [])
    fields = dict(root.members())
    for field in fields:
        if field != "offsets":
            raise _unrecognized(field, OFFSETS_CLASS, ["offsets"], root, [])
    items = fields.get("offsets")
    if items is not None and items.raw != b"null" and items.raw[:1] != b"[":
        raise _mismatch(OFFSET_LIST_TYPE, items, [f'{OFFSETS_CLASS}["offsets"]'])
    elements = items.elements() if items is not None and items.raw != b"null" else []
    if not elements:
        raise BadRequestError("Partitions / offsets need to be provided for an alter offsets request")
    return [_connector_offset(index, item) for index, item in enumerate(elements)]


def _connector_offset(index: int, item: _Node) -> ConnectorOffset:
    path = [f'{OFFSETS_CLASS}["offsets"]', f"java.util.ArrayList[{index}]"]
    if item.raw[:1] != b"{":
        raise _mismatch(OFFSET_CLASS, item, path)
    fields = dict(item.members())
    for field in fields:
        if field not in _OFFSET_FIELDS:
            raise _unrecognized(field, OFFSET_CLASS, _OFFSET_FIELDS, item, path)
    parts: dict[str, dict[str, Any] | None] = {}
    for name in _OFFSET_FIELDS:
        node = fields.get(name)
        if node is None or node.raw == b"null":
            parts[name] = None
        elif node.raw[:1] != b"{":
            raise _mismatch(OBJECT_MAP_TYPE, node, [*path, f'{OFFSET_CLASS}["{name}"]'])
        else:
            parts[name] = node.value()
    return ConnectorOffset(partition=parts["partition"], offset=parts["offset"])
