"""A text stream for tests that keeps each write and flush, in order (None marks a flush)."""

from __future__ import annotations


class RecordingStream:
    """Stands in for `sys.stdout` where a test checks what was written and when it was flushed."""

    def __init__(self) -> None:
        self.calls: list[str | None] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return len(text)

    def flush(self) -> None:
        self.calls.append(None)
