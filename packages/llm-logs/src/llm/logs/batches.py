"""Batches in the logs database: each ``llm batch`` run, how each of its input rows ended,
and which logged responses it produced.

A row is known by its key (the input's ``id``, else its line number). Its
outcome keeps the exact output line written for it, so ``--resume`` can write
the rows that already succeeded again without running them, and a provider
batch (answered hours later) can be fetched into the same output. A provider
batch also keeps each row's request, to rebuild the prompt when results arrive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from llm.sqlite import connection_of, write_transaction

from .db import ensure_ready
from .writer import now_utc

INSERT_BATCH = (
    'INSERT INTO "batches" ("id", "model", "datetime_utc", "fingerprint", "input", '
    '"provider", "provider_batch_id", "status", "settings_json") '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPSERT_ROW = (
    'INSERT OR REPLACE INTO "batch_rows" ("batch_id", "row_key", "line", "status", '
    '"error", "response_id", "output_json", "request_json") '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_RESPONSE = (
    'INSERT OR IGNORE INTO "batch_responses" ("batch_id", "response_id", "row_key") '
    "VALUES (?, ?, ?)"
)
BATCH_COLUMNS = (
    '"id", "model", "datetime_utc", "fingerprint", "input", "provider", '
    '"provider_batch_id", "status", "settings_json"'
)

# Row statuses.
DONE = "done"
ERROR = "error"
SUBMITTED = "submitted"


@dataclass(frozen=True)
class BatchInfo:
    """One batch: a local run, or a batch submitted to a provider's batch API."""

    id: str
    model: str
    datetime_utc: str
    fingerprint: str | None = None
    input: str | None = None
    provider: str | None = None
    provider_batch_id: str | None = None
    status: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchRow:
    """How one input row of a batch ended (or, for a provider batch, what it asked)."""

    key: str
    line: int
    status: str
    error: str | None = None
    response_id: str | None = None
    output: dict[str, Any] | None = None
    request: dict[str, Any] | None = None


def _info(row: tuple[Any, ...]) -> BatchInfo:
    id, model, when, fingerprint, source, provider, provider_id, status, settings = row
    return BatchInfo(
        id=id,
        model=model,
        datetime_utc=when,
        fingerprint=fingerprint,
        input=source,
        provider=provider,
        provider_batch_id=provider_id,
        status=status,
        settings=json.loads(settings) if settings else {},
    )


def create_batch(db: Any, info: BatchInfo) -> BatchInfo:
    """Record a new batch."""
    conn = ensure_ready(db)
    with write_transaction(conn):
        conn.execute(
            INSERT_BATCH,
            (
                info.id,
                info.model,
                info.datetime_utc or now_utc(),
                info.fingerprint,
                info.input,
                info.provider,
                info.provider_batch_id,
                info.status,
                json.dumps(info.settings),
            ),
        )
    return info


def get_batch(db: Any, batch_id: str) -> BatchInfo | None:
    """The batch with this ID, or with this provider batch ID."""
    conn = ensure_ready(db)
    row = conn.execute(
        f'SELECT {BATCH_COLUMNS} FROM "batches" WHERE "id" = ? '
        'OR "provider_batch_id" = ? ORDER BY "id" DESC LIMIT 1',
        (batch_id, batch_id),
    ).fetchone()
    return _info(row) if row else None


def latest_batch(db: Any, fingerprint: str) -> BatchInfo | None:
    """The most recent local batch run with these settings (for ``--resume``)."""
    conn = ensure_ready(db)
    row = conn.execute(
        f'SELECT {BATCH_COLUMNS} FROM "batches" WHERE "fingerprint" = ? '
        'AND "provider" IS NULL ORDER BY "id" DESC LIMIT 1',
        (fingerprint,),
    ).fetchone()
    return _info(row) if row else None


def list_batches(db: Any, limit: int | None = None) -> list[BatchInfo]:
    """Batches, newest first."""
    conn = ensure_ready(db)
    sql = f'SELECT {BATCH_COLUMNS} FROM "batches" ORDER BY "id" DESC'
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [_info(row) for row in conn.execute(sql)]


def update_batch(
    db: Any,
    batch_id: str,
    *,
    status: str | None = None,
    provider_batch_id: str | None = None,
) -> None:
    """Set a batch's status and/or its provider batch ID."""
    conn = ensure_ready(db)
    with write_transaction(conn):
        if status is not None:
            conn.execute(
                'UPDATE "batches" SET "status" = ? WHERE "id" = ?', (status, batch_id)
            )
        if provider_batch_id is not None:
            conn.execute(
                'UPDATE "batches" SET "provider_batch_id" = ? WHERE "id" = ?',
                (provider_batch_id, batch_id),
            )


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=repr)


def record_row(
    db: Any, batch_id: str, row: BatchRow, response_ids: Iterable[str] = ()
) -> None:
    """Store a row's outcome (replacing an earlier one) and link its logged responses.

    Runs in the caller's transaction when there is one; ``response_ids`` must
    already be logged in the same database.
    """
    conn = connection_of(db)
    with write_transaction(conn):
        conn.execute(
            UPSERT_ROW,
            (
                batch_id,
                row.key,
                row.line,
                row.status,
                row.error,
                row.response_id,
                _dumps(row.output),
                _dumps(row.request),
            ),
        )
        for response_id in response_ids:
            conn.execute(INSERT_RESPONSE, (batch_id, response_id, row.key))


def _row(values: tuple[Any, ...]) -> BatchRow:
    key, line, status, error, response_id, output, request = values
    return BatchRow(
        key=key,
        line=line,
        status=status,
        error=error,
        response_id=response_id,
        output=json.loads(output) if output else None,
        request=json.loads(request) if request else None,
    )


_ROW_COLUMNS = (
    '"row_key", "line", "status", "error", "response_id", "output_json", "request_json"'
)


def get_row(db: Any, batch_id: str, key: str) -> BatchRow | None:
    """One row's outcome, or None if the batch has not seen that row."""
    conn = connection_of(db)
    found = conn.execute(
        f'SELECT {_ROW_COLUMNS} FROM "batch_rows" WHERE "batch_id" = ? '
        'AND "row_key" = ?',
        (batch_id, key),
    ).fetchone()
    return _row(found) if found else None


def batch_rows(db: Any, batch_id: str, status: str | None = None) -> Iterator[BatchRow]:
    """Every row of a batch (or those in ``status``) in input order, streamed."""
    conn = connection_of(db)
    sql = f'SELECT {_ROW_COLUMNS} FROM "batch_rows" WHERE "batch_id" = ?'
    params: list[Any] = [batch_id]
    if status is not None:
        sql += ' AND "status" = ?'
        params.append(status)
    cursor = conn.execute(sql + ' ORDER BY "line", "row_key"', params)
    for values in cursor:
        yield _row(values)


def row_counts(db: Any, batch_id: str) -> dict[str, int]:
    """How many rows of the batch are in each status."""
    conn = connection_of(db)
    return {
        status: count
        for status, count in conn.execute(
            'SELECT "status", count(*) FROM "batch_rows" WHERE "batch_id" = ? '
            'GROUP BY "status"',
            (batch_id,),
        )
    }
