"""The one exception type of `engine.localkafka`."""

from __future__ import annotations

__all__ = ["LocalKafkaError"]


class LocalKafkaError(Exception):
    """Resolving, starting or stopping the local Kafka broker failed.

    The first line of ``str(error)`` is always one complete sentence meant
    for the user (the CLI can print just that line). When the failure comes
    from a tool run (``mvn``, ``java``), that tool's last output lines
    follow on the next lines, indented, so the cause is visible without
    opening a log file.
    """

    def __init__(self, message: str, tail: list[str] | None = None) -> None:
        self.message = message
        self.tail = list(tail or [])
        text = message
        if self.tail:
            text += "\n" + "\n".join(f"  {line}" for line in self.tail)
        super().__init__(text)
