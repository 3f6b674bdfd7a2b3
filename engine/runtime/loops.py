"""What the source and sink task loops share: the task, its pipeline, controls and timing.

A task process runs one loop (`engine.runtime.source` or `engine.runtime.sink`) on its main
thread. A `ControlWatcher` thread reads the control ring, so a `Stop` reaches the loop — and can
wake a source task blocked in `poll()` through `task.stop()` — however long the task call takes.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from engine.api.config import ConfigKey
from engine.config.transforms import PluginConfig, converter_config, parse_transforms
from engine.errors import ConnectError
from engine.pipeline import Pipeline, StageError
from engine.plugins.catalog import native_class_name
from engine.runtime.errors import Stage
from engine.runtime.protocol import Control, Event, SetTargetState, StartTask, StatusChanged, Stop
from engine.worker.config import (
    OFFSET_COMMIT_INTERVAL_MS_CONFIG,
    OFFSET_COMMIT_TIMEOUT_MS_CONFIG,
    WORKER_SPEC,
)

__all__ = [
    "ControlChannel",
    "ControlWatcher",
    "LoopTimer",
    "PipelineClasses",
    "TargetState",
    "build_pipeline",
    "flush_interval_s",
    "flush_timeout_s",
    "tune_gc",
]

logger = logging.getLogger("engine.runtime")

STARTED = "STARTED"
PAUSED = "PAUSED"
RUNNING = "RUNNING"

# The worker's keys, as the worker spec declares them.
OFFSET_FLUSH_INTERVAL = WORKER_SPEC.keys[OFFSET_COMMIT_INTERVAL_MS_CONFIG]
OFFSET_FLUSH_TIMEOUT = WORKER_SPEC.keys[OFFSET_COMMIT_TIMEOUT_MS_CONFIG]
HEADER_CONVERTER_CONFIG = "header.converter"
CONTROL_POLL_S = 0.2
# The task loops allocate a few objects per record (records, their dicts and strings) and free
# them a batch later; none of them form cycles. With Python's default young-generation threshold
# (700) the collector ran every few records and its full collections walked every object of the
# loaded modules: 0.6 µs per record of a FileStreamSource's 1.4 µs poll() (bench: file-source).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> bool:
    """Tunes the cyclic collector for a task process's data loop, once its task has started:
    what is alive then (modules, the task, the clients) is frozen out of every collection, and
    the young generation is collected every `GC_THRESHOLDS[0]` allocations.

    Only from the main thread, where a task process runs its loop: a loop on another thread
    shares its process (a test's) and leaves the collector alone. Returns whether it tuned.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return True


class ControlChannel(Protocol):
    """What a loop needs of `engine.runtime.channel.Channel`."""

    def emit(self, event: Event) -> None: ...

    def poll_control(self, timeout: float = 0.0) -> list[Control]: ...


def _worker_ms(worker: Mapping[str, str], key: ConfigKey) -> float:
    value = key.parse(worker.get(key.name, key.default))
    if key.validator is not None:
        key.validator(key.name, value)
    # A negative interval would commit on every loop; Connect treats it as "as often as possible".
    return max(float(value), 0.0) / 1000


def flush_interval_s(worker: Mapping[str, str]) -> float:
    """`offset.flush.interval.ms` of the worker, in seconds."""
    return _worker_ms(worker, OFFSET_FLUSH_INTERVAL)


def flush_timeout_s(worker: Mapping[str, str]) -> float:
    """`offset.flush.timeout.ms` of the worker, in seconds."""
    return _worker_ms(worker, OFFSET_FLUSH_TIMEOUT)


def _header_converter(config: Mapping[str, str], worker: Mapping[str, str]) -> PluginConfig | None:
    # As converter_config does for keys and values: the connector's class with its own settings,
    # else the worker's; None leaves the pipeline's default (SimpleHeaderConverter).
    prefix = HEADER_CONVERTER_CONFIG + "."
    for source in (config, worker):
        type_name = source.get(HEADER_CONVERTER_CONFIG, "").strip()
        if type_name:
            return PluginConfig(
                type_name, {k[len(prefix) :]: v for k, v in source.items() if k.startswith(prefix)}
            )
    return None


class PipelineClasses:
    """The class executing each stage, for error reports (Connect's `executingClass`)."""

    def __init__(
        self,
        key: PluginConfig,
        value: PluginConfig,
        header: PluginConfig | None,
        transforms: Mapping[str, str],
    ) -> None:
        self._by_stage = {
            Stage.KEY_CONVERTER.value: native_class_name(key.type_name),
            Stage.VALUE_CONVERTER.value: native_class_name(value.type_name),
            Stage.HEADER_CONVERTER.value: native_class_name(header.type_name)
            if header is not None
            else "org.apache.kafka.connect.storage.SimpleHeaderConverter",
        }
        self._transforms = {alias: native_class_name(name) for alias, name in transforms.items()}

    def of(self, error: StageError) -> tuple[Stage, str]:
        """The stage and the class a native failure happened in."""
        try:
            stage = Stage(error.stage)
        except ValueError:
            stage = Stage.TRANSFORMATION
        if stage is Stage.TRANSFORMATION:
            return stage, self._transforms.get(error.alias or "", error.alias or "unknown")
        return stage, self._by_stage.get(stage.value, "unknown")


def build_pipeline(start: StartTask) -> tuple[Pipeline, PipelineClasses]:
    """The task's converters and transform chain, as its connector and worker configure them.

    Raises:
        ConfigError: an invalid `transforms`/`predicates`/converter setting, in Connect's words.
    """
    config, worker = start.connector_config, start.worker
    key = converter_config(config, "key", worker)
    value = converter_config(config, "value", worker)
    header = _header_converter(config, worker)
    stages = parse_transforms(config)
    pipeline = Pipeline(key_converter=key, value_converter=value, stages=stages, header_converter=header)
    for warning in pipeline.warnings:
        logger.warning("%s", warning)
    classes = PipelineClasses(key, value, header, {s.alias: s.transform.type_name for s in stages})
    return pipeline, classes


class TargetState:
    """The target state of the task and the status last reported for it."""

    def __init__(self, initial: str, channel: ControlChannel) -> None:
        self._channel = channel
        self.paused = initial == PAUSED
        self._reported: str | None = None

    def report(self) -> None:
        """Emits `RUNNING` or `PAUSED` if that is not the status last reported."""
        status = PAUSED if self.paused else RUNNING
        if status != self._reported:
            self._channel.emit(StatusChanged(status))
            self._reported = status

    def apply(self, control: SetTargetState) -> bool:
        """Returns True when the state changed."""
        if control.state not in (STARTED, PAUSED):
            logger.warning("Ignoring the unknown target state `%s`.", control.state)
            return False
        paused = control.state == PAUSED
        changed = paused != self.paused
        self.paused = paused
        return changed


class ControlWatcher(threading.Thread):
    """Reads controls off the channel into a queue; on `Stop` sets `stopping` and calls `on_stop`
    (from this thread: that is what wakes a task blocked in `poll()`).

    The supervisor closing the control ring counts as `Stop`: nobody will ever send one.
    """

    def __init__(self, channel: ControlChannel, on_stop: Callable[[], None]) -> None:
        super().__init__(name="kconnect-controls", daemon=True)
        self._channel = channel
        self._on_stop = on_stop
        self.stopping = threading.Event()
        self._done = threading.Event()
        # A SimpleQueue: the loops look for a control on every iteration, and its C `empty()`
        # costs a fraction of a `Queue.get_nowait()` (a lock, a condition, an exception raised
        # when empty, as it nearly always is; bench: tasks-scaling).
        self.controls: queue.SimpleQueue[Control] = queue.SimpleQueue()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self._done.is_set() and not self.stopping.is_set():
                for control in self._channel.poll_control(CONTROL_POLL_S):
                    self.controls.put(control)
                    if isinstance(control, Stop):
                        self._request_stop()
                if getattr(self._channel, "control_closed", False) and not self.stopping.is_set():
                    logger.warning("The worker closed the control ring; stopping the task.")
                    self.controls.put(Stop())
                    self._request_stop()
        except BaseException as e:  # noqa: BLE001  # handed to the loop, which fails the task with it
            self.failure = e
            self.controls.put(Stop())
            self.stopping.set()

    # Not `_stop`: `threading.Thread._stop` is what marks a finished thread stopped; overriding
    # it left `is_alive()` true forever and called `on_stop` again from every `join()`.
    def _request_stop(self) -> None:
        self.stopping.set()
        try:
            self._on_stop()
        except Exception:
            logger.exception("The task failed to stop.")

    def next(self, timeout: float = 0.0) -> Control | None:
        """The next control, waiting up to `timeout` seconds; None if none came."""
        if timeout <= 0:
            # Only the watcher thread puts controls and only the loop takes them: not empty here
            # means `get_nowait` finds one.
            return self.controls.get_nowait() if not self.controls.empty() else None
        try:
            return self.controls.get(timeout=timeout)
        except queue.Empty:
            return None

    def pending(self) -> bool:
        """Whether a control is waiting for the loop."""
        return not self.controls.empty()

    def close(self) -> None:
        """Ends the thread (within one control poll) and waits for it."""
        self._done.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(CONTROL_POLL_S * 5)

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise ConnectError("Reading the control ring failed.") from self.failure


class LoopTimer:
    """When the next periodic commit and metrics report are due (monotonic seconds)."""

    METRICS_INTERVAL_S = 5.0

    def __init__(self, commit_interval_s: float) -> None:
        self.commit_interval_s = commit_interval_s
        now = time.monotonic()
        self.next_commit = now + commit_interval_s
        self.next_metrics = now + self.METRICS_INTERVAL_S
        self._next_due = min(self.next_commit, self.next_metrics)

    def due(self) -> bool:
        """Whether a commit or a metrics report is due: one clock read, for a loop to ask on
        every iteration before asking which (`commit_due`, `metrics_due`)."""
        return time.monotonic() >= self._next_due

    def commit_due(self) -> bool:
        return time.monotonic() >= self.next_commit

    def committed(self) -> None:
        self.next_commit = time.monotonic() + self.commit_interval_s
        self._next_due = min(self.next_commit, self.next_metrics)

    def metrics_due(self) -> bool:
        now = time.monotonic()
        if now >= self.next_metrics:
            self.next_metrics = now + self.METRICS_INTERVAL_S
            self._next_due = min(self.next_commit, self.next_metrics)
            return True
        return False

    def until_commit(self) -> float:
        return max(0.0, self.next_commit - time.monotonic())
