"""``llm logs prune``: what goes, what stays, and the database still holding together.

Every test prunes a real SQLite file and then checks it the way SQLite
itself would: ``PRAGMA foreign_key_check`` finds nothing dangling, and the
full-text indexes pass ``integrity-check`` and still find what is left.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

import llm
from llm.logs.fragments import set_fragment_alias
from llm.logs.prune import PruneCriteria, plan_prune, prune_logs

from . import original_dbs

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
GIF = b"GIF89a" + b"\0" * 32
OLD = "2025-01-15T10:00:00.000000+00:00"
CUTOFF = "2025-06-01T00:00:00"


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def assert_consistent(path: Path, known: list[tuple] | None = None) -> None:
    """No dangling references (beyond ``known`` ones) and every FTS index intact."""
    dangling = query(path, "PRAGMA foreign_key_check")
    assert [row for row in dangling if row not in (known or [])] == []
    for (fts,) in query(
        path,
        "select name from sqlite_master where sql like 'CREATE VIRTUAL TABLE%FTS5%'",
    ):
        query(path, f"insert into {fts}({fts}) values ('integrity-check')")


def fts_ids(path: Path, word: str) -> set[str]:
    return {
        row[0]
        for row in query(
            path,
            "select r.id from responses_fts join responses r "
            "on r.rowid = responses_fts.rowid where responses_fts match ?",
            (word,),
        )
    }


def age(path: Path, ids: list[str], when: str = OLD) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "update responses set datetime_utc = ? where id = ?",
            [(when, i) for i in ids],
        )
    conn.close()


@pytest.fixture
def logs_path(user_path) -> Path:
    return user_path / "logs.db"


@pytest.fixture
def history(logs_db, mock_model, user_path):
    """Old and new conversations sharing attachments and fragments, with tools.

    Returns (old response IDs, new response IDs). The old ones are dated
    2025-01-15; the new ones are today.
    """
    shared_fragment = llm.Fragment("A document both old and new prompts use.", "doc")
    old_fragment = llm.Fragment("Only the old prompt used this.", "old.txt")
    aliased = llm.Fragment("Kept because it has an alias.", "alias.txt")

    def picture() -> llm.ToolOutput:
        """Returns an image."""
        return llm.ToolOutput("drawn", attachments=[llm.Attachment(content=GIF)])

    old_ids, new_ids = [], []
    # An old conversation: attachment, fragments, a tool round trip.
    conversation = mock_model.conversation()
    mock_model.enqueue("pelican one", llm.Usage(input=5, output=5))
    first = conversation.prompt(
        "old pelican question",
        attachments=[llm.Attachment(content=PNG)],
        fragments=[shared_fragment, old_fragment, aliased],
    )
    first.text()
    mock_model.enqueue(llm.ToolCall(name="picture", arguments={}, tool_call_id="t1"))
    mock_model.enqueue("old walrus drawing")
    chain = conversation.chain("draw a walrus", tools=[picture])
    chain.text()
    for response in [first, *chain.responses()]:
        response.log_to_db(logs_db)
        old_ids.append(response.id)
    # An old failed response on its own.
    mock_model.enqueue("cut off", llm.ModelError("overloaded"))
    cut = mock_model.prompt("old failed heron")
    with pytest.raises(llm.ModelError):
        cut.text()
    cut.log_to_db(logs_db)
    old_ids.append(cut.id)
    # New conversations reuse the shared fragment and the PNG.
    mock_model.enqueue("new answer", llm.Usage(input=1, output=1))
    new = mock_model.prompt(
        "new otter question",
        fragments=[shared_fragment],
        attachments=[llm.Attachment(content=PNG)],
    )
    new.text()
    new.log_to_db(logs_db)
    new_ids.append(new.id)
    mock_model.enqueue("another")
    other = mock_model.prompt("new badger question")
    other.text()
    other.log_to_db(logs_db)
    new_ids.append(other.id)
    set_fragment_alias(logs_db, "keepme", aliased.id())
    age(Path(logs_db.path), old_ids)
    return old_ids, new_ids


def test_prune_before_deletes_old_responses_and_only_what_they_used(
    history, logs_db, logs_path
):
    old_ids, new_ids = history
    before = {
        table: query(logs_path, f"select count(*) from {table}")[0][0]
        for table in ("attachments", "fragments", "tool_calls", "tool_results")
    }
    plan = prune_logs(logs_db, PruneCriteria(before=CUTOFF))
    assert plan.responses == len(old_ids)
    assert plan.conversations == 2
    remaining = [row[0] for row in query(logs_path, "select id from responses")]
    assert sorted(remaining) == sorted(new_ids)
    # Tool calls, results and their attachments went with the old responses.
    assert query(logs_path, "select count(*) from tool_calls") == [(0,)]
    assert query(logs_path, "select count(*) from tool_results") == [(0,)]
    assert query(logs_path, "select count(*) from tool_results_attachments") == [(0,)]
    assert query(logs_path, "select count(*) from response_extras") == [(0,)]
    # The GIF only the tool used is gone; the PNG the new prompt uses stays.
    attachments = {row[0] for row in query(logs_path, "select id from attachments")}
    assert attachments == {hashlib.sha256(PNG).hexdigest()}
    assert before["attachments"] == 2
    # The shared fragment and the aliased one stay; the old-only one goes.
    sources = {row[0] for row in query(logs_path, "select source from fragments")}
    assert sources == {"doc", "alias.txt"}
    # Conversations left without responses are gone.
    conversation_ids = {
        row[0] for row in query(logs_path, "select id from conversations")
    }
    assert conversation_ids == {
        row[0] for row in query(logs_path, "select conversation_id from responses")
    }
    assert_consistent(logs_path)
    assert fts_ids(logs_path, "pelican") == set()
    assert fts_ids(logs_path, "otter") == {new_ids[0]}
    assert plan.rows["responses_fts"] == len(old_ids)


def test_prune_counts_match_what_goes(history, logs_db):
    plan = plan_prune(logs_db, PruneCriteria(before=CUTOFF))
    deleted = prune_logs(logs_db, PruneCriteria(before=CUTOFF))
    assert plan.rows == deleted.rows
    assert plan.rows["attachments"] == 1 and plan.rows["fragments"] == 1


def test_dry_run_changes_nothing(history, logs_path, run_logs):
    before = logs_path.read_bytes()
    snapshot = original_dbs.snapshot(logs_path)
    result = run_logs("prune", "--before", CUTOFF, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Would delete 4 responses from 2 conversations")
    assert "  tool_results_attachments          1\n" in result.output
    assert logs_path.read_bytes() == before
    assert original_dbs.snapshot(logs_path) == snapshot


def test_confirmation_declined_changes_nothing(history, logs_path, run_logs):
    snapshot = original_dbs.snapshot(logs_path)
    result = run_logs("prune", "--before", CUTOFF, input="n\n")
    assert result.exit_code == 1
    assert "Delete them? [y/N]" in result.output
    assert original_dbs.snapshot(logs_path) == snapshot
    result = run_logs("prune", "--before", CUTOFF, input="y\n")
    assert result.exit_code == 0, result.output
    assert "Deleted 4 responses from 2 conversations." in result.output
    assert query(logs_path, "select count(*) from responses") == [(2,)]


def test_keep_newest_conversations(history, logs_path, run_logs):
    old_ids, new_ids = history
    result = run_logs("prune", "--keep", "1", "-y")
    assert result.exit_code == 0, result.output
    # The newest conversation is the badger one.
    assert [r[0] for r in query(logs_path, "select id from responses")] == [new_ids[1]]
    assert_consistent(logs_path)


def test_model_and_conversation_filters(history, logs_db, logs_path, mock_model):
    old_ids, new_ids = history
    echo = llm.get_model("echo").prompt("echo me")
    echo.text()
    echo.log_to_db(logs_db)
    plan = prune_logs(logs_db, PruneCriteria(model="echo"))
    assert plan.responses == 1
    assert echo.id not in {r[0] for r in query(logs_path, "select id from responses")}
    [conversation_id] = query(
        logs_path, "select conversation_id from responses where id = ?", (old_ids[0],)
    )[0]
    plan = prune_logs(logs_db, PruneCriteria(conversation_id=conversation_id))
    assert plan.responses == 3 and plan.conversations == 1
    # Criteria combine: old AND in the kept conversation matches nothing now.
    assert plan_prune(logs_db, PruneCriteria(before=CUTOFF, keep=10)).empty
    assert_consistent(logs_path)


def test_vacuum_gives_space_back(history, logs_path, run_logs):
    result = run_logs("prune", "--before", "1d", "-y", "--vacuum")
    assert result.exit_code == 0, result.output
    assert "Vacuumed" in result.output
    assert query(logs_path, "select count(*) from responses") == [(2,)]
    assert_consistent(logs_path)


def test_prune_needs_a_criterion_and_valid_times(logs_db, run_logs):
    result = run_logs("prune")
    assert result.exit_code != 0
    assert "Say what to prune" in result.output
    result = run_logs("prune", "--before", "yesterday-ish")
    assert result.exit_code != 0
    assert "should be a duration like 30d" in result.output
    result = run_logs("prune", "--before", "30d")
    assert result.exit_code == 0
    assert "nothing to delete" in result.output


def test_continuing_a_partly_pruned_conversation(
    history, logs_db, logs_path, mock_model
):
    """What is left of a conversation still loads and continues."""
    from llm.logs import load_conversation

    old_ids, new_ids = history
    # Only the conversation's first prompt is old; its tool round trip is recent.
    age(logs_path, old_ids[1:3], "2026-01-01T00:00:00+00:00")
    prune_logs(logs_db, PruneCriteria(before=CUTOFF))
    [(conversation_id,)] = query(
        logs_path, "select conversation_id from responses where id = ?", (old_ids[1],)
    )
    assert query(
        logs_path, "select id from conversations where id = ?", (conversation_id,)
    )
    conversation = load_conversation(logs_db, conversation_id)
    assert [r.id for r in conversation.responses] == old_ids[1:3]
    mock_model.enqueue("continued")
    assert conversation.prompt("and then?").text() == "continued"
    assert_consistent(logs_path)


# --- the original's layouts -----------------------------------------------------


def test_prune_message_store(tmp_path, run_logs):
    path = original_dbs.build_message_store(tmp_path / "logs.db")
    result = run_logs("prune", "-d", str(path), "--keep", "1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would delete 4 responses from 3 conversations" in result.output
    result = run_logs("prune", "-d", str(path), "--keep", "1", "-y")
    assert result.exit_code == 0, result.output
    assert_consistent(path)
    # The tool thread, the newest, is whole: both turns and every message.
    turns = [row[0] for row in query(path, "select id from turns order by id")]
    assert turns == original_dbs.TOOL_TURNS
    assert query(path, "select id from threads") == [(original_dbs.TOOL_THREAD,)]
    assert query(path, "select count(*) from messages") == [(4,)]
    assert query(path, "select count(*) from parts") == [(4,)]
    # Search rows went with their turns and the index agrees.
    assert (
        query(
            path,
            "select rowid from turn_search_fts where turn_search_fts match 'pelican'",
        )
        == []
    )
    assert (
        len(
            query(
                path,
                "select rowid from turn_search_fts where turn_search_fts match 'version'",
            )
        )
        == 2
    )
    shown = run_logs("-d", str(path), "-n", "0", "--json")
    assert shown.exit_code == 0
    assert "What version?" in shown.output and "pelican" not in shown.output


def test_message_store_keeps_shared_history(tmp_path):
    """Pruning the first turn of a thread keeps the messages the second builds on."""
    from llm.logs import open_logs_db

    path = original_dbs.build_message_store(tmp_path / "logs.db")
    known = query(path, "PRAGMA foreign_key_check")
    with open_logs_db(path) as db:
        plan = prune_logs(db, PruneCriteria(before="2026-01-10T10:00:30", model="mock"))
    assert plan.rows["turns"] == 1
    assert "messages" not in plan.rows  # the second turn's chain includes them
    assert "threads" not in plan.rows
    assert_consistent(path, known)


def test_message_store_keeps_fragments_remaining_parts_name(tmp_path):
    """A part that names a fragment in its payload keeps that fragment."""
    from llm.logs import open_logs_db

    path = original_dbs.build_message_store(tmp_path / "logs.db")
    conn = sqlite3.connect(path)
    with conn:
        # Another thread's message quotes the same fragment by reference.
        conn.execute("insert into messages values ('b2:quote', NULL, 'user', NULL)")
        conn.execute(
            "insert into parts (message_hash, position, type, text, payload) "
            "values ('b2:quote', 0, 'text', NULL, ?)",
            ('{"text_ref": [{"fragment": 1}]}',),
        )
        conn.execute(
            "insert into threads values ('t-quote', 'Quote', 'b2:quote', NULL, "
            "'2026-02-01T00:00:00+00:00')"
        )
        conn.execute(
            "insert into turns values ('01kf2rwz000000000000000001', 't-quote', "
            "'b2:quote', 'b2:quote', 'echo', NULL, '{}', NULL, 1, 1, NULL, 1, "
            "'2026-02-01T00:00:00+00:00', NULL)"
        )
    conn.close()
    # The fixture's twice-written response points at a thread, not a conversation.
    known = query(path, "PRAGMA foreign_key_check")
    with open_logs_db(path) as db:
        plan = prune_logs(
            db, PruneCriteria(conversation_id=original_dbs.FRAGMENT_THREAD)
        )
    assert plan.rows["turn_fragments"] == 1
    assert "fragments" not in plan.rows
    assert query(path, "select count(*) from fragments") == [(1,)]
    assert_consistent(path, known)


def test_prune_pre_05_rows(tmp_path, run_logs):
    path = original_dbs.build_early(tmp_path / "logs.db")
    result = run_logs("prune", "-d", str(path), "--before", "2023-07-01", "-y")
    assert result.exit_code == 0, result.output
    assert "Deleted 1 response from 1 conversation." in result.output
    assert query(path, "select count(*) from logs") == [(0,)]
    assert query(path, "select count(*) from responses") == [(2,)]
    assert_consistent(path)


def test_prune_spec_era_database(tmp_path, run_logs):
    path = original_dbs.build_spec_era(tmp_path / "logs.db")
    result = run_logs(
        "prune", "-d", str(path), "--cid", original_dbs.SPEC_CONVERSATION, "-y"
    )
    assert result.exit_code == 0, result.output
    assert query(path, "select count(*) from responses") == [(0,)]
    assert query(path, "select count(*) from attachments") == [(0,)]
    assert query(path, "select count(*) from conversations") == [(0,)]
    assert_consistent(path)


def test_batch_rows_of_pruned_responses_go_too(history, logs_db, logs_path):
    """Rows of pruned responses go; a batch goes once none of its rows is left."""
    old_ids, new_ids = history
    conn = sqlite3.connect(logs_path)
    rows = [
        ("b1", "1", old_ids[0]),
        ("b1", "2", new_ids[0]),  # keeps b1
        ("b2", "1", old_ids[1]),  # b2 has only old rows
        ("b2", "2", old_ids[2]),
        ("b3", "1", old_ids[3]),
        ("b3", "2", None),  # a row that failed: b3 stays with it
        ("b5", "1", old_ids[0]),  # b5 is still running: it stays
    ]
    with conn:
        for batch_id in ("b1", "b2", "b3", "b4", "b5"):  # b4: no rows yet
            status = "running" if batch_id == "b5" else "done"
            conn.execute(
                "insert into batches (id, model, status) values (?, 'mock', ?)",
                (batch_id, status),
            )
        for batch_id, key, response_id in rows:
            conn.execute(
                "insert into batch_rows (batch_id, row_key, response_id) "
                "values (?, ?, ?)",
                (batch_id, key, response_id),
            )
            if response_id is not None:
                conn.execute(
                    "insert into batch_responses (batch_id, response_id, row_key) "
                    "values (?, ?, ?)",
                    (batch_id, response_id, key),
                )
    conn.close()
    planned = plan_prune(logs_db, PruneCriteria(before=CUTOFF))
    plan = prune_logs(logs_db, PruneCriteria(before=CUTOFF))
    assert planned.rows == plan.rows
    assert plan.rows["batch_rows"] == 5 and plan.rows["batch_responses"] == 5
    assert plan.rows["batches"] == 1
    assert query(logs_path, "select batch_id, row_key from batch_rows") == [
        ("b1", "2"),
        ("b3", "2"),
    ]
    assert query(logs_path, "select id from batches order by id") == [
        ("b1",),
        ("b3",),
        ("b4",),
        ("b5",),
    ]
    assert_consistent(logs_path)


def test_fallback_records_go_with_their_responses(
    history, logs_db, logs_path, mock_model
):
    """A response answered by a fallback model takes its record of the failed ones."""
    old_ids, new_ids = history
    answered = []
    for _ in range(2):
        mock_model.enqueue(llm.TransientError("down"))
        response = mock_model.prompt("hi", retries=0, fallbacks=["echo"])
        response.text()
        response.log_to_db(logs_db)
        answered.append(response.id)
    age(logs_path, answered[:1])
    assert query(logs_path, "select count(*) from response_fallbacks") == [(2,)]
    plan = prune_logs(logs_db, PruneCriteria(before=CUTOFF))
    assert plan.rows["response_fallbacks"] == 1
    assert query(logs_path, "select response_id from response_fallbacks") == [
        (answered[1],)
    ]
    assert_consistent(logs_path)


def test_every_link_to_a_response_is_a_declared_foreign_key(logs_db):
    """Prune finds what belongs to a response through declared foreign keys, so a
    table that names a response (or conversation) without one would keep dangling
    rows that ``PRAGMA foreign_key_check`` cannot even see."""
    conn = logs_db.conn
    undeclared = []
    for (table,) in conn.execute(
        "select name from sqlite_master where type = 'table' "
        "and name not like 'sqlite_%'"
    ):
        declared = {
            row[3] for row in conn.execute(f'PRAGMA foreign_key_list("{table}")')
        }
        for row in conn.execute(f'PRAGMA table_info("{table}")'):
            column = row[1]
            if column in ("response_id", "conversation_id") and column not in declared:
                undeclared.append(f"{table}.{column}")
    assert undeclared == []
