"""The herder methods that answer from this worker alone, the same in standalone and distributed
mode: server info, the worker id, readiness, connector plugins and config validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import engine
from engine.config.providers import ConfigProviders
from engine.errors import ConnectError
from engine.herder.configs import unknown_connector_on_validate
from engine.herder.entities import ConfigInfos, ConfigKeyInfo, PluginInfo, ServerInfo
from engine.herder.instances import ConnectorPlugins

__all__ = ["WorkerEndpoints"]


class _Settings(Protocol):
    @property
    def worker_id(self) -> str: ...

    @property
    def kafka_cluster_id(self) -> str | None: ...


class WorkerEndpoints:
    """A mixin of both herders; the herder sets the attributes below."""

    settings: _Settings
    _plugins: ConnectorPlugins
    _providers: ConfigProviders
    _ready: bool

    # --- server ------------------------------------------------------------------------------

    @property
    def worker_id(self) -> str:
        return self.settings.worker_id

    def ready(self) -> bool:
        return self._ready

    async def server_info(self) -> ServerInfo:
        return ServerInfo(
            engine.__version__, getattr(engine, "__commit__", "unknown"), self.settings.kafka_cluster_id
        )

    # --- plugins -----------------------------------------------------------------------------

    async def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]:
        return self._plugins.connector_plugins(connectors_only)

    async def plugin_config(self, plugin: str) -> list[ConfigKeyInfo]:
        return self._plugins.plugin_config(plugin)

    async def validate_connector_config(
        self, plugin_type: str, config: Mapping[str, str | None]
    ) -> ConfigInfos:
        self._plugins.check_validate_request_type(plugin_type, config)
        try:
            return self._plugins.validate(self._providers.resolve(config), config)
        except ConnectError as exc:
            if (error := unknown_connector_on_validate(exc)) is None:
                raise
            raise error from exc
