"""Logger levels for `/admin/loggers`, over Python's `logging` with log4j's level names.

Mirrors Connect's `Loggers`: levels are read and written by log4j name (OFF, FATAL, ERROR, WARN,
INFO, DEBUG, TRACE, ALL; case-insensitive), the root logger is `root`, setting a level applies to
the named logger and to every existing logger whose name starts with it, and `last_modified` is
the epoch-ms time of the last change made through this API (None otherwise).

Connector and task code runs in processes of its own, each with its own loggers. The supervisor's
`Loggers` remembers what was set (`settings`) and tells its subscribers (the launcher), which
replays the settings in every new process and sends each change to the running ones; the process
applies them with a `Loggers` of its own. Outside the REST layer (it is imported by task
processes), hence not under `engine.rest`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from engine.herder.entities import LoggerLevel

__all__ = ["LOG4J_LEVELS", "Loggers", "log4j_level_name"]

log = logging.getLogger("engine.rest")

ROOT_LOGGER_NAME = "root"

# log4j names → Python levels. TRACE sits below DEBUG and ALL below everything (but above NOTSET,
# which in Python means "inherit"); OFF is above any level a record can carry in practice.
LOG4J_LEVELS: dict[str, int] = {
    "OFF": 2**31 - 1,
    "FATAL": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARN": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
    "TRACE": logging.DEBUG - 5,
    "ALL": 1,
}


def log4j_level_name(level: int) -> str:
    """The log4j name of a Python level: the highest log4j level not above it."""
    for name, value in LOG4J_LEVELS.items():
        if level >= value:
            return name
    return "ALL"


class Loggers:
    """Reads and sets logger levels; `clock_ms` is injectable for tests."""

    def __init__(self, clock_ms: Callable[[], int] | None = None) -> None:
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self._last_modified: dict[str, int] = {}
        # Namespace → level name, in the order of each namespace's last change: replaying them in
        # this order elsewhere gives the same levels (a later, wider namespace overrides an earlier
        # narrower one, as it did here).
        self._settings: dict[str, str] = {}
        self._subscribers: list[Callable[[str, str], None]] = []

    def settings(self) -> list[tuple[str, str]]:
        """`(namespace, level)` of every `set_level` so far, in the order to replay them."""
        return list(self._settings.items())

    def subscribe(self, callback: Callable[[str, str], None]) -> None:
        """Calls `callback(namespace, level)` after each `set_level`."""
        self._subscribers.append(callback)

    @staticmethod
    def _existing() -> dict[str, logging.Logger]:
        # PlaceHolder entries are ancestors nobody created yet: like log4j's, they do not exist.
        return {
            name: logger
            for name, logger in list(logging.root.manager.loggerDict.items())
            if isinstance(logger, logging.Logger)
        }

    def _level(self, name: str, logger: logging.Logger) -> LoggerLevel:
        level = logger.level or logger.getEffectiveLevel()
        return LoggerLevel(log4j_level_name(level), self._last_modified.get(name))

    def level(self, name: str) -> LoggerLevel | None:
        """The logger's level (its effective level if not set), None if no such logger exists."""
        if name.lower() == ROOT_LOGGER_NAME:
            return self._level(ROOT_LOGGER_NAME, logging.root)
        logger = self._existing().get(name)
        if logger is None:
            log.warning("Unable to find level for logger `%s`.", name)
            return None
        return self._level(name, logger)

    def all_levels(self) -> dict[str, LoggerLevel]:
        """Loggers with an explicitly set level, plus `root`, sorted by name."""
        result = {
            name: self._level(name, logger)
            for name, logger in self._existing().items()
            if logger.level != logging.NOTSET
        }
        if logging.root.level != logging.NOTSET:
            result[ROOT_LOGGER_NAME] = self._level(ROOT_LOGGER_NAME, logging.root)
        return dict(sorted(result.items()))

    def set_level(self, namespace: str, level_name: str) -> list[str]:
        """Sets `namespace` and its children; returns the affected logger names, sorted.

        `level_name` must be a key of `LOG4J_LEVELS` in any case (the REST layer checks it).
        """
        level = LOG4J_LEVELS[level_name.upper()]
        log.info("Setting level of namespace `%s` and children to `%s`.", namespace, level_name)
        existing = self._existing()
        if namespace.lower() == ROOT_LOGGER_NAME:
            targets = [(ROOT_LOGGER_NAME, logging.root), *sorted(existing.items())]
        else:
            # Connect compat: Loggers.loggers matches by plain string prefix, not by dotted parent.
            targets = [(name, lg) for name, lg in existing.items() if name.startswith(namespace)]
            if namespace not in existing:
                targets.append((namespace, logging.getLogger(namespace)))
            targets.sort(key=lambda target: target[0])
        # Parents before children: a child that merely inherits the new level is left unset
        # (as log4j leaves it), whatever order the loggers were created in.
        for name, logger in targets:
            current = logger.level or logger.getEffectiveLevel()
            if current == level:
                continue
            logger.setLevel(level)
            self._last_modified[name] = self._clock_ms()
        canonical = level_name.upper()
        self._settings.pop(namespace, None)
        self._settings[namespace] = canonical
        for callback in self._subscribers:
            callback(namespace, canonical)
        return sorted(name for name, _ in targets)
