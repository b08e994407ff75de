"""Reading and atomically writing the small JSON files in the user directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import ConfigError


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


def write_json_object(
    path: Path, data: dict[str, Any], mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` atomically (temp file + rename), optionally chmod-ed.

    The temporary file gets ``mode`` before any secret is written to it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only writers pay for it

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fp:
            json.dump(data, fp, indent=2)
            fp.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
