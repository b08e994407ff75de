"""``llm.migrations.migrate(db)``: the logs database migrations, provided by llm-logs."""

from __future__ import annotations

from typing import Any


def migrate(db: Any) -> None:
    """Create or upgrade the logs database schema (requires the llm-logs package)."""
    try:
        from llm.logs.migrations import migrate as _migrate
    except ImportError as ex:  # pragma: no cover - depends on installation
        raise ImportError(
            "llm.migrations needs the llm-logs package: pip install llm-logs"
        ) from ex
    _migrate(db)
