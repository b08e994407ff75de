"""Commands that only read the logs never create logs.db, and read one that is read-only.

Real subprocesses, so file permissions are the ones the operating system
applies; a file with no write bit counts as read-only even for root.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from tests.logs.original_dbs import SPEC_RESPONSES, build_spec_era

READING_COMMANDS = [
    ["fragments"],
    ["fragments", "--aliases"],
    ["fragments", "list", "--json"],
    ["schemas"],
    ["schemas", "list", "--json"],
    ["logs"],
    ["logs", "--json"],
    ["logs", "-r"],
]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_read_only(path) -> None:
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


@pytest.mark.parametrize("args", READING_COMMANDS, ids=" ".join)
def test_reading_commands_do_not_create_the_database(run_llm, user_path, args):
    result = run_llm(args)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr
    assert not (user_path / "logs.db").exists()
    assert sorted(p.name for p in user_path.iterdir()) == []


def test_first_llm_logs_says_there_are_none_yet(run_llm, user_path):
    result = run_llm(["logs"])
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "No logs yet\n"
    assert run_llm(["logs", "--json"]).stdout == "[]\n"
    # A -d path that does not exist is still an error that names it.
    missing = run_llm(["logs", "-d", str(user_path / "nope.db")])
    assert missing.returncode == 1
    assert "nope.db" in missing.stderr


def test_read_only_logs_can_be_read(run_llm, user_path):
    assert run_llm(["-m", "echo", "hello there"]).returncode == 0
    assert run_llm(["-m", "echo", "typed", "--schema", "name, age int"]).returncode == 0
    assert (
        run_llm(["fragments", "set", "notes", "-"], input="some notes").returncode == 0
    )
    logs = user_path / "logs.db"
    make_read_only(logs)
    before = digest(logs)

    records = json.loads(run_llm(["logs", "-n", "0", "--json"]).stdout)
    assert [r["prompt"] for r in records] == ["hello there", "typed"]
    listed = run_llm(["logs", "-n", "1"])
    assert listed.returncode == 0, listed.stderr
    assert "typed" in listed.stdout
    fragments = json.loads(run_llm(["fragments", "list", "--json"]).stdout)
    assert [f["aliases"] for f in fragments] == [["notes"]]
    assert run_llm(["fragments", "show", "notes"]).stdout == "some notes\n"
    schemas = json.loads(run_llm(["schemas", "list", "--json"]).stdout)
    assert [s["times_used"] for s in schemas] == [1]

    # Nothing was written, and no -wal or -shm file appeared beside it.
    assert digest(logs) == before
    assert sorted(p.name for p in user_path.iterdir()) == ["logs.db"]


def test_read_only_database_from_an_older_version(run_llm, user_path):
    """Its schema is behind: a private copy in memory is upgraded, the file is not."""
    logs = build_spec_era(user_path / "logs.db")
    make_read_only(logs)
    before = digest(logs)
    result = run_llm(["logs", "-n", "0", "--json"])
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == SPEC_RESPONSES
    assert run_llm(["schemas"]).returncode == 0
    assert digest(logs) == before
    assert sorted(p.name for p in user_path.iterdir()) == ["logs.db"]


def test_writing_to_a_read_only_database_is_still_refused(run_llm, user_path):
    assert run_llm(["-m", "echo", "first"]).returncode == 0
    make_read_only(user_path / "logs.db")
    result = run_llm(["fragments", "set", "x", "-"], input="text")
    assert result.returncode == 1
    assert "read-only" in result.stderr
