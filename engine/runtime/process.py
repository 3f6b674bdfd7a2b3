"""The main of a connector or task process, forked by the launcher's forkserver.

`main` opens the two rings named by the supervisor, starts the heartbeat thread, reads the
`StartConnector`/`StartTask` frame and runs the connector main (`engine.runtime.connector`) or
the task loop (`engine.runtime.source`/`sink`). Whatever escapes becomes `StatusChanged("FAILED",
trace)` with a Connect-style trace and exit code 1; a clean return becomes `Stopped` and exit
code 0. The supervisor coordinates shutdown through `Stop`, so SIGTERM and SIGINT are ignored
here (a terminal's Ctrl-C reaches the whole process group, and the worker decides what stops).

Secret values (PASSWORD-typed and provider-resolved config values, passed by the launcher) never
reach this process's output: a logging filter masks them in every record, and `sys.stdout` and
`sys.stderr` are wrapped so that text written outside logging (an uncaught exception printed by
Python, a `print` in connector code) is masked too. Bytes written straight to file descriptor 2 by
native code are not seen.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Collection
from types import TracebackType
from typing import IO, Any

from engine.api.task import SinkTask, SourceTask
from engine.errors import ConnectError
from engine.logger_levels import Loggers
from engine.runtime.channel import Channel
from engine.runtime.protocol import Heartbeat, StartConnector, StartTask, StatusChanged, Stopped
from engine.secrets import SecretMasker, mask_secrets

__all__ = [
    "HEARTBEAT_INTERVAL_S",
    "ROLE_CONNECTOR",
    "ROLE_TASK",
    "START_TIMEOUT_S",
    "format_trace",
    "load_object",
    "main",
]

ROLE_CONNECTOR = "connector"
ROLE_TASK = "task"

HEARTBEAT_INTERVAL_S = 1.0
START_TIMEOUT_S = 60.0
"""How long a new process waits for its Start frame before giving up."""

_MAX_CAUSES = 8
_MAX_TRACE_CHARS = 64 * 1024
"""A longer trace is cut: it must fit one event frame, and nobody reads past this anyway."""


log = logging.getLogger("engine.runtime.process")

Runner = Callable[[Any, Channel], None]


def load_object(spec: str) -> Any:
    """Imports `module:QualName` (or `module.QualName`) and returns the object it names.

    Raises:
        ConnectError: the module or the attribute does not exist.
    """
    module_name, sep, qualname = spec.partition(":")
    if not sep:
        module_name, _, qualname = spec.rpartition(".")
    if not module_name or not qualname:
        raise ConnectError(f"Invalid class name `{spec}`: expected `module:QualName`.")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ConnectError(f"Cannot load `{spec}`: {e}") from e
    return obj


def _exception_name(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _frames(tb: TracebackType | None) -> list[str]:
    lines = []
    while tb is not None:
        code = tb.tb_frame.f_code
        module = tb.tb_frame.f_globals.get("__name__", "?")
        lines.append(f"\tat {module}.{code.co_qualname}({os.path.basename(code.co_filename)}:{tb.tb_lineno})")
        tb = tb.tb_next
    # Connect compat: Java prints the throwing frame first, the outermost last.
    lines.reverse()
    return lines


def format_trace(exc: BaseException) -> str:
    """A trace shaped like Connect's status traces: `Class: message`, then `\\tat` frames
    (innermost first), then each `Caused by:` with its own frames.

    Only exception messages and code locations appear; never local variables, so configuration
    values reach a trace only if connector code put them into an exception message.
    """
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < _MAX_CAUSES:
        seen.add(id(current))
        message = str(current)
        header = _exception_name(current) + (f": {message}" if message else "")
        lines.append(header if not lines else f"Caused by: {header}")
        lines.extend(_frames(current.__traceback__))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n".join(lines)


class _SecretFilter(logging.Filter):
    """Masks the secrets in a record's message and exception text.

    The record is rewritten in place (message merged with its args, exception and stack text
    formatted and masked), so every handler and formatter downstream sees the masked text only.
    """

    def __init__(self, secrets: Collection[str]) -> None:
        super().__init__()
        self._masker = SecretMasker(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._masker:
            return True
        record.msg = self._masker.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = self._masker.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self._masker.mask(record.stack_info)
        return True


class _MaskingStream:
    """A text stream that masks secrets in what is written to the stream it wraps.

    Text is held until a newline (or `flush`) so a secret split over two `write` calls, as
    `print` and `traceback` do, is still found; a secret spanning lines is not. Connector code
    may print a line per record (VerifiableSource prints two), so a write costs one scan of the
    text per secret and no copy when it is whole lines, as a line printed in one call is.
    """

    def __init__(self, stream: IO[str], secrets: Collection[str]) -> None:
        self._stream = stream
        self._mask = SecretMasker(secrets).mask
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            data = self._pending + text if self._pending else text
            end = data.rfind("\n") + 1
            self._pending = data[end:]
            if end:
                self._stream.write(self._mask(data if end == len(data) else data[:end]))
        return len(text)

    def writelines(self, lines: Collection[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        # Unlocked look first: nearly every flush follows whole lines, with nothing held. Text
        # a concurrent `write` is adding was not written before this flush began.
        if self._pending:
            with self._lock:
                if self._pending:
                    self._stream.write(self._mask(self._pending))
                    self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        # fileno, isatty, encoding, ... come from the wrapped stream.
        return getattr(self._stream, name)


class _ContextFilter(logging.Filter):
    """Adds `kconnect_context` (`connector=... task=...`) to every record of this process."""

    def __init__(self) -> None:
        super().__init__()
        self.context = f"pid={os.getpid()}"

    def filter(self, record: logging.LogRecord) -> bool:
        record.kconnect_context = self.context
        return True


def _mask_streams(secrets: Collection[str]) -> None:
    """Wraps `sys.stdout` and `sys.stderr` so text written outside logging is masked too."""
    if not any(secrets):
        return
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _MaskingStream):
            setattr(sys, name, _MaskingStream(stream, secrets))


def _setup_logging(secrets: Collection[str]) -> _ContextFilter:
    context = _ContextFilter()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_SecretFilter(secrets))
    handler.addFilter(context)
    handler.setFormatter(
        logging.Formatter("[%(asctime)s] %(levelname)s [%(kconnect_context)s] %(message)s (%(name)s)")
    )
    root = logging.getLogger()
    # The forkserver may have inherited handlers from preloaded modules; this process logs once.
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return context


class _HeartbeatThread(threading.Thread):
    """Sends `Heartbeat` every second, and ends the process if the forkserver (and so the
    supervisor, whose exit stops the forkserver) is gone: nobody would ever send `Stop`."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(name="kconnect-heartbeat", daemon=True)
        self._channel = channel
        self._stopping = threading.Event()
        self._parent = os.getppid()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._channel.try_emit(Heartbeat(monotonic_ms=time.monotonic_ns() // 1_000_000))
            if os.getppid() != self._parent:
                log.error("The worker process is gone; exiting without a graceful stop.")
                _flush_streams()
                os._exit(2)
            self._stopping.wait(HEARTBEAT_INTERVAL_S)

    def stop(self) -> None:
        self._stopping.set()


def _release_forkserver_liveness_pipe() -> None:
    """Closes this process's copy of the pipe whose EOF tells the forkserver its supervisor died.

    multiprocessing hands every forkserver child the write end of that pipe (so a child could use
    the forkserver in turn). While any child holds it, the forkserver never sees EOF and outlives a
    SIGKILLed supervisor, and its children, whose parent it is, never notice either: they would go
    on producing with nobody to stop them. Our processes never start processes of their own.
    """
    # Private attribute, absent from typeshed: the only handle multiprocessing gives on the fd.
    server = multiprocessing.forkserver._forkserver
    fd: int | None = getattr(server, "_forkserver_alive_fd", None)
    if fd is not None:
        server._forkserver_alive_fd = None  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):  # already closed: nothing to release
            os.close(fd)


def _check_forkserver() -> None:
    """Warns when the forkserver this process was forked from had other threads running: a
    fork copies only the calling thread, so a lock held by another (say a librdkafka thread)
    stays locked forever in the child."""
    try:
        threads = len(os.listdir(f"/proc/{os.getppid()}/task"))
    except OSError:
        return  # not Linux, or the parent is already gone; nothing to check
    if threads > 1:
        log.warning("The forkserver had %d threads when it forked this process; forking is unsafe.", threads)


def _await_start(channel: Channel, role: str) -> StartConnector | StartTask:
    deadline = time.monotonic() + START_TIMEOUT_S
    while (remaining := deadline - time.monotonic()) > 0:
        messages = channel.poll_control(remaining)
        if messages:
            start = messages[0]
            expected = StartConnector if role == ROLE_CONNECTOR else StartTask
            if not isinstance(start, expected):
                # The type only: a start frame holds configuration values.
                raise ConnectError(f"Expected a {expected.__name__} frame first, got {type(start).__name__}.")
            # The supervisor may send requests right behind the start frame.
            channel.unread(messages[1:])
            return start
        if channel.control_closed:
            break
    raise ConnectError(f"No start frame arrived within {START_TIMEOUT_S:g} s.")


def _runner_for(start: StartConnector | StartTask, runner: str | None) -> Runner:
    if runner is not None:
        fn: Runner = load_object(runner)
        return fn
    if isinstance(start, StartConnector):
        # By name: `engine.runtime.connector` imports this module.
        connector: Runner = load_object("engine.runtime.connector:run_connector")
        return connector
    task_class = load_object(start.task_class)
    if isinstance(task_class, type) and issubclass(task_class, SourceTask):
        source: Runner = load_object("engine.runtime.source:run_source_task")
        return source
    if isinstance(task_class, type) and issubclass(task_class, SinkTask):
        sink: Runner = load_object("engine.runtime.sink:run_sink_task")
        return sink
    raise ConnectError(f"`{start.task_class}` is neither a SourceTask nor a SinkTask.")


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        # A closed or broken stream cannot be flushed; the process is ending anyway.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def main(
    role: str,
    control_ring: str,
    event_ring: str,
    runner: str | None = None,
    secrets: Collection[str] = (),
) -> None:
    """Runs one connector or task process to its end; never returns (the process exits).

    Args:
        role: `ROLE_CONNECTOR` or `ROLE_TASK`; the first control frame must match it.
        control_ring: name of the ring the supervisor pushes control frames on.
        event_ring: name of the ring this process pushes events on.
        runner: `module:function` taking `(start, channel)` that replaces the connector main or
            the task loop (tests and tools).
        secrets: values replaced with `[hidden]` in everything this process logs or prints
            (the status trace is masked by the supervisor, which holds the same values).
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _release_forkserver_liveness_pipe()
    _mask_streams(secrets)
    context = _setup_logging(secrets)
    # This process's own logger tree follows the worker's `/admin/loggers` changes.
    loggers = Loggers()
    try:
        channel = Channel.open(control_ring, event_ring, loggers.set_level)
    except (OSError, ValueError):
        log.exception("Cannot open the rings `%s` and `%s`.", control_ring, event_ring)
        _flush_streams()
        os._exit(2)
    heartbeat = _HeartbeatThread(channel)
    heartbeat.start()
    code = 0
    try:
        start = _await_start(channel, role)
        if isinstance(start, StartConnector):
            context.context = f"connector={start.name}"
        else:
            context.context = f"connector={start.connector} task={start.task}"
        for namespace, level in start.logger_levels:
            loggers.set_level(namespace, level)
        _check_forkserver()
        _runner_for(start, runner)(start, channel)
        channel.emit(Stopped())
    except BaseException as e:  # noqa: BLE001 - everything, SystemExit included, fails the instance
        code = 1
        try:
            trace = format_trace(e)
        except MemoryError:
            trace = _exception_name(e)
        # Masked before the cut, which could otherwise leave half a secret the supervisor misses.
        trace = mask_secrets(trace, secrets)[:_MAX_TRACE_CHARS]
        log.error("The %s failed and stops:\n%s", role, trace)
        try:
            channel.emit(StatusChanged(state="FAILED", trace=trace))
        except (ConnectError, ValueError):
            log.exception("Cannot report the failure to the worker.")
    finally:
        heartbeat.stop()
        channel.close()
    logging.shutdown()
    _flush_streams()
    # os._exit, not a return: multiprocessing would join every non-daemon thread connector code
    # left behind, and a process that never exits is what the heartbeat is there to catch.
    os._exit(code)
