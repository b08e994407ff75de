"""Reading logged responses back: filtering, ordering and streaming records.

``iter_logs`` merges up to three sources, all ordered by the same key: rows of
the ``responses`` table (everything this package writes, plus history from
older originals), turns of the original's newer message store, and rows of the
pre-0.5 ``log``/``logs`` tables (see ``legacy_log``), when present.
Each source is one SQL cursor, so ``-n 0`` streams with flat memory, and the
default ``-n 3`` view reads just three rows through the primary key index.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from llm.redaction import scrub_secrets
from llm.sqlite import table_names
from llm.utils import truncate_string

from .db import ensure_ready, legacy_tables
from .legacy_log import legacy_rows
from .message_store import has_message_store, turn_rows
from .records import (
    AGGREGATE_COLUMNS,
    FRAGMENT_PREVIEW,
    JSON_COLUMNS,
    PROMPT_WEIGHT,
    LogFilter,
    add_column_filters,
    decode_json,
    fts_query,
    keyed_rows,
)

# --- the responses table ---------------------------------------------------

_FRAGMENTS_SQL = """(
  select json_group_array(json(item)) from (
    select json_object(
      'hash', f.hash,
      'content', {content},
      'source', f.source,
      'aliases', (select json_group_array(alias) from fragment_aliases
                  where fragment_id = f.id)
    ) as item
    from "{table}" pf join fragments f on f.id = pf.fragment_id
    where pf.response_id = r.id order by pf."order"
  )
)"""

_ATTACHMENTS_SQL = """(
  select json_group_array(json(item)) from (
    select json_object('id', a.id, 'type', a.type, 'path', a.path, 'url', a.url,
                       'content_length', length(a.content)) as item
    from prompt_attachments pa join attachments a on a.id = pa.attachment_id
    where pa.response_id = r.id order by pa."order"
  )
)"""

_TOOLS_SQL = """(
  select json_group_array(json(item)) from (
    select json_object(
      'id', t.id, 'hash', t.hash, 'name', t.name, 'description', t.description,
      'input_schema', case when json_valid(t.input_schema) then json(t.input_schema)
                      else t.input_schema end,
      'plugin', t.plugin
    ) as item
    from tool_responses tr join tools t on t.id = tr.tool_id
    where tr.response_id = r.id order by t.id
  )
)"""

_TOOL_CALLS_SQL = """(
  select json_group_array(json(item)) from (
    select json_object(
      'name', tc.name,
      'arguments', case when json_valid(tc.arguments) then json(tc.arguments)
                   else tc.arguments end,
      'tool_call_id', tc.tool_call_id
    ) as item
    from tool_calls tc where tc.response_id = r.id order by tc.id
  )
)"""

_FALLBACKS_SQL = """(
  select json_group_array(json_object('model', rf.model, 'error', rf.error))
  from (
    select model, error from response_fallbacks
    where response_id = r.id order by "order"
  ) rf
)"""

_TOOL_RESULTS_SQL = """(
  select json_group_array(json(item)) from (
    select json_object(
      'name', res.name, 'output', res.output, 'tool_call_id', res.tool_call_id,
      'exception', res.exception,
      'instance', (select json_object('name', ti.name, 'plugin', ti.plugin,
                     'arguments', case when json_valid(ti.arguments)
                                  then json(ti.arguments) else ti.arguments end)
                   from tool_instances ti where ti.id = res.instance_id),
      'attachments', (
        select json_group_array(json(att)) from (
          select json_object('id', a.id, 'type', a.type, 'path', a.path,
                             'url', a.url, 'content_length', length(a.content)) as att
          from tool_results_attachments tra join attachments a
            on a.id = tra.attachment_id
          where tra.tool_result_id = res.id order by tra."order"
        )
      )
    ) as item
    from tool_results res where res.response_id = r.id order by res.id
  )
)"""


def _unless_empty(table: str, aggregate: str) -> str:
    """``aggregate``, skipped (NULL) for every row when ``table`` has no rows at all.

    The inner check does not depend on the row, so SQLite runs it once per
    query, in the same snapshot as the rest; the per-row subquery is then only
    run in databases that use the feature.
    """
    return (
        f'case when (select 1 from "{table}" limit 1) is null then null '
        f"else {aggregate} end"
    )


def _responses_select(expand_fragments: bool) -> str:
    content = (
        "f.content"
        if expand_fragments
        else f"substr(f.content, 1, {FRAGMENT_PREVIEW + 1})"
    )
    prompt_fragments = _FRAGMENTS_SQL.format(table="prompt_fragments", content=content)
    system_fragments = _FRAGMENTS_SQL.format(table="system_fragments", content=content)
    return f"""
select
  r.id, r.model, r.resolved_model, r.prompt, r.system, r.prompt_json,
  r.options_json, r.response, r.reasoning, r.response_json, r.conversation_id,
  r.duration_ms, r.datetime_utc, r.input_tokens, r.output_tokens,
  r.token_details, r.cost_usd, r.cost_details, c.name as conversation_name, c.model as conversation_model,
  s.content as schema_json,
  {_unless_empty("prompt_fragments", prompt_fragments)} as prompt_fragments,
  {_unless_empty("system_fragments", system_fragments)} as system_fragments,
  {_unless_empty("tool_responses", _TOOLS_SQL)} as tools,
  {_unless_empty("tool_calls", _TOOL_CALLS_SQL)} as tool_calls,
  {_unless_empty("tool_results", _TOOL_RESULTS_SQL)} as tool_results,
  {_unless_empty("prompt_attachments", _ATTACHMENTS_SQL)} as attachments,
  x.status as status, x.error as error,
  {_unless_empty("response_fallbacks", _FALLBACKS_SQL)} as fallbacks,
  {{rank}} as _key
