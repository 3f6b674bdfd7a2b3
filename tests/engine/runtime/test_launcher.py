"""The launcher against real processes and real rings: lifecycle, requests and containment.

No broker: the connectors and the task loop come from `proc_fakes`, imported by name in the
children. Every test checks it leaves no process, ring or handle behind.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine._native import RingBuffer
from engine.errors import ConnectError
from engine.herder.entities import ConnectorTaskId
from engine.runtime.launcher import Exited, InstanceEvent, InstanceHandle, Launcher, remove_stale_rings
from engine.runtime.protocol import ReconfigurationRequested, StatusChanged, Stopped, TopicsUsed

FAKES = Path(__file__).parent
SCRIPTED = "proc_fakes:ScriptedConnector"
RUN_TASK = "proc_fakes:run_task"


def _own_rings() -> list[str]:
    return [name for name in os.listdir("/dev/shm") if name.startswith(f"kconnect-{os.getpid()}-")]


@pytest.fixture
def make_launcher(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Launcher]]:
    # Children receive the parent's sys.path when they start, so they can import proc_fakes.
    monkeypatch.syspath_prepend(str(FAKES))
    launchers: list[Launcher] = []

    def make(**kwargs: Any) -> Launcher:
        launcher = Launcher({}, **kwargs)
        launchers.append(launcher)
        return launcher

    yield make
    left = [handle for launcher in launchers for handle in launcher.handles]
    for handle in left:
        handle._kill_at_exit()  # a failed test must not leave processes behind
    assert not left, "a test left a process running"
    assert _own_rings() == []


def run(coro: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 60))


async def _drain(handle: InstanceHandle) -> list[InstanceEvent]:
    return [event async for event in handle.events]


async def _next(handle: InstanceHandle) -> InstanceEvent:
    return await asyncio.wait_for(anext(handle.events), 20)


def _task_id(task: int = 0) -> ConnectorTaskId:
    return ConnectorTaskId(connector="conn", task=task)


async def _start_task(launcher: Launcher, behaviour: str = "", target: str = "STARTED") -> InstanceHandle:
    return await launcher.start_task(
        _task_id(),
        {"connector.class": SCRIPTED},
        {"task.class": "proc_fakes:FakeSourceTask", "behaviour": behaviour},
        target,
    )


class LoopWatch:
    """Measures the longest stall of the event loop while it runs: containment must never block it.

    Tests compare it with half their stop timeout, so a blocking wait would show, while the
    scheduling noise of a busy machine would not."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            self.longest = max(self.longest, now - last)
            last = now

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


# --- connector processes -----------------------------------------------------------------


