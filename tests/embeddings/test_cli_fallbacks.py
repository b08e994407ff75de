"""Without llm-cli the commands still work in any click group (stand-in group and errors)."""

from __future__ import annotations

import sys

import click
import pytest
from click.testing import CliRunner

import llm
from llm.embeddings import cli_support


def test_fallback_default_group(monkeypatch):
    monkeypatch.setitem(sys.modules, "llm.cli.groups", None)
    group_class = cli_support._find_default_group()
    assert group_class.__name__ == "FallbackDefaultGroup"

    @click.group(cls=group_class, default="list")
    def things():
        """Things"""

    @things.command(name="list")
    @click.option("--json", "json_", is_flag=True)
    def things_list(json_):
        """List things"""
        click.echo(f"list json={json_}")

    @things.command(name="add")
    def things_add():
        """Add a thing"""
        click.echo("add")

    runner = CliRunner()
    assert runner.invoke(things, []).output == "list json=False\n"
    assert runner.invoke(things, ["--json"]).output == "list json=True\n"
    assert runner.invoke(things, ["add"]).output == "add\n"
    help_text = runner.invoke(things, ["--help"]).output
    assert help_text.index("list*") < help_text.index("add")


def test_fallback_error_handling(monkeypatch):
    monkeypatch.setitem(sys.modules, "llm.cli.errors", None)

    @click.command()
    @click.argument("kind")
    def fail(kind):
        with cli_support.command_errors():
            if kind == "model":
                raise llm.UnknownModelError("Unknown model: x", "x")
            if kind == "value":
                raise ValueError("bad value")
            if kind == "sqlite":
                import sqlite3

                raise sqlite3.OperationalError("attempt to write a readonly database")
            raise RuntimeError("unexpected")

    runner = CliRunner()
    result = runner.invoke(fail, ["model"])
    assert (result.exit_code, result.stderr) == (1, "Error: Unknown model: x\n")
    assert runner.invoke(fail, ["value"]).stderr == "Error: bad value\n"
    result = runner.invoke(fail, ["sqlite"])
    assert result.exit_code == 1
    assert "Cannot write to the embeddings database" in result.stderr
    assert "it is read-only" in result.stderr
    # Unexpected exceptions are not disguised as user errors.
    result = runner.invoke(fail, ["other"])
    assert isinstance(result.exception, RuntimeError)
    monkeypatch.setenv("LLM_RAISE_ERRORS", "1")
    assert isinstance(runner.invoke(fail, ["value"]).exception, ValueError)


@pytest.mark.parametrize("module", ["llm.cli.errors", "llm.cli.groups"])
def test_llm_cli_pieces_are_used_when_present(module):
    pytest.importorskip(module)
    if module == "llm.cli.groups":
        from llm.cli.groups import DefaultGroup

        assert cli_support.DefaultGroup is DefaultGroup
    else:
        from llm.cli.errors import handle_errors

        assert cli_support._find_handle_errors() is handle_errors
