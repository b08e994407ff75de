"""Loading a logged conversation back into a ``Conversation`` so ``-c`` / ``--cid`` continue it.

Each logged response becomes a completed response via ``Response.restore``
with a Prompt carrying its text, system prompt, fragments, attachments and
tool results, so ``conversation.history_before()`` yields the same messages
the model saw. Turns from the original's message store are rebuilt from their
stored messages.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from llm.sqlite import dict_rows

from .db import ensure_ready
from .legacy_log import legacy_records
from .message_store import MessageStore, has_message_store, thread_turns, to_message
from .records import last_text


def _newest(
    conn: sqlite3.Connection,
    responses_sql: str,
    turns_sql: str,
    params: tuple[Any, ...] = (),
    legacy: tuple[str, Any] | None = None,
) -> Any:
    """The second column of whichever ``(id, value)`` row has the highest ID.

    One row comes from the ``responses`` query, one from the ``turns`` query when
    the database has the original's message store, and ``legacy`` (a pre-0.5
    row) when given. None if none is found.
    """
    rows = [conn.execute(responses_sql, params).fetchone()]
    if has_message_store(conn):
        rows.append(conn.execute(turns_sql, params).fetchone())
    if legacy is not None:
        rows.append(legacy)
    found = [row for row in rows if row]
    return max(found)[1] if found else None


def _newest_legacy(
    conn: sqlite3.Connection, conversation_id: str | None, column: str
) -> tuple[str, Any] | None:
    """(id, ``column``) of the newest pre-0.5 row (of one conversation), if any."""
    records = legacy_records(conn, conversation_id)
    return (records[-1]["id"], records[-1][column]) if records else None


def latest_conversation_id(db: Any) -> str | None:
    """The conversation of the most recently logged response (or turn), if any."""
    conn = ensure_ready(db)
    return _newest(
        conn,
        "select id, conversation_id from responses order by id desc limit 1",
        "select id, thread_id from turns order by id desc limit 1",
        legacy=_newest_legacy(conn, None, "conversation_id"),
    )


def _conversation_model_id(
    conn: sqlite3.Connection, conversation_id: str
) -> str | None:
    row = conn.execute(
        "select model from conversations where id = ?", (conversation_id,)
    ).fetchone()
    if row and row[0]:
        return str(row[0])
    return _newest(
        conn,
        "select id, model from responses where conversation_id = ? "
        "order by id desc limit 1",
        "select id, model from turns where thread_id = ? order by id desc limit 1",
        (conversation_id,),
        legacy=_newest_legacy(conn, conversation_id, "model"),
    )


def _conversation_name(conn: sqlite3.Connection, conversation_id: str) -> str | None:
    row = conn.execute(
        "select name from conversations where id = ?", (conversation_id,)
    ).fetchone()
    if row is None and has_message_store(conn):
        row = conn.execute(
            "select name from threads where id = ?", (conversation_id,)
        ).fetchone()
    return row[0] if row else None


def _attachments(
    conn: sqlite3.Connection, table: str, owner_column: str, owner: Any
) -> list[Any]:
    """Attachments linked to ``owner`` through ``table``, in their stored order."""
    from llm.attachments import Attachment

    return [
        Attachment(
            type=attachment_type, path=path, url=url, content=content, _id=attachment_id
        )
        for attachment_id, attachment_type, path, url, content in conn.execute(
            f'select a.id, a.type, a.path, a.url, a.content from "{table}" link '
            "join attachments a on a.id = link.attachment_id "
            f'where link."{owner_column}" = ? order by link."order"',
            (owner,),
        )
    ]


def _fragments(conn: sqlite3.Connection, table: str, response_id: str) -> list[Any]:
    from llm.fragments import Fragment

    return [
        Fragment(content or "", source or "")
        for content, source in conn.execute(
            f'select f.content, f.source from "{table}" pf join fragments f '
            'on f.id = pf.fragment_id where pf.response_id = ? order by pf."order"',
            (response_id,),
        )
    ]


def _tool_results(conn: sqlite3.Connection, response_id: str) -> list[Any]:
    from llm.tools import ToolResult

    results = []
    for result_id, name, output, tool_call_id, exception in conn.execute(
        "select id, name, output, tool_call_id, exception from tool_results "
        "where response_id = ? order by id",
        (response_id,),
    ):
        attachments = _attachments(
            conn, "tool_results_attachments", "tool_result_id", result_id
        )
        results.append(
            ToolResult(
                name=name or "",
                output=output or "",
                tool_call_id=tool_call_id,
                exception=Exception(exception) if exception else None,
                attachments=attachments,
            )
        )
    return results


def _tool_calls(conn: sqlite3.Connection, response_id: str) -> list[Any]:
    from llm.tools import ToolCall

    calls = []
    for name, arguments, tool_call_id in conn.execute(
        "select name, arguments, tool_call_id from tool_calls where response_id = ? order by id",
        (response_id,),
    ):
        try:
            parsed = json.loads(arguments) if arguments else {}
        except ValueError:
            parsed = {"_raw": arguments}
        if not isinstance(parsed, dict):
            parsed = {"_value": parsed}
        calls.append(
            ToolCall(name=name or "", arguments=parsed, tool_call_id=tool_call_id)
        )
    return calls


def _decode(value: Any) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def _output_parts(data: str | None) -> list[Any] | None:
    from llm.parts import Part

    if not data:
        return None
    try:
        return [Part.from_dict(p) for p in json.loads(data)]
    except (ValueError, TypeError, KeyError):
        return None


def _restore_response(
    conn: sqlite3.Connection,
    row: dict[str, Any],
    model: Any,
    conversation: Any,
    cls: Any,
) -> Any:
    from llm.parts import Message, ReasoningPart, TextPart
    from llm.prompt import Prompt

    response_id = row["id"]
    messages = None
    if row["input_messages"]:
        try:
            messages = [Message.from_dict(m) for m in json.loads(row["input_messages"])]
        except (ValueError, TypeError, KeyError):
            messages = None
    text, system = row["prompt"], row["system"]
    if messages:
        # Text the row only shows for display (see last_text) was not sent twice.
        if text == last_text(messages, "user"):
            text = None
        if system == last_text(messages, "system"):
            system = None
    prompt = Prompt(
        text,
        model,
        system=system,
        fragments=_fragments(conn, "prompt_fragments", response_id),
        system_fragments=_fragments(conn, "system_fragments", response_id),
        attachments=_attachments(
            conn, "prompt_attachments", "response_id", response_id
        ),
        tool_results=_tool_results(conn, response_id),
        messages=messages,
    )
    parts = _output_parts(row["output_parts"])
    if parts is None:
        parts = []
        if row["reasoning"]:
            parts.append(ReasoningPart(text=row["reasoning"]))
        if row["response"]:
            parts.append(TextPart(text=row["response"]))
    return cls.restore(
        prompt,
        model,
        text=row["response"] or "",
        parts=parts,
        tool_calls=_tool_calls(conn, response_id),
        id=response_id,
        conversation=conversation,
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        token_details=_decode(row["token_details"]),
        response_json=_decode(row["response_json"]),
        resolved_model=row["resolved_model"],
        datetime_utc=row["datetime_utc"],
        duration_ms=row["duration_ms"],
    )


def _prompt_from_inputs(messages: list[Any], model: Any, prompt_class: Any) -> Any:
    """A Prompt for a message-store turn's input messages.

    The usual shape (a system message, tool results, a user message) becomes
    ``prompt``/``system``/``attachments``/``tool_results`` — what plugins that walk
    ``conversation.responses`` read; anything else is kept as explicit messages.
    """
    from llm.parts import AttachmentPart, TextPart, ToolResultPart
    from llm.tools import ToolResult

    order = {"system": 0, "tool": 1, "user": 2}
    allowed: dict[str, Any] = {
        "system": TextPart,
        "tool": ToolResultPart,
        "user": (TextPart, AttachmentPart),
    }
    roles = [m.role for m in messages]
    canonical = (
        all(role in order for role in roles)
        and len(set(roles)) == len(roles)
        and roles == sorted(roles, key=order.__getitem__)
        and all(isinstance(p, allowed[m.role]) for m in messages for p in m.parts)
    )
    if not canonical:
        return prompt_class(None, model, messages=messages)
    by_role = {m.role: m for m in messages}
    user = by_role.get("user")
    system = by_role.get("system")
    tool = by_role.get("tool")
    return prompt_class(
        (user.text or None) if user else None,
        model,
        system=(system.text or None) if system else None,
        attachments=user.attachments if user else [],
        tool_results=[
            ToolResult(
                name=p.name,
                output=p.output,
                tool_call_id=p.tool_call_id,
                attachments=list(p.attachments),
            )
            for p in (tool.tool_results if tool else [])
        ],
    )


def _restore_turn(
    store: MessageStore, turn: dict[str, Any], model: Any, conversation: Any, cls: Any
) -> Any:
    from llm.parts import ToolCallPart
    from llm.prompt import Prompt
    from llm.tools import ToolCall

    inputs, outputs = store.segments(turn)
    prompt = _prompt_from_inputs([to_message(m) for m in inputs], model, Prompt)
    parts = [p for m in outputs for p in to_message(m).parts]
    calls = [
        ToolCall(name=p.name, arguments=p.arguments, tool_call_id=p.tool_call_id)
        for p in parts
        if isinstance(p, ToolCallPart) and not p.server_executed
    ]
    return cls.restore(
        prompt,
        model,
        parts=parts,
        tool_calls=calls,
        id=turn["id"],
        conversation=conversation,
        input_tokens=turn["input_tokens"],
        output_tokens=turn["output_tokens"],
        token_details=_decode(turn["token_details"]),
        resolved_model=turn["resolved_model"],
        duration_ms=turn["duration_ms"],
    )


def _legacy_row(record: dict[str, Any]) -> dict[str, Any]:
    """A pre-0.5 record in the shape of the ``responses`` query's rows."""
    response_json = record.get("response_json")
    return {
        "id": record["id"],
        "prompt": record.get("prompt"),
        "system": record.get("system"),
        "response": record.get("response"),
        "reasoning": None,
        "input_tokens": None,
        "output_tokens": None,
        "token_details": None,
        "response_json": None if response_json is None else json.dumps(response_json),
        "resolved_model": None,
        "datetime_utc": record.get("datetime_utc"),
        "duration_ms": record.get("duration_ms"),
        "input_messages": None,
        "output_parts": None,
        "status": None,
    }


