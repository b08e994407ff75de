"""The root group: default command, version, help, lazy built-ins and plugin commands."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import llm
from llm.cli import plugin_cache
from llm.cli.root import BUILTIN_COMMANDS, LLMGroup
from llm.plugins import pm


class HelloPlugin:
    @llm.hookimpl
    def register_commands(self, cli):
        @cli.command(name="hello-world")
        @click.argument("who", default="world")
        def hello_world(who):
            "Say hello to someone"
            click.echo(f"Hello {who}!")


def test_version(invoke):
    result = invoke(["--version"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"llm, version {llm.versions.llm_version()}"
    assert any(line.strip().startswith("llm-core ") for line in lines[1:])
    assert any(line.strip().startswith("llm-cli ") for line in lines[1:])


def test_default_command_is_prompt(invoke):
    explicit = invoke(["prompt", "-m", "echo", "hello"])
    implicit = invoke(["-m", "echo", "hello"])
    bare_word = invoke(["hello", "-m", "echo"])
    assert explicit.exit_code == implicit.exit_code == bare_word.exit_code == 0
    for result in (explicit, implicit, bare_word):
        assert json.loads(result.stdout)["prompt"] == "hello"


def test_no_arguments_runs_prompt_with_stdin(invoke):
    result = invoke(["-m", "echo"], input="from stdin")
    assert json.loads(result.stdout)["prompt"] == "from stdin"
    llm.set_default_model("echo")
    result = invoke([], input="piped only")
    assert json.loads(result.stdout)["prompt"] == "piped only"


def test_help_lists_commands_with_default_marked(invoke):
    for args in (["--help"], ["-h"]):
        result = invoke(args)
        assert result.exit_code == 0
        commands = result.stdout.split("Commands:")[1]
        names = [line.split()[0] for line in commands.strip().splitlines()]
        assert names[0] == "prompt*"
        for name in ("chat", "models", "keys", "aliases", "plugins", "install"):
            assert name in names
        assert names[1:] == sorted(names[1:])


def test_subgroup_default_commands(invoke):
    assert invoke(["models"]).stdout == invoke(["models", "list"]).stdout
    assert invoke(["keys"]).exit_code == 0
    result = invoke(["models", "-q", "echo"])
    assert result.stdout.strip() == "EchoModel: echo"


def test_plugin_commands_appear_in_help_and_run(invoke):
    pm.register(HelloPlugin(), name="hello-plugin")
    try:
        help_text = invoke(["--help"]).stdout
        assert "hello-world" in help_text
        assert "Say hello to someone" in help_text
        result = invoke(["hello-world", "there"])
        assert result.stdout == "Hello there!\n"
    finally:
        pm.unregister(name="hello-plugin")
    # Unregistered plugins' commands go away again.
    assert "hello-world" not in invoke(["--help"]).stdout
    result = invoke(["hello-world", "-m", "echo"])
    assert json.loads(result.stdout)["prompt"] == "hello-world"


def test_missing_command_module_is_absent(invoke, monkeypatch):
    monkeypatch.setitem(BUILTIN_COMMANDS, "ghost", ("no_such_module", "ghost"))
    from llm.cli import cli

    cli._builtins.pop("ghost", None)
    help_text = invoke(["--help"]).stdout
    assert "ghost" not in help_text
    # Unknown words are prompts.
    result = invoke(["ghost", "-m", "echo"])
    assert json.loads(result.stdout)["prompt"] == "ghost"


def test_plugin_command_cache(user_path, monkeypatch):
    key = plugin_cache.fingerprint()
    assert plugin_cache.load(key) is None
    plugin_cache.save(key, [("embed", "Embed things")])
    assert plugin_cache.load(key) == [("embed", "Embed things")]
    # LLM_LOAD_PLUGINS is part of the fingerprint.
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "")
    assert plugin_cache.fingerprint() != key
    monkeypatch.delenv("LLM_LOAD_PLUGINS")
    assert plugin_cache.fingerprint() == key
    # A corrupt cache file is ignored.
    (user_path / plugin_cache.CACHE_FILENAME).write_text("{not json")
    assert plugin_cache.load(key) is None
    plugin_cache.save(key, [("x", "y")])
    assert plugin_cache.load(key) == [("x", "y")]


HELP_PROBE = (
    "import sys\n"
    "sys.argv = ['llm', '--help']\n"
    "from llm.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('LOADED' if 'llm_test_plugin' in sys.modules else 'NOT-LOADED')\n"
)


def test_help_uses_cache_without_loading_plugins(subprocess_env):
    """A current cache answers ``llm --help``; a missing one is built by loading plugins."""

    def run():
        return subprocess.run(
            [sys.executable, "-c", HELP_PROBE],
            capture_output=True,
            text=True,
            env=subprocess_env,
            timeout=60,
            check=True,
        )

    cold = run()
    assert "test-plugin-hello" in cold.stdout
    assert cold.stdout.strip().splitlines()[-1] == "LOADED"
    warm = run()
    assert "test-plugin-hello" in warm.stdout
    assert warm.stdout.strip().splitlines()[-1] == "NOT-LOADED"
    # A different plugin selection is a different fingerprint: rebuilt.
    subprocess_env["LLM_LOAD_PLUGINS"] = "llm-test-plugin"
    assert run().stdout.strip().splitlines()[-1] == "LOADED"


def test_group_class():
    from llm.cli import cli

    assert isinstance(cli, LLMGroup)
    assert cli.default_command_name == "prompt"


def test_plugin_command_runs(invoke):
    result = invoke(["test-plugin-hello", "Ada"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello, Ada!\n"
