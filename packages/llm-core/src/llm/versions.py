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


def _normalize(name: str) -> str:
    name = name.lower().replace("-", "_").replace(".", "_")
    while "__" in name:
        name = name.replace("__", "_")
    return name


@cache
def _installed_by_directory() -> dict[str, str | None]:
    """Versions from ``name-version.dist-info`` directory names on sys.path.

    Installers name these directories after the normalized distribution name
    and version, so a directory listing answers ``llm --version`` without the
    cost of importing importlib.metadata. Older ``.egg-info`` installs are
    recorded with version None (read through importlib.metadata instead). The
    first match on sys.path wins, as it does for importlib.metadata.
    """
    import os
    import sys

    found: dict[str, str | None] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                distribution, sep, version = name[: -len(".dist-info")].partition("-")
                found.setdefault(_normalize(distribution), version if sep else None)
            elif name.endswith((".egg-info", ".egg")):
                found.setdefault(_normalize(name.split("-")[0].split(".egg")[0]), None)
    return found


@cache
def distribution_version(name: str) -> str | None:
    """Version of an installed distribution, or None when it is not installed."""
    installed = _installed_by_directory()
    key = _normalize(name)
    if key not in installed:
        return None
    if installed[key]:
        return installed[key]
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
