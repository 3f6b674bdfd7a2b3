"""Config providers: `${provider:[path:]key}` placeholders resolved from files, environment, directories.

Connect compat: Kafka's `ConfigTransformer` with `FileConfigProvider`, `EnvVarConfigProvider` and
`DirectoryConfigProvider`, configured by the worker keys `config.providers=name1,name2`,
`config.providers.<name>.class` and `config.providers.<name>.param.<param>`. A placeholder whose
provider is not configured, or whose key the provider does not have, is left as written, exactly as
Kafka does. Resolution happens only inside the worker: the REST API shows configs as submitted, and
values that came from a provider are secrets (see `resolved_keys`), never logged.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Set
from pathlib import Path
from typing import Protocol

from engine.config import properties
from engine.errors import ConfigError, ConnectError

__all__ = [
    "CONFIG_PROVIDERS_CONFIG",
    "PLACEHOLDER",
    "ConfigProvider",
    "ConfigProviders",
    "DirectoryConfigProvider",
    "EnvVarConfigProvider",
    "FileConfigProvider",
    "provider_class",
    "resolved_keys",
]

logger = logging.getLogger("engine.config")

CONFIG_PROVIDERS_CONFIG = "config.providers"
CLASS_SUFFIX = ".class"
PARAM_INFIX = ".param."
ALLOWED_PATHS_CONFIG = "allowed.paths"
ALLOWLIST_PATTERN_CONFIG = "allowlist.pattern"

# Connect compat: ConfigTransformer.DEFAULT_PATTERN, `${provider:[path:]key}` with lazy groups.
PLACEHOLDER = re.compile(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")


class ConfigProvider(Protocol):
    """Connect's `ConfigProvider`: answers keys at a path; missing keys are simply absent."""

    def configure(self, params: Mapping[str, str]) -> None: ...

    def get(self, path: str, keys: Set[str]) -> dict[str, str]: ...

    def close(self) -> None: ...


class _AllowedPaths:
    """Kafka's `AllowedPaths`: absolute, existing roots; a path outside them reads as empty."""

    def __init__(self, value: str | None) -> None:
        self._roots: list[Path] | None = None
        if value:
            roots = []
            for item in value.split(","):
                root = Path(os.path.normpath(item))
                if not root.is_absolute():
                    raise ConfigError(f"Path {root} is not absolute")
                if not root.exists():
                    raise ConfigError(f"Path {root} does not exist")
                roots.append(root)
            self._roots = roots

    def check(self, path: str) -> Path | None:
        if self._roots is None:
            return Path(path)
        normalised = Path(os.path.normpath(path))
        if not any(normalised.is_relative_to(root) for root in self._roots):
            return None
        return normalised


class _PathProvider:
    """What the file and directory providers share: `allowed.paths` and the checks on `path`."""

    def __init__(self) -> None:
        self._allowed: _AllowedPaths | None = None

    def configure(self, params: Mapping[str, str]) -> None:
        self._allowed = _AllowedPaths(params.get(ALLOWED_PATHS_CONFIG))

    def _allowed_path(self, path: str) -> Path | None:
        """`path` if it may be read, else None (an empty path, or one outside `allowed.paths`)."""
        if self._allowed is None:
            raise ConnectError("The provider has not been configured yet.")
        if not path:
            return None
        checked = self._allowed.check(path)
        if checked is None:
            logger.warning("The path `%s` is not allowed to be accessed.", path)
        return checked

    def close(self) -> None:
        """Nothing is held open."""


class FileConfigProvider(_PathProvider):
    """Keys of a Java properties file; `path` is the file."""

    def get(self, path: str, keys: Set[str]) -> dict[str, str]:
        file = self._allowed_path(path)
        if file is None:
            return {}
        try:
            values = properties.load(file)
        except (OSError, properties.PropertiesError) as exc:
            raise ConfigError(f"Could not read properties from file {path}") from exc
        return {k: values[k] for k in keys if k in values}


