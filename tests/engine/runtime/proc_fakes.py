"""Connectors and a task loop that misbehave on request, imported by name in child processes.

The tests put this directory on `sys.path` before starting a process (the forkserver hands the
parent's `sys.path` to every child), then name these objects as `proc_fakes:Name`. Behaviour is
chosen by the `behaviour` key of the connector or task config, so one class covers every case.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import ClassVar

from engine.api import (
    ConfigError,
    ConfigSpec,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceTask,
)
from engine.runtime.channel import Channel
from engine.runtime.protocol import Commit, SetTargetState, StartTask, StatusChanged, Stop, TopicsUsed

BEHAVIOUR = "behaviour"
PASSWORD = "connection.password"


class FakeSourceTask(SourceTask):
    def start(self, props: Mapping[str, str]) -> None:
        pass

    def poll(self) -> None:
        return None

    def stop(self) -> None:
        pass


class ScriptedConnector(SourceConnector):
    """A connector that fails, exits or hangs where its `behaviour` config says."""

    def config(self) -> ConfigSpec:
        return ConfigSpec()

    def start(self, props: Mapping[str, str]) -> None:
        self.props = dict(props)
        behaviour = self.props.get(BEHAVIOUR, "")
        if behaviour == "fail-start":
            raise ConfigError(f"Bad configuration, the password is {self.props.get(PASSWORD)}")
        if behaviour == "exit-start":
            os._exit(3)
        if behaviour == "raise-error":
            threading.Thread(target=self._fail_later, daemon=True).start()
        if behaviour == "reconfigure":
            assert self.context is not None
            self.context.request_task_reconfiguration()

    def _fail_later(self) -> None:
        time.sleep(0.2)
        assert self.context is not None
        self.context.raise_error(RuntimeError("lost the connection"))

    def task_class(self) -> type[FakeSourceTask]:
        return FakeSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        behaviour = self.props.get(BEHAVIOUR, "")
        if behaviour == "fail-task-configs":
            raise ValueError("cannot split the work")
        count = max_tasks + 1 if behaviour == "too-many-tasks" else max_tasks
        return [{"index": str(i)} for i in range(count)]

    def stop(self) -> None:
        if self.props.get(BEHAVIOUR) == "hang-stop":
            while True:
                time.sleep(1)


class NotAConnector:
    pass


class FakeSinkTask(SinkTask):
    def start(self, props: Mapping[str, str]) -> None:
        pass

    def put(self, records: Sequence[SinkRecord]) -> None:
        pass

    def stop(self) -> None:
        pass


class RecordingSinkConnector(SinkConnector):
    """Records its lifecycle calls in `calls` (class-wide: tests run it in their own process)."""

    calls: ClassVar[list[str]] = []

    def config(self) -> ConfigSpec:
        return ConfigSpec()

    def start(self, props: Mapping[str, str]) -> None:
        self.calls.append("start")
        self.props = dict(props)

    def task_class(self) -> type[FakeSinkTask]:
        return FakeSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        self.calls.append(f"task_configs({max_tasks})")
        return [{"index": str(i)} for i in range(int(self.props.get("generate", max_tasks)))]

    def stop(self) -> None:
        self.calls.append("stop")


def run_task(start: StartTask, channel: Channel) -> None:
    """A tiny task loop: RUNNING, honours SetTargetState and Stop, misbehaves on request."""
    behaviour = start.task_config.get(BEHAVIOUR, "")
    channel.emit(StatusChanged(state="PAUSED" if start.target_state == "PAUSED" else "RUNNING"))
    channel.emit(TopicsUsed(topics=[f"{start.connector}-{start.task}"]))
    if behaviour == "exit":
        os._exit(3)
    if behaviour == "raise":
        try:
            raise KeyError("inner")
        except KeyError as e:
            raise RuntimeError("task broke") from e
    if behaviour == "memory":
        _exhaust_memory()
    if behaviour == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if behaviour == "system-exit":
        raise SystemExit(4)
    if behaviour == "leak":
        _leak(start.connector_config[PASSWORD])
    while True:
        for message in channel.poll_control(0.1):
            if isinstance(message, Stop) and behaviour != "ignore-stop":
                return
            if isinstance(message, SetTargetState):
                channel.emit(StatusChanged(state="PAUSED" if message.state == "PAUSED" else "RUNNING"))
            if isinstance(message, Commit) and behaviour == "report-levels":
                # The effective level of a logger only this process has, as the trace.
                level = logging.getLogger("kct_levels.task").getEffectiveLevel()
                channel.emit(StatusChanged(state="RUNNING", trace=logging.getLevelName(level)))


def _leak(password: str) -> None:
    """Puts `password` in a log line, a logged exception, a print, an uncaught thread exception
    and the exception that fails the task: the process must mask every one."""
    log = logging.getLogger("proc_fakes")
    log.info("Logging in with %s", password)
    try:
        raise ValueError(f"refused {password}")
    except ValueError:
        log.exception("Login failed")
    print(f"printed {password}", file=sys.stderr)
    print(f"stdout {password}")
    thread = threading.Thread(target=_raise_in_thread, args=(password,))
    thread.start()
    thread.join()
    raise RuntimeError(f"Login with {password} refused")


def _raise_in_thread(password: str) -> None:
    raise RuntimeError(f"thread saw {password}")


def _exhaust_memory() -> None:
    """Allocates until the address-space limit makes Python raise MemoryError."""
    with open("/proc/self/status") as status:
        vm_size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    limit = vm_size_kb * 1024 + (256 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    hoard = []
    while True:
        hoard.append(bytearray(16 << 20))
