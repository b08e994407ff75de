"""Nothing that was shown is lost: a double Ctrl-C, or a database another process holds.

Real subprocesses and real signals. The second Ctrl-C of a double press must
not interrupt writing the log entry the first one started; a database that
stays locked gets the entry later, from a spool file, instead of never.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import time

import pytest

from .test_startup import read_until, scripted
from .test_stop_signals import CHUNKS, SLOW, logged


def keep_interrupting(process: subprocess.Popen, seconds: float) -> None:
    """Press Ctrl-C again and again (about every millisecond) until the process ends."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            process.send_signal(signal.SIGINT)
        except ProcessLookupError:
            break
        time.sleep(0.001)


def interrupt_twice(subprocess_env, args=SLOW, seconds: float = 1.0):
    """Run a slow streamed prompt, Ctrl-C once it is streaming, then keep pressing it."""
    with scripted(
        subprocess_env, CHUNKS, args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        read_until(process.stdout, "chunk1 ")
        process.send_signal(signal.SIGINT)
        keep_interrupting(process, seconds)
        stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.mark.parametrize("mode", ["sync", "async", "again"])
def test_double_ctrl_c_still_logs_what_arrived(subprocess_env, user_path, mode):
    args = [*SLOW, "--async"] if mode == "async" else SLOW
    code, stdout, stderr = interrupt_twice(subprocess_env, args)
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert "chunk49" not in stdout
    [(prompt, response, status)] = logged(user_path)
    assert prompt == "tell me a long story"
    assert response.startswith("chunk0 chunk1 ")
    assert status == "interrupted"


@pytest.fixture
def locked_logs(run_llm, user_path):
    """logs.db with one response in it, its write lock held by this process."""
    assert run_llm(["-m", "echo", "first"]).returncode == 0
    conn = sqlite3.connect(str(user_path / "logs.db"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def pending(user_path) -> list:
    directory = user_path / "logs-pending"
    return sorted(directory.iterdir()) if directory.exists() else []


def test_double_ctrl_c_with_the_database_locked_spools_the_entry(
    subprocess_env, user_path, locked_logs, run_llm
):
    """The wait for the lock is cut short after Ctrl-C; the entry is spooled, then replayed."""
    code, _, stderr = interrupt_twice(subprocess_env, seconds=10)
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert "is locked by another process" in stderr
    [entry] = pending(user_path)
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    locked_logs.execute("ROLLBACK")
    locked_logs.execute("BEGIN")  # the fixture rolls back again

    assert run_llm(["-m", "echo", "second"]).returncode == 0
    rows = logged(user_path)
    assert [(prompt, status) for prompt, _, status in rows] == [
        ("first", None),
        ("tell me a long story", "interrupted"),
        ("second", None),
    ]
    assert rows[1][1].startswith("chunk0 chunk1 ")
    assert pending(user_path) == []


def test_a_locked_database_never_loses_the_response(
    subprocess_env, user_path, locked_logs, run_llm
):
    env = {"LLM_BUSY_TIMEOUT": "0.5"}
    result = run_llm(["-m", "echo", "while locked"], env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["prompt"] == "while locked"
    assert "is locked by another process" in result.stderr
    assert str(user_path / "logs-pending") in result.stderr
    assert len(pending(user_path)) == 1
    # Still locked: the next run cannot write either, and keeps both waiting.
    assert run_llm(["-m", "echo", "still locked"], env=env).returncode == 0
    assert len(pending(user_path)) == 2
    locked_logs.execute("ROLLBACK")
    locked_logs.execute("BEGIN")

    assert run_llm(["-m", "echo", "unlocked"]).returncode == 0
    assert [prompt for prompt, _, _ in logged(user_path)] == [
        "first",
        "while locked",
        "still locked",
        "unlocked",
    ]
    assert pending(user_path) == []
    records = json.loads(run_llm(["logs", "-n", "0", "--json"]).stdout)
    assert json.loads(records[1]["response"])["prompt"] == "while locked"


def test_spooled_entries_wait_for_their_own_database(
    subprocess_env, user_path, locked_logs, run_llm, tmp_path
):
    """An entry spooled for logs.db is not written into another -d database."""
    env = {"LLM_BUSY_TIMEOUT": "0.5"}
    assert run_llm(["-m", "echo", "for logs.db"], env=env).returncode == 0
    other = tmp_path / "other.db"
    assert run_llm(["-m", "echo", "elsewhere", "-d", str(other)]).returncode == 0
    assert len(pending(user_path)) == 1
    conn = sqlite3.connect(str(other))
    try:
        prompts = [row[0] for row in conn.execute("select prompt from responses")]
    finally:
        conn.close()
    assert prompts == ["elsewhere"]


def test_busy_timeout_must_be_a_number(run_llm):
    result = run_llm(["-m", "echo", "hi"], env={"LLM_BUSY_TIMEOUT": "soon"})
    assert result.returncode == 1
    assert "LLM_BUSY_TIMEOUT" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_pending_entry_is_set_aside(run_llm, user_path):
    assert run_llm(["-m", "echo", "first"]).returncode == 0
    directory = user_path / "logs-pending"
    directory.mkdir()
    damaged = directory / "01damaged.json"
    damaged.write_text(
        json.dumps(
            {
                "format": 1,
                "database": str((user_path / "logs.db").resolve()),
                "rows": {"response_id": "x"},
            }
        )
    )
    result = run_llm(["-m", "echo", "second"])
    assert result.returncode == 0, result.stderr
    assert [prompt for prompt, _, _ in logged(user_path)] == ["first", "second"]
    assert [p.name for p in pending(user_path)] == ["01damaged.json.failed"]


def test_a_batch_run_while_the_database_is_locked_loses_nothing(
    user_path, locked_logs, run_llm, tmp_path
):
    """``llm batch`` spools its batch, rows and status; the next run writes them all."""
    rows = tmp_path / "rows.txt"
    rows.write_text("one\ntwo\nthree\n", encoding="utf-8")
    env = {"LLM_BUSY_TIMEOUT": "0.5"}
    result = run_llm(["batch", str(rows), "-m", "echo"], env=env)
    assert result.returncode == 0, result.stderr
    assert [
        json.loads(json.loads(line)["response"])["prompt"]
        for line in result.stdout.splitlines()
    ] == ["one", "two", "three"]
    assert "is locked by another process" in result.stderr
    assert str(user_path / "logs-pending") in result.stderr
    batch = result.stderr.split("Batch ", 1)[1].split(":", 1)[0]
    assert pending(user_path)
    assert [prompt for prompt, _, _ in logged(user_path)] == ["first"]
    locked_logs.execute("ROLLBACK")
    locked_logs.execute("BEGIN")

    assert run_llm(["-m", "echo", "after"]).returncode == 0
    assert pending(user_path) == []
    assert [prompt for prompt, _, _ in logged(user_path)] == [
        "first",
        "one",
        "two",
        "three",
        "after",
    ]
    listed = run_llm(["batch", "list"]).stdout
    assert batch in listed
    assert "done  3 done" in listed
    # The rows were recorded as done: resuming runs none of them again.
    resumed = run_llm(["batch", str(rows), "-m", "echo", "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert f"Batch {batch}: 3 done (3 from an earlier run)" in resumed.stderr
    assert len(logged(user_path)) == 5


def test_a_lock_released_mid_batch_keeps_the_log_entries_in_order(
    invoke, user_path, mock_model, tmp_path, monkeypatch
):
    """Once a batch spooled its creation, its rows and final status are spooled
    after it, not written ahead of it: the replayed batch ends ``done``."""
    assert invoke(["-m", "echo", "first"]).exit_code == 0
    monkeypatch.setenv("LLM_BUSY_TIMEOUT", "0.2")
    holder = sqlite3.connect(
        str(user_path / "logs.db"), isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    # The lock goes away while the row runs: after the batch was spooled.
    mock_model.enqueue(lambda: holder.execute("ROLLBACK"), "answer")
    rows = tmp_path / "rows.txt"
    rows.write_text("one\n", encoding="utf-8")
    try:
        result = invoke(["batch", str(rows), "-m", "mock"])
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0, result.output
    assert "is locked by another process" in result.stderr
    assert invoke(["-m", "echo", "after"]).exit_code == 0
    assert pending(user_path) == []
    conn = sqlite3.connect(str(user_path / "logs.db"))
    [(status,)] = conn.execute("select status from batches").fetchall()
    [(row_status,)] = conn.execute("select status from batch_rows").fetchall()
    conn.close()
    assert (status, row_status) == ("done", "done")
