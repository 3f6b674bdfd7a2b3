"""Task class names: the Java names bundled and plugin tasks carry in task configs, and back.

Connect compat: `Worker.connectorTaskConfigs` writes `task.class` as the task's Java class name
(`org.apache.kafka.connect.file.FileStreamSourceTask`), which `GET /connectors/{c}/tasks` and the
config topic's `task-*` records show and `Worker.startTask` loads again. A Python task gets such a
name from an entry point of the group `kconnect.tasks` (name = Java class name, value =
`module:Class`), declared next to its connector's `kconnect.connectors` entry point; a task with no
entry point is named by `module:QualName`. Both directions are read from the distributions on
`sys.path`, where `PluginRegistry.discover` puts the `plugin.path` locations, so a connector process
(which names its tasks) and the herder (which starts them) see the same table.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import sys

from engine.api.task import Task
from engine.errors import ConnectError

__all__ = ["TASK_CLASS_CONFIG", "TASK_ENTRY_POINT_GROUP", "task_class_name", "task_class_path"]

logger = logging.getLogger("engine.plugins")

TASK_ENTRY_POINT_GROUP = "kconnect.tasks"
TASK_CLASS_CONFIG = "task.class"


def task_class_name(cls: type) -> str:
    """The `task.class` a task config carries for `cls`: its registered Java name, or
    `module:QualName` when no `kconnect.tasks` entry point names it."""
    name = _names(tuple(sys.path)).get(cls)
    return name if name is not None else f"{cls.__module__}:{cls.__qualname__}"


def task_class_path(name: str) -> str:
    """`module:QualName` of the task a `task.class` value names (a registered Java name, or
    `module:QualName` itself).

    Raises:
        ConnectError: the value is neither registered nor of the form `module:QualName`.
    """
    name = name.strip()
    target = _targets(tuple(sys.path)).get(name)
    if target is not None:
        return target
    if ":" in name:
        return name
    # Connect compat: the ConfigException TaskConfig.getClass raises for a class it cannot load.
    raise ConnectError(
        f"Invalid value {name} for configuration {TASK_CLASS_CONFIG}: Class {name} could not be found."
    )


@functools.lru_cache(maxsize=4)
def _targets(path: tuple[str, ...]) -> dict[str, str]:
    """Registered name → `module:QualName`, for the distributions on `path` (the first wins)."""
    targets: dict[str, str] = {}
    for dist in importlib.metadata.distributions(path=list(path)):
        for ep in dist.entry_points.select(group=TASK_ENTRY_POINT_GROUP):
            targets.setdefault(ep.name, ep.value)
    return targets


@functools.lru_cache(maxsize=4)
def _names(path: tuple[str, ...]) -> dict[type, str]:
    """Registered task class → name. Importing the classes is left to the processes that name
    tasks (connector processes), so the supervisor never imports task modules for it."""
    names: dict[type, str] = {}
    for name, target in _targets(path).items():
        try:
            cls = importlib.metadata.EntryPoint(name, target, TASK_ENTRY_POINT_GROUP).load()
        except (ImportError, AttributeError):
            logger.exception(
                "Task `%s` (`%s`) could not be loaded; its tasks keep their Python name.", name, target
            )
            continue
        if not (isinstance(cls, type) and issubclass(cls, Task)):
            logger.error("Plugin `%s` (`%s`) is not a Task and is skipped.", name, target)
            continue
        names.setdefault(cls, name)
    return names
