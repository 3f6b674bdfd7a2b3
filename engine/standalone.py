"""`kconnect standalone`: the standalone worker process (Connect's `ConnectStandalone`).

Start-up order matters: the task-process launcher (a forkserver) starts first, before anything
creates a confluent-kafka client in this process, because forking a process that runs librdkafka
threads is unsafe. Then the Kafka cluster id is looked up, plugins are discovered, the offsets file
is read, the REST server is bound, and the connectors named on the command line are submitted.
The worker runs until SIGTERM or SIGINT: the first stops every task within
`task.shutdown.graceful.timeout.ms` and writes the offsets file; a second one kills the processes
and exits at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.api.config import ConfigSpec
from engine.config import properties
from engine.errors import ConfigError, ConnectError
from engine.herder.entities import ConfigInfos, ConfigKeyInfo, ConnectorType, PluginInfo
from engine.herder.restart import RestartPolicy
from engine.herder.standalone import HerderSettings, StandaloneHerder
from engine.storage.offsets_file import FileOffsetStore
from engine.supervisor import run_until_stopped, run_worker

__all__ = ["ConnectorFile", "load_connector_file", "run_standalone"]

logger = logging.getLogger("engine.standalone")

CLUSTER_ID_TIMEOUT_S = 30.0


@dataclasses.dataclass(frozen=True)
class ConnectorFile:
    """A connector given on the command line."""

    path: str
    name: str
    config: dict[str, str]


def load_connector_file(path: str) -> ConnectorFile:
    """Reads `.properties` or JSON (a bare config map, or a `{"name", "config"}` request body).

    Raises:
        ConfigError: the file cannot be read, does not parse, or has no connector name.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Could not read connector config {path}: {exc.strerror}") from exc
    if path.endswith(".json") or text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"Connector config {path} is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ConfigError(f"Connector config {path} must be a JSON object.")
        if isinstance(body.get("config"), dict):
            config, name = body["config"], body.get("name", body["config"].get("name"))
        else:
            config, name = body, body.get("name")
    else:
        try:
            config = properties.loads(text)
        except properties.PropertiesError as exc:
            raise ConfigError(f"Could not read connector config {path}: {exc}") from exc
        name = config.get("name")
    bad = [k for k, v in config.items() if not isinstance(v, str)]
    if bad:
        raise ConfigError(f"Connector config {path}: the value of {bad[0]} must be a string.")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"Connector config {path} has no connector name (`name`).")
    return ConnectorFile(path, name.strip(), dict(config))


class RegistryPlugins:
    """`ConnectorPlugins` over the plugin registry and the connector config validation."""

    def __init__(self, registry: Any, override_policy: str) -> None:
        self._registry = registry
        self._override_policy = override_policy

    def connector_type(self, connector_class: str) -> ConnectorType:
        kind = self._registry.connector_type(connector_class)
        return "source" if kind == "source" else "sink" if kind == "sink" else "unknown"

    def connector_class_path(self, connector_class: str) -> str:
        from engine.plugins.registry import class_path  # noqa: PLC0415  # loaded with the registry

        return class_path(self._registry.connector_class(connector_class))

    def connector_version(self, connector_class: str) -> str | None:
        version: str | None = self._registry.connector(connector_class).info().version
        return version

    def validate(self, config: Mapping[str, str | None], raw: Mapping[str, str | None]) -> ConfigInfos:
        from engine.config.validation import validate_connector  # noqa: PLC0415  # see connector_class_path

        return validate_connector(self._registry, config, raw=raw, override_policy=self._override_policy)

    def check_validate_request_type(self, plugin_type: str, config: Mapping[str, str | None]) -> None:
        from engine.config.validation import check_validate_request_type  # noqa: PLC0415  # as above

        check_validate_request_type(plugin_type, config)

    def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]:
        plugins: list[PluginInfo] = self._registry.connector_plugins(connectors_only)
        return plugins

    def plugin_config(self, plugin: str) -> list[ConfigKeyInfo]:
        keys: list[ConfigKeyInfo] = self._registry.plugin_config(plugin)
        return keys


