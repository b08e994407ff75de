"""``log_response``: write one response (sync, async or from a chain) to the logs database.

Everything is gathered from the response in Python first (``gather_rows``:
plain values, which ``pending.py`` can spool as JSON while the database is
locked), then written by ``write_rows`` in a single ``BEGIN IMMEDIATE``
transaction with precompiled statements: a plain prompt costs four
statements (conversation, response, FTS trigger, commit).
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from llm.fragments import fragment_hash
from llm.parts import Part, ReasoningPart, TextPart, ToolCallPart
from llm.redaction import scrub_secrets
from llm.response_record import ResponseRecord
from llm.schemas import make_schema_id
from llm.sqlite import write_transaction
from llm.tools import ServerSideTool, Tool, Toolbox
from llm.utils import truncate_string

from .db import ensure_ready
from .records import last_text

CONVERSATION_NAME_LENGTH = 50

INSERT_CONVERSATION = (
    'INSERT OR IGNORE INTO "conversations" ("id", "name", "model") VALUES (?, ?, ?)'
)
INSERT_RESPONSE = (
    'INSERT OR IGNORE INTO "responses" ("id", "model", "prompt", "system", '
    '"prompt_json", "options_json", "response", "response_json", '
    '"conversation_id", "duration_ms", "datetime_utc", "input_tokens", '
    '"output_tokens", "token_details", "schema_id", "resolved_model", "reasoning", '
    '"cost_usd", "cost_details") '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_SCHEMA = 'INSERT OR IGNORE INTO "schemas" ("id", "content") VALUES (?, ?)'
SELECT_FRAGMENT = 'SELECT "id" FROM "fragments" WHERE "hash" = ? LIMIT 1'
INSERT_FRAGMENT = (
    'INSERT INTO "fragments" ("hash", "content", "datetime_utc", "source") '
    "VALUES (?, ?, ?, ?)"
)
INSERT_PROMPT_FRAGMENT = (
    'INSERT OR IGNORE INTO "{table}" ("response_id", "fragment_id", "order") '
    "VALUES (?, ?, ?)"
)
INSERT_ATTACHMENT = (
    'INSERT OR IGNORE INTO "attachments" ("id", "type", "path", "url", "content") '
    "VALUES (?, ?, ?, ?, ?)"
)
INSERT_PROMPT_ATTACHMENT = (
    'INSERT OR IGNORE INTO "prompt_attachments" ("response_id", "attachment_id", '
    '"order") VALUES (?, ?, ?)'
)
SELECT_TOOL = 'SELECT "id" FROM "tools" WHERE "hash" = ? LIMIT 1'
INSERT_TOOL = (
    'INSERT INTO "tools" ("hash", "name", "description", "input_schema", "plugin") '
    "VALUES (?, ?, ?, ?, ?)"
)
INSERT_TOOL_RESPONSE = (
    'INSERT OR IGNORE INTO "tool_responses" ("tool_id", "response_id") VALUES (?, ?)'
)
INSERT_TOOL_CALL = (
    'INSERT INTO "tool_calls" ("response_id", "tool_id", "name", "arguments", '
    '"tool_call_id") VALUES (?, ?, ?, ?, ?)'
)
SELECT_INSTANCE = (
    'SELECT "id" FROM "tool_instances" WHERE "plugin" IS ? AND "name" IS ? '
    'AND "arguments" IS ? LIMIT 1'
)
INSERT_INSTANCE = (
    'INSERT INTO "tool_instances" ("plugin", "name", "arguments") VALUES (?, ?, ?)'
)
INSERT_INSTANCE_RESPONSE = (
    'INSERT OR IGNORE INTO "tool_instance_responses" ("instance_id", "response_id", '
    '"order") VALUES (?, ?, ?)'
)
SELECT_SERVER_TOOL = (
    'SELECT "id" FROM "server_tools" WHERE "name" = ? AND "type" IS ? '
    'AND "arguments" = ? LIMIT 1'
)
INSERT_SERVER_TOOL = (
    'INSERT INTO "server_tools" ("name", "type", "arguments") VALUES (?, ?, ?)'
)
INSERT_SERVER_TOOL_RESPONSE = (
    'INSERT OR IGNORE INTO "server_tool_responses" ("server_tool_id", '
    '"response_id", "order") VALUES (?, ?, ?)'
)
INSERT_TOOL_RESULT = (
    'INSERT INTO "tool_results" ("response_id", "tool_id", "name", "output", '
    '"tool_call_id", "instance_id", "exception") VALUES (?, ?, ?, ?, ?, ?, ?)'
)
INSERT_TOOL_RESULT_ATTACHMENT = (
    'INSERT OR IGNORE INTO "tool_results_attachments" ("tool_result_id", '
    '"attachment_id", "order") VALUES (?, ?, ?)'
)
INSERT_EXTRAS = (
    'INSERT OR REPLACE INTO "response_extras" ("response_id", "status", "error", '
    '"input_messages", "output_parts") VALUES (?, ?, ?, ?, ?)'
)


INSERT_FALLBACK = (
    'INSERT INTO "response_fallbacks" ("response_id", "order", "model", "error") '
    "VALUES (?, ?, ?, ?)"
)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=repr)


def utc_timestamp(value: str) -> str:
    """An ISO timestamp with an explicit UTC offset, as the logs have always stored."""
    if value.endswith("Z"):
        return value[:-1] + "+00:00"
    if "+" in value[10:] or value.count("-") > 2:
        return value
    return value + "+00:00"


def now_utc() -> str:
    """The current time as stored in ``fragments.datetime_utc``."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def conversation_name(text: str | None) -> str:
    """The name given to a new conversation: its first prompt, shortened."""
    return truncate_string(
        (text or "").strip(), CONVERSATION_NAME_LENGTH, normalize_whitespace=True
    )


