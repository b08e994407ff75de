"""Tools on the command line: -T, toolboxes, --functions, --td, --cl and tool errors."""

from __future__ import annotations

import json

import pytest

import llm
from llm.plugins import pm
from llm.versions import llm_version

from .conftest import echo_output, logged_responses


def tool_calls(*calls: dict) -> str:
    return json.dumps({"tool_calls": list(calls)})


class Memory(llm.Toolbox):
    """Remembers things."""

    def __init__(self, prefix: str = "", start: int = 0):
        self.prefix = prefix
        self.start = start

    def recall(self, key: str) -> str:
        "Recall a key"
        return f"{self.prefix}{key}:{self.start}"


class ToolsPlugin:
    @llm.hookimpl
    def register_tools(self, register):
        register(Memory)

        def fail_loudly(reason: str) -> str:
            "Always fails"
            raise ValueError(f"failed because {reason}")

        register(fail_loudly)


@pytest.fixture
def tools_plugin():
    pm.register(ToolsPlugin(), name="cli-test-tools")
    try:
        yield
    finally:
        pm.unregister(name="cli-test-tools")


def test_registered_tool(invoke, logs_path):
    prompt = tool_calls({"name": "llm_version", "arguments": {}, "id": "c1"})
    result = invoke(["-m", "echo", prompt, "-T", "llm_version"])
    assert result.exit_code == 0, result.stderr
    output = echo_output(result.stdout)
    assert output["tool_results"] == [
        {"name": "llm_version", "output": llm_version(), "tool_call_id": "c1"}
    ]
    assert output["tools"] == ["llm_version"]
    # Both responses of the chain are logged.
    assert len(logged_responses(logs_path)) == 2


def test_without_tool_option_calls_are_not_run(invoke, logs_path):
    """Without -T/--functions there is nothing to run: one call, no follow-up."""
    prompt = tool_calls({"name": "llm_version", "arguments": {}, "id": "c1"})
    result = invoke(["-m", "echo", prompt])
    assert result.exit_code == 0, result.stderr
    assert len(logged_responses(logs_path)) == 1