def test_connector_answers_task_configs_and_stops_cleanly(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher()

    async def main() -> None:
        handle = await launcher.start_connector("conn", {"connector.class": SCRIPTED}, "STARTED")
        assert handle.alive and handle.pid > 0
        assert await _next(handle) == StatusChanged(state="RUNNING")
        configs = await handle.request_task_configs(2)
        assert configs == [
            {"index": "0", "task.class": "proc_fakes:FakeSourceTask"},
            {"index": "1", "task.class": "proc_fakes:FakeSourceTask"},
        ]
        # The child opened both rings before its first event, so their names are gone already.
        assert _own_rings() == []
        await handle.stop(5)
        assert await _drain(handle) == [Stopped(), Exited(exitcode=0, trace=None)]
        assert not handle.alive
        with pytest.raises(ConnectError, match="has exited"):
            await handle.request_task_configs(1)

    run(main())


def test_paused_connector_is_not_started_until_resumed(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher()

    async def main() -> None:
        handle = await launcher.start_connector("conn", {"connector.class": SCRIPTED}, "PAUSED")
        assert await _next(handle) == StatusChanged(state="PAUSED")
        with pytest.raises(ConnectError, match="Connector conn is not running"):
            await handle.request_task_configs(1)
        await handle.resume()
        assert await _next(handle) == StatusChanged(state="RUNNING")
        assert len(await handle.request_task_configs(3)) == 3
        await handle.pause()
        assert await _next(handle) == StatusChanged(state="PAUSED")
        await handle.stop(5)
        assert await _drain(handle) == [Stopped(), Exited(exitcode=0)]

    run(main())


def test_task_configs_error_answers_the_request_and_keeps_the_connector(
    make_launcher: Callable[..., Launcher],
) -> None:
    launcher = make_launcher()

    async def main() -> None:
        config = {"connector.class": SCRIPTED, "behaviour": "fail-task-configs"}
        handle = await launcher.start_connector("conn", config, "STARTED")
        assert await _next(handle) == StatusChanged(state="RUNNING")
        with pytest.raises(ConnectError) as caught:
            await handle.request_task_configs(1)
        assert "failed to generate task configs: ValueError: cannot split the work\n\tat proc_fakes." in str(
            caught.value
        )
        assert handle.alive
        await handle.stop(5)
        assert (await _drain(handle))[-1] == Exited(exitcode=0)

    run(main())


def test_too_many_task_configs_fail_the_connector_in_connects_words(
    make_launcher: Callable[..., Launcher],
) -> None:
    launcher = make_launcher()

    async def main() -> None:
        config = {"connector.class": SCRIPTED, "behaviour": "too-many-tasks"}
        handle = await launcher.start_connector("conn", config, "STARTED")
        with pytest.raises(
            ConnectError, match="The connector conn has generated 3 tasks, which is greater than 2, "
        ):
            await handle.request_task_configs(2)
        events = await _drain(handle)
        assert events[0] == StatusChanged(state="RUNNING")
        failed = events[1]
        assert isinstance(failed, StatusChanged) and failed.state == "FAILED"
        assert failed.trace is not None
        assert failed.trace.startswith(
            "engine.runtime.connector.TooManyTasksError: The connector conn has generated"
        )
        assert events[2] == Exited(exitcode=1, trace=failed.trace)

    run(main())


def test_start_failure_is_failed_with_a_connect_style_trace_and_no_secret(
    make_launcher: Callable[..., Launcher],
) -> None:
    launcher = make_launcher()

    async def main() -> None:
        config = {
            "connector.class": SCRIPTED,
            "behaviour": "fail-start",
            "connection.password": "s3cr3t-value",
        }
        handle = await launcher.start_connector("conn", config, "STARTED", secrets=["s3cr3t-value"])
        events = await _drain(handle)
        assert len(events) == 2
        failed, exited = events
        assert isinstance(failed, StatusChanged) and failed.state == "FAILED" and failed.trace is not None
        lines = failed.trace.splitlines()
        assert lines[0] == "engine.errors.ConfigError: Bad configuration, the password is [hidden]"
        assert lines[1].startswith("\tat proc_fakes.ScriptedConnector.start(proc_fakes.py:")
        assert lines[-1].startswith("\tat engine.runtime.process.main(process.py:")
        assert "s3cr3t" not in failed.trace
        assert exited == Exited(exitcode=1, trace=failed.trace)

    run(main())


def test_error_raised_from_a_connector_thread_fails_it(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher()

    async def main() -> None:
        config = {"connector.class": SCRIPTED, "behaviour": "raise-error"}
        handle = await launcher.start_connector("conn", config, "STARTED")
        events = await _drain(handle)
        assert events[0] == StatusChanged(state="RUNNING")
        assert isinstance(events[1], StatusChanged) and events[1].state == "FAILED"
        assert events[1].trace is not None and events[1].trace.startswith("RuntimeError: lost the connection")
        assert isinstance(events[2], Exited) and events[2].exitcode == 1

    run(main())


def test_reconfiguration_request_reaches_the_supervisor(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher()

    async def main() -> None:
        config = {"connector.class": SCRIPTED, "behaviour": "reconfigure"}
        handle = await launcher.start_connector("conn", config, "STARTED")
        assert await _next(handle) == ReconfigurationRequested()
        assert await _next(handle) == StatusChanged(state="RUNNING")
        await handle.stop(5)
        await _drain(handle)

    run(main())


@pytest.mark.parametrize(
    ("connector_class", "expected"),
    [
        ("proc_fakes:Missing", "engine.errors.ConnectError: Cannot load `proc_fakes:Missing`"),
        (
            "proc_fakes:NotAConnector",
            "engine.errors.ConnectError: `proc_fakes:NotAConnector` is not a Connector.",
        ),
    ],
)
def test_a_class_that_is_not_a_connector_fails_it(
    make_launcher: Callable[..., Launcher], connector_class: str, expected: str
) -> None:
    launcher = make_launcher()

    async def main() -> None:
        handle = await launcher.start_connector("conn", {}, "STARTED", connector_class=connector_class)
        events = await _drain(handle)
        assert isinstance(events[0], StatusChanged) and events[0].trace is not None
        assert events[0].trace.startswith(expected)
        assert isinstance(events[1], Exited) and events[1].exitcode == 1

    run(main())


def test_exit_from_connector_code_is_failed_with_the_exit_code(
    make_launcher: Callable[..., Launcher],
) -> None:
    launcher = make_launcher()

    async def main() -> None:
        config = {"connector.class": SCRIPTED, "behaviour": "exit-start"}
        handle = await launcher.start_connector("conn", config, "STARTED")
        reason = "Connector process exited unexpectedly with code 3"
        assert await _drain(handle) == [
            StatusChanged(state="FAILED", trace=reason),
            Exited(exitcode=3, trace=reason),
        ]

    run(main())


def test_connector_stuck_in_stop_is_killed_at_the_stop_timeout(
    make_launcher: Callable[..., Launcher],
) -> None:
    launcher = make_launcher()

    async def main() -> None:
        config = {"connector.class": SCRIPTED, "behaviour": "hang-stop"}
        handle = await launcher.start_connector("conn", config, "STARTED")
        assert await _next(handle) == StatusChanged(state="RUNNING")
        with LoopWatch() as watch:
            began = time.monotonic()
            await handle.stop(1.0)
            assert time.monotonic() - began < 3
        assert watch.longest < 0.5
        trace = "Connector process did not stop within 1000 ms; killed"
        assert await _drain(handle) == [Exited(exitcode=-signal.SIGKILL, trace=trace)]

    run(main())


# --- task processes ----------------------------------------------------------------------


def test_task_runs_pauses_and_stops(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        handle = await _start_task(launcher, target="PAUSED")
        assert await _next(handle) == StatusChanged(state="PAUSED")
        assert await _next(handle) == TopicsUsed(topics=["conn-0"])
        await handle.resume()
        assert await _next(handle) == StatusChanged(state="RUNNING")
        await handle.commit()
        await handle.stop(5)
        assert await _drain(handle) == [Stopped(), Exited(exitcode=0)]

    run(main())


def test_logger_levels_reach_new_and_running_processes(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def level_in_child(handle: InstanceHandle) -> str | None:
        await handle.commit()
        event = await _next(handle)
        assert isinstance(event, StatusChanged)
        return event.trace

    async def main() -> None:
        # Set before the process exists: replayed when it starts (a wider namespace first).
        launcher.set_logger_level("kct_levels", "DEBUG")
        handle = await _start_task(launcher, behaviour="report-levels")
        assert await _next(handle) == StatusChanged(state="RUNNING")
        assert await _next(handle) == TopicsUsed(topics=["conn-0"])
        assert await level_in_child(handle) == "DEBUG"
        # Set while it runs: sent to it.
        launcher.set_logger_level("kct_levels.task", "ERROR")
        assert await level_in_child(handle) == "ERROR"
        launcher.set_logger_level("kct_levels", "WARN")  # a prefix: overrides the child logger
        assert await level_in_child(handle) == "WARNING"
        await handle.stop(5)
        assert await _drain(handle) == [Stopped(), Exited(exitcode=0)]

    run(main())


def test_start_task_needs_a_task_class(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher()

    async def main() -> None:
        with pytest.raises(ConnectError, match=r"The config of task conn-0 has no `task\.class`\."):
            await launcher.start_task(_task_id(), {}, {}, "STARTED")

    run(main())


def test_task_class_picks_the_loop_and_a_non_task_class_fails(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher()

    async def main() -> None:
        handle = await launcher.start_task(
            _task_id(), {}, {}, "STARTED", task_class="proc_fakes:NotAConnector"
        )
        events = await _drain(handle)
        assert isinstance(events[0], StatusChanged) and events[0].trace is not None
        assert events[0].trace.startswith(
            "engine.errors.ConnectError: `proc_fakes:NotAConnector` is neither a SourceTask nor a SinkTask."
        )

    run(main())


@pytest.mark.parametrize(
    ("behaviour", "first_line", "exitcode"),
    [
        ("raise", "RuntimeError: task broke", 1),
        ("memory", "MemoryError", 1),
        ("system-exit", "SystemExit: 4", 1),
        ("exit", "Task process exited unexpectedly with code 3", 3),
        ("segfault", "Task process exited with signal SIGSEGV (11)", -signal.SIGSEGV),
    ],
)
def test_a_crashing_task_is_failed_with_a_readable_trace(
    make_launcher: Callable[..., Launcher], behaviour: str, first_line: str, exitcode: int
) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        with LoopWatch() as watch:
            handle = await _start_task(launcher, behaviour)
            events = await _drain(handle)
        assert watch.longest < 0.5
        assert events[:2] == [StatusChanged(state="RUNNING"), TopicsUsed(topics=["conn-0"])]
        failed, exited = events[2:]
        assert isinstance(failed, StatusChanged) and failed.state == "FAILED" and failed.trace is not None
        assert failed.trace.splitlines()[0] == first_line
        assert isinstance(exited, Exited) and exited.exitcode == exitcode

    run(main())


def test_exception_chain_is_in_the_trace(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        handle = await _start_task(launcher, "raise")
        events = await _drain(handle)
        failed = events[2]
        assert isinstance(failed, StatusChanged) and failed.trace is not None
        assert "\nCaused by: KeyError: 'inner'\n\tat proc_fakes.run_task(proc_fakes.py:" in failed.trace

    run(main())


def test_sigkill_from_outside_is_failed_and_names_the_oom_killer(
    make_launcher: Callable[..., Launcher],
) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        handle = await _start_task(launcher)
        assert await _next(handle) == StatusChanged(state="RUNNING")
        os.kill(handle.pid, signal.SIGKILL)
        events = [e for e in await _drain(handle) if not isinstance(e, TopicsUsed)]
        failed = events[0]
        assert isinstance(failed, StatusChanged) and failed.state == "FAILED" and failed.trace is not None
        assert failed.trace.startswith(
            "Task process exited with signal SIGKILL (9); the worker did not send it"
        )
        assert "out-of-memory killer" in failed.trace
        assert events[1:] == [Exited(exitcode=-signal.SIGKILL, trace=failed.trace)]

    run(main())


def test_sigterm_and_sigint_are_ignored_by_the_child(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        handle = await _start_task(launcher)
        assert await _next(handle) == StatusChanged(state="RUNNING")
        os.kill(handle.pid, signal.SIGTERM)
        os.kill(handle.pid, signal.SIGINT)
        await asyncio.sleep(0.3)
        assert handle.alive
        await handle.stop(5)
        assert (await _drain(handle))[-2:] == [Stopped(), Exited(exitcode=0)]

    run(main())


def test_task_ignoring_stop_is_killed_at_the_stop_timeout(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        handle = await _start_task(launcher, "ignore-stop")
        assert await _next(handle) == StatusChanged(state="RUNNING")
        with LoopWatch() as watch:
            await handle.stop(1.0)
        assert watch.longest < 0.5
        events = await _drain(handle)
        assert events[-1] == Exited(
            exitcode=-signal.SIGKILL, trace="Task process did not stop within 1000 ms; killed"
        )
        assert not any(isinstance(e, StatusChanged) and e.state == "FAILED" for e in events)

    run(main())


def test_a_process_without_heartbeats_is_killed_and_failed(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK, heartbeat_timeout_ms=1200)

    async def main() -> None:
        handle = await _start_task(launcher)
        assert await _next(handle) == StatusChanged(state="RUNNING")
        # Heartbeats keep a healthy process alive past the timeout.
        await asyncio.sleep(1.6)
        assert handle.alive
        os.kill(handle.pid, signal.SIGSTOP)
        began = time.monotonic()
        events = await _drain(handle)
        # The last heartbeat came up to a second before SIGSTOP.
        assert 0.15 < time.monotonic() - began < 5
        reason = "Task process stopped answering: no heartbeat for 1200 ms; killed"
        assert events[-2:] == [
            StatusChanged(state="FAILED", trace=reason),
            Exited(exitcode=-signal.SIGKILL, trace=reason),
        ]

    run(main())


def test_kill_ends_the_stream_without_failing(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        handle = await _start_task(launcher)
        assert await _next(handle) == StatusChanged(state="RUNNING")
        handle.kill()
        exited = await handle.wait()
        assert exited == Exited(exitcode=-signal.SIGKILL, trace="Task process killed by the worker")
        assert [e for e in await _drain(handle) if not isinstance(e, TopicsUsed)] == [exited]
        handle.kill()  # a second kill of a gone process is harmless

    run(main())


def test_close_stops_every_instance(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def main() -> None:
        handles = [await _start_task(launcher) for _ in range(3)]
        assert len(launcher.handles) == 3
        await launcher.close(5)
        assert not launcher.handles
        for handle in handles:
            assert (await handle.wait()).exitcode == 0

    run(main())


def _resources() -> tuple[int, int, int]:
    return (
        len(os.listdir("/proc/self/fd")),
        len(os.listdir("/proc/self/task")),
        len(multiprocessing.active_children()),
    )


def test_many_start_stop_cycles_leak_nothing(make_launcher: Callable[..., Launcher]) -> None:
    launcher = make_launcher(runner=RUN_TASK)

    async def cycle(behaviour: str) -> None:
        handle = await _start_task(launcher, behaviour)
        if behaviour == "":
            await _next(handle)
            await handle.stop(5)
        await _drain(handle)

    async def main() -> None:
        await cycle("")  # warms up the loop's own fds and the default executor's threads
        before = _resources()
        for i in range(12):
            await cycle(["", "exit", "raise"][i % 3])
        # Executor threads may linger briefly; they are not ours.
        fds, _threads, children = _resources()
        assert (fds, children) == (before[0], before[2])
        assert _own_rings() == []

    run(main())


def test_stale_rings_of_dead_workers_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = f"kconnect-{dead.pid}-987654-ctl"
    live = f"kconnect-{os.getppid()}-987654-evt"
    other = "kconnect-not-a-ring-name"
    for name in (stale, live, other):
        RingBuffer.create(name, 4096)
    try:
        removed = remove_stale_rings()
        assert stale in removed
        remaining = os.listdir("/dev/shm")
        assert stale not in remaining and live in remaining and other in remaining
    finally:
        for name in (stale, live, other):
            RingBuffer.unlink(name, missing_ok=True)


_SUPERVISOR = """
import asyncio, os, sys
sys.path.insert(0, {fakes!r})
from engine.herder.entities import ConnectorTaskId
from engine.runtime.launcher import Launcher

async def main():
    launcher = Launcher({{}}, runner="proc_fakes:run_task")
    handle = await launcher.start_task(
        ConnectorTaskId(connector="conn", task=0),
        {{"connector.class": "proc_fakes:ScriptedConnector"}},
        {{"task.class": "proc_fakes:FakeSourceTask", "behaviour": ""}},
        "STARTED",
    )
    await anext(handle.events)
    print(handle.pid, flush=True)
    await asyncio.sleep(600)

if __name__ == "__main__":
    asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_sigkilled_supervisor_takes_its_forkserver_and_instances_down(tmp_path: Path) -> None:
    # A supervisor killed with SIGKILL runs no cleanup; its task processes must still end by
    # themselves, or they would go on producing next to the worker that replaces it.
    script = tmp_path / "supervisor.py"
    script.write_text(_SUPERVISOR.format(fakes=str(FAKES)))
    supervisor = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert supervisor.stdout is not None
        task_pid = int(supervisor.stdout.readline())
        forkserver_pid = int(Path(f"/proc/{task_pid}/stat").read_text().split(")")[-1].split()[1])  # ppid
        assert _alive(task_pid) and _alive(forkserver_pid)
        supervisor.kill()
        supervisor.wait()
        deadline = time.monotonic() + 15
        while (_alive(task_pid) or _alive(forkserver_pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(task_pid), "the task process outlived its supervisor"
        assert not _alive(forkserver_pid), "the forkserver outlived its supervisor"
    finally:
        supervisor.kill()
        supervisor.wait()
        if supervisor.stdout is not None:
            supervisor.stdout.close()
        for name in os.listdir("/dev/shm"):
            if name.startswith(f"kconnect-{supervisor.pid}-"):
                RingBuffer.unlink(name, missing_ok=True)
