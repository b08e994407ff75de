"""Reading the ``log`` / ``logs`` tables that the original LLM wrote before version 0.5.

Those versions kept one row per prompt in a table named ``log`` (later renamed
``logs``), with columns that changed from release to release: ``provider`` or
``model``, ``timestamp`` or ``datetime_utc``, ``chat_id`` pointing at the first
row of a chat. Later versions created ``responses`` beside it and never showed
the old rows again. We show them in ``llm logs``, read-only.

Rows have no ULID, so each gets one made from its timestamp and row number:
it sorts by time among the IDs of everything else, and ``--cid``, ``--id-gt``
and ``--id-gte`` work on it like on any other ID. A chat's rows share the ID
of its first row as their conversation ID. The tables are never indexed for
full-text search, so ``-q`` (and filters on fragments, tools or schemas, which
these rows cannot have) leave them out.
"""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterator
from typing import Any

from llm.ids import ulid_from_parts
from llm.sqlite import dict_rows

from .db import LEGACY_TABLES, legacy_tables
from .records import AGGREGATE_COLUMNS, LogFilter, decode_json, order_record


# In the order the original used them; the position goes into the made-up IDs.
def _when(value: Any) -> tuple[int, str | None]:
    """(milliseconds since the epoch, ISO timestamp with UTC offset) of a stored time."""
    if not isinstance(value, str) or not value:
        return 0, value
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return 0, value
    if parsed.tzinfo is None:  # these versions stored naive UTC times
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return max(0, int(parsed.timestamp() * 1000)), parsed.isoformat()


def _first(row: dict[str, Any], *names: str) -> Any:
    for name in names:
        if row.get(name) is not None:
            return row[name]
    return None


def _read_table(
    conn: sqlite3.Connection, table: str
) -> tuple[list[dict[str, Any]], dict[int, str], dict[int, str | None]]:
    """(rows, made-up ID by rowid, ISO time by rowid) of one legacy table."""
    index = LEGACY_TABLES.index(table)
    rows = list(dict_rows(conn.execute(f'select rowid as _rowid, * from "{table}"')))
    ids: dict[int, str] = {}
    times: dict[int, str | None] = {}
    for row in rows:
        ms, iso = _when(_first(row, "datetime_utc", "timestamp_utc", "timestamp"))
        ids[row["_rowid"]] = ulid_from_parts(ms, (index << 64) | row["_rowid"])
        times[row["_rowid"]] = iso
    return rows, ids, times


def legacy_row_ids(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """Where each legacy record lives: its ID mapped to (table, rowid)."""
    found: dict[str, tuple[str, int]] = {}
    for table in legacy_tables(conn):
        _, ids, _ = _read_table(conn, table)
        found.update({record_id: (table, rowid) for rowid, record_id in ids.items()})
    return found


def _table_records(conn: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    """Every row of one legacy table as a record shaped like a ``responses`` row."""
    from .writer import conversation_name

    rows, ids, times = _read_table(conn, table)
    records = []
    for row in rows:
        rowid = row["_rowid"]
        chat = row.get("chat_id")
        root = ids.get(chat) if isinstance(chat, int) else None
        if root is None and isinstance(chat, str) and chat.isdigit():
            root = ids.get(int(chat))
        model = _first(row, "model", "provider")
        options = decode_json(_first(row, "options_json", "options"))
        record = {
            "id": ids[rowid],
            "model": model,
            "prompt": row.get("prompt"),
            "system": row.get("system"),
            "prompt_json": decode_json(row.get("prompt_json")),
            "options_json": options if options not in (None, "") else {},
            "response": row.get("response"),
            "response_json": decode_json(row.get("response_json")),
            "conversation_id": root or ids[rowid],
            "duration_ms": row.get("duration_ms"),
            "datetime_utc": times[rowid],
            "conversation_model": model,
        }
        for name in AGGREGATE_COLUMNS:
            record[name] = []
        records.append(record)
    names = {r["id"]: conversation_name(r["prompt"]) for r in records}
    for record in records:
        record["conversation_name"] = names.get(record["conversation_id"])
    return [order_record(record) for record in records]


def legacy_rows(
    conn: sqlite3.Connection,
    filt: LogFilter,
    *,
    best_first: bool,
    limit: int | None,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Matching legacy records as (ID, record), newest first when ``best_first``.

    The tables are small and frozen (nothing has written them since 2023), so
    they are read whole and filtered here.
    """
    if (
        filt.query
        or filt.fragment_hashes
        or filt.tools
        or filt.any_tools
        or filt.schema_id
        or filt.batch_id
    ):
        return
    records = [r for table in legacy_tables(conn) for r in _table_records(conn, table)]
    matching = [
        record
        for record in records
        if (not filt.model or record["model"] == filt.model)
        and (
            not filt.conversation_id
            or record["conversation_id"] == filt.conversation_id
        )
        and (not filt.id_gt or record["id"] > filt.id_gt)
        and (not filt.id_gte or record["id"] >= filt.id_gte)
    ]
    matching.sort(key=lambda record: record["id"], reverse=best_first)
    for record in matching[:limit] if limit else matching:
        yield record["id"], record


def legacy_records(
    conn: sqlite3.Connection, conversation_id: str | None = None
) -> list[dict[str, Any]]:
    """Legacy records oldest first, optionally only one conversation's.

    ``-c`` / ``--cid`` continue these chats like any other: their rows become
    the history, and the new turns are logged in ``responses`` under the same
    conversation ID.
    """
    records = [r for table in legacy_tables(conn) for r in _table_records(conn, table)]
    if conversation_id is not None:
        records = [r for r in records if r["conversation_id"] == conversation_id]
    records.sort(key=lambda record: record["id"])
    return records