def _prompt_text(record: ResponseRecord) -> tuple[str | None, str | None]:
    """(prompt, system) as typed, falling back to explicit messages for display."""
    text, system = record.prompt, record.system
    explicit = record.messages or ()
    if text is None:
        text = last_text(explicit, "user")
    if system is None:
        system = last_text(explicit, "system")
    return text, system


def _default_parts(
    text: str, reasoning: str, tool_calls: tuple[Any, ...]
) -> list[dict[str, Any]]:
    parts: list[Part] = []
    if reasoning:
        parts.append(ReasoningPart(text=reasoning))
    if text:
        parts.append(TextPart(text=text))
    for call in tool_calls:
        parts.append(
            ToolCallPart(
                name=call.name, arguments=call.arguments, tool_call_id=call.tool_call_id
            )
        )
    return [p.to_dict() for p in parts]


def output_parts_json(record: ResponseRecord) -> str | None:
    """The response's parts as JSON, only when columns alone cannot rebuild them."""
    parts = record.parts
    if not parts:
        return None
    if len(parts) == 1 and isinstance(parts[0], TextPart):
        if not parts[0].provider_metadata:
            return None
    dicts = [p.to_dict() for p in parts]
    if dicts == _default_parts(record.text, record.reasoning, record.tool_calls):
        return None
    return json.dumps(dicts, default=repr)


def _status(record: ResponseRecord) -> tuple[str | None, str | None]:
    """(status, error) for ``response_extras``; a response that finished has neither."""
    if record.status == "error":
        error = record.error
        return "error", scrub_secrets(str(error)) or type(error).__name__
    if record.status == "interrupted":
        return "interrupted", None
    return None, None


def _attachment_row(attachment: Any) -> list[Any]:
    attachment_type = attachment.type
    if not attachment_type:
        try:
            attachment_type = attachment.resolve_type()
        except Exception:  # the model already accepted it; the type is optional here
            attachment_type = None
    content = None
    if not attachment.path and not attachment.url:
        content = attachment.content
    return [
        attachment.id(),
        attachment_type,
        attachment.path,
        attachment.url,
        content,
    ]


def configured_tools(
    raw_tools: list[Any],
) -> tuple[list[tuple[int, Toolbox]], list[tuple[int, ServerSideTool]]]:
    """The toolbox instances and server-side tools among a prompt's ``tools=``.

    Each comes with its position in the list; a toolbox counts once even when
    several of its tools were passed one by one.
    """
    toolboxes: list[tuple[int, Toolbox]] = []
    server: list[tuple[int, ServerSideTool]] = []
    seen: set[int] = set()
    for position, item in enumerate(raw_tools):
        if isinstance(item, ServerSideTool):
            server.append((position, item))
            continue
        owner = item if isinstance(item, Toolbox) else getattr(item, "toolbox", None)
        if isinstance(owner, Toolbox) and id(owner) not in seen:
            seen.add(id(owner))
            toolboxes.append((position, owner))
    return toolboxes, server


def _instance_key(instance: Toolbox) -> list[Any]:
    """(plugin, name, arguments): how a toolbox instance is found in ``tool_instances``."""
    return [
        getattr(instance, "plugin", None),
        instance.toolbox_name(),
        json.dumps(instance.config(), default=repr, sort_keys=True),
    ]


