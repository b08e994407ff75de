"""llm-logs: SQLite logging of prompts and responses, migrations, and reading history back.

Public names are imported on first use so ``import llm.logs`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "logs_db_path": "state",
    "logs_on": "state",
    "set_logs_on": "state",
    "open_logs_db": "db",
    "log_response": "writer",
    "migrate": "migrations",
    "load_conversation": "conversations",
    "latest_conversation_id": "conversations",
    "iter_logs": "reader",
    "LogFilter": "records",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'llm.logs' has no attribute {name!r}")
    value = getattr(import_module(f"llm.logs.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover
    from .conversations import latest_conversation_id, load_conversation
    from .db import open_logs_db
    from .migrations import migrate
    from .reader import iter_logs
    from .records import LogFilter
    from .state import logs_db_path, logs_on, set_logs_on
    from .writer import log_response