def _failed_without_output(conn: sqlite3.Connection, row: dict[str, Any]) -> bool:
    """A prompt that failed before the model said anything: logged, but not history.

    A live conversation never keeps such a turn, so a continued one skips it
    too, instead of sending that prompt again followed by the new one. A turn
    that carried tool results is kept: they answer the previous tool calls.
    """
    return (
        row.get("status") == "error"
        and not row.get("response")
        and not row.get("reasoning")
        and not row.get("output_parts")
        and not _tool_calls(conn, row["id"])
        and not conn.execute(
            "select 1 from tool_results where response_id = ? limit 1", (row["id"],)
        ).fetchone()
    )


def load_conversation(
    db: Any,
    conversation_id: str | None = None,
    *,
    async_: bool = False,
    model: Any = None,
) -> Any:
    """Rebuild a logged conversation (the most recent when ``conversation_id`` is None).

    Returns a ``Conversation`` (or ``AsyncConversation`` with ``async_=True``)
    whose responses are completed, so prompting it continues with full history;
    None if no such conversation was logged. The model is the conversation's
    own unless ``model`` is given; an uninstalled model raises UnknownModelError.
    """
    from llm.async_response import AsyncResponse
    from llm.conversation import AsyncConversation, Conversation
    from llm.registry import get_async_model, get_model
    from llm.response import Response

    conn = ensure_ready(db)
    if conversation_id is None:
        conversation_id = latest_conversation_id(db)
        if conversation_id is None:
            return None
    cursor = conn.execute(
        "select r.id, r.prompt, r.system, r.response, r.reasoning, r.input_tokens, "
        "r.output_tokens, r.token_details, r.response_json, r.resolved_model, "
        "r.datetime_utc, r.duration_ms, x.input_messages, x.output_parts, x.status "
        "from responses r left join response_extras x on x.response_id = r.id "
        "where r.conversation_id = ? order by r.id",
        (conversation_id,),
    )
    rows = [_legacy_row(record) for record in legacy_records(conn, conversation_id)]
    rows.extend(dict_rows(cursor))
    logged = bool(rows)
    entries: list[tuple[str, str, dict[str, Any]]] = [
        (row["id"], "response", row)
        for row in rows
        if not _failed_without_output(conn, row)
    ]
    entries.sort(key=lambda entry: entry[0])
    store = None
    if has_message_store(conn):
        store = MessageStore(conn)
        turns = thread_turns(conn, conversation_id)
        # A turn replaces a legacy row with the same id (written twice by the original).
        turn_ids = {t["id"] for t in turns}
        entries = [e for e in entries if e[0] not in turn_ids]
        entries.extend((t["id"], "turn", t) for t in turns)
        entries.sort(key=lambda entry: entry[0])
        logged = logged or bool(turns)
    if not logged:
        return None
    if model is None:
        model_id = _conversation_model_id(conn, conversation_id)
        model = get_async_model(model_id) if async_ else get_model(model_id)
    conversation_class = AsyncConversation if async_ else Conversation
    response_class = AsyncResponse if async_ else Response
    conversation = conversation_class(
        model, id=conversation_id, name=_conversation_name(conn, conversation_id)
    )
    for _, kind, data in entries:
        if kind == "turn":
            assert store is not None
            response = _restore_turn(store, data, model, conversation, response_class)
        else:
            response = _restore_response(
                conn, data, model, conversation, response_class
            )
        # restore() completes the response, which adds it to conversation.responses
        assert response in conversation.responses
    return conversation
