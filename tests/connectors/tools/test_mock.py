"""MockSource/MockSink connectors fail on purpose, as Kafka's do."""

import threading

import pytest

from connectors.tools import MockSinkConnector, MockSinkTask, MockSourceConnector, MockSourceTask
from engine.api import ConnectError


class FakeConnectorContext:
    def __init__(self) -> None:
        self.errors: list[Exception] = []
        self.raised = threading.Event()

    def request_task_reconfiguration(self) -> None:
        raise AssertionError("not expected")

    def raise_error(self, error: Exception) -> None:
        self.errors.append(error)
        self.raised.set()


class FakeSinkContext:
    def __init__(self) -> None:
        self.timeouts: list[int] = []

    def timeout(self, timeout_ms: int) -> None:
        self.timeouts.append(timeout_ms)


def test_connector_failure_is_raised_through_the_context_after_the_delay() -> None:
    context = FakeConnectorContext()
    connector = MockSourceConnector()
    connector.initialize(context)
    connector.start({"mock_mode": "connector-failure", "delay_ms": "10"})
    assert context.raised.wait(5)
    assert isinstance(context.errors[0], ConnectError)
    connector.stop()
    assert connector.task_configs(4) == [{"mock_mode": "connector-failure", "delay_ms": "10"}]


def test_stop_cancels_a_pending_connector_failure() -> None:
    context = FakeConnectorContext()
    connector = MockSinkConnector()
    connector.initialize(context)
    connector.start({"mock_mode": "connector-failure", "delay_ms": "200"})
    connector.stop()
    assert not context.raised.wait(0.4)


def test_source_task_fails_once_the_delay_passed() -> None:
    task = MockSourceTask()
    task.start({"mock_mode": "task-failure", "delay_ms": "0"})
    with pytest.raises(ConnectError, match="task-failure"):
        task.poll()
    idle = MockSourceTask()
    idle.start({"mock_mode": "task-failure", "delay_ms": "60000"})
    idle.stop()
    assert idle.poll() == []


def test_sink_task_fails_in_put_and_asks_to_be_woken() -> None:
    context = FakeSinkContext()
    task = MockSinkTask()
    task.initialize(context)  # type: ignore[arg-type]  # a fake with the used member
    task.start({"mock_mode": "task-failure", "delay_ms": "100000"})
    task.put([])
    assert context.timeouts == [250, 250]
    task.start({"mock_mode": "task-failure", "delay_ms": "-1"})
    with pytest.raises(ConnectError):
        task.put([])


def test_other_modes_do_nothing() -> None:
    task = MockSinkTask()
    task.start({})
    task.put([])
    assert MockSinkConnector().task_class() is MockSinkTask


def test_bad_delay_is_a_connect_error() -> None:
    with pytest.raises(ConnectError, match="Invalid delay_ms value soon"):
        MockSourceTask().start({"mock_mode": "task-failure", "delay_ms": "soon"})
