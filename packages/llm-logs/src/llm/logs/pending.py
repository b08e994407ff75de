"""Log entries that had to wait: spooled when logs.db stays locked, written by the next run.

A response is shown before it is logged. When another process holds the
database's write lock for longer than the busy timeout (``LLM_BUSY_TIMEOUT``,
60 s by default), the rows the response would write are saved as JSON in
``logs-pending/`` in the user directory - one small owner-only file per
response, naming the database it belongs to - and ``replay_pending()`` writes
them, oldest first, the next time llm logs to that database. Writing is
idempotent (a response already logged is skipped), so two processes
replaying at once store each entry once.

``llm batch`` spools the same way: a finished row (its responses and its
outcome, a ``BatchRowEntry``), a new batch and a batch's status each
become an entry of their own (format 2, which older versions leave alone).
``write_or_spool()`` is the one place that decides between the two.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llm.errors import DatabaseError
from llm.files import PRIVATE_MODE, atomic_write
from llm.paths import user_dir
from llm.response_record import ResponseRecord
from llm.sqlite import write_transaction

from .batches import (
    BatchInfo,
    BatchRow,
    create_batch,
    get_batch,
    record_row,
    update_batch,
)
from .db import ensure_ready
from .writer import LogRows, gather_rows, log_response, now_utc, write_rows

PENDING_DIR = "logs-pending"
# Format 1: one response. Format 2: a batch, a batch row or a batch's status.
FORMAT = 1
BATCH_FORMAT = 2


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


def _encode_rows(rows: LogRows) -> dict[str, Any]:
    return {k: _encode(v) for k, v in dataclasses.asdict(rows).items()}


def _decode_rows(fields: dict[str, Any]) -> LogRows:
    return LogRows(**{k: _decode(v) for k, v in fields.items()})


def _spool(database: Path, name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` for ``database`` as ``logs-pending/<name>.json``."""
    payload = {**payload, "database": str(Path(database).resolve())}
    directory = pending_dir()
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / f"{name}.json"
    atomic_write(path, json.dumps(payload), new_mode=PRIVATE_MODE)
    return path


def spool_response(database: Path, response: Any) -> Path:
    """Save what ``response`` would log to ``database`` as a pending entry; returns its file."""
    record = response if isinstance(response, ResponseRecord) else response.record()
    rows = gather_rows(record)
    return _spool(
        database, rows.response_id, {"format": FORMAT, "rows": _encode_rows(rows)}
    )


def _batch_entry_name() -> str:
    # Time-ordered like response IDs, so entries replay in the order they were made.
    from llm.ids import monotonic_ulid

    return str(monotonic_ulid())


def spool_batch(database: Path, info: BatchInfo) -> Path:
    """Save a new batch for ``database`` as a pending entry (its time is now)."""
    batch = dataclasses.asdict(info)
    batch["datetime_utc"] = info.datetime_utc or now_utc()
    payload = {"format": BATCH_FORMAT, "kind": "batch", "batch": batch}
    return _spool(database, _batch_entry_name(), payload)


def spool_batch_row(
    database: Path, batch_id: str, records: list[Any], row: BatchRow
) -> Path:
    """Save a finished batch row - its responses, then its outcome - as a pending entry."""
    payload = {
        "format": BATCH_FORMAT,
        "kind": "batch_row",
        "batch_id": batch_id,
        "responses": [_encode_rows(gather_rows(record)) for record in records],
        "row": dataclasses.asdict(row),
    }
    return _spool(database, _batch_entry_name(), payload)


def spool_batch_status(database: Path, batch_id: str, status: str) -> Path:
    """Save a change of a batch's status as a pending entry."""
    payload = {
        "format": BATCH_FORMAT,
        "kind": "batch_status",
        "batch_id": batch_id,
        "status": status,
    }
    return _spool(database, _batch_entry_name(), payload)


@dataclass(frozen=True)
class BatchRowEntry:
    """What a finished batch row writes: its responses, then its outcome.

    A write for ``BackgroundWriter``: called with the database, or spooled
    with ``spool(path)`` while another process holds it.
    """

    batch_id: str
    records: list[Any]  # ResponseRecords
    row: BatchRow

    def __call__(self, db: Any) -> None:
        for record in self.records:
            log_response(db, record)
        record_row(db, self.batch_id, self.row, [r.id for r in self.records])

    def spool(self, database: Path) -> Path:
        """Save this entry for ``database``, to be written by a later run."""
        return spool_batch_row(database, self.batch_id, self.records, self.row)


def write_or_spool(
    db: Any, write: Callable[[Any], object], spool: Callable[[Path], Path]
) -> bool:
    """``write(db)``, or ``spool(db.path)`` when the database stays locked; True when spooled."""
    try:
        write(db)
        return False
    except Exception as ex:
        if not is_locked(ex) or getattr(db, "path", None) is None:
            raise
    spool(db.path)
    return True


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
    if not isinstance(payload, dict) or payload.get("format") not in (
        FORMAT,
        BATCH_FORMAT,
    ):
        return None
    return payload


def _replay(db: Any, payload: dict[str, Any], entry: Path) -> bool:
    """Write one spooled entry; False when it was already there.

    Its file is looked for again once the write lock is held: another
    process replaying at the same time may have written it (and the entries
    after it) and removed it meanwhile, and writing it again then would put
    an older batch status or row outcome back over a newer one.
    """
    conn = ensure_ready(db)
    kind = payload.get("kind", "response")
    with write_transaction(conn):
        if not entry.exists():
            return False
        if kind == "response":
            return write_rows(conn, _decode_rows(payload["rows"]))
        if kind == "batch":
            info = BatchInfo(**payload["batch"])
            if get_batch(db, info.id) is not None:
                return False
            create_batch(db, info)
        elif kind == "batch_row":
            responses = [_decode_rows(fields) for fields in payload["responses"]]
            for rows in responses:
                write_rows(conn, rows)
            row = BatchRow(**payload["row"])
            ids = [rows.response_id for rows in responses]
            record_row(db, payload["batch_id"], row, ids)
        elif kind == "batch_status":
            update_batch(db, payload["batch_id"], status=payload["status"])
        else:
            raise ValueError(f"Unknown kind of pending log entry: {kind!r}")
    return True


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
            if _replay(db, payload, entry):
                written += 1
        except Exception as ex:
            if is_locked(ex):
                raise
            entry.replace(entry.with_name(entry.name + ".failed"))
            continue
        entry.unlink(missing_ok=True)
    return written