def test_unknown_tool(invoke):
    result = invoke(["-m", "echo", "x", "-T", "no_such_tool"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Unknown tool: no_such_tool")
    assert "llm_version" in result.stderr


def test_toolbox_specs(invoke, tools_plugin):
    call = tool_calls({"name": "Memory_recall", "arguments": {"key": "k"}, "id": "m"})
    for spec, expected in (
        ("Memory", "k:0"),
        ("Memory()", "k:0"),
        ('Memory({"prefix": "p-", "start": 3})', "p-k:3"),
        ('Memory("x-")', "x-k:0"),
        ('Memory(prefix="q-", start=7)', "q-k:7"),
    ):
        result = invoke(["-m", "echo", call, "--tool", spec])
        assert result.exit_code == 0, (spec, result.stderr)
        assert echo_output(result.stdout)["tool_results"][0]["output"] == expected


def test_bad_toolbox_spec(invoke, tools_plugin):
    result = invoke(["-m", "echo", "x", "-T", "Memory(nope=1)"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Could not configure Memory(nope=1)")
    result = invoke(["-m", "echo", "x", "-T", "Memory(prefix=undefined_name)"])
    assert result.exit_code == 1
    assert "Invalid tool specification" in result.stderr


def test_functions_code_and_file(invoke, tmp_path):
    code = "def multiply(x: int, y: int) -> int:\n    'Multiply'\n    return x * y\n"
    call = tool_calls({"name": "multiply", "arguments": {"x": 6, "y": 7}, "id": "f"})
    result = invoke(["-m", "echo", call, "--functions", code])
    assert echo_output(result.stdout)["tool_results"][0]["output"] == "42"
    path = tmp_path / "tools.py"
    path.write_text("import os\nfrom os.path import join\n" + code)
    result = invoke(["-m", "echo", call, "--functions", str(path)])
    output = echo_output(result.stdout)
    assert output["tools"] == ["multiply"]  # imported names are not tools
    assert output["tool_results"][0]["output"] == "42"


def test_functions_syntax_error(invoke):
    result = invoke(["-m", "echo", "x", "--functions", "def broken(:"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Syntax error in --functions code")


def test_tool_errors_go_back_to_the_model(invoke, tools_plugin):
    call = tool_calls(
        {"name": "fail_loudly", "arguments": {"reason": "why"}, "id": "e"}
    )
    result = invoke(["-m", "echo", call, "-T", "fail_loudly"])
    assert result.exit_code == 0
    output = echo_output(result.stdout)["tool_results"][0]["output"]
    assert output == "Error: failed because why"


def test_tools_debug(invoke, monkeypatch):
    call = tool_calls({"name": "llm_version", "arguments": {}, "id": "d"})
    result = invoke(["-m", "echo", call, "-T", "llm_version", "--td"])
    assert f"Tool call: llm_version({{}})\n  {llm_version()}\n" in result.stderr
    assert "Tool call" not in result.stdout
    assert "Tool call" not in invoke(["-m", "echo", call, "-T", "llm_version"]).stderr
    monkeypatch.setenv("LLM_TOOLS_DEBUG", "1")
    assert "Tool call" in invoke(["-m", "echo", call, "-T", "llm_version"]).stderr


@pytest.mark.parametrize("async_", [False, True])
def test_tools_debug_starts_on_its_own_line_after_reasoning(invoke, async_):
    prompt = json.dumps(
        {"reasoning": "thinking about it", "tool_calls": [{"name": "llm_version"}]}
    )
    args = ["-m", "echo", prompt, "-T", "llm_version", "--td"]
    result = invoke(args + (["--async"] if async_ else []))
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "thinking about it "
    assert "Tool call: llm_version({})" in lines
    assert lines[lines.index("Tool call: llm_version({})") + 1] == f"  {llm_version()}"


def test_chain_limit(invoke, mock_model):
    def queue(n):
        for index in range(n):
            mock_model.enqueue(
                llm.ToolCall(name="llm_version", tool_call_id=f"c{index}")
            )
        mock_model.enqueue("done")

    queue(2)
    result = invoke(["-m", "mock", "go", "-T", "llm_version", "--cl", "1"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Chain limit of 1 exceeded.\n"
    assert len(mock_model.prompts) == 1  # N model calls in all, not N + 1
    mock_model.reset()
    queue(1)
    result = invoke(["-m", "mock", "go", "-T", "llm_version", "--cl", "2"])
    assert (result.exit_code, result.stdout) == (0, "done\n")
    mock_model.reset()
    queue(6)
    result = invoke(["-m", "mock", "go", "-T", "llm_version"])
    assert result.stderr == "Error: Chain limit of 5 exceeded.\n"
    mock_model.reset()
    queue(6)
    result = invoke(["-m", "mock", "go", "-T", "llm_version", "--chain-limit", "0"])
    assert result.exit_code == 0
    assert result.stdout == "done\n"


def test_continue_after_a_tool_chain_sends_the_whole_chain(invoke):
    call = tool_calls({"name": "llm_version", "arguments": {}, "id": "a"})
    first = invoke(["-m", "echo", call, "-T", "llm_version", "-s", "Be brief."])
    assert first.exit_code == 0, first.stderr
    result = invoke(["-c", "next"])
    assert result.exit_code == 0, result.stderr
    continued = echo_output(result.stdout)["messages"]
    # What the same conversation, kept alive in Python, sends.
    echo = llm.get_model("echo")
    conversation = echo.conversation()
    chain = conversation.chain(call, tools=[llm_version_tool()], system="Be brief.")
    chain.text()
    live = echo_output(conversation.prompt("next").text())["messages"]
    assert continued == live
    assert [m["role"] for m in continued] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert continued[3]["parts"] == [
        {
            "type": "tool_result",
            "name": "llm_version",
            "output": llm_version(),
            "tool_call_id": "a",
        }
    ]


def llm_version_tool() -> llm.Tool:
    from llm.registry import get_tools

    return get_tools()["llm_version"]


def test_continue_reuses_tools(invoke):
    call = tool_calls({"name": "llm_version", "arguments": {}, "id": "a"})
    assert invoke(["-m", "echo", call, "-T", "llm_version"]).exit_code == 0
    call = tool_calls({"name": "llm_version", "arguments": {}, "id": "b"})
    result = invoke([call, "-c"])
    output = echo_output(result.stdout)
    assert output["tools"] == ["llm_version"]
    assert output["tool_results"][-1]["output"] == llm_version()


def test_continue_recreates_configured_toolbox(invoke, tools_plugin):
    call = tool_calls({"name": "Memory_recall", "arguments": {"key": "a"}, "id": "1"})
    result = invoke(["-m", "echo", call, "-T", 'Memory(prefix="p-", start=2)'])
    assert echo_output(result.stdout)["tool_results"][0]["output"] == "p-a:2"
    call = tool_calls({"name": "Memory_recall", "arguments": {"key": "b"}, "id": "2"})
    result = invoke(["-c", call])
    assert echo_output(result.stdout)["tool_results"][-1]["output"] == "p-b:2"


def test_continue_recreates_toolbox_that_was_not_called(invoke, tools_plugin):
    assert invoke(["-m", "echo", "first", "-T", 'Memory(prefix="q:")']).exit_code == 0
    call = tool_calls({"name": "Memory_recall", "arguments": {"key": "k"}, "id": "1"})
    result = invoke(["-c", call])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert echo_output(result.stdout)["tool_results"][-1]["output"] == "q:k:0"


def test_continue_recreates_two_configurations_of_a_toolbox(invoke, tools_plugin):
    call = tool_calls({"name": "Memory_recall", "arguments": {"key": "k"}, "id": "1"})
    args = ["-m", "echo", call, "-T", 'Memory(prefix="a")', "-T", "Memory(start=4)"]
    first = echo_output(invoke(args).stdout)
    second = echo_output(invoke(["-c", call]).stdout)
    assert second["tools"] == first["tools"] == ["Memory_recall", "Memory_recall"]
    assert second["tool_results"][-1] == first["tool_results"][-1]


def test_continue_keeps_server_side_tools_and_order(invoke, logs_path):
    args = ["-m", "echo", "first", "-T", "EchoSearch(depth=3)", "-T", "llm_version"]
    args += ["-T", 'ServerSideTool({"type": "browser_search"})']
    first = echo_output(invoke(args).stdout)
    result = invoke(["-c", "second"])
    assert result.exit_code == 0, result.stderr
    second = echo_output(result.stdout)
    assert second["tools"] == first["tools"]
    assert second["tools"] == ["echo_search", "llm_version", "browser_search"]
    assert second["server_tools"] == [
        {"type": "echo_search", "depth": 3},
        {"type": "browser_search"},
    ]
    # The continued prompt is logged with them too, so a further -c keeps them.
    third = echo_output(invoke(["-c", "third"]).stdout)
    assert third["server_tools"] == second["server_tools"]


def test_continue_with_toolbox_logged_before_toolboxes_were_recorded(
    invoke, tools_plugin, logs_path
):
    """Older logs only know a toolbox's configuration from the calls it ran."""
    import sqlite3

    call = tool_calls({"name": "Memory_recall", "arguments": {"key": "a"}, "id": "1"})
    assert invoke(["-m", "echo", call, "-T", 'Memory(prefix="p-")']).exit_code == 0
    conn = sqlite3.connect(str(logs_path))
    with conn:
        conn.execute("delete from tool_instance_responses")
    conn.close()
    call = tool_calls({"name": "Memory_recall", "arguments": {"key": "b"}, "id": "2"})
    result = invoke(["-c", call])
    assert echo_output(result.stdout)["tool_results"][-1]["output"] == "p-b:0"


def test_server_tools_come_from_the_continuing_model(invoke, logs_path, capsys):
    from llm.cli.tooling import tools_from_logs
    from llm.logs import latest_conversation_id, open_logs_db

    assert invoke(["-m", "echo", "first", "-T", "EchoSearch(depth=2)"]).exit_code == 0
    db = open_logs_db(logs_path)
    conversation_id = latest_conversation_id(db)
    [tool] = tools_from_logs(db, conversation_id, model=llm.get_model("echo"))
    assert tool.tool_spec(None) == {"type": "echo_search", "depth": 2}
    # A model without that server-side tool continues without it, with a warning.
    capsys.readouterr()
    assert tools_from_logs(db, conversation_id, model=llm.get_model("mock")) == []
    assert "not available: EchoSearch" in capsys.readouterr().err
    db.close()


def test_server_side_tools_by_class_name(invoke):
    result = invoke(
        [
            "-m",
            "echo",
            "-n",
            "search please",
            "-T",
            "EchoSearch(depth=3)",
            "-T",
            'ServerSideTool({"type": "browser_search"})',
        ]
    )
    assert result.exit_code == 0, result.stderr
    output = echo_output(result.stdout)
    assert output["tools"] == ["echo_search", "browser_search"]
    assert output["server_tools"] == [
        {"type": "echo_search", "depth": 3},
        {"type": "browser_search"},
    ]


def test_server_side_tool_unsupported_by_model_is_unknown(invoke):
    result = invoke(["-m", "mock", "-n", "x", "-T", "EchoSearch"])
    assert result.exit_code == 1
    assert "Unknown tool: EchoSearch" in result.stderr


def test_continue_with_a_model_lacking_server_tools_drops_them(invoke, mock_model):
    first = invoke(["-m", "echo", "search", "-T", "EchoSearch(depth=2)"])
    assert first.exit_code == 0, first.stderr
    mock_model.enqueue("fine")
    result = invoke(["-c", "-m", "mock", "again"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "fine\n"
    assert "EchoSearch" in result.stderr  # the user is told it was left out
    assert mock_model.prompts[-1].tools == []
