"""API details published plugins rely on (found running real PyPI plugins)."""

from __future__ import annotations

import json

import llm
from llm.parts import StreamEvent


def test_prompt_and_system_are_strings_never_none(mock_model):
    # llm-echo calls prompt.prompt.strip(); llm-markov prompt.prompt.split()
    response = mock_model.prompt(None, attachments=[])
    assert response.prompt.prompt == ""
    assert response.prompt.system == ""
    with_system = mock_model.prompt("hi", system="be kind")
    assert (with_system.prompt.prompt, with_system.prompt.system) == ("hi", "be kind")


def test_tool_follow_up_prompts_have_empty_text():
    call = {"name": "llm_version", "arguments": {}, "id": "c1"}
    chain = llm.get_model("echo").chain(
        json.dumps({"tool_calls": [call]}), tools=[llm.get_tools()["llm_version"]]
    )
    follow_up = list(chain.responses())[-1]
    assert follow_up.prompt.prompt == ""


def test_partition_tools_and_message_import_paths():
    from llm.models import _partition_tools
    from llm.parts import Message

    class Search(llm.ServerSideTool):
        name = "search"

    def add(a: int, b: int) -> int:
        "Add."
        return a + b

    search = Search()
    tools = llm.models.Prompt("x", llm.get_model("mock"), tools=[add, search]).tools
    functions, server_side = _partition_tools(None, tools)
    assert [t.name for t in functions] == ["add"] and server_side == [search]
    assert Message is llm.Message


def test_stream_event_accepts_message_index(mock_model):
    mock_model.enqueue(StreamEvent(type="text", chunk="hi", message_index=0))
    assert mock_model.prompt("x").text() == "hi"
