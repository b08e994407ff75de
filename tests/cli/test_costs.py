"""What prompts cost: ``-u`` on prompt and chat, ``llm logs -u/--json``, ``llm prices``, ``llm models --prices``."""

from __future__ import annotations

import json

import pytest

import llm

from .conftest import logged_responses

MOCK_PRICE = "mock: {input: 2, output: 8, cached_input: 1, date: 2026-11-01}\n"


@pytest.fixture
def priced_mock(user_path):
    (user_path / "prices.yaml").write_text(MOCK_PRICE)


def test_prompt_u_shows_cost_and_logs_it(invoke, mock_model, priced_mock, logs_path):
    mock_model.enqueue(
        "ok",
        llm.Usage(
            input=1000,
            output=100,
            details={"input_tokens_details": {"cached_tokens": 500}},
        ),
    )
    result = invoke(["-m", "mock", "hi", "-u"])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == (
        "Cost: $0.0023 (input $0.001, cached input $0.0005, output $0.0008; "
        "mock prices of 2026-11-01 from prices.yaml)"
    )
    [row] = logged_responses(logs_path)
    assert row["cost_usd"] == pytest.approx(0.0023)
    details = json.loads(row["cost_details"])
    assert details["cached_input"] == pytest.approx(0.0005)
    assert details["price"] == {
        "model": "mock",
        "input": 2,
        "output": 8,
        "cached_input": 1,
        "date": "2026-11-01",
        "source": "prices.yaml",
    }


def test_unknown_cost_is_never_guessed(invoke, mock_model, logs_path):
    mock_model.enqueue("ok", llm.Usage(input=10, output=3))
    result = invoke(["-m", "mock", "hi", "-u"])
    assert result.stderr.splitlines()[-1] == "Cost: unknown - no price known for mock"
    assert logged_responses(logs_path)[0]["cost_usd"] is None


def test_missing_usage_is_said(invoke, mock_model, priced_mock):
    mock_model.enqueue("ok")
    result = invoke(["-m", "mock", "hi", "-u"])
    assert result.stderr == "Cost: unknown - mock did not report token usage\n"


