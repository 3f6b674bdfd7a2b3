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

_Props = dict[str, str]
_Headers = list[tuple[str, bytes | None]] | tuple[tuple[str, bytes | None], ...]
_RecordIn = tuple[str, int | None, int | None, int | None, bytes | None, bytes | None, _Headers]
_RecordOut = tuple[
    str, int | None, int | None, bytes | None, bytes | None, tuple[tuple[str, bytes | None], ...]
]
_Stage = tuple[str, str, _Props, str | None, str | None, _Props | None, bool]

class Pipeline:
    """Key/value converters plus the transform chain of one task, built once (see engine.pipeline).

    Raises:
        ValueError: an unknown class or invalid setting, in Connect's words.
    """

    def __init__(
        self, *, key_converter: tuple[str, _Props], value_converter: tuple[str, _Props], stages: list[_Stage]
    ) -> None: ...
    @property
    def warnings(self) -> list[str]:
        """Deprecation warnings from building the chain."""

    def sink_batch(self, records: list[_RecordIn], /) -> RecordBatch:
        """Runs a batch as a sink task would and serializes the results again, natively."""

class RecordBatch:
    """The output of `Pipeline.sink_batch`, held in Rust until asked for."""

    def __len__(self) -> int: ...
    def records(self) -> list[_RecordOut | None]:
        """One entry per input record; None when it was dropped or failed."""

    def errors(self) -> list[tuple[int, str, str | None, str]]:
        """`(position, stage, alias, message)` for each failed record."""

    @property
    def dropped(self) -> int:
        """How many input records the chain dropped."""

    @property
    def nbytes(self) -> int:
        """Total bytes of keys, values and header values."""
