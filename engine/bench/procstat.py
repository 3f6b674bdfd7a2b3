"""CPU time and memory of a process tree, sampled from ``/proc``.

A benchmarked system is more than one process (kconnect: a supervisor, a
forkserver and one process per task; Connect: one JVM), so the harness
measures the whole tree: every process whose parent chain reaches the root,
or that shares the root's session (the harness starts each system in a new
session, so a descendant re-parented to init after its parent died is still
counted). Linux only.

CPU time of a process that exits between two samples is kept at its last
sampled value, so a tree's CPU total never goes down; what a short-lived
process used after its last sample is lost (at most one sampling interval).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcSample", "ProcessTreeSampler", "TreeUsage", "read_proc", "tree_pids"]

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcSample:
    """One process at one instant.

    Attributes:
        pid: Process id.
        ppid: Parent process id.
        session: Session id.
        start_ticks: Start time in clock ticks since boot; with ``pid`` it
            identifies the process even after the pid is reused.
        cpu_s: User + system CPU seconds the process itself used so far.
        rss_bytes: Resident set size.
    """

    pid: int
    ppid: int
    session: int
    start_ticks: int
    cpu_s: float
    rss_bytes: int


def parse_stat(pid: int, stat: str, statm: str) -> ProcSample:
    """Build a `ProcSample` from the text of ``/proc/PID/stat`` and ``/proc/PID/statm``.

    The command name (field 2) may hold spaces and parentheses, so the
    fields are counted from the last ``)``.
    """
    fields = stat[stat.rindex(")") + 2 :].split()
    # After the name: state(3) ppid(4) pgrp(5) session(6) ... utime(14) stime(15) ... starttime(22).
    ppid, session = int(fields[1]), int(fields[3])
    utime, stime, start = int(fields[11]), int(fields[12]), int(fields[19])
    resident_pages = int(statm.split()[1])
    return ProcSample(
        pid=pid,
        ppid=ppid,
        session=session,
        start_ticks=start,
        cpu_s=(utime + stime) / _CLOCK_TICKS,
        rss_bytes=resident_pages * _PAGE_SIZE,
    )


def read_proc(pid: int) -> ProcSample | None:
    """Sample one process, or ``None`` if it is gone (or a zombie without memory)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
        statm = (_PROC / str(pid) / "statm").read_text()
    except OSError:
        return None
    try:
        return parse_stat(pid, stat, statm)
    except (ValueError, IndexError):
        # A process caught while exiting can show truncated files.
        return None


def read_pss_bytes(pid: int) -> int:
    """Proportional set size of ``pid`` (shared pages divided among their users); 0 if unreadable."""
    try:
        with open(_PROC / str(pid) / "smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _all_processes() -> Iterator[ProcSample]:
    for entry in os.scandir(_PROC):
        if entry.name.isdigit():
            sample = read_proc(int(entry.name))
            if sample is not None:
                yield sample


def tree_pids(root: int, samples: Iterable[ProcSample]) -> list[ProcSample]:
    """The samples of ``root`` and every process descending from it or in its session."""
    by_parent: dict[int, list[ProcSample]] = {}
    chosen: dict[int, ProcSample] = {}
    root_session: int | None = None
    listed = list(samples)
    for sample in listed:
        by_parent.setdefault(sample.ppid, []).append(sample)
        if sample.pid == root:
            root_session = sample.session
            chosen[root] = sample
    stack = [root]
    while stack:
        for child in by_parent.get(stack.pop(), ()):
            if child.pid not in chosen:
                chosen[child.pid] = child
                stack.append(child.pid)
    # Only a session the root leads: otherwise the session is the harness's own.
    if root_session == root:
        for sample in listed:
            if sample.session == root_session:
                chosen.setdefault(sample.pid, sample)
    return list(chosen.values())


@dataclass(frozen=True)
class TreeUsage:
    """What a `ProcessTreeSampler` saw.

    Attributes:
        cpu_s: CPU seconds of the whole tree, exited processes included.
        peak_rss_bytes: Highest sum of the live processes' RSS over all samples.
        peak_pss_bytes: Highest sum of their PSS (shared pages counted once
            overall); fairer than RSS for forked processes that share pages.
        peak_processes: Most processes seen alive at once.
        samples: How many samples were taken.
    """

    cpu_s: float
    peak_rss_bytes: int
    peak_pss_bytes: int
    peak_processes: int
    samples: int


class ProcessTreeSampler:
    """Samples a process tree from a background thread until stopped.

    Use as a context manager, or call `start` and `stop`. `usage` may be
    called at any time (it takes a fresh sample first), so the harness can
    read the CPU total at the start and the end of a measured window.

    Args:
        root: Pid of the tree's root.
        interval_s: Seconds between samples.
    """

    def __init__(self, root: int, interval_s: float = 0.1) -> None:
        self.root = root
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._cpu: dict[tuple[int, int], float] = {}
        self._peak_rss = 0
        self._peak_pss = 0
        self._peak_processes = 0
        self._samples = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ProcessTreeSampler:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self.sample()
        self._thread = threading.Thread(target=self._run, name="bench-procstat", daemon=True)
        self._thread.start()

    def stop(self) -> TreeUsage:
        """Stop the thread, take a last sample, and return the totals."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self.usage()

    def usage(self) -> TreeUsage:
        """Sample now and return the totals so far."""
        self.sample()
        with self._lock:
            return TreeUsage(
                cpu_s=sum(self._cpu.values()),
                peak_rss_bytes=self._peak_rss,
                peak_pss_bytes=self._peak_pss,
                peak_processes=self._peak_processes,
                samples=self._samples,
            )

    def sample(self) -> None:
        """Take one sample of the tree."""
        live = tree_pids(self.root, _all_processes())
        # PSS needs a page-table walk per process, so it is read only for the tree.
        pss = sum(read_pss_bytes(sample.pid) for sample in live)
        self.record(live, pss)

    def record(self, live: list[ProcSample], pss_bytes: int) -> None:
        """Fold one sample of the live tree into the totals (separate from `sample` for tests)."""
        with self._lock:
            for sample in live:
                self._cpu[(sample.pid, sample.start_ticks)] = sample.cpu_s
            self._peak_rss = max(self._peak_rss, sum(sample.rss_bytes for sample in live))
            self._peak_pss = max(self._peak_pss, pss_bytes)
            self._peak_processes = max(self._peak_processes, len(live))
            self._samples += 1

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stopping.is_set():
            next_at += self.interval_s
            self._stopping.wait(max(0.0, next_at - time.monotonic()))
            if not self._stopping.is_set():
                self.sample()
