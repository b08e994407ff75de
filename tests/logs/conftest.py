"""Fixtures for the logs tests: a migrated database and a runner for ``llm logs``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner


@pytest.fixture
def logs_db(user_path):
    """The default logs database (``logs.db`` in the isolated user directory)."""
    from llm.logs import open_logs_db

    db = open_logs_db()
    yield db
    db.conn.close()


@pytest.fixture
def run_logs():
    """Invoke the ``llm logs`` group; returns the click Result."""
    from llm.cli.commands.logs import logs

    def run(*args, input=None):
        return CliRunner().invoke(logs, list(args), input=input)

    return run
