"""End to end: ``llm --save`` and ``llm -t`` through the root command, with the echo model."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("llm.cli", reason="needs llm-cli")
import yaml

from llm.cli import cli  # noqa: E402

FENCED = "Here you go:\n```python\nprint('hi')\n```\nand\n```js\nalert(1)\n```\n"


def run(runner, args, input=None):
    return runner.invoke(cli, [*args, "--no-log"], input=input)


def echoed(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_save_then_use_with_defaults_and_params(runner, templates_dir):
    result = runner.invoke(
        cli,
        [
            "--system",
            "Summarize in the voice of $voice",
            "-m",
            "echo",
            "-p",
            "voice",
            "GlaDOS",
            "-o",
            "temperature",
            "0.5",
            "--save",
            "voice",
        ],
    )
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load((templates_dir / "voice.yaml").read_text())
    assert saved["system"] == "Summarize in the voice of $voice"
    assert saved["model"] == "echo" and saved["defaults"] == {"voice": "GlaDOS"}
    assert saved["options"] == {"temperature": 0.5}  # typed, not the string "0.5"

    # System-only template: piped input becomes the prompt; the default fills $voice.
    data = echoed(run(runner, ["-t", "voice"], input="some text"))
    assert data["prompt"].strip() == "some text"
    assert data["system"] == "Summarize in the voice of GlaDOS"
    assert data["options"] == {"temperature": 0.5}

    # -p overrides the default, -o the saved option.
    data = echoed(
        run(
            runner,
            ["-t", "voice", "-p", "voice", "Yoda", "-o", "temperature", "1.5", "hi"],
        )
    )
    assert data["system"] == "Summarize in the voice of Yoda"
    assert data["options"] == {"temperature": 1.5}


def test_model_option_overrides_template_model(runner, templates_dir):
    (templates_dir / "t.yaml").write_text("model: mock\nprompt: 'Say: $input'\n")
    assert run(runner, ["-t", "t", "x"]).output.strip() == "no reply queued"
    data = echoed(run(runner, ["-t", "t", "-m", "echo", "x"]))
    assert data["prompt"] == "Say: x"


def test_prompt_without_input_variable_gets_input_appended(runner, templates_dir):
    (templates_dir / "sum.yaml").write_text("model: echo\nprompt: 'Summarize: '\n")
    # On a line of its own, as the original sends it.
    assert echoed(run(runner, ["-t", "sum", "the text"]))["prompt"] == (
        "Summarize: \nthe text"
    )


def test_literal_dollars(runner, templates_dir):
    result = runner.invoke(
        cli, ["--system", "Cost in $$ of: $input", "-m", "echo", "--save", "cost"]
    )
    assert result.exit_code == 0
    assert echoed(run(runner, ["-t", "cost", "a boat"]))["system"] == (
        "Cost in $ of: a boat"
    )


def test_missing_parameter_is_an_error(runner, templates_dir):
    (templates_dir / "recipe.yaml").write_text(
        "model: echo\nprompt: Recipe with $ingredients from $country\n"
    )
    result = run(runner, ["-t", "recipe", "-p", "ingredients", "eggs"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: Missing variables: country (pass -p country VALUE, or set "
        "defaults: in the template)\n"
    )
    data = echoed(
        run(
            runner,
            ["-t", "recipe", "-p", "ingredients", "eggs", "-p", "country", "Peru"],
        )
    )
    assert data["prompt"] == "Recipe with eggs from Peru"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nope", "Error: Invalid template: nope ("),
        ("zz:thing", "Error: Unknown template loader prefix 'zz'"),
        ("missing/file.yaml", "Error: Template file not found: missing/file.yaml"),
    ],
)
def test_template_not_found_errors(runner, templates_dir, spec, message):
    result = run(runner, ["-t", spec, "hi"])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_invalid_template_file_error(runner, templates_dir):
    (templates_dir / "bad.yaml").write_text("prompt: hi\nmodle: echo\n")
    result = run(runner, ["-t", "bad", "hi"])
    assert result.exit_code == 1
    assert "Error: Template 'bad'" in result.output
    assert "unknown key: modle" in result.output


def test_template_from_path(runner, tmp_path):
    path = tmp_path / "steampunk.yaml"
    path.write_text("model: echo\nsystem: steampunk\nprompt: 'Tell: $input'\n")
    data = echoed(run(runner, ["-t", str(path), "a story"]))
    assert (data["prompt"], data["system"]) == ("Tell: a story", "steampunk")


def test_template_from_url(runner, web_server):
    base, pages = web_server
    pages["/t.yaml"] = (200, b"model: echo\nprompt: 'Remote: $input'\n")
    assert echoed(run(runner, ["-t", f"{base}/t.yaml", "hello"]))["prompt"] == (
        "Remote: hello"
    )


IGNORED_FUNCTIONS = (
    "Warning: the functions: of template {spec!r} were not loaded, because it "
    "came from a URL or a plugin loader (save a local copy to use them)\n"
)


def test_url_template_with_functions_runs_without_them(runner, web_server):
    base, pages = web_server
    pages["/code.yaml"] = (
        200,
        b"model: echo\nprompt: 'Shout: $input'\nfunctions: |\n"
        b"  def shout(s: str) -> str:\n      return s.upper()\n",
    )
    url = f"{base}/code.yaml"
    result = run(runner, ["-t", url, "hi", "-T", "llm_version"])
    data = echoed(result)
    assert data["prompt"] == "Shout: hi"
    # The template's own tools would be there; its functions are not.
    assert data["tools"] == ["llm_version"]
    assert result.stderr == IGNORED_FUNCTIONS.format(spec=url)


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "options:\n  temperature: hot\n",
            "Error: Template 'bad', options: temperature: Input should be a valid number",
        ),
        (
            "functions: |\n  def broken(:\n",
            "Error: Template 'bad', functions: syntax error in the code: invalid syntax",
        ),
        (
            "functions: |\n  raise RuntimeError('boom')\n",
            "Error: Template 'bad', functions: the code failed to run: "
            "RuntimeError: boom",
        ),
        (
            "fragments:\n- no-such-fragment\n",
            "Error: Template 'bad', fragments: Fragment 'no-such-fragment' not found",
        ),
        (
            "system_fragments:\n- no-such-fragment\n",
            "Error: Template 'bad', system_fragments: Fragment 'no-such-fragment'",
        ),
        ("tools:\n- no_such_tool\n", "Error: Template 'bad', tools: Unknown tool"),
        ("model: no-such-model\n", "Error: Template 'bad', model: Unknown model"),
    ],
)
def test_errors_in_template_contents_name_the_template(
    runner, templates_dir, body, message
):
    model = "" if body.startswith("model:") else "model: echo\n"
    (templates_dir / "bad.yaml").write_text(f"{model}prompt: hi\n{body}")
    for args in (["-t", "bad"], ["chat", "-t", "bad"]):
        result = runner.invoke(cli, args, input="quit\n")
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(message), result.stderr
        assert "Traceback" not in result.output


def test_option_errors_blame_the_template_only_when_it_set_the_value(
    runner, templates_dir
):
    (templates_dir / "hot.yaml").write_text(
        "model: echo\nprompt: hi\noptions:\n  temperature: hot\n"
    )
    # -o replaces the template's bad value: it runs.
    result = run(runner, ["-t", "hot", "-o", "temperature", "0.5"])
    assert echoed(result)["options"] == {"temperature": 0.5}
    # A bad value typed on the command line is the command line's mistake.
    (templates_dir / "fine.yaml").write_text("model: echo\nprompt: hi\n")
    result = run(runner, ["-t", "fine", "-o", "temperature", "cold"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: temperature: Input should be")


def test_url_template_errors_name_the_url(runner, web_server):
    base, pages = web_server
    pages["/frag.yaml"] = (
        200,
        f"model: echo\nprompt: hi\nfragments: [{base}/nope.txt]\n".encode(),
    )
    result = run(runner, ["-t", f"{base}/frag.yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Template '{base}/frag.yaml', fragments: ")
    assert "nope.txt" in result.stderr


def test_local_template_functions_become_tools(runner, templates_dir):
    (templates_dir / "fn.yaml").write_text(
        "model: echo\nprompt: hi\nfunctions: |\n  def shout(s: str) -> str:\n"
        "      return s.upper()\n"
    )
    result = run(runner, ["-t", "fn"])
    assert echoed(result)["tools"] == ["shout"]
    assert result.stderr == ""


def test_loader_plugin_template(runner, loader_plugin):
    data = echoed(run(runner, ["-t", "demo:summarize"], input="text to summarize"))
    assert data["system"] == "Summarize this"
    assert data["prompt"].strip() == "text to summarize"
    result = run(runner, ["-t", "demo:unknown", "x"])
    assert result.exit_code == 1
    assert "Error: Could not load template 'demo:unknown'" in result.output
    result = run(runner, ["-t", "demo:code", "-m", "echo"])
    data = echoed(result)
    assert (data["prompt"], data.get("tools", [])) == ("hi", [])
    assert result.stderr == IGNORED_FUNCTIONS.format(spec="demo:code")


def test_schema_extract_attachments_and_fragments(runner, templates_dir, tmp_path):
    image = tmp_path / "pic.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    notes = tmp_path / "notes.txt"
    notes.write_text("fragment text")
    (templates_dir / "rich.yaml").write_text(
        yaml.safe_dump(
            {
                "model": "echo",
                "prompt": "Describe",
                "schema_object": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                },
                "attachments": [str(image)],
                "fragments": [str(notes)],
            }
        )
    )
    data = echoed(run(runner, ["-t", "rich"]))
    assert data["schema"]["properties"] == {"name": {"type": "string"}}
    assert [a["path"] for a in data["attachments"]] == [str(image)]
    assert "fragment text" in data["prompt"] and "Describe" in data["prompt"]


def test_extract_from_template(runner, templates_dir, mock_model):
    (templates_dir / "code.yaml").write_text(
        "model: mock\nprompt: code\nextract: true\n"
    )
    (templates_dir / "last.yaml").write_text(
        "model: mock\nprompt: code\nextract_last: true\n"
    )
    mock_model.enqueue(FENCED)
    assert run(runner, ["-t", "code"]).output.strip() == "print('hi')"
    mock_model.enqueue(FENCED)
    assert run(runner, ["-t", "last"]).output.strip() == "alert(1)"


def test_save_keeps_backup_when_overwriting_and_says_where(runner, templates_dir):
    (templates_dir / "t.yaml").write_text("# hand written\nprompt: old\n")
    result = runner.invoke(cli, ["new prompt", "--save", "t"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((templates_dir / "t.yaml").read_text()) == {
        "prompt": "new prompt"
    }
    backup = templates_dir / "t.yaml.bak"
    assert backup.read_text() == "# hand written\nprompt: old\n"
    assert result.stdout == ""
    assert result.stderr == (
        f"Template t replaced; the previous version is in {backup}\n"
    )
    # Saving the same thing again replaces nothing, so says nothing.
    result = runner.invoke(cli, ["new prompt", "--save", "t"])
    assert (result.exit_code, result.output) == (0, "")
    assert sorted(p.name for p in templates_dir.iterdir()) == ["t.yaml", "t.yaml.bak"]


def test_save_new_template_is_quiet(runner, templates_dir):
    result = runner.invoke(cli, ["a prompt", "--save", "fresh"])
    assert (result.exit_code, result.output) == (0, "")
    assert (templates_dir / "fresh.yaml").read_text() == "prompt: a prompt\n"


def test_save_rejects_bad_names(runner, templates_dir):
    result = runner.invoke(cli, ["hi", "--save", "../evil"])
    assert result.exit_code == 1
    assert "Error: Invalid template name '../evil'" in result.output
    assert list(templates_dir.iterdir()) == []


def test_templates_command_through_root(runner, templates_dir):
    (templates_dir / "a.yaml").write_text("prompt: hello")
    result = runner.invoke(cli, ["templates"])
    assert (result.exit_code, result.output) == (0, "a : hello\n")


def test_chat_with_template(runner, templates_dir):
    (templates_dir / "tutor.yaml").write_text(
        "model: echo\nsystem: You teach $lang\nprompt: 'Translate to $lang: $input'\n"
        "defaults:\n  lang: French\n"
    )
    result = runner.invoke(
        cli,
        ["chat", "-t", "tutor", "-p", "lang", "Spanish"],
        input="hello\nbye\nquit\n",
    )
    assert result.exit_code == 0, result.output
    assert "Chatting with echo" in result.output
    assert result.output.count('"prompt": "Translate to Spanish: hello"') == 1
    assert result.output.count('"prompt": "Translate to Spanish: bye"') == 1
    assert '"system": "You teach Spanish"' in result.output


def test_chat_with_loader_template_ignores_its_functions(runner, loader_plugin):
    result = runner.invoke(
        cli, ["chat", "-t", "demo:code", "-m", "echo"], input="one\nquit\n"
    )
    assert result.exit_code == 0, result.output
    assert '"prompt": "hi\\none"' in result.stdout
    # The warning, then the chat's banner (stderr when input is piped).
    warning = IGNORED_FUNCTIONS.format(spec="demo:code")
    assert result.stderr.startswith(warning + "Chatting with echo\n")


def test_chat_with_unknown_template(runner, templates_dir):
    result = runner.invoke(cli, ["chat", "-t", "nope"], input="quit\n")
    assert result.exit_code == 1
    assert "Error: Invalid template: nope (" in result.output


def test_system_option_replaces_the_templates_system_prompt(runner, templates_dir):
    # docs/usage.md and docs/templates.md: -s wins over the template, like -m and -o.
    (templates_dir / "pirate.yaml").write_text(
        "system: Talk like a pirate\nprompt: 'Describe $input'\nmodel: echo\n"
    )
    data = echoed(run(runner, ["-t", "pirate", "-s", "Be brief", "a ship"]))
    assert data["system"] == "Be brief"
    assert data["prompt"] == "Describe a ship"
    assert "pirate" not in json.dumps(data["messages"])
