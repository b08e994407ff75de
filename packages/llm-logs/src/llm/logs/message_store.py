"""Reading the original's content-addressed message store (threads, turns, messages, parts).

Newer versions of the original LLM log to these tables instead of
``responses``. We never write or alter them; we read them so that history they
hold shows in ``llm logs`` and can be continued with ``-c``. A turn's input is
the chain of messages up to ``parent_message_hash``; its output is the chain
from there to ``tip_message_hash``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llm.sqlite import dict_rows, table_names
from llm.utils import truncate_string

from .records import (
    FRAGMENT_PREVIEW,
    PROMPT_WEIGHT,
    LogFilter,
    add_column_filters,
    decode_json,
    fts_query,
    keyed_rows,
    order_record,
)

if TYPE_CHECKING:
    from llm.parts import Message


STORE_TABLES = {"threads", "turns", "messages", "parts"}


def has_message_store(conn: sqlite3.Connection) -> bool:
    """True when the database holds the original's newer message store tables."""
    return STORE_TABLES <= table_names(conn)


def _payload(value: Any) -> dict[str, Any]:
    if not value:
        return {}
    try:
        loaded = json.loads(value)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


@dataclass
class StoredPart:
    """One row of ``parts`` with its payload decoded and references resolved."""

    type: str
    text: str
    literal: str
    fragments: list[dict[str, Any]]
    tool_name: str | None
    payload: dict[str, Any]
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StoredMessage:
    hash: str
    parent_hash: str | None
    role: str
    provider_metadata: dict[str, Any] | None
    parts: list[StoredPart]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if p.type == "text")


