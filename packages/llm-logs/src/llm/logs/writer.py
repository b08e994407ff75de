"""``log_response``: write one response (sync, async or from a chain) to the logs database.

Everything is gathered from the response in Python first, then written in a
single ``BEGIN IMMEDIATE`` transaction with precompiled statements: a plain
prompt costs four statements (conversation, response, FTS trigger, commit).
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from typing import Any

from llm.fragments import fragment_hash
from llm.parts import Part, ReasoningPart, TextPart, ToolCallPart
from llm.schemas import make_schema_id
from llm.sqlite import write_transaction
from llm.tools import ServerSideTool, Tool, Toolbox
from llm.utils import truncate_string

from .db import ensure_ready

CONVERSATION_NAME_LENGTH = 50

INSERT_CONVERSATION = (
    'INSERT OR IGNORE INTO "conversations" ("id", "name", "model") VALUES (?, ?, ?)'
)
INSERT_RESPONSE = (
    'INSERT OR IGNORE INTO "responses" ("id", "model", "prompt", "system", '
    '"prompt_json", "options_json", "response", "response_json", '
    '"conversation_id", "duration_ms", "datetime_utc", "input_tokens", '
    '"output_tokens", "token_details", "schema_id", "resolved_model", "reasoning") '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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


def options_dict(options: Any) -> dict[str, Any]:
    """Options that were actually set, as a plain dict."""
    if options is None:
        return {}
    if hasattr(options, "model_dump"):
        return options.model_dump(exclude_none=True)
    return {k: v for k, v in dict(options).items() if v is not None}


def _prompt_text(prompt: Any) -> tuple[str | None, str | None]:
    """(prompt, system) as typed, falling back to explicit messages for display."""
    text, system = prompt._prompt, prompt._system
    explicit = prompt.explicit_messages or []
    if text is None:
        users = [m for m in explicit if m.role == "user" and m.text]
        if users:
            text = users[-1].text
    if system is None:
        systems = [m for m in explicit if m.role == "system" and m.text]
        if systems:
            system = systems[-1].text
    return text, system


def _default_parts(
    text: str, reasoning: str, tool_calls: list[Any]
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


def output_parts_json(response: Any, text: str, reasoning: str) -> str | None:
    """The response's parts as JSON, only when columns alone cannot rebuild them."""
    parts = response._parts
    if parts is None:
        parts = response._assembler.parts()
    if not parts:
        return None
    if len(parts) == 1 and isinstance(parts[0], TextPart):
        if not parts[0].provider_metadata:
            return None
    dicts = [p.to_dict() for p in parts]
    if dicts == _default_parts(text, reasoning, response._tool_calls):
        return None
    return json.dumps(dicts, default=repr)


def _status(response: Any) -> tuple[str | None, str | None]:
    if response.error is not None:
        return "error", str(response.error) or type(response.error).__name__
    if response.interrupted or not response._done:
        return "interrupted", None
    return None, None


def _attachment_row(attachment: Any) -> tuple[Any, ...]:
    attachment_type = attachment.type
    if not attachment_type:
        try:
            attachment_type = attachment.resolve_type()
        except Exception:  # the model already accepted it; the type is optional here
            attachment_type = None
    content = None
    if not attachment.path and not attachment.url:
        content = attachment.content
    return (
        attachment.id(),
        attachment_type,
        attachment.path,
        attachment.url,
        content,
    )


def _fragment_id(conn: sqlite3.Connection, fragment: Any, stamp: str) -> int:
    content = str(fragment)
    digest = fragment.id() if hasattr(fragment, "id") else fragment_hash(content)
    row = conn.execute(SELECT_FRAGMENT, (digest,)).fetchone()
    if row:
        return int(row[0])
    source = getattr(fragment, "source", None) or None
    cursor = conn.execute(INSERT_FRAGMENT, (digest, content, stamp, source))
    return int(cursor.lastrowid or 0)


def _tool_id(conn: sqlite3.Connection, tool: Tool) -> int:
    digest = tool.hash()
    row = conn.execute(SELECT_TOOL, (digest,)).fetchone()
    if row:
        return int(row[0])
    cursor = conn.execute(
        INSERT_TOOL,
        (
            digest,
            tool.name,
            tool.description,
            json.dumps(tool.input_schema),
            tool.plugin,
        ),
    )
    return int(cursor.lastrowid or 0)


def _instance_id(conn: sqlite3.Connection, instance: Toolbox) -> int:
    plugin = getattr(instance, "plugin", None)
    name = instance.toolbox_name()
    arguments = json.dumps(instance.config(), default=repr, sort_keys=True)
    row = conn.execute(SELECT_INSTANCE, (plugin, name, arguments)).fetchone()
    if row:
        return int(row[0])
    cursor = conn.execute(INSERT_INSTANCE, (plugin, name, arguments))
    return int(cursor.lastrowid or 0)


def _server_tool_id(conn: sqlite3.Connection, tool: ServerSideTool) -> int:
    name = type(tool).__name__
    arguments = json.dumps(tool.config(), default=repr, sort_keys=True)
    row = conn.execute(SELECT_SERVER_TOOL, (name, tool.name, arguments)).fetchone()
    if row:
        return int(row[0])
    cursor = conn.execute(INSERT_SERVER_TOOL, (name, tool.name, arguments))
    return int(cursor.lastrowid or 0)


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


