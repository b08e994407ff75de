"""The schema we create, and upgrades of databases left by every earlier original version."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
import sqlite_utils

import llm
from llm.logs import open_logs_db
from llm.logs.migrations import MIGRATIONS, MIGRATIONS_TABLE

from . import original_dbs

DOCUMENTED_COLUMNS = {
    "conversations": ["id", "name", "model"],
    "schemas": ["id", "content"],
    "responses": [
        "id",
        "model",
        "prompt",
        "system",
        "prompt_json",
        "options_json",
        "response",
        "response_json",
        "conversation_id",
        "duration_ms",
        "datetime_utc",
        "input_tokens",
        "output_tokens",
        "token_details",
        "schema_id",
        "resolved_model",
        "reasoning",
        "cost_usd",
        "cost_details",
    ],
    "attachments": ["id", "type", "path", "url", "content"],
    "prompt_attachments": ["response_id", "attachment_id", "order"],
    "fragments": ["id", "hash", "content", "datetime_utc", "source"],
    "fragment_aliases": ["alias", "fragment_id"],
    "prompt_fragments": ["response_id", "fragment_id", "order"],
    "system_fragments": ["response_id", "fragment_id", "order"],
    "tools": ["id", "hash", "name", "description", "input_schema", "plugin"],
    "tool_responses": ["tool_id", "response_id"],
    "tool_calls": ["id", "response_id", "tool_id", "name", "arguments", "tool_call_id"],
    "tool_results": [
        "id",
        "response_id",
        "tool_id",
        "name",
        "output",
        "tool_call_id",
        "instance_id",
        "exception",
    ],
    "tool_instances": ["id", "plugin", "name", "arguments"],
    "tool_results_attachments": ["tool_result_id", "attachment_id", "order"],
}


def test_spec_snippet_migrate_in_memory():
    from llm.migrations import migrate

    db = sqlite_utils.Database(memory=True)
    migrate(db)
    for table, columns in DOCUMENTED_COLUMNS.items():
        assert db[table].columns_dict, table
        assert [c.name for c in db[table].columns] == columns, table
    assert "responses_fts" in db.table_names()
    assert db["responses_fts"].schema.startswith('CREATE VIRTUAL TABLE "responses_fts"')
    assert 'content="responses"' in db["responses_fts"].schema
    assert db["prompt_attachments"].pks == ["response_id", "attachment_id"]
    db.close()


def test_migrations_recorded_once_and_idempotent(tmp_path):
    path = tmp_path / "logs.db"
    db = open_logs_db(path)
    names = [r["name"] for r in db.query(f"select name from {MIGRATIONS_TABLE}")]
    assert names == [name for name, _ in MIGRATIONS]
    schema = db.schema
    db.conn.close()
    again = open_logs_db(path)
    from llm.migrations import migrate

    migrate(again)
    assert again.schema == schema
    assert again[MIGRATIONS_TABLE].count == len(MIGRATIONS)
    again.close()


def test_fresh_database_is_wal(tmp_path):
    db = open_logs_db(tmp_path / "logs.db")
    assert db.conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("pragma busy_timeout").fetchone()[0] >= 30000
    db.close()


def test_open_logs_db_as_context_manager_closes(tmp_path):
    with open_logs_db(tmp_path / "logs.db") as db:
        assert db["responses"].count == 0
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("select 1")


def _continue(path, prompt="Continue please"):
    """Continue the most recent conversation in ``path`` with the echo model."""
    from llm.logs import load_conversation

    db = open_logs_db(path)
    conversation = load_conversation(db, model=llm.get_model("echo"))
    response = conversation.prompt(prompt)
    messages = json.loads(response.text())["messages"]
    response.log_to_db(db)
    return conversation, messages, db


def test_upgrade_early_database_keeps_rows_and_indexes_them(tmp_path, run_logs):
    path = original_dbs.build_early(tmp_path / "logs.db")
    before = original_dbs.snapshot(path)
    db = open_logs_db(path)
    original_dbs.assert_preserved(before, path)
    # Columns added later are there, existing rows untouched, old `logs` table kept.
    assert "input_tokens" in db["responses"].columns_dict
    assert db["logs"].count == 1
    # The FTS table had no triggers: they were added and existing rows indexed.
    hits = db.execute(
        "select rowid from responses_fts where responses_fts match 'walrus'"
    ).fetchall()
    assert len(hits) == 2
    result = run_logs("-d", str(path), "-n", "0", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    # The pre-0.4 `logs` row shows too, first by time.
    assert [r["response"] for r in records] == [
        "ancient reply",
        "Wally and Gus",
        "Tusker",
    ]
    assert records[2]["options_json"] == {"temperature": 0.5}
    assert records[0]["datetime_utc"] == "2023-06-01T10:00:00+00:00"
    db.close()
    conversation, messages, db = _continue(path)
    assert conversation.id == "01h80000000000000000000000"
    assert [(m["role"], m["parts"][0]["text"]) for m in messages] == [
        ("system", "You are playful"),
        ("user", "Names for a walrus"),
        ("assistant", "Wally and Gus"),
        ("user", "More walrus names"),
        ("assistant", "Tusker"),
        ("user", "Continue please"),
    ]
    # New rows land in the same conversation and are searchable.
    assert db["responses"].count == 3
    assert db.execute(
        "select count(*) from responses_fts where responses_fts match 'Continue'"
    ).fetchone() == (1,)
    db.close()
    original_dbs.assert_preserved(before, path)


def test_upgrade_spec_era_database(tmp_path, run_logs):
    path = original_dbs.build_spec_era(tmp_path / "logs.db")
    before = original_dbs.snapshot(path)
    conn = sqlite3.connect(path)
    triggers_before = conn.execute(
        "select count(*) from sqlite_master where type = 'trigger'"
    ).fetchone()[0]
    conn.close()
    db = open_logs_db(path)
    original_dbs.assert_preserved(before, path)
    # The original's own FTS triggers are reused, not doubled.
    assert (
        db.execute(
            "select count(*) from sqlite_master where type = 'trigger'"
        ).fetchone()[0]
        == triggers_before
    )
    result = run_logs("-d", str(path), "--json")
    records = json.loads(result.output)
    assert [r["id"] for r in records] == original_dbs.SPEC_RESPONSES
    assert records[0]["attachments"][0]["type"] == "image/png"
    assert records[0]["attachments"][0]["content_length"] == len(original_dbs.PNG)
    assert records[1]["token_details"] == {"cached": 2}
    assert records[0]["conversation_name"] == "Describe this image"
    result = run_logs("-d", str(path), "-q", "pelican")
    assert "No pelican here" in result.output
    assert "A tiny black square" not in result.output
    db.close()
    conversation, messages, db = _continue(path)
    first_user = messages[1]
    assert first_user["role"] == "user"
    assert first_user["parts"][1]["type"] == "attachment"
    assert first_user["parts"][1]["attachment"]["type"] == "image/png"
    new = db.execute(
        "select conversation_id from responses order by id desc limit 1"
    ).fetchone()
    assert new[0] == original_dbs.SPEC_CONVERSATION
    db.close()
    original_dbs.assert_preserved(before, path)


def _schema_of(conn, tables):
    marks = ",".join("?" for _ in tables)
    sql = f"select name, sql from sqlite_master where tbl_name in ({marks})"
    return dict(conn.execute(sql, tables).fetchall())


def test_message_store_tables_are_left_untouched(tmp_path):
    path = original_dbs.build_message_store(tmp_path / "logs.db")
    store_tables = (
        "threads",
        "turns",
        "messages",
        "parts",
        "part_attachments",
        "part_fragments",
        "turn_tools",
        "turn_fragments",
        "turn_search",
        "tool_instantiations",
    )
    conn = sqlite3.connect(path)
    schema_before = _schema_of(conn, store_tables)
    conn.close()
    before = original_dbs.snapshot(path)
    db = open_logs_db(path)
    schema_after = _schema_of(db.conn, store_tables)
    db.close()
    assert schema_after == schema_before
    original_dbs.assert_preserved(before, path)


def test_concurrent_first_open_migrates_once(tmp_path):
    """Several processes opening a brand-new database at once all succeed."""
    path = tmp_path / "fresh.db"
    script = (
        "import sys\n"
        "from llm.logs import open_logs_db\n"
        "db = open_logs_db(sys.argv[1])\n"
        "print(db.execute('select count(*) from _llm_logs_migrations').fetchone()[0])\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err
        assert out.strip() == str(len(MIGRATIONS))
    db = open_logs_db(path)
    names = [r[0] for r in db.execute(f"select name from {MIGRATIONS_TABLE}")]
    assert sorted(names) == sorted(name for name, _ in MIGRATIONS)
    # One set of FTS triggers, not one per process.
    assert (
        db.execute(
            "select count(*) from sqlite_master where type = 'trigger' and tbl_name = 'responses'"
        ).fetchone()[0]
        == 3
    )
    db.close()


@pytest.mark.parametrize("builder", ["build_early", "build_spec_era"])
def test_original_database_counts_in_status(tmp_path, user_path, run_logs, builder):
    getattr(original_dbs, builder)(user_path / "logs.db")
    result = run_logs("status")
    assert result.exit_code == 0
    assert "Number of responses logged:     2" in result.output
    assert "Number of conversations logged: 1" in result.output


def _original_migrations(path):
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("select name, applied_at from _llm_migrations"))
    finally:
        conn.close()


def test_original_llm_sees_its_legacy_migrations_as_done(tmp_path):
    """The original runs each migration missing from ``_llm_migrations``; on a
    database we created its ``m010_create_new_log_tables`` would fail on our
    ``conversations`` table, so the ones our schema covers are listed."""
    from llm.logs.migrations import ORIGINAL_MIGRATIONS_COVERED

    path = tmp_path / "logs.db"
    open_logs_db(path).close()
    recorded = _original_migrations(path)
    assert set(recorded) == set(ORIGINAL_MIGRATIONS_COVERED)
    assert "m010_create_new_log_tables" in recorded
    # Its message store is left for it to create: nothing of it is claimed.
    assert not any("message_store" in name for name in recorded)
    assert all(recorded.values())


def test_original_migration_records_keep_what_the_original_wrote(tmp_path):
    path = original_dbs.build_early(tmp_path / "logs.db")
    open_logs_db(path).close()
    recorded = _original_migrations(path)
    assert recorded["m001_initial"] == "2023-07-01 10:00:00"
    assert "m022_response_reasoning" in recorded


def _unique_indexes(path, table):
    conn = sqlite3.connect(path)
    try:
        return {row[1] for row in conn.execute(f"pragma index_list({table})") if row[2]}
    finally:
        conn.close()


def test_hash_indexes_are_unique_as_the_original_needs(tmp_path):
    """The original adds fragments and tools with ``ON CONFLICT ("hash")``."""
    path = tmp_path / "logs.db"
    open_logs_db(path).close()
    assert "idx_fragments_hash" in _unique_indexes(path, "fragments")
    assert "idx_tools_hash" in _unique_indexes(path, "tools")
    # A database from before the indexes were unique is upgraded...
    conn = sqlite3.connect(path)
    conn.executescript(
        "drop index idx_tools_hash; create index idx_tools_hash on tools (hash);"
        "drop index idx_fragments_hash;"
        "create index idx_fragments_hash on fragments (hash);"
        "insert into fragments (hash, content) values ('h', 'one'), ('h', 'two');"
        f"delete from {MIGRATIONS_TABLE} where name like 'm015%';"
    )
    conn.commit()
    conn.close()
    open_logs_db(path).close()
    assert "idx_tools_hash" in _unique_indexes(path, "tools")
    # ...except where rows already repeat a hash: those rows are kept as they are.
    assert "idx_fragments_hash" not in _unique_indexes(path, "fragments")
    conn = sqlite3.connect(path)
    assert conn.execute("select count(*) from fragments").fetchone() == (2,)
    conn.close()
