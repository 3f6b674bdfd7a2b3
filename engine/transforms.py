"""Connect-named single-message transforms, implemented in the native extension."""

from engine._native import RegexRouter

__all__ = ["RegexRouter"]
