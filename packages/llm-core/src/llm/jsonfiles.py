"""Reading, atomically writing and safely updating the small JSON files in the user directory."""

from __future__ import annotations

import contextlib
import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import atomic_write, locked


def read_json_object(path: Path) -> dict[str, Any]:
    """Load a JSON object from ``path``; a missing file is an empty dict.

    A file that exists but is not a JSON object raises ConfigError naming it,
    so callers never silently overwrite something a user wrote.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as ex:
        raise ConfigError(f"Could not read {path}: {ex}", path=path) from ex
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as ex:
        raise ConfigError(f"{path} is not valid JSON: {ex}", path=path) from ex
    if not isinstance(data, dict):
        raise ConfigError(f"{path} should contain a JSON object", path=path)
    return data


# path -> ((inode, mtime_ns, size), contents) for read_json_cached.
_read_cache: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}
# A file changed this recently may change again within the same tick of the
# file system's clock (coarse on many), keeping its inode, mtime and size:
# it is not cached until it has been left alone this long.
SETTLED_NS = 2_000_000_000


def read_json_cached(path: Path) -> dict[str, Any]:
    """``read_json_object(path)``, read again only when the file has changed.

    For files read on every prompt (keys.json): a call costs one ``stat``,
    and an edit - by ``llm`` (a new file renamed into place) or by hand - is
    seen by the next call, so long-running processes stay current. A file
    changed in the last two seconds is read every time. The dict returned is
    shared: callers must not change it.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        _read_cache.pop(path, None)
        return {}
    except OSError:
        return read_json_object(path)  # reports the problem as ConfigError
    key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _read_cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    data = read_json_object(path)
    if time.time_ns() - stat.st_mtime_ns > SETTLED_NS:
        _read_cache[path] = (key, data)
    return data


def write_json_object(
    path: Path, data: dict[str, Any], mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` in one step (temp file + rename).

    A new file gets ``mode`` (set before any secret is written) or the usual
    umask permissions; an existing file keeps its own. Callers that read,
    change and write back use ``updating_json_object`` instead, which holds
    the file's lock throughout.
    """
    text = json.dumps(data, indent=2) + "\n"
    try:
        atomic_write(path, text, new_mode=mode)
    except OSError as ex:
        raise ConfigError(f"Could not write {path}: {ex}", path=path) from ex


@contextlib.contextmanager
def updating_json_object(
    path: Path, *, mode: int | None = None
) -> Iterator[dict[str, Any]]:
    """Read the JSON object in ``path``, let the block change it, write it back.

    The file's lock (``NAME.lock`` beside it) is held from the read to the
    write, so parallel ``llm`` processes changing the same file queue instead
    of overwriting each other's changes. Nothing is written when the block
    raises or leaves the data as it was. ``mode`` is as for write_json_object.
    """
    with locked(path):
        data = read_json_object(path)
        before = copy.deepcopy(data)
        yield data
        if data != before:
            write_json_object(path, data, mode=mode)


def backup_file(path: Path) -> Path | None:
    """Copy an unreadable file aside (``name.bak``, ``name.bak1`` ...) before replacing it."""
    if not path.exists():
        return None
    candidate = path.with_name(path.name + ".bak")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak{counter}")
        counter += 1
    candidate.write_bytes(path.read_bytes())
    return candidate
