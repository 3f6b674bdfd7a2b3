"""Masking secret values in text that leaves a process: logs, status traces, REST errors.

A secret is a value of a PASSWORD-typed key or a value a config provider resolved. The supervisor
and the connector/task processes mask with the same function, so the rule is written once.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import overload

__all__ = ["SECRET_MASK", "SecretMasker", "mask_secrets"]

SECRET_MASK = "[hidden]"
"""What a secret is replaced with: Connect's text for a hidden password."""


class SecretMasker:
    """Masks a fixed set of secrets, sorted once: for the loggers and streams that mask every
    line they pass on. Longest first, as a secret may contain another; empty secrets are ignored."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Collection[str]) -> None:
        self._secrets = tuple(sorted((s for s in secrets if s), key=len, reverse=True))

    def __bool__(self) -> bool:
        return bool(self._secrets)

    @overload
    def mask(self, text: str) -> str: ...
    @overload
    def mask(self, text: None) -> None: ...
    @overload
    def mask(self, text: str | None) -> str | None: ...
    def mask(self, text: str | None) -> str | None:
        """`text` with every secret replaced by `[hidden]`; None stays None."""
        if not text:
            return text
        for secret in self._secrets:
            text = text.replace(secret, SECRET_MASK)
        return text


@overload
def mask_secrets(text: str, secrets: Collection[str]) -> str: ...
@overload
def mask_secrets(text: None, secrets: Collection[str]) -> None: ...
@overload
def mask_secrets(text: str | None, secrets: Collection[str]) -> str | None: ...
def mask_secrets(text: str | None, secrets: Collection[str]) -> str | None:
    """`text` with every secret value replaced by `[hidden]`, longest first (a secret may contain
    another). Empty secrets are ignored; None stays None."""
    return SecretMasker(secrets).mask(text)
