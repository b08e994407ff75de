"""Stopping a streamed response from outside: a closed output pipe, SIGTERM, SIGHUP.

Each one stops like Ctrl-C: no traceback, what arrived is logged marked as
interrupted, and the exit status is 128 + the signal number.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import pytest

from .test_startup import read_until, scripted

CHUNKS = [f"chunk{i} " for i in range(50)]
SLOW = ["-m", "mock", "tell me a long story", "-o", "delay", "0.2"]


def logged(user_path) -> list[tuple[str, str, str | None]]:
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        return conn.execute(
            "select r.prompt, r.response, x.status from responses r "
            "left join response_extras x on x.response_id = r.id order by r.id"
        ).fetchall()
    finally:
        conn.close()


def test_reader_closing_early_keeps_what_arrived(subprocess_env, user_path):
    with scripted(
        subprocess_env, CHUNKS, SLOW, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        read_until(process.stdout, "chunk1 ")
        process.stdout.close()  # like `| head -1` exiting
        stderr = process.stderr.read()
        process.wait(timeout=30)
    assert process.returncode == 128 + signal.SIGPIPE
    assert stderr == b""
    [(prompt, response, status)] = logged(user_path)
    assert prompt == "tell me a long story"
    assert response.startswith("chunk0 chunk1 ")
    assert "chunk49" not in response
    assert status == "interrupted"


def test_pipe_closed_before_any_output(subprocess_env, user_path):
    """``llm -m echo 'pipe test' | head -1`` when head is already gone."""
    with subprocess.Popen(
        [sys.executable, "-m", "llm", "-m", "echo", "pipe test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env,
    ) as process:
        process.stdout.close()
        stderr = process.stderr.read()
        process.wait(timeout=60)
    assert process.returncode == 141
    assert b"Traceback" not in stderr
    assert stderr == b""
    [(prompt, response, status)] = logged(user_path)
    assert prompt == "pipe test"
    assert response.startswith('{\n  "prompt": "pipe test"')
    assert status == "interrupted"


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_stop_signal_logs_what_arrived(subprocess_env, user_path, name):
    number = getattr(signal, name)
    with scripted(
        subprocess_env, CHUNKS, SLOW, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        read_until(process.stdout, "chunk1 ")
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + number
    assert b"Traceback" not in stderr
    assert b"chunk49" not in stdout
    [(_, response, status)] = logged(user_path)
    assert response.startswith("chunk0 chunk1 ")
    assert "chunk49" not in response
    assert status == "interrupted"


def test_ignored_sighup_stays_ignored(subprocess_env, user_path):
    """Under ``nohup`` (SIGHUP ignored) a hang-up does not stop the response."""
    chunks = [f"part{i} " for i in range(6)]

    def ignore_hangups() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    with scripted(
        subprocess_env,
        chunks,
        ["-m", "mock", "keep going", "-o", "delay", "0.05"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=ignore_hangups,
    ) as process:
        read_until(process.stdout, "part1 ")
        process.send_signal(signal.SIGHUP)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert stdout.decode().endswith("part5 \n")
    [(_, response, status)] = logged(user_path)
    assert response == "".join(chunks)
    assert status is None
