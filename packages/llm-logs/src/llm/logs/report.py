"""``llm logs usage``: tokens and cost added up by model, day, week, month or conversation.

One aggregate query per layout does the work: the ``responses`` table (with
the stored ``cost_usd`` of each response), the original's ``turns`` (which
record tokens but no cost) and, in Python, the few pre-0.5 rows (no tokens, no
cost). Days, weeks and months are UTC; a week is named by its Monday.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from .db import ensure_ready, legacy_tables
from .message_store import has_message_store

GROUPINGS = ("model", "day", "week", "month", "conversation")

# SQL for the group key, given the model, time and conversation columns. Weeks
# and months are made from days in Python: cheaper than SQL date functions.
_KEYS = {
    "model": "{model}",
    "day": "substr({when}, 1, 10)",
    "week": "substr({when}, 1, 10)",
    "month": "substr({when}, 1, 10)",
    "conversation": "{conversation}",
}


@dataclass
class UsageRow:
    """Totals for one group (or for everything, as the report's ``total``).

    ``cost_usd`` adds up the responses whose cost is known; ``unpriced``
    counts the others (no price, or no usage reported: ``no_usage``).
    """

    key: str | None
    responses: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0
    no_usage: int = 0
    name: str | None = None  # a conversation's name, when grouped by conversation
    last_seen: str = field(default="", repr=False)  # the latest datetime_utc

    def add(self, other: UsageRow) -> None:
        self.responses += other.responses
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cost_usd += other.cost_usd
        self.unpriced += other.unpriced
        self.no_usage += other.no_usage
        self.last_seen = max(self.last_seen, other.last_seen)

    @property
    def known_cost(self) -> float | None:
        """The summed cost, or None when no response in the group has one."""
        return round(self.cost_usd, 8) if self.unpriced < self.responses else None

    def to_dict(self, by: str | None) -> dict[str, Any]:
        """The row for ``--json``: its key named after the grouping (none for the total)."""
        data: dict[str, Any] = {by: self.key} if by else {}
        if by == "conversation":
            data["name"] = self.name
        data["responses"] = self.responses
        data["input_tokens"] = self.input_tokens
        data["output_tokens"] = self.output_tokens
        data["cost_usd"] = self.known_cost
        data["unpriced"] = self.unpriced
        data["no_usage"] = self.no_usage
        return data


@dataclass
class UsageReport:
    """Rows in display order and their total."""

    by: str
    since: str | None
    until: str | None
    model: str | None
    rows: list[UsageRow]
    total: UsageRow

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "since": self.since,
            "until": self.until,
            "model": self.model,
            "rows": [row.to_dict(self.by) for row in self.rows],
            "total": self.total.to_dict(None),
        }


def _aggregate(
    conn: sqlite3.Connection,
    table: str,
    columns: dict[str, str],
    by: str,
    where: list[str],
    params: list[Any],
    has_turns: bool = False,
) -> list[UsageRow]:
    key = _KEYS[by].format(**columns)
    # Only conversations are ordered by when they were last active.
    last_seen = f"max({columns['when']})" if by == "conversation" else "''"
    sql = (
        f"select {key} as key, count(*), "
        f"coalesce(sum({columns['input']}), 0), coalesce(sum({columns['output']}), 0), "
        f"coalesce(sum({columns['cost']}), 0), count({columns['cost']}), "
        f"sum({columns['input']} is null and {columns['output']} is null), "
        f"{last_seen} "
        f"from {table}"
    )
    if where:
        sql += " where " + " and ".join(where)
    sql += " group by key"
    named = by == "conversation"
    if named:
        sql = _with_names(sql, has_turns)
    # Positional arguments, in UsageRow's field order: there can be many rows.
    return [
        UsageRow(
            key,
            count,
            input_tokens,
            output_tokens,
            cost,
            count - costed,
            no_usage,
            extra[1] if named else None,
            extra[0] or "",
        )
        for key, count, input_tokens, output_tokens, cost, costed, no_usage, *extra in (
            conn.execute(sql, params)
        )
    ]


def _with_names(grouped: str, has_turns: bool) -> str:
    """``grouped`` (rows keyed by conversation ID) with each conversation's name added.

    The name comes from ``conversations``, else from the original's ``threads``.
    """
    if not has_turns:
        return (
            f"select g.*, c.name from ({grouped}) g "
            "left join conversations c on c.id = g.key"
        )
    return (
        "select g.*, case when c.id is not null then c.name else t.name end "
        f"from ({grouped}) g left join conversations c on c.id = g.key "
        "left join threads t on t.id = g.key"
    )


def _filters(
    columns: dict[str, str], since: str | None, until: str | None, model: str | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if since:
        where.append(f"{columns['when']} >= ?")
        params.append(since)
    if until:
        where.append(f"{columns['when']} < ?")
        params.append(until)
    if model:
        where.append(f"{columns['model']} = ?")
        params.append(model)
    return where, params


RESPONSES = {
    "model": "r.model",
    "when": "r.datetime_utc",
    "conversation": "r.conversation_id",
    "input": "r.input_tokens",
    "output": "r.output_tokens",
    "cost": "r.cost_usd",
}
TURNS = {
    "model": "t.model",
    "when": "t.datetime_utc",
    # The unary plus keeps SQLite on a covering scan of ``turns`` rather than
    # walking its thread index and looking every row up in the table.
    "conversation": "+t.thread_id",
    "input": "t.input_tokens",
    "output": "t.output_tokens",
    "cost": "null",
}


def _legacy_rows(
    conn: sqlite3.Connection,
    by: str,
    since: str | None,
    until: str | None,
    model: str | None,
) -> list[UsageRow]:
    from .legacy_log import legacy_records

    rows: dict[str | None, UsageRow] = {}
    for record in legacy_records(conn):
        when = record.get("datetime_utc") or ""
        if (since and when < since) or (until and when >= until):
            continue
        if model and record["model"] != model:
            continue
        key = {
            "model": record["model"],
            "conversation": record["conversation_id"],
        }.get(by, when[:10] or None)
        row = rows.setdefault(key, UsageRow(key=key))
        if by == "conversation":
            row.name = record.get("conversation_name")
        row.add(UsageRow(key=key, responses=1, unpriced=1, no_usage=1, last_seen=when))
    return list(rows.values())


def _period(day: str | None, by: str) -> str | None:
    """The week (its Monday) or month a ``YYYY-MM-DD`` day falls in."""
    if day is None or by == "day":
        return day
    if by == "month":
        return day[:7]
    import datetime

    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        return None
    return (date - datetime.timedelta(days=date.weekday())).isoformat()


def usage_report(
    db: Any,
    by: str = "model",
    *,
    since: str | None = None,
    until: str | None = None,
    model: str | None = None,
) -> UsageReport:
    """Add up responses logged in ``[since, until)`` (UTC timestamps), optionally of one model.

    Rows come most expensive first when grouped by model, oldest first by
    time, most recently active first by conversation.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by should be one of {', '.join(GROUPINGS)}, not {by!r}")
    conn = ensure_ready(db)
    where, params = _filters(RESPONSES, since, until, model)
    has_turns = has_message_store(conn)
    if has_turns:
        # Rows the original wrote twice while moving to turns count once.
        where.append("not exists (select 1 from turns where turns.id = r.id)")
    found = _aggregate(conn, "responses r", RESPONSES, by, where, params, has_turns)
    if has_turns:
        where, params = _filters(TURNS, since, until, model)
        found += _aggregate(conn, "turns t", TURNS, by, where, params, has_turns)
    if legacy_tables(conn):
        legacy = _legacy_rows(conn, by, since, until, model)
        if by == "conversation":
            _name_conversations(conn, legacy, has_turns)
        found += legacy
    rows = _merged(found, by)
    if by == "model":
        rows.sort(key=lambda r: (-r.cost_usd, -r.responses, r.key or ""))
    elif by == "conversation":
        rows.sort(key=lambda r: r.last_seen, reverse=True)
    else:
        rows.sort(key=lambda r: r.key or "")
    total = UsageRow(
        key=None,
        responses=sum(row.responses for row in rows),
        input_tokens=sum(row.input_tokens for row in rows),
        output_tokens=sum(row.output_tokens for row in rows),
        cost_usd=sum((row.cost_usd for row in rows), 0.0),
        unpriced=sum(row.unpriced for row in rows),
        no_usage=sum(row.no_usage for row in rows),
    )
    return UsageReport(by, since, until, model, rows, total)


def _merged(found: list[UsageRow], by: str) -> list[UsageRow]:
    """One row per key: days become weeks or months, and the layouts' rows add up."""
    if by in ("week", "month"):
        for row in found:
            row.key = _period(row.key, by)
    merged: dict[str | None, UsageRow] = {}
    for row in found:
        if row.key in merged:
            merged[row.key].add(row)
        else:
            merged[row.key] = row
    return list(merged.values())


def _name_conversations(
    conn: sqlite3.Connection, rows: list[UsageRow], has_turns: bool
) -> None:
    names: dict[str, str] = {}
    ids = [row.key for row in rows if row.key]
    queries = ["select id, name from conversations where id in ({marks})"]
    if has_turns:
        queries.append("select id, name from threads where id in ({marks})")
    # In slices, under SQLite's limit on bound parameters.
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for query in queries:
            for conversation_id, name in conn.execute(query.format(marks=marks), chunk):
                names.setdefault(conversation_id, name)
    for row in rows:
        row.name = names.get(row.key or "") or row.name