def log_response(db: Any, response: Any) -> None:
    """Record ``response`` (and its conversation, prompt, fragments, tools...) in ``db``.

    Works for finished, failed and interrupted responses: what arrived is kept
    and the row is marked in ``response_extras``. Logging the same response
    twice stores it once.
    """
    if not getattr(response, "_started", False) and not response._done:
        raise ValueError("Cannot log a response that has not been executed yet")
    prompt = response.prompt
    model_id = response.model.model_id
    text = response._text()
    reasoning = response.reasoning
    prompt_text, system_text = _prompt_text(prompt)
    conversation = response.conversation
    if conversation is not None:
        conversation_id = conversation.id
        name = conversation.name or conversation_name(
            prompt_text if prompt_text is not None else prompt.prompt
        )
        conversation_model = getattr(conversation.model, "model_id", model_id)
    else:
        conversation_id = response.id
        name = conversation_name(
            prompt_text if prompt_text is not None else prompt.prompt
        )
        conversation_model = model_id
    schema_id = schema_json = None
    if prompt.schema:
        schema_id, schema_json = make_schema_id(prompt.schema)
    status, error = _status(response)
    input_messages = None
    if prompt.explicit_messages:
        input_messages = json.dumps(
            [m.to_dict() for m in prompt.explicit_messages], default=repr
        )
    output_parts = output_parts_json(response, text, reasoning)
    response_row = (
        response.id,
        model_id,
        prompt_text,
        system_text,
        _json(prompt.prompt_json),
        json.dumps(options_dict(prompt.options), default=repr),
        text,
        _json(response.response_json),
        conversation_id,
        response.duration_ms(),
        utc_timestamp(response.datetime_utc()),
        response.input_tokens,
        response.output_tokens,
        _json(response.token_details) if response.token_details else None,
        schema_id,
        response.resolved_model,
        reasoning or None,
    )
    tools = (
        [t for t in prompt.tools if isinstance(t, Tool)] if prompt._raw_tools else []
    )
    toolboxes, server_tools = configured_tools(prompt._raw_tools)
    # Files tools returned are logged with their tool results, not here.
    attachment_rows = [_attachment_row(a) for a in prompt.own_attachments]
    result_attachments = [
        [_attachment_row(a) for a in (result.attachments or [])]
        for result in prompt.tool_results
    ]

    conn = ensure_ready(db)
    with write_transaction(conn):
        conn.execute(INSERT_CONVERSATION, (conversation_id, name, conversation_model))
        if schema_id is not None:
            conn.execute(INSERT_SCHEMA, (schema_id, schema_json))
        if conn.execute(INSERT_RESPONSE, response_row).rowcount == 0:
            return  # already logged
        response_id = response.id
        if prompt.fragments or prompt.system_fragments:
            stamp = now_utc()
            for table, fragments in (
                ("prompt_fragments", prompt.fragments),
                ("system_fragments", prompt.system_fragments),
            ):
                sql = INSERT_PROMPT_FRAGMENT.format(table=table)
                for order, fragment in enumerate(fragments):
                    fragment_id = _fragment_id(conn, fragment, stamp)
                    conn.execute(sql, (response_id, fragment_id, order))
        for order, row in enumerate(attachment_rows):
            conn.execute(INSERT_ATTACHMENT, row)
            conn.execute(INSERT_PROMPT_ATTACHMENT, (response_id, row[0], order))
        tool_ids: dict[str, int] = {}
        for tool in tools:
            tool_id = _tool_id(conn, tool)
            tool_ids[tool.name] = tool_id
            conn.execute(INSERT_TOOL_RESPONSE, (tool_id, response_id))
        for order, toolbox in toolboxes:
            configured_id = _instance_id(conn, toolbox)
            conn.execute(INSERT_INSTANCE_RESPONSE, (configured_id, response_id, order))
        for order, server_tool in server_tools:
            server_tool_id = _server_tool_id(conn, server_tool)
            conn.execute(
                INSERT_SERVER_TOOL_RESPONSE, (server_tool_id, response_id, order)
            )
        for call in response._tool_calls:
            conn.execute(
                INSERT_TOOL_CALL,
                (
                    response_id,
                    tool_ids.get(call.name),
                    call.name,
                    json.dumps(call.arguments, default=repr),
                    call.tool_call_id,
                ),
            )
        for result, attachments in zip(prompt.tool_results, result_attachments):
            instance_id = None
            if isinstance(result.instance, Toolbox):
                instance_id = _instance_id(conn, result.instance)
            cursor = conn.execute(
                INSERT_TOOL_RESULT,
                (
                    response_id,
                    tool_ids.get(result.name),
                    result.name,
                    result.output,
                    result.tool_call_id,
                    instance_id,
                    str(result.exception) if result.exception else None,
                ),
            )
            for order, row in enumerate(attachments):
                conn.execute(INSERT_ATTACHMENT, row)
                conn.execute(
                    INSERT_TOOL_RESULT_ATTACHMENT, (cursor.lastrowid, row[0], order)
                )
        if status or input_messages or output_parts:
            conn.execute(
                INSERT_EXTRAS,
                (response_id, status, error, input_messages, output_parts),
            )
