"""The shape of a logged record and the filtering every source of records shares.

``iter_logs`` (in ``reader``) merges records from the ``responses`` table, the
original's message store (``message_store``) and the pre-0.5 tables
(``legacy_log``); each source filters, orders and shapes its rows with these.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from llm.errors import SearchQueryError
from llm.sqlite import dict_rows

# Matches in the prompt count this many times more than matches in the response.
PROMPT_WEIGHT = 5.0
# Unexpanded fragment content is cut to this many characters.
FRAGMENT_PREVIEW = 200

# Columns that aggregate related rows into JSON arrays (empty arrays when none).
AGGREGATE_COLUMNS = (
    "prompt_fragments",
    "system_fragments",
    "tools",
    "tool_calls",
    "tool_results",
    "attachments",
)
# The documented key order of a record (``llm logs --json``).
RECORD_KEYS = (
    "id",
    "model",
    "resolved_model",
    "prompt",
    "system",
    "prompt_json",
    "options_json",
    "response",
    "reasoning",
    "response_json",
    "conversation_id",
    "duration_ms",
    "datetime_utc",
    "input_tokens",
    "output_tokens",
    "token_details",
    "cost_usd",
    "cost_details",
    "conversation_name",
    "conversation_model",
    "schema_json",
    *AGGREGATE_COLUMNS,
)
JSON_COLUMNS = (
    "prompt_json",
    "options_json",
    "response_json",
    "token_details",
    "cost_details",
    "schema_json",
)


@dataclass
class LogFilter:
    """What ``llm logs`` should show. ``count`` of 0 or None means everything."""

    count: int | None = 3
    model: str | None = None
    query: str | None = None
    latest: bool = False
    fragment_hashes: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    any_tools: bool = False
    schema_id: str | None = None
    conversation_id: str | None = None
    id_gt: str | None = None
    id_gte: str | None = None
    expand_fragments: bool = False
    # Only responses of this ``llm batch`` run.
    batch_id: str | None = None

    @property
    def by_relevance(self) -> bool:
        return bool(self.query) and not self.latest


def decode_json(value: Any) -> Any:
    """Parse a JSON text column; values that are not valid JSON are returned unchanged."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def fts_query(conn: sqlite3.Connection, table: str, query: str) -> str:
    """``query``, checked: FTS5 must accept it.

    The full FTS5 syntax works (``"pet pelican"``, ``NEAR``, ``OR``); anything
    else - ``AND OR``, a stray quote - is an error naming the problem, as the
    original reports it. Put text with punctuation in double quotes.
    """
    try:
        conn.execute(
            f'select count(*) from (select rowid from "{table}" where "{table}" match ? limit 1)',
            (query,),
        ).fetchone()
    except sqlite3.OperationalError as ex:
        raise SearchQueryError(
            f"Invalid search query: {ex} - see the FTS5 query syntax documentation "
            "at https://sqlite.org/fts5.html#full_text_query_syntax",
            query,
        ) from ex
    return query


def add_column_filters(
    filt: LogFilter,
    table: str,
    conversation_column: str,
    where: list[str],
    params: list[Any],
) -> None:
    """Append the model, conversation, schema and ID conditions of ``filt``."""
    for column, operator, value in (
        ("model", "=", filt.model),
        (conversation_column, "=", filt.conversation_id),
        ("schema_id", "=", filt.schema_id),
        ("id", ">", filt.id_gt),
        ("id", ">=", filt.id_gte),
    ):
        if value:
            where.append(f"{table}.{column} {operator} ?")
            params.append(value)


def keyed_rows(
    conn: sqlite3.Connection,
    sql: str,
    where: list[str],
    params: list[Any],
    id_column: str,
    filt: LogFilter,
    *,
    best_first: bool,
    limit: int | None,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Run a select that has a ``_key`` rank column, ordered and limited for ``iter_logs``.

    Yields (sort key, row without ``_key``): the bm25 rank when ordering by
    relevance, else the ID.
    """
    if where:
        sql += " where " + " and ".join(where)
    relevance = filt.by_relevance
    if relevance:
        sql += " order by _key" + ("" if best_first else " desc")
    else:
        sql += f" order by {id_column}" + (" desc" if best_first else "")
    if limit:
        sql += f" limit {int(limit)}"
    for row in dict_rows(conn.execute(sql, params)):
        key = row.pop("_key")
        yield (key if relevance else row["id"]), row


def order_record(row: dict[str, Any]) -> dict[str, Any]:
    """A record with keys in the documented order; status/error/fallbacks only when set."""
    record = {key: row.get(key) for key in RECORD_KEYS}
    if row.get("status"):
        record["status"] = row["status"]
        if row.get("error"):
            record["error"] = row["error"]
    if row.get("fallbacks"):
        record["fallbacks"] = row["fallbacks"]
    return record


def last_text(messages: Any, role: str) -> str | None:
    """The text of the last message with ``role`` and some text, if any.

    With ``messages=`` and no prompt (or system), the ``responses`` row shows
    this in its prompt (or system) column.
    """
    texts = [m.text for m in messages if m.role == role and m.text]
    return texts[-1] if texts else None
