"""The tools a logged conversation last used, described well enough to set them up again.

``-c`` / ``--cid`` without ``-T`` continue with the tools of the latest prompt
that had any: function tools by name, toolboxes by name and constructor
arguments, and server-side tools by class name and constructor arguments. This
module only reads the log; making the objects is up to the caller, which knows
the installed tools and the model.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from llm.sqlite import table_names

from .db import ensure_ready
from .message_store import has_message_store
from .records import decode_json

NEWEST_RESPONSE_WITH_TOOLS = """
select r.id from responses r
where r.conversation_id = ? and (
  exists (select 1 from tool_responses x where x.response_id = r.id)
  or exists (select 1 from tool_instance_responses x where x.response_id = r.id)
  or exists (select 1 from server_tool_responses x where x.response_id = r.id)
)
order by r.id desc limit 1
"""
NEWEST_TURN_WITH_TOOLS = """
select t.id from turns t
where t.thread_id = ? and exists (select 1 from turn_tools x where x.turn_id = t.id)
order by t.id desc limit 1
"""


@dataclass
class ConfiguredTool:
    """A toolbox or server-side tool: its class name and constructor arguments.

    ``position`` is where it stood in the prompt's tools list, when known.
    """

    name: str
    arguments: Any = None
    position: int | None = None


@dataclass
class LoggedTools:
    """The tools of one logged prompt.

    ``functions`` names every tool the model was offered (toolbox methods
    included, as ``Toolbox_method``) in the order they were logged;
    ``toolboxes`` and ``server_tools`` are in the order they were given. When
    the log does not say which toolboxes a prompt had (written before that
    was recorded), ``toolboxes`` is empty and ``toolbox_arguments`` holds the
    configuration each toolbox name last ran a call with in the conversation.
    """

    functions: list[str] = field(default_factory=list)
    toolboxes: list[ConfiguredTool] = field(default_factory=list)
    server_tools: list[ConfiguredTool] = field(default_factory=list)
    toolbox_arguments: dict[str, Any] = field(default_factory=dict)
    model: str | None = None


def latest_tools(db: Any, conversation_id: str) -> LoggedTools | None:
    """The tools of the newest prompt in the conversation that had any, or None."""
    conn = ensure_ready(db)
    candidates = []
    row = conn.execute(NEWEST_RESPONSE_WITH_TOOLS, (conversation_id,)).fetchone()
    if row:
        candidates.append((row[0], "response"))
    if has_message_store(conn) and "turn_tools" in table_names(conn):
        row = conn.execute(NEWEST_TURN_WITH_TOOLS, (conversation_id,)).fetchone()
        if row:
            candidates.append((row[0], "turn"))
    if not candidates:
        return None
    newest, kind = max(candidates)
    if kind == "turn":
        return _turn_tools(conn, newest)
    return _response_tools(conn, newest, conversation_id)


def _configured(rows: Any) -> list[ConfiguredTool]:
    return [
        ConfiguredTool(name, decode_json(arguments), position)
        for name, arguments, position in rows
    ]


def _response_tools(
    conn: sqlite3.Connection, response_id: str, conversation_id: str
) -> LoggedTools:
    found = LoggedTools()
    found.model = conn.execute(
        "select model from responses where id = ?", (response_id,)
    ).fetchone()[0]
    found.functions = [
        row[0]
        for row in conn.execute(
            "select t.name from tool_responses x join tools t on t.id = x.tool_id "
            "where x.response_id = ? order by t.id",
            (response_id,),
        )
    ]
    found.toolboxes = _configured(
        conn.execute(
            'select ti.name, ti.arguments, x."order" from tool_instance_responses x '
            "join tool_instances ti on ti.id = x.instance_id "
            'where x.response_id = ? order by x."order"',
            (response_id,),
        )
    )
    found.server_tools = _configured(
        conn.execute(
            'select st.name, st.arguments, x."order" from server_tool_responses x '
            "join server_tools st on st.id = x.server_tool_id "
            'where x.response_id = ? order by x."order"',
            (response_id,),
        )
    )
    if not found.toolboxes:
        found.toolbox_arguments = {
            name: decode_json(arguments)
            for name, arguments in conn.execute(
                "select ti.name, ti.arguments from tool_results res "
                "join responses r on r.id = res.response_id "
                "join tool_instances ti on ti.id = res.instance_id "
                "where r.conversation_id = ? and r.id <= ? order by res.id",
                (conversation_id, response_id),
            )
        }
    return found


def _turn_tools(conn: sqlite3.Connection, turn_id: str) -> LoggedTools:
    """Tools of a turn in the original's message store, which links each to its instance."""
    found = LoggedTools()
    row = conn.execute("select model from turns where id = ?", (turn_id,)).fetchone()
    found.model = row[0] if row else None
    seen: set[tuple[str, str]] = set()
    for name, instance_name, arguments in conn.execute(
        "select t.name, ti.name, ti.arguments from turn_tools x "
        "join tools t on t.id = x.tool_id "
        "left join tool_instances ti on ti.id = x.instance_id "
        "where x.turn_id = ? order by t.id",
        (turn_id,),
    ):
        found.functions.append(name)
        if instance_name is not None and (instance_name, arguments) not in seen:
            seen.add((instance_name, arguments))
            found.toolboxes.append(
                ConfiguredTool(instance_name, decode_json(arguments))
            )
    return found