class EnvVarConfigProvider:
    """Environment variables (matching `allowlist.pattern`, default all); paths are refused."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._visible: dict[str, str] = {}

    def configure(self, params: Mapping[str, str]) -> None:
        pattern = re.compile(params.get(ALLOWLIST_PATTERN_CONFIG, ".*"))
        self._visible = {k: v for k, v in self._environ.items() if pattern.fullmatch(k)}

    def get(self, path: str, keys: Set[str]) -> dict[str, str]:
        if path:
            raise ConfigError(f"Path is not supported for EnvVarConfigProvider, invalid value '{path}'")
        return {k: self._visible[k] for k in keys if k in self._visible}

    def close(self) -> None:
        """Nothing is held open."""


class DirectoryConfigProvider(_PathProvider):
    """Each regular file of the directory `path` is a key (its name) with its content as value."""

    def get(self, path: str, keys: Set[str]) -> dict[str, str]:
        directory = self._allowed_path(path)
        if directory is None:
            return {}
        if not directory.is_dir():
            logger.warning("The path `%s` is not a directory.", path)
            return {}
        data = {}
        for key in keys:
            file = directory / key
            if key and "/" not in key and file.is_file():
                try:
                    data[key] = file.read_text(encoding="utf-8")
                except OSError as exc:
                    raise ConfigError(f"Could not read file {file} for property {key}") from exc
        return data


_JAVA_PACKAGE = "org.apache.kafka.common.config.provider."
_PROVIDERS: dict[str, Callable[[], ConfigProvider]] = {
    "FileConfigProvider": FileConfigProvider,
    "EnvVarConfigProvider": EnvVarConfigProvider,
    "DirectoryConfigProvider": DirectoryConfigProvider,
}


def provider_class(name: str) -> Callable[[], ConfigProvider]:
    """The provider a `config.providers.<name>.class` value names: the Java class name, its simple
    name, or the simple name without `ConfigProvider` (Connect's aliases).

    Raises:
        ConnectError: no such provider, in Connect's words.
    """
    aliases: dict[str, Callable[[], ConfigProvider]] = {}
    for simple, factory in _PROVIDERS.items():
        for alias in (_JAVA_PACKAGE + simple, simple, simple.removesuffix("ConfigProvider")):
            aliases[alias] = factory
    if name in aliases:
        return aliases[name]
    available = ", ".join(_JAVA_PACKAGE + n for n in _PROVIDERS)
    raise ConnectError(
        f"Failed to find any class that implements ConfigProvider and which name matches {name}, "
        f"available ConfigProviders are: {available}"
    )


class ConfigProviders:
    """The providers a worker configured, and the transformer that applies them."""

    def __init__(self, providers: Mapping[str, ConfigProvider]) -> None:
        self._providers = dict(providers)

    @classmethod
    def from_worker(
        cls, props: Mapping[str, str], environ: Mapping[str, str] | None = None
    ) -> ConfigProviders:
        """Instantiates and configures every provider named in `config.providers`.

        Args:
            props: the worker properties (raw).
            environ: the environment the `env` provider sees (default: the process's).

        Raises:
            ConnectError: an unknown provider class.
            ConfigError: a provider's parameters are invalid (e.g. `allowed.paths`).
        """
        names = [n.strip() for n in props.get(CONFIG_PROVIDERS_CONFIG, "").split(",") if n.strip()]
        providers: dict[str, ConfigProvider] = {}
        for name in names:
            prefix = f"{CONFIG_PROVIDERS_CONFIG}.{name}"
            class_name = props.get(prefix + CLASS_SUFFIX, "").strip()
            if not class_name:
                # Connect compat: a listed provider without a class is skipped, as AbstractConfig does.
                logger.warning(
                    "Config provider `%s` has no `%s` and is ignored.", name, prefix + CLASS_SUFFIX
                )
                continue
            factory = provider_class(class_name)
            provider = EnvVarConfigProvider(environ) if factory is EnvVarConfigProvider else factory()
            param_prefix = prefix + PARAM_INFIX
            provider.configure(
                {k[len(param_prefix) :]: v for k, v in props.items() if k.startswith(param_prefix)}
            )
            providers[name] = provider
        return cls(providers)

    @property
    def names(self) -> list[str]:
        return list(self._providers)

    def resolve(self, config: Mapping[str, str | None]) -> dict[str, str | None]:
        """The config with every resolvable placeholder replaced (Kafka's `ConfigTransformer.transform`).

        Raises:
            ConfigError: a provider could not read its source (e.g. an unreadable file).
        """
        wanted: dict[tuple[str, str], set[str]] = {}
        for value in config.values():
            if value is None:
                continue
            for match in PLACEHOLDER.finditer(value):
                provider, path, key = match.group(1), match.group(3) or "", match.group(4)
                wanted.setdefault((provider, path), set()).add(key)
        found: dict[tuple[str, str], dict[str, str]] = {}
        for (name, path), keys in wanted.items():
            provider = self._providers.get(name)
            if provider is not None:
                found[(name, path)] = provider.get(path, keys)

        def replace(match: re.Match[str]) -> str:
            lookup = found.get((match.group(1), match.group(3) or ""))
            if lookup is None:
                return match.group(0)
            return lookup.get(match.group(4), match.group(0))

        return {k: None if v is None else PLACEHOLDER.sub(replace, v) for k, v in config.items()}

    def close(self) -> None:
        for provider in self._providers.values():
            provider.close()


def resolved_keys(raw: Mapping[str, str | None], resolved: Mapping[str, str | None]) -> set[str]:
    """Keys whose value a provider changed: their resolved values are secrets, to be masked wherever
    a config is shown or logged (Connect shows the raw text instead)."""
    return {k for k, v in raw.items() if v is not None and PLACEHOLDER.search(v) and resolved.get(k) != v}
