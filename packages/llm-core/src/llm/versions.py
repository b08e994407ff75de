"""Installed versions of the llm distributions, read from package metadata."""

from __future__ import annotations

from functools import cache

TYPE_CHECKING = False  # typing costs milliseconds to import; annotations are strings
if TYPE_CHECKING:
    from typing import Any

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
    """Version of an installed distribution, or None when it is not installed.

    Read from the distribution's metadata header directly (see llm.entrypoints),
    which spares ``llm --version`` the import of importlib.metadata.
    """
    from .entrypoints import normalize

    dist = _installed().get(normalize(name))
    return dist.version if dist is not None else None


@cache
def _installed() -> dict[str, Any]:
    from .entrypoints import distributions

    return {dist.key: dist for dist in distributions()}


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
