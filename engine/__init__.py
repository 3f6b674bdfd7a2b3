"""kconnect's worker runtime: a Kafka Connect-compatible engine with a Rust data plane."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kconnect")
except PackageNotFoundError:  # pragma: no cover - only when running from an unbuilt source tree
    __version__ = "0+unknown"

__all__ = ["__version__"]
