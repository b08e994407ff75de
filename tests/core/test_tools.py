"""Tools, toolboxes, tool execution and chains."""

import asyncio
import json

import pytest

import llm
from llm.parts import AttachmentPart, ToolResultPart


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


def tool_calls_prompt(*calls):
    return json.dumps({"tool_calls": list(calls)})


def test_tool_from_function_schema():
    def count(text: str, character: str, limit: int = 3, llm_tool_call=None) -> int:
        "Count occurrences."
        return text.count(character)

    tool = llm.Tool.function(count)
    assert tool.name == "count"
    assert tool.description == "Count occurrences."
    assert tool.input_schema == {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "character": {"type": "string"},
            "limit": {"type": "integer", "default": 3},
        },
        "required": ["text", "character"],
    }
    assert llm.Tool.function(count, name="c").name == "c"
    assert len(tool.hash()) == 64


def test_unannotated_parameters_are_strings():
    def shout(string):
        "Shout"
        return string

    assert llm.Tool.function(shout).input_schema["properties"]["string"] == {
        "type": "string"
    }


def test_prompt_tools_calls_and_results(mock_model):
    mock_model.enqueue(llm.ToolCall(name="upper", arguments={"text": "panda"}))
    response = mock_model.prompt("Convert panda to upper", tools=[upper])
    (call,) = response.tool_calls()
    assert call.name == "upper" and call.arguments == {"text": "panda"}
    assert call.tool_call_id.startswith("tc_")
    (result,) = response.execute_tool_calls()
    assert result == llm.ToolResult(
        name="upper", output="PANDA", tool_call_id=call.tool_call_id
    )


def test_synthesized_tool_call_ids_are_unique(mock_model):
    mock_model.enqueue(
        llm.ToolCall(name="upper", arguments={"text": "a"}),
        llm.ToolCall(name="upper", arguments={"text": "b"}),
    )
    calls = mock_model.prompt("x", tools=[upper]).tool_calls()
    ids = {c.tool_call_id for c in calls}
    assert len(ids) == 2 and all(i.startswith("tc_01") for i in ids)


def test_reply_executes_pending_calls_and_continues(mock_model):
    mock_model.enqueue(
        llm.ToolCall(name="upper", arguments={"text": "panda"}, tool_call_id="c1")
    )
    mock_model.enqueue("PANDA it is")
    response = mock_model.prompt("Convert panda", tools=[upper])
    follow_up = response.reply()
    assert follow_up.text() == "PANDA it is"
    prompt = mock_model.prompts[-1]
    assert prompt.tool_results == [
        llm.ToolResult(name="upper", output="PANDA", tool_call_id="c1")
    ]
    assert [m.role for m in prompt.messages] == ["user", "assistant", "tool"]
    assert prompt.messages[1].tool_calls[0].tool_call_id == "c1"


def test_reply_with_explicit_results_skips_execution(mock_model):
    executed = []

    def tool(x: str) -> str:
        "t"
        executed.append(x)
        return x

    mock_model.enqueue(
        llm.ToolCall(name="tool", arguments={"x": "1"}, tool_call_id="c1")
    )
    response = mock_model.prompt("x", tools=[tool])
    response.text()
    response.reply(
        "now translate",
        tool_results=[llm.ToolResult(name="tool", output="SYN", tool_call_id="c1")],
    ).text()
    assert executed == []
    assert mock_model.prompts[-1].messages[-1].text == "now translate"
    assert mock_model.prompts[-1].messages[-2].tool_results[0].output == "SYN"


def test_chain_runs_tools_until_done():
    model = llm.get_model("echo")
    chain = model.chain(
        tool_calls_prompt({"name": "upper", "arguments": {"text": "panda"}}),
        tools=[upper],
    )
    responses = list(chain.responses())
    assert len(responses) == 2
    final = json.loads(responses[1].text())
    assert final["tool_results"][0]["output"] == "PANDA"
    assert chain.text().endswith("}")


def test_chain_before_and_after_call():
    seen = []

    def before_call(tool, tool_call):
        seen.append(("before", tool.name if tool else None, tool_call.arguments))
        if "bad" in repr(tool_call.arguments):
            raise llm.CancelToolCall("not allowed")

    def after_call(tool, tool_call, tool_result):
        seen.append(("after", tool.name, tool_result.output))

    chain = llm.get_model("echo").chain(
        tool_calls_prompt(
            {"name": "upper", "arguments": {"text": "ok"}},
            {"name": "upper", "arguments": {"text": "bad"}},
        ),
        tools=[upper],
        before_call=before_call,
        after_call=after_call,
    )
    final = json.loads(list(chain.responses())[-1].text())
    assert seen == [
        ("before", "upper", {"text": "ok"}),
        ("after", "upper", "OK"),
        ("before", "upper", {"text": "bad"}),
    ]
    outputs = [r["output"] for r in final["tool_results"]]
    assert outputs == ["OK", "Cancelled: not allowed"]


