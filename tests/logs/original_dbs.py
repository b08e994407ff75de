"""Logs databases as earlier versions of the original LLM left them, built from the documented schemas.

Three generations:

* ``build_early`` - a ``responses`` table from before token usage was recorded,
  an FTS table without triggers, plus the pre-0.4 ``logs`` table.
* ``build_spec_era`` - exactly the tables of the spec's logging page
  (conversations, responses with token columns, responses_fts, attachments,
  prompt_attachments), written the way sqlite-utils writes them.
* ``build_message_store`` - the later schema with every legacy table plus the
  content-addressed ``threads``/``turns``/``messages``/``parts`` store, holding
  a two-turn conversation, a turn using a fragment, and a tool-call round trip.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

# The responses table before token usage was recorded; later versions added
# three columns at the end.
RESPONSES_COLUMNS = """
  [id] TEXT PRIMARY KEY,
  [model] TEXT,
  [prompt] TEXT,
  [system] TEXT,
  [prompt_json] TEXT,
  [options_json] TEXT,
  [response] TEXT,
  [response_json] TEXT,
  [conversation_id] TEXT REFERENCES [conversations]([id]),
  [duration_ms] INTEGER,
  [datetime_utc] TEXT"""
TOKEN_COLUMNS = """,
  [input_tokens] INTEGER,
  [output_tokens] INTEGER,
  [token_details] TEXT"""

EARLY_SQL = (
    """
CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT);
INSERT INTO _llm_migrations VALUES ('m001_initial', '2023-07-01 10:00:00');
CREATE TABLE [logs] (
  [id] INTEGER PRIMARY KEY, [model] TEXT, [prompt] TEXT, [system] TEXT,
  [prompt_json] TEXT, [options_json] TEXT, [response] TEXT, [response_json] TEXT,
  [reply_to_id] INTEGER, [chat_id] INTEGER, [duration_ms] INTEGER,
  [datetime_utc] TEXT
);
INSERT INTO logs VALUES (1, 'gpt-3.5-turbo', 'ancient prompt', NULL, NULL, NULL,
  'ancient reply', NULL, NULL, NULL, 5, '2023-06-01T10:00:00');
CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
CREATE TABLE [responses] ("""
    + RESPONSES_COLUMNS
    + """
);
CREATE VIRTUAL TABLE [responses_fts] USING FTS5 ([prompt], [response], content=[responses]);
INSERT INTO conversations VALUES ('01h80000000000000000000000', 'Names for a walrus', 'mock');
INSERT INTO responses VALUES ('01h80000000000000000000001', 'mock',
  'Names for a walrus', 'You are playful', NULL, '{}', 'Wally and Gus', NULL,
  '01h80000000000000000000000', 120, '2023-08-01T10:00:00.000001');
INSERT INTO responses VALUES ('01h80000000000000000000002', 'mock',
  'More walrus names', NULL, NULL, '{"temperature": 0.5}', 'Tusker', NULL,
  '01h80000000000000000000000', 80, '2023-08-01T10:01:00.000001');
"""
)

SPEC_SQL = (
    """
CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT);
INSERT INTO _llm_migrations VALUES ('m010_create_new_log_tables', '2024-01-01 10:00:00');
CREATE TABLE [conversations] (
  [id] TEXT PRIMARY KEY,
  [name] TEXT,
  [model] TEXT
);
CREATE TABLE [responses] ("""
    + RESPONSES_COLUMNS
    + TOKEN_COLUMNS
    + """
);
CREATE VIRTUAL TABLE [responses_fts] USING FTS5 (
  [prompt],
  [response],
  content=[responses]
);
CREATE TRIGGER [responses_ai] AFTER INSERT ON [responses] BEGIN
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END;
CREATE TRIGGER [responses_ad] AFTER DELETE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
END;
CREATE TRIGGER [responses_au] AFTER UPDATE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END;
CREATE TABLE [attachments] (
  [id] TEXT PRIMARY KEY,
  [type] TEXT,
  [path] TEXT,
  [url] TEXT,
  [content] BLOB
);
CREATE TABLE [prompt_attachments] (
  [response_id] TEXT REFERENCES [responses]([id]),
  [attachment_id] TEXT REFERENCES [attachments]([id]),
  [order] INTEGER,
  PRIMARY KEY ([response_id],
  [attachment_id])
);
"""
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
SPEC_CONVERSATION = "01j00000000000000000000000"
SPEC_RESPONSES = ["01j00000000000000000000001", "01j00000000000000000000002"]


def build_early(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(EARLY_SQL)
    conn.close()
    return path


def build_spec_era(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(SPEC_SQL)
    conn.execute(
        "insert into conversations values (?, ?, ?)",
        (SPEC_CONVERSATION, "Describe this image", "echo"),
    )
    conn.execute(
        "insert into responses values (?, 'echo', 'Describe this image', 'Be brief', "
        "NULL, '{}', 'A tiny black square', NULL, ?, 300, "
        "'2025-02-16T22:34:30.374882+00:00', 8, 12, NULL)",
        (SPEC_RESPONSES[0], SPEC_CONVERSATION),
    )
    attachment_id = hashlib.sha256(PNG).hexdigest()
    conn.execute(
        "insert into attachments values (?, 'image/png', NULL, NULL, ?)",
        (attachment_id, PNG),
    )
    conn.execute(
        "insert into prompt_attachments values (?, ?, 0)",
        (SPEC_RESPONSES[0], attachment_id),
    )
    conn.execute(
        "insert into responses values (?, 'echo', 'Is it a pelican?', NULL, NULL, "
        "'{}', 'No pelican here', NULL, ?, 200, "
        "'2025-02-16T22:35:30.000000+00:00', 20, 4, '{\"cached\": 2}')",
        (SPEC_RESPONSES[1], SPEC_CONVERSATION),
    )
    conn.commit()
    conn.close()
    return path


# The later schema, table by table as documented (legacy tables included).
STORE_SQL = """
CREATE TABLE "_llm_migrations" ("name" TEXT PRIMARY KEY, "applied_at" TEXT);
CREATE TABLE "conversations" ("id" TEXT PRIMARY KEY, "name" TEXT, "model" TEXT);
CREATE TABLE "schemas" ("id" TEXT PRIMARY KEY, "content" TEXT);
CREATE TABLE "responses" (
  "id" TEXT PRIMARY KEY, "model" TEXT, "prompt" TEXT, "system" TEXT,
  "prompt_json" TEXT, "options_json" TEXT, "response" TEXT, "response_json" TEXT,
  "conversation_id" TEXT REFERENCES "conversations"("id"), "duration_ms" INTEGER,
  "datetime_utc" TEXT, "input_tokens" INTEGER, "output_tokens" INTEGER,
  "token_details" TEXT, "schema_id" TEXT REFERENCES "schemas"("id"),
  "resolved_model" TEXT, "reasoning" TEXT
);
CREATE VIRTUAL TABLE "responses_fts" USING FTS5 ("prompt", "response", content="responses");
CREATE TRIGGER "responses_ai" AFTER INSERT ON "responses" BEGIN
  INSERT INTO "responses_fts" (rowid, "prompt", "response") VALUES (new.rowid, new."prompt", new."response");