class MessageStore:
    """Cached access to messages, parts, fragments and attachments of one database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._messages: dict[str, StoredMessage | None] = {}
        self._fragments: dict[int, dict[str, Any]] = {}
        self._has_part_attachments = "part_attachments" in table_names(conn)

    def fragment(self, fragment_id: int) -> dict[str, Any]:
        if fragment_id not in self._fragments:
            row = self.conn.execute(
                "select id, hash, content, source from fragments where id = ?",
                (fragment_id,),
            ).fetchone()
            self._fragments[fragment_id] = (
                {
                    "id": row[0],
                    "hash": row[1],
                    "content": row[2] or "",
                    "source": row[3],
                }
                if row
                else {"id": fragment_id, "hash": None, "content": "", "source": None}
            )
        return self._fragments[fragment_id]

    def attachment(self, attachment_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "select id, type, path, url, content from attachments where id = ?",
            (attachment_id,),
        ).fetchone()
        if row is None:
            return None
        return {
            "id": row[0],
            "type": row[1],
            "path": row[2],
            "url": row[3],
            "content": row[4],
        }

    def _part_attachment_ids(self, part_id: int, payload: dict[str, Any]) -> list[str]:
        ids: list[str] = []
        if self._has_part_attachments:
            ids = [
                row[0]
                for row in self.conn.execute(
                    'select attachment_id from part_attachments where part_id = ? order by "order"',
                    (part_id,),
                )
            ]
        if not ids:
            # Older payloads name attachments inline: an ID, or an object with one.
            candidates = [payload.get("attachment_id"), payload.get("attachment")]
            for value in candidates + list(payload.get("attachments") or []):
                if isinstance(value, str):
                    ids.append(value)
                elif isinstance(value, dict) and isinstance(value.get("id"), str):
                    ids.append(value["id"])
        return ids

    def _part(self, row: tuple[Any, ...]) -> StoredPart:
        part_id, part_type, tool_name, text, payload_text = row
        payload = _payload(payload_text)
        fragments: list[dict[str, Any]] = []
        literal = text or ""
        full = text or ""
        refs = payload.get("text_ref")
        if text is None and isinstance(refs, list):
            pieces, literals = [], []
            for ref in refs:
                if not isinstance(ref, dict):
                    continue
                if "fragment" in ref:
                    fragment = self.fragment(int(ref["fragment"]))
                    fragments.append(fragment)
                    pieces.append(fragment["content"])
                elif "literal" in ref:
                    pieces.append(str(ref["literal"]))
                    literals.append(str(ref["literal"]))
            full = "".join(pieces)
            literal = "".join(literals).strip("\n") if fragments else full
        elif text is None:
            full = literal = str(payload.get("text") or payload.get("output") or "")
        attachments = []
        for attachment_id in self._part_attachment_ids(part_id, payload):
            found = self.attachment(attachment_id)
            if found:
                attachments.append(found)
        return StoredPart(
            type=part_type or "text",
            text=full,
            literal=literal,
            fragments=fragments,
            tool_name=tool_name or payload.get("name"),
            payload=payload,
            attachments=attachments,
        )

    def message(self, digest: str | None) -> StoredMessage | None:
        if digest is None:
            return None
        if digest not in self._messages:
            row = self.conn.execute(
                "select hash, parent_hash, role, provider_metadata from messages where hash = ?",
                (digest,),
            ).fetchone()
            if row is None:
                self._messages[digest] = None
            else:
                parts = [
                    self._part(p)
                    for p in self.conn.execute(
                        "select id, type, tool_name, text, payload from parts "
                        "where message_hash = ? order by position",
                        (digest,),
                    )
                ]
                metadata = _payload(row[3]) or None
                self._messages[digest] = StoredMessage(
                    row[0], row[1], row[2], metadata, parts
                )
        return self._messages[digest]

    def chain(self, tip: str | None, stop: str | None = None) -> list[StoredMessage]:
        """Messages from just after ``stop`` (or the root) up to ``tip``, oldest first."""
        found: list[StoredMessage] = []
        seen: set[str] = set()
        digest = tip
        while digest and digest != stop and digest not in seen:
            seen.add(digest)
            message = self.message(digest)
            if message is None:
                break
            found.append(message)
            digest = message.parent_hash
        found.reverse()
        return found

    def previous_tip(self, thread_id: str, turn_id: str) -> str | None:
        row = self.conn.execute(
            "select tip_message_hash from turns where thread_id = ? and id < ? "
            "order by id desc limit 1",
            (thread_id, turn_id),
        ).fetchone()
        return row[0] if row else None

    def segments(
        self, turn: dict[str, Any]
    ) -> tuple[list[StoredMessage], list[StoredMessage]]:
        """(input messages new in this turn, output messages) for a turn row."""
        stop = self.previous_tip(turn["thread_id"], turn["id"])
        inputs = self.chain(turn["parent_message_hash"], stop)
        if stop and inputs and inputs[0].parent_hash != stop:
            inputs = self.chain(turn["parent_message_hash"])  # not a continuation
        outputs = self.chain(turn["tip_message_hash"], turn["parent_message_hash"])
        return inputs, outputs


def _arguments(value: Any) -> Any:
    """Decoded JSON arguments (or input schema); ``{}`` when there are none."""
    return decode_json(value) if value is not None else {}


def _attachment_record(attachment: dict[str, Any]) -> dict[str, Any]:
    content = attachment.get("content")
    return {
        "id": attachment["id"],
        "type": attachment["type"],
        "path": attachment["path"],
        "url": attachment["url"],
        "content_length": len(content) if content is not None else None,
    }


def _fragment_record(fragment: dict[str, Any], expand: bool) -> dict[str, Any]:
    content = fragment.get("content") or ""
    if not expand:
        content = truncate_string(content, FRAGMENT_PREVIEW)
    return {
        "hash": fragment.get("hash"),
        "content": content,
        "source": fragment.get("source"),
        "aliases": fragment.get("aliases", []),
    }


def _since_last_assistant(messages: list[StoredMessage]) -> list[StoredMessage]:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == "assistant":
            return messages[index + 1 :]
    return messages


TURN_COLUMNS = (
    "t.id, t.thread_id, t.parent_message_hash, t.tip_message_hash, t.model, "
    "t.resolved_model, t.options_json, t.schema_id, t.input_tokens, t.output_tokens, "
    "t.token_details, t.duration_ms, t.datetime_utc, t.response_json, "
    "th.name as conversation_name, "
    "(select t2.model from turns t2 where t2.thread_id = t.thread_id order by t2.id limit 1) "
    "as conversation_model, s.content as schema_json"
)


def turn_rows(
    conn: sqlite3.Connection,
    filt: LogFilter,
    *,
    best_first: bool,
    limit: int | None,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(sort key, record) for matching turns, in the order ``reader.iter_logs`` merges."""
    if filt.batch_id:
        return  # batches log to the responses table only
    tables = table_names(conn)
    where: list[str] = []
    params: list[Any] = []
    source = "turns t"
    rank = "t.id"
    if filt.query:
        if not {"turn_search", "turn_search_fts"} <= tables:
            return
        source = (
            "turn_search_fts join turn_search ts on ts.id = turn_search_fts.rowid "
            "join turns t on t.id = ts.turn_id"
        )
        where.append("turn_search_fts match ?")
        params.append(fts_query(conn, "turn_search_fts", filt.query))
        rank = f"bm25(turn_search_fts, {PROMPT_WEIGHT}, 1.0)"
    add_column_filters(filt, "t", "thread_id", where, params)
    for digest in filt.fragment_hashes:
        if "turn_fragments" not in tables:
            return
        where.append(
            "exists (select 1 from turn_fragments tf join fragments f "
            "on f.id = tf.fragment_id where tf.turn_id = t.id and f.hash = ?)"
        )
        params.append(digest)
    for tool in filt.tools:
        where.append(
            "exists (select 1 from parts p where p.message_hash = t.parent_message_hash "
            "and p.type = 'tool_result' and p.tool_name = ?)"
        )
        params.append(tool)
    if filt.any_tools:
        where.append(
            "exists (select 1 from parts p where p.message_hash = t.parent_message_hash "
            "and p.type = 'tool_result')"
        )
    sql = (
        f"select {TURN_COLUMNS}, {rank} as _key from {source} "
        "left join threads th on th.id = t.thread_id "
        "left join schemas s on s.id = t.schema_id"
    )
    store = MessageStore(conn)
    turns = keyed_rows(
        conn, sql, where, params, "t.id", filt, best_first=best_first, limit=limit
    )
    for key, turn in turns:
        yield key, turn_record(store, turn, filt.expand_fragments)


