"""The parameters of a benchmark run and the ``NAME=V1,V2`` knobs a sweep varies.

A knob is either a scenario parameter (``records``, ``record-size``,
``tasks``, ``rate``, ``partitions``, ``converter``, ``mode``), a connector property
(``connector.batch.size``: set in every connector the scenario runs), or
any other dotted name, which is a worker property (``producer.linger.ms``,
``offset.flush.interval.ms``). The `raw` system applies worker
``producer.*``/``consumer.*`` properties to its own clients, prefix removed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONVERTERS",
    "MODES",
    "PARAMETERS",
    "Knob",
    "Settings",
    "SettingsError",
    "apply_assignments",
    "apply_knob",
    "parse_assignment",
    "parse_knob",
]

CONNECTOR_PREFIX = "connector."
CONVERTERS = ("string", "json")
# How the two workers run: one standalone worker with the connectors' files, or one distributed
# worker (its own group and internal topics) that gets the connectors over REST.
MODES = ("standalone", "distributed")
# Knob name → Settings attribute; written with dashes on the command line.
PARAMETERS = {
    "records": "records",
    "record-size": "record_size",
    "tasks": "tasks",
    "rate": "rate",
    "partitions": "partitions",
    "converter": "converter",
    "mode": "mode",
}
# Parameters whose value is one of a list of names rather than a number.
_CHOICES = {"converter": CONVERTERS, "mode": MODES}


class SettingsError(ValueError):
    """A knob or parameter value the harness cannot use (a usage error)."""


@dataclass(frozen=True)
class Settings:
    """What a scenario run is asked to do; the same for every system of the run.

    Attributes:
        records: Records each system moves.
        record_size: Approximate bytes of each record's payload.
        tasks: ``tasks.max`` of the connectors (the generator's task count
            in ``tasks-scaling``).
        rate: Offered records/s of ``end-to-end``.
        partitions: Partitions of the topics the harness creates (at least
            ``tasks`` in ``tasks-scaling``).
        converter: ``string`` (StringConverter) or ``json`` (JsonConverter
            without schemas) for ``file-source``.
        mode: ``standalone`` or ``distributed``: how ``kconnect`` and
            ``connect-java`` run (``raw`` is the same in both).
        repeat: Rounds: every system runs this many times, interleaved
            (round 1 runs each system once, then round 2 ...), and reports
            the median of its runs (`engine.bench.stats.aggregate`). Not a
            knob: a sweep repeats every point.
        worker_properties: Extra worker properties, applied last.
        connector_properties: Extra properties for every connector, applied last.
    """

    records: int = 1_000_000
    record_size: int = 100
    tasks: int = 1
    rate: int = 10_000
    partitions: int = 1
    converter: str = "string"
    mode: str = "standalone"
    repeat: int = 1
    worker_properties: Mapping[str, str] = field(default_factory=dict)
    connector_properties: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("records", "record_size", "tasks", "rate", "partitions", "repeat"):
            value = getattr(self, name)
            if value <= 0:
                raise SettingsError(f"{name.replace('_', '-')} must be a positive number, not {value}")
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")

    def as_json(self) -> dict[str, object]:
        return {
            "records": self.records,
            "record_size": self.record_size,
            "tasks": self.tasks,
            "rate": self.rate,
            "partitions": self.partitions,
            "converter": self.converter,
            "mode": self.mode,
            "repeat": self.repeat,
            "worker_properties": dict(self.worker_properties),
            "connector_properties": dict(self.connector_properties),
        }


@dataclass(frozen=True)
class Knob:
    """One knob of a sweep: its name and the values to try, in order."""

    name: str
    values: tuple[str, ...]


def _check_name(name: str) -> str:
    name = name.strip()
    if name.replace("_", "-") in PARAMETERS:
        return name.replace("_", "-")
    if "." in name and not name.startswith(".") and not name.endswith("."):
        return name
    known = ", ".join(PARAMETERS)
    raise SettingsError(
        f"unknown knob {name!r}: use one of {known}, a worker property such as producer.linger.ms, "
        "or connector.<property>"
    )


def parse_knob(text: str) -> Knob:
    """Parse ``NAME=V1,V2,...``.

    Raises:
        SettingsError: No ``=``, an unknown name, or an empty value list.
    """
    name, sep, values_text = text.partition("=")
    if not sep:
        raise SettingsError(f"a knob is NAME=V1,V2,..., not {text!r}")
    values = tuple(value.strip() for value in values_text.split(","))
    if not values_text.strip() or any(not value for value in values):
        raise SettingsError(f"knob {name.strip()!r} needs a comma-separated list of non-empty values")
    return Knob(_check_name(name), values)


def parse_assignment(text: str) -> tuple[str, str]:
    """Parse ``NAME=VALUE`` (one setting, same names as knobs)."""
    name, sep, value = text.partition("=")
    if not sep:
        raise SettingsError(f"a setting is NAME=VALUE, not {text!r}")
    return _check_name(name), value.strip()


def apply_knob(settings: Settings, name: str, value: str) -> Settings:
    """Return ``settings`` with the (already checked) knob ``name`` set to ``value``.

    Raises:
        SettingsError: A numeric parameter got a value that is not a positive integer.
    """
    attribute = PARAMETERS.get(name)
    if attribute in _CHOICES:
        choice: dict[str, Any] = {attribute: value}  # checked by Settings.__post_init__
        return dataclasses.replace(settings, **choice)
    if attribute is not None:
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
        changes: dict[str, Any] = {attribute: number}
        return dataclasses.replace(settings, **changes)
    if name.startswith(CONNECTOR_PREFIX):
        connector = {**settings.connector_properties, name[len(CONNECTOR_PREFIX) :]: value}
        return dataclasses.replace(settings, connector_properties=connector)
    return dataclasses.replace(settings, worker_properties={**settings.worker_properties, name: value})


def apply_assignments(settings: Settings, assignments: Sequence[tuple[str, str]]) -> Settings:
    """Apply ``NAME=VALUE`` settings in order."""
    for name, value in assignments:
        settings = apply_knob(settings, name, value)
    return settings
