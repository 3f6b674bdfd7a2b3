"""Worker configuration: every key of Connect's `WorkerConfig`/`StandaloneConfig`, declared once.

A worker reads a Java `.properties` file, then `CONNECT_*` environment variables as Confluent's
container images map them, then resolves `${provider:...}` placeholders (except in `plugin.path`,
which Connect reads before providers exist). `WorkerConfig.from_props` turns the result into typed
attributes; the herder, REST server and task launcher read only those.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.api.config import ConfigKey, ConfigSpec, ConfigType, Importance, at_least, one_of
from engine.config import properties
from engine.config.providers import ConfigProviders
from engine.config.transforms import PluginConfig
from engine.errors import ConfigError
from engine.rest.listeners import Listener, advertised_url, read_listener, worker_id

__all__ = [
    "ENV_PREFIX",
    "STANDALONE_SPEC",
    "WORKER_SPEC",
    "WorkerConfig",
    "env_to_props",
    "load_worker_props",
]

logger = logging.getLogger("engine.worker")

BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers"
CLIENT_DNS_LOOKUP_CONFIG = "client.dns.lookup"
KEY_CONVERTER_CLASS_CONFIG = "key.converter"
VALUE_CONVERTER_CLASS_CONFIG = "value.converter"
HEADER_CONVERTER_CLASS_CONFIG = "header.converter"
HEADER_CONVERTER_CLASS_DEFAULT = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG = "task.shutdown.graceful.timeout.ms"
OFFSET_COMMIT_INTERVAL_MS_CONFIG = "offset.flush.interval.ms"
OFFSET_COMMIT_TIMEOUT_MS_CONFIG = "offset.flush.timeout.ms"
PLUGIN_PATH_CONFIG = "plugin.path"
PLUGIN_DISCOVERY_CONFIG = "plugin.discovery"
METRICS_SAMPLE_WINDOW_MS_CONFIG = "metrics.sample.window.ms"
METRICS_NUM_SAMPLES_CONFIG = "metrics.num.samples"
METRICS_RECORDING_LEVEL_CONFIG = "metrics.recording.level"
METRIC_REPORTER_CLASSES_CONFIG = "metric.reporters"
CONFIG_PROVIDERS_CONFIG = "config.providers"
CONNECTOR_CLIENT_POLICY_CLASS_CONFIG = "connector.client.config.override.policy"
TOPIC_CREATION_ENABLE_CONFIG = "topic.creation.enable"
TOPIC_TRACKING_ENABLE_CONFIG = "topic.tracking.enable"
TOPIC_TRACKING_ALLOW_RESET_CONFIG = "topic.tracking.allow.reset"
LISTENERS_CONFIG = "listeners"
LISTENERS_DEFAULT = "http://:8083"
REST_ADVERTISED_HOST_NAME_CONFIG = "rest.advertised.host.name"
REST_ADVERTISED_PORT_CONFIG = "rest.advertised.port"
REST_ADVERTISED_LISTENER_CONFIG = "rest.advertised.listener"
ACCESS_CONTROL_ALLOW_ORIGIN_CONFIG = "access.control.allow.origin"
ACCESS_CONTROL_ALLOW_METHODS_CONFIG = "access.control.allow.methods"
RESPONSE_HTTP_HEADERS_CONFIG = "response.http.headers.config"
ADMIN_LISTENERS_CONFIG = "admin.listeners"
REST_EXTENSION_CLASSES_CONFIG = "rest.extension.classes"
OFFSET_STORAGE_FILE_FILENAME_CONFIG = "offset.storage.file.filename"
HEARTBEAT_TIMEOUT_MS_CONFIG = "kconnect.heartbeat.timeout.ms"

PRODUCER_PREFIX = "producer."
CONSUMER_PREFIX = "consumer."
ADMIN_PREFIX = "admin."
ENV_PREFIX = "CONNECT_"

_CONVERTER_DOC = (
    "Converter class used to convert between Kafka Connect format and the serialized form that is written "
    "to Kafka. This controls the format of the {part} in messages written to or read from Kafka, and since "
    "this is independent of connectors it allows any connector to work with any serialization format. "
    "Examples of common formats include JSON and Avro."
)


def _listeners_valid(name: str, value: Any) -> None:
    # Connect compat: RestServerConfig.ListenersValidator's messages.
    if not value:
        raise ConfigError(
            "Invalid value for listeners, at least one URL is expected, "
            "ex: http://localhost:8080,https://localhost:8443."
        )
    if any(not item.strip() for item in value):
        raise ConfigError("Empty URL found when parsing listeners list.")


def _admin_listeners_valid(name: str, value: Any) -> None:
    if value and any(not item.strip() for item in value):
        raise ConfigError("Empty URL found when parsing admin.listeners list.")


WORKER_SPEC = ConfigSpec.of(
    [
        ConfigKey(
            BOOTSTRAP_SERVERS_CONFIG,
            ConfigType.LIST,
            "A list of host/port pairs used to establish the initial connection to the Kafka cluster. "
            "Clients use this list to bootstrap and discover the full set of Kafka brokers. While the order "
            "of servers in the list does not matter, we recommend including more than one server to ensure "
            "resilience if any servers are down. This list does not need to contain the entire set of "
            "brokers, as Kafka clients automatically manage and update connections to the cluster "
            "efficiently. This list must be in the form <code>host1:port1,host2:port2,...</code>.",
            default="localhost:9092",
            importance=Importance.HIGH,
        ),
        ConfigKey(
            CLIENT_DNS_LOOKUP_CONFIG,
            ConfigType.STRING,
            "Controls how the client uses DNS lookups.",
            default="use_all_dns_ips",
            importance=Importance.MEDIUM,
            validator=one_of("use_all_dns_ips", "resolve_canonical_bootstrap_servers_only"),
        ),
        ConfigKey(
            KEY_CONVERTER_CLASS_CONFIG,
            ConfigType.CLASS,
            _CONVERTER_DOC.format(part="keys"),
            importance=Importance.HIGH,
        ),
        ConfigKey(
            VALUE_CONVERTER_CLASS_CONFIG,
            ConfigType.CLASS,
            _CONVERTER_DOC.format(part="values"),
            importance=Importance.HIGH,
        ),
        ConfigKey(
            TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG,
            ConfigType.LONG,
            "Amount of time to wait for tasks to shutdown gracefully. This is the total amount of time, not "
            "per task. All task have shutdown triggered, then they are waited on sequentially.",
            default=5000,
            importance=Importance.LOW,
        ),
        ConfigKey(
            OFFSET_COMMIT_INTERVAL_MS_CONFIG,
            ConfigType.LONG,
            "Interval at which to try committing offsets for tasks.",
            default=60000,
            importance=Importance.LOW,
        ),
        ConfigKey(
            OFFSET_COMMIT_TIMEOUT_MS_CONFIG,
            ConfigType.LONG,
            "Maximum number of milliseconds to wait for records to flush and partition offset data to be "
            "committed to offset storage before cancelling the process and restoring the offset data to be "
            "committed in a future attempt. This property has no effect for source connectors running with "
            "exactly-once support.",
            default=5000,
            importance=Importance.LOW,
        ),
        ConfigKey(
            PLUGIN_PATH_CONFIG,
            ConfigType.LIST,
            "List of paths separated by commas (,) that contain plugins (connectors, converters, "
            "transformations). Each directory is put on the Python path; the connectors its distributions "
            "declare under the `kconnect.connectors` entry-point group (`*.dist-info/entry_points.txt`), or "
            "list in a `kconnect-plugins.txt` file (lines `<Java or Python class name> = module:Class`), are "
            "registered. Do not use config provider variables in this property, since the raw path is used "
            "by the worker's scanner before config providers are initialized and used to replace variables.",
            default=None,
            importance=Importance.LOW,
        ),
        ConfigKey(
            PLUGIN_DISCOVERY_CONFIG,
            ConfigType.STRING,
            "Method to use to discover plugins present in the classpath and plugin.path configuration. "
            "Accepted for compatibility: plugins are always discovered through entry points.",
            default="hybrid_warn",
            importance=Importance.LOW,
            validator=one_of("only_scan", "hybrid_warn", "hybrid_fail", "service_load", case_sensitive=False),
        ),
        ConfigKey(
            METRICS_SAMPLE_WINDOW_MS_CONFIG,
            ConfigType.LONG,
            "The window of time a metrics sample is computed over.",
            default=30000,
            importance=Importance.LOW,
            validator=at_least(0),
        ),
        ConfigKey(
            METRICS_NUM_SAMPLES_CONFIG,
            ConfigType.INT,
            "The number of samples maintained to compute metrics.",
            default=2,
            importance=Importance.LOW,
            validator=at_least(1),
        ),
        ConfigKey(
            METRICS_RECORDING_LEVEL_CONFIG,
            ConfigType.STRING,
            "The highest recording level for metrics.",
            default="INFO",
            importance=Importance.LOW,
            validator=one_of("INFO", "DEBUG"),
        ),
        ConfigKey(
            METRIC_REPORTER_CLASSES_CONFIG,
            ConfigType.LIST,
            "A list of classes to use as metrics reporters. Accepted for compatibility; not used.",
            default="org.apache.kafka.common.metrics.JmxReporter",
            importance=Importance.LOW,
        ),
        ConfigKey(
            HEADER_CONVERTER_CLASS_CONFIG,
            ConfigType.CLASS,
            "HeaderConverter class used to convert between Kafka Connect format and the serialized form that "
            "is written to Kafka. This controls the format of the header values in messages written to or "
            "read from Kafka, and since this is independent of connectors it allows any connector to work "
            "with any serialization format. Examples of common formats include JSON and Avro. By default, "
            "the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by "
            "inferring the schemas.",
            default=HEADER_CONVERTER_CLASS_DEFAULT,
            importance=Importance.LOW,
        ),
        ConfigKey(
            CONFIG_PROVIDERS_CONFIG,
            ConfigType.LIST,
            "Comma-separated names of <code>ConfigProvider</code> classes, loaded and used in the order "
            "specified. Implementing the interface  <code>ConfigProvider</code> allows you to replace "
            "variable references in connector configurations, such as for externalized secrets. ",
            default="",
            importance=Importance.LOW,
        ),
        ConfigKey(
            CONNECTOR_CLIENT_POLICY_CLASS_CONFIG,
            ConfigType.STRING,
            "Class name or alias of implementation of <code>ConnectorClientConfigOverridePolicy</code>. "
            "Defines what client configurations can be overridden by the connector. The default "
            "implementation is `All`, meaning connector configurations can override all client properties. "
            "The other possible policies in the framework include `None` to disallow connectors from "
            "overriding client properties, and `Principal` to allow connectors to override only client "
            "principals.",
            default="All",
            importance=Importance.MEDIUM,
        ),
        ConfigKey(
            TOPIC_CREATION_ENABLE_CONFIG,
            ConfigType.BOOLEAN,
            "Whether to allow automatic creation of topics used by source connectors, when source connectors "
            "are configured with `topic.creation.` properties. Each task will use an admin client to create "
            "its topics and will not depend on the Kafka brokers to create topics automatically.",
            default=True,
            importance=Importance.LOW,
        ),
        ConfigKey(
            TOPIC_TRACKING_ENABLE_CONFIG,
            ConfigType.BOOLEAN,
            "Enable tracking the set of active topics per connector during runtime.",
            default=True,
            importance=Importance.LOW,
        ),
        ConfigKey(
            TOPIC_TRACKING_ALLOW_RESET_CONFIG,
            ConfigType.BOOLEAN,
            "If set to true, it allows user requests to reset the set of active topics per connector.",
            default=True,
            importance=Importance.LOW,
        ),
        ConfigKey(
            LISTENERS_CONFIG,
            ConfigType.LIST,
            "List of comma-separated URIs the REST API will listen on. The supported protocols are HTTP and "
            "HTTPS.\n Specify hostname as 0.0.0.0 to bind to all interfaces.\n Leave hostname empty to bind "
            "to default interface.\n Examples of legal listener lists: HTTP://myhost:8083,HTTPS://myhost:8084",
            default=LISTENERS_DEFAULT,
            importance=Importance.LOW,
            validator=_listeners_valid,
        ),
        ConfigKey(
            REST_ADVERTISED_HOST_NAME_CONFIG,
            ConfigType.STRING,
            "If this is set, this is the hostname that will be given out to other workers to connect to.",
            default=None,
            importance=Importance.LOW,
        ),
        ConfigKey(
            REST_ADVERTISED_PORT_CONFIG,
            ConfigType.INT,
            "If this is set, this is the port that will be given out to other workers to connect to.",
            default=None,
            importance=Importance.LOW,
        ),
        ConfigKey(
            REST_ADVERTISED_LISTENER_CONFIG,
            ConfigType.STRING,
            "Sets the advertised listener (HTTP or HTTPS) which will be given to other workers to use.",
            default=None,
            importance=Importance.LOW,
        ),
        ConfigKey(
            ACCESS_CONTROL_ALLOW_ORIGIN_CONFIG,
            ConfigType.STRING,
            "Value to set the Access-Control-Allow-Origin header to for REST API requests.To enable cross "
            "origin access, set this to the domain of the application that should be permitted to access the "
            "API, or '*' to allow access from any domain. The default value only allows access from the "
            "domain of the REST API.",
            default="",
            importance=Importance.LOW,
        ),
        ConfigKey(
            ACCESS_CONTROL_ALLOW_METHODS_CONFIG,
            ConfigType.STRING,
            "Sets the methods supported for cross origin requests by setting the "
            "Access-Control-Allow-Methods header. The default value of the Access-Control-Allow-Methods "
            "header allows cross origin requests for GET, POST and HEAD.",
            default="",
            importance=Importance.LOW,
        ),
        ConfigKey(
            RESPONSE_HTTP_HEADERS_CONFIG,
            ConfigType.STRING,
            "Rules for REST API HTTP response headers",
            default="",
            importance=Importance.LOW,
        ),
        ConfigKey(
            REST_EXTENSION_CLASSES_CONFIG,
            ConfigType.LIST,
            "Comma-separated names of <code>ConnectRestExtension</code> classes, loaded and called in the "
            "order specified. Accepted for compatibility; REST extensions are not supported.",
            default="",
            importance=Importance.LOW,
        ),
        ConfigKey(
            ADMIN_LISTENERS_CONFIG,
            ConfigType.LIST,
            "List of comma-separated URIs the Admin REST API will listen on. The supported protocols are "
            "HTTP and HTTPS. An empty or blank string will disable this feature. The default behavior is to "
            "use the regular listener (specified by the 'listeners' property).",
            default=None,
            importance=Importance.LOW,
            validator=_admin_listeners_valid,
        ),
        ConfigKey(
            HEARTBEAT_TIMEOUT_MS_CONFIG,
            ConfigType.LONG,
            "How long a connector or task process may go without a heartbeat before the worker kills it and "
            "marks it FAILED (kconnect's own key).",
            default=30000,
            importance=Importance.LOW,
            validator=at_least(1),
        ),
    ]
)
"""Keys common to every worker (Connect's `WorkerConfig` plus `RestServerConfig`'s public keys)."""

STANDALONE_SPEC = WORKER_SPEC.merged(
    ConfigSpec.of(
        [
            ConfigKey(
                OFFSET_STORAGE_FILE_FILENAME_CONFIG,
                ConfigType.STRING,
                "File to store offset data in",
                importance=Importance.HIGH,
            )
        ]
    )
)
"""Keys of a standalone worker (Connect's `StandaloneConfig`)."""

# Connect compat: Confluent's images (`ub`/`dub` `env_to_props`) turn `CONNECT_A_B` into `a.b`, a
# double underscore into `_` and a triple one into `-`; logging variables are not worker keys.
_SINGLE_UNDERSCORE = re.compile(r"(?<!_)_(?!_)")
_EXCLUDED_ENV_PREFIXES = ("CONNECT_LOG4J_",)


def env_to_props(environ: Mapping[str, str], prefix: str = ENV_PREFIX) -> dict[str, str]:
    """Worker keys from `CONNECT_*` environment variables, named as Confluent's images name them.

    `CONNECT_BOOTSTRAP_SERVERS` → `bootstrap.servers`, `CONNECT_A__B` → `a_b`, `CONNECT_A___B` → `a-b`.
    """
    props = {}
    for name, value in environ.items():
        if not name.startswith(prefix) or name.startswith(_EXCLUDED_ENV_PREFIXES) or len(name) == len(prefix):
            continue
        raw = _SINGLE_UNDERSCORE.sub(".", name[len(prefix) :])
        props[raw.replace("___", "-").replace("__", "_").lower()] = value
    return props


def load_worker_props(path: str | Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    """The worker properties: the file (if any), then `CONNECT_*` variables, which win.

    Raises:
        ConfigError: the file cannot be read or is malformed.
    """
    props: dict[str, str] = {}
    if path is not None:
        try:
            props.update(properties.load(path))
        except OSError as exc:
            raise ConfigError(f"Could not read worker properties file {path}: {exc.strerror}") from exc
        except properties.PropertiesError as exc:
            raise ConfigError(f"Could not read worker properties file {path}: {exc}") from exc
    props.update(env_to_props(environ))
    return props


def _prefixed(props: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}


def _converter(props: Mapping[str, str], key: str, class_name: str) -> PluginConfig:
    return PluginConfig(class_name, _prefixed(props, key + "."))


@dataclass(frozen=True)
class WorkerConfig:
    """A worker's configuration, typed. `props` is resolved (providers applied), `raw` as read."""

    # Never in repr: resolved values may be secrets (passwords, provider-resolved values).
    raw: dict[str, str] = field(repr=False)
    props: dict[str, str] = field(repr=False)
    values: dict[str, Any] = field(repr=False)
    bootstrap_servers: list[str]
    listeners: list[Listener]
    admin_listeners: list[Listener] | None
    rest_advertised_host_name: str | None
    rest_advertised_port: int | None
    rest_advertised_listener: str | None
    offset_storage_file_filename: str | None
    offset_flush_interval_ms: int
    offset_flush_timeout_ms: int
    task_shutdown_graceful_timeout_ms: int
    heartbeat_timeout_ms: int
    plugin_path: list[str]
    key_converter: PluginConfig
    value_converter: PluginConfig
    header_converter: PluginConfig
    topic_tracking_enable: bool
    topic_tracking_allow_reset: bool
    topic_creation_enable: bool
    connector_client_config_override_policy: str
    providers: ConfigProviders = field(repr=False)

    @classmethod
    def from_props(
        cls, props: Mapping[str, str], *, standalone: bool = True, environ: Mapping[str, str] | None = None
    ) -> WorkerConfig:
        """Validates and types worker properties (resolving config providers first).

        Args:
            props: the properties as read (see `load_worker_props`).
            standalone: whether `offset.storage.file.filename` is required (Connect's StandaloneConfig).
            environ: the environment the `env` config provider reads (default: the process's).

        Raises:
            ConfigError: a missing or invalid key, in Connect's words.
            ConnectError: an unknown config provider class.
        """
        raw = dict(props)
        providers = ConfigProviders.from_worker(raw, environ)
        resolved = {k: v or "" for k, v in providers.resolve(raw).items()}
        # Connect compat: plugin.path is read before providers exist, so it is used as written.
        if PLUGIN_PATH_CONFIG in raw:
            if resolved[PLUGIN_PATH_CONFIG] != raw[PLUGIN_PATH_CONFIG]:
                logger.warning(
                    "Variables cannot be used in the `plugin.path` property; the raw value is used "
                    "for plugin scanning."
                )
            resolved[PLUGIN_PATH_CONFIG] = raw[PLUGIN_PATH_CONFIG]
        values = (STANDALONE_SPEC if standalone else WORKER_SPEC).parse(resolved)
        admin = values[ADMIN_LISTENERS_CONFIG]
        return cls(
            raw=raw,
            props=resolved,
            values=values,
            bootstrap_servers=values[BOOTSTRAP_SERVERS_CONFIG],
            listeners=[read_listener(u) for u in values[LISTENERS_CONFIG]],
            admin_listeners=None if admin is None else [read_listener(u) for u in admin],
            rest_advertised_host_name=values[REST_ADVERTISED_HOST_NAME_CONFIG] or None,
            rest_advertised_port=values[REST_ADVERTISED_PORT_CONFIG],
            rest_advertised_listener=values[REST_ADVERTISED_LISTENER_CONFIG] or None,
            offset_storage_file_filename=values.get(OFFSET_STORAGE_FILE_FILENAME_CONFIG),
            offset_flush_interval_ms=values[OFFSET_COMMIT_INTERVAL_MS_CONFIG],
            offset_flush_timeout_ms=values[OFFSET_COMMIT_TIMEOUT_MS_CONFIG],
            task_shutdown_graceful_timeout_ms=values[TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG],
            heartbeat_timeout_ms=values[HEARTBEAT_TIMEOUT_MS_CONFIG],
            plugin_path=[p for p in values[PLUGIN_PATH_CONFIG] or [] if p],
            key_converter=_converter(
                resolved, KEY_CONVERTER_CLASS_CONFIG, values[KEY_CONVERTER_CLASS_CONFIG]
            ),
            value_converter=_converter(
                resolved, VALUE_CONVERTER_CLASS_CONFIG, values[VALUE_CONVERTER_CLASS_CONFIG]
            ),
            header_converter=_converter(
                resolved, HEADER_CONVERTER_CLASS_CONFIG, values[HEADER_CONVERTER_CLASS_CONFIG]
            ),
            topic_tracking_enable=values[TOPIC_TRACKING_ENABLE_CONFIG],
            topic_tracking_allow_reset=values[TOPIC_TRACKING_ALLOW_RESET_CONFIG],
            topic_creation_enable=values[TOPIC_CREATION_ENABLE_CONFIG],
            connector_client_config_override_policy=values[CONNECTOR_CLIENT_POLICY_CLASS_CONFIG],
            providers=providers,
        )

    def producer_props(self) -> dict[str, str]:
        """`bootstrap.servers` plus the worker's `producer.*` keys (prefix removed), as Connect's
        `Worker.baseProducerConfigs` starts them; the framework defaults are the runtime's."""
        return {
            BOOTSTRAP_SERVERS_CONFIG: ",".join(self.bootstrap_servers),
            **_prefixed(self.props, PRODUCER_PREFIX),
        }

    def consumer_props(self) -> dict[str, str]:
        """`bootstrap.servers` plus the worker's `consumer.*` keys (prefix removed)."""
        return {
            BOOTSTRAP_SERVERS_CONFIG: ",".join(self.bootstrap_servers),
            **_prefixed(self.props, CONSUMER_PREFIX),
        }

    def admin_props(self) -> dict[str, str]:
        """`bootstrap.servers` plus the worker's `admin.*` keys (prefix removed)."""
        return {
            BOOTSTRAP_SERVERS_CONFIG: ",".join(self.bootstrap_servers),
            **_prefixed(self.props, ADMIN_PREFIX),
        }

    def advertised_url(self, bound_port: int | None = None) -> str:
        """The REST URL given out as this worker's, by Connect's rules
        (`engine.rest.listeners.advertised_url`); `bound_port` is the port the server really bound
        when the listener asked for port 0."""
        return advertised_url(
            self.values[LISTENERS_CONFIG],
            advertised_host_name=self.rest_advertised_host_name,
            advertised_port=self.rest_advertised_port,
            advertised_listener=self.rest_advertised_listener,
            bound_port=bound_port,
        )

    def worker_id_for(self, bound_port: int | None = None) -> str:
        """`host:port` of the advertised URL (Connect's worker id)."""
        return worker_id(self.advertised_url(bound_port))

    @property
    def worker_id(self) -> str:
        """`host:port` of the advertised URL, from the configured listener port."""
        return self.worker_id_for()