@dataclass
class LogRows:
    """Everything one response writes, as plain values, gathered before any SQL runs.

    ``write_rows`` stores them in one transaction; when the database stays
    locked they are spooled as JSON (see ``pending.py``) and written later,
    so nothing here refers to live objects. Lists are column values in the
    order of the matching INSERT.
    """

    response_id: str
    conversation: list[Any]
    schema: list[Any] | None
    response: list[Any]
    # When new fragments are stored (fragments.datetime_utc).
    stamp: str
    # [table, order, hash, content, source]
    fragments: list[list[Any]] = field(default_factory=list)
    # attachment rows (id, type, path, url, content), in order
    attachments: list[list[Any]] = field(default_factory=list)
    # [hash, name, description, input_schema, plugin]
    tools: list[list[Any]] = field(default_factory=list)
    # [order, plugin, name, arguments]
    toolboxes: list[list[Any]] = field(default_factory=list)
    # [order, class name, type, arguments]
    server_tools: list[list[Any]] = field(default_factory=list)
    # [name, arguments, tool_call_id]
    tool_calls: list[list[Any]] = field(default_factory=list)
    # [name, output, tool_call_id, instance key or None, exception, attachment rows]
    tool_results: list[list[Any]] = field(default_factory=list)
    extras: list[Any] | None = None
    # [model, error]
    fallbacks: list[list[Any]] = field(default_factory=list)


def gather_rows(record: ResponseRecord) -> LogRows:
    """The rows ``record`` writes (see LogRows)."""
    prompt_text, system_text = _prompt_text(record)
    name_source = prompt_text if prompt_text is not None else record.full_prompt
    if record.conversation_id is not None:
        conversation = [
            record.conversation_id,
            record.conversation_name or conversation_name(name_source),
            record.conversation_model_id or record.model_id,
        ]
    else:
        conversation = [record.id, conversation_name(name_source), record.model_id]
    schema = make_schema_id(record.schema) if record.schema else None
    usage = record.usage
    response = [
        record.id,
        record.model_id,
        prompt_text,
        system_text,
        _json(record.prompt_json),
        json.dumps(record.options, default=repr),
        record.text,
        _json(record.response_json),
        conversation[0],
        record.duration_ms,
        utc_timestamp(record.datetime_utc),
        usage.input,
        usage.output,
        _json(usage.details) if usage.details else None,
        schema[0] if schema else None,
        record.resolved_model,
        record.reasoning or None,
        record.cost.total if record.cost is not None else None,
        _json(record.cost.to_dict()) if record.cost is not None else None,
    ]
    status, error = _status(record)
    input_messages = None
    if record.messages:
        input_messages = json.dumps(
            [m.to_dict() for m in record.messages], default=repr
        )
    output_parts = output_parts_json(record)
    rows = LogRows(
        response_id=record.id,
        conversation=conversation,
        schema=list(schema) if schema else None,
        response=response,
        stamp=now_utc(),
        # Files tools returned are logged with their tool results, not here.
        attachments=[_attachment_row(a) for a in record.attachments],
        tool_calls=[
            [c.name, json.dumps(c.arguments, default=repr), c.tool_call_id]
            for c in record.tool_calls
        ],
        fallbacks=[[f.model_id, scrub_secrets(f.error)] for f in record.failed_models],
    )
    if status or input_messages or output_parts:
        rows.extras = [record.id, status, error, input_messages, output_parts]
    _gather_fragments(record, rows)
    _gather_tools(record, rows)
    return rows


def _gather_fragments(record: ResponseRecord, rows: LogRows) -> None:
    for table, fragments in (
        ("prompt_fragments", record.fragments),
        ("system_fragments", record.system_fragments),
    ):
        for order, fragment in enumerate(fragments):
            content = str(fragment)
            digest = (
                fragment.id() if hasattr(fragment, "id") else fragment_hash(content)
            )
            source = getattr(fragment, "source", None) or None
            rows.fragments.append([table, order, digest, content, source])


def _gather_tools(record: ResponseRecord, rows: LogRows) -> None:
    for tool in record.tools:
        if isinstance(tool, Tool):
            rows.tools.append(
                [
                    tool.hash(),
                    tool.name,
                    tool.description,
                    json.dumps(tool.input_schema),
                    tool.plugin,
                ]
            )
    toolboxes, server_tools = configured_tools(list(record.given_tools))
    rows.toolboxes = [[order, *_instance_key(box)] for order, box in toolboxes]
    rows.server_tools = [
        [
            order,
            type(tool).__name__,
            tool.name,
            json.dumps(tool.config(), default=repr, sort_keys=True),
        ]
        for order, tool in server_tools
    ]
    for result in record.tool_results:
        instance = result.instance
        rows.tool_results.append(
            [
                result.name,
                result.output,
                result.tool_call_id,
                _instance_key(instance) if isinstance(instance, Toolbox) else None,
                result.exception_text,
                [_attachment_row(a) for a in (result.attachments or [])],
            ]
        )