def test_chain_cost_adds_up_and_names_the_unknown(invoke, mock_model, priced_mock):
    mock_model.enqueue(
        llm.ToolCall(name="llm_version", arguments={}, tool_call_id="c1"),
        llm.Usage(input=1000, output=0),
    )
    mock_model.enqueue("done")  # no usage reported
    result = invoke(["-m", "mock", "version?", "-T", "llm_version", "-u"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "Cost: at least $0.002 (1 of 2 responses priced, mock prices of 2026-11-01 "
        "from prices.yaml); the rest unknown - mock did not report token usage"
    )


def test_broken_prices_file_warns_but_logs(invoke, mock_model, user_path, logs_path):
    (user_path / "prices.yaml").write_text("mock: [1, 2\n")
    mock_model.enqueue("ok", llm.Usage(input=10, output=3))
    result = invoke(["-m", "mock", "hi"])
    assert result.exit_code == 0
    assert "Warning: cost not computed:" in result.stderr
    assert "prices.yaml is not valid YAML" in result.stderr
    [row] = logged_responses(logs_path)
    assert row["response"] == "ok" and row["cost_usd"] is None


def test_chat_u_shows_cost_after_each_answer(invoke, mock_model, priced_mock):
    mock_model.enqueue("one", llm.Usage(input=1_000_000, output=0))
    mock_model.enqueue("two", llm.Usage(input=0, output=1_000_000))
    result = invoke(["chat", "-m", "mock", "-u"], input="a\nb\n")
    assert result.exit_code == 0
    costs = [line for line in result.stderr.splitlines() if line.startswith("Cost")]
    assert costs == [
        "Cost: $2.00 (input $2.00; mock prices of 2026-11-01 from prices.yaml)",
        "Cost: $8.00 (output $8.00; mock prices of 2026-11-01 from prices.yaml)",
    ]
    # Without -u chat stays quiet.
    mock_model.enqueue("three", llm.Usage(input=1, output=1))
    assert "Cost" not in invoke(["chat", "-m", "mock"], input="c\n").stderr


def test_logs_u_and_json_show_cost(invoke, mock_model, priced_mock, user_path):
    mock_model.enqueue("priced", llm.Usage(input=1000, output=1000))
    invoke(["-m", "mock", "one"])
    mock_model.enqueue("no usage")
    invoke(["-m", "mock", "two"])
    mock_model.enqueue("unpriced", llm.Usage(input=5, output=5))
    invoke(["-m", "echo", "three"])  # echo reports usage but has no price
    markdown = invoke(["logs", "-u", "-n", "0"]).stdout
    assert "1,000 input, 1,000 output\n\nDuration: " in markdown
    assert (
        "s)\n\nCost: $0.01 (input $0.002, "
        "output $0.008; mock prices of 2026-11-01 from prices.yaml)\n" in markdown
    )
    assert "Cost: unknown - mock did not report token usage\n" in markdown
    assert "Cost: unknown - no price known for echo when it was logged\n" in markdown
    records = json.loads(invoke(["logs", "-n", "0", "--json"]).stdout)
    assert [r["cost_usd"] for r in records] == [pytest.approx(0.01), None, None]
    assert records[0]["cost_details"]["output"] == pytest.approx(0.008)
    short = invoke(["logs", "-s", "-u", "-n", "1", "-m", "mock"]).stdout
    assert "cost_usd" not in short  # the last mock response has no usage
    short = invoke(["logs", "-s", "-u", "-n", "0"]).stdout
    assert "cost_usd: 0.01" in short
    # Prices changing later does not change what was logged.
    (user_path / "prices.yaml").write_text(
        "mock: {input: 100, output: 100}\necho: {input: 1, output: 1}\n"
    )
    records = json.loads(invoke(["logs", "-n", "0", "--json"]).stdout)
    assert records[0]["cost_usd"] == pytest.approx(0.01)
    # A price known now is not one known then: the echo response stays unknown.
    markdown = invoke(["logs", "-u", "-n", "1", "-m", "echo"]).stdout
    assert "Cost: unknown - no price known for echo when it was logged\n" in markdown


def test_prices_list_path_and_json(invoke, priced_mock, user_path):
    result = invoke(["prices"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "Model",
        "Input",
        "Cached",
        "input",
        "Output",
        "Reasoning",
        "Checked",
        "Source",
    ]
    [mock_line] = [line for line in lines if line.startswith("mock ")]
    assert mock_line.split() == [
        "mock",
        "$2.00",
        "$1.00",
        "$8.00",
        "-",
        "2026-11-01",
        "prices.yaml",
    ]
    data = json.loads(invoke(["prices", "list", "-m", "scripted", "--json"]).stdout)
    assert data == {
        "mock": {
            "input": 2,
            "output": 8,
            "cached_input": 1,
            "date": "2026-11-01",
            "source": "prices.yaml",
        }
    }
    assert invoke(["prices", "path"]).stdout.strip() == str(user_path / "prices.yaml")
    result = invoke(["prices", "list", "-m", "echo"])
    assert result.exit_code == 1
    assert "Error: No price known for echo - add one to" in result.stderr


def test_broken_prices_file_is_a_clean_error(invoke, user_path):
    (user_path / "prices.yaml").write_text("mock: {input: 1, output: 2, colour: red}\n")
    result = invoke(["prices"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "mock: unknown key 'colour'" in result.stderr


def test_models_prices(invoke, priced_mock):
    result = invoke(["models", "--prices", "-m", "mock", "-m", "echo"])
    assert result.stdout.splitlines() == [
        "MockModel: mock (aliases: scripted)",
        "  Price: $2.00 input, $1.00 cached input, $8.00 output per 1M tokens "
        "(2026-11-01, prices.yaml)",
        "EchoModel: echo",
        "  Price: unknown",
    ]
    records = json.loads(invoke(["models", "--prices", "-m", "mock", "--json"]).stdout)
    assert records[0]["price"]["input"] == 2
