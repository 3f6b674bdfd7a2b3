"""A description of the machine a benchmark ran on, for the JSON report."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

import engine
from engine.localkafka import KAFKA_VERSION

__all__ = ["describe_machine", "java_version"]

_JAVA_VERSION_RE = re.compile(r'version "([^"]+)"')


def describe_machine() -> dict[str, object]:
    """CPU model, cores, memory, kernel, Python and Java versions, and the versions under test."""
    return {
        "cpu": _cpu_model(Path("/proc/cpuinfo")),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(Path("/proc/meminfo")),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "java": java_version(),
        "kafka": KAFKA_VERSION,
        "kconnect": engine.__version__,
    }


def _cpu_model(cpuinfo: Path) -> str | None:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return platform.processor() or None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or None


def _memory_gib(meminfo: Path) -> float | None:
    try:
        text = meminfo.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def java_version() -> str | None:
    """The ``java`` on PATH's version (``"17.0.15"``), or ``None`` when there is none."""
    java = shutil.which("java")
    if java is None:
        return None
    result = subprocess.run(
        [java, "-version"], capture_output=True, text=True, errors="replace", timeout=30, check=False
    )
    match = _JAVA_VERSION_RE.search(result.stderr + result.stdout)
    return match.group(1) if match else None
