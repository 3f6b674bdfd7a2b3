"""The supervisor's run, shared by both workers (`kconnect standalone` and `kconnect distributed`).

Each worker builds its launcher, herder and bound REST server in its own start-up order
(`engine.standalone`, `engine.distributed`); from there on both run alike. The herder starts while
the REST server already accepts requests, and the worker runs until SIGTERM/SIGINT (exit status
0) or until the REST server stops by itself (1). Shutdown goes in an order that loses nothing: the
herder first (its instances stop and write their statuses and offsets), then the REST server, then
the launcher (no instance is left for it to kill), then what the worker still holds (its internal
topics), and the config providers last, since everything before may still resolve secrets.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from engine.shutdown_signals import stop_on_signals

if TYPE_CHECKING:
    # Types only: importing the launcher's module here must not precede its forkserver.
    from engine.config.providers import ConfigProviders
    from engine.rest.server import RestServer
    from engine.runtime.launcher import Launcher

__all__ = ["run_until_stopped", "run_worker"]


class _Herder(Protocol):
    @property
    def worker_id(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def run_until_stopped(
    mode: str,
    herder: _Herder,
    server: RestServer,
    launcher: Launcher,
    providers: ConfigProviders,
    *,
    started: Callable[[], Awaitable[None]] | None = None,
    stopped: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Runs the worker from its herder's start to its orderly stop.

    Args:
        mode: `standalone` or `distributed`, for the line that says the worker runs.
        started: awaited once the herder runs, before the worker says it does (standalone
            submits the connectors of its command line); a failure stops the worker.
        stopped: awaited after the launcher closed, before the providers close.

    Returns:
        0 after a signal, 1 when the REST server stopped by itself.

    Raises:
        Exception: what `started` or the REST server raised, after the shutdown.
    """
    stopping = stop_on_signals(launcher)
    serving = asyncio.create_task(server.serve(), name="rest")
    await herder.start()
    status = 0
    try:
        if started is not None:
            await started()
        print(f"kconnect {mode} worker {herder.worker_id} is running.", file=sys.stderr, flush=True)
        waiting = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({waiting, serving}, return_when=asyncio.FIRST_COMPLETED)
        if serving in done:
            waiting.cancel()
            serving.result()
            status = 1
    finally:
        await herder.stop()
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
        await launcher.close(0.0)
        if stopped is not None:
            await stopped()
        providers.close()
    return status


def run_worker(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Runs a worker's main coroutine on uvloop and returns its exit status; logs INFO and above
    to stderr unless the program that runs the worker configured logging already."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO,
            format="[%(asctime)s] %(levelname)s %(message)s (%(name)s)",
            stream=sys.stderr,
        )
    import uvloop  # noqa: PLC0415  # only the worker needs it

    return uvloop.run(main())