def test_tool_errors_go_back_to_the_model():
    def broken(x: str) -> str:
        "Always fails"
        raise RuntimeError("disk on fire")

    chain = llm.get_model("echo").chain(
        tool_calls_prompt(
            {"name": "broken", "arguments": {"x": "1"}}, {"name": "missing"}
        ),
        tools=[broken],
    )
    final = json.loads(list(chain.responses())[-1].text())
    assert [r["output"] for r in final["tool_results"]] == [
        "Error: disk on fire",
        'Error: tool "missing" does not exist',
    ]


def test_before_call_gets_none_for_unknown_tool():
    seen = []
    llm.get_model("echo").chain(
        tool_calls_prompt({"name": "ghost"}),
        tools=[upper],
        before_call=lambda tool, call: seen.append((tool, call.name)),
    ).text()
    assert seen == [(None, "ghost")]


def test_chain_limit():
    class Loop(llm.Model):
        model_id = "loop"
        supports_tools = True

        def execute(self, prompt, stream, response, conversation):
            response.add_tool_call(
                llm.ToolCall(name="upper", arguments={"text": "again"})
            )
            return []

    for limit in (1, 3):
        chain = Loop().chain("go", tools=[upper], chain_limit=limit)
        with pytest.raises(ValueError, match=f"^Chain limit of {limit} exceeded.$"):
            chain.text()
        # chain_limit counts model calls, the first one included.
        assert len(list(chain.responses())) == limit
    with pytest.raises(llm.ChainLimitExceeded):
        Loop().chain("go", tools=[upper], chain_limit=2).text()


def test_llm_tool_call_parameter_is_injected_and_hidden():
    received = []

    def lookup(name: str, llm_tool_call: llm.ToolCall) -> str:
        "Look up a name"
        received.append(llm_tool_call.tool_call_id)
        return name

    tool = llm.Tool.function(lookup)
    assert list(tool.input_schema["properties"]) == ["name"]
    llm.get_model("echo").chain(
        tool_calls_prompt(
            {"name": "lookup", "arguments": {"name": "x"}, "id": "call-9"}
        ),
        tools=[lookup],
    ).text()
    assert received == ["call-9"]


def test_async_tool_in_sync_chain():
    async def hello(name: str) -> str:
        "Say hello"
        await asyncio.sleep(0)
        return "Hello there " + name

    chain = llm.get_model("echo").chain(
        tool_calls_prompt({"name": "hello", "arguments": {"name": "Percival"}}),
        tools=[hello],
    )
    final = json.loads(list(chain.responses())[-1].text())
    assert final["tool_results"][0]["output"] == "Hello there Percival"


def test_non_string_output_is_json():
    def data() -> dict:
        "d"
        return {"a": [1, 2]}

    chain = llm.get_model("echo").chain(
        tool_calls_prompt({"name": "data"}), tools=[data]
    )
    assert (
        json.loads(list(chain.responses())[-1].text())["tool_results"][0]["output"]
        == '{"a": [1, 2]}'
    )


def test_tool_output_attachments_reach_next_prompt(mock_model):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

    def draw(prompt: str) -> llm.ToolOutput:
        "Draw"
        return llm.ToolOutput(
            output="drawn",
            attachments=[llm.Attachment(content=png, mimetype="image/png")],
        )

    mock_model.enqueue(
        llm.ToolCall(name="draw", arguments={"prompt": "cat"}, tool_call_id="d1")
    )
    mock_model.enqueue("nice")
    mock_model.chain("draw a cat", tools=[draw]).text()
    follow_up = mock_model.prompts[-1]
    # The tool result is text; the file follows it as a user message of
    # attachments in the same turn, as the original sends it.
    *_, results, files = follow_up.messages
    assert (results.role, files.role) == ("tool", "user")
    (result_part,) = results.parts
    assert isinstance(result_part, ToolResultPart)
    assert (result_part.output, result_part.attachments) == ("drawn", [])
    (file_part,) = files.parts
    assert isinstance(file_part, AttachmentPart)
    assert file_part.attachment.content_bytes() == png
    # Plugins that read prompt.attachments see it as an attachment of the next prompt.
    assert [a.content_bytes() for a in follow_up.attachments] == [png]
    assert follow_up.own_attachments == []


