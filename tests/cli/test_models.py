"""``llm models``: listing, the default model and default options."""

from __future__ import annotations

import json


def test_models_list(invoke):
    result = invoke(["models"])
    lines = result.stdout.splitlines()
    assert "MockModel: mock (aliases: scripted)" in lines
    assert "EchoModel: echo" in lines
    assert lines[-1] == "Default: gpt-4o-mini"


def test_default_reflects_setting(invoke):
    invoke(["models", "default", "scripted"])
    assert invoke(["models"]).stdout.splitlines()[-1] == "Default: mock"
    assert invoke(["models", "default"]).stdout == "mock\n"


def test_default_unknown_model(invoke, user_path):
    result = invoke(["models", "default", "nope"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown model: nope\n"
    assert not (user_path / "default_model.txt").exists()


def test_user_aliases_show_in_list(invoke):
    invoke(["aliases", "set", "m2", "mock"])
    assert "MockModel: mock (aliases: scripted, m2)" in invoke(["models"]).stdout


def test_query_filters(invoke):
    result = invoke(["models", "list", "-q", "mock"])
    assert result.stdout == "MockModel: mock (aliases: scripted)\n"
    result = invoke(["models", "-q", "Model", "-q", "ech"])
    assert result.stdout == "EchoModel: echo\n"
    assert invoke(["models", "-q", "zzz-nothing"]).stdout == ""


def test_specific_models(invoke):
    result = invoke(["models", "-m", "scripted", "-m", "echo"])
    assert result.stdout == "MockModel: mock (aliases: scripted)\nEchoModel: echo\n"
    result = invoke(["models", "-m", "nope"])
    assert result.exit_code == 1
    assert "Unknown model: nope" in result.stderr


def test_options_listing(invoke):
    result = invoke(["models", "--options", "-q", "mock"])
    assert result.stdout.startswith(
        "MockModel: mock (aliases: scripted)\n"
        "  Options:\n"
        "    temperature: float\n"
        "      Sampling temperature, 0 to 2\n"
    )
    assert "  Attachment types:\n    application/pdf, audio/wav" in result.stdout
    assert (
        "  Features:\n  - streaming\n  - schemas\n  - tools\n  - async\n"
        in result.stdout
    )
    keyed = invoke(["models", "--options", "-m", "keyed"]).stdout
    assert "  Keys:\n    key: testkey\n    env_var: LLM_TEST_KEY" in keyed


def test_option_descriptions_once_per_class(invoke):
    output = invoke(["models", "--options", "-m", "mock", "-m", "echo"]).stdout
    # mock and echo use different model classes, each shows its descriptions.
    assert output.count("Sampling temperature, 0 to 2") == 2


def test_async_schemas_tools_filters(invoke):
    async_names = invoke(["models", "--async"]).stdout
    assert "AsyncMockModel (async): mock (aliases: scripted)" in async_names
    assert "legacy" not in async_names
    schemas = invoke(["models", "--schemas"]).stdout
    assert "mock" in schemas and "legacy" not in schemas
    tools = invoke(["models", "--tools"]).stdout
    assert "echo" in tools and "keyed" not in tools
    assert "Default:" not in tools


def test_models_json(invoke):
    records = json.loads(invoke(["models", "--json", "-m", "mock"]).stdout)
    # The original's keys, in its order, then a few of our own.
    assert records == [
        {
            "model_id": "mock",
            "aliases": ["scripted"],
            "can_stream": True,
            "supports_schema": True,
            "supports_tools": True,
            "supports_conversation": True,
            "supports_async": True,
            "attachment_types": [
                "application/pdf",
                "audio/wav",
                "image/jpeg",
                "image/png",
            ],
            "server_side_tools": [],
            "name": "MockModel: mock",
            "needs_key": None,
            "key_env_var": None,
        }
    ]
    legacy = json.loads(invoke(["models", "--json", "-m", "legacy"]).stdout)[0]
    assert legacy["supports_async"] is False
    with_options = json.loads(
        invoke(["models", "--json", "-m", "mock", "--options"]).stdout
    )
    # Each option's JSON schema, by name.
    assert with_options[0]["options"]["temperature"] == {
        "anyOf": [{"maximum": 2, "minimum": 0, "type": "number"}, {"type": "null"}],
        "default": None,
        "description": "Sampling temperature, 0 to 2",
        "title": "Temperature",
    }


def test_async_models_marked(invoke):
    assert "AsyncMockModel (async): mock (aliases: scripted)" in (
        invoke(["models", "--async"]).stdout.splitlines()
    )
    # llm --options names the async feature, for the sync and the async model.
    for args in (["-m", "mock"], ["-m", "mock", "--async"]):
        output = invoke([*args, "--options"]).stdout
        assert output.endswith(
            "  Features:\n  - streaming\n  - schemas\n  - tools\n  - async\n"
        )
    assert invoke(["-m", "mock", "--async", "--options"]).stdout.startswith(
        "AsyncMockModel (async): mock (aliases: scripted)\n"
    )


def test_model_options_commands(invoke, user_path):
    # Worded as the original words them.
    empty = "No default options set for any models.\n"
    assert invoke(["models", "options"]).stderr == empty
    assert invoke(["models", "options", "show", "mock"]).stderr == (
        "No default options set for model 'mock'.\n"
    )
    result = invoke(["models", "options", "set", "scripted", "temperature", "0.5"])
    assert result.exit_code == 0
    assert result.stderr == "Set default option temperature=0.5 for model mock\n"
    assert (
        invoke(["models", "options", "set", "echo", "max_tokens", "20"]).exit_code == 0
    )
    stored = json.loads((user_path / "model_options.json").read_text())
    assert stored == {"mock": {"temperature": "0.5"}, "echo": {"max_tokens": "20"}}
    # In the file's order, as the original lists them.
    assert invoke(["models", "options", "list"]).stdout == (
        "mock:\n  temperature: 0.5\necho:\n  max_tokens: 20\n"
    )
    assert invoke(["models", "options", "show", "mock"]).stdout == "temperature: 0.5\n"
    invoke(["models", "options", "clear", "mock", "temperature"])
    assert invoke(["models", "options", "show", "mock"]).stdout == ""
    invoke(["models", "options", "clear", "echo"])
    assert json.loads((user_path / "model_options.json").read_text()) == {}


def test_model_options_validation(invoke, user_path):
    result = invoke(["models", "options", "set", "mock", "temperature", "99"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: temperature")
    result = invoke(["models", "options", "set", "mock", "nope", "1"])
    assert result.exit_code == 1
    assert "nope" in result.stderr
    result = invoke(["models", "options", "set", "no-model", "temperature", "1"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown model: no-model\n"
    assert not (user_path / "model_options.json").exists()


def test_corrupt_model_options_file(invoke, user_path):
    (user_path / "model_options.json").write_text("{broken")
    result = invoke(["-m", "echo", "hi"])
    assert result.exit_code == 1
    assert "model_options.json is not valid JSON" in result.stderr
    result = invoke(["models", "options", "set", "mock", "temperature", "1"])
    assert result.exit_code == 1
    assert (user_path / "model_options.json").read_text() == "{broken"
