"""The default plugin: cheap to import, registers the commands, works inside ``llm``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from llm.plugins import get_plugins, pm

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"embed", "embed-multi", "similar", "embed-models", "collections"}


def test_plugin_import_is_cheap(subprocess_env):
    code = (
        "import sys, llm.embeddings.plugin, llm.embeddings\n"
        "heavy = ['numpy', 'sqlite_utils', 'click', 'llm.embeddings.collection']\n"
        "print([name for name in heavy if name in sys.modules])"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "[]"


def test_registered_as_a_default_plugin():
    names = {plugin["name"] for plugin in get_plugins(all=True)}
    assert "llm.embeddings.plugin" in names
    assert "llm.embeddings.plugin" not in {plugin["name"] for plugin in get_plugins()}


def test_register_commands_hook_adds_the_commands():
    group = click.Group()
    pm.hook.register_commands(cli=group)
    assert COMMANDS <= set(group.commands)


def test_public_names():
    import llm.embeddings

    assert llm.Collection is llm.embeddings.Collection
    assert set(llm.embeddings.__all__) >= {"Collection", "Entry", "open_embeddings_db"}
    with pytest.raises(AttributeError):
        llm.embeddings.nothing_here  # noqa: B018


def llm_cli():
    try:
        from llm.cli import cli
    except ImportError:
        pytest.skip("llm-cli is not installed")
    return cli


def test_commands_through_the_llm_cli(tmp_path):
    from click.testing import CliRunner

    cli = llm_cli()
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["embed", "phrases", "hound", "-m", "demo", "-c", "my happy hound", "--store"],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["similar", "phrases", "-c", "my happy hound"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "hound"
    result = runner.invoke(cli, ["collections"])
    assert result.stdout == "phrases: embed-demo\n  1 embedding, 107B\n"
    result = runner.invoke(cli, ["similar", "nope", "-c", "x"])
    assert result.exit_code == 1
    assert "Error: Collection 'nope' does not exist" in result.stderr
    help_text = runner.invoke(cli, ["--help"]).stdout
    for command in COMMANDS:
        assert command in help_text


def test_llm_similar_as_a_process(subprocess_env, tmp_path):
    llm_cli()
    data = tmp_path / "data.csv"
    data.write_text("id,content\none,first thing\ntwo,second thing\n")

    def llm_command(
        *args: str, input: str | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "llm", *args],
            env=subprocess_env,
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
        )

    completed = llm_command("embed-multi", "items", str(data), "-m", "demo", "--store")
    assert completed.returncode == 0, completed.stderr
    completed = llm_command("similar", "items", "one", "-p")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("two (")
    completed = llm_command(
        "similar", "items", "-c", "x", "-d", str(tmp_path / "none.db")
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: No embeddings database found")
    assert "Traceback" not in completed.stderr


def test_benchmark_quick_mode(subprocess_env):
    script = ROOT / "bench" / "embeddings_bench.py"
    completed = subprocess.run(
        [sys.executable, str(script), "--quick"],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    assert "2,000 items, 384 dimensions" in output
    for label in (
        "Python API: embed_multi (new collection)",
        "Python API: first similar() (builds the matrix)",
        "Python API: similar_by_vector() (query only)",
        "CLI: embed-multi 2,000 CSV rows",
        "CLI: similar -c (in-process)",
    ):
        assert label in output
