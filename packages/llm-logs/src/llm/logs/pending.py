"""Log entries that had to wait: spooled when logs.db stays locked, written by the next run.

A response is shown before it is logged. When another process holds the
database's write lock for longer than the busy timeout (``LLM_BUSY_TIMEOUT``,
60 s by default), the rows the response would write are saved as JSON in
``logs-pending/`` in the user directory - one small owner-only file per
response, naming the database it belongs to - and ``replay_pending()`` writes
them, oldest first, the next time llm logs to that database. Writing is
idempotent (a response already logged is skipped), so two processes
replaying at once store each entry once.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

from llm.errors import DatabaseError
from llm.files import PRIVATE_MODE, atomic_write
from llm.paths import user_dir
from llm.response_record import ResponseRecord

from .db import ensure_ready
from .writer import LogRows, gather_rows, write_rows

PENDING_DIR = "logs-pending"
FORMAT = 1


def pending_dir() -> Path:
    """Where spooled log entries wait: ``logs-pending`` in the user directory."""
    return user_dir() / PENDING_DIR


def is_locked(ex: BaseException) -> bool:
    """True when ``ex`` says another process held the database for too long."""
    if isinstance(ex, (sqlite3.OperationalError, DatabaseError)):
        message = str(ex).lower()
        return "locked" in message or "busy" in message
    return False


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$base64"}:
        return base64.b64decode(value["$base64"])
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def spool_response(database: Path, response: Any) -> Path:
    """Save what ``response`` would log to ``database`` as a pending entry; returns its file."""
    record = response if isinstance(response, ResponseRecord) else response.record()
    rows = gather_rows(record)
    payload = {
        "format": FORMAT,
        "database": str(Path(database).resolve()),
        "rows": {k: _encode(v) for k, v in dataclasses.asdict(rows).items()},
    }
    directory = pending_dir()
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / f"{rows.response_id}.json"
    atomic_write(path, json.dumps(payload), new_mode=PRIVATE_MODE)
    return path


def pending_entries(database: Path) -> list[Path]:
    """The spooled entries waiting for ``database``, oldest first."""
    directory = pending_dir()
    if not directory.is_dir():
        return []
    target = str(Path(database).resolve())
    found = []
    for path in sorted(directory.glob("*.json")):
        payload = _read(path)
        if payload is not None and payload.get("database") == target:
            found.append(path)
    return found


def _read(path: Path) -> dict[str, Any] | None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None
    return payload


def replay_pending(db: Any) -> int:
    """Write the entries spooled for ``db``'s file; returns how many were written.

    Each is written in its own transaction and its file removed afterwards.
    A database that is still locked raises, leaving the rest for next time.
    An entry that cannot be written for any other reason (a file damaged or
    from another version) is renamed ``*.failed`` and skipped, so it never
    stands in the way of new log entries.
    """
    path = getattr(db, "path", None)
    if path is None:
        return 0
    written = 0
    for entry in pending_entries(path):
        payload = _read(entry)
        if payload is None:
            continue
        try:
            fields = {k: _decode(v) for k, v in payload["rows"].items()}
            if write_rows(ensure_ready(db), LogRows(**fields)):
                written += 1
        except Exception as ex:
            if is_locked(ex):
                raise
            entry.replace(entry.with_name(entry.name + ".failed"))
            continue
        entry.unlink(missing_ok=True)
    return written
