"""The configured default chat and embedding models (plain text files in the user dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import atomic_write, locked
from .paths import user_dir

DEFAULT_MODEL = "gpt-4o-mini"
_UNSET: Any = object()


def _read(path: Path) -> str | None:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, IsADirectoryError):
        return None
    return value or None


def _write(path: Path, value: str | None) -> None:
    # Replaced in one step, under the file's lock like the JSON settings files.
    with locked(path):
        if value is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write(path, value)


def get_default_model(
    filename: str = "default_model.txt", default: Any = _UNSET
) -> Any:
    """The default model ID; ``default=`` (gpt-4o-mini unless given) when none is set."""
    value = _read(user_dir() / filename)
    if value is not None:
        return value
    return DEFAULT_MODEL if default is _UNSET else default


def set_default_model(model: str | None, filename: str = "default_model.txt") -> None:
    """Persist the default model (an ID or alias); None clears it."""
    _write(user_dir() / filename, model)


def get_default_embedding_model() -> str | None:
    """The default embedding model ID, or None."""
    return _read(user_dir() / "default_embedding_model.txt")


def set_default_embedding_model(model: str | None) -> None:
    """Persist the default embedding model; None clears it."""
    _write(user_dir() / "default_embedding_model.txt", model)
