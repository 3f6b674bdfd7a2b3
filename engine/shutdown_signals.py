"""How a worker process (standalone or distributed) reacts to SIGTERM and SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

__all__ = ["FORCED_EXIT_STATUS", "stop_on_signals"]

logger = logging.getLogger("engine.worker")

FORCED_EXIT_STATUS = 130


def stop_on_signals(launcher: Any) -> asyncio.Event:
    """An event set by the first SIGTERM/SIGINT; a second one kills every process and exits."""
    stopping = asyncio.Event()

    def on_signal() -> None:
        if stopping.is_set():
            logger.warning("Second signal: killing every task process and exiting now.")
            for handle in launcher.handles:
                handle.kill()
            os._exit(FORCED_EXIT_STATUS)
        logger.info("Stopping the worker.")
        stopping.set()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    return stopping
