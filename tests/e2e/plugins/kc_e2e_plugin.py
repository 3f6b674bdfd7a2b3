"""Connectors the end-to-end tests load through `plugin.path` (never bundled).

`SecretSourceConnector` declares a PASSWORD-typed `password` key and a `token` key; its task logs
and fails with both values, so the tests can check the worker hides them. `StuckSourceConnector`'s
task never returns from `poll()`, so only a kill stops it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from engine.api import (
    ConfigKey,
    ConfigSpec,
    ConfigType,
    ConnectError,
    Importance,
    SourceConnector,
    SourceRecord,
    SourceTask,
)

__all__ = ["SecretSourceConnector", "SecretSourceTask", "StuckSourceConnector", "StuckSourceTask"]

logger = logging.getLogger("connectors.e2e")

PASSWORD_CONFIG = "password"
TOKEN_CONFIG = "token"


class _OneTaskSource(SourceConnector):
    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return "1.0"

    def config(self) -> ConfigSpec:
        return ConfigSpec()

    def start(self, props: Mapping[str, str]) -> None:
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._props)]

    def stop(self) -> None:
        self._props = {}


class SecretSourceTask(SourceTask):
    def version(self) -> str:
        return "1.0"

    def start(self, props: Mapping[str, str]) -> None:
        self._password = props[PASSWORD_CONFIG]
        self._token = props[TOKEN_CONFIG]
        logger.warning("Logging in with password %s and token %s.", self._password, self._token)

    def poll(self) -> list[SourceRecord] | None:
        raise ConnectError(f"Login with password {self._password} and token {self._token} refused")

    def stop(self) -> None:
        logger.info("Stopped.")


class SecretSourceConnector(_OneTaskSource):
    def config(self) -> ConfigSpec:
        return ConfigSpec.of(
            [
                ConfigKey(PASSWORD_CONFIG, ConfigType.PASSWORD, "The password.", importance=Importance.HIGH),
                ConfigKey(TOKEN_CONFIG, ConfigType.STRING, "The token.", importance=Importance.HIGH),
            ]
        )

    def task_class(self) -> type[SourceTask]:
        return SecretSourceTask


class StuckSourceTask(SourceTask):
    def version(self) -> str:
        return "1.0"

    def start(self, props: Mapping[str, str]) -> None:
        self._never = threading.Event()

    def poll(self) -> list[SourceRecord] | None:
        self._never.wait()  # ignores stop(): only a kill ends this task
        return None

    def stop(self) -> None:
        logger.info("Asked to stop; not stopping.")


class StuckSourceConnector(_OneTaskSource):
    def task_class(self) -> type[SourceTask]:
        return StuckSourceTask