def restart_policy(config: Mapping[str, str]) -> RestartPolicy:
    """The restart policy a connector's (resolved) config asks for."""
    from engine.config import connector  # noqa: PLC0415  # see RegistryPlugins

    keys = (
        connector.TASK_RESTART_POLICY_CONFIG,
        connector.TASK_RESTART_MAX_ATTEMPTS_CONFIG,
        connector.TASK_RESTART_BACKOFF_INITIAL_MS_CONFIG,
        connector.TASK_RESTART_BACKOFF_MAX_MS_CONFIG,
    )
    spec = connector.connector_spec("source")
    values = ConfigSpec.of(spec.keys[k] for k in keys).parse(config)
    return RestartPolicy.of(*(values[k] for k in keys))


def kafka_cluster_id(admin: Any) -> str | None:
    """The Kafka cluster id (None if the brokers do not tell it)."""
    from confluent_kafka import KafkaException  # noqa: PLC0415  # after the launcher, see _serve

    try:
        metadata = admin.list_topics(timeout=CLUSTER_ID_TIMEOUT_S)
    except KafkaException as exc:
        raise ConnectError(f"Failed to connect to and describe Kafka cluster: {exc}") from exc
    cluster_id: str | None = metadata.cluster_id
    return cluster_id


async def _serve(worker_props_path: str, connectors: Sequence[ConnectorFile]) -> int:
    # Imported here, in this order: the launcher's forkserver must exist before confluent-kafka.
    from engine.runtime.launcher import Launcher  # noqa: PLC0415
    from engine.worker.config import LISTENERS_CONFIG, WorkerConfig, load_worker_props  # noqa: PLC0415

    worker = WorkerConfig.from_props(load_worker_props(worker_props_path, os.environ))
    if not worker.offset_storage_file_filename:
        raise ConfigError(
            'Missing required configuration "offset.storage.file.filename" which has no default value.'
        )
    launcher = Launcher(worker.props)

    from confluent_kafka.admin import AdminClient  # noqa: PLC0415

    from engine.logger_levels import Loggers  # noqa: PLC0415
    from engine.plugins.registry import PluginRegistry  # noqa: PLC0415
    from engine.rest import create_app, serve  # noqa: PLC0415

    admin = AdminClient(dict(worker.admin_props()))
    cluster_id = await asyncio.to_thread(kafka_cluster_id, admin)
    registry = PluginRegistry.discover(worker.plugin_path)
    store = FileOffsetStore(worker.offset_storage_file_filename)
    store.load()
    herder = StandaloneHerder(
        settings=HerderSettings(
            worker_id=worker.worker_id,
            offset_flush_interval_ms=worker.offset_flush_interval_ms,
            task_shutdown_graceful_timeout_ms=worker.task_shutdown_graceful_timeout_ms,
            topic_tracking_enable=worker.topic_tracking_enable,
            topic_tracking_allow_reset=worker.topic_tracking_allow_reset,
            kafka_cluster_id=cluster_id,
        ),
        launcher=launcher,
        plugins=RegistryPlugins(registry, worker.connector_client_config_override_policy),
        providers=worker.providers,
        offsets=store,
        admin=lambda: admin,
        restart_policy=restart_policy,
    )
    loggers = Loggers()
    loggers.subscribe(launcher.set_logger_level)
    app = create_app(herder, admin_enabled=worker.admin_listeners != [], loggers=loggers)
    server = serve(app, worker.values[LISTENERS_CONFIG])
    herder.settings = dataclasses.replace(herder.settings, worker_id=worker.worker_id_for(server.ports[0]))

    async def create_connectors() -> None:
        for connector in connectors:
            try:
                await herder.put_connector_config(connector.name, connector.config)
            except ConnectError as exc:
                raise ConfigError(f"Failed to create connector for {connector.path}: {exc}") from exc
            logger.info("Created connector `%s` from `%s`.", connector.name, connector.path)

    return await run_until_stopped(
        "standalone", herder, server, launcher, worker.providers, started=create_connectors
    )


def run_standalone(worker_props_path: str, connector_paths: Sequence[str]) -> int:
    """Runs the standalone worker until a signal; returns the exit status.

    Raises:
        ConfigError: a bad worker or connector file, or a connector config the worker refuses.
        ConnectError: the worker could not start (Kafka unreachable, port taken).
    """
    connectors = [load_connector_file(p) for p in connector_paths]
    return run_worker(lambda: _serve(worker_props_path, connectors))
