"""Where the logs database lives and whether prompts are logged by default."""

from __future__ import annotations

from pathlib import Path

from llm.paths import user_dir

LOGS_OFF_FILE = "logs-off"


def logs_db_path() -> Path:
    """The default logs database: ``logs.db`` in the user directory."""
    return user_dir() / "logs.db"


def logs_on() -> bool:
    """True unless ``llm logs off`` has created the ``logs-off`` marker file."""
    return not (user_dir() / LOGS_OFF_FILE).exists()


def set_logs_on(on: bool) -> None:
    """Turn default logging on (remove the marker) or off (create it)."""
    marker = user_dir() / LOGS_OFF_FILE
    if on:
        marker.unlink(missing_ok=True)
    else:
        marker.touch()
