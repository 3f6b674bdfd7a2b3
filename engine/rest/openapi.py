"""The OpenAPI 3.1 document of the REST API, built from the endpoint declarations.

Entity schemas come from the msgspec Structs themselves (`msgspec.json.schema_components`), so
the document describes exactly what the handlers encode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec

from engine.rest.endpoints import Endpoint, EndpointGroup, Param

__all__ = ["document", "openapi_path"]

_CONVERTER = re.compile(r"\{(\w+):\w+\}")
_REF_TEMPLATE = "#/components/schemas/{name}"


def openapi_path(path: str) -> str:
    """A starlette path (`{task:int}`) as an OpenAPI path template (`{task}`)."""
    return _CONVERTER.sub(r"{\1}", path)


def _parameter(param: Param) -> dict[str, Any]:
    schema: dict[str, Any] = param.schema
    if param.repeatable:
        schema = {"type": "array", "items": schema}
    spec: dict[str, Any] = {
        "name": param.name,
        "in": param.location,
        "description": param.description,
        "required": param.location == "path",
        "schema": schema,
    }
    if param.repeatable:
        spec["style"] = "form"
        spec["explode"] = True
    return spec


def document(groups: Sequence[EndpointGroup], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI document describing every endpoint of `groups`."""
    endpoints: list[tuple[str, Endpoint]] = [
        (group.tag, endpoint) for group in groups for endpoint in group.endpoints
    ]
    types: list[Any] = []
    for _, endpoint in endpoints:
        if endpoint.body is not None:
            types.append(endpoint.body)
        types.extend(reply.body for reply in endpoint.replies if reply.body is not None)
    schemas, components = msgspec.json.schema_components(types, ref_template=_REF_TEMPLATE)
    schema_of = iter(schemas)

    paths: dict[str, dict[str, Any]] = {}
    for tag, endpoint in endpoints:
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
            "tags": [tag],
        }
        if endpoint.description:
            operation["description"] = endpoint.description
        if endpoint.params:
            operation["parameters"] = [_parameter(param) for param in endpoint.params]
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": next(schema_of)}},
            }
        responses: dict[str, Any] = {}
        for reply in endpoint.replies:
            answer: dict[str, Any] = {"description": reply.description}
            if reply.body is not None:
                answer["content"] = {"application/json": {"schema": next(schema_of)}}
            responses[str(reply.status)] = answer
        operation["responses"] = responses
        paths.setdefault(openapi_path(endpoint.path), {})[endpoint.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "The Kafka Connect REST API as served by one kconnect worker.",
        },
        "paths": paths,
        "components": {"schemas": components},
    }
