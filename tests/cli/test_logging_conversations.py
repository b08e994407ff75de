"""Logging prompts (-n, --log, -d, logs off) and continuing conversations (-c, --cid)."""

from __future__ import annotations

from .conftest import echo_output, logged_responses, rows


def test_prompts_are_logged_by_default(invoke, mock_model, logs_path):
    mock_model.enqueue("logged answer")
    invoke(["-m", "mock", "log me"])
    [row] = logged_responses(logs_path)
    assert row["prompt"] == "log me"
    assert row["response"] == "logged answer"
    assert row["model"] == "mock"


def test_no_log(invoke, logs_path):
    invoke(["-m", "echo", "one", "-n"])
    invoke(["-m", "echo", "two", "--no-log"])
    assert not logs_path.exists() or logged_responses(logs_path) == []


def test_logs_off_and_log_flag(invoke, logs_path, user_path):
    assert invoke(["logs", "off"]).exit_code == 0
    invoke(["-m", "echo", "not logged"])
    invoke(["-m", "echo", "forced", "--log"])
    assert [r["prompt"] for r in logged_responses(logs_path)] == ["forced"]


def test_log_and_no_log_conflict(invoke):
    result = invoke(["-m", "echo", "x", "--log", "-n"])
    assert result.exit_code == 1
    assert "--log and --no-log" in result.stderr


def test_database_option(invoke, tmp_path, logs_path):
    other = tmp_path / "other.db"
    invoke(["-m", "echo", "elsewhere", "-d", str(other)])
    assert [r["prompt"] for r in logged_responses(other)] == ["elsewhere"]
    assert not logs_path.exists()
    invoke(["-m", "echo", "more", "--database", str(other)])
    assert len(logged_responses(other)) == 2


def test_reading_another_sqlite_file_leaves_it_alone(invoke, tmp_path):
    """``llm logs -d`` refuses a database holding other tables instead of migrating it."""
    import hashlib
    import sqlite3

    other = tmp_path / "inventory.db"
    conn = sqlite3.connect(str(other))
    with conn:
        conn.execute("create table items (name text)")
        conn.execute("insert into items values ('spoon')")
    conn.close()
    before = hashlib.sha256(other.read_bytes()).hexdigest()
    for args in (
        ["logs", "-d", str(other)],
        ["logs", "list", "-d", str(other), "--json"],
    ):
        result = invoke(args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: {other} is not an LLM logs database")
        assert "Traceback" not in result.stderr
    assert hashlib.sha256(other.read_bytes()).hexdigest() == before
    assert [row["name"] for row in rows(other, "select name from sqlite_master")] == [
        "items"
    ]


def test_logging_to_new_and_existing_logs_databases_with_d(invoke, tmp_path):
    fresh = tmp_path / "fresh.db"
    assert invoke(["-m", "echo", "first", "-d", str(fresh)]).exit_code == 0
    assert invoke(["-m", "echo", "second", "-d", str(fresh)]).exit_code == 0
    listed = invoke(["logs", "-d", str(fresh), "--json"])
    assert listed.exit_code == 0, listed.stderr
    assert [r["prompt"] for r in echo_output(listed.stdout)] == ["first", "second"]
    # An empty SQLite file becomes a logs database when read, too.
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert invoke(["logs", "-d", str(empty), "--json"]).stdout == "[]\n"


def test_unusable_database(invoke, tmp_path):
    result = invoke(["-m", "echo", "x", "-d", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("just some text, not a database" * 10)
    result = invoke(["-m", "echo", "x", "-d", str(not_sqlite)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    assert "Traceback" not in result.output
    # The file the user had is left alone.
    assert not_sqlite.read_text().startswith("just some text")


def test_continue_most_recent_conversation(invoke, mock_model):
    mock_model.enqueue("first answer")
    invoke(["-m", "mock", "first question"])
    mock_model.enqueue("second answer")
    result = invoke(["second question", "-c"])  # no -m: the conversation's model
    assert result.stdout == "second answer\n"
    messages = mock_model.prompts[-1].messages
    assert [(m.role, m.text) for m in messages] == [
        ("user", "first question"),
        ("assistant", "first answer"),
        ("user", "second question"),
    ]


def test_continue_keeps_conversation_id(invoke, logs_path):
    invoke(["-m", "echo", "one"])
    invoke(["two", "--continue"])
    conversation_ids = {r["conversation_id"] for r in logged_responses(logs_path)}
    assert len(conversation_ids) == 1


def test_cid_picks_a_conversation(invoke, logs_path):
    invoke(["-m", "echo", "conversation A"])
    invoke(["-m", "echo", "conversation B"])
    first_id = logged_responses(logs_path)[0]["conversation_id"]
    result = invoke(["follow up", "--cid", first_id])
    texts = [m["parts"][0].get("text") for m in echo_output(result.stdout)["messages"]]
    assert texts[0] == "conversation A"
    assert "conversation B" not in str(texts)
    result = invoke(["again", "--conversation", first_id])
    assert result.exit_code == 0


def test_unknown_cid(invoke):
    result = invoke(["x", "--cid", "nope"])
    assert result.exit_code == 1
    assert result.stderr == "Error: No conversation found with id=nope\n"


def test_continue_with_nothing_logged_starts_fresh(invoke):
    result = invoke(["-m", "echo", "hello", "-c"])
    assert echo_output(result.stdout)["prompt"] == "hello"


def test_continue_with_other_model(invoke, mock_model, logs_path):
    invoke(["-m", "echo", "start"])
    mock_model.enqueue("switched")
    assert invoke(["-c", "-m", "mock", "next"]).stdout == "switched\n"
    assert [m.text for m in mock_model.prompts[-1].messages][0] == "start"
    assert len({r["conversation_id"] for r in logged_responses(logs_path)}) == 1


def test_legacy_model_sees_history(invoke):
    invoke(["-m", "legacy", "one"])
    result = invoke(["-c", "two"])
    assert result.stdout == "legacy:two history=['one->legacy:one history=[]']\n"


def test_attachments_and_fragments_are_logged(invoke, tmp_path, logs_path):
    image = tmp_path / "image.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    doc = tmp_path / "doc.txt"
    doc.write_text("document")
    invoke(["-m", "echo", "look", "-a", str(image), "-f", str(doc)])
    assert rows(logs_path, "select type from attachments") == [{"type": "image/png"}]
    assert rows(logs_path, "select content from fragments") == [{"content": "document"}]


def test_continue_async(invoke, async_mock_model):
    invoke(["-m", "echo", "async one", "--async"])
    async_mock_model.enqueue("async two")
    result = invoke(["-c", "--async", "next", "-m", "mock"])
    assert result.stdout == "async two\n"
    assert [m.text for m in async_mock_model.prompts[-1].messages][0] == "async one"
