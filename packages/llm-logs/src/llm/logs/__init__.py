"""llm-logs: SQLite logging of prompts and responses, migrations, and reading history back.

Public names are imported on first use so ``import llm.logs`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "logs_db_path": "state",
    "logs_on": "state",
    "set_logs_on": "state",
    "open_logs_db": "db",
    "memory_logs_db": "db",
    "log_response": "writer",
    "migrate": "migrations",
    "load_conversation": "conversations",
    "latest_conversation_id": "conversations",
    "iter_logs": "reader",
    "LogFilter": "records",
    "usage_report": "report",
    "PruneCriteria": "prune",
    "plan_prune": "prune",
    "prune_logs": "prune",
    "vacuum_logs": "prune",
    "logs_stats": "stats",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover
    from .conversations import latest_conversation_id, load_conversation
    from .db import memory_logs_db, open_logs_db
    from .migrations import migrate
    from .prune import PruneCriteria, plan_prune, prune_logs, vacuum_logs
    from .reader import iter_logs
    from .records import LogFilter
    from .report import usage_report
    from .state import logs_db_path, logs_on, set_logs_on
    from .stats import logs_stats
    from .writer import log_response
