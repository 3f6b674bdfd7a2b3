"""Stubs for the private Rust extension `engine._native`; import through `engine.transforms`."""

__version__: str

class RegexRouter:
    """Renames a topic when the whole topic matches `regex` (Connect's RegexRouter).

    The replacement uses Java's syntax: `$1`, `${name}`, `\\$` for a literal dollar.

    Raises:
        ValueError: the pattern does not compile, or the replacement names a missing group.
    """

    def __init__(self, *, regex: str, replacement: str) -> None: ...
    def route_batch(self, topics: list[str], /) -> list[str]:
        """Routes every topic in one call; a topic that does not match is returned unchanged."""
