"""The plugin registry: connectors found by entry points and `plugin.path`, native plugins, aliases.

Connect compat: `Plugins`/`DelegatingClassLoader`. A plugin is known by its Java-style class name
(`org.apache.kafka.connect.file.FileStreamSourceConnector`), its simple name and its simple name
without the type suffix (`FileStreamSource`); an alias that would name two plugins is dropped.
Connectors are Python classes registered in the entry-point group `kconnect.connectors` (name =
class name users write, value = `module:Class`). Each `plugin.path` directory, and each of its
immediate subdirectories, is a plugin location: it is put on `sys.path`, and connectors are read
from the `kconnect.connectors` entry points of the distributions installed there
(`*.dist-info/entry_points.txt`) and from a plain `kconnect-plugins.txt` (lines `name = module:Class`,
`#` comments). Converters, transformations and predicates are native (see `catalog`); the names of
tasks are `engine.plugins.tasks`' concern.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.metadata
import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine import __version__ as ENGINE_VERSION
from engine.api.connector import Connector, SinkConnector, SourceConnector
from engine.config.connector import connector_spec
from engine.errors import ConnectError, NotFoundError
from engine.herder.entities import ConfigInfos, ConfigKeyInfo, ConnectorType, PluginInfo
from engine.plugins.catalog import CONVERTER_SPECS, NATIVE_PLUGINS

__all__ = ["ENTRY_POINT_GROUP", "PLUGINS_FILE", "PluginDesc", "PluginRegistry", "class_path", "load_class"]

logger = logging.getLogger("engine.plugins")

ENTRY_POINT_GROUP = "kconnect.connectors"
PLUGINS_FILE = "kconnect-plugins.txt"
CLASSPATH = "classpath"

# Connect compat: PluginType order of `GET /connector-plugins?connectorsOnly=false` and the suffix
# PluginUtils.prunedName removes from each type's simple names.
_TYPE_ORDER = ("sink", "source", "transformation", "predicate", "converter", "header_converter")
_SUFFIX = {
    "sink": "Connector",
    "source": "Connector",
    "converter": "Converter",
    "header_converter": "HeaderConverter",
    "transformation": "Transformation",
    "predicate": "Predicate",
}


def class_path(cls: type) -> str:
    """`module:QualName`, how a task process finds a class again."""
    return f"{cls.__module__}:{cls.__qualname__}"


def load_class(target: str) -> type:
    """Imports `module:QualName`.

    Raises:
        ConnectError: a malformed target, a missing module or a missing attribute (each named).
    """
    module_name, sep, qualname = target.partition(":")
    if not sep or not module_name or not qualname:
        raise ConnectError(f"Invalid plugin class reference {target}: expected module:Class")
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConnectError(f"Failed to import module {module_name} for plugin class {target}: {exc}") from exc
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConnectError(f"Module {module_name} has no class {qualname}") from None
    if not isinstance(obj, type):
        raise ConnectError(f"Plugin {target} is not a class")
    return obj


def _simple_name(class_name: str) -> str:
    # Java's getSimpleName: the last segment, and for a nested class the part after `$`.
    return class_name.rsplit(".", 1)[-1].rsplit("$", 1)[-1]


def _pruned_name(class_name: str, plugin_type: str) -> str:
    simple = _simple_name(class_name)
    pos = simple.rfind(_SUFFIX[plugin_type])
    return simple[:pos] if pos > 0 else simple


@dataclass(frozen=True)
class PluginDesc:
    """One plugin: its class name, type, version, where it came from, and (connectors) its class."""

    class_name: str
    type: str
    version: str | None
    location: str = CLASSPATH
    cls: builtins.type | None = field(default=None, compare=False)

    def __str__(self) -> str:
        # Connect compat: PluginDesc.toString, as error messages list available plugins.
        version = self.version or "undefined"
        return (
            f"PluginDesc{{klass=class {self.class_name}, name='{self.class_name}', version='{version}', "
            f"encodedVersion={version}, type={self.type}, typeName='{self.type}', "
            f"location='{self.location}'}}"
        )

    def info(self) -> PluginInfo:
        version = None if self.version in (None, "undefined") else self.version
        return PluginInfo(class_name=self.class_name, type=self.type, version=version)


def _connector_desc(name: str, target: str, location: str) -> PluginDesc | None:
    try:
        cls = load_class(target)
    except ConnectError:
        logger.exception("Connector `%s` (`%s`) could not be loaded and is skipped.", name, target)
        return None
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        logger.error("Plugin `%s` (`%s`) is not a Connector and is skipped.", name, target)
        return None
    plugin_type = (
        "sink" if issubclass(cls, SinkConnector) else "source" if issubclass(cls, SourceConnector) else None
    )
    if plugin_type is None:
        logger.error("Connector `%s` is neither a SourceConnector nor a SinkConnector and is skipped.", name)
        return None
    try:
        version: str | None = cls().version()
    except Exception:
        logger.exception("Connector `%s` could not report its version.", name)
        version = "undefined"
    return PluginDesc(name, plugin_type, version, location, cls)


def _plugin_file_entries(path: Path) -> list[tuple[str, str]]:
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        name, sep, target = text.partition("=")
        if not sep or not name.strip() or not target.strip():
            logger.error("Line %d of `%s` is not `name = module:Class` and is skipped.", number, path)
            continue
        entries.append((name.strip(), target.strip()))
    return entries


def _locations(plugin_path: Sequence[str]) -> list[Path]:
    locations = []
    for entry in plugin_path:
        root = Path(entry)
        if not root.is_dir():
            logger.warning("Plugin path entry `%s` is not a directory and is skipped.", entry)
            continue
        locations.append(root)
        locations.extend(sorted(child for child in root.iterdir() if child.is_dir() and _is_location(child)))
    return locations


def _is_location(path: Path) -> bool:
    return (path / PLUGINS_FILE).is_file() or any(path.glob("*.dist-info"))


class PluginRegistry:
    """Every plugin this worker can run, and Connect's name resolution over them."""

    def __init__(self, plugins: Iterable[PluginDesc], *, override_policy: str = "All") -> None:
        """Indexes the plugins and computes Connect's aliases.

        Args:
            plugins: every plugin; the first registration of a name wins.
            override_policy: the worker's `connector.client.config.override.policy`, applied by `validate`.
        """
        self.override_policy = override_policy
        self._plugins: dict[tuple[str, str], PluginDesc] = {}
        for plugin in plugins:
            # The first registration of a name wins, as the first class on Connect's path does.
            self._plugins.setdefault((plugin.class_name, plugin.type), plugin)
        collisions: dict[str, set[str]] = {}
        for plugin in self._plugins.values():
            for alias in (_simple_name(plugin.class_name), _pruned_name(plugin.class_name, plugin.type)):
                collisions.setdefault(alias, set()).add(plugin.class_name)
        self._aliases = {alias: next(iter(names)) for alias, names in collisions.items() if len(names) == 1}

    @classmethod
    def discover(cls, plugin_path: Sequence[str] = (), *, override_policy: str = "All") -> PluginRegistry:
        """Bundled connectors (entry points), then `plugin.path` locations, then native plugins."""
        plugins: list[PluginDesc] = []
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if (desc := _connector_desc(ep.name, ep.value, CLASSPATH)) is not None:
                plugins.append(desc)
        for location in _locations(plugin_path):
            if str(location) not in sys.path:
                sys.path.append(str(location))
            entries = [
                (ep.name, ep.value)
                for dist in importlib.metadata.distributions(path=[str(location)])
                for ep in dist.entry_points.select(group=ENTRY_POINT_GROUP)
            ]
            if (location / PLUGINS_FILE).is_file():
                entries += _plugin_file_entries(location / PLUGINS_FILE)
            for name, target in entries:
                if (desc := _connector_desc(name, target, str(location))) is not None:
                    plugins.append(desc)
        plugins += [PluginDesc(name, kind, ENGINE_VERSION) for name, kind in NATIVE_PLUGINS]
        return cls(plugins, override_policy=override_policy)

    def _connectors(self) -> list[PluginDesc]:
        return sorted(
            (p for p in self._plugins.values() if p.type in ("source", "sink")),
            key=lambda p: (p.class_name, p.version or ""),
        )

    def resolve(self, name: str) -> str:
        """The class name an alias stands for (the name itself when it is not an alias)."""
        name = name.strip()
        return self._aliases.get(name, name)

    def plugins(self) -> list[PluginDesc]:
        """Every plugin, in registration order."""
        return list(self._plugins.values())

    def find(self, name: str, types: Sequence[str] | None = None) -> PluginDesc | None:
        """The plugin a class name or alias names, of the given types (default any; connectors first)."""
        full = self.resolve(name)
        matches = [
            p
            for (class_name, kind), p in self._plugins.items()
            if class_name == full and (types is None or kind in types)
        ]
        return min(matches, key=lambda p: _TYPE_ORDER.index(p.type)) if matches else None

    def connector(self, name: str) -> PluginDesc:
        """The connector `connector.class` names (Connect's `Plugins.connectorClass`).

        Raises:
            ConnectError: none or several match, in Connect's words (REST 500).
        """
        found = self.find(name)
        if found is not None and found.type in ("source", "sink"):
            return found
        connectors = self._connectors()
        matches = [p for p in connectors if _simple_name(p.class_name) in (name, name + "Connector")]
        listed = ", ".join(str(p) for p in connectors)
        if not matches:
            raise ConnectError(
                f"Failed to find any class that implements Connector and which name matches {name}, "
                f"available connectors are: {listed}"
            )
        if len(matches) > 1:
            raise ConnectError(
                f"More than one connector matches alias {name}. Please use full package and class name "
                f"instead. Classes found: {listed}"
            )
        return matches[0]

    def connector_class(self, name: str) -> type[Connector]:
        """The connector class `connector.class` names; raises ConnectError as `connector` does."""
        cls = self.connector(name).cls
        assert cls is not None and issubclass(cls, Connector)
        return cls

    def validate(
        self, config: Mapping[str, str | None], raw: Mapping[str, str | None] | None = None
    ) -> ConfigInfos:
        """Connect's validate body for a resolved connector config; values a config provider
        resolved are shown as in `raw` (see `engine.config.validation.validate_connector`).

        Raises:
            BadRequestError: no `connector.class`; ConnectError: no connector matches it.
        """
        from engine.config.validation import validate_connector  # noqa: PLC0415

        return validate_connector(self, config, raw=raw, override_policy=self.override_policy)

    def check_validate_request_type(self, plugin_type: str, config: Mapping[str, str | None]) -> None:
        """Raises BadRequestError when the validate path does not match `connector.class`."""
        from engine.config.validation import check_validate_request_type  # noqa: PLC0415

        check_validate_request_type(plugin_type, config)

    def connector_class_path(self, name: str) -> str:
        """`module:QualName` of the connector `connector.class` names, for its process."""
        return class_path(self.connector_class(name))

    def connector_type(self, name: str) -> ConnectorType:
        """`source` or `sink`; raises ConnectError as `connector` does."""
        return "sink" if self.connector(name).type == "sink" else "source"

    def connector_plugins(self, connectors_only: bool = True) -> list[PluginInfo]:
        """`GET /connector-plugins`: sinks, sources, then (unless connectors only) transformations,
        predicates, converters and header converters, each sorted by class name."""
        types = _TYPE_ORDER[:2] if connectors_only else _TYPE_ORDER
        ordered = sorted(
            (p for p in self._plugins.values() if p.type in types),
            key=lambda p: (types.index(p.type), p.class_name, p.version or ""),
        )
        return [p.info() for p in ordered]

    def plugin_config(self, name: str) -> list[ConfigKeyInfo]:
        """`GET /connector-plugins/{name}/config`: a connector's own keys then the framework's it
        does not redefine; a converter's own keys; nothing for native SMTs and predicates.

        Raises:
            NotFoundError: `Unknown plugin {name}.`
        """
        # Imported here: engine.config.validation validates through this registry.
        from engine.config.validation import config_key_info  # noqa: PLC0415

        plugin = self.find(name)
        if plugin is None and name.strip():
            try:
                plugin = self.connector(name)
            except ConnectError:
                plugin = None
        if plugin is None:
            raise NotFoundError(f"Unknown plugin {name}.")
        if plugin.type in ("source", "sink"):
            cls = self.connector_class(plugin.class_name)
            own = cls().config()
            framework = connector_spec(plugin.type)
            keys = [config_key_info(k) for k in own.keys.values()]
            keys += [config_key_info(k) for n, k in framework.keys.items() if n not in own.keys]
            return keys
        spec = CONVERTER_SPECS.get(plugin.class_name)
        if spec is None:
            return []
        return [config_key_info(k) for k in spec.keys.values()]