from {{source}}
left join conversations c on c.id = r.conversation_id
left join schemas s on s.id = r.schema_id
left join response_extras x on x.response_id = r.id
"""


def _fragment_ids(conn: sqlite3.Connection, digest: str) -> list[int]:
    return [
        row[0]
        for row in conn.execute("select id from fragments where hash = ?", (digest,))
    ]


def _responses_rows(
    conn: sqlite3.Connection,
    filt: LogFilter,
    *,
    best_first: bool,
    limit: int | None,
    has_turns: bool,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    where: list[str] = []
    params: list[Any] = []
    if filt.query:
        source = "responses_fts join responses r on r.rowid = responses_fts.rowid"
        where.append("responses_fts match ?")
        params.append(fts_query(conn, "responses_fts", filt.query))
        rank = f"bm25(responses_fts, {PROMPT_WEIGHT}, 1.0)"
    else:
        source = "responses r"
        rank = "r.id"
    add_column_filters(filt, "r", "conversation_id", where, params)
    for digest in filt.fragment_hashes:
        ids = _fragment_ids(conn, digest)
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        where.append(
            f"(exists (select 1 from prompt_fragments where response_id = r.id "
            f"and fragment_id in ({marks})) or exists (select 1 from system_fragments "
            f"where response_id = r.id and fragment_id in ({marks})))"
        )
        params.extend(ids + ids)
    for tool in filt.tools:
        where.append(
            "exists (select 1 from tool_results where response_id = r.id and name = ?)"
        )
        params.append(tool)
    if filt.any_tools:
        where.append("exists (select 1 from tool_results where response_id = r.id)")
    if filt.batch_id:
        if "batch_responses" not in table_names(conn):
            return
        where.append(
            "exists (select 1 from batch_responses where response_id = r.id "
            "and batch_id = ?)"
        )
        params.append(filt.batch_id)
    if has_turns:
        # Rows written twice by the original during its move to turns show once.
        where.append("not exists (select 1 from turns where turns.id = r.id)")
    sql = _responses_select(filt.expand_fragments).format(rank=rank, source=source)
    rows = keyed_rows(
        conn, sql, where, params, "r.id", filt, best_first=best_first, limit=limit
    )
    for key, row in rows:
        yield key, _finish_record(row, filt.expand_fragments)


def _finish_record(row: dict[str, Any], expand: bool) -> dict[str, Any]:
    for name in JSON_COLUMNS:
        value = row[name]
        if value is not None:
            row[name] = {} if value == "{}" else decode_json(value)
    for name in AGGREGATE_COLUMNS:
        value = row[name]
        row[name] = json.loads(value) if value and value != "[]" else []
    if not expand:
        for name in ("prompt_fragments", "system_fragments"):
            for fragment in row[name]:
                if fragment.get("content"):
                    fragment["content"] = truncate_string(
                        fragment["content"], FRAGMENT_PREVIEW
                    )
    for result in row["tool_results"]:
        if result.get("attachments") is None:
            result["attachments"] = []
    # The select lists columns in RECORD_KEYS order, so only these need tidying.
    status = row.pop("status")
    error = row.pop("error")
    fallbacks = row.pop("fallbacks", None)
    if status:
        row["status"] = status
        if error:
            # Rows logged before keys were masked may still hold one.
            row["error"] = scrub_secrets(error)
    if fallbacks and fallbacks != "[]":
        row["fallbacks"] = [
            {**failed, "error": failed["error"] and scrub_secrets(failed["error"])}
            for failed in json.loads(fallbacks)
        ]
    return row


# --- merging -----------------------------------------------------------------


def iter_logs(db: Any, filt: LogFilter | None = None) -> Iterator[dict[str, Any]]:
    """Matching records in display order.

    Oldest first; with a search query the most relevant first (prompt matches
    rank above response matches), or with ``latest`` the newest first - the
    order the original shows them in.
    """
    filt = filt or LogFilter()
    conn = ensure_ready(db)
    has_turns = has_message_store(conn)
    has_legacy = bool(legacy_tables(conn))
    relevance = filt.by_relevance
    limit = filt.count or None

    def sources(best_first: bool) -> list[Iterator[tuple[Any, dict[str, Any]]]]:
        found = [
            _responses_rows(
                conn, filt, best_first=best_first, limit=limit, has_turns=has_turns
            )
        ]
        if has_turns:
            found.append(turn_rows(conn, filt, best_first=best_first, limit=limit))
        if has_legacy:
            found.append(legacy_rows(conn, filt, best_first=best_first, limit=limit))
        return found

    # Best first: newest first by id, or lowest (best) bm25 rank first.
    best_reverse = not relevance
    if filt.query:
        merged = heapq.merge(
            *sources(True), key=lambda pair: pair[0], reverse=best_reverse
        )
        for shown, (_, record) in enumerate(merged, 1):
            yield record
            if limit and shown >= limit:
                return
        return
    if limit:
        merged = heapq.merge(
            *sources(True), key=lambda pair: pair[0], reverse=best_reverse
        )
        page = []
        for _, record in merged:
            page.append(record)
            if len(page) >= limit:
                break
        yield from reversed(page)
        return
    merged = heapq.merge(
        *sources(False), key=lambda pair: pair[0], reverse=not best_reverse
    )
    for _, record in merged:
        yield record
