"""Rows of the pre-0.5 ``log`` / ``logs`` tables show in ``llm logs``, read-only."""

from __future__ import annotations

import json
import sqlite3

import pytest

import llm
from llm.errors import UnknownModelError
from llm.ids import ulid_timestamp_ms
from llm.logs import latest_conversation_id, load_conversation, open_logs_db
from llm.logs.legacy_log import legacy_records

from . import original_dbs

# The very first table design (before the original recorded migrations), and
# rows as those versions wrote them: naive UTC times, chat_id naming the rowid
# of a chat's first prompt.
FIRST_LOG_SQL = """
CREATE TABLE log (provider, system, prompt, chat_id, response, model, timestamp);
INSERT INTO log VALUES ('openai', 'Be terse', 'First question', NULL,
  'First answer', 'gpt-3.5-turbo', '2023-04-01 09:00:00.250000');
INSERT INTO log VALUES ('openai', NULL, 'Follow-up', 1,
  'Second answer', 'gpt-3.5-turbo', '2023-04-01 09:05:00.500000');
INSERT INTO log VALUES ('openai', NULL, 'Lone prompt', NULL,
  'Lone answer', 'gpt-4', '2023-04-02 12:00:00');
"""


def first_log_db(path):
    conn = sqlite3.connect(path)
    conn.executescript(FIRST_LOG_SQL)
    conn.close()
    return path


