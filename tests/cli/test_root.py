"""The root group: default command, version, help, lazy built-ins and plugin commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_unknown_word_after_a_group_is_no_such_command(invoke):
    # The default command of these groups takes no arguments, so a stray word
    # is a mistyped command, not "unexpected extra argument" to the default.
    for group in ("render", "models", "keys", "aliases", "logs"):
        result = invoke([group, "bogus"])
        assert result.exit_code == 2, group
        assert f"{group} [OPTIONS] COMMAND [ARGS]..." in result.stderr
        assert "Error: No such command 'bogus'." in result.stderr
    # ... while a default command with an argument still takes it.
    assert invoke(["-m", "echo", "bogus"]).exit_code == 0
    assert invoke(["models", "--query", "echo"]).exit_code == 0


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


PLUGIN_COMMAND = """
@cli.command(name="{name}")
def {function}():
    "{help}"
"""


def _write_plugin(path: Path, names: list[str], header: str = "") -> None:
    """A plugin module adding one command per name (``llm install -e`` style source)."""
    body = "".join(
        PLUGIN_COMMAND.format(
            name=name, function=name.replace("-", "_"), help=f"Command {name}"
        ).replace("\n", "\n    ")
        for name in names
    )
    path.write_text(
        f"import llm\n{header}\n\n@llm.hookimpl\ndef register_commands(cli):\n"
        f"    pass{body}\n",
        encoding="utf-8",
    )


def _install_fake(site: Path, dist: str, entry_point: str) -> None:
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[llm]\n{dist} = {entry_point}\n", encoding="utf-8"
    )


def _help_with(site: Path, subprocess_env) -> tuple[str, bool]:
    """(``llm --help`` output, whether the plugin module was imported)."""
    env = dict(subprocess_env)
    env["PYTHONPATH"] = os.pathsep.join([str(site), env["PYTHONPATH"]])
    result = subprocess.run(
        [sys.executable, "-c", HELP_PROBE.replace("llm_test_plugin", "llm_edited")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    *lines, marker = result.stdout.strip().splitlines()
    return "\n".join(lines), marker == "LOADED"


def test_help_cache_notices_edited_plugin_module(tmp_path, subprocess_env):
    """Editing an editable-installed plugin, with no new version, refreshes the cache."""
    site = tmp_path / "site"
    site.mkdir()
    _install_fake(site, "llm_edited", "llm_edited")
    module = site / "llm_edited.py"
    _write_plugin(module, ["edited-one"])
    text, loaded = _help_with(site, subprocess_env)
    assert loaded and "edited-one" in text and "edited-two" not in text
    assert _help_with(site, subprocess_env) == (text, False)
    _write_plugin(module, ["edited-one", "edited-two"])
    text, loaded = _help_with(site, subprocess_env)
    assert loaded, "the stale cache was used"
    assert "edited-two" in text and "Command edited-two" in text
    # The refreshed cache is used again.
    assert _help_with(site, subprocess_env) == (text, False)


def test_help_cache_notices_edited_module_beside_the_entry_point(
    tmp_path, subprocess_env
):
    """A plugin package's entry point module imports its commands from a sibling."""
    site = tmp_path / "site"
    package = site / "llm_edited"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "plugin.py").write_text(
        "from .commands import register_commands  # noqa: F401\n", encoding="utf-8"
    )
    _install_fake(site, "llm_edited", "llm_edited.plugin")
    _write_plugin(package / "commands.py", ["edited-one"])
    first, _ = _help_with(site, subprocess_env)
    assert "edited-one" in first
    assert _help_with(site, subprocess_env) == (first, False)
    # Same size, only the modification time differs: still a change.
    source = (package / "commands.py").read_text(encoding="utf-8")
    (package / "commands.py").write_text(
        source.replace("edited-one", "edited-uno"), encoding="utf-8"
    )
    stat = (package / "commands.py").stat()
    os.utime(package / "commands.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    text, loaded = _help_with(site, subprocess_env)
    assert loaded and "edited-uno" in text and "edited-one" not in text


def test_group_class():
    from llm.cli import cli

    assert isinstance(cli, LLMGroup)
    assert cli.default_command_name == "prompt"


def test_plugin_command_runs(invoke):
    result = invoke(["test-plugin-hello", "Ada"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello, Ada!\n"


def test_compatibility_names_importable_from_llm_cli(invoke, mock_model):
    from llm.cli import (  # noqa: F401
        Template,
        get_default_model,
        get_key,
        load_conversation,
        load_template,
        logs_db_path,
        set_default_model,
    )

    assert get_default_model() == "gpt-4o-mini"
    assert load_conversation(None) is None
    mock_model.enqueue("answer")
    invoke(["-m", "mock", "question"])
    conversation = load_conversation(None)
    assert conversation.responses[0].prompt.prompt == "question"


def test_plugins_can_read_builtin_commands_while_registering():
    """llm-anthropic does ``cli.commands["prompt"]`` in register_commands."""
    import click

    from llm.cli.root import LLMGroup

    group = LLMGroup(name="probe")
    assert "prompt" not in group.commands  # still loaded lazily
    prompt = group.commands["prompt"]
    assert isinstance(prompt, click.Command)
    assert any(p.name == "model_id" or "--model" in p.opts for p in prompt.params)
    try:
        group.commands["no-such-command"]
    except KeyError:
        pass
    else:
        raise AssertionError("expected KeyError")
