"""The supervisor's side of connector and task processes: start them, talk to them, contain them.

`Launcher` forks every connector and task process from a multiprocessing forkserver started at
construction. The forkserver is a freshly exec'd interpreter that imports the engine modules
once (so forks start fast) and never creates a Kafka client, so no librdkafka thread can be
holding a lock when it forks; whatever the supervisor does afterwards (its own admin client, the
REST server's threads) cannot leak into a child. Each process gets a pair of shared-memory rings
(`engine._native.RingBuffer`): control frames in, events out (`engine.runtime.protocol`).

`InstanceHandle` is one running process: an async stream of its events, requests to it, and
containment. A process that crashes, is killed (by anyone, including the kernel's OOM killer),
exits on its own or misses heartbeats for `kconnect.heartbeat.timeout.ms` ends its stream with
`StatusChanged("FAILED", reason)` and `Exited`; the supervisor's event loop never blocks on a
child, and a child stuck in connector code is killed when `stop` times out.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import json
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import re
import signal
import threading
import time
import weakref
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

import msgspec

from engine._native import RingBuffer
from engine.errors import ConnectError
from engine.herder.entities import ConnectorTaskId
from engine.runtime import process as process_main
from engine.runtime.protocol import (
    Commit,
    Control,
    Event,
    Heartbeat,
    RequestTaskConfigs,
    SetLoggerLevel,
    SetTargetState,
    SourcePartitionOffset,
    StartConnector,
    StartTask,
    StatusChanged,
    Stop,
    Stopped,
    TaskConfigs,
    decode_event,
    encode,
)
from engine.secrets import SecretMasker

if TYPE_CHECKING:
    from engine.worker.config import WorkerConfig

__all__ = [
    "HEARTBEAT_TIMEOUT_CONFIG",
    "HEARTBEAT_TIMEOUT_DEFAULT",
    "PRELOAD_MODULES",
    "RING_CAPACITY",
    "RING_PREFIX",
    "Exited",
    "InstanceEvent",
    "InstanceHandle",
    "Launcher",
    "remove_stale_rings",
]

HEARTBEAT_TIMEOUT_CONFIG = "kconnect.heartbeat.timeout.ms"
HEARTBEAT_TIMEOUT_DEFAULT = 30000
RING_CAPACITY = 1 << 20
RING_PREFIX = "kconnect-"
_RING_NAME = re.compile(r"^kconnect-(\d+)-\d+-(?:ctl|evt)$")
_SHM_DIR = "/dev/shm"
_CONNECTOR_CLASS_CONFIG = "connector.class"
_TASK_CLASS_CONFIG = "task.class"

PRELOAD_MODULES = [
    # The supervisor's main module, imported once by the forkserver (not run: it is imported as
    # `__mp_main__`); without it every child would import it again before starting.
    "__main__",
    "msgspec",
    "engine.api",
    "engine.runtime.protocol",
    "engine.runtime.channel",
    "engine.runtime.process",
    "engine.runtime.connector",
    "engine.runtime.source",
    "engine.runtime.sink",
    "engine.pipeline",
    # Importing the library loads librdkafka but starts no thread; only clients do.
    "confluent_kafka",
]
"""Imported once by the forkserver; a missing module is skipped (multiprocessing ignores
ImportError there). None of them may create a Kafka client or a thread at import."""

_REQUEST_TIMEOUT_S = 60.0
_POP_MAX = 256
_READ_WAIT_S = 0.5

log = logging.getLogger("engine.runtime.launcher")


class Exited(msgspec.Struct, frozen=True):
    """The last item of an instance's event stream (never sent on a ring).

    Attributes:
        exitcode: the process's exit code; negative is the signal that killed it.
        trace: why it ended, when it did not stop cleanly; None after a clean stop.
    """

    exitcode: int
    trace: str | None = None


InstanceEvent = Event | Exited


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    return True


def remove_stale_rings(directory: str = _SHM_DIR) -> list[str]:
    """Unlinks the rings of supervisors that no longer run (`kconnect-<deadpid>-*`).

    A supervisor killed with SIGKILL cannot unlink its rings; the next one cleans up.

    Returns:
        The names removed.
    """
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    removed = []
    for name in names:
        match = _RING_NAME.match(name)
        if match is None or int(match.group(1)) == os.getpid() or _pid_alive(int(match.group(1))):
            continue
        RingBuffer.unlink(name, missing_ok=True)
        removed.append(name)
    if removed:
        log.info("Removed %d stale rings of stopped workers.", len(removed))
    return removed


def _describe_exit(kind: str, exitcode: int, *, killed_by_us: bool) -> str:
    if exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        text = f"{kind} process exited with signal {name} ({number})"
        if number == signal.SIGKILL and not killed_by_us:
            text += (
                "; the worker did not send it: the kernel's out-of-memory killer may have stopped the"
                " process (see `dmesg`)"
            )
        return text
    return f"{kind} process exited unexpectedly with code {exitcode}"


class InstanceHandle:
    """One running connector or task process, seen from the supervisor.

    Created by `Launcher`; all methods run on the event loop that created it. `events` yields
    everything the process reports except heartbeats and answers to `request_task_configs`,
    and ends with one `Exited`. There is one consumer of `events`.
    """

    def __init__(
        self,
        *,
        kind: str,
        description: str,
        process: BaseProcess,
        control: RingBuffer,
        events: RingBuffer,
        heartbeat_timeout_ms: int,
        secrets: Collection[str],
        on_end: Any,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._kind = kind
        self.description = description
        self._process = process
        pid = process.pid
        assert pid is not None, "the process is started"
        self._pid = pid
        self._control = control
        self._events = events
        self._ring_names = (control.name, events.name)
        self._rings_unlinked = False
        self._heartbeat_timeout_ms = heartbeat_timeout_ms
        self._masker = SecretMasker(secrets)
        self._on_end = on_end
        self._queue: asyncio.Queue[InstanceEvent] = asyncio.Queue()
        self._done: asyncio.Future[Exited] = self._loop.create_future()
        self._pending: dict[int, asyncio.Future[list[dict[str, str]]]] = {}
        self._request_ids = itertools.count(1)
        # Written by the reader thread, read by the heartbeat check: a plain float store is atomic.
        self._last_frame = time.monotonic()
        self._reader_done = False
        self._exitcode: int | None = None
        self._ended = False
        self._failure_trace: str | None = None
        self._stopped = False
        self._killed = False
        self._kill_reason: str | None = None
        self._stop_timed_out_ms: int | None = None
        self.events: AsyncIterator[InstanceEvent] = self._stream()
        self._loop.add_reader(process.sentinel, self._on_sentinel)
        self._reader = threading.Thread(target=self._read, name=f"kconnect-events-{self._pid}", daemon=True)
        self._reader.start()
        self._heartbeat_check = self._loop.call_later(self._check_interval_s(), self._check_heartbeat)

    # --- public API ---------------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def alive(self) -> bool:
        """Whether the process has not been seen to exit yet."""
        return self._exitcode is None

    async def wait(self) -> Exited:
        """Waits until the process exited and its stream ended."""
        return await asyncio.shield(self._done)

    async def request_task_configs(
        self, max_tasks: int, timeout_s: float = _REQUEST_TIMEOUT_S
    ) -> list[dict[str, str]]:
        """The connector's task configs (each with `task.class`); connector processes only.

        Raises:
            ConnectError: the connector raised (the message carries its trace), did not answer
                within `timeout_s`, or its process ended.
        """
        request_id = next(self._request_ids)
        future: asyncio.Future[list[dict[str, str]]] = self._loop.create_future()
        self._pending[request_id] = future
        try:
            self._send(RequestTaskConfigs(request_id=request_id, max_tasks=max_tasks))
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            raise ConnectError(
                f"The {self.description} did not answer a request for task configs within {timeout_s:g} s."
            ) from None
        finally:
            self._pending.pop(request_id, None)

    def set_target_state(self, state: str) -> None:
        """Sends `STARTED`, `PAUSED` or `STOPPED`; the process answers with a `StatusChanged`.

        Raises:
            ConnectError: the process has ended or does not read its control ring.
        """
        self._send(SetTargetState(state=state))

    def set_logger_level(self, namespace: str, level: str) -> None:
        """Sets a logger level (log4j name) in the process, as `/admin/loggers` did in the worker.

        Raises:
            ConnectError: the process has ended or does not read its control ring.
        """
        self._send(SetLoggerLevel(namespace=namespace, level=level))

    async def pause(self) -> None:
        self.set_target_state("PAUSED")

    async def resume(self) -> None:
        self.set_target_state("STARTED")

    async def commit(self) -> None:
        """Asks the process to commit its offsets now (answered by `SourceOffsets` for sources)."""
        self._send(Commit())

    async def stop(self, timeout_s: float) -> None:
        """Stops gracefully: `Stop`, then waits for the exit; kills the process after `timeout_s`.

        Returns once the process is gone and `events` has its `Exited`.
        """
        if self._ended:
            return
        try:
            self._send(Stop())
        except ConnectError as e:
            log.info("Cannot ask the %s to stop (%s); waiting for it to end.", self.description, e)
        try:
            await asyncio.wait_for(asyncio.shield(self._done), timeout_s)
            return
        except TimeoutError:
            pass
        self._stop_timed_out_ms = int(timeout_s * 1000)
        log.error(
            "The %s did not stop within %d ms and is killed; its offsets may not be committed.",
            self.description,
            self._stop_timed_out_ms,
        )
        self._signal_kill()
        await asyncio.shield(self._done)

    def kill(self) -> None:
        """Kills the process now (SIGKILL); `events` then ends with `Exited`, not FAILED."""
        self._killed = True
        self._signal_kill()

    # --- internals ------------------------------------------------------------------------

    def _check_interval_s(self) -> float:
        return min(1.0, self._heartbeat_timeout_ms / 4000)

    def _send(self, message: Control) -> None:
        if self._ended or self._exitcode is not None:
            raise ConnectError(f"The {self.description} has exited.")
        try:
            pushed = self._control.push(encode(message))
        except BrokenPipeError:
            raise ConnectError(f"The {self.description} has exited.") from None
        if not pushed:
            raise ConnectError(
                f"The control ring of the {self.description} is full; the process is not reading it."
            )

    def _signal_kill(self) -> None:
        if self._ended or self._exitcode is not None:
            return
        # `exitcode` reads the sentinel without blocking: a process already reaped is never
        # signalled, so its pid, perhaps reused, is never hit.
        if self._process.exitcode is None:
            self._process.kill()

    async def _stream(self) -> AsyncIterator[InstanceEvent]:
        while True:
            item = await self._queue.get()
            yield item
            if isinstance(item, Exited):
                return

    def _read(self) -> None:
        """The reader thread: pops frames (GIL released while waiting) and hands them over."""
        try:
            while True:
                frames = self._events.pop_many(_POP_MAX, _READ_WAIT_S)
                if frames:
                    self._last_frame = time.monotonic()
                    self._loop.call_soon_threadsafe(self._on_frames, frames)
                elif self._events.closed:
                    break
        except RuntimeError:
            # The ring held garbage (two producers) or the loop is closed: either way this
            # stream is over; the sentinel or `close` takes care of the process.
            log.exception("Reading the events of the %s failed.", self.description)
        finally:
            # A closed loop raises RuntimeError: then nobody is left to tell.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._on_reader_done)

    def _scrub(self, text: str | None) -> str | None:
        return self._masker.mask(text)

    def _on_frames(self, frames: list[bytes]) -> None:
        if not self._rings_unlinked:
            # The child opened both rings before its first frame: the names are no longer needed,
            # and without them nothing is left in /dev/shm even if the supervisor dies.
            self._unlink_rings()
        for frame in frames:
            try:
                event = decode_event(frame)
            except msgspec.DecodeError:
                log.error("The %s sent a frame that is not an event; killing it.", self.description)
                self._kill_reason = f"{self._kind} process sent an undecodable event frame; killed"
                self._signal_kill()
                return
            if isinstance(event, Heartbeat):
                continue
            if isinstance(event, TaskConfigs):
                self._answer(event)
                continue
            if isinstance(event, StatusChanged):
                event = StatusChanged(state=event.state, trace=self._scrub(event.trace))
                if event.state == "FAILED":
                    self._failure_trace = event.trace
            elif isinstance(event, Stopped):
                self._stopped = True
            self._queue.put_nowait(event)

    def _answer(self, answer: TaskConfigs) -> None:
        future = self._pending.get(answer.request_id)
        if future is None or future.done():
            log.debug("Dropping a late answer to task-config request %d.", answer.request_id)
            return
        if answer.error is not None:
            future.set_exception(
                ConnectError(
                    f"The {self.description} failed to generate task configs: {self._scrub(answer.error)}"
                )
            )
        else:
            future.set_result(answer.configs)

    def _check_heartbeat(self) -> None:
        if self._ended or self._exitcode is not None:
            return
        silent_ms = (time.monotonic() - self._last_frame) * 1000
        if silent_ms >= self._heartbeat_timeout_ms:
            log.error("The %s sent no heartbeat for %d ms; killing it.", self.description, silent_ms)
            timeout_ms = self._heartbeat_timeout_ms
            self._kill_reason = (
                f"{self._kind} process stopped answering: no heartbeat for {timeout_ms} ms; killed"
            )
            self._signal_kill()
            return
        self._heartbeat_check = self._loop.call_later(self._check_interval_s(), self._check_heartbeat)

    def _on_sentinel(self) -> None:
        self._loop.remove_reader(self._process.sentinel)
        exitcode = self._process.exitcode
        self._exitcode = 255 if exitcode is None else exitcode
        # Closing our end wakes the reader thread, which drains what is left and ends.
        self._events.close()
        self._maybe_end()

    def _on_reader_done(self) -> None:
        self._reader_done = True
        self._maybe_end()

    def _maybe_end(self) -> None:
        if self._ended or not self._reader_done or self._exitcode is None:
            return
        self._ended = True
        exitcode = self._exitcode
        self._heartbeat_check.cancel()
        status_trace: str | None = None
        if self._kill_reason is not None:
            trace: str | None = self._kill_reason
            status_trace = trace
        elif self._stop_timed_out_ms is not None:
            trace = f"{self._kind} process did not stop within {self._stop_timed_out_ms} ms; killed"
        elif self._killed:
            trace = f"{self._kind} process killed by the worker"
        elif self._failure_trace is not None:
            trace = self._failure_trace
        elif self._stopped and exitcode == 0:
            trace = None
        else:
            trace = _describe_exit(self._kind, exitcode, killed_by_us=False)
            status_trace = trace
        if status_trace is not None:
            log.error("The %s failed: %s.", self.description, status_trace)
            self._queue.put_nowait(StatusChanged(state="FAILED", trace=status_trace))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectError(f"The {self.description} ended before answering: {trace}"))
        exited = Exited(exitcode=exitcode, trace=trace)
        self._queue.put_nowait(exited)
        self._control.close()
        self._unlink_rings()
        self._process.close()
        self._done.set_result(exited)
        self._on_end(self)

    def _unlink_rings(self) -> None:
        self._rings_unlinked = True
        for name in self._ring_names:
            RingBuffer.unlink(name, missing_ok=True)

    def _kill_at_exit(self) -> None:
        """Last resort at interpreter exit: no loop is running, so only synchronous steps."""
        if not self._ended:
            # Already gone or closed is exactly what this hook wants.
            with contextlib.suppress(OSError, ValueError):
                self._signal_kill()
            self._unlink_rings()


class Launcher:
    """Starts connector and task processes from a clean forkserver.

    Plugin locations `PluginRegistry.discover` put on `sys.path` reach every process: the
    forkserver hands each child the supervisor's `sys.path` as it is when the child starts.

    Args:
        worker: the worker's configuration, or its (resolved) properties; every process
            receives the properties.
        heartbeat_timeout_ms: silence after which a process is killed and FAILED; default the
            worker's `kconnect.heartbeat.timeout.ms` (30000).
        ring_capacity: bytes of each ring (a power of two); the largest frame is half of it.
        runner: `module:function` that replaces the connector main and the task loops in every
            process (tests and tools); see `engine.runtime.process.main`.
    """

    def __init__(
        self,
        worker: WorkerConfig | Mapping[str, str] | None = None,
        *,
        heartbeat_timeout_ms: int | None = None,
        ring_capacity: int = RING_CAPACITY,
        runner: str | None = None,
    ) -> None:
        if worker is None or isinstance(worker, Mapping):
            self._worker = dict(worker or {})
            if heartbeat_timeout_ms is None:
                heartbeat_timeout_ms = int(
                    self._worker.get(HEARTBEAT_TIMEOUT_CONFIG, HEARTBEAT_TIMEOUT_DEFAULT)
                )
        else:
            self._worker = dict(worker.props)
            if heartbeat_timeout_ms is None:
                heartbeat_timeout_ms = worker.heartbeat_timeout_ms
        if heartbeat_timeout_ms <= 0:
            raise ValueError(f"heartbeat_timeout_ms must be positive, got {heartbeat_timeout_ms}")
        self._heartbeat_timeout_ms = heartbeat_timeout_ms
        self._ring_capacity = ring_capacity
        self._runner = runner
        self._context = multiprocessing.get_context("forkserver")
        # Only effective before the (process-wide) forkserver starts; a second Launcher shares it.
        self._context.set_forkserver_preload(PRELOAD_MODULES)
        multiprocessing.forkserver.ensure_running()
        remove_stale_rings()
        self._counter = itertools.count()
        self._handles: set[InstanceHandle] = set()
        # `/admin/loggers` changes, in the order to replay them in every new process.
        self._logger_levels: dict[str, str] = {}
        self._start_lock: asyncio.Lock | None = None
        # Runs before multiprocessing's own exit hook (atexit is last-in, first-out), which
        # would otherwise wait forever for children that ignore SIGTERM.
        atexit.register(_kill_all_at_exit, weakref.ref(self))

    @property
    def handles(self) -> frozenset[InstanceHandle]:
        """The instances whose process has not ended yet."""
        return frozenset(self._handles)

    def set_logger_level(self, namespace: str, level: str) -> None:
        """Applies a logger level in every running process and in every process started later
        (subscribed to the worker's `engine.logger_levels.Loggers`).

        A process that cannot take it now (ended, or not reading its control ring) is logged and
        skipped: its level matters no more than its other controls do.
        """
        self._logger_levels.pop(namespace, None)
        self._logger_levels[namespace] = level
        for handle in list(self._handles):
            try:
                handle.set_logger_level(namespace, level)
            except ConnectError as e:
                log.warning(
                    "The level of logger `%s` did not reach the %s: %s", namespace, handle.description, e
                )

    async def start_connector(
        self,
        name: str,
        config: Mapping[str, str],
        target_state: str,
        *,
        connector_class: str | None = None,
        secrets: Collection[str] = (),
    ) -> InstanceHandle:
        """Starts the process of connector `name`.

        Args:
            name: the connector's name.
            config: its configuration, config providers already resolved.
            target_state: `STARTED` or `PAUSED` (a paused connector is not started).
            connector_class: `module:QualName` of the class; default `connector.class` of
                `config`, which must then be importable that way (aliases are the registry's job).
            secrets: values to replace with `[hidden]` in traces (provider-resolved and password values).

        Raises:
            ConnectError: the process could not be started.
        """
        start = StartConnector(
            name=name,
            connector_class=connector_class or config.get(_CONNECTOR_CLASS_CONFIG, ""),
            config=dict(config),
            target_state=target_state,
            worker=self._worker,
            logger_levels=list(self._logger_levels.items()),
        )
        return await self._launch(
            process_main.ROLE_CONNECTOR, start, "Connector", f"connector `{name}`", secrets
        )

    async def start_task(
        self,
        task_id: ConnectorTaskId,
        connector_config: Mapping[str, str],
        task_config: Mapping[str, str],
        target_state: str,
        source_offsets: Iterable[SourcePartitionOffset] | Mapping[str, dict[str, Any] | None] = (),
        *,
        task_class: str | None = None,
        secrets: Collection[str] = (),
    ) -> InstanceHandle:
        """Starts the process of task `task_id`; the loop (source or sink) follows the task class.

        Args:
            task_id: connector name and task number.
            connector_config: the connector's configuration (resolved).
            task_config: the task's configuration (resolved), with `task.class`.
            target_state: `STARTED` or `PAUSED`.
            source_offsets: the committed offsets of the connector's source partitions, as
                `(partition, offset)` pairs or keyed by the partition's JSON text.
            task_class: `module:QualName` of the task; default `task.class` of `task_config`.
            secrets: values to replace with `[hidden]` in traces.

        Raises:
            ConnectError: no task class, or the process could not be started.
        """
        resolved_class = task_class or task_config.get(_TASK_CLASS_CONFIG)
        if not resolved_class:
            raise ConnectError(
                f"The config of task {task_id.connector}-{task_id.task} has no `{_TASK_CLASS_CONFIG}`."
            )
        if isinstance(source_offsets, Mapping):
            offsets = [(json.loads(partition), offset) for partition, offset in source_offsets.items()]
        else:
            offsets = list(source_offsets)
        start = StartTask(
            connector=task_id.connector,
            task=task_id.task,
            task_class=resolved_class,
            connector_config=dict(connector_config),
            task_config=dict(task_config),
            target_state=target_state,
            worker=self._worker,
            offsets=offsets,
            logger_levels=list(self._logger_levels.items()),
        )
        description = f"task `{task_id.connector}-{task_id.task}`"
        return await self._launch(process_main.ROLE_TASK, start, "Task", description, secrets)

    async def close(self, timeout_s: float) -> None:
        """Stops every running instance, each within `timeout_s` (then killed)."""
        await asyncio.gather(*(handle.stop(timeout_s) for handle in list(self._handles)))

    async def _launch(
        self,
        role: str,
        start: StartConnector | StartTask,
        kind: str,
        description: str,
        secrets: Collection[str],
    ) -> InstanceHandle:
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        frame = encode(start)
        async with self._start_lock:
            base = f"{RING_PREFIX}{os.getpid()}-{next(self._counter)}"
            control = RingBuffer.create(f"{base}-ctl", self._ring_capacity)
            try:
                events = RingBuffer.create(f"{base}-evt", self._ring_capacity)
            except BaseException:
                RingBuffer.unlink(control.name, missing_ok=True)
                raise
            try:
                if len(frame) > control.max_frame_size:
                    raise ConnectError(
                        f"The configuration of the {description} is too large ({len(frame)} bytes)."
                    )
                control.push(frame)
                child = self._context.Process(
                    target=process_main.main,
                    args=(role, control.name, events.name, self._runner, tuple(secrets)),
                    name=f"kconnect {description}",
                )
                # Process.start talks to the forkserver over a socket; keep it off the loop.
                await asyncio.to_thread(child.start)
            except BaseException as e:
                for ring in (control, events):
                    ring.close()
                    RingBuffer.unlink(ring.name, missing_ok=True)
                if isinstance(e, ConnectError | asyncio.CancelledError):
                    raise
                raise ConnectError(f"Cannot start the process of the {description}: {e}") from e
        handle = InstanceHandle(
            kind=kind,
            description=description,
            process=child,
            control=control,
            events=events,
            heartbeat_timeout_ms=self._heartbeat_timeout_ms,
            secrets=secrets,
            on_end=self._handles.discard,
        )
        self._handles.add(handle)
        log.info("Started the process of the %s (pid %d).", description, handle.pid)
        return handle


def _kill_all_at_exit(launcher_ref: weakref.ref[Launcher]) -> None:
    launcher = launcher_ref()
    if launcher is None:
        return
    for handle in list(launcher.handles):
        handle._kill_at_exit()  # the launcher's own last-resort hook
