"""Installed versions of the llm distributions, read from package metadata."""

from __future__ import annotations

from functools import cache

DISTRIBUTIONS = (
    "llm",
    "llm-core",
    "llm-cli",
    "llm-openai",
    "llm-logs",
    "llm-templates",
    "llm-embeddings",
)


@cache
def distribution_version(name: str) -> str | None:
    """Version of an installed distribution, or None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def installed_versions() -> dict[str, str]:
    """Versions of our distributions that are installed, by name."""
    found = {}
    for name in DISTRIBUTIONS:
        value = distribution_version(name)
        if value is not None:
            found[name] = value
    return found


def llm_version() -> str:
    """The version reported as "the version of LLM": the metapackage, else llm-core."""
    return distribution_version("llm") or distribution_version("llm-core") or "0"
