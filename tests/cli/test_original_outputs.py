"""Messages and listings written exactly as the original LLM writes them.

Each expected text here was taken from llm 0.36 run on an empty user directory:
same words, same stream (stdout or stderr), same exit code.
"""

from __future__ import annotations

import click
import pytest


def _outcome(result):
    return result.exit_code, result.stdout, result.stderr


def test_keys_list_without_keys(invoke, user_path):
    assert _outcome(invoke(["keys", "list"])) == (0, "No keys found\n", "")
    (user_path / "keys.json").write_text('{"// Note": "Secret API keys"}')
    assert _outcome(invoke(["keys", "list"])) == (0, "", "")


def test_loaders_when_none_are_installed(invoke):
    assert _outcome(invoke(["fragments", "loaders"])) == (
        0,
        "No fragment loaders found\n",
        "",
    )
    assert _outcome(invoke(["templates", "loaders"])) == (
        0,
        "No template loaders found\n",
        "",
    )


def test_missing_fragment(invoke):
    assert _outcome(invoke(["fragments", "show", "missing"])) == (
        1,
        "",
        "Error: Fragment 'missing' not found\n",
    )


def test_tools_listing_ends_with_a_blank_line(invoke):
    out = invoke(["tools", "list"]).stdout
    assert out.startswith(
        "llm_time() -> dict (plugin: llm.default_plugins.default_tools)\n"
        "\n"
        "  Returns the current time, as local time and UTC\n"
        "\n"
        "llm_version() -> str (plugin: llm.default_plugins.default_tools)\n"
        "\n"
        "  Return the installed version of llm\n"
        "\n"
    )
    assert out.endswith("\n\n")


def _commands(group, path=()):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_usage_error_points_at_help(invoke):
    """Click's "Try 'llm X --help' for help." line follows every usage error."""
    from llm.cli import cli

    for path in _commands(cli):
        result = invoke([*path, "--no-such-option"])
        assert result.exit_code == 2, path
        # A group that runs its default command names that command.
        usage, hint = result.stderr.splitlines()[:2]
        command = usage.removeprefix("Usage: ").split(" [")[0]
        assert command.startswith(f"cli {' '.join(path)}"), (path, usage)
        assert hint == f"Try '{command} --help' for help.", (path, result.stderr)


@pytest.mark.parametrize("command", [["hi"], ["chat"]])
def test_unknown_conversation_id(invoke, command):
    assert _outcome(invoke([*command, "--cid", "missing"])) == (
        1,
        "",
        "Error: No conversation found with id=missing\n",
    )


def test_clearing_default_options(invoke):
    for key, value in (("temperature", "0.5"), ("max_tokens", "20")):
        assert invoke(["models", "options", "set", "mock", key, value]).exit_code == 0
    assert _outcome(invoke(["models", "options", "clear", "mock", "max_tokens"])) == (
        0,
        "Cleared option 'max_tokens' for model mock\n",
        "",
    )
    assert _outcome(invoke(["models", "options", "clear", "mock"])) == (
        0,
        "Cleared option 'temperature' for model mock\n",
        "",
    )
    for key, value in (("temperature", "0.5"), ("max_tokens", "20")):
        assert invoke(["models", "options", "set", "mock", key, value]).exit_code == 0
    assert _outcome(invoke(["models", "options", "clear", "mock"])) == (
        0,
        "Cleared temperature, max_tokens options for model mock\n",
        "",
    )


def test_template_show_ends_with_a_blank_line(invoke, user_path):
    templates = user_path / "templates"
    templates.mkdir()
    (templates / "nice.yaml").write_text("system: be nice\nmodel: gpt-4o\n")
    assert _outcome(invoke(["templates", "show", "nice"])) == (
        0,
        "model: gpt-4o\nname: nice\nsystem: be nice\n\n",
        "",
    )
