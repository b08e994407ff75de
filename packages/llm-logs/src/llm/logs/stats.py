"""``llm logs stats``: how big a logs database is, what it holds and where the space goes.

Read-only: the file is opened with ``mode=ro`` and never migrated. Table
sizes come from SQLite's ``dbstat`` table, with each table's indexes and
full-text shadow tables counted as part of it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llm.sqlite import connect_read_only, database_error, table_names

from .db import legacy_tables

LARGEST = 8


@dataclass
class LogsStats:
    """Figures for one logs database; ``tables`` is (name, bytes), largest first."""

    path: Path
    size_bytes: int
    wal_bytes: int
    conversations: int
    responses: int
    turns: int = 0  # of ``responses``, from the original's message store
    legacy: int = 0  # of ``responses``, rows from before version 0.5
    oldest: str | None = None
    newest: str | None = None
    tables: list[tuple[str, int]] = field(default_factory=list)
    tables_known: bool = True  # False when this SQLite has no dbstat

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "wal_bytes": self.wal_bytes,
            "conversations": self.conversations,
            "responses": self.responses,
            "turns": self.turns,
            "legacy": self.legacy,
            "oldest": self.oldest,
            "newest": self.newest,
            "tables": (
                [{"name": n, "bytes": b} for n, b in self.tables]
                if self.tables_known
                else None
            ),
        }


def _count(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0] or 0)


def _owners(conn: sqlite3.Connection) -> dict[str, str]:
    """Which table each index and FTS shadow table belongs to."""
    owners: dict[str, str] = {}
    virtual = []
    for kind, name, table, sql in conn.execute(
        "select type, name, tbl_name, sql from sqlite_master"
    ):
        if kind == "index":
            owners[name] = table
        elif kind == "table" and (sql or "").upper().startswith("CREATE VIRTUAL"):
            virtual.append(name)
    for name in table_names(conn):
        for table in virtual:
            if name.startswith(table + "_"):
                owners[name] = table
    return owners


def _table_sizes(conn: sqlite3.Connection) -> list[tuple[str, int]] | None:
    try:
        rows = conn.execute(
            "select name, pgsize from dbstat where aggregate = 1"
        ).fetchall()
    except sqlite3.OperationalError:
        try:
            rows = conn.execute(
                "select name, sum(pgsize) from dbstat group by name"
            ).fetchall()
        except sqlite3.OperationalError:  # built without SQLITE_ENABLE_DBSTAT_VTAB
            return None
    owners = _owners(conn)
    sizes: dict[str, int] = {}
    for name, size in rows:
        owner = owners.get(name, name)
        sizes[owner] = sizes.get(owner, 0) + int(size or 0)
    return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))


def logs_stats(path: Path) -> LogsStats:
    """Size, counts, time span and largest tables of an existing logs database."""
    conn = connect_read_only(path)
    try:
        tables = table_names(conn)
        wal = path.with_name(path.name + "-wal")
        stats = LogsStats(
            path=path,
            size_bytes=path.stat().st_size,
            wal_bytes=wal.stat().st_size if wal.exists() else 0,
            conversations=0,
            responses=0,
        )
        times: list[str] = []
        store = {"turns", "threads"} <= tables
        if "responses" in tables:
            duplicate = " where id not in (select id from turns)" if store else ""
            stats.responses += _count(
                conn, f"select count(*) from responses{duplicate}"
            )
            times += _span(conn, "responses")
        if "conversations" in tables:
            stats.conversations += _count(conn, "select count(*) from conversations")
        if store:
            stats.turns = _count(conn, "select count(*) from turns")
            stats.responses += stats.turns
            stats.conversations += _count(conn, "select count(*) from threads")
            times += _span(conn, "turns")
        if legacy_tables(conn):
            from .legacy_log import legacy_records

            records = legacy_records(conn)
            stats.legacy = len(records)
            stats.responses += stats.legacy
            stats.conversations += len({r["conversation_id"] for r in records})
            times += [r["datetime_utc"] for r in records if r.get("datetime_utc")]
        if times:
            stats.oldest, stats.newest = min(times), max(times)
        sizes = _table_sizes(conn)
        if sizes is None:
            stats.tables_known = False
        else:
            stats.tables = sizes[:LARGEST]
        return stats
    except sqlite3.Error as ex:
        raise database_error(ex, path) from ex
    finally:
        conn.close()


def _span(conn: sqlite3.Connection, table: str) -> list[str]:
    row = conn.execute(
        f'select min(datetime_utc), max(datetime_utc) from "{table}"'
    ).fetchone()
    return [value for value in row if value]