class Memory(llm.Toolbox):
    _memory = None

    def _get_memory(self):
        if self._memory is None:
            self._memory = {}
        return self._memory

    def set(self, key: str, value: str):
        "Set something as a key"
        self._get_memory()[key] = value

    def get(self, key: str):
        "Get something from a key"
        return self._get_memory().get(key) or ""

    def keys(self):
        "Return a list of keys"
        return list(self._get_memory().keys())


def test_toolbox_methods_become_tools_and_keep_state():
    memory = Memory()
    assert sorted(t.name for t in memory.tools()) == [
        "Memory_get",
        "Memory_keys",
        "Memory_set",
    ]
    conversation = llm.get_model("echo").conversation(tools=[memory])
    conversation.chain(
        tool_calls_prompt(
            {"name": "Memory_set", "arguments": {"key": "name", "value": "Simon"}}
        )
    ).text()
    assert memory._memory == {"name": "Simon"}
    final = conversation.chain(
        tool_calls_prompt({"name": "Memory_get", "arguments": {"key": "name"}})
    )
    assert (
        json.loads(list(final.responses())[-1].text())["tool_results"][0]["output"]
        == "Simon"
    )


def test_toolbox_config_prepare_and_add_tool():
    class Files(llm.Toolbox):
        "Work with files in a directory."

        prepared = 0

        def __init__(self, root: str, readonly: bool = True):
            self.root = root

        def prepare(self):
            type(self).prepared += 1

            def extra(self, name: str) -> str:
                "Dynamic tool"
                return f"{self.root}/{name}"

            self.add_tool(extra, pass_self=True)

        def ls(self) -> str:
            "List"
            return self.root

    files = Files("/tmp")
    assert files.config() == {"root": "/tmp", "readonly": True}
    assert repr(files) == "Files(root='/tmp', readonly=True)"
    assert Files.is_dynamic() and not Memory.is_dynamic()
    chain = llm.get_model("echo").chain(
        tool_calls_prompt({"name": "Files_extra", "arguments": {"name": "a.txt"}}),
        tools=[files],
    )
    final = json.loads(list(chain.responses())[-1].text())
    assert final["tool_results"][0]["output"] == "/tmp/a.txt"
    assert Files.prepared == 1


def test_pause_chain_propagates_with_context():
    def approve(path: str) -> str:
        "Needs approval"
        raise llm.PauseChain("waiting for approval to delete " + path)

    chain = llm.get_model("echo").chain(
        tool_calls_prompt(
            {"name": "upper", "arguments": {"text": "first"}, "id": "a"},
            {"name": "approve", "arguments": {"path": "/x"}, "id": "b"},
            {"name": "upper", "arguments": {"text": "never"}, "id": "c"},
        ),
        tools=[upper, approve],
    )
    with pytest.raises(llm.PauseChain) as info:
        chain.text()
    assert info.value.tool_call.tool_call_id == "b"
    assert [r.output for r in info.value.tool_results] == ["FIRST"]


def test_resume_from_messages_with_pending_calls(mock_model):
    executed = []

    def delete(path: str) -> str:
        "Delete"
        executed.append(path)
        return "deleted " + path

    history = [
        llm.user("delete two files"),
        llm.assistant(
            llm.parts.ToolCallPart(
                name="delete", arguments={"path": "a"}, tool_call_id="1"
            ),
            llm.parts.ToolCallPart(
                name="delete", arguments={"path": "b"}, tool_call_id="2"
            ),
        ),
        llm.tool_message(
            llm.ToolResult(name="delete", output="deleted a", tool_call_id="1")
        ),
    ]
    mock_model.enqueue("all done")
    chain = mock_model.chain(messages=history, tools=[delete], system="careful")
    assert chain.text() == "all done"
    assert executed == ["b"]
    sent = mock_model.prompts[0].messages
    assert sent[0].role == "system"
    assert sent[-1].tool_results[0].output == "deleted b"


def test_no_resume_when_conversation_moved_on(mock_model):
    from llm.tool_execution import pending_tool_calls

    history = [
        llm.assistant(
            llm.parts.ToolCallPart(name="delete", arguments={}, tool_call_id="1")
        ),
        llm.user("never mind"),
    ]
    assert pending_tool_calls(history) == []


def test_id_less_results_match_by_name():
    from llm.tool_execution import pending_tool_calls

    history = [
        llm.assistant(
            llm.parts.ToolCallPart(name="a", arguments={}),
            llm.parts.ToolCallPart(name="b", arguments={}),
        ),
        llm.tool_message(llm.parts.ToolResultPart(name="a", output="x")),
    ]
    assert [c.name for c in pending_tool_calls(history)] == ["b"]


