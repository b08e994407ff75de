"""``llm prompt``: input, model selection, options, output modes and errors."""

from __future__ import annotations

import json

import pytest

import llm
from llm.plugins import pm

from .conftest import echo_output, logged_responses


def test_prompt_argument(invoke, mock_model):
    mock_model.enqueue("Bonjour", " le monde")
    result = invoke(["-m", "mock", "say hi"])
    assert result.exit_code == 0
    assert result.stdout == "Bonjour le monde\n"
    assert result.stderr == ""
    assert mock_model.prompts[-1].prompt == "say hi"


def test_stdin_comes_before_the_argument(invoke):
    result = invoke(["-m", "echo", "explain this"], input="def f(): pass\n")
    assert echo_output(result.stdout)["prompt"] == "def f(): pass\n explain this"


def test_stdin_only(invoke):
    result = invoke(["-m", "echo"], input="just stdin")
    assert echo_output(result.stdout)["prompt"] == "just stdin"


def test_nothing_to_send_is_an_error(invoke):
    result = invoke(["-m", "echo"], input="")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No prompt given")


def test_system_prompt(invoke):
    result = invoke(["-m", "echo", "hi", "-s", "be brief"])
    assert echo_output(result.stdout)["system"] == "be brief"
    result = invoke(["-m", "echo", "hi", "--system", "be long"])
    assert echo_output(result.stdout)["system"] == "be long"


def test_model_by_alias(invoke, mock_model):
    mock_model.enqueue("via alias")
    result = invoke(["-m", "scripted", "hi"])
    assert result.stdout == "via alias\n"


