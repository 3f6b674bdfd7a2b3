"""MockSourceConnector/MockSinkConnector: connectors that fail on purpose, to test failure handling.

Connect compat: `org.apache.kafka.connect.tools.MockConnector` and its tasks. `mock_mode` =
`connector-failure` makes the connector raise an error through its context after `delay_ms`
(default 15000); `task-failure` makes the single task raise from `poll()`/`put()` once `delay_ms`
has passed. Any other mode does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from engine.api import (
    ENGINE_VERSION,
    ConfigSpec,
    ConnectError,
    ConnectorContext,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceRecord,
    SourceTask,
)

__all__ = ["MockConnector", "MockSinkConnector", "MockSinkTask", "MockSourceConnector", "MockSourceTask"]

logger = logging.getLogger("connectors.tools")

MOCK_MODE_KEY = "mock_mode"
DELAY_MS_KEY = "delay_ms"
CONNECTOR_FAILURE = "connector-failure"
TASK_FAILURE = "task-failure"
DEFAULT_FAILURE_DELAY_MS = 15000
# How often an idle task checks whether its failure is due (Kafka's MockSinkTask wakes every 250 ms).
POLL_INTERVAL_S = 0.25


def _delay_ms(config: Mapping[str, str]) -> int:
    raw = config.get(DELAY_MS_KEY)
    try:
        return DEFAULT_FAILURE_DELAY_MS if raw is None else int(raw)
    except ValueError as exc:
        raise ConnectError(f"Invalid {DELAY_MS_KEY} value {raw}") from exc


class MockConnector:
    """The behaviour both mock connectors share (Kafka's `MockConnector`, used by delegation)."""

    def __init__(self) -> None:
        self._config: dict[str, str] = {}
        self._timer: threading.Timer | None = None

    def start(self, config: Mapping[str, str], raise_error: Callable[[Exception], None] | None) -> None:
        self._config = dict(config)
        if config.get(MOCK_MODE_KEY) == CONNECTOR_FAILURE:
            delay_ms = _delay_ms(config)
            logger.debug("Started MockConnector with failure delay of %d ms.", delay_ms)

            def fail() -> None:
                logger.debug("Triggering connector failure.")
                if raise_error is not None:
                    raise_error(ConnectError("MockConnector failure (mock_mode=connector-failure)"))

            self._timer = threading.Timer(delay_ms / 1000, fail)
            self._timer.daemon = True
            self._timer.start()

    def task_configs(self) -> list[dict[str, str]]:
        return [dict(self._config)]

    def stop(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()


class _MockConnectorBase:
    """What both Mock connectors do, through a shared `MockConnector`."""

    context: ConnectorContext | None = None

    def __init__(self) -> None:
        self._delegate = MockConnector()

    def version(self) -> str:
        return ENGINE_VERSION

    def config(self) -> ConfigSpec:
        return ConfigSpec()

    def start(self, props: Mapping[str, str]) -> None:
        self._delegate.start(props, self.context.raise_error if self.context else None)

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return self._delegate.task_configs()

    def stop(self) -> None:
        self._delegate.stop()


class MockSourceConnector(_MockConnectorBase, SourceConnector):
    """A source connector whose connector or task fails after `delay_ms`."""

    def task_class(self) -> type[SourceTask]:
        return MockSourceTask


class MockSinkConnector(_MockConnectorBase, SinkConnector):
    """A sink connector whose connector or task fails after `delay_ms`."""

    def task_class(self) -> type[SinkTask]:
        return MockSinkTask


class _Failure:
    """When a `task-failure` task is due to fail."""

    def __init__(self, config: Mapping[str, str]) -> None:
        self.enabled = config.get(MOCK_MODE_KEY) == TASK_FAILURE
        self.delay_ms = _delay_ms(config) if self.enabled else DEFAULT_FAILURE_DELAY_MS
        self.start_ms = time.time() * 1000

    def check(self, kind: str) -> None:
        if self.enabled and time.time() * 1000 - self.start_ms > self.delay_ms:
            logger.debug("Triggering %s task failure.", kind)
            raise ConnectError(f"Mock{kind.capitalize()}Task failure (mock_mode=task-failure)")


class MockSourceTask(SourceTask):
    """Produces nothing; raises from `poll()` once the failure is due."""

    def __init__(self) -> None:
        self._failure: _Failure | None = None
        self._stopping = threading.Event()

    def version(self) -> str:
        return ENGINE_VERSION

    def start(self, props: Mapping[str, str]) -> None:
        self._failure = _Failure(props)
        self._stopping.clear()

    def poll(self) -> list[SourceRecord] | None:
        if self._failure is not None:
            self._failure.check("source")
        # Connect's task returns at once; waiting a little keeps an idle task from spinning a core.
        self._stopping.wait(POLL_INTERVAL_S)
        return []

    def stop(self) -> None:
        self._stopping.set()


class MockSinkTask(SinkTask):
    """Consumes and drops records; raises from `put()` once the failure is due."""

    def __init__(self) -> None:
        self._failure: _Failure | None = None

    def version(self) -> str:
        return ENGINE_VERSION

    def start(self, props: Mapping[str, str]) -> None:
        self._failure = _Failure(props)
        self._wake_up()

    def put(self, records: Sequence[SinkRecord]) -> None:
        if self._failure is not None and self._failure.enabled:
            self._failure.check("sink")
            self._wake_up()

    def _wake_up(self) -> None:
        # Connect compat: MockSinkTask asks to be called again within 250 ms (or the failure delay),
        # so it fails on time even when no records arrive.
        if self.context is not None and self._failure is not None and self._failure.enabled:
            self.context.timeout(min(self._failure.delay_ms, int(POLL_INTERVAL_S * 1000)))

    def stop(self) -> None:
        """Nothing to release."""