def test_execute_tool_call_for_provider_managed_loops():
    seen = []

    class Managed(llm.Model):
        model_id = "managed"
        supports_tools = True

        def execute(self, prompt, stream, response, conversation):
            result = response.execute_tool_call(
                llm.ToolCall(name="upper", arguments={"text": "x"})
            )
            yield result.output

    response = Managed().chain(
        "go", tools=[upper], after_call=lambda t, c, r: seen.append(r.output)
    )
    assert response.text() == "X"
    assert seen == ["X"]


def test_async_chain_runs_calls_concurrently_and_hooks():
    order = []

    async def slow(name: str) -> str:
        "slow"
        order.append("start " + name)
        await asyncio.sleep(0.01)
        order.append("end " + name)
        return name

    async def after_call(tool, call, result):
        order.append("after " + result.output)

    model = llm.get_async_model("echo")

    async def go():
        chain = model.chain(
            tool_calls_prompt(
                {"name": "slow", "arguments": {"name": "a"}},
                {"name": "slow", "arguments": {"name": "b"}},
            ),
            tools=[slow],
            after_call=after_call,
        )
        return await chain.text()

    text = asyncio.run(go())
    assert order[:2] == ["start a", "start b"]
    assert "after a" in order and "after b" in order
    assert json.loads(text)["tool_results"][1]["output"] == "b"


def test_async_pause_lets_siblings_finish():
    async def ok(x: str) -> str:
        "ok"
        return x

    async def pause(x: str) -> str:
        "pause"
        raise llm.PauseChain("hold")

    model = llm.get_async_model("echo")

    async def go():
        await model.chain(
            tool_calls_prompt(
                {"name": "pause", "arguments": {"x": "1"}, "id": "p"},
                {"name": "ok", "arguments": {"x": "2"}, "id": "o"},
            ),
            tools=[ok, pause],
        ).text()

    with pytest.raises(llm.PauseChain) as info:
        asyncio.run(go())
    assert info.value.tool_call.tool_call_id == "p"
    assert [r.output for r in info.value.tool_results] == ["2"]


def test_toolbox_class_instead_of_instance_is_a_clear_error(mock_model):
    with pytest.raises(TypeError, match="instance"):
        mock_model.prompt("x", tools=[Memory]).text()


def test_server_side_tools_validation(mock_model):
    class Search(llm.ServerSideTool):
        name = "search"

        def tool_spec(self, model):
            return {"type": "search"}

    with pytest.raises(llm.UnsupportedFeatureError) as info:
        mock_model.prompt("x", tools=[Search()])
    # Names the command that lists what the model does support.
    assert str(info.value) == (
        "Model 'mock' does not support server-side tool 'search'. "
        "Run: llm tools -m mock"
    )

    class SearchModel(llm.Model):
        model_id = "search-model"

        @property
        def supported_server_side_tools(self):
            return (Search,)

        def execute(self, prompt, stream, response, conversation):
            yield json.dumps([t.tool_spec(self) for t in prompt.tools])

    assert SearchModel().prompt("x", tools=[Search()]).text() == '[{"type": "search"}]'
    with pytest.raises(llm.UnsupportedFeatureError):
        SearchModel().prompt(
            "x", tools=[llm.ServerSideTool({"type": "browser_search"})]
        )


def test_registered_default_tools():
    tools = llm.get_tools()
    assert (
        tools["llm_version"].implementation()
        == llm.get_tools()["llm_version"].implementation()
    )
    assert tools["llm_time"].plugin == "llm.default_plugins.default_tools"
    assert "utc_time" in tools["llm_time"].implementation()


def test_chain_without_tools_does_not_loop_on_tool_calls(mock_model):
    """Plugins that use tool calls internally (e.g. for schemas) must not loop."""
    mock_model.enqueue(
        '{"name": "Rex"}', llm.ToolCall(name="output_structured_data", arguments={})
    )
    chain = mock_model.chain("a dog")
    assert chain.text() == '{"name": "Rex"}'
    assert len(mock_model.prompts) == 1


def test_toolbox_whose_tools_need_prepare_is_not_expanded_at_prompt_time(mock_model):
    class Remote(llm.Toolbox):
        def prepare(self):
            self._names = ["ping"]

        def tools(self):
            return [
                llm.Tool(
                    name=f"Remote_{name}",
                    description="Reply with pong.",
                    input_schema={"type": "object", "properties": {}},
                    implementation=lambda: "pong",
                )
                for name in self._names
            ]

    mock_model.enqueue(llm.ToolCall(name="Remote_ping", arguments={}))
    mock_model.enqueue("done")
    chain = mock_model.chain("hi", tools=[Remote()])
    assert chain.text() == "done"
    [result] = mock_model.prompts[-1].tool_results
    assert result.output == "pong"
