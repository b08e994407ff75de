"""Commands close the logs database they open when they finish (no leaked connections)."""

from __future__ import annotations

import gc
import sqlite3
import sys
import warnings

import click
import pytest
from click.testing import CliRunner

from llm.cli.inputs import LogsDB, open_command_logs_db


def _closed(db) -> bool:
    try:
        db.execute("select 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def test_logs_db_closes_when_the_command_finishes(logs_path):
    opened = []

    @click.command()
    def command():
        logs = LogsDB()
        db = logs.get()
        assert logs.get() is db  # opened once, then reused
        db.execute("select count(*) from responses")
        opened.append(db)

    result = CliRunner().invoke(command, catch_exceptions=False)
    assert result.exit_code == 0
    [db] = opened
    assert db.path == logs_path
    assert _closed(db)


def test_logs_db_closes_when_the_command_fails(tmp_path):
    opened = []

    @click.command()
    def command():
        opened.append(LogsDB(str(tmp_path / "other.db")).get())
        raise click.ClickException("no luck")

    result = CliRunner().invoke(command)
    assert result.exit_code == 1
    assert "Error: no luck" in result.output
    assert _closed(opened[0])


def test_logs_db_close_and_reopen(tmp_path):
    logs = LogsDB(str(tmp_path / "logs.db"))
    logs.close()  # nothing opened yet: nothing to do
    first = logs.get()
    logs.close()
    assert _closed(first)
    second = logs.get()
    assert second is not first
    assert second.execute("select count(*) from responses").fetchone() == (0,)
    logs.close()


def test_open_command_logs_db_closes_with_the_command(tmp_path):
    opened = []

    @click.command()
    def command():
        opened.append(open_command_logs_db(str(tmp_path / "logs.db")))

    assert CliRunner().invoke(command, catch_exceptions=False).exit_code == 0
    assert _closed(opened[0])


def test_outside_a_command_the_caller_closes(tmp_path):
    db = open_command_logs_db(str(tmp_path / "logs.db"))
    assert not _closed(db)
    db.close()
    assert _closed(db)


@pytest.mark.skipif(
    sys.version_info < (3, 13),
    reason="sqlite3 warns about unclosed connections from Python 3.13",
)
@pytest.mark.parametrize(
    "args",
    [
        ["-m", "echo", "hi"],
        ["-m", "echo", "hi", "--no-log", "--json"],
        ["-m", "echo", "again", "-c"],
        ["chat", "-m", "echo"],
        ["logs", "-n", "1"],
        ["logs", "status"],
        ["fragments", "list"],
        ["schemas", "list"],
    ],
)
def test_commands_leave_no_connection_open(invoke, args):
    assert invoke(["-m", "echo", "first"]).exit_code == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert invoke(args, input="hello\nquit\n").exit_code == 0
        gc.collect()
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
