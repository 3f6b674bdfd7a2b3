"""The standalone worker's source offset store (`offset.storage.file.filename`).

Connect compat: `FileOffsetBackingStore` keeps the offsets topic's records in a file: the key is
the offsets topic key `["connector",{partition}]`, the value the offset JSON, a null value a reset.
Java writes a serialized `HashMap<byte[],byte[]>`; we write our own JSON document instead
(`{"version": 1, "offsets": [[key, value], ...]}`), always to a temporary file that is renamed over
the old one, so a crash mid-write leaves the previous complete file.

The store itself is synchronous and holds no lock: the herder mutates it on its event loop and
hands `encode()`'s bytes to a thread for `write()`, so the loop never waits on the disk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from engine.errors import ConfigError

__all__ = ["FileOffsetStore", "offset_key"]

FORMAT_VERSION = 1


def offset_key(connector: str, partition: Mapping[str, Any]) -> str:
    """The offsets topic key as compact JSON; partition keys sorted so equal maps give equal keys."""
    return json.dumps([connector, partition], separators=(",", ":"), sort_keys=True, ensure_ascii=False)


class FileOffsetStore:
    """Committed source offsets of every connector, persisted to one JSON file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # offset_key → (connector, partition, offset); insertion order is commit order.
        self._entries: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
        self._dirty = False

    def load(self) -> None:
        """Reads the file; a missing file is an empty store, as in Connect.

        Raises:
            ConfigError: the file exists but cannot be read or is not an offsets document.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._entries = {}
            return
        except OSError as exc:
            raise ConfigError(f"Could not read the offsets file {self.path}: {exc.strerror}") from exc
        try:
            document = json.loads(text)
            if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
                raise ValueError(f"not a version {FORMAT_VERSION} offsets document")
            entries: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
            for key, value in document["offsets"]:
                connector, partition = key
                if not isinstance(connector, str) or not isinstance(partition, dict):
                    raise ValueError(f"bad key {key!r}")
                if not isinstance(value, dict):
                    raise ValueError(f"bad offset {value!r}")
                entries[offset_key(connector, partition)] = (connector, partition, value)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"The offsets file {self.path} is not a kconnect offsets file: {exc}") from exc
        self._entries = entries
        self._dirty = False

    @property
    def dirty(self) -> bool:
        """Whether there are changes not yet handed to `encode()`."""
        return self._dirty

    def mark_dirty(self) -> None:
        """Asks for another write (the last one failed)."""
        self._dirty = True

    def put(
        self, connector: str, offsets: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]]
    ) -> None:
        """Records offsets in order; a None offset removes the partition (Connect's tombstone)."""
        for partition, offset in offsets:
            key = offset_key(connector, partition)
            if offset is None:
                if self._entries.pop(key, None) is not None:
                    self._dirty = True
            else:
                # Re-inserting moves the entry to the end, keeping the file in commit order.
                self._entries.pop(key, None)
                self._entries[key] = (connector, dict(partition), dict(offset))
                self._dirty = True

    def offsets(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The connector's partitions and offsets, in commit order."""
        return [(p, o) for c, p, o in self._entries.values() if c == connector]

    def encode(self) -> bytes:
        """The file's content now; marks the store clean (a later `put` makes it dirty again)."""
        self._dirty = False
        offsets = [[[c, p], o] for c, p, o in self._entries.values()]
        return json.dumps({"version": FORMAT_VERSION, "offsets": offsets}, ensure_ascii=False).encode()

    def write(self, data: bytes) -> None:
        """Writes `data` atomically (temporary file, fsync, rename). Safe to call from a thread."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, self.path)

    def flush(self) -> None:
        """Encodes and writes synchronously (shutdown, tests)."""
        self.write(self.encode())