def records(run_logs, *args):
    result = run_logs(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_first_log_table_rows_show(tmp_path, run_logs):
    path = first_log_db(tmp_path / "logs.db")
    before = original_dbs.snapshot(path)
    found = records(run_logs, "-d", str(path), "-n", "0")
    assert [r["prompt"] for r in found] == [
        "First question",
        "Follow-up",
        "Lone prompt",
    ]
    first, follow_up, lone = found
    assert first["model"] == "gpt-3.5-turbo"
    assert first["system"] == "Be terse"
    assert first["response"] == "First answer"
    assert first["datetime_utc"] == "2023-04-01T09:00:00.250000+00:00"
    assert first["options_json"] == {}
    assert first["tools"] == first["attachments"] == []
    # IDs sort by time, a chat shares its first row's ID as conversation ID.
    assert first["id"] < follow_up["id"] < lone["id"]
    assert ulid_timestamp_ms(first["id"]) == 1680339600250
    assert follow_up["conversation_id"] == first["conversation_id"] == first["id"]
    assert first["conversation_name"] == "First question"
    assert lone["conversation_id"] == lone["id"]
    # Keys in the documented order, as for any record.
    assert list(first) == list(records(run_logs, "-d", str(path), "-n", "1")[0])
    # The same IDs every time, so filters can use them.
    assert records(run_logs, "-d", str(path), "--cid", first["id"]) == [
        first,
        follow_up,
    ]
    assert [r["prompt"] for r in records(run_logs, "-d", str(path), "-m", "gpt-4")] == [
        "Lone prompt"
    ]
    assert records(run_logs, "-d", str(path), "--id-gt", follow_up["id"]) == [lone]
    markdown = run_logs("-d", str(path)).output
    assert "## Prompt\n\nFollow-up" in markdown
    assert f"conversation: {first['id']}" in markdown
    # Shown, never changed.
    original_dbs.assert_preserved(before, path)
    assert original_dbs.snapshot(path)["log"] == before["log"]


def test_legacy_rows_merge_with_responses_by_time(tmp_path, run_logs, mock_model):
    path = first_log_db(tmp_path / "logs.db")
    db = open_logs_db(path)
    mock_model.enqueue("new answer")
    response = mock_model.prompt("new prompt")
    response.text()
    response.log_to_db(db)
    log_rows = db.execute("select * from log").fetchall()
    found = records(run_logs, "-d", str(path), "-n", "0")
    assert [r["prompt"] for r in found] == [
        "First question",
        "Follow-up",
        "Lone prompt",
        "new prompt",
    ]
    # The default view is the newest three, oldest first.
    assert [r["prompt"] for r in records(run_logs, "-d", str(path))] == [
        "Follow-up",
        "Lone prompt",
        "new prompt",
    ]
    # Not in the full-text index, and they have no tools or schemas to match.
    assert [
        r["prompt"] for r in records(run_logs, "-d", str(path), "-q", "prompt")
    ] == ["new prompt"]
    assert records(run_logs, "-d", str(path), "--tools") == []
    # -c continues what this package logged, not the old rows.
    assert [r["prompt"] for r in records(run_logs, "-d", str(path), "-c")] == [
        "new prompt"
    ]
    assert db.execute("select * from log").fetchall() == log_rows
    db.close()


def test_reading_a_first_log_database_only_adds_our_tables(tmp_path, run_logs):
    path = first_log_db(tmp_path / "logs.db")
    before = original_dbs.snapshot(path)
    assert len(records(run_logs, "-d", str(path), "-n", "0")) == 3
    after = original_dbs.snapshot(path)
    assert after["log"] == before["log"]
    assert "responses" in after  # the schema was added beside it


def test_logs_table_with_later_columns(tmp_path, run_logs):
    """The ``logs`` table of the last pre-0.5 releases, next to ``responses``."""
    path = original_dbs.build_early(tmp_path / "logs.db")
    [ancient] = [
        r
        for r in records(run_logs, "-d", str(path), "-n", "0")
        if r["prompt"] == "ancient prompt"
    ]
    assert ancient["response"] == "ancient reply"
    assert ancient["duration_ms"] == 5
    assert ancient["model"] == "gpt-3.5-turbo"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("select * from logs").fetchall() == [
            (
                1,
                "gpt-3.5-turbo",
                "ancient prompt",
                None,
                None,
                None,
                "ancient reply",
                None,
                None,
                None,
                5,
                "2023-06-01T10:00:00",
            ),
        ]
    finally:
        conn.close()


def test_a_legacy_chat_can_be_continued(tmp_path, monkeypatch):
    """``-c`` / ``--cid`` pick up a pre-0.5 chat: its rows become the history."""
    path = first_log_db(tmp_path / "logs.db")
    db = open_logs_db(path)
    chat_id = legacy_records(db.conn)[0]["conversation_id"]
    # The newest conversation is the lone prompt, made from the latest old row.
    lone = load_conversation(db, model=llm.get_model("echo"))
    assert lone.id == latest_conversation_id(db) != chat_id
    assert [r.prompt.prompt for r in lone.responses] == ["Lone prompt"]

    echo = llm.get_model("echo")
    loaded = load_conversation(db, chat_id, model=echo)
    assert [r.text() for r in loaded.responses] == ["First answer", "Second answer"]
    follow_up = loaded.prompt("Third question")
    sent = json.loads(follow_up.text())["messages"]
    assert [
        (m["role"], "".join(p.get("text", "") for p in m["parts"])) for m in sent
    ] == [
        ("system", "Be terse"),
        ("user", "First question"),
        ("assistant", "First answer"),
        ("user", "Follow-up"),
        ("assistant", "Second answer"),
        ("user", "Third question"),
    ]
    follow_up.log_to_db(db)
    # Logged under the same conversation; loading again includes it.
    again = load_conversation(db, chat_id, model=echo)
    assert [r.prompt.prompt for r in again.responses] == [
        "First question",
        "Follow-up",
        "Third question",
    ]
    assert latest_conversation_id(db) == chat_id
    db.close()


def test_a_legacy_chat_uses_its_own_model_when_none_is_given(tmp_path):
    path = first_log_db(tmp_path / "logs.db")
    db = open_logs_db(path)
    db.execute("update log set model = 'echo'")
    lone = load_conversation(db)
    assert lone.model.model_id == "echo"
    db.execute("update log set model = 'no-such-model'")
    with pytest.raises(UnknownModelError):
        load_conversation(db)
    db.close()


def test_status_counts_legacy_rows(tmp_path, monkeypatch, run_logs):
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    first_log_db(tmp_path / "logs.db")
    output = run_logs("status").output
    assert "Rows from before version 0.5:   3" in output
