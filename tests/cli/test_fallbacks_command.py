"""``llm models fallbacks set/list/clear`` and ``--fallback`` with plugin models."""

from __future__ import annotations

import json

from llm.errors import TransientError


def test_set_list_clear(invoke, user_path):
    assert invoke(["models", "fallbacks", "list"]).stderr == (
        "No fallback models have been set\n"
    )
    result = invoke(["models", "fallbacks", "set", "scripted", "echo", "legacy"])
    assert result.exit_code == 0
    assert result.stderr == "Fallbacks for mock: echo, legacy\n"
    assert json.loads((user_path / "fallbacks.json").read_text()) == {
        "mock": ["echo", "legacy"]
    }
    assert invoke(["models", "fallbacks", "list"]).stdout == "mock: echo, legacy\n"
    bare = invoke(["models", "fallbacks"])  # list is the default, as for llm aliases
    assert (bare.exit_code, bare.stdout) == (0, "mock: echo, legacy\n")
    assert invoke(["models", "fallbacks", "clear", "mock"]).exit_code == 0
    assert invoke(["models", "fallbacks", "clear"]).stderr == "No fallbacks set\n"


def test_set_refuses_unknown_and_self(invoke, user_path):
    result = invoke(["models", "fallbacks", "set", "mock", "nope"])
    assert result.exit_code == 1
    assert "Error: Unknown model: nope" in result.output
    result = invoke(["models", "fallbacks", "set", "mock", "echo", "scripted"])
    assert "Error: mock cannot be its own fallback" in result.output
    assert not (user_path / "fallbacks.json").exists()


def test_prompt_falls_back_to_a_plugin_model(invoke, mock_model):
    mock_model.enqueue(TransientError("busy"))
    result = invoke(["-m", "mock", "--retries", "0", "--fallback", "echo", "-u", "hi"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["prompt"] == "hi"
    assert "Answered by echo after mock failed: busy" in result.stderr


def test_a_hand_edited_single_fallback_string_counts(invoke, user_path, mock_model):
    (user_path / "fallbacks.json").write_text('{"mock": "echo"}')
    assert invoke(["models", "fallbacks", "list"]).stdout == "mock: echo\n"
    mock_model.enqueue(TransientError("busy"))
    result = invoke(["-m", "mock", "--retries", "0", "hi"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["prompt"] == "hi"
