"""Masking secret values in text that leaves a process: logs, status traces, REST errors.

A secret is a value of a PASSWORD-typed key or a value a config provider resolved. The supervisor
and the connector/task processes mask with the same function, so the rule is written once.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import overload

__all__ = ["SECRET_MASK", "mask_secrets"]

SECRET_MASK = "[hidden]"
"""What a secret is replaced with: Connect's text for a hidden password."""


@overload
def mask_secrets(text: str, secrets: Collection[str]) -> str: ...
@overload
def mask_secrets(text: None, secrets: Collection[str]) -> None: ...
@overload
def mask_secrets(text: str | None, secrets: Collection[str]) -> str | None: ...
def mask_secrets(text: str | None, secrets: Collection[str]) -> str | None:
    """`text` with every secret value replaced by `[hidden]`, longest first (a secret may contain
    another). Empty secrets are ignored; None stays None."""
    if not text:
        return text
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, SECRET_MASK)
    return text