def test_unknown_model(invoke):
    result = invoke(["-m", "no-such-model", "hi"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown model: no-such-model\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output


class _Named(llm.Model):
    def __init__(self, model_id):
        self.model_id = model_id

    def execute(self, prompt, stream, response, conversation=None):
        yield self.model_id


class _QueryModels:
    @llm.hookimpl
    def register_models(self, register):
        # The longer ID is registered first: -q must still pick the shorter one.
        register(_Named("zq-4.1-nano"))
        register(_Named("zq-5-nano"))


def test_query_selects_the_shortest_matching_model_id(invoke):
    from llm.cli.model_selection import find_model_entry

    pm.register(_QueryModels(), name="query-models")
    try:
        assert find_model_entry(["zq", "nano"]).model.model_id == "zq-5-nano"
        assert find_model_entry(["NANO", "4.1"]).model.model_id == "zq-4.1-nano"
        # Terms match the model ID, not its display name ("_Named: ...").
        assert find_model_entry(["ech"]).model.model_id == "echo"
        with pytest.raises(llm.UnknownModelError):
            find_model_entry(["_named"])
        assert invoke(["-q", "zq", "-q", "nano", "hi"]).stdout == "zq-5-nano\n"
    finally:
        pm.unregister(name="query-models")


def test_query_selects_a_matching_model(invoke, mock_model):
    mock_model.enqueue("mock answered")
    result = invoke(["-q", "moc", "hi"])
    assert result.stdout == "mock answered\n"
    result = invoke(["-q", "echo", "-q", "Echo", "hi"])
    assert echo_output(result.stdout)["prompt"] == "hi"
    result = invoke(["-q", "echo", "-q", "mock", "hi"])
    assert result.exit_code == 1
    assert "No model found matching 'echo', 'mock'" in result.stderr


def test_default_model_and_llm_model_env(invoke, mock_model, monkeypatch):
    assert invoke(["models", "default", "echo"]).exit_code == 0
    result = invoke(["hello"])
    assert echo_output(result.stdout)["prompt"] == "hello"
    monkeypatch.setenv("LLM_MODEL", "mock")
    mock_model.enqueue("from LLM_MODEL")
    assert invoke(["hello"]).stdout == "from LLM_MODEL\n"


def test_options(invoke):
    result = invoke(["-m", "echo", "hi", "-o", "temperature", "0.5"])
    assert echo_output(result.stdout)["options"] == {"temperature": 0.5}
    result = invoke(["-m", "echo", "hi", "--option", "max_tokens", "12"])
    assert echo_output(result.stdout)["options"] == {"max_tokens": 12}


def test_bad_option_value(invoke):
    result = invoke(["-m", "echo", "hi", "-o", "temperature", "7"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: temperature")
    assert "2" in result.stderr
    result = invoke(["-m", "echo", "hi", "-o", "temperature", "hot"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: temperature")


def test_unknown_option_name(invoke):
    result = invoke(["-m", "echo", "hi", "-o", "flavour", "mint"])
    assert result.exit_code == 1
    assert "flavour" in result.stderr
    assert result.stderr.startswith("Error:")


def test_stored_default_options_apply_unless_overridden(invoke):
    assert (
        invoke(["models", "options", "set", "echo", "temperature", "0.7"]).exit_code
        == 0
    )
    result = invoke(["-m", "echo", "hi"])
    assert echo_output(result.stdout)["options"] == {"temperature": 0.7}
    result = invoke(["-m", "echo", "hi", "-o", "temperature", "0.2"])
    assert echo_output(result.stdout)["options"] == {"temperature": 0.2}
    result = invoke(["-m", "echo", "hi", "-o", "max_tokens", "5"])
    assert echo_output(result.stdout)["options"] == {
        "temperature": 0.7,
        "max_tokens": 5,
    }


def test_show_options(invoke):
    result = invoke(["-m", "echo", "--options"])
    assert result.exit_code == 0
    assert result.stdout.startswith("EchoModel: echo\n  Options:\n")
    assert "temperature: float" in result.stdout
    assert "Sampling temperature, 0 to 2" in result.stdout


def test_no_stream(invoke):
    assert echo_output(invoke(["-m", "echo", "hi"]).stdout)["stream"] is True
    result = invoke(["-m", "echo", "hi", "--no-stream"])
    assert echo_output(result.stdout)["stream"] is False


@pytest.mark.parametrize(
    "flag", ["-x", "--xl", "--extract", "--extract-last", "--json"]
)
def test_buffered_output_asks_for_a_whole_response(invoke, flag):
    # Printed only at the end, so the model is not asked to stream (as the original).
    result = invoke(["-m", "echo", "hi", flag])
    assert result.exit_code == 0, result.output
    text = (
        json.loads(result.stdout)[0]["response"] if flag == "--json" else result.stdout
    )
    assert echo_output(text)["stream"] is False


def test_schema_needs_no_prompt(invoke):
    result = invoke(["-m", "echo", "--schema", "name, age int"], input="")
    assert result.exit_code == 0, result.output
    echoed = echo_output(result.stdout)
    assert echoed["prompt"] == ""
    assert echoed["schema"] == llm.schema_dsl("name, age int")


def test_key_option(invoke):
    result = invoke(["-m", "keyed", "hi", "--key", "sk-123"])
    assert result.stdout == "key=sk-123\n"
    # A stored key's name works too.
    assert invoke(["keys", "set", "personal", "--value", "sk-stored"]).exit_code == 0
    assert (
        invoke(["-m", "keyed", "hi", "--key", "personal"]).stdout == "key=sk-stored\n"
    )


def test_missing_key_error(invoke):
    result = invoke(["-m", "keyed", "hi"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No key found")
    assert "llm keys set testkey" in result.stderr
    assert "Traceback" not in result.output


def test_model_error_midway(invoke, logs_path):
    prompt = json.dumps({"error": "server unreachable"})
    result = invoke(["-m", "echo", prompt])
    assert result.exit_code == 1
    assert "Error: server unreachable" in result.stderr
    # What arrived was printed and logged, marked as an error.
    assert result.stdout.startswith("{")
    row = logged_responses(logs_path)[-1]
    assert row["response"] and row["response"] in result.stdout


def test_usage(invoke, mock_model):
    mock_model.enqueue("ok", llm.Usage(input=10, output=3, details={"cached": 2}))
    result = invoke(["-m", "mock", "hi", "-u"])
    assert result.stdout == "ok\n"
    assert result.stderr == (
        'Token usage: 10 input, 3 output, {"cached": 2}\n'
        "Cost: unknown - no price known for mock\n"
    )
    mock_model.enqueue("ok", llm.Usage(input=10, output=3))
    assert invoke(["-m", "mock", "hi"]).stderr == ""
    mock_model.enqueue("ok", llm.Usage(input=1, output=1))
    assert "Token usage" in invoke(["-m", "mock", "hi", "--usage"]).stderr


FENCED = "Here:\n```python\nprint(1)\n```\nand\n```js\nconsole.log(2)\n```\nbye"


def test_extract(invoke, mock_model, logs_path):
    mock_model.enqueue(FENCED)
    assert invoke(["-m", "mock", "code", "-x"]).stdout == "print(1)\n"
    mock_model.enqueue(FENCED)
    assert invoke(["-m", "mock", "code", "--extract"]).stdout == "print(1)\n"
    mock_model.enqueue(FENCED)
    assert invoke(["-m", "mock", "code", "--xl"]).stdout == "console.log(2)\n"
    mock_model.enqueue(FENCED)
    assert invoke(["-m", "mock", "code", "--extract-last"]).stdout == "console.log(2)\n"
    mock_model.enqueue("no code here")
    assert invoke(["-m", "mock", "code", "-x"]).stdout == "no code here\n"
    # The whole response is still logged.
    assert logged_responses(logs_path)[0]["response"] == FENCED


def test_reasoning_goes_to_stderr_unless_hidden(invoke):
    prompt = json.dumps({"reasoning": "thinking hard"})
    result = invoke(["-m", "echo", prompt])
    assert result.stderr.startswith("thinking hard")
    # stdout is just the answer: valid JSON with no reasoning mixed in.
    assert echo_output(result.stdout)["prompt"] == prompt
    result = invoke(["-m", "echo", prompt, "-R"])
    assert "thinking" not in result.stderr
    result = invoke(["-m", "echo", prompt, "--hide-reasoning"])
    assert "thinking" not in result.stderr


def test_reasoning_is_dimmed_on_a_terminal(invoke):
    prompt = json.dumps({"reasoning": "deep"})
    result = invoke(["-m", "echo", prompt], color=True)
    assert "\x1b[2mdeep" in result.stderr


def test_async(invoke, logs_path):
    result = invoke(["-m", "echo", "hi", "--async"])
    assert result.exit_code == 0
    assert echo_output(result.stdout)["prompt"] == "hi"
    assert logged_responses(logs_path)[0]["prompt"] == "hi"


def test_async_only_used_with_flag(invoke, async_mock_model, mock_model):
    mock_model.enqueue("sync")
    assert invoke(["-m", "mock", "hi"]).stdout == "sync\n"
    async_mock_model.enqueue("async")
    assert invoke(["-m", "mock", "hi", "--async"]).stdout == "async\n"


def test_async_unknown_for_sync_only_model(invoke):
    result = invoke(["-m", "legacy", "hi", "--async"])
    assert result.exit_code == 1
    assert "Unknown async model" in result.stderr


def test_json_output(invoke, mock_model, logs_path):
    mock_model.enqueue("answer", llm.Usage(input=2, output=1))
    result = invoke(["-m", "mock", "question", "--json"])
    records = json.loads(result.stdout)
    assert len(records) == 1
    record = records[0]
    assert record["prompt"] == "question"
    assert record["response"] == "answer"
    assert record["model"] == "mock"
    assert record["input_tokens"] == 2
    assert record["id"] == logged_responses(logs_path)[0]["id"]


def test_json_output_without_logging(invoke, mock_model, logs_path):
    mock_model.enqueue("answer")
    records = json.loads(invoke(["-m", "mock", "q", "--json", "-n"]).stdout)
    assert records[0]["response"] == "answer"
    assert not logs_path.exists() or logged_responses(logs_path) == []


def test_unsupported_feature_errors(invoke):
    result = invoke(["-m", "legacy", "hi", "--schema", "name,"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Model legacy does not support schemas\n"


def test_raise_errors_env(invoke, monkeypatch):
    monkeypatch.setenv("LLM_RAISE_ERRORS", "1")
    with pytest.raises(llm.UnknownModelError):
        invoke(["-m", "no-such-model", "hi"])


def test_plugin_failure_is_not_fatal_for_help(invoke):
    class Broken:
        @llm.hookimpl
        def register_commands(self, cli):
            raise RuntimeError("boom")

    pm.register(Broken(), name="broken-commands")
    try:
        result = invoke(["--help"])
        assert result.exit_code == 0
        assert "boom" in result.stderr
    finally:
        pm.unregister(name="broken-commands")
