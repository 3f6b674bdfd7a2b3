"""Tests of engine.runtime.loops: the collector tuning of a task process, the control watcher
and the loop timer."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time

import pytest

from engine.config.transforms import PluginConfig
from engine.pipeline import StageError
from engine.runtime import loops
from engine.runtime.errors import Stage
from engine.runtime.loops import GC_THRESHOLDS, ControlWatcher, LoopTimer, PipelineClasses, tune_gc
from engine.runtime.protocol import Commit, SetTargetState, Stop
from tests.engine.runtime.loop_fakes import FakeChannel


def test_tune_gc_leaves_a_shared_process_alone_off_the_main_thread() -> None:
    before = gc.get_threshold()
    tuned: list[bool] = []
    thread = threading.Thread(target=lambda: tuned.append(tune_gc()))
    thread.start()
    thread.join()
    assert tuned == [False]
    assert gc.get_threshold() == before


def test_tune_gc_freezes_and_raises_the_thresholds_of_a_task_process() -> None:
    # A fresh interpreter: the tuning is process-wide.
    code = (
        "import gc; from engine.runtime.loops import tune_gc; "
        "assert gc.get_freeze_count() == 0; assert tune_gc(); "
        "print(gc.get_freeze_count() > 0, gc.get_threshold())"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split(" ", 1) == ["True", f"{GC_THRESHOLDS}\n"]


def test_watcher_hands_controls_over_in_order_and_stops_on_stop() -> None:
    channel = FakeChannel()
    stopped: list[bool] = []
    watcher = ControlWatcher(channel, lambda: stopped.append(True))
    assert not watcher.pending() and watcher.next() is None
    watcher.start()
    try:
        channel.send(SetTargetState("PAUSED"))
        channel.send(Commit())
        assert watcher.next(5.0) == SetTargetState("PAUSED")
        deadline = time.monotonic() + 5.0
        while not watcher.pending():
            assert time.monotonic() < deadline, "the second control never arrived"
            time.sleep(0.01)
        assert watcher.next() == Commit()
        assert not watcher.pending() and watcher.next() is None
        channel.send(Stop())
        assert watcher.next(5.0) == Stop()
        assert watcher.stopping.wait(5.0) and stopped == [True]
    finally:
        watcher.close()
    assert not watcher.is_alive()
    assert stopped == [True]  # once, not again when the thread was joined


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_timer_is_due_when_the_commit_or_the_metrics_report_is(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(loops, "time", clock)
    timer = LoopTimer(commit_interval_s=2.0)
    assert not timer.due()
    clock.now += 2.0
    assert timer.due() and timer.commit_due()
    timer.committed()
    assert not timer.due()
    # Metrics every 5 s from the start; the next commit at 1004.
    clock.now = 1003.5
    assert not timer.due()
    clock.now = 1004.0
    assert timer.due() and timer.commit_due() and not timer.metrics_due()
    timer.committed()  # next commit at 1006
    clock.now = 1005.0
    assert timer.due() and not timer.commit_due() and timer.metrics_due()
    assert not timer.due()  # metrics reported: next at 1010, commit at 1006
    clock.now = 1006.0
    assert timer.due() and timer.commit_due()


def test_pipeline_classes_name_each_stage_by_its_connect_class() -> None:
    # Connect reports the executing class by its full name (DLQ header
    # `__connect.errors.class.name`), whatever alias the config used.
    classes = PipelineClasses(
        PluginConfig("JsonConverter", {}),
        PluginConfig("org.apache.kafka.connect.storage.StringConverter", {}),
        None,
        {"route": "RegexRouter", "mine": "com.example.Custom"},
    )
    expected = {
        "KEY_CONVERTER": "org.apache.kafka.connect.json.JsonConverter",
        "VALUE_CONVERTER": "org.apache.kafka.connect.storage.StringConverter",
        "HEADER_CONVERTER": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    }
    for stage, class_name in expected.items():
        assert classes.of(StageError(stage, "boom")) == (Stage(stage), class_name)
    route = classes.of(StageError("TRANSFORMATION", "boom", "route"))
    assert route == (Stage.TRANSFORMATION, "org.apache.kafka.connect.transforms.RegexRouter")
    assert classes.of(StageError("TRANSFORMATION", "boom", "mine"))[1] == "com.example.Custom"