def _turn_fragments(
    store: MessageStore, turn_id: str, expand: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    prompt: list[dict[str, Any]] = []
    system: list[dict[str, Any]] = []
    if "turn_fragments" not in table_names(store.conn):
        return prompt, system
    for fragment_id, kind in store.conn.execute(
        'select fragment_id, kind from turn_fragments where turn_id = ? order by kind, "order"',
        (turn_id,),
    ):
        fragment = dict(store.fragment(fragment_id))
        fragment["aliases"] = [
            row[0]
            for row in store.conn.execute(
                "select alias from fragment_aliases where fragment_id = ?",
                (fragment_id,),
            )
        ]
        record = _fragment_record(fragment, expand)
        (system if kind == "system" else prompt).append(record)
    return prompt, system


def _turn_tools(store: MessageStore, turn_id: str) -> list[dict[str, Any]]:
    if "turn_tools" not in table_names(store.conn):
        return []
    tools = []
    for row in store.conn.execute(
        "select t.id, t.hash, t.name, t.description, t.input_schema, t.plugin, "
        "ti.name, ti.plugin, ti.arguments from turn_tools tt "
        "join tools t on t.id = tt.tool_id "
        "left join tool_instances ti on ti.id = tt.instance_id "
        "where tt.turn_id = ? order by t.id",
        (turn_id,),
    ):
        tool = {
            "id": row[0],
            "hash": row[1],
            "name": row[2],
            "description": row[3],
            "input_schema": _arguments(row[4]),
            "plugin": row[5],
        }
        if row[6] is not None:
            tool["instance"] = {
                "name": row[6],
                "plugin": row[7],
                "arguments": _arguments(row[8]),
            }
        tools.append(tool)
    return tools


def _instance(store: MessageStore, turn_id: str, tool_call_id: str | None) -> Any:
    if not tool_call_id or "tool_instantiations" not in table_names(store.conn):
        return None
    row = store.conn.execute(
        "select ti.name, ti.plugin, ti.arguments from tool_instantiations x "
        "join tool_instances ti on ti.id = x.instance_id "
        "where x.tool_call_id = ? and x.turn_id <= ? order by x.turn_id desc limit 1",
        (tool_call_id, turn_id),
    ).fetchone()
    if row is None:
        return None
    return {"name": row[0], "plugin": row[1], "arguments": _arguments(row[2])}


def turn_record(
    store: MessageStore, turn: dict[str, Any], expand: bool = False
) -> dict[str, Any]:
    """A turn as a record shaped like a ``responses`` row (see ``reader.RECORD_KEYS``)."""
    inputs, outputs = store.segments(turn)
    asked = _since_last_assistant(inputs)
    prompt_text = "\n".join(
        p.literal
        for m in asked
        if m.role == "user"
        for p in m.parts
        if p.type == "text" and p.literal
    )
    systems = [m.text for m in inputs if m.role == "system"]
    prompt_fragments, system_fragments = _turn_fragments(store, turn["id"], expand)
    tool_results = [
        {
            "name": p.tool_name,
            "output": p.text,
            "tool_call_id": p.payload.get("tool_call_id"),
            "exception": p.payload.get("exception"),
            "instance": _instance(store, turn["id"], p.payload.get("tool_call_id")),
            "attachments": [_attachment_record(a) for a in p.attachments],
        }
        for m in asked
        for p in m.parts
        if p.type == "tool_result"
    ]
    attachments = [
        _attachment_record(a)
        for m in asked
        if m.role == "user"
        for p in m.parts
        if p.type == "attachment"
        for a in p.attachments
    ]
    tool_calls = [
        {
            "name": p.tool_name,
            "arguments": _arguments(p.payload.get("arguments")),
            "tool_call_id": p.payload.get("tool_call_id"),
        }
        for m in outputs
        for p in m.parts
        if p.type == "tool_call"
    ]
    response_text = "".join(
        p.text for m in outputs for p in m.parts if p.type == "text"
    )
    reasoning = "".join(
        p.text for m in outputs for p in m.parts if p.type == "reasoning"
    )
    record = {
        "id": turn["id"],
        "model": turn["model"],
        "resolved_model": turn["resolved_model"],
        "prompt": prompt_text or None,
        "system": systems[-1] if systems else None,
        "prompt_json": None,
        # The original shows a turn logged without options as {}, not null.
        "options_json": decode_json(turn["options_json"]) or {},
        "response": response_text,
        "reasoning": reasoning or None,
        "response_json": decode_json(turn["response_json"]),
        "conversation_id": turn["thread_id"],
        "duration_ms": turn["duration_ms"],
        "datetime_utc": turn["datetime_utc"],
        "input_tokens": turn["input_tokens"],
        "output_tokens": turn["output_tokens"],
        "token_details": decode_json(turn["token_details"]),
        "conversation_name": turn["conversation_name"],
        "conversation_model": turn["conversation_model"],
        "schema_json": decode_json(turn["schema_json"]),
        "prompt_fragments": prompt_fragments,
        "system_fragments": system_fragments,
        "tools": _turn_tools(store, turn["id"]),
        "tool_calls": tool_calls,
        "tool_results": tool_results,
        "attachments": attachments,
    }
    return order_record(record)


# --- rebuilding llm Messages for conversations ---------------------------------


def to_message(stored: StoredMessage) -> Message:
    """Convert a stored message into an ``llm.Message`` for conversation history."""
    from llm.attachments import Attachment
    from llm.parts import (
        ROLES,
        AttachmentPart,
        Message,
        Part,
        ReasoningPart,
        TextPart,
        ToolCallPart,
        ToolResultPart,
    )

    def attachment(data: dict[str, Any]) -> Attachment:
        return Attachment(
            type=data["type"],
            path=data["path"],
            url=data["url"],
            content=data["content"],
            _id=data["id"],
        )

    parts: list[Part] = []
    for p in stored.parts:
        metadata = p.payload.get("provider_metadata")
        if p.type == "text":
            parts.append(TextPart(text=p.text, provider_metadata=metadata))
        elif p.type == "reasoning":
            parts.append(
                ReasoningPart(
                    text=p.text,
                    redacted=bool(p.payload.get("redacted")),
                    provider_metadata=metadata,
                )
            )
        elif p.type == "tool_call":
            parts.append(
                ToolCallPart(
                    name=p.tool_name or "",
                    arguments=_arguments(p.payload.get("arguments")) or {},
                    tool_call_id=p.payload.get("tool_call_id"),
                    server_executed=bool(p.payload.get("server_executed")),
                    provider_metadata=metadata,
                )
            )
        elif p.type == "tool_result":
            parts.append(
                ToolResultPart(
                    name=p.tool_name or "",
                    output=p.text,
                    tool_call_id=p.payload.get("tool_call_id"),
                    server_executed=bool(p.payload.get("server_executed")),
                    attachments=[attachment(a) for a in p.attachments],
                    exception=p.payload.get("exception"),
                    provider_metadata=metadata,
                )
            )
        elif p.type == "attachment":
            for a in p.attachments:
                parts.append(
                    AttachmentPart(attachment=attachment(a), provider_metadata=metadata)
                )
    role = stored.role if stored.role in ROLES else "user"
    return Message(role=role, parts=parts, provider_metadata=stored.provider_metadata)  # type: ignore[arg-type]


def thread_turns(conn: sqlite3.Connection, thread_id: str) -> list[dict[str, Any]]:
    """Every turn of a thread, oldest first, as plain dicts."""
    cursor = conn.execute(
        f"select {TURN_COLUMNS} from turns t "
        "left join threads th on th.id = t.thread_id "
        "left join schemas s on s.id = t.schema_id "
        "where t.thread_id = ? order by t.id",
        (thread_id,),
    )
    return list(dict_rows(cursor))
