"""Typed configuration keys, declared once (Connect's `ConfigDef`).

A `ConfigSpec` holds `ConfigKey`s with type, default, importance, documentation and validator.
The same declaration parses and validates configs (with Connect's exact error texts), answers
`PUT /connector-plugins/{plugin}/config/validate`, and generates CLI help and documentation.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ConfigError

__all__ = [
    "NO_DEFAULT",
    "WIDTHS",
    "ConfigKey",
    "ConfigSpec",
    "ConfigType",
    "Importance",
    "Password",
    "Validator",
    "at_least",
    "between",
    "non_empty_string",
    "one_of",
]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()
"""The default of a required key (Connect's `ConfigDef.NO_DEFAULT_VALUE`)."""


class ConfigType(enum.Enum):
    """Connect's `ConfigDef.Type`; the value is the name `/config/validate` reports."""

    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    INT = "INT"
    SHORT = "SHORT"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    LIST = "LIST"
    CLASS = "CLASS"
    PASSWORD = "PASSWORD"


class Importance(enum.Enum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


WIDTHS = ("NONE", "SHORT", "MEDIUM", "LONG")
"""Connect's `ConfigDef.Width`: how wide a UI should make a key's field."""


@dataclass(frozen=True, slots=True)
class Password:
    """A secret value: never printed. `repr`/`str` give Connect's `[hidden]`."""

    value: str

    def __repr__(self) -> str:
        return "[hidden]"

    __str__ = __repr__


Validator = Callable[[str, Any], None]
"""Raises `ConfigError` when the parsed value is not acceptable; gets (key name, value)."""

_INT_BOUNDS = {
    ConfigType.INT: (-(2**31), 2**31 - 1),
    ConfigType.SHORT: (-(2**15), 2**15 - 1),
    ConfigType.LONG: (-(2**63), 2**63 - 1),
}


def _invalid(name: str, value: Any, reason: str) -> ConfigError:
    return ConfigError(f"Invalid value {value} for configuration {name}: {reason}")


def at_least(minimum: float) -> Validator:
    """Connect's `Range.atLeast`."""

    def check(name: str, value: Any) -> None:
        if value is not None and value < minimum:
            raise _invalid(name, value, f"Value must be at least {minimum}")

    return check


def between(minimum: float, maximum: float) -> Validator:
    """Connect's `Range.between`."""

    def check(name: str, value: Any) -> None:
        if value is None:
            return
        if value < minimum:
            raise _invalid(name, value, f"Value must be at least {minimum}")
        if value > maximum:
            raise _invalid(name, value, f"Value must be no more than {maximum}")

    return check


def one_of(*allowed: str, case_sensitive: bool = True) -> Validator:
    """Connect's `ValidString.in` (or `CaseInsensitiveValidString.in`)."""

    def check(name: str, value: Any) -> None:
        if value is None:
            return
        ok = value in allowed if case_sensitive else value.lower() in {a.lower() for a in allowed}
        if not ok:
            raise _invalid(name, value, f"String must be one of: {', '.join(allowed)}")

    return check


def non_empty_string(name: str, value: Any) -> None:
    """Connect's `NonEmptyString`."""
    if value is not None and not str(value).strip():
        raise _invalid(name, value, "String must be non-empty")


def _parse_boolean(name: str, _kind: ConfigType, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text not in ("true", "false"):
        raise _invalid(name, raw, "Expected value to be either true or false")
    return text == "true"


def _parse_password(_name: str, _kind: ConfigType, raw: Any) -> Password:
    return raw if isinstance(raw, Password) else Password(str(raw))


def _parse_string(_name: str, _kind: ConfigType, raw: Any) -> str:
    return str(raw).strip()


def _parse_integer(name: str, kind: ConfigType, raw: Any) -> int:
    low, high = _INT_BOUNDS[kind]
    try:
        number = raw if isinstance(raw, int) and not isinstance(raw, bool) else int(str(raw).strip())
    except ValueError:
        raise _invalid(name, raw, f"Not a number of type {kind.value}") from None
    if not low <= number <= high:
        raise _invalid(name, raw, f"Not a number of type {kind.value}")
    return number


def _parse_double(name: str, _kind: ConfigType, raw: Any) -> float:
    try:
        return float(str(raw).strip())
    except ValueError:
        raise _invalid(name, raw, "Not a number of type DOUBLE") from None


def _parse_list(_name: str, _kind: ConfigType, raw: Any) -> list[str]:
    # A list given as such, or comma-separated text with the blanks around items dropped.
    if isinstance(raw, list):
        return [str(item).strip() for item in raw]
    text = str(raw).strip()
    return [item.strip() for item in text.split(",")] if text else []


_PARSERS: dict[ConfigType, Callable[[str, ConfigType, Any], Any]] = {
    ConfigType.BOOLEAN: _parse_boolean,
    ConfigType.PASSWORD: _parse_password,
    ConfigType.STRING: _parse_string,
    ConfigType.CLASS: _parse_string,
    ConfigType.INT: _parse_integer,
    ConfigType.SHORT: _parse_integer,
    ConfigType.LONG: _parse_integer,
    ConfigType.DOUBLE: _parse_double,
    ConfigType.LIST: _parse_list,
}


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """One configuration key: everything about it is declared here, once."""

    name: str
    type: ConfigType
    doc: str
    default: Any = NO_DEFAULT
    importance: Importance = Importance.MEDIUM
    validator: Validator | None = None
    group: str | None = None
    order_in_group: int = -1
    display_name: str | None = None
    dependents: tuple[str, ...] = ()
    width: str = "NONE"

    def __post_init__(self) -> None:
        if self.width not in WIDTHS:
            raise ValueError(
                f"Configuration {self.name} has width {self.width!r}, not one of {', '.join(WIDTHS)}."
            )

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT

    def parse(self, raw: Any) -> Any:
        """Parses a raw value (usually a string) as Connect's `ConfigDef.parseType` does.

        Raises:
            ConfigError: with Connect's text when the value does not have the declared type.
        """
        if raw is None:
            return None
        return _PARSERS[self.type](self.name, self.type, raw)

    def to_text(self, value: Any) -> str | None:
        """The value as `/config/validate` and `GET …/config` show it (passwords hidden)."""
        if value is None or value is NO_DEFAULT:
            return None
        if isinstance(value, Password):
            return "[hidden]"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, list):
            return ",".join(value)
        return str(value)


@dataclass(slots=True)
class ConfigSpec:
    """An ordered set of keys (Connect's `ConfigDef`)."""

    keys: dict[str, ConfigKey] = field(default_factory=dict)

    @classmethod
    def of(cls, keys: Iterable[ConfigKey]) -> ConfigSpec:
        spec = cls()
        for key in keys:
            spec.define(key)
        return spec

    def define(self, key: ConfigKey) -> ConfigSpec:
        """Adds a key.

        Raises:
            ValueError: a key of that name is already defined (a programming error).
        """
        if key.name in self.keys:
            raise ValueError(f"Configuration {key.name} is defined twice.")
        if key.default is not NO_DEFAULT and key.default is not None and key.validator is not None:
            key.validator(key.name, key.parse(key.default))
        self.keys[key.name] = key
        return self

    def merged(self, other: ConfigSpec) -> ConfigSpec:
        """A new spec with this spec's keys, then `other`'s."""
        return ConfigSpec.of([*self.keys.values(), *other.keys.values()])

    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values for every declared key (defaults filled in); unknown keys are ignored.

        Raises:
            ConfigError: the first missing required key or invalid value, in Connect's words.
        """
        values: dict[str, Any] = {}
        for name, key in self.keys.items():
            values[name] = self._parse_one(key, props)
        return values

    def _parse_one(self, key: ConfigKey, props: Mapping[str, Any]) -> Any:
        if key.name in props:
            value = key.parse(props[key.name])
        elif key.required:
            raise ConfigError(f'Missing required configuration "{key.name}" which has no default value.')
        else:
            value = key.parse(key.default)
        if key.validator is not None:
            key.validator(key.name, value)
        return value

    def validate(self, props: Mapping[str, Any]) -> list[tuple[ConfigKey, Any, list[str]]]:
        """Every key with its parsed value (or raw text when it did not parse) and its errors.

        Unlike `parse`, collects all problems instead of stopping at the first.
        """
        results = []
        for key in self.keys.values():
            try:
                value = self._parse_one(key, props)
                errors: list[str] = []
            except ConfigError as exc:
                value = props.get(key.name)
                errors = [str(exc)]
            results.append((key, value, errors))
        return results

    def secret_keys(self) -> Sequence[str]:
        """Names of PASSWORD keys, whose values must never be printed."""
        return [k.name for k in self.keys.values() if k.type is ConfigType.PASSWORD]
