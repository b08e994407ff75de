"""Where llm keeps its configuration and data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "io.datasette.llm"


def _platform_config_dir() -> Path:
    """The per-user application directory, matching click.get_app_dir(roaming=True)."""
    if sys.platform.startswith("win"):
        base = os.environ.get("APPDATA") or os.path.expanduser("~")
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~/Library/Application Support")) / APP_NAME
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / APP_NAME


def user_dir() -> Path:
    """Return (creating it if needed) the directory holding keys, aliases, logs and templates.

    ``LLM_USER_PATH`` overrides the platform default so tests and users can relocate it.
    """
    override = os.environ.get("LLM_USER_PATH")
    path = Path(override) if override else _platform_config_dir()
    # One stat when it exists (every prompt asks several times); mkdir with
    # exist_ok costs a failed system call and an exception each time.
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
    return path


def keys_path() -> Path:
    """Path of keys.json, where API keys are stored (``LLM_USER_PATH`` applies)."""
    return user_dir() / "keys.json"


def existing_path(value: str | os.PathLike[str]) -> Path | None:
    """``value`` as a Path (``~`` expanded) if something exists there, else None.

    Options such as ``--schema``, ``-f`` and ``-t`` take either a file name or
    text; text that cannot be a file name (longer than the system allows, a
    NUL character) is simply not a file, instead of an OSError.
    """
    try:
        path = Path(value).expanduser()
        return path if path.exists() else None
    except (OSError, ValueError):
        return None
