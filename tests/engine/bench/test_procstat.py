"""Tests of engine.bench.procstat: /proc parsing, tree selection and sampling of real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from engine.bench.procstat import ProcessTreeSampler, ProcSample, parse_stat, read_proc, tree_pids

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _sample(
    pid: int, ppid: int, session: int, *, cpu_s: float = 0.0, rss: int = 0, start: int = 1
) -> ProcSample:
    return ProcSample(pid=pid, ppid=ppid, session=session, start_ticks=start, cpu_s=cpu_s, rss_bytes=rss)


def test_parse_stat_counts_fields_after_a_name_with_spaces_and_parentheses() -> None:
    utime, stime = 3 * _TICKS, 1 * _TICKS
    stat = f"42 (a (b) c) S 7 42 42 0 -1 4194304 0 0 0 0 {utime} {stime} 0 0 20 0 1 0 555 1000 25 0"
    sample = parse_stat(42, stat, "1000 25 10 1 0 5 0")
    assert (sample.pid, sample.ppid, sample.session, sample.start_ticks) == (42, 7, 42, 555)
    assert sample.cpu_s == 4.0
    assert sample.rss_bytes == 25 * _PAGE


def test_read_proc_of_this_process_and_of_a_missing_one() -> None:
    sample = read_proc(os.getpid())
    assert sample is not None
    assert sample.ppid == os.getppid()
    assert sample.rss_bytes > 0
    assert read_proc(2**22 + 12345) is None  # above pid_max's default


def test_tree_follows_parents_and_the_root_session_only() -> None:
    samples = [
        _sample(10, 1, 10),  # root, session leader
        _sample(11, 10, 10),  # child
        _sample(12, 11, 10),  # grandchild
        _sample(13, 1, 10),  # re-parented to init, still in the root's session
        _sample(20, 1, 20),  # unrelated
        _sample(21, 20, 20),
    ]
    assert sorted(s.pid for s in tree_pids(10, samples)) == [10, 11, 12, 13]


def test_tree_of_a_root_that_leads_no_session_ignores_the_session() -> None:
    samples = [_sample(10, 5, 5), _sample(11, 10, 5), _sample(6, 5, 5)]
    assert sorted(s.pid for s in tree_pids(10, samples)) == [10, 11]


def test_record_keeps_exited_processes_cpu_and_the_peak_rss_sum() -> None:
    sampler = ProcessTreeSampler(10)
    sampler.record([_sample(10, 1, 10, cpu_s=1.0, rss=100), _sample(11, 10, 10, cpu_s=2.0, rss=50)], 120)
    sampler.record([_sample(10, 1, 10, cpu_s=1.5, rss=30)], 30)  # 11 exited
    # A reused pid with a new start time is another process.
    sampler.record(
        [_sample(10, 1, 10, cpu_s=1.5, rss=30), _sample(11, 10, 10, cpu_s=0.25, rss=10, start=9)], 40
    )
    with sampler._lock:
        cpu = sum(sampler._cpu.values())
    assert cpu == 1.5 + 2.0 + 0.25
    assert sampler._peak_rss == 150
    assert sampler._peak_pss == 120
    assert sampler._peak_processes == 2


def test_sampler_measures_a_real_process_tree_with_children() -> None:
    # Two processes burn ~0.6 s of CPU each and hold ~40 MB each.
    script = (
        "import os, time\n"
        "os.fork()\n"
        "buf = bytearray(40_000_000)\n"
        "end = time.process_time() + 0.6\n"
        "while time.process_time() < end: pass\n"
        "time.sleep(0.3)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        with ProcessTreeSampler(child.pid, interval_s=0.05) as sampler:
            child.wait(timeout=30)
            time.sleep(0.1)
        usage = sampler.usage()
    finally:
        child.kill()
        child.wait()
    assert usage.peak_processes == 2
    assert 1.0 <= usage.cpu_s <= 3.0
    assert usage.peak_rss_bytes >= 80_000_000
    assert 0 < usage.peak_pss_bytes <= usage.peak_rss_bytes
    assert usage.samples >= 5
