"""Batches in logs.db: the tables, the background writer, and filtering logs by batch."""

from __future__ import annotations

import sqlite3
import threading

import pytest

import llm
from llm.logs import LogFilter, iter_logs, log_response, open_logs_db
from llm.logs.background import BackgroundWriter
from llm.logs.batches import (
    DONE,
    ERROR,
    BatchInfo,
    BatchRow,
    batch_rows,
    create_batch,
    get_batch,
    get_row,
    latest_batch,
    list_batches,
    record_row,
    row_counts,
    update_batch,
)


def answered(mock_model, text):
    mock_model.enqueue(text)
    response = mock_model.prompt(text)
    response.text()
    return response


def new_batch(db, id="b1", fingerprint="f", provider=None):
    return create_batch(
        db,
        BatchInfo(
            id=id,
            model="mock",
            datetime_utc="",
            fingerprint=fingerprint,
            input="in.jsonl",
            provider=provider,
            status="running",
        ),
    )


def test_migration_adds_the_batch_tables_and_keys_check(logs_db):
    tables = {r[0] for r in logs_db.conn.execute("select name from sqlite_master")}
    assert {"batches", "batch_rows", "batch_responses"} <= tables
    assert logs_db.conn.execute("pragma foreign_key_check").fetchall() == []


def test_batch_records_and_rows(logs_db, mock_model):
    new_batch(logs_db, "b1", fingerprint="same")
    new_batch(logs_db, "b2", fingerprint="same")
    new_batch(logs_db, "b3", fingerprint="same", provider="openai")
    update_batch(logs_db, "b3", status="submitted", provider_batch_id="batch_9")
    assert latest_batch(logs_db, "same").id == "b2"  # provider batches are not resumed
    assert latest_batch(logs_db, "other") is None
    assert get_batch(logs_db, "batch_9").id == "b3"
    assert [b.id for b in list_batches(logs_db)] == ["b3", "b2", "b1"]

    response = answered(mock_model, "hello")
    log_response(logs_db, response)
    record_row(
        logs_db,
        "b1",
        BatchRow("a", 2, DONE, response_id=response.id, output={"id": "a"}),
        [response.id],
    )
    record_row(logs_db, "b1", BatchRow("b", 1, ERROR, error="bad", output={"id": "b"}))
    record_row(logs_db, "b1", BatchRow("b", 1, DONE, output={"id": "b", "ok": 1}))
    assert get_row(logs_db, "b1", "b").output == {"id": "b", "ok": 1}
    assert get_row(logs_db, "b1", "zzz") is None
    assert [r.key for r in batch_rows(logs_db, "b1")] == ["b", "a"]
    assert row_counts(logs_db, "b1") == {"done": 2}
    assert logs_db.conn.execute("pragma foreign_key_check").fetchall() == []


def test_logs_filtered_by_batch(logs_db, mock_model):
    new_batch(logs_db)
    inside = answered(mock_model, "in the batch")
    outside = answered(mock_model, "not in it")
    for response in (inside, outside):
        log_response(logs_db, response)
    record_row(logs_db, "b1", BatchRow("1", 1, DONE), [inside.id])
    found = list(iter_logs(logs_db, LogFilter(count=0, batch_id="b1")))
    assert [r["prompt"] for r in found] == ["in the batch"]
    assert list(iter_logs(logs_db, LogFilter(count=0, batch_id="nope"))) == []


def test_background_writer_writes_everything_off_the_calling_thread(
    user_path, mock_model
):
    threads: set[str] = set()
    responses = [answered(mock_model, f"p{n}") for n in range(50)]

    def write(response, db):
        threads.add(threading.current_thread().name)
        log_response(db, response.record())

    with BackgroundWriter() as writer:
        for response in responses:
            writer.submit(lambda db, r=response: write(r, db))
    assert writer.written == 50
    assert writer.busy_seconds > 0
    assert threads == {"llm-log-writer"}
    db = open_logs_db()
    try:
        assert db.execute("select count(*) from responses").fetchone()[0] == 50
    finally:
        db.close()


def test_a_failing_write_loses_only_itself(user_path, mock_model):
    good = answered(mock_model, "good")
    writer = BackgroundWriter()

    def broken(db):
        db.execute("insert into no_such_table values (1)")

    writer.submit(broken)
    writer.submit(lambda db: log_response(db, good))
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        writer.close()
    assert writer.written == 1
    db = open_logs_db()
    try:
        assert [r[0] for r in db.execute("select prompt from responses")] == ["good"]
    finally:
        db.close()


def test_background_writer_refuses_a_bad_path_at_once(tmp_path):
    with pytest.raises(llm.DatabaseError):
        BackgroundWriter(tmp_path / "missing" / "logs.db")


def test_replay_skips_an_entry_another_process_wrote_meanwhile(tmp_path, user_path):
    """Two processes replaying at once: an entry the other one wrote (and
    removed) while this one waited for the lock is not written again, so a
    batch's earlier status never comes back after its later one."""
    from llm.logs.pending import pending_entries, replay_pending, spool_batch_status

    path = tmp_path / "logs.db"
    db = open_logs_db(path)
    new_batch(db)
    spool_batch_status(path, "b1", "running")
    spool_batch_status(path, "b1", "done")
    entries = pending_entries(path)
    assert len(entries) == 2

    def other_process_replays_first(sql: str) -> None:
        # Runs as this process asks for the write lock: the other process,
        # which had it, wrote both entries and removed their files.
        if sql.startswith("BEGIN IMMEDIATE") and entries[0].exists():
            other = sqlite3.connect(path)
            with other:
                other.execute("update batches set status = 'done'")
            other.close()
            for entry in entries:
                entry.unlink()

    db.conn.set_trace_callback(other_process_replays_first)
    try:
        replay_pending(db)
    finally:
        db.conn.set_trace_callback(None)
    assert get_batch(db, "b1").status == "done"
    db.close()
