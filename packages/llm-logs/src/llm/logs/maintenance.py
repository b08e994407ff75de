"""``llm logs status`` figures and ``llm logs backup``: both read the file without migrating it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from llm.errors import DatabaseError
from llm.files import create_private_file
from llm.sqlite import connect_read_only, database_error, table_names


@dataclass
class LogsStatus:
    """Counts and size of a logs database (counts are None when a table is absent)."""

    path: Path
    exists: bool
    conversations: int | None = None
    responses: int | None = None
    threads: int | None = None
    turns: int | None = None
    legacy: int | None = None  # rows of the pre-0.5 log / logs tables
    size_bytes: int = 0


def logs_status(path: Path) -> LogsStatus:
    """How much a logs database holds, without changing it."""
    if not path.exists():
        return LogsStatus(path=path, exists=False)
    conn = connect_read_only(path)
    try:
        tables = table_names(conn)
        size = path.stat().st_size
        wal = path.with_name(path.name + "-wal")
        if wal.exists():  # recent writes not yet checkpointed into the main file
            size += wal.stat().st_size
        status = LogsStatus(path=path, exists=True, size_bytes=size)
        for table in ("conversations", "responses", "threads", "turns"):
            if table in tables:
                count = conn.execute(f'select count(*) from "{table}"').fetchone()[0]
                setattr(status, table, count)
        from .db import legacy_tables

        old_tables = legacy_tables(conn)
        if old_tables:
            status.legacy = sum(
                conn.execute(f'select count(*) from "{table}"').fetchone()[0]
                for table in old_tables
            )
        return status
    except sqlite3.Error as ex:
        raise database_error(ex, path) from ex
    finally:
        conn.close()


def backup_logs(source: Path, destination: Path) -> int:
    """Copy a logs database consistently (VACUUM INTO) even while others write; returns its size.

    Refuses to overwrite an existing file.
    """
    conn = connect_read_only(source)
    destination = destination.expanduser()
    try:
        if destination.exists():
            raise DatabaseError(
                f"{destination} already exists - choose a new file for the backup",
                destination,
            )
        if not destination.parent.is_dir():
            raise DatabaseError(
                f"Directory {destination.parent} does not exist", destination
            )
        # A backup holds the same private prompts as the logs: owner-only.
        created = create_private_file(destination)
        try:
            conn.execute("vacuum into ?", (str(destination),))
        except BaseException:
            if created:
                destination.unlink(missing_ok=True)
            raise
    except sqlite3.Error as ex:
        raise database_error(ex, source) from ex
    finally:
        conn.close()
    return destination.stat().st_size
