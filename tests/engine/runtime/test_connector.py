"""The connector main, run in a thread of the test over real rings (the test plays the supervisor)."""

from __future__ import annotations

import importlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine._native import RingBuffer
from engine.errors import ConnectError
from engine.runtime.channel import Channel
from engine.runtime.connector import TooManyTasksError, class_path, run_connector
from engine.runtime.protocol import (
    Commit,
    Control,
    Event,
    RequestTaskConfigs,
    SetTargetState,
    StartConnector,
    StartTask,
    StatusChanged,
    Stop,
    TaskConfigs,
    decode_event,
    encode,
)

RECORDING = "proc_fakes:RecordingSinkConnector"


class Harness:
    """Runs `run_connector` in a thread; `send` pushes control frames, `next_event` pops one."""

    def __init__(self, connector_class: str, config: dict[str, str], target_state: str = "STARTED") -> None:
        base = f"kconnect-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.control = RingBuffer.create(f"{base}-ctl", 1 << 16)
        self.events = RingBuffer.create(f"{base}-evt", 1 << 16)
        self.channel = Channel(self.control, self.events)
        self.error: BaseException | None = None
        self._pending: list[bytes] = []
        start = StartConnector(
            name="conn", connector_class=connector_class, config=config, target_state=target_state, worker={}
        )
        self.thread = threading.Thread(target=self._run, args=(start,))
        self.thread.start()

    def _run(self, start: StartConnector) -> None:
        try:
            run_connector(start, self.channel)
        except BaseException as e:  # noqa: BLE001 - handed to the test through `error`
            self.error = e

    def send(self, message: Control) -> None:
        assert self.control.push(encode(message))

    def next_event(self) -> Event:
        while not self._pending:
            self._pending = self.events.pop_many(64, 5.0)
            assert self._pending or self.thread.is_alive(), "no event, and the connector main ended"
        return decode_event(self._pending.pop(0))

    def finish(self) -> None:
        self.thread.join(5)
        assert not self.thread.is_alive()
        for ring in (self.control, self.events):
            RingBuffer.unlink(ring.name, missing_ok=True)


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Harness]]:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    fakes = importlib.import_module("proc_fakes")
    fakes.RecordingSinkConnector.calls.clear()
    made: list[Harness] = []

    def make(*args: Any, **kwargs: Any) -> Harness:
        made.append(Harness(*args, **kwargs))
        return made[-1]

    yield make
    for h in made:
        if h.thread.is_alive():
            h.send(Stop())
        h.finish()


def _calls() -> list[str]:
    calls: list[str] = importlib.import_module("proc_fakes").RecordingSinkConnector.calls
    return calls


def test_lifecycle_follows_connects_worker_connector(harness: Callable[..., Harness]) -> None:
    h = harness(RECORDING, {"topics": "a,b"})
    assert h.next_event() == StatusChanged(state="RUNNING")
    h.send(SetTargetState(state="PAUSED"))
    assert h.next_event() == StatusChanged(state="PAUSED")
    h.send(SetTargetState(state="STARTED"))
    assert h.next_event() == StatusChanged(state="RUNNING")
    h.send(Commit())
    h.send(Stop())
    h.finish()
    assert h.error is None
    # Connect compat: pausing stops the connector, resuming starts it again.
    assert _calls() == ["start", "stop", "start", "stop"]


def test_task_configs_carry_task_class_and_sink_topics(harness: Callable[..., Harness]) -> None:
    h = harness(RECORDING, {"topics.regex": "t-.*", "generate": "2"})
    assert h.next_event() == StatusChanged(state="RUNNING")
    h.send(RequestTaskConfigs(request_id=7, max_tasks=3))
    answer = h.next_event()
    task_class = "proc_fakes:FakeSinkTask"
    assert answer == TaskConfigs(
        request_id=7,
        configs=[
            {"index": "0", "task.class": task_class, "topics.regex": "t-.*"},
            {"index": "1", "task.class": task_class, "topics.regex": "t-.*"},
        ],
    )


def test_paused_connector_is_never_started(harness: Callable[..., Harness]) -> None:
    h = harness(RECORDING, {}, "PAUSED")
    assert h.next_event() == StatusChanged(state="PAUSED")
    h.send(RequestTaskConfigs(request_id=1, max_tasks=1))
    answer = h.next_event()
    assert isinstance(answer, TaskConfigs) and answer.configs == []
    assert answer.error is not None and answer.error.startswith(
        "engine.errors.ConnectError: Connector conn is not running."
    )
    h.send(SetTargetState(state="STOPPED"))
    assert h.next_event() == StatusChanged(state="STOPPED")
    h.send(Stop())
    h.finish()
    assert _calls() == []


def test_too_many_tasks_fail_unless_enforcement_is_off(harness: Callable[..., Harness]) -> None:
    h = harness(RECORDING, {"generate": "3"})
    assert h.next_event() == StatusChanged(state="RUNNING")
    h.send(RequestTaskConfigs(request_id=1, max_tasks=2))
    answer = h.next_event()
    assert isinstance(answer, TaskConfigs) and answer.error is not None
    assert "has generated 3 tasks, which is greater than 2, the maximum" in answer.error
    h.finish()
    assert isinstance(h.error, TooManyTasksError)
    assert _calls() == ["start", "task_configs(2)", "stop"]

    lenient = harness(RECORDING, {"generate": "3", "tasks.max.enforce": "false"})
    assert lenient.next_event() == StatusChanged(state="RUNNING")
    lenient.send(RequestTaskConfigs(request_id=2, max_tasks=2))
    answer = lenient.next_event()
    assert isinstance(answer, TaskConfigs) and len(answer.configs) == 3 and answer.error is None


def test_unknown_target_state_fails(harness: Callable[..., Harness]) -> None:
    h = harness(RECORDING, {})
    assert h.next_event() == StatusChanged(state="RUNNING")
    h.send(SetTargetState(state="SLEEPING"))
    h.finish()
    assert isinstance(h.error, ConnectError) and "Unknown target state `SLEEPING`" in str(h.error)


def test_a_task_frame_is_not_for_a_connector(harness: Callable[..., Harness]) -> None:
    h = harness(RECORDING, {})
    assert h.next_event() == StatusChanged(state="RUNNING")
    h.send(
        StartTask(
            connector="c",
            task=0,
            task_class="x:Y",
            connector_config={},
            task_config={},
            target_state="STARTED",
            worker={},
        )
    )
    h.finish()
    assert isinstance(h.error, ConnectError) and "Unexpected control message StartTask" in str(h.error)


def test_closed_control_ring_stops_the_connector(harness: Callable[..., Harness]) -> None:
    h = harness(RECORDING, {})
    assert h.next_event() == StatusChanged(state="RUNNING")
    h.control.close()
    h.finish()
    assert h.error is None and _calls() == ["start", "stop"]


def test_class_path_is_what_load_object_imports() -> None:
    assert class_path(Harness) == f"{Harness.__module__}:Harness"
