"""The child main: Connect-style traces, class loading, and `main` run as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine._native import RingBuffer
from engine.errors import ConnectError
from engine.runtime.process import _MaskingStream, format_trace, load_object
from engine.runtime.protocol import (
    Event,
    Heartbeat,
    StartConnector,
    StartTask,
    StatusChanged,
    Stop,
    Stopped,
    decode_event,
    encode,
)
from tests.recording_stream import RecordingStream

FAKES = Path(__file__).parent


def _inner() -> None:
    raise KeyError("missing")


def _outer() -> None:
    try:
        _inner()
    except KeyError as e:
        raise ConnectError("wrapped") from e


def _raised(fn: object) -> BaseException:
    try:
        fn()  # type: ignore[operator]  # every caller passes a callable
    except BaseException as e:  # noqa: BLE001 - the test inspects whatever was raised
        return e
    raise AssertionError("nothing raised")


def test_trace_has_class_message_and_frames_innermost_first() -> None:
    lines = format_trace(_raised(_inner)).splitlines()
    assert lines[0] == "KeyError: 'missing'"
    module = _inner.__module__
    assert lines[1].startswith(f"\tat {module}._inner(test_process.py:")
    assert lines[2].startswith(f"\tat {module}._raised(test_process.py:")
    assert len(lines) == 3


def test_trace_names_non_builtin_classes_fully_and_follows_causes() -> None:
    trace = format_trace(_raised(_outer))
    lines = trace.splitlines()
    assert lines[0] == "engine.errors.ConnectError: wrapped"
    cause = lines.index("Caused by: KeyError: 'missing'")
    # The cause's own frames: from where it was raised out to where it was caught.
    assert [line.split("(")[0] for line in lines[cause + 1 :]] == [
        f"\tat {_inner.__module__}._inner",
        f"\tat {_inner.__module__}._outer",
    ]


def test_trace_follows_context_unless_suppressed() -> None:
    def implicit() -> None:
        try:
            _inner()
        except KeyError:
            raise ValueError("") from None

    def chained() -> None:
        try:
            _inner()
        except KeyError:
            raise ValueError  # noqa: B904 - the implicit context is what this test is about

    assert "Caused by" not in format_trace(_raised(implicit))
    trace = format_trace(_raised(chained))
    assert trace.splitlines()[0] == "ValueError"
    assert "Caused by: KeyError: 'missing'" in trace


def test_trace_survives_a_cause_cycle() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__cause__, second.__cause__ = second, first
    assert format_trace(first).splitlines() == ["ValueError: a", "Caused by: ValueError: b"]


def test_masking_stream_writes_whole_lines_masked_once_each() -> None:
    out = RecordingStream()
    stream = _MaskingStream(out, ["pw", "pw-long", ""])  # type: ignore[arg-type]  # write/flush suffice
    assert stream.write('{"seqno":1,"auth":"pw-long"}\n') == len('{"seqno":1,"auth":"pw-long"}\n')
    stream.flush()
    assert out.calls == ['{"seqno":1,"auth":"[hidden]"}\n', None]
    # Two lines in one write go through in one write; the unfinished third is held.
    out.calls.clear()
    assert stream.write("a pw\nb pw\nc p") == len("a pw\nb pw\nc p")
    assert out.calls == ["a [hidden]\nb [hidden]\n"]


def test_masking_stream_finds_a_secret_split_over_writes_and_flushes_what_it_holds() -> None:
    out = RecordingStream()
    stream = _MaskingStream(out, ["pw-long", "pw"])  # type: ignore[arg-type]  # write/flush suffice
    for part in ("x pw", "-lo", "ng y", "\n"):
        stream.write(part)
    assert out.calls == ["x [hidden] y\n"]
    stream.write("tail p")
    stream.write("w")
    stream.flush()
    assert out.calls == ["x [hidden] y\n", "tail [hidden]", None]
    stream.flush()  # nothing held: only the wrapped stream's flush
    assert out.calls[-2:] == [None, None]


def test_load_object_forms() -> None:
    assert load_object("engine.errors:ConnectError") is ConnectError
    assert load_object("engine.errors.ConnectError") is ConnectError
    assert load_object("engine.runtime.protocol:StartTask.__init__") is StartTask.__init__
    with pytest.raises(ConnectError, match=r"Cannot load `engine\.errors:Nope`"):
        load_object("engine.errors:Nope")
    with pytest.raises(ConnectError, match="Cannot load `no_such_module_xyz:Thing`"):
        load_object("no_such_module_xyz:Thing")
    with pytest.raises(ConnectError, match="Invalid class name"):
        load_object("Connector")


# --- main as a real process ------------------------------------------------------------------


class Child:
    """`process.main` in a fresh interpreter, on rings the test owns."""

    def __init__(
        self,
        role: str,
        runner: str | None = "proc_fakes:run_task",
        wrapper: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        base = f"kconnect-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.control = RingBuffer.create(f"{base}-ctl", 1 << 16)
        self.events = RingBuffer.create(f"{base}-evt", 1 << 16)
        args = f"{role!r}, {self.control.name!r}, {self.events.name!r}, {runner!r}, {secrets!r}"
        code = f"from engine.runtime.process import main; main({args})"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FAKES), *sys.path])}
        argv = [sys.executable, "-c", code]
        if wrapper is not None:
            argv = [sys.executable, "-c", wrapper, *argv]
        self.backlog: list[Event] = []
        self.grandchild: int | None = None
        self.popen = subprocess.Popen(
            argv, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def events_until(self, predicate: type, timeout: float = 20) -> list[Event]:
        seen: list[Event] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Events popped past the match wait in `backlog` for the next call.
            if not self.backlog:
                self.backlog = [decode_event(frame) for frame in self.events.pop_many(64, 0.2)]
            while self.backlog:
                event = self.backlog.pop(0)
                seen.append(event)
                if isinstance(event, predicate):
                    return seen
        raise AssertionError(f"no {predicate.__name__} in {seen}")

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        if self.grandchild is not None and _running(self.grandchild):
            os.kill(self.grandchild, signal.SIGKILL)
        self.popen.communicate()
        for ring in (self.control, self.events):
            RingBuffer.unlink(ring.name, missing_ok=True)


@pytest.fixture
def children() -> Iterator[list[Child]]:
    made: list[Child] = []
    yield made
    for child in made:
        child.close()


def _start_task(behaviour: str) -> StartTask:
    return StartTask(
        connector="conn",
        task=0,
        task_class="proc_fakes:FakeSourceTask",
        connector_config={"connection.password": "do-not-print-me"},
        task_config={"behaviour": behaviour},
        target_state="STARTED",
        worker={},
    )


def test_main_runs_the_task_and_logs_with_its_context(children: list[Child]) -> None:
    child = Child("task")
    children.append(child)
    child.control.push(encode(_start_task("raise")))
    events = child.events_until(StatusChanged)  # RUNNING
    events = child.events_until(StatusChanged)  # FAILED
    failed = [e for e in events if isinstance(e, StatusChanged)][-1]
    assert failed.state == "FAILED" and failed.trace is not None
    assert failed.trace.startswith("RuntimeError: task broke")
    _, stderr = child.popen.communicate(timeout=10)
    assert child.popen.returncode == 1
    assert "ERROR [connector=conn task=0] The task failed and stops:\nRuntimeError: task broke" in stderr
    assert "do-not-print-me" not in stderr
    # The child closed its rings on the way out.
    assert child.events.closed


def test_main_masks_secrets_in_logs_prints_uncaught_exceptions_and_the_trace(children: list[Child]) -> None:
    # The launcher passes the password and a second, shorter secret contained in it.
    child = Child("task", secrets=("print-me", "do-not-print-me"))
    children.append(child)
    child.control.push(encode(_start_task("leak")))
    events = child.events_until(StatusChanged)  # RUNNING
    events = child.events_until(StatusChanged)  # FAILED
    failed = [e for e in events if isinstance(e, StatusChanged)][-1]
    assert failed.trace is not None
    assert failed.trace.startswith("RuntimeError: Login with [hidden] refused")
    stdout, stderr = child.popen.communicate(timeout=10)
    assert child.popen.returncode == 1
    for text in (
        "Logging in with [hidden] (proc_fakes)",
        "Login failed (proc_fakes)\nTraceback",
        "ValueError: refused [hidden]",
        "printed [hidden]",
        "RuntimeError: thread saw [hidden]",
        "The task failed and stops:\nRuntimeError: Login with [hidden] refused",
    ):
        assert text in stderr
    assert "stdout [hidden]" in stdout
    assert "do-not-print-me" not in stdout + stderr
    assert "not-" not in stdout + stderr  # longest first: no half-masked `do-not-[hidden]-me`


def test_main_stops_cleanly_on_stop(children: list[Child]) -> None:
    child = Child("task")
    children.append(child)
    child.control.push(encode(_start_task("")))
    assert isinstance(child.events_until(StatusChanged)[-1], StatusChanged)
    child.control.push(encode(Stop()))
    assert isinstance(child.events_until(Stopped)[-1], Stopped)
    child.popen.communicate(timeout=10)
    assert child.popen.returncode == 0


def test_main_refuses_a_start_frame_of_the_other_role_without_printing_it(children: list[Child]) -> None:
    child = Child("task")
    children.append(child)
    start = StartConnector(
        name="conn",
        connector_class="x:Y",
        config={"password": "do-not-print-me"},
        target_state="STARTED",
        worker={},
    )
    child.control.push(encode(start))
    failed = child.events_until(StatusChanged)[-1]
    assert isinstance(failed, StatusChanged) and failed.trace is not None
    assert failed.trace.startswith(
        "engine.errors.ConnectError: Expected a StartTask frame first, got StartConnector."
    )
    _, stderr = child.popen.communicate(timeout=10)
    assert "do-not-print-me" not in stderr + failed.trace


def test_main_exits_when_its_parent_is_gone(children: list[Child]) -> None:
    # A parent that starts `main`, prints its pid and waits: killing it orphans the child.
    wrapper = "import subprocess, sys; p = subprocess.Popen(sys.argv[1:]); print(p.pid, flush=True); p.wait()"
    child = Child("task", wrapper=wrapper)
    children.append(child)
    assert child.popen.stdout is not None
    pid = child.grandchild = int(child.popen.stdout.readline())
    child.events_until(Heartbeat)  # the heartbeat thread knows its parent by now
    child.popen.send_signal(signal.SIGKILL)
    child.popen.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.1)
    assert not _running(pid)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