def log_response(db: Any, response: Any) -> None:
    """Record ``response`` (and its conversation, prompt, fragments, tools...) in ``db``.

    ``response`` is a response (sync, async or from a chain) or its
    ``ResponseRecord``. Works for finished, failed and interrupted responses:
    what arrived is kept and the row is marked in ``response_extras``. Logging
    the same response twice stores it once.
    """
    record = response if isinstance(response, ResponseRecord) else response.record()
    if not record.started:
        raise ValueError("Cannot log a response that has not been executed yet")
    rows = gather_rows(record)
    write_rows(ensure_ready(db), rows)


def _row_id(
    conn: sqlite3.Connection,
    select: str,
    key: list[Any],
    insert: str,
    values: list[Any],
) -> int:
    """The id of the row ``select`` finds by ``key``, inserting ``values`` if there is none."""
    row = conn.execute(select, key).fetchone()
    if row:
        return int(row[0])
    return int(conn.execute(insert, values).lastrowid or 0)


def write_rows(conn: sqlite3.Connection, rows: LogRows) -> bool:
    """Write one response's rows in a single transaction; False if it was already logged."""
    response_id = rows.response_id
    with write_transaction(conn):
        conn.execute(INSERT_CONVERSATION, rows.conversation)
        if rows.schema is not None:
            conn.execute(INSERT_SCHEMA, rows.schema)
        if conn.execute(INSERT_RESPONSE, rows.response).rowcount == 0:
            return False  # already logged
        for table, order, digest, content, source in rows.fragments:
            fragment_id = _row_id(
                conn,
                SELECT_FRAGMENT,
                [digest],
                INSERT_FRAGMENT,
                [digest, content, rows.stamp, source],
            )
            conn.execute(
                INSERT_PROMPT_FRAGMENT.format(table=table),
                (response_id, fragment_id, order),
            )
        for order, row in enumerate(rows.attachments):
            conn.execute(INSERT_ATTACHMENT, row)
            conn.execute(INSERT_PROMPT_ATTACHMENT, (response_id, row[0], order))
        tool_ids = _write_tools(conn, rows)
        for name, arguments, tool_call_id in rows.tool_calls:
            conn.execute(
                INSERT_TOOL_CALL,
                (response_id, tool_ids.get(name), name, arguments, tool_call_id),
            )
        _write_tool_results(conn, rows, tool_ids)
        if rows.extras is not None:
            conn.execute(INSERT_EXTRAS, rows.extras)
        for order, (model, error) in enumerate(rows.fallbacks):
            conn.execute(INSERT_FALLBACK, (response_id, order, model, error))
    return True


def _write_tools(conn: sqlite3.Connection, rows: LogRows) -> dict[str, int]:
    """Link the prompt's tools, toolboxes and server-side tools; returns tool IDs by name."""
    tool_ids: dict[str, int] = {}
    for tool in rows.tools:
        tool_id = _row_id(conn, SELECT_TOOL, [tool[0]], INSERT_TOOL, tool)
        tool_ids[tool[1]] = tool_id
        conn.execute(INSERT_TOOL_RESPONSE, (tool_id, rows.response_id))
    for order, *key in rows.toolboxes:
        instance_id = _row_id(conn, SELECT_INSTANCE, key, INSERT_INSTANCE, key)
        conn.execute(INSERT_INSTANCE_RESPONSE, (instance_id, rows.response_id, order))
    for order, *key in rows.server_tools:
        server_tool_id = _row_id(conn, SELECT_SERVER_TOOL, key, INSERT_SERVER_TOOL, key)
        conn.execute(
            INSERT_SERVER_TOOL_RESPONSE, (server_tool_id, rows.response_id, order)
        )
    return tool_ids


def _write_tool_results(
    conn: sqlite3.Connection, rows: LogRows, tool_ids: dict[str, int]
) -> None:
    for (
        name,
        output,
        tool_call_id,
        instance,
        exception,
        attachments,
    ) in rows.tool_results:
        instance_id = None
        if instance is not None:
            instance_id = _row_id(
                conn, SELECT_INSTANCE, instance, INSERT_INSTANCE, instance
            )
        cursor = conn.execute(
            INSERT_TOOL_RESULT,
            (
                rows.response_id,
                tool_ids.get(name),
                name,
                output,
                tool_call_id,
                instance_id,
                exception,
            ),
        )
        for order, row in enumerate(attachments):
            conn.execute(INSERT_ATTACHMENT, row)
            conn.execute(
                INSERT_TOOL_RESULT_ATTACHMENT, (cursor.lastrowid, row[0], order)
            )
