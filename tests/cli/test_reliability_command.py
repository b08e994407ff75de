"""``llm models reliability set/list/clear``: retries and timeout stored per model."""

from __future__ import annotations

import json

from llm.errors import TransientError


def test_set_list_clear(invoke, user_path):
    assert invoke(["models", "reliability"]).stderr == (
        "No retries or timeouts have been set\n"
    )
    result = invoke(["models", "reliability", "set", "scripted", "--retries", "5"])
    assert (result.exit_code, result.stderr) == (0, "mock: retries 5\n")
    result = invoke(["models", "reliability", "set", "mock", "--timeout", "2.5"])
    assert result.stderr == "mock: retries 5, timeout 2.5 s\n"
    invoke(["models", "reliability", "set", "echo", "--timeout", "60"])
    assert json.loads((user_path / "reliability.json").read_text()) == {
        "mock": {"retries": 5, "timeout": 2.5},
        "echo": {"timeout": 60.0},
    }
    assert invoke(["models", "reliability", "list"]).stdout == (
        "echo: timeout 60 s\nmock: retries 5, timeout 2.5 s\n"
    )
    result = invoke(["models", "reliability", "clear", "scripted"])
    assert result.stderr == "Cleared the retries and timeout of mock\n"
    assert invoke(["models", "reliability", "clear"]).exit_code == 0
    assert invoke(["models", "reliability", "clear"]).stderr == "Nothing set\n"


def test_bad_values_and_models_are_refused(invoke, user_path):
    result = invoke(["models", "reliability", "set", "mock", "--retries", "-1"])
    assert result.exit_code == 2
    result = invoke(["models", "reliability", "set", "mock", "--timeout", "0"])
    assert result.exit_code == 2
    for endless in ("inf", "nan", "1e300"):
        for command in (
            ["models", "reliability", "set", "mock", "--timeout", endless],
            ["-m", "mock", "hi", "--timeout", endless],
            ["batch", "fetch", "x", "--interval", endless],
        ):
            result = invoke(command)
            assert result.exit_code == 2, command
            assert "is not a number of seconds above 0 and at most a year" in (
                result.stderr
            )
    result = invoke(["-m", "mock", "hi"], env={"LLM_TIMEOUT": "inf"})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: LLM_TIMEOUT: timeout must be a number")
    assert "Traceback" not in result.output
    result = invoke(["models", "reliability", "set", "mock"])
    assert "Give --retries, --timeout or both" in result.output
    result = invoke(["models", "reliability", "set", "nope", "--retries", "1"])
    assert (result.exit_code, result.stderr) == (1, "Error: Unknown model: nope\n")
    assert not (user_path / "reliability.json").exists()


def test_clear_removes_a_malformed_entry(invoke, user_path):
    path = user_path / "reliability.json"
    path.write_text('{"mock": {"timeout": NaN}, "echo": {"retries": 2}}')
    result = invoke(["-m", "mock", "hi"])
    assert result.exit_code == 1
    assert "mock: timeout must be a number of seconds" in result.stderr
    result = invoke(["models", "reliability", "clear", "mock"])
    assert (result.exit_code, result.stderr) == (
        0,
        "Cleared the retries and timeout of mock\n",
    )
    assert json.loads(path.read_text()) == {"echo": {"retries": 2}}
    assert invoke(["-m", "mock", "hi"]).exit_code == 0


def test_stored_retries_apply_to_a_plugin_model(invoke, mock_model, retry_waits):
    invoke(["models", "reliability", "set", "mock", "--retries", "0"])
    mock_model.enqueue(TransientError("busy"))
    result = invoke(["-m", "mock", "hi"])
    assert result.exit_code == 1
    assert retry_waits == []  # no retry: the stored 0 beat the default 3
    mock_model.enqueue(TransientError("busy"), "")
    mock_model.enqueue("second try")
    result = invoke(["-m", "mock", "--retries", "1", "hi"])
    assert (result.exit_code, result.stdout) == (0, "second try\n")
