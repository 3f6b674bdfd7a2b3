"""Tests of engine.runtime.loops: the collector tuning of a task process."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading

from engine.runtime.loops import GC_THRESHOLDS, tune_gc


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
