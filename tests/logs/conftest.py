"""Fixtures for the logs tests: a migrated database and a runner for ``llm logs``."""

from __future__ import annotations

import pytest


@pytest.fixture
def logs_db(user_path):
    """The default logs database (``logs.db`` in the isolated user directory)."""
    from llm.logs import open_logs_db

    db = open_logs_db()
    yield db
    db.conn.close()


@pytest.fixture
def run_logs():
    """Invoke the ``llm logs`` group; returns the click Result.

    Skips when llm-cli is not installed (tox runs llm-logs on its own).
    """
    module = pytest.importorskip("llm.cli.commands.logs")
    logs = module.logs

    from click.testing import CliRunner

    def run(*args, input=None):
        return CliRunner().invoke(logs, list(args), input=input)

    return run
