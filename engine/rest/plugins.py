"""`/connector-plugins/...`: Connect's `ConnectorPluginsResource`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from engine.herder.entities import ConfigInfos, ConfigKeyInfo, PluginInfo
from engine.rest.bodies import parse_config_map
from engine.rest.connectors import query_flag
from engine.rest.endpoints import EndpointGroup, Param, Reply, error_reply
from engine.rest.responses import json_response
from engine.rest.root import herder_of

__all__ = ["group"]

group = EndpointGroup("Connector plugins")

PLUGIN = Param("plugin", "path", "The plugin class name or alias.")


@group.route(
    "GET",
    "/connector-plugins",
    summary="List all connector plugins installed",
    params=(
        Param(
            "connectorsOnly",
            "query",
            "Whether to list only connectors instead of all plugins (default true).",
            {"type": "boolean", "default": True},
        ),
    ),
    replies=(Reply(200, "The plugins.", list[PluginInfo]),),
)
async def list_connector_plugins(request: Request) -> Response:
    connectors_only = query_flag(request, "connectorsOnly", True)
    return json_response(await herder_of(request).connector_plugins(connectors_only))


@group.route(
    "GET",
    "/connector-plugins/{plugin}/config",
    summary="Get the configuration definition for the specified plugin",
    params=(PLUGIN,),
    replies=(
        Reply(200, "The plugin's config keys.", list[ConfigKeyInfo]),
        error_reply(400, "The plugin kind has no config definition."),
        error_reply(404, "Unknown plugin."),
    ),
)
async def get_connector_config_def(request: Request) -> Response:
    plugin: str = request.path_params["plugin"]
    return json_response(await herder_of(request).plugin_config(plugin))


@group.route(
    "PUT",
    "/connector-plugins/{plugin}/config/validate",
    summary="Validate the provided configuration against the configuration definition for the "
    "specified plugin",
    description="Validation problems are reported inside the body, not as HTTP errors.",
    params=(PLUGIN,),
    body=dict[str, str | None],
    replies=(
        Reply(200, "The validation result.", ConfigInfos),
        error_reply(400, "`connector.class` does not match the plugin in the URL."),
        error_reply(500, "Missing or unknown `connector.class`, or a malformed body."),
    ),
)
async def validate_configs(request: Request) -> Response:
    plugin: str = request.path_params["plugin"]
    config = parse_config_map(await request.body())
    return json_response(await herder_of(request).validate_connector_config(plugin, config))