END;
CREATE TABLE "attachments" ("id" TEXT PRIMARY KEY, "type" TEXT, "path" TEXT, "url" TEXT, "content" BLOB);
CREATE TABLE "prompt_attachments" (
  "response_id" TEXT REFERENCES "responses"("id"), "attachment_id" TEXT REFERENCES "attachments"("id"),
  "order" INTEGER, PRIMARY KEY ("response_id", "attachment_id")
);
CREATE TABLE "fragments" ("id" INTEGER PRIMARY KEY, "hash" TEXT, "content" TEXT, "datetime_utc" TEXT, "source" TEXT);
CREATE UNIQUE INDEX "idx_fragments_hash" ON "fragments" ("hash");
CREATE TABLE "fragment_aliases" ("alias" TEXT PRIMARY KEY, "fragment_id" INTEGER REFERENCES "fragments"("id"));
CREATE TABLE "prompt_fragments" (
  "response_id" TEXT REFERENCES "responses"("id"), "fragment_id" INTEGER REFERENCES "fragments"("id"),
  "order" INTEGER, PRIMARY KEY ("response_id", "fragment_id", "order")
);
CREATE TABLE "system_fragments" (
  "response_id" TEXT REFERENCES "responses"("id"), "fragment_id" INTEGER REFERENCES "fragments"("id"),
  "order" INTEGER, PRIMARY KEY ("response_id", "fragment_id", "order")
);
CREATE TABLE "tools" ("id" INTEGER PRIMARY KEY, "hash" TEXT, "name" TEXT, "description" TEXT, "input_schema" TEXT, "plugin" TEXT);
CREATE TABLE "tool_responses" ("tool_id" INTEGER REFERENCES "tools"("id"), "response_id" TEXT REFERENCES "responses"("id"), PRIMARY KEY ("tool_id", "response_id"));
CREATE TABLE "tool_calls" ("id" INTEGER PRIMARY KEY, "response_id" TEXT REFERENCES "responses"("id"), "tool_id" INTEGER REFERENCES "tools"("id"), "name" TEXT, "arguments" TEXT, "tool_call_id" TEXT);
CREATE TABLE "tool_results" ("id" INTEGER PRIMARY KEY, "response_id" TEXT REFERENCES "responses"("id"), "tool_id" INTEGER REFERENCES "tools"("id"), "name" TEXT, "output" TEXT, "tool_call_id" TEXT, "instance_id" INTEGER REFERENCES "tool_instances"("id"), "exception" TEXT);
CREATE TABLE "tool_instances" ("id" INTEGER PRIMARY KEY, "plugin" TEXT, "name" TEXT, "arguments" TEXT);
CREATE TABLE "tool_results_attachments" ("tool_result_id" INTEGER REFERENCES "tool_results"("id"), "attachment_id" TEXT REFERENCES "attachments"("id"), "order" INTEGER, PRIMARY KEY ("tool_result_id", "attachment_id"));
CREATE TABLE "messages" ("hash" TEXT PRIMARY KEY, "parent_hash" TEXT REFERENCES "messages"("hash"), "role" TEXT, "provider_metadata" TEXT);
CREATE TABLE "parts" ("id" INTEGER PRIMARY KEY, "message_hash" TEXT REFERENCES "messages"("hash"), "position" INTEGER, "type" TEXT, "tool_name" TEXT, "text" TEXT, "payload" TEXT);
CREATE TABLE "part_attachments" ("part_id" INTEGER REFERENCES "parts"("id"), "attachment_id" TEXT REFERENCES "attachments"("id"), "order" INTEGER, PRIMARY KEY ("part_id", "attachment_id", "order"));
CREATE TABLE "part_fragments" ("part_id" INTEGER REFERENCES "parts"("id"), "fragment_id" INTEGER REFERENCES "fragments"("id"), "order" INTEGER, PRIMARY KEY ("part_id", "fragment_id", "order"));
CREATE TABLE "threads" ("id" TEXT PRIMARY KEY, "name" TEXT, "tip_message_hash" TEXT REFERENCES "messages"("hash"), "forked_from" TEXT REFERENCES "threads"("id"), "datetime_utc" TEXT);
CREATE TABLE "turns" (
  "id" TEXT PRIMARY KEY, "thread_id" TEXT REFERENCES "threads"("id"),
  "parent_message_hash" TEXT REFERENCES "messages"("hash"), "tip_message_hash" TEXT REFERENCES "messages"("hash"),
  "model" TEXT, "resolved_model" TEXT, "options_json" TEXT, "schema_id" TEXT REFERENCES "schemas"("id"),
  "input_tokens" INTEGER, "output_tokens" INTEGER, "token_details" TEXT, "duration_ms" INTEGER,
  "datetime_utc" TEXT, "response_json" TEXT
);
CREATE TABLE "turn_tools" ("turn_id" TEXT REFERENCES "turns"("id"), "tool_id" INTEGER REFERENCES "tools"("id"), "instance_id" INTEGER REFERENCES "tool_instances"("id"), PRIMARY KEY ("turn_id", "tool_id"));
CREATE TABLE "turn_fragments" ("turn_id" TEXT REFERENCES "turns"("id"), "fragment_id" INTEGER REFERENCES "fragments"("id"), "order" INTEGER, "kind" TEXT, PRIMARY KEY ("turn_id", "fragment_id", "kind", "order"));
CREATE TABLE "turn_search" ("id" INTEGER PRIMARY KEY, "turn_id" TEXT REFERENCES "turns"("id"), "prompt" TEXT, "response" TEXT);
CREATE VIRTUAL TABLE "turn_search_fts" USING FTS5 ("prompt", "response", content="turn_search");
CREATE TABLE "tool_instantiations" ("turn_id" TEXT REFERENCES "turns"("id"), "tool_call_id" TEXT, "instance_id" INTEGER REFERENCES "tool_instances"("id"), PRIMARY KEY ("turn_id", "tool_call_id"));
"""

THREAD = "01kf2rw8jhv1x9c2m4p6q8s0tv"
TURNS = ["01kf2rw8jj3nfd5t7w9y1a3c5e", "01kf2rw8jkq7h9k2m4n6p8r0t2"]
FRAGMENT_THREAD = "01kf2rw9000000000000000000"
FRAGMENT_TURN = "01kf2rw9000000000000000001"
TOOL_THREAD = "01kf2rwa000000000000000000"
TOOL_TURNS = ["01kf2rwa000000000000000001", "01kf2rwa000000000000000002"]
LEGACY_ONLY_RESPONSE = "01kf2rw7000000000000000001"
DUAL_WRITTEN = TURNS[0]
FRAGMENT_TEXT = "The novel, in full."


def _hash(parent: str | None, message: dict) -> str:
    payload = json.dumps(
        {"parent": parent, "message": message},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return "b2:" + hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


class _Writer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def message(
        self,
        parent: str | None,
        role: str,
        parts: list[tuple[str, str | None, str | None, dict | None]],
    ) -> str:
        digest = _hash(parent, {"role": role, "parts": [list(p) for p in parts]})
        self.conn.execute(
            "insert into messages values (?, ?, ?, NULL)", (digest, parent, role)
        )
        for position, (part_type, tool_name, text, payload) in enumerate(parts):
            self.conn.execute(
                "insert into parts (message_hash, position, type, tool_name, text, payload) "
                "values (?, ?, ?, ?, ?, ?)",
                (
                    digest,
                    position,
                    part_type,
                    tool_name,
                    text,
                    json.dumps(payload) if payload else None,
                ),
            )
        return digest

    def turn(
        self,
        turn_id: str,
        thread: str,
        parent: str,
        tip: str,
        model: str,
        when: str,
        prompt: str,
        response: str,
        tokens: tuple[int, int] = (5, 7),
    ) -> None:
        self.conn.execute(
            "insert into turns values (?, ?, ?, ?, ?, NULL, '{}', NULL, ?, ?, NULL, 40, ?, NULL)",
            (turn_id, thread, parent, tip, model, tokens[0], tokens[1], when),
        )
        if prompt or response:
            cursor = self.conn.execute(
                "insert into turn_search (turn_id, prompt, response) values (?, ?, ?)",
                (turn_id, prompt, response),
            )
            self.conn.execute(
                "insert into turn_search_fts (rowid, prompt, response) values (?, ?, ?)",
                (cursor.lastrowid, prompt, response),
            )


def build_message_store(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(STORE_SQL)
    w = _Writer(conn)
    # A response from before the switch to turns, only in the legacy table.
    conn.execute(
        "insert into conversations values ('01kf2rw7000000000000000000', 'Old times', 'mock')"
    )
    conn.execute(
        "insert into responses (id, model, prompt, response, conversation_id, datetime_utc, "
        "options_json) values (?, 'mock', 'legacy question', 'legacy answer', "
        "'01kf2rw7000000000000000000', '2025-01-01T00:00:00+00:00', '{}')",
        (LEGACY_ONLY_RESPONSE,),
    )
    # The worked example: two turns in one thread.
    u1 = w.message(
        None, "user", [("text", None, "Suggest a name for a pet pelican", None)]
    )
    a1 = w.message(
        u1,
        "assistant",
        [("text", None, "How about Percy? Pelicans suit a dignified name.", None)],
    )
    u2 = w.message(a1, "user", [("text", None, "Now one for a pet walrus", None)])
    a2 = w.message(
        u2, "assistant", [("text", None, "Wallace. It pairs nicely with Percy.", None)]
    )
    conn.execute(
        "insert into threads values (?, 'Suggest a name for a pet pelican', ?, NULL, '2026-01-10T10:00:00+00:00')",
        (THREAD, a2),
    )
    w.turn(
        TURNS[0],
        THREAD,
        u1,
        a1,
        "mock",
        "2026-01-10T10:00:00+00:00",
        "Suggest a name for a pet pelican",
        "How about Percy? Pelicans suit a dignified name.",
    )
    w.turn(
        TURNS[1],
        THREAD,
        u2,
        a2,
        "mock",
        "2026-01-10T10:01:00+00:00",
        "Now one for a pet walrus",
        "Wallace. It pairs nicely with Percy.",
    )
    # Written twice during the original's transition: must show once.
    conn.execute(
        "insert into responses (id, model, prompt, response, conversation_id, datetime_utc) "
        "values (?, 'mock', 'Suggest a name for a pet pelican', 'duplicate copy', ?, "
        "'2026-01-10T10:00:00+00:00')",
        (DUAL_WRITTEN, THREAD),
    )
    # A turn whose prompt borrows a fragment, with a system prompt.
    conn.execute(
        "insert into fragments (id, hash, content, datetime_utc, source) values "
        "(1, ?, ?, '2026-01-11 10:00:00', 'novel.txt')",
        (hashlib.sha256(FRAGMENT_TEXT.encode()).hexdigest(), FRAGMENT_TEXT),
    )
    s = w.message(None, "system", [("text", None, "You are a literary critic", None)])
    u = w.message(
        s,
        "user",
        [
            (
                "text",
                None,
                None,
                {"text_ref": [{"fragment": 1}, {"literal": "\nWho is the hero?"}]},
            )
        ],
    )
    a = w.message(
        u,
        "assistant",
        [
            ("reasoning", None, "Thinking about heroes", None),
            ("text", None, "The narrator.", None),
        ],
    )
    conn.execute(
        "insert into threads values (?, 'Who is the hero?', ?, NULL, '2026-01-11T10:00:00+00:00')",
        (FRAGMENT_THREAD, a),
    )
    w.turn(
        FRAGMENT_TURN,
        FRAGMENT_THREAD,
        u,
        a,
        "echo",
        "2026-01-11T10:00:00+00:00",
        "Who is the hero?",
        "The narrator.",
    )
    conn.execute(
        "insert into turn_fragments values (?, 1, 0, 'prompt')", (FRAGMENT_TURN,)
    )
    # A tool round trip: the model calls a tool, the result goes back in the next turn.
    conn.execute(
        "insert into tools values (1, 'toolhash', 'llm_version', 'Return the version', "
        '\'{"type": "object", "properties": {}}\', \'llm\')'
    )
    tu = w.message(None, "user", [("text", None, "What version?", None)])
    ta = w.message(
        tu,
        "assistant",
        [
            (
                "tool_call",
                "llm_version",
                None,
                {"arguments": {}, "tool_call_id": "call_1"},
            ),
        ],
    )
    tr = w.message(
        ta,
        "user",
        [
            ("tool_result", "llm_version", "0.32", {"tool_call_id": "call_1"}),
        ],
    )
    tb = w.message(tr, "assistant", [("text", None, "Version 0.32", None)])
    conn.execute(
        "insert into threads values (?, 'What version?', ?, NULL, '2026-01-12T10:00:00+00:00')",
        (TOOL_THREAD, tb),
    )
    w.turn(
        TOOL_TURNS[0],
        TOOL_THREAD,
        tu,
        ta,
        "mock",
        "2026-01-12T10:00:00+00:00",
        "What version?",
        "",
    )
    w.turn(
        TOOL_TURNS[1],
        TOOL_THREAD,
        tr,
        tb,
        "mock",
        "2026-01-12T10:00:05+00:00",
        "",
        "Version 0.32",
    )
    for turn_id in TOOL_TURNS:
        conn.execute("insert into turn_tools values (?, 1, NULL)", (turn_id,))
    conn.commit()
    conn.close()
    return path


def snapshot(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """(columns, sorted rows) of every ordinary table, to check nothing is lost or changed."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "select name from sqlite_master where type = 'table' "
                "and name not like '%_fts%' and name not like 'sqlite_%'"
            )
        ]
        return {table: _rows(conn, table) for table in tables}
    finally:
        conn.close()


def _rows(conn: sqlite3.Connection, table: str, columns: list[str] | None = None):
    if columns is None:
        columns = [r[1] for r in conn.execute(f'pragma table_info("{table}")')]
    quoted = ", ".join('"' + c + '"' for c in columns)
    rows = conn.execute(f'select {quoted} from "{table}"').fetchall()
    return columns, sorted(rows, key=repr)


def assert_preserved(before: dict, path: Path) -> None:
    """Every table and row recorded in ``before`` is still in ``path``, unchanged."""
    conn = sqlite3.connect(path)
    try:
        for table, (columns, rows) in before.items():
            _, now = _rows(conn, table, columns)
            assert set(rows) <= set(now), f"rows lost or changed in {table}"
    finally:
        conn.close()
