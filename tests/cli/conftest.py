"""Fixtures for the CLI tests: a runner, the logs database, subprocess helpers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
HELP_MD = Path("/work/shared/reference/llm-0.32-docs/help.md")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    """Run the llm CLI in-process: ``invoke(["-m", "echo", "hi"], input="...")``."""
    from llm.cli import cli

    def run(args: list[str], input: Any = None, **kwargs: Any):
        return runner.invoke(cli, args, input=input, catch_exceptions=False, **kwargs)

    return run


@pytest.fixture
def logs_path(user_path) -> Path:
    return user_path / "logs.db"


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[dict]:
    """Query a SQLite file and return dicts."""
    conn = sqlite3.connect(str(db_path))
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def logged_responses(db_path: Path) -> list[dict]:
    return rows(db_path, "select * from responses order by id")


def echo_output(text: str) -> dict:
    """Parse what the echo model replied (the JSON description of its input)."""
    return json.loads(text)


@pytest.fixture
def run_llm(subprocess_env):
    """Run ``python -m llm`` in a real subprocess with the test plugin installed."""

    def run(args: list[str], input: Any = None, env: dict | None = None, **kwargs):
        full_env = dict(subprocess_env)
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "llm", *args],
            input=input,
            capture_output=True,
            text=isinstance(input, str) or input is None,
            env=full_env,
            timeout=60,
            **kwargs,
        )

    return run
