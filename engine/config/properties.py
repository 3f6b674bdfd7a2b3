"""Java `.properties` files, read exactly as `java.util.Properties.load` reads them.

Connect's `connect-standalone.sh` takes worker and connector configs in this format, so existing
files must mean the same thing here: `=`, `:` or whitespace separate key and value; `#`/`!` start
comments; a line ending in an odd number of backslashes continues on the next line (whose leading
whitespace is dropped); `\\t`, `\\n`, `\\r`, `\\f` and `\\uXXXX` are escapes and any other escaped
character stands for itself.

One deliberate difference: Java reads the bytes as ISO-8859-1, which turns UTF-8 text into
mojibake. We decode UTF-8 when the file is valid UTF-8 and fall back to ISO-8859-1 otherwise, so
ASCII files (nearly all configs) read identically and UTF-8 ones read as their authors meant.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PropertiesError", "dumps", "load", "loads"]

_SEPARATORS = "=:"
_WHITESPACE = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


class PropertiesError(ValueError):
    """The text is not a valid properties file (only a malformed `\\uXXXX` escape makes it so)."""


def _logical_lines(text: str) -> list[str]:
    """Joins continuation lines and drops comments and blank lines, as `LineReader` does."""
    natural = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    pending: str | None = None
    for raw in natural:
        line = raw.lstrip(_WHITESPACE)
        if pending is None:
            if not line or line[0] in "#!":
                continue
            current = line
        else:
            # Continuation lines are never comments; their leading whitespace is dropped.
            current = pending + line
        trailing = len(current) - len(current.rstrip("\\"))
        if trailing % 2 == 1:
            pending = current[:-1]
        else:
            out.append(current)
            pending = None
    if pending is not None:
        out.append(pending)
    return out


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 >= len(text):
            out.append(char)
            i += 1
            continue
        escaped = text[i + 1]
        if escaped == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise PropertiesError("Malformed \\uxxxx encoding.")
            out.append(chr(int(digits, 16)))
            i += 6
        else:
            out.append(_ESCAPES.get(escaped, escaped))
            i += 2
    return "".join(out)


def _split(line: str) -> tuple[str, str]:
    """Finds the end of the key: the first unescaped separator or whitespace."""
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            i += 2
            continue
        if char in _SEPARATORS or char in _WHITESPACE:
            break
        i += 1
    key = line[:i]
    rest = line[i:].lstrip(_WHITESPACE)
    if rest and rest[0] in _SEPARATORS:
        rest = rest[1:].lstrip(_WHITESPACE)
    return key, rest


def loads(text: str) -> dict[str, str]:
    """Parses properties text; later keys override earlier ones, as in Java.

    Raises:
        PropertiesError: a malformed `\\uXXXX` escape.
    """
    props: dict[str, str] = {}
    for line in _logical_lines(text):
        key, value = _split(line)
        props[_unescape(key)] = _unescape(value)
    return props


def load(path: str | Path) -> dict[str, str]:
    """Reads a properties file (UTF-8, falling back to ISO-8859-1; see the module docstring).

    Raises:
        OSError: the file cannot be read.
        PropertiesError: a malformed `\\uXXXX` escape.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("iso-8859-1")
    return loads(text)


def _escape(text: str, *, is_key: bool) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "\\" or char in "=:#!":
            out.append("\\" + char)
        elif char == " " and (is_key or index == 0):
            out.append("\\ ")
        elif char in "\t\n\r\f":
            out.append("\\" + {"\t": "t", "\n": "n", "\r": "r", "\f": "f"}[char])
        else:
            out.append(char)
    return "".join(out)


def dumps(props: dict[str, str]) -> str:
    """Writes properties text that `loads` (and Java) read back to the same mapping."""
    return "".join(f"{_escape(k, is_key=True)}={_escape(v, is_key=False)}\n" for k, v in props.items())
