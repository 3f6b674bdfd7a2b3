"""The broker JVM as an OS process: pid files, identity checks, exit waits and signals.

Linux only (``/proc`` and pidfds). A broker outlives the Python process
that launched it, so everything here works from a bare pid; the only state
kept in memory is the `subprocess.Popen` of brokers this process launched,
which is needed to reap them.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
from contextlib import suppress
from pathlib import Path

__all__ = ["PidWatch", "is_running", "read_pid", "reap", "track", "write_atomically"]

# Popen objects of brokers this process launched, by pid. Holding them keeps
# Popen.__del__ from warning "subprocess is still running" when a caller
# drops its LocalKafka while the detached broker is meant to keep running,
# and lets `reap` collect an exited child instead of leaving a zombie.
_launched: dict[int, subprocess.Popen[bytes]] = {}


class PidWatch:
    """A pidfd for one process: exit notification without polling, and race-free signals.

    A pidfd stays bound to the process it was opened for, so a signal can
    never hit an unrelated process that reused the pid after ours exited.
    A process that is already gone when the watch is opened counts as
    exited.
    """

    def __init__(self, pid: int) -> None:
        self._fd: int | None
        try:
            self._fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._fd = None

    def __enter__(self) -> PidWatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def exited(self) -> bool:
        return not self.wait(0)

    def wait(self, timeout: float) -> bool:
        """Wait until the process exits or ``timeout`` seconds pass; ``True`` if it is still alive."""
        if self._fd is None:
            return False
        readable, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        return not readable

    def send(self, sig: signal.Signals) -> None:
        if self._fd is None:
            return
        with suppress(ProcessLookupError):
            signal.pidfd_send_signal(self._fd, sig)


def track(process: subprocess.Popen[bytes]) -> None:
    """Keep a launched broker's Popen until `reap` collects it."""
    _launched[process.pid] = process


def reap(pid: int) -> int | None:
    """Collect ``pid``'s exit status if this process launched it and it exited.

    Returns:
        The exit code, or ``None`` when it still runs or is not our child.
    """
    process = _launched.get(pid)
    if process is None:
        return None
    code = process.poll()
    if code is not None:
        del _launched[pid]
    return code


def is_running(pid: int, *argv_items: str) -> bool:
    """Whether ``pid`` is alive and its command line holds every one of ``argv_items``.

    Matching whole arguments (the main class and the properties path) is
    what tells our broker apart from an unrelated process that got the pid
    after ours died.
    """
    reap(pid)
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    # A zombie has an empty cmdline, so it counts as gone.
    return all(item.encode() in args for item in argv_items)


def read_pid(path: Path) -> int | None:
    """The pid in a pid file, or ``None`` if it is missing or not a positive integer."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see a partial file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
