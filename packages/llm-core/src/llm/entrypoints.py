"""Installed distributions and their entry points, found by reading sys.path directly.

Plugin discovery runs on every ``llm`` command, and ``importlib.metadata`` costs
more to import (email, zipfile, csv, pathlib, ...) than the lookup itself. The
files involved are simple: every installer writes a ``*.dist-info`` (or legacy
``*.egg-info``) directory holding ``entry_points.txt`` and a ``METADATA``
(``PKG-INFO``) file whose header carries ``Name:`` and ``Version:``. This module
reads just those, with the same rules as ``importlib.metadata``: sys.path order,
and the first distribution of a given (normalized) name wins. Zip files on
sys.path are rare; for those the standard library is used.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs milliseconds to import; annotations are strings
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


def normalize(name: str) -> str:
    """A distribution name compared the way installers name their directories."""
    name = name.lower().replace("-", "_").replace(".", "_")
    while "__" in name:
        name = name.replace("__", "_")
    return name


class Distribution:
    """An installed distribution: its name, version and entry-point file."""

    __slots__ = ("path", "key", "_fallback", "_header")

    def __init__(self, path: str, key: str, fallback: Any = None) -> None:
        self.path = path  # the .dist-info / .egg-info directory
        self.key = key  # normalized name
        self._fallback = fallback  # an importlib.metadata.Distribution (zip entries)
        self._header: dict[str, str] | None = None

    def _metadata(self) -> dict[str, str]:
        if self._header is None:
            self._header = {}
            if self._fallback is not None:
                metadata = self._fallback.metadata
                for field in ("Name", "Version"):
                    if metadata[field]:
                        self._header[field] = metadata[field]
            else:
                self._header = _read_header(self.path)
        return self._header

    @property
    def name(self) -> str:
        """The project name as published (``Name:`` in the metadata)."""
        return self._metadata().get("Name") or self.key

    @property
    def version(self) -> str | None:
        return self._metadata().get("Version")

    def read_text(self, filename: str) -> str | None:
        if self._fallback is not None:
            return self._fallback.read_text(filename)
        try:
            with open(os.path.join(self.path, filename), encoding="utf-8") as fp:
                return fp.read()
        except (OSError, UnicodeDecodeError):
            return None

    def entry_points(self, *groups: str) -> list[EntryPoint]:
        """The entry points this distribution declares in ``groups``, file read once."""
        text = self.read_text("entry_points.txt")
        if not text:
            return []
        declared = parse_entry_points(text)
        return [
            EntryPoint(name, value, group, self)
            for group in groups
            for name, value in declared.get(group, [])
        ]

    def __repr__(self) -> str:
        return f"<Distribution {self.path}>"


class EntryPoint:
    """``name = module:attr`` from a distribution's entry_points.txt."""

    __slots__ = ("name", "value", "group", "dist")

    def __init__(
        self, name: str, value: str, group: str, dist: Distribution | None = None
    ) -> None:
        self.name = name
        self.value = value
        self.group = group
        self.dist = dist

    @property
    def module(self) -> str:
        return self.value.split(":", 1)[0].split("[", 1)[0].strip()

    @property
    def attr(self) -> str:
        _, _, attr = self.value.partition(":")
        return attr.split("[", 1)[0].strip()

    def load(self) -> Any:
        """Import the module and return the named object (the module if none)."""
        from importlib import import_module

        target: Any = import_module(self.module)
        for part in filter(None, self.attr.split(".")):
            target = getattr(target, part)
        return target

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


def parse_entry_points(text: str) -> dict[str, list[tuple[str, str]]]:
    """The ``[group]`` sections of an entry_points.txt as (name, value) pairs."""
    groups: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1].strip(), [])
        elif current is not None and "=" in line:
            name, _, value = line.partition("=")
            current.append((name.strip(), value.strip()))
    return groups


def _read_header(path: str) -> dict[str, str]:
    """Name and Version from the RFC 822 header of METADATA / PKG-INFO."""
    header: dict[str, str] = {}
    for filename in ("METADATA", "PKG-INFO"):
        try:
            # One stray non-UTF-8 byte (an author's name, say) must not hide
            # the Name and Version lines.
            with open(
                os.path.join(path, filename), encoding="utf-8", errors="replace"
            ) as fp:
                for line in fp:
                    if not line.strip():
                        break  # end of the header; the description follows
                    field, sep, value = line.partition(":")
                    if sep and field in ("Name", "Version"):
                        header.setdefault(field, value.strip())
                        if len(header) == 2:
                            break
        except (OSError, UnicodeDecodeError):
            continue
        return header
    return header


def _directory_key(name: str) -> str:
    """Normalized distribution name from ``name-1.0.dist-info``, ``name.egg-info``
    or ``name-1.0-py3.11.egg``."""
    stem = name.rsplit(".", 1)[0]
    return normalize(stem.split("-", 1)[0])


def distributions() -> Iterator[Distribution]:
    """Every installed distribution, first one on sys.path winning for each name."""
    seen: set[str] = set()
    for entry in sys.path:
        directory = entry or "."
        if os.path.isfile(directory):
            yield from _zip_distributions(directory, seen)
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                path = os.path.join(directory, name)
            elif name.endswith(".egg"):  # an old easy_install egg directory
                path = os.path.join(directory, name, "EGG-INFO")
            else:
                continue
            key = _directory_key(name)
            if key in seen or not os.path.isdir(path):
                continue  # not a directory: a bare PKG-INFO file or a zipped egg
            seen.add(key)
            yield Distribution(path, key)


def _zip_distributions(archive: str, seen: set[str]) -> Iterator[Distribution]:
    from importlib.metadata import distributions as stdlib_distributions

    for dist in stdlib_distributions(path=[archive]):
        key = normalize(dist.metadata["Name"] or "")
        if key and key not in seen:
            seen.add(key)
            yield Distribution(archive, key, fallback=dist)


def entry_points(*groups: str) -> list[EntryPoint]:
    """All entry points in ``groups`` across the installed distributions (one scan)."""
    return [ep for dist in distributions() for ep in dist.entry_points(*groups)]
