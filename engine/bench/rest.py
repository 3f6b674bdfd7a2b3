"""The harness's REST calls to a worker: is it answering, and submitting connectors in distributed mode.

A distributed worker (``kconnect distributed``, Connect's
``ConnectDistributed``) takes no connector files: once ``GET /`` answers,
the harness creates the scenario's connectors with ``POST /connectors``
from a thread, so the watch loop keeps observing the output meanwhile. A
worker that answers ``GET /`` may still be joining its group or reading
its config topic; it then answers 409 (no leader yet, a rebalance) or 503
(starting), which are retried until the system's deadline.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

__all__ = ["ConnectorSubmitter", "rest_answers"]

_PROBE_TIMEOUT_S = 0.5
_RETRY_DELAY_S = 0.2
# Conflict (no leader known yet, a rebalance in progress) and Service Unavailable (still starting).
_NOT_READY_YET = (409, 503)
_BODY_CHARS = 300


def rest_answers(url: str) -> bool:
    """Whether ``GET url`` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=_PROBE_TIMEOUT_S) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _post_json(url: str, body: object, timeout_s: float) -> tuple[int, str]:
    """POST ``body`` as JSON; return the status and the response text (error statuses included)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


class ConnectorSubmitter:
    """Creates connectors on a worker with ``POST /connectors``, one after the other, from a thread.

    Args:
        rest_url: The worker's REST root, ending with ``/``.
        connectors: Connector configs, each with its ``name``.
        deadline: `time.monotonic` time after which a worker still not ready
            for writes is a failure.
    """

    def __init__(self, rest_url: str, connectors: Sequence[dict[str, str]], deadline: float) -> None:
        self.url = f"{rest_url}connectors"
        self.connectors = list(connectors)
        self.deadline = deadline
        self.submitted = 0
        self.error: str | None = None
        """Why a connector could not be created; set once, by the thread."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-submit", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop retrying and wait for the thread (an in-flight request ends when the worker stops)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        for config in self.connectors:
            error = self._submit(config)
            if error is not None:
                self.error = error
                return
            self.submitted += 1

    def _submit(self, config: dict[str, str]) -> str | None:
        name = config["name"]
        body = {"name": name, "config": config}
        last = ""
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return f"the worker was not ready to create connector `{name}` in time{last}"
            try:
                status, text = _post_json(self.url, body, remaining)
            except (urllib.error.URLError, OSError) as exc:
                return f"POST /connectors for `{name}` failed: {exc}"
            if status == 201:
                return None
            answer = f"POST /connectors for `{name}` answered {status}: {text[:_BODY_CHARS]}"
            if status not in _NOT_READY_YET or self._stop.wait(_RETRY_DELAY_S):
                return answer
            last = f" (last: {answer})"
