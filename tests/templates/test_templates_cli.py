"""The ``llm templates`` commands, invoked through Click's CliRunner."""

from __future__ import annotations

import pytest
import yaml

pytest.importorskip("llm.cli", reason="needs llm-cli")
from llm.cli.commands.templates import templates  # noqa: E402


def _write(templates_dir, name, text):
    (templates_dir / f"{name}.yaml").write_text(text, encoding="utf-8")


def test_list_is_the_default_and_aligned(runner, templates_dir):
    _write(templates_dir, "cmd", "system: reply with macos terminal commands only\n")
    _write(
        templates_dir,
        "glados",
        "system: You are GlaDOS\nprompt: |\n  Summarize this:\n  $input\n",
    )
    _write(templates_dir, "x", "Just a prompt $input")
    _write(templates_dir, "dog", "schema_object:\n  type: object\nmodel: echo\n")
    expected = (
        "cmd    : system: reply with macos terminal commands only\n"
        "dog    : (model, schema_object)\n"
        "glados : system: You are GlaDOS prompt: Summarize this: $input\n"
        "x      : Just a prompt $input\n"
    )
    for args in ([], ["list"]):
        result = runner.invoke(templates, args)
        assert result.exit_code == 0, result.output
        assert result.output == expected


@pytest.mark.parametrize("columns", ["80", "40"])
def test_list_truncates_to_terminal_width(runner, templates_dir, monkeypatch, columns):
    # Each line fills the width exactly, as the original's does.
    monkeypatch.setenv("COLUMNS", columns)
    digits = "0123456789" * 10
    _write(templates_dir, "n", f"prompt: {digits}")
    _write(templates_dir, "nb", f"system: {digits}\nprompt: {digits}")
    _write(templates_dir, "nc", f"prompt: {digits[:45]}")
    result = runner.invoke(templates, ["list"])
    width = int(columns)
    assert result.output.splitlines() == [
        ("n  : " + digits)[: width - 3] + "...",
        ("nb : system: " + digits)[: width - 3] + "...",
        "nc : " + digits[:45]
        if width > 50
        else ("nc : " + digits)[: width - 3] + "...",
    ]


def test_list_with_no_templates_prints_nothing(runner, templates_dir):
    result = runner.invoke(templates, ["list"])
    assert (result.exit_code, result.output) == (0, "")


def test_list_shows_broken_templates_without_failing(runner, templates_dir):
    _write(templates_dir, "good", "prompt: fine")
    _write(templates_dir, "broken", "prompt: [oops")
    result = runner.invoke(templates, ["list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("broken : (error: this template is not valid YAML")
    assert lines[1] == "good   : fine"


def test_show(runner, templates_dir):
    _write(
        templates_dir,
        "wild-french",
        "system: Speak in French\noptions:\n  temperature: 1.8\n",
    )
    result = runner.invoke(templates, ["show", "wild-french"])
    assert result.exit_code == 0
    assert yaml.safe_load(result.output) == {
        "name": "wild-french",
        "system": "Speak in French",
        "options": {"temperature": 1.8},
    }


def test_show_loader_template(runner, loader_plugin):
    result = runner.invoke(templates, ["show", "demo:code"])
    assert result.exit_code == 0
    assert "def boom()" in result.output


def test_show_errors(runner, templates_dir):
    result = runner.invoke(templates, ["show", "missing"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid template: missing (")
    _write(templates_dir, "typo", "promt: hi")
    result = runner.invoke(templates, ["show", "typo"])
    assert result.exit_code == 1
    assert "Error: Template 'typo'" in result.output
    assert "unknown key: promt" in result.output
    assert "Traceback" not in result.output


def test_path(runner, user_path):
    result = runner.invoke(templates, ["path"])
    assert result.exit_code == 0
    assert result.output == f"{user_path / 'templates'}\n"
    assert (user_path / "templates").is_dir()


def test_loaders(runner, loader_plugin):
    result = runner.invoke(templates, ["loaders"])
    assert result.exit_code == 0
    assert result.output == (
        "demo:\n"
        "  Load a built-in demo template.\n"
        "\n"
        "  Names: summarize, french, broken, code\n"
        "\n"
        "raw:\n"
        "  (no description)\n"
    )


def test_loaders_when_none(runner):
    result = runner.invoke(templates, ["loaders"])
    assert result.exit_code == 0
    assert result.stdout == "No template loaders found\n" and result.stderr == ""


def test_edit_creates_new_template(runner, templates_dir, editor):
    log = editor("system: Summarize this\n")
    result = runner.invoke(templates, ["edit", "summarize"])
    assert result.exit_code == 0, result.output
    assert "prompt:" in log.read_text()  # the editor was shown a starter file
    assert (templates_dir / "summarize.yaml").read_text() == "system: Summarize this\n"
    listed = runner.invoke(templates, ["list"])
    assert listed.output == "summarize : system: Summarize this\n"


def test_edit_existing_template_shows_its_text(runner, templates_dir, editor):
    _write(templates_dir, "t", "# my notes\nprompt: old\n")
    log = editor("# my notes\nprompt: new\n")
    result = runner.invoke(templates, ["edit", "t"])
    assert result.exit_code == 0
    assert log.read_text() == "# my notes\nprompt: old\n"
    assert (templates_dir / "t.yaml").read_text() == "# my notes\nprompt: new\n"


def test_edit_without_changes_does_not_leave_a_new_file(runner, templates_dir, editor):
    editor(None)
    result = runner.invoke(templates, ["edit", "never"])
    assert result.exit_code == 0
    assert "not created" in result.output
    assert not (templates_dir / "never.yaml").exists()


def test_edit_reports_invalid_yaml_and_keeps_the_text(runner, templates_dir, editor):
    editor("prompt: [unclosed\n")
    result = runner.invoke(templates, ["edit", "oops"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Template 'oops'")
    assert "not valid YAML" in result.output
    assert "llm templates edit oops" in result.output
    assert (templates_dir / "oops.yaml").read_text() == "prompt: [unclosed\n"


def test_edit_reports_unknown_keys(runner, templates_dir, editor):
    editor("sytem: hello\n")
    result = runner.invoke(templates, ["edit", "keys"])
    assert result.exit_code == 1
    assert "unknown key: sytem" in result.output
    assert (templates_dir / "keys.yaml").read_text() == "sytem: hello\n"


def test_edit_rejects_bad_names(runner, templates_dir, editor, tmp_path):
    editor("prompt: pwned\n")
    result = runner.invoke(templates, ["edit", "../outside"])
    assert result.exit_code == 1
    assert "Error: Invalid template name '../outside'" in result.output
    assert not (templates_dir.parent / "outside.yaml").exists()


def test_help_lists_list_as_default(runner):
    result = runner.invoke(templates, ["--help"])
    assert result.exit_code == 0
    assert "Manage stored prompt templates" in result.output
    assert "list*    List available prompt templates" in result.output
    assert "edit     Edit the specified prompt template using the default $EDITOR" in (
        result.output
    )


def test_list_skips_hidden_files_and_copes_with_odd_names(runner, templates_dir):
    _write(templates_dir, ".sync-conflict", "prompt: hidden")
    _write(templates_dir, "odd:name", "prompt: [broken")
    result = runner.invoke(templates, ["list"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("odd:name : (error: this template is not valid")
    assert "hidden" not in result.output
