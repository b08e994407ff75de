"""The logs database schema, built by an ordered list of forward-only migrations.

Each migration runs once and is recorded in ``_llm_logs_migrations``; the
pending ones run together in one ``BEGIN IMMEDIATE`` transaction (see
``llm.sqlite.apply_migrations``). Migrations look at the tables that are
actually there rather than trusting history, so a database created by any
version of the original LLM (which records its own migrations elsewhere) is
brought up to date by adding what is missing: tables, columns, indexes. Nothing
is ever dropped or rewritten, and the content-addressed ``threads``/``turns``/
``messages``/``parts`` tables of newer originals are left alone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from llm.sqlite import (
    Migration,
    apply_migrations,
    column_names,
    connection_of,
    pending_migrations,
    table_names,
)

MIGRATIONS_TABLE = "_llm_logs_migrations"
# Where the original LLM records the migrations it has run. It runs every one
# not listed there, and the first to create its tables fails on a database
# that already has them - so we list the ones our schema already covers.
ORIGINAL_MIGRATIONS_TABLE = "_llm_migrations"
# The original's migrations (as of its version 0.36) up to the tables and
# columns of its tool calling and reasoning, all of which ``MIGRATIONS`` creates
# too. Its later ones (the message store) are left for it to run: they only add
# tables of their own.
ORIGINAL_MIGRATIONS_COVERED = (
    "m001_initial",
    "m002_id_primary_key",
    "m003_chat_id_foreign_key",
    "m004_column_order",
    "m004_drop_provider",
    "m005_debug",
    "m006_new_logs_table",
    "m007_finish_logs_table",
    "m008_reply_to_id_foreign_key",
    "m008_fix_column_order_in_logs",
    "m009_delete_logs_table_if_empty",
    "m010_create_new_log_tables",
    "m011_fts_for_responses",
    "m012_attachments_tables",
    "m013_usage",
    "m014_schemas",
    "m015_fragments_tables",
    "m016_fragments_table_pks",
    "m017_tools_tables",
    "m017_tools_plugin",
    "m018_tool_instances",
    "m019_resolved_model",
    "m020_tool_results_attachments",
    "m021_tool_results_exception",
    "m022_response_reasoning",
)

Columns = list[tuple[str, str]]

CONVERSATIONS: Columns = [
    ("id", "TEXT PRIMARY KEY"),
    ("name", "TEXT"),
    ("model", "TEXT"),
]
RESPONSES: Columns = [
    ("id", "TEXT PRIMARY KEY"),
    ("model", "TEXT"),
    ("prompt", "TEXT"),
    ("system", "TEXT"),
    ("prompt_json", "TEXT"),
    ("options_json", "TEXT"),
    ("response", "TEXT"),
    ("response_json", "TEXT"),
    ("conversation_id", 'TEXT REFERENCES "conversations"("id")'),
    ("duration_ms", "INTEGER"),
    ("datetime_utc", "TEXT"),
    ("input_tokens", "INTEGER"),
    ("output_tokens", "INTEGER"),
    ("token_details", "TEXT"),
]
# Columns later versions added to ``responses``; a fresh database gets them all at once.
RESPONSES_LATER: Columns = [
    ("schema_id", 'TEXT REFERENCES "schemas"("id")'),
    ("resolved_model", "TEXT"),
    ("reasoning", "TEXT"),
]
# What each response cost (US dollars) and how: parts and the price used, as JSON.
RESPONSE_COSTS: Columns = [
    ("cost_usd", "REAL"),
    ("cost_details", "TEXT"),
]


def _create_or_extend(
    conn: sqlite3.Connection,
    table: str,
    columns: Columns,
    constraints: str = "",
) -> None:
    """Create ``table``, or add whichever of ``columns`` an existing one lacks."""
    existing = column_names(conn, table)
    if not existing:
        body = ",\n  ".join(f'"{name}" {decl}' for name, decl in columns)
        if constraints:
            body += ",\n  " + constraints
        conn.execute(f'CREATE TABLE "{table}" (\n  {body}\n)')
        return
    for name, decl in columns:
        if name not in existing:
            decl = decl.replace("PRIMARY KEY", "").replace("UNIQUE", "").strip()
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {decl}')


def _index(conn: sqlite3.Connection, name: str, table: str, columns: str) -> None:
    conn.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')


def m001_conversations_responses(conn: sqlite3.Connection) -> None:
    _create_or_extend(conn, "conversations", CONVERSATIONS)
    if column_names(conn, "responses"):
        _create_or_extend(conn, "responses", RESPONSES)
    else:
        _create_or_extend(
            conn, "responses", RESPONSES + RESPONSES_LATER + RESPONSE_COSTS
        )


def m002_responses_fts(conn: sqlite3.Connection) -> None:
    tables = table_names(conn)
    created = False
    if "responses_fts" not in tables:
        conn.execute(
            'CREATE VIRTUAL TABLE "responses_fts" USING FTS5 '
            '("prompt", "response", content="responses")'
        )
        created = True
    triggers = [
        row[0]
        for row in conn.execute(
            "select sql from sqlite_master where type = 'trigger' "
            "and tbl_name = 'responses'"
        )
    ]
    if not any("responses_fts" in (sql or "") for sql in triggers):
        conn.execute(
            'CREATE TRIGGER "responses_ai" AFTER INSERT ON "responses" BEGIN\n'
            '  INSERT INTO "responses_fts" (rowid, "prompt", "response") '
            "VALUES (new.rowid, new.prompt, new.response);\nEND"
        )
        conn.execute(
            'CREATE TRIGGER "responses_ad" AFTER DELETE ON "responses" BEGIN\n'
            '  INSERT INTO "responses_fts" ("responses_fts", rowid, "prompt", "response") '
            "VALUES ('delete', old.rowid, old.prompt, old.response);\nEND"
        )
        conn.execute(
            'CREATE TRIGGER "responses_au" AFTER UPDATE ON "responses" BEGIN\n'
            '  INSERT INTO "responses_fts" ("responses_fts", rowid, "prompt", "response") '
            "VALUES ('delete', old.rowid, old.prompt, old.response);\n"
            '  INSERT INTO "responses_fts" (rowid, "prompt", "response") '
            "VALUES (new.rowid, new.prompt, new.response);\nEND"
        )
        created = True
    if created:
        # Index whatever rows were already there.
        conn.execute(
            'INSERT INTO "responses_fts" ("responses_fts") VALUES (\'rebuild\')'
        )


def m003_attachments(conn: sqlite3.Connection) -> None:
    _create_or_extend(
        conn,
        "attachments",
        [
            ("id", "TEXT PRIMARY KEY"),
            ("type", "TEXT"),
            ("path", "TEXT"),
            ("url", "TEXT"),
            ("content", "BLOB"),
        ],
    )
    _create_or_extend(
        conn,
        "prompt_attachments",
        [
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("attachment_id", 'TEXT REFERENCES "attachments"("id")'),
            ("order", "INTEGER"),
        ],
        'PRIMARY KEY ("response_id", "attachment_id")',
    )


def m004_schemas(conn: sqlite3.Connection) -> None:
    _create_or_extend(
        conn, "schemas", [("id", "TEXT PRIMARY KEY"), ("content", "TEXT")]
    )
    _create_or_extend(conn, "responses", RESPONSES_LATER[:1])


def m005_fragments(conn: sqlite3.Connection) -> None:
    _create_or_extend(
        conn,
        "fragments",
        [
            ("id", "INTEGER PRIMARY KEY"),
            ("hash", "TEXT"),
            ("content", "TEXT"),
            ("datetime_utc", "TEXT"),
            ("source", "TEXT"),
        ],
    )
    _create_or_extend(
        conn,
        "fragment_aliases",
        [
            ("alias", "TEXT PRIMARY KEY"),
            ("fragment_id", 'INTEGER REFERENCES "fragments"("id")'),
        ],
    )
    for table in ("prompt_fragments", "system_fragments"):
        _create_or_extend(
            conn,
            table,
            [
                ("response_id", 'TEXT REFERENCES "responses"("id")'),
                ("fragment_id", 'INTEGER REFERENCES "fragments"("id")'),
                ("order", "INTEGER"),
            ],
            'PRIMARY KEY ("response_id", "fragment_id", "order")',
        )
    _index(conn, "idx_fragments_hash", "fragments", '"hash"')
    _index(
        conn, "idx_fragment_aliases_fragment_id", "fragment_aliases", '"fragment_id"'
    )


def m006_tools(conn: sqlite3.Connection) -> None:
    _create_or_extend(
        conn,
        "tools",
        [
            ("id", "INTEGER PRIMARY KEY"),
            ("hash", "TEXT"),
            ("name", "TEXT"),
            ("description", "TEXT"),
            ("input_schema", "TEXT"),
            ("plugin", "TEXT"),
        ],
    )
    _create_or_extend(
        conn,
        "tool_responses",
        [
            ("tool_id", 'INTEGER REFERENCES "tools"("id")'),
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
        ],
        'PRIMARY KEY ("tool_id", "response_id")',
    )
    _create_or_extend(
        conn,
        "tool_calls",
        [
            ("id", "INTEGER PRIMARY KEY"),
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("tool_id", 'INTEGER REFERENCES "tools"("id")'),
            ("name", "TEXT"),
            ("arguments", "TEXT"),
            ("tool_call_id", "TEXT"),
        ],
    )
    _create_or_extend(
        conn,
        "tool_instances",
        [
            ("id", "INTEGER PRIMARY KEY"),
            ("plugin", "TEXT"),
            ("name", "TEXT"),
            ("arguments", "TEXT"),
        ],
    )
    _create_or_extend(
        conn,
        "tool_results",
        [
            ("id", "INTEGER PRIMARY KEY"),
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("tool_id", 'INTEGER REFERENCES "tools"("id")'),
            ("name", "TEXT"),
            ("output", "TEXT"),
            ("tool_call_id", "TEXT"),
            ("instance_id", 'INTEGER REFERENCES "tool_instances"("id")'),
            ("exception", "TEXT"),
        ],
    )
    _create_or_extend(
        conn,
        "tool_results_attachments",
        [
            ("tool_result_id", 'INTEGER REFERENCES "tool_results"("id")'),
            ("attachment_id", 'TEXT REFERENCES "attachments"("id")'),
            ("order", "INTEGER"),
        ],
        'PRIMARY KEY ("tool_result_id", "attachment_id")',
    )
    _index(conn, "idx_tools_hash", "tools", '"hash"')
    _index(conn, "idx_tool_responses_response_id", "tool_responses", '"response_id"')
    _index(conn, "idx_tool_calls_response_id", "tool_calls", '"response_id"')
    _index(conn, "idx_tool_results_response_id", "tool_results", '"response_id"')
    _index(conn, "idx_tool_results_name", "tool_results", '"name"')


def m007_resolved_model_reasoning(conn: sqlite3.Connection) -> None:
    _create_or_extend(conn, "responses", RESPONSES_LATER[1:])


def m008_response_extras(conn: sqlite3.Connection) -> None:
    # Only written for responses that need it: interrupted or failed ones,
    # explicit input messages, and output parts that plain columns cannot hold
    # (provider metadata, server-side tool activity).
    _create_or_extend(
        conn,
        "response_extras",
        [
            ("response_id", 'TEXT PRIMARY KEY REFERENCES "responses"("id")'),
            ("status", "TEXT"),
            ("error", "TEXT"),
            ("input_messages", "TEXT"),
            ("output_parts", "TEXT"),
        ],
    )


def m009_reading_indexes(conn: sqlite3.Connection) -> None:
    _index(
        conn,
        "idx_responses_conversation_id",
        "responses",
        '"conversation_id", "id"',
    )
    _index(conn, "idx_responses_model", "responses", '"model", "id"')
    _index(conn, "idx_responses_schema_id", "responses", '"schema_id", "id"')


def m010_prompt_toolboxes_server_tools(conn: sqlite3.Connection) -> None:
    # Which configured toolboxes and server-side tools a prompt was given, so
    # ``-c`` can set up exactly the same ones again. ``order`` is the position
    # in the prompt's tools list.
    _create_or_extend(
        conn,
        "tool_instance_responses",
        [
            ("instance_id", 'INTEGER REFERENCES "tool_instances"("id")'),
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("order", "INTEGER"),
        ],
        'PRIMARY KEY ("instance_id", "response_id")',
    )
    _create_or_extend(
        conn,
        "server_tools",
        [
            ("id", "INTEGER PRIMARY KEY"),
            ("name", "TEXT"),
            ("type", "TEXT"),
            ("arguments", "TEXT"),
        ],
    )
    _create_or_extend(
        conn,
        "server_tool_responses",
        [
            ("server_tool_id", 'INTEGER REFERENCES "server_tools"("id")'),
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("order", "INTEGER"),
        ],
        'PRIMARY KEY ("server_tool_id", "response_id")',
    )
    _index(
        conn,
        "idx_tool_instance_responses_response_id",
        "tool_instance_responses",
        '"response_id"',
    )
    _index(
        conn,
        "idx_server_tool_responses_response_id",
        "server_tool_responses",
        '"response_id"',
    )
    _index(conn, "idx_server_tools_name", "server_tools", '"name"')


def m011_response_fallbacks(conn: sqlite3.Connection) -> None:
    # Models tried before the one that answered (``responses.model``), in
    # order, with the error that made each one give way to the next.
    _create_or_extend(
        conn,
        "response_fallbacks",
        [
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("order", "INTEGER"),
            ("model", "TEXT"),
            ("error", "TEXT"),
        ],
        'PRIMARY KEY ("response_id", "order")',
    )


def m012_response_costs(conn: sqlite3.Connection) -> None:
    # Nullable: responses logged before prices were known, or with no usage or
    # no price, have no cost.
    _create_or_extend(conn, "responses", RESPONSE_COSTS)


def m013_batches(conn: sqlite3.Connection) -> None:
    # ``llm batch``: one row per run (or provider batch), the outcome of each
    # input row (its output line, so ``--resume`` and ``fetch`` can write it
    # again), and which logged responses a batch produced.
    _create_or_extend(
        conn,
        "batches",
        [
            ("id", "TEXT PRIMARY KEY"),
            ("model", "TEXT"),
            ("datetime_utc", "TEXT"),
            ("fingerprint", "TEXT"),
            ("input", "TEXT"),
            ("provider", "TEXT"),
            ("provider_batch_id", "TEXT"),
            ("status", "TEXT"),
            ("settings_json", "TEXT"),
        ],
    )
    _create_or_extend(
        conn,
        "batch_rows",
        [
            ("batch_id", 'TEXT REFERENCES "batches"("id")'),
            ("row_key", "TEXT"),
            ("line", "INTEGER"),
            ("status", "TEXT"),
            ("error", "TEXT"),
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("output_json", "TEXT"),
            ("request_json", "TEXT"),
        ],
        'PRIMARY KEY ("batch_id", "row_key")',
    )
    _create_or_extend(
        conn,
        "batch_responses",
        [
            ("batch_id", 'TEXT REFERENCES "batches"("id")'),
            ("response_id", 'TEXT REFERENCES "responses"("id")'),
            ("row_key", "TEXT"),
        ],
        'PRIMARY KEY ("batch_id", "response_id")',
    )
    _index(conn, "idx_batches_fingerprint", "batches", '"fingerprint", "id"')
    _index(conn, "idx_batches_provider_batch_id", "batches", '"provider_batch_id"')
    _index(conn, "idx_batch_rows_line", "batch_rows", '"batch_id", "line"')
    _index(conn, "idx_batch_responses_response_id", "batch_responses", '"response_id"')


def m014_usage_index(conn: sqlite3.Connection) -> None:
    # Covers everything ``llm logs usage`` adds up, so the report reads this
    # index instead of the much larger table, already in model order.
    _index(
        conn,
        "idx_responses_usage",
        "responses",
        '"model", "datetime_utc", "conversation_id", "input_tokens", '
        '"output_tokens", "cost_usd"',
    )


def m016_conversation_usage_index(conn: sqlite3.Connection) -> None:
    # Covers ``llm logs usage --by conversation``: SQLite adds up each
    # conversation reading this index in conversation order, with no sort.
    _index(
        conn,
        "idx_responses_conversation_usage",
        "responses",
        '"conversation_id", "datetime_utc", "model", "input_tokens", '
        '"output_tokens", "cost_usd"',
    )


def _unique_index(conn: sqlite3.Connection, name: str, table: str, column: str) -> None:
    """Make index ``name`` unique, unless ``table`` already repeats a value of ``column``."""
    for _, index, unique, *_ in conn.execute(f'PRAGMA index_list("{table}")'):
        if index == name and unique:
            return
    repeated = conn.execute(
        f'SELECT 1 FROM "{table}" GROUP BY "{column}" HAVING count(*) > 1 LIMIT 1'
    ).fetchone()
    if repeated:
        return
    conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    conn.execute(f'CREATE UNIQUE INDEX "{name}" ON "{table}" ("{column}")')


def m015_original_migration_records(conn: sqlite3.Connection) -> None:
    # So the original LLM can open a database we created (or upgraded): it
    # skips the migrations listed here instead of failing to create
    # ``conversations`` again. Names it recorded itself are kept as they are.
    # It also adds fragments and tools with ``ON CONFLICT ("hash")``, which
    # needs the unique indexes its own migrations would have made.
    _unique_index(conn, "idx_fragments_hash", "fragments", "hash")
    _unique_index(conn, "idx_tools_hash", "tools", "hash")
    if not column_names(conn, ORIGINAL_MIGRATIONS_TABLE):
        conn.execute(
            f'CREATE TABLE "{ORIGINAL_MIGRATIONS_TABLE}" '
            '("name" TEXT PRIMARY KEY, "applied_at" TEXT)'
        )
    conn.executemany(
        f'INSERT OR IGNORE INTO "{ORIGINAL_MIGRATIONS_TABLE}" ("name", "applied_at") '
        "VALUES (?, datetime('now'))",
        [(name,) for name in ORIGINAL_MIGRATIONS_COVERED],
    )


MIGRATIONS: list[Migration] = [
    ("m001_conversations_responses", m001_conversations_responses),
    ("m002_responses_fts", m002_responses_fts),
    ("m003_attachments", m003_attachments),
    ("m004_schemas", m004_schemas),
    ("m005_fragments", m005_fragments),
    ("m006_tools", m006_tools),
    ("m007_resolved_model_reasoning", m007_resolved_model_reasoning),
    ("m008_response_extras", m008_response_extras),
    ("m009_reading_indexes", m009_reading_indexes),
    ("m010_prompt_toolboxes_server_tools", m010_prompt_toolboxes_server_tools),
    ("m011_response_fallbacks", m011_response_fallbacks),
    ("m012_response_costs", m012_response_costs),
    ("m013_batches", m013_batches),
    ("m014_usage_index", m014_usage_index),
    ("m015_original_migration_records", m015_original_migration_records),
    ("m016_conversation_usage_index", m016_conversation_usage_index),
]


def needs_migration(db: Any) -> bool:
    """True if the logs schema of ``db`` is behind this version (nothing is written)."""
    return bool(
        pending_migrations(connection_of(db), MIGRATIONS, table=MIGRATIONS_TABLE)
    )


def migrate(db: Any) -> None:
    """Create or upgrade the logs schema; safe to call on every open, from many processes."""
    apply_migrations(connection_of(db), MIGRATIONS, table=MIGRATIONS_TABLE)
